"""The field model of fillable PDF forms (AcroForm): walking the field tree, listing.

A form's fields form a tree (``/Kids``); attributes such as the field type or the
default appearance are inherited down the tree. :class:`FieldNode` is one terminal
field with what it inherited; :class:`FormField` is its read-only description, with
one :class:`Widget` (page, on-state) per place the field is shown.

A field tree whose /Kids lead back to an ancestor (seen in the wild) is walked once:
the repeated part is skipped. An encrypted form is opened with its password (an empty
user password is tried first); see :func:`open_pdf`.
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

__all__ = [
    "FormField", "FieldNode", "KIND_LABELS", "Widget", "field_nodes", "flag_names", "list_fields", "open_pdf",
    "page_numbers", "widget_states",
]

# Field flags (PDF 32000-1, 12.7.3.1 and 12.7.4)
FF_READ_ONLY = 1
FF_REQUIRED = 1 << 1
FF_MULTILINE = 1 << 12
FF_NO_TOGGLE_OFF = 1 << 14
FF_RADIO = 1 << 15
FF_PUSHBUTTON = 1 << 16
FF_COMBO = 1 << 17
FF_EDIT = 1 << 18
FF_MULTI_SELECT = 1 << 21
FF_COMB = 1 << 24
ANNOT_HIDDEN = 1 << 1

FLAG_NAMES = {
    FF_READ_ONLY: "ReadOnly", FF_REQUIRED: "Required", 1 << 2: "NoExport", FF_MULTILINE: "Multiline",
    1 << 13: "Password", 1 << 20: "FileSelect", 1 << 22: "DoNotSpellCheck", 1 << 23: "DoNotScroll",
    FF_COMB: "Comb", 1 << 25: "RichText",
}
BUTTON_FLAGS = {FF_NO_TOGGLE_OFF: "NoToggleToOff", FF_RADIO: "Radio", FF_PUSHBUTTON: "Pushbutton",
                1 << 25: "RadiosInUnison"}
CHOICE_FLAGS = {FF_COMBO: "Combo", FF_EDIT: "Edit", 1 << 19: "Sort", FF_MULTI_SELECT: "MultiSelect",
                1 << 22: "DoNotSpellCheck", 1 << 26: "CommitOnSelChange"}

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
class Widget:
    """One place a field is shown: page (from 1, None if on no page), its on-state
    (checkbox and radio), its rectangle (x0, y0, x1, y1)."""

    page: int | None
    on_state: str | None = None
    rect: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class FormField:
    """One terminal form field, addressed by its fully qualified name.

    A checkbox whose widgets have one on-state has the value True/False; a checkbox
    group whose widgets have different on-states ("check only one box") has the
    chosen state name or None, like a radio group.
    """

    name: str
    kind: str  # text | checkbox | radio | choice | signature | button
    value: str | bool | list[str] | None
    states: tuple[str, ...] = ()  # on-state names of checkbox/radio, without "/"
    options: tuple[str, ...] = ()  # export values of a choice field
    max_length: int | None = None
    required: bool = False
    read_only: bool = False
    multiline: bool = False
    option_texts: tuple[str, ...] = ()  # display texts of a choice field, in the order of options
    flags: int = 0
    widgets: tuple[Widget, ...] = ()
    combo: bool = False
    editable: bool = False
    multi_select: bool = False

    @property
    def group(self) -> bool:
        """A checkbox group whose boxes have different on-states."""
        return self.kind == "checkbox" and len(self.states) > 1

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name, "type": self.kind, "value": self.value,
            "flags": self.flags, "flag_names": flag_names(self.kind, self.flags),
            "pages": sorted({w.page for w in self.widgets if w.page is not None}),
            "widgets": [{"page": w.page, "on_state": w.on_state, "rect": list(w.rect) if w.rect else None}
                        for w in self.widgets],
        }
        if self.kind in ("checkbox", "radio"):
            data["states"] = list(self.states)
        if self.kind == "choice":
            data["options"] = [{"value": v, "text": t} for v, t in zip(self.options, self.option_texts)]
            data.update(combo=self.combo, editable=self.editable, multi_select=self.multi_select)
        if self.max_length is not None:
            data["max_length"] = self.max_length
        return data

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

    def to_field(self, pages: dict[int, int] | None = None) -> FormField:
        kind = self.kind
        states = self.on_states() if kind in ("checkbox", "radio") else ()
        options = self.options() if kind == "choice" else []
        value = _current_value(kind, self.attrs.get("/V"))
        if kind == "checkbox" and len(states) > 1:
            raw = self.attrs.get("/V")
            value = None if raw is None or str(raw) == "/Off" else str(raw)[1:]
        return FormField(
            name=self.name,
            kind=kind,
            value=value,
            states=states,
            options=tuple(e for e, _ in options),
            max_length=int(self.attrs["/MaxLen"]) if "/MaxLen" in self.attrs else None,
            required=bool(self.flags & FF_REQUIRED),
            read_only=bool(self.flags & FF_READ_ONLY),
            multiline=kind == "text" and bool(self.flags & FF_MULTILINE),
            option_texts=tuple(t for _, t in options),
            flags=self.flags,
            widgets=tuple(self._widget_info(w, pages or {}) for w in self.widgets),
            combo=kind == "choice" and bool(self.flags & FF_COMBO),
            editable=kind == "choice" and bool(self.flags & FF_COMBO) and bool(self.flags & FF_EDIT),
            multi_select=kind == "choice" and bool(self.flags & FF_MULTI_SELECT),
        )

    def _widget_info(self, widget: DictionaryObject, pages: dict[int, int]) -> Widget:
        ref = widget.indirect_reference
        page = pages.get(ref.idnum) if ref is not None else None
        states = widget_states(widget) if self.kind in ("checkbox", "radio") else []
        rect = widget.get("/Rect")
        box = tuple(round(float(v), 2) for v in rect) if isinstance(rect, ArrayObject) and len(rect) == 4 else None
        return Widget(page, states[0] if states else None, box)  # type: ignore[arg-type]


def flag_names(kind: str, flags: int) -> list[str]:
    """Names (as in PDF 32000-1) of the field flags set."""
    names = dict(FLAG_NAMES) if kind == "text" else {FF_READ_ONLY: "ReadOnly", FF_REQUIRED: "Required",
                                                     1 << 2: "NoExport"}
    names.update(BUTTON_FLAGS if kind in ("checkbox", "radio", "button") else {})
    names.update(CHOICE_FLAGS if kind == "choice" else {})
    return [name for bit, name in sorted(names.items()) if flags & bit]


def page_numbers(doc: PdfReader | PdfWriter) -> dict[int, int]:
    """Object number of each annotation → its page (from 1)."""
    pages: dict[int, int] = {}
    for number, page in enumerate(doc.pages, start=1):
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else []
        for ref in annots if isinstance(annots, ArrayObject) else []:
            if isinstance(ref, IndirectObject):
                pages.setdefault(ref.idnum, number)
    return pages


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


def _current_value(kind: str, raw: Any) -> str | bool | list[str] | None:
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
        return [str(v) for v in raw]
    return str(raw)


def _walk(fields: ArrayObject, prefix: str = "", inherited: dict | None = None,
          seen: set[int] | None = None) -> Iterator[FieldNode]:
    seen = set() if seen is None else seen
    for ref in fields:
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:  # circular /Kids: this part of the tree was walked already
                continue
            seen.add(ref.idnum)
        obj = ref.get_object()
        if not isinstance(obj, DictionaryObject):
            continue
        attrs = dict(inherited or {})
        attrs.update({k: obj[k] for k in INHERITABLE if k in obj})
        part = str(obj.get("/T", ""))
        name = f"{prefix}.{part}" if prefix and part else (part or prefix)
        kid_refs = [k for k in obj.get("/Kids", []) or [] if not (isinstance(k, IndirectObject) and k.idnum in seen)]
        kids = [k.get_object() for k in kid_refs]
        if any(isinstance(k, DictionaryObject) and "/T" in k for k in kids):
            yield from _walk(ArrayObject(r for r, k in zip(kid_refs, kids) if "/T" in k), name, attrs, seen)
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


def open_pdf(path: str | os.PathLike, password: str | None = None) -> PdfReader:
    """The PDF for reading, decrypted if need be; a German InputError if it is missing,
    broken, or encrypted with a password that is not given or wrong."""
    path = Path(path)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(password or ""):
            if password:
                raise InputError("Das Passwort für die verschlüsselte PDF-Datei ist falsch.", datei=str(path))
            raise InputError("Die PDF-Datei ist mit einem Passwort geschützt; bitte das Passwort mit "
                             "--password-file DATEI angeben.", datei=str(path))
        return reader
    except FileNotFoundError:
        raise InputError("Datei nicht gefunden.", datei=str(path)) from None
    except (PdfReadError, OSError, ValueError, NotImplementedError) as exc:
        raise InputError(f"PDF-Datei kann nicht gelesen werden ({exc}).", datei=str(path)) from None


def list_fields(pdf_path: str | os.PathLike, password: str | None = None) -> list[FormField]:
    """Every terminal field of the form, in document order."""
    reader = open_pdf(pdf_path, password)
    pages = page_numbers(reader)
    return [node.to_field(pages) for node in field_nodes(reader, Path(pdf_path))]
