"""The one render pipeline: cases in, finished documents and their manifest out.

`render_cases` is what `kim-docs render` does, what each batch worker does with its
chunk and what the web application does for one case:

1. load and evaluate each case (rule set, Berechnung, Befunde);
2. gate: a case with a Fehler gets no document (unless `draft`);
3. render the DOCX of each document into a hidden staging folder inside the output
   folder, guarded (no leftover tags, the Bescheid's mandatory clauses);
4. convert to PDF/A through the converter of the options, the PDF guarded again;
5. publish case by case: only after every document of the case is finished are its
   files renamed into the output folder (same file system: atomic), and only where no
   file is replaced that the manifest does not own (unless `overwrite`);
6. record the files in manifest.json.

Nothing of a failed case, and nothing of the staging folder, is left behind; a failing
case never stops the others.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, KimDocsError, RenderError
from .evaluate import Ergebnis
from .files import pid_alive, signals_deferred
from .findings import Befund, Schwere
from .kinds import ALLE, KEYS
from .render import Dokument, RenderOptions, available, convert, render_case

__all__ = ["CaseResult", "CaseSource", "FailurePolicy", "RenderObserver", "RenderRun", "render_cases"]

STAGING_PREFIX = ".kim-render-"


@dataclass(frozen=True)
class FailurePolicy:
    """How the failure of one case is worded and how far it reaches; the defaults are
    those of `kim-docs render`.

    The batch words two messages its own way (its files come from "diesem Stapel"), and
    there an unexpected exception (a bug, a PDF that LibreOffice broke) must fail only its
    own case, never the whole chunk: `contain` lists such further exception types.
    """

    foreign_file: str = "stammt nicht von kim-docs"    # why an unowned file is not replaced
    conversion_failed: str = "PDF-Erzeugung fehlgeschlagen: {}"
    contain: tuple[type[Exception], ...] = ()          # beyond KimDocsError, fail only their case
    retry_single: bool = False                         # retry a failed conversion of a lone case too

    @property
    def caught(self) -> tuple[type[Exception], ...]:
        """What fails only its case: every error kim-docs reports, and `contain`."""
        return (KimDocsError, *self.contain)

    def message(self, exc: Exception) -> str:
        if isinstance(exc, KimDocsError):
            return str(exc)
        return f"interner Fehler ({type(exc).__name__}: {exc})"

    def conversion_message(self, exc: Exception) -> str:
        return self.conversion_failed.format(self.message(exc))


@dataclass(frozen=True)
class CaseSource:
    """One case to render: a case file (`path`) or an already parsed case (`fall`).

    `label` names the case in messages and in the manifest (default: the path).
    `kinds` overrides the document kinds asked for the whole run for this one case.
    """

    path: Path | None = None
    fall: Any = None
    label: str = ""
    kinds: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        return self.label or str(self.path or "Fall")


@dataclass
class CaseResult:
    """What became of one case: its published documents, or why there are none."""

    source: CaseSource
    ergebnis: Ergebnis | None = None
    kinds: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()          # kinds of 'alle' whose data the case lacks
    dokumente: list[Dokument] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)  # manifest entries
    fehler: str = ""                       # why nothing was published
    unreadable: bool = False               # the case file could not be read or parsed
    befunde: list[Befund] = field(default_factory=list)  # the Fehler that refused it

    @property
    def ok(self) -> bool:
        return not self.fehler

    @property
    def files(self) -> list[Path]:
        return [path for dokument in self.dokumente for path in dokument.dateien]


@dataclass
class RenderRun:
    out_dir: Path
    results: list[CaseResult]
    manifest: Path | None = None

    @property
    def files(self) -> list[Path]:
        return [path for result in self.results for path in result.files]

    @property
    def failed(self) -> list[CaseResult]:
        return [result for result in self.results if not result.ok]


class RenderObserver:
    """Hooks for a front end to show progress; every method may be left as it is."""

    def rendered(self, result: CaseResult) -> None:
        """The DOCX of a case are made (before conversion)."""

    def refused(self, result: CaseResult) -> None:
        """A case got no document (unreadable, Fehler, or a failed step)."""

    def converting(self, count: int) -> None:
        """`count` documents are about to be converted to PDF."""


def render_cases(sources: Iterable[CaseSource | Path | str], kinds: str | Sequence[str], out_dir: Path,
                 options: RenderOptions | None = None, *, rule_sets: dict[str, Any] | None = None,
                 known: Mapping[str, str] | None = None, observer: RenderObserver | None = None,
                 failures: FailurePolicy | None = None, staging_dir: Path | None = None) -> RenderRun:
    """Render the documents `kinds` ('alle' or kind keys) of every case into `out_dir`.

    `known` maps file names in `out_dir` to the SHA-256 the manifest recorded for them
    (default: read from `out_dir/manifest.json`); such files may be replaced.
    `staging_dir` is where the hidden staging folder is made (default: `out_dir`); it must
    be on the file system of `out_dir`, so that publishing a file is a rename.
    """
    from .manifest import read_manifest, write_manifest

    options = options or RenderOptions()
    observer = observer or RenderObserver()
    failures = failures or FailurePolicy()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if known is None:
        known = {name: entry.get("sha256", "") for name, entry in read_manifest(out_dir).items()}
    wanted = _kinds(kinds)
    staging_parent = Path(staging_dir) if staging_dir is not None else out_dir
    _remove_stale_staging(staging_parent)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=staging_parent))
    run = RenderRun(out_dir, [])
    try:
        run.results = [_render_one(_source(s), wanted, staging / str(i), options, rule_sets, observer, failures)
                       for i, s in enumerate(sources)]
        _refuse_duplicate_cases(run.results, observer)
        _refuse_duplicates(run.results, observer)
        made = [r for r in run.results if r.ok and r.dokumente]
        if made and "pdf" in options.formats:
            _convert(made, staging, options, observer, failures)
        with signals_deferred():  # files and their manifest entries: together or not at all
            for result in made:
                if result.ok:
                    _publish(result, out_dir, options, known, observer, failures.foreign_file)
            entries = [entry for result in run.results for entry in result.entries]
            if entries and options.write_manifest:
                run.manifest = write_manifest(out_dir, entries)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return run


def _remove_stale_staging(out_dir: Path) -> None:
    """Staging folders of a render that was killed (its process is gone)."""
    for path in out_dir.glob(f"{STAGING_PREFIX}*"):
        pid = path.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _kinds(kinds: str | Sequence[str]) -> tuple[str, ...]:
    wanted = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in wanted if k not in KEYS and k != ALLE]
    if unknown or not wanted:
        raise InputError(f"unbekannte Dokumentart {', '.join(unknown) or '(leer)'}; erlaubt: "
                         f"{', '.join((*KEYS, ALLE))}")
    return wanted


def _source(source: CaseSource | Path | str) -> CaseSource:
    return source if isinstance(source, CaseSource) else CaseSource(path=Path(source))


def _evaluate(source: CaseSource, rule_sets: dict[str, Any] | None) -> Ergebnis:
    from .evaluate import evaluate
    from .model import load_case

    if source.fall is not None:
        return evaluate(source.fall, rule_sets)
    if source.path is None:
        raise InputError("Fall ohne Datei und ohne Daten")
    fall = load_case(source.path)
    return evaluate(fall, rule_sets)


def _render_one(source: CaseSource, wanted: tuple[str, ...], folder: Path, options: RenderOptions,
                rule_sets: dict[str, Any] | None, observer: RenderObserver, failures: FailurePolicy) -> CaseResult:
    result = CaseResult(source)
    try:
        result.ergebnis = ergebnis = _evaluate(source, rule_sets)
    except InputError as exc:
        return _refuse(result, str(exc), observer, unreadable=True)
    except failures.contain as exc:
        return _refuse(result, failures.message(exc), observer)
    if ergebnis.berechnung is None or (ergebnis.hat_fehler and not options.draft):
        result.befunde = [b for b in ergebnis.befunde if b.schwere is Schwere.FEHLER]
        return _refuse(result, "Fehler – kein Dokument erstellt", observer)
    asked = source.kinds or wanted
    if ALLE in asked:
        result.kinds = tuple(k for k in KEYS if available(ergebnis, k))
        result.skipped = tuple(k for k in KEYS if k not in result.kinds)
    else:
        result.kinds = asked
    folder.mkdir()
    try:
        result.dokumente = render_case(ergebnis, result.kinds, folder, options, fall_datei=source.name)
    except failures.caught as exc:
        return _refuse(result, failures.message(exc), observer)
    observer.rendered(result)
    return result


def _refuse_duplicate_cases(results: list[CaseResult], observer: RenderObserver) -> None:
    """The same recipient and year, or the same Aktenzeichen, twice: a Fehler of each case."""
    from .duplicates import duplicate_findings

    clashes = duplicate_findings([(r.source.name, r.ergebnis.fall if r.ergebnis else None) for r in results])
    for i, befunde in sorted(clashes.items()):
        result = results[i]
        result.befunde = [*result.befunde, *befunde]
        if result.ok:
            _refuse(result, "Fehler – kein Dokument erstellt", observer)


def _refuse_duplicates(results: list[CaseResult], observer: RenderObserver) -> None:
    """Two cases that would write the same file (same recipient and year) are both refused:
    one Bescheid must never flip between two versions, nor be paid twice."""
    owners: dict[str, list[CaseResult]] = {}
    for result in results:
        for name in {path.name for d in result.dokumente for path in (d.docx, d.pdf) if path is not None}:
            owners.setdefault(name, []).append(result)
    for name, clash in sorted(owners.items()):
        if len(clash) > 1:
            names = ", ".join(r.source.name for r in clash)
            for result in clash:
                if result.ok:
                    _refuse(result, f"dieselbe Datei {name} wie ein anderer Fall ({names}): gleicher "
                                    f"Empfänger und Jahr zweimal – bitte einen der Fälle entfernen", observer)


def _refuse(result: CaseResult, message: str, observer: RenderObserver, unreadable: bool = False) -> CaseResult:
    result.fehler, result.unreadable = message, unreadable
    result.dokumente = []
    observer.refused(result)
    return result


def _convert(made: list[CaseResult], staging: Path, options: RenderOptions, observer: RenderObserver,
             failures: FailurePolicy) -> None:
    """All PDFs in one go; if that fails, case by case, so only the failing case fails."""
    dokumente = [d for result in made for d in result.dokumente]
    observer.converting(len(dokumente))
    try:
        convert(dokumente, staging / "pdf", converter=options.converter, jobs=options.jobs)
        return
    except failures.caught as exc:
        if len(made) == 1 and not failures.retry_single:
            _refuse(made[0], failures.conversion_message(exc), observer)
            return
    for i, result in enumerate(made):
        if all(d.pdf is not None and d.pdf.exists() for d in result.dokumente):
            continue  # converted and guarded before the failure
        try:
            _convert_alone(result, staging / f"pdf-{i}", options)
        except failures.caught as exc:
            _refuse(result, failures.conversion_message(exc), observer)


def _convert_alone(result: CaseResult, folder: Path, options: RenderOptions) -> None:
    """The PDFs of one case once more. A DOCX that the PDF guard removed is made again
    first, so that the retry fails for the same reason, not for a missing file."""
    if not all(d.docx.exists() for d in result.dokumente):
        assert result.ergebnis is not None
        folder.mkdir()
        result.dokumente = render_case(result.ergebnis, result.kinds, folder, options, fall_datei=result.source.name)
    convert(result.dokumente, folder, converter=options.converter, jobs=1)


def _publish(result: CaseResult, out_dir: Path, options: RenderOptions, known: Mapping[str, str],
             observer: RenderObserver, foreign: str) -> None:
    """Move the finished files of one case into `out_dir`, or none of them."""
    from .manifest import entries_for

    moves: list[tuple[Path, Path]] = []
    for dokument in result.dokumente:
        if "docx" not in options.formats:
            dokument.docx = None  # type: ignore[assignment]
        if "pdf" not in options.formats:
            dokument.pdf = None
        moves += [(path, out_dir / path.name) for path in dokument.dateien]
    try:
        for src, dst in moves:
            may_replace(src, dst, known.get(dst.name), options.overwrite, foreign)
    except RenderError as exc:
        _refuse(result, str(exc), observer)
        return
    for src, dst in moves:
        os.replace(src, dst)
    for dokument in result.dokumente:
        dokument.docx = out_dir / dokument.docx.name if dokument.docx else None  # type: ignore[assignment]
        dokument.pdf = out_dir / dokument.pdf.name if dokument.pdf else None
        assert result.ergebnis is not None
        result.entries += entries_for(dokument, out_dir, result.ergebnis, result.source.name)


def may_replace(new: Path, old: Path, recorded: str | None, overwrite: bool,
                foreign: str = FailurePolicy.foreign_file) -> None:
    """Refuse to replace a file the manifest does not own (`foreign` says why), or one
    changed by hand."""
    from .files import sha256_file

    if overwrite or not old.exists():
        return
    current = sha256_file(old)
    # identical bytes: e.g. finished by a run killed before it wrote the manifest
    if current == recorded or current == sha256_file(new):
        return
    why = "weicht vom Manifest ab (von Hand geändert?)" if recorded else foreign
    raise RenderError(f"Datei {old.name} {why}; sie wird nicht überschrieben (mit --overwrite ersetzen)")
