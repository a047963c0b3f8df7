"""Reading YAML and JSON files into plain data, exactly.

Amounts stay exact: a YAML float is built as `Decimal` from its source text and JSON
floats are parsed with `parse_float=Decimal`, so no value ever passes through a binary
float. For YAML the position (line, column) of every value is kept, so that later
errors can point at the place in the file.
"""
from __future__ import annotations

import json
import os
import re
import stat
from decimal import Decimal
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
    """Safe loader whose numbers, booleans and dates go through `_scalar` (also under '<<')."""


#: Only plain decimal numbers are numbers. YAML 1.1 also reads 025000 as octal, 0x2710 as
#: hex, 0b1010 as binary, 2:46:40 as sexagesimal and 1_000 with separators: in a case file
#: that silently changes an amount, so these forms are refused (JSON does not know them either).
_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_DECIMAL_FLOAT = re.compile(r"[-+]?(0|[1-9][0-9]*)?\.[0-9]*([eE][-+]?[0-9]+)?")
#: Longer numbers are no amount; int() of 4 300+ digits would even fail.
MAX_NUMBER_CHARS = 30
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_PLAIN_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def _scalar(node: yaml.ScalarNode, feld: str | None) -> Any:
    """An int, float, bool or timestamp scalar, strictly; None: not one of these tags."""
    text = node.value
    if node.tag in (_INT_TAG, _FLOAT_TAG):
        if len(text) > MAX_NUMBER_CHARS:
            raise _error(f"Zahl mit {len(text)} Zeichen ist zu lang (höchstens {MAX_NUMBER_CHARS})", node, feld)
        if _DECIMAL_INT.fullmatch(text):
            return int(text) if node.tag == _INT_TAG else Decimal(text)
        if _DECIMAL_FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
            return Decimal(text)
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            return text  # left as text, the schema rejects it
        raise _error(
            f"'{text}' ist keine Dezimalzahl (führende Null, 0x, 0b, ':' und '_' sind nicht erlaubt); "
            "die Zahl ohne diese Zeichen schreiben oder als Text in Anführungszeichen", node, feld)
    if node.tag == _BOOL_TAG:
        if text.lower() not in _BOOLS:
            raise _error(f"'{text}' ist kein Wahrheitswert (true oder false)", node, feld)
        return _BOOLS[text.lower()]
    if node.tag == _TIMESTAMP_TAG:
        try:
            return _PLAIN_CONSTRUCTOR.construct_yaml_timestamp(node)
        except (ValueError, AttributeError, TypeError):  # AttributeError: no date pattern at all
            raise _error(f"'{text}' ist kein gültiges Datum", node, feld) from None
    return None


def _error(message: str, node: yaml.Node, feld: str | None) -> InputError:
    return InputError(message, feld=feld or None, zeile=node.start_mark.line + 1,
                      spalte=node.start_mark.column + 1)


def _construct_strict(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return _scalar(node, None)


for _tag in (_INT_TAG, _FLOAT_TAG, _BOOL_TAG, _TIMESTAMP_TAG):
    _ExactLoader.add_constructor(_tag, _construct_strict)


#: Case files and rule sets are a few kilobytes; a FIFO, /dev/zero or a huge file is refused.
MAX_FILE_BYTES = 5 * 1024 * 1024


def read_bytes_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, with German errors.

    Opened without blocking and checked on the open file: a FIFO cannot hang the read,
    a device like /dev/zero cannot fill the memory, a swapped file is the one checked."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("Datei nicht gefunden", datei=str(path)) from None
    except IsADirectoryError:
        raise InputError("ist ein Ordner, keine Datei", datei=str(path)) from None
    except OSError as exc:
        raise InputError(f"Datei kann nicht gelesen werden ({exc.strerror})", datei=str(path)) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise InputError("ist ein Ordner, keine Datei", datei=str(path))
        if not stat.S_ISREG(info.st_mode):
            raise InputError("ist keine gewöhnliche Datei (z. B. eine Pipe oder ein Gerät)", datei=str(path))
        if info.st_size > limit:
            raise InputError(f"Datei ist zu groß ({_megabytes(info.st_size)}, höchstens {_megabytes(limit)})",
                             datei=str(path))
        try:
            raw = file.read(limit + 1)
        except OSError as exc:
            raise InputError(f"Datei kann nicht gelesen werden ({exc.strerror})", datei=str(path)) from None
    if len(raw) > limit:  # grew while being read
        raise InputError(f"Datei ist zu groß (höchstens {_megabytes(limit)})", datei=str(path))
    return raw


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def read_text(path: Path) -> str:
    """Read a file as UTF-8 (a BOM is allowed), with German errors."""
    raw = read_bytes_limited(path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("Datei ist UTF-16-kodiert; UTF-16 wird nicht unterstützt, bitte als UTF-8 speichern",
                         datei=str(path))
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
        data = _Builder(loader, positions).build(node, "", 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"YAML-Syntaxfehler: {_german(exc.problem or exc.context or '', _YAML_PROBLEMS)}",
            datei=datei,
            zeile=mark.line + 1 if mark else None,
            spalte=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML-Syntaxfehler: {_german(str(exc), _YAML_PROBLEMS)}", datei=datei) from None
    except RecursionError:
        raise InputError(f"zu tief verschachtelt (höchstens {MAX_DEPTH} Ebenen)", datei=datei) from None
    except InputError as exc:
        exc.datei = exc.datei or datei
        raise
    finally:
        loader.dispose()
    return data, positions


_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
#: A case file has a few hundred values; aliases may not multiply them beyond this
#: (an "alias bomb" of a few lines expands to gigabytes).
MAX_NODES = 100_000
MAX_DEPTH = 100


class _Builder:
    """Builds the data from the node tree and notes every value's position on the way.

    One walk instead of PyYAML's constructor plus a second walk for the positions
    (constructing is the larger part of reading a case file). It counts every value it
    builds, so aliases cannot expand without bound, and refuses an alias inside itself.
    """

    def __init__(self, loader: yaml.SafeLoader, positions: Positions) -> None:
        self.loader = loader
        self.positions = positions
        self.count = 0
        self.open: set[int] = set()  # ids of the collections being built: a cycle returns to one

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _error(f"zu viele Werte (mehr als {MAX_NODES:_}; Verweise/Aliase werden mitgezählt)"
                         .replace("_", "."), node, path)
        if depth > MAX_DEPTH:
            raise _error(f"zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen)", node, path)
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self.open:
            raise _error("Verweis (Alias) auf sich selbst", node, path)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
            return [self.build(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: str) -> Any:
        if node.tag == _STR_TAG:
            return node.value
        value = _scalar(node, path)
        return value if value is not None else self.loader.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[Any, Any]:
        own = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        if len(own) != len(node.value):
            self.loader.flatten_mapping(node)  # '<<': merged pairs first, PyYAML's rules
        merged = node.value[:len(node.value) - len(own)]
        result: dict[Any, Any] = {}
        seen: set[Any] = set()  # own keys: a merged key may be overridden, an own one not repeated
        for index, (key_node, value_node) in enumerate(merged + own):
            key = self._key(key_node, path)
            if index >= len(merged):
                if key in seen:
                    raise InputError(f"Schlüssel '{key}' kommt doppelt vor",
                                     zeile=key_node.start_mark.line + 1, spalte=key_node.start_mark.column + 1)
                seen.add(key)
            result[key] = self.build(value_node, f"{path}.{key}" if path else str(key), depth + 1)
        return result

    def _key(self, key_node: yaml.Node, path: str) -> Any:
        if not isinstance(key_node, yaml.ScalarNode):
            raise InputError("Ein Schlüssel muss ein einfacher Wert sein, keine Liste und kein Objekt",
                             feld=path or None, zeile=key_node.start_mark.line + 1,
                             spalte=key_node.start_mark.column + 1)
        return key_node.value if key_node.tag == _STR_TAG else self._scalar(key_node, path)


def load_json_text(text: str, datei: str) -> Any:
    """Parse JSON exactly: floats as Decimal, duplicate keys and NaN/Infinity refused."""
    try:
        return json.loads(text, parse_float=_json_decimal, parse_int=_json_int,
                          parse_constant=_json_constant, object_pairs_hook=_JsonObject(text))
    except json.JSONDecodeError as exc:
        raise InputError(f"JSON-Syntaxfehler: {_german(exc.msg, _JSON_PROBLEMS)}", datei=datei,
                         zeile=exc.lineno, spalte=exc.colno) from None
    except RecursionError:
        raise InputError("zu tief verschachtelt", datei=datei) from None
    except InputError as exc:
        exc.datei = exc.datei or datei
        raise


class _JsonObject:
    """object_pairs_hook: a key twice in one object is an error (json keeps the last silently).

    The hook does not know where the object is; the line is named when the key occurs
    exactly twice in the file, so that the second occurrence is the duplicate."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(f"Schlüssel '{key}' kommt doppelt vor", zeile=self._line_of_second(key))
            result[key] = value
        return result

    def _line_of_second(self, key: str) -> int | None:
        found = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", self.text)]
        if len(found) != 2:
            found = [m.start() for m in re.finditer(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:",
                                                    self.text)]
        return self.text.count("\n", 0, found[1]) + 1 if len(found) == 2 else None


def _json_number_text(text: str) -> str:
    if len(text) > MAX_NUMBER_CHARS:
        raise InputError(f"Zahl mit {len(text)} Zeichen ist zu lang (höchstens {MAX_NUMBER_CHARS})")
    return text


def _json_decimal(text: str) -> Decimal:
    return Decimal(_json_number_text(text))


def _json_int(text: str) -> int:
    return int(_json_number_text(text))


def _json_constant(name: str) -> Any:
    raise InputError(f"'{name}' ist keine Zahl")


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
    "exceeded maximum nesting depth": "zu tief verschachtelt",
    "could not determine a constructor for the tag": "unbekannter Typ (Tag)",
    "found unconstructable recursive node": "Verweis (Alias) auf sich selbst",
    "found unhashable key": "ein Schlüssel muss ein einfacher Wert sein",
    "expected a mapping for merging": "'<<' erwartet ein Objekt",
    "expected a mapping or list of mappings for merging": "'<<' erwartet ein Objekt oder eine Liste von Objekten",
    "failed to decode base64 data": "ungültige Base64-Daten",
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


