"""Tabellen-Eingabe für den Stapel: eine Arbeitsmappe (.xlsx) oder ein Ordner mit CSV-Dateien.

Ein Fall je Zeile der Tabelle ``Fälle``; die Stellen, Kommunen und der
Verwendungsnachweis stehen in eigenen Tabellen und werden über die Spalte ``Fall-ID``
dem Fall zugeordnet. Die vollständige Beschreibung für Anwender steht in
``docs/tabelle.md``; die Spalten sind unten in ``SHEETS`` definiert (eine Quelle für
Leser, Vorlage, Hilfe-Tabelle und Dokumentation).

Tabellen (Tabellenblätter bzw. CSV-Dateien ``<Name>.csv``):

- ``Fälle`` (Pflicht): Fall-ID, Antragsteller, Art, AGS, Verwaltungsgericht, Straße, PLZ,
  Ort, Ansprechperson, Telefon, E-Mail, IBAN, BIC, Kreditinstitut, KI-Name, KI-Betrieb,
  Angliederung an KI, Ausnahme-Az., Lenkungsgruppe, Konzept-Datum, Richtlinie, Beginn,
  Ende, Antrag-Datum, Beantragt Sachausgaben/Veranstaltungen/Maßnahmen, Aktenzeichen,
  Bescheid-Datum, Sachbearbeitung, Sachbearbeitung Telefon, Sachbearbeitung E-Mail,
  Bewilligt Sachausgaben/Veranstaltungen/Maßnahmen, Begründung Kürzung, Rate,
  Anforderung-Datum, Bereits erhalten.
- ``Stellen``: Fall-ID, Bezeichnung, Funktion, Anteil, Qualifikation,
  Qualifikationsnachweis, besetzt von, besetzt bis, Kommune.
- ``Kommunen``: Fall-ID, Name, AGS, Ausländerbehörde, Jugendamt, Integrationsrat.
- ``Verwendungsnachweis`` (optional): Fall-ID, Datum, Erhalten, Ist Personal
  Koordination, Ist Personal Verwaltungsassistenz, Ist Sachausgaben, Ist Veranstaltungen,
  Ist Maßnahmen, Sachbericht.

Überschriften werden ohne Rücksicht auf Groß-/Kleinschreibung, Leerzeichen, ``-``, ``_``,
``.`` und Umlaut-Schreibweise (ä/ae, ß/ss) erkannt. Spalten, deren Überschrift mit ``#``
beginnt oder ``Bemerkung``/``Notiz`` lautet, werden übergangen; jede andere unbekannte
Überschrift ist ein Fehler der Mappe. Weitere Tabellenblätter (z. B. ``Hilfe``) werden
übergangen.

Fehler werden auf drei Ebenen gemeldet:

1. Die Mappe lässt sich nicht öffnen, die Tabelle ``Fälle`` oder ihre Spalte ``Fall-ID``
   fehlt: ``InputError`` (Exit-Code 2 in der CLI).
2. Eine Zelle lässt sich nicht lesen: die Meldung (``Tabelle Stellen, Zeile 14, Spalte
   Anteil: '0,5x' ist keine Zahl``) kommt in ``SheetCase.fehler`` des Falls; der Schlüssel
   fehlt dann in ``daten``, die übrigen Fälle werden normal gelesen.
3. Was keinem Fall zuzuordnen ist (Zeile in ``Stellen``/``Kommunen``/
   ``Verwendungsnachweis`` mit unbekannter oder leerer Fall-ID, Zeile in ``Fälle`` ohne
   Fall-ID, unbekannte oder doppelte Überschrift): ``SheetCaseList.fehler`` der
   zurückgegebenen Liste. Eine doppelte Fall-ID in ``Fälle`` ist ein Fehler des ersten
   Falls mit dieser ID (die spätere Zeile wird nicht gelesen).

``SheetCase.locate(feld)`` übersetzt den Pfad eines Befunds (``stellen[2].anteil``) in die
Stelle der Tabelle (``Tabelle Stellen, Zeile 14, Spalte Anteil``).
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from kim_docs.errors import InputError

__all__ = [
    "Column", "Sheet", "SHEETS", "SheetCase", "SheetCaseList", "read_workbook",
    "read_csv_folder", "read_batch", "write_template", "parse_betrag", "parse_datum",
    "parse_bool", "columns_markdown",
]

_OMIT = object()  # marker: an empty cell leaves the key out of the case dict


@dataclass(frozen=True)
class Column:
    """One column: its German header, where its value goes, how it is read."""

    header: str
    path: str          # Fälle: path in the case dict; other sheets: path inside one row item
    kind: str          # text | code | ags | plz | iban | betrag | anteil | datum | bool | int | id
    hilfe: str
    pflicht: str = "nein"
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    example: Any = None
    empty: Any = _OMIT  # value for an empty cell (bool columns: nein, "x/leer")


@dataclass(frozen=True)
class Sheet:
    name: str
    target: str        # "" (Fälle: the case itself), a list key or "verwendungsnachweis"
    columns: tuple[Column, ...]
    hilfe: str
    aliases: tuple[str, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.target in ("stellen", "kreisangehoerige_kommunen")


_FALL_ID = "Fall-ID"
_ID_HILFE = "Kennung des Falls aus der Tabelle Fälle; ordnet die Zeile dem Fall zu."
_BOOL_HILFE = "ja/nein (auch wahr/falsch, x/leer, 1/0); leer gilt als nein."
_BETRAG = "Betrag in Euro, z. B. 57.000,00 oder 57000,5 oder 57000.00."
_DATUM = "Datum TT.MM.JJJJ oder JJJJ-MM-TT (oder Datumszelle)."
_JA_NEIN = ("ja", "nein")


def _bool(header, path, hilfe, **kw) -> Column:
    return Column(header, path, "bool", f"{hilfe} {_BOOL_HILFE}", choices=_JA_NEIN,
                  empty=False, **kw)


FAELLE = Sheet("Fälle", "", (
    Column(_FALL_ID, "", "id", "Eindeutige Kennung des Falls, z. B. KIM25-001; verbindet "
           "die Zeilen der anderen Tabellen mit dem Fall.", "ja", example="BEISPIEL-1"),
    Column("Antragsteller", "antragsteller.name", "text", "Name des Antragstellers, z. B. "
           "Kreis Musterland.", "ja", aliases=("Name",), example="Kreis Musterland"),
    Column("Art", "antragsteller.art", "code", "Art des Antragstellers (Nr. 3.1).", "ja",
           choices=("kreis", "staedteregion", "kreisfreie_stadt"), example="kreis"),
    Column("AGS", "antragsteller.ags", "ags", "Amtlicher Gemeindeschlüssel, 8 Ziffern "
           "(als Text eingeben; 7 Ziffern werden vorn mit 0 ergänzt).", example="05999000"),
    Column("Verwaltungsgericht", "antragsteller.verwaltungsgericht", "text", "Nur "
           "ausfüllen, um das Gericht aus der Referenzliste (nach AGS) zu ersetzen.",
           example="Arnsberg"),
    Column("Straße", "antragsteller.anschrift.strasse", "text", "Anschrift: Straße und "
           "Hausnummer.", "für Dokumente", example="Am Kreishaus 1"),
    Column("PLZ", "antragsteller.anschrift.plz", "plz", "Postleitzahl, 5 Ziffern (als Text).",
           "für Dokumente", example="59999"),
    Column("Ort", "antragsteller.anschrift.ort", "text", "Ort der Anschrift.",
           "für Dokumente", example="Musterstadt"),
    Column("Ansprechperson", "antragsteller.ansprechperson.name", "text",
           "Name der Ansprechperson beim Antragsteller.", example="Erika Mustermann"),
    Column("Telefon", "antragsteller.ansprechperson.telefon", "text", "Telefon der "
           "Ansprechperson (als Text).", example="02999 123-456"),
    Column("E-Mail", "antragsteller.ansprechperson.email", "text", "E-Mail der "
           "Ansprechperson.", example="e.mustermann@kreis-musterland.example"),
    Column("IBAN", "antragsteller.bankverbindung.iban", "iban", "IBAN (Leerzeichen sind "
           "erlaubt und werden entfernt).", "für Dokumente",
           example="DE02120300000000202051"),
    Column("BIC", "antragsteller.bankverbindung.bic", "text", "BIC (optional).",
           example="BYLADEM1001"),
    Column("Kreditinstitut", "antragsteller.bankverbindung.kreditinstitut", "text",
           "Name des Kreditinstituts (optional).", example="Sparkasse Musterland"),
    Column("KI-Name", "integrationszentrum.name", "text", "Name des Kommunalen "
           "Integrationszentrums.", aliases=("Integrationszentrum",),
           example="Kommunales Integrationszentrum Kreis Musterland"),
    _bool("KI-Betrieb", "voraussetzungen.ki_betrieb", "Nr. 4 a: Ein Kommunales "
          "Integrationszentrum wird betrieben.", pflicht="ja", example="ja"),
    _bool("Angliederung an KI", "voraussetzungen.angliederung_an_ki", "Nr. 4 b: Das KIM "
          "ist an das KI angegliedert.", pflicht="ja", example="ja"),
    Column("Ausnahme-Az.", "voraussetzungen.ausnahme_angliederung_az", "text", "Nr. 4 b: "
           "Aktenzeichen der Ausnahme des Ministeriums, wenn nicht angegliedert."),
    _bool("Lenkungsgruppe", "voraussetzungen.lenkungsgruppe", "Nr. 4 c: Eine "
          "Lenkungsgruppe ist eingerichtet.", pflicht="ja", example="ja"),
    Column("Konzept-Datum", "voraussetzungen.konzept_datum", "datum", "Nr. 4 d: Datum des "
           f"Konzepts; leer: noch nicht vorgelegt. {_DATUM}", "ja",
           example=dt.date(2024, 9, 30), empty=None),
    Column("Richtlinie", "richtlinie", "text", "Kennung des Regelwerks, z. B. kim-nrw-2024; "
           "leer: nach dem Bewilligungszeitraum gewählt."),
    Column("Beginn", "bewilligungszeitraum.beginn", "datum", "Beginn des "
           f"Bewilligungszeitraums. {_DATUM}", "ja", example=dt.date(2025, 1, 1)),
    Column("Ende", "bewilligungszeitraum.ende", "datum", "Ende des Bewilligungszeitraums "
           f"(im selben Kalenderjahr). {_DATUM}", "ja", example=dt.date(2025, 12, 31)),
    Column("Antrag-Datum", "antrag.datum", "datum", f"Datum des Antrags. {_DATUM}", "ja",
           example=dt.date(2024, 10, 15)),
    Column("Beantragt Sachausgaben", "antrag.sachausgaben", "betrag", "Beantragte "
           f"Sachausgaben (Nr. 5.4.2); leer: 0. {_BETRAG}", example=9700),
    Column("Beantragt Veranstaltungen", "antrag.veranstaltungen", "betrag", "Beantragte "
           f"Veranstaltungen (Nr. 5.4.2 a); leer: 0. {_BETRAG}", example=10000),
    Column("Beantragt Maßnahmen", "antrag.massnahmen", "betrag", "Beantragte Maßnahmen "
           f"(Nr. 5.4.2 b); leer: 0. {_BETRAG}", example=30000),
    Column("Aktenzeichen", "bescheid.aktenzeichen", "text", "Bescheid: Aktenzeichen der "
           "Bewilligungsbehörde.", "für den Bescheid", example="36.07.01-KIM-2025/017"),
    Column("Bescheid-Datum", "bescheid.datum", "datum", f"Bescheid: Datum. {_DATUM}",
           "für den Bescheid", example=dt.date(2025, 1, 20)),
    Column("Sachbearbeitung", "bescheid.sachbearbeitung.name", "text", "Bescheid: Name "
           "der Sachbearbeitung.", "für den Bescheid", example="Max Muster"),
    Column("Sachbearbeitung Telefon", "bescheid.sachbearbeitung.telefon", "text",
           "Bescheid: Telefon der Sachbearbeitung.", example="02931 82-0000"),
    Column("Sachbearbeitung E-Mail", "bescheid.sachbearbeitung.email", "text",
           "Bescheid: E-Mail der Sachbearbeitung.", example="max.muster@bra.example"),
    Column("Bewilligt Sachausgaben", "bescheid.bewilligt.sachausgaben", "betrag",
           f"Bescheid: nur ausfüllen, wenn gekürzt. {_BETRAG}"),
    Column("Bewilligt Veranstaltungen", "bescheid.bewilligt.veranstaltungen", "betrag",
           f"Bescheid: nur ausfüllen, wenn gekürzt. {_BETRAG}"),
    Column("Bewilligt Maßnahmen", "bescheid.bewilligt.massnahmen", "betrag",
           f"Bescheid: nur ausfüllen, wenn gekürzt. {_BETRAG}", example=20000),
    Column("Begründung Kürzung", "bescheid.begruendung_kuerzung", "text", "Bescheid: "
           "Begründung, Pflicht wenn ein Betrag gekürzt ist.",
           example="Die beantragten Maßnahmen sind nur zum Teil aus der "
                   "Schnittstellenanalyse abgeleitet."),
    Column("Rate", "auszahlungsanforderung.rate", "int", "Auszahlungsanforderung: Rate "
           "1 oder 2.", choices=("1", "2"), example=1),
    Column("Anforderung-Datum", "auszahlungsanforderung.datum", "datum",
           f"Auszahlungsanforderung: Datum. {_DATUM}", example=dt.date(2025, 4, 10)),
    Column("Bereits erhalten", "auszahlungsanforderung.bereits_erhalten", "betrag",
           f"Auszahlungsanforderung: unter diesem Bescheid schon erhalten. {_BETRAG}",
           example=0),
), "Ein Fall (ein Antragsteller, ein Bewilligungszeitraum) je Zeile.", aliases=("Faelle",))

STELLEN = Sheet("Stellen", "stellen", (
    Column(_FALL_ID, "", "id", _ID_HILFE, "ja", example="BEISPIEL-1"),
    Column("Bezeichnung", "bezeichnung", "text", "Bezeichnung der Stelle.", "ja",
           example="Koordination Strategie"),
    Column("Funktion", "funktion", "code", "Art der Stelle (Nr. 5.4.1).", "ja",
           choices=("koordination", "verwaltungsassistenz"), example="koordination"),
    Column("Anteil", "anteil", "anteil", "Anteil einer Vollzeitstelle, 0 < Anteil ≤ 1, "
           "z. B. 0,5 oder 1.", "ja", example=1),
    Column("Qualifikation", "qualifikation", "code", "Nr. 4 f, für Koordinationsstellen.",
           choices=("diplom_fh", "bachelor", "master", "gleichwertig"), example="master"),
    Column("Qualifikationsnachweis", "qualifikation_nachweis", "text", "Pflicht bei "
           "gleichwertig: womit die Gleichwertigkeit belegt ist."),
    Column("besetzt von", "besetzt_von", "datum", f"Leer: Beginn des Zeitraums. {_DATUM}"),
    Column("besetzt bis", "besetzt_bis", "datum", f"Leer: Ende des Zeitraums. {_DATUM}"),
    Column("Kommune", "kommune", "text", "Name einer Kommune aus der Tabelle Kommunen, an "
           "die die Koordinationsstelle weitergeleitet wird (Nr. 3.2)."),
), "Eine Stelle je Zeile (Nr. 5.4.1); Reihenfolge wie im Fall.")

KOMMUNEN = Sheet("Kommunen", "kreisangehoerige_kommunen", (
    Column(_FALL_ID, "", "id", _ID_HILFE, "ja", example="BEISPIEL-1"),
    Column("Name", "name", "text", "Name der kreisangehörigen Kommune, z. B. Stadt "
           "Beispielhausen.", "ja", example="Stadt Beispielhausen"),
    Column("AGS", "ags", "ags", "Amtlicher Gemeindeschlüssel (optional).",
           example="05999012"),
    _bool("Ausländerbehörde", "auslaenderbehoerde", "Nr. 4 e: eigene Ausländerbehörde.",
          example="ja"),
    _bool("Jugendamt", "jugendamt", "Nr. 4 e: eigenes Jugendamt.", example="ja"),
    _bool("Integrationsrat", "integrationsrat", "Nr. 4 e: Integrationsrat oder "
          "Integrationsausschuss.", aliases=("Integrationsausschuss",), example="ja"),
), "Kreisangehörige Kommunen eines Kreises oder der Städteregion (Nr. 3.2, 4 e).")

VERWENDUNGSNACHWEIS = Sheet("Verwendungsnachweis", "verwendungsnachweis", (
    Column(_FALL_ID, "", "id", _ID_HILFE, "ja", example="BEISPIEL-1"),
    Column("Datum", "datum", "datum", f"Datum des Verwendungsnachweises. {_DATUM}",
           example=dt.date(2026, 3, 15)),
    Column("Erhalten", "erhalten", "betrag", f"Insgesamt ausgezahlt. {_BETRAG}",
           "für Anlage 3", example=357500),
    Column("Ist Personal Koordination", "ist.personal_koordination", "betrag",
           f"Ist-Ausgaben. {_BETRAG}", example=250000),
    Column("Ist Personal Verwaltungsassistenz", "ist.personal_verwaltungsassistenz",
           "betrag", f"Ist-Ausgaben. {_BETRAG}", example=22500),
    Column("Ist Sachausgaben", "ist.sachausgaben", "betrag", f"Ist-Ausgaben. {_BETRAG}",
           example=41000),
    Column("Ist Veranstaltungen", "ist.veranstaltungen", "betrag",
           f"Ist-Ausgaben. {_BETRAG}", example=8000),
    Column("Ist Maßnahmen", "ist.massnahmen", "betrag", f"Ist-Ausgaben. {_BETRAG}",
           example=21000),
    Column("Sachbericht", "sachbericht", "text", "Text des Sachberichts.",
           example="Alle Koordinierungsstellen waren ganzjährig besetzt."),
), "Optional: ein Verwendungsnachweis (Anlage 3) je Fall.")

SHEETS: tuple[Sheet, ...] = (FAELLE, STELLEN, KOMMUNEN, VERWENDUNGSNACHWEIS)

# Order of the top-level keys as in case-format.md.
_KEY_ORDER = ("richtlinie", "antragsteller", "integrationszentrum", "voraussetzungen",
              "bewilligungszeitraum", "antrag", "stellen", "kreisangehoerige_kommunen",
              "bescheid", "auszahlungsanforderung", "verwendungsnachweis")
_IGNORED_HEADERS = ("bemerkung", "bemerkungen", "notiz", "notizen")


# ---------------------------------------------------------------- cell values

def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


_GERMAN_GROUPED = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?")
_GERMAN_PLAIN = re.compile(r"-?\d+(,\d+)?")
_DOT_DECIMAL = re.compile(r"-?\d+\.\d+")


def parse_betrag(value: Any) -> Decimal:
    """Read an amount or share exactly: number cell or German/dot-decimal text.

    Raises InputError with the bare message (no location), e.g. ``'0,5x' ist keine Zahl``.
    """
    if isinstance(value, bool):
        raise InputError(f"'{value}' ist keine Zahl")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"'{value}' ist keine Zahl")
        return Decimal(repr(value))  # the shortest repr is the value Excel shows, exactly
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("\u2212", "-")
    compact = re.sub(r"(\s|\u00a0|\u202f|€|EUR)", "", text, flags=re.IGNORECASE)
    if _GERMAN_GROUPED.fullmatch(compact) or _GERMAN_PLAIN.fullmatch(compact):
        compact = compact.replace(".", "").replace(",", ".")
    elif not _DOT_DECIMAL.fullmatch(compact):
        raise InputError(f"'{text}' ist keine Zahl")
    try:
        return Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the patterns only let numbers through
        raise InputError(f"'{text}' ist keine Zahl") from None


_DE_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_datum(value: Any) -> dt.date:
    """Read a date: Excel date cell, ``TT.MM.JJJJ`` or ``JJJJ-MM-TT``.

    Numbers are refused: a date typed into a number-formatted cell would silently
    become a serial day count.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _shown(value)
    text = re.sub(r"[ T]00:00(:00)?$", "", text)  # date cells exported with a time
    if m := _DE_DATE.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise InputError(f"'{text}' ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InputError(f"'{text}' ist kein gültiges Datum") from None


_TRUE = {"ja", "j", "wahr", "x", "1", "true", "yes"}
_FALSE = {"nein", "n", "falsch", "0", "false", "no", "-"}


def parse_bool(value: Any) -> bool:
    """Read ja/nein, wahr/falsch, x/leer, 1/0, TRUE/FALSE (empty means nein)."""
    if _is_empty(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _shown(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"'{_shown(value)}' ist weder ja noch nein")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns typed digits into numbers
    if isinstance(value, (dt.datetime, dt.date)):
        return parse_datum(value).strftime("%d.%m.%Y")
    return str(value).strip()


def _digits(value: Any, width: int) -> str:
    """AGS/PLZ: restore a leading zero that Excel dropped from a number."""
    text = _text(value)
    if text.isdigit() and len(text) == width - 1:
        return "0" + text
    return text


def _code(value: Any) -> str:
    text = _text(value).casefold().replace(" ", "_").replace("-", "_")
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return text


def _integer(value: Any) -> int:
    number = parse_betrag(value)
    if number != number.to_integral_value():
        raise InputError(f"'{_shown(value)}' ist keine ganze Zahl")
    return int(number)


_CONVERTERS = {
    "text": _text, "id": _text, "code": _code,
    "ags": lambda v: _digits(v, 8), "plz": lambda v: _digits(v, 5),
    "iban": lambda v: re.sub(r"\s", "", _text(v)).upper(),
    "betrag": parse_betrag, "anteil": parse_betrag, "datum": parse_datum,
    "bool": parse_bool, "int": _integer,
}


def _convert(column: Column, value: Any) -> Any:
    if _is_empty(value):
        return column.empty
    return _CONVERTERS[column.kind](value)


# ---------------------------------------------------------------- headers and tables

def _norm(text: Any) -> str:
    """Header/sheet-name key: case, whitespace, -_. and umlaut spelling do not matter."""
    text = unicodedata.normalize("NFC", str(text or "")).casefold()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, plain)
    return re.sub(r"[\s\-_.]", "", text)


def _find_sheet(name: str) -> Sheet | None:
    key = _norm(name)
    for sheet in SHEETS:
        if key in {_norm(n) for n in (sheet.name, *sheet.aliases)}:
            return sheet
    return None


@dataclass
class _Table:
    """Raw rows of one sheet: row numbers as the user sees them (header = 1)."""

    sheet: Sheet
    header: list[Any]
    rows: list[tuple[int, list[Any]]]
    columns: dict[int, Column] = field(default_factory=dict)  # cell index -> column

    @property
    def present(self) -> frozenset[str]:
        return frozenset(c.header for c in self.columns.values())


def _map_headers(table: _Table, errors: list[str]) -> None:
    lookup = {_norm(n): c for c in table.sheet.columns for n in (c.header, *c.aliases)}
    seen: dict[str, int] = {}
    for index, raw in enumerate(table.header):
        if _is_empty(raw) or str(raw).strip().startswith("#"):
            continue
        column = lookup.get(_norm(raw))
        where = f"Tabelle {table.sheet.name}, Zeile 1, Spalte {_column_letter(index)}"
        if column is None:
            if _norm(raw) not in _IGNORED_HEADERS:
                errors.append(f"{where}: Überschrift '{_shown(raw)}' ist unbekannt"
                              + _suggest(raw, table.sheet))
        elif column.header in seen:
            errors.append(f"{where}: Spalte {column.header} kommt doppelt vor; "
                          "nur die erste wird gelesen")
        else:
            seen[column.header] = index
            table.columns[index] = column


def _suggest(raw: Any, sheet: Sheet) -> str:
    headers = [c.header for c in sheet.columns]
    close = difflib.get_close_matches(str(raw).strip(), headers, n=1, cutoff=0.6)
    return f" (gemeint: '{close[0]}'?)" if close else ""


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _id_index(table: _Table) -> int | None:
    for index, column in table.columns.items():
        if column.kind == "id":
            return index
    return None


# ---------------------------------------------------------------- cases

@dataclass
class SheetCase:
    """One case read from a row of ``Fälle`` plus its rows in the other sheets."""

    fall_id: str
    daten: dict
    quelle: str
    fehler: list[str] = field(default_factory=list)
    # sheet target ("" = Fälle) -> row numbers of this case, in order
    _rows: dict[str, list[int]] = field(default_factory=dict, repr=False)
    # sheet name -> headers present in the file
    _present: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    def locate(self, feld: str) -> str | None:
        """Map a case path (``stellen[2].anteil``) to ``Tabelle …, Zeile …, Spalte …``.

        Returns None for a path that belongs to no sheet or to a row this case lacks.
        """
        feld = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", feld.strip())  # stellen.2 -> stellen[2]
        m = re.fullmatch(r"(stellen|kreisangehoerige_kommunen)(?:\[(\d+)\])?(?:\.(.+))?",
                         feld)
        if m:
            return self._locate_list(m.group(1), m.group(2), m.group(3))
        if feld == "verwendungsnachweis" or feld.startswith("verwendungsnachweis."):
            rest = feld.partition(".")[2]
            return self._locate_row(VERWENDUNGSNACHWEIS, self._rows.get("verwendungsnachweis",
                                                                           []), 0, rest)
        return self._locate_row(FAELLE, self._rows.get("", []), 0, feld)

    def _locate_list(self, target: str, index: str | None, rest: str | None) -> str | None:
        sheet = STELLEN if target == "stellen" else KOMMUNEN
        rows = self._rows.get(target, [])
        if index is None:
            if not rows:
                return f"Tabelle {sheet.name} (keine Zeile mit Fall-ID '{self.fall_id}')"
            return f"Tabelle {sheet.name}, {_rows_text(rows)}"
        return self._locate_row(sheet, rows, int(index), rest or "")

    def _locate_row(self, sheet: Sheet, rows: list[int], index: int, path: str) -> str | None:
        if index >= len(rows):
            return None
        where = f"Tabelle {sheet.name}, Zeile {rows[index]}"
        if not path:
            return where
        columns = _columns_for(sheet, path)
        if columns is None:  # not a field of this sheet: the row is the best hint
            return None if sheet is FAELLE else where
        if not columns or len(columns) > 5:
            return where
        present = self._present.get(sheet.name, frozenset())
        names = ", ".join(c.header + ("" if c.header in present else " (fehlt)")
                          for c in columns)
        return f"{where}, Spalte{'n' if len(columns) > 1 else ''} {names}"


def _columns_for(sheet: Sheet, path: str) -> list[Column] | None:
    """Columns at or below ``path``; walks up to a parent path that has columns.

    None when not even the first path component belongs to the sheet.
    """
    parts = path.split(".")
    while parts:
        prefix = ".".join(parts)
        found = [c for c in sheet.columns
                 if c.path and (c.path == prefix or c.path.startswith(prefix + "."))]
        if found:
            return found if len(parts) == len(path.split(".")) else []
        parts.pop()
    return None


def _rows_text(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"Zeile {rows[0]}"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"Zeilen {rows[0]}–{rows[-1]}"
    return "Zeilen " + ", ".join(str(r) for r in rows)


class SheetCaseList(list):
    """The cases of a workbook, plus ``fehler``: errors that belong to no case."""

    def __init__(self, cases=(), fehler: list[str] | None = None) -> None:
        super().__init__(cases)
        self.fehler: list[str] = list(fehler or [])


def _set(target: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value


def _read_row(table: _Table, number: int, values: list[Any], quelle: str,
              errors: list[str]) -> dict:
    """Convert one row into a dict by column paths; bad cells go to ``errors``."""
    item: dict = {}
    for index, column in table.columns.items():
        if column.kind == "id":
            continue
        raw = values[index] if index < len(values) else None
        try:
            value = _read_cell(table.sheet, number, column, raw, quelle)
        except InputError as error:  # collect, so one bad cell does not stop the batch
            errors.append(error.meldung)
            continue
        if value is not _OMIT:
            _set(item, column.path, value)
    return item


def _read_cell(sheet: Sheet, number: int, column: Column, raw: Any, quelle: str) -> Any:
    """Convert one cell; an unreadable one raises InputError naming sheet, row, column."""
    try:
        return _convert(column, raw)
    except InputError as error:
        raise InputError(f"Tabelle {sheet.name}, Zeile {number}, Spalte {column.header}: "
                         f"{error.meldung}", datei=quelle) from None


def _row_id(table: _Table, values: list[Any], id_index: int) -> str:
    raw = values[id_index] if id_index < len(values) else None
    return "" if _is_empty(raw) else _text(raw)


def _build(tables: dict[str, _Table], quelle: str) -> SheetCaseList:
    """Assemble cases from the raw tables of a workbook or CSV folder."""
    result = SheetCaseList()
    if FAELLE.name not in tables:
        raise InputError("Die Tabelle 'Fälle' fehlt", datei=quelle)
    for table in tables.values():
        _map_headers(table, result.fehler)
    present = {name: table.present for name, table in tables.items()}
    cases = _read_faelle(tables[FAELLE.name], quelle, present, result)
    for sheet in (STELLEN, KOMMUNEN, VERWENDUNGSNACHWEIS):
        if sheet.name in tables:
            _attach(tables[sheet.name], cases, quelle, result.fehler)
    for case in cases.values():
        case.daten = {k: case.daten[k] for k in _KEY_ORDER if k in case.daten} | {
            k: v for k, v in case.daten.items() if k not in _KEY_ORDER}
    result.extend(cases.values())
    return result


def _read_faelle(table: _Table, quelle: str, present: dict, result: SheetCaseList
                 ) -> dict[str, SheetCase]:
    id_index = _id_index(table)
    if id_index is None:
        raise InputError("Der Tabelle 'Fälle' fehlt die Spalte 'Fall-ID'", datei=quelle)
    cases: dict[str, SheetCase] = {}
    for number, values in table.rows:
        fall_id = _row_id(table, values, id_index)
        if not fall_id:
            result.fehler.append(f"Tabelle Fälle, Zeile {number}: Fall-ID fehlt; "
                                 "die Zeile wird nicht gelesen")
            continue
        if fall_id in cases:
            first = cases[fall_id]
            first.fehler.append(f"Tabelle Fälle, Zeile {number}: Fall-ID '{fall_id}' "
                                f"kommt doppelt vor (zuerst Zeile {first._rows[''][0]}); "
                                "die Zeile wird nicht gelesen")
            continue
        case = SheetCase(fall_id, {}, quelle, _rows={"": [number]}, _present=present)
        case.daten = _read_row(table, number, values, quelle, case.fehler)
        cases[fall_id] = case
    return cases


def _attach(table: _Table, cases: dict[str, SheetCase], quelle: str,
            fehler: list[str]) -> None:
    """Add the rows of Stellen/Kommunen/Verwendungsnachweis to their cases."""
    name, target = table.sheet.name, table.sheet.target
    id_index = _id_index(table)
    if id_index is None:
        if table.rows:
            fehler.append(f"Tabelle {name}: Spalte Fall-ID fehlt; die Tabelle wird nicht "
                          "gelesen")
        return
    for number, values in table.rows:
        fall_id = _row_id(table, values, id_index)
        case = cases.get(fall_id)
        if case is None:
            why = "Fall-ID fehlt" if not fall_id else \
                f"Fall-ID '{fall_id}' steht nicht in Tabelle Fälle"
            fehler.append(f"Tabelle {name}, Zeile {number}: {why}; die Zeile wird nicht "
                          "gelesen")
            continue
        rows = case._rows.setdefault(target, [])
        if not table.sheet.is_list and rows:
            case.fehler.append(f"Tabelle {name}, Zeile {number}: zweite Zeile für Fall-ID "
                               f"'{fall_id}' (zuerst Zeile {rows[0]}); wird nicht gelesen")
            continue
        rows.append(number)
        item = _read_row(table, number, values, quelle, case.fehler)
        if table.sheet.is_list:
            case.daten.setdefault(target, []).append(item)
        elif item:
            case.daten[target] = item


# ---------------------------------------------------------------- xlsx and CSV sources

def _non_empty_rows(rows) -> list[tuple[int, list[Any]]]:
    return [(number, list(values)) for number, values in rows
            if not all(_is_empty(v) for v in values)]


def read_workbook(path: str | Path) -> SheetCaseList:
    """Read an .xlsx workbook in the layout of ``SHEETS`` (one case per row of Fälle)."""
    import openpyxl  # imported here: the rest of kim-docs does not need it

    path = Path(path)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError, OSError, …
        raise InputError(f"Die Arbeitsmappe lässt sich nicht öffnen ({error})",
                         datei=str(path)) from error
    tables: dict[str, _Table] = {}
    for worksheet in workbook.worksheets:
        sheet = _find_sheet(worksheet.title)
        if sheet is None or sheet.name in tables:
            continue
        rows = list(worksheet.iter_rows(values_only=True))
        header = list(rows[0]) if rows else []
        tables[sheet.name] = _Table(sheet, header, _non_empty_rows(
            enumerate(rows[1:], start=2)))
    return _build(tables, path.name)


def _decode(data: bytes, name: str) -> str:
    """Excel writes CSV as UTF-8 (with or without BOM) or as Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("Die Datei ist weder UTF-8 noch Windows-1252", datei=name) from None


def _read_csv(path: Path, sheet: Sheet) -> _Table:
    try:
        text = _decode(path.read_bytes(), path.name)
    except OSError as error:
        raise InputError(f"Die Datei lässt sich nicht lesen ({error})",
                         datei=str(path)) from error
    first_line = text.split("\n", 1)[0]
    # German Excel writes ';'; accept ',' only when the header has no ';' at all
    delimiter = "," if ";" not in first_line and "," in first_line else ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise InputError(f"Die CSV-Datei ist fehlerhaft ({error})", datei=path.name) from None
    header = rows[0] if rows else []
    return _Table(sheet, header, _non_empty_rows(enumerate(rows[1:], start=2)))


def read_csv_folder(path: str | Path) -> SheetCaseList:
    """Read a folder of ``;``-separated CSV files named like the sheets (``Fälle.csv`` …).

    A single ``.csv`` file is read as the sheet Fälle alone.
    """
    path = Path(path)
    if path.is_file():
        return _build({FAELLE.name: _read_csv(path, FAELLE)}, path.name)
    if not path.is_dir():
        raise InputError("Der Ordner oder die Datei fehlt", datei=str(path))
    tables: dict[str, _Table] = {}
    for file in sorted(path.iterdir()):
        sheet = _find_sheet(file.stem) if file.suffix.lower() == ".csv" else None
        if sheet is not None and sheet.name not in tables:
            tables[sheet.name] = _read_csv(file, sheet)
    if FAELLE.name not in tables:
        raise InputError("Die Datei 'Fälle.csv' fehlt", datei=str(path))
    return _build(tables, path.name)


def read_batch(path: str | Path) -> SheetCaseList:
    """Read a workbook (.xlsx, .xlsm), a CSV folder or a single Fälle CSV file."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".csv":
        return read_csv_folder(path)
    return read_workbook(path)


# ---------------------------------------------------------------- template

_FIXED_TIME = dt.datetime(2024, 1, 1)
_NUMBER_FORMATS = {"datum": "DD.MM.YYYY", "betrag": "#,##0.00", "anteil": "0.00",
                   "ags": "@", "plz": "@", "iban": "@", "id": "@", "text": "@"}
_TEMPLATE_ROWS = 1000  # rows that get the drop-downs and formats


def write_template(path: str | Path) -> None:
    """Write an empty workbook in the layout, with help, drop-downs and example rows."""
    save_deterministic(build_workbook({s.name: [_example_row(s)] for s in SHEETS}), path)


def _example_row(sheet: Sheet) -> list[Any]:
    return [c.example for c in sheet.columns]


def build_workbook(rows: dict[str, list[list[Any]]]):
    """A workbook in the layout with the given data rows (per sheet name, in column order).

    Used by the template and by scripts/make_batch_sample.py.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in SHEETS:
        if sheet.name in rows:
            _write_sheet(workbook.create_sheet(sheet.name), sheet, rows[sheet.name])
    _write_help(workbook.create_sheet("Hilfe"))
    return workbook


def _write_sheet(worksheet, sheet: Sheet, rows: list[list[Any]]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    worksheet.append([c.header for c in sheet.columns])
    for index, column in enumerate(sheet.columns, start=1):
        cell = worksheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.comment = Comment(_comment_text(column), "kim-docs", height=120, width=260)
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = max(12, len(column.header) + 4)
    for values in rows:
        worksheet.append(values)
    for number in range(2, len(rows) + 2):
        for index, column in enumerate(sheet.columns, start=1):
            if column.kind in _NUMBER_FORMATS:
                worksheet.cell(row=number, column=index).number_format = \
                    _NUMBER_FORMATS[column.kind]
    _add_validations(worksheet, sheet, max(_TEMPLATE_ROWS, len(rows) + 1))
    worksheet.freeze_panes = "B2"


def _comment_text(column: Column) -> str:
    text = f"{column.header}: {column.hilfe}"
    if column.choices:
        text += " Werte: " + ", ".join(column.choices) + "."
    if column.pflicht != "nein":
        text += f" Pflicht: {column.pflicht}."
    return text


def _add_validations(worksheet, sheet: Sheet, last_row: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for index, column in enumerate(sheet.columns, start=1):
        if not column.choices:
            continue
        letter = get_column_letter(index)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
            showErrorMessage=True, errorTitle=column.header,
            error="Bitte einen Wert aus der Liste wählen: " + ", ".join(column.choices))
        validation.add(f"{letter}2:{letter}{last_row}")
        worksheet.add_data_validation(validation)


def _write_help(worksheet) -> None:
    from openpyxl.styles import Alignment, Font

    worksheet.append(["Tabelle", "Spalte", "Pflicht", "Werte", "Feld im Fall", "Erklärung"])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        for column in sheet.columns:
            worksheet.append([sheet.name, column.header, column.pflicht,
                              ", ".join(column.choices), _case_path(sheet, column),
                              column.hilfe])
    for letter, width in zip("ABCDEF", (20, 32, 16, 40, 46, 90)):
        worksheet.column_dimensions[letter].width = width
    for row in worksheet.iter_rows(min_row=2, min_col=6, max_col=6):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    worksheet.freeze_panes = "A2"


def _case_path(sheet: Sheet, column: Column) -> str:
    if column.kind == "id":
        return "(Zuordnung)"
    if sheet.is_list:
        return f"{sheet.target}[i].{column.path}"
    return f"{sheet.target}.{column.path}" if sheet.target else column.path


def save_deterministic(workbook, path: str | Path) -> None:
    """Save so that the same content gives the same bytes (fixed times in file and zip)."""
    workbook.properties.creator = "kim-docs"
    workbook.properties.lastModifiedBy = "kim-docs"
    workbook.properties.created = _FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)  # openpyxl stamps 'modified' with now; fixed below
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(),
                              data)
            target.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), data,
                            zipfile.ZIP_DEFLATED)
    Path(path).write_bytes(out.getvalue())


def columns_markdown() -> str:
    """The column tables of docs/tabelle.md (kept in sync by a test)."""
    parts = []
    for sheet in SHEETS:
        parts.append(f"### Tabelle `{sheet.name}`\n\n{sheet.hilfe}\n")
        parts.append("| Spalte | Pflicht | Werte | Feld im Fall | Erklärung |")
        parts.append("| --- | --- | --- | --- | --- |")
        for column in sheet.columns:
            values = ", ".join(f"`{c}`" for c in column.choices)
            parts.append(f"| {column.header} | {column.pflicht} | {values} | "
                         f"`{_case_path(sheet, column)}` | {column.hilfe} |")
        parts.append("")
    return "\n".join(parts)
