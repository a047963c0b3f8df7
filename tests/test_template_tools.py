"""Tools for template maintainers: lint, catalogue, preview, diff, user template folder.

The broken templates are made here from the shipped ones by direct XML edits, the way
Word leaves them: split tags, typographic quotes, unknown variables, a lost Auflage,
tracked changes and comments.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, SAMPLES

from kim_docs.cli import main
from kim_docs.template_tools import diff_rule_sets, diff_templates, inline, lint, load_rule_set
from kim_docs.templating import SHIPPED_TEMPLATES, docx_paragraphs

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                                   reason="LibreOffice (soffice) oder pdftoppm nicht installiert")

AUFLAGEN_LOOP = re.compile(r"<w:p><w:r><w:t>\{%p for a in auflagen %\}</w:t></w:r></w:p>.*?"
                           r"<w:p><w:r><w:t>\{%p endfor %\}</w:t></w:r></w:p>", re.S)
INS = '<w:ins w:id="901" w:author="Maria Muster" w:date="2025-03-01T10:00:00Z">'


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def edited(tmp_path: Path, name: str, edit: Callable[[str], str], extra: dict[str, bytes] | None = None,
           folder: str = "vorlagen") -> Path:
    """A copy of a shipped template with word/document.xml changed by `edit` (and extra parts)."""
    out_dir = tmp_path / folder
    out_dir.mkdir(exist_ok=True)
    out = io.BytesIO()
    with zipfile.ZipFile(SHIPPED_TEMPLATES / name) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                changed = edit(data.decode("utf-8"))
                assert changed != data.decode("utf-8"), "edit did not apply"
                data = changed.encode("utf-8")
            zout.writestr(info, data)
        for part, data in (extra or {}).items():
            zout.writestr(part, data)
    path = out_dir / name
    path.write_bytes(out.getvalue())
    return path


def replace(old: str, new: str) -> Callable[[str], str]:
    return lambda xml: xml.replace(old, new, 1)


LEITUNG = replace("{{ integrationszentrum.name }}", "{{ integrationszentrum.leitung }}")


def errors(path: Path) -> list[tuple[str, str, str]]:
    return [(f.code, f.ort, f.meldung) for f in lint(path).fehler]  # a lint finding's art is its Befund code


# --- the shipped templates ---------------------------------------------------------------------

def test_shipped_templates_lint_clean():
    result = run("templates", "lint")
    assert result.exit_code == 0, result.output
    for name in ("antrag", "bescheid", "auszahlung", "verwendungsnachweis", "pruefvermerk"):
        assert f"✓ {SHIPPED_TEMPLATES / name}.docx (Version 1.0, {name})" in result.output
    assert "5 Vorlagen geprüft: 5 in Ordnung, 0 mit Fehlern." in result.output


def test_lint_honours_templates_dir(tmp_path):
    own = edited(tmp_path, "antrag.docx", LEITUNG)
    result = run("templates", "lint", "--templates-dir", own.parent)
    assert result.exit_code == 1
    assert f"✗ {own} (Version 1.0, antrag)" in result.output
    assert f"✓ {SHIPPED_TEMPLATES / 'bescheid.docx'}" in result.output


# --- broken templates -----------------------------------------------------------------------------

def test_split_tag_docxtpl_cannot_rejoin(tmp_path):
    # Word put the second half of the tag into a hyperlink: docxtpl would leave </w:hyperlink> unbalanced
    path = edited(tmp_path, "bescheid.docx", replace(
        "<w:t>{{ klauseln.hoechstbetrag }}</w:t></w:r>",
        '<w:t>{{ klauseln.hoechst</w:t></w:r><w:hyperlink w:anchor="x"><w:r><w:t>betrag }}</w:t></w:r></w:hyperlink>'))
    found = errors(path)
    assert [(a, o) for a, o, _ in found] == [("geteilt", "Absatz „{{ klauseln.hoechstbetrag }}“")]
    assert "docxtpl nicht zusammenfügen kann" in found[0][2]
    result = run("templates", "lint", path)
    assert result.exit_code == 1
    assert "Fehler: Absatz „{{ klauseln.hoechstbetrag }}“: Platzhalter {{ klauseln.hoechstbetrag }}" in result.output


def test_split_tag_docxtpl_can_rejoin_is_fine(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace(
        "<w:t>{{ klauseln.hoechstbetrag }}</w:t></w:r>",
        '<w:t>{</w:t></w:r><w:r><w:rPr><w:i/></w:rPr><w:t>{ klauseln.hoechst</w:t></w:r>'
        '<w:proofErr w:type="spellStart"/><w:r><w:t>betrag }}</w:t></w:r><w:proofErr w:type="spellEnd"/>'))
    report = lint(path)
    assert report.ok
    assert [(f.code, f.schwere) for f in report.findings] == [("rechtschreibung", "warnung")]
    assert run("templates", "lint", path).exit_code == 0
    assert run("templates", "lint", "--strikt", path).exit_code == 1


def test_smart_quotes_reported_and_fixed(tmp_path):
    tag = "{{ klauseln.form | default(„Zuweisung“) }}"
    path = edited(tmp_path, "bescheid.docx", replace("{{ klauseln.form }}", tag))
    found = errors(path)
    assert [(a, o) for a, o, _ in found] == [("anfuehrungszeichen", f"Tabellenzelle „{tag}“")]
    assert "Typografische Anführungszeichen „“ im Platzhalter" in found[0][2]
    assert "--fix-quotes" in found[0][2]
    result = run("templates", "lint", "--fix-quotes", path)
    assert result.exit_code == 0, result.output
    assert "1 Vorlage geprüft: 1 in Ordnung" in result.output
    assert "2 Anführungszeichen in Platzhaltern begradigt" in result.stderr
    assert '{{ klauseln.form | default("Zuweisung") }}' in docx_paragraphs(path.read_bytes())
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # written atomically


def test_quotes_outside_tags_are_left_alone(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace("Sehr geehrte Damen und Herren,", "„Sehr geehrte“ Damen,"))
    assert lint(path).ok
    run("templates", "lint", "--fix-quotes", path)
    assert "„Sehr geehrte“ Damen," in docx_paragraphs(path.read_bytes())


def test_syntax_error_named_with_paragraph(tmp_path):
    path = edited(tmp_path, "antrag.docx", replace("{{ integrationszentrum.name }}", "{{ integrationszentrum.name }"))
    found = errors(path)
    assert found[0][:2] == ("syntax", "Absatz „{{ integrationszentrum.name }“")
    assert "nicht geschlossen" in found[0][2]


def test_unclosed_loop_named_where_it_opens(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace(
        "<w:p><w:r><w:t>{%p endfor %}</w:t></w:r></w:p><w:p><w:r><w:t>{%p if bescheid.hat_bedingung %}",
        "<w:p><w:r><w:t>{%p if bescheid.hat_bedingung %}"))
    assert errors(path) == [("syntax", "Absatz „{%p for a in auflagen %}“",
                             "{%p for a in auflagen %} wird nicht geschlossen: es fehlt {%p endfor %}")]


def test_unknown_variable(tmp_path):
    path = edited(tmp_path, "antrag.docx", LEITUNG)
    assert errors(path) == [("variable", "Absatz „{{ integrationszentrum.leitung }}“",
                             "unbekannte Variable „integrationszentrum.leitung“: der Kontext stellt sie nicht "
                             "bereit; meinten Sie „integrationszentrum.name“?")]
    result = run("templates", "lint", path)
    assert result.exit_code == 1
    assert "✗" in result.output and "unbekannte Variable „integrationszentrum.leitung“" in result.output


def test_unknown_loop_attribute_and_loop_over_text(tmp_path):
    def edit(xml: str) -> str:
        return xml.replace("{{ s.bezeichnung }}", "{{ s.name }}", 1).replace("{%tr for p in posten %}",
                                                                             "{%tr for p in zeitraum.jahr %}", 1)
    found = errors(edited(tmp_path, "antrag.docx", edit))
    assert ("variable", "Tabellenzelle „{{ s.name }}“",
            "unbekannte Variable „s.name (= stellen[].name)“: der Kontext stellt sie nicht bereit; meinten Sie "
            "„s.nr“?") in found
    assert ("schleife", "Tabellenzelle „{%tr for p in zeitraum.jahr %}“",
            "Schleife über „zeitraum.jahr“, das ist keine Liste (Typ Text); Schleifen gehen nur über Variablen vom "
            "Typ Liste.") in found


def test_deleted_auflage_d(tmp_path):
    explicit = "".join(f"<w:p><w:r><w:t>{{{{ auflagen[{i}].buchstabe }}}}) {{{{ auflagen[{i}].text }}}}"
                       "</w:t></w:r></w:p>" for i in (0, 1, 2, 4))
    path = edited(tmp_path, "bescheid.docx", lambda xml: AUFLAGEN_LOOP.sub(explicit, xml, count=1))
    found = errors(path)
    anchor = "bei Absatz „{{ klauseln.auflagen_einleitung }}“"
    assert [(a, o) for a, o, _ in found] == [("pflichtklausel", anchor), ("pflichtklausel", anchor)]
    assert found[0][2].startswith("Pflichtklausel Auflagen a)–e) fehlt oder ist verändert: der Bescheid muss die "
                                  "Schleife "
                                  "{%p for a in auflagen %}")
    assert found[1][2].startswith("Beim Probe-Ausfüllen (Beispielfälle kreis-musterland-2025.yaml, ")
    assert "Pflichtklauseln fehlen im Bescheid: Auflage d);" in found[1][2]
    assert run("templates", "lint", path).exit_code == 1


def test_auflage_skipped_by_condition_found_by_rendering(tmp_path):
    path = edited(tmp_path, "bescheid.docx",
                  replace("{{ a.text }}", "{% if a.buchstabe != 'c' %}{{ a.text }}{% endif %}"))
    found = errors(path)
    assert len(found) == 1 and "Pflichtklauseln fehlen im Bescheid: Auflage c)" in found[0][2]


def test_rechtsbehelf_removed(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace("{{ klauseln.rechtsbehelf }}", "Klage ist möglich."))
    found = errors(path)
    assert found[0][:2] == ("pflichtklausel", "bei Absatz „{{ bescheid.abschnitte.rechtsbehelf }}. "
                                              "Rechtsbehelfsbelehrung“")
    assert found[0][2].startswith("Pflichtklausel Rechtsbehelfsbelehrung fehlt oder ist verändert")
    assert "Rechtsbehelfsbelehrung" in found[1][2]


def test_tracked_change(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace(
        "<w:t>Sehr geehrte Damen und Herren,</w:t></w:r>",
        "<w:t>Sehr geehrte Damen und Herren,</w:t></w:r>" + INS + '<w:r><w:t xml:space="preserve"> liebe Kolleginnen'
        '</w:t></w:r></w:ins><w:del w:id="902" w:author="Maria Muster"><w:r><w:delText>alt</w:delText></w:r></w:del>'))
    assert errors(path) == [("aenderung", "Absatz „Sehr geehrte Damen und Herren, liebe Kolleginnen“",
                             "Nachverfolgte Änderung nicht angenommen (eingefügt „liebe Kolleginnen“, gelöscht "
                             "„alt“): in Word Überprüfen › Annehmen/Ablehnen, in LibreOffice Bearbeiten › Änderungen "
                             "verfolgen › Verwalten.")]
    assert run("templates", "lint", path).exit_code == 1


def test_tracked_change_inside_tag(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace(
        "<w:t>{{ klauseln.ermessen }}</w:t></w:r>",
        "<w:t>{{ klauseln.er</w:t></w:r>" + INS + "<w:r><w:t>messen }}</w:t></w:r></w:ins>"))
    arts = [(a, o) for a, o, _ in errors(path)]
    assert ("aenderung_im_platzhalter", "Absatz „{{ klauseln.ermessen }}“") in arts
    assert ("aenderung", "Absatz „{{ klauseln.ermessen }}“") in arts


COMMENTS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b'<w:comment w:id="7" w:author="Referat 36"><w:p><w:r><w:t>Titel mit Dezernat abstimmen</w:t></w:r>'
            b'</w:p></w:comment></w:comments>')


def test_comment(tmp_path):
    path = edited(tmp_path, "bescheid.docx", replace(
        "<w:r><w:t>Zuwendungsbescheid</w:t></w:r>",
        '<w:commentRangeStart w:id="7"/><w:r><w:t>Zuwendungsbescheid</w:t></w:r><w:commentRangeEnd w:id="7"/>'
        '<w:r><w:commentReference w:id="7"/></w:r>'), extra={"word/comments.xml": COMMENTS})
    assert errors(path) == [("kommentar", "Absatz „Zuwendungsbescheid“",
                             "Kommentar von Referat 36 noch in der Vorlage: „Titel mit Dezernat abstimmen“ – vor der "
                             "Freigabe löschen (er stünde sonst im Dokument).")]
    result = run("templates", "lint", "--json", path)
    assert result.exit_code == 1
    assert json.loads(result.output)[0]["befunde"][0]["art"] == "kommentar"


def test_not_a_docx(tmp_path):
    bad = tmp_path / "bescheid.docx"
    bad.write_text("kein zip")
    result = run("templates", "lint", bad)
    assert result.exit_code == 1
    assert "ist keine DOCX-Datei" in result.output
    assert run("templates", "lint", tmp_path / "fehlt.docx").exit_code == 2


# --- variables --------------------------------------------------------------------------------------

def test_committed_catalogue_equals_command_output():
    result = run("templates", "variables", "--format", "md")
    assert result.exit_code == 0
    assert (ROOT / "docs" / "variablen.md").read_text(encoding="utf-8") == result.output


def test_catalogue_json_has_every_variable_and_filter():
    from kim_docs.variables import CATALOGUE, FILTERS

    data = json.loads(run("templates", "variables", "--format", "json").output)
    rows = {row["name"]: row for row in data["variablen"]}
    assert list(rows) == [v.name for v in CATALOGUE]
    assert rows["betraege.gesamt"]["beispiel"] == "357.500,00\u00a0€"
    assert rows["weiterleitung[].kommune"]["beispiel"]  # taken from a sample where the list is not empty
    # no sample can show: the 2024 Frist (publication date unknown) and the ANBest-G Anlage (no shipped
    # rule set has the official text); keys that no sample file sets yet show no example either
    sample_text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "samples").glob("*.yaml"))
    unset = {name for name, key in (("antragsteller.vertreten_durch", "vertreten_durch:"),
                                    ("bescheid.haushaltsstelle", "haushaltsstelle:"),
                                    ("bescheid.haushaltsstelle_satz", "haushaltsstelle:")) if key not in sample_text}
    without = {"fristen.antrag", "bescheid.anlage_absaetze[].text", "bescheid.anlage_absaetze[].ueberschrift"} | unset
    assert all(row["beispiel"] not in (None, "") for name, row in rows.items() if name not in without), \
        [n for n, r in rows.items() if r["beispiel"] in (None, "")]
    assert {f["name"] for f in data["filter"]} == set(FILTERS)
    assert {"name": "euro", "bedeutung": FILTERS["euro"], "beispiel": "1234.5 → 1.234,50\u00a0€"} in data["filter"]


# --- diff ---------------------------------------------------------------------------------------------

def test_diff_of_two_template_versions_gives_the_changed_words(tmp_path):
    def edit(xml: str) -> str:
        xml = xml.replace("bewillige ich Ihnen", "gewähre ich Ihnen", 1)
        return xml.replace("Sehr geehrte Damen und Herren,", "Guten Tag,", 1)
    new = edited(tmp_path, "bescheid.docx", edit, folder="neu")
    changes = diff_templates(SHIPPED_TEMPLATES / "bescheid.docx", new)
    assert [c.changed_words() for c in changes] == [[("ersetzt", "Sehr geehrte Damen und Herren,", "Guten Tag,")],
                                                    [("ersetzt", "bewillige", "gewähre")]]
    assert inline(changes[1].ops).startswith("Auf Ihren Antrag vom {{ antrag.datum_lang }} [-bewillige-]{+gewähre+} "
                                              "ich Ihnen")
    html_file = tmp_path / "vergleich.html"
    result = run("templates", "diff", SHIPPED_TEMPLATES / "bescheid.docx", new, "--html", html_file)
    assert result.exit_code == 0
    assert "~ Nr. 27, Absatz (geändert):\n    Auf Ihren Antrag vom" in result.output
    assert "[-bewillige-]{+gewähre+}" in result.output
    assert "2 geändert, 0 neu, 0 entfernt." in result.output
    page = html_file.read_text(encoding="utf-8")
    assert "<del>bewillige </del>" in page and "<ins>gewähre </ins>" in page


def test_diff_identical_templates():
    result = run("templates", "diff", SHIPPED_TEMPLATES / "antrag.docx", SHIPPED_TEMPLATES / "antrag.docx")
    assert result.exit_code == 0 and "Keine Änderungen am Wortlaut." in result.output


def test_diff_rule_sets(tmp_path):
    source = (ROOT / "kim_docs" / "rules" / "kim-nrw-2024.yaml").read_text(encoding="utf-8")
    other = tmp_path / "regeln" / "kim-nrw-2024.yaml"
    other.parent.mkdir()
    other.write_text(source.replace("Sie nehmen an dem landesweiten Fördercontrolling",
                                    "Sie nehmen an dem bundesweiten Fördercontrolling"), encoding="utf-8")
    changes = diff_rule_sets(load_rule_set("kim-nrw-2024"), load_rule_set(str(other)))
    assert [(c.ort, c.changed_words()) for c in changes] == [
        ("auflagen.liste d)", [("ersetzt", "landesweiten", "bundesweiten")])]
    result = run("templates", "diff", "--rules", "kim-nrw-2024", other)
    assert result.exit_code == 0
    assert "~ auflagen.liste d) (geändert):" in result.output and "[-landesweiten-]{+bundesweiten+}" in result.output
    assert run("templates", "diff", "--rules", "kim-nrw-2024", "gibt-es-nicht").exit_code == 2


# --- user template folder: render and manifest --------------------------------------------------

def test_override_template_used_by_render_and_recorded(tmp_path, monkeypatch):
    own = edited(tmp_path, "bescheid.docx",
                 replace("Sehr geehrte Damen und Herren,", "Guten Tag aus der Eigenvorlage,"))
    digest = hashlib.sha256(own.read_bytes()).hexdigest()
    case = SAMPLES / "kreis-soest-vakanz-2025.yaml"
    for how in ("option", "env"):
        out = tmp_path / f"out-{how}"
        args = ["render", "bescheid", case, "-o", out, "--format", "docx"]
        if how == "option":
            args += ["--templates-dir", own.parent]
        else:
            monkeypatch.setenv("KIM_DOCS_TEMPLATES_DIR", str(own.parent))
        result = run(*args)
        assert result.exit_code == 0, result.output
        docx_file = next(out.glob("*.docx"))
        assert "Guten Tag aus der Eigenvorlage," in docx_paragraphs(docx_file.read_bytes())
        entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["dateien"][0]
        assert entry["vorlage"] == str(own.resolve())
        assert entry["vorlage_sha256"] == digest


# --- preview ----------------------------------------------------------------------------------------

@pytest.mark.libreoffice
@needs_soffice
def test_preview_makes_docx_pdf_and_pngs(tmp_path):
    out = tmp_path / "vorschau"
    result = run("templates", "preview", SHIPPED_TEMPLATES / "bescheid.docx", "--case", "kreis-musterland-2025",
                 "--case", "stadt-fehlerhaft-2025.yaml", "-o", out)
    assert result.exit_code == 0, result.output
    stem = "kreis-musterland-2025_bescheid"
    assert (out / f"{stem}.docx").is_file() and (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    pngs = sorted(out.glob(f"{stem}-*.png"))
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    assert f"✓ kreis-musterland-2025.yaml: {stem}.docx, {stem}.pdf + {len(pngs)} PNG" in result.output
    # the sample with Fehler has no Bescheid data: skipped, not failed
    assert ("– stadt-fehlerhaft-2025.yaml: übersprungen: der Fall enthält die Angaben für Zuwendungsbescheid "
            "(Anlage 2) nicht") in result.output


@pytest.mark.libreoffice
@needs_soffice
def test_preview_draft_for_sample_with_fehler(tmp_path):
    out = tmp_path / "vorschau"
    result = run("templates", "preview", SHIPPED_TEMPLATES / "antrag.docx", "--case", "stadt-fehlerhaft-2025",
                 "-o", out)
    assert result.exit_code == 0, result.output
    text = "\n".join(docx_paragraphs((out / "stadt-fehlerhaft-2025_antrag.docx").read_bytes()))
    assert "ENTWURF – nicht zur Versendung" in text
    assert list(out.glob("stadt-fehlerhaft-2025_antrag-*.png"))


def test_preview_needs_document_kind(tmp_path):
    odd = tmp_path / "vorlage.docx"
    shutil.copy(SHIPPED_TEMPLATES / "antrag.docx", odd)
    result = run("templates", "preview", odd, "-o", tmp_path / "v")
    assert result.exit_code == 1
    assert "bitte --dokument angeben" in result.output
