"""A DOCX template as its maintainer sees it: parts, paragraphs and table cells, tags in the text.

Word splits a paragraph's text over many runs; `Paragraph` joins it again and remembers
which w:t node holds which characters, so a finding can name the paragraph by its text
and a fix can change the right node.
"""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import KimDocsError, RenderError
from ..kinds import KEYS
from ..templating import _PART, find_template

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
#: The document kinds, and the template file of each.
KINDS = KEYS
TEMPLATE_NAMES = tuple(f"{k}.docx" for k in KINDS)

#: A Jinja tag, an opening and a closing of one (in the joined text of a paragraph).
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
OPEN = re.compile(r"\{\{|\{%|\{#")
CLOSE = re.compile(r"\}\}|%\}|#\}")
_PART_LABELS = {"header": "Kopfzeile", "footer": "Fußzeile", "footnotes": "Fußnote", "endnotes": "Endnote"}


def local_name(element: Any) -> str:
    """'p' for a {…/main}p element (comments and processing instructions: their tag as text)."""
    tag = element.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def shorten(text: str, focus: tuple[int, int] | None = None, width: int = 80) -> str:
    """Text for a message; a long paragraph is cut around `focus` (the tag in question)."""
    if len(text) <= width:
        return text.strip()
    start = 0 if focus is None else max(0, min(focus[0] - 20, len(text) - width))
    cut = text[start:start + width].strip()
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


def part_prefix(part: str) -> str:
    """'Kopfzeile: ' for word/header2.xml; '' for the body."""
    kind = re.sub(r"\d+$", "", part.removeprefix("word/").removesuffix(".xml"))
    return f"{_PART_LABELS[kind]}: " if kind in _PART_LABELS else ""


@dataclass
class Paragraph:
    """A paragraph of the template as the maintainer sees it: its text and its text nodes."""

    part: str
    element: Any
    text: str
    nodes: list[tuple[Any, int]]  # (w:t element, offset of its text in `text`)
    cell: bool
    previous: str = ""  # text of the paragraph before, to locate an empty one

    def location(self, focus: tuple[int, int] | None = None) -> str:
        prefix = part_prefix(self.part)
        label = "Tabellenzelle" if self.cell else "Absatz"
        if self.text.strip():
            return f"{prefix}{label} „{shorten(self.text, focus)}“"
        deleted = "".join(t.text or "" for t in self.element.iter(f"{W}delText"))
        if deleted.strip():
            return f"{prefix}{label} mit gelöschtem Text „{shorten(deleted)}“"
        return f"{prefix}leerer {label} nach „{shorten(self.previous)}“"

    def tags(self) -> list[re.Match[str]]:
        return list(TAG.finditer(self.text))

    def nodes_in(self, start: int, end: int) -> list[Any]:
        return [t for t, off in self.nodes if off < end and off + len(t.text or "") > start]


class Docx:
    """The parts of a DOCX, the XML trees of the parts that may hold tags, their paragraphs."""

    def __init__(self, raw: bytes, name: str) -> None:
        from lxml import etree

        self.name = name
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                self.infos = archive.infolist()
                self.parts = {i.filename: archive.read(i) for i in self.infos}
        except zipfile.BadZipFile:
            raise RenderError("ist keine DOCX-Datei (kein gültiges ZIP-Archiv)", datei=name) from None
        if "word/document.xml" not in self.parts:
            raise RenderError("ist keine Word-Datei (word/document.xml fehlt)", datei=name)
        try:
            self.roots = {n: etree.fromstring(d) for n, d in self.parts.items() if _PART.match(n)}
        except etree.XMLSyntaxError as exc:
            raise RenderError(f"Word-XML ist beschädigt ({exc})", datei=name) from None
        self.paragraphs = [p for n in sorted(self.roots, key=_part_order) for p in _paragraphs(n, self.roots[n])]

    def version(self) -> str:
        from lxml import etree

        core = self.parts.get("docProps/core.xml")
        if not core:
            return ""
        node = etree.fromstring(core).find(f"{_CORE}version")
        return (node.text or "").strip() if node is not None else ""

    def to_bytes(self, changed: Iterable[str] = ()) -> bytes:
        """The DOCX again, the parts named in `changed` serialized from their trees."""
        from lxml import etree

        changed = set(changed)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in self.infos:
                data = self.parts[info.filename]
                if info.filename in changed:
                    data = etree.tostring(self.roots[info.filename], xml_declaration=True, encoding="UTF-8",
                                          standalone=True)
                archive.writestr(info, data)
        return out.getvalue()


def _part_order(name: str) -> tuple[int, str]:
    return (0 if "header" in name else 1 if name == "word/document.xml" else 2, name)


def _paragraphs(part: str, root: Any) -> list[Paragraph]:
    found: list[Paragraph] = []
    previous = ""
    for p in root.iter(f"{W}p"):
        nodes, offset = [], 0
        for t in p.iter(f"{W}t"):
            if owner_paragraph(t) is p:  # a text box inside the paragraph has paragraphs of its own
                nodes.append((t, offset))
                offset += len(t.text or "")
        text = "".join(t.text or "" for t, _ in nodes)
        cell = any(local_name(a) == "tc" for a in p.iterancestors())
        found.append(Paragraph(part, p, text, nodes, cell, previous))
        previous = text or previous
    return found


def owner_paragraph(node: Any) -> Any:
    """The innermost w:p around `node`: a text box's paragraph, not the one holding the box."""
    for ancestor in node.iterancestors(f"{W}p"):
        return ancestor
    return None


def read_docx(path: Path) -> Docx:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KimDocsError(f"Datei nicht lesbar ({exc.strerror})", datei=str(path)) from None
    return Docx(raw, str(path))


def guess_kind(path: Path) -> str | None:
    """The document kind from a file name: 'mein-bescheid-v2.docx' → 'bescheid'."""
    stem = path.stem.lower()
    matches = [k for k in KINDS if k in stem]
    return max(matches, key=len) if matches else None


def templates_in_use(templates_dir: Path | None = None) -> list[Path]:
    """The four templates `kim-docs render` would use (option, environment, shipped)."""
    return [find_template(name, templates_dir) for name in TEMPLATE_NAMES]

