"""Small text helpers shared by the edges."""
from __future__ import annotations

import re

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def fold_umlauts(text: str) -> str:
    """'Städteregion Süd' → 'Staedteregion Sued': for file names, and so that either
    spelling of a column header matches."""
    return text.translate(_UMLAUTS)


#: A cell a spreadsheet reads as a formula starts with one of these (OWASP "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A German number as the reports write it (-1234,50): it stays a number, not text.
_GERMAN_NUMBER = re.compile(r"-?[0-9]+(,[0-9]+)?")


def csv_cell(text: str) -> str:
    """A cell that cannot become a formula in Excel or LibreOffice: a leading = + - @ TAB or
    CR gets a "'" in front (OWASP); a plain negative number like -120,00 stays a number."""
    if text.startswith(_FORMULA_START) and not _GERMAN_NUMBER.fullmatch(text):
        return "'" + text
    return text
