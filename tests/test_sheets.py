"""Tests of the spreadsheet input (kim_docs/sheets/) and the batch sample."""
from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from stdnum import iban

from kim_docs import sheets
from kim_docs.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "batch"
REFERENCE = ROOT / "kim_docs" / "reference" / "nrw-zuwendungsempfaenger.csv"

FAELLE_HEADERS = ["Fall-ID", "Antragsteller", "Art", "AGS", "KI-Betrieb",
                  "Angliederung an KI", "Lenkungsgruppe", "Konzept-Datum", "Beginn", "Ende",
                  "Antrag-Datum", "Beantragt Sachausgaben", "Beantragt Veranstaltungen",
                  "Beantragt Maßnahmen"]
STELLEN_HEADERS = ["Fall-ID", "Bezeichnung", "Funktion", "Anteil", "Qualifikation",
                   "besetzt von", "Kommune"]
KOMMUNEN_HEADERS = ["Fall-ID", "Name", "Ausländerbehörde", "Jugendamt", "Integrationsrat"]


def make_workbook(path: Path, tables: dict[str, list[list]]) -> Path:
    """A workbook written with plain openpyxl (independent of sheets.build_workbook)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in tables.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    return path


def fall_row(fall_id: str, name: str = "Stadt Beispiel", **changes) -> list:
    values = dict(zip(FAELLE_HEADERS, [
        fall_id, name, "kreisfreie_stadt", "05998000", "ja", "ja", "ja",
        dt.date(2024, 9, 30), dt.date(2025, 1, 1), dt.date(2025, 12, 31), "15.10.2024",
        "19.400,00", 8000, "30.000"]))
    values.update(changes)
    return [values[h] for h in FAELLE_HEADERS]


def stelle_row(fall_id: str, anteil="1,0", funktion="koordination", **changes) -> list:
    values = dict(zip(STELLEN_HEADERS, [fall_id, f"Koordination {fall_id}", funktion,
                                        anteil, "master", None, None]))
    values.update(changes)
    return [values[h] for h in STELLEN_HEADERS]


# ------------------------------------------------------------------ cell values

@pytest.mark.parametrize("raw, expected", [
    ("57.000,00", "57000.00"), ("57000,5", "57000.5"), ("57.000", "57000"),
    ("57.000,00 €", "57000.00"), ("€ 1.234.567,89", "1234567.89"), ("57000.00", "57000.00"),
    ("0,5", "0.5"), ("0.5", "0.5"), ("0.500", "0.500"), ("-1,5", "-1.5"),
    ("30 000,00", "30000.00"), (0.1, "0.1"), (0.5, "0.5"), (57000, "57000"),
    (57000.0, "57000"), (22500.5, "22500.5"),  # 57000.0: as .xls gives it (57000)
])
def test_parse_betrag_is_exact(raw, expected):
    value = sheets.parse_betrag(raw)
    assert isinstance(value, Decimal)
    assert str(value) == expected  # same digits and exponent, not only equal


@pytest.mark.parametrize("raw", ["0,5x", "57,000.00", "fünf", "1.2.3", "True", True])
def test_parse_betrag_rejects(raw):
    with pytest.raises(InputError) as error:
        sheets.parse_betrag(raw)
    assert error.value.meldung == f"'{raw}' ist keine Zahl"


@pytest.mark.parametrize("raw", [
    dt.datetime(2025, 1, 20), dt.date(2025, 1, 20), "20.01.2025", "2025-01-20",
    " 20.1.2025 ", "2025-01-20 00:00:00",
])
def test_parse_datum(raw):
    assert sheets.parse_datum(raw) == dt.date(2025, 1, 20)


@pytest.mark.parametrize("raw, message", [
    ("31.02.2025", "'31.02.2025' ist kein gültiges Datum"),
    ("20.01.25", "'20.01.25' ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)"),
    (45677, "'45677' ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)"),
])
def test_parse_datum_rejects(raw, message):
    with pytest.raises(InputError) as error:
        sheets.parse_datum(raw)
    assert error.value.meldung == message


@pytest.mark.parametrize("raw, expected", [
    ("ja", True), ("Nein", False), ("wahr", True), ("FALSCH", False), ("x", True),
    (None, False), ("", False), (1, True), (0, False), ("TRUE", True), ("false", False),
    (True, True), (False, False), (1.0, True),
])
def test_parse_bool(raw, expected):
    assert sheets.parse_bool(raw) is expected


def test_parse_bool_rejects():
    with pytest.raises(InputError) as error:
        sheets.parse_bool("vielleicht")
    assert error.value.meldung == "'vielleicht' ist weder ja noch nein"


def test_cells_in_a_workbook_read_exactly(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {
        "Fälle": [FAELLE_HEADERS, fall_row("A", **{
            "Beantragt Sachausgaben": "57.000,00", "Beantragt Veranstaltungen": 0.1,
            "Beantragt Maßnahmen": "29.999,99 €", "Antrag-Datum": "20.01.2025",
            "Beginn": "2025-01-01", "Ende": dt.datetime(2025, 12, 31), "AGS": 5998000,
            "KI-Betrieb": "x", "Angliederung an KI": 1, "Lenkungsgruppe": "WAHR"})],
        "Stellen": [STELLEN_HEADERS, stelle_row("A", anteil="0,5"),
                    stelle_row("A", anteil=0.75, **{"besetzt von": "01.04.2025"}),
                    stelle_row("A", anteil="0.5", funktion="Verwaltungsassistenz",
                               Qualifikation=None)],
    })
    [case] = sheets.read_workbook(path)
    assert case.fehler == []
    assert case.daten["antrag"] == {
        "datum": dt.date(2025, 1, 20), "sachausgaben": Decimal("57000.00"),
        "veranstaltungen": Decimal("0.1"), "massnahmen": Decimal("29999.99")}
    assert str(case.daten["antrag"]["sachausgaben"]) == "57000.00"
    assert case.daten["bewilligungszeitraum"] == {"beginn": dt.date(2025, 1, 1),
                                                  "ende": dt.date(2025, 12, 31)}
    assert case.daten["antragsteller"]["ags"] == "05998000"  # Excel's lost zero restored
    assert case.daten["voraussetzungen"] == {
        "ki_betrieb": True, "angliederung_an_ki": True, "lenkungsgruppe": True,
        "konzept_datum": dt.date(2024, 9, 30)}
    assert [s["anteil"] for s in case.daten["stellen"]] == [
        Decimal("0.5"), Decimal("0.75"), Decimal("0.5")]
    assert case.daten["stellen"][1]["besetzt_von"] == dt.date(2025, 4, 1)
    assert case.daten["stellen"][2] == {"bezeichnung": "Koordination A",
                                        "funktion": "verwaltungsassistenz",
                                        "anteil": Decimal("0.5")}


def test_bad_cells_give_located_messages_and_other_cases_still_read(tmp_path):
    stellen = [STELLEN_HEADERS] + [stelle_row("A")] * 11 + [stelle_row("B", anteil="0,5x")]
    path = make_workbook(tmp_path / "f.xlsx", {
        "Fälle": [FAELLE_HEADERS, fall_row("A"),
                  fall_row("B", **{"Antrag-Datum": "32.10.2024", "KI-Betrieb": "vielleicht"})],
        "Stellen": stellen + [stelle_row("A")],
    })
    cases = sheets.read_workbook(path)
    assert [c.fall_id for c in cases] == ["A", "B"]
    a, b = cases
    assert a.fehler == [] and len(a.daten["stellen"]) == 12
    assert b.fehler == [
        "Tabelle Fälle, Zeile 3, Spalte KI-Betrieb: 'vielleicht' ist weder ja noch nein",
        "Tabelle Fälle, Zeile 3, Spalte Antrag-Datum: '32.10.2024' ist kein gültiges Datum",
        "Tabelle Stellen, Zeile 13, Spalte Anteil: '0,5x' ist keine Zahl",
    ]
    # the unreadable values are left out; the row itself is kept so indices match rows
    assert "datum" not in b.daten["antrag"]
    assert b.daten["stellen"] == [{"bezeichnung": "Koordination B", "funktion": "koordination",
                                   "qualifikation": "master"}]
    assert b.locate("stellen[0].anteil") == "Tabelle Stellen, Zeile 13, Spalte Anteil"


def test_ten_cases_with_two_bad_rows(tmp_path):
    faelle, stellen = [FAELLE_HEADERS], [STELLEN_HEADERS]
    for n in range(1, 11):
        fall_id = f"F{n:02d}"
        faelle.append(fall_row(fall_id, f"Stadt {n}", **(
            {"Beantragt Maßnahmen": "30.000,00,00"} if n == 8 else {})))
        stellen.append(stelle_row(fall_id, anteil="eins" if n == 4 else "1"))
        stellen.append(stelle_row(fall_id, anteil="0,5", funktion="verwaltungsassistenz"))
    cases = sheets.read_workbook(make_workbook(tmp_path / "zehn.xlsx",
                                               {"Fälle": faelle, "Stellen": stellen}))
    assert len(cases) == 10 and cases.fehler == []
    assert [c.fall_id for c in cases] == [f"F{n:02d}" for n in range(1, 11)]
    bad = {c.fall_id: c.fehler for c in cases if c.fehler}
    assert bad == {
        "F04": ["Tabelle Stellen, Zeile 8, Spalte Anteil: 'eins' ist keine Zahl"],
        "F08": ["Tabelle Fälle, Zeile 9, Spalte Beantragt Maßnahmen: "
                "'30.000,00,00' ist keine Zahl"],
    }
    good = cases[0]
    assert good.quelle == "zehn.xlsx"
    assert good.daten["antrag"]["massnahmen"] == Decimal("30000")
    assert [s["anteil"] for s in good.daten["stellen"]] == [Decimal("1"), Decimal("0.5")]


# ------------------------------------------------------------------ workbook errors

def test_orphan_rows_and_unknown_headers_are_errors_of_the_list(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {
        "Fälle": [FAELLE_HEADERS + ["Bemerkung", "# intern"], fall_row("A") + ["x", "y"],
                  [None, "Stadt ohne ID"] + [None] * (len(FAELLE_HEADERS) - 2)],
        "Stellen": [STELLEN_HEADERS + ["Anteill"], stelle_row("A") + [1],
                    stelle_row("ZZ") + [1]],
        "Kommunen": [KOMMUNEN_HEADERS, ["ZZ", "Stadt X", "ja", "ja", "ja"]],
    })
    cases = sheets.read_workbook(path)
    assert [c.fall_id for c in cases] == ["A"]
    assert cases.fehler == [
        "Tabelle Stellen, Zeile 1, Spalte H: Überschrift 'Anteill' ist unbekannt "
        "(gemeint: 'Anteil'?)",
        "Tabelle Fälle, Zeile 3: Fall-ID fehlt; die Zeile wird nicht gelesen",
        "Tabelle Stellen, Zeile 3: Fall-ID 'ZZ' steht nicht in Tabelle Fälle; "
        "die Zeile wird nicht gelesen",
        "Tabelle Kommunen, Zeile 2: Fall-ID 'ZZ' steht nicht in Tabelle Fälle; "
        "die Zeile wird nicht gelesen",
    ]
    assert cases[0].fehler == []


def test_duplicate_fall_id_is_an_error_of_the_first_case(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {
        "Fälle": [FAELLE_HEADERS, fall_row("A"), fall_row("B"), fall_row("A", "Andere")]})
    cases = sheets.read_workbook(path)
    assert [c.fall_id for c in cases] == ["A", "B"]
    assert cases[0].daten["antragsteller"]["name"] == "Stadt Beispiel"
    assert cases[0].fehler == ["Tabelle Fälle, Zeile 4: Fall-ID 'A' kommt doppelt vor "
                               "(zuerst Zeile 2); die Zeile wird nicht gelesen"]


def test_headers_match_case_and_whitespace_insensitively(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {
        "faelle": [["  fall id ", "ANTRAGSTELLER", "beantragt  massnahmen", "Konzept datum"],
                   ["A", "Kreis X", "1.000", None]],
        "STELLEN": [["Fall-Id", "anteil", "Besetzt-Von", "BEZEICHNUNG"],
                    ["A", "0,5", "2025-03-01", "K"]],
        "Kommunen": [["fall-id", "Name", "Auslaenderbehoerde", "jugendamt",
                      "Integrationsausschuss"], ["A", "Stadt Y", "x", None, "nein"]],
    })
    [case] = sheets.read_workbook(path)
    assert cases_fehler_free(case)
    assert case.daten == {
        "antragsteller": {"name": "Kreis X"},
        "voraussetzungen": {"konzept_datum": None},
        "antrag": {"massnahmen": Decimal("1000")},
        "stellen": [{"anteil": Decimal("0.5"), "besetzt_von": dt.date(2025, 3, 1),
                     "bezeichnung": "K"}],
        "kreisangehoerige_kommunen": [{"name": "Stadt Y", "auslaenderbehoerde": True,
                                       "jugendamt": False, "integrationsrat": False}],
    }


def cases_fehler_free(case: sheets.SheetCase) -> bool:
    return case.fehler == []


def test_unreadable_workbook_raises(tmp_path):
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"kein Excel")
    with pytest.raises(InputError) as error:
        sheets.read_workbook(broken)
    assert error.value.datei == str(broken)
    assert error.value.meldung.startswith("Die Arbeitsmappe lässt sich nicht öffnen")
    assert error.value.exit_code == 2


def test_workbook_without_faelle_or_fall_id_raises(tmp_path):
    without_sheet = make_workbook(tmp_path / "a.xlsx", {"Stellen": [STELLEN_HEADERS]})
    with pytest.raises(InputError) as error:
        sheets.read_workbook(without_sheet)
    assert str(error.value) == "a.xlsx: Die Tabelle 'Fälle' fehlt"
    without_id = make_workbook(tmp_path / "b.xlsx", {"Fälle": [["Antragsteller"], ["X"]]})
    with pytest.raises(InputError) as error:
        sheets.read_workbook(without_id)
    assert str(error.value) == "b.xlsx: Der Tabelle 'Fälle' fehlt die Spalte 'Fall-ID'"


# ------------------------------------------------------------------ locate

@pytest.fixture
def located_case(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {
        "Fälle": [FAELLE_HEADERS, fall_row("A"), fall_row("B", "Kreis B", Art="kreis")],
        "Stellen": [STELLEN_HEADERS, stelle_row("A"), stelle_row("B"), stelle_row("B"),
                    stelle_row("A"), stelle_row("B", Kommune="Stadt C")],
        "Kommunen": [KOMMUNEN_HEADERS, ["B", "Stadt C", "ja", "ja", "ja"],
                     ["B", "Stadt D", "nein", "nein", "nein"]],
        "Verwendungsnachweis": [["Fall-ID", "Datum", "Ist Sachausgaben"],
                                ["B", "15.03.2026", "100"]],
    })
    return sheets.read_workbook(path)[1]


@pytest.mark.parametrize("feld, expected", [
    ("stellen[0].anteil", "Tabelle Stellen, Zeile 3, Spalte Anteil"),
    ("stellen[2].kommune", "Tabelle Stellen, Zeile 6, Spalte Kommune"),
    ("stellen[1]", "Tabelle Stellen, Zeile 4"),
    ("stellen.1.anteil", "Tabelle Stellen, Zeile 4, Spalte Anteil"),
    ("stellen[2].qualifikation_nachweis",
     "Tabelle Stellen, Zeile 6, Spalte Qualifikationsnachweis (fehlt)"),
    ("stellen", "Tabelle Stellen, Zeilen 3, 4, 6"),
    ("stellen[3].anteil", None),
    ("kreisangehoerige_kommunen[1].name", "Tabelle Kommunen, Zeile 3, Spalte Name"),
    ("kreisangehoerige_kommunen", "Tabelle Kommunen, Zeilen 2–3"),
    ("antrag.massnahmen", "Tabelle Fälle, Zeile 3, Spalte Beantragt Maßnahmen"),
    ("antrag.datum", "Tabelle Fälle, Zeile 3, Spalte Antrag-Datum"),
    ("antragsteller.art", "Tabelle Fälle, Zeile 3, Spalte Art"),
    ("antragsteller.bankverbindung.iban", "Tabelle Fälle, Zeile 3, Spalte IBAN (fehlt)"),
    ("bewilligungszeitraum", "Tabelle Fälle, Zeile 3, Spalten Beginn, Ende"),
    ("voraussetzungen.konzept_datum", "Tabelle Fälle, Zeile 3, Spalte Konzept-Datum"),
    ("bescheid.bewilligt.massnahmen",
     "Tabelle Fälle, Zeile 3, Spalte Bewilligt Maßnahmen (fehlt)"),
    ("antragsteller", "Tabelle Fälle, Zeile 3"),
    ("verwendungsnachweis.ist.sachausgaben",
     "Tabelle Verwendungsnachweis, Zeile 2, Spalte Ist Sachausgaben"),
    ("verwendungsnachweis", "Tabelle Verwendungsnachweis, Zeile 2"),
    ("unbekannt", None),
])
def test_locate(located_case, feld, expected):
    assert located_case.fall_id == "B"
    assert located_case.locate(feld) == expected


def test_locate_without_rows(tmp_path):
    path = make_workbook(tmp_path / "f.xlsx", {"Fälle": [FAELLE_HEADERS, fall_row("A")]})
    [case] = sheets.read_workbook(path)
    assert case.locate("stellen") == "Tabelle Stellen (keine Zeile mit Fall-ID 'A')"
    assert case.locate("stellen[0].anteil") is None
    assert case.locate("verwendungsnachweis.datum") is None


# ------------------------------------------------------------------ CSV

CSV_ROWS = {
    "Fälle": [FAELLE_HEADERS,
              ["A", "Städteregion Aachen", "staedteregion", "05334000", "ja", "nein", "ja",
               "30.09.2024", "01.01.2025", "31.12.2025", "15.10.2024", "48.500,00",
               "10.000,00", "30.000,00"],
              ["B", "Stadt Köln", "kreisfreie_stadt", "5315000", "x", "x", "x", "",
               "2025-01-01", "2025-12-31", "2024-10-30", "4850", "0,5", "1.234,56 €"]],
    "Stellen": [STELLEN_HEADERS,
                ["A", "Koordination Würselen", "koordination", "1", "master", "", "Stadt Würselen"],
                ["A", "Verwaltungsassistenz", "verwaltungsassistenz", "0,5", "", "01.07.2025", ""],
                ["B", "Koordination Köln", "koordination", "0.75", "bachelor", "", ""]],
    "Kommunen": [KOMMUNEN_HEADERS, ["A", "Stadt Würselen", "ja", "ja", "ja"]],
}


def write_csv_folder(folder: Path, encoding: str) -> Path:
    folder.mkdir()
    for name, rows in CSV_ROWS.items():
        with open(folder / f"{name}.csv", "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    return folder


def test_csv_folder_in_three_encodings_reads_identically(tmp_path):
    read = {enc: sheets.read_csv_folder(write_csv_folder(tmp_path / enc, enc))
            for enc in ("utf-8", "utf-8-sig", "cp1252")}
    assert (tmp_path / "utf-8-sig" / "Fälle.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\xfc" in (tmp_path / "cp1252" / "Stellen.csv").read_bytes()  # ü in Windows-1252
    dicts = {enc: [(c.fall_id, c.daten, c.fehler) for c in cases]
             for enc, cases in read.items()}
    assert dicts["utf-8"] == dicts["utf-8-sig"] == dicts["cp1252"]
    a, b = read["cp1252"]
    assert a.daten["antragsteller"]["name"] == "Städteregion Aachen"
    assert a.daten["stellen"][0]["kommune"] == "Stadt Würselen"
    assert a.daten["stellen"][1] == {"bezeichnung": "Verwaltungsassistenz",
                                     "funktion": "verwaltungsassistenz",
                                     "anteil": Decimal("0.5"),
                                     "besetzt_von": dt.date(2025, 7, 1)}
    assert a.daten["voraussetzungen"]["angliederung_an_ki"] is False
    assert a.daten["antrag"]["sachausgaben"] == Decimal("48500.00")
    assert b.daten["antragsteller"]["ags"] == "05315000"
    assert b.daten["voraussetzungen"]["konzept_datum"] is None
    assert b.daten["antrag"] == {"datum": dt.date(2024, 10, 30),
                                 "sachausgaben": Decimal("4850"),
                                 "veranstaltungen": Decimal("0.5"),
                                 "massnahmen": Decimal("1234.56")}
    assert b.locate("stellen[0].anteil") == "Tabelle Stellen, Zeile 4, Spalte Anteil"
    assert b.quelle == "cp1252"


def test_csv_folder_equals_workbook_with_same_text(tmp_path):
    from_csv = sheets.read_csv_folder(write_csv_folder(tmp_path / "csv", "utf-8"))
    from_xlsx = sheets.read_workbook(make_workbook(tmp_path / "f.xlsx", CSV_ROWS))
    assert [c.daten for c in from_csv] == [c.daten for c in from_xlsx]


def test_csv_that_is_neither_utf8_nor_cp1252(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "Fälle.csv").write_bytes(b"Fall-ID\r\n\x81\x8d\xff\xfe\r\n")
    with pytest.raises(InputError) as error:
        sheets.read_csv_folder(folder)
    assert str(error.value) == "Fälle.csv: Die Datei ist weder UTF-8 noch Windows-1252"


def test_csv_folder_without_faelle(tmp_path):
    with pytest.raises(InputError) as error:
        sheets.read_csv_folder(tmp_path)
    assert error.value.meldung == "Die Datei 'Fälle.csv' fehlt"


# ------------------------------------------------------------------ template

def test_template_has_headers_dropdowns_help_and_reads_back(tmp_path):
    path = tmp_path / "vorlage.xlsx"
    sheets.write_template(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Fälle", "Stellen", "Kommunen", "Verwendungsnachweis",
                                   "Hilfe"]
    faelle = workbook["Fälle"]
    headers = [c.value for c in faelle[1]]
    assert headers[:5] == ["Fall-ID", "Bearbeiten", "Antragsteller", "Art", "AGS"]
    assert {"IBAN", "KI-Name", "Konzept-Datum", "Ausnahme-Az.", "Beantragt Maßnahmen",
            "Aktenzeichen", "Sachbearbeitung E-Mail", "Begründung Kürzung", "Rate",
            "Bereits erhalten"} <= set(headers)
    assert [c.value for c in workbook["Stellen"][1]] == [
        "Fall-ID", "Bezeichnung", "Funktion", "Anteil", "Qualifikation",
        "Qualifikationsnachweis", "besetzt von", "besetzt bis", "Kommune", "Weiterleitung"]
    assert [c.value for c in workbook["Kommunen"][1]] == [
        "Fall-ID", "Name", "AGS", "Ausländerbehörde", "Jugendamt", "Integrationsrat"]
    assert faelle["D1"].comment.text.startswith("Art: Art des Antragstellers (Nr. 3.1).")
    assert all(c.comment is not None for c in faelle[1])

    def dropdowns(name):
        return {(dv.formula1, str(dv.sqref)) for dv in workbook[name].data_validations.dataValidation
                if dv.type == "list"}
    # German words in the drop-downs, on the whole column
    assert ('"Kreis,Städteregion,kreisfreie Stadt"', "D2:D1048576") in dropdowns("Fälle")
    ki_column = openpyxl.utils.get_column_letter(headers.index("KI-Betrieb") + 1)
    assert ('"ja,nein"', f"{ki_column}2:{ki_column}1048576") in dropdowns("Fälle")
    assert ('"ja,nein"', "B2:B1048576") in dropdowns("Fälle")  # Bearbeiten
    assert {('"Koordination,Verwaltungsassistenz"', "C2:C1048576"),
            ('"Diplom (FH),Bachelor,Master,gleichwertig"', "E2:E1048576")} <= dropdowns("Stellen")
    assert {('"ja,nein"', f"{c}2:{c}1048576") for c in "DEF"} <= dropdowns("Kommunen")
    # every column has an input prompt; formats on the whole column
    prompts = {str(dv.sqref): dv for dv in faelle.data_validations.dataValidation}
    assert len(prompts) == len(headers) and all(dv.showInputMessage and dv.prompt for dv in prompts.values())
    assert prompts["A2:A1048576"].prompt.startswith("Fall-ID: Eindeutige Kennung")
    ags = openpyxl.utils.get_column_letter(headers.index("AGS") + 1)
    beginn = openpyxl.utils.get_column_letter(headers.index("Beginn") + 1)
    assert faelle.column_dimensions[ags].number_format == "@"
    assert faelle.column_dimensions[beginn].number_format == "DD.MM.YYYY"
    assert prompts[f"{beginn}2:{beginn}1048576"].type == "date"
    # required columns coloured, frozen header, print setup
    colour = {c.value: c.fill.fgColor.rgb[-6:] for c in faelle[1]}
    assert colour["Fall-ID"] == colour["Beginn"] == "F8CBAD"
    assert colour["IBAN"] == "FFE699" and colour["BIC"] == "DDEBF7"
    assert faelle.freeze_panes == "B2" and faelle.print_title_rows == "$1:$1"
    assert faelle.page_setup.orientation == "landscape" and faelle.page_setup.fitToWidth == 1
    assert faelle.sheet_properties.pageSetUpPr.fitToPage

    assert faelle.max_row == 2 and faelle["A2"].value == "BEISPIEL-1"
    assert faelle["D2"].value == "Kreis"
    hilfe = [[c.value for c in row] for row in workbook["Hilfe"].iter_rows()]
    assert hilfe[0][0] == "Farben der Überschriften"
    assert hilfe[1][1].startswith("Pflicht: ohne diese Spalte")
    table = hilfe.index(["Tabelle", "Spalte", "Pflicht", "Werte", "Feld im Fall", "Erklärung"])
    anteil_row = hilfe[[r[:2] for r in hilfe].index(["Stellen", "Anteil"])]
    assert anteil_row[:5] == ["Stellen", "Anteil", "ja", None, "stellen[i].anteil"]
    art_row = hilfe[[r[:2] for r in hilfe].index(["Fälle", "Art"])]
    assert art_row[3] == "Kreis, Städteregion, kreisfreie Stadt" and table < hilfe.index(art_row)

    [case] = sheets.read_workbook(path)
    # the example row is read (so that it shows every column) but refused by a run
    assert case.fall_id == "BEISPIEL-1" and case.beispiel and case.fehler == [
        "Tabelle Fälle, Zeile 2: Beispielzeile der Vorlage (Fall-ID 'BEISPIEL-1'); sie wird nie "
        "verarbeitet: bitte die Beispielzeilen aller Tabellen löschen oder durch echte Fälle ersetzen"]
    assert case.daten["antragsteller"]["bankverbindung"] == {
        "iban": "DE02120300000000202051", "bic": "BYLADEM1001",
        "kreditinstitut": "Sparkasse Musterland"}
    assert case.daten["voraussetzungen"] == {
        "ki_betrieb": True, "angliederung_an_ki": True, "lenkungsgruppe": True,
        "konzept_datum": dt.date(2024, 9, 30)}
    assert case.daten["antrag"] == {"datum": dt.date(2024, 10, 15),
                                    "sachausgaben": Decimal("9700"),
                                    "veranstaltungen": Decimal("10000"),
                                    "massnahmen": Decimal("30000")}
    assert case.daten["stellen"] == [{"bezeichnung": "Koordination Strategie",
                                      "funktion": "koordination", "anteil": Decimal("1"),
                                      "qualifikation": "master"}]
    assert case.daten["kreisangehoerige_kommunen"] == [{
        "name": "Stadt Beispielhausen", "ags": "05999012", "auslaenderbehoerde": True,
        "jugendamt": True, "integrationsrat": True}]
    assert case.daten["antragsteller"]["verwaltungsgericht"] == "Arnsberg"
    assert case.daten["bescheid"]["bewilligt"] == {"massnahmen": Decimal("20000")}
    assert case.daten["verwendungsnachweis"]["ist"]["massnahmen"] == Decimal("21000")
    assert list(case.daten) == ["antragsteller", "integrationszentrum", "voraussetzungen",
                                "bewilligungszeitraum", "antrag", "stellen",
                                "kreisangehoerige_kommunen", "bescheid",
                                "auszahlungsanforderung", "verwendungsnachweis"]


def test_template_is_deterministic(tmp_path):
    sheets.write_template(tmp_path / "a.xlsx")
    sheets.write_template(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    properties = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert properties.created == properties.modified == dt.datetime(2024, 1, 1)


def test_docs_list_every_column():
    text = (ROOT / "docs" / "tabelle.md").read_text(encoding="utf-8")
    assert sheets.columns_markdown() in text


# ------------------------------------------------------------------ batch sample

def reference_rows() -> list[dict[str, str]]:
    with open(REFERENCE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_sample_has_the_54_recipients():
    cases = sheets.read_workbook(SAMPLE / "kim-2025.xlsx")
    assert cases.fehler == [] and [c.fehler for c in cases if c.fehler] == []
    assert len(cases) == 54
    assert [(c.daten["antragsteller"]["name"], c.daten["antragsteller"]["ags"],
             c.daten["antragsteller"]["art"]) for c in cases] == [
        (r["name"], r["ags"], r["art"]) for r in reference_rows()]
    assert [c.fall_id for c in cases] == [f"KIM25-{n:03d}" for n in range(1, 55)]
    for case in cases:
        assert case.daten["bewilligungszeitraum"] == {"beginn": dt.date(2025, 1, 1),
                                                      "ende": dt.date(2025, 12, 31)}
        assert dt.date(2024, 10, 1) <= case.daten["antrag"]["datum"] <= dt.date(2024, 10, 31)
        assert case.daten["bescheid"]["datum"] == dt.date(2025, 1, 20)
        assert case.daten["bescheid"]["aktenzeichen"] == \
            f"36.07.01-KIM-2025/{int(case.fall_id[-3:]) + 100:03d}"


def test_sample_csv_export_reads_like_the_workbook():
    from_xlsx = sheets.read_workbook(SAMPLE / "kim-2025.xlsx")
    from_csv = sheets.read_csv_folder(SAMPLE / "kim-2025-csv")
    with pytest.raises(UnicodeDecodeError):  # really Windows-1252, not UTF-8
        (SAMPLE / "kim-2025-csv" / "Stellen.csv").read_bytes().decode("utf-8")
    assert [(c.fall_id, c.daten) for c in from_csv] == [(c.fall_id, c.daten) for c in from_xlsx]
    assert from_csv.fehler == [] and all(c.fehler == [] for c in from_csv)


def koordination(case) -> Decimal:
    return sum(s["anteil"] for s in case.daten["stellen"] if s["funktion"] == "koordination")


def test_sample_keeps_the_caps_except_the_deliberate_errors():
    cases = {c.daten["antragsteller"]["ags"]: c
             for c in sheets.read_workbook(SAMPLE / "kim-2025.xlsx")}
    herne, olpe, hamm = cases["05916000"], cases["05966000"], cases["05915000"]
    assert koordination(herne) == Decimal("3") and herne.daten["antragsteller"]["art"] == \
        "kreisfreie_stadt"
    assert herne.locate("stellen") == "Tabelle Stellen, Zeilen 203–206"
    assert olpe.daten["antrag"]["massnahmen"] == Decimal("35000")
    assert olpe.locate("antrag.massnahmen") == \
        "Tabelle Fälle, Zeile 52, Spalte Beantragt Maßnahmen"
    assert not iban.is_valid(hamm.daten["antragsteller"]["bankverbindung"]["iban"])
    assert hamm.locate("antragsteller.bankverbindung.iban") == \
        "Tabelle Fälle, Zeile 47, Spalte IBAN"
    with_kommunen = 0
    for ags, case in cases.items():
        stellen, art = case.daten["stellen"], case.daten["antragsteller"]["art"]
        kommunen = case.daten.get("kreisangehoerige_kommunen", [])
        with_kommunen += bool(kommunen)
        cap = Decimal("2.5") if art == "kreisfreie_stadt" else Decimal("3.5") + len(kommunen)
        assert (koordination(case) > cap) == (ags == "05916000")
        assert sum(s["anteil"] for s in stellen
                   if s["funktion"] == "verwaltungsassistenz") <= Decimal("0.5")
        assert all(s.get("qualifikation") for s in stellen if s["funktion"] == "koordination")
        assert case.daten["antrag"]["sachausgaben"] <= 9700 * sum(s["anteil"] for s in stellen)
        assert case.daten["antrag"]["veranstaltungen"] <= 10000
        assert (case.daten["antrag"]["massnahmen"] > 30000) == (ags == "05966000")
        assert iban.is_valid(case.daten["antragsteller"]["bankverbindung"]["iban"]) == \
            (ags != "05915000")
        for kommune in kommunen:
            assert kommune["auslaenderbehoerde"] and kommune["jugendamt"] and \
                kommune["integrationsrat"]
            assert [s["kommune"] for s in stellen if s.get("kommune") == kommune["name"]] == \
                [kommune["name"]]
    assert with_kommunen == 22


def test_sample_is_up_to_date(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_batch_sample", ROOT / "scripts" / "make_batch_sample.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "OUT_XLSX", tmp_path / "kim-2025.xlsx")
    monkeypatch.setattr(script, "OUT_CSV", tmp_path / "csv")
    script.main()
    assert (tmp_path / "kim-2025.xlsx").read_bytes() == (SAMPLE / "kim-2025.xlsx").read_bytes()
    for name in ("Fälle", "Stellen", "Kommunen"):
        assert (tmp_path / "csv" / f"{name}.csv").read_bytes() == \
            (SAMPLE / "kim-2025-csv" / f"{name}.csv").read_bytes()
