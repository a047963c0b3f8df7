"""`kim-docs render`: the documents of one or more cases as DOCX and PDF/A."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..kinds import ALLE, KEYS
from ._common import (
    FORMATS,
    KimCommand,
    comma_list,
    echo,
    formats_option,
    out_dir_option,
    rules_dirs_of,
    templates_dir_option,
)

ARTEN = (*KEYS, ALLE)


@click.command(cls=KimCommand)
@click.argument("dokument", type=click.Choice(ARTEN), metavar="DOKUMENT")
@click.argument("faelle", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FALL...")
@out_dir_option()
@formats_option()
@click.option("--draft", is_flag=True, help="Auch Fälle mit Fehlern als ENTWURF erstellen (mit Befunden am Ende).")
@click.option("--embed-data", is_flag=True,
              help="Falldaten und Berechnung als fall.json in jedes PDF einbetten (PDF/A-3b).")
@templates_dir_option()
@click.option("--overwrite", is_flag=True,
              help="Dateien im Ausgabeordner ersetzen, auch wenn sie nicht aus kim-docs stammen.")
@click.pass_context
def render(ctx: click.Context, dokument: str, faelle: tuple[Path, ...], out_dir: Path, fmt: str, draft: bool,
           embed_data: bool, templates_dir: Path | None, overwrite: bool) -> None:
    """Erstellt Dokumente eines oder mehrerer Fälle als DOCX und PDF/A.

    DOKUMENT ist antrag, bescheid, auszahlung, verwendungsnachweis, pruefvermerk oder alle (alle
    Dokumente, für die der Fall die nötigen Angaben enthält). Ein Fall mit Fehlern
    ergibt kein Dokument (Exit-Status 1), außer mit --draft. Ein fehlerhafter Fall hält
    die anderen nicht auf.
    """
    from ..load import expand_paths
    from ..pipeline import render_cases
    from ..render import RenderOptions
    from ..rules import load_rule_sets

    formats = comma_list(fmt, FORMATS, "'--format'", unknown="unbekanntes Format")
    options = RenderOptions(formats=formats, draft=draft, templates_dir=templates_dir, embed_data=embed_data,
                            overwrite=overwrite)
    rule_sets = load_rule_sets(rules_dirs_of(ctx))
    run = render_cases(expand_paths(list(faelle)), dokument, out_dir, options, rule_sets=rule_sets,
                       observer=_printer())
    total = len(run.files)
    failed = len(run.failed)
    echo(f"{total} Datei{'en' if total != 1 else ''} in {out_dir} erstellt"
               f"{f', {failed} {_faelle(failed)} ohne Dokument' if failed else ''}.")
    # like validate and calc: 2 when a case file cannot be read, 1 when a case has Fehler
    sys.exit(2 if any(r.unreadable for r in run.failed) else 1 if failed else 0)


def _faelle(n: int) -> str:
    return "Fall" if n == 1 else "Fälle"


def _printer() -> Any:
    """Progress on stderr, one line per case."""
    from ..pipeline import RenderObserver
    from ..report import befunde_text

    class Printer(RenderObserver):
        def rendered(self, result: Any) -> None:
            note = f" (ohne {', '.join(result.skipped)}: Angaben fehlen)" if result.skipped else ""
            echo(f"✓ {result.source.name}: {', '.join(result.kinds)}{note}", err=True)
            # Warnungen and Hinweise of a case that got its documents (e.g. the Teilablehnung,
            # the ANBest-G to enclose by hand): said on every run, as validate says them
            for line in befunde_text(result.ergebnis.befunde if result.ergebnis else []):
                echo(line, err=True)

        def refused(self, result: Any) -> None:
            # an unreadable file's message starts with its path already
            shown = result.fehler if result.unreadable else f"{result.source.name}: {result.fehler}"
            echo(f"✗ {shown}", err=True)
            for line in befunde_text(result.befunde):
                echo(line, err=True)

        def converting(self, count: int) -> None:
            if count > 1:
                echo(f"PDF/A: {count} Dokumente werden umgewandelt …", err=True)

    return Printer()
