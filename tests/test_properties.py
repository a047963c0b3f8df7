"""Properties over generated cases: figures or findings, never an exception."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kim_docs.errors import InputError
from kim_docs.evaluate import evaluate
from kim_docs.model import POSTEN, parse_case
from kim_docs.report import calc_json

amounts = st.one_of(
    st.decimals(min_value=-100, max_value=60000, places=2),
    st.decimals(min_value=0, max_value=60000, places=3),
    st.integers(min_value=0, max_value=60000).map(Decimal))
dates = st.dates(min_value=dt.date(2023, 6, 1), max_value=dt.date(2027, 6, 30))


@st.composite
def stellen(draw):
    funktion = draw(st.sampled_from(["koordination", "verwaltungsassistenz"]))
    stelle = {"bezeichnung": draw(st.text(min_size=1, max_size=20)), "funktion": funktion,
              "anteil": draw(st.one_of(st.sampled_from(["0.5", "1", "0.25", "0.75"]),
                                       st.decimals(min_value=-1, max_value=2, places=3)))}
    if draw(st.booleans()):
        stelle["qualifikation"] = draw(st.sampled_from(["diplom_fh", "bachelor", "master", "gleichwertig"]))
    if draw(st.booleans()):
        stelle["besetzt_von"] = draw(dates)
    if draw(st.booleans()):
        stelle["besetzt_bis"] = draw(dates)
    if draw(st.booleans()):
        stelle["kommune"] = draw(st.sampled_from(["Stadt Marl", "Stadt Lippstadt", "Gemeinde X"]))
    return stelle


@st.composite
def cases(draw):
    year = draw(st.integers(min_value=2023, max_value=2027))
    beginn = draw(st.dates(min_value=dt.date(year, 1, 1), max_value=dt.date(year, 12, 31)))
    ende = draw(st.one_of(st.dates(min_value=beginn, max_value=dt.date(year, 12, 31)), dates))
    kommunen = draw(st.lists(st.fixed_dictionaries({
        "name": st.sampled_from(["Stadt Marl", "Stadt Lippstadt", "Gemeinde X", "Stadt Aachen"]),
        "auslaenderbehoerde": st.booleans(), "jugendamt": st.booleans(), "integrationsrat": st.booleans()}),
        max_size=3))
    data = {
        "antragsteller": {"name": "Test", "art": draw(st.sampled_from(
            ["kreis", "staedteregion", "kreisfreie_stadt", "kreisangehoerige_gemeinde"])),
            "ags": draw(st.sampled_from(["05974000", "05999000", "05315000"])),
            "bankverbindung": {"iban": draw(st.sampled_from(["DE89370400440532013000", "DE00", "DE89370400440532013001"]))}},
        "voraussetzungen": {"ki_betrieb": draw(st.booleans()), "angliederung_an_ki": draw(st.booleans()),
                            "lenkungsgruppe": True, "konzept_datum": draw(st.one_of(st.none(), dates))},
        "bewilligungszeitraum": {"beginn": beginn, "ende": ende},
        "antrag": {"datum": draw(dates), "sachausgaben": draw(amounts), "veranstaltungen": draw(amounts),
                   "massnahmen": draw(amounts)},
        "stellen": draw(st.lists(stellen(), min_size=1, max_size=7)),
        "kreisangehoerige_kommunen": kommunen,
    }
    if draw(st.booleans()):
        data["bescheid"] = {"datum": draw(dates), "bewilligt": {"massnahmen": draw(amounts)}}
    if draw(st.booleans()):
        data["verwendungsnachweis"] = {"erhalten": draw(amounts), "ist": {k: draw(amounts) for k in POSTEN[:3]}}
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_any_case_gives_figures_or_findings(data):
    try:
        fall = parse_case(data)
    except InputError:
        return  # a clear parse error is a valid outcome
    ergebnis = evaluate(fall)
    out = calc_json(ergebnis)
    b = ergebnis.berechnung
    if b is None:
        assert any(f.schwere == "fehler" for f in ergebnis.befunde)
        return
    assert sum((r.betrag for r in b.auszahlungen), Decimal(0)) == b.gesamt
    assert all(r.betrag >= 0 for r in b.auszahlungen)
    for key in POSTEN:
        assert b.betraege[key] <= b.hoechstbetraege[key]
        assert b.betraege[key] == b.betraege[key].quantize(Decimal("0.01"))
    assert b.gesamt == sum((b.betraege[k] for k in POSTEN), Decimal(0))
    assert sum((w.gesamt for w in b.weiterleitung), Decimal(0)) <= b.gesamt
    if b.verwendung:
        assert b.verwendung.anerkannt["gesamt"] <= b.gesamt
        assert b.verwendung.rueckforderung == 0 or b.verwendung.nachzahlung == 0
    assert all(isinstance(v, str) for v in out["betraege"].values())
