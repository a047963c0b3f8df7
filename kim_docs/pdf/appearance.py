"""Appearance streams of form fields: what a viewer shows, without /NeedAppearances.

Text is laid out here (size from the field's /DA or fitted to the box, alignment,
word wrap, comb fields) and drawn with the embedded font of :mod:`.fonts`; checkboxes
and radio buttons get vector drawings (a cross, a dot) that need no font.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, IndirectObject, NameObject

from .fonts import FONT_RES, TrueTypeFont
from .streams import add_stream, num

__all__ = ["TextJob", "button_appearance", "colour_operator", "text_appearance", "widget_rect", "wrap"]


def widget_rect(widget: DictionaryObject) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the widget's /Rect, whichever corners it names."""
    x0, y0, x1, y1 = (float(v) for v in cast(ArrayObject, widget["/Rect"]))
    return min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)


def colour_operator(values: Any, stroke: bool) -> str | None:
    """PDF colour operator for an /MK /BC or /BG array (None if absent/transparent)."""
    if not values:
        return None
    nums = " ".join(num(float(v)) for v in values)
    op = {1: "g", 3: "rg", 4: "k"}.get(len(values))
    if op is None:
        return None
    return f"{nums} {op.upper() if stroke else op}"


def _frame(widget: DictionaryObject, w: float, h: float) -> str:
    """Background and border as the widget's /MK asks for (nothing if it asks for none)."""
    mk = widget.get("/MK", {})
    mk = mk.get_object() if mk else {}
    ops = []
    bg = colour_operator(mk.get("/BG"), stroke=False)
    if bg:
        ops.append(f"{bg} 0 0 {num(w)} {num(h)} re f")
    bc = colour_operator(mk.get("/BC"), stroke=True)
    if bc:
        ops.append(f"{bc} 1 w 0.5 0.5 {num(w - 1)} {num(h - 1)} re S")
    return "\n".join(ops)


# font size and colour in a default appearance string such as "/Helv 0 Tf 0 g"
DA_SIZE = re.compile(r"/[^\s/]+\s+([\d.]+)\s+Tf")
DA_COLOUR = re.compile(r"((?:[\d.]+\s+){4}k|(?:[\d.]+\s+){3}rg|[\d.]+\s+g)(?:\s|$)")


@dataclass
class TextJob:
    """A text appearance waiting for the shared font object (made once for all jobs,
    from all their text, so that the subset covers every field)."""

    widget: DictionaryObject
    text: str
    da: str
    align: int
    multiline: bool
    comb: int | None


PAD = 2.0  # distance of the text from the field's border


def _layout(font: TrueTypeFont, job: TextJob, w: float, h: float) -> str:
    """Text operators for a ``w`` × ``h`` box: font size, colour, one Tm/Tj per line."""
    size = _font_size(font, job, w, h)
    colour_match = DA_COLOUR.search(job.da)
    colour = colour_match.group(1).strip() if colour_match else "0 g"
    ops = [f"BT {FONT_RES} {num(size)} Tf {colour}"]
    ops += _comb_ops(font, job, size, w, h) if job.comb else _line_ops(font, job, size, w, h)
    ops.append("ET")
    return "\n".join(ops)


def _font_size(font: TrueTypeFont, job: TextJob, w: float, h: float) -> float:
    """The /DA size; with size 0 ("auto") 10 pt for multiline fields, else fitted to the
    box height. A single line that is too wide shrinks (not below 4 pt)."""
    m = DA_SIZE.search(job.da)
    size = float(m.group(1)) if m else 0.0
    if job.multiline:
        return size or 10.0
    size = size or min(12.0, max(4.0, (h - 2) * 0.7))
    natural = font.width(job.text, size)
    if not job.comb and natural > w - 2 * PAD and natural > 0:
        size = max(4.0, size * (w - 2 * PAD) / natural)
    return max(4.0, min(size, h - 1)) if h > 5 else 4.0


def _comb_ops(font: TrueTypeFont, job: TextJob, size: float, w: float, h: float) -> list[str]:
    """A comb field: one character centred in each of /MaxLen cells."""
    assert job.comb
    asc, desc = font.ascent / font.units, font.descent / font.units
    cell = w / job.comb
    y = (h - size * (asc - desc)) / 2 - desc * size
    ops = []
    for i, char in enumerate(job.text[: job.comb]):
        x = cell * i + (cell - font.width(char, size)) / 2
        ops.append(f"1 0 0 1 {num(x)} {num(y)} Tm {font.encode(char).decode()} Tj")
    return ops


def _line_ops(font: TrueTypeFont, job: TextJob, size: float, w: float, h: float) -> list[str]:
    """One line centred vertically, or wrapped lines from the top; aligned per /Q."""
    asc, desc = font.ascent / font.units, font.descent / font.units
    leading = size * (asc - desc)
    lines = wrap(font, job.text, size, w - 2 * PAD) if job.multiline else [job.text]
    y = h - PAD - asc * size if job.multiline else (h - leading) / 2 - desc * size
    ops = []
    for line in lines:
        lw = font.width(line, size)
        x = {1: (w - lw) / 2, 2: w - PAD - lw}.get(job.align, PAD)
        ops.append(f"1 0 0 1 {num(x)} {num(y)} Tm {font.encode(line).decode()} Tj")
        y -= leading
    return ops


def wrap(font: TrueTypeFont, text: str, size: float, width: float) -> list[str]:
    """Lines of at most ``width`` points, broken at spaces (a longer word stays whole)."""
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


def text_appearance(writer: PdfWriter, font: TrueTypeFont, font_ref: IndirectObject, job: TextJob) -> IndirectObject:
    _, _, w, h = widget_rect(job.widget)
    body = "\n".join(filter(None, [
        "/Tx BMC q",
        _frame(job.widget, w, h),
        f"1 1 {num(max(w - 2, 0))} {num(max(h - 2, 0))} re W n",
        _layout(font, job, w, h) if job.text else "",
        "Q EMC",
    ]))
    return add_stream(writer, body.encode("ascii"), _form_dict(w, h, font_ref))


def _form_dict(w: float, h: float, font_ref: IndirectObject | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {
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
    _, _, w, h = widget_rect(widget)
    ops = ["q", _frame(widget, w, h)]
    if on:
        ops.append(_dot(w, h) if radio else _cross(w, h))
    ops.append("Q")
    return add_stream(writer, "\n".join(filter(None, ops)).encode("ascii"), _form_dict(w, h))


def _dot(w: float, h: float) -> str:
    """A filled circle of four Bézier arcs (0.5523: the usual circle constant)."""
    r, cx, cy, k = min(w, h) * 0.25, w / 2, h / 2, 0.5523
    c = r * k
    return (
        f"0 g {num(cx + r)} {num(cy)} m "
        f"{num(cx + r)} {num(cy + c)} {num(cx + c)} {num(cy + r)} {num(cx)} {num(cy + r)} c "
        f"{num(cx - c)} {num(cy + r)} {num(cx - r)} {num(cy + c)} {num(cx - r)} {num(cy)} c "
        f"{num(cx - r)} {num(cy - c)} {num(cx - c)} {num(cy - r)} {num(cx)} {num(cy - r)} c "
        f"{num(cx + c)} {num(cy - r)} {num(cx + r)} {num(cy - c)} {num(cx + r)} {num(cy)} c f"
    )


def _cross(w: float, h: float) -> str:
    m = min(w, h) * 0.2
    return (
        f"0 G 1.2 w {num(m)} {num(m)} m {num(w - m)} {num(h - m)} l "
        f"{num(m)} {num(h - m)} m {num(w - m)} {num(m)} l S"
    )
