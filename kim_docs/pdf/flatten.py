"""Flattening a filled form: every widget's appearance painted into the page content.

Afterwards there are no fields left to change. The page shows what a viewer showed:
each widget's current appearance, no frame added. Pages that share one /Resources
dictionary (LibreOffice and Acrobat write them) get a copy of their own before the
appearances are added to it, so that a page names only its own fields' drawings.
"""
from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject

from .. import _compat
from .acroform import ANNOT_HIDDEN, FieldNode
from .appearance import widget_rect
from .streams import add_stream, num

__all__ = ["flatten"]


def flatten(writer: PdfWriter, nodes: list[FieldNode]) -> None:
    """Paints the widgets of ``nodes`` into their pages and removes the form.

    Push buttons and hidden widgets are dropped unpainted; other annotations stay.
    """
    kinds = {id(w): n.kind for n in nodes for w in n.widgets}
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        keep, ops, xobjects = ArrayObject(), [], DictionaryObject()
        taken = _resource_names(page)
        for ref in annots.get_object():
            widget = ref.get_object()
            if widget.get("/Subtype") != "/Widget":
                keep.append(ref)
                continue
            kind = kinds.get(id(widget), "text")
            if kind == "button" or int(widget.get("/F", 0)) & ANNOT_HIDDEN:
                continue
            ops.append(_paint_widget(writer, widget, xobjects, taken))
        _append_content(writer, page, "\n".join(filter(None, ops)), xobjects)
        if keep:
            page[NameObject("/Annots")] = keep
        else:
            del page["/Annots"]
    del writer.root_object["/AcroForm"]


def _resource_names(page: DictionaryObject) -> set[str]:
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    return {str(k) for k in xobjects.get_object()} if xobjects is not None else set()


def _paint_widget(writer: PdfWriter, widget: DictionaryObject, xobjects: DictionaryObject, taken: set[str]) -> str:
    """The appearance (as a form XObject in ``xobjects``) of one widget."""
    rect = widget_rect(widget)
    ops = []
    stream = _appearance_of(widget)
    if stream is not None:
        stream[NameObject("/Type")] = NameObject("/XObject")
        stream[NameObject("/Subtype")] = NameObject("/Form")
        if "/BBox" not in stream:
            stream[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(rect[2]), FloatObject(rect[3])])
        name = _free_name(taken)
        xobjects[name] = stream.indirect_reference or _compat.add_object(writer, stream)
        ops.append(f"q {_placement(stream, rect)} {name} Do Q")
    return "\n".join(ops)


def _free_name(taken: set[str]) -> NameObject:
    n = len(taken)
    while f"/KimFlat{n}" in taken:
        n += 1
    taken.add(f"/KimFlat{n}")
    return NameObject(f"/KimFlat{n}")


def _append_content(writer: PdfWriter, page: DictionaryObject, ops: str, xobjects: DictionaryObject) -> None:
    """Adds ``ops`` after the page's own content, which is wrapped in q/Q so that a
    graphics state it leaves behind cannot shift the painted fields."""
    if not ops:
        return
    # copies, never the shared originals: another page may use the same dictionaries
    resources = page.get("/Resources")
    resources = DictionaryObject(resources.get_object()) if resources is not None else DictionaryObject()
    page[NameObject("/Resources")] = resources
    existing = resources.get("/XObject")
    merged = DictionaryObject(existing.get_object()) if existing is not None else DictionaryObject()
    merged.update(xobjects)
    resources[NameObject("/XObject")] = merged
    contents = page.get("/Contents")
    parts = ArrayObject()
    if contents is not None:
        contents = contents.get_object()
        parts += contents if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    before = add_stream(writer, b"q\n")
    after = add_stream(writer, b"\nQ\n" + ops.encode("ascii") + b"\n")
    page[NameObject("/Contents")] = ArrayObject([before, *parts, after])


def _appearance_of(widget: DictionaryObject) -> StreamObject | None:
    """The normal appearance shown now (for buttons: the one of the current /AS)."""
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
    return f"{num(sx)} 0 0 {num(sy)} {num(rect[0] - sx * min(xs))} {num(rect[1] - sy * min(ys))} cm"
