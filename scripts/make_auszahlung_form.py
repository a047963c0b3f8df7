#!/usr/bin/env python3
"""Build templates/auszahlungsanforderung-formular.pdf, the fillable payment request
(Auszahlungsanforderung, Nr. 7.3 der Richtlinie KIM).

Drawn directly with pypdf (no LibreOffice), so the output is byte-for-byte
reproducible: fixed file ID, no dates, labels in the project's embedded font.

    .venv/bin/python scripts/make_auszahlung_form.py [OUT.pdf]
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kim_docs import _compat
from kim_docs.pdf.acroform import FF_RADIO
from kim_docs.pdf.appearance import button_appearance, wrap
from kim_docs.pdf.fill import fill
from kim_docs.pdf.fonts import FONT_RES, TrueTypeFont, load_font
from kim_docs.pdf.streams import add_stream

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "kim_docs" / "templates" / "auszahlungsanforderung-formular.pdf"

WIDTH, HEIGHT = 595.28, 841.89
LEFT, FIELD_X, RIGHT = 56.0, 230.0, 539.0
ROW = 28.0
FIELD_H = 18.0

# (field name, label, max length) in the order of the form
GENERAL = [
    ("Zuwendungsempfaenger", "Zuwendungsempfänger", None),
    ("Aktenzeichen", "Aktenzeichen des Bescheides", 40),
    ("Bescheiddatum", "Datum des Bescheides", 10),
    ("Zuwendung", "Bewilligte Zuwendung", 20),
]
PAYMENT = [
    ("Betrag", "Betrag der Rate", 20),
    ("Faelligkeit", "Fälligkeit", 10),
    ("BereitsErhalten", "Bereits erhalten", 20),
]
BANK = [
    ("IBAN", "IBAN", 42),  # 34 characters plus spaces between groups of four
    ("BIC", "BIC", 11),
    ("Kreditinstitut", "Kreditinstitut", None),
]
TITLE = "Auszahlungsanforderung"
SUBTITLE = "Förderprogramm „Kommunales Integrationsmanagement“ NRW – Nr. 7.3 der Richtlinie"
NOTE = (
    "Hinweis: Die Auszahlungsanforderung ist handschriftlich unterschrieben im Original "
    "per Post einzureichen (Nr. 7.1, 7.3 und 7.4 der Richtlinie). Eine elektronische "
    "Signatur ergänzt das Papierformular, ersetzt es aber nicht."
)


class Page:
    """Collects page content (labels, boxes) and form fields."""

    def __init__(self, writer: PdfWriter, font: TrueTypeFont) -> None:
        self.writer, self.font = writer, font
        self.text_ops: list[tuple[float, float, float, str]] = []
        self.line_ops: list[str] = []
        self.fields = ArrayObject()
        self.annots = ArrayObject()
        self.y = HEIGHT - 70

    def text(self, x: float, y: float, size: float, text: str) -> None:
        self.text_ops.append((x, y, size, text))

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.line_ops.append(f"{x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")

    def widget(self, rect: tuple[float, float, float, float], **entries) -> DictionaryObject:
        x, y, w, h = rect
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in (x, y, x + w, y + h)),
            NameObject("/F"): NumberObject(4),  # print
            NameObject("/P"): self.writer.pages[0].indirect_reference,
        })
        widget.update({NameObject(k): v for k, v in entries.items()})
        return widget

    def text_field(self, name: str, label: str, max_len: int | None, parent=None) -> None:
        self.text(LEFT, self.y + 5, 10, label)
        rect = (FIELD_X, self.y, RIGHT - FIELD_X, FIELD_H)
        self.box(*rect)
        entries = {"/T": TextStringObject(name), "/FT": NameObject("/Tx"), "/TU": TextStringObject(label)}
        if max_len:
            entries["/MaxLen"] = NumberObject(max_len)
        field = self.widget(rect, **entries)
        self._add(field, parent)
        self.y -= ROW

    def _add(self, field: DictionaryObject, parent=None) -> None:
        ref = _compat.add_object(self.writer, field)
        self.annots.append(ref)
        if parent is None:
            self.fields.append(ref)
        else:
            field[NameObject("/Parent")] = parent.indirect_reference
            parent["/Kids"].append(ref)

    def radio(self, name: str, label: str, choices: list[tuple[str, str]]) -> None:
        self.text(LEFT, self.y + 5, 10, label)
        parent = DictionaryObject({
            NameObject("/T"): TextStringObject(name),
            NameObject("/FT"): NameObject("/Btn"),
            NameObject("/Ff"): NumberObject(FF_RADIO | (1 << 14)),  # radio, NoToggleToOff
            NameObject("/V"): NameObject("/Off"),
            NameObject("/TU"): TextStringObject(label),
            NameObject("/Kids"): ArrayObject(),
        })
        self.fields.append(_compat.add_object(self.writer, parent))
        x = FIELD_X
        for state, text in choices:
            rect = (x, self.y + 2, 14, 14)
            self.box(*rect)
            widget = self.widget(rect, **{"/AS": NameObject("/Off")})
            self._button_ap(widget, state, radio=True)
            self._add(widget, parent)
            self.text(x + 20, self.y + 5, 10, text)
            x += 120
        self.y -= ROW

    def checkbox(self, name: str, label: str, on_state: str) -> None:
        rect = (LEFT, self.y + 2, 14, 14)
        self.box(*rect)
        field = self.widget(rect, **{
            "/T": TextStringObject(name),
            "/FT": NameObject("/Btn"),
            "/V": NameObject("/Off"),
            "/AS": NameObject("/Off"),
            "/TU": TextStringObject(label),
        })
        self._button_ap(field, on_state, radio=False)
        self._add(field)
        self.text(LEFT + 22, self.y + 5, 10, label)
        self.y -= ROW

    def _button_ap(self, widget: DictionaryObject, state: str, radio: bool) -> None:
        widget[NameObject("/AP")] = DictionaryObject({
            NameObject("/N"): DictionaryObject({
                NameObject(f"/{state}"): button_appearance(self.writer, widget, True, radio),
                NameObject("/Off"): button_appearance(self.writer, widget, False, radio),
            })
        })

    def signature_field(self, name: str, label: str) -> None:
        self.text(LEFT, self.y - 20, 10, label)
        rect = (FIELD_X, self.y - 40, RIGHT - FIELD_X, 55)
        self.box(*rect)
        self._add(self.widget(rect, **{"/T": TextStringObject(name), "/FT": NameObject("/Sig"), "/TU": TextStringObject(label)}))
        self.y -= 55 + ROW

    def parent(self, name: str) -> DictionaryObject:
        parent = DictionaryObject({NameObject("/T"): TextStringObject(name), NameObject("/Kids"): ArrayObject()})
        self.fields.append(_compat.add_object(self.writer, parent))
        return parent

    def content(self, font_ref) -> bytes:
        ops = ["0.4 G 0.6 w", *self.line_ops, "0 g"]
        for x, y, size, text in self.text_ops:
            ops.append(f"BT {FONT_RES} {size} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm {self.font.encode(text).decode()} Tj ET")
        return "\n".join(ops).encode("ascii")


def build(out: Path) -> Path:
    font = load_font()
    writer = PdfWriter()
    writer.add_blank_page(WIDTH, HEIGHT)
    page = Page(writer, font)
    page.text(LEFT, page.y, 18, TITLE)
    page.y -= 20
    page.text(LEFT, page.y, 9, SUBTITLE)
    page.y -= 40
    for name, label, max_len in GENERAL:
        page.text_field(name, label, max_len)
    page.radio("Rate", "Angeforderte Rate", [("1", "1. Rate"), ("2", "2. Rate")])
    for name, label, max_len in PAYMENT:
        page.text_field(name, label, max_len)
    page.y -= 8
    page.text(LEFT, page.y + 5, 11, "Bankverbindung")
    page.y -= ROW
    bank = page.parent("Bank")
    for name, label, max_len in BANK:
        page.text_field(name, label, max_len, parent=bank)
    page.y -= 8
    page.checkbox("AngabenRichtig", "Die Angaben sind richtig.", "Ja")
    page.text_field("OrtDatum", "Ort, Datum", None)
    page.signature_field("Unterschrift", "Unterschrift")
    page.y -= 10
    for line in wrap(font, NOTE, 8.5, RIGHT - LEFT):
        page.text(LEFT, page.y, 8.5, line)
        page.y -= 11

    all_text = "".join(t for *_, t in page.text_ops)
    font_ref = _compat.add_object(writer, font.pdf_font(writer, all_text))
    pdf_page = writer.pages[0]
    pdf_page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject(FONT_RES): font_ref}),
    })
    content = add_stream(writer, page.content(font_ref), compress=True)
    pdf_page[NameObject("/Contents")] = content
    pdf_page[NameObject("/Annots")] = page.annots
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): page.fields,
        NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
        NameObject("/DR"): DictionaryObject({NameObject("/Font"): DictionaryObject({
            NameObject("/Helv"): _compat.add_object(writer, DictionaryObject({
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            })),
        })}),
    })
    writer.root_object[NameObject("/Lang")] = TextStringObject("de-DE")
    writer.add_metadata({"/Title": "Auszahlungsanforderung KIM (Formular)", "/Producer": "kim-docs"})
    # a fixed file ID derived from the content keeps the output reproducible
    digest = hashlib.md5(page.content(font_ref) + all_text.encode()).digest()
    _compat.set_file_id(writer, ArrayObject([ByteStringObject(digest), ByteStringObject(digest)]))
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.pdf"
        writer.write(raw)
        # fill with nothing: drops NeedAppearances, checks the form reads back
        return fill(raw, {}, out)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    build(out)
    print(f"geschrieben: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
