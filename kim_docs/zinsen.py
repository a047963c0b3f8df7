"""Erstattungszinsen of § 49a Abs. 3 VwVfG NRW (rule 26), pure.

Interest days run from the day after `wirkung_ab` to `zinsen_bis` inclusive (§ 187 Abs. 1
BGB); a year has 365 days, also in leap years; the period is split where the
Basiszinssatz changes; each part is an exact fraction and only the sum is rounded half
up to the cent. A Basiszinssatz holds from its start date to the day before the next
one, the last known one to the end of its half-year (§ 247 Abs. 1 Satz 2 BGB: it
changes on 1 January and 1 July), so a later day has no known rate.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

ONE_DAY = dt.timedelta(days=1)
TAGE_IM_JAHR = 365


@dataclass(frozen=True)
class Basiszins:
    ab: dt.date
    satz: Decimal  # percent a year, e.g. Decimal("1.27")
    quelle: str


@dataclass(frozen=True)
class Zinsperiode:
    von: dt.date
    bis: dt.date
    tage: int
    basiszinssatz: Decimal
    zinssatz: Decimal
    zinsen: Fraction  # exact; rounded only in the sum


@dataclass(frozen=True)
class Zinsberechnung:
    perioden: tuple[Zinsperiode, ...]
    fehlender_tag: dt.date | None   # the first day without a known rate

    @property
    def summe(self) -> Fraction | None:
        """The exact sum of the parts (the caller rounds it once); None with a gap."""
        return None if self.fehlender_tag else sum((p.zinsen for p in self.perioden), Fraction(0))


def halbjahresende(day: dt.date) -> dt.date:
    return dt.date(day.year, 6, 30) if day.month <= 6 else dt.date(day.year, 12, 31)


def geltung(saetze: tuple[Basiszins, ...]) -> list[tuple[dt.date, dt.date, Basiszins]]:
    """Each rate with the last day it holds (sorted by start date)."""
    ordered = sorted(saetze, key=lambda s: s.ab)
    result = []
    for i, satz in enumerate(ordered):
        bis = ordered[i + 1].ab - ONE_DAY if i + 1 < len(ordered) else halbjahresende(satz.ab)
        result.append((satz.ab, bis, satz))
    return result


def erstattungszinsen(betrag: Decimal, wirkung_ab: dt.date, zinsen_bis: dt.date,
                      saetze: tuple[Basiszins, ...], aufschlag: Decimal) -> Zinsberechnung:
    """The interest on `betrag` from the day after `wirkung_ab` to `zinsen_bis` inclusive."""
    perioden: list[Zinsperiode] = []
    day = wirkung_ab + ONE_DAY
    for von, bis, satz in geltung(saetze):
        if day > zinsen_bis:
            break
        if bis < day:
            continue
        if von > day:
            break  # a gap before this rate
        last = min(bis, zinsen_bis)
        tage = (last - day).days + 1
        zinssatz = satz.satz + aufschlag
        exact = Fraction(betrag) * Fraction(zinssatz) / 100 * tage / TAGE_IM_JAHR
        perioden.append(Zinsperiode(day, last, tage, satz.satz, zinssatz, exact))
        day = last + ONE_DAY
    return Zinsberechnung(tuple(perioden), day if day <= zinsen_bis else None)
