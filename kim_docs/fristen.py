"""Deadlines (Fristen) by §§ 187, 188 BGB and § 31 Abs. 3 VwVfG NRW. Pure functions."""
from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache


def add_weeks(start: dt.date, weeks: int) -> dt.date:
    """§ 188 Abs. 2 BGB: a Frist of weeks ends on the same weekday `weeks` later."""
    return start + dt.timedelta(weeks=weeks)


def add_months(start: dt.date, months: int) -> dt.date:
    """§ 188 Abs. 2, 3 BGB: same day number `months` later, or that month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _holidays(year: int, land: str) -> frozenset[dt.date]:
    import holidays  # heavy import, only when a Frist is computed

    return frozenset(holidays.country_holidays("DE", subdiv=land, years=year))


def is_working_day(day: dt.date, land: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year, land)


def next_working_day(day: dt.date, land: str) -> dt.date:
    """§ 31 Abs. 3 VwVfG NRW: a Frist ending on a weekend or holiday ends on the next working day."""
    while not is_working_day(day, land):
        day += dt.timedelta(days=1)
    return day
