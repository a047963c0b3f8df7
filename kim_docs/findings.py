"""Findings: one type for the checks of a case, the template lint and the batch report.

A finding has a severity, the Richtlinie's Nr. it rests on, the path of the value in the
case (`feld`), a stable code, a German message, and optionally where it was found in a
file (`ort`: a spreadsheet cell, a paragraph of a template, a line of a case file).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any


class Schwere(StrEnum):
    """Fehler blocks a document; Warnung and Hinweis are shown. Compares equal to its value."""

    FEHLER = "fehler"
    WARNUNG = "warnung"
    HINWEIS = "hinweis"

    @property
    def titel(self) -> str:
        return {"fehler": "Fehler", "warnung": "Warnung", "hinweis": "Hinweis"}[self.value]

    @property
    def titel_plural(self) -> str:
        return {"fehler": "Fehler", "warnung": "Warnungen", "hinweis": "Hinweise"}[self.value]


@dataclass(frozen=True)
class Befund:
    """One finding. `ort` is left out of `as_dict` when unknown (calc/validate JSON)."""

    schwere: Schwere
    nr: str | None
    feld: str
    code: str
    meldung: str
    ort: str | None = None

    if TYPE_CHECKING:  # the severity may be given by its value: Befund("fehler", …)
        def __init__(self, schwere: Schwere | str, nr: str | None, feld: str, code: str, meldung: str,
                     ort: str | None = None) -> None: ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "schwere", Schwere(self.schwere))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"schwere": self.schwere.value, "nr": self.nr, "feld": self.feld,
                                "code": self.code, "meldung": self.meldung}
        if self.ort is not None:
            data["ort"] = self.ort
        return data


def ist_fehler(befunde: Iterable[Befund]) -> bool:
    return any(b.schwere is Schwere.FEHLER for b in befunde)


def count_text(befunde: Iterable[Befund]) -> str:
    """'2 Fehler, 1 Warnung' – or 'keine Befunde'."""
    befunde = list(befunde)
    counts = {s: sum(1 for b in befunde if b.schwere is s) for s in Schwere}
    parts = [f"{n} {s.titel if n == 1 else s.titel_plural}" for s, n in counts.items() if n]
    return ", ".join(parts) or "keine Befunde"
