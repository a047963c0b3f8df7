"""Filling a PDF form: values checked first, then set, drawn, optionally flattened.

pypdf reads and writes the file; the appearance streams come from :mod:`.appearance`
with the embedded font of :mod:`.fonts`, so filled values show in every viewer without
/NeedAppearances and umlauts, ß, € and German quotes print.

What would make a viewer show something else than the filled values is removed, each
with a note: XFA form data (Adobe Reader would show the XFA form, with the old values)
and Reader extensions (/Perms /UR3, whose signature the filling breaks). An encrypted
form keeps its encryption (see :mod:`.security`).
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject

from kim_docs.files import write_atomic

from .. import _compat
from .acroform import FF_COMB, FF_COMBO, FF_MULTILINE, FieldNode, acroform, field_nodes, open_pdf, widget_states
from .appearance import TextJob, button_appearance, text_appearance
from .flatten import flatten as flatten_form
from .fonts import TrueTypeFont, load_font
from .security import keep_encryption
from .values import OFF, check_values

__all__ = ["Notes", "fill"]

Notes = Callable[[str], None]


def fill(
    form_path: str | os.PathLike,
    values: dict[str, Any],
    out_path: str | os.PathLike,
    flatten: bool = False,
    *,
    password: str | None = None,
    on_note: Notes | None = None,
) -> Path:
    """Fill ``values`` (field name → text | bool | state | option | list) into the form
    and write ``out_path``. ``on_note`` receives German notes on what was changed
    beside the values (XFA, UR3 removed; encryption kept).

    All values are checked before anything is written; on an error no output file
    exists. Returns the output path.
    """
    form_path, out_path = Path(form_path), Path(out_path)
    note = on_note or (lambda _text: None)
    reader = open_pdf(form_path, password)
    writer = PdfWriter(clone_from=reader)
    nodes = {n.name: n for n in field_nodes(writer, form_path)}
    font = load_font()
    checked = check_values(form_path, nodes, values, font)
    acro = acroform(writer)
    assert acro is not None  # field_nodes found fields in it
    _drop_stale_parts(writer, acro, note)
    default_da = str(acro.get("/DA", "/Helv 0 Tf 0 g"))
    jobs: list[TextJob] = []
    for node in nodes.values():
        if node.kind in ("checkbox", "radio"):
            _ensure_button_appearances(writer, node)
        if node.name in checked:
            _set_value(node, checked[node.name])
        if node.kind in ("text", "choice"):
            # prefilled values are drawn anew too: their old appearance may be missing
            current = node.obj.get("/V", node.attrs.get("/V"))
            current = current.get_object() if current is not None else None
            if node.name in checked or current not in (None, "") or _is_list_box(node):
                jobs += _text_jobs(node, current, default_da)
    _write_text_appearances(writer, font, jobs)
    if "/NeedAppearances" in acro:
        del acro["/NeedAppearances"]
    if flatten:
        flatten_form(writer, list(nodes.values()))
    buffer = io.BytesIO()
    writer.write(buffer)
    data = keep_encryption(reader, form_path, password, buffer.getvalue(), note, out_path.parent)
    return write_atomic(out_path, data)


def _drop_stale_parts(writer: PdfWriter, acro: DictionaryObject, note: Notes) -> None:
    if "/XFA" in acro:
        del acro["/XFA"]
        note("XFA-Formulardaten entfernt: Adobe Reader zeigt nun die ausgefüllten AcroForm-Werte.")
    perms = writer.root_object.get("/Perms")
    perms = perms.get_object() if perms is not None else None
    if (isinstance(perms, DictionaryObject) and "/UR3" in perms) or (isinstance(perms, DictionaryObject) and "/UR" in perms):
        for key in ("/UR3", "/UR"):
            if key in perms:
                del perms[key]
        if not perms:
            del writer.root_object["/Perms"]
        note("Reader-Erweiterung (/Perms /UR3) entfernt: ihre Signatur gilt nach dem Ausfüllen nicht mehr, "
             "Adobe Reader würde sonst warnen.")


def _set_value(node: FieldNode, value: Any) -> None:
    if node.kind in ("checkbox", "radio"):
        _set_button(node, value)
    elif isinstance(value, list):
        node.obj[NameObject("/V")] = ArrayObject(TextStringObject(v) for v in value)
        _set_choice_index(node, value)
    else:
        node.obj[NameObject("/V")] = TextStringObject(value)
        if node.kind == "choice":
            _set_choice_index(node, [value])


def _set_button(node: FieldNode, state: str) -> None:
    """/V of the field and /AS of every widget: only widgets with that on-state are on."""
    node.obj[NameObject("/V")] = NameObject(f"/{state}")
    for widget in node.widgets:
        on = state != OFF and state in widget_states(widget)
        widget[NameObject("/AS")] = NameObject(f"/{state}") if on else NameObject("/Off")


def _ensure_button_appearances(writer: PdfWriter, node: FieldNode) -> None:
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
        states = widget_states(widget) or ["Yes"]
        appearances = {NameObject(f"/{s}"): button_appearance(writer, widget, True, radio) for s in states}
        appearances[NameObject("/Off")] = button_appearance(writer, widget, False, radio)
        widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): DictionaryObject(appearances)})


def _is_list_box(node: FieldNode) -> bool:
    return node.kind == "choice" and not node.flags & FF_COMBO


def _text_jobs(node: FieldNode, current: Any, default_da: str) -> list[TextJob]:
    chosen = [str(v) for v in current] if isinstance(current, ArrayObject) else [str(current or "")]
    display = dict(node.options())
    text = ", ".join(display.get(v, v) for v in chosen) if node.kind == "choice" else chosen[0]
    comb = int(node.attrs["/MaxLen"]) if node.flags & FF_COMB and "/MaxLen" in node.attrs else None
    jobs = []
    for widget in node.widgets:
        da = str(widget.get("/DA") or node.attrs.get("/DA") or default_da)
        align = int(widget.get("/Q", node.attrs.get("/Q", 0)))
        multiline = node.kind == "text" and bool(node.flags & FF_MULTILINE)
        job = TextJob(widget, text, da, align, multiline, comb)
        if _is_list_box(node):
            exports = [e for e, _ in node.options()]
            selected = frozenset(exports.index(v) for v in chosen if v in exports)
            top = int(node.obj.get("/TI", 0))
            job = TextJob(widget, "", da, align, False, None, [d for _, d in node.options()], selected, top)
        jobs.append(job)
    return jobs


def _set_choice_index(node: FieldNode, values: list[str]) -> None:
    exports = [e for e, _ in node.options()]
    indexes = sorted(exports.index(v) for v in values if v in exports)
    if indexes:
        node.obj[NameObject("/I")] = ArrayObject(NumberObject(i) for i in indexes)
    elif "/I" in node.obj:
        del node.obj["/I"]


def _write_text_appearances(writer: PdfWriter, font: TrueTypeFont, jobs: list[TextJob]) -> None:
    if not jobs:
        return
    font_ref = _compat.add_object(writer, font.pdf_font(writer, "".join(j.all_text for j in jobs)))
    for job in jobs:
        job.widget[NameObject("/AP")] = DictionaryObject({
            NameObject("/N"): text_appearance(writer, font, font_ref, job),
        })
