"""Sixteen real forms made by other tools (tests/fixtures/real-forms/, sources in its
README): listed, filled with umlauts and long values, one option per group, read back
with pypdf and pdftotext, widget areas rendered with pdftoppm."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from kim_docs.errors import InputError
from kim_docs.pdf.acroform import FormField, list_fields
from kim_docs.pdf.fill import fill

REAL = Path(__file__).parent / "fixtures" / "real-forms"
FORMS = sorted(p.name for p in REAL.glob("*.pdf"))
LONG = "Größe ÄÖÜ äöü ß € – ein langer Wert, der nicht in eine Zeile passt und umbrochen oder verkleinert wird"
SHORT = "Öl ä ö ü ß €"
EXPECTED_COUNTS = {
    "de_P166_11_2025.pdf": 107, "de_Reisekostenabrechnung.pdf": 105, "pdfjs_160F-2019.pdf": 67,
    "pdfjs_annotation-choice-widget.pdf": 5, "pdfjs_prefilled_f1040.pdf": 236, "ppf_437_encrypted_xfa.pdf": 31,
    "ppf_PPF-627.pdf": 162, "ppf_comb.pdf": 5, "ppf_dropdown.pdf": 8, "ppf_pdfgear_xref_stream.pdf": 1,
    "ppf_radio.pdf": 9, "ppf_sample_template.pdf": 6, "pypdf_libreoffice_form.pdf": 8,
    "pypdf_pdflatex_forms.pdf": 3, "qpdf_field_types.pdf": 11, "qpdf_filled_by_acrobat.pdf": 7,
}


def text_value(f: FormField) -> str:
    if f.max_length:
        return ("ÄÖÜß€" * 40)[: f.max_length]
    return LONG if f.multiline else SHORT + " " + LONG


def plain_values(fields: list[FormField]) -> dict:
    values: dict = {}
    for f in fields:
        if not f.fillable:
            continue
        if f.kind == "text":
            values[f.name] = text_value(f)
        elif f.kind == "checkbox":
            values[f.name] = f.states[-1] if f.group else True
        elif f.kind == "radio":
            values[f.name] = f.states[-1]
        elif f.kind == "choice" and f.options:
            values[f.name] = [f.options[-1]] if f.multi_select else f.options[-1]
    return values


def pdftotext(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_all_sixteen_forms_are_here():
    assert FORMS == sorted(EXPECTED_COUNTS)


@pytest.mark.parametrize("name", FORMS)
def test_real_form_filled_and_read_back(name, tmp_path):
    form = REAL / name
    fields = list_fields(form)
    assert len(fields) == EXPECTED_COUNTS[name]
    values = plain_values(fields)
    notes: list[str] = []
    out = fill(form, values, tmp_path / "out.pdf", on_note=notes.append)
    back = {f.name: f for f in list_fields(out)}
    for key, value in values.items():
        got = back[key].value
        if back[key].kind == "checkbox" and not back[key].group:
            assert got is True, key
        else:
            assert got == value, key
    # each group: exactly the chosen widget is on
    reader = PdfReader(out)
    for f in fields:
        if f.fillable and f.kind in ("checkbox", "radio") and len(f.widgets) > 1 and len(set(f.states)) > 1:
            on = [w.on_state for w in back[f.name].widgets if w.on_state == values[f.name]]
            assert len(on) >= 1
    states = _as_states(reader)
    for f in fields:
        if f.name in states and f.fillable and len(set(f.states)) > 1:
            assert sorted(set(states[f.name]) - {"/Off"}) == [f"/{values[f.name]}"], f.name
    text = pdftotext(out)
    texts = [v for k, v in values.items() if back[k].kind == "text" and not back[k].max_length]
    if texts:
        assert "ß €" in text or "ß€" in text.replace(" ", "")


def _as_states(reader: PdfReader) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for page in reader.pages:
        for ref in page.get("/Annots", []) or []:
            annot = ref.get_object()
            if "/AS" not in annot:
                continue
            name = annot.get("/T") if "/T" in annot else annot.get("/Parent", {}).get("/T")
            parent, parts = annot if "/T" in annot else annot["/Parent"].get_object(), []
            while parent is not None:
                if "/T" in parent:
                    parts.insert(0, str(parent["/T"]))
                parent = parent.get("/Parent").get_object() if "/Parent" in parent else None
            result.setdefault(".".join(parts) or str(name), []).append(str(annot["/AS"]))
    return result


def _render(path: Path, page: int, rect: tuple[float, float, float, float], tmp: Path) -> bytes:
    """Pixels (gray, 4x) of the rectangle ``rect`` (PDF points) on ``page``."""
    height = float(PdfReader(path).pages[page - 1].mediabox.height)
    scale = 4.0
    x0, y0, x1, y1 = rect
    args = ["pdftoppm", "-gray", "-r", str(72 * scale), "-f", str(page), "-l", str(page),
            "-x", str(int(x0 * scale)), "-y", str(int((height - y1) * scale)),
            "-W", str(int((x1 - x0) * scale) + 1), "-H", str(int((y1 - y0) * scale) + 1), str(path), str(tmp)]
    subprocess.run(args, check=True, capture_output=True)
    return next(tmp.parent.glob(tmp.name + "*.pgm")).read_bytes()


def _low_text_field(name: str) -> FormField:
    fields = [f for f in list_fields(REAL / name) if f.kind == "text" and f.fillable and not f.multiline
              and not f.max_length and f.widgets and f.widgets[0].rect]
    return min(fields, key=lambda f: abs(f.widgets[0].rect[3] - f.widgets[0].rect[1]) if f.widgets[0].rect else 99)


def _top_rows_ink(pgm: bytes) -> int:
    """Dark pixels in the upper third of a rendered PGM: where the dots of Ö sit."""
    header, _, rest = pgm.partition(b"\n255\n")
    w, h = (int(v) for v in header.split()[1:3])
    top = rest[: w * (h // 3)]
    return sum(1 for b in top if b < 128)


def test_umlaut_dots_stay_inside_low_field(tmp_path):
    field = _low_text_field("de_Reisekostenabrechnung.pdf")
    x0, y0, x1, y1 = field.widgets[0].rect  # type: ignore[misc]
    assert y1 - y0 < 11  # the 10.9 pt fields of the issue
    images = {}
    for letter in ("O", "Ö"):
        out = fill(REAL / "de_Reisekostenabrechnung.pdf", {field.name: letter * 6}, tmp_path / f"{letter}.pdf")
        images[letter] = _render(out, field.widgets[0].page or 1, (x0, y0, x1, y1), tmp_path / f"img{letter}")
    assert images["O"] != images["Ö"]
    assert _top_rows_ink(images["Ö"]) > _top_rows_ink(images["O"])


def test_multiline_auto_size_wraps_all_text(tmp_path):
    form = REAL / "de_P166_11_2025.pdf"
    [stempel] = [f for f in list_fields(form) if "Stempel" in f.name]
    assert stempel.multiline
    out = fill(form, {stempel.name: LONG}, tmp_path / "p166.pdf")
    # every word is drawn inside the box: pdftotext reads it from the field's area
    x0, y0, x1, y1 = stempel.widgets[0].rect  # type: ignore[misc]
    height = float(PdfReader(out).pages[0].mediabox.height)
    area = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-x", str(int(x0)), "-y", str(int(height - y1)),
                           "-W", str(int(x1 - x0) + 1), "-H", str(int(y1 - y0) + 1), str(out), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert " ".join(area.split()) == LONG


def test_flattened_pages_show_only_their_own_values(tmp_path):
    form = REAL / "qpdf_filled_by_acrobat.pdf"
    out = fill(form, {"Text Box 1": "ERSTESEITE", "Text Box 2": "DRITTESEITE"}, tmp_path / "flat.pdf", flatten=True)
    first, third = pdftotext(out, 1), pdftotext(out, 3)
    assert "ERSTESEITE" in first and "DRITTESEITE" not in first
    assert "DRITTESEITE" in third and "ERSTESEITE" not in third
    assert "/AcroForm" not in PdfReader(out).trailer["/Root"]


def test_checkbox_group_with_different_on_states(tmp_path):
    form = REAL / "pdfjs_prefilled_f1040.pdf"
    group = next(f for f in list_fields(form) if f.name.endswith("c1_04"))
    assert group.group and group.states == ("S", "MJ", "MS", "HoH", "QW")
    with pytest.raises(InputError, match="verschiedene Zustände; bitte einen wählen: S, MJ, MS, HoH, QW"):
        fill(form, {group.name: True}, tmp_path / "x.pdf")
    out = fill(form, {group.name: "MS"}, tmp_path / "ms.pdf")
    assert next(f for f in list_fields(out) if f.name == group.name).value == "MS"
    assert sorted(_as_states(PdfReader(out))[group.name]) == ["/MS", "/Off", "/Off", "/Off", "/Off"]


def test_choices_editable_combo_and_multi_select(tmp_path):
    form = REAL / "qpdf_field_types.pdf"
    out = fill(form, {"combodrop1": "eigener Text", "list1": "six"}, tmp_path / "c.pdf")
    back = {f.name: f for f in list_fields(out)}
    assert back["combodrop1"].value == "eigener Text" and back["list1"].value == "six"
    with pytest.raises(InputError, match="Feld 'drop1': Wert 'eigener Text' ist keine Auswahlmöglichkeit"):
        fill(form, {"drop1": "eigener Text"}, tmp_path / "d.pdf")
    multi = REAL / "pdfjs_annotation-choice-widget.pdf"
    name = next(f.name for f in list_fields(multi) if f.multi_select)
    out = fill(multi, {name: ["Lorem", "Sit"]}, tmp_path / "m.pdf")
    assert next(f for f in list_fields(out) if f.name == name).value == ["Lorem", "Sit"]
    assert "Lorem" in pdftotext(out)  # the list box shows its options


def test_newline_only_in_multiline_fields(tmp_path):
    form = REAL / "ppf_sample_template.pdf"
    name = next(f.name for f in list_fields(form) if f.kind == "text" and not f.multiline)
    out = fill(form, {name: "Zeile eins\nZeile zwei"}, tmp_path / "n.pdf")
    assert next(f for f in list_fields(out) if f.name == name).value == "Zeile eins Zeile zwei"


def test_xfa_and_ur3_removed_encryption_kept(tmp_path):
    form = REAL / "ppf_437_encrypted_xfa.pdf"
    notes: list[str] = []
    out = fill(form, {}, tmp_path / "e.pdf", on_note=notes.append)
    assert any("XFA" in n for n in notes) and any("UR3" in n for n in notes)
    assert any("verschlüsselt" in n for n in notes)
    reader = PdfReader(out)
    assert reader.is_encrypted
    assert reader.trailer["/Encrypt"]["/P"] == PdfReader(form).trailer["/Encrypt"]["/P"]
    assert "/XFA" not in reader.trailer["/Root"]["/AcroForm"] and "/Perms" not in reader.trailer["/Root"]
    again = fill(form, {}, tmp_path / "e2.pdf")
    assert again.read_bytes() == out.read_bytes()  # reproducible (empty user password)


@pytest.fixture()
def user_password_form(tmp_path) -> Path:
    import pikepdf

    path = tmp_path / "geschuetzt.pdf"
    with pikepdf.open(REAL / "ppf_sample_template.pdf") as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="geheim", owner="eigentümer", R=6))
    return path


def test_user_password_form(user_password_form, tmp_path):
    with pytest.raises(InputError, match="mit einem Passwort geschützt; bitte das Passwort mit --password-file"):
        list_fields(user_password_form)
    with pytest.raises(InputError, match="Passwort für die verschlüsselte PDF-Datei ist falsch"):
        list_fields(user_password_form, "falsch")
    name = next(f.name for f in list_fields(user_password_form, "geheim") if f.kind == "text")
    out = fill(user_password_form, {name: SHORT}, tmp_path / "o.pdf", password="geheim")
    assert PdfReader(out).is_encrypted
    assert next(f for f in list_fields(out, "geheim") if f.name == name).value == SHORT


def test_circular_kids_are_walked_once(tmp_path):
    import pikepdf

    path = tmp_path / "kreis.pdf"
    with pikepdf.open(REAL / "ppf_sample_template.pdf") as pdf:
        first = pdf.Root.AcroForm.Fields[0]
        kid = pikepdf.Dictionary(T=pikepdf.String("kind"), Kids=pikepdf.Array([first]))
        first.Kids = pikepdf.Array([pdf.make_indirect(kid)])
        pdf.save(path)
    fields = list_fields(path)
    assert fields  # no endless loop, no traceback
    fill(path, {}, tmp_path / "o.pdf")


# --------------------------------------------------------------------------- CLI


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kim_docs", "pdf", *args], capture_output=True, text=True)


def test_cli_fields_json_and_fill_values(tmp_path):
    form = REAL / "qpdf_field_types.pdf"
    listing = run_cli("fields", str(form), "--json")
    assert listing.returncode == 0, listing.stderr
    data = {f["name"]: f for f in json.loads(listing.stdout)}
    assert data["r1"]["type"] == "radio" and data["r1"]["states"] == ["1", "2", "3"]
    assert [w["on_state"] for w in data["r1"]["widgets"]] == ["1", "2", "3"]
    assert data["r1"]["pages"] == [1] and "Radio" in data["r1"]["flag_names"]
    assert data["combodrop1"]["editable"] and data["list1"]["options"][0] == {"value": "five", "text": "five"}
    values = tmp_path / "werte.yaml"
    values.write_text('text: "Grüße, 0049"\nr1: "2"\ncheckbox1: true\ncombodrop1: eigener Text\n', encoding="utf-8")
    out = tmp_path / "aus.pdf"
    result = run_cli("fill", str(form), "--values", str(values), "-o", str(out))
    assert result.returncode == 0, result.stderr
    back = {f.name: f for f in list_fields(out)}
    assert back["text"].value == "Grüße, 0049" and back["r1"].value == "2" and back["checkbox1"].value is True
    again = run_cli("fill", str(form), "--values", str(values), "-o", str(out))
    assert again.returncode != 0 and "existiert bereits" in again.stderr
    bad = tmp_path / "falsch.json"
    bad.write_text('{"r1": "9"}', encoding="utf-8")
    wrong = run_cli("fill", str(form), "--values", str(bad), "-o", str(tmp_path / "x.pdf"))
    assert wrong.returncode == 2 and "Feld 'r1': Wert '9' ist keine Option; möglich: 1, 2, 3." in wrong.stderr
    assert "Traceback" not in wrong.stderr and not (tmp_path / "x.pdf").exists()
