"""Rule sets as data: a successor Richtlinie is a new file, never a code change."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kim_docs.errors import RuleSetError
from kim_docs.evaluate import evaluate
from kim_docs.model import parse_case
from kim_docs.report import calc_json
from kim_docs.rules import SHIPPED_DIR, load_rule_sets

from helpers import make_case

SUCCESSOR = """\
id: kim-nrw-2027
erweitert: kim-nrw-2024
titel: Nachfolgerichtlinie KIM (Test)
kurztitel: Richtlinie KIM NRW 2027
datum: 2026-11-02
fundstelle: MBl. NRW. 2026 S. 1
geltung: {nr: "9", beginn: 2026-01-01, ende: 2029-12-31}
stellen:
  koordination:
    jahresbetrag: "60000.00"
sachausgaben:
  jahresbetrag_je_stelle: "10000.00"
"""


def case_for(year: int, **changes):
    return parse_case(make_case(bewilligungszeitraum={"beginn": f"{year}-01-01", "ende": f"{year}-12-31"},
                                **{"antrag.datum": f"{year - 1}-10-01", "antrag.sachausgaben": "9700", **changes}))


@pytest.fixture
def successor_dir(tmp_path):
    (tmp_path / "kim-nrw-2027.yaml").write_text(SUCCESSOR, encoding="utf-8")
    return tmp_path


def test_shipped_rule_set_figures():
    rs = load_rule_sets()["kim-nrw-2024"]
    assert rs.stellen.koordination.jahresbetrag == Decimal("57000.00")
    assert rs.geltung.beginn == dt.date(2024, 1, 1) and rs.geltung.ende == dt.date(2026, 12, 31)
    assert rs.veroeffentlicht is None
    assert [a.buchstabe for a in rs.auflagen.liste] == ["a", "b", "c", "d", "e"]
    assert rs.anbest.ausgeschlossen == ["1.4", "5.4", "9.3.1", "9.5 Satz 1"]


def test_successor_computes_2027_without_code_change(successor_dir):
    rule_sets = load_rule_sets([successor_dir])
    out = calc_json(evaluate(case_for(2027, **{"antrag.sachausgaben": "10000"}), rule_sets))
    assert out["richtlinie"] == "kim-nrw-2027"
    assert out["hoechstbetraege"]["personal_koordination"] == "60000.00"
    assert out["betraege"]["sachausgaben"] == "10000.00"
    assert out["befunde"] == []


def test_overlap_takes_latest_with_hinweis_and_named_one_wins(successor_dir):
    rule_sets = load_rule_sets([successor_dir])
    ergebnis = evaluate(case_for(2026), rule_sets)
    assert ergebnis.regelwerk.id == "kim-nrw-2027"
    assert [(b.schwere, b.nr, b.feld) for b in ergebnis.befunde] == [("hinweis", "9", "bewilligungszeitraum")]
    named = evaluate(case_for(2026, richtlinie="kim-nrw-2024"), rule_sets)
    assert named.regelwerk.id == "kim-nrw-2024"
    assert calc_json(named)["hoechstbetraege"]["personal_koordination"] == "57000.00"
    assert named.befunde == []


def test_full_successor_file_without_inheritance(tmp_path):
    text = (SHIPPED_DIR / "kim-nrw-2024.yaml").read_text(encoding="utf-8")
    text = (text.replace("id: kim-nrw-2024", "id: kim-nrw-2027b").replace("beginn: 2024-01-01", "beginn: 2027-01-01")
            .replace("ende: 2026-12-31", "ende: 2029-12-31").replace('"10000.00"}', '"12000.00"}'))
    (tmp_path / "neu.yaml").write_text(text, encoding="utf-8")
    out = calc_json(evaluate(case_for(2027, **{"antrag.veranstaltungen": "12000"}), load_rule_sets([tmp_path])))
    assert out["richtlinie"] == "kim-nrw-2027b"
    assert out["betraege"]["veranstaltungen"] == "12000.00"


def test_override_sets_publication_date_via_environment(tmp_path, monkeypatch):
    (tmp_path / "veroeffentlichung.yaml").write_text(
        "id: kim-nrw-2024\nerweitert: kim-nrw-2024\nveroeffentlicht: 2024-05-10\n", encoding="utf-8")
    monkeypatch.setenv("KIM_DOCS_RULES_DIR", str(tmp_path))
    rule_sets = load_rule_sets()
    assert rule_sets["kim-nrw-2024"].veroeffentlicht == dt.date(2024, 5, 10)
    assert rule_sets["kim-nrw-2024"].stellen.koordination.jahresbetrag == Decimal("57000.00")
    out = calc_json(evaluate(case_for(2024), rule_sets))
    assert out["fristen"]["antrag"] == "2024-06-07"


def test_broken_rule_set_names_file_key_and_line(tmp_path):
    path = tmp_path / "kaputt.yaml"
    path.write_text(SUCCESSOR.replace("sachausgaben:\n  jahresbetrag_je_stelle", "sachausgaben:\n  jahresbetrag_je_stele"),
                    encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_rule_sets([tmp_path])
    assert str(info.value) == (f"{path}, Zeile 12: Feld 'sachausgaben.jahresbetrag_je_stele': Regelwerk fehlerhaft: "
                               "Schlüssel 'sachausgaben.jahresbetrag_je_stele' ist kein Schlüssel eines Regelwerks")


def test_rule_set_yaml_syntax_error(tmp_path):
    (tmp_path / "x.yaml").write_text("id: [x\n", encoding="utf-8")
    with pytest.raises(RuleSetError.__mro__[1]) as info:
        load_rule_sets([tmp_path])
    assert "x.yaml, Zeile 2, Spalte 1: YAML-Syntaxfehler" in str(info.value)


def test_unknown_base(tmp_path):
    (tmp_path / "x.yaml").write_text("id: neu\nerweitert: gibt-es-nicht\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_rule_sets([tmp_path])
    assert str(info.value).endswith("Feld 'erweitert': 'erweitert: gibt-es-nicht': unbekanntes Regelwerk")


def test_cli_rules_lists_both(cli, successor_dir):
    result = cli("--rules-dir", successor_dir, "rules")
    assert result.exit_code == 0
    assert "kim-nrw-2024: Richtlinie Kommunales Integrationsmanagement NRW" in result.stdout
    assert "gilt für Bewilligungszeiträume vom 01.01.2024 bis 31.12.2026 (Nr. 8)" in result.stdout
    assert "Koordination: 57.000,00 € je Vollzeitstelle und Jahr" in result.stdout
    assert "kim-nrw-2027: Richtlinie KIM NRW 2027" in result.stdout
    assert "Koordination: 60.000,00 € je Vollzeitstelle und Jahr" in result.stdout


def test_cli_missing_rules_dir(cli, tmp_path):
    result = cli("--rules-dir", tmp_path / "fehlt", "rules")
    assert result.exit_code == 2
    assert result.stderr == f"Fehler: {tmp_path / 'fehlt'}: Regelwerk-Ordner nicht gefunden\n"
