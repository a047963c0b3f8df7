"""Tabellen-Eingabe für den Stapel: eine Arbeitsmappe (.xlsx) oder ein Ordner mit CSV-Dateien.

Ein Fall je Zeile der Tabelle ``Fälle``; die Stellen, Kommunen und der
Verwendungsnachweis stehen in eigenen Tabellen und werden über die Spalte ``Fall-ID``
dem Fall zugeordnet. Die vollständige Beschreibung für Anwender steht in
``docs/tabelle.md``.

Modules, in the order data flows:

- ``schema``: the sheets and their columns (``SHEETS``), one source for reader, template,
  help sheet and documentation (``columns_markdown``).
- ``cells``: one cell to a value (``parse_betrag``, ``parse_datum``, ``parse_bool``, …).
- ``tables``: raw tables, sheet names and header row.
- ``assemble``: raw tables to cases, errors on three levels.
- ``cases``: ``SheetCase`` (with ``locate``) and ``SheetCaseList``.
- ``reader``: the sources (``read_batch``, ``read_workbook``, ``read_csv_folder``).
- ``workbook``: the template and sample workbooks (``write_template``, ``build_workbook``).
"""
from __future__ import annotations

from .cases import SheetCase, SheetCaseList
from .cells import parse_betrag, parse_bool, parse_datum
from .reader import read_batch, read_csv_folder, read_workbook
from .schema import (
    FAELLE,
    KOMMUNEN,
    SHEETS,
    STELLEN,
    VERWENDUNGSNACHWEIS,
    Column,
    Sheet,
    columns_markdown,
)
from .workbook import build_workbook, save_deterministic, write_template

__all__ = [
    "Column", "Sheet", "SHEETS", "SheetCase", "SheetCaseList", "read_workbook",
    "read_csv_folder", "read_batch", "write_template", "parse_betrag", "parse_datum",
    "parse_bool", "columns_markdown",
    "FAELLE", "STELLEN", "KOMMUNEN", "VERWENDUNGSNACHWEIS", "build_workbook",
    "save_deterministic",
]
