"""The field model of fillable PDF forms (AcroForm): walking the field tree, listing.

A form's fields form a tree (``/Kids``); attributes such as the field type or the
default appearance are inherited down the tree. :class:`FieldNode` is one terminal
field with what it inherited; :class:`FormField` is its read-only description.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from kim_docs.errors import InputError

__all__ = ["FormField", "FieldNode", "KIND_LABELS", "field_nodes", "list_fields", "open_pdf", "widget_states"]

# Field flags (PDF 32000-1, 12.7.3.1 and 12.7.4)
FF_READ_ONLY = 1
FF_REQUIRED = 1 << 1
FF_MULTILINE = 1 << 12
FF_RADIO = 1 << 15
FF_PUSHBUTTON = 1 << 16
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

INHERITABLE = ("/FT", "/Ff", "/V", "/DA", "/Q", "/MaxLen", "/Opt")


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
class FieldNode:
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
            for state in widget_states(widget):
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


def widget_states(widget: DictionaryObject) -> list[str]:
    """On-state names (without "/") of a button widget's normal and down appearances."""
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


def _walk(fields: ArrayObject, prefix: str = "", inherited: dict | None = None) -> Iterator[FieldNode]:
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
        yield FieldNode(name, obj, widgets, attrs)


def acroform(doc: PdfReader | PdfWriter) -> DictionaryObject | None:
    """The document's /AcroForm dictionary, if it has one."""
    acro = doc.root_object.get("/AcroForm")
    acro = acro.get_object() if acro is not None else None
    return acro if isinstance(acro, DictionaryObject) else None


def field_nodes(doc: PdfReader | PdfWriter, path: Path) -> list[FieldNode]:
    """Every terminal field in document order; InputError if there are none."""
    acro = acroform(doc)
    if acro is None or not acro.get("/Fields"):
        raise InputError("Die PDF-Datei enthält keine Formularfelder.", datei=str(path))
    fields = acro["/Fields"].get_object()
    return list(_walk(fields)) if isinstance(fields, ArrayObject) else []


def open_pdf(path: str | os.PathLike) -> PdfReader:
    """The PDF for reading; a German InputError if it is missing or broken."""
    path = Path(path)
    try:
        return PdfReader(path)
    except FileNotFoundError:
        raise InputError("Datei nicht gefunden.", datei=str(path)) from None
    except (PdfReadError, OSError, ValueError) as exc:
        raise InputError(f"PDF-Datei kann nicht gelesen werden ({exc}).", datei=str(path)) from None


def list_fields(pdf_path: str | os.PathLike) -> list[FormField]:
    """Every terminal field of the form, in document order."""
    return [node.to_field() for node in field_nodes(open_pdf(pdf_path), Path(pdf_path))]
