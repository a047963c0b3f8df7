"""Review marks left in a template: tracked changes, tracking still switched on, comments.

Each would end up in every issued document, so each is a Fehler (tracking switched on
only a Warnung: it changes nothing yet).
"""
from __future__ import annotations

import re

from ...findings import Befund, Schwere
from ..docx import Docx, Paragraph, W, local_name, owner_paragraph, shorten
from ..report import finding

#: The elements of tracked changes to the text, and of tracked changes to the formatting only.
REVISIONS = ("ins", "del", "moveFrom", "moveTo")
_FORMAT_REVISIONS = ("rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange",
                     "tblGridChange", "numberingChange")


def revision_findings(doc: Docx) -> list[Befund]:
    """One finding per paragraph with tracked changes, naming what was inserted and deleted."""
    findings = []
    for para in doc.paragraphs:
        kinds = {local_name(e) for e in para.element.iter() if local_name(e) in REVISIONS + _FORMAT_REVISIONS
                 and owner_paragraph(e) is para.element}
        if not kinds:
            continue
        inserted = "".join(t.text or "" for t in para.element.iter(f"{W}t")
                           if any(local_name(a) in ("ins", "moveTo") for a in t.iterancestors()))
        deleted = "".join(t.text or "" for t in para.element.iter(f"{W}delText"))
        what = [f"eingefügt „{shorten(inserted, width=50)}“" if inserted else "",
                f"gelöscht „{shorten(deleted, width=50)}“" if deleted else "",
                "Formatierung geändert" if kinds & set(_FORMAT_REVISIONS) else ""]
        details = ", ".join(w for w in what if w) or "Absatzmarke"
        findings.append(finding("aenderung", f"Nachverfolgte Änderung nicht angenommen ({details}): "
                                             "in Word Überprüfen › Annehmen/Ablehnen, in LibreOffice Bearbeiten › "
                                             "Änderungen verfolgen › Verwalten.", para.location()))
    return findings + _tracking_on(doc)


def _tracking_on(doc: Docx) -> list[Befund]:
    settings = doc.parts.get("word/settings.xml", b"")
    if b"trackRevisions" in settings and not re.search(rb'<w:trackRevisions w:val="(false|0|off)"', settings):
        return [finding("aenderung", "Änderungen nachverfolgen ist eingeschaltet; vor der Freigabe ausschalten.",
                        "Dokumenteinstellungen", Schwere.WARNUNG)]
    return []


def comment_findings(doc: Docx) -> list[Befund]:
    """Every comment, named by its author and text, placed at the paragraph it is anchored to."""
    from lxml import etree

    data = doc.parts.get("word/comments.xml")
    if not data:
        return []
    anchors: dict[str | None, Paragraph] = {}
    for para in doc.paragraphs:
        for e in para.element.iter(f"{W}commentRangeStart", f"{W}commentReference"):
            anchors.setdefault(e.get(f"{W}id"), para)
    findings = []
    for comment in etree.fromstring(data).iter(f"{W}comment"):
        text = " ".join("".join(t.text or "" for t in comment.iter(f"{W}t")).split())
        author = comment.get(f"{W}author") or "unbekannt"
        anchor = anchors.get(comment.get(f"{W}id"))
        findings.append(finding("kommentar", f"Kommentar von {author} noch in der Vorlage: „{shorten(text, width=60)}“"
                                             " – vor der Freigabe löschen (er stünde sonst im Dokument).",
                                anchor.location() if anchor else "Kommentar ohne Textstelle"))
    return findings
