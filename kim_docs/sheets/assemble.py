"""From raw tables to cases: one case per row of Fälle, the other sheets joined by Fall-ID.

Errors are reported on three levels:

1. The workbook cannot be opened (``reader``), the table ``Fälle`` or its column
   ``Fall-ID`` is missing: ``InputError`` (exit code 2 in the CLI).
2. A cell cannot be read: the message (``Tabelle Stellen, Zeile 14, Spalte Anteil:
   '0,5x' ist keine Zahl``) goes to ``SheetCase.fehler`` of its case; the key is then
   missing from ``daten``, the other cases are read normally.
3. What belongs to no case (a row of Stellen/Kommunen/Verwendungsnachweis with an
   unknown or empty Fall-ID, a row of Fälle without Fall-ID, an unknown or doubled
   header) goes to ``SheetCaseList.fehler``. A doubled Fall-ID in Fälle is an error of
   the first case with that ID (the later row is not read).

A row the clerk cannot see (hidden by a filter or "Ausblenden") is read but is an error
of its case: it is never processed or skipped silently. A row of the template's examples
(Fall-ID ``BEISPIEL-…``) is refused the same way. ``Bearbeiten = nein`` leaves a case
out of the run (``SheetCase.bearbeiten``); its errors then do not count.
"""
from __future__ import annotations

from typing import Any

from kim_docs.errors import InputError

from .cases import SheetCase, SheetCaseList
from .cells import convert_cell, is_empty, to_text
from .schema import (
    EXAMPLE_PREFIX,
    FAELLE,
    KOMMUNEN,
    OMIT,
    STELLEN,
    VERWENDUNGSNACHWEIS,
    Column,
    Sheet,
)
from .tables import Table, fall_id_index, map_headers

# Order of the top-level keys as in case-format.md.
_KEY_ORDER = ("richtlinie", "antragsteller", "integrationszentrum", "voraussetzungen",
              "bewilligungszeitraum", "antrag", "stellen", "kreisangehoerige_kommunen",
              "bescheid", "auszahlungsanforderung", "verwendungsnachweis")


def assemble_cases(tables: dict[str, Table], quelle: str) -> SheetCaseList:
    """Assemble cases from the raw tables (by sheet name) of a workbook or CSV folder."""
    result = SheetCaseList()
    if FAELLE.name not in tables:
        raise InputError("Die Tabelle 'Fälle' fehlt", datei=quelle)
    for table in tables.values():
        map_headers(table, result.fehler)
    present = {name: table.present for name, table in tables.items()}
    cases = _read_faelle(tables[FAELLE.name], quelle, present, result)
    for sheet in (STELLEN, KOMMUNEN, VERWENDUNGSNACHWEIS):
        if sheet.name in tables:
            _attach(tables[sheet.name], cases, quelle, result.fehler)
    for case in cases.values():
        case.daten = _in_key_order(case.daten)
    result.extend(cases.values())
    result.tabellen = dict(tables)
    return result


def _in_key_order(daten: dict) -> dict:
    """Known keys in the order of a case file, so that both read alike; others after."""
    return {k: daten[k] for k in _KEY_ORDER if k in daten} | {
        k: v for k, v in daten.items() if k not in _KEY_ORDER}


def _read_faelle(table: Table, quelle: str, present: dict, result: SheetCaseList
                 ) -> dict[str, SheetCase]:
    id_index = fall_id_index(table)
    if id_index is None:
        raise InputError("Der Tabelle 'Fälle' fehlt die Spalte 'Fall-ID'", datei=quelle)
    cases: dict[str, SheetCase] = {}
    for number, values in table.rows:
        fall_id = _row_id(values, id_index)
        if not fall_id:
            result.fehler.append(f"Tabelle Fälle, Zeile {number}: Fall-ID fehlt; "
                                 "die Zeile wird nicht gelesen")
            continue
        if fall_id in cases:
            first = cases[fall_id]
            first.fehler.append(f"Tabelle Fälle, Zeile {number}: Fall-ID '{fall_id}' "
                                f"kommt doppelt vor (zuerst Zeile {first._rows[''][0]}); "
                                "die Zeile wird nicht gelesen")
            continue
        case = SheetCase(fall_id, {}, quelle, _rows={"": [number]}, _present=present)
        case.bearbeiten = _bearbeiten(table, number, values, case.fehler)
        if fall_id.upper().startswith(EXAMPLE_PREFIX):
            case.beispiel = True
            case.fehler.append(f"Tabelle Fälle, Zeile {number}: Beispielzeile der Vorlage (Fall-ID "
                               f"'{fall_id}'); sie wird nie verarbeitet: bitte die Beispielzeilen "
                               "aller Tabellen löschen oder durch echte Fälle ersetzen")
        _check_visible(table, number, case.fehler)
        case.daten = _read_row(table, number, values, quelle, case.fehler)
        cases[fall_id] = case
    return cases


def _attach(table: Table, cases: dict[str, SheetCase], quelle: str,
            fehler: list[str]) -> None:
    """Add the rows of Stellen/Kommunen/Verwendungsnachweis to their cases."""
    name, target = table.sheet.name, table.sheet.target
    id_index = fall_id_index(table)
    if id_index is None:
        if table.rows:
            fehler.append(f"Tabelle {name}: Spalte Fall-ID fehlt; die Tabelle wird nicht "
                          "gelesen")
        return
    for number, values in table.rows:
        fall_id = _row_id(values, id_index)
        case = cases.get(fall_id)
        if case is None:
            why = "Fall-ID fehlt" if not fall_id else \
                f"Fall-ID '{fall_id}' steht nicht in Tabelle Fälle"
            fehler.append(f"Tabelle {name}, Zeile {number}: {why}; die Zeile wird nicht "
                          "gelesen")
            continue
        rows = case._rows.setdefault(target, [])
        if not table.sheet.is_list and rows:
            case.fehler.append(f"Tabelle {name}, Zeile {number}: zweite Zeile für Fall-ID "
                               f"'{fall_id}' (zuerst Zeile {rows[0]}); wird nicht gelesen")
            continue
        rows.append(number)
        _check_visible(table, number, case.fehler)
        item = _read_row(table, number, values, quelle, case.fehler)
        if table.sheet.is_list:
            case.daten.setdefault(target, []).append(item)
        elif item:
            case.daten[target] = item


def _check_visible(table: Table, number: int, fehler: list[str]) -> None:
    if table.verborgen.is_hidden(number):
        fehler.append(f"Tabelle {table.sheet.name}, Zeile {number}: die Zeile ist ausgeblendet "
                      "(Filter oder Ausblenden), der Fall wird deshalb nicht verarbeitet: die Zeile "
                      "einblenden, oder den Fall mit Bearbeiten = nein auslassen")


def _bearbeiten(table: Table, number: int, values: list[Any], fehler: list[str]) -> bool:
    """The row's Bearbeiten switch; empty (or no such column) means ja."""
    for index, column in table.columns.items():
        if column.kind == "schalter":
            raw = values[index] if index < len(values) else None
            try:
                return True if is_empty(raw) else bool(convert_cell(column, raw))
            except InputError as error:
                fehler.append(f"Tabelle {table.sheet.name}, Zeile {number}, Spalte "
                              f"{column.header}: {error.meldung}")
    return True


def _row_id(values: list[Any], id_index: int) -> str:
    raw = values[id_index] if id_index < len(values) else None
    return "" if is_empty(raw) else to_text(raw)


def _read_row(table: Table, number: int, values: list[Any], quelle: str,
              errors: list[str]) -> dict:
    """Convert one row into a dict by column paths; bad cells go to ``errors``."""
    item: dict = {}
    for index, column in table.columns.items():
        if column.kind in ("id", "schalter"):
            continue
        raw = values[index] if index < len(values) else None
        if (number, index) in table.verborgen.formeln:
            errors.append(f"Tabelle {table.sheet.name}, Zeile {number}, Spalte {column.header}: "
                          "die Formel hat keinen gespeicherten Wert (die Mappe in Excel oder "
                          "LibreOffice öffnen und speichern)")
            continue
        try:
            value = _read_cell(table.sheet, number, column, raw, quelle)
        except InputError as error:  # collect, so one bad cell does not stop the batch
            errors.append(error.meldung)
            continue
        if value is not OMIT:
            _set_path(item, column.path, value)
    return item


def _read_cell(sheet: Sheet, number: int, column: Column, raw: Any, quelle: str) -> Any:
    """Convert one cell; an unreadable one raises InputError naming sheet, row, column."""
    try:
        return convert_cell(column, raw)
    except InputError as error:
        raise InputError(f"Tabelle {sheet.name}, Zeile {number}, Spalte {column.header}: "
                         f"{error.meldung}", datei=quelle) from None


def _set_path(target: dict, path: str, value: Any) -> None:
    """``_set_path(d, "a.b", 1)``: d["a"]["b"] = 1, creating d["a"] if needed."""
    *parents, last = path.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value
