"""The checks (spec rules 1–17 and the findings table), with boundary values."""
from __future__ import annotations

import json

import pytest

from kim_docs.evaluate import evaluate
from kim_docs.model import load_case, parse_case

from helpers import SPEC, make_case


# rule 18: every case with a Bescheid gets this Hinweis while the ANBest-G text is not in
# the rule set; the tests of other rules leave it out (test_anbest_anlage_hinweis has it)
_ANLAGE = "anbest_anlage_fehlt"


def befunde(data, *, anlage=False):
    return [(b.schwere, b.nr, b.feld, b.code) for b in evaluate(parse_case(data)).befunde
            if anlage or b.code != _ANLAGE]


def fields(data, schwere=None):
    return [(b[1], b[2]) for b in befunde(data) if schwere is None or b[0] == schwere]


def test_base_case_is_clean():
    assert befunde(make_case()) == []


def test_spec_fehlerhaft_findings_all_present():
    expected = json.loads((SPEC / "stadt-fehlerhaft-2025.expected.json").read_text(encoding="utf-8"))
    ergebnis = evaluate(load_case(SPEC / "stadt-fehlerhaft-2025.yaml"))
    got = {(b.schwere, b.nr, b.feld) for b in ergebnis.befunde}
    for item in expected["befunde"]:
        assert (item["schwere"], item["nr"], item["feld"]) in got
    assert ergebnis.exit_code == expected["exit_status"]


# rule 1 -------------------------------------------------------------------------------

def test_no_rule_set_for_period():
    data = make_case(bewilligungszeitraum={"beginn": "2027-01-01", "ende": "2027-12-31"},
                     **{"antrag.datum": "2026-10-01"})
    assert befunde(data) == [("fehler", "8", "bewilligungszeitraum", "regelwerk_fehlt")]


@pytest.mark.parametrize("name, code", [("kim-nrw-2099", "regelwerk_unbekannt")])
def test_named_rule_set_unknown(name, code):
    assert befunde(make_case(richtlinie=name)) == [("fehler", "8", "richtlinie", code)]


def test_named_rule_set_not_covering():
    data = make_case(richtlinie="kim-nrw-2024", bewilligungszeitraum={"beginn": "2027-01-01", "ende": "2027-06-30"})
    assert befunde(data) == [("fehler", "8", "richtlinie", "regelwerk_gilt_nicht")]


# rule 2 -------------------------------------------------------------------------------

def test_period_reversed_and_two_years():
    data = make_case(bewilligungszeitraum={"beginn": "2025-12-31", "ende": "2025-01-01"})
    assert ("7.1", "bewilligungszeitraum") in fields(data, "fehler")
    data = make_case(bewilligungszeitraum={"beginn": "2025-07-01", "ende": "2026-06-30"})
    assert ("fehler", "7.1", "bewilligungszeitraum", "zeitraum_jahresuebergreifend") in befunde(data)


# rule 3 -------------------------------------------------------------------------------

def test_kreisangehoerige_gemeinde_is_fehler():
    data = make_case(**{"antragsteller.art": "kreisangehoerige_gemeinde"})
    assert ("fehler", "3.1", "antragsteller.art", "empfaenger_unzulaessig") in befunde(data)


# rule 4 -------------------------------------------------------------------------------

@pytest.mark.parametrize("key, nr", [("ki_betrieb", "4 a"), ("angliederung_an_ki", "4 b"),
                                     ("lenkungsgruppe", "4 c"), ("konzept_datum", "4 d")])
def test_voraussetzungen(key, nr):
    data = make_case(**{f"voraussetzungen.{key}": None if key == "konzept_datum" else False})
    assert befunde(data) == [("fehler", nr, f"voraussetzungen.{key}", f"voraussetzung_{key}")]


def test_angliederung_exception_is_hinweis():
    data = make_case(**{"voraussetzungen.angliederung_an_ki": False,
                        "voraussetzungen.ausnahme_angliederung_az": "MKJFGFI 1/2025"})
    assert befunde(data) == [("hinweis", "4 b", "voraussetzungen.ausnahme_angliederung_az",
                              "angliederung_ausnahme")]


# rule 5 -------------------------------------------------------------------------------

def _stellen(*anteile, funktion="koordination"):
    return [{"bezeichnung": f"S{i}", "funktion": funktion, "anteil": a, "qualifikation": "master"}
            for i, a in enumerate(anteile)]


@pytest.mark.parametrize("anteil, expected", [
    ("0", ("fehler", "anteil_ungueltig")), ("-0.5", ("fehler", "anteil_ungueltig")),
    ("1.01", ("fehler", "anteil_ungueltig")), ("0.333", ("fehler", "anteil_nachkommastellen")),
    ("0.49", ("warnung", "anteil_unter_halb")), ("0.01", ("warnung", "anteil_unter_halb")),
])
def test_anteil_bounds(anteil, expected):
    found = [(b[0], b[3]) for b in befunde(make_case(stellen=_stellen(anteil))) if b[2] == "stellen[0].anteil"]
    assert found == [expected]


@pytest.mark.parametrize("anteil", ["0.5", "1", "1.00", "0.75"])
def test_anteil_allowed(anteil):
    assert [b for b in befunde(make_case(stellen=_stellen(anteil))) if b[2] == "stellen[0].anteil"] == []


@pytest.mark.parametrize("art, anteile, ok", [
    ("kreis", ("1", "1", "1", "0.5"), True),
    ("kreis", ("1", "1", "1", "0.51"), False),
    ("staedteregion", ("1", "1", "1", "0.5"), True),
    ("kreisfreie_stadt", ("1", "1", "0.5"), True),
    ("kreisfreie_stadt", ("1", "1", "0.51"), False),
])
def test_koordination_cap(art, anteile, ok):
    data = make_case(stellen=_stellen(*anteile), **{"antragsteller.art": art})
    assert (("fehler", "5.4.1", "stellen", "koordination_ueber_hoechstanteil") in befunde(data)) is not ok


_KOMMUNEN = [{"name": "Stadt Lippstadt", "auslaenderbehoerde": True, "jugendamt": True, "integrationsrat": True},
             {"name": "Gemeinde Möhnesee", "auslaenderbehoerde": False, "jugendamt": False, "integrationsrat": False}]


def _fuer(kommune, *anteile):
    return [{**s, "bezeichnung": f"{kommune} {i}", "kommune": kommune} for i, s in enumerate(_stellen(*anteile))]


def test_koordination_cap_one_more_per_kommune_with_its_stelle():
    data = make_case(stellen=_stellen("1", "1", "1", "0.5") + _fuer("Stadt Lippstadt", "1"),
                     kreisangehoerige_kommunen=_KOMMUNEN)
    assert [b for b in befunde(data) if b[0] == "fehler"] == []
    # v2: a listed qualifying Kommune without a Stelle of its own raises nothing
    data = make_case(stellen=_stellen("1", "1", "1", "1", "0.5"), kreisangehoerige_kommunen=_KOMMUNEN)
    assert ("fehler", "5.4.1", "stellen", "koordination_ueber_hoechstanteil") in befunde(data)


def test_koordination_shares_of_one_kommune_at_most_one():
    data = make_case(stellen=_stellen("1") + _fuer("Stadt Lippstadt", "0.5", "0.51"),
                     kreisangehoerige_kommunen=_KOMMUNEN)
    assert ("fehler", "4 e", "stellen", "koordination_kommune_ueber_hoechstanteil") in befunde(data)
    data = make_case(stellen=_stellen("1") + _fuer("Stadt Lippstadt", "0.5", "0.5"),
                     kreisangehoerige_kommunen=_KOMMUNEN)
    assert [b for b in befunde(data) if b[0] == "fehler"] == []


def test_weiterleitung_only_with_kommune():
    stellen = _stellen("1")
    stellen[0]["weiterleitung"] = False
    assert befunde(make_case(stellen=stellen)) == [
        ("fehler", "3.2", "stellen[0].weiterleitung", "weiterleitung_ohne_kommune")]


def test_verwaltungsassistenz_cap():
    stellen = _stellen("1") + [{"bezeichnung": "VA", "funktion": "verwaltungsassistenz", "anteil": "0.5"},
                               {"bezeichnung": "VA2", "funktion": "verwaltungsassistenz", "anteil": "0.01"}]
    assert ("fehler", "5.4.1", "stellen", "verwaltungsassistenz_ueber_hoechstanteil") in befunde(make_case(stellen=stellen))


# rule 6 -------------------------------------------------------------------------------

def test_qualifikation_missing_and_gleichwertig():
    stellen = [{"bezeichnung": "A", "funktion": "koordination", "anteil": "1"},
               {"bezeichnung": "B", "funktion": "koordination", "anteil": "1", "qualifikation": "gleichwertig"},
               {"bezeichnung": "C", "funktion": "koordination", "anteil": "1", "qualifikation": "gleichwertig",
                "qualifikation_nachweis": "Fachwirt"},
               {"bezeichnung": "VA", "funktion": "verwaltungsassistenz", "anteil": "0.5"}]
    assert befunde(make_case(stellen=stellen)) == [
        ("warnung", "4 f", "stellen[0].qualifikation", "qualifikation_fehlt"),
        ("fehler", "4 f", "stellen[1].qualifikation_nachweis", "qualifikation_nachweis_fehlt")]


# rule 7 -------------------------------------------------------------------------------

QUAL = {"auslaenderbehoerde": True, "jugendamt": True, "integrationsrat": True}


def test_kreisfreie_stadt_lists_kommunen():
    data = make_case(kreisangehoerige_kommunen=[{"name": "Lippstadt", **QUAL}],
                     **{"antragsteller.art": "kreisfreie_stadt"})
    assert ("fehler", "3.2", "kreisangehoerige_kommunen", "kommunen_bei_kreisfreier_stadt") in befunde(data)


def test_kommune_twice_and_recipient_listed():
    kommunen = [{"name": "Stadt Lippstadt", **QUAL}, {"name": " Stadt Lippstadt ", **QUAL},
                {"name": "Stadt Aachen", "ags": "05334002", **QUAL}]
    found = befunde(make_case(kreisangehoerige_kommunen=kommunen))
    assert ("fehler", "3.2", "kreisangehoerige_kommunen[1].name", "kommune_doppelt") in found
    assert ("fehler", "3.2", "kreisangehoerige_kommunen[2].name", "kommune_ist_empfaenger") in found


def test_stelle_kommune_rules():
    kommunen = [{"name": "Stadt Lippstadt", **QUAL},
                {"name": "Gemeinde Welver", "auslaenderbehoerde": False, "jugendamt": True, "integrationsrat": True}]
    stellen = [{"bezeichnung": "A", "funktion": "koordination", "anteil": "1", "qualifikation": "master",
                "kommune": "Stadt Unbekannt"},
               {"bezeichnung": "B", "funktion": "koordination", "anteil": "1", "qualifikation": "master",
                "kommune": "Gemeinde Welver"},
               {"bezeichnung": "VA", "funktion": "verwaltungsassistenz", "anteil": "0.5", "kommune": "Stadt Lippstadt"},
               {"bezeichnung": "C", "funktion": "koordination", "anteil": "1", "qualifikation": "master",
                "kommune": "Stadt Lippstadt"}]
    found = [(b[2], b[3]) for b in befunde(make_case(stellen=stellen, kreisangehoerige_kommunen=kommunen))
             if b[2].endswith(".kommune")]
    assert found == [("stellen[0].kommune", "kommune_nicht_aufgefuehrt"),
                     ("stellen[1].kommune", "kommune_nicht_qualifiziert"),
                     ("stellen[2].kommune", "weiterleitung_verwaltungsassistenz")]


def test_qualifying_kommune_not_a_grosse_stadt_is_hinweis():
    kommunen = [{"name": "Stadt Lippstadt", **QUAL}, {"name": "Gemeinde Ense", **QUAL}]
    assert befunde(make_case(kreisangehoerige_kommunen=kommunen)) == [
        ("hinweis", "3.2", "kreisangehoerige_kommunen[1].name", "kommune_keine_grosse_stadt")]


# rule 8 -------------------------------------------------------------------------------

@pytest.mark.parametrize("von, bis, code", [("2025-08-01", "2025-07-31", "besetzung_umgekehrt"),
                                            ("2026-01-01", None, "besetzung_ausserhalb"),
                                            (None, "2024-12-31", "besetzung_ausserhalb")])
def test_besetzung(von, bis, code):
    stelle = {"bezeichnung": "A", "funktion": "koordination", "anteil": "1", "qualifikation": "master",
              "besetzt_von": von, "besetzt_bis": bis}
    assert befunde(make_case(stellen=[stelle])) == [("fehler", "5.4.1", "stellen[0].besetzt_von", code)]


def test_besetzung_single_day_in_period_is_fine():
    stelle = {"bezeichnung": "A", "funktion": "koordination", "anteil": "1", "qualifikation": "master",
              "besetzt_von": "2025-12-31", "besetzt_bis": "2025-12-31"}
    assert befunde(make_case(stellen=[stelle])) == []


# rules 10, 11 ---------------------------------------------------------------------------

@pytest.mark.parametrize("key, at_cap, nr", [("sachausgaben", "9700.00", "5.4.2"),
                                             ("veranstaltungen", "10000", "5.4.2 a"),
                                             ("massnahmen", "30000.00", "5.4.2 b")])
def test_amount_caps_at_and_one_cent_above(key, at_cap, nr):
    assert befunde(make_case(**{f"antrag.{key}": at_cap})) == []
    above = str(__import__("decimal").Decimal(at_cap) + __import__("decimal").Decimal("0.01"))
    # v2: a Warnung; the Bescheid grants the cap and refuses the rest (Teilablehnung)
    assert befunde(make_case(**{f"antrag.{key}": above})) == [
        ("warnung", nr, f"antrag.{key}", f"{key}_ueber_hoechstbetrag")]


def test_negative_and_three_decimals():
    data = make_case(**{"antrag.veranstaltungen": "-1", "antrag.massnahmen": "100.005"})
    assert befunde(data) == [("fehler", None, "antrag.veranstaltungen", "betrag_negativ"),
                             ("fehler", None, "antrag.massnahmen", "betrag_nachkommastellen")]


def test_three_decimals_in_verwendungsnachweis():
    data = make_case(verwendungsnachweis={"erhalten": "1.001", "ist": {k: "0" for k in (
        "personal_koordination", "personal_verwaltungsassistenz", "sachausgaben", "veranstaltungen", "massnahmen")}})
    assert [b for b in befunde(data) if b[0] == "fehler"] == [
        ("fehler", None, "verwendungsnachweis.erhalten", "betrag_nachkommastellen")]


# rule 13 --------------------------------------------------------------------------------

def test_bewilligt_above_fundable_and_missing_reason():
    data = make_case(**{"antrag.massnahmen": "20000", "antrag.veranstaltungen": "5000",
                        "bescheid": {"bewilligt": {"massnahmen": "20000.01", "veranstaltungen": "4999.99"}}})
    assert befunde(data) == [
        ("fehler", "7.2", "bescheid.bewilligt.massnahmen", "bewilligt_ueber_foerderfaehig"),
        ("fehler", "7.2", "bescheid.begruendung_kuerzung", "kuerzung_ohne_begruendung")]


def test_bewilligt_equal_is_not_a_cut():
    data = make_case(**{"antrag.massnahmen": "20000", "bescheid": {"bewilligt": {"massnahmen": "20000"}}})
    assert befunde(data) == []


# rule 15 --------------------------------------------------------------------------------

def test_antrag_on_frist_day_ok_one_day_late_warnung():
    assert befunde(make_case(**{"antrag.datum": "2024-10-31"})) == []
    assert befunde(make_case(**{"antrag.datum": "2024-11-01"})) == [
        ("warnung", "7.1", "antrag.datum", "antrag_verspaetet")]


def test_2024_frist_unknown_hinweis():
    data = make_case(bewilligungszeitraum={"beginn": "2024-01-01", "ende": "2024-12-31"}, **{"antrag.datum": "2024-05-20"})
    assert befunde(data) == [("hinweis", "7.1", "antrag.datum", "antragsfrist_unbekannt")]


# rules 16, 17, IBAN ------------------------------------------------------------------------

def test_ist_left_out_hinweis():
    data = make_case(verwendungsnachweis={"erhalten": "0", "ist": {"personal_koordination": "1"}})
    assert [b for b in befunde(data) if b[3] == "ist_fehlt"] == [
        ("hinweis", "7.4", "verwendungsnachweis.ist", "ist_fehlt")] * 4


def test_court_unknown_only_with_bescheid():
    data = make_case(**{"antragsteller.ags": "05999000"})
    assert befunde(data) == []
    data["bescheid"] = {"aktenzeichen": "1"}
    assert befunde(data) == [("fehler", None, "antragsteller.ags", "gericht_unbekannt")]
    data["antragsteller"]["verwaltungsgericht"] = "Verwaltungsgericht Arnsberg"
    assert befunde(data) == [("hinweis", None, "antragsteller.verwaltungsgericht", "gericht_aus_fall")]


def test_court_in_the_case_must_be_that_of_the_ags():
    data = make_case(**{"antragsteller.verwaltungsgericht": "Verwaltungsgericht Minden"})  # AGS of Kreis Soest
    assert befunde(data) == [("fehler", None, "antragsteller.verwaltungsgericht", "gericht_widerspricht_ags")]
    meldung = evaluate(parse_case(data)).befunde[0].meldung
    assert "'Verwaltungsgericht Minden'" in meldung and "Verwaltungsgericht Arnsberg" in meldung
    data["antragsteller"]["verwaltungsgericht"] = "Verwaltungsgericht Arnsberg"
    assert befunde(data) == []


def test_anbest_anlage_hinweis_only_with_bescheid():
    assert befunde(make_case(), anlage=True) == []
    assert befunde(make_case(bescheid={"aktenzeichen": "1"}), anlage=True) == [
        ("hinweis", "7.5", "bescheid", "anbest_anlage_fehlt")]


@pytest.mark.parametrize("iban, code", [("DE89370400440532013001", "iban_pruefziffer"),
                                        ("DE8937040044053201300", "iban_ungueltig")])
def test_iban(iban, code):
    assert befunde(make_case(**{"antragsteller.bankverbindung.iban": iban})) == [
        ("fehler", None, "antragsteller.bankverbindung.iban", code)]


def test_all_findings_at_once_not_only_first():
    data = make_case(**{"voraussetzungen.ki_betrieb": False, "voraussetzungen.lenkungsgruppe": False,
                        "antrag.massnahmen": "40000", "antragsteller.bankverbindung.iban": "DE00"})
    assert len([b for b in befunde(data) if b[0] == "fehler"]) == 3
    assert [b[3] for b in befunde(data) if b[0] == "warnung"] == ["massnahmen_ueber_hoechstbetrag"]


def test_meldung_is_german_with_nr():
    ergebnis = evaluate(parse_case(make_case(stellen=_stellen("0.25"))))
    assert ergebnis.befunde[0].meldung == (
        "Stelle 'S0': Anteil 0,25 liegt unter 0,5; in der Regel soll die Aufteilung der Stellen nicht unter "
        "0,5-Anteile erfolgen (Nr. 5.4.1 Satz 2).")
