"""The sources of a batch: a workbook (.xlsx, .xlsm, .ods, .xls), a folder of CSV files or
one Fälle CSV file.

Each source becomes raw tables (``tables.Table``, one per known sheet; other tabs or files
such as ``Hilfe`` are skipped), which ``assemble.assemble_cases`` turns into cases.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from kim_docs.errors import InputError

from .assemble import assemble_cases
from .cases import SheetCaseList
from .hidden import hidden_parts
from .schema import FAELLE, Sheet
from .tables import Table, find_sheet

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls")


def read_batch(path: str | Path) -> SheetCaseList:
    """Read a workbook (.xlsx, .xlsm, .ods, .xls), a CSV folder or a single Fälle CSV file."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".csv":
        return read_csv_folder(path)
    return read_workbook(path)


def read_workbook(path: str | Path) -> SheetCaseList:
    """Read a workbook in the layout of ``SHEETS`` (one case per row of Fälle).

    The values come from python-calamine for every format, so that .xlsx, .xlsm, .ods
    and .xls give the same cases; hidden rows and formulas without a stored value from
    ``hidden``.
    """
    path = Path(path)
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise InputError("Unbekanntes Format der Arbeitsmappe (erwartet .xlsx, .xlsm, .ods, .xls "
                         "oder ein Ordner mit CSV-Dateien)", datei=str(path))
    _check_size(path)
    sheets = _calamine_sheets(path)
    verborgen = hidden_parts(path)
    tables: dict[str, Table] = {}
    hidden_sheets: list[str] = []
    titles: dict[str, str] = {}
    for title, visible, rows in sheets:
        sheet = find_sheet(title)
        if sheet is None:
            continue
        if sheet.name in titles:  # which one was meant is not for us to guess
            hidden_sheets.append(_ambiguous(titles[sheet.name], title, sheet.name, "Tabellen"))
            continue
        titles[sheet.name] = title
        if not visible:
            hidden_sheets.append(f"Tabelle {sheet.name} ist ausgeblendet; bitte einblenden (oder "
                                 "die Tabelle löschen), damit sichtbar ist, was verarbeitet wird")
        tables[sheet.name] = Table.from_rows(sheet, rows, verborgen.get(title))
    result = assemble_cases(tables, path.name)
    result.fehler[:0] = hidden_sheets
    return result


#: A workbook of a few thousand cases unpacks to some megabytes; a "zip bomb" of a few
#: megabytes unpacks to gigabytes and would fill the memory.
MAX_WORKBOOK_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024


def _check_size(path: Path) -> None:
    """A regular file of bounded size; for the zip formats (.xlsx, .xlsm, .ods) also a
    bounded unpacked size, as the archive declares it."""
    import stat
    import zipfile

    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("Die Arbeitsmappe fehlt", datei=str(path)) from None
    except OSError as exc:
        raise InputError(f"Die Arbeitsmappe lässt sich nicht lesen ({exc.strerror})", datei=str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("ist keine gewöhnliche Datei (z. B. eine Pipe oder ein Gerät)", datei=str(path))
    if info.st_size > MAX_WORKBOOK_BYTES:
        raise InputError(f"Die Arbeitsmappe ist zu groß (höchstens {MAX_WORKBOOK_BYTES // 1024 // 1024} MB)",
                         datei=str(path))
    if not zipfile.is_zipfile(path):
        return  # .xls, or broken: calamine says so
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(f"Die Arbeitsmappe entpackt sich auf {unpacked // 1024 // 1024} MB (höchstens "
                         f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB); sie wird nicht gelesen", datei=str(path))


def _ambiguous(first: str, second: str, sheet: str, what: str) -> str:
    return (f"Die {what} '{first}' und '{second}' stehen beide für die Tabelle {sheet}; bitte eine "
            "davon löschen oder umbenennen")


def _calamine_sheets(path: Path) -> list[tuple[str, bool, list[list[Any]]]]:
    """(title, visible, rows) of each worksheet; InputError in German when unreadable."""
    import python_calamine as calamine  # imported here: the rest of kim-docs does not need it

    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        try:
            return [(meta.name, meta.visible == calamine.SheetVisibleEnum.Visible,
                     workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
                    for meta in workbook.sheets_metadata
                    if meta.typ == calamine.SheetTypeEnum.WorkSheet]
        finally:
            workbook.close()
    except FileNotFoundError:
        raise InputError("Die Arbeitsmappe fehlt", datei=str(path)) from None
    except calamine.PasswordError:
        raise InputError("Die Arbeitsmappe lässt sich nicht öffnen: sie ist mit einem Kennwort "
                         "geschützt", datei=str(path)) from None
    except Exception:  # calamine raises its own errors, ValueError, OSError, …
        raise InputError("Die Arbeitsmappe lässt sich nicht öffnen: die Datei ist beschädigt oder "
                         f"keine Arbeitsmappe im Format {path.suffix.lower()}", datei=str(path)) from None


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
    files: dict[str, str] = {}
    for file in sorted(path.iterdir()):
        sheet = find_sheet(file.stem) if file.suffix.lower() == ".csv" else None
        if sheet is None:
            continue
        if sheet.name in files:
            raise InputError(_ambiguous(files[sheet.name], file.name, sheet.name, "Dateien"), datei=str(path))
        files[sheet.name] = file.name
        tables[sheet.name] = _read_csv(file, sheet)
    if FAELLE.name not in tables:
        raise InputError("Die Datei 'Fälle.csv' fehlt", datei=str(path))
    return assemble_cases(tables, path.name)


def _read_csv(path: Path, sheet: Sheet) -> Table:
    from ..load import read_bytes_limited

    text = decode_csv(read_bytes_limited(path, MAX_CSV_BYTES), path.name)
    first_line = text.split("\n", 1)[0]
    # German Excel writes ';'; accept ',' only when the header has no ';' at all
    delimiter = "," if ";" not in first_line and "," in first_line else ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise InputError(f"Die CSV-Datei ist fehlerhaft ({error})", datei=path.name) from None
    _check_row_lengths(rows, delimiter, path.name)
    return Table.from_rows(sheet, rows)


#: A CSV sheet of a few thousand cases is some megabytes; a FIFO or /dev/zero is refused.
MAX_CSV_BYTES = 100 * 1024 * 1024


def _check_row_lengths(rows: list[list[str]], delimiter: str, name: str) -> None:
    """A cell beyond the header would be dropped silently; with ',' as separator it is
    typically the cents of '5000,75' (which would become 5000)."""
    if not rows:
        return
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        filled = len(row)
        while filled > width and not row[filled - 1].strip():
            filled -= 1  # empty cells at the end (Excel writes them) are no data
        if filled > width:
            hint = (" – bei ',' als Trennzeichen Zahlen mit Dezimalkomma in Anführungszeichen setzen "
                    "oder ';' als Trennzeichen verwenden") if delimiter == "," else ""
            raise InputError(f"Zeile {number} hat {filled} Zellen, die Kopfzeile nur {width}{hint}", datei=name)


def decode_csv(data: bytes, name: str) -> str:
    """Excel writes CSV as UTF-8 (with or without BOM) or as Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 wird nicht unterstützt; bitte als CSV UTF-8 speichern", datei=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("Die Datei ist weder UTF-8 noch Windows-1252", datei=name) from None
