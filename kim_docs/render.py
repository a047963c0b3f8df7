"""From a valid case to its documents: context → DOCX (→ PDF), guarded, written atomically.

The steps for one case and one set of documents; `kim_docs.pipeline.render_cases` puts
them together for many cases (staging, conversion, publishing, manifest). Every rendered
document is read back by the clause guard (kim_docs/guard.py) before it is kept.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .context import DOKUMENTE, build_context, document_date, missing_data
from .errors import RenderError
from .evaluate import Ergebnis
from .files import write_atomic
from .guard import check_clauses, check_no_tags, needs_clauses, required_clauses
from .kinds import KEYS, KINDS
from .reference import Referenz, load_referenz
from .templating import docx_paragraphs, find_template, load_template, make_jinja_env
from .text import fold_umlauts

__all__ = ["DOKUMENT_ARTEN", "Dokument", "RenderOptions", "check_clauses", "file_name", "make_jinja_env",
           "render_case", "required_clauses"]

DOKUMENT_ARTEN = KEYS


@dataclass(frozen=True)
class RenderOptions:
    """How documents are made. `converter` turns DOCX into PDF (default: LibreOffice)."""

    formats: tuple[str, ...] = ("docx", "pdf")
    draft: bool = False
    templates_dir: Path | None = None
    embed_data: bool = False  # fall.json as associated file in the PDF (PDF/A-3b)
    overwrite: bool = False   # replace files in the output folder that the manifest does not own
    converter: Any = None     # a kim_docs.pdf.Converter; None: LibreOfficeConverter()
    jobs: int | None = None   # conversion processes side by side (default: one per core)
    write_manifest: bool = True  # the batch writes its own manifest from the entries


@dataclass
class Dokument:
    """One rendered document of one case and the files made for it."""

    art: str
    fall: str
    docx: Path
    vorlage: Path
    vorlage_sha256: str
    pdf: Path | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def dateien(self) -> list[Path]:
        return [p for p in (self.docx, self.pdf) if p is not None]


# --- names and writing ----------------------------------------------------------------------

def safe_name(text: str) -> str:
    """'Städteregion Aachen / Süd' → 'Staedteregion-Aachen-Sued' (safe on every file system)."""
    ascii_text = unicodedata.normalize("NFKD", fold_umlauts(text)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-") or "Fall"
    if len(name) <= MAX_NAME_PART:
        return name
    # a file name may have 255 bytes: a long name is cut and keeps a hash of the whole
    # text, so two long names that start alike still get different files
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{name[:MAX_NAME_PART - 11].rstrip('-')}-{digest}"


#: Longest part of a file name taken from the data (recipient, Aktenzeichen, Fall-ID).
MAX_NAME_PART = 80


def file_name(ergebnis: Ergebnis, art: str, suffix: str = "docx") -> str:
    fall = ergebnis.fall
    jahr = fall.bewilligungszeitraum.beginn.year
    return f"{jahr}_{safe_name(fall.antragsteller.name)}_{KINDS[art].datei_name}.{suffix}"


# --- rendering ------------------------------------------------------------------------------------

def render_case(ergebnis: Ergebnis, arten: Iterable[str], out_dir: Path, options: RenderOptions,
                referenz: Referenz | None = None, fall_datei: str = "") -> list[Dokument]:
    """Render the DOCX of the documents `arten` of one case into `out_dir` (PDF: see `convert`).

    Raises RenderError when the case has Fehler (unless draft) or a document fails; then
    nothing of this case is left in `out_dir`.
    """
    if ergebnis.berechnung is None or (ergebnis.hat_fehler and not options.draft):
        raise RenderError("Der Fall hat Fehler; es wird kein Dokument erstellt (mit --draft: Entwurf)")
    referenz = referenz or load_referenz()
    made: list[Dokument] = []
    try:
        for art in arten:
            made.append(_render_one(ergebnis, art, out_dir, options, referenz, fall_datei))
    except BaseException:
        for dokument in made:
            dokument.docx.unlink(missing_ok=True)
        raise
    return made


def document_context(ergebnis: Ergebnis, art: str, referenz: Referenz | None = None,
                     entwurf: bool = False) -> dict[str, Any]:
    """The template context of document `art` of an evaluated case."""
    if ergebnis.regelwerk is None or ergebnis.berechnung is None:
        raise RenderError("Für den Fall gilt kein Regelwerk; es wird kein Dokument erstellt")
    return build_context(ergebnis.fall, ergebnis.regelwerk, ergebnis.berechnung, referenz or load_referenz(), art,
                         befunde=ergebnis.befunde, entwurf=entwurf)


def _render_one(ergebnis: Ergebnis, art: str, out_dir: Path, options: RenderOptions, referenz: Referenz,
                fall_datei: str) -> Dokument:
    context = document_context(ergebnis, art, referenz, entwurf=options.draft)
    vorlage = find_template(KINDS[art].vorlage, options.templates_dir)
    template = load_template(vorlage)
    data = template.render(context)
    paragraphs = docx_paragraphs(data)
    check_no_tags(paragraphs, context, vorlage.name)
    if needs_clauses(art):
        check_clauses("\n".join(paragraphs), context, f"Bescheid (Vorlage {vorlage})")
    path = out_dir / file_name(ergebnis, art)
    write_atomic(path, data)
    return Dokument(art=art, fall=fall_datei, docx=path, vorlage=vorlage, vorlage_sha256=template.sha256,
                    metadata=pdf_metadata(ergebnis, art, context, embed=options.embed_data), context=context)


def pdf_metadata(ergebnis: Ergebnis, art: str, context: dict[str, Any], embed: bool = False) -> dict[str, Any]:
    """Title, subject, author, keywords and date of a document's PDF (and fall.json if `embed`)."""
    fall = ergebnis.fall
    aktenzeichen = context["bescheid"]["aktenzeichen"]
    author = context["behoerde"]["name"] if art == "bescheid" else fall.antragsteller.name
    keywords = ["Kommunales Integrationsmanagement", "KIM", str(fall.bewilligungszeitraum.beginn.year)]
    if aktenzeichen:
        keywords.insert(0, aktenzeichen)
    metadata = {"title": f"{DOKUMENTE[art]} – {fall.antragsteller.name} {fall.bewilligungszeitraum.beginn.year}",
                "subject": f"{DOKUMENTE[art]} nach der {ergebnis.regelwerk.kurztitel if ergebnis.regelwerk else ''}",
                "author": author, "keywords": ", ".join(keywords), "date": document_date(fall, art)}
    if embed:
        metadata["attachments"] = [("fall.json", embedded_case_json(ergebnis, art), "application/json")]
    return metadata


def embedded_case_json(ergebnis: Ergebnis, art: str) -> bytes:
    """The case and its figures for a receiving system: {"dokument", "fall", "berechnung"}."""
    from .files import json_bytes
    from .report import calc_json

    data = {"dokument": art, "fall": ergebnis.fall.model_dump(mode="json", exclude_none=True),
            "berechnung": calc_json(ergebnis)}
    return json_bytes(data)


def available(ergebnis: Ergebnis, art: str) -> bool:
    """Whether the case carries the data `art` needs (used for 'alle')."""
    return not missing_data(ergebnis.fall, art)


def convert(dokumente: list[Dokument], out_dir: Path, converter: Any = None, jobs: int | None = None) -> None:
    """DOCX → PDF/A for all documents; each Bescheid PDF is guarded as well.

    The documents are split into `jobs` groups (default: one per core) converted side by
    side, each by its own LibreOffice process: conversion and text extraction run in
    subprocesses, so the cores are used although this is one Python process.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not dokumente:
        return
    from .pdf.convert import allow_conversions, stop_conversions

    jobs = max(1, min(jobs or os.cpu_count() or 1, (len(dokumente) + 4) // 5))
    groups = [dokumente[i::jobs] for i in range(jobs)]
    allow_conversions()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_convert_group, group, out_dir, converter) for group in groups]
        try:
            for future in futures:
                future.result()
        except (KeyboardInterrupt, SystemExit):
            # Ctrl-C and SIGTERM reach this thread only; without this the pool would wait
            # until the LibreOffice of every other thread has finished
            for future in futures:
                future.cancel()
            stop_conversions()
            raise


def _convert_group(dokumente: list[Dokument], out_dir: Path, converter: Any) -> None:
    from .pdf import docx_to_pdf, pdf_text

    pdfs = docx_to_pdf([d.docx for d in dokumente], out_dir, [d.metadata for d in dokumente], converter=converter)
    # A document gets its PDF only once the PDF is guarded: after a failure, the caller
    # retries exactly the documents without one, and no unguarded PDF is left behind.
    for i, (dokument, pdf) in enumerate(zip(dokumente, pdfs)):
        if needs_clauses(dokument.art):
            try:
                check_clauses(pdf_text(pdf), dokument.context, f"PDF {pdf.name}")
            except RenderError:
                dokument.docx.unlink(missing_ok=True)
                for unguarded in pdfs[i:]:
                    unguarded.unlink(missing_ok=True)
                raise
        dokument.pdf = pdf


def case_context(case_path: Path, rule_sets: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template context of a case file for PDF form filling (`kim-docs pdf fill`).

    The Auszahlungsanforderung's context where the case has its data, else the Antrag's.
    A case with Fehler is refused: invalid data never becomes a final document.
    """
    from .evaluate import evaluate
    from .model import load_case

    ergebnis = evaluate(load_case(case_path), rule_sets)
    if ergebnis.berechnung is None or ergebnis.hat_fehler:
        fehler = "; ".join(b.meldung for b in ergebnis.befunde if b.schwere == "fehler")
        raise RenderError(f"Der Fall hat Fehler; das Formular wird nicht ausgefüllt: {fehler}", datei=str(case_path))
    art = "auszahlung" if available(ergebnis, "auszahlung") else "antrag"
    return document_context(ergebnis, art)
