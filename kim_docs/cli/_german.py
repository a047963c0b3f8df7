"""click in German: its own messages (usage, help headings, errors) and help summaries.

click takes every text it shows through gettext, looked up when shown by the names `_`
and `ngettext` of each of its modules; it ships no German catalogue. `install()` binds
those names to the catalogue `_click_de` (generated from the installed click by
scripts/click_catalogue.py). It runs on import, before any command is defined: click
translates some texts (the help option's, the names of path types) when a parameter is
created.

The names of click's parameter types are German as well: click puts them into messages
("'x' ist keine gültige ganze Zahl.") and into the metavar of a parameter without one.
"""
from __future__ import annotations

import importlib
import re
import sys

from .._compat import bind_gettext
from ._click_de import MESSAGES, MODULES, PLURALS, TYPE_NAMES

__all__ = ["install", "short_help_safe", "translate", "translate_plural", "unmask"]

_PLATFORM_ONLY = {"_winconsole": "win32"}  # click imports it on Windows only; elsewhere it fails


def translate(message: str) -> str:
    return MESSAGES.get(message) or message


def translate_plural(singular: str, plural: str, n: int) -> str:
    german = PLURALS.get((singular, plural), ("", ""))
    if all(german):
        return german[0] if n == 1 else german[1]
    return singular if n == 1 else plural


def install() -> None:
    """Bind click's `_` and `ngettext` to the German catalogue (idempotent)."""
    for name in MODULES:
        if _PLATFORM_ONLY.get(name, sys.platform) != sys.platform:
            continue
        # also the modules click imports only when needed (shell completion, pager): ~2 ms
        bind_gettext(importlib.import_module(f"click.{name}"), translate, translate_plural)
    _german_type_names()


def _german_type_names() -> None:
    import click.types

    for value in vars(click.types).values():
        if isinstance(value, type) and issubclass(value, click.types.ParamType):
            german = TYPE_NAMES.get(vars(value).get("name", ""))
            if german:
                value.name = german


# --------------------------------------------------------------------------- help summaries

# click ends a command's summary in the list of commands at the first sentence end: a
# period followed by a word that does not start in lowercase. German abbreviations such
# as "z. B." or "Nr. 5" are followed by exactly such words; without care the summary of
# "(z. B. alle Bescheide)" would be "(z.".
_ABBREVIATIONS = re.compile(
    r"(?<!\w)(?:z\. ?B\.|d\. ?h\.|u\. ?a\.|o\. ?ä\.|s\. ?o\.|s\. ?u\.|i\. ?d\. ?R\."
    r"|bzw\.|ca\.|evtl\.|ggf\.|inkl\.|vgl\.|usw\.|etc\.|Nr\.|Abs\.|S\.)")
_DOT, _SPACE = "\ue000", "\ue001"  # private-use characters: no text contains them


def short_help_safe(text: str) -> str:
    """`text` with the periods and spaces of German abbreviations masked, so that click
    sees no sentence end there and never breaks the line inside one; same length."""
    return _ABBREVIATIONS.sub(lambda m: m.group().replace(".", _DOT).replace(" ", _SPACE), text)


def unmask(text: str) -> str:
    return text.replace(_DOT, ".").replace(_SPACE, " ")


install()
