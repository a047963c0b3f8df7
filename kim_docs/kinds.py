"""The document kinds: one table, used by rendering, the batch, the CLI and the template tools.

Adding a kind (e.g. the Prüfvermerk) means one row here, its template and its context.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    key: str                     # as on the command line: `kim-docs render bescheid`
    titel: str                   # in documents, messages and PDF metadata
    datei_name: str              # the middle of the file name: 2025_Kreis-Soest_<datei_name>.pdf
    vorlage: str                 # template file name, looked up in the template folders
    pflichtfelder: tuple[str, ...]  # case keys the document needs beyond what `calc` needs


_KINDS = (
    DocumentKind("antrag", "Antrag (Anlage 1)", "Antrag", "antrag.docx",
                 ("antragsteller.anschrift", "antragsteller.bankverbindung")),
    DocumentKind("bescheid", "Zuwendungsbescheid (Anlage 2)", "Zuwendungsbescheid", "bescheid.docx",
                 ("antragsteller.anschrift", "bescheid.aktenzeichen", "bescheid.datum",
                  "bescheid.haushaltsstelle", "bescheid.sachbearbeitung.name")),
    DocumentKind("auszahlung", "Auszahlungsanforderung", "Auszahlungsanforderung", "auszahlung.docx",
                 ("antragsteller.anschrift", "antragsteller.bankverbindung", "bescheid.aktenzeichen",
                  "bescheid.datum", "auszahlungsanforderung.datum")),
    DocumentKind("verwendungsnachweis", "Verwendungsnachweis (Anlage 3)", "Verwendungsnachweis",
                 "verwendungsnachweis.docx",
                 ("antragsteller.anschrift", "bescheid.aktenzeichen", "bescheid.datum",
                  "verwendungsnachweis.datum", "verwendungsnachweis.erhalten", "verwendungsnachweis.ist")),
    DocumentKind("pruefvermerk", "Prüfvermerk zum Verwendungsnachweis", "Pruefvermerk", "pruefvermerk.docx",
                 ("bescheid.aktenzeichen", "bescheid.datum", "verwendungsnachweis.erhalten",
                  "verwendungsnachweis.ist", "pruefung.datum", "pruefung.pruefer", "pruefung.eingang")),
)

#: All kinds by key, in the order of the procedure.
KINDS: dict[str, DocumentKind] = {kind.key: kind for kind in _KINDS}
#: The keys, in the order of the procedure.
KEYS: tuple[str, ...] = tuple(KINDS)
#: What `render` and `batch --documents` accept besides the keys.
ALLE = "alle"


def kind(key: str) -> DocumentKind:
    return KINDS[key]
