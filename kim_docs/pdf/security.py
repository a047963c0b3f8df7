"""Encrypted PDFs and PDFs pyHanko cannot read, with pikepdf (qpdf) where pypdf falls short.

- :func:`keep_encryption`: a filled form that was encrypted is encrypted again with the
  original's own parameters (qpdf's ``--copy-encryption``): same owner and user
  password, same permissions (/P), same method. kim-docs never needs to know the
  owner password for that. With an empty user password the AES initialisation
  vectors are fixed (``--static-aes-iv``), so that the output is reproducible; such a
  file can be opened by anyone anyway. With a user password they are random.
- :func:`rewrite_plain`: the document written anew by qpdf (classic cross-reference
  table, no object streams), for pyHanko, whose reader rejects some cross-reference
  streams (pdfgear).

The temporary files live in a hidden folder beside the output and are removed.
"""
from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader

from kim_docs.errors import KimDocsError

__all__ = ["keep_encryption", "rewrite_plain"]


def keep_encryption(reader: PdfReader, original: Path, password: str | None, data: bytes,
                    note: Callable[[str], None], work_dir: Path | None = None) -> bytes:
    """``data`` (unencrypted) encrypted like ``original``; unchanged if that was not."""
    if not reader.is_encrypted:
        return data
    import pikepdf

    folder = work_dir or original.parent
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kim-docs-", dir=folder) as tmp:
        plain, out = Path(tmp) / "plain.pdf", Path(tmp) / "out.pdf"
        plain.write_bytes(data)
        args = ["qpdf", f"--copy-encryption={original}", f"--encryption-file-password={password or ''}",
                "--static-id"]
        if not password:
            args.append("--static-aes-iv")
        try:
            pikepdf.Job([*args, str(plain), str(out)]).run()
        except (pikepdf.PdfError, pikepdf.JobUsageError, RuntimeError) as exc:
            raise KimDocsError(f"{original}: Verschlüsselung kann nicht übernommen werden ({exc}).") from None
        result = out.read_bytes()
    note("Die Ausgabe ist verschlüsselt wie das Formular (gleiche Passwörter und Rechte).")
    return result


def rewrite_plain(data: bytes) -> bytes:
    """The PDF written anew by qpdf: classic xref table, no object streams."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            buffer = io.BytesIO()
            pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.disable, static_id=True)
    except pikepdf.PdfError as exc:
        raise KimDocsError(f"PDF-Datei kann auch von qpdf nicht gelesen werden ({exc}).") from None
    return buffer.getvalue()
