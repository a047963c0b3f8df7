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


#: C0 and C1 control characters (ESC starts terminal escapes, CR overwrites the line) and
#: the bidi controls that reorder what is shown; newline and tab are left as they are.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""Text for the terminal: every control character shown as \uXXXX (so ESC, OSC or
    CR in a name cannot change the terminal or hide a line); valid inside JSON strings too."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
