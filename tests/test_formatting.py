"""German formats (Babel, num2words)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from kim_docs import formatting as fmt


@pytest.mark.parametrize("value, text", [
    (D("1234.56"), "1.234,56\xa0€"), (D("357500"), "357.500,00\xa0€"), (D("0.005"), "0,01\xa0€"),
    (D("-12.5"), "-12,50\xa0€"), (D("1000000.1"), "1.000.000,10\xa0€"),
])
def test_euro(value, text):
    assert fmt.euro(value) == text


@pytest.mark.parametrize("value, text", [(D("0.5"), "0,5"), (D("0.50"), "0,5"), (D("1.0"), "1"),
                                         (D("0.25"), "0,25"), (D("4.5"), "4,5")])
def test_anteil(value, text):
    assert fmt.anteil(value) == text


def test_dates():
    assert fmt.datum_lang(dt.date(2025, 1, 20)) == "20. Januar 2025"
    assert fmt.datum_lang(dt.date(2025, 3, 1)) == "1. März 2025"
    assert fmt.datum(dt.date(2025, 1, 20)) == "20.01.2025"


@pytest.mark.parametrize("value, words", [
    (D("357500"), "dreihundertsiebenundfünfzigtausendfünfhundert Euro"),
    (D("357500.56"), "dreihundertsiebenundfünfzigtausendfünfhundert Euro und 56 Cent"),
    (D("88963.71"), "achtundachtzigtausendneunhundertdreiundsechzig Euro und 71 Cent"),
    (D("1"), "ein Euro"),
    (D("21001.01"), "einundzwanzigtausendein Euro und 1 Cent"),
    (D("0.05"), "null Euro und 5 Cent"),
])
def test_betrag_in_worten(value, words):
    assert fmt.betrag_in_worten(value) == words


def test_prozent():
    assert fmt.prozent(D("0.20")) == "20\xa0%"
