"""The Basiszinssätze (§ 247 BGB) as data: the shipped file plus the user's own.

The shipped `basiszinssaetze.csv` holds each value with its start date and source
(Deutsche Bundesbank). Users add later values without touching the package: every
`*.csv` in a folder named by the environment variable `KIM_DOCS_BASISZINS_DIR` (several
folders separated by ':'), same columns; a row with a start date already known replaces it.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from ..errors import InputError
from ..resources import REFERENCE
from ..zinsen import Basiszins

ENV_VAR = "KIM_DOCS_BASISZINS_DIR"
SHIPPED = REFERENCE / "basiszinssaetze.csv"
SPALTEN = ("ab", "basiszinssatz", "quelle")


def basiszins_dateien() -> list[Path]:
    files = [SHIPPED]
    for folder in (Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p):
        if not folder.is_dir():
            raise InputError(f"Ordner der Basiszinssätze nicht gefunden (Umgebungsvariable {ENV_VAR})",
                             datei=str(folder))
        files += sorted(folder.glob("*.csv"))
    return files


def load_basiszinssaetze() -> tuple[Basiszins, ...]:
    """All known Basiszinssätze, sorted by start date; later files override earlier ones."""
    return _load(tuple(str(p) for p in basiszins_dateien()))


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> tuple[Basiszins, ...]:
    by_date: dict[dt.date, Basiszins] = {}
    for path in paths:
        for satz in _read(Path(path)):
            by_date[satz.ab] = satz
    return tuple(by_date[d] for d in sorted(by_date))


def _read(path: Path) -> list[Basiszins]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != SPALTEN:
                raise InputError(f"Die Kopfzeile muss '{','.join(SPALTEN)}' lauten.", datei=str(path), zeile=1)
            return [_row(row, path, zeile) for zeile, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise InputError(f"Datei kann nicht gelesen werden ({exc.strerror}).", datei=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("Die Datei ist nicht UTF-8-kodiert.", datei=str(path)) from None


def _row(row: dict[str, str], path: Path, zeile: int) -> Basiszins:
    try:
        ab = dt.date.fromisoformat((row["ab"] or "").strip())
    except ValueError:
        raise InputError(f"'{row['ab']}' ist kein Datum (JJJJ-MM-TT).", datei=str(path), zeile=zeile,
                         feld="ab") from None
    try:
        satz = Decimal((row["basiszinssatz"] or "").strip())
    except InvalidOperation:
        raise InputError(f"'{row['basiszinssatz']}' ist kein Zinssatz (z. B. 1.27).", datei=str(path),
                         zeile=zeile, feld="basiszinssatz") from None
    if not satz.is_finite():
        raise InputError(f"'{row['basiszinssatz']}' ist kein Zinssatz (z. B. 1.27).", datei=str(path),
                         zeile=zeile, feld="basiszinssatz")
    quelle = (row["quelle"] or "").strip()
    if not quelle:
        raise InputError("Die Quelle fehlt (z. B. Deutsche Bundesbank).", datei=str(path), zeile=zeile,
                         feld="quelle")
    return Basiszins(ab, satz, quelle)
