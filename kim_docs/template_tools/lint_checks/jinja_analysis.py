"""The template as Jinja will see it: each part patched by docxtpl, parsed, and its variables analysed.

Jinja reports line numbers of the patched XML; each paragraph is put on a line of its
own so that a line number leads back to a paragraph the maintainer can find in Word.
"""
from __future__ import annotations

import re

from ...findings import Befund
from ...templating import make_jinja_env
from ..docx import TAG, Docx, part_prefix, shorten
from ..report import finding
from .quotes import straighten
from .syntax import german_syntax
from .variables import Analyser, Locate, Usage


def _patched_parts(doc: Docx) -> dict[str, str]:
    """The XML of every part with tags as docxtpl prepares it (quotes in tags straightened)."""
    from ..._compat import docx_patcher, patch_xml

    patcher = docx_patcher()  # patch_xml needs no document
    out: dict[str, str] = {}
    for name in doc.roots:
        xml = doc.parts[name].decode("utf-8")
        if "{" not in xml:
            continue
        xml = patch_xml(patcher, xml)
        xml = TAG.sub(lambda m: straighten(m.group()), xml)
        out[name] = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # one paragraph per line, for locations
    return out


def jinja_findings(doc: Docx) -> tuple[list[Befund], Usage]:
    """Syntax errors of whole parts (e.g. a block closed in another cell), then the variable analysis."""
    from jinja2 import TemplateSyntaxError

    env = make_jinja_env()
    findings: list[Befund] = []
    usage = Usage()
    for name, xml in _patched_parts(doc).items():
        lines = xml.splitlines()
        para_of = _locator(doc, name, lines)
        try:
            tree = env.parse(xml)
        except TemplateSyntaxError as exc:
            findings.append(finding("syntax", f"Jinja-Syntaxfehler: {german_syntax(exc.message)}",
                                    para_of(exc.lineno, "")))
            continue
        analyser = Analyser(para_of, env)
        analyser.walk(tree, {})
        findings += analyser.findings
        usage.printed |= analyser.usage.printed
        usage.loops |= analyser.usage.loops
    return findings, usage


def _locator(doc: Docx, part: str, lines: list[str]) -> Locate:
    """lineno of the patched XML (+ the expression as written) → the paragraph's location text."""
    paras = [p for p in doc.paragraphs if p.part == part]

    def locate(lineno: int | None, written: str) -> str:
        line = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip() if lineno and 0 < lineno <= len(lines) else ""
        if written:
            pattern = re.compile(r"(?<![\w.])" + r"\s*\.\s*".join(map(re.escape, written.split("."))) + r"(?!\w)")
            hits = [(p, m) for p in paras for t in p.tags() for m in [pattern.search(t.group())] if m]
            best = [(p, m) for p, m in hits if p.text and p.text in line] or hits
            if best:
                return best[0][0].location(best[0][1].span())
        prefix = part_prefix(part)
        return f"{prefix}Absatz „{shorten(line)}“" if line else f"{prefix}Vorlage"

    return locate

