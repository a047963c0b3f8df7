"""`kim-docs render`: the documents of one or more cases as DOCX and PDF/A."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .kinds import ALLE, KEYS

ARTEN = (*KEYS, ALLE)


def _formats(value: str) -> tuple[str, ...]:
    formats = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in formats if f not in ("docx", "pdf")]
    if unknown or not formats:
        raise click.BadParameter(f"unbekanntes Format {', '.join(unknown) or '(leer)'}; erlaubt: docx, pdf")
    return formats


@click.command()
@click.argument("dokument", type=click.Choice(ARTEN), metavar="DOKUMENT")
@click.argument("faelle", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FALL...")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              metavar="ORDNER", help="Ausgabeordner (wird angelegt).")
@click.option("--format", "fmt", default="docx,pdf", show_default=True, metavar="FORMATE",
              help="docx, pdf oder beides, durch Komma getrennt.")
@click.option("--draft", is_flag=True, help="Auch Fälle mit Fehlern als ENTWURF erstellen (mit Befunden am Ende).")
@click.option("--embed-data", is_flag=True,
              help="Falldaten und Berechnung als fall.json in jedes PDF einbetten (PDF/A-3b).")
@click.option("--templates-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), metavar="ORDNER",
              help="Eigene Vorlagen, die die mitgelieferten gleichen Namens ersetzen "
                   "(auch Umgebungsvariable KIM_DOCS_TEMPLATES_DIR).")
@click.pass_context
def render(ctx: click.Context, dokument: str, faelle: tuple[Path, ...], out_dir: Path, fmt: str, draft: bool,
           embed_data: bool, templates_dir: Path | None) -> None:
    """Erstellt Dokumente eines oder mehrerer Fälle als DOCX und PDF/A.

    DOKUMENT ist antrag, bescheid, auszahlung, verwendungsnachweis oder alle (alle
    Dokumente, für die der Fall die nötigen Angaben enthält). Ein Fall mit Fehlern
    ergibt kein Dokument (Exit-Status 1), außer mit --draft. Ein fehlerhafter Fall hält
    die anderen nicht auf.
    """
    from .errors import KimDocsError
    from .evaluate import evaluate
    from .load import expand_paths
    from .manifest import entries_for, write_manifest
    from .model import load_case
    from .render import DOKUMENT_ARTEN, RenderOptions, available, convert, render_case
    from .report import befunde_text
    from .rules import load_rule_sets

    try:
        formats = _formats(fmt)
    except click.BadParameter as exc:
        exc.param_hint = "'--format'"
        raise
    options = RenderOptions(formats=formats, draft=draft, templates_dir=templates_dir, embed_data=embed_data)
    rule_sets = load_rule_sets(tuple(ctx.obj.get("rules_dirs", ())))
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[tuple[Any, Any, str]] = []  # (Dokument, Ergebnis, case label)
    failed = 0
    paths = expand_paths(list(faelle))
    for path in paths:
        try:
            ergebnis = evaluate(load_case(path), rule_sets)
            if ergebnis.hat_fehler and not draft:
                click.echo(f"✗ {path}: Fehler – kein Dokument erstellt", err=True)
                for line in befunde_text([b for b in ergebnis.befunde if b.schwere == "fehler"]):
                    click.echo(line, err=True)
                failed += 1
                continue
            arten = [a for a in DOKUMENT_ARTEN if available(ergebnis, a)] if dokument == "alle" else [dokument]
            skipped = [a for a in DOKUMENT_ARTEN if dokument == "alle" and a not in arten]
            for doc in render_case(ergebnis, arten, out_dir, options, fall_datei=str(path)):
                made.append((doc, ergebnis, str(path)))
            note = f" (ohne {', '.join(skipped)}: Angaben fehlen)" if skipped else ""
            click.echo(f"✓ {path}: {', '.join(arten)}{note}", err=True)
        except KimDocsError as exc:
            click.echo(f"✗ {path}: {exc}", err=True)
            failed += 1
    if made and "pdf" in formats:
        failed += _convert(made, out_dir, convert)
    entries = []
    for doc, ergebnis, label in made:
        if "docx" not in formats:
            doc.docx.unlink(missing_ok=True)
            doc.docx = None  # type: ignore[assignment]
        entries += entries_for(doc, out_dir, ergebnis, label)
    if entries:
        write_manifest(out_dir, entries)
    total = sum(len(d.dateien) for d, _, _ in made)
    click.echo(f"{total} Datei{'en' if total != 1 else ''} in {out_dir} erstellt"
               f"{f', {failed} {_faelle(failed)} ohne Dokument' if failed else ''}.")
    sys.exit(1 if failed else 0)


def _faelle(n: int) -> str:
    return "Fall" if n == 1 else "Fälle"


def _convert(made: list[tuple[Any, Any, str]], out_dir: Path, convert: Any) -> int:
    """PDF for every document in one LibreOffice run; a failed run fails its cases."""
    from .errors import KimDocsError

    dokumente = [d for d, _, _ in made]
    if len(dokumente) > 1:
        click.echo(f"PDF/A: {len(dokumente)} Dokumente werden umgewandelt …", err=True)
    try:
        convert(dokumente, out_dir)
        return 0
    except KimDocsError as exc:
        click.echo(f"✗ PDF-Erzeugung fehlgeschlagen: {exc}", err=True)
        cases = {label for _, _, label in made}
        for doc, _, _ in made:
            for path in doc.dateien:
                path.unlink(missing_ok=True)
        made.clear()
        return len(cases)
