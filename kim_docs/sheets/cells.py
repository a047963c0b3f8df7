"""Reading one cell: amounts, dates, ja/nein, texts and codes (pure functions).

A cell comes from python-calamine (number, date, bool, text) or from a CSV file (always text),
so every converter accepts both. An unreadable value raises ``InputError`` with the bare
message (``'0,5x' ist keine Zahl``); the reader adds sheet, row and column.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kim_docs.errors import InputError
from kim_docs.text import fold_umlauts

from .schema import CHOICE_LABELS

if TYPE_CHECKING:
    from .schema import Column


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any) -> str:
    """The value as the user typed it, for messages."""
    return value.strip() if isinstance(value, str) else str(value)


_GERMAN_GROUPED = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?")
_GERMAN_PLAIN = re.compile(r"-?\d+(,\d+)?")
_DOT_DECIMAL = re.compile(r"-?\d+\.\d+")


def parse_betrag(value: Any) -> Decimal:
    """Read an amount or share exactly: number cell or German/dot-decimal text.

    Raises InputError with the bare message (no location), e.g. ``'0,5x' ist keine Zahl``.
    """
    if isinstance(value, bool):
        raise InputError(f"'{value}' ist keine Zahl")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"'{value}' ist keine Zahl")
        if value.is_integer():  # 26100.0 from one format, 26100 from another: the same
            return Decimal(int(value))
        return Decimal(repr(value))  # the shortest repr is the value Excel shows, exactly
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("\u2212", "-")
    compact = re.sub(r"(\s|\u00a0|\u202f|€|EUR)", "", text, flags=re.IGNORECASE)
    if _GERMAN_GROUPED.fullmatch(compact) or _GERMAN_PLAIN.fullmatch(compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif not _DOT_DECIMAL.fullmatch(compact):
        raise InputError(f"'{text}' ist keine Zahl")
    try:
        return Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the patterns only let numbers through
        raise InputError(f"'{text}' ist keine Zahl") from None


_DE_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_datum(value: Any) -> dt.date:
    """Read a date: Excel date cell, ``TT.MM.JJJJ`` or ``JJJJ-MM-TT``.

    Numbers are refused: a date typed into a number-formatted cell would silently
    become a serial day count.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = shown(value)
    text = re.sub(r"[ T]00:00(:00)?$", "", text)  # date cells exported with a time
    if m := _DE_DATE.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise InputError(f"'{text}' ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InputError(f"'{text}' ist kein gültiges Datum") from None


_TRUE = {"ja", "j", "wahr", "x", "1", "true", "yes"}
_FALSE = {"nein", "n", "falsch", "0", "false", "no", "-"}


def parse_bool(value: Any) -> bool:
    """Read ja/nein, wahr/falsch, x/leer, 1/0, TRUE/FALSE (empty means nein)."""
    if is_empty(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = shown(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"'{shown(value)}' ist weder ja noch nein")


def to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns typed digits into numbers
    if isinstance(value, (dt.datetime, dt.date)):
        return parse_datum(value).strftime("%d.%m.%Y")
    return str(value).strip()


def to_digits(value: Any, width: int) -> str:
    """AGS/PLZ: restore a leading zero that Excel dropped from a number."""
    text = to_text(value)
    if text.isdigit() and len(text) == width - 1:
        return "0" + text
    return text


def to_code(value: Any) -> str:
    """A choice such as ``kreisfreie_stadt``: also accepts the German words of the
    drop-down (``kreisfreie Stadt``, ``Diplom (FH)``, ``Städteregion``)."""
    code = _code_key(to_text(value))
    return _LABEL_CODES.get(code, code)


def _code_key(text: str) -> str:
    return fold_umlauts(text.casefold().replace(" ", "_").replace("-", "_"))


_LABEL_CODES = {_code_key(label): code for code, label in CHOICE_LABELS.items()}


def to_iban(value: Any) -> str:
    return re.sub(r"\s", "", to_text(value)).upper()


def to_integer(value: Any) -> int:
    number = parse_betrag(value)
    if number != number.to_integral_value():
        raise InputError(f"'{shown(value)}' ist keine ganze Zahl")
    return int(number)


# Column.kind -> converter of a non-empty cell
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": to_text, "id": to_text, "code": to_code,
    "ags": lambda v: to_digits(v, 8), "plz": lambda v: to_digits(v, 5),
    "iban": to_iban,
    "betrag": parse_betrag, "anteil": parse_betrag, "datum": parse_datum,
    "bool": parse_bool, "int": to_integer, "schalter": parse_bool,
}


def convert_cell(column: Column, value: Any) -> Any:
    """The value of a cell in ``column``; ``column.empty`` for an empty one."""
    if is_empty(value):
        return column.empty
    return CONVERTERS[column.kind](value)
