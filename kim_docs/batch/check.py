"""Checking in the main process, before any document: each case exactly as `kim-docs
validate` checks a case file, and the sum of all cases against the budget (Nr. 1.3)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import InputError
from ..findings import Schwere
from .input import Eingabe
from .results import Fallbericht, Status


def check_case(eingabe: Eingabe, rule_sets: dict[str, Any], draft: bool) -> Fallbericht:
    """Read errors, case_problems, evaluate; the status is FEHLERHAFT or still open."""
    from ..evaluate import evaluate
    from ..manifest import case_hash
    from ..model import case_problems

    bericht = Fallbericht(eingabe.fall_id, eingabe.quelle, empfaenger=_name_of(eingabe.daten))
    seen = {ort for ort, _ in eingabe.lesefehler}
    bericht.befunde = [_befund(Schwere.FEHLER, None, "", "zelle", text, ort) for ort, text in eingabe.lesefehler]
    fall = None
    if eingabe.daten is not None:
        fall, problems = case_problems(eingabe.daten)
        for feld, text in problems:
            ort = eingabe.ort(feld)
            if ort not in seen:  # a cell that could not be read is missing here as well
                bericht.befunde.append(_befund(Schwere.FEHLER, None, feld, "aufbau", text, ort))
    if fall is None:
        bericht.status = Status.FEHLERHAFT
        return bericht
    ergebnis = evaluate(fall, rule_sets)
    bericht.befunde += [_befund(b.schwere, b.nr, b.feld, b.code, b.meldung, eingabe.ort(b.feld))
                        for b in ergebnis.befunde]
    bericht.empfaenger = fall.antragsteller.name
    bericht.aktenzeichen = (fall.bescheid.aktenzeichen or "") if fall.bescheid else ""
    bericht.ergebnis, bericht.fall_sha256 = ergebnis, case_hash(fall)
    if ergebnis.berechnung is not None:
        bericht.gesamt = ergebnis.berechnung.gesamt
    if bericht.has_error and not (draft and ergebnis.berechnung is not None):
        bericht.status = Status.FEHLERHAFT
    return bericht


def mark_duplicates(faelle: list[Fallbericht], eingaben: list[Eingabe]) -> None:
    """The same recipient and year, or the same Aktenzeichen, in two rows or files: a
    Fehler of each (never one Bescheid flipping between them, never paid twice)."""
    from ..duplicates import duplicate_findings

    pairs = [(f.quelle if f.quelle.startswith(f.fall_id) else f"{f.fall_id} ({f.quelle})",
              f.ergebnis.fall if f.ergebnis else None) for f in faelle]
    for i, befunde in duplicate_findings(pairs).items():
        bericht, eingabe = faelle[i], eingaben[i]
        bericht.befunde += [_befund(b.schwere, b.nr, b.feld, b.code, b.meldung, eingabe.ort(b.feld))
                            for b in befunde]
        bericht.status = Status.FEHLERHAFT


def _befund(schwere: Schwere, nr: Any, feld: str, code: str, meldung: str, ort: str) -> dict[str, Any]:
    return {"schwere": schwere, "nr": nr, "feld": feld, "code": code, "meldung": meldung, "ort": ort}


def _name_of(daten: Any) -> str:
    try:
        return str(daten["antragsteller"]["name"])
    except (TypeError, KeyError):
        return ""


# ---------------------------------------------------------------- budget

def parse_budget(text: str) -> Decimal:
    """'19.500.000,00', '19500000,5' or '19500000.50' → Decimal; InputError otherwise."""
    from ..sheets import parse_betrag

    try:
        value = parse_betrag(text)
    except InputError as exc:
        raise InputError(f"Haushaltsmittel: {exc.meldung}") from None
    if value < 0:
        raise InputError("Haushaltsmittel: der Betrag darf nicht negativ sein")
    return value


def planned_total(faelle: list[Fallbericht]) -> Decimal:
    """The sum of the Zuwendungen of every case that may still get its Bescheid."""
    refused = (Status.FEHLERHAFT, Status.FEHLGESCHLAGEN)
    return sum((f.gesamt for f in faelle if f.gesamt is not None and f.status not in refused), Decimal("0.00"))


def budget_message(faelle: list[Fallbericht], budget: Decimal | None) -> str:
    """Nr. 1.3: Zuwendungen nur im Rahmen der verfügbaren Haushaltsmittel."""
    from ..formatting import euro

    if budget is None:
        return ""
    summe = planned_total(faelle)
    if summe <= budget:
        return ""
    return (f"Die Bescheide überschreiten die verfügbaren Haushaltsmittel (Nr. 1.3 der Richtlinie): "
            f"Summe {euro(summe)}, verfügbar {euro(budget)}, zu viel {euro(summe - budget)}. "
            "Es wurde kein Dokument erstellt.")
