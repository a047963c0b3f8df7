"""German texts for click's own messages (usage, help headings, usage errors).

click takes its texts through gettext; no German catalogue ships with it, so the
handful of texts a user of kim-docs sees are translated here.
"""
from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

_DE = {
    "Usage:": "Aufruf:",
    "Usage: ": "Aufruf: ",
    "Options": "Optionen",
    "Commands": "Befehle",
    "Arguments": "Argumente",
    "Show this message and exit.": "Diese Hilfe anzeigen und beenden.",
    "Show the version and exit.": "Version anzeigen und beenden.",
    "Error: {message}": "Fehler: {message}",
    "Try {command!r} for help.": "Hilfe: {command!r}.",
    "Try '{command} {option}' for help.": "Hilfe: '{command} {option}'.",
    "Missing argument": "Fehlendes Argument",
    "Missing option": "Fehlende Option",
    "Missing parameter": "Fehlender Parameter",
    "Missing argument {param_hint}.": "Fehlendes Argument {param_hint}.",
    "Missing option {param_hint}.": "Fehlende Option {param_hint}.",
    "Missing {param_type}": "Fehlt: {param_type}",
    "Missing {param_type}.": "Fehlt: {param_type}.",
    "No such command {name!r}.": "Unbekannter Befehl {name!r}.",
    "No such option: {name}": "Unbekannte Option: {name}",
    "Did you mean {possibility}?": "Meinten Sie {possibility}?",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Got unexpected extra argument ({args})": "Unerwartetes zusätzliches Argument ({args})",
    "Got unexpected extra arguments ({args})": "Unerwartete zusätzliche Argumente ({args})",
    "Option {name!r} requires an argument.": "Option {name!r} braucht einen Wert.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} existiert nicht.",
    "File": "Datei",
    "Directory": "Ordner",
    "Path": "Pfad",
    "{value!r} is not one of {choices}.": "{value!r} ist keiner der Werte {choices}.",
    "{value!r} is not {choice}.": "{value!r} ist nicht {choice}.",
    "{value!r} is not a valid integer.": "{value!r} ist keine ganze Zahl.",
    "Aborted!": "Abgebrochen!",
    "(dynamic)": "(dynamisch)",
    "default:": "Vorgabe:",
    "required": "Pflicht",
}


def _(text: str) -> str:
    return _DE.get(text, text)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _(singular if n == 1 else plural)


for _module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.types):
    if hasattr(_module, "_"):
        _module._ = _  # type: ignore[attr-defined]
    if hasattr(_module, "ngettext"):
        _module.ngettext = _ngettext  # type: ignore[attr-defined]

_DE["default"] = "Vorgabe"
_DE["default: {default}"] = "Vorgabe: {default}"
_original_init = click.core.Command.__init__


def _init_with_german_metavar(self, *args, options_metavar: str | None = "[OPTIONEN]", **kwargs):  # type: ignore[no-untyped-def]
    _original_init(self, *args, options_metavar=options_metavar, **kwargs)


click.core.Command.__init__ = _init_with_german_metavar  # type: ignore[method-assign]
