"""The sources of a batch: an .xlsx workbook, a folder of CSV files or one Fälle CSV file.

Each source becomes raw tables (``tables.Table``, one per known sheet; other tabs or files
such as ``Hilfe`` are skipped), which ``assemble.assemble_cases`` turns into cases.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from kim_docs.errors import InputError

from .assemble import assemble_cases
from .cases import SheetCaseList
from .schema import FAELLE, Sheet
from .tables import Table, find_sheet


def read_batch(path: str | Path) -> SheetCaseList:
    """Read a workbook (.xlsx, .xlsm), a CSV folder or a single Fälle CSV file."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".csv":
        return read_csv_folder(path)
    return read_workbook(path)


def read_workbook(path: str | Path) -> SheetCaseList:
    """Read an .xlsx workbook in the layout of ``SHEETS`` (one case per row of Fälle)."""
    import openpyxl  # imported here: the rest of kim-docs does not need it

    path = Path(path)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError, OSError, …
        raise InputError(f"Die Arbeitsmappe lässt sich nicht öffnen ({error})",
                         datei=str(path)) from error
    tables: dict[str, Table] = {}
    for worksheet in workbook.worksheets:
        sheet = find_sheet(worksheet.title)
        if sheet is None or sheet.name in tables:
            continue
        tables[sheet.name] = Table.from_rows(sheet, list(worksheet.iter_rows(values_only=True)))
    return assemble_cases(tables, path.name)


def read_csv_folder(path: str | Path) -> SheetCaseList:
    """Read a folder of ``;``-separated CSV files named like the sheets (``Fälle.csv`` …).

    A single ``.csv`` file is read as the sheet Fälle alone.
    """
    path = Path(path)
    if path.is_file():
        return assemble_cases({FAELLE.name: _read_csv(path, FAELLE)}, path.name)
    if not path.is_dir():
        raise InputError("Der Ordner oder die Datei fehlt", datei=str(path))
    tables: dict[str, Table] = {}
    for file in sorted(path.iterdir()):
        sheet = find_sheet(file.stem) if file.suffix.lower() == ".csv" else None
        if sheet is not None and sheet.name not in tables:
            tables[sheet.name] = _read_csv(file, sheet)
    if FAELLE.name not in tables:
        raise InputError("Die Datei 'Fälle.csv' fehlt", datei=str(path))
    return assemble_cases(tables, path.name)


def _read_csv(path: Path, sheet: Sheet) -> Table:
    try:
        text = decode_csv(path.read_bytes(), path.name)
    except OSError as error:
        raise InputError(f"Die Datei lässt sich nicht lesen ({error})",
                         datei=str(path)) from error
    first_line = text.split("\n", 1)[0]
    # German Excel writes ';'; accept ',' only when the header has no ';' at all
    delimiter = "," if ";" not in first_line and "," in first_line else ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise InputError(f"Die CSV-Datei ist fehlerhaft ({error})", datei=path.name) from None
    return Table.from_rows(sheet, rows)


def decode_csv(data: bytes, name: str) -> str:
    """Excel writes CSV as UTF-8 (with or without BOM) or as Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("Die Datei ist weder UTF-8 noch Windows-1252", datei=name) from None
