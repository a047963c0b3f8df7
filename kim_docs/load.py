"""Reading YAML and JSON files into plain data, exactly.

Amounts stay exact: a YAML float is built as `Decimal` from its source text and JSON
floats are parsed with `parse_float=Decimal`, so no value ever passes through a binary
float. For YAML the position (line, column) of every value is kept, so that later
errors can point at the place in the file.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

# the C loader is several times faster; fall back to pure Python where absent
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Positions = dict[str, tuple[int, int]]

_TYPE_NAMES = {list: "eine Liste", str: "ein Text", int: "eine Zahl", Decimal: "eine Zahl",
               bool: "ein Wahrheitswert", type(None): "nichts (null)"}


class _ExactLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that builds floats as Decimal and reports impossible dates."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = node.value.replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return node.value  # '.inf', '.nan': left as text, the schema rejects it
    return value if value.is_finite() else node.value


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise InputError(
            f"'{node.value}' ist kein gültiges Datum",
            zeile=node.start_mark.line + 1, spalte=node.start_mark.column + 1,
        ) from None


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def read_text(path: Path) -> str:
    """Read a file as UTF-8 (a BOM is allowed), with German errors."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("Datei nicht gefunden", datei=str(path)) from None
    except IsADirectoryError:
        raise InputError("ist ein Ordner, keine Datei", datei=str(path)) from None
    except OSError as exc:
        raise InputError(f"Datei kann nicht gelesen werden ({exc.strerror})", datei=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"Datei ist nicht UTF-8-kodiert (ungültiges Byte 0x{raw[exc.start]:02x} an "
            f"Position {exc.start}); bitte als UTF-8 speichern",
            datei=str(path),
        ) from None
    if not text.strip():
        raise InputError("Datei ist leer", datei=str(path))
    return text


def load_yaml_text(text: str, datei: str) -> tuple[Any, Positions]:
    """Parse YAML text; returns the data and the position of every value path."""
    loader = _ExactLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("Datei enthält keine Daten", datei=datei)
        positions: Positions = {}
        data = _build(node, "", positions, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"YAML-Syntaxfehler: {_german(exc.problem or exc.context or '', _YAML_PROBLEMS)}",
            datei=datei,
            zeile=mark.line + 1 if mark else None,
            spalte=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML-Syntaxfehler: {exc}", datei=datei) from None
    except InputError as exc:
        exc.datei = exc.datei or datei
        raise
    finally:
        loader.dispose()
    return data, positions


_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


def _build(node: yaml.Node, path: str, positions: Positions, loader: yaml.SafeLoader) -> Any:
    """Build the data from the node tree and note every value's position on the way.

    One walk instead of PyYAML's constructor plus a second walk for the positions:
    constructing is the larger part of reading a case file.
    """
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        if any(key.tag == _MERGE_TAG for key, _ in node.value):
            return loader.construct_object(node, deep=True)  # '<<' merge keys: PyYAML's own rules
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if key_node.tag == _STR_TAG else _build(key_node, path, {}, loader)
            if key in result:
                raise InputError(f"Schlüssel '{key}' kommt doppelt vor",
                                 zeile=key_node.start_mark.line + 1, spalte=key_node.start_mark.column + 1)
            result[key] = _build(value_node, f"{path}.{key}" if path else str(key), positions, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, f"{path}[{i}]", positions, loader) for i, item in enumerate(node.value)]
    if node.tag == _STR_TAG:
        return node.value
    return loader.construct_object(node)


def load_json_text(text: str, datei: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(f"JSON-Syntaxfehler: {_german(exc.msg, _JSON_PROBLEMS)}", datei=datei,
                         zeile=exc.lineno, spalte=exc.colno) from None


def load_mapping(path: Path) -> tuple[dict[str, Any], Positions]:
    """Read a YAML or JSON file that must hold one mapping (an object)."""
    text = read_text(path)
    datei = str(path)
    positions: Positions = {}
    if path.suffix.lower() == ".json":
        data = load_json_text(text, datei)
    else:
        data, positions = load_yaml_text(text, datei)
    if not isinstance(data, dict):
        found = _TYPE_NAMES.get(type(data), type(data).__name__)
        raise InputError(
            f"Die Datei muss Schlüssel mit Werten enthalten (ein Objekt), gefunden wurde {found}",
            datei=datei, zeile=1 if positions else None,
        )
    return data, positions


_YAML_PROBLEMS = {
    "mapping values are not allowed here": "hier ist kein 'Schlüssel: Wert' erlaubt (Einrückung oder Doppelpunkt prüfen)",
    "could not find expected ':'": "':' erwartet",
    "did not find expected key": "Schlüssel erwartet (Einrückung prüfen)",
    "did not find expected ',' or ']'": "',' oder ']' erwartet (Liste nicht geschlossen?)",
    "did not find expected ',' or '}'": "',' oder '}' erwartet (Objekt nicht geschlossen?)",
    "did not find expected node content": "Wert erwartet",
    "did not find expected '-' indicator": "'-' erwartet (Einrückung der Liste prüfen)",
    "found character '\\t' that cannot start any token": "Tabulatorzeichen sind in YAML nicht erlaubt",
    "found undefined alias": "unbekannter Verweis (Alias)",
    "found unexpected end of stream": "unerwartetes Dateiende",
    "expected <block end>, but found": "Einrückung passt nicht",
    "found unknown escape character": "unbekanntes Escape-Zeichen",
}
_JSON_PROBLEMS = {
    "Expecting property name enclosed in double quotes": "Schlüssel in doppelten Anführungszeichen erwartet",
    "Expecting value": "Wert erwartet",
    "Expecting ',' delimiter": "Komma erwartet",
    "Expecting ':' delimiter": "Doppelpunkt erwartet",
    "Extra data": "weitere Daten nach dem Ende des Objekts",
    "Unterminated string starting at": "nicht abgeschlossene Zeichenkette",
    "Invalid control character at": "ungültiges Steuerzeichen",
    "Invalid \\escape": "ungültiges Escape-Zeichen",
}


def _german(problem: str, table: dict[str, str]) -> str:
    for english, german in table.items():
        if problem.startswith(english):
            return german
    return problem


def is_case_file(path: Path) -> bool:
    return path.suffix.lower() in {".yaml", ".yml", ".json"}


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their case files, sorted by name."""
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            result.extend(sorted(p for p in path.iterdir() if p.is_file() and is_case_file(p)))
        else:
            result.append(path)
    return result


