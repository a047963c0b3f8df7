"""Rule 26: Erstattungszinsen (§ 49a Abs. 3 VwVfG NRW), to the cent, and the Basiszinssätze data."""
from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal as D

import pytest
from helpers import make_case, write_case

from kim_docs.errors import InputError
from kim_docs.evaluate import evaluate
from kim_docs.model import parse_case
from kim_docs.reference import basiszins
from kim_docs.reference.basiszins import load_basiszinssaetze
from kim_docs.report import calc_json

# One full Koordination Stelle for 2025: granted 57 000,00 €, paid 28 500,00 € on 1 May and
# 1 October 2025; spent 42 000,00 € → Rückforderung 57 000 − 42 000 = 15 000,00 €.
RUECKFORDERUNG = {
    "verwendungsnachweis": {"datum": "2026-02-15", "erhalten": "57000.00",
                            "ist": {"personal_koordination": "42000.00", "personal_verwaltungsassistenz": "0",
                                    "sachausgaben": "0", "veranstaltungen": "0", "massnahmen": "0"}},
}


def case(**erstattung):
    data = make_case(**copy.deepcopy(RUECKFORDERUNG))
    data["erstattung"] = erstattung
    return data


def run(data):
    ergebnis = evaluate(parse_case(data))
    return calc_json(ergebnis), ergebnis


def test_interest_across_1_july_split_and_rounded_once():
    out, ergebnis = run(case(wirkung_ab="2025-05-31", zinsen_bis="2025-08-04"))
    assert not ergebnis.hat_fehler
    # Hand-checked: 1.6.–30.6.2025 = 30 days at 2.27 + 5 = 7.27 %:
    #   15 000 × 0.0727 × 30 / 365 = 32 715 / 365   = 89.630137 €
    # 1.7.–4.8.2025 = 35 days at 1.27 + 5 = 6.27 %:
    #   15 000 × 0.0627 × 35 / 365 = 32 917.5 / 365 = 90.184932 €
    # sum exact 65 632.5 / 365 = 179.815068 → 179.82 € (rounding each part would give 179.81)
    assert out["erstattung"] == {
        "betrag": "15000.00", "wirkung_ab": "2025-05-31", "zinsen_bis": "2025-08-04",
        "perioden": [
            {"von": "2025-06-01", "bis": "2025-06-30", "tage": 30, "basiszinssatz": "2.27", "zinssatz": "7.27"},
            {"von": "2025-07-01", "bis": "2025-08-04", "tage": 35, "basiszinssatz": "1.27", "zinssatz": "6.27"},
        ],
        "zinsen": "179.82", "gesamt": "15179.82",
    }


def test_default_wirkung_ab_is_last_instalment_across_new_year():
    out, _ = run(case(zinsen_bis="2026-01-31"))
    # Last instalment 1.10.2025; days 2.10.–31.12.2025 = 91 at 6.27 %, 1.1.–31.1.2026 = 31 at 6.27 %:
    # 15 000 × 0.0627 × 122 / 365 = 114 741 / 365 = 314.361644 → 314.36 €
    e = out["erstattung"]
    assert e["wirkung_ab"] == "2025-10-01"
    assert [(p["von"], p["bis"], p["tage"]) for p in e["perioden"]] == [
        ("2025-10-02", "2025-12-31", 91), ("2026-01-01", "2026-01-31", 31)]
    assert (e["zinsen"], e["gesamt"]) == ("314.36", "15314.36")


def test_zinsverzicht_gives_zero_with_its_reason():
    out, ergebnis = run(case(zinsen_bis="2026-03-31", zinsverzicht=True,
                             zinsverzicht_begruendung="Die Überzahlung beruht auf einem Fehler der Behörde."))
    assert out["erstattung"]["zinsen"] == "0.00"
    assert out["erstattung"]["gesamt"] == "15000.00"
    assert out["erstattung"]["perioden"] == []
    assert not ergebnis.hat_fehler


def test_zinsverzicht_without_reason_is_a_fehler():
    out, _ = run(case(zinsen_bis="2026-03-31", zinsverzicht=True))
    fehler = [b for b in out["befunde"] if b["schwere"] == "fehler"]
    assert [(b["feld"], b["meldung"]) for b in fehler] == [
        ("erstattung.zinsverzicht_begruendung",
         "Ein Zinsverzicht (§ 49a Abs. 3 Satz 2 VwVfG NRW) braucht eine Begründung.")]


def test_day_without_known_rate_is_a_fehler_naming_the_date():
    out, ergebnis = run(case(zinsen_bis="2026-07-15"))
    assert ergebnis.hat_fehler
    fehler = [b for b in out["befunde"] if b["code"] == "basiszinssatz_unbekannt"]
    assert len(fehler) == 1
    assert fehler[0]["nr"] is None and fehler[0]["feld"] == "erstattung.zinsen_bis"
    assert fehler[0]["meldung"].startswith("Für den 01.07.2026 ist kein Basiszinssatz bekannt;")
    assert out["erstattung"]["zinsen"] is None and out["erstattung"]["gesamt"] is None


def test_user_rates_extend_the_table(tmp_path, monkeypatch):
    (tmp_path / "eigene.csv").write_text("ab,basiszinssatz,quelle\n2026-07-01,1.50,Deutsche Bundesbank\n",
                                         encoding="utf-8")
    monkeypatch.setenv(basiszins.ENV_VAR, str(tmp_path))
    saetze = load_basiszinssaetze()
    assert saetze[-1].ab == dt.date(2026, 7, 1) and saetze[-1].satz == D("1.50")
    out, ergebnis = run(case(wirkung_ab="2026-06-29", zinsen_bis="2026-07-02"))
    # 30.6.2026: 1 day at 6.27 %, 1.–2.7.2026: 2 days at 6.50 %:
    # 15 000 × (0.0627 × 1 + 0.065 × 2) / 365 = 2 890.5 / 365 = 7.919178 → 7.92 €
    assert out["erstattung"]["zinsen"] == "7.92"
    assert not ergebnis.hat_fehler


def test_broken_rate_file_names_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "kaputt.csv").write_text("ab,basiszinssatz,quelle\n2026-07-01,eins,Bundesbank\n",
                                         encoding="utf-8")
    monkeypatch.setenv(basiszins.ENV_VAR, str(tmp_path))
    with pytest.raises(InputError) as exc:
        load_basiszinssaetze()
    assert str(exc.value) == (f"{tmp_path / 'kaputt.csv'}, Zeile 2: Feld 'basiszinssatz': "
                              f"'eins' ist kein Zinssatz (z. B. 1.27).")


def test_no_erstattung_without_rueckforderung():
    data = case(zinsen_bis="2026-01-31")
    data["verwendungsnachweis"]["ist"]["personal_koordination"] = "57000.00"
    out, _ = run(data)
    assert out["erstattung"] is None
    assert [b["code"] for b in out["befunde"] if b["code"].startswith("erstattung")] == [
        "erstattung_ohne_rueckforderung"]


def test_calc_cli_prints_erstattung(tmp_path):
    path = write_case(tmp_path, case(wirkung_ab="2025-05-31", zinsen_bis="2025-08-04"))
    proc = subprocess.run([sys.executable, "-m", "kim_docs", "calc", str(path), "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["erstattung"]["zinsen"] == "179.82"


def test_sample_unna_vacancy_einnahmen_refund_with_interest():
    from kim_docs.model import load_case

    from helpers import SAMPLES

    ergebnis = evaluate(load_case(SAMPLES / "kreis-unna-erstattung-2025.yaml"))
    out = calc_json(ergebnis)
    assert not ergebnis.hat_fehler
    # Rule 23: Stelle 2 vacant to 30.6. → 28 500 Personal, 4 850 Sach cap; Stelle 1 spent 56 400 (< 57 000),
    # Stelle 2 spent 28 900, counted up to 28 500 → Koordination 84 900; Sach cap 9 700 + 4 850 + 4 850
    v = out["verwendung"]
    assert v["anerkannt"]["personal_koordination"] == "84900.00"
    assert v["anerkannt"]["sachausgaben"] == "19400.00"
    # Rule 24: 84 900 + 22 500 + 19 400 + 4 200 + 10 000 = 141 000 − 3 000 Einnahmen = 138 000
    assert (v["einnahmen"], v["anerkannt"]["gesamt"], v["rueckforderung"]) == ("3000.00", "138000.00", "37750.00")
    # Rule 26: from the last instalment (1.10.2025): 2.10.–31.12.2025 91 days + 1.1.–30.6.2026 181 days,
    # both at 1.27 + 5 = 6.27 %: 37 750 × 0.0627 × 272 / 365 = 643 803.6 / 365 = 1 763.845479 → 1 763.85
    e = out["erstattung"]
    assert [(p["von"], p["tage"], p["zinssatz"]) for p in e["perioden"]] == [
        ("2025-10-02", 91, "6.27"), ("2026-01-01", 181, "6.27")]
    assert (e["zinsen"], e["gesamt"]) == ("1763.85", "39513.85")
