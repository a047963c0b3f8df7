"""Filling the template with every sample case, as `render` would: what only shows in the result.

Errors while filling, tags left unreplaced, and Bescheid clauses lost under a condition.
Equal problems of several samples are one finding naming the samples.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...context import flatten
from ...errors import RenderError
from ...findings import Befund
from ...templating import CompiledTemplate, docx_paragraphs
from ..docx import OPEN, Docx, shorten
from ..report import finding
from ..samples import Sample
from .clauses import clause_anchor

#: (art, message, location) of one problem of one sample.
Problem = tuple[str, str, str]


def render_findings(doc: Docx, path: Path, kind: str, samples: Iterable[Sample]) -> list[Befund]:
    """Render with every sample that has the data; group equal problems, naming the samples."""
    try:
        template = CompiledTemplate(path)
    except RenderError as exc:
        return [finding("syntax", exc.meldung)]
    problems: dict[Problem, list[str]] = {}
    for sample in samples:
        if sample.has(kind):
            for problem in _sample_problems(template, kind, sample.context(kind)):
                problems.setdefault(problem, []).append(sample.name)
    return [finding(art, f"Beim Probe-Ausfüllen ({_samples_label(names)}): {msg}",
                    ort or (clause_anchor(doc, msg) if art == "pflichtklausel" else ""))
            for (art, msg, ort), names in problems.items()]


def _sample_problems(template: CompiledTemplate, kind: str, context: dict[str, Any]) -> list[Problem]:
    from ...render import check_clauses

    try:
        paragraphs = docx_paragraphs(template.render(context))
    except RenderError as exc:
        return [("ausfuellen", exc.meldung, "")]
    problems = _leftover_tags(paragraphs, context)
    if kind == "bescheid":
        try:
            check_clauses("\n".join(paragraphs), context, "Bescheid")
        except RenderError as exc:
            problems.append(("pflichtklausel", exc.meldung, ""))
    return problems


def _samples_label(names: list[str]) -> str:
    if len(names) == 1:
        return f"Beispielfall {names[0]}"
    return f"Beispielfälle {', '.join(names[:3])}{' …' if len(names) > 3 else ''}"


def _leftover_tags(paragraphs: list[str], context: dict[str, Any]) -> list[Problem]:
    """Template syntax still in the rendered text (a tag docxtpl could not handle)."""
    literal = [v for v in flatten(context).values() if isinstance(v, str) and ("{{" in v or "{%" in v)]
    found: list[Problem] = []
    for text in paragraphs:
        clean = text
        for value in literal:
            clean = clean.replace(value, "")
        if OPEN.search(clean):
            found.append(("geteilt", "nicht ersetzter Platzhalter im erzeugten Dokument",
                          f"Absatz „{shorten(text)}“"))
    return found

