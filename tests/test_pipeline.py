"""The one render pipeline `kim_docs.render_cases`: library first, converter pluggable."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfWriter

import kim_docs
from kim_docs.errors import ConversionError
from kim_docs.pipeline import CaseSource

from helpers import SAMPLES, make_case, write_case

HAS_SOFFICE = shutil.which("soffice") is not None


class BlankPdfConverter:
    """A converter without LibreOffice: one blank page per DOCX (enough for non-Bescheid kinds)."""

    def __init__(self, fail_for: str = "") -> None:
        self.fail_for = fail_for
        self.calls: list[list[str]] = []

    def convert(self, docx_paths: list[Path], out_dir: Path) -> list[Path]:
        self.calls.append([p.name for p in docx_paths])
        out_dir.mkdir(parents=True, exist_ok=True)
        if self.fail_for and any(self.fail_for in p.name for p in docx_paths):
            raise ConversionError(f"Testfehler bei {self.fail_for}")
        pdfs = []
        for docx in docx_paths:
            writer = PdfWriter()
            writer.add_blank_page(595, 842)
            pdf = out_dir / (docx.stem + ".pdf")
            with open(pdf, "wb") as handle:
                writer.write(handle)
            pdfs.append(pdf)
        return pdfs


def _two_cases(tmp_path: Path) -> list[Path]:
    first = write_case(tmp_path, make_case(), "soest.yaml")
    other = make_case(**{"antragsteller.name": "Kreis Olpe", "antragsteller.ags": "05966000"})
    return [first, write_case(tmp_path, other, "olpe.yaml")]


def test_render_cases_is_public_api_with_a_pluggable_converter(tmp_path):
    converter = BlankPdfConverter()
    options = kim_docs.RenderOptions(converter=converter)
    run = kim_docs.render_cases(_two_cases(tmp_path), "antrag", tmp_path / "aus", options)
    assert [p.name for p in run.files] == [
        "2025_Kreis-Test_Antrag.docx", "2025_Kreis-Test_Antrag.pdf",
        "2025_Kreis-Olpe_Antrag.docx", "2025_Kreis-Olpe_Antrag.pdf"]
    assert converter.calls and not run.failed
    manifest = json.loads((tmp_path / "aus" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["datei"] for e in manifest["dateien"]) == sorted(p.name for p in run.files)
    assert [p.name for p in (tmp_path / "aus").iterdir() if p.name.startswith(".")] == []


def test_a_failing_conversion_fails_only_its_case(tmp_path):
    options = kim_docs.RenderOptions(converter=BlankPdfConverter(fail_for="Olpe"))
    run = kim_docs.render_cases(_two_cases(tmp_path), "antrag", tmp_path / "aus", options)
    assert [r.source.name for r in run.failed] == [str(tmp_path / "olpe.yaml")]
    assert run.failed[0].fehler == "PDF-Erzeugung fehlgeschlagen: Testfehler bei Olpe"
    assert sorted(p.name for p in (tmp_path / "aus").iterdir()) == [
        "2025_Kreis-Test_Antrag.docx", "2025_Kreis-Test_Antrag.pdf", "manifest.json"]


def test_a_bescheid_pdf_without_its_clauses_is_never_published(tmp_path):
    """A blank PDF lacks the mandatory clauses: both Bescheide are refused, also the one
    converted in the same call after the first that failed the guard."""
    cases = [SAMPLES / "kreis-musterland-2025.yaml", SAMPLES / "kreis-soest-vakanz-2025.yaml"]
    run = kim_docs.render_cases(cases, "bescheid", tmp_path / "aus",
                                kim_docs.RenderOptions(converter=BlankPdfConverter()))
    assert [r.fehler.split(":")[0] for r in run.results] == ["PDF-Erzeugung fehlgeschlagen"] * 2
    assert all("Pflichtklauseln fehlen im PDF 2025_" in r.fehler for r in run.results)
    assert not run.files and not (tmp_path / "aus" / "manifest.json").exists()


def test_case_with_fehler_gets_no_document_and_names_its_findings(tmp_path):
    bad = write_case(tmp_path, make_case(**{"voraussetzungen.ki_betrieb": False}))
    run = kim_docs.render_cases([bad], "antrag", tmp_path / "aus",
                                kim_docs.RenderOptions(formats=("docx",)))
    [result] = run.failed
    assert result.fehler == "Fehler – kein Dokument erstellt"
    assert [(b.nr, b.feld) for b in result.befunde] == [("4 a", "voraussetzungen.ki_betrieb")]
    assert sorted(p.name for p in (tmp_path / "aus").iterdir()) == []


def test_parsed_case_and_unreadable_file(tmp_path):
    fall = kim_docs.load_case(write_case(tmp_path, make_case()))
    broken = tmp_path / "kaputt.yaml"
    broken.write_text("antragsteller: [\n", encoding="utf-8")
    run = kim_docs.render_cases([CaseSource(fall=fall, label="web-17"), broken], "antrag", tmp_path / "aus",
                                kim_docs.RenderOptions(formats=("docx",)))
    assert [p.name for p in run.files] == ["2025_Kreis-Test_Antrag.docx"]
    assert run.results[0].entries[0]["fall"] == "web-17"
    assert run.results[1].unreadable and "kaputt.yaml" in run.results[1].fehler


def test_foreign_file_is_not_overwritten_unless_asked(tmp_path):
    case = write_case(tmp_path, make_case())
    out = tmp_path / "aus"
    out.mkdir()
    foreign = out / "2025_Kreis-Test_Antrag.docx"
    foreign.write_bytes(b"von Hand")
    options = kim_docs.RenderOptions(formats=("docx",))
    run = kim_docs.render_cases([case], "antrag", out, options)
    assert run.failed[0].fehler == ("Datei 2025_Kreis-Test_Antrag.docx stammt nicht von kim-docs; sie wird nicht "
                                    "überschrieben (mit --overwrite ersetzen)")
    assert foreign.read_bytes() == b"von Hand"
    run = kim_docs.render_cases([case], "antrag", out, kim_docs.RenderOptions(formats=("docx",), overwrite=True))
    assert not run.failed and foreign.read_bytes().startswith(b"PK")


def test_rerender_as_pdf_only_keeps_the_earlier_docx_and_its_entry(tmp_path):
    case = write_case(tmp_path, make_case())
    out = tmp_path / "aus"
    kim_docs.render_cases([case], "antrag", out, kim_docs.RenderOptions(formats=("docx",)))
    docx = (out / "2025_Kreis-Test_Antrag.docx").read_bytes()
    kim_docs.render_cases([case], "antrag", out,
                          kim_docs.RenderOptions(formats=("pdf",), converter=BlankPdfConverter()))
    assert (out / "2025_Kreis-Test_Antrag.docx").read_bytes() == docx
    names = [e["datei"] for e in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["dateien"]]
    assert names == ["2025_Kreis-Test_Antrag.docx", "2025_Kreis-Test_Antrag.pdf"]


def test_same_recipient_and_year_twice_refuses_both(tmp_path):
    a = write_case(tmp_path, make_case(), "a.yaml")
    b = write_case(tmp_path, make_case(**{"antrag.sachausgaben": "100"}), "b.yml")
    run = kim_docs.render_cases([a, b], "antrag", tmp_path / "aus", kim_docs.RenderOptions(formats=("docx",)))
    assert len(run.failed) == 2 and not run.files
    assert [[b.code for b in r.befunde] for r in run.failed] == [["empfaenger_doppelt"], ["empfaenger_doppelt"]]
    assert "zweiten Fall (" in run.failed[0].befunde[0].meldung
    assert not (tmp_path / "aus" / "manifest.json").exists()


def test_unknown_kind_is_a_german_error(tmp_path):
    with pytest.raises(kim_docs.InputError, match="unbekannte Dokumentart bescheit"):
        kim_docs.render_cases([], "bescheit", tmp_path)
