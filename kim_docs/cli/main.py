"""The root group `kim-docs` with its own commands (validate, calc, schema, rules); the
other command groups (render, batch, pdf, templates) live in modules of their own.

The command line is thin: it parses arguments, calls the library, prints German text.
Heavy libraries are imported inside the commands, so `kim-docs --help` stays fast.
Exit status: 0 no Fehler, 1 a Befund is a Fehler (or a document failed), 2 the input
cannot be read or the command is misused, 130 interrupted (Ctrl-C, SIGTERM).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ._common import CONTEXT, ErrorHandlingGroup, echo, fail, json_option, rules_dirs_of
from .batch import batch
from .pdf import pdf
from .render import render
from .templates import templates


def _rule_sets(ctx: click.Context) -> Any:
    from ..rules import load_rule_sets

    return load_rule_sets(rules_dirs_of(ctx))


@click.group(name="kim-docs", cls=ErrorHandlingGroup, context_settings=CONTEXT)
@click.option("--rules-dir", "rules_dirs", multiple=True, metavar="ORDNER",
              type=click.Path(file_okay=False, path_type=Path),
              help="Zusätzlicher Ordner mit Regelwerken (mehrfach möglich; auch Umgebungsvariable "
                   "KIM_DOCS_RULES_DIR).")
@click.version_option(package_name="kim-docs", message="kim-docs %(version)s")
@click.pass_context
def main(ctx: click.Context, rules_dirs: tuple[Path, ...]) -> None:
    """kim-docs: Dokumente des Förderprogramms Kommunales Integrationsmanagement NRW.

    Prüft Fälle gegen die Richtlinie, berechnet die Zuwendung und erstellt Antrag,
    Zuwendungsbescheid, Auszahlungsanforderung und Verwendungsnachweis.
    """
    ctx.ensure_object(dict)
    ctx.obj["rules_dirs"] = rules_dirs


@main.command()
@click.argument("dateien", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option()
@click.pass_context
def validate(ctx: click.Context, dateien: tuple[Path, ...], as_json: bool) -> None:
    """Prüft Falldateien (oder Ordner mit Falldateien) gegen die Richtlinie.

    Gibt alle Befunde auf einmal aus. Exit-Status: 0 ohne Fehler, 1 bei einem Fehler,
    2 wenn eine Datei nicht gelesen werden kann.
    """
    from ..errors import InputError
    from ..evaluate import evaluate
    from ..findings import count_text
    from ..load import expand_paths
    from ..model import load_case
    from ..report import befunde_text

    rule_sets = _rule_sets(ctx)
    results: list[dict[str, Any]] = []
    status = 0
    paths = expand_paths(list(dateien))
    if not paths:
        fail("keine Falldateien (.yaml, .yml, .json) gefunden")
    for path in paths:
        try:
            ergebnis = evaluate(load_case(path), rule_sets)
        except InputError as exc:
            status = 2
            results.append({"datei": str(path), "fehler": str(exc)})
            if not as_json:
                echo(f"✗ {exc}", err=True)
            continue
        status = max(status, ergebnis.exit_code)
        results.append({"datei": str(path), "befunde": [b.as_dict() for b in ergebnis.befunde]})
        if not as_json:
            mark = "✗" if ergebnis.hat_fehler else "✓"
            echo(f"{mark} {path}: {count_text(ergebnis.befunde)}")
            for line in befunde_text(ergebnis.befunde):
                echo(line)
    if as_json:
        echo(json.dumps(results, ensure_ascii=False, indent=2))
    elif len(paths) > 1:
        ok = sum(1 for r in results if "befunde" in r and not any(b["schwere"] == "fehler" for b in r["befunde"]))
        echo(f"\n{len(paths)} Fälle geprüft: {ok} ohne Fehler, {len(paths) - ok} mit Fehlern oder unlesbar.")
    sys.exit(status)


@main.command()
@click.argument("datei", type=click.Path(path_type=Path))
@json_option("Ergebnis als JSON (wie in der Spezifikation) ausgeben.")
@click.pass_context
def calc(ctx: click.Context, datei: Path, as_json: bool) -> None:
    """Berechnet Höchstbeträge, Zuwendung, Raten, Weiterleitung und Fristen eines Falls.

    Exit-Status: 0 ohne Fehler, 1 bei einem Fehler, 2 wenn die Datei nicht gelesen werden kann.
    """
    from ..evaluate import evaluate
    from ..model import load_case
    from ..report import calc_json, calc_text

    ergebnis = evaluate(load_case(datei), _rule_sets(ctx))
    if as_json:
        echo(json.dumps(calc_json(ergebnis), ensure_ascii=False, indent=2))
    else:
        echo(calc_text(ergebnis, str(datei)))
    sys.exit(ergebnis.exit_code)


@main.command()
def schema() -> None:
    """Gibt das JSON-Schema der Falldatei aus (für Editoren und andere Systeme)."""
    from ..model import json_schema

    echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.pass_context
def rules(ctx: click.Context) -> None:
    """Zeigt die bekannten Regelwerke (Richtlinien) mit Geltung und Beträgen."""
    from ..report import rules_text

    echo(rules_text(_rule_sets(ctx)))


for _group in (batch, pdf, render, templates):  # imported above: light, like this module
    main.add_command(_group)
