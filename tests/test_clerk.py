"""The clerk's round trip (issue 14): fill the template, run, read the Prüfmappe, fix, rerun.

The Prüfmappe read back with openpyxl (comments at the right cells, Summen equal to
zusammenfassung.json), rendered by LibreOffice; the template saved by LibreOffice as .ods,
.xlsx and .xls gives the same results; the overwrite refusal, the example row, hidden
rows, Bearbeiten = nein, a cell error and a rule error in one run, the move of documents
of a run with the earlier flat layout.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from kim_docs.sheets import FAELLE, STELLEN, build_workbook, save_deterministic, write_template

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "kim_docs" / "samples" / "batch" / "kim-2025.xlsx"


def bericht(out: Path) -> dict:
    return json.loads((out / "bericht.json").read_text(encoding="utf-8"))


def by_header(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def fall(fall_id: str, **changes) -> dict:
    values = {c.header: c.example for c in FAELLE.columns}
    # an AGS of its own: one recipient twice in a run is a Fehler of both cases
    ags = "05" + f"{int.from_bytes(fall_id.encode(), 'big') % 10**6:06d}"
    values.update({"Fall-ID": fall_id, "Antragsteller": f"Kreis {fall_id}", "AGS": ags,
                   "Aktenzeichen": f"36.07.01-KIM-2025/{fall_id[-2:]}"}, **changes)
    return values


def stelle(fall_id: str, **changes) -> dict:
    values = {c.header: c.example for c in STELLEN.columns}
    values.update({"Fall-ID": fall_id}, **changes)
    return values


def book(path: Path, faelle: list[dict], stellen: list[dict]) -> Path:
    rows = {"Fälle": [[f[c.header] for c in FAELLE.columns] for f in faelle],
            "Stellen": [[s[c.header] for c in STELLEN.columns] for s in stellen]}
    save_deterministic(build_workbook(rows), path)
    return path


def hide_row(path: Path, sheet: str, row: int) -> None:
    workbook = openpyxl.load_workbook(path)
    workbook[sheet].row_dimensions[row].hidden = True
    workbook.save(path)


# ---------------------------------------------------------------- Prüfmappe of the sample

@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    from kim_docs.batch import BatchOptions, run_batch

    out = tmp_path_factory.mktemp("stapel")
    run_batch(SAMPLE, out, BatchOptions(formats=("docx",), jobs=2))
    return out


def test_pruefmappe_of_the_sample_reads_back(sample_run):
    out = sample_run
    summary = json.loads((out / "zusammenfassung.json").read_text(encoding="utf-8"))
    workbook = openpyxl.load_workbook(out / "pruefmappe.xlsx")
    assert workbook.sheetnames == ["Fälle", "Stellen", "Kommunen", "Summen", "Kasse"]
    faelle = workbook["Fälle"]
    col = by_header(faelle)
    rows = {faelle.cell(row=r, column=1).value: r for r in range(2, faelle.max_row + 1)}
    assert len(rows) == 54
    # Stadt Hamm: wrong IBAN, the comment sits on its IBAN cell, red
    hamm = next(r for r in rows.values() if faelle.cell(row=r, column=col["Antragsteller"]).value == "Stadt Hamm")
    iban = faelle.cell(row=hamm, column=col["IBAN"])
    assert iban.comment.text.startswith(f"Fehler – Tabelle Fälle, Zeile {hamm}, Spalte IBAN: Die IBAN ")
    assert iban.fill.fgColor.rgb.endswith("FFC7CE")
    # Kreis Olpe: Maßnahmen 35.000 on its cell
    olpe = next(r for r in rows.values() if faelle.cell(row=r, column=col["Antragsteller"]).value == "Kreis Olpe")
    massnahmen = faelle.cell(row=olpe, column=col["Beantragt Maßnahmen"])
    assert "Beantragte Maßnahmen 35.000,00\xa0€ übersteigen" in massnahmen.comment.text
    # every commented cell of Fälle belongs to a finding of bericht.json at that place
    data = {f["fall"]: f for f in bericht(out)["faelle"]}
    commented = {(c.row, c.column) for row in faelle.iter_rows() for c in row if c.comment}
    expected = set()
    for f in data.values():
        for b in f["befunde"]:
            if b["ort"].startswith("Tabelle Fälle, Zeile "):
                row = int(b["ort"].split("Zeile ")[1].split(",")[0])
                # a finding about the whole row (no Spalte) is marked at the row's Fall-ID
                spalte = b["ort"].split("Spalte ")[1] if "Spalte " in b["ort"] else "Fall-ID"
                expected.add((row, col[spalte]))
    assert commented == expected and len(expected) >= 3
    # Stadt Herne: too many Koordination, marked on each of its rows in Stellen
    stellen = workbook["Stellen"]
    herne = next(f for f in data.values() if f["empfaenger"] == "Stadt Herne")
    ort = next(b["ort"] for b in herne["befunde"] if b["schwere"] == "fehler")
    first, last = (int(x) for x in ort.split("Zeilen ")[1].split("–"))
    assert all(stellen.cell(row=r, column=1).comment for r in range(first, last + 1))
    assert stellen.cell(row=first, column=by_header(stellen)["Status"]).value == "fehlerhaft"

    # status, Zuwendung and Raten as numbers; none on a faulty case
    status = {k: faelle.cell(row=r, column=col["Status"]).value for k, r in rows.items()}
    assert list(status.values()).count("erstellt") == 52 and list(status.values()).count("fehlerhaft") == 2
    zuwendung = {k: faelle.cell(row=r, column=col["Zuwendung"]).value for k, r in rows.items()}
    assert all(zuwendung[k] is None for k, s in status.items() if s == "fehlerhaft")
    assert Decimal(str(sum(v for v in zuwendung.values() if v is not None))) == Decimal(summary["gesamt"])
    for rate in summary["auszahlungen"]:
        header = "Rate " + dt.date.fromisoformat(rate["termin"]).strftime("%d.%m.%Y")
        total = sum(faelle.cell(row=r, column=col[header]).value or 0 for r in rows.values())
        assert Decimal(str(total)) == Decimal(rate["betrag"])
    assert faelle.cell(row=2, column=col["Zuwendung"]).number_format == '[$-407]#,##0.00 "€"'
    # the link of each made case points to its document
    for k, r in rows.items():
        link = faelle.cell(row=r, column=col["Dokument"]).hyperlink
        assert (link is not None) == (status[k] == "erstellt")
        if link is not None:
            assert (out / link.target).is_file() and link.target == data[k]["dateien"][0]

    # Summen: the figures of zusammenfassung.json, as numbers
    summen = {r[0]: r[1] for r in workbook["Summen"].iter_rows(values_only=True) if r[0] is not None}
    assert Decimal(str(summen["Gesamt"])) == Decimal(summary["gesamt"])
    assert Decimal(str(summen["Maßnahmen"])) == Decimal(summary["posten"]["massnahmen"])
    assert Decimal(str(summen["Personalausgaben Koordination"])) == Decimal(summary["posten"]["personal_koordination"])
    termine = {k.date(): v for k, v in summen.items() if isinstance(k, dt.datetime)}
    assert {d.isoformat(): Decimal(str(v)) for d, v in termine.items()} == {
        r["termin"]: Decimal(r["betrag"]) for r in summary["auszahlungen"]}
    assert summen["erstellt"] == 52 and summen["fehlerhaft"] == 2
    # Kasse: the instalments of the 52 Bescheide, summing to the total
    kasse = list(workbook["Kasse"].iter_rows(values_only=True))
    assert kasse[0] == ("Termin", "Rate", "Fall-ID", "Empfänger", "Aktenzeichen", "Haushaltsstelle", "IBAN", "Betrag")
    assert len(kasse) == 1 + 2 * 52
    assert Decimal(str(sum(r[7] for r in kasse[1:]))) == Decimal(summary["gesamt"])


def test_output_folder_layout(sample_run):
    out = sample_run
    top = sorted(p.name for p in out.iterdir())
    assert top == ["auszahlungsliste.csv", "bericht.csv", "bericht.json", "dokumente", "manifest.json",
                   "pruefmappe.xlsx", "zusammenfassung.json"]  # the lock file is gone too
    folders = sorted(p.name for p in (out / "dokumente").iterdir())
    assert len(folders) == 52 and folders[0] == "KIM25-001_Landeshauptstadt-Duesseldorf"
    assert [p.name for p in (out / "dokumente" / folders[0]).iterdir()] == [
        "2025_Landeshauptstadt-Duesseldorf_Zuwendungsbescheid_36-07-01-KIM-2025-101.docx"]
    from kim_docs.batch import verify

    assert verify(out).ok


def _soffice(tmp: Path, target: str, source: Path, outdir: Path) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}", "--headless",
                    "--convert-to", target, "--outdir", str(outdir), str(source)],
                   check=True, capture_output=True, timeout=240)
    return outdir / f"{source.stem}.{target.split(':')[0]}"


def _dark_pixels(pgm: Path) -> int:
    """Pixels darker than light grey in a binary PGM (pdftoppm -gray)."""
    data = pgm.read_bytes()
    parts = data.split(b"\n", 3)       # P5, width height, maxval, pixels
    return sum(1 for byte in parts[3] if byte < 200)


@pytest.mark.libreoffice
def test_pruefmappe_renders_in_libreoffice(sample_run, tmp_path):
    pdf = _soffice(tmp_path, "pdf", sample_run / "pruefmappe.xlsx", tmp_path)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(pages.split("Pages:")[1].split()[0]) >= 5   # every sheet printed
    subprocess.run(["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "seite")],
                   check=True)
    (pgm,) = tmp_path.glob("seite*.pgm")
    assert _dark_pixels(pgm) > 2000   # text, not an empty page
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "KIM25-001" in text and "erstellt" in text and "fehlerhaft" in text
    # Summen in German number format: the total of zusammenfassung.json, e.g. 14.161.212,00 €
    from kim_docs.formatting import euro

    gesamt = json.loads((sample_run / "zusammenfassung.json").read_text(encoding="utf-8"))["gesamt"]
    assert euro(Decimal(gesamt)).replace("\xa0", " ") in text.replace("\xa0", " ")


# ---------------------------------------------------------------- template

def test_template_refuses_to_overwrite(tmp_path, cli):
    path = tmp_path / "kim.xlsx"
    path.write_bytes(b"ausgefuellte Mappe")
    result = cli("batch", "template", path)
    assert result.exit_code == 2
    assert "Die Datei gibt es schon; sie wird nicht überschrieben (mit --overwrite ersetzen)" in result.stderr
    assert path.read_bytes() == b"ausgefuellte Mappe"
    assert cli("batch", "template", path, "--overwrite").exit_code == 0
    assert openpyxl.load_workbook(path).sheetnames[0] == "Fälle"


def test_example_row_is_refused(tmp_path, cli):
    path = tmp_path / "vorlage.xlsx"
    write_template(path)
    out = tmp_path / "out"
    result = cli("batch", "run", path, "-o", out, "--format", "docx")
    assert result.exit_code == 1
    [case] = bericht(out)["faelle"]
    assert case["fall"] == "BEISPIEL-1" and case["status"] == "fehlerhaft" and case["gesamt"] is None
    assert [b["meldung"] for b in case["befunde"]] == [
        "Beispielzeile der Vorlage (Fall-ID 'BEISPIEL-1'); sie wird nie verarbeitet: bitte die "
        "Beispielzeilen aller Tabellen löschen oder durch echte Fälle ersetzen"]
    assert "Beispielzeile der Vorlage" in result.stderr
    assert not (out / "dokumente").exists() and not (out / "auszahlungsliste.csv").exists()
    assert "Kasse" not in openpyxl.load_workbook(out / "pruefmappe.xlsx").sheetnames


def test_german_words_of_the_dropdowns_are_read(tmp_path):
    from kim_docs.sheets import read_workbook

    path = book(tmp_path / "k.xlsx", [fall("W-01", Art="kreisfreie Stadt")],
                [stelle("W-01", Funktion="Koordination", Qualifikation="Diplom (FH)")])
    [case] = read_workbook(path)
    assert case.fehler == [] and case.daten["antragsteller"]["art"] == "kreisfreie_stadt"
    assert case.daten["stellen"][0]["qualifikation"] == "diplom_fh"


# ---------------------------------------------------------------- hidden rows, Bearbeiten, findings

def test_hidden_row_is_reported_not_processed(tmp_path, cli):
    path = book(tmp_path / "k.xlsx", [fall("H-01"), fall("H-02")], [stelle("H-01"), stelle("H-02")])
    hide_row(path, "Stellen", 3)   # the Stelle of H-02, e.g. filtered out
    out = tmp_path / "out"
    result = cli("batch", "run", path, "-o", out, "--format", "docx")
    assert result.exit_code == 1
    status = {f["fall"]: f for f in bericht(out)["faelle"]}
    assert status["H-01"]["status"] == "erstellt"
    assert status["H-02"]["status"] == "fehlerhaft"
    assert status["H-02"]["befunde"][0]["ort"] == "Tabelle Stellen, Zeile 3"
    assert status["H-02"]["befunde"][0]["meldung"].startswith("die Zeile ist ausgeblendet (Filter oder Ausblenden)")


def test_hidden_sheet_is_an_error_of_the_workbook(tmp_path, cli):
    path = book(tmp_path / "k.xlsx", [fall("H-01")], [stelle("H-01")])
    workbook = openpyxl.load_workbook(path)
    workbook["Stellen"].sheet_state = "hidden"
    workbook.save(path)
    result = cli("batch", "run", path, "-o", tmp_path / "out", "--format", "docx")
    assert result.exit_code == 2
    assert "Fehler der Mappe: Tabelle Stellen ist ausgeblendet" in result.stderr


def test_bearbeiten_nein_leaves_a_case_out(tmp_path, cli):
    path = book(tmp_path / "k.xlsx", [fall("B-01"), fall("B-02", Bearbeiten="nein", IBAN="kaputt")],
                [stelle("B-01"), stelle("B-02", Anteil="0,5x")])
    out = tmp_path / "out"
    result = cli("batch", "run", path, "-o", out, "--format", "docx")
    assert result.exit_code == 0, result.output
    status = {f["fall"]: (f["status"], f["befunde"]) for f in bericht(out)["faelle"]}
    assert status["B-02"] == ("ausgelassen", [])
    assert "2 Fälle: 1 erstellt, 0 unverändert, 0 fehlerhaft, 0 fehlgeschlagen, 1 ausgelassen" in result.stderr


def test_cell_error_and_rule_error_in_one_run(tmp_path, cli):
    path = book(tmp_path / "k.xlsx", [fall("Z-01", **{"Beantragt Maßnahmen": -1})],
                [stelle("Z-01", Anteil="0,5x"), stelle("Z-01", Bezeichnung="Zweite", Anteil=1)])
    out = tmp_path / "out"
    result = cli("batch", "run", path, "-o", out, "--format", "docx", "--draft")
    assert result.exit_code == 1
    [case] = bericht(out)["faelle"]
    fehler = [(b["ort"], b["meldung"]) for b in case["befunde"] if b["schwere"] == "fehler"]
    assert ("Tabelle Stellen, Zeile 2, Spalte Anteil", "'0,5x' ist keine Zahl") in fehler
    assert any(o == "Tabelle Fälle, Zeile 2, Spalte Beantragt Maßnahmen" and "negativ" in m for o, m in fehler)
    assert not any("anteil" in b["feld"] and b["code"] != "zelle" for b in case["befunde"])
    assert any(b["code"] == "platzhalter" for b in case["befunde"])
    # even with --draft: no document, no amount from the placeholder
    assert case["status"] == "fehlerhaft" and case["gesamt"] is None
    assert not (out / "dokumente").exists()


def test_formula_without_stored_value(tmp_path):
    from kim_docs.sheets import read_workbook

    path = book(tmp_path / "k.xlsx", [fall("F-01")], [stelle("F-01", Anteil="=1/2")])
    [case] = read_workbook(path)
    assert case.fehler == ["Tabelle Stellen, Zeile 2, Spalte Anteil: die Formel hat keinen gespeicherten Wert "
                           "(die Mappe in Excel oder LibreOffice öffnen und speichern)"]


# ---------------------------------------------------------------- formats and LibreOffice

def _filled_template(path: Path) -> Path:
    """The template as a clerk fills it: example rows overwritten, German words, one hidden row."""
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    cases = [fall("R-01"), fall("R-02", **{"Beantragt Maßnahmen": 35000}), fall("R-03", Bearbeiten="nein"),
             fall("R-04", Art="kreisfreie Stadt"), fall("R-05", Beginn="01.04.2025", **{"Beantragt Sachausgaben": "3.637,50"})]
    stellen = [stelle("R-01", Qualifikation="Diplom (FH)"), stelle("R-02", Anteil="0,5x"), stelle("R-03"),
               stelle("R-04", Anteil=0.5), stelle("R-05", Anteil="0,5")]
    for name, rows, sheet in (("Fälle", cases, FAELLE), ("Stellen", stellen, STELLEN)):
        ws = workbook[name]
        ws.delete_rows(2, ws.max_row)
        for number, values in enumerate(rows, start=2):
            for index, column in enumerate(sheet.columns, start=1):
                ws.cell(row=number, column=index, value=values[column.header])
    for name in ("Kommunen", "Verwendungsnachweis"):
        workbook[name].delete_rows(2, 1)
    workbook["Fälle"].row_dimensions[5].hidden = True   # R-04, filtered out
    workbook.save(path)
    return path


def _results(out: Path) -> list[tuple]:
    return [(f["fall"], f["status"], f["gesamt"], [(b["schwere"], b["ort"], b["meldung"]) for b in f["befunde"]])
            for f in bericht(out)["faelle"]]


@pytest.mark.libreoffice
def test_template_saved_by_libreoffice_gives_the_same_results(tmp_path):
    """Filled template → LibreOffice saves it as .ods, .xlsx and .xls → the same report."""
    from kim_docs.batch import BatchOptions, run_batch

    filled = _filled_template(tmp_path / "mappe.xlsx")
    converted = tmp_path / "lo"
    converted.mkdir()
    inputs = {"xlsx": filled, "ods": _soffice(tmp_path, "ods", filled, converted),
              "xls": _soffice(tmp_path, "xls", filled, converted),
              "lo.xlsx": _soffice(tmp_path, "xlsx:Calc MS Excel 2007 XML", filled, converted)}
    results = {}
    for name, path in inputs.items():
        out = tmp_path / f"out-{name}"
        run_batch(path, out, BatchOptions(formats=("docx",), jobs=1))
        results[name] = _results(out)
    reference = results["xlsx"]
    status = {r[0]: r[1] for r in reference}
    assert status == {"R-01": "erstellt", "R-02": "fehlerhaft", "R-03": "ausgelassen", "R-04": "fehlerhaft",
                      "R-05": "erstellt"}
    r02 = next(r for r in reference if r[0] == "R-02")[3]
    assert ("fehler", "Tabelle Stellen, Zeile 3, Spalte Anteil", "'0,5x' ist keine Zahl") in r02
    assert any("Beantragt Maßnahmen" in o for _, o, _ in r02)
    assert results["ods"] == reference and results["lo.xlsx"] == reference and results["xls"] == reference


# ---------------------------------------------------------------- an earlier flat run

def test_documents_of_a_flat_run_move_into_their_folder(tmp_path, cli):
    path = book(tmp_path / "k.xlsx", [fall("M-01"), fall("M-02")], [stelle("M-01"), stelle("M-02")])
    out = tmp_path / "out"
    assert cli("batch", "run", path, "-o", out, "--format", "docx").exit_code == 0
    # make it look like a run of the earlier version: documents flat, without Aktenzeichen
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["dateien"]:
        if entry["datei"].startswith("dokumente/"):
            flat = entry["datei"].rpartition("/")[2].rsplit("_", 1)[0] + ".docx"
            os.replace(out / entry["datei"], out / flat)
            entry["datei"] = flat
    shutil.rmtree(out / "dokumente")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert sorted(p.name for p in out.glob("*.docx")) == ["2025_Kreis-M-01_Zuwendungsbescheid.docx",
                                                          "2025_Kreis-M-02_Zuwendungsbescheid.docx"]
    result = cli("batch", "run", path, "-o", out, "--format", "docx")
    assert result.exit_code == 0
    assert "2 Fälle: 0 erstellt, 2 unverändert" in result.stderr
    assert "frühere Dokumente nach dokumente/M-01_Kreis-M-01/ verschoben" in result.stderr
    assert list(out.glob("*.docx")) == []
    assert (out / "dokumente/M-01_Kreis-M-01/2025_Kreis-M-01_Zuwendungsbescheid_36-07-01-KIM-2025-01.docx").is_file()
    assert cli("batch", "verify", out).exit_code == 0
    assert cli("batch", "run", path, "-o", out, "--format", "docx", "--zip").exit_code == 0
    import zipfile

    names = zipfile.ZipFile(out / "stapel.zip").namelist()
    assert "dokumente/M-02_Kreis-M-02/2025_Kreis-M-02_Zuwendungsbescheid_36-07-01-KIM-2025-02.docx" in names


def test_unreadable_workbook_message_is_german(tmp_path, cli):
    broken = tmp_path / "kaputt.ods"
    broken.write_bytes(b"kein zip")
    result = cli("batch", "run", broken, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "Die Arbeitsmappe lässt sich nicht öffnen: die Datei ist beschädigt oder keine Arbeitsmappe " \
           "im Format .ods" in result.stderr
