"""Erzeugt samples/batch/kim-2025.xlsx und samples/batch/kim-2025-csv/ (deterministisch).

Alle 54 Zuwendungsempfänger aus kim_docs/reference/nrw-zuwendungsempfaenger.csv mit dem
Bewilligungszeitraum 2025, plausiblen Stellen und ausgefüllten Bescheid-Spalten. Drei
Fälle enthalten absichtlich Fehler (siehe samples/batch/README.md und DELIBERATE_ERRORS).
Anschriften, Personen, Bankverbindungen und Aktenzeichen sind erfunden.

Aufruf aus dem Projektordner:  .venv/bin/python scripts/make_batch_sample.py
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stdnum import iban as iban_check  # noqa: E402

from kim_docs import sheets  # noqa: E402
from kim_docs.sheets.schema import CHOICE_LABELS  # noqa: E402
from kim_docs.sheets.tables import header_key  # noqa: E402

REFERENCE = ROOT / "kim_docs" / "reference"
OUT_XLSX = ROOT / "kim_docs" / "samples" / "batch" / "kim-2025.xlsx"
OUT_CSV = ROOT / "kim_docs" / "samples" / "batch" / "kim-2025-csv"
# file -> encoding of the CSV export; Stellen.csv is Windows-1252 on purpose
CSV_ENCODINGS = {"Fälle": "utf-8-sig", "Stellen": "cp1252", "Kommunen": "utf-8"}

BEGINN, ENDE = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
SACH_JE_STELLE = Decimal("9700")
# AGS -> what is wrong on purpose (checked by tests/test_sheets.py and the README)
DELIBERATE_ERRORS = {
    "05916000": "koordination_ueber_obergrenze",   # Stadt Herne: 3,0 Koordination > 2,5
    "05966000": "massnahmen_ueber_30000",          # Kreis Olpe: Maßnahmen 35.000
    "05915000": "iban_pruefziffer",                # Stadt Hamm: falsche IBAN-Prüfziffern
}
AUSNAHME_AGS = "05370000"  # Kreis Heinsberg: KIM nicht angegliedert, mit Ausnahme-Az.
KUERZUNG_AGS = "05558000"  # Kreis Coesfeld: Maßnahmen im Bescheid gekürzt

# Seat (Ort) of each Kreis; kreisfreie Städte use their own name.
KREISSITZ = {
    "05154000": "Kleve", "05158000": "Mettmann", "05162000": "Neuss", "05166000": "Viersen",
    "05170000": "Wesel", "05334000": "Aachen", "05358000": "Düren", "05362000": "Bergheim",
    "05366000": "Euskirchen", "05370000": "Heinsberg", "05374000": "Gummersbach",
    "05378000": "Bergisch Gladbach", "05382000": "Siegburg", "05554000": "Borken",
    "05558000": "Coesfeld", "05562000": "Recklinghausen", "05566000": "Steinfurt",
    "05570000": "Warendorf", "05754000": "Gütersloh", "05758000": "Herford",
    "05762000": "Höxter", "05766000": "Detmold", "05770000": "Minden",
    "05774000": "Paderborn", "05954000": "Schwelm", "05958000": "Meschede",
    "05962000": "Lüdenscheid", "05966000": "Olpe", "05970000": "Siegen", "05974000": "Soest",
    "05978000": "Unna",
}
ANSPRECH = ["Anna Beispiel", "Jonas Muster", "Leyla Probst", "Mehmet Vorlage",
            "Sophie Exempel", "Paul Platzhalter"]
SACHBEARBEITUNG = [("Max Muster", "02931 82-0000", "max.muster@bra.example"),
                   ("Erika Beispiel", "02931 82-0001", "erika.beispiel@bra.example")]
QUALI = ["master", "bachelor", "diplom_fh"]
NACHWEIS = "Verwaltungsfachwirtin mit zehn Jahren Berufserfahrung in der Integrationsarbeit"

# Koordination shares per pattern (Kreis: up to 3,5; kreisfreie Stadt: up to 2,5)
KREIS_MUSTER = [["1.0", "1.0", "1.0", "0.5"], ["1.0", "1.0", "1.0"],
                ["1.0", "1.0", "0.75", "0.75"]]
STADT_MUSTER = [["1.0", "1.0", "0.5"], ["1.0", "1.0"], ["1.0", "0.75", "0.75"],
                ["1.0", "1.0", "0.5"]]
VERANSTALTUNGEN = [Decimal("10000"), Decimal("8000"), Decimal("6500"), Decimal("9750.50")]
MASSNAHMEN = [Decimal("30000"), Decimal("25000"), Decimal("18000"), Decimal("22500.50"),
              Decimal("30000")]


def read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def make_iban(index: int, broken: bool) -> str:
    bban = f"{37050000 + index * 10:08d}{1000000000 + index * 7919:010d}"
    check = iban_check.calc_check_digits("DE00" + bban)
    if broken:  # a typo in the check digits: ISO 13616 check fails
        check = f"{(int(check) + 1) % 97 or 2:02d}"
        assert not iban_check.is_valid("DE" + check + bban)
    return "DE" + check + bban


def months(von: dt.date) -> Decimal:
    """Monatsfaktor for a Stelle occupied from ``von`` (1st of a month) to 31 Dec."""
    return Decimal(13 - von.month)


def stellen_for(index: int, recipient: dict, kommunen: list[str]) -> list[dict]:
    art, ags = recipient["art"], recipient["ags"]
    if DELIBERATE_ERRORS.get(ags) == "koordination_ueber_obergrenze":
        shares = ["1.0", "1.0", "1.0"]
    elif art == "kreisfreie_stadt":
        shares = STADT_MUSTER[index % len(STADT_MUSTER)]
    else:
        shares = KREIS_MUSTER[index % len(KREIS_MUSTER)]
    stellen = []
    for n, share in enumerate(shares):
        stelle = {"Bezeichnung": f"Koordination {'ABCDEFG'[n]}", "Funktion": "koordination",
                  "Anteil": Decimal(share), "Qualifikation": QUALI[(index + n) % 3]}
        if share == "0.75" and n == len(shares) - 1:
            stelle.update(Qualifikation="gleichwertig", Qualifikationsnachweis=NACHWEIS)
        if n == 1 and index % 4 == 3:  # hired later in the year: pro rata
            stelle["besetzt von"] = dt.date(2025, 4, 1)
        stellen.append(stelle)
    stellen[0]["Bezeichnung"] = "Koordination Strategie und Steuerung"
    for kommune in kommunen:
        stellen.append({"Bezeichnung": f"Koordination {kommune}", "Funktion": "koordination",
                        "Anteil": Decimal("1.0"), "Qualifikation": "master",
                        "Kommune": kommune})
    if index % 4 != 1:
        stellen.append({"Bezeichnung": "Verwaltungsassistenz Ausländer- und Sozialbehörden",
                        "Funktion": "verwaltungsassistenz", "Anteil": Decimal("0.5")})
    return stellen


def sach_hoechstbetrag(stellen: list[dict]) -> Decimal:
    total = Decimal(0)
    for stelle in stellen:
        factor = months(stelle.get("besetzt von", BEGINN))
        total += (SACH_JE_STELLE * stelle["Anteil"] * factor / 12).quantize(
            Decimal("0.01"), ROUND_HALF_UP)
    return total


def check_caps(recipient: dict, stellen: list[dict], kommunen: list[str],
               antrag: dict) -> None:
    """The sample must keep the caps except where an error is deliberate."""
    koordination = sum(s["Anteil"] for s in stellen if s["Funktion"] == "koordination")
    assistenz = sum(s["Anteil"] for s in stellen if s["Funktion"] == "verwaltungsassistenz")
    cap = Decimal("2.5") if recipient["art"] == "kreisfreie_stadt" else \
        Decimal("3.5") + len(kommunen)
    deliberate = DELIBERATE_ERRORS.get(recipient["ags"])
    assert (koordination > cap) == (deliberate == "koordination_ueber_obergrenze")
    assert assistenz <= Decimal("0.5")
    assert antrag["Beantragt Sachausgaben"] <= sach_hoechstbetrag(stellen)
    assert antrag["Beantragt Veranstaltungen"] <= 10000
    assert (antrag["Beantragt Massnahmen"] > 30000) == (deliberate == "massnahmen_ueber_30000")


def build_case(index: int, recipient: dict, grosse: dict[str, list[str]]) -> dict:
    ags, name, art = recipient["ags"], recipient["name"], recipient["art"]
    ort = KREISSITZ.get(ags) or name.removeprefix("Landeshauptstadt ").removeprefix("Stadt ")
    fall_id = f"KIM25-{index + 1:03d}"
    staedte = grosse.get(ags, [])[: 2 if index % 2 == 0 else 1]
    kommunen = [f"Stadt {s}" for s in staedte]
    stellen = stellen_for(index, recipient, kommunen)
    sach = sach_hoechstbetrag(stellen)
    sach = (sach * (Decimal("0.9") if index % 3 == 0 else 1) / 100).to_integral_value(
        rounding="ROUND_FLOOR") * 100
    massnahmen = MASSNAHMEN[index % len(MASSNAHMEN)]
    if DELIBERATE_ERRORS.get(ags) == "massnahmen_ueber_30000":
        massnahmen = Decimal("35000")
    person = ANSPRECH[index % len(ANSPRECH)]
    bearbeitung = SACHBEARBEITUNG[index % 2]
    slug = ort.lower().replace(" ", "-").replace("ü", "ue").replace("ö", "oe") \
        .replace("ä", "ae")
    fall = {
        "Fall-ID": fall_id, "Bearbeiten": "ja", "Antragsteller": name, "Art": art, "AGS": ags,
        "Vertreten durch": "Der Oberbürgermeister" if art == "kreisfreie_stadt" else (
            "Der Städteregionsrat" if art == "staedteregion" else "Der Landrat"),
        "Straße": "Rathausplatz 1" if art == "kreisfreie_stadt" else "Am Kreishaus 1",
        "PLZ": f"{99000 + index + 1:05d}", "Ort": ort, "Ansprechperson": person,
        "Telefon": f"01234 567-{index + 1:03d}",
        "E-Mail": f"kim@{slug}.example",
        "IBAN": make_iban(index, DELIBERATE_ERRORS.get(ags) == "iban_pruefziffer"),
        "Kreditinstitut": f"Beispielbank {ort}",
        "KI-Name": f"Kommunales Integrationszentrum {name}",
        "KI-Betrieb": "ja", "Angliederung an KI": "ja", "Lenkungsgruppe": "ja",
        "Konzept-Datum": dt.date(2024, 9, 1) + dt.timedelta(days=index % 28),
        "Beginn": BEGINN, "Ende": ENDE,
        "Antrag-Datum": dt.date(2024, 10, 1) + dt.timedelta(days=index % 30),
        "Beantragt Sachausgaben": sach,
        "Beantragt Veranstaltungen": VERANSTALTUNGEN[index % len(VERANSTALTUNGEN)],
        "Beantragt Massnahmen": massnahmen,
        # 101–154: unique beside the Aktenzeichen of the single sample cases
        "Aktenzeichen": f"36.07.01-KIM-2025/{index + 101:03d}",
        "Haushaltsstelle": "Kapitel 07 070 Titel 633 10",   # example value
        "Bescheid-Datum": dt.date(2025, 1, 20), "Sachbearbeitung": bearbeitung[0],
        "Sachbearbeitung Telefon": bearbeitung[1], "Sachbearbeitung E-Mail": bearbeitung[2],
    }
    if index % 3 == 1:
        fall["BIC"] = "BEISDEXXXXX"
    if ags == AUSNAHME_AGS:
        fall["Angliederung an KI"] = "nein"
        fall["Ausnahme-Az."] = "MKJFGFI 511-2024/07"
    if ags == KUERZUNG_AGS:
        fall["Bewilligt Massnahmen"] = Decimal("20000")
        fall["Begründung Kürzung"] = ("Die beantragten Maßnahmen sind nur zum Teil aus der "
                                      "Schnittstellenanalyse abgeleitet.")
    if index % 5 == 0:
        fall.update({"Rate": 1, "Anforderung-Datum": dt.date(2025, 4, 10),
                     "Bereits erhalten": Decimal("0")})
    check_caps(recipient, stellen, kommunen, fall)
    return {"fall": fall, "stellen": stellen,
            "kommunen": [{"Name": k, "Ausländerbehörde": "ja", "Jugendamt": "ja",
                          "Integrationsrat": "ja"} for k in kommunen]}


def row(sheet: sheets.Sheet, values: dict, fall_id: str | None = None) -> list:
    """The cells of one row; codes as the German words of the drop-downs (kreisfreie Stadt)."""
    headers = {header_key(c.header): n for n, c in enumerate(sheet.columns)}
    out = [None] * len(sheet.columns)
    for header, value in values.items():
        n = headers[header_key(header)]  # KeyError: typo in this script
        out[n] = CHOICE_LABELS.get(value, value) if sheet.columns[n].kind == "code" else value
    if fall_id is not None:
        out[0] = fall_id
    return out


def build_rows() -> dict[str, list[list]]:
    recipients = read_csv("nrw-zuwendungsempfaenger.csv")
    grosse: dict[str, list[str]] = {}
    for entry in read_csv("grosse-kreisangehoerige-staedte.csv"):
        grosse.setdefault(entry["kreis_ags"], []).append(entry["name"])
    rows: dict[str, list[list]] = {"Fälle": [], "Stellen": [], "Kommunen": []}
    for index, recipient in enumerate(recipients):
        case = build_case(index, recipient, grosse)
        fall_id = case["fall"]["Fall-ID"]
        rows["Fälle"].append(row(sheets.FAELLE, case["fall"]))
        rows["Stellen"] += [row(sheets.STELLEN, s, fall_id) for s in case["stellen"]]
        rows["Kommunen"] += [row(sheets.KOMMUNEN, k, fall_id) for k in case["kommunen"]]
    return rows


def excel_value(value):
    """Workbook cells: numbers as numbers (exact through repr), dates as dates."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def german_text(value, kind: str) -> str:
    """CSV cells as German Excel writes them."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal):
        if kind == "betrag":
            return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
        return str(value).replace(".", ",")
    return str(value)


def write_csv_folder(rows: dict[str, list[list]]) -> None:
    OUT_CSV.mkdir(parents=True, exist_ok=True)
    for sheet in (sheets.FAELLE, sheets.STELLEN, sheets.KOMMUNEN):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([c.header for c in sheet.columns])
        for values in rows[sheet.name]:
            writer.writerow([german_text(v, c.kind) for v, c in zip(values, sheet.columns)])
        encoding = CSV_ENCODINGS[sheet.name]
        (OUT_CSV / f"{sheet.name}.csv").write_bytes(buffer.getvalue().encode(encoding))


def main() -> None:
    rows = build_rows()
    workbook_rows = {name: [[excel_value(v) for v in r] for r in sheet_rows]
                     for name, sheet_rows in rows.items()}
    OUT_XLSX.parent.mkdir(parents=True, exist_ok=True)
    sheets.save_deterministic(sheets.build_workbook(workbook_rows), OUT_XLSX)
    write_csv_folder(rows)
    print(f"{OUT_XLSX.name}: {len(rows['Fälle'])} Fälle, "
          f"{len(rows['Stellen'])} Stellen, {len(rows['Kommunen'])} Kommunen")


if __name__ == "__main__":
    main()
