"""Rendering the documents: read back and assert what a clerk reads."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner

from kim_docs.cli import main
from kim_docs.errors import RenderError
from kim_docs.evaluate import evaluate
from kim_docs.model import load_case, parse_case
from kim_docs.render import RenderOptions, render_case, safe_name
from kim_docs.templating import SHIPPED_TEMPLATES, docx_paragraphs

from helpers import SAMPLES, write_case

HAS_SOFFICE = shutil.which("soffice") is not None


def needs_soffice(test):
    """Converts with LibreOffice: skipped without soffice, left out by `make test-fast`."""
    return pytest.mark.libreoffice(pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) nicht installiert")(test))


def text_of(path: Path) -> str:
    """All text of a DOCX: paragraphs, table cells, header and footer."""
    return "\n".join(docx_paragraphs(path.read_bytes()))


def norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """All documents of all valid samples, DOCX only (fast)."""
    out = tmp_path_factory.mktemp("docx")
    result = CliRunner().invoke(main, ["render", "alle", str(SAMPLES), "-o", str(out), "--format", "docx"])
    assert result.exit_code == 1, result.output  # stadt-fehlerhaft fails, the others are made
    return out


def test_files_made_and_bad_case_reported(rendered):
    names = sorted(p.name for p in rendered.glob("*.docx"))
    assert "2025_Kreis-Recklinghausen_Zuwendungsbescheid.docx" in names
    assert "2025_Staedteregion-Aachen_Zuwendungsbescheid.docx" in names
    assert "2025_Stadt-Bielefeld_Verwendungsnachweis.docx" in names
    assert "2025_Stadt-Hamm_Auszahlungsanforderung.docx" in names
    assert not [n for n in names if "Fehlerstadt" in n]
    assert len(names) == 24  # Kreis Unna (Erstattung): Antrag, Bescheid, Verwendungsnachweis, Prüfvermerk


def test_bescheid_recklinghausen_content(rendered):
    text = norm(text_of(rendered / "2025_Kreis-Recklinghausen_Zuwendungsbescheid.docx"))
    assert ("Auf Ihren Antrag vom 22. Oktober 2024 bewillige ich Ihnen für den Zeitraum vom 1. Januar 2025 bis "
            "31. Dezember 2025 (Bewilligungszeitraum) eine Zuwendung in Höhe von 429.200,00 € (in Buchstaben: "
            "vierhundertneunundzwanzigtausendzweihundert Euro).") in text
    assert "36.07.01-KIM-2025/033" in text
    assert "Projektförderung (Nr. 5.1 der Richtlinie)" in text
    assert "Vollfinanzierung (Nr. 5.2 der Richtlinie)" in text
    assert "Zuweisung (Nr. 5.3 der Richtlinie)" in text
    assert "Die Zuwendung wird als Höchstbetrag bewilligt." in text
    # Weiterleitung lines
    assert "Stadt Recklinghausen 57.000,00 € 9.700,00 € 66.700,00 €" in text
    assert "Stadt Marl 57.000,00 € 9.700,00 € 66.700,00 €" in text
    # instalments and Frist
    assert "1. Rate 01.05.2025 214.600,00 €" in text
    assert "2. Rate 01.10.2025 214.600,00 €" in text
    assert "bis zum 31. März 2026 vorzulegen" in text
    # court of the seat (Gelsenkirchen by the AGS 05562000)
    assert "bei dem Verwaltungsgericht Gelsenkirchen, Bahnhofsvorplatz 3, 45879 Gelsenkirchen" in text
    assert "innerhalb eines Monats nach seiner Bekanntgabe Klage bei dem Verwaltungsgericht Gelsenkirchen" in text
    assert "Die Nummern 1.4, 5.4, 9.3.1 und 9.5 Satz 1 der ANBest-G finden insoweit keine Anwendung" in text
    assert "Im Auftrag" in text and "Max Muster" in text
    assert "Teilablehnung" not in text  # nothing lowered, nothing above a cap


def test_bescheid_has_all_auflagen_verbatim(rendered):
    from kim_docs.rules import load_rule_sets

    text = norm(text_of(rendered / "2025_Kreis-Soest_Zuwendungsbescheid.docx"))
    for auflage in load_rule_sets()["kim-nrw-2024"].auflagen.liste:
        assert norm(f"{auflage.buchstabe}) {auflage.text}") in text


def test_bescheid_teilablehnung_with_begruendung(rendered):
    text = norm(text_of(rendered / "2026_Kreis-Lippe_Zuwendungsbescheid.docx"))
    assert ("Soweit Ihr Antrag über die bewilligte Zuwendung hinausgeht, lehne ich ihn ab. Das betrifft insgesamt "
            "4.000,00 €:") in text
    assert ("Begleitmaßnahmen: Veranstaltungen 10.000,00 € 6.000,00 € 4.000,00 € Für den verkürzten "
            "Bewilligungszeitraum sind nur zwei") in text
    assert ("Die Kürzung von Begleitmaßnahmen: Veranstaltungen beruht auf folgender Erwägung: Für den verkürzten "
            "Bewilligungszeitraum sind nur zwei") in text
    assert "Verwaltungsgericht Minden, Königswall 8, 32423 Minden" in text
    assert "vom 1. April 2026 bis 30. September 2026" in text


def test_bescheid_2024_first_instalment_on_bescheid_date(rendered):
    text = norm(text_of(rendered / "2024_Stadt-Beispielstadt_Zuwendungsbescheid.docx"))
    assert "1. Rate 05.07.2024 88.963,71 €" in text
    assert ("177.927,42 € (in Buchstaben: einhundertsiebenundsiebzigtausendneunhundertsiebenundzwanzig Euro "
            "und 42 Cent)") in text
    assert "Koordination C Koordination 0,5 15.07.2024 – 31.12.2024 13.177,42 € 2.242,47 €" in text


def test_antrag_content(rendered):
    text = norm(text_of(rendered / "2025_Kreis-Recklinghausen_Antrag.docx"))
    assert "DE97 4265 0150 0001 0001 23" in text
    assert "5 Koordination Stadt Recklinghausen Koordination 1 01.01.2025 – 31.12.2025 Master Stadt Recklinghausen" in text
    assert "Sachausgaben 5.4.2 58.200,00 € 58.200,00 €" in text
    assert "Summe der Ausgaben 429.200,00 €" in text
    assert "Eigenanteil: 0,00 €" in text
    assert "4 d die Vorlage eines Konzeptes zur Umsetzung des KIM" in text
    assert "rechtsverbindliche Unterschrift" in text
    assert "Recklinghausen, den 22.10.2024" in text


def test_auszahlungsanforderung_content(rendered):
    text = norm(text_of(rendered / "2025_Stadt-Hamm_Auszahlungsanforderung.docx"))
    assert "Rate 2. Rate" in text
    assert "angeforderter Betrag 117.050,00 €" in text
    assert "bereits erhalten 117.050,00 €" in text
    assert "frühestens zum 01.10.2025" in text
    assert "1. Rate 01.05.2025 117.050,00 € 2. Rate 01.10.2025 117.050,00 €" in text  # all instalments of rule 14
    assert "danach noch offen 0,00 €" in text


def test_verwendungsnachweis_content(rendered):
    # rule 25: the recipient's form compares with the Bescheid and decides nothing
    # (tests/test_verwendungsnachweis.py checks the decision words)
    text = norm(text_of(rendered / "2025_Stadt-Bielefeld_Verwendungsnachweis.docx"))
    assert "Sachausgaben 24.250,00 € 23.100,55 € −1.149,45 € 24.250,00 €" in text
    assert "Summe 190.750,00 € 188.650,95 € −2.099,05 €" in text
    assert "38.650,95 € mehr als die erhaltene Zuwendung" in text
    assert "mit den Büchern und Belegen übereinstimmen" in text
    text = norm(text_of(rendered / "2025_Kreis-Musterland_Verwendungsnachweis.docx"))
    assert "15.000,00 € weniger als die erhaltene Zuwendung" in text
    assert "bis zu 20 % überschritten" in text


def test_no_template_syntax_left(rendered):
    for path in rendered.glob("*.docx"):
        text = text_of(path)
        assert "{{" not in text and "{%" not in text, path.name


def test_python_docx_reads_documents(rendered):
    document = docx.Document(rendered / "2025_Kreis-Recklinghausen_Zuwendungsbescheid.docx")
    assert any("Zuwendungsbescheid" == p.text for p in document.paragraphs)
    assert document.tables[0].rows[1].cells[1].text == "36.07.01-KIM-2025/033"


def test_manifest(rendered):
    manifest = json.loads((rendered / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["dateien"] if e["datei"] == "2025_Kreis-Recklinghausen_Zuwendungsbescheid.docx")
    import hashlib

    data = (rendered / entry["datei"]).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["groesse"] == len(data)
    assert entry["vorlage"] == "templates/bescheid.docx"
    assert entry["vorlage_sha256"] == hashlib.sha256((SHIPPED_TEMPLATES / "bescheid.docx").read_bytes()).hexdigest()
    assert entry["aktenzeichen"] == "36.07.01-KIM-2025/033"
    assert entry["regelwerk"] == "kim-nrw-2024"


def test_docx_deterministic(tmp_path):
    fall = SAMPLES / "kreis-musterland-2025.yaml"
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["render", "bescheid", str(fall), "-o", str(out), "--format", "docx"])
        assert result.exit_code == 0, result.output
        runs.append((out / "2025_Kreis-Musterland_Zuwendungsbescheid.docx").read_bytes())
    assert runs[0] == runs[1]
    with zipfile.ZipFile(io.BytesIO(runs[0])) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# --- escaping and strictness ---------------------------------------------------------------

def test_value_with_xml_and_jinja_appears_literally(tmp_path):
    data = yaml.safe_load((SAMPLES / "kreis-recklinghausen-2025.yaml").read_text(encoding="utf-8"))
    data["antragsteller"]["name"] = "Müller & Söhne <GmbH> {{ 7*7 }} {% if true %}x{% endif %}"
    data["verwendungsnachweis"] = None
    path = write_case(tmp_path, {k: v for k, v in data.items() if v is not None})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "bescheid", str(path), "-o", str(out), "--format", "docx"])
    assert result.exit_code == 0, result.output
    docx_file = next(out.glob("*.docx"))
    assert docx_file.name == "2025_Mueller-Soehne-GmbH-7-7-if-true-x-endif_Zuwendungsbescheid.docx"
    text = text_of(docx_file)
    assert "Müller & Söhne <GmbH> {{ 7*7 }} {% if true %}x{% endif %}" in text
    assert "49" not in text.split("Müller")[1][:40]
    docx.Document(docx_file)  # still valid XML


def _template_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "vorlagen"
    folder.mkdir(exist_ok=True)
    src = SHIPPED_TEMPLATES / name
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new).encode("utf-8")
            zout.writestr(info, data)
    (folder / name).write_bytes(out.getvalue())
    return folder


def test_clause_guard_rejects_template_without_auflage_c(tmp_path):
    folder = _template_copy(tmp_path, "bescheid.docx", "{{ a.text }}",
                            "{% if a.buchstabe != 'c' %}{{ a.text }}{% endif %}")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "bescheid", str(SAMPLES / "kreis-soest-vakanz-2025.yaml"), "-o",
                                       str(out), "--format", "docx", "--templates-dir", str(folder)])
    assert result.exit_code == 1
    assert (f"Pflichtklauseln fehlen im Bescheid (Vorlage {folder / 'bescheid.docx'}): Auflage c); die Vorlage muss "
            "sie enthalten") in result.stderr
    assert not list(out.glob("*.docx"))
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_unknown_variable_is_named(tmp_path):
    folder = _template_copy(tmp_path, "antrag.docx", "{{ integrationszentrum.name }}",
                            "{{ integrationszentrum.leitung }}")
    ergebnis = evaluate(load_case(SAMPLES / "kreis-soest-vakanz-2025.yaml"))
    with pytest.raises(RenderError) as info:
        render_case(ergebnis, ["antrag"], tmp_path, RenderOptions(templates_dir=folder))
    assert str(info.value) == ("Vorlage antrag.docx: unbekannte Variable 'leitung' (siehe kim-docs templates "
                               "variables)")
    assert not list(tmp_path.glob("*.docx"))


def test_missing_document_data_named(tmp_path):
    ergebnis = evaluate(load_case(SAMPLES / "staedteregion-aachen-2025.yaml"))
    with pytest.raises(RenderError) as info:
        render_case(ergebnis, ["verwendungsnachweis"], tmp_path, RenderOptions())
    assert str(info.value) == ("Für Verwendungsnachweis (Anlage 3) fehlen Angaben im Fall: verwendungsnachweis.datum, "
                               "verwendungsnachweis.erhalten, verwendungsnachweis.ist")


def test_fehler_case_no_document_exit_1(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "antrag", str(SAMPLES / "stadt-fehlerhaft-2025.yaml"), "-o",
                                       str(out), "--format", "docx"])
    assert result.exit_code == 1
    assert "Fehler – kein Dokument erstellt" in result.stderr
    assert "antragsteller.bankverbindung.iban" in result.stderr
    assert not list(out.glob("*.docx"))


def test_draft_renders_with_entwurf_and_findings(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "antrag", str(SAMPLES / "stadt-fehlerhaft-2025.yaml"), "-o",
                                       str(out), "--format", "docx", "--draft"])
    assert result.exit_code == 0, result.output
    path = out / "2025_Stadt-Fehlerstadt_Antrag.docx"
    document = docx.Document(path)
    assert "ENTWURF – nicht zur Versendung" in [p.text for p in document.sections[0].header.paragraphs]
    text = norm(text_of(path))
    assert "Befunde der Prüfung (nur im Entwurf)" in text
    assert "Fehler (Nr. 4 d, voraussetzungen.konzept_datum): Das Konzept zur Umsetzung des KIM ist nicht " \
           "vorgelegt" in text
    assert "Warnung (Nr. 5.4.2 b, antrag.massnahmen): Beantragte Maßnahmen 35.000,00 € übersteigen" in text


def test_safe_name():
    assert safe_name("Städteregion Aachen / Süd") == "Staedteregion-Aachen-Sued"
    assert safe_name("../../etc") == "etc"


# --- PDF ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    args = ["render", "alle", str(SAMPLES / "kreis-musterland-2025.yaml"), str(SAMPLES / "stadt-hamm-hoechstgrenzen-2025.yaml"),
            "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


@needs_soffice
def test_pdf_text_has_clauses_and_amounts(pdfs):
    from kim_docs.rules import load_rule_sets

    text = norm(subprocess.run(["pdftotext", str(pdfs / "2025_Kreis-Musterland_Zuwendungsbescheid.pdf"), "-"],
                               capture_output=True, text=True, check=True).stdout)
    assert "eine Zuwendung in Höhe von 357.500,00 € (in Buchstaben: dreihundertsiebenundfünfzigtausendfünfhundert Euro)" in text
    for auflage in load_rule_sets()["kim-nrw-2024"].auflagen.liste:
        assert norm(auflage.text) in text
    assert "Verwaltungsgericht Arnsberg, Jägerstraße 1, 59821 Arnsberg" in text


@needs_soffice
def test_pdf_a_markers_metadata_and_fonts(pdfs):
    from pypdf import PdfReader

    path = pdfs / "2025_Kreis-Musterland_Zuwendungsbescheid.pdf"
    reader = PdfReader(path)
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(>|=\")2", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp)
    assert reader.metadata.title == "Zuwendungsbescheid (Anlage 2) – Kreis Musterland 2025"
    assert reader.metadata.author == "Bezirksregierung Arnsberg"
    assert "36.07.01-KIM-2025/017" in reader.metadata["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "de-DE"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # column 'emb'


@needs_soffice
def test_pdf_deterministic(pdfs, tmp_path):
    result = CliRunner().invoke(main, ["render", "bescheid", str(SAMPLES / "kreis-musterland-2025.yaml"), "-o",
                                       str(tmp_path), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    name = "2025_Kreis-Musterland_Zuwendungsbescheid.pdf"
    assert (tmp_path / name).read_bytes() == (pdfs / name).read_bytes()
    assert not list(tmp_path.glob("*.docx"))  # pdf only


@needs_soffice
def test_embed_data_pdf_a3_associated_file(tmp_path):
    from pypdf import PdfReader

    result = CliRunner().invoke(main, ["render", "bescheid", str(SAMPLES / "kreis-musterland-2025.yaml"), "-o",
                                       str(tmp_path), "--format", "pdf", "--embed-data"])
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "2025_Kreis-Musterland_Zuwendungsbescheid.pdf")
    data = json.loads(reader.attachments["fall.json"][0])
    assert data["berechnung"]["betraege"]["gesamt"] == "357500.00"
    assert data["fall"]["bescheid"]["aktenzeichen"] == "36.07.01-KIM-2025/017"
    root = reader.trailer["/Root"]
    filespec = root["/AF"][0].get_object()
    assert filespec["/AFRelationship"] == "/Data" and filespec["/UF"] == "fall.json"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
