"""What a cell reader does not tell: hidden rows and formulas without a stored value.

python-calamine reads the values of every format alike but says nothing about rows a
filter or "Ausblenden" has hidden, nor about a formula whose result was never stored (a
file written by a program, not by Excel or LibreOffice). Both would be processed
silently, so they are read here from the file's XML:

- ``.xlsx``/``.xlsm``: ``<row hidden="1">`` and ``<c><f>…</f></c>`` without (or with an
  empty) ``<v>`` in each worksheet part;
- ``.ods``: ``table:visibility="collapse"`` or ``"filter"`` on ``table:table-row``;
- ``.xls`` (the binary format): the row records, read with xlrd (a formula there always
  carries its result, so only hidden rows are looked for).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


@dataclass
class Verborgen:
    """Per sheet: hidden row ranges (1-based, inclusive) and formula cells without value."""

    rows: list[tuple[int, int]] = field(default_factory=list)
    formeln: set[tuple[int, int]] = field(default_factory=set)   # (row, 0-based column)

    def is_hidden(self, row: int) -> bool:
        return any(start <= row <= end for start, end in self.rows)


def hidden_parts(path: Path) -> dict[str, Verborgen]:
    """Hidden rows and value-less formulas by sheet name; {} for formats not read here.

    A file that is not the zip it claims to be gives {}: calamine then reports it.
    """
    suffix = path.suffix.lower()
    if suffix == ".xls":
        return _xls(path)
    try:
        with zipfile.ZipFile(path) as archive:
            if suffix in (".xlsx", ".xlsm"):
                return _xlsx(archive)
            if suffix == ".ods":
                return _ods(archive)
    except (zipfile.BadZipFile, KeyError, OSError, SyntaxError):
        return {}
    return {}


def _parse(archive: zipfile.ZipFile, name: str):  # -> lxml element
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, huge_tree=True, no_network=True)
    with archive.open(name) as handle:
        return etree.parse(handle, parser).getroot()


def _xls(path: Path) -> dict[str, Verborgen]:
    import os

    import xlrd

    try:
        with open(os.devnull, "w") as quiet:  # xlrd writes its warnings to a log file
            book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=quiet)
            try:
                return {sheet.name: Verborgen(rows=[(r + 1, r + 1) for r, info in sorted(sheet.rowinfo_map.items())
                                                    if info.hidden])
                        for sheet in book.sheets()}
            finally:
                book.release_resources()
    except (xlrd.XLRDError, OSError, ValueError, AssertionError, IndexError, KeyError):
        return {}  # calamine reports a file it cannot read


def _xlsx(archive: zipfile.ZipFile) -> dict[str, Verborgen]:
    book = _parse(archive, "xl/workbook.xml")
    rels = _parse(archive, "xl/_rels/workbook.xml.rels")
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    result = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_REL}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
        if part in archive.namelist():
            result[sheet.get("name", "")] = _xlsx_sheet(archive, part)
    return result


def _xlsx_sheet(archive: zipfile.ZipFile, part: str) -> Verborgen:
    from lxml import etree

    found = Verborgen()
    with archive.open(part) as handle:
        for _, element in etree.iterparse(handle, tag=f"{{{_MAIN}}}row", huge_tree=True):
            number = int(element.get("r", "0"))
            if element.get("hidden") in ("1", "true"):
                found.rows.append((number, number))
            for cell in element.iter(f"{{{_MAIN}}}c"):
                value = cell.find(f"{{{_MAIN}}}v")
                if cell.find(f"{{{_MAIN}}}f") is not None and (value is None or not (value.text or "").strip()):
                    found.formeln.add((number, _column_index(cell.get("r", ""))))
            element.clear()
    return found


def _column_index(reference: str) -> int:
    """'B5' -> 1."""
    letters = re.match(r"[A-Z]+", reference.upper())
    index = 0
    for letter in letters.group(0) if letters else "A":
        index = index * 26 + ord(letter) - 64
    return index - 1


def _ods(archive: zipfile.ZipFile) -> dict[str, Verborgen]:
    root = _parse(archive, "content.xml")
    result = {}
    for table in root.iter(f"{{{_TABLE}}}table"):
        found, number = Verborgen(), 1
        for row in table.iter(f"{{{_TABLE}}}table-row"):
            repeated = int(row.get(f"{{{_TABLE}}}number-rows-repeated", "1"))
            if row.get(f"{{{_TABLE}}}visibility") in ("collapse", "filter"):
                found.rows.append((number, number + repeated - 1))
            number += repeated
        result[table.get(f"{{{_TABLE}}}name", "")] = found
    return result
