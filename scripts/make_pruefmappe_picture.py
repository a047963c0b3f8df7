"""Erzeugt docs/pruefmappe.png: die Prüfmappe des Stapel-Beispiels, wie LibreOffice sie druckt.

Läuft den Stapel über samples/batch/kim-2025.xlsx (nur DOCX) in einen temporären Ordner,
blendet in einer Kopie der Prüfmappe die Spalten aus, die für das Bild nichts zeigen (wie
es eine Sachbearbeiterin zum Lesen täte), und druckt die erste Seite der Tabelle Fälle
mit LibreOffice als PDF; pdftoppm macht daraus das PNG.

Aufruf aus dem Projektordner:  .venv/bin/python scripts/make_pruefmappe_picture.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402

from kim_docs.batch import BatchOptions, run_batch  # noqa: E402

SHOWN = {"Fall-ID", "Antragsteller", "Art", "IBAN", "Beantragt Maßnahmen", "Status", "Befunde", "Zuwendung",
         "Rate 01.05.2025", "Rate 01.10.2025", "Dokument"}
ROWS = range(38, 56)   # Stadt Hamm (IBAN) and Kreis Olpe (Maßnahmen) are in these rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_batch(ROOT / "kim_docs" / "samples" / "batch" / "kim-2025.xlsx", work / "out",
                  BatchOptions(formats=("docx",)))
        workbook = openpyxl.load_workbook(work / "out" / "pruefmappe.xlsx")
        for name in workbook.sheetnames[1:]:
            del workbook[name]
        faelle = workbook["Fälle"]
        for cell in faelle[1]:
            if cell.value not in SHOWN:
                faelle.column_dimensions[cell.column_letter].hidden = True
        for row in range(2, faelle.max_row + 1):
            faelle.row_dimensions[row].hidden = row not in ROWS
        faelle.sheet_properties.pageSetUpPr.fitToPage = True
        faelle.page_setup.fitToHeight = 1
        picture = work / "bild.xlsx"
        workbook.save(picture)
        profile = (work / "profil").as_uri()
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(work), str(picture)], check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-x", "70", "-y", "100",
                        "-W", "1150", "-H", "240", str(work / "bild.pdf"),
                        str(work / "seite")], check=True)
        (page,) = work.glob("seite*.png")
        shutil.copyfile(page, ROOT / "docs" / "pruefmappe.png")
    print("docs/pruefmappe.png geschrieben")


if __name__ == "__main__":
    main()
