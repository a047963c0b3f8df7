"""Typographic quotes that Word typed into tags: found by the lint, straightened by --fix-quotes."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ...findings import Befund
from ..docx import Paragraph, read_docx
from ..report import finding
from .syntax import syntax_of_tag

#: Word's automatic quotes and their straight equivalents.
QUOTES = {"„": '"', "“": '"', "”": '"', "‟": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'", "‛": "'"}


def has_quotes(text: str) -> bool:
    return any(q in text for q in QUOTES)


def straighten(text: str) -> str:
    return "".join(QUOTES.get(ch, ch) for ch in text)


def quote_findings(para: Paragraph, match: re.Match[str]) -> list[Befund]:
    """The quotes of one tag, and the syntax error that remains once they are straightened."""
    tag = match.group()
    if not has_quotes(tag):
        return []
    found = "".join(dict.fromkeys(ch for ch in tag if ch in QUOTES))  # in order of appearance
    findings = [finding("anfuehrungszeichen",
                        f"Typografische Anführungszeichen {found} im Platzhalter {tag}: Word hat sie beim Tippen "
                        "eingesetzt, Jinja versteht aber nur gerade Anführungszeichen (\" oder '). Beheben mit "
                        "kim-docs templates lint --fix-quotes DATEI (oder in Word: Autokorrektur › "
                        "„Gerade Anführungszeichen durch typografische ersetzen“ ausschalten und neu tippen).",
                        para.location(match.span()))]
    return findings + syntax_of_tag(para, match, straighten(tag))


def fix_quotes(path: Path) -> int:
    """Straighten typographic quotes inside tags, in place and atomically; returns how many."""
    from ...files import write_atomic

    doc = read_docx(path)
    count, changed = 0, set()
    for para in doc.paragraphs:
        for match in para.tags():
            for node in para.nodes_in(*match.span()):
                n = _straighten_node(node, dict(para.nodes)[node], match.span())
                if n:
                    count += n
                    changed.add(para.part)
    if count:
        write_atomic(path, doc.to_bytes(changed))
    return count


def _straighten_node(node: Any, offset: int, span: tuple[int, int]) -> int:
    """Straighten the quotes of one w:t node that lie inside the tag at `span` (paragraph offsets)."""
    text = list(node.text or "")
    count = 0
    for i in range(max(0, span[0] - offset), min(len(text), span[1] - offset)):
        if text[i] in QUOTES:
            text[i] = QUOTES[text[i]]
            count += 1
    node.text = "".join(text)
    return count
