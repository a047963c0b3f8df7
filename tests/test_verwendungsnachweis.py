"""Rule 25: the recipient's Verwendungsnachweis (Anlage 3) shows figures and the comparison
with the Bescheid, marks differences as vorläufig and decides nothing."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kim_docs.cli import main
from kim_docs.templating import docx_paragraphs

from helpers import SAMPLES

HAS_SOFFICE = shutil.which("soffice") is not None
#: the three words of a decision the recipient's form must never print (rule 25)
DECISION_WORDS = re.compile(r"anerkannt|rückforderung|nachzahlung", re.IGNORECASE)
VORBEHALT = "vorläufig, vorbehaltlich der Prüfung durch die Bewilligungsbehörde"
#: a refund (Musterland, Unna with vacancy and Einnahmen), an additional payment (Bielefeld)
CASES = {"kreis-musterland-2025": "Kreis-Musterland", "kreis-unna-erstattung-2025": "Kreis-Unna",
         "stadt-bielefeld-nachzahlung-2025": "Stadt-Bielefeld"}


def norm(text: str) -> str:
    return " ".join(text.split())


def render(out: Path, formats: str) -> None:
    paths = [str(SAMPLES / f"{name}.yaml") for name in CASES]
    result = CliRunner().invoke(main, ["render", "verwendungsnachweis", *paths, "-o", str(out), "--format", formats])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def docx_texts(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("vn")
    render(out, "docx")
    return {name: norm("\n".join(docx_paragraphs((out / f"2025_{stem}_Verwendungsnachweis.docx").read_bytes())))
            for name, stem in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_recipient_form_has_no_decision_words(docx_texts, name):
    assert DECISION_WORDS.findall(docx_texts[name]) == []
    assert f"({VORBEHALT})." in docx_texts[name]


def test_vacancy_einnahmen_and_difference_to_the_cent(docx_texts):
    text = docx_texts["kreis-unna-erstattung-2025"]
    # Stelle 2 vacant until 30.6.: 57 000 × 6/12 = 28 500,00 € Höchstbetrag, spent 28 900,00 €
    assert ("2 Koordination Case-Management Koordination 1 / 1 01.01.2025 – 31.12.2025 "
            "01.07.2025 – 31.12.2025 28.900,00 € 28.500,00 €") in text
    # Koordination: bewilligt 114 000, Ist 85 300 (−28 700), Höchstbetrag 57 000 + 28 500 = 85 500
    assert "Personalausgaben Koordination 114.000,00 € 85.300,00 € −28.700,00 € 85.500,00 €" in text
    # Sachausgaben: Höchstbetrag 9 700 + 4 850 + 4 850 = 19 400 after the vacancy
    assert "Sachausgaben 24.250,00 € 21.000,00 € −3.250,00 € 19.400,00 €" in text
    assert "Summe 175.750,00 € 143.000,00 € −32.750,00 €" in text
    assert "die die zuwendungsfähigen Ausgaben vermindern: 3.000,00 €." in text
    # 56 400 + 28 500 + 22 500 + 19 400 + 4 200 + 10 000 = 141 000 − 3 000 Einnahmen = 138 000;
    # 175 750 − 138 000 = 37 750 less than received
    assert ("ergibt sich ein zuwendungsfähiger Betrag von 138.000,00 €, 37.750,00 € weniger als die "
            f"erhaltene Zuwendung ({VORBEHALT}).") in text
    assert "e) Sie schreiben das Konzept" in text and "Bericht: Das Konzept wurde im Juni 2025" in text


def test_weiterleitung_per_kommune_for_a_kreis(docx_texts):
    text = docx_texts["kreis-musterland-2025"]
    assert "Weiterleitung an kreisangehörige Kommunen" in text
    # the passed-on Stelle (1.0, whole year): 57 000 Personal + its share of the Sachausgaben
    assert re.search(r"Stadt Beispielhausen Koordination Beispielhausen [\d.]+,\d\d € 57\.000,00 €", text)
    assert "Weiterleitung an kreisangehörige Kommunen" not in docx_texts["stadt-bielefeld-nachzahlung-2025"]


def test_more_than_received_is_a_difference_not_a_payment(docx_texts):
    text = docx_texts["stadt-bielefeld-nachzahlung-2025"]
    assert f"38.650,95 € mehr als die erhaltene Zuwendung ({VORBEHALT})." in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) nicht installiert")
def test_pdf_has_no_decision_words(tmp_path):
    from kim_docs.pdf import pdf_text

    render(tmp_path, "pdf")
    for stem in CASES.values():
        text = norm(pdf_text(tmp_path / f"2025_{stem}_Verwendungsnachweis.pdf"))
        assert DECISION_WORDS.findall(text) == [], stem
        assert "Verwendungsnachweis" in text and VORBEHALT in text
