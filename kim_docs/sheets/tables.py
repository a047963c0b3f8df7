"""Raw tables and their header row: which sheet a tab or CSV file is, which column a cell is.

Sheet names and headers are matched without regard to case, whitespace, ``-``, ``_``,
``.`` and umlaut spelling (ä/ae, ß/ss). Headers starting with ``#`` or reading
``Bemerkung``/``Notiz`` are skipped; any other unknown or a doubled header is an error of
the workbook (``SheetCaseList.fehler``).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cells import fold_umlauts, is_empty, shown
from .hidden import Verborgen
from .schema import SHEETS, Column, Sheet

_IGNORED_HEADERS = ("bemerkung", "bemerkungen", "notiz", "notizen")


def header_key(text: Any) -> str:
    """Header/sheet-name key: case, whitespace, -_. and umlaut spelling do not matter."""
    text = unicodedata.normalize("NFC", str(text or "")).casefold()
    return re.sub(r"[\s\-_.]", "", fold_umlauts(text))


def find_sheet(name: str) -> Sheet | None:
    key = header_key(name)
    for sheet in SHEETS:
        if key in {header_key(n) for n in (sheet.name, *sheet.aliases)}:
            return sheet
    return None


@dataclass
class Table:
    """Raw rows of one sheet: row numbers as the user sees them (header = 1)."""

    sheet: Sheet
    header: list[Any]
    rows: list[tuple[int, list[Any]]]
    columns: dict[int, Column] = field(default_factory=dict)  # cell index -> column
    verborgen: Verborgen = field(default_factory=Verborgen)   # hidden rows, value-less formulas

    @classmethod
    def from_rows(cls, sheet: Sheet, rows: Sequence[Sequence[Any]],
                  verborgen: Verborgen | None = None) -> Table:
        """The first row is the header; empty rows are dropped but keep their numbers."""
        header = list(rows[0]) if rows else []
        return cls(sheet, header, _non_empty_rows(enumerate(rows[1:], start=2)),
                   verborgen=verborgen or Verborgen())

    @property
    def present(self) -> frozenset[str]:
        return frozenset(c.header for c in self.columns.values())


def _non_empty_rows(rows: Iterable[tuple[int, Sequence[Any]]]) -> list[tuple[int, list[Any]]]:
    return [(number, list(values)) for number, values in rows
            if not all(is_empty(v) for v in values)]


def map_headers(table: Table, errors: list[str]) -> None:
    """Fill ``table.columns`` from the header row; unknown or doubled headers go to ``errors``."""
    lookup = {header_key(n): c for c in table.sheet.columns for n in (c.header, *c.aliases)}
    seen: dict[str, int] = {}
    for index, raw in enumerate(table.header):
        if is_empty(raw) or str(raw).strip().startswith("#"):
            continue
        column = lookup.get(header_key(raw))
        where = f"Tabelle {table.sheet.name}, Zeile 1, Spalte {column_letter(index)}"
        if column is None:
            if header_key(raw) not in _IGNORED_HEADERS:
                errors.append(f"{where}: Überschrift '{shown(raw)}' ist unbekannt"
                              + _suggest(raw, table.sheet))
        elif column.header in seen:
            errors.append(f"{where}: Spalte {column.header} kommt doppelt vor; "
                          "nur die erste wird gelesen")
        else:
            seen[column.header] = index
            table.columns[index] = column


def _suggest(raw: Any, sheet: Sheet) -> str:
    headers = [c.header for c in sheet.columns]
    close = difflib.get_close_matches(str(raw).strip(), headers, n=1, cutoff=0.6)
    return f" (gemeint: '{close[0]}'?)" if close else ""


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA (as openpyxl's get_column_letter, which CSV input need not import)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def fall_id_index(table: Table) -> int | None:
    """The cell index of the Fall-ID column, None if the sheet lacks it."""
    for index, column in table.columns.items():
        if column.kind == "id":
            return index
    return None
