"""What a run says: the status and report line of each case, progress, the outcome."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..findings import Schwere

if TYPE_CHECKING:
    from ..calc import Berechnung
    from ..evaluate import Ergebnis


class Status(StrEnum):
    """The status of a case; compares equal to, and prints as, its German text."""

    ERSTELLT = "erstellt"                # documents made in this run
    UNVERAENDERT = "unverändert"         # inputs and files as in the last run: nothing redone
    FEHLERHAFT = "fehlerhaft"            # the case has Fehler: no document
    FEHLGESCHLAGEN = "fehlgeschlagen"    # making, converting or publishing failed
    NICHT_ERSTELLT = "nicht erstellt"    # the whole run was refused (workbook, budget)
    AUSGELASSEN = "ausgelassen"          # Bearbeiten = nein: left out of this run


STATUS = tuple(Status)
OK = (Status.ERSTELLT, Status.UNVERAENDERT)


@dataclass
class Fallbericht:
    """One line of the report: a case, its status, its findings with place, its files."""

    fall_id: str
    quelle: str
    empfaenger: str = ""
    aktenzeichen: str = ""
    status: str = ""                    # a Status once the case is decided
    meldung: str = ""
    befunde: list[dict[str, Any]] = field(default_factory=list)
    dateien: list[str] = field(default_factory=list)
    gesamt: Decimal | None = None
    ergebnis: Ergebnis | None = field(default=None, repr=False)   # not in the report
    fall_sha256: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.status in OK

    @property
    def warnungen(self) -> int:
        return sum(1 for b in self.befunde if b["schwere"] == Schwere.WARNUNG)

    @property
    def has_error(self) -> bool:
        return any(b["schwere"] == Schwere.FEHLER for b in self.befunde)

    @property
    def zuwendung(self) -> Decimal | None:
        """The amount the reports show: none on a case with a Fehler or whose documents
        failed, so that a sum over the column is the sum of the Bescheide."""
        if self.has_error or self.status not in (*OK, Status.NICHT_ERSTELLT):
            return None
        return self.gesamt

    @property
    def berechnung(self) -> Berechnung | None:
        """The calculation of a case whose Bescheid stands (made now or unchanged)."""
        if not self.ok or self.ergebnis is None:
            return None
        return self.ergebnis.berechnung

    def as_dict(self) -> dict[str, Any]:
        return {"fall": self.fall_id, "quelle": self.quelle, "empfaenger": self.empfaenger,
                "aktenzeichen": self.aktenzeichen, "status": self.status, "meldung": self.meldung,
                "gesamt": None if self.zuwendung is None else str(self.zuwendung), "befunde": self.befunde,
                "dateien": self.dateien}


@dataclass(frozen=True)
class Fortschritt:
    """Passed to the progress callback each time a case is finished."""

    erledigt: int
    gesamt: int
    fall: Fallbericht


@dataclass
class Lauf:
    """The outcome of a run."""

    faelle: list[Fallbericht]
    mappe_fehler: list[str]
    zusammenfassung: dict[str, Any]
    haushalt_meldung: str = ""
    out_dir: Path | None = None
    tabellen: dict[str, Any] = field(default_factory=dict, repr=False)  # the workbook as read

    def count(self, *status: str) -> int:
        return sum(1 for f in self.faelle if f.status in status)

    @property
    def warnungen(self) -> int:
        return sum(f.warnungen for f in self.faelle)

    @property
    def exit_code(self) -> int:
        if self.mappe_fehler:
            return 2
        failed = self.count(Status.FEHLERHAFT, Status.FEHLGESCHLAGEN, Status.NICHT_ERSTELLT)
        drafts_of_bad_cases = any(f.has_error for f in self.faelle)
        return 1 if failed or self.haushalt_meldung or drafts_of_bad_cases else 0
