"""Tags in the Word text: each closed within its paragraph, every block opened and closed in order.

Per tag, the quote, split-tag and single-tag syntax checks run here too, so the findings
come in the order of the document.
"""
from __future__ import annotations

import re

from ...findings import Befund
from ..docx import CLOSE, OPEN, TAG, Docx, Paragraph
from ..report import finding
from .quotes import has_quotes, quote_findings
from .split_tags import split_tag_findings
from .syntax import syntax_of_tag


def tag_findings(doc: Docx) -> list[Befund]:
    """Everything wrong with the tags as typed in Word, paragraph by paragraph, then the blocks."""
    findings: list[Befund] = []
    for para in doc.paragraphs:
        findings += _unclosed(para)
        for match in para.tags():
            findings += quote_findings(para, match)
            findings += split_tag_findings(para, match)
            if not has_quotes(match.group()):  # else quote_findings checked it, quotes straightened
                findings += syntax_of_tag(para, match, match.group())
    return findings + _block_findings(doc)


#: The block tags and what closes them.
_BLOCKS = {"for": "endfor", "if": "endif"}


def _block_findings(doc: Docx) -> list[Befund]:
    """Every {% for %} / {% if %} closed in order, part by part; named where it opens or strays."""
    findings: list[Befund] = []
    for part in doc.roots:
        stack: list[tuple[str, Paragraph, re.Match[str]]] = []
        for para in (p for p in doc.paragraphs if p.part == part):
            for match in para.tags():
                word = _block_word(match.group())
                if word in _BLOCKS:
                    stack.append((word, para, match))
                elif word in _BLOCKS.values():
                    if stack and _BLOCKS[stack[-1][0]] == word:
                        stack.pop()
                    else:
                        expected = f"; erwartet war {{% {_BLOCKS[stack[-1][0]]} %}}" if stack else ""
                        findings.append(finding("syntax", f"{match.group()} ohne passendes "
                                                          f"{{% {word[3:]} … %}}{expected}",
                                                para.location(match.span())))
        findings += [finding("syntax", f"{m.group()} wird nicht geschlossen: es fehlt {{%{_prefix(m.group())} "
                                       f"{_BLOCKS[w]} %}}", para.location(m.span())) for w, para, m in stack]
    return findings


def _block_word(tag: str) -> str:
    """'for' for '{%tr for x in y %}'; '' for a print tag."""
    if not tag.startswith("{%"):
        return ""
    words = re.sub(r"^(p|tr|tc|r)\s", "", tag[2:-2].strip("-")).split()
    return words[0] if words else ""


def _prefix(tag: str) -> str:
    """docxtpl's 'p', 'tr', 'tc' or 'r' after '{%', so the missing end tag is named as it must be typed."""
    match = re.match(r"\{%-?(p|tr|tc|r)\s", tag)
    return match.group(1) if match else ""


def _unclosed(para: Paragraph) -> list[Befund]:
    rest = TAG.sub("", para.text)
    if OPEN.search(rest):
        return [finding("syntax", "Platzhalter nicht geschlossen (es fehlt }} oder %}); steht der Rest nach "
                                  "einem Absatzwechsel im nächsten Absatz? Der Platzhalter muss in einem Absatz "
                                  "stehen.", para.location())]
    if CLOSE.search(rest):
        return [finding("syntax", "Platzhalter-Ende }} oder %} ohne Anfang; ist der Anfang durch einen "
                                  "Absatzwechsel in den vorigen Absatz geraten?", para.location())]
    return []

