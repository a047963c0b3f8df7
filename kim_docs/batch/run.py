"""One batch run, start to end: check every case, plan, render in the pool, record each
chunk in the manifest, retire documents of cases that became faulty, write the reports."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .check import budget_message, check_case, mark_duplicates
from .input import Eingabe, read_input
from .lock import Lock, clean_stale
from .options import BatchOptions
from .plan import Kontext, Plan, make_context, plan_cases
from .pool import chunks, run_pool
from .reports import AUSZAHLUNGSLISTE, ZIP_NAME, write_reports, write_zip, zusammenfassung
from .results import Fallbericht, Fortschritt, Lauf, Status
from .worker import Erledigt

RETIRED = "veraltet"   # where documents of a case that became faulty go

Progress = Callable[[Fortschritt], None]


def run_batch(input_path: Path, out_dir: Path, options: BatchOptions, progress: Progress | None = None) -> Lauf:
    """Run the batch. Raises InputError when the input cannot be read; everything else
    is in the returned Lauf (and in the report files in `out_dir`)."""
    from ..rules import load_rule_sets

    gelesen = read_input(Path(input_path))
    rule_sets = load_rule_sets(options.rules_dirs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with Lock(out_dir):
        clean_stale(out_dir)
        try:
            lauf = _run_locked(gelesen.eingaben, gelesen.mappe_fehler, gelesen.tabellen, rule_sets, out_dir,
                               options, progress)
            return lauf
        finally:
            clean_stale(out_dir)


def _run_locked(eingaben: list[Eingabe], mappe_fehler: list[str], tabellen: dict[str, Any],
                rule_sets: dict[str, Any], out_dir: Path, options: BatchOptions, progress: Progress | None) -> Lauf:
    from ..manifest import write_manifest

    faelle = [check_case(e, rule_sets, options.draft) for e in eingaben]
    mark_duplicates(faelle, eingaben)
    lauf = Lauf(faelle, mappe_fehler, {}, out_dir=out_dir, tabellen=tabellen)
    tell = _Reporter(len(faelle), progress)
    lauf.haushalt_meldung = budget_message(faelle, options.budget)
    if mappe_fehler or lauf.haushalt_meldung:
        _refuse(faelle, tell, "Mappe fehlerhaft" if mappe_fehler else "Haushaltsmittel überschritten")
        return _finish(lauf, out_dir, options, with_kasse=False)
    ctx = make_context(out_dir, options, rule_sets)
    plans = plan_cases(faelle, ctx, tell)

    def on_done(chunk: list[Plan], results: list[Erledigt]) -> None:
        entries = []
        for plan, erledigt in zip(chunk, results):
            entries += _record(plan.bericht, erledigt, ctx)
            tell(plan.bericht)
        if entries:  # at once: a killed run keeps what it finished
            write_manifest(out_dir, entries)

    run_pool(chunks(plans, options), ctx, on_done)
    return _finish(lauf, out_dir, options, with_kasse=not options.draft)


class _Reporter:
    """Counts the finished cases and passes each to the progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def __call__(self, bericht: Fallbericht) -> None:
        self.done += 1
        if self.progress:
            self.progress(Fortschritt(self.done, self.total, bericht))


def _refuse(faelle: list[Fallbericht], tell: _Reporter, why: str) -> None:
    for f in faelle:
        if f.status not in (Status.FEHLERHAFT, Status.AUSGELASSEN):
            f.status, f.meldung = Status.NICHT_ERSTELLT, why
        tell(f)


def _record(bericht: Fallbericht, erledigt: Erledigt, ctx: Kontext) -> list[dict[str, Any]]:
    """The case's status from its worker's result; the manifest entries of its files."""
    if erledigt.fehler:
        bericht.status, bericht.meldung = Status.FEHLGESCHLAGEN, erledigt.fehler
        return []
    bericht.status, bericht.dateien = Status.ERSTELLT, erledigt.dateien
    assert bericht.ergebnis is not None and bericht.ergebnis.regelwerk is not None
    regelwerk = bericht.ergebnis.regelwerk
    extra = {"quelle": bericht.quelle, "optionen": ctx.options.signature,
             "regelwerk_sha256": ctx.regelwerke.get(regelwerk.id)}
    return [{**entry, **extra} for entry in erledigt.eintraege]


def _finish(lauf: Lauf, out_dir: Path, options: BatchOptions, with_kasse: bool) -> Lauf:
    from ..manifest import read_manifest, write_manifest

    lauf.zusammenfassung = zusammenfassung(lauf, options.budget)
    known = read_manifest(out_dir)
    if not options.draft:
        known = _retire_stale(lauf, out_dir, known)
    entries = write_reports(lauf, out_dir, _bescheide(lauf, known) if with_kasse else set())
    known.pop(AUSZAHLUNGSLISTE, None)  # rewritten below, or removed with the file
    write_manifest(out_dir, list(known.values()) + entries, merge=False)
    if options.make_zip:
        write_zip(out_dir)
    else:
        (out_dir / ZIP_NAME).unlink(missing_ok=True)  # an archive of an earlier run would be stale
    return lauf


def _bescheide(lauf: Lauf, known: dict[str, dict[str, Any]]) -> set[str]:
    """The cases whose Bescheid stands: made now or unchanged, in the manifest, not retired."""
    ok = {f.fall_id for f in lauf.faelle if f.ok}
    return {e["fall"] for e in known.values()
            if e.get("dokument") == "bescheid" and e.get("fall") in ok and not e.get("veraltet")}


def _retire_stale(lauf: Lauf, out_dir: Path, known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Documents of an earlier run whose case is now faulty move to `veraltet/`.

    They no longer match the case data; left beside the valid ones, a clerk could send
    them. They stay in the manifest (hash unchanged) under their new path, marked.
    """
    faulty = {f.fall_id: f for f in lauf.faelle if f.status == Status.FEHLERHAFT}
    out: dict[str, dict[str, Any]] = {}
    for name, entry in known.items():
        fall = faulty.get(entry.get("fall", ""))
        if fall is None or not entry.get("dokument") or name.startswith(f"{RETIRED}/"):
            out[name] = entry
            continue
        source, target = out_dir / name, out_dir / RETIRED / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        new_name = f"{RETIRED}/{name}"
        out[new_name] = {**entry, "datei": new_name, "veraltet": True}
        fall.meldung = (fall.meldung + "; " if fall.meldung else "") + \
            f"frühere Dokumente nach {RETIRED}/ verschoben (passen nicht mehr zu den Daten)"
    return out
