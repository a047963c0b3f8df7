"""pruefmappe.xlsx: the run as the clerk reads it, in Excel or LibreOffice.

- one sheet per input sheet with the clerk's rows as given, at the same row numbers (so
  that "Tabelle Stellen, Zeile 14" is row 14 here too); every cell with a finding is
  coloured by its severity and carries the finding as a comment; a finding of a whole
  row marks the row's Fall-ID cell;
- on the right of Fälle, per case: Status, Befunde, Zuwendung, one column per payment
  date, the examination of a Verwendungsnachweis and a link to the case's document; the
  other sheets get the Status of the row's case;
- ``Summen``: the cases by status, the messages of the run, the sums per item, per
  payment date, in all, and the budget with its rest, as numbers (the same as
  zusammenfassung.json);
- ``Kasse``: the instalments of the issued Bescheide (only when there are any).

For case files instead of a workbook, ``Fälle`` lists one row per file.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..findings import Schwere
from .reports import KASSE_SPALTEN, befund_text, kasse_rows
from .results import Fallbericht, Lauf, Status

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# German display whatever the locale of LibreOffice ([$-407]: de-DE; Excel shows the
# separators of its system)
EURO = '[$-407]#,##0.00 "€"'
ZAHL = "[$-407]#,##0.00"
DATUM = "DD.MM.YYYY"
_SCHWERE_FILL = {Schwere.FEHLER: "FFC7CE", Schwere.WARNUNG: "FFEB9C", Schwere.HINWEIS: "DDEBF7"}
_STATUS_FILL = {Status.ERSTELLT: "C6EFCE", Status.UNVERAENDERT: "C6EFCE", Status.FEHLERHAFT: "FFC7CE",
                Status.FEHLGESCHLAGEN: "FFC7CE", Status.NICHT_ERSTELLT: "EDEDED", Status.AUSGELASSEN: "EDEDED"}
_RESULT_FILL = "E2EFDA"        # header of the columns kim-docs adds
_POSTEN_NAMEN = {"personal_koordination": "Personalausgaben Koordination",
                 "personal_verwaltungsassistenz": "Personalausgaben Verwaltungsassistenz",
                 "sachausgaben": "Sachausgaben", "veranstaltungen": "Veranstaltungen", "massnahmen": "Maßnahmen"}
_ORDER = (Schwere.FEHLER, Schwere.WARNUNG, Schwere.HINWEIS)

Place = tuple[str, int, int]   # (sheet, row, 1-based column)


def pruefmappe_bytes(lauf: Lauf, bescheide: set[str]) -> bytes:
    """The Prüfmappe of a run as .xlsx bytes (same run, same bytes)."""
    import openpyxl

    from ..sheets.workbook import workbook_bytes

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    marks = _Marks(lauf)
    if lauf.tabellen:
        for name, table in lauf.tabellen.items():
            _input_sheet(workbook.create_sheet(name), table, lauf, marks)
    else:
        _case_file_sheet(workbook.create_sheet("Fälle"), lauf, marks)
    _summen(workbook.create_sheet("Summen"), lauf)
    if bescheide:
        _kasse(workbook.create_sheet("Kasse"), lauf, bescheide)
    _no_formulas(workbook)
    return workbook_bytes(workbook)


def _no_formulas(workbook: Any) -> None:
    """The Prüfmappe has no formulas of its own; openpyxl makes every text starting with
    '=' one, so a name like '=HYPERLINK(…)' from the input would run when the clerk opens
    the file (issue 13, as for the CSV reports). Such cells are written as text."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


class _Marks:
    """Where each finding goes: a cell of an input sheet, or (not locatable) the case's
    Befunde cell on Fälle."""

    def __init__(self, lauf: Lauf) -> None:
        from ..sheets.cases import parse_ort

        self.cells: dict[Place, list[tuple[Schwere, str]]] = {}
        self.unplaced: dict[str, list[tuple[Schwere, str]]] = {}
        columns = {name: _column_numbers(table) for name, table in lauf.tabellen.items()}
        fall_columns = {name: _fall_id_column(table) for name, table in lauf.tabellen.items()}
        items = [(f.fall_id, b) for f in lauf.faelle for b in f.befunde]
        items += [("", {"schwere": Schwere.FEHLER, "ort": _ort_of(text), "meldung": text})
                  for text in lauf.mappe_fehler]
        for fall_id, befund in items:
            ort = parse_ort(befund.get("ort") or "")
            entry = (Schwere(befund["schwere"]), befund_text(befund))
            place = None
            if ort is not None and ort.tabelle in columns and ort.zeilen:
                numbers = [columns[ort.tabelle].get(s) for s in ort.spalten] or [fall_columns[ort.tabelle]]
                place = [(ort.tabelle, z, n or fall_columns[ort.tabelle]) for z in ort.zeilen for n in numbers]
            for p in place or ():
                self.cells.setdefault(p, []).append(entry)
            if not place and fall_id:
                self.unplaced.setdefault(fall_id, []).append(entry)


def _ort_of(text: str) -> str:
    ort, sep, _ = text.partition(": ")
    return ort if sep else ""


def _column_numbers(table: Any) -> dict[str, int]:
    """Header (and column letter) -> 1-based column number of a raw table."""
    from openpyxl.utils import get_column_letter

    numbers = {column.header: index + 1 for index, column in table.columns.items()}
    numbers.update({get_column_letter(i + 1): i + 1 for i in range(len(table.header))})
    return numbers


def _fall_id_column(table: Any) -> int:
    from ..sheets.tables import fall_id_index

    index = fall_id_index(table)
    return 1 if index is None else index + 1


# ---------------------------------------------------------------- input sheets

def _input_sheet(ws: Worksheet, table: Any, lauf: Lauf, marks: _Marks) -> None:
    from ..sheets.cells import is_empty, to_text

    by_id = {f.fall_id: f for f in lauf.faelle}
    kinds = {index + 1: column.kind for index, column in table.columns.items()}
    ws.append([None if is_empty(v) else v for v in table.header])
    id_column = _fall_id_column(table)
    for number, values in table.rows:
        for index, value in enumerate(values, start=1):
            if not is_empty(value):
                cell = ws.cell(row=number, column=index, value=value)
                cell.number_format = _format_of(kinds.get(index), value)
    first = len(table.header) + 2   # one empty column between the clerk's and ours
    raten = _payment_dates(lauf.faelle) if table.sheet.target == "" else []
    headers = ["Status"] + (["Befunde", "Zuwendung", *[f"Rate {d:%d.%m.%Y}" for d in raten],
                             "VN anerkannt", "VN Ergebnis", "Dokument"] if table.sheet.target == "" else [])
    _result_header(ws, first, headers)
    for number, values in table.rows:
        raw = values[id_column - 1] if id_column - 1 < len(values) else None
        fall = by_id.get("" if is_empty(raw) else to_text(raw))
        if fall is None:
            continue
        _status_cell(ws, number, first, fall)
        if table.sheet.target == "":
            _case_columns(ws, number, first + 1, fall, raten, marks)
    _apply_marks(ws, table.sheet.name, marks)
    _finish_sheet(ws, first + len(headers) - 1, wide=len(table.header) > 15)


def _case_file_sheet(ws: Worksheet, lauf: Lauf, marks: _Marks) -> None:
    ws.append(["Fall-ID", "Quelle", "Empfänger"])
    raten = _payment_dates(lauf.faelle)
    first = 5
    _result_header(ws, first, ["Status", "Befunde", "Zuwendung", *[f"Rate {d:%d.%m.%Y}" for d in raten],
                               "VN anerkannt", "VN Ergebnis", "Dokument"])
    for number, fall in enumerate(lauf.faelle, start=2):
        for column, value in enumerate((fall.fall_id, fall.quelle, fall.empfaenger), start=1):
            ws.cell(row=number, column=column, value=value or None)
        _status_cell(ws, number, first, fall)
        marks.unplaced[fall.fall_id] = [(Schwere(b["schwere"]), befund_text(b)) for b in fall.befunde]
        _case_columns(ws, number, first + 1, fall, raten, marks)
    _finish_sheet(ws, first + 6 + len(raten))


def _format_of(kind: str | None, value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return DATUM
    if kind == "betrag" and isinstance(value, (int, float)):
        return ZAHL
    return "General"


def _result_header(ws: Worksheet, first: int, headers: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill

    for offset, text in enumerate(headers):
        cell = ws.cell(row=1, column=first + offset, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_RESULT_FILL)


def _status_cell(ws: Worksheet, row: int, column: int, fall: Fallbericht) -> None:
    from openpyxl.styles import PatternFill

    cell = ws.cell(row=row, column=column, value=str(fall.status))
    if fall.status in _STATUS_FILL:
        cell.fill = PatternFill("solid", fgColor=_STATUS_FILL[Status(fall.status)])


def _case_columns(ws: Worksheet, row: int, column: int, fall: Fallbericht, raten: list[dt.date],
                  marks: _Marks) -> None:
    """Befunde (count, unplaced findings as comment), Zuwendung, Raten, VN, Dokument."""
    from openpyxl.comments import Comment

    befunde = ws.cell(row=row, column=column, value=_count_text(fall) or None)
    extra = marks.unplaced.get(fall.fall_id, [])
    notes = [text for _, text in extra] + ([f"Meldung: {fall.meldung}"] if fall.meldung else [])
    if notes:
        befunde.comment = _comment("\n\n".join(notes), Comment)
    if fall.befunde or notes:  # coloured by the worst finding of the case, wherever it sits
        _fill(befunde, [Schwere(b["schwere"]) for b in fall.befunde] or [Schwere.HINWEIS])
    _number(ws.cell(row=row, column=column + 1), fall.zuwendung)
    berechnung = fall.ergebnis.berechnung if fall.ergebnis is not None and fall.zuwendung is not None else None
    by_date = {r.termin: r.betrag for r in berechnung.auszahlungen} if berechnung else {}
    for offset, termin in enumerate(raten, start=2):
        _number(ws.cell(row=row, column=column + offset), by_date.get(termin))
    at = column + 2 + len(raten)
    verwendung = berechnung.verwendung if berechnung else None
    if verwendung is not None:
        _number(ws.cell(row=row, column=at), verwendung.anerkannt.get("gesamt"))
        ws.cell(row=row, column=at + 1, value=_vn_text(verwendung))
    document = _document(fall)
    if document:
        link = ws.cell(row=row, column=at + 2, value=document.rpartition("/")[2])
        link.hyperlink = document
        link.style = "Hyperlink"


def _count_text(fall: Fallbericht) -> str:
    counts = [(s, sum(1 for b in fall.befunde if b["schwere"] == s)) for s in _ORDER]
    return ", ".join(f"{n} {s.titel if n == 1 else s.titel_plural}" for s, n in counts if n)


def _vn_text(verwendung: Any) -> str:
    from ..formatting import euro

    if verwendung.rueckforderung:
        return f"Rückforderung {euro(verwendung.rueckforderung)}"
    if verwendung.nachzahlung:
        return f"Nachzahlung {euro(verwendung.nachzahlung)}"
    return "ausgeglichen"


def _document(fall: Fallbericht) -> str:
    """The case's PDF (else its first file): the link of the Prüfmappe."""
    if not fall.ok:
        return ""
    pdfs = [d for d in fall.dateien if d.endswith(".pdf")]
    return (pdfs or fall.dateien or [""])[0]


def _number(cell: Any, value: Decimal | None) -> None:
    if value is not None:
        cell.value = value
        cell.number_format = EURO


def _payment_dates(faelle: Iterable[Fallbericht]) -> list[dt.date]:
    dates = {r.termin for f in faelle if f.zuwendung is not None and f.ergebnis is not None
             and f.ergebnis.berechnung is not None for r in f.ergebnis.berechnung.auszahlungen}
    return sorted(dates)


def _apply_marks(ws: Worksheet, sheet: str, marks: _Marks) -> None:
    from openpyxl.comments import Comment

    for (name, row, column), entries in sorted(marks.cells.items()):
        if name != sheet:
            continue
        cell = ws.cell(row=row, column=column)
        cell.comment = _comment("\n\n".join(text for _, text in entries), Comment)
        _fill(cell, [s for s, _ in entries])


def _fill(cell: Any, severities: list[Schwere]) -> None:
    from openpyxl.styles import PatternFill

    worst = min(severities, key=_ORDER.index)
    cell.fill = PatternFill("solid", fgColor=_SCHWERE_FILL[worst])


def _comment(text: str, comment_class: Any) -> Any:
    lines = sum(1 + len(part) // 45 for part in text.split("\n"))
    return comment_class(text, "kim-docs", width=320, height=min(400, 20 + 15 * lines))


def _finish_sheet(ws: Worksheet, last_column: int, wide: bool = False) -> None:
    """Widths that fit, header frozen and filterable, printed landscape one page wide; a
    `wide` sheet (the clerk's Fälle) is printed on pages of readable size instead, the
    header row and the Fall-ID column on every page."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ..sheets.workbook import print_setup

    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in range(1, last_column + 1):
        header = len(_shown(ws.cell(row=1, column=column).value)) * 1.2 + 3   # bold, filter button
        texts = [_shown(ws.cell(row=r, column=column).value) for r in range(2, min(ws.max_row, 300) + 1)]
        width = max([header] + [len(t) + 2 for t in texts])
        ws.column_dimensions[get_column_letter(column)].width = min(max(width, 6), 40)
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(last_column)}{max(ws.max_row, 2)}"
    print_setup(ws)
    if wide:
        ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.print_title_cols = "A:A"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return "00.00.0000"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{value:,.2f} €"
    return str(value)


# ---------------------------------------------------------------- Summen, Kasse

def _summen(ws: Worksheet, lauf: Lauf) -> None:
    """The figures of zusammenfassung.json as numbers, with the counts and messages."""
    from openpyxl.styles import Font

    data = lauf.zusammenfassung
    rows: list[tuple[Any, ...]] = [("Fälle nach Status", None)]
    rows += [(str(s), lauf.count(s)) for s in Status if lauf.count(s)]
    rows += [("Warnungen", lauf.warnungen), (None, None)]
    messages = list(lauf.mappe_fehler) + ([lauf.haushalt_meldung] if lauf.haushalt_meldung else [])
    if messages:
        rows += [("Meldungen des Laufs", None), *[(m, None) for m in messages], (None, None)]
    rows += [(f"Bewilligt (Fälle mit Bescheid: {data.get('faelle_mit_bescheid', 0)})", "Betrag")]
    rows += [(_POSTEN_NAMEN.get(k, k), Decimal(v)) for k, v in data.get("posten", {}).items()]
    rows += [("Gesamt", Decimal(data.get("gesamt", "0"))), (None, None), ("Auszahlungstermin", "Betrag")]
    rows += [(dt.date.fromisoformat(r["termin"]), Decimal(r["betrag"])) for r in data.get("auszahlungen", [])]
    if "haushalt" in data:
        haushalt = data["haushalt"]
        rows += [(None, None), ("Haushalt (Nr. 1.3)", "Betrag"),
                 ("Verfügbare Haushaltsmittel", Decimal(haushalt["verfuegbar"])),
                 ("Summe der Bescheide", Decimal(haushalt["summe_bescheide"])),
                 ("Rest", Decimal(haushalt["rest"]))]
    for label, value in rows:
        ws.append([label, value])
        row = ws.max_row
        if isinstance(value, str) or (value is None and label is not None and row == 1):
            ws.cell(row=row, column=1).font = ws.cell(row=row, column=2).font = Font(bold=True)
        if isinstance(label, dt.date):
            ws.cell(row=row, column=1).number_format = DATUM
        if isinstance(value, Decimal):
            ws.cell(row=row, column=2).number_format = EURO
    ws.cell(row=1, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = max([40] + [min(len(m), 120) for m in messages])
    ws.column_dimensions["B"].width = 20
    from ..sheets.workbook import print_setup

    print_setup(ws)


def _kasse(ws: Worksheet, lauf: Lauf, bescheide: set[str]) -> None:
    ws.append(list(KASSE_SPALTEN))
    for termin, rate, fall_id, name, az, haushaltsstelle, iban, betrag in kasse_rows(lauf.faelle, bescheide):
        ws.append([termin, rate, fall_id, name, az, haushaltsstelle or None, iban or None, betrag])
        ws.cell(row=ws.max_row, column=1).number_format = DATUM
        ws.cell(row=ws.max_row, column=8).number_format = EURO
    _finish_sheet(ws, len(KASSE_SPALTEN))
