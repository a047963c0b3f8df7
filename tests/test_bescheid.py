"""The Zuwendungsbescheid of contract v2 (issue 10), read back from the rendered PDF and DOCX.

Two cases are built here: a Kreis with everything v2 adds (vertreten_durch, Haushaltsstelle,
vorläufige Haushaltsführung, a Stelle under aufschiebender Bedingung, a Teilablehnung by
caps and by a Kürzung, a Weiterleitung, the Ministerium's exception of Nr. 4 b, a short
Bewilligungszeitraum from 1 August) and a kreisfreie Stadt with none of it. Expected
figures are worked out by hand in the comments (Nr. 5.4.1, 5.4.2; rules 9–14).
"""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from kim_docs.cli import main
from kim_docs.rules import load_rule_sets
from kim_docs.templating import SHIPPED_TEMPLATES, docx_paragraphs

from helpers import SAMPLES, make_case, write_case

HAS_SOFFICE = shutil.which("soffice") is not None and shutil.which("pdftotext") is not None
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RULES = load_rule_sets()["kim-nrw-2024"]

KREIS = make_case(**{
    "antragsteller.vertreten_durch": "Der Landrat",
    "voraussetzungen.angliederung_an_ki": False,
    "voraussetzungen.ausnahme_angliederung_az": "MKJFGFI 513-2025/07",
    "bewilligungszeitraum": {"beginn": "2025-08-01", "ende": "2025-12-31"},
    # caps for 5 whole months: Sachausgaben 3 × 4.041,67 + 2.020,83 = 14.145,84 €; Veranstaltungen 10.000 €
    "antrag": {"datum": "2025-06-30", "sachausgaben": "20000", "veranstaltungen": "12000.40", "massnahmen": "30000"},
    "stellen": [
        {"bezeichnung": "K1", "funktion": "koordination", "anteil": "1.0", "qualifikation": "master"},
        {"bezeichnung": "K2", "funktion": "koordination", "anteil": "1.0", "qualifikation": "bachelor",
         "kommune": "Stadt Lippstadt"},
        {"bezeichnung": "K3", "funktion": "koordination", "anteil": "1.0"},  # qualification not proven
        {"bezeichnung": "Verwaltungsassistenz", "funktion": "verwaltungsassistenz", "anteil": "0.5"},
    ],
    "kreisangehoerige_kommunen": [{"name": "Stadt Lippstadt", "auslaenderbehoerde": True, "jugendamt": True,
                                   "integrationsrat": True}],
    "bescheid": {"aktenzeichen": "36.07.01-KIM-2025/901", "datum": "2025-07-15",
                 "haushaltsstelle": "Kapitel 07 070 Titel 633 10 (Beispiel)", "vorlaeufige_haushaltsfuehrung": True,
                 "sachbearbeitung": {"name": "Max Muster"}, "bewilligt": {"massnahmen": "20000.55"},
                 "begruendung_kuerzung": "Die Maßnahmen sind nur zum Teil aus der Schnittstellenanalyse abgeleitet."},
    "auszahlungsanforderung": {"rate": 1, "datum": "2025-08-05"},
})

STADT = make_case(**{
    "antragsteller.name": "Stadt Hamm", "antragsteller.art": "kreisfreie_stadt", "antragsteller.ags": "05915000",
    "bescheid": {"aktenzeichen": "36.07.01-KIM-2025/902", "datum": "2025-01-20",
                 "haushaltsstelle": "Kapitel 07 070 Titel 633 10 (Beispiel)", "sachbearbeitung": {"name": "Max Muster"}},
})

# Section headings of the Bescheid in their order (issue 10); the optional ones are left out for the Stadt
HEADINGS_KREIS = ["1. Bewilligung", "2. Teilablehnung", "3. Bemessungsgrundlage", "4. Weiterleitung", "5. Auszahlung",
                  "6. Verwendungsnachweis", "7. Nebenbestimmungen", "7.1 Allgemeine Nebenbestimmungen",
                  "7.2 Auflagen", "7.3 Aufschiebende Bedingung", "8. Hinweise", "9. Begründung",
                  "10. Rechtsbehelfsbelehrung"]
HEADINGS_STADT = ["1. Bewilligung", "2. Bemessungsgrundlage", "3. Auszahlung", "4. Verwendungsnachweis",
                  "5. Nebenbestimmungen", "5.1 Allgemeine Nebenbestimmungen", "5.2 Auflagen", "6. Hinweise",
                  "7. Begründung", "8. Rechtsbehelfsbelehrung"]


def norm(text: str) -> str:
    """White space collapsed, none after a hyphen at a line break (as the clause guard reads)."""
    return re.sub(r"(?<=\w-)\s+", "", " ".join(text.split()))


def render(tmp_path: Path, cases: dict[str, dict], dokument: str = "bescheid", formats: str = "docx",
           extra: tuple[str, ...] = ()) -> tuple[Path, object]:
    folder = tmp_path / "faelle"
    folder.mkdir(exist_ok=True)
    paths = [str(write_case(folder, data, f"{name}.yaml")) for name, data in cases.items()]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*extra, "render", dokument, *paths, "-o", str(out), "--format", formats])
    return out, result


def docx_text(path: Path) -> str:
    return norm("\n".join(docx_paragraphs(path.read_bytes())))


# --- PDF read back (LibreOffice) ---------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_texts(tmp_path_factory) -> dict[str, str]:
    out, result = render(tmp_path_factory.mktemp("bescheid"), {"kreis": KREIS, "stadt": STADT}, formats="docx,pdf")
    assert result.exit_code == 0, result.output
    from kim_docs.pdf import pdf_text

    return {"kreis": norm(pdf_text(out / "2025_Kreis-Test_Zuwendungsbescheid.pdf")),
            "stadt": norm(pdf_text(out / "2025_Stadt-Hamm_Zuwendungsbescheid.pdf")),
            "kreis_raw": pdf_text(out / "2025_Kreis-Test_Zuwendungsbescheid.pdf")}


@pytest.mark.parametrize("case", ["kreis", "stadt"])
@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_auflagen_imposed_with_formula_e_kommunen_only_for_kreis(pdf_texts, case):
    text = pdf_texts[case]
    assert "Dieser Bescheid ergeht mit folgenden Auflagen (§ 36 Abs. 2 Nr. 4 VwVfG NRW):" in text
    art = "kreis" if case == "kreis" else "kreisfreie_stadt"
    for auflage in RULES.auflagen.liste:
        assert norm(f"{auflage.buchstabe}) {auflage.auferlegt(art)}") in text
    assert "a) Sie stellen sicher, dass die bisherigen Aufgabenbereiche" in text
    assert "d) Sie nehmen an dem landesweiten Fördercontrolling teil." in text
    kommunen = "Dabei berücksichtigen Sie die kreisangehörigen Kommunen."
    assert (kommunen in text) is (case == "kreis")
    assert "Als Auflagen sind grundsätzlich" not in text  # imposed, never quoted
    assert "werden verpflichtet" not in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_anbest_insoweit_rechtsgrundlagen_hinweise_belehrung(pdf_texts):
    text = pdf_texts["kreis"]
    assert ("Die Nummern 1.4, 5.4, 9.3.1 und 9.5 Satz 1 der ANBest-G finden insoweit keine Anwendung, als die "
            "Zuwendung zu den in diesem Bescheid bestimmten Auszahlungsterminen ausgezahlt wird") in text
    assert "finden keine Anwendung" not in text
    assert ("Rechtsgrundlagen: §§ 23 und 44 der Landeshaushaltsordnung (LHO) in Verbindung mit den "
            "Verwaltungsvorschriften (VV) und den Verwaltungsvorschriften für Zuwendungen an Gemeinden (VVG) zu § 44 "
            "LHO sowie die Richtlinie Kommunales Integrationsmanagement NRW vom 24. April 2024 (MBl. NRW. 2024 "
            "S. 602).") in text
    assert "Die Zuwendung wird aus Kapitel 07 070 Titel 633 10 (Beispiel) des Landeshaushalts geleistet." in text
    assert "nach den §§ 48, 49 VwVfG NRW ganz oder teilweise zurückgenommen oder widerrufen" in text
    assert "nach § 49a VwVfG NRW mit fünf Prozentpunkten über dem Basiszinssatz jährlich zu verzinsen" in text
    assert "(Nr. 9 ANBest-G)" in text
    assert "(§ 44 Abs. 1 LHO, Nr. 7 ANBest-G). Der Landesrechnungshof ist berechtigt, bei Ihnen zu prüfen (§ 91 LHO)" in text
    assert "im Rahmen der vorläufigen Haushaltsführung (Art. 82 der Verfassung für das Land Nordrhein-Westfalen)" in text
    assert ("Klage bei dem Verwaltungsgericht Arnsberg, Jägerstraße 1, 59821 Arnsberg, erhoben werden. Als juristische "
            "Person des öffentlichen Rechts haben Sie die Klage als elektronisches Dokument nach Maßgabe des § 55a der "
            "Verwaltungsgerichtsordnung (VwGO)") in text
    assert "(§ 55d Satz 1 VwGO)" in text
    assert "Niederschrift" not in text and "schriftlich oder" not in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_teilablehnung_amounts_to_the_cent(pdf_texts):
    text = pdf_texts["kreis"]
    # Personal 3 × 23.750 + 9.375 = 80.625,00; + Sach 14.145,84 + Veranstaltungen 10.000 + Maßnahmen 20.000,55
    assert "eine Zuwendung in Höhe von 124.771,39 €" in text
    assert "Soweit Ihr Antrag über die bewilligte Zuwendung hinausgeht, lehne ich ihn ab. Das betrifft insgesamt " \
           "17.854,01 €:" in text
    assert "20.000,00 € 14.145,84 € 5.854,16 € Höchstbetrag nach Nr. 5.4.2 der Richtlinie" in text
    assert "12.000,40 € 10.000,00 € 2.000,40 € Höchstbetrag nach Nr. 5.4.2 a der" in text
    assert "30.000,00 € 20.000,55 € 9.999,45 € Die Maßnahmen sind nur zum Teil" in text
    # the Teilablehnung comes directly after the Bewilligung and before the Bemessungsgrundlage
    assert text.index("1. Bewilligung") < text.index("2. Teilablehnung") < text.index("3. Bemessungsgrundlage")
    assert ("Die Kürzung von Begleitmaßnahmen: Maßnahmen beruht auf folgender Erwägung: Die Maßnahmen sind nur zum "
            "Teil aus der Schnittstellenanalyse abgeleitet.") in text
    assert ("Soweit der Antrag bei Sachausgaben (Nr. 5.4.2) und Begleitmaßnahmen: Veranstaltungen (Nr. 5.4.2 a) den "
            "Höchstbetrag der Richtlinie übersteigt") in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_bedingung_and_begruendung_from_the_facts(pdf_texts):
    text = pdf_texts["kreis"]
    assert ("Folgende Teile der Zuwendung stehen unter einer aufschiebenden Bedingung (§ 36 Abs. 2 Nr. 2 VwVfG "
            "NRW):") in text
    assert ("Die Zuwendung für die Stelle „K3“ (Personalausgaben 23.750,00 €, Sachausgaben bis zu 4.041,67 €) wird "
            "erst wirksam, wenn Sie der Bewilligungsbehörde nachgewiesen haben") in text
    assert "Für die Stellen „K1“ und „K2“ liegt nach Ihren Angaben ein einschlägiger fachlicher Abschluss" in text
    assert ("Für die Stelle „K3“ ist die Qualifikation nach Nr. 4 f noch nicht nachgewiesen; deshalb steht die "
            "Zuwendung für diese Stellen unter der aufschiebenden Bedingung der Nr. 7.3 dieses Bescheides.") in text
    # Nr. 4 b: the exception with its Aktenzeichen, and no claim that the Stellen are angegliedert
    assert "hat das Ministerium im Einzelfall eine Ausnahme zugelassen (Aktenzeichen MKJFGFI 513-2025/07)" in text
    assert "angegliedert" not in text
    assert "Für die kreisangehörigen Kommunen Stadt Lippstadt liegen die Voraussetzungen der Nr. 4 e vor" in text
    assert "Das Konzept zur Umsetzung des KIM vom 30. September 2024 liegt vor (Nr. 4 d)." in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_instalments_weiterleitung_address_and_numbering(pdf_texts):
    text = pdf_texts["kreis"]
    # rule 14: 1 May moves to the beginning (1 August); half rounded down, the rest on 1 October
    assert "jeweils frühestens zu den folgenden Terminen" in text
    assert "1. Rate 01.08.2025 62.385,69 €" in text and "2. Rate 01.10.2025 62.385,70 €" in text
    assert "01.05.2025" not in text
    assert "integration.web" in text and "per Post an die Bewilligungsbehörde zu senden" in text
    # rule 21: per Kommune with amounts (Sach share 14.145,84 × 4.041,67 / 14.145,84) and the duties
    assert "Stadt Lippstadt K2 23.750,00 € 4.041,67 € 27.791,67 €" in text
    assert "Weiterleitungsvertrag oder einen Weiterleitungsbescheid" in text
    assert "dem Landesrechnungshof das Recht ein, bei der Kommune die Verwendung der Mittel zu prüfen" in text
    # the address with vertreten_durch; the Dezernat of the letterhead
    assert "Kreis Test – Der Landrat – Teststraße 1 59494 Soest" in text
    assert "Bezirksregierung Arnsberg Dezernat 36 – Integration" in text
    positions = [text.index(h) for h in HEADINGS_KREIS]
    assert positions == sorted(positions)
    assert "Anlage: Allgemeine Nebenbestimmungen für Zuwendungen zur Projektförderung an Gemeinden (GV) – ANBest-G " \
           "(beigefügt)" in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_stadt_without_optional_sections(pdf_texts):
    text = pdf_texts["stadt"]
    positions = [text.index(h) for h in HEADINGS_STADT]
    assert positions == sorted(positions)
    for absent in ("Teilablehnung", "Weiterleitung (Nr. 3.2", "aufschiebenden Bedingung", "vorläufigen Haushaltsführung",
                   "– Der", "Nr. 4 e vor"):
        assert absent not in text
    assert "1. Rate 01.05.2025 28.500,00 € 2. Rate 01.10.2025 28.500,00 €" in text  # 57.000 € halved
    assert "Die geförderten Koordinierungsstellen sind an Ihr Kommunales Integrationszentrum (KI Test) angegliedert" in text


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_no_word_broken_in_the_pdf(pdf_texts):
    lines = pdf_texts["kreis_raw"].splitlines()
    assert any("Verwaltungsassistenz" in line for line in lines)
    # a word cut inside a cell would leave its first part at the end of a cell: "Verwaltungsassis"
    assert not [line for line in lines if re.search(r"Verwaltungsassis(?!tenz)|Koordinatio(?!n)", line)]


# --- DOCX: layout, guard, Antrag, Auszahlung (no LibreOffice) -----------------------------------

@pytest.fixture(scope="module")
def docx_out(tmp_path_factory) -> Path:
    out, result = render(tmp_path_factory.mktemp("docx"), {"kreis": KREIS, "stadt": STADT}, dokument="alle")
    assert result.exit_code == 0, result.output
    return out


def _font_widths():
    from fontTools.ttLib import TTFont

    fonts = {}
    for bold, name in ((False, "LiberationSans-Regular.ttf"), (True, "LiberationSans-Bold.ttf")):
        found = list(Path("/usr/share/fonts").rglob(name))
        if not found:
            pytest.skip("Liberation Sans (metrisch gleich Arial) nicht installiert")
        font = TTFont(found[0])
        cmap, hmtx, upm = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
        fonts[bold] = (cmap, hmtx, upm)
    return fonts


def _word_cm(word: str, bold: bool, pt: float, fonts) -> float:
    cmap, hmtx, upm = fonts[bold]
    return sum(hmtx[cmap.get(ord(c), cmap[ord("M")])][0] for c in word) / upm * pt / 72 * 2.54


def overflowing_words(docx: bytes, fonts) -> list[tuple[str, float, float]]:
    """(word, its width, the room in its column) of every word wider than its table column."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    found = []
    for tbl in root.iter(f"{W}tbl"):
        grid = [int(c.get(f"{W}w")) / 567 for c in tbl.find(f"{W}tblGrid")]
        margins = tbl.find(f"{W}tblPr/{W}tblCellMar")
        margin = sum(int(margins.find(f"{W}{side}").get(f"{W}w")) for side in ("left", "right")) / 567 \
            if margins is not None else 0.38  # Word's default 0.19 cm each side
        for tr in tbl.iter(f"{W}tr"):
            for col, tc in enumerate(tr.findall(f"{W}tc")):
                for run in tc.iter(f"{W}r"):
                    size = run.find(f"{W}rPr/{W}sz")
                    pt = int(size.get(f"{W}val")) / 2 if size is not None else 10.5
                    bold = run.find(f"{W}rPr/{W}b") is not None
                    text = "".join(t.text or "" for t in run.iter(f"{W}t"))
                    for word in re.split(r"\s+|(?<=-)", text):  # LibreOffice breaks at spaces and after hyphens
                        width = _word_cm(word, bold, pt, fonts)
                        if word and width > grid[col] - margin:
                            found.append((word, round(width, 2), round(grid[col] - margin, 2)))
    return found


def test_no_word_wider_than_its_table_column(docx_out, tmp_path):
    fonts = _font_widths()
    files = sorted(docx_out.glob("*.docx"))
    samples_out = tmp_path / "samples"
    CliRunner().invoke(main, ["render", "alle", str(SAMPLES), "-o", str(samples_out), "--format", "docx"])
    files += sorted(samples_out.glob("*.docx"))
    assert len(files) > 20
    text = "".join(docx_text(f) for f in files)
    assert "Verwaltungsassistenz" in text and "Koordination Ausländerbehörde" in text and "Nr." in text
    assert {f.name: overflowing_words(f.read_bytes(), fonts) for f in files} == {f.name: [] for f in files}


def test_lead_ins_keep_with_their_table_rows_do_not_split_signature_with_closing(docx_out):
    with zipfile.ZipFile(docx_out / "2025_Kreis-Test_Zuwendungsbescheid.docx") as z:
        body = etree.fromstring(z.read("word/document.xml")).find(f"{W}body")
    children = list(body)
    for i, node in enumerate(children):
        style = node.find(f"{W}tblPr/{W}tblStyle")
        if node.tag != f"{W}tbl" or style is None or style.get(f"{W}val") != "TableGrid":
            continue  # the data tables; the label tables of the letterhead have no lead-in
        assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in node.iter(f"{W}tr"))
        before = children[i - 1]
        style = before.find(f"{W}pPr/{W}pStyle")
        keeps = before.find(f"{W}pPr/{W}keepNext") is not None or (
            style is not None and style.get(f"{W}val").startswith("Heading"))
        assert keeps, "".join(t.text or "" for t in before.iter(f"{W}t"))
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in children if p.tag == f"{W}p"]
    closing = texts.index("Mit freundlichen Grüßen")
    paragraphs = [p for p in children if p.tag == f"{W}p"]
    for p in paragraphs[closing - 2:closing + 3]:  # the Belehrung's end … signature name
        assert p.find(f"{W}pPr/{W}keepNext") is not None
    assert texts[closing + 3] == "Max Muster"


def test_antrag_kommunen_with_nr_4_e_and_stellen(docx_out):
    text = docx_text(docx_out / "2025_Kreis-Test_Antrag.docx")
    assert "Kommune Ausländerbehörde Jugendamt Integrationsrat Nr. 4 e erfüllt Stellen" in text
    assert "Stadt Lippstadt ja ja ja ja K2 (weitergeleitet)" in text
    assert "Stadt Lippstadt K2 23.750,00 € 4.041,67 € 27.791,67 €" in text


def test_auszahlungsanforderung_lists_the_instalments_of_rule_14(docx_out):
    text = docx_text(docx_out / "2025_Kreis-Test_Auszahlungsanforderung.docx")
    assert "1. Rate 01.08.2025 62.385,69 € 2. Rate 01.10.2025 62.385,70 €" in text
    assert "frühestens zum 01.08.2025 angeforderter Betrag 62.385,69 €" in text


def test_weiterleitung_false_is_shown_and_not_passed_on(tmp_path):
    data = make_case(**{k: v for k, v in KREIS.items()})
    data["stellen"][1]["weiterleitung"] = False
    out, result = render(tmp_path, {"kreis": data})
    assert result.exit_code == 0, result.output
    text = docx_text(out / "2025_Kreis-Test_Zuwendungsbescheid.docx")
    assert "für Stadt Lippstadt (ohne Weiterleitung)" in text
    assert "Weiterleitung (Nr. 3.2" not in text
    assert "4. Auszahlung (Nr. 7.3)" in text  # the numbers close up


def test_a_bescheid_without_haushaltsstelle_is_refused_naming_the_key(tmp_path):
    import copy

    case = copy.deepcopy(STADT)
    del case["bescheid"]["haushaltsstelle"]
    out, result = render(tmp_path, {"stadt": case})
    assert result.exit_code == 1
    assert "fehlen Angaben im Fall: bescheid.haushaltsstelle" in result.output
    assert not list(out.glob("*.docx")) if out.exists() else True


# --- the guard: a template without an imposed Auflage, or with the quote, fails ----------------

def _template(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "vorlagen"
    folder.mkdir()
    out = io.BytesIO()
    with zipfile.ZipFile(SHIPPED_TEMPLATES / "bescheid.docx") as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            zout.writestr(info, data)
    (folder / "bescheid.docx").write_bytes(out.getvalue())
    return folder


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{{ a.text }}", "{% if a.buchstabe != 'e' %}{{ a.text }}{% endif %}", "Pflichtklauseln fehlen im Bescheid"),
    ("{{ a.text }}", "{{ a.richtlinie }}", "Auflage a), Auflage b), Auflage c), Auflage d), Auflage e)"),
    ("{{ klauseln.auflagen_einleitung }}", "{{ klauseln.auflagen_richtlinie }}", "Auflagen-Formel"),
])
def test_bescheid_without_an_imposed_auflage_fails(tmp_path, old, new, message):
    folder = _template(tmp_path, old, new)
    path = write_case(tmp_path, KREIS, "kreis.yaml")
    result = CliRunner().invoke(main, ["render", "bescheid", str(path), "-o", str(tmp_path / "out"), "--format", "docx",
                                       "--templates-dir", str(folder)])
    assert result.exit_code == 1
    assert message in result.stderr
    assert not list((tmp_path / "out").glob("*.docx"))


def test_quote_of_nr_6_or_kommunen_part_for_a_stadt_fails(tmp_path):
    folder = _template(tmp_path, "{{ klauseln.auflagen_einleitung }}",
                       "{{ klauseln.auflagen_einleitung }} Dabei berücksichtigen Sie die kreisangehörigen Kommunen.")
    path = write_case(tmp_path, STADT, "stadt.yaml")
    result = CliRunner().invoke(main, ["render", "bescheid", str(path), "-o", str(tmp_path / "out"), "--format", "docx",
                                       "--templates-dir", str(folder)])
    assert result.exit_code == 1
    assert ("Unzulässiger Text im Bescheid (Vorlage " in result.stderr
            and "Auflage e) für diesen Empfänger nicht vorgesehen: „Dabei berücksichtigen Sie die kreisangehörigen "
                "Kommunen.“" in result.stderr)


# --- ANBest-G Anlage (rule 18) -------------------------------------------------------------------

ANBEST_TEXT = """# Allgemeine Nebenbestimmungen für Zuwendungen zur Projektförderung an Gemeinden (ANBest-G)

Testtext, nicht der amtliche Wortlaut.

1 Anforderung und Verwendung der Zuwendung
1.1 Die Zuwendung ist wirtschaftlich und sparsam zu verwenden.
1.4 Die Zuwendung darf nur insoweit und nicht eher angefordert werden,
als sie innerhalb von zwei Monaten nach der Auszahlung benötigt wird.
"""


def anbest_rules(tmp_path: Path, anlage: str = "anbest-g.md") -> Path:
    rules = tmp_path / "regeln"
    rules.mkdir()
    (rules / "texte").mkdir()
    (rules / "texte" / "anbest-g.md").write_text(ANBEST_TEXT, encoding="utf-8")
    (rules / "anbest.yaml").write_text(yaml.safe_dump({"id": "kim-nrw-2024", "erweitert": "kim-nrw-2024",
                                                       "anbest": {"anlage": f"texte/{anlage}"}}), encoding="utf-8")
    return rules


def test_anbest_anlage_rendered_after_the_bescheid(tmp_path):
    rules = anbest_rules(tmp_path)
    out, result = render(tmp_path, {"stadt": STADT}, extra=("--rules-dir", str(rules)))
    assert result.exit_code == 0, result.output
    assert "anbest.anlage" not in result.output  # no Hinweis: the text is configured
    paragraphs = [norm(p) for p in docx_paragraphs((out / "2025_Stadt-Hamm_Zuwendungsbescheid.docx").read_bytes())]
    text = " ".join(paragraphs)
    assert "ANBest-G (im Anschluss an diesen Bescheid)" in text
    start = paragraphs.index("Anlage zum Zuwendungsbescheid 36.07.01-KIM-2025/902 vom 20.01.2025")
    assert start > paragraphs.index("Max Muster")
    rest = [p for p in paragraphs[start + 1:] if p]
    assert rest[:5] == ["Allgemeine Nebenbestimmungen für Zuwendungen zur Projektförderung an Gemeinden (ANBest-G)",
                        "Testtext, nicht der amtliche Wortlaut.", "1 Anforderung und Verwendung der Zuwendung",
                        "1.1 Die Zuwendung ist wirtschaftlich und sparsam zu verwenden.",
                        "1.4 Die Zuwendung darf nur insoweit und nicht eher angefordert werden, als sie innerhalb von "
                        "zwei Monaten nach der Auszahlung benötigt wird."]


def test_without_anlage_the_bescheid_lists_it_and_says_so(tmp_path):
    from kim_docs.evaluate import evaluate
    from kim_docs.model import parse_case

    out, result = render(tmp_path, {"stadt": STADT})
    assert result.exit_code == 0
    hinweise = [b.meldung for b in evaluate(parse_case(STADT)).befunde if b.code == "anbest_anlage_fehlt"]
    assert hinweise and hinweise[0].endswith("sie muss von Hand beigefügt werden.")
    with_text = evaluate(parse_case(STADT), load_rule_sets((anbest_rules(tmp_path),))).befunde
    assert not [b for b in with_text if b.code == "anbest_anlage_fehlt"]
    text = docx_text(out / "2025_Stadt-Hamm_Zuwendungsbescheid.docx")
    assert "Anlage: Allgemeine Nebenbestimmungen für Zuwendungen zur Projektförderung an Gemeinden (GV) – ANBest-G " \
           "(beigefügt)" in text
    assert "Anlage zum Zuwendungsbescheid" not in text


def test_anlage_file_missing_is_a_german_error(tmp_path):
    rules = anbest_rules(tmp_path, anlage="fehlt.md")
    out, result = render(tmp_path, {"stadt": STADT}, extra=("--rules-dir", str(rules)))
    assert result.exit_code == 2
    assert f"anbest.anlage: die Datei '{(rules / 'texte' / 'fehlt.md').resolve()}' gibt es nicht" in result.output \
        + result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice/pdftotext fehlt")
def test_anbest_anlage_in_the_same_pdf(tmp_path):
    from kim_docs.pdf import pdf_text

    rules = anbest_rules(tmp_path)
    out, result = render(tmp_path, {"stadt": STADT}, formats="pdf", extra=("--rules-dir", str(rules)))
    assert result.exit_code == 0, result.output
    text = norm(pdf_text(out / "2025_Stadt-Hamm_Zuwendungsbescheid.pdf"))
    assert text.index("Max Muster") < text.index("Anlage zum Zuwendungsbescheid 36.07.01-KIM-2025/902")
    assert "1.4 Die Zuwendung darf nur insoweit und nicht eher angefordert werden, als sie innerhalb von zwei " \
           "Monaten nach der Auszahlung benötigt wird." in text
