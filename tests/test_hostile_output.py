"""Hostile data reaching the outputs (issue 13): CSV formula injection, terminal escapes,
manifest paths outside the output folder, a symlinked lock file."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_batch import faelle_row, stellen_row

from kim_docs.sheets import build_workbook, save_deterministic
from kim_docs.text import csv_cell

ATTACKS = ["-2+3+cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "\tTab", "\rCR"]


# --------------------------------------------------------------------------- point 9: CSV formula injection

@pytest.mark.parametrize("text", ATTACKS)
def test_formula_starts_are_escaped(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-120,00", "-5", "0,00", "96700,00", "Kreis Soest", "", "Stadt -Nord"])
def test_numbers_and_plain_text_stay(text: str) -> None:
    assert csv_cell(text) == text


def test_hostile_names_in_bericht_and_auszahlungsliste(tmp_path: Path, cli) -> None:
    names = ["-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd"]
    faelle = [faelle_row(i + 1, Antragsteller=name) for i, name in enumerate(names)]
    stellen = [stellen_row(i + 1, Anteil=1) for i in range(len(names))]
    book = tmp_path / "kim.xlsx"
    save_deterministic(build_workbook({"Fälle": faelle, "Stellen": stellen}), book)
    out = tmp_path / "out"
    result = cli("batch", "run", book, "-o", out, "--format", "docx")
    assert result.exit_code == 0, result.output
    for report, column in (("auszahlungsliste.csv", "Empfänger"), ("bericht.csv", "Empfänger")):
        rows = list(csv.DictReader(io.StringIO((out / report).read_text(encoding="utf-8-sig")), delimiter=";"))
        assert sorted({row[column] for row in rows}) == sorted("'" + n for n in names), report
        for row in rows:
            for cell in row.values():
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (report, cell)
                assert not cell.startswith("-") or cell.replace(",", "").lstrip("-").isdigit(), (report, cell)
    kasse = list(csv.DictReader(io.StringIO((out / "auszahlungsliste.csv").read_text(encoding="utf-8-sig")),
                                delimiter=";"))
    assert all(row["Betrag"][0].isdigit() for row in kasse)  # amounts stay numbers


# --------------------------------------------------------------------------- point 12: terminal escapes

ESCAPES = "\x1b]0;gehackt\x07\x1b[2J\rAlles in Ordnung\x9b"


def test_terminal_escapes_in_names_and_messages_are_shown_escaped(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    from helpers import make_case

    case = make_case(**{"stellen": [{"bezeichnung": "K" + ESCAPES, "funktion": "koordination",
                                     "anteil": "0.333", "qualifikation": "master"}]})
    good = tmp_path / "fall\x1b[31m.json"
    good.write_text(json.dumps(case), encoding="utf-8")
    bad = tmp_path / "kaputt.json"
    bad.write_text(json.dumps({"x" + ESCAPES: 1}), encoding="utf-8")
    for args in (["validate", str(good), str(bad)], ["calc", str(good)], ["calc", str(bad)],
                 ["render", "antrag", str(good), str(bad), "-o", str(tmp_path / "out"), "--format", "docx"]):
        proc = subprocess.run([sys.executable, "-m", "kim_docs", *args], capture_output=True, text=True, timeout=120)
        output = proc.stdout + proc.stderr
        assert proc.returncode in (1, 2), output
        for char in "\x1b\x07\r\x9b":
            assert char not in output, (args, output)
        assert "\\u001b" in output, (args, output)
    proc = subprocess.run([sys.executable, "-m", "kim_docs", "validate", "--json", str(good)],
                          capture_output=True, text=True, timeout=60)
    befunde = json.loads(proc.stdout)[0]["befunde"]
    assert any("K" + ESCAPES in b["meldung"] for b in befunde)  # JSON output keeps the exact text


# --------------------------------------------------------------------------- point 10: manifest paths

def _batch_folder(tmp_path: Path, cli) -> tuple[Path, Path]:
    book = tmp_path / "kim.xlsx"
    save_deterministic(build_workbook({"Fälle": [faelle_row(1)], "Stellen": [stellen_row(1, Anteil=1)]}), book)
    out = tmp_path / "out"
    assert cli("batch", "run", book, "-o", out, "--format", "docx").exit_code == 0
    return book, out


def _tamper(out: Path, name: str) -> None:
    import json

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = dict(manifest["dateien"][0], datei=name, dokument="bescheid")
    manifest["dateien"].append(entry)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("name", ["/etc/hostname", "../geheim.txt", "a/../../geheim.txt", "link.txt"])
def test_manifest_paths_outside_the_folder_are_refused(tmp_path: Path, cli, name: str) -> None:
    import shutil

    secret = tmp_path / "geheim.txt"
    secret.write_text("geheim", encoding="utf-8")
    book, out = _batch_folder(tmp_path, cli)
    (out / "link.txt").symlink_to(secret)
    _tamper(out, name)
    expected = f"Fehler: {out / 'manifest.json'}: Manifest-Eintrag '{name}' liegt außerhalb des Ausgabeordners"
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    for args in (("batch", "verify", out), ("batch", "run", book, "-o", out, "--format", "docx", "--zip")):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(expected), result.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before
    assert secret.read_text(encoding="utf-8") == "geheim"
    shutil.rmtree(out)


# --------------------------------------------------------------------------- point 11: lock file

@pytest.mark.parametrize("kind", ["symlink", "dangling", "fifo"])
def test_lock_file_as_symlink_or_fifo_is_not_followed(tmp_path: Path, cli, kind: str) -> None:
    import os

    book = tmp_path / "kim.xlsx"
    save_deterministic(build_workbook({"Fälle": [faelle_row(1)], "Stellen": [stellen_row(1, Anteil=1)]}), book)
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "opfer.txt"
    if kind == "symlink":
        victim.write_text("bleibt", encoding="utf-8")
    lock = out / ".kim-batch.lock"
    if kind == "fifo":
        os.mkfifo(lock)
    else:
        lock.symlink_to(victim)
    result = cli("batch", "run", book, "-o", out, "--format", "docx")
    assert result.exit_code == 2, result.output
    what = "ist keine gewöhnliche Datei" if kind == "fifo" else "ist ein symbolischer Link"
    assert result.stderr == f"Fehler: {out}: .kim-batch.lock {what}; bitte entfernen\n"
    if kind == "symlink":
        assert victim.read_text(encoding="utf-8") == "bleibt"
    else:
        assert not victim.exists()
    assert not (out / "manifest.json").exists()


def test_no_formula_in_the_pruefmappe(tmp_path: Path, cli) -> None:
    import json
    import zipfile

    from helpers import make_case

    folder = tmp_path / "faelle"
    folder.mkdir()
    name = '=HYPERLINK("http://x.example/";"klick")'
    (folder / "a.json").write_text(json.dumps(make_case(**{"antragsteller.name": name})), encoding="utf-8")
    out = tmp_path / "out"
    result = cli("batch", "run", folder, "-o", out, "--format", "docx")
    assert result.exit_code in (0, 1), result.output
    with zipfile.ZipFile(out / "pruefmappe.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        assert not any(b"<f>" in book.read(n) or b"<f " in book.read(n) for n in sheets)
    import openpyxl

    values = [c.value for ws in openpyxl.load_workbook(out / "pruefmappe.xlsx").worksheets
              for row in ws.iter_rows() for c in row]
    assert name in values


# --------------------------------------------------------------------------- a 300-character name

def test_300_character_recipient_gets_a_shortened_file_name_with_hash(tmp_path: Path, cli) -> None:
    import json

    from helpers import make_case

    names = ["Kreis " + "Ü" * 300, "Kreis " + "Ü" * 299 + "A"]
    for i, name in enumerate(names):
        (tmp_path / f"f{i}.json").write_text(json.dumps(make_case(**{"antragsteller.name": name})), encoding="utf-8")
    for i in range(len(names)):
        out = tmp_path / f"out{i}"
        result = cli("render", "antrag", tmp_path / f"f{i}.json", "-o", out, "--format", "docx")
        assert result.exit_code == 0, result.output
        (made,) = [p.name for p in out.glob("*.docx")]
        assert len(made.encode()) < 120 and made.startswith("2025_Kreis-UeUe")
        names[i] = made
    assert names[0] != names[1]  # same start, different hash
