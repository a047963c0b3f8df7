"""kim-docs batch: spreadsheet input with located findings, reports, Kasse list, budget,
manifest and verify, resume after a kill, exit codes."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from kim_docs.sheets import SHEETS, build_workbook, save_deterministic

ROOT = Path(__file__).resolve().parent.parent
FAELLE, STELLEN = SHEETS[0], SHEETS[1]
BAD_ANTEIL_CASE, BAD_IBAN_CASE = 3, 7  # 1-based case numbers of the two bad rows


def faelle_row(i: int, **changes) -> list:
    values = {c.header: c.example for c in FAELLE.columns}
    values.update({"Fall-ID": f"T-{i:02d}", "Antragsteller": f"Kreis Test {i:02d}", "AGS": f"05999{i:03d}",
                   "Aktenzeichen": f"36.07.01-KIM-2025/{i:03d}"})
    values.update(changes)
    return [values[c.header] for c in FAELLE.columns]


def stellen_row(i: int, **changes) -> list:
    values = {c.header: c.example for c in STELLEN.columns}
    values.update({"Fall-ID": f"T-{i:02d}"}, **changes)
    return [values[c.header] for c in STELLEN.columns]


def workbook(path: Path, n: int = 10, bad: bool = True, extra: dict | None = None) -> Path:
    """n cases; with `bad`, case 3 has Anteil '0,5x' and case 7 a wrong IBAN."""
    faelle, stellen = [], []
    for i in range(1, n + 1):
        iban = "DE03120300000000202051" if bad and i == BAD_IBAN_CASE else "DE02120300000000202051"
        faelle.append(faelle_row(i, IBAN=iban))
        anteil = "0,5x" if bad and i == BAD_ANTEIL_CASE else 1
        stellen.append(stellen_row(i, Anteil=anteil))
    rows = {"Fälle": faelle, "Stellen": stellen}
    for name, more in (extra or {}).items():
        rows[name] = rows.get(name, []) + more
    save_deterministic(build_workbook(rows), path)
    return path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kim_docs", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def documents(out: Path, suffix: str = ".docx") -> list[str]:
    """The documents of a run: dokumente/<Fall-ID>_<Empfänger>/<name>, by file name."""
    return sorted(p.name for p in out.glob("dokumente/*/*") if p.suffix == suffix)


def rel(i: int, suffix: str = "docx") -> str:
    """Where the Bescheid of test case i lies in the output folder (file name with Aktenzeichen)."""
    return (f"dokumente/T-{i:02d}_Kreis-Test-{i:02d}/"
            f"2025_Kreis-Test-{i:02d}_Zuwendungsbescheid_36-07-01-KIM-2025-{i:03d}.{suffix}")


def bericht(out: Path) -> dict:
    return json.loads((out / "bericht.json").read_text(encoding="utf-8"))


def stelle_row_number(case: int) -> int:
    return case + 1  # one Stelle per case, header is row 1


# ---------------------------------------------------------------- good and bad rows

def test_ten_cases_two_bad_rows(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx")
    out = tmp_path / "out"
    result = cli("batch", "run", book, "-o", out, "--format", "docx", "--jobs", "2")
    assert result.exit_code == 1
    made = documents(out)
    assert len(made) == 8
    assert rel(3).rpartition("/")[2] not in made and rel(1).rpartition("/")[2] in made
    assert not (out / rel(3)).exists() and not (out / rel(7)).exists()
    data = bericht(out)
    status = {f["fall"]: f["status"] for f in data["faelle"]}
    assert [k for k, v in status.items() if v != "erstellt"] == ["T-03", "T-07"]
    assert data["summe"]["erstellt"] == 8 and data["summe"]["fehlerhaft"] == 2
    orte = {f["fall"]: [b["ort"] for b in f["befunde"] if b["schwere"] == "fehler"] for f in data["faelle"]}
    assert orte["T-03"] == [f"Tabelle Stellen, Zeile {stelle_row_number(3)}, Spalte Anteil"]
    assert orte["T-07"] == ["Tabelle Fälle, Zeile 8, Spalte IBAN"]
    raw = (out / "bericht.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Fall-ID", "Quelle", "Empfänger", "Aktenzeichen", "Status"]
    by_id = {r[0]: r for r in rows[1:]}
    assert "Tabelle Stellen, Zeile 4, Spalte Anteil: '0,5x' ist keine Zahl" in by_id["T-03"][6]
    assert "Tabelle Fälle, Zeile 8, Spalte IBAN: " in by_id["T-07"][6]
    assert by_id["T-01"][7] == rel(1)
    assert by_id["T-03"][5] == "" and by_id["T-01"][5] == "96700,00"  # no amount on a faulty case
    assert "T-03" in result.stderr and "Tabelle Stellen, Zeile 4, Spalte Anteil" in result.stderr
    assert "10 Fälle: 8 erstellt, 0 unverändert, 2 fehlerhaft, 0 fehlgeschlagen" in result.stderr


def test_all_good_exit_0_and_second_run_skips(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=4, bad=False)
    out = tmp_path / "out"
    first = cli("batch", "run", book, "-o", out, "--format", "docx", "--quiet")
    assert first.exit_code == 0, first.output
    stamps = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("dokumente/*/*.docx")}
    assert len(stamps) == 4
    second = cli("batch", "run", book, "-o", out, "--format", "docx", "--quiet")
    assert second.exit_code == 0
    assert "4 Fälle: 0 erstellt, 4 unverändert" in second.stderr
    assert stamps == {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.glob("dokumente/*/*.docx")}
    # another option (format) changes the documents: redone
    third = cli("batch", "run", book, "-o", out, "--format", "docx", "--draft", "--quiet")
    assert "4 erstellt" in third.stderr


def test_german_formats_in_cells_are_exact(tmp_path, cli):
    from kim_docs.evaluate import evaluate
    from kim_docs.formatting import euro
    from kim_docs.model import parse_case
    from kim_docs.templating import docx_paragraphs

    row = faelle_row(1, **{"Beginn": "01.04.2025", "Ende": "2025-12-31", "Antrag-Datum": "15.10.2024",
                           "Konzept-Datum": "30.9.2024", "Bescheid-Datum": "20.01.2025",
                           "Beantragt Sachausgaben": "3.637,50 €", "Beantragt Veranstaltungen": "7.000",
                           "Beantragt Maßnahmen": "12345,67", "Bewilligt Maßnahmen": "10000.10"})
    stelle = stellen_row(1, Anteil="0,5", **{"besetzt von": "1.4.2025"})
    path = tmp_path / "kim.xlsx"
    save_deterministic(build_workbook({"Fälle": [row], "Stellen": [stelle]}), path)
    out = tmp_path / "out"
    assert cli("batch", "run", path, "-o", out, "--format", "docx").exit_code == 0
    expected = evaluate(parse_case({
        "antragsteller": {"name": "Kreis Test 01", "art": "kreis", "ags": "05999000", "verwaltungsgericht": "Arnsberg",
                          "anschrift": {"strasse": "Am Kreishaus 1", "plz": "59999", "ort": "Musterstadt"},
                          "bankverbindung": {"iban": "DE02120300000000202051"}},
        "voraussetzungen": {"ki_betrieb": True, "angliederung_an_ki": True, "lenkungsgruppe": True,
                            "konzept_datum": dt.date(2024, 9, 30)},
        "bewilligungszeitraum": {"beginn": dt.date(2025, 4, 1), "ende": dt.date(2025, 12, 31)},
        "antrag": {"datum": dt.date(2024, 10, 15), "sachausgaben": Decimal("3637.50"),
                   "veranstaltungen": Decimal("7000"), "massnahmen": Decimal("12345.67")},
        "stellen": [{"bezeichnung": "K", "funktion": "koordination", "anteil": Decimal("0.5"),
                     "qualifikation": "master", "besetzt_von": dt.date(2025, 4, 1)}],
        "bescheid": {"aktenzeichen": "X", "datum": dt.date(2025, 1, 20), "sachbearbeitung": {"name": "M"},
                     "bewilligt": {"massnahmen": Decimal("10000.10")}, "begruendung_kuerzung": "B"},
    }))
    berechnung = expected.berechnung
    assert berechnung.betraege["massnahmen"] == Decimal("10000.10")
    assert berechnung.betraege["sachausgaben"] == Decimal("3637.50")
    data = bericht(out)
    assert data["faelle"][0]["gesamt"] == str(berechnung.gesamt)
    text = "\n".join(docx_paragraphs((out / rel(1)).read_bytes()))
    for amount in (berechnung.gesamt, Decimal("10000.10"), Decimal("3637.50")):
        assert euro(amount) in text
    summary = json.loads((out / "zusammenfassung.json").read_text(encoding="utf-8"))
    assert summary["gesamt"] == str(berechnung.gesamt)
    assert summary["posten"]["massnahmen"] == "10000.10"


# the Haushaltsstelle of the template's example row (case format v2: required for the Bescheid)
HHS = "Kapitel 07 070 Titel 633 10"


def test_auszahlungsliste_exact(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=2, bad=False)
    out = tmp_path / "out"
    assert cli("batch", "run", book, "-o", out, "--format", "docx").exit_code == 0
    # each case 96.700,00 € (1,0 Koordination, Sachausgaben 9.700, Veranstaltungen 10.000,
    # Maßnahmen gekürzt auf 20.000); two Raten of one half, on 01.05. and 01.10.
    raw = (out / "auszahlungsliste.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    gesamt = Decimal(bericht(out)["faelle"][0]["gesamt"])
    assert gesamt == Decimal("96700.00")
    half = f"{gesamt / 2:.2f}".replace(".", ",")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == [
        "Termin;Rate;Fall-ID;Empfänger;Aktenzeichen;Haushaltsstelle;IBAN;Betrag",
        f"01.05.2025;1;T-01;Kreis Test 01;36.07.01-KIM-2025/001;{HHS};DE02120300000000202051;{half}",
        f"01.05.2025;1;T-02;Kreis Test 02;36.07.01-KIM-2025/002;{HHS};DE02120300000000202051;{half}",
        f"01.10.2025;2;T-01;Kreis Test 01;36.07.01-KIM-2025/001;{HHS};DE02120300000000202051;{half}",
        f"01.10.2025;2;T-02;Kreis Test 02;36.07.01-KIM-2025/002;{HHS};DE02120300000000202051;{half}",
    ]
    summary = json.loads((out / "zusammenfassung.json").read_text(encoding="utf-8"))
    assert summary["gesamt"] == str(gesamt * 2)
    assert summary["auszahlungen"] == [{"termin": "2025-05-01", "betrag": str(gesamt)},
                                       {"termin": "2025-10-01", "betrag": str(gesamt)}]


# ---------------------------------------------------------------- budget

def test_budget_exceeded_refuses(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=3, bad=False)
    out = tmp_path / "out"
    result = cli("batch", "run", book, "-o", out, "--format", "docx", "--budget", "200.000,00")
    assert result.exit_code == 1
    assert "überschreiten die verfügbaren Haushaltsmittel (Nr. 1.3 der Richtlinie)" in result.stderr
    assert "verfügbar 200.000,00\xa0€" in result.stderr
    assert documents(out) == []
    assert not (out / "auszahlungsliste.csv").exists()
    data = bericht(out)
    assert {f["status"] for f in data["faelle"]} == {"nicht erstellt"}
    assert data["zusammenfassung"]["haushalt"]["ueberschritten"] is True
    assert cli("batch", "verify", out).exit_code == 0
    # enough money now: made; then too little again: the Kasse list goes, verify still fine
    assert cli("batch", "run", book, "-o", out, "--format", "docx").exit_code == 0
    assert (out / "auszahlungsliste.csv").exists()
    assert cli("batch", "run", book, "-o", out, "--format", "docx", "--budget", "1").exit_code == 1
    assert not (out / "auszahlungsliste.csv").exists()
    assert cli("batch", "verify", out).exit_code == 0


def test_budget_enough(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=3, bad=False)
    out = tmp_path / "out"
    result = cli("batch", "run", book, "-o", out, "--format", "docx", "--budget", "10000000.50")
    assert result.exit_code == 0
    haushalt = bericht(out)["zusammenfassung"]["haushalt"]
    assert haushalt["verfuegbar"] == "10000000.50" and haushalt["ueberschritten"] is False
    assert Decimal(haushalt["rest"]) == Decimal("10000000.50") - Decimal(haushalt["summe_bescheide"])


def test_budget_not_a_number(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=1, bad=False)
    result = cli("batch", "run", book, "-o", tmp_path / "out", "--budget", "viel")
    assert result.exit_code == 2
    assert "Haushaltsmittel: 'viel' ist keine Zahl" in result.stderr


# ---------------------------------------------------------------- exit code 2

def test_unreadable_input_exit_2(tmp_path, cli):
    result = cli("batch", "run", tmp_path / "fehlt.xlsx", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "Eingabe nicht gefunden" in result.stderr
    broken = tmp_path / "kaputt.xlsx"
    broken.write_bytes(b"kein zip")
    result = cli("batch", "run", broken, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "Die Arbeitsmappe lässt sich nicht öffnen" in result.stderr
    assert "Traceback" not in result.output


def test_workbook_level_problem_exit_2_nothing_made(tmp_path, cli):
    orphan = stellen_row(99)  # Fall-ID T-99 is not in Fälle: its Stelle would be lost silently
    book = workbook(tmp_path / "kim.xlsx", n=3, bad=False, extra={"Stellen": [orphan]})
    out = tmp_path / "out"
    result = cli("batch", "run", book, "-o", out, "--format", "docx")
    assert result.exit_code == 2
    assert "Fehler der Mappe: Tabelle Stellen, Zeile 5: Fall-ID 'T-99' steht nicht in Tabelle Fälle" \
        in result.stderr
    assert documents(out) == []
    data = bericht(out)
    assert data["mappe_fehler"] and {f["status"] for f in data["faelle"]} == {"nicht erstellt"}


# ---------------------------------------------------------------- manifest, verify, overwrite

def test_manifest_and_verify_changed_missing_extra(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=3, bad=False)
    out = tmp_path / "out"
    assert cli("batch", "run", book, "-o", out, "--format", "docx", "--zip").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["dateien"] if e["datei"] == rel(2))
    assert entry["fall"] == "T-02" and entry["empfaenger"] == "Kreis Test 02"
    assert entry["aktenzeichen"] == "36.07.01-KIM-2025/002" and entry["regelwerk"] == "kim-nrw-2024"
    for key in ("groesse", "sha256", "fall_sha256", "vorlage_sha256", "kim_docs", "optionen"):
        assert entry[key]
    assert {e["datei"] for e in manifest["dateien"]} >= {"bericht.csv", "bericht.json", "auszahlungsliste.csv",
                                                         "pruefmappe.xlsx"}
    ok = cli("batch", "verify", out)
    assert ok.exit_code == 0 and "stimmen mit dem Manifest überein" in ok.output

    with (out / rel(1)).open("ab") as handle:
        handle.write(b"x")
    (out / rel(2)).unlink()
    (out / "notiz.txt").write_text("hallo")
    bad = cli("batch", "verify", out, "--json")
    assert bad.exit_code == 1
    assert json.loads(bad.output) == {
        "geprueft": len(manifest["dateien"]), "ok": False,
        "veraendert": [rel(1)], "fehlend": [rel(2)], "zusaetzlich": ["notiz.txt"]}
    text = cli("batch", "verify", out)
    assert f"✗ verändert: {rel(1)}" in text.output
    assert f"✗ fehlt: {rel(2)}" in text.output
    assert "✗ zusätzlich: notiz.txt" in text.output


def test_verify_without_manifest_exit_2(tmp_path, cli):
    result = cli("batch", "verify", tmp_path)
    assert result.exit_code == 2 and "Kein manifest.json" in result.stderr


def test_hand_edited_file_is_not_overwritten(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=2, bad=False)
    out = tmp_path / "out"
    assert cli("batch", "run", book, "-o", out, "--format", "docx").exit_code == 0
    target = out / rel(1)
    target.write_bytes(target.read_bytes() + b"hand")
    edited = target.read_bytes()
    result = cli("batch", "run", book, "-o", out, "--format", "docx")
    assert result.exit_code == 1
    assert target.read_bytes() == edited
    assert "weicht vom Manifest ab (von Hand geändert?); sie wird nicht überschrieben" in result.stderr
    assert cli("batch", "run", book, "-o", out, "--format", "docx", "--overwrite").exit_code == 0
    assert target.read_bytes() != edited
    assert cli("batch", "verify", out).exit_code == 0


def test_zip_is_deterministic(tmp_path, cli):
    book = workbook(tmp_path / "kim.xlsx", n=2, bad=False)
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert cli("batch", "run", book, "-o", out, "--format", "docx", "--zip").exit_code == 0
    assert (first / "stapel.zip").read_bytes() == (second / "stapel.zip").read_bytes()
    import zipfile

    names = zipfile.ZipFile(first / "stapel.zip").namelist()
    assert names == sorted(names[:-1]) + ["manifest.json"] and "bericht.csv" in names


def test_same_recipient_twice_fails_the_second(tmp_path, cli):
    path = tmp_path / "kim.xlsx"
    save_deterministic(build_workbook({"Fälle": [faelle_row(1), faelle_row(2, Antragsteller="Kreis Test 01")],
                                       "Stellen": [stellen_row(1), stellen_row(2)]}), path)
    out = tmp_path / "out"
    result = cli("batch", "run", path, "-o", out, "--format", "docx")
    assert result.exit_code == 1
    failed = [f for f in bericht(out)["faelle"] if f["status"] == "fehlgeschlagen"]
    assert [f["fall"] for f in failed] == ["T-02"]
    assert "gehört schon zu Fall T-01" in failed[0]["meldung"]


class _FailsForCase2:
    """LibreOffice, except that it fails on every conversion that includes case T-02.
    A module-level class: BatchOptions calls it in each worker process."""

    def __init__(self) -> None:
        from kim_docs.pdf import LibreOfficeConverter

        self.libreoffice = LibreOfficeConverter()

    def convert(self, docx_paths, out_dir):
        from kim_docs.errors import ConversionError

        if any("Kreis-Test-02" in Path(p).name for p in docx_paths):
            raise ConversionError("LibreOffice ist mit Code 81 abgebrochen (Test)")
        return self.libreoffice.convert(docx_paths, out_dir)


@pytest.mark.libreoffice
def test_failing_conversion_fails_only_its_case(tmp_path):
    """LibreOffice fails on one document: the chunk is redone case by case, the others
    get their PDFs. (The converter comes with the options, made in each worker.)"""
    from kim_docs.batch import BatchOptions, run_batch

    book = workbook(tmp_path / "kim.xlsx", n=3, bad=False)
    out = tmp_path / "out"
    result = run_batch(book, out, BatchOptions(jobs=1, chunk=3, converter_factory=_FailsForCase2))
    assert result.exit_code == 1
    status = {f["fall"]: (f["status"], f["meldung"]) for f in bericht(out)["faelle"]}
    assert status["T-02"] == ("fehlgeschlagen", "LibreOffice ist mit Code 81 abgebrochen (Test)")
    assert status["T-01"][0] == status["T-03"][0] == "erstellt"
    assert [f"dokumente/{d}" for d in sorted(p.parent.name + "/" + p.name for p in out.glob("dokumente/*/*.pdf"))] \
        == [rel(1, "pdf"), rel(3, "pdf")]
    assert "Kreis-Test-02" not in " ".join(documents(out))


# ---------------------------------------------------------------- other inputs, template

def test_folder_of_case_files(tmp_path, cli):
    folder = tmp_path / "faelle"
    folder.mkdir()
    for name in ("kreis-musterland-2025.yaml", "stadt-fehlerhaft-2025.yaml"):
        (folder / name).write_bytes((ROOT / "samples" / name).read_bytes())
    (folder / "kaputt.yaml").write_text("antragsteller: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = cli("batch", "run", folder, "-o", out, "--format", "docx")
    assert result.exit_code == 1
    status = {f["fall"]: f for f in bericht(out)["faelle"]}
    assert status["kreis-musterland-2025"]["status"] == "erstellt"
    assert status["stadt-fehlerhaft-2025"]["status"] == "fehlerhaft"
    assert all(b["ort"].startswith("stadt-fehlerhaft-2025.yaml") for b in status["stadt-fehlerhaft-2025"]["befunde"])
    assert status["kaputt"]["status"] == "fehlerhaft"
    assert status["kaputt"]["befunde"][0]["ort"].startswith("kaputt.yaml, Zeile")


def test_template_command(tmp_path, cli):
    from kim_docs.sheets import read_batch

    path = tmp_path / "vorlage.xlsx"
    result = cli("batch", "template", path)
    assert result.exit_code == 0 and "Vorlage geschrieben" in result.output
    assert [c.fall_id for c in read_batch(path)] == ["BEISPIEL-1"]
    assert cli("batch", "template", tmp_path / "vorlage.txt").exit_code == 2


def test_progress_bar_shows_count_rate_eta():
    from kim_docs.batch import Fallbericht, Fortschritt
    from kim_docs.cli.batch import _Bar

    stream = io.StringIO()
    bar = _Bar(stream)
    bar(Fortschritt(1, 4, Fallbericht("T-01", "x", status="erstellt")))
    bar(Fortschritt(2, 4, Fallbericht("T-02", "x", "Kreis", status="fehlgeschlagen", meldung="kaputt")))
    bar.close()
    text = stream.getvalue()
    assert "1/4" in text and "2/4" in text and "Fälle/s" in text and "noch 0:" in text
    assert "✗ T-02 Kreis: fehlgeschlagen – kaputt\n" in text


# ---------------------------------------------------------------- kill and resume (PDF)

def _manifest_docs(out: Path) -> dict[str, dict]:
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["datei"]: e for e in data["dateien"] if e.get("dokument") == "bescheid"}


@pytest.mark.libreoffice
def test_killed_run_resumes_without_redoing_finished_cases(tmp_path):
    """PDF run killed hard (SIGKILL to the whole process group) after the first finished
    cases; the second run skips them and finishes the rest; nothing partial is left."""
    book = workbook(tmp_path / "kim.xlsx", n=8, bad=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "kim_docs", "batch", "run", str(book), "-o", str(out),
           "--format", "docx,pdf", "--jobs", "1", "--chunk", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    while len(_manifest_docs(out)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    finished = _manifest_docs(out)
    assert 2 <= len(finished) < 16, "the run should have been killed mid-way"
    for name, entry in finished.items():  # what the manifest lists is complete
        assert (out / name).stat().st_size == entry["groesse"]
    stamps = {name: ((out / name).stat().st_ino, (out / name).stat().st_mtime_ns) for name in finished}

    again = run("batch", "run", book, "-o", out, "--format", "docx,pdf", "--jobs", "2")
    assert again.returncode == 0, again.stderr
    done_cases = {e["fall"] for e in finished.values()}
    for case in done_cases:
        assert f"{case} Kreis Test {case[2:]}: unverändert" in again.stderr
    assert stamps == {name: ((out / name).stat().st_ino, (out / name).stat().st_mtime_ns) for name in finished}
    assert len(documents(out, ".pdf")) == 8 and len(documents(out, ".docx")) == 8
    assert all(p.read_bytes().startswith(b"%PDF-") for p in out.glob("dokumente/*/*.pdf"))
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden == []  # no work folder, and the lock file is removed after the run
    assert run("batch", "verify", out).returncode == 0


@pytest.mark.libreoffice
def test_sigterm_stops_cleanly(tmp_path):
    book = workbook(tmp_path / "kim.xlsx", n=6, bad=False)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "kim_docs", "batch", "run", str(book), "-o", str(out),
                             "--format", "pdf", "--jobs", "1", "--chunk", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not _manifest_docs(out) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "abgebrochen" in err
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert documents(out, ".docx") == []  # --format pdf: no DOCX kept


@pytest.mark.libreoffice
def test_relative_output_folder_with_pdf(tmp_path):
    """Regression: a relative -o made LibreOffice's profile path relative (no file URI)."""
    folder = tmp_path / "faelle"
    folder.mkdir()
    (folder / "soest.yaml").write_bytes((ROOT / "samples" / "kreis-soest-vakanz-2025.yaml").read_bytes())
    result = run("batch", "run", "faelle", "-o", "ausgabe", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert documents(tmp_path / "ausgabe", ".pdf") == ["2025_Kreis-Soest_Zuwendungsbescheid_36-07-01-KIM-2025-052.pdf"]
    assert bericht(tmp_path / "ausgabe")["faelle"][0]["status"] == "erstellt"


def test_documents_of_a_case_that_became_faulty_are_retired(tmp_path, cli):
    folder = tmp_path / "faelle"
    folder.mkdir()
    case = folder / "soest.yaml"
    text = (ROOT / "samples" / "kreis-soest-vakanz-2025.yaml").read_text(encoding="utf-8")
    case.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert cli("batch", "run", folder, "-o", out, "--format", "docx").exit_code == 0
    name = "dokumente/soest_Kreis-Soest/2025_Kreis-Soest_Zuwendungsbescheid_36-07-01-KIM-2025-052.docx"
    assert (out / name).is_file()
    case.write_text(text.replace("massnahmen: 15000", "massnahmen: -1"), encoding="utf-8")
    result = cli("batch", "run", folder, "-o", out, "--format", "docx")
    assert result.exit_code == 1
    assert not (out / name).exists()
    assert (out / "veraltet" / name).is_file()
    fall = bericht(out)["faelle"][0]
    assert fall["status"] == "fehlerhaft"
    assert "frühere Dokumente nach veraltet/ verschoben" in fall["meldung"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["dateien"] if e["datei"] == f"veraltet/{name}")
    assert entry["veraltet"] is True
    assert cli("batch", "verify", out).exit_code == 0


def test_rule_set_hash_ignores_where_the_rule_set_file_lies(tmp_path: Path) -> None:
    """Moving the installation must not mark every case of a batch as changed."""
    import shutil

    from kim_docs.batch.plan import _rule_set_hash
    from kim_docs.resources import RULES
    from kim_docs.rules import load_rule_sets

    shipped = load_rule_sets()["kim-nrw-2024"]
    copy = tmp_path / "regeln"
    shutil.copytree(RULES, copy)
    moved = load_rule_sets([copy])["kim-nrw-2024"]
    assert moved.quelle != shipped.quelle
    assert _rule_set_hash(moved) == _rule_set_hash(shipped)


def test_place_of_a_top_level_field_in_a_json_case_is_its_file():
    """A finding on a top-level key ('bescheid', 'stellen') of a JSON case (no line numbers)
    names the file; this used to loop for ever."""
    from kim_docs.batch.input import Eingabe

    eingabe = Eingabe("fall", "fall.json", {})
    assert eingabe.ort("bescheid") == "fall.json"
    assert eingabe.ort("stellen[2].anteil") == "fall.json"
