"""The clause guard: a rendered document is read back before anyone sees it.

A Bescheid is refused unless the imposing formula and the five Auflagen a)–e) as the
rule set imposes them on this recipient (e)'s Kommunen sentence only on a Kreis or the
Städteregion), the ANBest-G sentence with its "insoweit" and the Rechtsbehelfsbelehrung
stand in it, in the DOCX and again in the PDF; and refused where it merely quotes
Nr. 6 ("Als Auflagen sind grundsätzlich …") or imposes e)'s Kommunen sentence on a
kreisfreie Stadt. No document may keep template syntax that was not replaced.
"""
from __future__ import annotations

import re
from typing import Any

from .errors import RenderError

_AFTER_HYPHEN = re.compile(r"(?<=\w-)\s+")


def _norm(text: str) -> str:
    """White space collapsed; none after a word's hyphen, where the PDF may break a line
    ("Elektronischer-Rechtsverkehr-Verordnung"); the same on both sides of the comparison."""
    return _AFTER_HYPHEN.sub("", " ".join(text.replace("\u00ad", "").split()))


def required_clauses(context: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of every clause a Bescheid must contain."""
    clauses = [("Auflagen-Formel", context["klauseln"]["auflagen_einleitung"])]
    clauses += [(f"Auflage {a['buchstabe']})", f"{a['buchstabe']}) {a['text']}") for a in context["auflagen"]]
    clauses.append(("ANBest-G-Satz", context["klauseln"]["anbest"]))
    clauses.append(("Rechtsbehelfsbelehrung", context["klauseln"]["rechtsbehelf"]))
    return clauses


def forbidden_clauses(context: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of what a Bescheid must not contain: the quote of Nr. 6 instead of the
    imposed Auflagen, and a part of an Auflage that is not imposed on this recipient."""
    clauses = [("Zitat der Nr. 6 statt Auflagen", context["klauseln"]["auflagen_richtlinie"])]
    clauses += [(f"Auflage {a['buchstabe']}) für diesen Empfänger nicht vorgesehen: „{a['nicht_auferlegt']}“",
                 a["nicht_auferlegt"]) for a in context["auflagen"] if a.get("nicht_auferlegt")]
    return clauses


def check_clauses(text: str, context: dict[str, Any], where: str) -> None:
    """Raise RenderError naming every mandatory clause missing from `text` (and what must not stand in it)."""
    haystack = _norm(text)
    missing = [label for label, clause in required_clauses(context) if _norm(clause) not in haystack]
    if missing:
        raise RenderError(f"Pflichtklauseln fehlen im {where}: {', '.join(missing)}; "
                          f"die Vorlage muss sie enthalten (Nr. 6, Nr. 7.3 der Richtlinie, Rechtsbehelfsbelehrung)")
    wrong = [label for label, clause in forbidden_clauses(context) if _norm(clause) in haystack]
    if wrong:
        raise RenderError(f"Unzulässiger Text im {where}: {', '.join(wrong)}; der Bescheid erlegt die Auflagen "
                          f"auf, wie das Regelwerk sie für diesen Empfänger formuliert (Nr. 6 der Richtlinie)")


def needs_clauses(art: str) -> bool:
    """Which document kinds carry the mandatory clauses."""
    return art == "bescheid"


def check_no_tags(paragraphs: list[str], context: dict[str, Any], name: str) -> None:
    """No template syntax may survive rendering, except where a value itself contains it."""
    from .context import flatten

    literal = [v for v in flatten(context).values() if isinstance(v, str) and ("{{" in v or "{%" in v)]
    for text in paragraphs:
        for value in literal:
            text = text.replace(value, "")
        if "{{" in text or "{%" in text:
            raise RenderError(f"Vorlage {name}: nicht ersetzter Platzhalter im Absatz „{text[:100]}“")
