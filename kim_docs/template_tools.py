"""Tools for template maintainers: lint, variable catalogue, preview and wording diff.

Maintainers edit the DOCX templates in Word or LibreOffice. These functions find what
such editing breaks before a clerk issues a document: Jinja syntax (typographic quotes
typed by Word), tags that Word split in ways docxtpl cannot rejoin, tracked changes and
comments left in the file, unknown variables, and a Bescheid that lost a mandatory
clause. Every finding names the paragraph or table cell by its text, never an XML line.
This module only returns data; `cli_templates` prints.
"""
from __future__ import annotations

import difflib
import html
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .context import CATALOGUE, DOKUMENTE, FILTERS, build_context, flatten
from .errors import ConversionError, KimDocsError, RenderError
from .kinds import KEYS
from .resources import shipped
from .templating import _PART, CompiledTemplate, docx_paragraphs, find_template, make_jinja_env

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
KINDS = KEYS
TEMPLATE_NAMES = tuple(f"{k}.docx" for k in KINDS)
SAMPLES = shipped("samples")
#: The sample whose values the catalogue shows first (the specification's main example).
MAIN_SAMPLE = "kreis-musterland-2025.yaml"

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_OPEN = re.compile(r"\{\{|\{%|\{#")
_CLOSE = re.compile(r"\}\}|%\}|#\}")
#: Word's automatic quotes and their straight equivalents.
_QUOTES = {"„": '"', "“": '"', "”": '"', "‟": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'", "‛": "'"}
_REVISIONS = ("ins", "del", "moveFrom", "moveTo")
_FORMAT_REVISIONS = ("rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange",
                     "tblGridChange", "numberingChange")
_PART_LABELS = {"header": "Kopfzeile", "footer": "Fußzeile", "footnotes": "Fußnote", "endnotes": "Endnote"}
#: Findings of these kinds make a sample rendering pointless (it would only repeat them).
_BLOCKING = {"syntax", "anfuehrungszeichen", "geteilt", "variable", "schleife", "filter", "aenderung_im_platzhalter",
             "datei"}


@dataclass(frozen=True)
class Finding:
    """One problem of a template: kind, German message, where (paragraph text), severity."""

    art: str
    meldung: str
    ort: str = ""
    schwere: str = "fehler"  # or "warnung" (shown, does not fail the lint)

    def as_dict(self) -> dict[str, str]:
        return {"art": self.art, "schwere": self.schwere, "ort": self.ort, "meldung": self.meldung}


@dataclass
class LintReport:
    path: Path
    version: str
    dokument: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def fehler(self) -> list[Finding]:
        return [f for f in self.findings if f.schwere == "fehler"]

    @property
    def ok(self) -> bool:
        return not self.fehler

    def as_dict(self) -> dict[str, Any]:
        return {"vorlage": str(self.path), "version": self.version, "dokument": self.dokument, "ok": self.ok,
                "befunde": [f.as_dict() for f in self.findings]}


# --- reading a DOCX ------------------------------------------------------------------------

def _local(element: Any) -> str:
    tag = element.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def _shorten(text: str, focus: tuple[int, int] | None = None, width: int = 80) -> str:
    """Text for a message; a long paragraph is cut around `focus` (the tag in question)."""
    if len(text) <= width:
        return text.strip()
    start = 0 if focus is None else max(0, min(focus[0] - 20, len(text) - width))
    cut = text[start:start + width].strip()
    return ("…" if start else "") + cut + ("…" if start + width < len(text) else "")


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
        kind = re.sub(r"\d+$", "", self.part.removeprefix("word/").removesuffix(".xml"))
        prefix = f"{_PART_LABELS[kind]}: " if kind in _PART_LABELS else ""
        label = "Tabellenzelle" if self.cell else "Absatz"
        if self.text.strip():
            return f"{prefix}{label} „{_shorten(self.text, focus)}“"
        deleted = "".join(t.text or "" for t in self.element.iter(f"{W}delText"))
        if deleted.strip():
            return f"{prefix}{label} mit gelöschtem Text „{_shorten(deleted)}“"
        return f"{prefix}leerer {label} nach „{_shorten(self.previous)}“"

    def tags(self) -> list[re.Match[str]]:
        return list(_TAG.finditer(self.text))

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
            if _owner(t) is p:  # a text box inside the paragraph has paragraphs of its own
                nodes.append((t, offset))
                offset += len(t.text or "")
        text = "".join(t.text or "" for t, _ in nodes)
        cell = any(_local(a) == "tc" for a in p.iterancestors())
        found.append(Paragraph(part, p, text, nodes, cell, previous))
        previous = text or previous
    return found


def _owner(node: Any) -> Any:
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


# --- tags in the Word text ---------------------------------------------------------------

def _tag_findings(doc: Docx) -> list[Finding]:
    findings: list[Finding] = []
    for para in doc.paragraphs:
        findings += _unclosed(para)
        for match in para.tags():
            findings += _quote_findings(para, match)
            findings += _split_findings(para, match)
            if not _has_quotes(match.group()):
                findings += _syntax_of_tag(para, match, match.group())
    return findings + _block_findings(doc)


_BLOCKS = {"for": "endfor", "if": "endif"}


def _block_findings(doc: Docx) -> list[Finding]:
    """Every {% for %} / {% if %} closed in order, part by part; named where it opens or strays."""
    findings: list[Finding] = []
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
                        findings.append(Finding("syntax", f"{match.group()} ohne passendes "
                                                          f"{{% {word[3:]} … %}}{expected}",
                                                para.location(match.span())))
        findings += [Finding("syntax", f"{m.group()} wird nicht geschlossen: es fehlt {{%{_prefix(m.group())} "
                                       f"{_BLOCKS[w]} %}}", para.location(m.span())) for w, para, m in stack]
    return findings


def _block_word(tag: str) -> str:
    if not tag.startswith("{%"):
        return ""
    words = re.sub(r"^(p|tr|tc|r)\s", "", tag[2:-2].strip("-")).split()
    return words[0] if words else ""


def _prefix(tag: str) -> str:
    match = re.match(r"\{%-?(p|tr|tc|r)\s", tag)
    return match.group(1) if match else ""


def _unclosed(para: Paragraph) -> list[Finding]:
    rest = _TAG.sub("", para.text)
    if _OPEN.search(rest):
        return [Finding("syntax", "Platzhalter nicht geschlossen (es fehlt }} oder %}); steht der Rest nach "
                                  "einem Absatzwechsel im nächsten Absatz? Der Platzhalter muss in einem Absatz "
                                  "stehen.", para.location())]
    if _CLOSE.search(rest):
        return [Finding("syntax", "Platzhalter-Ende }} oder %} ohne Anfang; ist der Anfang durch einen "
                                  "Absatzwechsel in den vorigen Absatz geraten?", para.location())]
    return []


def _has_quotes(text: str) -> bool:
    return any(q in text for q in _QUOTES)


def straighten(text: str) -> str:
    return "".join(_QUOTES.get(ch, ch) for ch in text)


def _quote_findings(para: Paragraph, match: re.Match[str]) -> list[Finding]:
    tag = match.group()
    if not _has_quotes(tag):
        return []
    found = "".join(dict.fromkeys(ch for ch in tag if ch in _QUOTES))  # in order of appearance
    findings = [Finding("anfuehrungszeichen",
                        f"Typografische Anführungszeichen {found} im Platzhalter {tag}: Word hat sie beim Tippen "
                        "eingesetzt, Jinja versteht aber nur gerade Anführungszeichen (\" oder '). Beheben mit "
                        "kim-docs templates lint --fix-quotes DATEI (oder in Word: Autokorrektur › "
                        "„Gerade Anführungszeichen durch typografische ersetzen“ ausschalten und neu tippen).",
                        para.location(match.span()))]
    return findings + _syntax_of_tag(para, match, straighten(tag))


def _syntax_of_tag(para: Paragraph, match: re.Match[str], tag: str) -> list[Finding]:
    source = _standalone(tag)
    if source is None:
        return []
    from jinja2 import TemplateSyntaxError

    try:
        make_jinja_env().parse(source)
    except TemplateSyntaxError as exc:
        return [Finding("syntax", f"Jinja-Syntaxfehler im Platzhalter {tag}: {_german_syntax(exc.message)}",
                        para.location(match.span()))]
    return []


def _standalone(tag: str) -> str | None:
    """The tag as a template of its own (block tags closed), to check it alone; None: not checkable alone."""
    inner = re.sub(r"^(p|tr|tc|r)\s", "", tag[2:-2].strip("-")).strip(" -")
    if tag.startswith("{{"):
        return "{{ " + inner + " }}"
    if not tag.startswith("{%") or not inner:
        return None
    word = inner.split()[0]
    closing = {"for": "{% endfor %}", "if": "{% endif %}"}
    if word in closing:
        return "{% " + inner + " %}" + closing[word]
    if word == "elif":
        return "{% if true %}{% " + inner + " %}{% endif %}"
    if word == "set" and "=" in inner:
        return "{% " + inner + " %}"
    return None


def _german_syntax(message: str | None) -> str:
    text = message or "unbekannter Fehler"
    for english, german in (("unexpected char", "unerwartetes Zeichen"), ("unexpected end of template",
                                                                             "unerwartetes Ende"),
                            ("expected token", "erwartet wurde"), ("Unexpected end of template",
                                                                   "unerwartetes Ende der Vorlage"),
                            ("Encountered unknown tag", "unbekanntes Tag"), ("unexpected", "unerwartet")):
        text = text.replace(english, german)
    return text


def _split_findings(para: Paragraph, match: re.Match[str]) -> list[Finding]:
    """docxtpl deletes the XML between the first and last text node of a tag; it must be balanced."""
    nodes = para.nodes_in(*match.span())
    if len(nodes) < 2:
        return _revision_in_tag(para, match, nodes)
    first, last = nodes[0], nodes[-1]
    revisions = _revision_in_tag(para, match, nodes)
    if revisions:
        return revisions
    if _chain(first, last) != _chain(last, first):
        return [Finding("geteilt", f"Platzhalter {match.group()} ist in Word auf verschiedene Elemente verteilt "
                                   "(z. B. Hyperlink, Feld oder Inhaltssteuerelement), die docxtpl nicht "
                                   "zusammenfügen kann: Platzhalter löschen und in einem Zug neu tippen "
                                   "(ohne Formatwechsel).", para.location(match.span()))]
    findings = []
    if any(_local(e) == "proofErr" for e in _between(first, last)):
        findings.append(Finding("rechtschreibung", f"Rechtschreibprüfung (w:proofErr) unterbricht den Platzhalter "
                                                   f"{match.group()}; docxtpl fügt ihn wieder zusammen. Sauberer: "
                                                   "Platzhalter als „Nicht prüfen“ markieren.",
                                para.location(match.span()), "warnung"))
    return findings


def _chain(node: Any, other: Any) -> list[str]:
    """Element names from `node` up to (not including) the common ancestor with `other`."""
    theirs = set(other.iterancestors())
    names = []
    for ancestor in node.iterancestors():
        if ancestor in theirs:
            break
        names.append(_local(ancestor))
    return names


def _between(first: Any, last: Any) -> list[Any]:
    """Every element after `first` and before `last` in document order (inside one paragraph)."""
    out, started = [], False
    for element in _owner(first).iter():
        if element is first:
            started = True
        elif element is last:
            break
        elif started:
            out.append(element)
    return out


def _revision_in_tag(para: Paragraph, match: re.Match[str], nodes: list[Any]) -> list[Finding]:
    inside = {_local(a) for t in nodes for a in t.iterancestors() if _local(a) in _REVISIONS}
    if len(nodes) >= 2:
        inside |= {_local(e) for e in _between(nodes[0], nodes[-1]) if _local(e) in _REVISIONS}
    if not inside:
        return []
    return [Finding("aenderung_im_platzhalter", f"Nachverfolgte Änderung im Platzhalter {match.group()}: Änderung "
                                                "annehmen oder ablehnen, bevor die Vorlage verwendet wird (docxtpl "
                                                "würde sonst ein beschädigtes oder falsches Dokument erzeugen).",
                    para.location(match.span()))]


# --- tracked changes and comments ------------------------------------------------------------

def _revision_findings(doc: Docx) -> list[Finding]:
    findings = []
    for para in doc.paragraphs:
        kinds = {_local(e) for e in para.element.iter() if _local(e) in _REVISIONS + _FORMAT_REVISIONS
                 and _owner(e) is para.element}
        if not kinds:
            continue
        inserted = "".join(t.text or "" for t in para.element.iter(f"{W}t")
                           if any(_local(a) in ("ins", "moveTo") for a in t.iterancestors()))
        deleted = "".join(t.text or "" for t in para.element.iter(f"{W}delText"))
        what = [f"eingefügt „{_shorten(inserted, width=50)}“" if inserted else "",
                f"gelöscht „{_shorten(deleted, width=50)}“" if deleted else "",
                "Formatierung geändert" if kinds & set(_FORMAT_REVISIONS) else ""]
        details = ", ".join(w for w in what if w) or "Absatzmarke"
        findings.append(Finding("aenderung", f"Nachverfolgte Änderung nicht angenommen ({details}): "
                                             "in Word Überprüfen › Annehmen/Ablehnen, in LibreOffice Bearbeiten › "
                                             "Änderungen verfolgen › Verwalten.", para.location()))
    return findings + _tracking_on(doc)


def _tracking_on(doc: Docx) -> list[Finding]:
    settings = doc.parts.get("word/settings.xml", b"")
    if b"trackRevisions" in settings and not re.search(rb'<w:trackRevisions w:val="(false|0|off)"', settings):
        return [Finding("aenderung", "Änderungen nachverfolgen ist eingeschaltet; vor der Freigabe ausschalten.",
                        "Dokumenteinstellungen", "warnung")]
    return []


def _comment_findings(doc: Docx) -> list[Finding]:
    from lxml import etree

    data = doc.parts.get("word/comments.xml")
    if not data:
        return []
    anchors = {}
    for para in doc.paragraphs:
        for e in para.element.iter(f"{W}commentRangeStart", f"{W}commentReference"):
            anchors.setdefault(e.get(f"{W}id"), para)
    findings = []
    for comment in etree.fromstring(data).iter(f"{W}comment"):
        text = " ".join("".join(t.text or "" for t in comment.iter(f"{W}t")).split())
        author = comment.get(f"{W}author") or "unbekannt"
        para = anchors.get(comment.get(f"{W}id"))
        findings.append(Finding("kommentar", f"Kommentar von {author} noch in der Vorlage: „{_shorten(text, width=60)}“"
                                             " – vor der Freigabe löschen (er stünde sonst im Dokument).",
                                para.location() if para else "Kommentar ohne Textstelle"))
    return findings


# --- Jinja: syntax of the whole template, variables, loops, filters ---------------------------

def _names() -> tuple[dict[str, str], set[str]]:
    """Catalogue names → typ, and the groups (prefixes such as 'antragsteller.anschrift', 'stellen[]')."""
    types = {v.name: v.typ for v in CATALOGUE}
    lists = [n for n, t in types.items() if t == "Liste"]
    # an entry of a list of plain texts (dokument.befunde) is a value of its own
    types.update({f"{n}[]": "Text" for n in lists if not any(m.startswith(f"{n}[].") for m in types)})
    groups = set()
    for name in types:
        for match in re.finditer(r"\.|\[\]", name):
            groups.add(name[:match.end()] if match.group() == "[]" else name[:match.start()])
    return types, groups - set(types)


@dataclass
class _Usage:
    """What a template part prints and loops over, by catalogue name."""

    printed: set[str] = field(default_factory=set)
    loops: set[str] = field(default_factory=set)


class _Analyser:
    """Walks the Jinja syntax tree of one XML part and resolves every variable to a catalogue name."""

    def __init__(self, para_of: Any, env: Any) -> None:
        self.types, self.groups = _names()
        self.env = env
        self.para_of = para_of  # (lineno, written expression) → location text
        self.findings: list[Finding] = []
        self.usage = _Usage()

    def walk(self, node: Any, scope: dict[str, str | None], printed: bool = False) -> None:
        from jinja2 import nodes

        if isinstance(node, nodes.For):
            return self._for(node, scope)
        if isinstance(node, nodes.Assign):
            self.walk(node.node, scope)
            scope.update({n.name: None for n in node.target.find_all(nodes.Name)})
            return None
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            inner = {**scope, **{a.name: None for a in node.args}}
            for child in node.body:
                self.walk(child, inner)
            return None
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                self.walk(child, scope, printed=True)
            return None
        if isinstance(node, (nodes.Filter, nodes.Test)):
            self._filter_or_test(node)
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            self._expr(node.node.node, scope, printed, method=True)  # x.items(): a method, not a variable
            for child in list(node.args) + list(node.kwargs):
                self.walk(child, scope, printed)
            return None
        if isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            return self._expr(node, scope, printed)
        for child in node.iter_child_nodes():
            self.walk(child, scope, printed)
        return None

    def _filter_or_test(self, node: Any) -> None:
        from jinja2 import nodes

        known = self.env.filters if isinstance(node, nodes.Filter) else self.env.tests
        if node.name not in known:
            what = "Filter" if isinstance(node, nodes.Filter) else "Test"
            self.findings.append(Finding("filter", f"unbekannter {what} „{node.name}“; erlaubt sind "
                                                   f"{', '.join(sorted(FILTERS))} und die Jinja-Filter "
                                                   "(siehe kim-docs templates variables)",
                                         self.para_of(node.lineno, node.name)))

    def _for(self, node: Any, scope: dict[str, str | None]) -> None:
        from jinja2 import nodes

        base = node.iter.node if isinstance(node.iter, nodes.Filter) else node.iter
        name = self._expr(base, scope, loop=True)
        if isinstance(node.iter, nodes.Filter):
            self.walk(node.iter, scope)
            keeps_items = node.iter.name in ("selectattr", "rejectattr", "sort", "reverse", "list", "unique")
            name = name if keeps_items else None
        inner = dict(scope, loop="loop")
        targets = list(node.target.find_all(nodes.Name)) if not isinstance(node.target, nodes.Name) else [node.target]
        for target in targets:
            inner[target.name] = f"{name}[]" if name and isinstance(node.target, nodes.Name) else None
        for child in ([node.test] if node.test else []) + node.body:
            self.walk(child, inner)
        for child in node.else_:
            self.walk(child, scope)

    def _expr(self, node: Any, scope: dict[str, str | None], printed: bool = False, loop: bool = False,
              method: bool = False) -> str | None:
        """Check a variable chain; returns its catalogue name (None: not a catalogue variable)."""
        chain = _chain_of(node)
        if chain is None:
            for child in node.iter_child_nodes():
                self.walk(child, scope, printed)
            return None
        base, attrs, dynamic = chain
        for child in dynamic:
            self.walk(child, scope)
        written = ".".join([base.name] + [a for a in attrs if a != "[]"])
        if base.name in scope:
            prefix = scope[base.name]
            if prefix is None or prefix == "loop":
                return None
        elif base.name in self.env.globals:
            return None
        else:
            prefix = base.name
        full = prefix + "".join(a if a == "[]" else f".{a}" for a in attrs)
        if method and full in self.types:
            return full
        alias = (prefix, base.name) if prefix != base.name else None
        return self._check(full, written, node.lineno, printed, loop, alias)

    def _check(self, full: str, written: str, lineno: int, printed: bool, loop: bool,
               alias: tuple[str, str] | None = None) -> str | None:
        where = self.para_of(lineno, written)
        shown = written if written == full else f"{written} (= {full})"
        typ = self.types.get(full)
        if typ is None and full not in self.groups:
            self.findings.append(Finding("variable", self._unknown(full, shown, alias), where))
            return None
        if loop:
            self.usage.loops.add(full)
            if typ != "Liste":
                what = f"Typ {typ}" if typ else "eine Gruppe von Angaben"
                self.findings.append(Finding("schleife", f"Schleife über „{shown}“, das ist keine Liste ({what}); "
                                                         "Schleifen gehen nur über Variablen vom Typ Liste.", where))
                return None  # its loop variable is then unknown, not wrong a second time
            return full
        if printed:
            self.usage.printed.add(full)
            if typ is None:
                example = next(n for n in self.types if n.startswith(full))
                self.findings.append(Finding("variable", f"„{shown}“ ist eine Gruppe von Angaben, kein einzelner "
                                                         f"Wert; gemeint ist z. B. {example}", where))
        return full

    def _unknown(self, full: str, shown: str, alias: tuple[str, str] | None) -> str:
        message = f"unbekannte Variable „{shown}“: der Kontext stellt sie nicht bereit"
        lists = [n for n, t in self.types.items() if t == "Liste" and full.startswith(n + ".")]
        if lists:
            item = full[len(lists[0]) + 1:]
            return (f"{message}; „{lists[0]}“ ist eine Liste, ihre Einträge gibt es nur in einer Schleife, z. B. "
                    f"{{%p for x in {lists[0]} %}} … {{{{ x.{item} }}}} … {{%p endfor %}}")
        close = difflib.get_close_matches(full, list(self.types), n=1, cutoff=0.75)
        if not close:
            return message + " (siehe kim-docs templates variables)"
        guess = close[0]
        if alias and guess.startswith(alias[0] + "."):  # in the loop variable's spelling: s.nr, not stellen[].nr
            guess = alias[1] + guess[len(alias[0]):]
        return f"{message}; meinten Sie „{guess}“?"


def _chain_of(node: Any) -> tuple[Any, list[str], list[Any]] | None:
    """(Name, ['anschrift', 'ort'], dynamic index nodes) for antragsteller.anschrift.ort; None if no chain."""
    from jinja2 import nodes

    attrs: list[str] = []
    dynamic: list[Any] = []
    while True:
        if isinstance(node, nodes.Getattr):
            attrs.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                attrs.append(arg.value)
            else:
                attrs.append("[]")  # stellen[0], stellen[i]: an item of the list
                dynamic.append(arg)
            node = node.node
        elif isinstance(node, nodes.Name):
            return node, attrs[::-1], dynamic
        else:
            return None


def _patched_parts(doc: Docx) -> dict[str, str]:
    """The XML of every part with tags as docxtpl prepares it (quotes in tags straightened)."""
    from docxtpl import DocxTemplate

    patcher = DocxTemplate(io.BytesIO(b""))  # patch_xml needs no document
    out = {}
    for name in doc.roots:
        xml = doc.parts[name].decode("utf-8")
        if "{" not in xml:
            continue
        xml = patcher.patch_xml(xml)
        xml = _TAG.sub(lambda m: straighten(m.group()), xml)
        out[name] = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # one paragraph per line, for locations
    return out


def _jinja_findings(doc: Docx) -> tuple[list[Finding], _Usage]:
    from jinja2 import TemplateSyntaxError

    env = make_jinja_env()
    findings: list[Finding] = []
    usage = _Usage()
    for name, xml in _patched_parts(doc).items():
        lines = xml.splitlines()
        para_of = _locator(doc, name, lines)
        try:
            tree = env.parse(xml)
        except TemplateSyntaxError as exc:
            findings.append(Finding("syntax", f"Jinja-Syntaxfehler: {_german_syntax(exc.message)}",
                                    para_of(exc.lineno, "")))
            continue
        analyser = _Analyser(para_of, env)
        analyser.walk(tree, {})
        findings += analyser.findings
        usage.printed |= analyser.usage.printed
        usage.loops |= analyser.usage.loops
    return findings, usage


def _locator(doc: Docx, part: str, lines: list[str]) -> Any:
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
        kind = re.sub(r"\d+$", "", part.removeprefix("word/").removesuffix(".xml"))
        prefix = f"{_PART_LABELS[kind]}: " if kind in _PART_LABELS else ""
        return f"{prefix}Absatz „{_shorten(line)}“" if line else f"{prefix}Vorlage"

    return locate


# --- the Bescheid's mandatory clauses -------------------------------------------------------

_CLAUSES = (
    ("Auflagen a)–e)", ("auflagen",), ("auflagen[].buchstabe", "auflagen[].text"),
     "die Schleife {%p for a in auflagen %} … {{ a.buchstabe }}) {{ a.text }} … {%p endfor %}", "Nr. 6 der Richtlinie"),
    ("ANBest-G-Satz", (), ("klauseln.anbest",), "{{ klauseln.anbest }}", "Nr. 7.3 der Richtlinie"),
    ("Rechtsbehelfsbelehrung", (), ("klauseln.rechtsbehelf",), "{{ klauseln.rechtsbehelf }}",
     "sonst gilt die Klagefrist von einem Jahr, § 58 VwGO"),
)


def _static_clause_findings(doc: Docx, usage: _Usage) -> list[Finding]:
    findings = []
    for label, loops, printed, block, why in _CLAUSES:
        if set(loops) <= usage.loops and set(printed) <= usage.printed:
            continue
        findings.append(Finding("pflichtklausel", f"Pflichtklausel {label} fehlt oder ist verändert: der Bescheid "
                                                  f"muss {block} enthalten ({why})", _anchor(doc, label)))
    return findings


def _clause_anchor(doc: Docx, message: str) -> str:
    labels = [label for label, key in (("Auflagen a)–e)", "Auflage"), ("ANBest-G-Satz", "ANBest"),
                                       ("Rechtsbehelfsbelehrung", "Rechtsbehelf")) if key in message.split(";")[0]]
    return _anchor(doc, labels[0]) if labels else ""


def _anchor(doc: Docx, label: str) -> str:
    """Where a missing clause belonged: the paragraph that still mentions it, if any."""
    words = {"Auflagen a)–e)": ("auflagen", "Auflage", "Nebenbestimmungen"), "ANBest-G-Satz": ("anbest", "ANBest"),
             "Rechtsbehelfsbelehrung": ("rechtsbehelf", "Rechtsbehelf")}[label]
    for word in words:
        for para in doc.paragraphs:
            if word in para.text:
                return f"bei {para.location()}"
    return "im ganzen Dokument nicht gefunden"


# --- rendering with the samples ---------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    path: Path
    ergebnis: Any

    @property
    def name(self) -> str:
        return self.path.name

    def context(self, kind: str) -> dict[str, Any]:
        from .reference import load_referenz

        e = self.ergebnis
        return build_context(e.fall, e.regelwerk, e.berechnung, load_referenz(), kind, befunde=e.befunde,
                             entwurf=e.hat_fehler)

    def has(self, kind: str) -> bool:
        from .render import available

        return self.ergebnis.berechnung is not None and available(self.ergebnis, kind)


def sample_files(samples_dir: Path = SAMPLES) -> list[Path]:
    """The sample cases, the main example first."""
    files = sorted(p for p in samples_dir.glob("*.y*ml") if p.is_file())
    return sorted(files, key=lambda p: p.name != MAIN_SAMPLE)


def load_samples(paths: Iterable[Path], rule_sets: dict[str, Any] | None = None) -> tuple[list[Sample], list[str]]:
    """Evaluated samples, and a German note for each file that could not be read."""
    from .errors import InputError
    from .evaluate import evaluate
    from .model import load_case

    samples, notes = [], []
    for path in paths:
        try:
            samples.append(Sample(path, evaluate(load_case(path), rule_sets)))
        except InputError as exc:
            notes.append(f"Beispielfall übersprungen: {exc}")
    return samples, notes


@lru_cache(maxsize=4)
def _default_samples(samples_dir: str) -> tuple[Sample, ...]:
    return tuple(load_samples(sample_files(Path(samples_dir)))[0])


def _render_findings(doc: Docx, path: Path, kind: str, samples: Iterable[Sample]) -> list[Finding]:
    """Render with every sample that has the data; group equal problems, naming the samples."""
    try:
        template = CompiledTemplate(path)
    except RenderError as exc:
        return [Finding("syntax", exc.meldung)]
    problems: dict[tuple[str, str, str], list[str]] = {}
    for sample in samples:
        if sample.has(kind):
            for problem in _sample_problems(template, kind, sample.context(kind)):
                problems.setdefault(problem, []).append(sample.name)
    return [Finding(art, f"Beim Probe-Ausfüllen ({_samples_label(names)}): {msg}",
                    ort or (_clause_anchor(doc, msg) if art == "pflichtklausel" else ""))
            for (art, msg, ort), names in problems.items()]


def _sample_problems(template: CompiledTemplate, kind: str, context: dict[str, Any]) -> list[tuple[str, str, str]]:
    from .render import check_clauses

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


def _leftover_tags(paragraphs: list[str], context: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Template syntax still in the rendered text (a tag docxtpl could not handle)."""
    literal = [v for v in flatten(context).values() if isinstance(v, str) and ("{{" in v or "{%" in v)]
    found = []
    for text in paragraphs:
        clean = text
        for value in literal:
            clean = clean.replace(value, "")
        if _OPEN.search(clean):
            found.append(("geteilt", "nicht ersetzter Platzhalter im erzeugten Dokument",
                          f"Absatz „{_shorten(text)}“"))
    return found


# --- lint ---------------------------------------------------------------------------------------

def lint(path: Path, dokument: str | None = None, samples: Iterable[Sample] | None = None) -> LintReport:
    """Every problem of one template. `samples`: evaluated cases to render with (default: samples/)."""
    try:
        doc = read_docx(path)
    except KimDocsError as exc:
        return LintReport(path, "", dokument, [Finding("datei", exc.meldung)])
    kind = dokument or guess_kind(path)
    report = LintReport(path.resolve(), doc.version(), kind)
    report.findings += _tag_findings(doc) + _revision_findings(doc) + _comment_findings(doc)
    if not any(f.art == "syntax" for f in report.findings):
        jinja, usage = _jinja_findings(doc)
        report.findings += [f for f in jinja if f not in report.findings]
        if kind == "bescheid" and not any(f.art == "syntax" for f in jinja):
            report.findings += _static_clause_findings(doc, usage)
    if kind and not any(f.art in _BLOCKING and f.schwere == "fehler" for f in report.findings):
        chosen = _default_samples(str(SAMPLES)) if samples is None else samples
        report.findings += _render_findings(doc, path, kind, chosen)
    return report


def fix_quotes(path: Path) -> int:
    """Straighten typographic quotes inside tags, in place and atomically; returns how many."""
    from .files import write_atomic

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
    text = list(node.text or "")
    count = 0
    for i in range(max(0, span[0] - offset), min(len(text), span[1] - offset)):
        if text[i] in _QUOTES:
            text[i] = _QUOTES[text[i]]
            count += 1
    node.text = "".join(text)
    return count


# --- the variable catalogue ---------------------------------------------------------------------

#: Example inputs of the filters (the catalogue shows what each filter makes of them).
FILTER_EXAMPLES = {"euro": "1234.5", "datum": "2025-01-20", "datum_lang": "2025-01-20", "anteil": "0.5",
                   "in_worten": "300.05"}


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    typ: str
    bedeutung: str
    beispiel: Any  # the value of a sample case (lists: their length)


def variable_catalogue(samples: Iterable[Sample] | None = None) -> list[CatalogueEntry]:
    """Every documented variable with an example from the samples (main sample first)."""
    examples: dict[str, Any] = {}
    for sample in (_default_samples(str(SAMPLES)) if samples is None else samples):
        for kind in KINDS:
            if sample.has(kind):
                _collect(sample.context(kind), "", examples)
    return [CatalogueEntry(v.name, v.typ, v.bedeutung, examples.get(v.name)) for v in CATALOGUE]


def _collect(value: Any, name: str, examples: dict[str, Any]) -> None:
    """Like context.flatten, but every list item is looked at: the first non-empty value wins."""
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{name}.{key}" if name else key, examples)
        return
    if name not in examples or (_empty(examples[name]) and not _empty(value)):
        examples[name] = value
    if isinstance(value, list):
        for item in value:
            _collect(item, f"{name}[]", examples)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def filter_catalogue() -> list[tuple[str, str, str]]:
    """(name, meaning, example 'Eingabe → Ausgabe') of every kim-docs filter."""
    env = make_jinja_env(autoescape=False)
    rows = []
    for name, meaning in FILTERS.items():
        value = FILTER_EXAMPLES.get(name)
        example = f"{value} → {env.from_string('{{ x | ' + name + ' }}').render(x=value)}" if value else ""
        rows.append((name, meaning, example))
    return rows


def example_text(value: Any, width: int = 70) -> str:
    if isinstance(value, bool):
        return "wahr" if value else "falsch"
    if isinstance(value, list):
        return f"{len(value)} Eintr{'ag' if len(value) == 1 else 'äge'}"
    if value is None or value == "":
        return "(leer)"
    return _shorten(" ".join(str(value).split()), width=width)


def catalogue_markdown(entries: list[CatalogueEntry]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["# Variablen und Filter der Vorlagen", "",
             "Erzeugt mit `kim-docs templates variables --format md > docs/variablen.md` aus dem Code",
             "(`kim_docs/context.py`); nicht von Hand ändern. Die Beispiele stammen aus den Beispielfällen",
             f"in `samples/` (zuerst `{MAIN_SAMPLE}`). `[]` steht für einen Eintrag einer Liste:",
             "`stellen[].nr` heißt in der Schleife `{%tr for s in stellen %}` einfach `s.nr`.", "",
             "## Variablen", "", "| Variable | Typ | Bedeutung | Beispiel |", "| --- | --- | --- | --- |"]
    lines += [f"| `{e.name}` | {e.typ} | {cell(e.bedeutung)} | {cell(example_text(e.beispiel))} |" for e in entries]
    lines += ["", "## Filter", "", "Anwendung: `{{ variable | filter }}`. Dazu kommen die eingebauten Filter von Jinja",
              "(z. B. `upper`, `length`, `default`).", "", "| Filter | Bedeutung | Beispiel |", "| --- | --- | --- |"]
    lines += [f"| `{n}` | {cell(m)} | {cell(x)} |" for n, m, x in filter_catalogue()]
    return "\n".join(lines) + "\n"


def catalogue_json(entries: list[CatalogueEntry]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return example_text(value) if isinstance(value, list) else value

    return {"variablen": [{"name": e.name, "typ": e.typ, "bedeutung": e.bedeutung, "beispiel": plain(e.beispiel)}
                          for e in entries],
            "filter": [{"name": n, "bedeutung": m, "beispiel": x} for n, m, x in filter_catalogue()]}


# --- preview ---------------------------------------------------------------------------------------

@dataclass
class Preview:
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
    from .files import write_atomic
    from .render import check_clauses

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
    from .pdf import docx_to_pdf
    from .render import pdf_metadata

    metadata = [pdf_metadata(samples[r.fall].ergebnis, kind, samples[r.fall].context(kind)) for r in made]
    try:
        pdfs = docx_to_pdf([r.docx for r in made], out_dir, metadata, converter=converter)
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


# --- wording diff -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One changed paragraph or clause block; `ops`: (op, old words, new words), op in gleich/ersetzt/entfernt/neu."""

    art: str  # geaendert, neu, entfernt
    ort: str
    alt: str
    neu: str
    ops: tuple[tuple[str, str, str], ...] = ()

    def changed_words(self) -> list[tuple[str, str, str]]:
        return [op for op in self.ops if op[0] != "gleich"]


def word_ops(old: str, new: str) -> tuple[tuple[str, str, str], ...]:
    a, b = old.split(), new.split()
    names = {"equal": "gleich", "replace": "ersetzt", "delete": "entfernt", "insert": "neu"}
    return tuple((names[tag], " ".join(a[i1:i2]), " ".join(b[j1:j2]))
                 for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())


def inline(ops: Iterable[tuple[str, str, str]]) -> str:
    """'Die Zuwendung wird [-als-]{+im+} Höchstbetrag …' (wdiff style)."""
    parts = []
    for op, old, new in ops:
        if op == "gleich":
            parts.append(old)
        else:
            parts.append((f"[-{old}-]" if old else "") + (f"{{+{new}+}}" if new else ""))
    return " ".join(parts)


def diff_texts(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> list[Change]:
    """Paragraph by paragraph, then word by word. Items: (location, text)."""
    a, b = [" ".join(t.split()) for _, t in old], [" ".join(t.split()) for _, t in new]
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            changes += _pair(old[i1:i2], new[j1:j2])
    return changes


def _pair(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> list[Change]:
    """Match changed paragraphs in order by similarity; the rest are new or removed."""
    if len(old) == len(new):  # as many paragraphs before as after: each was reworded in place
        return [Change("geaendert", o, a, b, word_ops(a, b)) for (_, a), (o, b) in zip(old, new)]
    changes, j = [], 0
    for ort, text in old:
        ratios = [difflib.SequenceMatcher(None, text.split(), t.split()).ratio() for _, t in new[j:]]
        best = max(range(len(ratios)), key=ratios.__getitem__) if ratios else None
        if best is None or ratios[best] < 0.5:
            changes.append(Change("entfernt", ort, text, ""))
            continue
        changes += [Change("neu", o, "", t) for o, t in new[j:j + best]]
        o, t = new[j + best]
        changes.append(Change("geaendert", o, text, t, word_ops(text, t)))
        j += best + 1
    return changes + [Change("neu", o, "", t) for o, t in new[j:]]


def template_texts(path: Path) -> list[tuple[str, str]]:
    """('Nr. 12, Tabellenzelle', text) of every non-empty paragraph and table cell, headers first."""
    paragraphs = [p for p in read_docx(path).paragraphs if p.text.strip()]
    return [(f"Nr. {n}, {p.location().split(' „')[0]}", p.text) for n, p in enumerate(paragraphs, 1)]


def diff_templates(old: Path, new: Path) -> list[Change]:
    return diff_texts(template_texts(old), template_texts(new))


def clause_blocks(rule_set: Any) -> list[tuple[str, str]]:
    """(key in the rule-set file, text) of every wording block a document prints."""
    blocks = [("anbest.text", rule_set.anbest.text), ("auflagen.einleitung", rule_set.auflagen.einleitung)]
    blocks += [(f"auflagen.liste {a.buchstabe})", a.text) for a in rule_set.auflagen.liste]
    blocks += [(f"klauseln.{k}", v) for k, v in rule_set.klauseln.model_dump().items()]
    blocks += [("weiterleitung.text", rule_set.weiterleitung.text)]
    blocks += [(f"voraussetzungen.{k}", v.text) for k, v in rule_set.voraussetzungen.items()]
    return [(key, " ".join(text.split())) for key, text in blocks]


def diff_rule_sets(old: Any, new: Any) -> list[Change]:
    """Block by block (by key), then word by word."""
    a, b = dict(clause_blocks(old)), dict(clause_blocks(new))
    changes = []
    for key in list(a) + [k for k in b if k not in a]:
        if key not in b:
            changes.append(Change("entfernt", key, a[key], ""))
        elif key not in a:
            changes.append(Change("neu", key, "", b[key]))
        elif a[key] != b[key]:
            changes.append(Change("geaendert", key, a[key], b[key], word_ops(a[key], b[key])))
    return changes


def load_rule_set(spec: str, rules_dirs: tuple[Path, ...] = ()) -> Any:
    """A rule set by id (shipped or --rules-dir) or from a rule-set file."""
    from .errors import InputError
    from .load import load_mapping
    from .rules import load_rule_sets

    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        data, _ = load_mapping(path)
        rid = data.get("id") if isinstance(data, dict) else None
        found = load_rule_sets(tuple(rules_dirs) + (path.parent,))
        if not isinstance(rid, str) or rid not in found:
            raise InputError("ist kein Regelwerk (Schlüssel 'id' fehlt)", datei=str(path))
        return found[rid]
    found = load_rule_sets(tuple(rules_dirs))
    if spec not in found:
        raise InputError(f"Regelwerk '{spec}' unbekannt; bekannt: {', '.join(sorted(found))} "
                         "(oder Pfad zu einer Regelwerk-Datei angeben)")
    return found[spec]


def diff_html(changes: list[Change], old_label: str, new_label: str) -> str:
    """A side-by-side page: old left, new right, changed words marked."""
    rows = []
    for c in changes:
        left = "".join(_html_side(op, old, "del") for op, old, _ in c.ops) if c.ops else html.escape(c.alt)
        right = "".join(_html_side(op, new, "ins") for op, _, new in c.ops) if c.ops else html.escape(c.neu)
        rows.append(f'<tr class="{c.art}"><th>{html.escape(c.ort)}</th><td>{left}</td><td>{right}</td></tr>')
    body = "\n".join(rows) or '<tr><td colspan="3">Keine Änderungen am Wortlaut.</td></tr>'
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Wortlaut-Vergleich</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}}th{{width:18%;font-weight:normal;
color:#555}}del{{background:#fdd}}ins{{background:#dfd;text-decoration:none}}tr.neu td:last-child{{background:#efe}}
tr.entfernt td:nth-child(2){{background:#fee}}</style></head><body>
<h1>Wortlaut-Vergleich</h1><table><tr><th>Stelle</th><th>alt: {html.escape(old_label)}</th>
<th>neu: {html.escape(new_label)}</th></tr>
{body}
</table></body></html>
"""


def _html_side(op: str, words: str, mark: str) -> str:
    if not words:
        return ""
    text = html.escape(words) + " "
    return text if op == "gleich" else f"<{mark}>{text}</{mark}>"
