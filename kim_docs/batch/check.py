"""Checking in the main process, before any document: each case exactly as `kim-docs
validate` checks a case file, and the sum of all cases against the budget (Nr. 1.3)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..errors import InputError
from ..findings import Schwere
from .input import Eingabe
from .results import Fallbericht, Status


def check_case(eingabe: Eingabe, rule_sets: dict[str, Any], draft: bool) -> Fallbericht:
    """Read errors, case_problems, evaluate; the status is FEHLERHAFT or still open.

    A case left out (Bearbeiten = nein) is AUSGELASSEN and not checked. A case whose
    cells cannot be read or do not fit the case format is still checked against the rules,
    with the template's example value in place of each such cell (``_with_placeholders``):
    the clerk sees every finding in one run. Such a case is FEHLERHAFT, even with --draft,
    and carries no amount.
    """
    from ..evaluate import evaluate
    from ..manifest import case_hash
    from ..model import case_problems

    bericht = Fallbericht(eingabe.fall_id, eingabe.quelle, empfaenger=_name_of(eingabe.daten))
    if not eingabe.bearbeiten:
        bericht.status, bericht.meldung = Status.AUSGELASSEN, "Bearbeiten = nein"
        return bericht
    seen = {ort for ort, _ in eingabe.lesefehler}
    bericht.befunde = [_befund(Schwere.FEHLER, None, "", "zelle", text, ort) for ort, text in eingabe.lesefehler]
    if eingabe.daten is None or eingabe.beispiel:
        bericht.status = Status.FEHLERHAFT
        return bericht
    fall, problems = case_problems(eingabe.daten)
    for feld, text in problems:
        ort = eingabe.ort(feld)
        if ort not in seen:  # a cell that could not be read is missing here as well
            bericht.befunde.append(_befund(Schwere.FEHLER, None, feld, "aufbau", text, ort))
    ersetzt: list[str] = []
    if fall is None:
        fall, ersetzt = _with_placeholders(eingabe, [feld for feld, _ in problems])
    if fall is None:
        bericht.status = Status.FEHLERHAFT
        return bericht
    ergebnis = evaluate(fall, rule_sets)
    bericht.befunde += [_befund(b.schwere, b.nr, b.feld, b.code, b.meldung, eingabe.ort(b.feld))
                        for b in ergebnis.befunde if not _below(b.feld, ersetzt)]
    bericht.empfaenger = fall.antragsteller.name
    bericht.aktenzeichen = (fall.bescheid.aktenzeichen or "") if fall.bescheid else ""
    if ersetzt:  # checked with placeholders: no amount, no document, not even a draft
        bericht.befunde.append(_befund(Schwere.HINWEIS, None, "", "platzhalter", _PLATZHALTER, ""))
        bericht.status = Status.FEHLERHAFT
        return bericht
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


_PLATZHALTER = ("Die übrigen Regeln wurden mit dem Beispielwert der Vorlage an Stelle jeder fehlerhaften "
                "Zelle geprüft; Befunde, die von diesen Zellen abhängen, können sich nach der Korrektur "
                "ändern.")


def _with_placeholders(eingabe: Eingabe, felder: list[str]) -> tuple[Any, list[str]]:
    """The case with the template's example in place of each faulty field, and those fields;
    (None, []) when a field has no column with an example (or the input is no workbook)."""
    import copy

    from ..model import case_problems
    from ..sheets.schema import OMIT

    if eingabe.sheet is None or not felder:
        return None, []
    daten = copy.deepcopy(eingabe.daten)
    for feld in felder:
        value = eingabe.sheet.placeholder(feld)
        if value is OMIT or not _set_path(daten, feld, value):
            return None, []
    fall, problems = case_problems(daten)
    return (fall, felder) if fall is not None and not problems else (None, [])


def _set_path(daten: Any, feld: str, value: Any) -> bool:
    """daten['stellen'][0]['anteil'] = value for 'stellen[0].anteil'; False if no such place."""
    keys: list[Any] = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", feld)]
    target = daten
    try:
        for key in keys[:-1]:
            if isinstance(key, str) and isinstance(target, dict):
                target = target.setdefault(key, {})
            else:
                target = target[key]
        if not isinstance(target, dict) or isinstance(keys[-1], int):
            return False
        target[keys[-1]] = value
    except (IndexError, KeyError, TypeError):
        return False
    return True


def _below(feld: str, felder: list[str]) -> bool:
    """Whether `feld` is one of `felder` or inside one ('stellen[0].anteil' in 'stellen[0]')."""
    feld = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", feld)
    return any(feld == f or feld.startswith((f + ".", f + "[")) for f in felder)


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
    refused = (Status.FEHLERHAFT, Status.FEHLGESCHLAGEN, Status.AUSGELASSEN)
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
