"""Builds the shipped DOCX templates in templates/ (reproducibly).

The templates are the maintainers' territory afterwards: they edit them in Word or
LibreOffice. This script is the documented starting point and can rebuild them from
scratch: python scripts/make_templates.py
Layout follows the NRW Grundmuster for Zuwendungen an Gemeinden (VVG zu § 44 LHO).
"""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).resolve().parent.parent / "kim_docs" / "templates"
FONT = "Arial"  # Liberation Sans (metric-compatible) stands in where Arial is absent
VERSION = "1.0"
FIXED = dt.datetime(2025, 1, 1, 0, 0, 0)


# --- building blocks ------------------------------------------------------------------

def new_document(title: str) -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    _set_language(normal.element, "de-DE")
    _set_east_asian_font(normal.element)
    for name, size in (("Heading 1", 14), ("Heading 2", 11.5), ("Heading 3", 10.5), ("Title", 16)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(10)
        style.paragraph_format.space_after = Pt(4)
        _set_east_asian_font(style.element)
    _disable_hyphenation(doc)
    props = doc.core_properties
    props.title = title
    props.author = "kim-docs"
    props.version = VERSION
    props.created = props.modified = FIXED
    props.last_modified_by = "kim-docs"
    props.revision = 1
    props.language = "de-DE"
    return doc


def _set_language(element, lang: str) -> None:
    rpr = element.get_or_add_rPr()
    node = OxmlElement("w:lang")
    node.set(qn("w:val"), lang)
    node.set(qn("w:eastAsia"), lang)
    node.set(qn("w:bidi"), "ar-SA")
    rpr.append(node)


def _set_east_asian_font(element) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # a theme font would win over the named one


def _disable_hyphenation(doc: Document) -> None:
    settings = doc.settings.element
    node = OxmlElement("w:autoHyphenation")
    node.set(qn("w:val"), "false")
    settings.append(node)


def para(doc_or_cell, text: str = "", *, bold: bool = False, size: float | None = None, align=None,
         keep: bool = False, style: str | None = None, space_after: float | None = None,
         with_next: bool = False, indent: float | None = None):
    p = doc_or_cell.add_paragraph(style=style) if style else doc_or_cell.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
    if align:
        p.alignment = align
    if keep:
        p.paragraph_format.keep_together = True
    if with_next:  # a lead-in stays on the page of what follows (its table, its list, the signature)
        p.paragraph_format.keep_with_next = True
    if indent is not None:
        p.paragraph_format.left_indent = Cm(indent)
        p.paragraph_format.first_line_indent = Cm(-0.4)
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def tag(doc_or_cell, text: str) -> None:
    """A paragraph that holds only a {%p … %} tag (it disappears when rendered)."""
    doc_or_cell.add_paragraph(text)


def heading(doc, text: str, level: int = 2):
    return doc.add_paragraph(text, style=f"Heading {level}")


def labelled(doc, rows: list[tuple[str, str]], widths=(5.5, 11.0)) -> None:
    table = doc.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
        cells[0].paragraphs[0].runs[0].bold = True
    _widths(table, widths)
    _no_split_rows(table)


def loop_table(doc, headers: list[str], cells: list[str], loop: str, widths: list[float],
               total: list[str] | None = None, right_from: int | None = None, right_to: int | None = None):
    """A table with a header row, one row per item ({%tr for %}), and an optional total row;
    the columns right_from … right_to (amounts) are right-aligned."""
    def right(i: int) -> bool:
        return right_from is not None and right_from <= i <= (len(headers) - 1 if right_to is None else right_to)

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
        _shade(cell)
    _repeat_header(table.rows[0])
    table.add_row().cells[0].text = "{%tr " + loop + " %}"
    row = table.add_row().cells
    for i, (cell, text) in enumerate(zip(row, cells)):
        first, *more = text.split("\n")  # a cell of several paragraphs (e.g. a {%p if %} line)
        cell.text = first
        for line in more:
            cell.add_paragraph(line)
        if right(i):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.add_row().cells[0].text = "{%tr endfor %}"
    if total:
        row = table.add_row().cells
        for i, (cell, text) in enumerate(zip(row, total)):
            cell.text = text
            if cell.paragraphs[0].runs:
                cell.paragraphs[0].runs[0].bold = True
            if right(i):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _widths(table, widths)
    _no_split_rows(table)
    _cell_margins(table, CELL_MARGIN)
    for r in table.rows:
        for c in r.cells:
            for p in c.paragraphs:
                p.paragraph_format.space_after = Pt(1)
                for run in p.runs:
                    run.font.size = Pt(TABLE_PT)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)
    return table


#: Table text size and left/right cell margin: the column widths are chosen so that the
#: longest word of every cell fits at this size (tests/test_bescheid.py measures it).
TABLE_PT = 9
CELL_MARGIN = 0.1


def _cell_margins(table, cm: float) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        node = OxmlElement(f"w:{side}")
        node.set(qn("w:w"), str(round(cm * 567)))
        node.set(qn("w:type"), "dxa")
        mar.append(node)
    tblpr.append(mar)


def _widths(table, widths) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)  # the grid: LibreOffice lays out by it, not by the cell widths
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)


def _shade(cell) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), "E7E6E6")
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    node = OxmlElement("w:tblHeader")
    node.set(qn("w:val"), "true")
    trpr.append(node)


def _no_split_rows(table) -> None:
    """Rows never break across pages; the header row stays with the first data row."""
    for cell in table.rows[0].cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True
    for row in table.rows:
        trpr = row._tr.get_or_add_trPr()
        node = OxmlElement("w:cantSplit")
        node.set(qn("w:val"), "true")
        trpr.append(node)


def _field(run, instr: str) -> None:
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
            run._r.append(node)
        elif text == instr:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = f" {instr} "
            run._r.append(node)
        else:
            node = OxmlElement("w:t")
            node.text = text
            run._r.append(node)


def header_footer(doc, footer_text: str) -> None:
    section = doc.sections[0]
    header = section.header
    p = header.paragraphs[0]
    p.text = "{%p if dokument.entwurf %}"
    draft = header.add_paragraph()
    run = draft.add_run("ENTWURF – nicht zur Versendung")
    run.bold = True
    run.font.size = Pt(20)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.add_paragraph("{%p endif %}")
    footer = section.footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(f"{footer_text} – Seite ")
    run.font.size = Pt(8)
    run = p.add_run()
    run.font.size = Pt(8)
    _field(run, "PAGE")
    run = p.add_run(" von ")
    run.font.size = Pt(8)
    run = p.add_run()
    run.font.size = Pt(8)
    _field(run, "NUMPAGES")


def draft_findings(doc) -> None:
    tag(doc, "{%p if dokument.entwurf %}")
    heading(doc, "Befunde der Prüfung (nur im Entwurf)")
    tag(doc, "{%p for befund in dokument.befunde %}")
    para(doc, "• {{ befund }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def municipal_letterhead(doc) -> None:
    """Sender (the municipality) and addressee (the Bewilligungsbehörde) of a municipal form."""
    para(doc, "{{ antragsteller.name }}", bold=True, space_after=0)
    para(doc, "{{ antragsteller.anschrift.strasse }}", space_after=0)
    para(doc, "{{ antragsteller.anschrift.plz }} {{ antragsteller.anschrift.ort }}")
    para(doc, "")
    for line in ("An die", "{{ behoerde.name }}", "{{ behoerde.dezernat }}", "{{ behoerde.strasse }}"):
        para(doc, line, space_after=0)
    para(doc, "{{ behoerde.plz }} {{ behoerde.ort }}")


def signature(doc, place_date: str, lines: list[str]) -> None:
    para(doc, "")
    para(doc, place_date, keep=True)
    para(doc, "")
    para(doc, "")
    para(doc, "_" * 45, keep=True, space_after=0)
    for line in lines:
        para(doc, line, size=9, space_after=0)


# --- the four documents -------------------------------------------------------------------

STELLEN_HEAD = ["Nr.", "Bezeichnung", "Funktion", "Anteil", "Besetzung", "Qualifikation", "Kommune"]
STELLEN_CELLS = ["{{ s.nr }}", "{{ s.bezeichnung }}", "{{ s.funktion }}", "{{ s.anteil }}", "{{ s.besetzung }}",
                 "{{ s.qualifikation }}", "{{ s.kommune_text }}"]
# "Verwaltungsassistenz", "Ausländerbehörde", "Qualifikation" fit their columns whole
STELLEN_W = [0.8, 3.3, 3.3, 1.2, 2.1, 3.3, 2.5]


WEITERLEITUNG_W = [3.6, 4.3, 3.2, 2.7, 2.6]


def antrag() -> Document:
    doc = new_document("Antrag KIM (Anlage 1)")
    header_footer(doc, "Antrag Kommunales Integrationsmanagement {{ zeitraum.jahr }} – {{ antragsteller.name }}")
    municipal_letterhead(doc)
    para(doc, "{{ antrag.datum }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.add_paragraph("Antrag auf Gewährung einer Zuwendung", style="Title")
    para(doc, "nach der {{ regelwerk.titel }} ({{ regelwerk.fundstelle }}) – Anlage 1", size=9.5)

    heading(doc, "1. Antragstellerin / Antragsteller")
    labelled(doc, [
        ("Name", "{{ antragsteller.name }}"),
        ("Art", "{{ antragsteller.art_text }}"),
        ("Amtlicher Gemeindeschlüssel", "{{ antragsteller.ags }}"),
        ("Anschrift", "{{ antragsteller.anschrift.strasse }}, {{ antragsteller.anschrift.plz }} "
                      "{{ antragsteller.anschrift.ort }}"),
        ("Ansprechperson", "{{ antragsteller.ansprechperson.name }}"),
        ("Telefon / E-Mail", "{{ antragsteller.ansprechperson.telefon }} {{ antragsteller.ansprechperson.email }}"),
        ("IBAN", "{{ antragsteller.bankverbindung.iban }}"),
        ("BIC / Kreditinstitut", "{{ antragsteller.bankverbindung.bic }} {{ antragsteller.bankverbindung.kreditinstitut }}"),
    ])
    heading(doc, "2. Kommunales Integrationszentrum")
    para(doc, "{{ integrationszentrum.name }}")
    heading(doc, "3. Maßnahme und Bewilligungszeitraum")
    para(doc, "Implementierung und Betrieb eines strategischen Kommunalen Integrationsmanagements (KIM) "
              "für den Zeitraum vom {{ zeitraum.beginn }} bis {{ zeitraum.ende }}.")
    heading(doc, "4. Stellenplan (Nr. 5.4.1)")
    loop_table(doc, STELLEN_HEAD, STELLEN_CELLS, "for s in stellen", STELLEN_W)
    heading(doc, "5. Finanzierungsplan (Nr. 5.4)")
    loop_table(doc, ["Posten", "Nr.", "Höchstbetrag", "beantragt"],
               ["{{ p.name }}", "{{ p.nr }}", "{{ p.hoechstbetrag }}", "{{ p.beantragt }}"], "for p in posten",
               [7.5, 1.8, 3.6, 3.6], total=["Summe der Ausgaben", "", "", "{{ betraege.gesamt }}"], right_from=2)
    para(doc, "Finanzierungsart: Vollfinanzierung (Nr. 5.2). Eigenanteil: 0,00 €. Beantragte Zuwendung: "
              "{{ betraege.gesamt }} (in Worten: {{ betraege.gesamt_in_worten }}).", keep=True)
    heading(doc, "6. Kreisangehörige Kommunen und Weiterleitung (Nr. 3.2, 4 e)")
    tag(doc, "{%p if kommunen %}")
    para(doc, "Kreisangehörige Kommunen mit den Voraussetzungen der Nr. 4 e (Ausländerbehörde, Jugendamt und "
              "Integrationsrat oder Integrationsausschuss) und die Stellen für sie:", with_next=True)
    loop_table(doc, ["Kommune", "Ausländerbehörde", "Jugendamt", "Integrationsrat", "Nr. 4 e erfüllt", "Stellen"],
               ["{{ k.name }}", "{{ k.auslaenderbehoerde }}", "{{ k.jugendamt }}", "{{ k.integrationsrat }}",
                "{{ k.qualifiziert }}", "{{ k.stellen }}"], "for k in kommunen", [3.4, 3.1, 2.1, 2.6, 1.8, 3.5])
    tag(doc, "{%p else %}")
    para(doc, "Keine (kreisfreie Stadt oder keine Kommune mit den Voraussetzungen der Nr. 4 e angegeben).")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if hat_weiterleitung %}")
    para(doc, "Weiterleitung an kreisangehörige Kommunen (Nr. 3.2):", with_next=True)
    loop_table(doc, ["Kommune", "Stellen", "Personalausgaben", "Sachausgaben", "gesamt"],
               ["{{ w.kommune }}", "{{ w.stellen }}", "{{ w.personal }}", "{{ w.sachausgaben }}", "{{ w.gesamt }}"],
               "for w in weiterleitung", WEITERLEITUNG_W, right_from=2)
    tag(doc, "{%p endif %}")
    heading(doc, "7. Erklärungen zu den Zuwendungsvoraussetzungen (Nr. 4)")
    loop_table(doc, ["Nr.", "Voraussetzung", "Angabe"], ["{{ v.nr }}", "{{ v.text }}", "{{ v.angabe }}"],
               "for v in voraussetzungen", [1.3, 11.2, 4.0])
    para(doc, "{{ klauseln.antrag_erklaerung }}", keep=True)
    signature(doc, "{{ antragsteller.anschrift.ort }}, den {{ antrag.datum }}",
              ["Ort, Datum, rechtsverbindliche Unterschrift", "(Der unterschriebene Antrag ist zusätzlich per Post "
               "an die Bewilligungsbehörde zu senden, Nr. 7.1.)"])
    draft_findings(doc)
    return doc


def section(doc, key: str, title: str) -> None:
    """A numbered heading; the number comes from the context (consecutive whatever is present)."""
    heading(doc, "{{ bescheid.abschnitte." + key + " }}. " + title)


def subsection(doc, key: str, title: str) -> None:
    heading(doc, "{{ bescheid.abschnitte." + key + " }} " + title, level=3)


def loop_paragraphs(doc, loop: str, text: str, *, indent: float | None = 0.6, with_next: bool = False) -> None:
    tag(doc, "{%p " + loop + " %}")
    para(doc, text, keep=True, indent=indent, with_next=with_next)
    tag(doc, "{%p endfor %}")


def bescheid() -> Document:
    """Section order of issue 10: Bewilligung, Teilablehnung, Bemessungsgrundlage, Weiterleitung,
    Auszahlung, Verwendungsnachweis, Nebenbestimmungen, Hinweise, Begründung, Rechtsbehelfsbelehrung."""
    doc = new_document("Zuwendungsbescheid KIM (Anlage 2)")
    header_footer(doc, "Zuwendungsbescheid {{ bescheid.aktenzeichen }}")
    para(doc, "{{ behoerde.name }}", bold=True, size=13, space_after=0)
    para(doc, "{{ behoerde.dezernat }}", space_after=8)
    para(doc, "{{ behoerde.anschrift_zeile }}", size=7.5, space_after=2)
    para(doc, "{{ antragsteller.name }}", space_after=0)
    tag(doc, "{%p if antragsteller.vertreten_durch %}")
    para(doc, "{{ antragsteller.vertreten_durch }}", space_after=0)
    tag(doc, "{%p endif %}")
    para(doc, "{{ antragsteller.anschrift.strasse }}", space_after=0)
    para(doc, "{{ antragsteller.anschrift.plz }} {{ antragsteller.anschrift.ort }}", space_after=10)
    labelled(doc, [("Datum", "{{ bescheid.datum_lang }}"), ("Aktenzeichen", "{{ bescheid.aktenzeichen }}"),
                   ("Auskunft erteilt", "{{ bescheid.sachbearbeitung.name }}"),
                   ("Telefon / E-Mail", "{{ bescheid.sachbearbeitung.telefon }} {{ bescheid.sachbearbeitung.email }}")],
             widths=(4.0, 12.5))
    para(doc, "Zuwendung des Landes Nordrhein-Westfalen zur Implementierung und zum Betrieb eines strategischen "
              "Kommunalen Integrationsmanagements (KIM) im Jahr {{ zeitraum.jahr }}", bold=True)
    para(doc, "Bezug: Ihr Antrag vom {{ antrag.datum_lang }}; {{ regelwerk.kurztitel }} vom "
              "{{ regelwerk.datum_lang }} ({{ regelwerk.fundstelle }})")
    para(doc, "{{ bescheid.anlage }}", size=9.5)
    doc.add_paragraph("Zuwendungsbescheid", style="Title")
    para(doc, "Sehr geehrte Damen und Herren,")

    section(doc, "bewilligung", "Bewilligung")
    para(doc, "Auf Ihren Antrag vom {{ antrag.datum_lang }} bewillige ich Ihnen für den Zeitraum vom "
              "{{ zeitraum.beginn_lang }} bis {{ zeitraum.ende_lang }} (Bewilligungszeitraum) eine Zuwendung in "
              "Höhe von {{ betraege.gesamt }} (in Buchstaben: {{ betraege.gesamt_in_worten }}).", keep=True)
    para(doc, "{{ bescheid.zweck }}", keep=True)
    tag(doc, "{%p if bescheid.zweck_angliederung %}")
    para(doc, "{{ bescheid.zweck_angliederung }}", keep=True)
    tag(doc, "{%p endif %}")
    labelled(doc, [("Zuwendungsart", "{{ klauseln.zuwendungsart }}"),
                   ("Finanzierungsart", "{{ klauseln.finanzierungsart }}"),
                   ("Form der Zuwendung", "{{ klauseln.form }}")], widths=(4.5, 12.0))
    para(doc, "{{ klauseln.hoechstbetrag }}", keep=True)
    tag(doc, "{%p if bescheid.haushaltsstelle %}")
    para(doc, "{{ bescheid.haushaltsstelle_satz }}", keep=True)
    tag(doc, "{%p endif %}")
    para(doc, "{{ bescheid.rechtsgrundlagen }}", keep=True, size=9.5)

    tag(doc, "{%p if bescheid.abschnitte.teilablehnung %}")
    section(doc, "teilablehnung", "Teilablehnung")
    para(doc, "{{ bescheid.teilablehnung_satz }}", keep=True, with_next=True)
    loop_table(doc, ["Posten", "beantragt", "bewilligt", "abgelehnt", "Grund"],
               ["{{ t.posten }}", "{{ t.beantragt }}", "{{ t.bewilligt }}", "{{ t.abgelehnt }}", "{{ t.grund }}"],
               "for t in bescheid.ablehnungen", [3.6, 2.4, 2.4, 2.4, 5.7], right_from=1, right_to=3)
    tag(doc, "{%p endif %}")

    section(doc, "bemessung", "Bemessungsgrundlage (Nr. 5.4)")
    loop_table(doc, ["Posten", "Nr.", "beantragt", "Höchstbetrag", "bewilligt"],
               ["{{ p.name }}", "{{ p.nr }}", "{{ p.beantragt }}", "{{ p.hoechstbetrag }}", "{{ p.bewilligt }}"],
               "for p in posten", [5.6, 1.4, 3.1, 3.1, 3.2],
               total=["Zuwendung insgesamt", "", "", "", "{{ betraege.gesamt }}"], right_from=2)
    para(doc, "{{ bescheid.stellen_satz }}", keep=True, with_next=True)
    loop_table(doc, ["Nr.", "Bezeichnung", "Funktion", "Anteil", "Besetzung", "Personal", "Sachausgaben"],
               ["{{ s.nr }}", "{{ s.bezeichnung }}\n{%p if s.kommune_text %}\nfür {{ s.kommune_text }}\n{%p endif %}",
                "{{ s.funktion }}", "{{ s.anteil }}", "{{ s.besetzung }}", "{{ s.personal }}", "{{ s.sachausgaben }}"],
               "for s in stellen", [0.8, 3.9, 3.4, 1.3, 2.2, 2.3, 2.6], right_from=5)

    tag(doc, "{%p if bescheid.abschnitte.weiterleitung %}")
    section(doc, "weiterleitung", "Weiterleitung (Nr. 3.2 der Richtlinie, Nr. 12 VVG zu § 44 LHO)")
    para(doc, "{{ bescheid.weiterleitung_satz }}", keep=True, with_next=True)
    loop_table(doc, ["Kommune", "Stellen", "Personalausgaben", "Sachausgaben", "gesamt"],
               ["{{ w.kommune }}", "{{ w.stellen }}", "{{ w.personal }}", "{{ w.sachausgaben }}", "{{ w.gesamt }}"],
               "for w in weiterleitung", WEITERLEITUNG_W, right_from=2)
    para(doc, "{{ bescheid.weiterleitung_pflichten_einleitung }}", keep=True, with_next=True)
    loop_paragraphs(doc, "for w in bescheid.weiterleitung_pflichten", "–\t{{ w }}")
    tag(doc, "{%p endif %}")

    section(doc, "auszahlung", "Auszahlung (Nr. 7.3)")
    para(doc, "{{ bescheid.auszahlung_satz }}", keep=True, with_next=True)
    loop_table(doc, ["Rate", "frühestens zum", "Betrag"], ["{{ r.rate }}. Rate", "{{ r.termin }}", "{{ r.betrag }}"],
               "for r in auszahlungen", [3.0, 3.6, 3.4], right_from=2)
    para(doc, "{{ bescheid.auszahlung_verfahren }}", keep=True)

    section(doc, "verwendungsnachweis", "Verwendungsnachweis (Nr. 7.4)")
    para(doc, "{{ bescheid.verwendungsnachweis_satz }}", keep=True)

    section(doc, "nebenbestimmungen", "Nebenbestimmungen")
    subsection(doc, "anbest", "Allgemeine Nebenbestimmungen (ANBest-G)")
    para(doc, "{{ klauseln.anbest }}", keep=True)
    subsection(doc, "auflagen", "Auflagen (Nr. 6 der Richtlinie)")
    para(doc, "{{ klauseln.auflagen_einleitung }}", keep=True, with_next=True)
    loop_paragraphs(doc, "for a in auflagen", "{{ a.buchstabe }})\t{{ a.text }}")
    tag(doc, "{%p if bescheid.hat_bedingung %}")
    subsection(doc, "bedingung", "Aufschiebende Bedingung (Nr. 4 f der Richtlinie)")
    para(doc, "{{ bescheid.bedingung_einleitung }}", keep=True, with_next=True)
    loop_paragraphs(doc, "for c in bescheid.bedingungen", "–\t{{ c.text }}")
    tag(doc, "{%p endif %}")

    section(doc, "hinweise", "Hinweise")
    loop_paragraphs(doc, "for h in bescheid.hinweise", "{{ h }}", indent=None)

    section(doc, "begruendung", "Begründung")
    para(doc, "{{ bescheid.begruendung_einleitung }}", keep=True, with_next=True)
    loop_paragraphs(doc, "for g in bescheid.begruendung", "–\t{{ g }}")
    loop_paragraphs(doc, "for g in bescheid.begruendung_teilablehnung", "{{ g }}", indent=None)
    para(doc, "{{ klauseln.ermessen }}", keep=True)

    section(doc, "rechtsbehelf", "Rechtsbehelfsbelehrung")
    para(doc, "{{ klauseln.rechtsbehelf }}", keep=True, with_next=True)
    # the closing and the signature block stay on the page of the Belehrung's end
    para(doc, "", with_next=True)
    para(doc, "Mit freundlichen Grüßen", keep=True, with_next=True)
    para(doc, "{{ behoerde.unterzeichnung }}", keep=True, with_next=True)
    para(doc, "", with_next=True)
    para(doc, "{{ bescheid.sachbearbeitung.name }}", keep=True)
    draft_findings(doc)

    tag(doc, "{%p if bescheid.hat_anlage_text %}")
    p = heading(doc, "Anlage zum Zuwendungsbescheid {{ bescheid.aktenzeichen }} vom {{ bescheid.datum }}", level=1)
    p.paragraph_format.page_break_before = True
    tag(doc, "{%p for a in bescheid.anlage_absaetze %}")
    tag(doc, "{%p if a.ueberschrift %}")
    heading(doc, "{{ a.text }}", level=3)
    tag(doc, "{%p else %}")
    para(doc, "{{ a.text }}", size=9.5)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    return doc


def auszahlung() -> Document:
    doc = new_document("Auszahlungsanforderung KIM")
    header_footer(doc, "Auszahlungsanforderung {{ bescheid.aktenzeichen }}")
    municipal_letterhead(doc)
    para(doc, "{{ auszahlung.datum }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.add_paragraph("Auszahlungsanforderung", style="Title")
    para(doc, "Kommunales Integrationsmanagement (Nr. 7.3 der Richtlinie)")
    heading(doc, "1. Zuwendungsbescheid")
    labelled(doc, [("Aktenzeichen", "{{ bescheid.aktenzeichen }}"), ("Datum", "{{ bescheid.datum }}"),
                   ("Bewilligungszeitraum", "{{ zeitraum.beginn }} bis {{ zeitraum.ende }}"),
                   ("bewilligte Zuwendung", "{{ betraege.gesamt }}")])
    heading(doc, "2. Raten nach dem Zuwendungsbescheid (Nr. 7.3)")
    para(doc, "Die Zuwendung wird auf Anforderung jeweils frühestens zu folgenden Terminen ausgezahlt:", with_next=True)
    loop_table(doc, ["Rate", "frühestens zum", "Betrag"], ["{{ r.rate }}. Rate", "{{ r.termin }}", "{{ r.betrag }}"],
               "for r in auszahlungen", [3.0, 3.6, 3.4], right_from=2)
    heading(doc, "3. Angeforderte Rate")
    labelled(doc, [("Rate", "{{ auszahlung.rate }}. Rate"), ("frühestens zum", "{{ auszahlung.termin }}"),
                   ("angeforderter Betrag", "{{ auszahlung.betrag }}"),
                   ("bereits erhalten", "{{ auszahlung.bereits_erhalten }}"),
                   ("danach noch offen", "{{ auszahlung.rest }}")])
    heading(doc, "4. Bankverbindung")
    labelled(doc, [("Kontoinhaber", "{{ antragsteller.name }}"), ("IBAN", "{{ antragsteller.bankverbindung.iban }}"),
                   ("BIC", "{{ antragsteller.bankverbindung.bic }}"),
                   ("Kreditinstitut", "{{ antragsteller.bankverbindung.kreditinstitut }}")])
    para(doc, "Es wird bestätigt, dass die Voraussetzungen für die Auszahlung vorliegen und die Zuwendung "
              "für den Zuwendungszweck benötigt wird.", keep=True)
    signature(doc, "{{ antragsteller.anschrift.ort }}, den {{ auszahlung.datum }}",
              ["Ort, Datum, rechtsverbindliche Unterschrift", "(Zusätzlich unterschrieben per Post an die "
               "Bewilligungsbehörde, Nr. 7.3.)"])
    draft_findings(doc)
    return doc


NACHWEIS_STELLEN_HEAD = ["Nr.", "Bezeichnung", "Anteil geplant / tatsächlich", "Besetzung geplant",
                        "Besetzung tatsächlich", "Ausgaben Personal", "Höchstbetrag Personal"]
NACHWEIS_STELLEN_CELLS = ["{{ s.nr }}", "{{ s.bezeichnung }}\n{{ s.funktion }}", "{{ s.anteil_geplant }} / {{ s.anteil }}",
                          "{{ s.besetzung_geplant }}", "{{ s.besetzung }}", "{{ s.personalausgaben }}",
                          "{{ s.hoechstbetrag }}"]
NACHWEIS_STELLEN_W = [0.8, 3.4, 1.9, 2.3, 2.3, 2.8, 2.9]


def verwendungsnachweis() -> Document:
    """The recipient's Anlage 3 (rule 25): figures and the comparison with the Bescheid; the
    decision is the authority's Prüfvermerk, so no recognised amount, refund or payment here."""
    doc = new_document("Verwendungsnachweis KIM (Anlage 3)")
    header_footer(doc, "Verwendungsnachweis {{ bescheid.aktenzeichen }}")
    municipal_letterhead(doc)
    para(doc, "{{ verwendung.datum }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.add_paragraph("Verwendungsnachweis", style="Title")
    para(doc, "Kommunales Integrationsmanagement – Anlage 3 (Nr. 7.4 der Richtlinie)")
    labelled(doc, [("Zuwendungsbescheid", "{{ bescheid.aktenzeichen }} vom {{ bescheid.datum }}"),
                   ("Bewilligungszeitraum", "{{ zeitraum.beginn }} bis {{ zeitraum.ende }}"),
                   ("bewilligte Zuwendung", "{{ betraege.gesamt }}"),
                   ("erhaltene Zuwendung", "{{ verwendung.erhalten }}")])
    heading(doc, "1. Sachbericht")
    para(doc, "{{ verwendung.sachbericht }}")
    heading(doc, "2. Tatsächliche Besetzung der Stellen")
    loop_table(doc, NACHWEIS_STELLEN_HEAD, NACHWEIS_STELLEN_CELLS, "for s in verwendung.stellen",
               NACHWEIS_STELLEN_W, right_from=5)
    para(doc, "{{ verwendung.besetzung_text }}", size=9)
    tag(doc, "{%p if hat_weiterleitung %}")
    heading(doc, "Weiterleitung an kreisangehörige Kommunen", level=3)
    para(doc, "{{ verwendung.weiterleitung_text }}", with_next=True)
    loop_table(doc, ["Kommune", "Stellen", "laut Bescheid", "Höchstbetrag Personal"],
               ["{{ w.kommune }}", "{{ w.stellen }}", "{{ w.bewilligt }}", "{{ w.personal_hoechstbetrag }}"],
               "for w in verwendung.weiterleitung", [4.0, 5.6, 3.2, 3.6], right_from=2)
    tag(doc, "{%p endif %}")
    heading(doc, "3. Zahlenmäßiger Nachweis")
    loop_table(doc, ["Posten", "bewilligt", "Ist-Ausgaben", "Abweichung", "Höchstbetrag"],
               ["{{ p.name }}", "{{ p.bewilligt }}", "{{ p.ist }}", "{{ p.differenz }}", "{{ p.hoechstbetrag }}"],
               "for p in verwendung.posten", [5.6, 2.8, 2.8, 2.7, 2.6],
               total=["Summe", "{{ betraege.gesamt }}", "{{ verwendung.ist_gesamt }}",
                      "{{ verwendung.differenz_gesamt }}", ""], right_from=1)
    para(doc, "Höchstbetrag: nach der tatsächlichen Besetzung der Stellen (Personal- und Sachausgaben) bzw. "
              "nach der Richtlinie (Begleitmaßnahmen). {{ verwendung.spielraum_text }}", size=9)
    heading(doc, "4. Einnahmen")
    para(doc, "{{ verwendung.einnahmen_text }}")
    heading(doc, "5. Bericht zu den Auflagen")
    para(doc, "{{ verwendung.auflagen_einleitung }}:", with_next=True)
    tag(doc, "{%p for a in verwendung.auflagen %}")
    para(doc, "{{ a.buchstabe }}) {{ a.text }}", size=9, keep=True, with_next=True, indent=0.6)
    para(doc, "Bericht: {{ a.bericht }}", keep=True, indent=0.6)
    tag(doc, "{%p endfor %}")
    heading(doc, "6. Vergleich mit der erhaltenen Zuwendung")
    labelled(doc, [("erhaltene Zuwendung", "{{ verwendung.erhalten }}"),
                   ("zuwendungsfähig nach diesem Nachweis", "{{ verwendung.zuwendungsfaehig }} "
                                                            "({{ verwendung.vorbehalt }})")])
    para(doc, "{{ verwendung.ergebnis_text }}", keep=True)
    heading(doc, "7. Bestätigung")
    para(doc, "{{ klauseln.verwendungsnachweis_bestaetigung }}", keep=True)
    signature(doc, "{{ antragsteller.anschrift.ort }}, den {{ verwendung.datum }}",
              ["Ort, Datum, rechtsverbindliche Unterschrift", "(Zusätzlich unterschrieben per Post an die "
               "Bewilligungsbehörde, Nr. 7.4.)"])
    draft_findings(doc)
    return doc


def pruefvermerk() -> Document:
    """The authority's Prüfvermerk (Nr. 11 VVG zu § 44 LHO): what is recognised, why, and the result."""
    doc = new_document("Prüfvermerk zum Verwendungsnachweis KIM")
    header_footer(doc, "Prüfvermerk {{ bescheid.aktenzeichen }}")
    para(doc, "{{ behoerde.name }}", bold=True, space_after=0)
    para(doc, "{{ behoerde.dezernat }}")
    para(doc, "{{ pruefung.datum }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.add_paragraph("Prüfvermerk zum Verwendungsnachweis", style="Title")
    para(doc, "Kommunales Integrationsmanagement – Prüfung nach Nr. 11 VVG zu § 44 LHO")
    labelled(doc, [("Zuwendungsempfänger", "{{ antragsteller.name }}"),
                   ("Zuwendungsbescheid", "{{ bescheid.aktenzeichen }} vom {{ bescheid.datum }}"),
                   ("Bewilligungszeitraum", "{{ zeitraum.beginn }} bis {{ zeitraum.ende }}"),
                   ("Eingang des Verwendungsnachweises", "{{ pruefung.eingang }}"),
                   ("Frist (Nr. 7.4 der Richtlinie)", "{{ pruefung.frist }}"),
                   ("fristgerecht", "{{ pruefung.fristgerecht }}")], widths=(7.0, 9.5))
    heading(doc, "1. Zuwendungsfähige Ausgaben je Posten")
    loop_table(doc, ["Posten", "Ist", "bewilligt", "Höchstbetrag", "anerkannt", "maßgebliche Grenze"],
               ["{{ p.name }}", "{{ p.ist }}", "{{ p.bewilligt }}", "{{ p.hoechstbetrag }}", "{{ p.anerkannt }}",
                "{{ p.grund }}"],
               "for p in pruefung.posten", [3.6, 2.3, 2.3, 2.3, 2.3, 3.7],
               total=["Summe", "", "{{ betraege.gesamt }}", "", "{{ pruefung.summe_posten }}", ""],
               right_from=1, right_to=4)
    para(doc, "Höchstbetrag nach der tatsächlichen Besetzung der Stellen (Nr. 5.4 der Richtlinie); ein Ansatz darf "
              "um bis zu {{ verwendung.spielraum }} überschritten werden (ANBest-G Nr. 1.2).", size=9)
    heading(doc, "2. Anerkannte Zuwendung")
    para(doc, "{{ pruefung.gesamt_satz }}")
    labelled(doc, [("Einnahmen Dritter (ANBest-G Nr. 2)", "{{ pruefung.einnahmen }}"),
                   ("anerkannt insgesamt", "{{ pruefung.anerkannt_gesamt }}"),
                   ("ausgezahlt", "{{ pruefung.erhalten }}")], widths=(7.0, 9.5))
    heading(doc, "3. Auflagen")
    loop_table(doc, ["Auflage", "erfüllt"], ["{{ a.buchstabe }})", "{{ a.erfuellt }}"],
               "for a in pruefung.auflagen", [3.0, 5.0])
    heading(doc, "4. Ergebnis")
    para(doc, "{{ pruefung.ergebnis }}", keep=True)
    tag(doc, "{%p if pruefung.bemerkungen %}")
    para(doc, "Bemerkungen: {{ pruefung.bemerkungen }}")
    tag(doc, "{%p endif %}")
    signature(doc, "Geprüft: {{ behoerde.ort }}, den {{ pruefung.datum }}",
              ["{{ pruefung.pruefer }}", "sachlich und rechnerisch richtig"])
    draft_findings(doc)
    return doc


def save_reproducibly(doc: Document, path: Path) -> None:
    """python-docx output with fixed zip timestamps, so a rebuild gives the same bytes."""
    buffer = io.BytesIO()
    doc.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info))
    path.write_bytes(out.getvalue())


BUILDERS = {"antrag.docx": antrag, "bescheid.docx": bescheid, "auszahlung.docx": auszahlung,
            "verwendungsnachweis.docx": verwendungsnachweis, "pruefvermerk.docx": pruefvermerk}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        save_reproducibly(build(), out / name)
        print(out / name)


if __name__ == "__main__":
    main()
