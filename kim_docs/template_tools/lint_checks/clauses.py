"""The Bescheid's mandatory clauses, checked without rendering: does the template still print them?

The rendering with the samples (`sample_rendering`) catches what this cannot see, such
as an Auflage skipped by a condition.
"""
from __future__ import annotations

from ...findings import Befund
from ..docx import Docx
from ..report import finding
from .variables import Usage

#: (label, lists it must loop over, values it must print, how the block is written, why it is mandatory)
_CLAUSES = (
    ("Auflagen-Formel", (), ("klauseln.auflagen_einleitung",), "{{ klauseln.auflagen_einleitung }}",
     "§ 36 Abs. 2 Nr. 4 VwVfG NRW: erst die Formel erlegt die Auflagen auf"),
    ("Auflagen a)–e)", ("auflagen",), ("auflagen[].buchstabe", "auflagen[].text"),
     "die Schleife {%p for a in auflagen %} … {{ a.buchstabe }}) {{ a.text }} … {%p endfor %}", "Nr. 6 der Richtlinie"),
    ("ANBest-G-Satz", (), ("klauseln.anbest",), "{{ klauseln.anbest }}", "Nr. 7.3 der Richtlinie"),
    ("Rechtsbehelfsbelehrung", (), ("klauseln.rechtsbehelf",), "{{ klauseln.rechtsbehelf }}",
     "sonst gilt die Klagefrist von einem Jahr, § 58 VwGO"),
)


def static_clause_findings(doc: Docx, usage: Usage) -> list[Befund]:
    """A finding per clause whose loop or values the template no longer uses."""
    findings: list[Befund] = []
    for label, loops, printed, block, why in _CLAUSES:
        if set(loops) <= usage.loops and set(printed) <= usage.printed:
            continue
        findings.append(finding("pflichtklausel", f"Pflichtklausel {label} fehlt oder ist verändert: der Bescheid "
                                                  f"muss {block} enthalten ({why})", _anchor(doc, label)))
    return findings


def clause_anchor(doc: Docx, message: str) -> str:
    """Where the first clause named in render's message ('Pflichtklauseln fehlen …: Auflage c); …') belonged."""
    keys = (("Auflagen-Formel", "Auflagen-Formel"), ("Auflagen a)–e)", "Auflage "), ("ANBest-G-Satz", "ANBest"),
            ("Rechtsbehelfsbelehrung", "Rechtsbehelf"))
    labels = [label for label, key in keys if key in message.split(";")[0]]
    return _anchor(doc, labels[0]) if labels else ""


def _anchor(doc: Docx, label: str) -> str:
    """Where a missing clause belonged: the paragraph that still mentions it, if any."""
    words = {"Auflagen-Formel": ("auflagen_einleitung", "Auflagen", "Nebenbestimmungen"),
             "Auflagen a)–e)": ("auflagen_einleitung", "auflagen", "Auflage", "Nebenbestimmungen"), "ANBest-G-Satz": ("anbest", "ANBest"),
             "Rechtsbehelfsbelehrung": ("rechtsbehelf", "Rechtsbehelf")}[label]
    for word in words:
        for para in doc.paragraphs:
            if word in para.text:
                return f"bei {para.location()}"
    return "im ganzen Dokument nicht gefunden"
