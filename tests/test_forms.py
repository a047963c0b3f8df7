"""PDF form filling (kim_docs.pdf.fill): real forms from other producers, read back."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
import yaml
from jinja2.sandbox import SandboxedEnvironment
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject

from kim_docs.pdf import fonts
from kim_docs.errors import InputError, KimDocsError
from kim_docs.pdf.acroform import FormField, list_fields
from kim_docs.pdf.fill import fill
from kim_docs.pdf.mapping import mapping_skeleton, render_mapping
from kim_docs.templating import SHIPPED_TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "forms"
LIBREOFFICE = FIXTURES / "libreoffice-form.pdf"
PDFLATEX = FIXTURES / "pdflatex-forms.pdf"
AUSZAHLUNG = SHIPPED_TEMPLATES / "auszahlungsanforderung-formular.pdf"
AUSZAHLUNG_MAP = SHIPPED_TEMPLATES / "auszahlungsanforderung-formular.mapping.yaml"
GERMAN = "„Müller & Söhne“ äöüß €"


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def by_name(path: Path) -> dict:
    return {f.name: f for f in list_fields(path)}


def widgets(path: Path) -> dict[str, list]:
    """field name → widget dicts, read with pypdf."""
    result: dict[str, list] = {}
    for page in PdfReader(path).pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            name = annot.get("/T") or annot["/Parent"].get("/T")
            result.setdefault(str(name), []).append(annot)
    return result


def jinja_env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    env.filters["euro"] = lambda v: f"{v:,.2f} €".replace(",", "X").replace(".", ",").replace("X", ".")
    return env


# --------------------------------------------------------------------------- listing


def test_list_fields_libreoffice_form():
    fields = by_name(LIBREOFFICE)
    assert list(fields) == [
        "First Name", "Last Name", "female", "Birthday", "gdpr", "other", "First Name_2", "Nationality",
    ]
    assert fields["First Name"].kind == "text" and fields["First Name"].value == "Alice"
    assert fields["First Name_2"].multiline and fields["First Name_2"].value == "Bob"
    assert fields["female"].kind == "radio" and fields["female"].states == ("1", "2")
    assert fields["female"].value is None
    assert fields["gdpr"].kind == "checkbox" and fields["gdpr"].states == ("Yes",)
    assert fields["gdpr"].value is False
    assert fields["Nationality"].kind == "choice"
    assert fields["Nationality"].options == (
        "Unknown", "German", "Indonesian", "US-American", "French", "Spanish", "Italian",
    )


def test_list_fields_pdflatex_form():
    fields = by_name(PDFLATEX)
    assert [(f.name, f.kind) for f in fields.values()] == [("Name", "text"), ("Check", "checkbox"), ("Submit", "button")]
    assert fields["Check"].states == ("Yes",)
    assert not fields["Submit"].fillable


def test_mapping_skeleton_lists_fillable_fields_only():
    skeleton = mapping_skeleton(list_fields(PDFLATEX))
    assert list(yaml.safe_load(skeleton)) == ["Name", "Check"]
    assert '"Check": ""  # Ankreuzfeld (True/False)' in skeleton
    nationality = mapping_skeleton(list_fields(LIBREOFFICE)).splitlines()[-1]
    assert nationality.startswith('"Nationality": ""  # Auswahlfeld, Werte: Unknown, German,')


# --------------------------------------------------------------------------- filling


def test_fill_libreoffice_form_reads_back(tmp_path):
    out = tmp_path / "out.pdf"
    fill(LIBREOFFICE, {"Last Name": GERMAN, "gdpr": True, "female": "2", "Nationality": "German"}, out)
    fields = by_name(out)
    assert fields["Last Name"].value == GERMAN
    assert fields["gdpr"].value is True
    assert fields["other"].value is False
    assert fields["female"].value == "2"
    assert fields["Nationality"].value == "German"
    assert fields["First Name"].value == "Alice"  # untouched prefilled value kept
    radio_states = [str(w["/AS"]) for w in widgets(out)["female"]]
    assert radio_states == ["/Off", "/2"]
    assert str(widgets(out)["gdpr"][0]["/AS"]) == "/Yes"
    acro = PdfReader(out).trailer["/Root"]["/AcroForm"]
    assert "/NeedAppearances" not in acro  # our own appearance streams carry the values
    text = pdftext(out)
    assert GERMAN in text
    assert "German" in text and "Alice" in text


def test_fill_pdflatex_form_with_empty_on_state_appearance(tmp_path):
    out = tmp_path / "out.pdf"
    fill(PDFLATEX, {"Name": GERMAN, "Check": True}, out)
    check = widgets(out)["Check"][0]
    assert str(check["/AS"]) == "/Yes" and str(check["/V"]) == "/Yes"
    # pdfTeX wrote an empty dictionary as on-appearance; it must now be a stream
    assert check["/AP"]["/N"]["/Yes"].get_object().get_data()
    assert GERMAN in pdftext(out)


def test_fill_embeds_a_subset_font(tmp_path):
    out = tmp_path / "out.pdf"
    fill(PDFLATEX, {"Name": GERMAN}, out)
    ap = widgets(out)["Name"][0]["/AP"]["/N"].get_object()
    font = ap["/Resources"]["/Font"][fonts.FONT_RES].get_object()
    assert font["/Subtype"] == "/Type0"
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    program = descriptor["/FontFile2"].get_object().get_data()
    assert program[:4] == b"\x00\x01\x00\x00"
    assert len(program) < 200_000  # a subset, not the whole 700 KB font


def test_flatten_removes_form_and_keeps_text(tmp_path):
    out = tmp_path / "flat.pdf"
    fill(LIBREOFFICE, {"Last Name": GERMAN, "gdpr": True, "Nationality": "German"}, out, flatten=True)
    reader = PdfReader(out)
    assert "/AcroForm" not in reader.trailer["/Root"]
    annots = [a.get_object() for p in reader.pages for a in p.get("/Annots", [])]
    assert not [a for a in annots if a.get("/Subtype") == "/Widget"]
    text = pdftext(out)
    assert GERMAN in text and "German" in text
    # each of the 9 widgets painted once with its appearance, no frame added (issue 12)
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    assert content.count(" Do Q") == 9
    assert content.count(" re S Q") == 0


def test_fill_twice_gives_identical_files(tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        fill(PDFLATEX, {"Name": GERMAN, "Check": True}, out)
    assert first.read_bytes() == second.read_bytes()


# --------------------------------------------------------------------------- errors


def read_only_copy(tmp_path: Path) -> Path:
    writer = PdfWriter(clone_from=LIBREOFFICE)
    for ref in writer._root_object["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] == "Birthday":
            field[NameObject("/Ff")] = NumberObject(1)
        if field["/T"] == "Last Name":
            field[NameObject("/MaxLen")] = NumberObject(5)
    path = tmp_path / "form.pdf"
    writer.write(path)
    return path


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Last Nme": "x"}, "Feld 'Last Nme': Kein solches Feld im Formular. Meinten Sie: Last Name, First Name, First Name_2?"),
        ({"Last Name": "Müller"}, "Feld 'Last Name': Wert hat 6 Zeichen, erlaubt sind höchstens 5."),
        ({"gdpr": "ja"}, "Feld 'gdpr': Ankreuzfeld erwartet True oder False, nicht 'ja'."),
        ({"Nationality": "Dutch"}, "Feld 'Nationality': Wert 'Dutch' ist keine Auswahlmöglichkeit; möglich: "
                                   "Unknown, German, Indonesian, US-American, French, Spanish, Italian."),
        ({"Birthday": "1.1.2000"}, "Feld 'Birthday': Feld ist schreibgeschützt und kann nicht befüllt werden."),
        ({"female": "3"}, "Feld 'female': Wert '3' ist keine Option; möglich: 1, 2."),
        # a Samaritan letter: in no Latin font
        ({"Last Name": "\u0800"}, "Feld 'Last Name': Zeichen \u0800 ist in der Schrift"),
    ],
)
def test_fill_errors_name_field_and_leave_no_file(tmp_path, values, message):
    form = read_only_copy(tmp_path)
    out = tmp_path / "out" / "filled.pdf"
    with pytest.raises(InputError) as caught:
        fill(form, {"First Name": "vorher gültig", **values}, out)
    assert str(caught.value).startswith(f"{form}: {message}")
    assert caught.value.feld == next(iter(values))
    assert not out.exists()
    assert not list(tmp_path.glob("out/*"))


def test_button_field_cannot_be_filled(tmp_path):
    with pytest.raises(InputError, match="Feld 'Submit': Schaltfläche kann nicht befüllt werden."):
        fill(PDFLATEX, {"Submit": "x"}, tmp_path / "o.pdf")
    assert not (tmp_path / "o.pdf").exists()


def test_pdf_without_form_is_an_input_error(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    plain = tmp_path / "plain.pdf"
    writer.write(plain)
    with pytest.raises(InputError, match="enthält keine Formularfelder"):
        list_fields(plain)


def test_missing_font_is_reported_in_german(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", ("/nicht/da.ttf",))
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    with pytest.raises(KimDocsError, match="fonts-dejavu-core oder fonts-liberation"):
        fonts.load_font()


def test_liberation_sans_works_as_well(tmp_path, monkeypatch):
    font = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
    if not font.exists():
        pytest.skip("Liberation Sans nicht installiert")
    monkeypatch.setenv(fonts.FONT_ENV, str(font))
    out = tmp_path / "o.pdf"
    fill(PDFLATEX, {"Name": GERMAN}, out)
    assert GERMAN in pdftext(out)


# --------------------------------------------------------------------------- mapping


def test_render_mapping_converts_checkbox_booleans():
    context = {"antragsteller": {"art": "kreis", "name": "Kreis Musterland"}, "betraege": {"gesamt": 1234.5}}
    mapping = {
        "Name": "{{ antragsteller.name }}",
        "Check": "{{ antragsteller.art == 'kreis' }}",
        "Betrag": "{{ betraege.gesamt | euro }}",
    }
    result = render_mapping(mapping, context, jinja_env(), fields=list_fields(PDFLATEX) + [
        FormField("Betrag", "text", None)])
    assert result == {"Name": "Kreis Musterland", "Check": True, "Betrag": "1.234,50 €"}


def test_render_mapping_reports_missing_context_with_field():
    with pytest.raises(InputError) as caught:
        render_mapping({"Name": "{{ antragsteller.vorname }}"}, {"antragsteller": {}}, jinja_env())
    assert caught.value.feld == "Name"
    assert "fehlende Falldaten" in str(caught.value)


def test_render_mapping_sandbox_blocks_unsafe_access():
    with pytest.raises(InputError, match="Feld 'X'"):
        render_mapping({"X": "{{ ''.__class__.__mro__ }}"}, {}, jinja_env())


# --------------------------------------------------------------------------- shipped form


CONTEXT = {
    "antragsteller": {
        "name": "Stadt Müllheim an der Ruhr",
        "art": "kreisfreie_stadt",
        "bankverbindung": {"iban": "DE02 1203 0000 0000 2020 51", "bic": "BYLADEM1001",
                           "kreditinstitut": "Sparkasse Köln-Bonn"},
        "anschrift": {"ort": "Müllheim"},
    },
    "bescheid": {"aktenzeichen": "KIM-2025/0815", "datum": "15.01.2025"},
    "betraege": {"gesamt": "248.000,00 €"},
    "auszahlung": {"rate": 2, "betrag": "124.000,00 €", "termin": "01.07.2025",
                   "bereits_erhalten": "124.000,00 €", "datum": "20.06.2025"},
}


def test_shipped_form_fields():
    fields = by_name(AUSZAHLUNG)
    assert fields["Rate"].states == ("1", "2")
    assert fields["AngabenRichtig"].states == ("Ja",)
    assert fields["Unterschrift"].kind == "signature"
    assert fields["Bank.IBAN"].max_length == 42 and fields["Bank.BIC"].max_length == 11
    mapping = yaml.safe_load(AUSZAHLUNG_MAP.read_text(encoding="utf-8"))
    assert set(mapping) <= {f.name for f in fields.values() if f.fillable}


def test_shipped_form_filled_end_to_end(tmp_path):
    mapping = yaml.safe_load(AUSZAHLUNG_MAP.read_text(encoding="utf-8"))
    fields = list_fields(AUSZAHLUNG)
    values = render_mapping(mapping, CONTEXT, jinja_env(), fields=fields)
    values["AngabenRichtig"] = True
    out = tmp_path / "auszahlung.pdf"
    fill(AUSZAHLUNG, values, out)
    back = by_name(out)
    assert back["Zuwendungsempfaenger"].value == "Stadt Müllheim an der Ruhr"
    assert back["Bank.IBAN"].value == "DE02 1203 0000 0000 2020 51"
    assert back["Rate"].value == "2"
    assert back["AngabenRichtig"].value is True
    assert back["OrtDatum"].value == "Müllheim, 20.06.2025"
    assert str(widgets(out)["AngabenRichtig"][0]["/AS"]) == "/Ja"
    text = pdftext(out)
    for expected in ("Stadt Müllheim an der Ruhr", "248.000,00 €", "Sparkasse Köln-Bonn", "KIM-2025/0815"):
        assert expected in text


def test_shipped_form_is_reproducible(tmp_path):
    script = ROOT / "scripts" / "make_auszahlung_form.py"
    out = tmp_path / "form.pdf"
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True)
    assert out.read_bytes() == AUSZAHLUNG.read_bytes()


# --------------------------------------------------------------------------- LibreOffice form


HTML_FORM = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test</title></head><body>
<form name="Standard">
<p>Name: <input type="text" name="Name" maxlength="30" size="40"></p>
<p><input type="checkbox" name="Zustimmung" value="Ja"> Zustimmung</p>
<p><input type="radio" name="Rate" value="1"> 1 <input type="radio" name="Rate" value="2"> 2</p>
<p>Art: <select name="Art"><option>Kreis</option><option>kreisfreie Stadt</option></select></p>
</form></body></html>
"""


@pytest.fixture(scope="module")
def libreoffice_form(tmp_path_factory) -> Path:
    """A form LibreOffice makes now: HTML form → ODT with form controls → PDF."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) nicht installiert")
    work = tmp_path_factory.mktemp("lo")
    (work / "form.html").write_text(HTML_FORM, encoding="utf-8")
    profile = f"-env:UserInstallation=file://{work}/profile"
    run = dict(check=True, capture_output=True, timeout=180, cwd=work)
    subprocess.run([soffice, profile, "--headless", "--infilter=HTML (StarWriter)", "--convert-to", "odt",
                    "form.html"], **run)
    subprocess.run([soffice, profile, "--headless", "--convert-to", "pdf", "form.odt"], **run)
    return work / "form.pdf"


@pytest.mark.libreoffice
def test_libreoffice_form_lists_and_fills(libreoffice_form, tmp_path):
    fields = by_name(libreoffice_form)
    assert fields["Name"].max_length == 30
    assert fields["Zustimmung"].states == ("Ja",)
    assert fields["Rate"].states == ("1", "2")
    assert fields["Art"].options == ("Kreis", "kreisfreie Stadt")
    out = tmp_path / "filled.pdf"
    fill(libreoffice_form, {"Name": GERMAN, "Zustimmung": True, "Rate": "1", "Art": "kreisfreie Stadt"}, out)
    back = by_name(out)
    assert back["Name"].value == GERMAN and back["Zustimmung"].value is True
    assert back["Rate"].value == "1" and back["Art"].value == "kreisfreie Stadt"
    assert str(widgets(out)["Zustimmung"][0]["/AS"]) == "/Ja"
    assert GERMAN in pdftext(out)
    with pytest.raises(InputError, match="Feld 'Name': Wert hat 31 Zeichen, erlaubt sind höchstens 30."):
        fill(libreoffice_form, {"Name": "x" * 31}, tmp_path / "zu-lang.pdf")
    assert not (tmp_path / "zu-lang.pdf").exists()
