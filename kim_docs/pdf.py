"""DOCX → archival PDF (PDF/A-2b, tagged), deterministic, with consistent metadata.

Two steps, kept apart so that the conversion engine can be swapped:

1. A :class:`Converter` turns DOCX files into PDF files. :class:`LibreOfficeConverter`
   feeds many documents to one headless ``soffice`` process per chunk (start-up costs
   about a second, a small document about 0.05 s), each process with a private profile.
2. :func:`finalize_pdf` rewrites the PDF with pypdf: document info and XMP agree (so the
   PDF/A claim stays true), ``/Lang``, and every byte that LibreOffice varies between
   runs (dates, ICC profile date, trailer ``/ID``, ``/DocChecksum``) is fixed or derived
   from the content, so the same DOCX gives the same PDF bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from .errors import ConversionError, KimDocsError
from .files import write_atomic

__all__ = [
    "Converter", "LibreOfficeConverter", "finalize_pdf", "pdf_text", "docx_to_pdf",
    "PDF_EXPORT_FILTER", "MISSING_SOFFICE",
]

MISSING_SOFFICE = "LibreOffice nicht gefunden: apt-get install libreoffice-writer-nogui"

# LibreOffice ignores the old "SelectPdfVersion=2" form silently; only the JSON form works.
# PDF/A-2 is also what makes LibreOffice embed every font (standard fonts included);
# "EmbedStandardFonts" is unknown to LibreOffice 7.4 (ignored there) and keeps newer
# versions from leaving the 14 standard fonts out should PDF/A ever be switched off.
_FILTER_DATA = {
    "SelectPdfVersion": {"type": "long", "value": "2"},
    "UseTaggedPDF": {"type": "boolean", "value": "true"},
    "EmbedStandardFonts": {"type": "boolean", "value": "true"},
}
PDF_EXPORT_FILTER = "pdf:writer_pdf_Export:" + json.dumps(_FILTER_DATA, separators=(",", ":"))


class Converter(Protocol):
    """Turns DOCX files into PDF files in ``out_dir`` (like an httpx transport).

    Returns the PDF paths in the order of ``docx_paths``; raises :class:`ConversionError`.
    A remote service only needs to implement this one method.
    """

    def convert(self, docx_paths: list[Path], out_dir: Path) -> list[Path]: ...


# --------------------------------------------------------------------------- LibreOffice


class LibreOfficeConverter:
    """Converts DOCX → PDF/A-2b with headless LibreOffice, many documents per process.

    ``timeout`` is the limit in seconds for one ``soffice`` process (one chunk of at most
    ``max_docs_per_process`` documents). Safe to use from several threads or worker
    processes at once: every process gets its own profile and output folder.
    """

    def __init__(
        self,
        timeout: float = 120.0,
        max_docs_per_process: int = 50,
        binary: str = "soffice",
    ) -> None:
        if max_docs_per_process < 1:
            raise ValueError("max_docs_per_process must be >= 1")
        self.timeout = timeout
        self.max_docs_per_process = max_docs_per_process
        self.binary = binary

    def convert(self, docx_paths: list[Path], out_dir: Path) -> list[Path]:
        docx_paths = [Path(p).resolve() for p in docx_paths]
        out_dir = Path(out_dir)
        soffice = shutil.which(self.binary)
        if soffice is None:
            raise ConversionError(MISSING_SOFFICE)
        _check_inputs(docx_paths)
        out_dir.mkdir(parents=True, exist_ok=True)
        # LibreOffice writes into a private folder; only complete PDFs are moved out,
        # so an error (or a kill) never leaves a partial file in out_dir.
        staging = Path(tempfile.mkdtemp(prefix=".kim-pdf-", dir=out_dir))
        try:
            for chunk in _chunks(docx_paths, self.max_docs_per_process):
                self._run(soffice, chunk, staging)
            return _move_into([_checked_pdf(staging, p) for p in docx_paths], out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _run(self, soffice: str, chunk: list[Path], out_dir: Path) -> None:
        profile = Path(tempfile.mkdtemp(prefix="kim-lo-profile-")).resolve()
        cmd = [
            soffice, f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--norestore", "--nolockcheck",
            "--convert-to", PDF_EXPORT_FILTER, "--outdir", str(out_dir),
            *map(str, chunk),
        ]
        try:
            _run_group(cmd, self.timeout, chunk)
        finally:
            shutil.rmtree(profile, ignore_errors=True)


def _run_group(cmd: list[str], timeout: float, chunk: list[Path]) -> None:
    """Runs soffice in its own process group; on a hang the whole group is killed
    (the ``soffice`` script starts ``oosplash`` and ``soffice.bin`` below it)."""
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ConversionError(
            f"LibreOffice hat nach {timeout:g} s nicht geantwortet und wurde beendet; "
            f"nicht umgewandelt: {_names(chunk)}"
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip()[-500:]
        raise ConversionError(
            f"LibreOffice ist mit Code {proc.returncode} abgebrochen "
            f"({_names(chunk)}){': ' + detail if detail else ''}"
        )


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _check_inputs(docx_paths: list[Path]) -> None:
    for p in docx_paths:
        if not p.is_file():
            raise ConversionError("DOCX-Datei nicht gefunden", datei=str(p))
    seen: dict[str, Path] = {}
    for p in docx_paths:
        other = seen.setdefault(p.stem + ".pdf", p)
        if other != p:
            raise ConversionError(
                f"{other.name} und {p} ergeben dieselbe PDF-Datei {p.stem}.pdf"
            )


def _move_into(files: list[Path], folder: Path) -> list[Path]:
    """Finished files from a private staging folder into `folder` (rename: never half there)."""
    targets = [folder / f.name for f in files]
    for src, dst in zip(files, targets):
        os.replace(src, dst)
    return targets


def _chunks(items: list[Path], size: int) -> list[list[Path]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _checked_pdf(folder: Path, docx: Path) -> Path:
    pdf = folder / (docx.stem + ".pdf")
    if not pdf.is_file():
        raise ConversionError("LibreOffice hat keine PDF-Datei erzeugt", datei=str(docx))
    with pdf.open("rb") as handle:
        head = handle.read(5)
    if head != b"%PDF-":
        raise ConversionError("LibreOffice hat eine leere oder defekte PDF-Datei erzeugt",
                              datei=str(docx))
    return pdf


def _names(paths: Sequence[Path]) -> str:
    return ", ".join(p.name for p in paths)


# --------------------------------------------------------------------------- finalize

# Same-length placeholders, replaced in the written bytes by values derived from them.
_ID_PLACEHOLDER = b"\x00" * 16
_DOC_ID_PLACEHOLDER = "uuid:00000000-0000-4000-8000-000000000000"
_INSTANCE_ID_PLACEHOLDER = "uuid:11111111-1111-4111-8111-111111111111"
_BERLIN = "Europe/Berlin"


def finalize_pdf(
    pdf_path: str | os.PathLike,
    *,
    title: str,
    subject: str,
    author: str,
    keywords: str | Sequence[str],
    language: str = "de-DE",
    date: dt.date | dt.datetime,
    creator: str = "kim-docs",
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> Path:
    """Sets Info and XMP metadata (consistent, PDF/A-2b), ``/Lang``, fixed dates and
    content-derived IDs; rewrites ``pdf_path`` atomically. Returns the path.

    ``attachments`` (name, data, MIME type) are embedded as associated files with
    ``/AFRelationship /Data``; the document then declares PDF/A-3b, the part of PDF/A
    that allows embedded files of any kind.

    A ``date`` without time means midnight, a naive datetime local time, both in
    Europe/Berlin. Same input PDF content + same arguments → same bytes.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError
    from pypdf.generic import TextStringObject

    path = Path(pdf_path)
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",") if k.strip()]
    when = _aware(date)
    try:
        reader = PdfReader(path)
        writer = PdfWriter(clone_from=reader)
    except (OSError, PdfReadError) as exc:
        raise ConversionError(f"PDF-Datei nicht lesbar: {exc}", datei=str(path)) from exc
    # pypdf would write %PDF-1.3; keep the version LibreOffice chose for PDF/A-2.
    writer.pdf_header = reader.pdf_header
    producer = _producer(writer)
    meta = _Meta(title, subject, author, list(keywords), language, when, creator, producer)
    if attachments:
        meta.part = 3
        for name, data, mime in attachments:
            _embed(writer, name, data, mime, when)
    _set_info(writer, meta)
    _set_xmp(writer, meta)
    writer.root_object[_name("/Lang")] = TextStringObject(language)
    _fix_icc_dates(writer, when)
    writer._ID = _placeholder_id()  # pypdf has no public setter; otherwise random
    write_atomic(path, _with_derived_ids(writer))
    return path


class _Meta:
    def __init__(self, title, subject, author, keywords, language, when, creator, producer):
        self.title, self.subject, self.author = title, subject, author
        self.keywords, self.language, self.when = keywords, language, when
        self.creator, self.producer = creator, producer
        self.part = 2


def _embed(writer, name: str, data: bytes, mime: str, when: dt.datetime) -> None:
    """An associated file (PDF/A-3: /AF in the catalog, /AFRelationship, MIME, dates)."""
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    embedded = writer.add_attachment(name, data)
    embedded.subtype = NameObject("/" + mime)
    embedded.associated_file_relationship = NameObject("/Data")
    embedded.modification_date = when
    embedded.creation_date = when
    embedded.description = TextStringObject("Falldaten (kim-docs)")
    embedded.pdf_object[NameObject("/UF")] = TextStringObject(name)
    af = writer.root_object.get("/AF")
    if af is None:
        af = ArrayObject()
        writer.root_object[NameObject("/AF")] = af
    af.append(embedded.pdf_object.indirect_reference)


def _aware(value: dt.date | dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=_berlin())
    return value.replace(microsecond=0)


def _berlin() -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(_BERLIN)
    except ZoneInfoNotFoundError:
        raise KimDocsError("Zeitzonendaten fehlen: apt-get install tzdata") from None


def _producer(writer) -> str:
    # Keep the engine's name (e.g. "LibreOffice 7.4"): a PDF/A file should say what
    # produced it; pypdf only rewrote the structure.
    from pypdf import __version__ as pypdf_version

    ours = f"pypdf {pypdf_version}"
    base = str((writer.metadata or {}).get("/Producer", "")).strip()
    if not base or base.startswith("pypdf"):
        return ours
    # finalize_pdf may run again on its own output: do not append twice
    return base if base.endswith("; " + ours) else f"{base}; {ours}"


def _pdf_date(when: dt.datetime) -> str:
    off = _offset_minutes(when)
    sign = "+" if off >= 0 else "-"
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{abs(off) // 60:02d}'{abs(off) % 60:02d}'"


def _xmp_date(when: dt.datetime) -> str:
    return when.isoformat(timespec="seconds")


def _offset_minutes(when: dt.datetime) -> int:
    return int(when.utcoffset().total_seconds() // 60)


def _set_info(writer, m: _Meta) -> None:
    # Replaced as a whole (the setter clears first) so that nothing LibreOffice put
    # there (its own creation date, DOCX core properties) contradicts the XMP.
    writer.metadata = {
        "/Title": m.title,
        "/Subject": m.subject,
        "/Author": m.author,
        "/Keywords": ", ".join(m.keywords),
        "/Creator": m.creator,
        "/Producer": m.producer,
        "/CreationDate": _pdf_date(m.when),
        "/ModDate": _pdf_date(m.when),
    }


def _set_xmp(writer, m: _Meta) -> None:
    from pypdf.generic import DecodedStreamObject

    # Unfiltered, so that PDF/A readers can read the packet without decoding.
    stream = DecodedStreamObject()
    stream[_name("/Type")] = _name("/Metadata")
    stream[_name("/Subtype")] = _name("/XML")
    stream.set_data(_xmp_packet(m).encode("utf-8"))
    old = writer.root_object.raw_get("/Metadata") if "/Metadata" in writer.root_object else None
    if hasattr(old, "idnum"):
        # Replaced in place: an orphaned LibreOffice packet (with its run-time date)
        # would still be written by pypdf.
        writer._replace_object(old, stream)
    else:
        writer.root_object[_name("/Metadata")] = writer._add_object(stream)


def _xmp_packet(m: _Meta) -> str:
    e = escape
    subjects = "".join(f"<rdf:li>{e(k)}</rdf:li>" for k in m.keywords)
    date = _xmp_date(m.when)
    body = f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
   <pdfaid:part>{m.part}</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(m.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(m.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(m.subject)}</rdf:li></rdf:Alt></dc:description>
   <dc:subject><rdf:Bag>{subjects}</rdf:Bag></dc:subject>
   <dc:language><rdf:Bag><rdf:li>{e(m.language)}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{e(", ".join(m.keywords))}</pdf:Keywords>
   <pdf:Producer>{e(m.producer)}</pdf:Producer>
   <xmp:CreatorTool>{e(m.creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
   <xmpMM:DocumentID>{_DOC_ID_PLACEHOLDER}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{_INSTANCE_ID_PLACEHOLDER}</xmpMM:InstanceID>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""
    # Padding lets other tools (e.g. a signer) edit the packet in place.
    padding = (" " * 99 + "\n") * 20
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            f'{body}\n{padding}<?xpacket end="w"?>')


def _fix_icc_dates(writer, when: dt.datetime) -> None:
    """LibreOffice builds its sRGB output intent at export time, with the current time in
    the ICC header (bytes 24–35). The profile ID (bytes 84–99) is zero, so the date can
    be set without invalidating a checksum."""
    utc = when.astimezone(dt.UTC)
    stamp = struct.pack(">6H", utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)
    for intent in writer.root_object.get("/OutputIntents", []):
        profile = intent.get_object().get("/DestOutputProfile")
        if profile is None:
            continue
        stream = profile.get_object()
        data = stream.get_data()
        if len(data) >= 128 and data[36:40] == b"acsp" and data[24:36] != stamp:
            stream.set_data(data[:24] + stamp + data[36:])


def _placeholder_id():
    from pypdf.generic import ArrayObject, ByteStringObject

    return ArrayObject([ByteStringObject(_ID_PLACEHOLDER), ByteStringObject(_ID_PLACEHOLDER)])


def _with_derived_ids(writer) -> bytes:
    """Writes once with placeholders, hashes those bytes, then puts the hash-derived
    IDs in place. The replacements have the placeholders' length, so xref offsets stay."""
    import io

    buf = io.BytesIO()
    writer.write(buf)
    data = buf.getvalue()
    digest = hashlib.sha256(data).digest()
    doc_id = f"uuid:{uuid.UUID(bytes=digest[:16], version=4)}"
    instance_id = f"uuid:{uuid.UUID(bytes=digest[16:], version=4)}"
    data = _replace_once(data, _DOC_ID_PLACEHOLDER.encode(), doc_id.encode())
    data = _replace_once(data, _INSTANCE_ID_PLACEHOLDER.encode(), instance_id.encode())
    old_id = b"<" + _ID_PLACEHOLDER.hex().encode() + b">"
    new_id = b"<" + digest[:16].hex().encode() + b">"
    trailer = data.rfind(b"trailer")
    if trailer < 0 or data.count(old_id, trailer) != 2:
        raise ConversionError("PDF-Kennung (/ID) konnte nicht gesetzt werden")
    return data[:trailer] + data[trailer:].replace(old_id, new_id)


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    if len(old) != len(new) or data.count(old) != 1:
        raise ConversionError("XMP-Kennung konnte nicht gesetzt werden")
    return data.replace(old, new)


def _name(value: str):
    from pypdf.generic import NameObject

    return NameObject(value)


# --------------------------------------------------------------------------- read back


_OUTPUT_INTENTS = re.compile(rb"/OutputIntents\s*\[[^\]]*\]")


def pdf_text(pdf_path: str | os.PathLike) -> str:
    """Text of the PDF for read-back checks (pdftotext if installed, else pypdf).

    poppler spends most of its time on the PDF/A colour profile (about 0.2 s of 0.21 s
    per Bescheid), which text extraction does not need: pdftotext gets a copy in memory
    whose /OutputIntents entry is blanked with spaces of the same length, so every
    offset stays valid. The file itself is not touched.
    """
    path = Path(pdf_path)
    tool = shutil.which("pdftotext")
    if tool:
        data = path.read_bytes()
        blanked = _OUTPUT_INTENTS.sub(lambda m: b" " * len(m.group(0)), data, count=1)
        done = subprocess.run([tool, "-enc", "UTF-8", "-layout", "fd://0", "-"], input=blanked,
                              capture_output=True, timeout=60)
        if done.returncode == 0:
            return done.stdout.decode("utf-8", "replace")
        raise ConversionError(
            f"Text nicht lesbar: {done.stderr.decode('utf-8', 'replace').strip()}",
            datei=str(path),
        )
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


# --------------------------------------------------------------------------- together


def docx_to_pdf(
    docx_paths: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    metadata: list[dict],
    converter: Converter | None = None,
) -> list[Path]:
    """Converts and finalizes; ``metadata[i]`` holds the keyword arguments of
    :func:`finalize_pdf` for ``docx_paths[i]`` (title, subject, author, keywords, date,
    optionally language, creator). Only finished PDFs ever appear in ``out_dir``."""
    paths = [Path(p) for p in docx_paths]
    if len(paths) != len(metadata):
        raise ValueError("docx_paths and metadata must have the same length")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    converter = converter or LibreOfficeConverter()
    staging = Path(tempfile.mkdtemp(prefix=".kim-pdf-final-", dir=out))
    try:
        pdfs = converter.convert(paths, staging)
        for pdf, meta in zip(pdfs, metadata):
            finalize_pdf(pdf, **meta)
        return _move_into(pdfs, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
