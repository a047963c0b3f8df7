"""Tools for template maintainers: lint, variable catalogue, preview and wording diff.

Maintainers edit the DOCX templates in Word or LibreOffice. These functions find what
such editing breaks before a clerk issues a document: Jinja syntax (typographic quotes
typed by Word), tags that Word split in ways docxtpl cannot rejoin, tracked changes and
comments left in the file, unknown variables, and a Bescheid that lost a mandatory
clause. Every finding names the paragraph or table cell by its text, never an XML line.
This package only returns data; `kim_docs.cli.templates` prints.

    docx.py            the DOCX model: parts, paragraphs, tags in the Word text
    linter.py          lint(): runs the checks in lint_checks/ in order
    report.py          LintReport; a lint finding as the project's Befund
    lint_checks/       one module per kind of check
    samples.py         the sample cases to fill templates with
    catalogue.py       variables and filters a template may use (docs/variablen.md)
    preview_files.py   DOCX, PDF/A and PNG previews
    diff.py            wording diff of templates and rule sets
"""
from __future__ import annotations

from .catalogue import (
    FILTER_EXAMPLES,
    CatalogueEntry,
    catalogue_json,
    catalogue_markdown,
    example_text,
    filter_catalogue,
    variable_catalogue,
)
from .diff import (
    Change,
    clause_blocks,
    diff_html,
    diff_rule_sets,
    diff_templates,
    diff_texts,
    inline,
    load_rule_set,
    template_texts,
    word_ops,
)
from .docx import KINDS, TEMPLATE_NAMES, Docx, Paragraph, guess_kind, read_docx, templates_in_use
from .lint_checks.quotes import fix_quotes, straighten
from .linter import lint
from .preview_files import Preview, page_images, preview
from .report import LintReport
from .samples import MAIN_SAMPLE, SAMPLES, Sample, load_samples, sample_files

__all__ = [
    "FILTER_EXAMPLES", "KINDS", "MAIN_SAMPLE", "SAMPLES", "TEMPLATE_NAMES",
    "CatalogueEntry", "Change", "Docx", "LintReport", "Paragraph", "Preview", "Sample",
    "catalogue_json", "catalogue_markdown", "clause_blocks", "diff_html", "diff_rule_sets", "diff_templates",
    "diff_texts", "example_text", "filter_catalogue", "fix_quotes", "guess_kind", "inline", "lint",
    "load_rule_set", "load_samples", "page_images", "preview", "read_docx", "sample_files", "straighten",
    "template_texts", "templates_in_use", "variable_catalogue", "word_ops",
]
