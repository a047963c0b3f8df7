"""The font that filled-in values are drawn with, and its embedding in the PDF.

fontTools reads the TrueType font (DejaVu Sans or Liberation Sans: umlauts, ß, € and
German quotes) and makes the subset that is embedded: a Type0/CIDFontType2 font with
Identity-H encoding (text is written as glyph ids, which the subset keeps) and a
ToUnicode map, so text extraction yields the real letters. A filled form grows by
about 20-40 KB.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont, TTLibError
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject, TextStringObject

from kim_docs.errors import KimDocsError

from .. import _compat
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

# the glyphs that reach highest (accents over capitals) and lowest (descenders): a line
# of text is sized and placed so that both stay inside a field
TALLEST, DEEPEST = "ÄÖÜÉÅ", "gjpqyÇ"
# tables a PDF viewer does not use for a CID font (ISO 32000-1, 9.9), dropped from the subset
DROP_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "FFTM", "BASE", "JSTF", "MATH", "post", "name")


class TrueTypeFont:
    """Metrics, Unicode map and subsetting of one TrueType font file."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        with _quiet_fonttools():
            self._read()

    def _read(self) -> None:
        self._data = self.path.read_bytes()
        font = TTFont(io.BytesIO(self._data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
        head, hhea = font["head"], font["hhea"]
        self.units: int = head.unitsPerEm
        self.bbox = (head.xMin, head.yMin, head.xMax, head.yMax)
        self.ascent: int = hhea.ascender
        self.descent: int = hhea.descender
        self._glyph_order = font.getGlyphOrder()
        self.num_glyphs = len(self._glyph_order)
        metrics = font["hmtx"].metrics
        self.advances = [metrics[name][0] for name in self._glyph_order]
        self.cmap = self._unicode_cmap(font)
        self.ink_top, self.ink_bottom = self._ink_extent(font)
        self.name = re.sub(r"[^A-Za-z0-9-]", "", self.path.stem) or "Font"

    def _unicode_cmap(self, font: TTFont) -> dict[int, int]:
        """code point → glyph id, from the Windows Unicode table (full, else BMP)."""
        for platform, encoding in ((3, 10), (3, 1)):
            table = font["cmap"].getcmap(platform, encoding)
            if table is not None:
                gids = {name: gid for gid, name in enumerate(self._glyph_order)}
                mapping = {code: gids[name] for code, name in table.cmap.items()}
                # format 4 maps unused codes to glyph 0 (.notdef): those are missing
                return mapping if table.format == 12 else {c: g for c, g in mapping.items() if g}
        raise KimDocsError(f"Schrift {self.path} hat keine Unicode-Zeichentabelle.")

    def _ink_extent(self, font: TTFont) -> tuple[float, float]:
        """Top of the highest accent and bottom of the deepest descender, in em."""
        top, bottom = self.ascent, self.descent
        if "glyf" in font:
            glyf = font["glyf"]
            tall = [glyf[self._glyph_order[self.cmap[ord(c)]]] for c in TALLEST if ord(c) in self.cmap]
            deep = [glyf[self._glyph_order[self.cmap[ord(c)]]] for c in DEEPEST if ord(c) in self.cmap]
            top = max((getattr(g, "yMax", 0) for g in tall), default=top)
            bottom = min((getattr(g, "yMin", 0) for g in deep), default=bottom)
        return top / self.units, min(bottom, 0) / self.units

    def width(self, text: str, size: float) -> float:
        return sum(self.advances[self.cmap.get(ord(c), 0)] for c in text) * size / self.units

    def missing(self, text: str) -> list[str]:
        return sorted({c for c in text if ord(c) not in self.cmap and c not in "\n\r\t"})

    def encode(self, text: str) -> bytes:
        """Hex string operand (glyph ids) for Tj."""
        return b"<" + "".join(f"{self.cmap.get(ord(c), 0):04X}" for c in text).encode() + b">"

    # -- embedding

    def subset_program(self, gids: set[int]) -> bytes:
        """The font program with only ``gids`` (and their components), glyph ids kept."""
        return _subset(self._data, frozenset(gids))

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

    def _descriptor(self, base: NameObject, file_stream: IndirectObject) -> DictionaryObject:
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


@contextlib.contextmanager
def _quiet_fonttools() -> Iterator[None]:
    """fontTools logs its doubts about a usable font (Carlito: "'created' timestamp seems
    very low") as warnings on stderr; kim-docs prints only its own messages."""
    log = logging.getLogger("fontTools")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


@functools.lru_cache(maxsize=32)
def _subset(data: bytes, gids: frozenset[int]) -> bytes:
    """fontTools' subsetter with the glyph ids retained (Identity-H needs them)."""
    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    options.layout_features = []
    options.name_IDs = []
    options.drop_tables += list(DROP_TABLES)
    with _quiet_fonttools():
        font = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(gids=sorted(gids | {0}))
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


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
            except (TTLibError, struct.error, KeyError, IndexError, AssertionError) as exc:
                raise KimDocsError(f"Schriftdatei {candidate} ist keine lesbare TrueType-Schrift ({exc}).") from None
    if override:
        raise KimDocsError(f"Schriftdatei aus {FONT_ENV} nicht gefunden: {override}")
    raise KimDocsError(
        "Keine Schrift mit Umlauten und €-Zeichen gefunden (gesucht: DejaVuSans.ttf, "
        "LiberationSans-Regular.ttf). Bitte das Debian-Paket fonts-dejavu-core oder "
        f"fonts-liberation installieren oder {FONT_ENV} auf eine TrueType-Datei setzen."
    )
