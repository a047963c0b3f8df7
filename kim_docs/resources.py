"""Files shipped inside the package: templates, rule sets, reference data, sample cases.

All are found through `importlib.resources`, so an installed wheel works from any folder.
kim-docs is installed as files (pip's default), never zipped: LibreOffice, pdftotext and
the users' own template folders need real paths, so `shipped()` returns a `Path`.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(*parts: str) -> Path:
    """The path of a shipped file or folder, e.g. `shipped("templates", "bescheid.docx")`."""
    return Path(str(files("kim_docs").joinpath(*parts)))


TEMPLATES = shipped("templates")
RULES = shipped("rules")
REFERENCE = shipped("reference")
SAMPLES = shipped("samples")
