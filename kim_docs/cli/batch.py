"""`kim-docs batch`: all Bescheide of a year in one run (template, run, verify)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import click

from ..kinds import KEYS
from ._common import (
    FORMATS,
    KimGroup,
    comma_list,
    echo,
    formats_option,
    json_option,
    out_dir_option,
    rules_dirs_of,
    templates_dir_option,
)

ARTEN = KEYS
_MARK = {"erstellt": "✓", "unverändert": "=", "fehlerhaft": "✗", "fehlgeschlagen": "✗",
         "nicht erstellt": "–", "ausgelassen": "–"}


@click.group(name="batch", cls=KimGroup)
def batch() -> None:
    """Stapel: die Dokumente vieler Fälle auf einmal (z. B. alle Bescheide eines Jahres).

    Eingabe ist ein Ordner mit Falldateien, eine Arbeitsmappe (.xlsx, .xlsm, .ods, .xls)
    oder ein Ordner mit CSV-Dateien im Tabellen-Layout (docs/tabelle.md). Beschreibung:
    docs/batch.md.
    """


@batch.command()
@click.argument("datei", type=click.Path(dir_okay=False, path_type=Path), metavar="DATEI.xlsx")
@click.option("--overwrite", is_flag=True, help="Eine vorhandene Datei ersetzen (sonst wird sie nie überschrieben).")
def template(datei: Path, overwrite: bool) -> None:
    """Schreibt eine leere Arbeitsmappe (Vorlage) mit Hilfe, Auswahllisten und Beispielzeilen.

    Eine vorhandene Datei (etwa eine ausgefüllte Mappe) wird nicht überschrieben, außer mit
    --overwrite.
    """
    from ..errors import InputError
    from ..sheets import write_template

    if datei.suffix.lower() != ".xlsx":
        raise InputError("Die Vorlage muss auf .xlsx enden", datei=str(datei))
    try:
        write_template(datei, overwrite=overwrite)
    except OSError as exc:
        raise InputError(f"Die Datei lässt sich nicht schreiben ({exc.strerror})", datei=str(datei)) from None
    echo(f"Vorlage geschrieben: {datei} (die Beispielzeilen BEISPIEL-1 werden nie verarbeitet: "
               "vor dem Lauf löschen oder überschreiben)")


@batch.command()
@click.argument("eingabe", type=click.Path(path_type=Path), metavar="EINGABE")
@out_dir_option()
@click.option("--documents", "documents", default="bescheid", show_default=True, metavar="ARTEN",
              help="antrag, bescheid, auszahlung, verwendungsnachweis (durch Komma getrennt) oder alle.")
@formats_option()
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="Parallele Arbeitsprozesse (Vorgabe: Zahl der Prozessorkerne).")
@click.option("--budget", metavar="BETRAG",
              help="Verfügbare Haushaltsmittel (z. B. 15.000.000,00); überschreiten die Bescheide "
                   "sie, wird kein Dokument erstellt (Nr. 1.3).")
@click.option("--overwrite", is_flag=True,
              help="Auch Dateien ersetzen, die vom Manifest abweichen (z. B. von Hand geändert).")
@click.option("--zip", "make_zip", is_flag=True, help="Zusätzlich stapel.zip mit allen Dateien schreiben.")
@click.option("--quiet", is_flag=True, help="Kein Fortschrittsbalken; eine Zeile je Fall.")
@json_option("Bericht als JSON auf die Standardausgabe.")
@click.option("--draft", is_flag=True, help="Alle Dokumente als ENTWURF, auch für Fälle mit Fehlern.")
@templates_dir_option("Eigene Vorlagen, die die mitgelieferten gleichen Namens ersetzen.")
@click.option("--chunk", type=click.IntRange(min=1), metavar="N",
              help="Fälle je Arbeitsauftrag und LibreOffice-Prozess (Vorgabe: automatisch, höchstens 40).")
@click.option("--timeout", type=click.FloatRange(min=1), default=120, show_default=True, metavar="SEKUNDEN",
              help="Zeitlimit je LibreOffice-Prozess; danach wird er beendet und die Fälle einzeln "
                   "wiederholt.")
@click.pass_context
def run(ctx: click.Context, eingabe: Path, out_dir: Path, documents: str, fmt: str, jobs: int | None,
        budget: str | None, overwrite: bool, make_zip: bool, quiet: bool, as_json: bool, draft: bool,
        templates_dir: Path | None, chunk: int | None, timeout: float) -> None:
    """Erstellt die Dokumente aller Fälle von EINGABE mit Bericht und Manifest.

    Ein fehlerhafter Fall hält die anderen nicht auf. Ein erneuter Aufruf überspringt
    Fälle, deren Eingaben und Dateien unverändert sind. Exit-Status: 0 alle Fälle erstellt
    (oder unverändert), 1 ein Fall fehlerhaft oder fehlgeschlagen oder die
    Haushaltsmittel überschritten, 2 die Eingabe ist nicht lesbar oder die Mappe hat
    Fehler, die keinem Fall zuzuordnen sind (dann wird nichts erstellt).
    """
    from ..batch import BatchOptions, bericht_data, parse_budget, run_batch

    arten = ("alle",) if documents.strip().lower() == "alle" else comma_list(documents, ARTEN, "'--documents'")
    options = BatchOptions(arten=arten, formats=comma_list(fmt, FORMATS, "'--format'"), jobs=jobs or 0,
                           budget=parse_budget(budget) if budget is not None else None, overwrite=overwrite,
                           draft=draft, make_zip=make_zip, templates_dir=templates_dir,
                           rules_dirs=rules_dirs_of(ctx), chunk=chunk or 0, timeout=timeout)
    use_bar = sys.stderr.isatty() and not (quiet or as_json)
    show = _Bar(sys.stderr) if use_bar else _Lines(sys.stderr)
    # Ctrl-C and kill: the root group turns them into KeyboardInterrupt (_common), which
    # stops the workers and removes the work folders on its way out of run_batch
    lauf = run_batch(eingabe, out_dir, options, progress=show)
    show.close()
    _summary(lauf, out_dir)
    if as_json:
        echo(json.dumps(bericht_data(lauf), ensure_ascii=False, indent=2))
    sys.exit(lauf.exit_code)


def _case_line(fortschritt: Any) -> list[str]:
    f = fortschritt.fall
    head = f"{_MARK.get(f.status, '?')} {f.fall_id} {f.empfaenger}: {f.status}"
    if f.dateien and f.status == "erstellt":
        head += f" ({len(f.dateien)} Datei{'en' if len(f.dateien) != 1 else ''})"
    if f.meldung:
        head += f" – {f.meldung}"
    lines = [head]
    if f.status == "fehlerhaft":
        lines += [f"    {b['ort'] or '–'}: {b['meldung']}" for b in f.befunde if b["schwere"] == "fehler"]
    return lines


class _Lines:
    """One line per case (not a terminal, --quiet, --json)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, fortschritt: Any) -> None:
        for line in _case_line(fortschritt):
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class _Bar:
    """A progress bar on one terminal line: count, rate, remaining time; problems above it."""

    WIDTH = 28

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.start, self.shown = stream, time.monotonic(), False

    def __call__(self, fortschritt: Any) -> None:
        if fortschritt.fall.status not in ("erstellt", "unverändert"):
            self.stream.write("\r\033[K" + "\n".join(_case_line(fortschritt)) + "\n")
        done, total = fortschritt.erledigt, fortschritt.gesamt
        elapsed = max(time.monotonic() - self.start, 1e-6)
        rate = done / elapsed
        filled = int(self.WIDTH * done / max(total, 1))
        eta = _duration((total - done) / rate) if rate > 0 else "?"
        self.stream.write(f"\r\033[K[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}  "
                          f"{_de(rate)} Fälle/s  noch {eta}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")


def _de(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _summary(lauf: Any, out_dir: Path) -> None:
    for text in lauf.mappe_fehler:
        echo(f"Fehler der Mappe: {text}", err=True)
    if lauf.mappe_fehler:
        echo("Die Mappe hat Fehler, die keinem Fall zuzuordnen sind; es wurde kein Dokument "
                   "erstellt.", err=True)
    if lauf.haushalt_meldung:
        echo(f"Fehler: {lauf.haushalt_meldung}", err=True)
    parts = [f"{lauf.count('erstellt')} erstellt", f"{lauf.count('unverändert')} unverändert",
             f"{lauf.count('fehlerhaft')} fehlerhaft", f"{lauf.count('fehlgeschlagen')} fehlgeschlagen"]
    for extra in ("nicht erstellt", "ausgelassen"):
        if lauf.count(extra):
            parts.append(f"{lauf.count(extra)} {extra}")
    parts.append(f"{lauf.warnungen} Warnung{'en' if lauf.warnungen != 1 else ''}")
    echo(f"{len(lauf.faelle)} Fälle: {', '.join(parts)}. Prüfmappe: {out_dir / 'pruefmappe.xlsx'}", err=True)


@batch.command()
@click.argument("ordner", type=click.Path(file_okay=False, exists=True, path_type=Path), metavar="ORDNER")
@json_option()
def verify(ordner: Path, as_json: bool) -> None:
    """Prüft die Dateien eines Stapel-Ordners gegen sein manifest.json.

    Meldet veränderte, fehlende und zusätzliche Dateien. Exit-Status: 0 alles
    unverändert, 1 eine Abweichung, 2 kein oder ein beschädigtes Manifest.
    """
    from ..batch import verify as check

    result = check(ordner)
    if as_json:
        echo(json.dumps({"geprueft": result.geprueft, "veraendert": result.veraendert,
                               "fehlend": result.fehlend, "zusaetzlich": result.zusaetzlich,
                               "ok": result.ok}, ensure_ascii=False, indent=2))
    else:
        for label, names in (("verändert", result.veraendert), ("fehlt", result.fehlend),
                             ("zusätzlich", result.zusaetzlich)):
            for name in names:
                echo(f"✗ {label}: {name}")
        if result.ok:
            echo(f"✓ Alle {result.geprueft} Dateien stimmen mit dem Manifest überein.")
        else:
            echo(f"{len(result.veraendert)} verändert, {len(result.fehlend)} fehlend, "
                       f"{len(result.zusaetzlich)} zusätzlich (von {result.geprueft} Dateien im Manifest).")
    sys.exit(0 if result.ok else 1)
