"""The layout of the batch workbook: its sheets and their columns.

One source for the reader, the template, the help sheet and the column tables of
``docs/tabelle.md`` (``columns_markdown``). A column says where its value goes in the case
dict (``path``) and how its cell is read (``kind``, see ``cells.CONVERTERS``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

OMIT = object()  # marker: an empty cell leaves the key out of the case dict


@dataclass(frozen=True)
class Column:
    """One column: its German header, where its value goes, how it is read."""

    header: str
    path: str          # Fälle: path in the case dict; other sheets: path inside one row item
    kind: str          # text | code | ags | plz | iban | betrag | anteil | datum | bool | int | id
    #                    | schalter (Bearbeiten: a switch of the row, not in the case)
    hilfe: str
    pflicht: str = "nein"
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    example: Any = None
    empty: Any = OMIT  # value for an empty cell (bool columns: nein, "x/leer")


@dataclass(frozen=True)
class Sheet:
    """One sheet (a tab or a CSV file): its name, where its rows go, its columns."""

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


# A switch of the row, not a field of the case: "nein" leaves the case out of the run
# without deleting its rows (empty: ja).
BEARBEITEN = Column("Bearbeiten", "", "schalter", "ja: der Fall wird bearbeitet (leer gilt "
                    "als ja); nein: der Fall wird in diesem Lauf ausgelassen, ohne seine Zeilen zu "
                    "löschen.", choices=_JA_NEIN, example="ja")

FAELLE = Sheet("Fälle", "", (
    Column(_FALL_ID, "", "id", "Eindeutige Kennung des Falls, z. B. KIM25-001; verbindet "
           "die Zeilen der anderen Tabellen mit dem Fall.", "ja", example="BEISPIEL-1"),
    BEARBEITEN,
    Column("Antragsteller", "antragsteller.name", "text", "Name des Antragstellers, z. B. "
           "Kreis Musterland.", "ja", aliases=("Name",), example="Kreis Musterland"),
    Column("Art", "antragsteller.art", "code", "Art des Antragstellers (Nr. 3.1).", "ja",
           choices=("kreis", "staedteregion", "kreisfreie_stadt"), example="kreis"),
    Column("AGS", "antragsteller.ags", "ags", "Amtlicher Gemeindeschlüssel, 8 Ziffern "
           "(als Text eingeben; 7 Ziffern werden vorn mit 0 ergänzt).", example="05999000"),
    Column("Verwaltungsgericht", "antragsteller.verwaltungsgericht", "text", "Nur "
           "ausfüllen, um das Gericht aus der Referenzliste (nach AGS) zu ersetzen.",
           example="Arnsberg"),
    Column("Vertreten durch", "antragsteller.vertreten_durch", "text", "Zeile unter dem Namen "
           "in der Anschrift, z. B. Der Landrat.", example="Der Landrat"),
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
    Column("Haushaltsstelle", "bescheid.haushaltsstelle", "text", "Bescheid: Haushaltsstelle, "
           "z. B. Kapitel … Titel …; steht im Bescheid und in der Kasse-Liste.", "für den Bescheid",
           example="Kapitel 07 070 Titel 633 10"),
    _bool("Vorläufige Haushaltsführung", "bescheid.vorlaeufige_haushaltsfuehrung", "Bescheid: "
          "unter dem Vorbehalt der vorläufigen Haushaltsführung (Art. 82 LV NRW)?"),
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
    Column("Kommune", "kommune", "text", "Name einer Kommune aus der Tabelle Kommunen, für "
           "die die Koordinationsstelle besteht (Nr. 4 e)."),
    Column("Weiterleitung", "weiterleitung", "bool", "Nur mit Kommune: nein = der Kreis "
           "beschäftigt die Person selbst; leer oder ja = an die Kommune weitergeleitet (Nr. 3.2); "
           "ja/nein (auch wahr/falsch, 1/0).", choices=_JA_NEIN),
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


def case_path(sheet: Sheet, column: Column) -> str:
    """Where a column's value lands in the case dict, as shown in Hilfe and the docs."""
    if column.kind == "id":
        return "(Zuordnung)"
    if column.kind == "schalter":
        return "(nicht im Fall)"
    if sheet.is_list:
        return f"{sheet.target}[i].{column.path}"
    return f"{sheet.target}.{column.path}" if sheet.target else column.path


def columns_markdown() -> str:
    """The column tables of docs/tabelle.md (kept in sync by a test)."""
    parts = []
    for sheet in SHEETS:
        parts.append(f"### Tabelle `{sheet.name}`\n\n{sheet.hilfe}\n")
        parts.append("| Spalte | Pflicht | Werte | Feld im Fall | Erklärung |")
        parts.append("| --- | --- | --- | --- | --- |")
        for column in sheet.columns:
            values = ", ".join(f"`{c}`" for c in choice_labels(column))
            parts.append(f"| {column.header} | {column.pflicht} | {values} | "
                         f"`{case_path(sheet, column)}` | {column.hilfe} |")
        parts.append("")
    return "\n".join(parts)


# ---------------------------------------------------------------- German words for codes

# What the drop-downs of the template offer and the reader accepts besides the code.
CHOICE_LABELS: dict[str, str] = {
    "kreis": "Kreis", "staedteregion": "Städteregion", "kreisfreie_stadt": "kreisfreie Stadt",
    "koordination": "Koordination", "verwaltungsassistenz": "Verwaltungsassistenz",
    "diplom_fh": "Diplom (FH)", "bachelor": "Bachelor", "master": "Master",
    "gleichwertig": "gleichwertig",
}


def choice_labels(column: Column) -> tuple[str, ...]:
    """The German words of a column's choices, as the drop-down shows them."""
    return tuple(CHOICE_LABELS.get(c, c) for c in column.choices)


# ---------------------------------------------------------------- required columns

# Pflicht value -> (fill colour of the header, legend text); "nein" is the default.
PFLICHT_MARKS: dict[str, tuple[str, str]] = {
    "ja": ("F8CBAD", "Pflicht: ohne diese Spalte wird kein Fall berechnet"),
    "für Dokumente": ("FFE699", "Pflicht für die Dokumente (Anschrift, Bankverbindung)"),
    "für den Bescheid": ("FFE699", "Pflicht für den Bescheid"),
    "für Anlage 3": ("FFE699", "Pflicht für den Verwendungsnachweis (Anlage 3)"),
    "nein": ("DDEBF7", "freiwillig"),
}

EXAMPLE_PREFIX = "BEISPIEL"   # Fall-IDs of the template's example rows: refused by a run
