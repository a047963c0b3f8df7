"""The sample cases in samples/, evaluated once, to fill templates with (lint, catalogue, preview)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..context import build_context
from ..resources import shipped

SAMPLES = shipped("samples")
#: The sample whose values the catalogue shows first (the specification's main example).
MAIN_SAMPLE = "kreis-musterland-2025.yaml"


@dataclass(frozen=True)
class Sample:
    """A sample case file and what `evaluate` made of it (rule set, calculation, findings)."""

    path: Path
    ergebnis: Any

    @property
    def name(self) -> str:
        return self.path.name

    def context(self, kind: str) -> dict[str, Any]:
        from ..reference import load_referenz

        e = self.ergebnis
        return build_context(e.fall, e.regelwerk, e.berechnung, load_referenz(), kind, befunde=e.befunde,
                             entwurf=e.hat_fehler)

    def has(self, kind: str) -> bool:
        from ..render import available

        return self.ergebnis.berechnung is not None and available(self.ergebnis, kind)


def sample_files(samples_dir: Path = SAMPLES) -> list[Path]:
    """The sample cases, the main example first."""
    files = sorted(p for p in samples_dir.glob("*.y*ml") if p.is_file())
    return sorted(files, key=lambda p: p.name != MAIN_SAMPLE)


def load_samples(paths: Iterable[Path], rule_sets: dict[str, Any] | None = None) -> tuple[list[Sample], list[str]]:
    """Evaluated samples, and a German note for each file that could not be read."""
    from ..errors import InputError
    from ..evaluate import evaluate
    from ..model import load_case

    samples, notes = [], []
    for path in paths:
        try:
            samples.append(Sample(path, evaluate(load_case(path), rule_sets)))
        except InputError as exc:
            notes.append(f"Beispielfall übersprungen: {exc}")
    return samples, notes


@lru_cache(maxsize=4)
def default_samples(samples_dir: str) -> tuple[Sample, ...]:
    """All samples of a folder, evaluated once per process (a str, so that it can be cached)."""
    return tuple(load_samples(sample_files(Path(samples_dir)))[0])

