"""Reference data that is not part of a Richtlinie: recipients, courts, große Städte."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from ..resources import REFERENCE

_DIR = REFERENCE


@dataclass(frozen=True)
class Empfaenger:
    ags: str
    name: str
    art: str
    verwaltungsgericht: str


@dataclass(frozen=True)
class Referenz:
    """The 54 recipients (by AGS) and the große kreisangehörige Städte (by name)."""

    empfaenger: dict[str, Empfaenger]
    grosse_staedte: frozenset[str]

    def empfaenger_namen(self) -> frozenset[str]:
        return frozenset(e.name for e in self.empfaenger.values())


@lru_cache(maxsize=1)
def load_referenz() -> Referenz:
    with open(_DIR / "nrw-zuwendungsempfaenger.csv", encoding="utf-8", newline="") as fh:
        empfaenger = {row["ags"]: Empfaenger(**row) for row in csv.DictReader(fh)}
    with open(_DIR / "grosse-kreisangehoerige-staedte.csv", encoding="utf-8", newline="") as fh:
        staedte = frozenset(row["name"] for row in csv.DictReader(fh))
    return Referenz(empfaenger, staedte)
