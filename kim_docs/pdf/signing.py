"""Electronic signatures for PDF files (PAdES baseline B) with pyHanko.

A signature is appended as an incremental update: earlier signatures stay valid and a
PDF/A file stays PDF/A (pyHanko rewrites /Producer and the XMP metadata on every
write; :func:`._compat.consistent_metadata_writer_class` makes both say the same, as
PDF/A requires).

By default the signature locks the form: an approval signature with a FieldMDP lock
(the signature field's /Lock) over every field the form has when it is signed;
signature fields added later stay free, so that further signatures remain possible.
``lock_fields=False`` leaves the fields open. (A certification signature, DocMDP, was
tried first: pyHanko then rejects a later visible signature's widget as a change that
only an approval permits.) :func:`verify` reports every change after a signature that is not a further
signature as not in order, and names the fields whose values changed (compared with
pypdf between the signed revision and the file as it is now).

This is an *advanced* electronic signature at most. The Richtlinie asks for the
hand-signed paper form; only a qualified signature (signature card) can replace the
written form (§ 3a VwVfG NRW). See docs/pdf-formulare-signatur.md.
"""
from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kim_docs.errors import InputError, KimDocsError
from kim_docs.files import read_bytes, write_atomic

from .. import _compat

__all__ = [
    "SignatureReport",
    "default_output",
    "load_pkcs11_signer",
    "load_signer",
    "sign",
    "verify",
]

STAMP_TEXT = "Elektronisch signiert von\n%(signer)s\nZeitpunkt: %(zeit)s"
BERLIN = ZoneInfo("Europe/Berlin")
# modification levels of pyHanko that are no change of the signed content
UNCHANGED_LEVELS = ("NONE", "LTA_UPDATES", "FORM_FILLING")

MODIFICATION_LABELS = {
    "NONE": "keine",
    "LTA_UPDATES": "nur Signatur-Validierungsdaten/Zeitstempel",
    "FORM_FILLING": "Formularfelder oder weitere Signaturen",
    "ANNOTATIONS": "Anmerkungen",
    "OTHER": "sonstige Änderungen",
}


@dataclass(frozen=True)
class SignatureReport:
    """Result of checking one embedded signature."""

    field_name: str
    signer: str | None
    signing_time: datetime | None
    intact: bool  # the hash over the signed byte ranges matches
    valid: bool  # the cryptographic signature over the signed attributes is valid
    trusted: bool  # the certificate chains to one of the given trust anchors
    covers_whole_file: bool  # no later revision exists
    modification_level: str  # German label of the later changes, see MODIFICATION_LABELS
    changes_permitted: bool  # later changes (if any) are further signatures only
    problem: str | None = None
    changed_fields: tuple[str, ...] = ()  # fields whose value changed after this signature

    @property
    def changed_after_signing(self) -> bool:
        return not self.covers_whole_file

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.changes_permitted


# --------------------------------------------------------------------------- signers


def load_signer(p12_path: str | os.PathLike, password: bytes | None) -> Any:
    """Load key and certificate chain from a PKCS#12 file once (pyHanko SimpleSigner)."""
    from pyhanko.sign.signers import SimpleSigner

    path = Path(p12_path)
    data = read_bytes(path, "Zertifikatsdatei")
    try:
        signer = SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=password)
    except ValueError:
        raise InputError(
            "Zertifikat kann nicht geladen werden: Passwort falsch oder keine PKCS#12-Datei.",
            datei=str(path),
        ) from None
    if signer.signing_cert is None or signer.signing_key is None:
        raise InputError("PKCS#12-Datei enthält keinen privaten Schlüssel mit Zertifikat.", datei=str(path))
    return _compat.cache_private_key(signer)


def load_pkcs11_signer(
    lib_path: str | os.PathLike,
    *,
    token_label: str,
    user_pin: str | None,
    key_label: str | None = None,
    cert_label: str | None = None,
) -> Any:
    """Signer on a PKCS#11 token (smart card / signature card), found by its label.

    Needs python-pkcs11 (installed with kim-docs as ``pyHanko[pkcs11]``) and the card
    vendor's PKCS#11 module. The session stays open for the life of the process.
    With ``user_pin=None`` the token's PIN pad is used (protected authentication path).
    The certificate is looked up by ``cert_label``, else by ``key_label``.
    Tested with SoftHSM (tests/test_signing.py).
    """
    try:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as hanko_pkcs11
    except ImportError:
        raise KimDocsError(
            "Signatur mit Signaturkarte braucht das Python-Paket python-pkcs11 (pip install python-pkcs11)."
        ) from None
    try:
        session = hanko_pkcs11.open_pkcs11_session(
            str(lib_path),
            token_criteria=TokenCriteria(label=token_label),
            user_pin=user_pin or hanko_pkcs11.PROTECTED_AUTH,
        )
        return hanko_pkcs11.PKCS11Signer(session, key_label=key_label, cert_label=cert_label or key_label)
    except Exception as exc:  # the token library raises its own error types
        raise KimDocsError(f"Signaturkarte kann nicht geöffnet werden: {exc}") from None


# --------------------------------------------------------------------------- sign


def default_output(pdf_path: str | os.PathLike, out_dir: str | os.PathLike | None = None) -> Path:
    """NAME-signiert.pdf beside the input (or in ``out_dir``)."""
    pdf_path = Path(pdf_path)
    return Path(out_dir or pdf_path.parent) / f"{pdf_path.stem}-signiert.pdf"


def sign(
    pdf_path: str | os.PathLike,
    signer: Any,
    out_path: str | os.PathLike | None = None,
    *,
    visible: tuple[int, float, float, float, float] | None = None,
    reason: str | None = None,
    location: str | None = None,
    lock_fields: bool = True,
    on_note: Callable[[str], None] | None = None,
) -> Path:
    """Sign ``pdf_path`` into ``out_path`` (default NAME-signiert.pdf) and return it.

    ``visible`` = (page from 1, x, y, width, height) in points from the lower left
    corner draws a signature stamp; otherwise an empty signature field of the form is
    used if there is one (visible as the form defines it), else the signature is
    invisible. An existing output file is never overwritten.
    """
    from pyhanko.sign import fields, signers

    pdf_path = Path(pdf_path)
    out = Path(out_path) if out_path else default_output(pdf_path)
    if out.resolve() == pdf_path.resolve():
        raise InputError("Die Eingabedatei wird nicht überschrieben; bitte anderen Ausgabenamen wählen.", datei=str(pdf_path))
    if out.exists():
        raise InputError("Datei existiert bereits; wird nicht überschrieben.", datei=str(out))
    data = read_bytes(pdf_path)
    writer = _open_incremental(pdf_path, data, on_note or (lambda _text: None))
    field_name, spec = _choose_field(writer, visible, pdf_path)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    locked = sorted(_field_values(data)) if lock_fields else []
    if locked:
        spec = _with_lock(spec or fields.SigFieldSpec(sig_field_name=field_name), fields, locked)
    pdf_signer = signers.PdfSigner(meta, signer, new_field_spec=spec, stamp_style=_stamp_style())
    buffer = BytesIO()
    when = datetime.now(BERLIN).strftime("%d.%m.%Y %H:%M")
    # fontTools' subsetter (used by pyHanko for the stamp font) warns about tables it drops
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    try:
        pdf_signer.sign_pdf(writer, output=buffer, appearance_text_params={"zeit": when})
    except Exception as exc:  # pyHanko raises SigningError, PdfError, ValueError, …
        raise KimDocsError(f"{pdf_path}: Signieren fehlgeschlagen: {exc}") from None
    write_atomic(out, buffer.getvalue())
    return out


def _with_lock(spec: Any, fields: Any, names: list[str]) -> Any:
    """The field spec with a FieldMDP lock (the new field's /Lock) over the form's
    fields as they are now; signature fields added later stay free for signing."""
    from dataclasses import replace

    return replace(spec, field_mdp_spec=fields.FieldMDPSpec(action=fields.FieldMDPAction.INCLUDE, fields=names))


@functools.lru_cache(maxsize=1)
def _stamp_style() -> Any:
    """A framed text stamp in the embedded project font (PDF/A needs embedded fonts);
    made once, pyHanko embeds a fresh subset for each signature."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    from .fonts import load_font

    font = GlyphAccumulatorFactory(str(load_font().path))
    return TextStampStyle(stamp_text=STAMP_TEXT, border_width=1, text_box_style=TextBoxStyle(font=font))


def _open_incremental(pdf_path: Path, data: bytes, note: Callable[[str], None]) -> Any:
    from pyhanko.pdf_utils.misc import PdfError

    from .security import rewrite_plain

    writer_class = _compat.consistent_metadata_writer_class()
    try:
        writer = writer_class(BytesIO(data), strict=False)
        if not writer.prev.encrypted:
            _ = list(_sig_fields(writer))  # pyHanko reads the form lazily: fail here, not while signing
    # pyHanko's reader ends some malformed cross-reference streams with an AssertionError
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError) as exc:
        if b"/ByteRange" in data:  # a rewrite would break the signatures already in the file
            raise InputError(f"PDF-Datei kann nicht gelesen werden ({exc}).", datei=str(pdf_path)) from None
        try:
            writer = writer_class(BytesIO(rewrite_plain(data)), strict=False)
        except (PdfError, ValueError, KeyError, IndexError, KimDocsError) as again:
            raise InputError(f"PDF-Datei kann nicht gelesen werden ({again}).", datei=str(pdf_path)) from None
        note("pyHanko kann die Datei nicht lesen (z. B. ihren Querverweisstrom); sie wurde vor dem Signieren "
             "mit qpdf neu geschrieben, ohne Inhalt zu ändern. Die Signatur gilt für diese Fassung.")
    if writer.prev.encrypted:
        raise InputError("Verschlüsselte PDF-Dateien werden nicht signiert.", datei=str(pdf_path))
    return writer


def _sig_fields(writer: Any) -> Any:
    from pyhanko.sign import fields

    return fields.enumerate_sig_fields(writer.prev, filled_status=None)


def _choose_field(writer: Any, visible: tuple | None, pdf_path: Path) -> tuple[str, Any]:
    from pyhanko.sign import fields

    existing = list(fields.enumerate_sig_fields(writer.prev, filled_status=None))
    if visible is None:
        empty = [name for name, value, _ in existing if value is None]
        if empty:
            return empty[0], None
        name = _new_field_name(existing)
        return name, fields.SigFieldSpec(sig_field_name=name)
    page, x, y, w, h = visible
    pages = int(writer.root["/Pages"]["/Count"])
    if not 1 <= page <= pages:
        raise InputError(f"Seite {page} gibt es nicht (das Dokument hat {pages} Seiten).", datei=str(pdf_path))
    if w <= 0 or h <= 0:
        raise InputError("Breite und Höhe der sichtbaren Signatur müssen größer als 0 sein.", datei=str(pdf_path))
    name = _new_field_name(existing)
    return name, fields.SigFieldSpec(sig_field_name=name, on_page=page - 1, box=(x, y, x + w, y + h))


def _new_field_name(existing: list) -> str:
    names = {name for name, _, _ in existing}
    n = 1
    while f"Signatur{n}" in names:
        n += 1
    return f"Signatur{n}"


def _load_trust(trust_pems: Sequence[str | os.PathLike]) -> list[Any]:
    from asn1crypto import pem, x509

    certs = []
    for path in map(Path, trust_pems):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"Vertrauensanker kann nicht gelesen werden ({exc.strerror}).", datei=str(path)) from None
        try:
            blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
            certs += [x509.Certificate.load(der) for der in blobs]
            for cert in certs:
                _ = cert.native  # force parsing now, so a broken file fails here
        except ValueError:
            raise InputError("Keine Zertifikate (PEM oder DER) in der Datei.", datei=str(path)) from None
    return certs


def verify(pdf_path: str | os.PathLike, trust_pems: Sequence[str | os.PathLike] = ()) -> list[SignatureReport]:
    """Check every signature of the file; a file without signature gives []."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf_path = Path(pdf_path)
    anchors = _load_trust(list(trust_pems))
    data = read_bytes(pdf_path)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AssertionError) as exc:
        raise InputError(f"PDF-Datei kann nicht gelesen werden ({exc}).", datei=str(pdf_path)) from None
    current = _field_values(data)
    return [_check(sig, anchors, data, current) for sig in signatures]


def _field_values(data: bytes) -> dict[str, Any]:
    """Non-signature field → (value, button states) of a PDF (or one of its revisions)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from .acroform import field_nodes

    try:
        nodes = field_nodes(PdfReader(BytesIO(data)), Path("signiert.pdf"))
    except (InputError, PdfReadError, ValueError, KeyError):
        return {}
    return {
        n.name: (repr(n.obj.get("/V", n.attrs.get("/V"))), tuple(str(w.get("/AS")) for w in n.widgets))
        for n in nodes if n.kind != "signature"
    }


def _changed_fields(sig: Any, data: bytes, current: dict[str, Any]) -> tuple[str, ...]:
    """Fields whose value differs between the signed revision and the file now."""
    byte_range = [int(v) for v in sig.sig_object["/ByteRange"]]
    signed = _field_values(data[: byte_range[2] + byte_range[3]])
    names = list(dict.fromkeys([*signed, *current]))
    return tuple(name for name in names if signed.get(name) != current.get(name))


def _check(sig: Any, anchors: list[Any], data: bytes, current: dict[str, Any]) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=anchors, allow_fetching=False, revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(sig, context, diff_policy=_diff_policy())
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        return _broken(sig, str(exc))
    level = status.modification_level.name if status.modification_level is not None else "OTHER"
    changed = _changed_fields(sig, data, current) if status.coverage is not None and \
        status.coverage.name != "ENTIRE_FILE" else ()
    return SignatureReport(
        field_name=sig.field_name,
        signer=_common_name(status.signing_cert),
        signing_time=status.signer_reported_dt,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        modification_level=MODIFICATION_LABELS.get(level, level),
        changes_permitted=status.docmdp_ok is not False and level in UNCHANGED_LEVELS and not changed,
        problem=_trust_problem(status) if not status.trusted else _change_problem(level, changed),
        changed_fields=changed,
    )


def _diff_policy() -> Any:
    """pyHanko's standard diff policy without its FieldMDP check.

    That check rejects a later signature as a change of locked fields when the fields'
    appearances share the page's /Resources (LibreOffice forms), although no field
    changed. Changed fields are found by :func:`_changed_fields` instead; all other
    rules (page content, annotations, catalogue) stay pyHanko's.
    """
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, StandardDiffPolicy

    class _WithoutFieldLocks(StandardDiffPolicy):
        def review_file(self, reader: Any, base_revision: Any, field_mdp_spec: Any = None, doc_mdp: Any = None) -> Any:
            return super().review_file(reader, base_revision, None, doc_mdp)

    default = DEFAULT_DIFF_POLICY
    return _WithoutFieldLocks(default.global_rules, default.form_rule)


def _change_problem(level: str, changed: tuple[str, ...]) -> str | None:
    if changed:
        return "nach dem Signieren geänderte Felder: " + ", ".join(changed)
    if level not in UNCHANGED_LEVELS:
        return f"nach dem Signieren geändert: {MODIFICATION_LABELS.get(level, level)}"
    return None


def _broken(sig: Any, message: str) -> SignatureReport:
    cert = None
    try:
        cert = sig.signer_cert
    except Exception:
        pass
    return SignatureReport(
        field_name=sig.field_name,
        signer=_common_name(cert),
        signing_time=getattr(sig, "self_reported_timestamp", None),
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_file=False,
        modification_level=MODIFICATION_LABELS["OTHER"],
        changes_permitted=False,
        problem=f"Signatur kann nicht geprüft werden: {message}",
    )


def _common_name(cert: Any) -> str | None:
    if cert is None:
        return None
    try:
        return cert.subject.native.get("common_name") or cert.subject.human_friendly
    except (ValueError, AttributeError):
        return None


def _trust_problem(status: Any) -> str:
    if not (status.intact and status.valid):
        return "Signatur ist beschädigt (Prüfsumme oder Signaturwert stimmt nicht)."
    if status.revoked:
        return "Zertifikat ist widerrufen."
    return "Zertifikat führt zu keinem der angegebenen Vertrauensanker."


