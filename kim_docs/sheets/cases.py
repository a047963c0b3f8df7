"""A case read from the workbook, and where its fields are in the workbook.

``SheetCase.locate(feld)`` turns the path of a finding (``stellen[2].anteil``) into the
place in the workbook (``Tabelle Stellen, Zeile 14, Spalte Anteil``), so that a user can
fix the cell rather than search for it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .cells import convert_cell
from .schema import FAELLE, KOMMUNEN, OMIT, STELLEN, VERWENDUNGSNACHWEIS, Column, Sheet


@dataclass
class SheetCase:
    """One case read from a row of ``Fälle`` plus its rows in the other sheets."""

    fall_id: str
    daten: dict
    quelle: str
    fehler: list[str] = field(default_factory=list)
    bearbeiten: bool = True     # Bearbeiten = nein: left out of the run
    beispiel: bool = False      # an example row of the template: never processed
    # sheet target ("" = Fälle) -> row numbers of this case, in order
    _rows: dict[str, list[int]] = field(default_factory=dict, repr=False)
    # sheet name -> headers present in the file
    _present: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def locate(self, feld: str) -> str | None:
        """Map a case path (``stellen[2].anteil``) to ``Tabelle …, Zeile …, Spalte …``.

        Returns None for a path that belongs to no sheet or to a row this case lacks.
        """
        feld = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", feld.strip())  # stellen.2 -> stellen[2]
        m = re.fullmatch(r"(stellen|kreisangehoerige_kommunen)(?:\[(\d+)\])?(?:\.(.+))?",
                         feld)
        if m:
            return self._locate_list(m.group(1), m.group(2), m.group(3))
        if feld == "verwendungsnachweis" or feld.startswith("verwendungsnachweis."):
            rest = feld.partition(".")[2]
            return self._locate_row(VERWENDUNGSNACHWEIS, self._rows.get("verwendungsnachweis",
                                                                           []), 0, rest)
        return self._locate_row(FAELLE, self._rows.get("", []), 0, feld)

    def placeholder(self, feld: str) -> Any:
        """The template's example value of the column behind ``feld`` (``stellen[0].anteil``
        → 1), or OMIT: with it a case whose cell cannot be read is still checked."""
        feld = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", feld.strip())
        m = re.fullmatch(r"(stellen|kreisangehoerige_kommunen)\[\d+\]\.(.+)", feld)
        if m:
            sheet, path = (STELLEN if m.group(1) == "stellen" else KOMMUNEN), m.group(2)
        elif feld.startswith("verwendungsnachweis."):
            sheet, path = VERWENDUNGSNACHWEIS, feld.partition(".")[2]
        else:
            sheet, path = FAELLE, feld
        for column in sheet.columns:
            if column.path == path and column.kind not in ("id", "schalter") and column.example is not None:
                return convert_cell(column, column.example)
        return OMIT

    def _locate_list(self, target: str, index: str | None, rest: str | None) -> str | None:
        sheet = STELLEN if target == "stellen" else KOMMUNEN
        rows = self._rows.get(target, [])
        if index is None:
            if not rows:
                return f"Tabelle {sheet.name} (keine Zeile mit Fall-ID '{self.fall_id}')"
            return f"Tabelle {sheet.name}, {_rows_text(rows)}"
        return self._locate_row(sheet, rows, int(index), rest or "")

    def _locate_row(self, sheet: Sheet, rows: list[int], index: int, path: str) -> str | None:
        if index >= len(rows):
            return None
        where = f"Tabelle {sheet.name}, Zeile {rows[index]}"
        if not path:
            return where
        columns = _columns_for(sheet, path)
        if columns is None:  # not a field of this sheet: the row is the best hint
            return None if sheet is FAELLE else where
        if not columns or len(columns) > 5:
            return where
        present = self._present.get(sheet.name, frozenset())
        names = ", ".join(c.header + ("" if c.header in present else " (fehlt)")
                          for c in columns)
        return f"{where}, Spalte{'n' if len(columns) > 1 else ''} {names}"


def _columns_for(sheet: Sheet, path: str) -> list[Column] | None:
    """Columns at or below ``path``; walks up to a parent path that has columns.

    None when not even the first path component belongs to the sheet.
    """
    parts = path.split(".")
    while parts:
        prefix = ".".join(parts)
        found = [c for c in sheet.columns
                 if c.path and (c.path == prefix or c.path.startswith(prefix + "."))]
        if found:
            return found if len(parts) == len(path.split(".")) else []
        parts.pop()
    return None


def _rows_text(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"Zeile {rows[0]}"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"Zeilen {rows[0]}–{rows[-1]}"
    return "Zeilen " + ", ".join(str(r) for r in rows)


@dataclass(frozen=True)
class Ort:
    """A place in the workbook as ``locate`` and the reader word it, taken apart again."""

    tabelle: str
    zeilen: tuple[int, ...] = ()
    spalten: tuple[str, ...] = ()     # headers (or column letters of a header error)


_ORT = re.compile(r"Tabelle (?P<t>[^,(]+?)(?: \(.*\))?(?:, Zeilen? (?P<z>[\d–, ]+?))?"
                  r"(?:, Spalten? (?P<s>.+))?")


def parse_ort(text: str) -> Ort | None:
    """'Tabelle Stellen, Zeile 14, Spalte Anteil' → Ort('Stellen', (14,), ('Anteil',));
    None for a place that is not in a workbook (``fall.yaml, Zeile 7``)."""
    m = _ORT.fullmatch(text.strip())
    if not m:
        return None
    zeilen: list[int] = []
    for part in (m.group("z") or "").split(","):
        first, _, last = part.strip().partition("–")
        if first.isdigit():
            zeilen += range(int(first), int(last or first) + 1)
    spalten = tuple(re.sub(r" \(fehlt\)$", "", c.strip()) for c in (m.group("s") or "").split(", ") if c.strip())
    return Ort(m.group("t").strip(), tuple(zeilen), spalten)


class SheetCaseList(list[SheetCase]):
    """The cases of a workbook, plus ``fehler``: errors that belong to no case, and
    ``tabellen``: the raw tables (the Prüfmappe shows them as the clerk wrote them)."""

    def __init__(self, cases: Iterable[SheetCase] = (), fehler: list[str] | None = None) -> None:
        super().__init__(cases)
        self.fehler: list[str] = list(fehler or [])
        self.tabellen: dict[str, Any] = {}   # sheet name -> tables.Table: the rows as given

