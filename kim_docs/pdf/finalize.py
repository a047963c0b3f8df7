"""Finalizing a converted PDF: consistent PDF/A metadata and reproducible bytes.

:func:`finalize_pdf` rewrites the PDF with pypdf: document info and XMP agree (so the
PDF/A claim stays true), ``/Lang``, optional embedded files (PDF/A-3), and every byte
that LibreOffice varies between runs (dates, ICC profile date, trailer ``/ID``,
``/DocChecksum``) is fixed or derived from the content, so the same DOCX gives the same
PDF bytes. pypdf is imported inside the functions: importing :mod:`kim_docs.pdf` for
the converter alone stays cheap.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from kim_docs.errors import ConversionError, KimDocsError
from kim_docs.files import write_atomic

from .. import _compat

if TYPE_CHECKING:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject

__all__ = ["finalize_pdf"]

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
    _compat.set_file_id(writer, _placeholder_id())  # else pypdf makes a random one
    write_atomic(path, _with_derived_ids(writer))
    return path


@dataclass
class _Meta:
    title: str
    subject: str
    author: str
    keywords: list[str]
    language: str
    when: dt.datetime
    creator: str
    producer: str
    part: int = 2  # PDF/A part: 3 once files are embedded


def _embed(writer: PdfWriter, name: str, data: bytes, mime: str, when: dt.datetime) -> None:
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


def _producer(writer: PdfWriter) -> str:
    # Keep the engine's name (e.g. "LibreOffice 7.4"): a PDF/A file should say what
    # produced it; pypdf only rewrote the structure.
    from pypdf import __version__ as pypdf_version

    ours = f"pypdf {pypdf_version}"
    info = writer.metadata
    base = str(info.get("/Producer", "") if info is not None else "").strip()
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
    offset = when.utcoffset()  # never None: _aware() gave every date a zone
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _set_info(writer: PdfWriter, m: _Meta) -> None:
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


def _set_xmp(writer: PdfWriter, m: _Meta) -> None:
    from pypdf.generic import DecodedStreamObject, IndirectObject

    # Unfiltered, so that PDF/A readers can read the packet without decoding.
    stream = DecodedStreamObject()
    stream[_name("/Type")] = _name("/Metadata")
    stream[_name("/Subtype")] = _name("/XML")
    stream.set_data(_xmp_packet(m).encode("utf-8"))
    old = writer.root_object.raw_get("/Metadata") if "/Metadata" in writer.root_object else None
    if isinstance(old, IndirectObject):
        # Replaced in place: an orphaned LibreOffice packet (with its run-time date)
        # would still be written by pypdf.
        _compat.replace_object(writer, old, stream)
    else:
        writer.root_object[_name("/Metadata")] = _compat.add_object(writer, stream)


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


def _fix_icc_dates(writer: PdfWriter, when: dt.datetime) -> None:
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


def _placeholder_id() -> ArrayObject:
    from pypdf.generic import ArrayObject, ByteStringObject

    return ArrayObject([ByteStringObject(_ID_PLACEHOLDER), ByteStringObject(_ID_PLACEHOLDER)])


def _with_derived_ids(writer: PdfWriter) -> bytes:
    """Writes once with placeholders, hashes those bytes, then puts the hash-derived
    IDs in place. The replacements have the placeholders' length, so xref offsets stay."""
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


def _name(value: str) -> NameObject:
    from pypdf.generic import NameObject

    return NameObject(value)

