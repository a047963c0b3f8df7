"""Rule sets: one data file per Richtlinie, holding every figure, date and clause.

The shipped rule sets live in `kim_docs/rules/`. Users add or override rule sets
without touching the package: a folder given by `--rules-dir` or by the environment
variable `KIM_DOCS_RULES_DIR` (several folders separated by ':'). A file there with the
id of a shipped rule set replaces it; a file with `erweitert: <id>` takes that rule set
and changes only the keys it names (e.g. to set the publication date).
"""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import RuleSetError
from .load import Positions, load_mapping
from .model import loc_to_path
from .resources import RULES

SHIPPED_DIR = RULES
ENV_VAR = "KIM_DOCS_RULES_DIR"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Geltung(_Data):
    nr: str
    beginn: dt.date
    ende: dt.date


class Behoerde(_Data):
    nr: str
    name: str
    dezernat: str | None = None
    strasse: str
    plz: str
    ort: str
    telefon: str | None = None
    internet: str | None = None
    unterzeichnung: str = "Im Auftrag"


class Klausel(_Data):
    nr: str
    text: str


class Zuwendung(_Data):
    art: Klausel
    finanzierungsart: Klausel
    form: Klausel


class Empfaenger(_Data):
    nr: str
    zugelassen: list[str]
    bezeichnung: dict[str, str]


class Koordination(_Data):
    jahresbetrag: Decimal
    hoechstanteile: dict[str, Decimal]
    zusatz_je_kommune: Decimal


class Verwaltungsassistenz(_Data):
    jahresbetrag: Decimal
    hoechstanteil: Decimal


class Stellen(_Data):
    nr: str
    mindestanteil: Decimal
    koordination: Koordination
    verwaltungsassistenz: Verwaltungsassistenz


class Sachausgaben(_Data):
    nr: str
    jahresbetrag_je_stelle: Decimal


class Begleitmassnahme(_Data):
    nr: str
    hoechstbetrag: Decimal


class Begleitmassnahmen(_Data):
    veranstaltungen: Begleitmassnahme
    massnahmen: Begleitmassnahme


class Qualifikation(_Data):
    nr: str
    zugelassen: list[str]
    bezeichnung: dict[str, str]


class Rate(_Data):
    monat: int = Field(ge=1, le=12)
    tag: int = Field(ge=1, le=31)
    anteil: Decimal


class Auszahlung(_Data):
    nr: str
    raten: list[Rate] = Field(min_length=1)


class AntragsFrist(_Data):
    nr: str
    erstes_jahr: int
    wochen_nach_veroeffentlichung: int
    vorjahr_monat: int = Field(ge=1, le=12)
    vorjahr_tag: int = Field(ge=1, le=31)


class VerwendungsFrist(_Data):
    nr: str
    monate_nach_ende: int


class Fristen(_Data):
    antrag: AntragsFrist
    verwendungsnachweis: VerwendungsFrist
    feiertage_land: str


class NachweisTexte(_Data):
    """The wording of the recipient's Verwendungsnachweis (rule 25): it never decides."""

    vorbehalt: str
    spielraum: str
    einnahmen: str
    besetzung: str
    differenz_weniger: str
    differenz_mehr: str
    differenz_keine: str
    weiterleitung: str
    auflagen_einleitung: str
    auflage_ohne_bericht: str


class PruefvermerkTexte(_Data):
    """The wording of the authority's Prüfvermerk (Nr. 11 VVG): the reason of each cap and the result."""

    grund_ist: str
    grund_hoechstbetrag: str
    grund_stellen: str
    grund_spielraum: str
    gesamt_begrenzt: str
    gesamt_nicht_begrenzt: str
    ergebnis_rueckforderung: str
    ergebnis_nachzahlung: str
    ergebnis_ausgeglichen: str


class VerwendungsRegel(_Data):
    nr: str
    ueberschreitung_einzelansatz: Decimal
    nachweis: NachweisTexte
    pruefvermerk: PruefvermerkTexte


class ErstattungRegel(_Data):
    """Rule 26: Erstattung and its interest (§ 49a VwVfG NRW)."""

    nr: str
    zinsaufschlag: Decimal = Field(description="Prozentpunkte über dem Basiszinssatz")


class Anbest(_Data):
    nr: str
    bezeichnung: str
    kurz: str = "ANBest-G"
    ausgeschlossen: list[str]
    text: str
    anlage: str | None = Field(None, description="Datei mit dem amtlichen Text (Markdown oder Text), relativ "
                                                 "zur Regelwerk-Datei oder absolut; folgt dem Bescheid als Anlage")
    anlage_text: str | None = Field(None, description="der Text dieser Datei (beim Laden gelesen)")


class AuflagenZusatz(_Data):
    """The part of an Auflage imposed only on some kinds of recipient (e: "in Kreisen")."""

    arten: list[str] = Field(min_length=1)
    text: str


class Auflage(_Data):
    buchstabe: str
    text: str = Field(description="the Auflage as imposed on the recipient")
    richtlinie: str = Field(description="the Richtlinie's sentence it implements")
    zusatz: AuflagenZusatz | None = None

    def auferlegt(self, art: str) -> str:
        """The imposed wording for a recipient of kind `art` (with the Zusatz where it applies)."""
        text = " ".join(self.text.split())
        if self.zusatz and art in self.zusatz.arten:
            text = f"{text} {' '.join(self.zusatz.text.split())}"
        return text


class Auflagen(_Data):
    nr: str
    einleitung: str = Field(description="the imposing formula of the Bescheid")
    richtlinie: str = Field(description="the Richtlinie's own introductory sentence (never printed as Auflage)")
    liste: list[Auflage] = Field(min_length=1)


class Klauseln(_Data):
    ermessen: str
    hoechstbetrag: str
    rechtsbehelf: str
    verwendungsnachweis_bestaetigung: str
    antrag_erklaerung: str


class Begruendung(_Data):
    einleitung: str
    ki_betrieb: str
    angliederung_an_ki: str
    ausnahme_angliederung: str
    lenkungsgruppe: str
    konzept_datum: str
    weitere_stelle: str
    qualifikation: str
    qualifikation_offen: str
    teilablehnung_hoechstbetrag: str
    teilablehnung_kuerzung: str


class BescheidTexte(_Data):
    """The wording of the Zuwendungsbescheid (rules 6, 14, 20–22); {placeholders} are filled per case."""

    rechtsgrundlagen: str
    haushaltsstelle: str
    zweck: str
    zweck_angliederung: str
    teilablehnung: str
    grund_hoechstbetrag: str
    grund_kuerzung: str
    stellen: str
    ohne_weiterleitung: str
    weiterleitung: str
    weiterleitung_pflichten_einleitung: str
    weiterleitung_pflichten: list[str] = Field(min_length=1)
    auszahlung: str
    auszahlung_verfahren: str
    verwendungsnachweis: str
    bedingung_einleitung: str
    bedingung: str
    hinweise: list[str] = Field(min_length=1)
    vorlaeufige_haushaltsfuehrung: str
    begruendung: Begruendung
    anlage_beigefuegt: str
    anlage_beizufuegen: str


class RuleSet(_Data):
    """A Richtlinie as data. Field names follow the rule-set file."""

    id: str
    titel: str
    kurztitel: str
    erlass: str
    datum: dt.date
    fundstelle: str
    veroeffentlicht: dt.date | None = None
    geltung: Geltung
    bewilligungsbehoerde: Behoerde
    zuwendung: Zuwendung
    empfaenger: Empfaenger
    stellen: Stellen
    sachausgaben: Sachausgaben
    begleitmassnahmen: Begleitmassnahmen
    qualifikation: Qualifikation
    voraussetzungen: dict[str, Klausel]
    weiterleitung: Klausel
    auszahlung: Auszahlung
    fristen: Fristen
    verwendungsnachweis: VerwendungsRegel
    erstattung: ErstattungRegel
    anbest: Anbest
    auflagen: Auflagen
    klauseln: Klauseln
    bescheid: BescheidTexte
    verwaltungsgerichte: dict[str, str]
    quelle: str | None = Field(None, description="file the rule set was read from")

    def covers(self, beginn: dt.date, ende: dt.date) -> bool:
        return self.geltung.beginn <= beginn and ende <= self.geltung.ende

    @property
    def sort_key(self) -> dt.date:
        """Publication order: the publication date where known, else the Erlass date."""
        return self.veroeffentlicht or self.datum


# --- loading -------------------------------------------------------------------------

def rule_dirs(extra: list[Path] | tuple[Path, ...] = ()) -> list[Path]:
    """Shipped folder first, then the environment variable's folders, then `extra`."""
    dirs = [SHIPPED_DIR]
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in extra]
    return dirs


def load_rule_sets(extra_dirs: list[Path] | tuple[Path, ...] = ()) -> dict[str, RuleSet]:
    """All rule sets known, by id; later folders override earlier ones."""
    return dict(_load_cached(tuple(str(d) for d in rule_dirs(extra_dirs))))


@lru_cache(maxsize=8)
def _load_cached(dirs: tuple[str, ...]) -> tuple[tuple[str, RuleSet], ...]:
    raw: dict[str, _Raw] = {}
    for folder in map(Path, dirs):
        if not folder.is_dir():
            raise RuleSetError("Regelwerk-Ordner nicht gefunden", datei=str(folder))
        for path in sorted(folder.glob("*.y*ml")):
            data, positions = load_mapping(path)
            rid = _rule_id(data, path)
            entry = _Raw(data, positions, path, base=None)
            if data.get("erweitert") == rid and rid in raw:
                entry.base = raw[rid]  # an override of the same id builds on the earlier file
            raw[rid] = entry
    return tuple(sorted((rid, _resolve(entry, raw, (rid,))) for rid, entry in raw.items()))


class _Raw:
    def __init__(self, data: dict[str, Any], positions: Positions, path: Path, base: _Raw | None):
        self.data, self.positions, self.path, self.base = data, positions, path, base


def _rule_id(data: dict[str, Any], path: Path) -> str:
    rid = data.get("id")
    if not isinstance(rid, str) or not rid:
        raise RuleSetError("Pflichtfeld 'id' fehlt", datei=str(path), feld="id", zeile=1)
    return rid


def _resolve(entry: _Raw, raw: dict[str, _Raw], chain: tuple[str, ...]) -> RuleSet:
    base_id = entry.data.get("erweitert")
    if base_id is None:
        return _validate(entry.data, entry.positions, entry.path)
    if entry.base is not None:
        base = _resolve(entry.base, raw, chain)
    elif base_id in raw and base_id not in chain:
        base = _resolve(raw[base_id], raw, chain + (base_id,))
    else:
        reason = "Zirkelbezug" if base_id in raw else "unbekanntes Regelwerk"
        raise RuleSetError(f"'erweitert: {base_id}': {reason}", datei=str(entry.path), feld="erweitert",
                           zeile=entry.positions.get("erweitert", (None, None))[0])
    change = {k: v for k, v in entry.data.items() if k != "erweitert"}
    merged = _deep_merge(base.model_dump(exclude={"quelle"}), change)
    return _validate(merged, entry.positions, entry.path)


def _validate(data: dict[str, Any], positions: Positions, path: Path) -> RuleSet:
    data = _with_anlage_text(data, positions, path)
    try:
        return RuleSet.model_validate({**data, "quelle": str(path)})
    except ValidationError as exc:
        err = exc.errors()[0]
        feld = loc_to_path(err["loc"])
        line = None
        probe = feld
        while probe and line is None:
            line = positions.get(probe, (None,))[0]
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        what = {"missing": "fehlt", "extra_forbidden": "ist kein Schlüssel eines Regelwerks"}.get(
            err["type"], f"ist ungültig ({err['msg']})")
        raise RuleSetError(f"Regelwerk fehlerhaft: Schlüssel '{feld}' {what}",
                           datei=str(path), feld=feld, zeile=line) from None


def _with_anlage_text(data: dict[str, Any], positions: Positions, path: Path) -> dict[str, Any]:
    """Rule 18: the official ANBest-G text named by `anbest.anlage` (relative to the rule-set
    file, or absolute) is read with the rule set, so documents and the batch's hash see it."""
    anbest = data.get("anbest")
    if not isinstance(anbest, dict):
        return data
    if not isinstance(anbest.get("anlage"), str) or not anbest["anlage"].strip():
        return {**data, "anbest": {**anbest, "anlage_text": None}}  # never a text without its file
    datei = (path.parent / anbest["anlage"].strip()).resolve()
    zeile = positions.get("anbest.anlage", (None,))[0]
    if datei.suffix.lower() not in (".md", ".txt", ".markdown"):
        raise RuleSetError(f"anbest.anlage: '{datei}' ist keine Markdown- oder Textdatei (.md, .txt)",
                           datei=str(path), feld="anbest.anlage", zeile=zeile)
    try:
        text = datei.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleSetError(f"anbest.anlage: die Datei '{datei}' gibt es nicht", datei=str(path),
                           feld="anbest.anlage", zeile=zeile) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"anbest.anlage: die Datei '{datei}' ist nicht lesbar ({exc.__class__.__name__}); "
                           f"erwartet wird Text in UTF-8", datei=str(path), feld="anbest.anlage", zeile=zeile) from None
    if not text.strip():
        raise RuleSetError(f"anbest.anlage: die Datei '{datei}' ist leer", datei=str(path), feld="anbest.anlage",
                           zeile=zeile)
    return {**data, "anbest": {**anbest, "anlage": str(datei), "anlage_text": text}}


def _deep_merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def candidates(rule_sets: dict[str, RuleSet], beginn: dt.date, ende: dt.date) -> list[RuleSet]:
    """Rule sets whose validity contains the period, the one published last first."""
    found = [rs for rs in rule_sets.values() if rs.covers(beginn, ende)]
    return sorted(found, key=lambda rs: (rs.sort_key, rs.id), reverse=True)
