"""Shared test helpers: paths and case building (imported as `helpers`)."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SPEC = FIXTURES / "spec"

BASE_CASE: dict[str, Any] = {
    "antragsteller": {
        "name": "Kreis Test", "art": "kreis", "ags": "05974000",
        "anschrift": {"strasse": "Teststraße 1", "plz": "59494", "ort": "Soest"},
        "bankverbindung": {"iban": "DE89370400440532013000"},
    },
    "integrationszentrum": {"name": "KI Test"},
    "voraussetzungen": {"ki_betrieb": True, "angliederung_an_ki": True, "lenkungsgruppe": True,
                        "konzept_datum": "2024-09-30"},
    "bewilligungszeitraum": {"beginn": "2025-01-01", "ende": "2025-12-31"},
    "antrag": {"datum": "2024-10-15", "sachausgaben": "0", "veranstaltungen": "0", "massnahmen": "0"},
    "stellen": [{"bezeichnung": "K1", "funktion": "koordination", "anteil": "1.0", "qualifikation": "master"}],
}


def make_case(**changes: Any) -> dict[str, Any]:
    """BASE_CASE with dotted-path changes, e.g. make_case(**{"antrag.massnahmen": "30000"})."""
    data = copy.deepcopy(BASE_CASE)
    for path, value in changes.items():
        target = data
        keys = path.split(".")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return data


def write_case(tmp_path: Path, data: dict[str, Any], name: str = "fall.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


