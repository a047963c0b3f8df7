"""A preview of a template: filled with sample cases, as DOCX, PDF/A and one PNG per page."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..context import DOKUMENTE
from ..errors import ConversionError, RenderError
from ..templating import CompiledTemplate, docx_paragraphs
from .docx import KINDS, guess_kind
from .samples import Sample


@dataclass
class Preview:
    """What the preview made of one sample; `hinweise`: why something is missing, warnings."""

    fall: str
    entwurf: bool = False
    docx: Path | None = None
    pdf: Path | None = None
    pngs: list[Path] = field(default_factory=list)
    hinweise: list[str] = field(default_factory=list)


def preview(template: Path, out_dir: Path, samples: list[Sample], dokument: str | None = None,
            converter: Any = None) -> list[Preview]:
    """DOCX, PDF/A and a PNG per page of `template` rendered with each sample."""
    kind = dokument or guess_kind(template)
    if kind is None:
        raise RenderError(f"Dokumentart aus dem Dateinamen {template.name} nicht erkennbar; bitte --dokument "
                          f"angeben ({', '.join(KINDS)})")
    compiled = CompiledTemplate(template)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = [_preview_docx(compiled, kind, sample, out_dir) for sample in samples]
    made = [r for r in results if r.docx]
    if made:
        _preview_pdf(made, out_dir, kind, {s.name: s for s in samples}, converter)
    return results


def _preview_docx(template: CompiledTemplate, kind: str, sample: Sample, out_dir: Path) -> Preview:
    from ..files import write_atomic
    from ..render import check_clauses

    result = Preview(sample.name, entwurf=sample.ergebnis.hat_fehler)
    if not sample.has(kind):
        result.hinweise.append(f"übersprungen: der Fall enthält die Angaben für {DOKUMENTE[kind]} nicht")
        return result
    context = sample.context(kind)
    try:
        data = template.render(context)
    except RenderError as exc:
        result.hinweise.append(str(exc))
        return result
    if kind == "bescheid":
        try:
            check_clauses("\n".join(docx_paragraphs(data)), context, "Bescheid")
        except RenderError as exc:
            result.hinweise.append(f"Warnung: {exc}")
    result.docx = out_dir / f"{sample.path.stem}_{template.path.stem}.docx"
    write_atomic(result.docx, data)
    return result


def _preview_pdf(made: list[Preview], out_dir: Path, kind: str, samples: dict[str, Sample], converter: Any) -> None:
    from ..pdf import docx_to_pdf
    from ..render import pdf_metadata

    metadata = [pdf_metadata(samples[r.fall].ergebnis, kind, samples[r.fall].context(kind)) for r in made]
    try:
        docx_files = [r.docx for r in made if r.docx is not None]  # all of them: `made` has a DOCX each
        pdfs = docx_to_pdf(docx_files, out_dir, metadata, converter=converter)
    except ConversionError as exc:
        for r in made:
            r.hinweise.append(f"kein PDF: {exc.meldung}")
        return
    for result, pdf in zip(made, pdfs):
        result.pdf = pdf
        result.pngs = page_images(pdf)


def page_images(pdf: Path, resolution: int = 80) -> list[Path]:
    """One PNG per page next to the PDF (pdftoppm from poppler-utils)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise ConversionError("pdftoppm nicht gefunden (Paket poppler-utils installieren)")
    prefix = pdf.with_suffix("")
    for old in pdf.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    done = subprocess.run([tool, "-png", "-r", str(resolution), str(pdf), str(prefix)], capture_output=True,
                          timeout=120)
    if done.returncode != 0:
        raise ConversionError(f"pdftoppm: {done.stderr.decode('utf-8', 'replace').strip()}", datei=str(pdf))
    return sorted(pdf.parent.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
