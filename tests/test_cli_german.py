"""click speaks German in kim-docs: every message of the installed click has a German
text in the catalogue, and what the commands print on misuse and in their help is German."""
from __future__ import annotations

import gettext
import importlib
import importlib.util
import re
import string
import sys
from types import ModuleType

import click
import pytest
from helpers import ROOT, SAMPLES

from kim_docs.cli import _click_de, _german, main
from kim_docs.cli._common import KimCommand


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("click_catalogue", ROOT / "scripts" / "click_catalogue.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _script()


@pytest.fixture(scope="module")
def extracted(script: ModuleType):
    return script.extract(script.click_dir())


# --------------------------------------------------------------------------- the catalogue


def test_every_message_of_installed_click_has_german_text(script: ModuleType, extracted) -> None:
    assert extracted.messages and extracted.plurals, "no texts found: has click stopped using gettext?"
    assert extracted.unresolved == []  # a text click computes: the extractor must learn it
    catalogue = script.read_catalogue()
    gaps = script.missing(catalogue, extracted)
    assert gaps == [], "run `python scripts/click_catalogue.py`, then translate: " + "; ".join(gaps)


def test_catalogue_is_what_the_package_loads(script: ModuleType) -> None:
    catalogue = script.read_catalogue()
    assert catalogue.messages == _click_de.MESSAGES
    assert catalogue.plurals == _click_de.PLURALS
    assert catalogue.type_names == _click_de.TYPE_NAMES


def test_known_messages_are_covered(extracted) -> None:
    must = ["No such option {name!r}.", "{name} {filename!r} is a file.", "{name} {filename!r} is a directory.",
            "{name} {filename!r} does not exist.", "{value} is not in the range {range}.",
            "{value!r} is not a valid {number_type}.", "Missing argument", "Usage:", "required"]
    assert [m for m in must if m not in extracted.messages] == []
    assert ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)") in extracted.plurals
    assert ("{value!r} is not {choice}.", "{value!r} is not one of {choices}.") in extracted.plurals


def _fields(text: str) -> set[str]:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return names | set(re.findall(r"%\((\w+)\)s", text))


def _pairs() -> list[tuple[str, str]]:
    pairs = list(_click_de.MESSAGES.items())
    for (singular, plural), (de_singular, de_plural) in _click_de.PLURALS.items():
        pairs += [(singular, de_singular), (plural, de_plural)]
    return pairs


@pytest.mark.parametrize(("english", "german"), _pairs())
def test_german_text_uses_only_the_placeholders_click_fills(english: str, german: str) -> None:
    # fewer is allowed: some placeholders are filled with click's English words ({param_type})
    assert _fields(german) <= _fields(english)
    assert german.count("\n") == english.count("\n")


def test_click_modules_use_the_catalogue() -> None:
    for name in _click_de.MODULES:
        if _german._PLATFORM_ONLY.get(name, sys.platform) != sys.platform:
            continue
        module = importlib.import_module(f"click.{name}")
        assert getattr(module, "_", _german.translate) is not gettext.gettext, name
        assert getattr(module, "ngettext", _german.translate_plural) is not gettext.ngettext, name
    assert click.types.IntRange.name == "ganze Zahl"


# --------------------------------------------------------------------------- real invocations


def _english_words() -> set[str]:
    """Words of click's English texts that no German text uses ("Option" is both)."""
    def words(text: str) -> set[str]:
        return set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}|%\(\w+\)s", " ", text)))

    english = {w for en, _ in _pairs() for w in words(en)} | {w for n in _click_de.TYPE_NAMES for w in words(n)}
    german = {w for _, de in _pairs() for w in words(de)} | {w for n in _click_de.TYPE_NAMES.values() for w in words(n)}
    return english - german


ENGLISH = _english_words()


def _english_in(output: str) -> set[str]:
    """English words of click in `output`, apart from what the user typed (quoted by click)
    and option names."""
    output = re.sub(r"'[^']*'", " ", output)
    output = re.sub(r"(?<![\w-])--?[\w-]+", " ", output)
    return set(re.findall(r"[A-Za-z]{3,}", output)) & ENGLISH


def test_english_words_are_recognised() -> None:
    assert {"Missing", "such", "mean", "directory", "range", "integer"} <= ENGLISH
    assert _english_in("Error: No such option '--formt'. Did you mean '--format'?") == {
        "Error", "such", "option", "Did", "you", "mean"}


MISUSE = [
    pytest.param(["render", "alle", SAMPLES, "-o", "OUT", "--template-dir", "x"],
                 "Fehler: Unbekannte Option '--template-dir'. Meinten Sie '--templates-dir'?\n",
                 id="unknown-option-near-miss"),
    pytest.param(["render", "alle", SAMPLES, "-o", "OUT", "--formt", "pdf"],
                 "Fehler: Unbekannte Option '--formt'. (Meinten Sie eines von: '--format', '--out'?)\n",
                 id="unknown-option-near-misses"),
    pytest.param(["render", "alle", SAMPLES, "-o", "OUT", "--gibtsnicht"],
                 "Fehler: Unbekannte Option '--gibtsnicht'.\n", id="unknown-option"),
    pytest.param(["valdate", SAMPLES], "Fehler: Unbekannter Befehl 'valdate'. Meinten Sie 'validate'?\n",
                 id="unknown-command-near-miss"),
    pytest.param(["templates", "preview", "TMP/fehlt.docx"],
                 "Fehler: Ungültiger Wert für 'DOCX': Datei 'TMP/fehlt.docx' existiert nicht.\n", id="file-missing"),
    pytest.param(["templates", "preview", SAMPLES],
                 f"Fehler: Ungültiger Wert für 'DOCX': Datei '{SAMPLES}' ist ein Ordner.\n", id="directory-for-file"),
    pytest.param(["batch", "verify", SAMPLES / "README.md"],
                 f"Fehler: Ungültiger Wert für 'ORDNER': Ordner '{SAMPLES / 'README.md'}' ist eine Datei.\n",
                 id="file-for-directory"),
    pytest.param(["render", "alles", SAMPLES, "-o", "OUT"],
                 "Fehler: Ungültiger Wert für 'DOKUMENT': 'alles' ist keiner der Werte 'antrag', 'bescheid', "
                 "'auszahlung', 'verwendungsnachweis', 'pruefvermerk', 'alle'.\n", id="choice"),
    pytest.param(["templates", "variables", "--format", "xml"],
                 "Fehler: Ungültiger Wert für '--format': 'xml' ist keiner der Werte 'md', 'json'.\n",
                 id="choice-option"),
    pytest.param(["batch", "run", SAMPLES, "-o", "OUT", "--jobs", "0"],
                 "Fehler: Ungültiger Wert für '--jobs': 0 liegt nicht im Bereich x>=1.\n", id="range"),
    pytest.param(["batch", "run", SAMPLES, "-o", "OUT", "--timeout", "zwei"],
                 "Fehler: Ungültiger Wert für '--timeout': 'zwei' ist keine gültige Zahl.\n", id="not-a-number"),
    pytest.param(["batch", "run", SAMPLES, "-o", "OUT", "--jobs", "1,5"],
                 "Fehler: Ungültiger Wert für '--jobs': '1,5' ist keine gültige ganze Zahl.\n", id="not-an-integer"),
    pytest.param(["calc"], "Fehler: Fehlendes Argument 'DATEI'.\n", id="missing-argument"),
    pytest.param(["render", "alle", SAMPLES], "Fehler: Fehlende Option '-o' / '--out'.\n", id="missing-option"),
    pytest.param(["render", "alle", SAMPLES, "-o"], "Fehler: Option '-o' braucht einen Wert.\n",
                 id="option-without-value"),
    pytest.param(["schema", "mehr"], "Fehler: Unerwartetes zusätzliches Argument (mehr)\n", id="extra-argument"),
    pytest.param(["render"], "Fehler: Fehlendes Argument 'DOKUMENT'. Auswahl:\n\tantrag,\n\tbescheid,\n"
                 "\tauszahlung,\n\tverwendungsnachweis,\n\tpruefvermerk,\n\talle\n", id="missing-choice"),
]


@pytest.mark.parametrize(("args", "message"), MISUSE)
def test_misuse_is_german_with_exit_2(runner, tmp_path, args: list, message: str) -> None:
    args = [str(a).replace("TMP", str(tmp_path)).replace("OUT", str(tmp_path / "aus")) for a in args]
    message = message.replace("TMP", str(tmp_path))
    result = runner.invoke(main, args, prog_name="kim-docs")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    *usage, error = result.stderr.split("\n\n")
    assert error == message
    if usage:  # click shows it where it knows the command (not for a missing option value)
        assert usage[0].startswith("Aufruf: kim-docs ")
        assert "\nHilfe: 'kim-docs " in usage[0]
    assert _english_in(result.stderr) == set()
    assert not (tmp_path / "aus").exists()


def test_console_script_misuse_is_german(tmp_path) -> None:
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "kim_docs", "batch", "verify", str(tmp_path / "fehlt")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.endswith(f"Fehler: Ungültiger Wert für 'ORDNER': Ordner '{tmp_path / 'fehlt'}' "
                                "existiert nicht.\n")
    assert _english_in(proc.stderr) == set()


# --------------------------------------------------------------------------- help


def _all_commands() -> list[list[str]]:
    found = []

    def walk(command: click.Command, path: list[str]) -> None:
        found.append(path)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(main, [])
    return found


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "kim-docs")
def test_help_is_german(runner, path: list[str]) -> None:
    result = runner.invoke(main, [*path, "--help"], prog_name="kim-docs")
    assert result.exit_code == 0
    assert result.stdout.startswith("Aufruf: kim-docs")
    assert "[OPTIONEN]" in result.stdout
    assert _english_in(result.stdout) == set()


def test_command_summaries_not_cut_at_abbreviation(runner) -> None:
    result = runner.invoke(main, ["--help"], prog_name="kim-docs", terminal_width=80)
    batch = next(line for line in result.stdout.splitlines() if line.startswith("  batch "))
    assert batch.split(None, 1)[1] == "Stapel: die Dokumente vieler Fälle auf einmal (z. B. alle..."
    wide = runner.invoke(main, ["--help"], prog_name="kim-docs", terminal_width=200)
    assert "(z. B. alle Bescheide eines Jahres)." in wide.stdout


@pytest.mark.parametrize(("help_text", "summary"), [
    ("Stapel (z. B. alle Bescheide). Mehr dazu.", "Stapel (z. B. alle Bescheide)."),
    ("Nach Nr. 5.4 der Richtlinie. Mehr dazu.", "Nach Nr. 5.4 der Richtlinie."),
    ("Vorlagen bzw. Regelwerke, d. h. Klauseln. Weiter.", "Vorlagen bzw. Regelwerke, d. h. Klauseln."),
    ("Prüft Fälle. Weiter im Text.", "Prüft Fälle."),
    ("Ein langer Satz mit z. B. vielen Wörtern, der nicht in die Zeile passt.", "Ein langer Satz mit z. B...."),
])
def test_short_help_keeps_german_abbreviations(help_text: str, summary: str) -> None:
    command = KimCommand("x", help=help_text)
    assert command.get_short_help_str(limit=30 if "langer" in help_text else 80) == summary
    assert command.help == help_text  # untouched afterwards
