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

__all__ = ["TextJob", "button_appearance", "colour_operator", "line_height", "text_appearance", "widget_rect", "wrap"]


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
    from all their text, so that the subset covers every field).

    ``options`` (display texts) and ``selected`` (their indexes) make a list box, drawn
    with its visible options from ``top`` on and the chosen ones highlighted."""

    widget: DictionaryObject
    text: str
    da: str
    align: int
    multiline: bool
    comb: int | None
    options: list[str] | None = None
    selected: frozenset[int] = frozenset()
    top: int = 0

    @property
    def all_text(self) -> str:
        return self.text + "".join(self.options or ())


PAD = 2.0  # horizontal distance of the text from the field's border
AUTO_MAX = 12.0  # largest size of an auto-sized field ("0 Tf"), as Acrobat does
MIN_SIZE = 4.0
HIGHLIGHT = "0.6 0.75 0.87 rg"  # selected options of a list box


def _inset(widget: DictionaryObject) -> float:
    """Width of the border the appearance draws (0 without one): text stays inside it."""
    mk = widget.get("/MK")
    mk = mk.get_object() if mk is not None else {}
    return 1.0 if mk.get("/BC") else 0.0


def _da_size(job: TextJob) -> float:
    m = DA_SIZE.search(job.da)
    return float(m.group(1)) if m else 0.0


def _layout(font: TrueTypeFont, job: TextJob, w: float, h: float) -> str:
    """Text operators for a ``w`` × ``h`` box: font size, colour, one Tm/Tj per line."""
    colour_match = DA_COLOUR.search(job.da)
    colour = colour_match.group(1).strip() if colour_match else "0 g"
    inset = _inset(job.widget)
    if job.options is not None:
        return _list_ops(font, job, colour, w, h, inset)
    size = _font_size(font, job, w, h, inset)
    ops = [f"BT {FONT_RES} {num(size)} Tf {colour}"]
    ops += _comb_ops(font, job, size, w, h) if job.comb else _line_ops(font, job, size, w, h, inset)
    ops.append("ET")
    return "\n".join(ops)


def line_height(font: TrueTypeFont) -> float:
    """Height of one line in em, from the highest accent to the deepest descender."""
    return font.ink_top - font.ink_bottom


def _font_size(font: TrueTypeFont, job: TextJob, w: float, h: float, inset: float) -> float:
    """The /DA size, made smaller where accents or descenders would leave the box;
    auto size (0) is the largest that fits (up to 12 pt), for multiline fields with
    the text wrapped. A single line that is too wide shrinks too (not below 4 pt)."""
    given = _da_size(job)
    room = max(h - 2 * inset, 1.0)
    if job.multiline:
        if given:
            return max(MIN_SIZE, min(given, room / line_height(font)))
        return _multiline_fit(font, job.text, w - 2 * (PAD + inset), room)
    size = min(given or AUTO_MAX, room / line_height(font))
    natural = font.width(job.text, size)
    width = w / job.comb if job.comb else w - 2 * (PAD + inset)
    if job.comb:
        natural = max((font.width(c, size) for c in job.text), default=0.0)
    if natural > width > 0:
        size *= width / natural
    return max(MIN_SIZE, size)


def _multiline_fit(font: TrueTypeFont, text: str, width: float, room: float) -> float:
    """Largest size in half points (12 down to 4) at which the wrapped text fits."""
    size = AUTO_MAX
    while size > MIN_SIZE:
        lines = wrap(font, text, size, width)
        if len(lines) * size * line_height(font) <= room and all(font.width(x, size) <= width for x in lines):
            return size
        size -= 0.5
    return MIN_SIZE


def _baseline(font: TrueTypeFont, size: float, h: float) -> float:
    """Baseline of a line centred vertically by its ink (accents and descenders)."""
    return (h - size * line_height(font)) / 2 - font.ink_bottom * size


def _comb_ops(font: TrueTypeFont, job: TextJob, size: float, w: float, h: float) -> list[str]:
    """A comb field: one character centred in each of /MaxLen cells."""
    assert job.comb
    cell = w / job.comb
    y = _baseline(font, size, h)
    ops = []
    for i, char in enumerate(job.text[: job.comb]):
        x = cell * i + (cell - font.width(char, size)) / 2
        ops.append(f"1 0 0 1 {num(x)} {num(y)} Tm {font.encode(char).decode()} Tj")
    return ops


def _line_ops(font: TrueTypeFont, job: TextJob, size: float, w: float, h: float, inset: float) -> list[str]:
    """One line centred vertically, or wrapped lines from the top; aligned per /Q."""
    leading = size * line_height(font)
    lines = wrap(font, job.text, size, w - 2 * (PAD + inset)) if job.multiline else [job.text]
    y = h - inset - font.ink_top * size if job.multiline else _baseline(font, size, h)
    ops = []
    for line in lines:
        ops.append(f"1 0 0 1 {num(_x(font, line, size, w, inset, job.align))} {num(y)} Tm {font.encode(line).decode()} Tj")
        y -= leading
    return ops


def _x(font: TrueTypeFont, line: str, size: float, w: float, inset: float, align: int) -> float:
    lw = font.width(line, size)
    return {1: (w - lw) / 2, 2: w - PAD - inset - lw}.get(align, PAD + inset)


def _list_ops(font: TrueTypeFont, job: TextJob, colour: str, w: float, h: float, inset: float) -> str:
    """A list box: the options from ``top`` down as far as they fit, chosen ones on a
    highlight bar (as Acrobat draws them)."""
    assert job.options is not None
    size = _da_size(job) or AUTO_MAX
    size = max(MIN_SIZE, min(size, (h - 2 * inset) / line_height(font)))
    leading = size * line_height(font)
    ops, text = [], [f"BT {FONT_RES} {num(size)} Tf {colour}"]
    y_top = h - inset
    for index in range(_first_shown(job, int((h - 2 * inset) // leading) or 1), len(job.options)):
        if y_top - leading < inset - 0.01 and y_top < h - inset:
            break
        if index in job.selected:
            ops.append(f"{HIGHLIGHT} {num(inset)} {num(y_top - leading)} {num(w - 2 * inset)} {num(leading)} re f")
        line = job.options[index]
        y = y_top - font.ink_top * size
        text.append(f"1 0 0 1 {num(_x(font, line, size, w, inset, job.align))} {num(y)} Tm {font.encode(line).decode()} Tj")
        y_top -= leading
    text.append("ET")
    return "\n".join(ops + text)


def _first_shown(job: TextJob, rows: int) -> int:
    """The form's top index, moved so far that the first chosen option is visible."""
    assert job.options is not None
    top = min(job.top, max(len(job.options) - rows, 0))
    first = min(job.selected, default=top)
    if not top <= first < top + rows:
        top = max(0, min(first, len(job.options) - rows))
    return top


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
    inset = _inset(job.widget)
    has_text = bool(job.text) or bool(job.options)
    body = "\n".join(filter(None, [
        "/Tx BMC q",
        _frame(job.widget, w, h),
        f"{num(inset)} {num(inset)} {num(max(w - 2 * inset, 0))} {num(max(h - 2 * inset, 0))} re W n",
        _layout(font, job, w, h) if has_text else "",
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
