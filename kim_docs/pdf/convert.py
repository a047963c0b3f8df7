"""DOCX → PDF: the :class:`Converter` protocol and headless LibreOffice behind it.

:class:`LibreOfficeConverter` feeds many documents to one headless ``soffice`` process
per chunk (start-up costs about a second, a small document about 0.05 s), each process
with a private profile and in its own process group, so that a hang can be killed as a
whole. :func:`docx_to_pdf` converts and then finalizes (:mod:`kim_docs.pdf.finalize`).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from kim_docs.errors import ConversionError

from .finalize import finalize_pdf

__all__ = ["Converter", "LibreOfficeConverter", "docx_to_pdf", "PDF_EXPORT_FILTER", "MISSING_SOFFICE"]

MISSING_SOFFICE = "LibreOffice nicht gefunden: apt-get install libreoffice-writer-nogui"

# LibreOffice ignores the old "SelectPdfVersion=2" form silently; only the JSON form works.
# PDF/A-2 is also what makes LibreOffice embed every font (standard fonts included);
# "EmbedStandardFonts" is unknown to LibreOffice 7.4 (ignored there) and keeps newer
# versions from leaving the 14 standard fonts out should PDF/A ever be switched off.
_FILTER_DATA = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "EmbedStandardFonts": {"type": "boolean", "value": "true"},
}
PDF_EXPORT_FILTER = "pdf:writer_pdf_Export:" + json.dumps(_FILTER_DATA, separators=(",", ":"))


class Converter(Protocol):
    """Turns DOCX files into PDF files in ``out_dir`` (like an httpx transport).

    Returns the PDF paths in the order of ``docx_paths``; raises :class:`ConversionError`.
    A remote service only needs to implement this one method.
    """

    def convert(self, docx_paths: list[Path], out_dir: Path) -> list[Path]: ...


# --------------------------------------------------------------------------- LibreOffice


class LibreOfficeConverter:
    """Converts DOCX → PDF/A-2b with headless LibreOffice, many documents per process.

    ``timeout`` is the limit in seconds for one ``soffice`` process (one chunk of at most
    ``max_docs_per_process`` documents). Safe to use from several threads or worker
    processes at once: every process gets its own profile and output folder.
    """

    def __init__(
        self,
        timeout: float = 120.0,
        max_docs_per_process: int = 50,
        binary: str = "soffice",
    ) -> None:
        if max_docs_per_process < 1:
            raise ValueError("max_docs_per_process must be >= 1")
        self.timeout = timeout
        self.max_docs_per_process = max_docs_per_process
        self.binary = binary

    def convert(self, docx_paths: list[Path], out_dir: Path) -> list[Path]:
        docx_paths = [Path(p).resolve() for p in docx_paths]
        out_dir = Path(out_dir)
        soffice = shutil.which(self.binary)
        if soffice is None:
            raise ConversionError(MISSING_SOFFICE)
        _check_inputs(docx_paths)
        out_dir.mkdir(parents=True, exist_ok=True)
        # LibreOffice writes into a private folder; only complete PDFs are moved out,
        # so an error (or a kill) never leaves a partial file in out_dir.
        staging = Path(tempfile.mkdtemp(prefix=".kim-pdf-", dir=out_dir))
        try:
            for chunk in _chunks(docx_paths, self.max_docs_per_process):
                self._run(soffice, chunk, staging)
            return _move_into([_checked_pdf(staging, p) for p in docx_paths], out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _run(self, soffice: str, chunk: list[Path], out_dir: Path) -> None:
        profile = Path(tempfile.mkdtemp(prefix="kim-lo-profile-")).resolve()
        cmd = [
            soffice, f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--norestore", "--nolockcheck",
            "--convert-to", PDF_EXPORT_FILTER, "--outdir", str(out_dir),
            *map(str, chunk),
        ]
        # LibreOffice's own temporary folder (lu*.tmp) goes into the profile, so that it
        # is removed with it even when soffice is killed
        env = {**os.environ, "TMPDIR": str(profile)}
        try:
            _run_group(cmd, self.timeout, chunk, env)
        finally:
            shutil.rmtree(profile, ignore_errors=True)


_RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPED = threading.Event()


def stop_conversions() -> None:
    """Kill every LibreOffice this process runs now and start none until
    `allow_conversions` (Ctrl-C, SIGTERM): the threads that wait for them get a
    ConversionError at once instead of waiting until they finish."""
    with _RUNNING_LOCK:
        _STOPPED.set()
        running = list(_RUNNING)
    for proc in running:
        # only the signal: the thread that started the process reads its pipes and reaps it
        _signal_group(proc)


def allow_conversions() -> None:
    _STOPPED.clear()


def _run_group(cmd: list[str], timeout: float, chunk: list[Path], env: dict[str, str] | None = None) -> None:
    """Runs soffice in its own process group; on a hang the whole group is killed
    (the ``soffice`` script starts ``oosplash`` and ``soffice.bin`` below it)."""
    # started and registered under the lock: a stop between the two would miss it
    with _RUNNING_LOCK:
        if _STOPPED.is_set():
            raise ConversionError(f"abgebrochen; nicht umgewandelt: {_names(chunk)}")
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, env=env,
        )
        _RUNNING.add(proc)
    try:
        _communicate(proc, timeout, chunk)
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)


def _communicate(proc: subprocess.Popen[bytes], timeout: float, chunk: list[Path]) -> None:
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ConversionError(
            f"LibreOffice hat nach {timeout:g} s nicht geantwortet und wurde beendet; "
            f"nicht umgewandelt: {_names(chunk)}"
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip()[-500:]
        raise ConversionError(
            f"LibreOffice ist mit Code {proc.returncode} abgebrochen "
            f"({_names(chunk)}){': ' + detail if detail else ''}"
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    _signal_group(proc)
    proc.communicate()


def _signal_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _check_inputs(docx_paths: list[Path]) -> None:
    for p in docx_paths:
        if not p.is_file():
            raise ConversionError("DOCX-Datei nicht gefunden", datei=str(p))
    seen: dict[str, Path] = {}
    for p in docx_paths:
        other = seen.setdefault(p.stem + ".pdf", p)
        if other != p:
            raise ConversionError(
                f"{other.name} und {p} ergeben dieselbe PDF-Datei {p.stem}.pdf"
            )


def _move_into(files: list[Path], folder: Path) -> list[Path]:
    """Finished files from a private staging folder into `folder` (rename: never half there)."""
    targets = [folder / f.name for f in files]
    for src, dst in zip(files, targets):
        os.replace(src, dst)
    return targets


def _chunks(items: list[Path], size: int) -> list[list[Path]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _checked_pdf(folder: Path, docx: Path) -> Path:
    pdf = folder / (docx.stem + ".pdf")
    if not pdf.is_file():
        raise ConversionError("LibreOffice hat keine PDF-Datei erzeugt", datei=str(docx))
    with pdf.open("rb") as handle:
        head = handle.read(5)
    if head != b"%PDF-":
        raise ConversionError("LibreOffice hat eine leere oder defekte PDF-Datei erzeugt",
                              datei=str(docx))
    return pdf


def _names(paths: Sequence[Path]) -> str:
    return ", ".join(p.name for p in paths)


# --------------------------------------------------------------------------- together


def docx_to_pdf(
    docx_paths: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    metadata: list[dict],
    converter: Converter | None = None,
) -> list[Path]:
    """Converts and finalizes; ``metadata[i]`` holds the keyword arguments of
    :func:`finalize_pdf` for ``docx_paths[i]`` (title, subject, author, keywords, date,
    optionally language, creator). Only finished PDFs ever appear in ``out_dir``."""
    paths = [Path(p) for p in docx_paths]
    if len(paths) != len(metadata):
        raise ValueError("docx_paths and metadata must have the same length")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    converter = converter or LibreOfficeConverter()
    staging = Path(tempfile.mkdtemp(prefix=".kim-pdf-final-", dir=out))
    try:
        pdfs = converter.convert(paths, staging)
        for pdf, meta in zip(pdfs, metadata):
            finalize_pdf(pdf, **meta)
        return _move_into(pdfs, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
