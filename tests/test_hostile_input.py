"""Hostile case files (issue 13): YAML 1.1 number forms, JSON duplicate keys, the inputs
that used to end in 'interner Fehler', unbounded files. Each test is the attack itself."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kim_docs.errors import InputError
from kim_docs.load import load_mapping
from kim_docs.model import load_case

from helpers import ROOT

SAMPLE = (ROOT / "kim_docs" / "samples" / "kreis-musterland-2025.yaml").read_text(encoding="utf-8")


def _case_with(tmp_path: Path, old: str, new: str, name: str = "fall.yaml") -> Path:
    assert old in SAMPLE
    path = tmp_path / name
    path.write_text(SAMPLE.replace(old, new, 1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- point 2: YAML 1.1 numbers

@pytest.mark.parametrize("form", ["025000", "0x2710", "0b110000110101000", "2:46:40", "1_000", "30_000.50",
                                  "190:20:30.15", "-0x10", "+012"])
def test_yaml_11_number_forms_are_refused_naming_the_field(tmp_path: Path, form: str) -> None:
    path = _case_with(tmp_path, "massnahmen: 30000", f"massnahmen: {form}")
    with pytest.raises(InputError) as exc:
        load_case(path)
    assert str(exc.value) == (
        f"{path}, Zeile 25, Spalte 15: Feld 'antrag.massnahmen': '{form}' ist keine Dezimalzahl (führende Null, "
        "0x, 0b, ':' und '_' sind nicht erlaubt); die Zahl ohne diese Zeichen schreiben oder als Text in "
        "Anführungszeichen")


@pytest.mark.parametrize(("form", "value"), [("30000", Decimal(30000)), ("30000.50", Decimal("30000.50")),
                                             ("-5", Decimal(-5)), ("0", Decimal(0)), ("0.5", Decimal("0.5")),
                                             ('"025000"', Decimal(25000))])
def test_plain_decimal_numbers_stay_exact(tmp_path: Path, form: str, value: Decimal) -> None:
    fall = load_case(_case_with(tmp_path, "massnahmen: 30000", f"massnahmen: {form}"))
    assert fall.antrag.massnahmen == value
    assert str(fall.antrag.massnahmen) == str(value)


def test_unquoted_plz_with_leading_zero_is_refused_not_read_as_octal(tmp_path: Path) -> None:
    path = _case_with(tmp_path, 'plz: "59999"', "plz: 04103")
    with pytest.raises(InputError, match=r"Feld 'antragsteller.anschrift.plz': '04103' ist keine Dezimalzahl"):
        load_case(path)


# --------------------------------------------------------------------------- point 6: JSON duplicate keys

def test_json_duplicate_key_is_refused_with_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "fall.json"
    path.write_text('{\n  "antrag": {\n    "massnahmen": 30000,\n    "massnahmen": 0\n  }\n}\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_mapping(path)
    assert str(exc.value) == f"{path}, Zeile 4: Schlüssel 'massnahmen' kommt doppelt vor"


def test_json_duplicate_key_without_a_unique_line_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "fall.json"
    path.write_text('[{"a": 1}, {"a": 1, "a": 2}]', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_mapping(path)
    assert str(exc.value) == f"{path}: Schlüssel 'a' kommt doppelt vor"


def test_json_same_key_in_different_objects_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "fall.json"
    path.write_text('{"a": {"name": 1}, "b": {"name": 2}}', encoding="utf-8")
    assert load_mapping(path)[0] == {"a": {"name": 1}, "b": {"name": 2}}
