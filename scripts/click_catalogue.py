"""Keep kim-docs' German catalogue of click's own messages in step with the installed click.

click passes every text it shows through gettext: `_("...")` and
`ngettext("...", "...", n)`, looked up when the text is shown. This script reads the
source of the installed click with `ast` (nothing of click is imported but its version
and location) and updates kim_docs/cli/_click_de.py:

    python scripts/click_catalogue.py           # update; new messages get "" (untranslated)
    python scripts/click_catalogue.py --check   # only report; exit 1 if a text is missing
    python scripts/click_catalogue.py --prune   # update and drop what click no longer has

German texts already in the catalogue are kept. tests/test_cli_german.py fails as long
as a message of the installed click has no German text, so a click update that brings a
new message cannot slip through: run this script, then fill in the empty texts.
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "kim_docs" / "cli" / "_click_de.py"
TYPES_MODULE = "types"  # click's parameter types; their `name` appears in messages


@dataclass
class Extract:
    """The translatable texts of one click installation."""

    messages: set[str] = field(default_factory=set)
    plurals: set[tuple[str, str]] = field(default_factory=set)
    type_names: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)      # click modules that use gettext
    unresolved: list[str] = field(default_factory=list)  # calls whose text is not a literal


@dataclass
class Catalogue:
    messages: dict[str, str] = field(default_factory=dict)
    plurals: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    type_names: dict[str, str] = field(default_factory=dict)


def click_dir() -> Path:
    import click

    return Path(click.__file__).resolve().parent


def click_version() -> str:
    return metadata.version("click")


# --------------------------------------------------------------------------- extract


def extract(source_dir: Path) -> Extract:
    found = Extract()
    for path in sorted(source_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if _uses_gettext(tree):
            found.modules.add(path.stem)
        literals = _subscript_literals(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "_" and len(node.args) == 1:
                    _add_message(found, node.args[0], literals, f"{path.name}:{node.lineno}")
                elif node.func.id == "ngettext" and len(node.args) == 3:
                    _add_plural(found, node, f"{path.name}:{node.lineno}")
        if path.stem == TYPES_MODULE:
            found.type_names |= _type_names(tree)
    return found


def _uses_gettext(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "gettext" for node in tree.body)


def _subscript_literals(tree: ast.Module) -> dict[tuple[str, str], set[str]]:
    """`extra["required"] = "required"`: the texts a later `_(extra["required"])` looks up."""
    literals: dict[tuple[str, str], set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                key = _subscript_key(target)
                if key:
                    literals.setdefault(key, set()).add(node.value.value)
    return literals


def _subscript_key(node: ast.expr) -> tuple[str, str] | None:
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
        return node.value.id, node.slice.value
    return None


def _add_message(found: Extract, arg: ast.expr, literals: dict[tuple[str, str], set[str]], where: str) -> None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        found.messages.add(arg.value)
        return
    key = _subscript_key(arg)
    if key and key in literals:
        found.messages |= literals[key]
        return
    found.unresolved.append(f"{where}: _({ast.unparse(arg)})")


def _add_plural(found: Extract, node: ast.Call, where: str) -> None:
    singular, plural = node.args[0], node.args[1]
    if (isinstance(singular, ast.Constant) and isinstance(singular.value, str)
            and isinstance(plural, ast.Constant) and isinstance(plural.value, str)):
        found.plurals.add((singular.value, plural.value))
    else:
        found.unresolved.append(f"{where}: {ast.unparse(node)}")


def _type_names(tree: ast.Module) -> set[str]:
    """`name = "integer"` in the class bodies: shown in "'x' is not a valid {number_type}."."""
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            target: ast.expr
            value: ast.expr | None
            if isinstance(item, ast.Assign) and len(item.targets) == 1:
                target, value = item.targets[0], item.value
            elif isinstance(item, ast.AnnAssign):
                target, value = item.target, item.value
            else:
                continue
            if (isinstance(target, ast.Name) and target.id == "name" and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)):
                names.add(value.value)
    return names


# --------------------------------------------------------------------------- the catalogue file


def read_catalogue(path: Path = CATALOGUE) -> Catalogue:
    """The catalogue's literals, read without importing it (it may be half edited)."""
    if not path.exists():
        return Catalogue()
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name):
            values[target.id] = ast.literal_eval(value)
    return Catalogue(values.get("MESSAGES", {}), values.get("PLURALS", {}), values.get("TYPE_NAMES", {}))


def merge(old: Catalogue, found: Extract, prune: bool) -> Catalogue:
    """Every text of `found`, with the German of `old` where it has one."""
    def keep(entries: dict, wanted: set, empty: object) -> dict:
        merged = {key: entries.get(key, empty) for key in wanted}
        if not prune:
            merged.update({key: value for key, value in entries.items() if key not in wanted})
        return dict(sorted(merged.items()))

    return Catalogue(keep(old.messages, found.messages, ""), keep(old.plurals, found.plurals, ("", "")),
                     keep(old.type_names, found.type_names, ""))


def missing(catalogue: Catalogue, found: Extract) -> list[str]:
    """The texts of `found` the catalogue has no German for."""
    gaps = [m for m in sorted(found.messages) if not catalogue.messages.get(m)]
    gaps += [f"{s} / {p}" for s, p in sorted(found.plurals) if not all(catalogue.plurals.get((s, p), ("", "")))]
    gaps += [f"type name {n!r}" for n in sorted(found.type_names) if not catalogue.type_names.get(n)]
    return gaps


def render(catalogue: Catalogue, found: Extract, version: str) -> str:
    lines = [
        '"""German texts of click\'s own messages: usage, help, errors (installed by `_german`).',
        "",
        f"Generated by scripts/click_catalogue.py from click {version}. Edit only the German side;",
        'after a click update run the script again: new messages are added with "" and',
        "tests/test_cli_german.py fails until each has its German text.",
        '"""',
        "",
        f"CLICK_VERSION = {_lit(version)}",
        "",
        "# click's modules that take their texts through gettext",
        f"MODULES = {_lit(tuple(sorted(found.modules)))}",
        "",
        "# `_(...)`: English text, exactly as in click's source → German",
        "MESSAGES: dict[str, str] = {",
        *(f"    {_lit(k)}: {_lit(v)}," for k, v in catalogue.messages.items()),
        "}",
        "",
        "# `ngettext(singular, plural, n)` → (German singular, German plural)",
        "PLURALS: dict[tuple[str, str], tuple[str, str]] = {",
        *(f"    ({_lit(s)}, {_lit(p)}):\n        ({_lit(v[0])}, {_lit(v[1])}),"
          for (s, p), v in catalogue.plurals.items()),
        "}",
        "",
        "# the `name` of click's parameter types, part of \"'x' is not a valid {number_type}.\"",
        "TYPE_NAMES: dict[str, str] = {",
        *(f"    {_lit(k)}: {_lit(v)}," for k, v in catalogue.type_names.items()),
        "}",
        "",
    ]
    return "\n".join(lines)


def _lit(value: object) -> str:
    """A Python literal; strings as JSON strings, which are valid Python (umlauts kept)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(map(_lit, value)) + ("," if len(value) == 1 else "") + ")"
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report, write nothing")
    parser.add_argument("--prune", action="store_true", help="drop texts the installed click no longer has")
    args = parser.parse_args(argv)

    found = extract(click_dir())
    version = click_version()
    for call in found.unresolved:
        print(f"not a literal text, add it by hand: {call}", file=sys.stderr)
    catalogue = merge(read_catalogue(), found, args.prune)
    if not args.check:
        CATALOGUE.write_text(render(catalogue, found, version), encoding="utf-8")
        print(f"{CATALOGUE.relative_to(ROOT)}: {len(catalogue.messages)} texts, {len(catalogue.plurals)} plural "
              f"pairs, {len(catalogue.type_names)} type names (click {version})")
    gaps = missing(catalogue, found)
    for gap in gaps:
        print(f"no German text: {gap}", file=sys.stderr)
    return 1 if gaps or found.unresolved else 0


if __name__ == "__main__":
    sys.exit(main())
