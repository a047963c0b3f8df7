"""Hostile case files (issue 13): YAML 1.1 number forms, JSON duplicate keys, the inputs
that used to end in 'interner Fehler', unbounded files. Each test is the attack itself."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from helpers import ROOT

from kim_docs.errors import InputError
from kim_docs.load import load_mapping
from kim_docs.model import load_case

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


# --------------------------------------------------------------------------- "Internal errors" list

DEEP = "[" * 100_000 + "]" * 100_000
BOMB = "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 10 if p else ['x'] * 10)}]\n"
               for p, n in zip([""] + list("abcdefgh"), "abcdefghi"))

HOSTILE_CASES = {
    "d27.yaml": (("massnahmen: 30000", "massnahmen: 123456789012345678901234567.5"),
                 "Zeile 25, Spalte 15: Feld 'antrag.massnahmen': '123456789012345678901234567.5' ist zu groß "
                 "(höchstens 12 Stellen vor dem Komma)"),
    "e400.yaml": (("massnahmen: 30000", "massnahmen: 1e400"),
                  "Zeile 25, Spalte 15: Feld 'antrag.massnahmen': '1e400' ist zu groß (höchstens 12 Stellen vor "
                  "dem Komma)"),
    "genau.yaml": (("massnahmen: 30000", "massnahmen: 1e-400"),
                   "Zeile 25, Spalte 15: Feld 'antrag.massnahmen': '1e-400' hat zu viele Nachkommastellen "
                   "(höchstens 10)"),
    "ziffern.yaml": (("massnahmen: 30000", "massnahmen: " + "9" * 5000),
                     "Zeile 25, Spalte 15: Feld 'antrag.massnahmen': Zahl mit 5000 Zeichen ist zu lang "
                     "(höchstens 30)"),
    "tief.yaml": (("massnahmen: 30000", "massnahmen: " + DEEP), "YAML-Syntaxfehler: zu tief verschachtelt"),
    "alias.yaml": (("ki_betrieb: true", "ki_betrieb: &a [*a]"),
                   "Zeile 16, Spalte 15: Feld 'voraussetzungen.ki_betrieb[0]': Verweis (Alias) auf sich selbst"),
    "int.yaml": (("massnahmen: 30000", 'massnahmen: !!int "abc"'),
                 "Zeile 25, Spalte 15: Feld 'antrag.massnahmen': 'abc' ist keine Dezimalzahl"),
    "timestamp.yaml": (("datum: 2024-10-15", 'datum: !!timestamp "garbage"'),
                       "Zeile 22, Spalte 10: Feld 'antrag.datum': 'garbage' ist kein gültiges Datum"),
    "bool.yaml": (("ki_betrieb: true", 'ki_betrieb: !!bool "maybe"'),
                  "Zeile 16, Spalte 15: Feld 'voraussetzungen.ki_betrieb': 'maybe' ist kein Wahrheitswert "
                  "(true oder false)"),
    "schluessel.yaml": (("ki_betrieb: true", "? [a, b]\n  : 1"),
                        "Zeile 16, Spalte 5: Feld 'voraussetzungen': Ein Schlüssel muss ein einfacher Wert sein, "
                        "keine Liste und kein Objekt"),
    "bombe.yaml": (("# Kreis with", BOMB + "# "),
                   "Feld 'e[7][8][8][8][9]': zu viele Werte (mehr als 100.000; Verweise/Aliase werden mitgezählt)"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CASES))
def test_hostile_case_is_a_german_input_error(tmp_path: Path, name: str) -> None:
    (old, new), message = HOSTILE_CASES[name]
    path = _case_with(tmp_path, old, new, name)
    with pytest.raises(InputError) as exc:
        load_case(path)
    assert str(exc.value).startswith(f"{path}, ") or str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)


def test_hostile_json_numbers_and_nesting(tmp_path: Path) -> None:
    for text, message in [('{"a": 1e400}', None), ('{"a": ' + "9" * 5000 + "}", "Zahl mit 5000 Zeichen ist zu lang"),
                          ('{"a": NaN}', "'NaN' ist keine Zahl"), ('{"a": ' + DEEP + "}", "zu tief verschachtelt")]:
        path = tmp_path / "fall.json"
        path.write_text(text, encoding="utf-8")
        if message is None:  # read exactly; the bound is the model's
            with pytest.raises(InputError, match=r"Feld 'a'|Unbekanntes Feld 'a'|Pflichtfeld"):
                load_case(path)
            continue
        with pytest.raises(InputError) as exc:
            load_mapping(path)
        assert str(exc.value) == f"{path}: {message}" or message in str(exc.value)


def test_fifo_and_device_are_refused_without_blocking(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fall.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as exc:
        load_case(fifo)
    assert str(exc.value) == f"{fifo}: ist keine gewöhnliche Datei (z. B. eine Pipe oder ein Gerät)"
    with pytest.raises(InputError, match="ist keine gewöhnliche Datei"):
        load_case("/dev/zero")


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fall.yaml"
    path.write_bytes(b"# " + b"x" * (5 * 1024 * 1024) + b"\n")
    with pytest.raises(InputError) as exc:
        load_case(path)
    assert str(exc.value) == f"{path}: Datei ist zu groß (5,0 MB, höchstens 5,0 MB)"


def test_utf16_is_named(tmp_path: Path) -> None:
    path = tmp_path / "fall.yaml"
    path.write_bytes("antrag: 1\n".encode("utf-16"))
    with pytest.raises(InputError) as exc:
        load_case(path)
    assert str(exc.value) == f"{path}: Datei ist UTF-16-kodiert; UTF-16 wird nicht unterstützt, bitte als UTF-8 speichern"


def test_largest_allowed_amount_calculates(tmp_path: Path) -> None:
    from kim_docs.evaluate import evaluate

    ergebnis = evaluate(load_case(_case_with(tmp_path, "massnahmen: 30000", "massnahmen: 999999999999.99")))
    assert ergebnis.berechnung is not None


@pytest.mark.parametrize("command", ["validate", "calc", "render"])
def test_hostile_cases_exit_2_from_every_command(tmp_path: Path, command: str) -> None:
    import subprocess
    import sys

    paths = [_case_with(tmp_path, *HOSTILE_CASES[name][0], name) for name in ("e400.yaml", "alias.yaml", "bool.yaml")]
    for path in paths:
        args = {"validate": ["validate", str(path)], "calc": ["calc", str(path)],
                "render": ["render", "bescheid", str(path), "-o", str(tmp_path / "out"), "--format", "docx"]}[command]
        proc = subprocess.run([sys.executable, "-m", "kim_docs", *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, (path.name, proc.stderr)
        assert "Traceback" not in proc.stderr and "interner Fehler" not in proc.stderr
        assert f"{path}, Zeile" in proc.stderr


def test_password_file_dev_zero_is_refused_not_read_forever() -> None:
    import subprocess
    import sys

    form = ROOT / "tests" / "fixtures" / "forms" / "libreoffice-form.pdf"
    proc = subprocess.run([sys.executable, "-m", "kim_docs", "pdf", "fields", "--password-file", "/dev/zero", str(form)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "Fehler: /dev/zero: Passwortdatei ist zu groß (höchstens 64 KB).\n"


def test_pdf_mapping_is_read_like_a_case_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    mapping = tmp_path / "zuordnung.yaml"
    mapping.write_text("Betrag: 025000\n", encoding="utf-8")
    form = ROOT / "tests" / "fixtures" / "forms" / "libreoffice-form.pdf"
    case = ROOT / "kim_docs" / "samples" / "kreis-musterland-2025.yaml"
    out = tmp_path / "o.pdf"
    proc = subprocess.run([sys.executable, "-m", "kim_docs", "pdf", "fill", str(form), str(case), "--mapping",
                           str(mapping), "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"Fehler: {mapping}, Zeile 1, Spalte 9: Feld 'Betrag': '025000' ist keine "
                                  "Dezimalzahl")
    assert not out.exists()


# --------------------------------------------------------------------------- point 4: CSV cells

def _csv_folder(tmp_path: Path, transform) -> Path:
    import csv as csv_module
    import io
    import shutil

    source = ROOT / "kim_docs" / "samples" / "batch" / "kim-2025-csv"
    folder = tmp_path / "csv"
    shutil.copytree(source, folder)
    faelle = folder / "Fälle.csv"
    rows = list(csv_module.reader(io.StringIO(faelle.read_text(encoding="utf-8-sig")), delimiter=";"))
    faelle.write_text(transform(rows), encoding="utf-8")
    return folder


def test_comma_csv_with_decimal_comma_is_an_error_not_5000(tmp_path: Path) -> None:
    from kim_docs.sheets.reader import read_csv_folder

    def comma_separated(rows: list[list[str]]) -> str:
        column = rows[0].index("Beantragt Sachausgaben")
        rows[1][column] = "5000,75"
        # written by hand with ',' and the amount unquoted, as a script would
        return "\n".join(",".join(row) for row in rows) + "\n"

    folder = _csv_folder(tmp_path, comma_separated)
    with pytest.raises(InputError) as exc:
        read_csv_folder(folder)
    width = len((folder / "Fälle.csv").read_text(encoding="utf-8").splitlines()[0].split(","))
    assert re.fullmatch(rf"Fälle\.csv: Zeile 2 hat \d+ Zellen, die Kopfzeile nur {width} – bei ',' als Trennzeichen "
                        "Zahlen mit Dezimalkomma in Anführungszeichen setzen oder ';' als Trennzeichen verwenden",
                        str(exc.value)), str(exc.value)


def test_extra_cell_with_semicolon_is_an_error(tmp_path: Path) -> None:
    from kim_docs.sheets.reader import read_csv_folder

    folder = _csv_folder(tmp_path, lambda rows: "\n".join(";".join(r + (["übrig"] if i == 2 else []))
                                                           for i, r in enumerate(rows)) + "\n")
    width = len((folder / "Fälle.csv").read_text(encoding="utf-8").splitlines()[0].split(";"))
    with pytest.raises(InputError) as exc:
        read_csv_folder(folder)
    assert str(exc.value) == f"Fälle.csv: Zeile 3 hat {width + 1} Zellen, die Kopfzeile nur {width}"


def test_utf16_csv_is_named(tmp_path: Path) -> None:
    from kim_docs.sheets.reader import read_csv_folder

    folder = _csv_folder(tmp_path, lambda rows: "\n".join(";".join(r) for r in rows))
    (folder / "Fälle.csv").write_bytes((folder / "Fälle.csv").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(InputError) as exc:
        read_csv_folder(folder)
    assert str(exc.value) == "Fälle.csv: UTF-16 wird nicht unterstützt; bitte als CSV UTF-8 speichern"


# --------------------------------------------------------------------------- point 5: ambiguous sources

def test_faelle_csv_beside_faelle_csv_is_an_error_naming_both(tmp_path: Path) -> None:
    from kim_docs.sheets.reader import read_csv_folder

    folder = _csv_folder(tmp_path, lambda rows: "\n".join(";".join(r) for r in rows) + "\n")
    (folder / "Faelle.csv").write_text("Fall-ID;Antragsteller\nX-1;Kreis Falsch\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_csv_folder(folder)
    assert str(exc.value) == (f"{folder}: Die Dateien 'Faelle.csv' und 'Fälle.csv' stehen beide für die Tabelle "
                              "Fälle; bitte eine davon löschen oder umbenennen")


def test_second_sheet_named_like_a_needed_one_is_an_error(tmp_path: Path) -> None:
    import openpyxl

    from kim_docs.sheets.reader import read_workbook

    book = openpyxl.load_workbook(ROOT / "kim_docs" / "samples" / "batch" / "kim-2025.xlsx")
    hidden = book.copy_worksheet(book["Fälle"])
    hidden.title = "Faelle"
    hidden.sheet_state = "hidden"
    book.move_sheet(hidden, offset=-len(book.sheetnames) + 1)  # first: it used to win
    path = tmp_path / "kim.xlsx"
    book.save(path)
    result = read_workbook(path)
    assert ("Die Tabellen 'Faelle' und 'Fälle' stehen beide für die Tabelle Fälle; bitte eine davon löschen "
            "oder umbenennen") in result.fehler


# --------------------------------------------------------------------------- point 13: zip bomb

def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    import shutil
    import zipfile

    from kim_docs.sheets.reader import read_workbook

    path = tmp_path / "kim.xlsx"
    shutil.copy(ROOT / "kim_docs" / "samples" / "batch" / "kim-2025.xlsx", path)
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/bombe.bin", "w", force_zip64=True) as member:
        for _ in range(501):
            member.write(chunk)
    assert path.stat().st_size < 5 * 1024 * 1024
    with pytest.raises(InputError) as exc:
        read_workbook(path)
    assert str(exc.value) == (f"{path}: Die Arbeitsmappe entpackt sich auf 501 MB (höchstens 500 MB); sie wird "
                              "nicht gelesen")


def test_workbook_fifo_is_refused(tmp_path: Path) -> None:
    import os

    from kim_docs.sheets.reader import read_workbook

    path = tmp_path / "kim.xlsx"
    os.mkfifo(path)
    with pytest.raises(InputError) as exc:
        read_workbook(path)
    assert str(exc.value) == f"{path}: ist keine gewöhnliche Datei (z. B. eine Pipe oder ein Gerät)"
