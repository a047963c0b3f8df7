"""DOCX templates compiled once and rendered many times, in a sandboxed Jinja.

docxtpl prepares the Word XML (tags split across runs joined, `{%p` / `{%tr` handled);
that preparation and Jinja's compilation happen once per template, so rendering a
document is one Jinja render per XML part and one zip write. The Jinja environment is
sandboxed, autoescapes (a value can never break the XML or run code) and treats an
unknown variable as an error, never as a blank.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import RenderError
from .files import zip_entry
from .resources import TEMPLATES

SHIPPED_TEMPLATES = TEMPLATES
ENV_VAR = "KIM_DOCS_TEMPLATES_DIR"
#: The XML parts of a DOCX that may hold template tags.
_PART = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: Any) -> Any:
    """Jinja `finalize`: drop characters XML 1.0 cannot carry (they would corrupt the DOCX)."""
    if isinstance(value, str):
        return _INVALID_XML_CHARS.sub("", value)
    return value


def _euro_filter(value: Any) -> str:
    from .formatting import euro

    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return value  # already formatted ("1.234,56 €")
    return euro(value)


def _date_filter(lang: bool):
    def apply(value: Any) -> str:
        import datetime as dt

        from .formatting import datum, datum_lang

        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return value
        return datum_lang(value) if lang else datum(value)

    return apply


def _anteil_filter(value: Any) -> str:
    from .formatting import anteil

    try:
        return anteil(Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def _words_filter(value: Any) -> str:
    from .formatting import betrag_in_worten

    return betrag_in_worten(Decimal(str(value)))


def make_jinja_env(autoescape: bool = True) -> Any:
    """The sandboxed, strict environment every template and form mapping uses.

    DOCX templates autoescape (their output is XML); PDF form values are plain text, so
    the form filler asks for `autoescape=False` and the filler escapes for PDF itself.
    """
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined, finalize=_xml_safe,
                                        keep_trailing_newline=True)
    env.filters.update(euro=_euro_filter, datum=_date_filter(False), datum_lang=_date_filter(True),
                       anteil=_anteil_filter, in_worten=_words_filter)
    return env


# --- finding templates ---------------------------------------------------------------

def template_dirs(extra: Path | None = None) -> list[Path]:
    """Where templates are looked up, first match wins: option, environment, shipped."""
    dirs = [extra] if extra else []
    dirs += [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return dirs + [SHIPPED_TEMPLATES]


def find_template(name: str, extra: Path | None = None) -> Path:
    for folder in template_dirs(extra):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise RenderError(f"Vorlage '{name}' nicht gefunden (gesucht in: {', '.join(map(str, template_dirs(extra)))})")


# --- compiling and rendering ---------------------------------------------------------

@dataclass
class _Part:
    info: zipfile.ZipInfo
    data: bytes
    template: Any = None  # compiled Jinja template for XML parts with tags


class CompiledTemplate:
    """A DOCX template prepared once; `render(context)` returns the DOCX bytes."""

    def __init__(self, path: Path, env: Any | None = None) -> None:
        self.path = path
        raw = path.read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.env = env or make_jinja_env()
        self._parts = self._compile(raw)

    def _compile(self, raw: bytes) -> list[_Part]:
        from jinja2 import TemplateSyntaxError

        from ._compat import docx_patcher, patch_xml

        patcher = docx_patcher(raw)
        parts = []
        try:
            archive = zipfile.ZipFile(io.BytesIO(raw))
        except zipfile.BadZipFile:
            raise RenderError("ist keine DOCX-Datei (kein gültiges ZIP-Archiv)", datei=str(self.path)) from None
        with archive:
            for info in archive.infolist():
                data = archive.read(info)
                part = _Part(info, data)
                if _PART.match(info.filename) and b"{" in data:
                    xml = patch_xml(patcher, data.decode("utf-8"))
                    xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)  # one paragraph per line, for messages
                    try:
                        part.template = self.env.from_string(xml)
                    except TemplateSyntaxError as exc:
                        raise RenderError(_syntax_message(exc, xml), datei=str(self.path)) from None
                parts.append(part)
        self._patcher = patcher
        return parts

    def render(self, context: dict[str, Any]) -> bytes:
        """The DOCX bytes; byte-identical for the same template and context."""
        out = io.BytesIO()
        # level 1: compressing dominates rendering time; the files grow only a little
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for part in self._parts:
                data = part.data if part.template is None else self._render_part(part, context)
                archive.writestr(zip_entry(part.info.filename), data)
        return out.getvalue()

    def _render_part(self, part: _Part, context: dict[str, Any]) -> bytes:
        from jinja2 import TemplateError, UndefinedError
        from jinja2.exceptions import SecurityError

        try:
            xml = part.template.render(context)
        except UndefinedError as exc:
            raise RenderError(f"Vorlage {self.path.name}: {_undefined_message(exc)}", datei=None) from None
        except SecurityError as exc:
            raise RenderError(f"Vorlage {self.path.name}: unerlaubter Ausdruck ({exc})") from None
        except TemplateError as exc:
            raise RenderError(f"Vorlage {self.path.name}: Fehler beim Ausfüllen ({exc})") from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise RenderError(f"Vorlage {self.path.name}: Fehler beim Ausfüllen ({exc})") from None
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if re.search(r"<w:t(?: [^>]*)?>[^<]*[\n\t\a\f]", xml):
            from ._compat import resolve_listing

            xml = resolve_listing(self._patcher, xml)  # line breaks and tabs inside values
        return xml.encode("utf-8")


def _undefined_message(exc: Exception) -> str:
    text = str(exc)
    match = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", text)
    if match:
        return f"unbekannte Variable '{match.group(1) or match.group(2)}' (siehe kim-docs templates variables)"
    return f"unbekannte Variable ({text})"


def _syntax_message(exc: Any, xml: str) -> str:
    lines = xml.splitlines()
    where = ""
    if exc.lineno and 0 < exc.lineno <= len(lines):
        text = re.sub(r"<[^>]+>", "", lines[exc.lineno - 1]).strip()
        where = f" im Absatz „{text[:120]}“"
    return f"Jinja-Syntaxfehler{where}: {exc.message}"


@lru_cache(maxsize=32)
def _compiled(path: str, mtime_ns: int, size: int) -> CompiledTemplate:
    return CompiledTemplate(Path(path))


def load_template(path: Path) -> CompiledTemplate:
    """A compiled template, cached while the file is unchanged."""
    stat = path.stat()
    return _compiled(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


# --- reading rendered documents back ----------------------------------------------------

def docx_paragraphs(docx: bytes) -> list[str]:
    """The text of every paragraph (body, headers, footers), for checks and tests."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    paragraphs: list[str] = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in archive.namelist():
            if not _PART.match(name):
                continue
            try:
                root = etree.fromstring(archive.read(name))
            except etree.XMLSyntaxError as exc:
                raise RenderError(f"erzeugtes Dokument ist kein gültiges XML ({name}: {exc})") from None
            for p in root.iter(f"{ns}p"):  # a tab (a list item's "a)<tab>…") reads as white space
                paragraphs.append("".join(("\t" if t.getparent().tag == f"{ns}r" else "") if t.tag == f"{ns}tab"
                                          else (t.text or "") for t in p.iter(f"{ns}t", f"{ns}tab")))
    return paragraphs
