"""The worker processes: each renders, converts and publishes chunks of cases through
the one render pipeline (`kim_docs.pipeline.render_cases`), in its own hidden folder.

A worker never writes the manifest: it sends the entries of what it published to the
main process, which records each chunk at once.
"""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .lock import WORK_PREFIX
from .options import BatchOptions

if TYPE_CHECKING:
    from ..model import Fall
    from ..pdf import Converter
    from ..pipeline import FailurePolicy


@dataclass(frozen=True)
class Auftrag:
    """One case for a worker: its parsed data (evaluated again there), its document
    kinds, and the hashes the manifest recorded for its files (those may be replaced)."""

    fall_id: str
    fall: Fall
    arten: tuple[str, ...]
    bekannt: dict[str, str]
    ziele: dict[str, str]          # file name as rendered -> its path in the output folder


@dataclass
class Erledigt:
    """What became of one case: why it failed, or its files and their manifest entries."""

    fall_id: str
    fehler: str = ""
    dateien: list[str] = field(default_factory=list)
    eintraege: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Worker:
    out_dir: Path
    options: BatchOptions
    root: Path                    # this worker's hidden folder in the output folder
    rule_sets: dict[str, Any]
    converter: Converter          # made here: each worker has its own


_WORKER: _Worker | None = None   # set once in each worker process by `init`


def init(out_dir: str, options: BatchOptions) -> None:
    """Runs once in each worker process."""
    from ..rules import load_rule_sets

    global _WORKER
    # Ctrl-C goes to the whole process group; the main process decides and then stops the
    # workers with SIGTERM, which unwinds (LibreOffice is killed, work files removed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    _die_with_parent()
    root = Path(out_dir).resolve() / f"{WORK_PREFIX}{os.getpid()}"
    root.mkdir(exist_ok=True)
    tempfile.tempdir = str(root)  # LibreOffice profiles and PDF staging land here too
    _WORKER = _Worker(Path(out_dir), options, root, load_rule_sets(options.rules_dirs), options.make_converter())


def _exit_on_term(signum: int, frame: Any) -> None:
    # once: the pool sends SIGTERM again when another worker ends, which would break off
    # the unwinding (killing LibreOffice, removing work files) half done
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """Linux: SIGTERM when the main process dies (even by SIGKILL), so no worker writes on."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - other systems
        pass


def work(auftraege: list[Auftrag]) -> list[Erledigt]:
    """Render (and convert) a chunk of cases; a failing case never fails the others."""
    try:
        return _work_chunk(auftraege)
    except SystemExit:
        # SIGTERM from the main process; the unwinding has killed LibreOffice and removed
        # the work files. Exit now: the pool would otherwise keep this worker waiting.
        os._exit(143)


def batch_failures() -> FailurePolicy:
    """In a batch anything that goes wrong with one case fails only that case (a chunk
    whose conversion fails is redone case by case), and a file the manifest does not own
    is said not to come from this batch."""
    from ..pipeline import FailurePolicy

    return FailurePolicy(foreign_file="stammt nicht aus diesem Stapel", conversion_failed="{}",
                         contain=(Exception,), retry_single=True)


def _work_chunk(auftraege: list[Auftrag]) -> list[Erledigt]:
    """Render the chunk into this worker's hidden folder, then publish case by case into
    the case's folder of the output folder (``plan.document_path``)."""
    from ..pipeline import CaseSource, render_cases
    from ..render import RenderOptions

    assert _WORKER is not None, "worker.init has not run in this process"
    options = _WORKER.options
    # jobs=1: the workers are the parallelism; one LibreOffice per worker keeps the
    # number of processes (and memory) bounded by --jobs
    render_options = RenderOptions(formats=options.formats, draft=options.draft,
                                   templates_dir=options.templates_dir, overwrite=True,
                                   converter=_WORKER.converter, jobs=1, write_manifest=False)
    sources = [CaseSource(fall=a.fall, label=a.fall_id, kinds=a.arten) for a in auftraege]
    fertig = Path(tempfile.mkdtemp(prefix="fertig-", dir=_WORKER.root))
    try:
        run = render_cases(sources, options.arten, fertig, render_options, rule_sets=_WORKER.rule_sets,
                           known={}, failures=batch_failures(), staging_dir=_WORKER.root)
        by_id = {a.fall_id: a for a in auftraege}
        return [_publish(r, by_id[r.source.name], fertig) for r in run.results]
    finally:
        shutil.rmtree(fertig, ignore_errors=True)


def _publish(result: Any, auftrag: Auftrag, fertig: Path) -> Erledigt:
    """Move the files of one case into its folder, all or none; a file of the output folder
    that the manifest does not own (or that was changed by hand) is not replaced."""
    from ..errors import RenderError
    from ..files import signals_deferred
    from ..pipeline import may_replace

    assert _WORKER is not None
    if result.fehler:
        return Erledigt(result.source.name, result.fehler)
    moves = [(path, auftrag.ziele[path.name]) for path in result.files]
    try:
        for src, ziel in moves:
            may_replace(src, _WORKER.out_dir / ziel, auftrag.bekannt.get(ziel), _WORKER.options.overwrite,
                        batch_failures().foreign_file)
    except RenderError as exc:
        return Erledigt(result.source.name, str(exc))
    with signals_deferred():
        for src, ziel in moves:
            (_WORKER.out_dir / ziel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, _WORKER.out_dir / ziel)
    entries = [{**entry, "datei": auftrag.ziele[entry["datei"]]} for entry in result.entries]
    return Erledigt(result.source.name, "", [ziel for _, ziel in moves], entries)
