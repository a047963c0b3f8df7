"""The font that filled-in values are drawn with, and its embedding in the PDF.

The TrueType font (DejaVu Sans or Liberation Sans: umlauts, ß, € and German quotes)
is read without extra libraries. It is embedded as a Type0/CIDFontType2 font with Identity-H encoding
(text is written as glyph ids) and a ToUnicode map, so text extraction yields the
real letters.

The embedded program is a subset "by emptying": glyph ids stay, the outlines of unused
glyphs are dropped and only the tables a PDF viewer needs are kept, which keeps a
filled form around 20-40 KB.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
import struct
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from kim_docs.errors import KimDocsError

from . import _compat
from .streams import add_stream

__all__ = ["FONT_CANDIDATES", "FONT_ENV", "FONT_RES", "TrueTypeFont", "load_font"]

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
FONT_ENV = "KIM_DOCS_FONT"
FONT_RES = "/KimF"  # resource name of the font in every appearance stream

class TrueTypeFont:
    """Metrics, Unicode map and subsetting of one TrueType font file."""

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
        # the subset tag depends on the glyphs only: the same text, the same bytes
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(sorted(gids)).encode()).digest()[:6])
        base = NameObject(f"/{tag}+{self.name}")
        program = self.subset_program(gids)
        file_stream = add_stream(writer, program, {"/Length1": NumberObject(len(program))}, compress=True)
        cid_font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/CIDFontType2"),
            NameObject("/BaseFont"): base,
            NameObject("/CIDSystemInfo"): DictionaryObject({
                NameObject("/Registry"): TextStringObject("Adobe"),
                NameObject("/Ordering"): TextStringObject("Identity"),
                NameObject("/Supplement"): NumberObject(0),
            }),
            NameObject("/FontDescriptor"): _compat.add_object(writer, self._descriptor(base, file_stream)),
            NameObject("/W"): self._widths(gids),
            NameObject("/CIDToGIDMap"): NameObject("/Identity"),
        })
        to_unicode = add_stream(writer, _to_unicode_cmap({self.cmap[ord(c)]: c for c in chars}), compress=True)
        return DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): base,
            NameObject("/Encoding"): NameObject("/Identity-H"),
            NameObject("/DescendantFonts"): ArrayObject([_compat.add_object(writer, cid_font)]),
            NameObject("/ToUnicode"): to_unicode,
        })

    def _descriptor(self, base: NameObject, file_stream: object) -> DictionaryObject:
        scale = 1000 / self.units
        return DictionaryObject({
            NameObject("/Type"): NameObject("/FontDescriptor"),
            NameObject("/FontName"): base,
            NameObject("/Flags"): NumberObject(32),  # nonsymbolic
            NameObject("/FontBBox"): ArrayObject(NumberObject(round(v * scale)) for v in self.bbox),
            NameObject("/ItalicAngle"): NumberObject(0),
            NameObject("/Ascent"): NumberObject(round(self.ascent * scale)),
            NameObject("/Descent"): NumberObject(round(self.descent * scale)),
            NameObject("/CapHeight"): NumberObject(round(self.ascent * scale * 0.75)),
            NameObject("/StemV"): NumberObject(80),
            NameObject("/FontFile2"): file_stream,
        })

    def _widths(self, gids: set[int]) -> ArrayObject:
        scale = 1000 / self.units
        widths = ArrayObject()
        for gid in sorted(gids):
            widths += [NumberObject(gid), ArrayObject([NumberObject(round(self.advances[gid] * scale))])]
        return widths


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
