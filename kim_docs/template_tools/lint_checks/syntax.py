"""Jinja syntax of a single tag, checked on its own so the finding names the tag's paragraph."""
from __future__ import annotations

import re

from ...findings import Befund
from ...templating import make_jinja_env
from ..docx import Paragraph
from ..report import finding


def syntax_of_tag(para: Paragraph, match: re.Match[str], tag: str) -> list[Befund]:
    """`tag` is the tag as written, or with its quotes straightened (to report a second error)."""
    source = _standalone(tag)
    if source is None:
        return []
    from jinja2 import TemplateSyntaxError

    try:
        make_jinja_env().parse(source)
    except TemplateSyntaxError as exc:
        return [finding("syntax", f"Jinja-Syntaxfehler im Platzhalter {tag}: {german_syntax(exc.message)}",
                        para.location(match.span()))]
    return []


def _standalone(tag: str) -> str | None:
    """The tag as a template of its own (block tags closed), to check it alone; None: not checkable alone."""
    inner = re.sub(r"^(p|tr|tc|r)\s", "", tag[2:-2].strip("-")).strip(" -")
    if tag.startswith("{{"):
        return "{{ " + inner + " }}"
    if not tag.startswith("{%") or not inner:
        return None
    word = inner.split()[0]
    closing = {"for": "{% endfor %}", "if": "{% endif %}"}
    if word in closing:
        return "{% " + inner + " %}" + closing[word]
    if word == "elif":
        return "{% if true %}{% " + inner + " %}{% endif %}"
    if word == "set" and "=" in inner:
        return "{% " + inner + " %}"
    return None


def german_syntax(message: str | None) -> str:
    """Jinja's English message with its common phrases in German (the rest stays as Jinja wrote it)."""
    text = message or "unbekannter Fehler"
    for english, german in (("unexpected char", "unerwartetes Zeichen"), ("unexpected end of template",
                                                                             "unerwartetes Ende"),
                            ("expected token", "erwartet wurde"), ("Unexpected end of template",
                                                                   "unerwartetes Ende der Vorlage"),
                            ("Encountered unknown tag", "unbekanntes Tag"), ("unexpected", "unerwartet")):
        text = text.replace(english, german)
    return text
