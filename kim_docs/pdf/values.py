"""The values a form is filled with: read from a file, checked against the fields.

A values file (JSON or YAML) maps full field names to plain values: a text; true or
false for a checkbox; the on-state name for a checkbox group or a radio group; the
option (export value or display text) of a choice field, own text for an editable
combo box, a list for a multi-select list box. :func:`check_values` turns them into
what :mod:`.fill` sets, or raises an InputError naming the file and the field.
"""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from kim_docs.errors import InputError

from .acroform import FF_COMBO, FF_EDIT, FF_MULTI_SELECT, FF_MULTILINE, FF_READ_ONLY, KIND_LABELS, FieldNode
from .fonts import TrueTypeFont

__all__ = ["OFF", "check_values", "load_values"]

OFF = "Off"  # the off-state of every checkbox and radio button


class _PlainLoader(yaml.SafeLoader):
    """YAML with only true/false and null besides text: 0049 stays a text, 1.50 too,
    a date is not turned into one, and yes/no/on/off are words."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in ("tag:yaml.org,2002:null",)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _PlainLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), [_first])


def load_values(path: Path) -> dict[str, Any]:
    """Field name → value from a .json or .yaml file (German InputError if unusable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("Datei nicht gefunden.", datei=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Datei kann nicht gelesen werden ({exc}).", datei=str(path)) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=str, parse_int=str)
        except json.JSONDecodeError as exc:
            raise InputError(f"kein gültiges JSON ({exc.msg})", datei=str(path), zeile=exc.lineno,
                             spalte=exc.colno) from None
    else:
        try:
            data = yaml.load(text, Loader=_PlainLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(f"kein gültiges YAML ({getattr(exc, 'problem', exc)})", datei=str(path),
                             zeile=mark.line + 1 if mark else None, spalte=mark.column + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise InputError("Werte müssen eine Tabelle 'Feldname: Wert' sein.", datei=str(path))
    for key, value in data.items():
        if isinstance(value, dict) or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            raise InputError("Wert muss ein Text, true/false oder eine Liste von Texten sein.",
                             datei=str(path), feld=str(key))
    return {str(k): v for k, v in data.items()}


def check_values(path: Path, nodes: dict[str, FieldNode], values: dict[str, Any],
                 font: TrueTypeFont) -> dict[str, Any]:
    """Validated, normalised values; the first problem raises an InputError naming it."""
    checked = {}
    for key, value in values.items():
        if key not in nodes:
            raise _unknown_field(path, key, list(nodes))
        checked[key] = _check_value(path, nodes[key], value, font)
    return checked


def _error(path: Path, name: str, message: str) -> InputError:
    return InputError(message, datei=str(path), feld=name)


def _check_value(path: Path, node: FieldNode, value: Any, font: TrueTypeFont) -> Any:
    kind = node.kind
    if kind in ("signature", "button"):
        raise _error(path, node.name, f"{KIND_LABELS[kind]} kann nicht befüllt werden.")
    if node.flags & FF_READ_ONLY:
        raise _error(path, node.name, "Feld ist schreibgeschützt und kann nicht befüllt werden.")
    if kind == "checkbox":
        return _check_checkbox(path, node, value)
    if kind == "choice" and isinstance(value, list):
        return _check_multi(path, node, value)
    if isinstance(value, bool) or value is None or isinstance(value, list):
        raise _error(path, node.name, f"{KIND_LABELS[kind]} erwartet einen Text, nicht {value!r}.")
    if kind == "radio":
        return _check_state(path, node, str(value))
    if kind == "choice":
        return _check_choice(path, node, str(value))
    return _check_text(path, node, str(value), font)


def _check_checkbox(path: Path, node: FieldNode, value: Any) -> str:
    """The on-state to set ("Off" for none). A single box takes True/False (or its state
    name); a group whose boxes have different on-states takes the name of one."""
    states = node.on_states()
    if isinstance(value, bool):
        if value and len(states) > 1:
            raise _error(path, node.name, "Die Kästchen dieser Gruppe haben verschiedene Zustände; bitte einen "
                                          f"wählen: {', '.join(states)}.")
        return (states[0] if states else "Yes") if value else OFF
    if isinstance(value, str) and len(states) > 1:
        return _check_state(path, node, value)
    if isinstance(value, str) and value.lstrip("/") in (*states, OFF):
        return value.lstrip("/")
    raise _error(path, node.name, f"Ankreuzfeld erwartet True oder False, nicht {value!r}.")


def _check_state(path: Path, node: FieldNode, text: str) -> str:
    """A state name (a leading "/" is allowed, or the export value of /Opt); "" or "Off"
    switches the group off."""
    states = list(node.on_states())
    state = text[1:] if text.startswith("/") else text
    exports = [e for e, _ in node.options()]
    if state not in states and state in exports and str(exports.index(state)) in states:
        state = str(exports.index(state))  # /Opt: the states are the option indexes
    if state in ("", OFF):
        return OFF
    if state not in states:
        raise _error(path, node.name, f"Wert {text!r} ist keine Option; möglich: {', '.join(states)}.")
    return state


def _check_choice(path: Path, node: FieldNode, text: str) -> str:
    pairs = node.options()
    exports = [e for e, _ in pairs]
    if not text or text in exports:
        return text
    by_display = [e for e, d in pairs if d == text]
    if by_display:
        return by_display[0]
    if node.flags & FF_COMBO and node.flags & FF_EDIT:
        return text  # an editable combo box takes own text
    raise _error(path, node.name, f"Wert {text!r} ist keine Auswahlmöglichkeit; möglich: {', '.join(exports)}.")


def _check_multi(path: Path, node: FieldNode, items: list[str]) -> list[str]:
    if not node.flags & FF_MULTI_SELECT:
        raise _error(path, node.name, "Auswahlfeld erlaubt nur eine Auswahl, nicht eine Liste.")
    return [_check_choice(path, node, str(item)) for item in items]


def _check_text(path: Path, node: FieldNode, text: str, font: TrueTypeFont) -> str:
    if not node.flags & FF_MULTILINE:
        # a single-line field has no line breaks: they would show as missing glyphs
        text = " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    text = text.replace("\t", " ")
    max_len = node.attrs.get("/MaxLen")
    if max_len is not None and len(text) > int(max_len):
        raise _error(path, node.name, f"Wert hat {len(text)} Zeichen, erlaubt sind höchstens {int(max_len)}.")
    missing = font.missing(text)
    if missing:
        raise _error(path, node.name, f"Zeichen {' '.join(missing)} ist in der Schrift {font.name} nicht enthalten.")
    return text


def _unknown_field(path: Path, key: str, names: list[str]) -> InputError:
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f" Meinten Sie: {', '.join(close)}?" if close else ""
    return _error(path, key, f"Kein solches Feld im Formular.{hint}")
