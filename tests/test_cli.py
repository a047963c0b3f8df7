"""The command line: output, exit status, German messages, no tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys

from helpers import SAMPLES, SPEC, make_case, write_case


def test_calc_json_matches_spec(cli):
    result = cli("calc", SPEC / "kreis-musterland-2025.yaml", "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    expected = json.loads((SPEC / "kreis-musterland-2025.expected.json").read_text(encoding="utf-8"))
    out.pop("befunde")
    # The v2 example predates the "erstattung" key (rule 26): it must be there, null, and is
    # the only key exempted from the comparison.
    if "erstattung" not in expected:
        assert out.pop("erstattung") is None
    assert out == expected
    assert list(out) == list(expected)  # key order as in the contract


def test_calc_fehlerhaft_exit_1(cli):
    result = cli("calc", SPEC / "stadt-fehlerhaft-2025.yaml", "--json")
    assert result.exit_code == 1
    codes = {b["code"] for b in json.loads(result.stdout)["befunde"]}
    assert "iban_pruefziffer" in codes


def test_calc_table_german(cli):
    result = cli("calc", SAMPLES / "kreis-recklinghausen-2025.yaml")
    assert result.exit_code == 0
    assert "Gesamt                                                      429.200,00 €" in result.stdout
    assert "  1. Rate am 01.05.2025: 214.600,00 €" in result.stdout
    assert "  Stadt Marl: Personal 57.000,00 €, Sachausgaben 9.700,00 €, gesamt 66.700,00 €" in result.stdout
    assert "Verwendungsnachweis bis (Nr. 7.4): 31.03.2026" in result.stdout


def test_validate_folder_and_json(cli):
    result = cli("validate", SAMPLES, "--json")
    assert result.exit_code == 1  # stadt-fehlerhaft
    items = json.loads(result.stdout)
    assert len(items) == 10  # incl. kreis-unna-erstattung-2025 (v2: vacancy, Einnahmen, Erstattung)
    bad = [i for i in items if any(b["schwere"] == "fehler" for b in i["befunde"])]
    assert [i["datei"] for i in bad] == [str(SAMPLES / "stadt-fehlerhaft-2025.yaml")]


def test_validate_text(cli):
    result = cli("validate", SAMPLES / "stadt-hamm-hoechstgrenzen-2025.yaml")
    assert result.exit_code == 0
    assert result.stdout == (
        f"✓ {SAMPLES / 'stadt-hamm-hoechstgrenzen-2025.yaml'}: 1 Hinweis\n"
        "  HINWEIS  Nr. 7.5     bescheid: Der amtliche Text der ANBest-G ist im Regelwerk nicht hinterlegt "
        "(anbest.anlage); der Bescheid führt sie als Anlage auf, sie muss von Hand beigefügt werden.\n")


def test_validate_unreadable_file_exit_2_with_json_entry(cli, tmp_path):
    bad = tmp_path / "kaputt.yaml"
    bad.write_text("- nur\n- eine Liste\n", encoding="utf-8")
    result = cli("validate", SAMPLES / "stadt-fehlerhaft-2025.yaml", bad, "--json")
    assert result.exit_code == 2  # the highest status wins
    items = json.loads(result.stdout)
    assert items[1] == {"datei": str(bad), "fehler": f"{bad}, Zeile 1: Die Datei muss Schlüssel mit Werten "
                                                      "enthalten (ein Objekt), gefunden wurde eine Liste"}


def test_calc_parse_error_message_and_exit_2(cli, tmp_path):
    data = make_case()
    data["stellen"][0]["anteill"] = "1"
    path = write_case(tmp_path, data)
    result = cli("calc", path)
    assert result.exit_code == 2
    assert result.stderr == (f"Fehler: {path}, Zeile 31, Spalte 12: Unbekanntes Feld 'stellen[0].anteill' – "
                             "meinten Sie 'anteil'?\n")
    assert "Traceback" not in result.output


def test_calc_missing_file(cli, tmp_path):
    result = cli("calc", tmp_path / "nicht-da.yaml")
    assert result.exit_code == 2
    assert result.stderr == f"Fehler: {tmp_path / 'nicht-da.yaml'}: Datei nicht gefunden\n"


def test_misuse_exit_2_german(cli):
    result = cli("calc")
    assert result.exit_code == 2
    assert "Fehlendes Argument 'DATEI'" in result.stderr


def test_schema_is_json_schema(cli):
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == {"antragsteller", "voraussetzungen", "bewilligungszeitraum", "antrag", "stellen"}
    assert schema["$defs"]["Stelle"]["additionalProperties"] is False


def test_help_is_german(cli):
    result = cli("--help")
    assert "Aufruf: kim-docs [OPTIONEN] BEFEHL [ARGUMENTE]..." in result.stdout
    assert "Diese Hilfe anzeigen und beenden." in result.stdout
    assert "Prüft Falldateien" in result.stdout


def test_console_script_no_traceback_on_binary_file(tmp_path):
    bad = tmp_path / "bild.yaml"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    proc = subprocess.run([sys.executable, "-m", "kim_docs", "validate", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "Datei ist nicht UTF-8-kodiert (ungültiges Byte 0x89 an Position 0)" in proc.stderr


BAD_FILES = {
    "leer.yaml": (b"", "Datei ist leer"),
    "liste.yaml": (b"- a\n", "Zeile 1: Die Datei muss Schlüssel mit Werten enthalten (ein Objekt), gefunden wurde eine Liste"),
    "latin1.yaml": ("name: Städte\n".encode("latin-1"),
                    "Datei ist nicht UTF-8-kodiert (ungültiges Byte 0xe4 an Position 8); bitte als UTF-8 speichern"),
    "datum.yaml": (b"antrag: {datum: 2025-02-30}\n", "Zeile 1, Spalte 17: Feld 'antrag.datum': '2025-02-30' ist kein gültiges Datum"),
    "syntax.json": (b'{"a": 1,,}', "Zeile 1, Spalte 9: JSON-Syntaxfehler: Schlüssel in doppelten Anführungszeichen erwartet"),
}


def test_bad_inputs_exact_message_exit_2(cli, tmp_path):
    for name, (content, message) in BAD_FILES.items():
        path = tmp_path / name
        path.write_bytes(content)
        for command in ("calc", "validate"):
            result = cli(command, path)
            assert result.exit_code == 2, (name, result.output)
            prefix = "Fehler: " if command == "calc" else "✗ "
            separator = ", " if message.startswith("Zeile") else ": "
            assert result.stderr == f"{prefix}{path}{separator}{message}\n", (name, result.stderr)


def test_render_tells_the_warnings_and_hints_of_a_case_it_made(cli, tmp_path):
    result = cli("render", "bescheid", SAMPLES / "stadt-hamm-hoechstgrenzen-2025.yaml", "-o", tmp_path,
                 "--format", "docx")
    assert result.exit_code == 0, result.output
    assert "HINWEIS  Nr. 7.5     bescheid: Der amtliche Text der ANBest-G ist im Regelwerk nicht hinterlegt" \
        in result.stderr


def test_after_an_interrupt_the_signals_stay_ignored_until_the_process_ends():
    """A second Ctrl-C between the cleanup and the exit must not reach Python's own
    handler (the process would end by SIGINT instead of with status 130)."""
    import signal

    import pytest

    from kim_docs.cli._common import interrupts_unwind

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        with interrupts_unwind():
            pass
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
        with pytest.raises(KeyboardInterrupt), interrupts_unwind():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) == signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before[0])
        signal.signal(signal.SIGTERM, before[1])
