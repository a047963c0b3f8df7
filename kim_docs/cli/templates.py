"""`kim-docs templates …`: tools for template maintainers (lint, variables, preview, diff).

Exit status: lint 0 without Fehler, 1 with a Fehler in a template; preview 1 when a
document or PDF could not be made; 2 when an input cannot be read or the command is
misused. diff only reports (0).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..kinds import KEYS
from ._common import KimGroup, echo, json_option, rules_dirs_of, templates_dir_option

ARTEN = KEYS

def _samples(ctx: click.Context, cases: tuple[str, ...]) -> tuple[list[Any], list[str]]:
    """The sample cases to render with: the named ones (name in samples/ or path), else all."""
    from ..errors import InputError
    from ..rules import load_rule_sets
    from ..template_tools import SAMPLES, load_samples, sample_files

    paths = []
    for case in cases:
        path = Path(case)
        candidates = [path, SAMPLES / case, SAMPLES / f"{case}.yaml"]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise InputError(f"Beispielfall '{case}' nicht gefunden (weder Datei noch in {SAMPLES})")
        paths.append(found)
    return load_samples(paths or sample_files(), load_rule_sets(rules_dirs_of(ctx)))


@click.group(name="templates", cls=KimGroup)
def templates() -> None:
    """Werkzeuge für die Pflege der DOCX-Vorlagen: prüfen, Variablen, Vorschau, Vergleich."""


# --- lint -----------------------------------------------------------------------------------

@templates.command()
@click.argument("dateien", nargs=-1, type=click.Path(path_type=Path), metavar="[DOCX]...")
@templates_dir_option()
@click.option("--dokument", type=click.Choice(ARTEN), help="Dokumentart, wenn der Dateiname sie nicht verrät.")
@click.option("--fix-quotes", is_flag=True,
              help="Typografische Anführungszeichen in Platzhaltern durch gerade ersetzen (Datei wird geändert).")
@click.option("--strikt", is_flag=True, help="Auch Warnungen gelten als Fehler.")
@json_option()
@click.pass_context
def lint(ctx: click.Context, dateien: tuple[Path, ...], templates_dir: Path | None, dokument: str | None,
         fix_quotes: bool, strikt: bool, as_json: bool) -> None:
    """Prüft Vorlagen auf Fehler, bevor ein falsches Dokument entsteht.

    Ohne DOCX werden die vier verwendeten Vorlagen geprüft (mit --templates-dir bzw.
    KIM_DOCS_TEMPLATES_DIR die eigenen). Gemeldet werden Syntaxfehler (auch typografische
    Anführungszeichen), zerteilte Platzhalter, nachverfolgte Änderungen, Kommentare,
    unbekannte Variablen, Schleifen über Nicht-Listen und im Bescheid fehlende
    Pflichtklauseln – jeweils mit dem Text des Absatzes oder der Tabellenzelle.
    Exit-Status 1, wenn eine Vorlage einen Fehler hat.
    """
    from ..template_tools import fix_quotes as straighten
    from ..template_tools import lint as lint_one
    from ..template_tools import templates_in_use

    paths = list(dateien) or templates_in_use(templates_dir)
    missing = [p for p in paths if not p.is_file()]
    if missing:
        echo(f"Fehler: Datei nicht gefunden: {', '.join(map(str, missing))}", err=True)
        sys.exit(2)
    if fix_quotes:
        for path in paths:
            count = straighten(path)
            if count:
                echo(f"{path}: {count} Anführungszeichen in Platzhaltern begradigt.", err=True)
    samples, _ = _samples(ctx, ())  # with the rule sets of --rules-dir, as render would use them
    reports = [lint_one(path, dokument, samples) for path in paths]
    failed = [r for r in reports if not r.ok or (strikt and r.findings)]
    if as_json:
        echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            _print_report(report)
        echo(f"\n{len(reports)} Vorlage{'n' if len(reports) != 1 else ''} geprüft: "
                   f"{len(reports) - len(failed)} in Ordnung, {len(failed)} mit Fehlern.")
    sys.exit(1 if failed else 0)


def _print_report(report: Any) -> None:
    version = f"Version {report.version}" if report.version else "ohne Versionsangabe"
    art = f", {report.dokument}" if report.dokument else ", Dokumentart unbekannt: ohne Probe-Ausfüllen"
    mark = "✓" if report.ok else "✗"
    echo(f"{mark} {report.path} ({version}{art})")
    for finding in report.findings:
        sign = "Fehler" if finding.schwere == "fehler" else "Warnung"
        where = f"{finding.ort}: " if finding.ort else ""
        echo(f"    {sign}: {where}{finding.meldung}")


# --- variables ------------------------------------------------------------------------------

@templates.command()
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True,
              help="Markdown-Tabelle oder JSON.")
@click.pass_context
def variables(ctx: click.Context, fmt: str) -> None:
    """Alle Variablen und Filter, die eine Vorlage verwenden darf, mit Typ, Bedeutung und Beispiel.

    Aus dem Code erzeugt (docs/variablen.md ist genau diese Ausgabe im Format md).
    """
    from ..template_tools import catalogue_json, catalogue_markdown, variable_catalogue

    samples, _ = _samples(ctx, ())
    entries = variable_catalogue(samples)
    if fmt == "json":
        echo(json.dumps(catalogue_json(entries), ensure_ascii=False, indent=2, default=str))
    else:
        echo(catalogue_markdown(entries), nl=False)


# --- preview --------------------------------------------------------------------------------

@templates.command()
@click.argument("docx", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--case", "cases", multiple=True, metavar="FALL",
              help="Beispielfall (Name in samples/ oder Pfad); mehrfach möglich. Ohne: alle Beispielfälle.")
@click.option("-o", "--out", "out_dir", default=Path("vorschau"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path), metavar="ORDNER", help="Ausgabeordner.")
@click.option("--dokument", type=click.Choice(ARTEN), help="Dokumentart, wenn der Dateiname sie nicht verrät.")
@click.pass_context
def preview(ctx: click.Context, docx: Path, cases: tuple[str, ...], out_dir: Path, dokument: str | None) -> None:
    """Füllt eine Vorlage mit Beispielfällen: DOCX, PDF/A und ein PNG je Seite.

    Fälle mit Fehlern werden als ENTWURF gefüllt. Exit-Status 1, wenn ein Dokument
    oder PDF nicht erstellt werden konnte.
    """
    from ..template_tools import preview as make_preview

    samples, notes = _samples(ctx, cases)
    for note in notes:
        echo(f"✗ {note}", err=True)
    results = make_preview(docx, out_dir, samples, dokument)
    failed = bool(notes)
    for r in results:
        made = [p for p in (r.docx, r.pdf) if p] + r.pngs
        skipped = any(h.startswith("übersprungen") for h in r.hinweise)
        broken = not skipped and (r.docx is None or r.pdf is None)
        failed |= broken
        if skipped:
            echo(f"– {r.fall}: {r.hinweise[0]}")
            continue
        echo(f"{'✗' if broken else '✓'} {r.fall}{' (Entwurf)' if r.entwurf else ''}: "
                   f"{', '.join(p.name for p in made[:2])}{f' + {len(r.pngs)} PNG' if r.pngs else ''}")
        for hinweis in r.hinweise:
            echo(f"    {hinweis}")
    echo(f"Vorschau in {out_dir}.")
    sys.exit(1 if failed else 0)


# --- diff ---------------------------------------------------------------------------------------

@templates.command()
@click.argument("alt", metavar="ALT")
@click.argument("neu", metavar="NEU")
@click.option("--rules", "rules", is_flag=True,
              help="ALT und NEU sind Regelwerke (Kennung oder Datei): ihre Klauseln vergleichen.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), metavar="DATEI",
              help="Zusätzlich eine HTML-Seite mit beiden Fassungen nebeneinander schreiben.")
@click.pass_context
def diff(ctx: click.Context, alt: str, neu: str, rules: bool, html_out: Path | None) -> None:
    """Zeigt die Änderungen am Wortlaut zwischen zwei Fassungen, Wort für Wort.

    \b
    kim-docs templates diff ALT.docx NEU.docx      zwei Vorlagen, Absatz für Absatz
    kim-docs templates diff --rules ALT NEU        Klauseln zweier Regelwerke (Kennung,
                                                   z. B. kim-nrw-2024, oder Datei)
    Darstellung: [-entfernt-]{+eingefügt+}.
    """
    from ..files import write_atomic
    from ..template_tools import diff_html, diff_rule_sets, diff_templates, inline, load_rule_set

    if rules:
        old, new = load_rule_set(alt, rules_dirs_of(ctx)), load_rule_set(neu, rules_dirs_of(ctx))
        labels = (f"{old.id} ({old.quelle})", f"{new.id} ({new.quelle})")
        changes = diff_rule_sets(old, new)
    else:
        for name in (alt, neu):
            if not Path(name).is_file():
                echo(f"Fehler: Datei nicht gefunden: {name}", err=True)
                sys.exit(2)
        labels = (_docx_label(alt), _docx_label(neu))
        changes = diff_templates(Path(alt), Path(neu))
    echo(f"--- alt: {labels[0]}\n+++ neu: {labels[1]}")
    signs = {"geaendert": ("~", "geändert"), "neu": ("+", "neu"), "entfernt": ("-", "entfernt")}
    for c in changes:
        sign, word = signs[c.art]
        echo(f"{sign} {c.ort} ({word}):\n    {inline(c.ops) if c.ops else c.neu or c.alt}")
    counts = {a: sum(1 for c in changes if c.art == a) for a in ("geaendert", "neu", "entfernt")}
    echo(f"{counts['geaendert']} geändert, {counts['neu']} neu, {counts['entfernt']} entfernt."
               if changes else "Keine Änderungen am Wortlaut.")
    if html_out:
        write_atomic(html_out, diff_html(changes, *labels).encode("utf-8"))
        echo(f"HTML-Vergleich: {html_out}", err=True)


def _docx_label(name: str) -> str:
    from ..template_tools import read_docx

    return f"{name} (Version {read_docx(Path(name)).version() or '–'})"
