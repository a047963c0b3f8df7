"""The result of linting one template: its findings, as the project's one finding type.

A lint finding is a `Befund` whose `code` is the kind of problem (`art` in the JSON:
syntax, geteilt, variable, …) and whose `ort` names the paragraph or table cell by its
text. It rests on no Nr. of the Richtlinie and on no field of a case, so `nr` is None
and `feld` is empty. The JSON of `templates lint --json` keeps its own keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Befund, Schwere


def finding(art: str, meldung: str, ort: str = "", schwere: Schwere = Schwere.FEHLER) -> Befund:
    """A lint finding; an empty `ort` (where unknown) is stored as None, as everywhere else."""
    return Befund(schwere, None, "", art, meldung, ort or None)


def finding_dict(befund: Befund) -> dict[str, str]:
    """One entry of `befunde` in `templates lint --json` (an unknown place is an empty string)."""
    return {"art": befund.code, "schwere": befund.schwere.value, "ort": befund.ort or "", "meldung": befund.meldung}


@dataclass
class LintReport:
    path: Path
    version: str
    dokument: str | None
    findings: list[Befund] = field(default_factory=list)

    @property
    def fehler(self) -> list[Befund]:
        return [f for f in self.findings if f.schwere is Schwere.FEHLER]

    @property
    def ok(self) -> bool:
        return not self.fehler

    def as_dict(self) -> dict[str, Any]:
        return {"vorlage": str(self.path), "version": self.version, "dokument": self.dokument, "ok": self.ok,
                "befunde": [finding_dict(f) for f in self.findings]}
