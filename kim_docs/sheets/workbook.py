"""Writing workbooks in the layout: the template of ``kim-docs batch template`` and samples.

Each sheet gets bold headers coloured by how required the column is, each with a comment
that explains it; on the whole column a number format, a drop-down of German words (or a
type check) and an input prompt; widths that fit, a frozen header row and a print setup
(landscape, one page wide, the header on every page). The tab ``Hilfe`` has the legend of
the colours and lists every column. ``save_deterministic`` makes equal content give equal bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kim_docs.errors import InputError
from kim_docs.files import write_atomic, zip_entry

from .schema import PFLICHT_MARKS, SHEETS, Column, Sheet, case_path, choice_labels

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

_FIXED_TIME = dt.datetime(2024, 1, 1)
_NUMBER_FORMATS = {"datum": "DD.MM.YYYY", "betrag": "#,##0.00", "anteil": "0.00",
                   "ags": "@", "plz": "@", "iban": "@", "id": "@", "text": "@"}
_LAST_ROW = 1048576      # formats, drop-downs and prompts cover the whole column
_PROMPT_LIMIT = 250      # Excel refuses input prompts longer than 255 characters


def write_template(path: str | Path, overwrite: bool = False) -> None:
    """Write an empty workbook in the layout, with help, drop-downs and example rows.

    An existing file is not replaced (it may be a filled workbook) unless ``overwrite``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError("Die Datei gibt es schon; sie wird nicht überschrieben (mit --overwrite "
                         "ersetzen)", datei=str(path))
    save_deterministic(build_workbook({s.name: [_example_row(s)] for s in SHEETS}), path)


def _example_row(sheet: Sheet) -> list[Any]:
    return [_shown_example(c) for c in sheet.columns]


def _shown_example(column: Column) -> Any:
    """The example as the drop-down offers it (``Kreis``, not ``kreis``)."""
    if column.choices and isinstance(column.example, str):
        return dict(zip(column.choices, choice_labels(column))).get(column.example, column.example)
    return column.example


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
    _add_validations(worksheet, sheet)
    _fit_widths(worksheet, sheet, rows)
    worksheet.freeze_panes = "B2"
    print_setup(worksheet)


def print_setup(worksheet: Worksheet) -> None:
    """Landscape A4, all columns on the width of one page, the header row on every page."""
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_title_rows = "1:1"


def _write_header(worksheet: Worksheet, sheet: Sheet) -> None:
    """Bold headers coloured by how required the column is, each with its help as a comment."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    worksheet.append([c.header for c in sheet.columns])
    for index, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=PFLICHT_MARKS.get(column.pflicht, PFLICHT_MARKS["nein"])[0])
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(_comment_text(column), "kim-docs", height=120, width=260)


def _fit_widths(worksheet: Worksheet, sheet: Sheet, rows: list[list[Any]]) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.columns, start=1):
        texts = [column.header, *choice_labels(column)]
        texts += [_width_text(row[index - 1]) for row in rows[:200] if index - 1 < len(row)]
        width = max(len(t) for t in texts) + 3
        worksheet.column_dimensions[get_column_letter(index)].width = min(max(width, 10), 45)


def _width_text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return "00.00.0000"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def _apply_number_formats(worksheet: Worksheet, sheet: Sheet, row_count: int) -> None:
    """Text format keeps Excel from eating leading zeros (AGS, PLZ) and digits (IBAN).

    On the column (for every row the clerk adds) and on the cells written here.
    """
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.columns, start=1):
        number_format = _NUMBER_FORMATS.get(column.kind)
        if number_format is None:
            continue
        worksheet.column_dimensions[get_column_letter(index)].number_format = number_format
        for number in range(2, row_count + 2):
            worksheet.cell(row=number, column=index).number_format = number_format


def _comment_text(column: Column) -> str:
    text = f"{column.header}: {column.hilfe}"
    if column.choices:
        text += " Werte: " + ", ".join(choice_labels(column)) + "."
    if column.pflicht != "nein":
        text += f" Pflicht: {column.pflicht}."
    return text


def _add_validations(worksheet: Worksheet, sheet: Sheet) -> None:
    """A drop-down (German words) or a type check, each with an input prompt, on the whole column."""
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.columns, start=1):
        validation = _validation(column)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{_LAST_ROW}")
        worksheet.add_data_validation(validation)


def _validation(column: Column) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    prompt = _comment_text(column)
    if len(prompt) > _PROMPT_LIMIT:
        prompt = prompt[:_PROMPT_LIMIT - 1].rstrip() + "…"
    common = {"allow_blank": True, "showInputMessage": True, "promptTitle": column.header[:32],
              "prompt": prompt, "showErrorMessage": True, "errorTitle": column.header[:32]}
    if column.choices:
        labels = choice_labels(column)
        return DataValidation(type="list", formula1='"' + ",".join(labels) + '"',
                              error="Bitte einen Wert aus der Liste wählen: " + ", ".join(labels),
                              **common)
    if column.kind == "datum":
        return DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                              errorStyle="warning", error="Bitte ein Datum eingeben (TT.MM.JJJJ).",
                              **common)
    if column.kind in ("betrag", "anteil"):
        upper = {"formula2": "1"} if column.kind == "anteil" else {}
        return DataValidation(type="decimal", operator="between" if upper else "greaterThanOrEqual",
                              formula1="0", errorStyle="warning",
                              error="Bitte eine Zahl eingeben" + (" zwischen 0 und 1." if upper else
                                                                  " (Euro, z. B. 57.000,00)."),
                              **upper, **common)
    return DataValidation(type=None, **common)  # a prompt only


def _write_help(worksheet: Worksheet) -> None:
    """The legend of the header colours, then one row per column; long texts wrap."""
    from openpyxl.styles import Alignment, Font, PatternFill

    worksheet.append(["Farben der Überschriften"])
    worksheet["A1"].font = Font(bold=True)
    for pflicht, (colour, text) in PFLICHT_MARKS.items():
        if pflicht in ("für den Bescheid", "für Anlage 3"):
            continue  # same colour as "für Dokumente"; the Pflicht column names each
        worksheet.append(["", text])
        worksheet.cell(row=worksheet.max_row, column=1).fill = PatternFill("solid", fgColor=colour)
    worksheet.append([])
    worksheet.append(["Tabelle", "Spalte", "Pflicht", "Werte", "Feld im Fall", "Erklärung"])
    header_row = worksheet.max_row
    for cell in worksheet[header_row]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        for column in sheet.columns:
            worksheet.append([sheet.name, column.header, column.pflicht,
                              ", ".join(choice_labels(column)), case_path(sheet, column),
                              column.hilfe])
    for letter, width in zip("ABCDEF", (18, 30, 16, 30, 40, 70)):
        worksheet.column_dimensions[letter].width = width
    for row in worksheet.iter_rows(min_row=header_row + 1, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    worksheet.freeze_panes = f"A{header_row + 1}"
    print_setup(worksheet)
    worksheet.print_title_rows = f"{header_row}:{header_row}"


def save_deterministic(workbook: Workbook, path: str | Path) -> None:
    """Save so that the same content gives the same bytes (fixed times in file and zip)."""
    write_atomic(Path(path), workbook_bytes(workbook))


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx bytes of ``workbook``; the same content gives the same bytes."""
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
    return out.getvalue()

