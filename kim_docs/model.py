"""The case file (Fall) as pydantic models, mirroring the case format of the contract.

Only the shape and the types are checked here; whether a value is allowed by the
Richtlinie is the business of `checks` (a Befund, not a parse error). Unknown keys are
rejected, with a suggestion of the closest valid key.
"""
from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from .errors import InputError
from .load import Positions, load_mapping

Art = Literal["kreis", "staedteregion", "kreisfreie_stadt", "kreisangehoerige_gemeinde"]
Funktion = Literal["koordination", "verwaltungsassistenz"]
Qualifikation = Literal["diplom_fh", "bachelor", "master", "gleichwertig"]

#: Keys of the amounts in `betraege`, `ist` and the calculation output, in print order.
POSTEN = ("personal_koordination", "personal_verwaltungsassistenz", "sachausgaben",
          "veranstaltungen", "massnahmen")
#: The items a Bescheid may lower (rule 13); the Personalausgaben follow from the Stellen.
KUERZBARE_POSTEN = ("sachausgaben", "veranstaltungen", "massnahmen")


#: Bounds of every number in a case: far above any KIM figure, far below what breaks the
#: arithmetic (28 significant digits) – 1e400 or a 27-digit amount is an input error.
MAX_INTEGER_DIGITS = 12
MAX_DECIMAL_PLACES = 10


def _bounded(value: Decimal) -> Decimal:
    # adjusted(): the exponent of the leading digit, without arithmetic (abs() of 1e999999999
    # would overflow the decimal context)
    if value.is_finite() and value and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise PydanticCustomError("zahl_zu_gross", "zu groß")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        raise PydanticCustomError("zahl_zu_genau", "zu viele Nachkommastellen")
    return value


#: Decimal within the bounds above; every number field of the case uses it.
Zahl = Annotated[Decimal, AfterValidator(_bounded)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _plz_text(value: Any) -> Any:
    """An unquoted PLZ is read by YAML as a number; 45657 is meant as '45657' (and 4103 as '04103')."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 99999:
        return f"{value:05d}"
    return value


class Anschrift(_Model):
    strasse: str
    plz: Annotated[str, BeforeValidator(_plz_text)] = Field(
        pattern=r"^\d{5}$", description="Postleitzahl, fünf Ziffern")
    ort: str


class Ansprechperson(_Model):
    name: str
    telefon: str | None = None
    email: str | None = None


class Bankverbindung(_Model):
    iban: str = Field(description="IBAN; Prüfziffern nach ISO 13616 werden geprüft")
    bic: str | None = None
    kreditinstitut: str | None = None


class Antragsteller(_Model):
    name: str = Field(min_length=1)
    art: Art = Field(description="kreis | staedteregion | kreisfreie_stadt (Nr. 3.1)")
    ags: str | None = Field(None, pattern=r"^\d{8}$", description="Amtlicher Gemeindeschlüssel, 8 Ziffern")
    verwaltungsgericht: str | None = Field(
        None, description="Verwaltungsgericht, nur wenn der AGS fehlt oder unbekannt ist; "
                          "ein anderes als das des AGS ist ein Fehler")
    vertreten_durch: str | None = Field(None, description="Zeile unter dem Namen in der Anschrift, "
                                                          "z. B. 'Der Landrat'")
    anschrift: Anschrift | None = None
    ansprechperson: Ansprechperson | None = None
    bankverbindung: Bankverbindung | None = None


class Integrationszentrum(_Model):
    name: str


class Voraussetzungen(_Model):
    ki_betrieb: bool = Field(description="Nr. 4 a: Kommunales Integrationszentrum in Betrieb")
    angliederung_an_ki: bool = Field(description="Nr. 4 b: Stellen an das KI angegliedert")
    ausnahme_angliederung_az: str | None = Field(
        None, description="Nr. 4 b: Aktenzeichen der Ausnahme des Ministeriums")
    lenkungsgruppe: bool = Field(description="Nr. 4 c: Lenkungsgruppe eingerichtet oder beauftragt")
    konzept_datum: dt.date | None = Field(description="Nr. 4 d: Datum des Konzepts (null: noch nicht vorgelegt)")


class Bewilligungszeitraum(_Model):
    beginn: dt.date
    ende: dt.date


class Antrag(_Model):
    datum: dt.date
    sachausgaben: Zahl = Field(Decimal(0), description="beantragt, Nr. 5.4.2")
    veranstaltungen: Zahl = Field(Decimal(0), description="beantragt, Nr. 5.4.2 a")
    massnahmen: Zahl = Field(Decimal(0), description="beantragt, Nr. 5.4.2 b")


class Stelle(_Model):
    bezeichnung: str
    funktion: Funktion
    anteil: Zahl = Field(description="Anteil einer Vollzeitstelle, 0 < anteil <= 1")
    qualifikation: Qualifikation | None = Field(None, description="Nr. 4 f")
    qualifikation_nachweis: str | None = Field(None, description="Pflicht bei 'gleichwertig'")
    besetzt_von: dt.date | None = None
    besetzt_bis: dt.date | None = None
    kommune: str | None = Field(None, description="kreisangehörige Kommune, für die die Stelle besteht (Nr. 4 e)")
    weiterleitung: bool | None = Field(
        None, description="nur mit kommune: false = der Kreis beschäftigt die Person selbst; "
                          "Standard: an die Kommune weitergeleitet (Nr. 3.2)")

    @property
    def weitergeleitet(self) -> bool:
        """Rule 7 (v2): a Stelle for a Kommune is passed on unless `weiterleitung: false`."""
        return self.kommune is not None and self.weiterleitung is not False


class Kommune(_Model):
    name: str
    ags: str | None = Field(None, pattern=r"^\d{8}$")
    auslaenderbehoerde: bool
    jugendamt: bool
    integrationsrat: bool = Field(description="Integrationsrat oder Integrationsausschuss")

    @property
    def qualifiziert(self) -> bool:
        """Nr. 4 e: Ausländerbehörde, Jugendamt and Integrationsrat all present."""
        return self.auslaenderbehoerde and self.jugendamt and self.integrationsrat


class Sachbearbeitung(_Model):
    name: str
    telefon: str | None = None
    email: str | None = None


class Bewilligt(_Model):
    sachausgaben: Zahl | None = None
    veranstaltungen: Zahl | None = None
    massnahmen: Zahl | None = None


class Bescheid(_Model):
    aktenzeichen: str | None = None
    datum: dt.date | None = None
    haushaltsstelle: str | None = Field(None, description="z. B. 'Kapitel … Titel …' (für den Bescheid Pflicht)")
    vorlaeufige_haushaltsfuehrung: bool = Field(
        False, description="Vorbehalt der vorläufigen Haushaltsführung (Art. 82 LV NRW)")
    sachbearbeitung: Sachbearbeitung | None = None
    bewilligt: Bewilligt | None = None
    begruendung_kuerzung: str | None = None


class Auszahlungsanforderung(_Model):
    rate: int = Field(1, ge=1, description="Nummer der angeforderten Rate")
    datum: dt.date | None = None
    bereits_erhalten: Zahl = Decimal(0)


class Ist(_Model):
    personal_koordination: Zahl | None = None
    personal_verwaltungsassistenz: Zahl | None = None
    sachausgaben: Zahl | None = None
    veranstaltungen: Zahl | None = None
    massnahmen: Zahl | None = None


class IstStelle(_Model):
    """Actual occupancy of one Stelle (rule 23); each key left out is the planned value."""

    besetzt_von: dt.date | None = None
    besetzt_bis: dt.date | None = None
    anteil: Zahl | None = None
    personalausgaben: Zahl | None = Field(None, description="tatsächliche Personalausgaben dieser Stelle")


class AuflagenBericht(_Model):
    a: str | None = None
    b: str | None = None
    c: str | None = None
    d: str | None = None
    e: str | None = None


class Verwendungsnachweis(_Model):
    datum: dt.date | None = None
    erhalten: Zahl | None = Field(None, description="insgesamt ausgezahlt (für Anlage 3 Pflicht)")
    einnahmen: Zahl = Field(Decimal(0), description="Einnahmen Dritter für denselben Zweck (ANBest-G Nr. 2)")
    stellen: list[IstStelle] | None = Field(
        None, description="tatsächliche Besetzung je Stelle, in der Reihenfolge von stellen")
    auflagen: AuflagenBericht | None = Field(None, description="Bericht zu den Auflagen a) bis e)")
    ist: Ist | None = Field(None, description="tatsächliche Ausgaben je Posten (für Anlage 3 Pflicht)")
    sachbericht: str | None = None


class AuflagenErfuellt(_Model):
    a: bool | None = None
    b: bool | None = None
    c: bool | None = None
    d: bool | None = None
    e: bool | None = None


class Pruefung(_Model):
    """The authority's examination of the Verwendungsnachweis (Prüfvermerk, Nr. 11 VVG)."""

    datum: dt.date | None = None
    pruefer: str | None = None
    eingang: dt.date | None = Field(None, description="Eingang des Verwendungsnachweises")
    auflagen_erfuellt: AuflagenErfuellt | None = None
    bemerkungen: str | None = None


class Erstattung(_Model):
    """Anhörung, Widerruf, Erstattung and interest (§§ 28, 49, 49a VwVfG NRW; rule 26)."""

    anhoerung_datum: dt.date | None = None
    widerruf_datum: dt.date | None = None
    wirkung_ab: dt.date | None = Field(None, description="Standard: Datum der letzten gezahlten Rate")
    zinsen_bis: dt.date | None = Field(None, description="Zinsen bis einschließlich diesem Tag")
    zahlungsfrist: dt.date | None = None
    zinsverzicht: bool = Field(False, description="§ 49a Abs. 3 Satz 2 VwVfG NRW")
    zinsverzicht_begruendung: str | None = None


class Fall(_Model):
    """One funding case: one recipient, one Bewilligungszeitraum."""

    richtlinie: str | None = Field(None, description="Regelwerk, z. B. kim-nrw-2024; sonst nach dem Zeitraum")
    antragsteller: Antragsteller
    integrationszentrum: Integrationszentrum | None = None
    voraussetzungen: Voraussetzungen
    bewilligungszeitraum: Bewilligungszeitraum
    antrag: Antrag
    stellen: list[Stelle] = Field(min_length=1)
    kreisangehoerige_kommunen: list[Kommune] = Field(default_factory=list)
    bescheid: Bescheid | None = None
    auszahlungsanforderung: Auszahlungsanforderung | None = None
    verwendungsnachweis: Verwendungsnachweis | None = None
    pruefung: Pruefung | None = None
    erstattung: Erstattung | None = None


# --- parsing -------------------------------------------------------------------------

def parse_case(data: Any, *, datei: str = "<Fall>", positions: Positions | None = None) -> Fall:
    """Validate plain data against the case format; raise one InputError with all problems."""
    if not isinstance(data, dict):
        raise InputError("Der Fall muss ein Objekt (Schlüssel: Wert) sein", datei=datei)
    try:
        return Fall.model_validate(data)
    except ValidationError as exc:
        raise _to_input_error(exc, datei, positions or {}) from None


def case_problems(data: Any) -> tuple[Fall | None, list[tuple[str, str]]]:
    """Validate plain data; return the case, or None and every problem as (feld, German message).

    For callers that locate problems themselves (a spreadsheet maps `feld` to a cell).
    """
    if not isinstance(data, dict):
        return None, [("", "Der Fall muss ein Objekt (Schlüssel: Wert) sein")]
    try:
        return Fall.model_validate(data), []
    except ValidationError as exc:
        return None, [(loc_to_path(err["loc"]), _error_message(err)) for err in exc.errors()]


def load_case(path: str | Path) -> Fall:
    """Read and validate a case file (YAML or JSON)."""
    path = Path(path)
    data, positions = load_mapping(path)
    return parse_case(data, datei=str(path), positions=positions)


def loc_to_path(loc: tuple[Any, ...]) -> str:
    """('stellen', 1, 'anteil') → 'stellen[1].anteil'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _to_input_error(exc: ValidationError, datei: str, positions: Positions) -> InputError:
    messages = [_error_message(err) for err in exc.errors()]
    first = exc.errors()[0]
    feld = loc_to_path(first["loc"])
    line, column = _position_of(feld, positions)
    if len(messages) == 1:
        return InputError(messages[0], datei=datei, zeile=line, spalte=column)
    listing = "\n".join(f"  - {m}{_at(loc_to_path(e['loc']), positions)}"
                        for m, e in zip(messages, exc.errors()))
    return InputError(f"{len(messages)} Probleme im Aufbau des Falls:\n{listing}", datei=datei)


def _at(feld: str, positions: Positions) -> str:
    line, column = _position_of(feld, positions)
    return f" (Zeile {line}, Spalte {column})" if line else ""


def _position_of(feld: str, positions: Positions) -> tuple[int | None, int | None]:
    while feld:
        if feld in positions:
            return positions[feld]
        feld = feld.rsplit(".", 1)[0] if "." in feld else ""
    return None, None


def _error_message(err: ErrorDetails) -> str:
    loc = err["loc"]
    feld = loc_to_path(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        return _unknown_key_message(loc)
    if kind == "missing":
        return f"Pflichtfeld '{feld}' fehlt"
    value = err.get("input")
    shown = f"'{value}'" if not isinstance(value, (dict, list)) else "der Wert"
    reason = _REASONS.get(kind)
    if reason is None and kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        reason = f"ist nicht zulässig; erlaubt: {expected.replace(' or ', ', ')}"
    if reason is None and kind == "string_pattern_mismatch":
        reason = _PATTERN_REASONS.get(str(loc[-1]), "hat nicht das erwartete Format")
    if reason is None:
        reason = f"ist ungültig ({err['msg']})"
    return f"Feld '{feld}': {shown} {reason}"


_REASONS = {
    "decimal_parsing": "ist keine Zahl",
    "finite_number": "ist keine endliche Zahl",
    "zahl_zu_gross": f"ist zu groß (höchstens {MAX_INTEGER_DIGITS} Stellen vor dem Komma)",
    "zahl_zu_genau": f"hat zu viele Nachkommastellen (höchstens {MAX_DECIMAL_PLACES})",
    "decimal_type": "ist keine Zahl",
    "int_parsing": "ist keine ganze Zahl",
    "int_type": "ist keine ganze Zahl",
    "int_from_float": "ist keine ganze Zahl",
    "greater_than_equal": "ist zu klein",
    "bool_parsing": "ist kein Wahrheitswert (true oder false)",
    "bool_type": "ist kein Wahrheitswert (true oder false)",
    "date_parsing": "ist kein gültiges Datum (JJJJ-MM-TT)",
    "date_from_datetime_parsing": "ist kein gültiges Datum (JJJJ-MM-TT)",
    "date_from_datetime_inexact": "ist ein Zeitpunkt, erwartet wird ein Datum (JJJJ-MM-TT)",
    "date_type": "ist kein Datum (JJJJ-MM-TT)",
    "string_type": "ist kein Text (Zahlen mit führender Null in Anführungszeichen setzen)",
    "string_too_short": "ist leer",
    "list_type": "ist keine Liste",
    "too_short": "ist leer; mindestens ein Eintrag ist nötig",
    "model_type": "ist kein Objekt mit Schlüsseln",
    "model_attributes_type": "ist kein Objekt mit Schlüsseln",
    "dict_type": "ist kein Objekt mit Schlüsseln",
}

_PATTERN_REASONS = {
    "ags": "ist kein Amtlicher Gemeindeschlüssel (8 Ziffern, in Anführungszeichen)",
    "plz": "ist keine Postleitzahl (5 Ziffern, in Anführungszeichen)",
}


def _unknown_key_message(loc: tuple[Any, ...]) -> str:
    feld = loc_to_path(loc)
    model = _model_at(Fall, loc[:-1])
    message = f"Unbekanntes Feld '{feld}'"
    if model is not None:
        close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
        if close:
            message += f" – meinten Sie '{close[0]}'?"
        else:
            message += f"; erlaubt sind: {', '.join(model.model_fields)}"
    return message


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class found by walking `loc` from `model` (list indices skipped)."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        found = _model_in(field.annotation)
        if found is None:
            return None
        model = found
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is not None or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def json_schema() -> dict[str, Any]:
    """JSON Schema of the case file, for editors and other systems."""
    schema = Fall.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "KIM-Fall (kim-docs)"
    return schema
