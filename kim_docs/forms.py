"""Fillable PDF forms (AcroForm): list fields, render a mapping, fill, flatten.

pypdf reads and writes the file; the appearance streams are written here, with an
embedded TrueType font (DejaVu Sans or Liberation Sans), so filled values show in
every viewer without /NeedAppearances and umlauts, ß, € and German quotes print.
"""
from __future__ import annotations

import difflib
import functools
import hashlib
import io
import json
import os
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from kim_docs.errors import InputError, KimDocsError
from kim_docs.files import write_atomic

__all__ = [
    "FormField",
    "TrueTypeFont",
    "fill",
    "list_fields",
    "load_font",
    "mapping_skeleton",
    "render_mapping",
]

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
FONT_ENV = "KIM_DOCS_FONT"
FONT_RES = "/KimF"

# Field flags (PDF 32000-1, 12.7.3.1 and 12.7.4)
FF_READ_ONLY = 1
FF_REQUIRED = 1 << 1
FF_MULTILINE = 1 << 12
FF_RADIO = 1 << 15
FF_PUSHBUTTON = 1 << 16
FF_COMBO = 1 << 17
FF_COMB = 1 << 24
ANNOT_HIDDEN = 1 << 1

KIND_LABELS = {
    "text": "Textfeld",
    "checkbox": "Ankreuzfeld",
    "radio": "Optionsfeld",
    "choice": "Auswahlfeld",
    "signature": "Unterschriftsfeld",
    "button": "Schaltfläche",
}


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class FormField:
    """One terminal form field, addressed by its fully qualified name."""

    name: str
    kind: str  # text | checkbox | radio | choice | signature | button
    value: str | bool | None
    states: tuple[str, ...] = ()  # on-state names of checkbox/radio, without "/"
    options: tuple[str, ...] = ()  # export values of a choice field
    max_length: int | None = None
    required: bool = False
    read_only: bool = False
    multiline: bool = False

    @property
    def fillable(self) -> bool:
        return self.kind in ("text", "checkbox", "radio", "choice") and not self.read_only


@dataclass
class _Node:
    """A terminal field inside an open document, with its inherited attributes."""

    name: str
    obj: DictionaryObject
    widgets: list[DictionaryObject]
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def flags(self) -> int:
        return int(self.attrs.get("/Ff", 0))

    @property
    def kind(self) -> str:
        ft = self.attrs.get("/FT")
        if ft == "/Tx":
            return "text"
        if ft == "/Ch":
            return "choice"
        if ft == "/Sig":
            return "signature"
        if self.flags & FF_PUSHBUTTON:
            return "button"
        if self.flags & FF_RADIO:
            return "radio"
        return "checkbox"

    def on_states(self) -> tuple[str, ...]:
        states: list[str] = []
        for widget in self.widgets:
            for state in _widget_states(widget):
                if state not in states:
                    states.append(state)
        return tuple(states)

    def options(self) -> list[tuple[str, str]]:
        """(export value, display text) pairs of a choice field."""
        pairs = []
        for opt in self.attrs.get("/Opt", []) or []:
            opt = opt.get_object() if isinstance(opt, IndirectObject) else opt
            if isinstance(opt, ArrayObject) and len(opt) >= 2:
                pairs.append((str(opt[0]), str(opt[1])))
            else:
                pairs.append((str(opt), str(opt)))
        return pairs

    def to_field(self) -> FormField:
        kind = self.kind
        return FormField(
            name=self.name,
            kind=kind,
            value=_current_value(kind, self.attrs.get("/V")),
            states=self.on_states() if kind in ("checkbox", "radio") else (),
            options=tuple(e for e, _ in self.options()) if kind == "choice" else (),
            max_length=int(self.attrs["/MaxLen"]) if "/MaxLen" in self.attrs else None,
            required=bool(self.flags & FF_REQUIRED),
            read_only=bool(self.flags & FF_READ_ONLY),
            multiline=kind == "text" and bool(self.flags & FF_MULTILINE),
        )


def _widget_states(widget: DictionaryObject) -> list[str]:
    states = []
    ap = widget.get("/AP")
    for key in ("/N", "/D"):
        sub = ap.get_object().get(key) if ap else None
        sub = sub.get_object() if sub is not None else None
        if isinstance(sub, DictionaryObject) and not isinstance(sub, StreamObject):
            states += [str(k)[1:] for k in sub if k != "/Off" and str(k)[1:] not in states]
    return states


def _current_value(kind: str, raw: Any) -> str | bool | None:
    raw = raw.get_object() if isinstance(raw, IndirectObject) else raw
    if kind == "checkbox":
        return raw is not None and str(raw) != "/Off"
    if kind == "radio":
        return None if raw is None or str(raw) == "/Off" else str(raw)[1:]
    if kind == "signature":
        return raw is not None
    if raw is None:
        return None
    if isinstance(raw, ArrayObject):  # multi-select choice
        return ", ".join(str(v) for v in raw)
    return str(raw)


INHERITABLE = ("/FT", "/Ff", "/V", "/DA", "/Q", "/MaxLen", "/Opt")


def _walk(fields: ArrayObject, prefix: str = "", inherited: dict | None = None) -> Iterator[_Node]:
    for ref in fields:
        obj = ref.get_object()
        attrs = dict(inherited or {})
        attrs.update({k: obj[k] for k in INHERITABLE if k in obj})
        part = str(obj.get("/T", ""))
        name = f"{prefix}.{part}" if prefix and part else (part or prefix)
        kids = [k.get_object() for k in obj.get("/Kids", [])]
        child_fields = [k for k in kids if "/T" in k]
        if child_fields:
            yield from _walk(ArrayObject(k for k in obj["/Kids"] if "/T" in k.get_object()), name, attrs)
            continue
        widgets = kids if kids else ([obj] if obj.get("/Subtype") == "/Widget" else [])
        yield _Node(name, obj, widgets, attrs)


def _nodes(doc: PdfReader | PdfWriter, path: Path) -> list[_Node]:
    root = doc.trailer["/Root"] if isinstance(doc, PdfReader) else doc._root_object
    acro = root.get("/AcroForm")
    if acro is None or not acro.get_object().get("/Fields"):
        raise InputError("Die PDF-Datei enthält keine Formularfelder.", datei=str(path))
    return list(_walk(acro.get_object()["/Fields"]))


def _open(path: str | os.PathLike) -> PdfReader:
    path = Path(path)
    try:
        return PdfReader(path)
    except FileNotFoundError:
        raise InputError("Datei nicht gefunden.", datei=str(path)) from None
    except (PdfReadError, OSError, ValueError) as exc:
        raise InputError(f"PDF-Datei kann nicht gelesen werden ({exc}).", datei=str(path)) from None


def list_fields(pdf_path: str | os.PathLike) -> list[FormField]:
    """Every terminal field of the form, in document order."""
    return [node.to_field() for node in _nodes(_open(pdf_path), Path(pdf_path))]


# --------------------------------------------------------------------------- mapping


def mapping_skeleton(fields: list[FormField]) -> str:
    """YAML skeleton: one line per fillable field, the type and choices as comment."""
    lines = [
        "# Zuordnung Formularfeld → Jinja-Ausdruck über die Falldaten, z. B.",
        '#   Betrag: "{{ betraege.gesamt | euro }}"',
        "# Ankreuzfelder brauchen einen Ausdruck, der True oder False ergibt.",
    ]
    for f in fields:
        if not f.fillable:
            continue
        lines.append(f'{json.dumps(f.name, ensure_ascii=False)}: ""  # {_describe(f)}')
    return "\n".join(lines) + "\n"


def _describe(f: FormField) -> str:
    text = KIND_LABELS[f.kind]
    if f.kind == "text" and f.max_length:
        text += f", höchstens {f.max_length} Zeichen"
    if f.kind == "checkbox":
        text += " (True/False)"
    if f.kind == "radio":
        text += ", Werte: " + ", ".join(f.states)
    if f.kind == "choice":
        text += ", Werte: " + ", ".join(f.options)
    if f.required:
        text += ", Pflichtfeld"
    return text


def render_mapping(
    mapping: dict[str, str],
    context: dict,
    env: Any,
    *,
    fields: list[FormField] | None = None,
) -> dict[str, str | bool]:
    """Evaluate each mapping value as a Jinja template over the case context.

    "True"/"False" results become booleans: for checkbox fields when ``fields`` is
    given, otherwise for every field (a text field never needs these words).
    """
    import jinja2

    checkboxes = {f.name for f in fields if f.kind == "checkbox"} if fields is not None else None
    result: dict[str, str | bool] = {}
    for name, template in mapping.items():
        if isinstance(template, bool):
            result[name] = template
            continue
        if template is None:
            template = ""
        try:
            text = env.from_string(str(template)).render(context).strip()
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"Syntaxfehler im Ausdruck: {exc.message}", feld=name) from None
        except jinja2.UndefinedError as exc:
            raise InputError(f"Ausdruck verweist auf fehlende Falldaten: {exc.message}", feld=name) from None
        except jinja2.TemplateError as exc:
            raise InputError(f"Ausdruck kann nicht ausgewertet werden: {exc}", feld=name) from None
        if text in ("True", "False") and (checkboxes is None or name in checkboxes):
            result[name] = text == "True"
        else:
            result[name] = text
    return result


# --------------------------------------------------------------------------- font


class TrueTypeFont:
    """A TrueType font read without extra libraries: cmap, advance widths, glyphs.

    Embedded as a Type0/CIDFontType2 font with Identity-H encoding (text is written
    as glyph ids) and a ToUnicode map, so text extraction yields the real letters.
    The embedded program is a subset "by emptying": glyph ids stay, unused glyph
    outlines are dropped, which keeps a filled form around 20-40 KB.
    """

    KEEP_TABLES = (b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep")

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        data = self.path.read_bytes()
        self.data = data
        num = struct.unpack_from(">H", data, 4)[0]
        self.tables: dict[bytes, tuple[int, int]] = {}
        for i in range(num):
            tag, _, off, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self.tables[tag] = (off, length)
        head = self._table(b"head")
        self.units = struct.unpack_from(">H", head, 18)[0]
        self.bbox = struct.unpack_from(">hhhh", head, 36)
        loca_long = struct.unpack_from(">h", head, 50)[0] == 1
        hhea = self._table(b"hhea")
        self.ascent, self.descent = struct.unpack_from(">hh", hhea, 4)
        n_hmetrics = struct.unpack_from(">H", hhea, 34)[0]
        self.num_glyphs = struct.unpack_from(">H", self._table(b"maxp"), 4)[0]
        self.advances = self._read_hmtx(n_hmetrics)
        self.loca = self._read_loca(loca_long)
        self.cmap = self._read_cmap()
        self.name = re.sub(r"[^A-Za-z0-9-]", "", self.path.stem) or "Font"

    def _table(self, tag: bytes) -> bytes:
        off, length = self.tables[tag]
        return self.data[off : off + length]

    def _read_hmtx(self, n_hmetrics: int) -> list[int]:
        hmtx = self._table(b"hmtx")
        adv = list(struct.unpack_from(f">{2 * n_hmetrics}H", hmtx)[::2])
        return adv + [adv[-1]] * (self.num_glyphs - n_hmetrics)

    def _read_loca(self, long: bool) -> list[int]:
        loca = self._table(b"loca")
        n = self.num_glyphs + 1
        if long:
            return list(struct.unpack_from(f">{n}I", loca))
        return [v * 2 for v in struct.unpack_from(f">{n}H", loca)]

    def _read_cmap(self) -> dict[int, int]:
        cmap = self._table(b"cmap")
        count = struct.unpack_from(">H", cmap, 2)[0]
        subtables = {}
        for i in range(count):
            pid, eid, off = struct.unpack_from(">HHI", cmap, 4 + 8 * i)
            subtables[(pid, eid)] = off
        if (3, 10) in subtables:
            return _cmap_format12(cmap, subtables[(3, 10)])
        if (3, 1) in subtables:
            return _cmap_format4(cmap, subtables[(3, 1)])
        raise KimDocsError(f"Schrift {self.path} hat keine Unicode-Zeichentabelle.")

    def width(self, text: str, size: float) -> float:
        return sum(self.advances[self.cmap.get(ord(c), 0)] for c in text) * size / self.units

    def missing(self, text: str) -> list[str]:
        return sorted({c for c in text if ord(c) not in self.cmap and c not in "\n\r\t"})

    def encode(self, text: str) -> bytes:
        """Hex string operand (glyph ids) for Tj."""
        return b"<" + "".join(f"{self.cmap.get(ord(c), 0):04X}" for c in text).encode() + b">"

    # -- embedding

    def _closure(self, gids: set[int]) -> set[int]:
        glyf_off = self.tables[b"glyf"][0]
        todo, done = list(gids | {0}), set()
        while todo:
            gid = todo.pop()
            if gid in done:
                continue
            done.add(gid)
            start, end = self.loca[gid], self.loca[gid + 1]
            if end - start >= 10 and struct.unpack_from(">h", self.data, glyf_off + start)[0] < 0:
                todo += _components(self.data, glyf_off + start + 10)
        return done

    def subset_program(self, gids: set[int]) -> bytes:
        keep = self._closure(gids)
        glyf_off = self.tables[b"glyf"][0]
        glyf, loca = bytearray(), []
        for gid in range(self.num_glyphs):
            loca.append(len(glyf))
            if gid in keep:
                glyf += self.data[glyf_off + self.loca[gid] : glyf_off + self.loca[gid + 1]]
                glyf += b"\0" * (-len(glyf) % 4)
        loca.append(len(glyf))
        head = bytearray(self._table(b"head"))
        struct.pack_into(">I", head, 8, 0)
        struct.pack_into(">h", head, 50, 1)  # long loca offsets
        tables = {tag: self._table(tag) for tag in self.KEEP_TABLES if tag in self.tables}
        tables.update({b"glyf": bytes(glyf), b"loca": struct.pack(f">{len(loca)}I", *loca), b"head": bytes(head)})
        return _write_sfnt(tables)

    def pdf_font(self, writer: PdfWriter, text: str) -> DictionaryObject:
        """Type0 font dictionary (added to ``writer``) covering the characters of ``text``."""
        chars = sorted({c for c in text if ord(c) in self.cmap})
        gids = {self.cmap[ord(c)] for c in chars}
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(sorted(gids)).encode()).digest()[:6])
        base = NameObject(f"/{tag}+{self.name}")
        program = self.subset_program(gids)
        file_stream = StreamObject()
        file_stream._data = zlib.compress(program, 6)
        file_stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        file_stream[NameObject("/Length1")] = NumberObject(len(program))
        scale = 1000 / self.units
        descriptor = DictionaryObject({
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): base,
            NameObject("/Flags"): NumberObject(32),
            NameObject("/FontBBox"): ArrayObject(NumberObject(round(v * scale)) for v in self.bbox),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): NumberObject(round(self.ascent * scale)),
            NameObject("/Descent"): NumberObject(round(self.descent * scale)),
            NameObject("/CapHeight"): NumberObject(round(self.ascent * scale * 0.75)),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): writer._add_object(file_stream),
        })
        widths = ArrayObject()
        for gid in sorted(gids):
            widths += [NumberObject(gid), ArrayObject([NumberObject(round(self.advances[gid] * scale))])]
        cid_font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): base,
            NameObject("/CIDSystemInfo"): DictionaryObject({
                NameObject("/Registry"): TextStringObject("Adobe"),
                NameObject("/Ordering"): TextStringObject("Identity"),
                NameObject("/Supplement"): NumberObject(0),
            }),
            NameObject("/FontDescriptor"): writer._add_object(descriptor),
            NameObject("/W"): widths,
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        })
        to_unicode = _stream(writer, _to_unicode_cmap({self.cmap[ord(c)]: c for c in chars}), compress=True)
        return DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): base,
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([writer._add_object(cid_font)]),
            NameObject("/ToUnicode"): to_unicode,
        })


def _cmap_format4(cmap: bytes, off: int) -> dict[int, int]:
    seg2 = struct.unpack_from(">H", cmap, off + 6)[0]
    n = seg2 // 2
    ends = struct.unpack_from(f">{n}H", cmap, off + 14)
    starts = struct.unpack_from(f">{n}H", cmap, off + 16 + seg2)
    deltas = struct.unpack_from(f">{n}h", cmap, off + 16 + 2 * seg2)
    ro_pos = off + 16 + 3 * seg2
    ranges = struct.unpack_from(f">{n}H", cmap, ro_pos)
    result = {}
    for i in range(n):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if ranges[i] == 0:
                gid = (code + deltas[i]) & 0xFFFF
            else:
                addr = ro_pos + 2 * i + ranges[i] + 2 * (code - starts[i])
                gid = struct.unpack_from(">H", cmap, addr)[0]
                gid = (gid + deltas[i]) & 0xFFFF if gid else 0
            if gid:
                result[code] = gid
    return result


def _cmap_format12(cmap: bytes, off: int) -> dict[int, int]:
    groups = struct.unpack_from(">I", cmap, off + 12)[0]
    result = {}
    for i in range(groups):
        start, end, gid = struct.unpack_from(">III", cmap, off + 16 + 12 * i)
        for k in range(end - start + 1):
            result[start + k] = gid + k
    return result


def _components(data: bytes, pos: int) -> list[int]:
    gids = []
    while True:
        flags, gid = struct.unpack_from(">HH", data, pos)
        gids.append(gid)
        pos += 4 + (4 if flags & 0x1 else 2)
        pos += 2 if flags & 0x8 else 4 if flags & 0x40 else 8 if flags & 0x80 else 0
        if not flags & 0x20:
            return gids


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _write_sfnt(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    n = len(tags)
    sel = n.bit_length() - 1
    header = struct.pack(">IHHHH", 0x00010000, n, 16 << sel, sel, n * 16 - (16 << sel))
    offset = 12 + 16 * n
    records, body = b"", b""
    for tag in tags:
        data = tables[tag]
        records += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + records + body)
    # head.checkSumAdjustment makes the whole file sum to 0xB1B0AFBA
    for i, tag in enumerate(tags):
        if tag == b"head":
            pos = struct.unpack_from(">I", font, 12 + 16 * i + 8)[0]
            struct.pack_into(">I", font, pos + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


def _to_unicode_cmap(mapping: dict[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    items = sorted(mapping.items())
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04X}> <{c.encode('utf-16-be').hex().upper()}>" for gid, c in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


@functools.lru_cache(maxsize=4)
def _load_font_cached(path: str) -> TrueTypeFont:
    return TrueTypeFont(path)


def load_font() -> TrueTypeFont:
    """The embedding font: $KIM_DOCS_FONT, else DejaVu Sans, else Liberation Sans."""
    override = os.environ.get(FONT_ENV)
    candidates = (override,) if override else FONT_CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            try:
                return _load_font_cached(candidate)
            except (struct.error, KeyError, IndexError) as exc:
                raise KimDocsError(f"Schriftdatei {candidate} ist keine lesbare TrueType-Schrift ({exc}).") from None
    if override:
        raise KimDocsError(f"Schriftdatei aus {FONT_ENV} nicht gefunden: {override}")
    raise KimDocsError(
        "Keine Schrift mit Umlauten und €-Zeichen gefunden (gesucht: DejaVuSans.ttf, "
        "LiberationSans-Regular.ttf). Bitte das Debian-Paket fonts-dejavu-core oder "
        f"fonts-liberation installieren oder {FONT_ENV} auf eine TrueType-Datei setzen."
    )


# --------------------------------------------------------------------------- appearances


def _stream(writer: PdfWriter, data: bytes, extra: dict | None = None, compress: bool = False) -> IndirectObject:
    if compress:
        stream = StreamObject()
        stream._data = zlib.compress(data, 6)
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    else:
        stream = DecodedStreamObject()
        stream.set_data(data)
    for key, value in (extra or {}).items():
        stream[NameObject(key)] = value
    return writer._add_object(stream)


def _num(v: float) -> str:
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _rect(widget: DictionaryObject) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    return min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)


def _colour(values: Any, stroke: bool) -> str | None:
    """PDF colour operator for an /MK /BC or /BG array (None if absent/transparent)."""
    if not values:
        return None
    nums = " ".join(_num(float(v)) for v in values)
    op = {1: "g", 3: "rg", 4: "k"}.get(len(values))
    if op is None:
        return None
    return f"{nums} {op.upper() if stroke else op}"


def _frame(widget: DictionaryObject, w: float, h: float) -> str:
    mk = widget.get("/MK", {})
    mk = mk.get_object() if mk else {}
    ops = []
    bg = _colour(mk.get("/BG"), stroke=False)
    if bg:
        ops.append(f"{bg} 0 0 {_num(w)} {_num(h)} re f")
    bc = _colour(mk.get("/BC"), stroke=True)
    if bc:
        ops.append(f"{bc} 1 w 0.5 0.5 {_num(w - 1)} {_num(h - 1)} re S")
    return "\n".join(ops)


DA_SIZE = re.compile(r"/[^\s/]+\s+([\d.]+)\s+Tf")
DA_COLOUR = re.compile(r"((?:[\d.]+\s+){4}k|(?:[\d.]+\s+){3}rg|[\d.]+\s+g)(?:\s|$)")


@dataclass
class _TextJob:
    """A text appearance waiting for the shared font object."""

    widget: DictionaryObject
    text: str
    da: str
    align: int
    multiline: bool
    comb: int | None


def _layout(font: TrueTypeFont, job: _TextJob, w: float, h: float) -> str:
    m = DA_SIZE.search(job.da)
    size = float(m.group(1)) if m else 0.0
    colour = (DA_COLOUR.search(job.da).group(1).strip() if DA_COLOUR.search(job.da) else "0 g")
    pad = 2.0
    lines = [job.text]
    if job.multiline:
        size = size or 10.0
        lines = _wrap(font, job.text, size, w - 2 * pad)
    else:
        size = size or min(12.0, max(4.0, (h - 2) * 0.7))
        natural = font.width(job.text, size)
        if not job.comb and natural > w - 2 * pad and natural > 0:
            size = max(4.0, size * (w - 2 * pad) / natural)
        size = max(4.0, min(size, h - 1)) if h > 5 else 4.0
    asc, desc = font.ascent / font.units, font.descent / font.units
    leading = size * (asc - desc)
    ops = [f"BT {FONT_RES} {_num(size)} Tf {colour}"]
    if job.comb:
        cell = w / job.comb
        y = (h - size * (asc - desc)) / 2 - desc * size
        for i, char in enumerate(job.text[: job.comb]):
            x = cell * i + (cell - font.width(char, size)) / 2
            ops.append(f"1 0 0 1 {_num(x)} {_num(y)} Tm {font.encode(char).decode()} Tj")
    else:
        y = h - pad - asc * size if job.multiline else (h - leading) / 2 - desc * size
        for line in lines:
            lw = font.width(line, size)
            x = {1: (w - lw) / 2, 2: w - pad - lw}.get(job.align, pad)
            ops.append(f"1 0 0 1 {_num(x)} {_num(y)} Tm {font.encode(line).decode()} Tj")
            y -= leading
    ops.append("ET")
    return "\n".join(ops)


def _wrap(font: TrueTypeFont, text: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and font.width(candidate, size) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def _text_appearance(writer: PdfWriter, font: TrueTypeFont, font_ref: IndirectObject, job: _TextJob) -> IndirectObject:
    _, _, w, h = _rect(job.widget)
    body = "\n".join(filter(None, [
        "/Tx BMC q",
        _frame(job.widget, w, h),
        f"1 1 {_num(max(w - 2, 0))} {_num(max(h - 2, 0))} re W n",
        _layout(font, job, w, h) if job.text else "",
        "Q EMC",
    ]))
    return _stream(writer, body.encode("ascii"), _form_dict(w, h, font_ref))


def _form_dict(w: float, h: float, font_ref: IndirectObject | None = None) -> dict:
    extra = {
        "/Type": NameObject("/XObject"),
        "/Subtype": NameObject("/Form"),
        "/BBox": ArrayObject([FloatObject(0), FloatObject(0), FloatObject(round(w, 3)), FloatObject(round(h, 3))]),
    }
    if font_ref is not None:
        extra["/Resources"] = DictionaryObject({
            NameObject("/Font"): DictionaryObject({NameObject(FONT_RES): font_ref}),
        })
    return extra


def button_appearance(writer: PdfWriter, widget: DictionaryObject, on: bool, radio: bool) -> IndirectObject:
    """Vector appearance (no font) of a checkbox (cross) or radio button (dot)."""
    _, _, w, h = _rect(widget)
    ops = ["q", _frame(widget, w, h)]
    if on:
        if radio:
            r, cx, cy, k = min(w, h) * 0.25, w / 2, h / 2, 0.5523
            c = r * k
            ops.append(
                f"0 g {_num(cx + r)} {_num(cy)} m "
                f"{_num(cx + r)} {_num(cy + c)} {_num(cx + c)} {_num(cy + r)} {_num(cx)} {_num(cy + r)} c "
                f"{_num(cx - c)} {_num(cy + r)} {_num(cx - r)} {_num(cy + c)} {_num(cx - r)} {_num(cy)} c "
                f"{_num(cx - r)} {_num(cy - c)} {_num(cx - c)} {_num(cy - r)} {_num(cx)} {_num(cy - r)} c "
                f"{_num(cx + c)} {_num(cy - r)} {_num(cx + r)} {_num(cy - c)} {_num(cx + r)} {_num(cy)} c f"
            )
        else:
            m = min(w, h) * 0.2
            ops.append(
                f"0 G 1.2 w {_num(m)} {_num(m)} m {_num(w - m)} {_num(h - m)} l "
                f"{_num(m)} {_num(h - m)} m {_num(w - m)} {_num(m)} l S"
            )
    ops.append("Q")
    return _stream(writer, "\n".join(filter(None, ops)).encode("ascii"), _form_dict(w, h))


# --------------------------------------------------------------------------- fill


def _error(path: Path, name: str, message: str) -> InputError:
    return InputError(message, datei=str(path), feld=name)


def _check_value(path: Path, node: _Node, value: Any, font: TrueTypeFont) -> Any:
    """Validated, normalised value for one field (raises InputError naming it)."""
    kind = node.kind
    name = node.name
    if kind in ("signature", "button"):
        raise _error(path, name, f"{KIND_LABELS[kind]} kann nicht befüllt werden.")
    if node.flags & FF_READ_ONLY:
        raise _error(path, name, "Feld ist schreibgeschützt und kann nicht befüllt werden.")
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise _error(path, name, f"Ankreuzfeld erwartet True oder False, nicht {value!r}.")
        return value
    if isinstance(value, bool) or value is None:
        raise _error(path, name, f"{KIND_LABELS[kind]} erwartet einen Text, nicht {value!r}.")
    text = str(value)
    if kind == "radio":
        states = node.on_states()
        state = text[1:] if text.startswith("/") else text
        if state and state not in states:
            raise _error(path, name, f"Wert {text!r} ist keine Option; möglich: {', '.join(states)}.")
        return state
    if kind == "choice":
        options = [e for e, _ in node.options()]
        if text and text not in options:
            raise _error(path, name, f"Wert {text!r} ist keine Auswahlmöglichkeit; möglich: {', '.join(options)}.")
        return text
    max_len = node.attrs.get("/MaxLen")
    if max_len is not None and len(text) > int(max_len):
        raise _error(path, name, f"Wert hat {len(text)} Zeichen, erlaubt sind höchstens {int(max_len)}.")
    missing = font.missing(text)
    if missing:
        raise _error(path, name, f"Zeichen {' '.join(missing)} ist in der Schrift {font.name} nicht enthalten.")
    return text


def _unknown_field(path: Path, key: str, names: list[str]) -> InputError:
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f" Meinten Sie: {', '.join(close)}?" if close else ""
    return _error(path, key, f"Kein solches Feld im Formular.{hint}")


def _set_button(node: _Node, state: str | None) -> None:
    value = NameObject(f"/{state}") if state else NameObject("/Off")
    node.obj[NameObject("/V")] = value
    for widget in node.widgets:
        own = _widget_states(widget)
        on = state if state in own else (own[0] if own and node.kind == "checkbox" and state else None)
        widget[NameObject("/AS")] = NameObject(f"/{on}") if on else NameObject("/Off")


def _ensure_button_appearances(writer: PdfWriter, node: _Node) -> None:
    """Widgets whose state appearances are missing or not streams get drawn ones.

    pdfTeX, for one, writes ``/N << /Yes << >> >>`` and relies on NeedAppearances.
    The form's own state names are kept; only a widget without any gets /Yes.
    """
    radio = node.kind == "radio"
    for widget in node.widgets:
        ap = widget.get("/AP")
        normal = ap.get_object().get("/N") if ap else None
        normal = normal.get_object() if normal is not None else None
        if isinstance(normal, DictionaryObject) and normal and all(
            isinstance(v.get_object(), StreamObject) for v in normal.values()
        ):
            continue
        states = _widget_states(widget) or ["Yes"]
        appearances = {NameObject(f"/{s}"): button_appearance(writer, widget, True, radio) for s in states}
        appearances[NameObject("/Off")] = button_appearance(writer, widget, False, radio)
        widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): DictionaryObject(appearances)})


def _text_jobs(node: _Node, text: str, default_da: str) -> list[_TextJob]:
    display = dict(node.options()).get(text, text) if node.kind == "choice" else text
    comb = int(node.attrs["/MaxLen"]) if node.flags & FF_COMB and "/MaxLen" in node.attrs else None
    jobs = []
    for widget in node.widgets:
        da = str(widget.get("/DA") or node.attrs.get("/DA") or default_da)
        align = int(widget.get("/Q", node.attrs.get("/Q", 0)))
        multiline = node.kind == "text" and bool(node.flags & FF_MULTILINE)
        jobs.append(_TextJob(widget, display, da, align, multiline, comb))
    return jobs


def fill(
    form_path: str | os.PathLike,
    values: dict[str, Any],
    out_path: str | os.PathLike,
    flatten: bool = False,
) -> Path:
    """Fill ``values`` (field name → str | bool) into the form and write ``out_path``.

    All values are checked before anything is written; on an error no output file
    exists. Returns the output path.
    """
    form_path, out_path = Path(form_path), Path(out_path)
    reader = _open(form_path)
    writer = PdfWriter(clone_from=reader)
    nodes = {n.name: n for n in _nodes(writer, form_path)}
    font = load_font()
    checked = {}
    for key, value in values.items():
        if key not in nodes:
            raise _unknown_field(form_path, key, list(nodes))
        checked[key] = _check_value(form_path, nodes[key], value, font)

    acro = writer._root_object["/AcroForm"].get_object()
    default_da = str(acro.get("/DA", "/Helv 0 Tf 0 g"))
    jobs: list[_TextJob] = []
    for node in nodes.values():
        if node.kind in ("checkbox", "radio"):
            _ensure_button_appearances(writer, node)
        if node.name in checked:
            value = checked[node.name]
            if node.kind == "checkbox":
                states = node.on_states()
                _set_button(node, states[0] if value else None)
            elif node.kind == "radio":
                _set_button(node, value or None)
            else:
                node.obj[NameObject("/V")] = TextStringObject(value)
                _set_choice_index(node, value)
        if node.kind in ("text", "choice"):
            current = node.obj.get("/V", node.attrs.get("/V"))
            if node.name in checked or current not in (None, ""):
                text = str(current.get_object()) if current is not None else ""
                jobs += _text_jobs(node, text, default_da)
    _write_text_appearances(writer, font, jobs)
    if "/NeedAppearances" in acro:
        del acro["/NeedAppearances"]
    if flatten:
        _flatten(writer, list(nodes.values()))
    return _write_atomically(writer, out_path)


def _set_choice_index(node: _Node, value: str) -> None:
    if node.kind != "choice":
        return
    exports = [e for e, _ in node.options()]
    if value in exports:
        node.obj[NameObject("/I")] = ArrayObject([NumberObject(exports.index(value))])
    elif "/I" in node.obj:
        del node.obj["/I"]


def _write_text_appearances(writer: PdfWriter, font: TrueTypeFont, jobs: list[_TextJob]) -> None:
    if not jobs:
        return
    font_ref = writer._add_object(font.pdf_font(writer, "".join(j.text for j in jobs)))
    for job in jobs:
        job.widget[NameObject("/AP")] = DictionaryObject({
            NameObject("/N"): _text_appearance(writer, font, font_ref, job),
        })


def _write_atomically(writer: PdfWriter, out_path: Path) -> Path:
    buffer = io.BytesIO()
    writer.write(buffer)
    return write_atomic(out_path, buffer.getvalue())


def _appearance_of(widget: DictionaryObject) -> StreamObject | None:
    ap = widget.get("/AP")
    normal = ap.get_object().get("/N") if ap else None
    normal = normal.get_object() if normal is not None else None
    if isinstance(normal, StreamObject):
        return normal
    if isinstance(normal, DictionaryObject):
        state = widget.get("/AS")
        chosen = normal.get(state) if state is not None else None
        return chosen.get_object() if chosen is not None else None
    return None


def _placement(stream: StreamObject, rect: tuple[float, float, float, float]) -> str:
    """cm operands mapping the appearance's transformed /BBox onto the widget /Rect."""
    bx0, by0, bx1, by1 = (float(v) for v in stream.get("/BBox", [0, 0, rect[2], rect[3]]))
    a, b, c, d, e, f = (float(v) for v in stream.get("/Matrix", [1, 0, 0, 1, 0, 0]))
    xs = [a * x + c * y + e for x in (bx0, bx1) for y in (by0, by1)]
    ys = [b * x + d * y + f for x in (bx0, bx1) for y in (by0, by1)]
    w, h = max(xs) - min(xs) or 1, max(ys) - min(ys) or 1
    sx, sy = rect[2] / w, rect[3] / h
    return f"{_num(sx)} 0 0 {_num(sy)} {_num(rect[0] - sx * min(xs))} {_num(rect[1] - sy * min(ys))} cm"


def _flatten(writer: PdfWriter, nodes: list[_Node]) -> None:
    kinds = {id(w): n.kind for n in nodes for w in n.widgets}
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        keep, ops, xobjects = ArrayObject(), [], DictionaryObject()
        for ref in annots.get_object():
            widget = ref.get_object()
            if widget.get("/Subtype") != "/Widget":
                keep.append(ref)
                continue
            kind = kinds.get(id(widget), "text")
            if kind == "button" or int(widget.get("/F", 0)) & ANNOT_HIDDEN:
                continue
            ops.append(_paint_widget(writer, widget, xobjects))
        _append_content(writer, page, "\n".join(filter(None, ops)), xobjects)
        if keep:
            page[NameObject("/Annots")] = keep
        else:
            del page["/Annots"]
    del writer._root_object["/AcroForm"]


def _paint_widget(writer: PdfWriter, widget: DictionaryObject, xobjects: DictionaryObject) -> str:
    rect = _rect(widget)
    mk = widget.get("/MK")
    bc = _colour(mk.get_object().get("/BC"), stroke=True) if mk else None
    # empty boxes stay visible on paper: a border even when the form drew none
    ops = [f"q {bc or '0.5 G'} 0.5 w {_num(rect[0])} {_num(rect[1])} {_num(rect[2])} {_num(rect[3])} re S Q"]
    stream = _appearance_of(widget)
    if stream is not None:
        stream[NameObject("/Type")] = NameObject("/XObject")
        stream[NameObject("/Subtype")] = NameObject("/Form")
        if "/BBox" not in stream:
            stream[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(rect[2]), FloatObject(rect[3])])
        name = NameObject(f"/KimFlat{len(xobjects)}")
        xobjects[name] = stream.indirect_reference or writer._add_object(stream)
        ops.append(f"q {_placement(stream, rect)} {name} Do Q")
    return "\n".join(ops)


def _append_content(writer: PdfWriter, page: DictionaryObject, ops: str, xobjects: DictionaryObject) -> None:
    if not ops:
        return
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    page[NameObject("/Resources")] = resources
    existing = resources.get("/XObject")
    existing = existing.get_object() if existing is not None else DictionaryObject()
    existing.update(xobjects)
    resources[NameObject("/XObject")] = existing
    contents = page.get("/Contents")
    parts = ArrayObject()
    if contents is not None:
        contents = contents.get_object()
        parts += contents if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    before = _stream(writer, b"q\n")
    after = _stream(writer, b"\nQ\n" + ops.encode("ascii") + b"\n")
    page[NameObject("/Contents")] = ArrayObject([before, *parts, after])


