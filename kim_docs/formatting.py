"""German formatting (de_DE) for messages and documents, on Babel and num2words.

Babel's output is kept as it is, including the non-breaking space before the euro
sign, so that an amount never breaks across lines in a document.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

LOCALE = "de_DE"
CENT = Decimal("0.01")


@lru_cache(maxsize=1)
def _babel() -> Any:
    from babel import dates, numbers  # imported lazily: keeps `kim-docs --help` fast

    return numbers, dates


def euro(amount: Decimal | int | str) -> str:
    """Decimal('1234.5') → '1.234,50 €' (with a non-breaking space)."""
    value = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
    return _euro(value if value else CENT * 0)  # -0.00 and 0.00 are one cache key: print 0,00


@lru_cache(maxsize=65536)
def _euro(amount: Decimal) -> str:
    numbers, _ = _babel()
    return numbers.format_currency(amount, "EUR", locale=LOCALE)


def anteil(value: Decimal | int | str) -> str:
    """A share as few digits as it needs: Decimal('0.50') → '0,5', Decimal('1.0') → '1'."""
    numbers, _ = _babel()
    return numbers.format_decimal(Decimal(value).normalize(), format="#,##0.##########", locale=LOCALE)


def prozent(value: Decimal) -> str:
    """Decimal('0.20') → '20 %'."""
    numbers, _ = _babel()
    return numbers.format_percent(value, locale=LOCALE)


def datum_lang(day: dt.date) -> str:
    """date(2025, 1, 20) → '20. Januar 2025'."""
    _, dates = _babel()
    return dates.format_date(day, format="d. MMMM y", locale=LOCALE)


def datum(day: dt.date) -> str:
    """date(2025, 1, 20) → '20.01.2025'."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


@lru_cache(maxsize=4096)
def _words(number: int) -> str:
    from num2words import num2words

    return num2words(number, lang="de")


def betrag_in_worten(amount: Decimal) -> str:
    """357500 → 'dreihundertsiebenundfünfzigtausendfünfhundert Euro', with '… und 56 Cent'."""
    value = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
    if value < 0:
        return "minus " + betrag_in_worten(-value)
    euros = int(value)
    cents = int((value - euros) * 100)
    words = _words(euros)
    if words.endswith("eins"):  # before a noun German says "ein Euro", "einundzwanzigtausendein Euro"
        words = words[:-1]
    text = f"{words} Euro"
    return f"{text} und {cents} Cent" if cents else text
