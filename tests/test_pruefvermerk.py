"""The authority's Prüfvermerk (Nr. 11 VVG zu § 44 LHO): per item what is recognised and why, to the cent."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from kim_docs.cli import main
from kim_docs.evaluate import evaluate
from kim_docs.model import parse_case
from kim_docs.pruefvermerk_context import pruefvermerk_context
from kim_docs.templating import docx_paragraphs

from helpers import SAMPLES, make_case

HAS_SOFFICE = shutil.which("soffice") is not None
UNNA = SAMPLES / "kreis-unna-erstattung-2025.yaml"


def norm(text: str) -> str:
    return " ".join(text.split())


def render(out, formats):
    result = CliRunner().invoke(main, ["render", "pruefvermerk", str(UNNA), "-o", str(out), "--format", formats])
    assert result.exit_code == 0, result.output
    return out / "2025_Kreis-Unna_Pruefvermerk"


def check_unna(text: str) -> None:
    assert "Eingang des Verwendungsnachweises 24.03.2026 Frist (Nr. 7.4 der Richtlinie) 31.03.2026 fristgerecht ja" in text
    # Koordination: Stelle 1 56 400 (< 57 000), Stelle 2 28 900 counted up to 28 500 → 84 900, below
    # Ist 85 300, the item cap 85 500 and 114 000 × 1.2: only the per-Stelle cap explains it
    assert ("Personalausgaben Koordination 85.300,00 € 114.000,00 € 85.500,00 € 84.900,00 € "
            "Personalausgaben je Stelle bis zu ihrem Höchstbetrag") in text
    # Sachausgaben capped by the actual occupancy: 9 700 + 4 850 + 4 850 = 19 400
    assert ("Sachausgaben 21.000,00 € 24.250,00 € 19.400,00 € 19.400,00 € Höchstbetrag nach der tatsächlichen "
            "Besetzung") in text
    assert "Begleitmaßnahmen: Veranstaltungen 4.200,00 € 5.000,00 € 10.000,00 € 4.200,00 € Ist-Ausgaben" in text
    # 84 900 + 22 500 + 19 400 + 4 200 + 10 000 = 141 000; − 3 000 Einnahmen = 138 000; 175 750 − 138 000 = 37 750
    assert "Summe 175.750,00 € 141.000,00 €" in text
    assert "Einnahmen Dritter (ANBest-G Nr. 2) 3.000,00 € anerkannt insgesamt 138.000,00 € ausgezahlt 175.750,00 €" in text
    assert "Auflage erfüllt a) ja b) ja c) ja d) ja e) ja" in text
    assert "Rückforderung: 37.750,00 €." in text and "anzuhören (§ 28 VwVfG NRW)" in text
    assert "Petra Prüfer" in text


def test_unna_docx(tmp_path):
    stem = render(tmp_path, "docx")
    check_unna(norm("\n".join(docx_paragraphs(stem.with_suffix(".docx").read_bytes()))))


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) nicht installiert")
def test_unna_pdf(tmp_path):
    from kim_docs.pdf import pdf_text

    text = norm(pdf_text(render(tmp_path, "pdf").with_suffix(".pdf")))
    # item names wrap in their cell, so the PDF text interleaves them: check the figures per row
    assert "Eingang des 24.03.2026 Verwendungsnachweises" in text and "fristgerecht ja" in text
    assert "85.300,00 € 114.000,00 € 85.500,00 € 84.900,00 €" in text
    assert "21.000,00 € 24.250,00 € 19.400,00 € 19.400,00 € Höchstbetrag nach der tatsächlichen Besetzung" in text
    assert "Summe 175.750,00 € 141.000,00 €" in text
    assert "anerkannt insgesamt 138.000,00 € ausgezahlt 175.750,00 €" in text
    assert "Rückforderung: 37.750,00 €." in text and "Petra Prüfer" in text


def test_reason_is_the_20_percent_of_anbest_g_and_late_receipt():
    # Sachausgaben granted 5 000 (cap 9 700), spent 7 000: recognised 5 000 × 1.2 = 6 000 (ANBest-G Nr. 1.2)
    data = make_case(**{"antrag.sachausgaben": "5000"},
                     verwendungsnachweis={"erhalten": "62000", "ist": {
                         "personal_koordination": "50000", "personal_verwaltungsassistenz": "0",
                         "sachausgaben": "7000", "veranstaltungen": "0", "massnahmen": "0"}},
                     pruefung={"datum": "2026-05-02", "pruefer": "P", "eingang": "2026-04-01"})
    ergebnis = evaluate(parse_case(data))
    ctx = pruefvermerk_context(ergebnis.fall, ergebnis.berechnung, {k: k for k in (
        "personal_koordination", "personal_verwaltungsassistenz", "sachausgaben", "veranstaltungen", "massnahmen")})
    sach = {k: norm(v) for k, v in next(p for p in ctx["posten"] if p["name"] == "sachausgaben").items()}
    assert (sach["anerkannt"], sach["grenze"], sach["grund"]) == (
        "6.000,00 €", "6.000,00 €", "bewilligter Ansatz zuzüglich 20 % (ANBest-G Nr. 1.2)")
    assert ctx["fristgerecht"] == "nein, verspätet"  # Frist 31.03.2026
    # 50 000 + 6 000 = 56 000 recognised, 62 000 paid → 6 000 back
    assert norm(ctx["anerkannt_gesamt"]) == "56.000,00 €"
    assert norm(ctx["ergebnis"]).startswith("Rückforderung: 6.000,00 €.")
