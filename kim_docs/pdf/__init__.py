"""PDF: DOCX → archival PDF/A, PDF forms, electronic signatures.

Conversion (re-exported here, as before the package existed):

- :mod:`.convert` – the :class:`Converter` protocol, :class:`LibreOfficeConverter`,
  :func:`docx_to_pdf`
- :mod:`.finalize` – :func:`finalize_pdf`: consistent PDF/A metadata, reproducible bytes
- :mod:`.text` – :func:`pdf_text`: the text back, for checks

Forms and signatures are imported from their modules (they pull in pypdf and pyHanko,
which the conversion does not need): :mod:`.acroform` (list fields),
:mod:`.fill` (fill, render a mapping), :mod:`.signing` (sign, verify).
"""
from .convert import MISSING_SOFFICE, PDF_EXPORT_FILTER, Converter, LibreOfficeConverter, docx_to_pdf
from .finalize import finalize_pdf
from .text import pdf_text

__all__ = [
    "Converter", "LibreOfficeConverter", "finalize_pdf", "pdf_text", "docx_to_pdf",
    "PDF_EXPORT_FILTER", "MISSING_SOFFICE",
]
