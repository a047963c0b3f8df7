"""The catalogue of what a template may use: every variable with an example, every filter.

`kim-docs templates variables` prints it; docs/variablen.md is its Markdown, and a test
keeps the two equal.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..templating import make_jinja_env
from ..variables import CATALOGUE, FILTERS
from .docx import KINDS, shorten
from .samples import MAIN_SAMPLE, SAMPLES, Sample, default_samples

#: Example inputs of the filters (the catalogue shows what each filter makes of them).
FILTER_EXAMPLES = {"euro": "1234.5", "datum": "2025-01-20", "datum_lang": "2025-01-20", "anteil": "0.5",
                   "in_worten": "300.05"}


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    typ: str
    bedeutung: str
    beispiel: Any  # the value of a sample case (lists: their length)


def variable_catalogue(samples: Iterable[Sample] | None = None) -> list[CatalogueEntry]:
    """Every documented variable with an example from the samples (main sample first)."""
    examples: dict[str, Any] = {}
    for sample in (default_samples(str(SAMPLES)) if samples is None else samples):
        for kind in KINDS:
            if sample.has(kind):
                _collect(sample.context(kind), "", examples)
    return [CatalogueEntry(v.name, v.typ, v.bedeutung, examples.get(v.name)) for v in CATALOGUE]


def _collect(value: Any, name: str, examples: dict[str, Any]) -> None:
    """Like context.flatten, but every list item is looked at: the first non-empty value wins."""
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{name}.{key}" if name else key, examples)
        return
    if name not in examples or (_empty(examples[name]) and not _empty(value)):
        examples[name] = value
    if isinstance(value, list):
        for item in value:
            _collect(item, f"{name}[]", examples)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def filter_catalogue() -> list[tuple[str, str, str]]:
    """(name, meaning, example 'Eingabe → Ausgabe') of every kim-docs filter."""
    env = make_jinja_env(autoescape=False)
    rows = []
    for name, meaning in FILTERS.items():
        value = FILTER_EXAMPLES.get(name)
        example = f"{value} → {env.from_string('{{ x | ' + name + ' }}').render(x=value)}" if value else ""
        rows.append((name, meaning, example))
    return rows


def example_text(value: Any, width: int = 70) -> str:
    if isinstance(value, bool):
        return "wahr" if value else "falsch"
    if isinstance(value, list):
        return f"{len(value)} Eintr{'ag' if len(value) == 1 else 'äge'}"
    if value is None or value == "":
        return "(leer)"
    return shorten(" ".join(str(value).split()), width=width)


def catalogue_markdown(entries: list[CatalogueEntry]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["# Variablen und Filter der Vorlagen", "",
             "Erzeugt mit `kim-docs templates variables --format md > docs/variablen.md` aus dem Code",
             "(`kim_docs/context.py`); nicht von Hand ändern. Die Beispiele stammen aus den Beispielfällen",
             f"in `samples/` (zuerst `{MAIN_SAMPLE}`). `[]` steht für einen Eintrag einer Liste:",
             "`stellen[].nr` heißt in der Schleife `{%tr for s in stellen %}` einfach `s.nr`.", "",
             "## Variablen", "", "| Variable | Typ | Bedeutung | Beispiel |", "| --- | --- | --- | --- |"]
    lines += [f"| `{e.name}` | {e.typ} | {cell(e.bedeutung)} | {cell(example_text(e.beispiel))} |" for e in entries]
    lines += ["", "## Filter", "", "Anwendung: `{{ variable | filter }}`. Dazu kommen die eingebauten Filter von Jinja",
              "(z. B. `upper`, `length`, `default`).", "", "| Filter | Bedeutung | Beispiel |", "| --- | --- | --- |"]
    lines += [f"| `{n}` | {cell(m)} | {cell(x)} |" for n, m, x in filter_catalogue()]
    return "\n".join(lines) + "\n"


def catalogue_json(entries: list[CatalogueEntry]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return example_text(value) if isinstance(value, list) else value

    return {"variablen": [{"name": e.name, "typ": e.typ, "bedeutung": e.bedeutung, "beispiel": plain(e.beispiel)}
                          for e in entries],
            "filter": [{"name": n, "bedeutung": m, "beispiel": x} for n, m, x in filter_catalogue()]}

