"""Writing workbooks in the layout: the template of ``kim-docs batch template`` and samples.

Each sheet gets bold headers with a comment that explains the column, number formats,
drop-downs for columns with fixed values and frozen panes; the tab ``Hilfe`` lists every
column. ``save_deterministic`` makes equal content give equal bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kim_docs.files import zip_entry

from .schema import SHEETS, Column, Sheet, case_path

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

_FIXED_TIME = dt.datetime(2024, 1, 1)
_NUMBER_FORMATS = {"datum": "DD.MM.YYYY", "betrag": "#,##0.00", "anteil": "0.00",
                   "ags": "@", "plz": "@", "iban": "@", "id": "@", "text": "@"}
_TEMPLATE_ROWS = 1000  # rows that get the drop-downs and formats


def write_template(path: str | Path) -> None:
    """Write an empty workbook in the layout, with help, drop-downs and example rows."""
    save_deterministic(build_workbook({s.name: [_example_row(s)] for s in SHEETS}), path)


def _example_row(sheet: Sheet) -> list[Any]:
    return [c.example for c in sheet.columns]


def build_workbook(rows: dict[str, list[list[Any]]]) -> Workbook:
    """A workbook in the layout with the given data rows (per sheet name, in column order).

    Used by the template and by scripts/make_batch_sample.py.
    """
    import openpyxl  # imported here: the rest of kim-docs does not need it

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        if sheet.name in rows:
            _write_sheet(workbook.create_sheet(sheet.name), sheet, rows[sheet.name])
    _write_help(workbook.create_sheet("Hilfe"))
    return workbook


def _write_sheet(worksheet: Worksheet, sheet: Sheet, rows: list[list[Any]]) -> None:
    _write_header(worksheet, sheet)
    for values in rows:
        worksheet.append(values)
    _apply_number_formats(worksheet, sheet, len(rows))
    _add_validations(worksheet, sheet, max(_TEMPLATE_ROWS, len(rows) + 1))
    worksheet.freeze_panes = "B2"


def _write_header(worksheet: Worksheet, sheet: Sheet) -> None:
    """Bold, shaded headers, each with its help text as a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    worksheet.append([c.header for c in sheet.columns])
    for index, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.comment = Comment(_comment_text(column), "kim-docs", height=120, width=260)
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = max(12, len(column.header) + 4)


def _apply_number_formats(worksheet: Worksheet, sheet: Sheet, row_count: int) -> None:
    """Text format keeps Excel from eating leading zeros (AGS, PLZ) and digits (IBAN)."""
    for number in range(2, row_count + 2):
        for index, column in enumerate(sheet.columns, start=1):
            if column.kind in _NUMBER_FORMATS:
                worksheet.cell(row=number, column=index).number_format = \
                    _NUMBER_FORMATS[column.kind]


def _comment_text(column: Column) -> str:
    text = f"{column.header}: {column.hilfe}"
    if column.choices:
        text += " Werte: " + ", ".join(column.choices) + "."
    if column.pflicht != "nein":
        text += f" Pflicht: {column.pflicht}."
    return text


def _add_validations(worksheet: Worksheet, sheet: Sheet, last_row: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for index, column in enumerate(sheet.columns, start=1):
        if not column.choices:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
            showErrorMessage=True, errorTitle=column.header,
            error="Bitte einen Wert aus der Liste wählen: " + ", ".join(column.choices))
        validation.add(f"{letter}2:{letter}{last_row}")
        worksheet.add_data_validation(validation)


def _write_help(worksheet: Worksheet) -> None:
    from openpyxl.styles import Alignment, Font

    worksheet.append(["Tabelle", "Spalte", "Pflicht", "Werte", "Feld im Fall", "Erklärung"])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        for column in sheet.columns:
            worksheet.append([sheet.name, column.header, column.pflicht,
                              ", ".join(column.choices), case_path(sheet, column),
                              column.hilfe])
    for letter, width in zip("ABCDEF", (20, 32, 16, 40, 46, 90)):
        worksheet.column_dimensions[letter].width = width
    for row in worksheet.iter_rows(min_row=2, min_col=6, max_col=6):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    worksheet.freeze_panes = "A2"


def save_deterministic(workbook: Workbook, path: str | Path) -> None:
    """Save so that the same content gives the same bytes (fixed times in file and zip)."""
    workbook.properties.creator = "kim-docs"
    workbook.properties.lastModifiedBy = "kim-docs"
    workbook.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)  # openpyxl stamps 'modified' with now; fixed below
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                              data)
            target.writestr(zip_entry(info.filename, mode=None), data)
    Path(path).write_bytes(out.getvalue())

