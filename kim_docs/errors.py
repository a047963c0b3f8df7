"""Error types of kim-docs.

Errors are data until the edge: library code raises these with a German message and,
where known, the file and location; only the CLI turns them into text and exit codes.
"""
from __future__ import annotations


class KimDocsError(Exception):
    """Base class of every error kim-docs reports to a user (German message)."""

    exit_code = 2

    def __init__(self, meldung: str, *, datei: str | None = None) -> None:
        super().__init__(meldung)
        self.meldung = meldung
        self.datei = datei

    def __str__(self) -> str:
        return f"{self.datei}: {self.meldung}" if self.datei else self.meldung


class InputError(KimDocsError):
    """A file cannot be read, parsed, or does not match the expected format."""

    def __init__(
        self,
        meldung: str,
        *,
        datei: str | None = None,
        feld: str | None = None,
        zeile: int | None = None,
        spalte: int | None = None,
    ) -> None:
        super().__init__(meldung, datei=datei)
        self.feld = feld
        self.zeile = zeile
        self.spalte = spalte

    def __str__(self) -> str:
        where = self.datei or ""
        if self.zeile is not None:
            where += f", Zeile {self.zeile}"
            if self.spalte is not None:
                where += f", Spalte {self.spalte}"
        prefix = f"{where}: " if where else ""
        feld = f"Feld '{self.feld}': " if self.feld else ""
        return f"{prefix}{feld}{self.meldung}"


class RuleSetError(InputError):
    """A rule-set file is broken (names file, key and line)."""


class RenderError(KimDocsError):
    """A document cannot be rendered (missing data, broken template, missing clause)."""

    exit_code = 1


class ConversionError(KimDocsError):
    """DOCX → PDF conversion failed (LibreOffice missing, timeout, empty output)."""

    exit_code = 1
