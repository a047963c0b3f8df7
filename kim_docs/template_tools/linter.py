"""`lint`: every check of one template, in an order where each later check can trust the earlier.

The Word text is checked first (tags, quotes, split tags, tracked changes, comments);
only a template whose tags parse is analysed as Jinja (variables, loops, filters, the
Bescheid's clauses), and only one without blocking findings is filled with the samples.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import KimDocsError
from ..findings import Schwere
from .docx import guess_kind, read_docx
from .lint_checks.clauses import static_clause_findings
from .lint_checks.jinja_analysis import jinja_findings
from .lint_checks.review_marks import comment_findings, revision_findings
from .lint_checks.sample_rendering import render_findings
from .lint_checks.tags import tag_findings
from .report import LintReport, finding
from .samples import SAMPLES, Sample, default_samples

#: Findings of these kinds make a sample rendering pointless (it would only repeat them).
_BLOCKING = {"syntax", "anfuehrungszeichen", "geteilt", "variable", "schleife", "filter", "aenderung_im_platzhalter",
             "datei"}


def lint(path: Path, dokument: str | None = None, samples: Iterable[Sample] | None = None) -> LintReport:
    """Every problem of one template. `samples`: evaluated cases to render with (default: samples/)."""
    try:
        doc = read_docx(path)
    except KimDocsError as exc:
        return LintReport(path, "", dokument, [finding("datei", exc.meldung)])
    kind = dokument or guess_kind(path)
    report = LintReport(path.resolve(), doc.version(), kind)
    report.findings += tag_findings(doc) + revision_findings(doc) + comment_findings(doc)
    if not any(f.code == "syntax" for f in report.findings):
        jinja, usage = jinja_findings(doc)
        report.findings += [f for f in jinja if f not in report.findings]
        if kind == "bescheid" and not any(f.code == "syntax" for f in jinja):
            report.findings += static_clause_findings(doc, usage)
    if kind and not any(f.code in _BLOCKING and f.schwere is Schwere.FEHLER for f in report.findings):
        chosen = default_samples(str(SAMPLES)) if samples is None else samples
        report.findings += render_findings(doc, path, kind, chosen)
    return report
