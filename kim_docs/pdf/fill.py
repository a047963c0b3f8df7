"""Filling a PDF form: values checked first, then set, drawn, optionally flattened.

pypdf reads and writes the file; the appearance streams come from :mod:`.appearance`
with the embedded font of :mod:`.fonts`, so filled values show in every viewer without
/NeedAppearances and umlauts, ß, € and German quotes print.
"""
from __future__ import annotations

import difflib
import io
import os
from pathlib import Path
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject, TextStringObject

from kim_docs.errors import InputError
from kim_docs.files import write_atomic

from .. import _compat
from .acroform import (
    FF_COMB,
    FF_MULTILINE,
    FF_READ_ONLY,
    KIND_LABELS,
    FieldNode,
    acroform,
    field_nodes,
    open_pdf,
    widget_states,
)
from .appearance import TextJob, button_appearance, text_appearance
from .flatten import flatten as flatten_form
from .fonts import TrueTypeFont, load_font

__all__ = ["fill"]


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
    writer = PdfWriter(clone_from=open_pdf(form_path))
    nodes = {n.name: n for n in field_nodes(writer, form_path)}
    font = load_font()
    checked = _checked_values(form_path, nodes, values, font)
    acro = acroform(writer)
    assert acro is not None  # field_nodes found fields in it
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
            if node.name in checked or current not in (None, ""):
                text = str(current.get_object()) if current is not None else ""
                jobs += _text_jobs(node, text, default_da)
    _write_text_appearances(writer, font, jobs)
    if "/NeedAppearances" in acro:
        del acro["/NeedAppearances"]
    if flatten:
        flatten_form(writer, list(nodes.values()))
    return _write_atomically(writer, out_path)


def _checked_values(path: Path, nodes: dict[str, FieldNode], values: dict[str, Any],
                    font: TrueTypeFont) -> dict[str, Any]:
    checked = {}
    for key, value in values.items():
        if key not in nodes:
            raise _unknown_field(path, key, list(nodes))
        checked[key] = _check_value(path, nodes[key], value, font)
    return checked


def _set_value(node: FieldNode, value: Any) -> None:
    if node.kind == "checkbox":
        states = node.on_states()
        _set_button(node, states[0] if value else None)
    elif node.kind == "radio":
        _set_button(node, value or None)
    else:
        node.obj[NameObject("/V")] = TextStringObject(value)
        _set_choice_index(node, value)


# --------------------------------------------------------------------------- checks


def _error(path: Path, name: str, message: str) -> InputError:
    return InputError(message, datei=str(path), feld=name)


def _check_value(path: Path, node: FieldNode, value: Any, font: TrueTypeFont) -> Any:
    """Validated, normalised value for one field (raises InputError naming it)."""
    kind = node.kind
    if kind in ("signature", "button"):
        raise _error(path, node.name, f"{KIND_LABELS[kind]} kann nicht befüllt werden.")
    if node.flags & FF_READ_ONLY:
        raise _error(path, node.name, "Feld ist schreibgeschützt und kann nicht befüllt werden.")
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise _error(path, node.name, f"Ankreuzfeld erwartet True oder False, nicht {value!r}.")
        return value
    if isinstance(value, bool) or value is None:
        raise _error(path, node.name, f"{KIND_LABELS[kind]} erwartet einen Text, nicht {value!r}.")
    if kind == "radio":
        return _check_radio(path, node, str(value))
    if kind == "choice":
        return _check_choice(path, node, str(value))
    return _check_text(path, node, str(value), font)


def _check_radio(path: Path, node: FieldNode, text: str) -> str:
    """The state name (a leading "/" is allowed); "" switches the group off."""
    states = node.on_states()
    state = text[1:] if text.startswith("/") else text
    if state and state not in states:
        raise _error(path, node.name, f"Wert {text!r} ist keine Option; möglich: {', '.join(states)}.")
    return state


def _check_choice(path: Path, node: FieldNode, text: str) -> str:
    options = [e for e, _ in node.options()]
    if text and text not in options:
        raise _error(path, node.name, f"Wert {text!r} ist keine Auswahlmöglichkeit; möglich: {', '.join(options)}.")
    return text


def _check_text(path: Path, node: FieldNode, text: str, font: TrueTypeFont) -> str:
    max_len = node.attrs.get("/MaxLen")
    if max_len is not None and len(text) > int(max_len):
        raise _error(path, node.name, f"Wert hat {len(text)} Zeichen, erlaubt sind höchstens {int(max_len)}.")
    if not node.flags & FF_MULTILINE:
        # a single-line field has no line breaks: they would show as missing glyphs
        text = " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = text.replace("\t", " ")
    missing = font.missing(text)
    if missing:
        raise _error(path, node.name, f"Zeichen {' '.join(missing)} ist in der Schrift {font.name} nicht enthalten.")
    return text


def _unknown_field(path: Path, key: str, names: list[str]) -> InputError:
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f" Meinten Sie: {', '.join(close)}?" if close else ""
    return _error(path, key, f"Kein solches Feld im Formular.{hint}")


# --------------------------------------------------------------------------- setting values


def _set_button(node: FieldNode, state: str | None) -> None:
    value = NameObject(f"/{state}") if state else NameObject("/Off")
    node.obj[NameObject("/V")] = value
    for widget in node.widgets:
        own = widget_states(widget)
        on = state if state in own else (own[0] if own and node.kind == "checkbox" and state else None)
        widget[NameObject("/AS")] = NameObject(f"/{on}") if on else NameObject("/Off")


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


def _text_jobs(node: FieldNode, text: str, default_da: str) -> list[TextJob]:
    display = dict(node.options()).get(text, text) if node.kind == "choice" else text
    comb = int(node.attrs["/MaxLen"]) if node.flags & FF_COMB and "/MaxLen" in node.attrs else None
    jobs = []
    for widget in node.widgets:
        da = str(widget.get("/DA") or node.attrs.get("/DA") or default_da)
        align = int(widget.get("/Q", node.attrs.get("/Q", 0)))
        multiline = node.kind == "text" and bool(node.flags & FF_MULTILINE)
        jobs.append(TextJob(widget, display, da, align, multiline, comb))
    return jobs


def _set_choice_index(node: FieldNode, value: str) -> None:
    if node.kind != "choice":
        return
    exports = [e for e, _ in node.options()]
    if value in exports:
        node.obj[NameObject("/I")] = ArrayObject([NumberObject(exports.index(value))])
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


def _write_atomically(writer: PdfWriter, out_path: Path) -> Path:
    buffer = io.BytesIO()
    writer.write(buffer)
    return write_atomic(out_path, buffer.getvalue())

