"""Tags that Word split over several runs: which ones docxtpl can rejoin, and which it would break."""
from __future__ import annotations

import re
from typing import Any

from ...findings import Befund, Schwere
from ..docx import Paragraph, local_name, owner_paragraph
from ..report import finding
from .review_marks import REVISIONS


def split_tag_findings(para: Paragraph, match: re.Match[str]) -> list[Befund]:
    """docxtpl deletes the XML between the first and last text node of a tag; it must be balanced."""
    nodes = para.nodes_in(*match.span())
    if len(nodes) < 2:
        return _revision_in_tag(para, match, nodes)
    first, last = nodes[0], nodes[-1]
    revisions = _revision_in_tag(para, match, nodes)
    if revisions:
        return revisions
    if _chain(first, last) != _chain(last, first):
        return [finding("geteilt", f"Platzhalter {match.group()} ist in Word auf verschiedene Elemente verteilt "
                                   "(z. B. Hyperlink, Feld oder Inhaltssteuerelement), die docxtpl nicht "
                                   "zusammenfügen kann: Platzhalter löschen und in einem Zug neu tippen "
                                   "(ohne Formatwechsel).", para.location(match.span()))]
    findings: list[Befund] = []
    if any(local_name(e) == "proofErr" for e in _between(first, last)):
        findings.append(finding("rechtschreibung", f"Rechtschreibprüfung (w:proofErr) unterbricht den Platzhalter "
                                                   f"{match.group()}; docxtpl fügt ihn wieder zusammen. Sauberer: "
                                                   "Platzhalter als „Nicht prüfen“ markieren.",
                                para.location(match.span()), Schwere.WARNUNG))
    return findings


def _chain(node: Any, other: Any) -> list[str]:
    """Element names from `node` up to (not including) the common ancestor with `other`."""
    theirs = set(other.iterancestors())
    names = []
    for ancestor in node.iterancestors():
        if ancestor in theirs:
            break
        names.append(local_name(ancestor))
    return names


def _between(first: Any, last: Any) -> list[Any]:
    """Every element after `first` and before `last` in document order (inside one paragraph)."""
    out, started = [], False
    for element in owner_paragraph(first).iter():
        if element is first:
            started = True
        elif element is last:
            break
        elif started:
            out.append(element)
    return out


def _revision_in_tag(para: Paragraph, match: re.Match[str], nodes: list[Any]) -> list[Befund]:
    """A tracked change in or between the tag's text nodes (docxtpl would rejoin across it)."""
    inside = {local_name(a) for t in nodes for a in t.iterancestors() if local_name(a) in REVISIONS}
    if len(nodes) >= 2:
        inside |= {local_name(e) for e in _between(nodes[0], nodes[-1]) if local_name(e) in REVISIONS}
    if not inside:
        return []
    return [finding("aenderung_im_platzhalter", f"Nachverfolgte Änderung im Platzhalter {match.group()}: Änderung "
                                                "annehmen oder ablehnen, bevor die Vorlage verwendet wird (docxtpl "
                                                "würde sonst ein beschädigtes oder falsches Dokument erzeugen).",
                    para.location(match.span()))]

