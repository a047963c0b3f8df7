"""DOCX → PDF/A-2b: LibreOffice conversion, metadata, determinism, errors."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import struct
import subprocess
import time
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader, PdfWriter

from kim_docs.pdf import convert as kconvert
from kim_docs.errors import ConversionError
from kim_docs.pdf import LibreOfficeConverter, docx_to_pdf, finalize_pdf, pdf_text

HAVE_SOFFICE = shutil.which("soffice") is not None
_skip_without_soffice = pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice (soffice) fehlt")


def needs_soffice(test):
    """For tests that convert with the real soffice: skipped without it, and marked
    `libreoffice` so that `make test-fast` leaves them out."""
    return pytest.mark.libreoffice(_skip_without_soffice(test))


TEXT = "„Zuwendungsbescheid“ für den Kreis Größenwahn: äöüß ÄÖÜ 1.234,56 €"
META = {
    "title": "Zuwendungsbescheid KIM 2025 – Kreis Musterland",
    "subject": "Kommunales Integrationsmanagement NRW",
    "author": "Bezirksregierung Arnsberg",
    "keywords": ["KIM", "Zuwendungsbescheid", "Köln"],
    "date": dt.date(2025, 3, 14),
}


def make_docx(path: Path, extra: str = "") -> Path:
    doc = Document()
    doc.add_heading("Zuwendungsbescheid", level=1)
    doc.add_paragraph(TEXT + extra)
    for font in ("Arial", "Times New Roman", "Courier New", "Calibri"):
        doc.add_paragraph().add_run(f"{font}: Straße, Maß, €").font.name = font
    table = doc.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    for row, (label, value) in enumerate([("Posten", "Betrag"), ("Personal", "12.000,00 €"),
                                          ("Sachkosten", "1.500,50 €")]):
        table.cell(row, 0).text = label
        table.cell(row, 1).text = value
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    """Three documents, converted and finalized in one soffice process."""
    if not HAVE_SOFFICE:
        pytest.skip("LibreOffice (soffice) fehlt")
    src = tmp_path_factory.mktemp("docx")
    docs = [make_docx(src / f"bescheid_{i}.docx", extra=f" Nr. {i}") for i in range(3)]
    out = tmp_path_factory.mktemp("pdf")
    pdfs = docx_to_pdf(docs, out, [META] * 3)
    return {p.stem: p for p in pdfs}


@pytest.fixture
def first(converted) -> Path:
    return converted["bescheid_0"]


def xmp_text(path: Path) -> str:
    return PdfReader(path).xmp_metadata.stream.get_data().decode("utf-8")


# --------------------------------------------------------------------------- PDF/A


@needs_soffice
def test_xmp_claims_pdfa_2b(first):
    xmp = PdfReader(first).xmp_metadata
    assert xmp.pdfaid_part == "2"
    assert xmp.pdfaid_conformance == "B"
    assert "<pdfaid:part>2</pdfaid:part>" in xmp_text(first)


@needs_soffice
def test_info_and_xmp_agree(first):
    reader = PdfReader(first)
    info, xmp = reader.metadata, reader.xmp_metadata
    assert info.title == META["title"] == xmp.dc_title["x-default"]
    assert info.author == META["author"] == xmp.dc_creator[0]
    assert info.subject == META["subject"] == xmp.dc_description["x-default"]
    assert info["/Keywords"] == "KIM, Zuwendungsbescheid, Köln" == xmp.pdf_keywords
    assert info.creator == "kim-docs" == xmp.xmp_creator_tool
    assert info.producer == xmp.pdf_producer
    assert info.producer.startswith("LibreOffice")
    assert info["/CreationDate"] == "D:20250314000000+01'00'" == info["/ModDate"]
    assert "<xmp:CreateDate>2025-03-14T00:00:00+01:00</xmp:CreateDate>" in xmp_text(first)
    assert info.creation_date == xmp.xmp_create_date.replace(tzinfo=dt.timezone.utc)
    assert info.modification_date == xmp.xmp_modify_date.replace(tzinfo=dt.timezone.utc)


@needs_soffice
def test_ids_are_derived_and_consistent(first):
    reader = PdfReader(first)
    xmp = reader.xmp_metadata
    ids = reader.trailer["/ID"]
    assert ids[0] == ids[1] and len(ids[0]) == 16
    assert ids[0] != b"\x00" * 16
    assert re.fullmatch(r"uuid:[0-9a-f-]{36}", xmp.xmpmm_document_id)
    assert xmp.xmpmm_document_id != xmp.xmpmm_instance_id
    assert "/DocChecksum" not in reader.trailer


@needs_soffice
def test_catalog_language_and_structure_tree(first):
    root = PdfReader(first).trailer["/Root"]
    assert root["/Lang"] == "de-DE"
    assert bool(root["/MarkInfo"]["/Marked"])
    tags = set()

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/S" in node:
                tags.add(node["/S"])
            kids = node.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert {"/Document", "/H1", "/Table", "/TR", "/TD"} <= tags


@needs_soffice
def test_output_intent_icc_date_is_fixed(first):
    intent = PdfReader(first).trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    header = intent["/DestOutputProfile"].get_object().get_data()[:128]
    assert struct.unpack(">6H", header[24:36]) == (2025, 3, 13, 23, 0, 0)  # 14.3. 00:00 MEZ


@needs_soffice
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils fehlen")
def test_all_fonts_embedded(first):
    out = subprocess.run(["pdffonts", str(first)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    rows = out[2:]
    assert len(rows) >= 4, out  # Carlito, Liberation Sans/Serif/Mono at least
    header = out[0]
    emb = header.index("emb")
    for row in rows:
        assert row[emb:emb + 3] == "yes", row
    names = " ".join(rows)
    for family in ("LiberationSans", "LiberationSerif", "LiberationMono", "Carlito"):
        assert family in names


@needs_soffice
def test_text_reads_back_with_umlauts_and_euro(first):
    text = pdf_text(first)
    for word in ("Zuwendungsbescheid", "Größenwahn", "äöüß", "ÄÖÜ", "€", "Straße",
                 "12.000,00", "„Zuwendungsbescheid“", "Nr. 0"):
        assert word in text, word


# --------------------------------------------------------------------------- determinism


@needs_soffice
def test_same_docx_gives_identical_bytes(tmp_path):
    docx = make_docx(tmp_path / "bescheid.docx")
    raw1, raw2 = tmp_path / "raw1", tmp_path / "raw2"
    converter = LibreOfficeConverter()
    first_raw = converter.convert([docx], raw1)[0].read_bytes()
    time.sleep(1.1)  # LibreOffice stamps the second into several places
    second_raw = converter.convert([docx], raw2)[0].read_bytes()
    assert first_raw != second_raw  # so the test below proves something

    a = docx_to_pdf([docx], tmp_path / "a", [META])[0].read_bytes()
    time.sleep(1.1)
    b = docx_to_pdf([docx], tmp_path / "b", [META])[0].read_bytes()
    assert a == b


def test_finalize_is_deterministic(tmp_path):
    paths = [blank_pdf(tmp_path / name) for name in ("a.pdf", "b.pdf", "c.pdf")]
    for path in paths[:2]:
        finalize_pdf(path, **META)
    finalize_pdf(paths[2], **{**META, "title": "Anderer Titel"})
    a, b, c = (p.read_bytes() for p in paths)
    assert a == b
    assert a != c
    assert PdfReader(paths[0]).xmp_metadata.xmpmm_document_id != \
        PdfReader(paths[2]).xmp_metadata.xmpmm_document_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf", "c.pdf"]
    assert stat.S_IMODE(paths[0].stat().st_mode) == 0o644


def test_finalize_datetime_and_escaping(tmp_path):
    path = blank_pdf(tmp_path / "x.pdf")
    when = dt.datetime(2025, 7, 1, 9, 30, tzinfo=dt.timezone.utc)
    finalize_pdf(path, title="A & B <C>", subject="S", author="Ä", keywords="x, y",
                 date=when, language="de-DE")
    reader = PdfReader(path)
    assert reader.metadata["/CreationDate"] == "D:20250701093000+00'00'"
    assert reader.xmp_metadata.dc_title["x-default"] == "A & B <C>"
    assert reader.xmp_metadata.pdf_keywords == "x, y"
    assert reader.metadata["/Keywords"] == "x, y"


def test_finalize_rejects_non_pdf(tmp_path):
    bad = tmp_path / "kaputt.pdf"
    bad.write_bytes(b"kein PDF")
    with pytest.raises(ConversionError) as err:
        finalize_pdf(bad, **META)
    assert err.value.meldung.startswith("PDF-Datei nicht lesbar")
    assert bad.read_bytes() == b"kein PDF"


def blank_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


# --------------------------------------------------------------------------- batching


@needs_soffice
def test_several_documents_per_process(tmp_path, monkeypatch):
    calls: list[int] = []
    real = kconvert._run_group

    def counting(cmd, timeout, chunk, env=None):
        calls.append(len(chunk))
        return real(cmd, timeout, chunk, env)

    monkeypatch.setattr(kconvert, "_run_group", counting)
    docs = [make_docx(tmp_path / f"d{i}.docx", extra=f" Dokument {i}") for i in range(5)]
    pdfs = LibreOfficeConverter(max_docs_per_process=3).convert(docs, tmp_path / "out")
    assert calls == [3, 2]
    assert [p.name for p in pdfs] == [f"d{i}.pdf" for i in range(5)]
    for i, p in enumerate(pdfs):
        assert f"Dokument {i}" in pdf_text(p)
    assert sorted(x.name for x in (tmp_path / "out").iterdir()) == [f"d{i}.pdf" for i in range(5)]


def test_custom_converter_plugs_in(tmp_path):
    class Copying:
        def convert(self, docx_paths, out_dir):
            return [blank_pdf(out_dir / (p.stem + ".pdf")) for p in docx_paths]

    docx = tmp_path / "a.docx"
    docx.write_bytes(b"")
    [out] = docx_to_pdf([docx], tmp_path / "out", [META], converter=Copying())
    assert out == tmp_path / "out" / "a.pdf"
    assert PdfReader(out).metadata.title == META["title"]
    assert os.listdir(tmp_path / "out") == ["a.pdf"]


def test_failing_converter_leaves_nothing(tmp_path):
    class Broken:
        def convert(self, docx_paths, out_dir):
            blank_pdf(out_dir / "halb.pdf")
            raise ConversionError("kaputt")

    with pytest.raises(ConversionError):
        docx_to_pdf([tmp_path / "a.docx"], tmp_path / "out", [META], converter=Broken())
    assert os.listdir(tmp_path / "out") == []


def test_metadata_must_match_documents(tmp_path):
    with pytest.raises(ValueError):
        docx_to_pdf([tmp_path / "a.docx"], tmp_path, [])


# --------------------------------------------------------------------------- errors


def test_missing_soffice_binary(tmp_path):
    docx = make_docx(tmp_path / "a.docx")
    with pytest.raises(ConversionError) as err:
        LibreOfficeConverter(binary="soffice-gibt-es-nicht").convert([docx], tmp_path / "out")
    assert str(err.value) == "LibreOffice nicht gefunden: apt-get install libreoffice-writer-nogui"


def test_missing_soffice_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "leer"))
    docx = make_docx(tmp_path / "a.docx")
    with pytest.raises(ConversionError) as err:
        docx_to_pdf([docx], tmp_path / "out", [META])
    assert str(err.value) == "LibreOffice nicht gefunden: apt-get install libreoffice-writer-nogui"
    assert err.value.exit_code == 1
    assert os.listdir(tmp_path / "out") == []


def fake_soffice(tmp_path: Path, body: str) -> str:
    """A stand-in for soffice: finds --outdir, then runs ``body`` (sh)."""
    script = tmp_path / "fake-soffice"
    script.write_text(
        "#!/bin/sh\n"
        'while [ $# -gt 0 ]; do [ "$1" = --outdir ] && OUT="$2"; shift; done\n'
        + body + "\n"
    )
    script.chmod(0o755)
    return str(script)


def test_timeout_kills_process_group_and_leaves_nothing(tmp_path):
    # writes a partial PDF, starts a grandchild, then hangs
    marker = f"kim-test-{os.getpid()}-{tmp_path.name}"
    binary = fake_soffice(
        tmp_path,
        f'printf "%%PDF-1.6 halb" > "$OUT/a.pdf"\n(exec -a {marker} sleep 30) &\nsleep 30',
    )
    docs = [make_docx(tmp_path / "a.docx"), make_docx(tmp_path / "b.docx")]
    started = time.monotonic()
    with pytest.raises(ConversionError) as err:
        LibreOfficeConverter(timeout=0.5, binary=binary).convert(docs, tmp_path / "out")
    assert time.monotonic() - started < 10
    assert str(err.value) == (
        "LibreOffice hat nach 0.5 s nicht geantwortet und wurde beendet; "
        "nicht umgewandelt: a.docx, b.docx"
    )
    assert os.listdir(tmp_path / "out") == []
    assert not _processes_named(marker)


@needs_soffice
def test_tiny_timeout_with_real_soffice(tmp_path):
    docx = make_docx(tmp_path / "a.docx")
    with pytest.raises(ConversionError) as err:
        LibreOfficeConverter(timeout=0.01).convert([docx], tmp_path / "out")
    assert str(err.value) == (
        "LibreOffice hat nach 0.01 s nicht geantwortet und wurde beendet; "
        "nicht umgewandelt: a.docx"
    )
    assert os.listdir(tmp_path / "out") == []


def _processes_named(marker: str) -> list[str]:
    deadline = time.monotonic() + 5
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            try:
                if marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(proc.name)
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_no_output_is_reported_per_file(tmp_path):
    binary = fake_soffice(tmp_path, 'printf "%%PDF-1.6 ok" > "$OUT/a.pdf"')
    docs = [make_docx(tmp_path / "a.docx"), make_docx(tmp_path / "b.docx")]
    with pytest.raises(ConversionError) as err:
        LibreOfficeConverter(binary=binary).convert(docs, tmp_path / "out")
    assert err.value.meldung == "LibreOffice hat keine PDF-Datei erzeugt"
    assert err.value.datei == str((tmp_path / "b.docx").resolve())
    assert os.listdir(tmp_path / "out") == []


def test_empty_output_is_an_error(tmp_path):
    binary = fake_soffice(tmp_path, ': > "$OUT/a.pdf"')
    docx = make_docx(tmp_path / "a.docx")
    with pytest.raises(ConversionError) as err:
        LibreOfficeConverter(binary=binary).convert([docx], tmp_path / "out")
    assert err.value.meldung == "LibreOffice hat eine leere oder defekte PDF-Datei erzeugt"


def test_exit_code_is_reported(tmp_path):
    binary = fake_soffice(tmp_path, 'echo "Fehler beim Laden" >&2; exit 3')
    docx = make_docx(tmp_path / "a.docx")
    with pytest.raises(ConversionError) as err:
        LibreOfficeConverter(binary=binary).convert([docx], tmp_path / "out")
    assert str(err.value) == "LibreOffice ist mit Code 3 abgebrochen (a.docx): Fehler beim Laden"


def test_missing_input_and_clashing_names(tmp_path):
    binary = fake_soffice(tmp_path, "exit 0")
    conv = LibreOfficeConverter(binary=binary)
    with pytest.raises(ConversionError) as err:
        conv.convert([tmp_path / "fehlt.docx"], tmp_path / "out")
    assert err.value.meldung == "DOCX-Datei nicht gefunden"
    (tmp_path / "x").mkdir()
    a, b = make_docx(tmp_path / "a.docx"), make_docx(tmp_path / "x" / "a.docx")
    with pytest.raises(ConversionError) as err:
        conv.convert([a, b], tmp_path / "out")
    assert str(err.value) == f"a.docx und {b.resolve()} ergeben dieselbe PDF-Datei a.pdf"


def test_filter_uses_json_form():
    assert kconvert.PDF_EXPORT_FILTER.startswith("pdf:writer_pdf_Export:{")
    assert '"SelectPdfVersion":{"type":"long","value":"2"}' in kconvert.PDF_EXPORT_FILTER
    assert '"UseTaggedPDF":{"type":"boolean","value":"true"}' in kconvert.PDF_EXPORT_FILTER
