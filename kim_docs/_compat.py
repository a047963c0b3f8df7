"""The one place that reaches into private or undocumented internals of other libraries.

Everything else in kim_docs uses the libraries' public API only. What is here has no
public equivalent (yet); when a library update breaks it, this is the file to fix, and
pyproject.toml caps the versions for that reason.

Checked against pypdf 7.1.1, pyHanko 0.38.0, pyhanko-certvalidator 0.33.0, docxtpl 0.20.2,
click 8.5.1 and the concurrent.futures of Python 3.11.

Third-party modules are imported inside the functions, so that importing this module
(and with it :mod:`kim_docs.pdf`) stays cheap.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, IndirectObject, PdfObject

__all__ = [
    "add_object",
    "bind_gettext",
    "cache_private_key",
    "consistent_metadata_writer_class",
    "docx_patcher",
    "patch_xml",
    "pool_processes",
    "replace_object",
    "resolve_listing",
    "set_file_id",
]


# --------------------------------------------------------------------------- docxtpl


def docx_patcher(docx: bytes = b"") -> Any:
    """A DocxTemplate used only for its XML preparation, not for rendering (kim-docs
    renders with its own sandboxed Jinja environment)."""
    import io

    from docxtpl import DocxTemplate

    return DocxTemplate(io.BytesIO(docx))


def patch_xml(patcher: Any, xml: str) -> str:
    """docxtpl's undocumented preparation of Word XML for Jinja: tags split across runs
    joined, `{%p`, `{%tr`, `{%tc`, `{%r` moved to their paragraph, row, cell or run."""
    return str(patcher.patch_xml(xml))


def resolve_listing(patcher: Any, xml: str) -> str:
    """docxtpl's undocumented turning of line breaks and tabs inside values into Word's."""
    return str(patcher.resolve_listing(xml))


# --------------------------------------------------------------------------- click


def bind_gettext(module: Any, translate: Any, translate_plural: Any) -> None:
    """Make a click module show its messages through `translate`: click looks its texts
    up by the module-level names `_` and `ngettext` (bound to gettext's), which it does
    not document. Only names still bound to gettext (or to ours) are replaced."""
    import gettext

    if getattr(module, "_", None) in (gettext.gettext, translate):
        module._ = translate
    if getattr(module, "ngettext", None) in (gettext.ngettext, translate_plural):
        module.ngettext = translate_plural


# --------------------------------------------------------------------------- concurrent.futures


def pool_processes(executor: Any) -> list[Any]:
    """The worker processes of a ProcessPoolExecutor, to stop them at once (Ctrl-C, kill).
    Python 3.11 has no public way; `_processes` is the pool's own mapping."""
    return list((getattr(executor, "_processes", None) or {}).values())


# --------------------------------------------------------------------------- pypdf


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """Adds ``obj`` as an indirect object. pypdf has no public method for this."""
    return writer._add_object(obj)


def replace_object(writer: PdfWriter, ref: IndirectObject, obj: PdfObject) -> None:
    """Puts ``obj`` in the place of the object ``ref`` points at, under the same number
    (an orphaned old object would still be written)."""
    writer._replace_object(ref, obj)


def set_file_id(writer: PdfWriter, file_id: ArrayObject) -> None:
    """Sets the trailer /ID; pypdf has no public setter and otherwise makes a random one."""
    writer._ID = file_id


# --------------------------------------------------------------------------- pyHanko


def consistent_metadata_writer_class() -> type:
    """pyHanko's IncrementalPdfFileWriter, with Info and XMP made to agree on every write.

    pyHanko appends "; pyHanko x" to Info /Producer but sets XMP pdf:Producer to
    "pyHanko x" alone, and takes the time twice; PDF/A wants both equal. Its hook for
    the metadata update, ``_update_meta``, is private.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class _ConsistentMetadataWriter(IncrementalPdfFileWriter):
        def _update_meta(self) -> None:
            super()._update_meta()
            _harmonise_metadata(self)

    return _ConsistentMetadataWriter


def _harmonise_metadata(writer: Any) -> None:
    """Info /ModDate and XMP pdf:Producer, xmp:ModifyDate set from one producer and time.

    Uses the writer's private ``_info`` and the private parts of MetadataStream
    (``_xmp``, ``_reserialise``, ``_encoded_data``).
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata import model, xmp_xml

    now = datetime.now(UTC).replace(microsecond=0)
    producer = model.VENDOR
    if writer._info is not None:
        info = writer._info.get_object()
        producer = str(info.get("/Producer", producer))
        if "/ModDate" in info:
            info["/ModDate"] = generic.pdf_date(now)
            writer.mark_update(writer._info)
    meta = writer.root.get("/Metadata")
    meta = meta.get_object() if meta is not None else None
    if isinstance(meta, xmp_xml.MetadataStream):
        fields = {k: v for root in meta.xmp for k, v in root}
        fields[model.PDF_PRODUCER] = model.XmpValue(producer)
        fields[model.XMP_MODDATE] = model.XmpValue(now.isoformat())
        # same steps as MetadataStream.update_xmp_with_meta, with our values
        meta._xmp = [model.XmpStructure(fields)]
        meta._reserialise()
        meta._encoded_data = None
        writer.update_container(meta)


def cache_private_key(signer: Any) -> Any:
    """SimpleSigner re-parses (and for RSA re-validates) the private key for every
    signature, ~70 ms; parse it once so signing many files stays fast.

    Swaps the signer's class for a subclass whose ``sign_raw`` uses the parsed key; it
    relies on how SimpleSigner picks the signature mechanism (``signature_algo``).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    base: Any = type(signer)

    class _CachedKeySigner(base):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algo = mechanism.signature_algo  # e.g. "rsassa_pkcs1v15"
            except ValueError:
                algo = mechanism["algorithm"].native
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if algo == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), hash_algo)
            if algo == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(hash_algo))
            return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's path

    signer.__class__ = _CachedKeySigner
    return signer
