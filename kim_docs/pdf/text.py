"""Reading the text of a PDF back, for checks on what was written."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from kim_docs.errors import ConversionError

__all__ = ["pdf_text"]

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
