"""The same recipient and year, or the same Aktenzeichen, twice: a Fehler of both cases,
in render and in the batch (nothing is made twice, nothing paid twice)."""
from __future__ import annotations

import csv
import json
import sys
import subprocess

from helpers import SAMPLES, make_case, write_case

from kim_docs.duplicates import duplicate_findings
from kim_docs.model import parse_case


def _codes(found):
    return {i: [b.code for b in befunde] for i, befunde in found.items()}


def test_same_recipient_same_year_by_ags_or_by_name():
    a = parse_case(make_case())
    b = parse_case(make_case(**{"antragsteller.name": "Kreis  test"}))       # same AGS
    c = parse_case(make_case(**{"antragsteller.ags": None}))
    d = parse_case(make_case(**{"antragsteller.ags": None, "antragsteller.name": "kreis test"}))
    other_year = parse_case(make_case(bewilligungszeitraum={"beginn": "2026-01-01", "ende": "2026-12-31"},
                                      **{"antrag.datum": "2025-10-15"}))
    found = duplicate_findings([("a", a), ("b", b), ("c", c), ("d", d), ("e", other_year), ("kaputt", None)])
    assert _codes(found) == {0: ["empfaenger_doppelt"], 1: ["empfaenger_doppelt"],
                             2: ["empfaenger_doppelt"], 3: ["empfaenger_doppelt"]}
    assert found[0][0].meldung == (
        "Kreis Test hat für 2025 einen zweiten Fall (b); je Empfänger und Jahr gibt es einen Fall und einen "
        "Bescheid, sonst würde doppelt ausgezahlt. Bitte einen der Fälle entfernen oder zusammenführen.")
    assert (found[0][0].schwere, found[0][0].feld) == ("fehler", "antragsteller.name")


def test_same_aktenzeichen_for_two_recipients():
    a = parse_case(make_case(bescheid={"aktenzeichen": "36.07.01-KIM-2025/001"}))
    b = parse_case(make_case(bescheid={"aktenzeichen": " 36.07.01-KIM-2025/001"},
                             **{"antragsteller.ags": "05958000", "antragsteller.name": "Hochsauerlandkreis"}))
    found = duplicate_findings([("a.yaml", a), ("b.yaml", b)])
    assert _codes(found) == {0: ["aktenzeichen_doppelt"], 1: ["aktenzeichen_doppelt"]}
    assert found[1][0].feld == "bescheid.aktenzeichen"
    assert "36.07.01-KIM-2025/001 hat auch a.yaml" in found[1][0].meldung


def _two_files_one_recipient(tmp_path):
    folder = tmp_path / "faelle"
    folder.mkdir()
    text = (SAMPLES / "kreis-soest-vakanz-2025.yaml").read_text(encoding="utf-8")
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    import yaml

    data = yaml.safe_load(text)
    data["antrag"]["massnahmen"] = 20000
    (folder / "b.json").write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    return folder


def _run(*args):
    return subprocess.run([sys.executable, "-m", "kim_docs", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_render_refuses_both_and_writes_nothing(tmp_path):
    folder = _two_files_one_recipient(tmp_path)
    out = tmp_path / "aus"
    result = _run("render", "bescheid", folder, "-o", out, "--format", "docx")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "einen zweiten Fall" in result.stdout + result.stderr
    assert not [p for p in out.iterdir() if p.suffix == ".docx"] if out.exists() else True


def test_batch_makes_both_fehlerhaft_and_pays_neither_on_every_run(tmp_path):
    folder = _two_files_one_recipient(tmp_path)
    out = tmp_path / "stapel"
    for _ in range(2):
        result = _run("batch", "run", folder, "-o", out, "--format", "docx", "--quiet")
        assert result.returncode == 1, result.stdout + result.stderr
        bericht = json.loads((out / "bericht.json").read_text(encoding="utf-8"))
        assert [f["status"] for f in bericht["faelle"]] == ["fehlerhaft", "fehlerhaft"]
        codes = [b["code"] for f in bericht["faelle"] for b in f["befunde"]]
        assert codes.count("empfaenger_doppelt") == 2
        assert not list(out.glob("*.docx")) and not list(out.glob("**/*.docx"))
        kasse = out / "auszahlungsliste.csv"
        if kasse.exists():
            rows = list(csv.reader(kasse.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
            assert rows[1:] == []
