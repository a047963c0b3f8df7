"""Parsing case files: exact amounts, and every kind of bad input with its exact message."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kim_docs.errors import InputError
from kim_docs.model import load_case

from helpers import SAMPLES, make_case, write_case


def test_yaml_float_read_exactly(tmp_path):
    path = tmp_path / "f.yaml"
    text = (SAMPLES / "kreis-musterland-2025.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("sachausgaben: 48500.00", "sachausgaben: 0.1"), encoding="utf-8")
    fall = load_case(path)
    assert fall.antrag.sachausgaben == Decimal("0.1")
    assert str(fall.antrag.sachausgaben) == "0.1"  # not 0.1000000000000000055511151231257827


def test_json_float_read_exactly(tmp_path):
    data = make_case()
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data).replace('"sachausgaben": "0"', '"sachausgaben": 1234.56'), encoding="utf-8")
    assert load_case(path).antrag.sachausgaben == Decimal("1234.56")


def test_amount_as_string_and_int(tmp_path):
    fall = load_case(write_case(tmp_path, make_case(**{"antrag.sachausgaben": "38800.00",
                                                       "antrag.massnahmen": 30000})))
    assert fall.antrag.sachausgaben == Decimal("38800.00") and fall.antrag.massnahmen == Decimal(30000)


def error_of(path) -> str:
    with pytest.raises(InputError) as info:
        load_case(path)
    return str(info.value)


def test_unknown_key_with_suggestion(tmp_path):
    data = make_case()
    data["stellen"].append({"bezeichnung": "B", "funktion": "koordination", "anteill": "1"})
    path = write_case(tmp_path, data)
    assert error_of(path) == (
        f"{path}: 2 Probleme im Aufbau des Falls:\n"
        "  - Pflichtfeld 'stellen[1].anteil' fehlt (Zeile 31, Spalte 3)\n"
        "  - Unbekanntes Feld 'stellen[1].anteill' – meinten Sie 'anteil'? (Zeile 33, Spalte 12)")


def test_single_unknown_key_names_line(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text((SAMPLES / "stadt-hamm-hoechstgrenzen-2025.yaml").read_text(encoding="utf-8")
                    .replace("  datum: 2024-10-31", "  datun: 2024-10-31\n  datum: 2024-10-31"), encoding="utf-8")
    assert error_of(path) == (f"{path}, Zeile 21, Spalte 10: Unbekanntes Feld 'antrag.datun' – meinten Sie 'datum'?")


def test_yaml_syntax_error_line_and_column(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("antragsteller:\n  name: [Kreis\n  art: kreis\n", encoding="utf-8")
    message = error_of(path)
    assert message.startswith(f"{path}, Zeile 3, Spalte 6: YAML-Syntaxfehler")


def test_json_syntax_error_line_and_column(tmp_path):
    path = tmp_path / "f.json"
    path.write_text('{\n  "antragsteller": {,\n}', encoding="utf-8")
    assert error_of(path) == f"{path}, Zeile 2, Spalte 21: JSON-Syntaxfehler: Schlüssel in doppelten Anführungszeichen erwartet"


def test_not_utf8(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_bytes("antragsteller:\n  name: Städteregion\n".encode("cp1252"))
    assert error_of(path) == (f"{path}: Datei ist nicht UTF-8-kodiert (ungültiges Byte 0xe4 an Position 25); "
                              "bitte als UTF-8 speichern")


def test_empty_file(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("  \n", encoding="utf-8")
    assert error_of(path) == f"{path}: Datei ist leer"


def test_list_instead_of_mapping(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert error_of(path) == (f"{path}, Zeile 1: Die Datei muss Schlüssel mit Werten enthalten (ein Objekt), "
                              "gefunden wurde eine Liste")


def test_impossible_date(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text((SAMPLES / "stadt-hamm-hoechstgrenzen-2025.yaml").read_text(encoding="utf-8")
                    .replace("ende: 2025-12-31", "ende: 2025-02-30"), encoding="utf-8")
    assert error_of(path) == f"{path}, Zeile 19, Spalte 50: Feld 'bewilligungszeitraum.ende': '2025-02-30' ist kein gültiges Datum"


def test_impossible_date_in_json(tmp_path):
    data = make_case(bewilligungszeitraum={"beginn": "2025-01-01", "ende": "2025-02-30"})
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert error_of(path) == (f"{path}: Feld 'bewilligungszeitraum.ende': '2025-02-30' ist kein gültiges "
                              "Datum (JJJJ-MM-TT)")


def test_missing_required_and_wrong_literal(tmp_path):
    data = make_case(**{"antragsteller.art": "gemeinde"})
    del data["antrag"]["datum"]
    path = write_case(tmp_path, data)
    message = error_of(path)
    assert "Feld 'antragsteller.art': 'gemeinde' ist nicht zulässig; erlaubt: 'kreis', 'staedteregion', " \
           "'kreisfreie_stadt', 'kreisangehoerige_gemeinde'" in message
    assert "Pflichtfeld 'antrag.datum' fehlt" in message


def test_duplicate_key(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("antragsteller: {}\nantragsteller: {}\n", encoding="utf-8")
    assert error_of(path) == f"{path}, Zeile 2, Spalte 1: Schlüssel 'antragsteller' kommt doppelt vor"


def test_file_not_found(tmp_path):
    assert error_of(tmp_path / "fehlt.yaml") == f"{tmp_path / 'fehlt.yaml'}: Datei nicht gefunden"


def test_unquoted_plz_is_read_as_text(tmp_path):
    data = make_case(**{"antragsteller.anschrift.plz": 4103})
    fall = load_case(write_case(tmp_path, data))
    assert fall.antragsteller.anschrift.plz == "04103"
