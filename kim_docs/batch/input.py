"""The input of a batch: a folder of case files, a workbook or a CSV folder, as cases."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError


@dataclass
class Eingabe:
    """One case as read: its data and where each field came from."""

    fall_id: str
    quelle: str
    daten: Any
    lesefehler: list[tuple[str, str]] = field(default_factory=list)  # (ort, meldung)
    sheet: Any = None                       # SheetCase for spreadsheet input
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    bearbeiten: bool = True                 # Bearbeiten = nein: left out of the run
    beispiel: bool = False                  # an example row of the template: refused

    def ort(self, feld: str) -> str:
        """Where `feld` stands: 'Tabelle Stellen, Zeile 14, Spalte Anteil' or 'fall.yaml, Zeile 7'."""
        if self.sheet is not None:
            return self.sheet.locate(feld) or self.sheet.locate("") or self.quelle
        while feld:
            if feld in self.positions:
                return f"{self.quelle}, Zeile {self.positions[feld][0]}"
            parent = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", feld)  # the parent: 'a.b[2]' → 'a.b' → 'a'
            feld = parent if parent != feld else ""  # a top-level key has none
        return self.quelle


@dataclass
class Gelesen:
    """What a run reads: the cases, the problems of the workbook that belong to no case,
    and the workbook's raw tables by sheet name (for the Prüfmappe; {} for case files)."""

    eingaben: list[Eingabe]
    mappe_fehler: list[str]
    tabellen: dict[str, Any] = field(default_factory=dict)


def read_input(path: Path) -> Gelesen:
    """The cases of a folder of case files, a workbook or a CSV folder. Raises InputError
    when the input cannot be read."""
    path = Path(path)
    if not path.exists():
        raise InputError("Eingabe nicht gefunden (Ordner, .xlsx, .xlsm, .ods, .xls oder .csv erwartet)",
                         datei=str(path))
    if _is_case_input(path):
        return Gelesen(_read_case_files(path), [])
    from ..sheets import read_batch

    cases = read_batch(path)
    eingaben = [Eingabe(c.fall_id, c.quelle, c.daten, [_split(m) for m in c.fehler], sheet=c,
                        bearbeiten=c.bearbeiten, beispiel=c.beispiel) for c in cases]
    if not eingaben and not cases.fehler:
        raise InputError("Die Tabelle 'Fälle' enthält keinen Fall", datei=str(path))
    return Gelesen(eingaben, list(cases.fehler), cases.tabellen)


def _is_case_input(path: Path) -> bool:
    from ..load import is_case_file

    if path.is_file():
        return is_case_file(path)
    names = [p for p in path.iterdir() if p.is_file()]
    return any(is_case_file(p) for p in names) and not any(p.suffix.lower() == ".csv" for p in names)


def _read_case_files(path: Path) -> list[Eingabe]:
    from ..load import expand_paths, load_mapping

    paths = expand_paths([path])
    if not paths:
        raise InputError("keine Falldateien (.yaml, .yml, .json) gefunden", datei=str(path))
    eingaben = []
    for file in paths:
        try:
            daten, positions = load_mapping(file)
            eingaben.append(Eingabe(file.stem, file.name, daten, positions=positions))
        except InputError as exc:  # a broken file fails its case, not the run
            where = f"{file.name}, Zeile {exc.zeile}" if exc.zeile else file.name
            eingaben.append(Eingabe(file.stem, file.name, None, [(where, exc.meldung)]))
    return eingaben


def _split(message: str) -> tuple[str, str]:
    """'Tabelle Stellen, Zeile 14, Spalte Anteil: …' → (place, message)."""
    ort, sep, text = message.partition(": ")
    return (ort, text) if sep and ort.startswith("Tabelle ") else ("", message)
