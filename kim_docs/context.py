"""What a template sees: pure functions from (case, rule set, calculation) to a context.

Every value a document prints is prepared here, formatted in German, so templates hold
wording and layout only. `kim_docs.variables.CATALOGUE` documents every variable; a test keeps it and the
builder in step, and `kim-docs templates variables` prints it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .bescheid_context import bescheid_context, one_line
from .calc import Berechnung
from .checks import verwaltungsgericht
from .errors import RenderError
from .findings import Befund
from .kinds import KINDS
from .model import KUERZBARE_POSTEN, POSTEN, Fall
from .pruefvermerk_context import pruefvermerk_context
from .reference import Referenz
from .rules import RuleSet
from .verwendung_context import verwendung_context

#: Document titles by kind (from the one table in kinds.py).
DOKUMENTE = {key: k.titel for key, k in KINDS.items()}

POSTEN_NAMEN = {
    "personal_koordination": "Personalausgaben Koordination",
    "personal_verwaltungsassistenz": "Personalausgaben Verwaltungsassistenz",
    "sachausgaben": "Sachausgaben",
    "veranstaltungen": "Begleitmaßnahmen: Veranstaltungen",
    "massnahmen": "Begleitmaßnahmen: Maßnahmen",
}

FUNKTION_NAMEN = {"koordination": "Koordination", "verwaltungsassistenz": "Verwaltungsassistenz"}


def missing_data(fall: Fall, dokument: str) -> list[str]:
    """The case keys `dokument` needs that the case does not have."""
    missing = []
    for path in KINDS[dokument].pflichtfelder:
        value: Any = fall
        for key in path.split("."):
            value = getattr(value, key, None)
            if value is None:
                missing.append(path)
                break
    return missing


def build_context(fall: Fall, regelwerk: RuleSet, berechnung: Berechnung, referenz: Referenz,
                  dokument: str, *, befunde: list[Befund] | None = None, entwurf: bool = False) -> dict[str, Any]:
    """The template context of one document. Raises RenderError when its data is missing."""
    missing = missing_data(fall, dokument)
    if missing:
        raise RenderError(f"Für {DOKUMENTE[dokument]} fehlen Angaben im Fall: {', '.join(missing)}")
    b = berechnung
    return {
        "dokument": _dokument(fall, dokument, befunde or [], entwurf),
        "regelwerk": _regelwerk(regelwerk),
        "behoerde": _behoerde(regelwerk),
        "antragsteller": _antragsteller(fall, regelwerk),
        "integrationszentrum": {"name": fall.integrationszentrum.name if fall.integrationszentrum else ""},
        "zeitraum": _zeitraum(fall),
        "antrag": _antrag(fall),
        "voraussetzungen": _voraussetzungen(fall, regelwerk),
        "stellen": [_stelle(sb, regelwerk) for sb in b.stellen],
        "kommunen": [_kommune(fall, k) for k in fall.kreisangehoerige_kommunen],
        "posten": _posten(b),
        "hoechstbetraege": {k: fmt.euro(v) for k, v in b.hoechstbetraege.items()},
        "betraege": {**{k: fmt.euro(b.betraege[k]) for k in (*POSTEN, "gesamt")},
                     "gesamt_in_worten": fmt.betrag_in_worten(b.gesamt)},
        "auszahlungen": [{"rate": r.rate, "termin": fmt.datum(r.termin), "betrag": fmt.euro(r.betrag)}
                         for r in b.auszahlungen],
        "weiterleitung": [{"kommune": w.kommune, "personal": fmt.euro(w.personal),
                           "sachausgaben": fmt.euro(w.sachausgaben), "gesamt": fmt.euro(w.gesamt),
                           "stellen": ", ".join(b.stellen[i].stelle.bezeichnung for i in w.stellen)}
                          for w in b.weiterleitung],
        "hat_weiterleitung": bool(b.weiterleitung),
        "fristen": _fristen(b),
        "bescheid": _bescheid(fall, regelwerk, b),
        "klauseln": _klauseln(fall, regelwerk, referenz),
        "auflagen": [_auflage(a, fall.antragsteller.art) for a in regelwerk.auflagen.liste],
        "gericht": _gericht(fall, regelwerk, referenz),
        "auszahlung": _auszahlung(fall, b),
        "verwendung": _verwendung(fall, b),
        "pruefung": pruefvermerk_context(fall, b, POSTEN_NAMEN),
    }


def _ja(value: bool) -> str:
    return "ja" if value else "nein"


def _date_or_empty(day: dt.date | None, lang: bool = False) -> str:
    if day is None:
        return ""
    return fmt.datum_lang(day) if lang else fmt.datum(day)


def _dokument(fall: Fall, dokument: str, befunde: list[Befund], entwurf: bool) -> dict[str, Any]:
    datum = document_date(fall, dokument)
    return {"art": dokument, "titel": DOKUMENTE[dokument], "datum": fmt.datum(datum),
            "datum_lang": fmt.datum_lang(datum), "entwurf": entwurf,
            "befunde": [f"{b.schwere.capitalize()} (Nr. {b.nr or '–'}, {b.feld}): {b.meldung}" for b in befunde]}


def document_date(fall: Fall, dokument: str) -> dt.date:
    """The date a document carries (also its fixed creation date, for reproducible files)."""
    dates = {
        "antrag": fall.antrag.datum,
        "bescheid": fall.bescheid.datum if fall.bescheid else None,
        "auszahlung": fall.auszahlungsanforderung.datum if fall.auszahlungsanforderung else None,
        "verwendungsnachweis": fall.verwendungsnachweis.datum if fall.verwendungsnachweis else None,
        "pruefvermerk": fall.pruefung.datum if fall.pruefung else None,
    }
    return dates[dokument] or fall.antrag.datum


def _regelwerk(rs: RuleSet) -> dict[str, Any]:
    return {"id": rs.id, "titel": rs.titel, "kurztitel": rs.kurztitel, "erlass": rs.erlass,
            "datum_lang": fmt.datum_lang(rs.datum), "fundstelle": rs.fundstelle}


def _behoerde(rs: RuleSet) -> dict[str, Any]:
    b = rs.bewilligungsbehoerde
    return {"name": b.name, "dezernat": b.dezernat or "", "strasse": b.strasse, "plz": b.plz, "ort": b.ort,
            "telefon": b.telefon or "", "internet": b.internet or "", "unterzeichnung": b.unterzeichnung,
            "anschrift_zeile": f"{b.name} · {b.strasse} · {b.plz} {b.ort}"}


def _antragsteller(fall: Fall, rs: RuleSet) -> dict[str, Any]:
    a = fall.antragsteller
    anschrift = a.anschrift
    person = a.ansprechperson
    bank = a.bankverbindung
    return {
        "name": a.name, "art": a.art, "vertreten_durch": _vertreten_durch(a.vertreten_durch), "art_text": rs.empfaenger.bezeichnung.get(a.art, a.art), "ags": a.ags or "",
        "anschrift": {"strasse": anschrift.strasse if anschrift else "", "plz": anschrift.plz if anschrift else "",
                      "ort": anschrift.ort if anschrift else ""},
        "ansprechperson": {"name": person.name if person else "", "telefon": (person.telefon or "") if person else "",
                           "email": (person.email or "") if person else ""},
        "bankverbindung": {"iban": _iban_groups(bank.iban) if bank else "", "bic": (bank.bic or "") if bank else "",
                           "kreditinstitut": (bank.kreditinstitut or "") if bank else ""},
    }


def _vertreten_durch(text: str | None) -> str:
    """'Der Landrat' → '– Der Landrat –', the line under the addressee's name (rule 20)."""
    text = (text or "").strip().strip("–-").strip()
    return f"– {text} –" if text else ""


def _iban_groups(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _zeitraum(fall: Fall) -> dict[str, Any]:
    z = fall.bewilligungszeitraum
    return {"beginn": fmt.datum(z.beginn), "ende": fmt.datum(z.ende), "beginn_lang": fmt.datum_lang(z.beginn),
            "ende_lang": fmt.datum_lang(z.ende), "jahr": str(z.beginn.year)}


def _antrag(fall: Fall) -> dict[str, Any]:
    a = fall.antrag
    return {"datum": fmt.datum(a.datum), "datum_lang": fmt.datum_lang(a.datum),
            "sachausgaben": fmt.euro(a.sachausgaben), "veranstaltungen": fmt.euro(a.veranstaltungen),
            "massnahmen": fmt.euro(a.massnahmen)}


def _voraussetzungen(fall: Fall, rs: RuleSet) -> list[dict[str, Any]]:
    v = fall.voraussetzungen
    angaben = {
        "ki_betrieb": _ja(v.ki_betrieb),
        "angliederung_an_ki": _ja(v.angliederung_an_ki) + (
            f" (Ausnahme, Az. {v.ausnahme_angliederung_az})" if v.ausnahme_angliederung_az else ""),
        "lenkungsgruppe": _ja(v.lenkungsgruppe),
        "konzept_datum": f"vorgelegt am {fmt.datum(v.konzept_datum)}" if v.konzept_datum else "nicht vorgelegt",
        "weitere_stelle": f"{sum(1 for k in fall.kreisangehoerige_kommunen if k.qualifiziert)} Kommune(n)",
        "qualifikation": "siehe Stellenplan",
    }
    return [{"nr": klausel.nr, "text": klausel.text, "angabe": angaben.get(key, "")}
            for key, klausel in rs.voraussetzungen.items()]


def _stelle(sb: Any, rs: RuleSet) -> dict[str, Any]:
    s = sb.stelle
    besetzung = f"{fmt.datum(sb.von)} – {fmt.datum(sb.bis)}" if sb.von else "außerhalb des Zeitraums"
    kommune = (s.kommune or "").strip()
    kommune_text = kommune if not kommune or s.weitergeleitet else \
        " ".join(rs.bescheid.ohne_weiterleitung.split()).format(kommune=kommune)
    return {"nr": sb.index + 1, "bezeichnung": s.bezeichnung, "funktion": FUNKTION_NAMEN[s.funktion],
            "anteil": fmt.anteil(s.anteil), "besetzung": besetzung,
            "qualifikation": _qualifikation(s), "kommune": kommune, "kommune_text": kommune_text,
            "weiterleitung": (_ja(s.weitergeleitet) if kommune else ""),
            "personal": fmt.euro(sb.personal), "sachausgaben": fmt.euro(sb.sachausgaben_hoechstbetrag)}


def _kommune(fall: Fall, k: Any) -> dict[str, Any]:
    """A kreisangehörige Kommune with the three conditions of Nr. 4 e and its Stellen (rule 7)."""
    name = k.name.strip()
    own = [s for s in fall.stellen if (s.kommune or "").strip() == name]
    stellen = [f"{s.bezeichnung} ({'weitergeleitet' if s.weitergeleitet else 'ohne Weiterleitung'})" for s in own]
    return {"name": name, "ags": k.ags or "", "qualifiziert": _ja(k.qualifiziert),
            "auslaenderbehoerde": _ja(k.auslaenderbehoerde), "jugendamt": _ja(k.jugendamt),
            "integrationsrat": _ja(k.integrationsrat), "stellen": "; ".join(stellen) or "–"}


_QUALIFIKATION_NAMEN = {"diplom_fh": "Diplom (FH)", "bachelor": "Bachelor", "master": "Master",
                        "gleichwertig": "gleichwertig"}


def _qualifikation(s: Any) -> str:
    if s.qualifikation is None:
        return "–"
    text = _QUALIFIKATION_NAMEN[s.qualifikation]
    return f"{text}: {s.qualifikation_nachweis}" if s.qualifikation_nachweis else text


def _posten(b: Berechnung) -> list[dict[str, Any]]:
    rs = b.regelwerk
    nrs = {"personal_koordination": rs.stellen.nr, "personal_verwaltungsassistenz": rs.stellen.nr,
           "sachausgaben": rs.sachausgaben.nr, "veranstaltungen": rs.begleitmassnahmen.veranstaltungen.nr,
           "massnahmen": rs.begleitmassnahmen.massnahmen.nr}
    beantragt = {**{k: b.hoechstbetraege[k] for k in POSTEN[:2]}, **b.beantragt}
    return [{"key": k, "name": POSTEN_NAMEN[k], "nr": nrs[k], "hoechstbetrag": fmt.euro(b.hoechstbetraege[k]),
             "beantragt": fmt.euro(beantragt[k]), "bewilligt": fmt.euro(b.betraege[k]), "gekuerzt": k in b.gekuerzt}
            for k in POSTEN]


def _fristen(b: Berechnung) -> dict[str, Any]:
    return {"antrag": _date_or_empty(b.frist_antrag) or "nicht bestimmbar",
            "verwendungsnachweis": fmt.datum(b.frist_verwendungsnachweis),
            "verwendungsnachweis_lang": fmt.datum_lang(b.frist_verwendungsnachweis)}


def _bescheid(fall: Fall, rs: RuleSet, b: Berechnung) -> dict[str, Any]:
    bescheid = fall.bescheid
    sb = bescheid.sachbearbeitung if bescheid else None
    kuerzungen = [{"posten": POSTEN_NAMEN[k], "beantragt": fmt.euro(b.foerderfaehig[k]),
                   "bewilligt": fmt.euro(b.betraege[k]), "differenz": fmt.euro(b.foerderfaehig[k] - b.betraege[k])}
                  for k in b.gekuerzt]
    abgelehnt = sum((b.beantragt[k] - b.betraege[k] for k in KUERZBARE_POSTEN), Decimal(0))
    return {
        "aktenzeichen": (bescheid.aktenzeichen or "") if bescheid else "",
        "datum": _date_or_empty(bescheid.datum if bescheid else None),
        "datum_lang": _date_or_empty(bescheid.datum if bescheid else None, lang=True),
        "sachbearbeitung": {"name": sb.name if sb else "", "telefon": (sb.telefon or "") if sb else "",
                            "email": (sb.email or "") if sb else ""},
        "gekuerzt": bool(kuerzungen),
        "kuerzungen": kuerzungen,
        "begruendung_kuerzung": ((bescheid.begruendung_kuerzung or "").strip() if bescheid else ""),
        "abgelehnt": fmt.euro(abgelehnt),
        "teilablehnung": abgelehnt > 0,
        "ueber_hoechstbetrag": any(b.beantragt[k] > b.foerderfaehig[k] for k in KUERZBARE_POSTEN),
        **bescheid_context(fall, rs, b, fall.integrationszentrum.name if fall.integrationszentrum else ""),
    }


def _klauseln(fall: Fall, rs: RuleSet, referenz: Referenz) -> dict[str, Any]:
    z = rs.zuwendung
    return {
        "zuwendungsart": f"{z.art.text} (Nr. {z.art.nr} der Richtlinie)",
        "finanzierungsart": f"{z.finanzierungsart.text} (Nr. {z.finanzierungsart.nr} der Richtlinie)",
        "form": f"{z.form.text} (Nr. {z.form.nr} der Richtlinie)",
        "hoechstbetrag": _one_line(rs.klauseln.hoechstbetrag),
        "ermessen": _one_line(rs.klauseln.ermessen),
        "anbest": _one_line(rs.anbest.text),
        "auflagen_einleitung": _one_line(rs.auflagen.einleitung),
        "auflagen_richtlinie": _one_line(rs.auflagen.richtlinie),
        "weiterleitung": _one_line(rs.weiterleitung.text),
        "rechtsbehelf": rechtsbehelf(fall, rs, referenz),
        "verwendungsnachweis_bestaetigung": _one_line(rs.klauseln.verwendungsnachweis_bestaetigung),
        "antrag_erklaerung": _one_line(rs.klauseln.antrag_erklaerung),
    }


def _auflage(a: Any, art: str) -> dict[str, str]:
    """Rule 19: the Auflage as imposed on this recipient; `nicht_auferlegt` is the part that
    does not apply to it (e)'s Kommunen for a kreisfreie Stadt), which the guard keeps out."""
    zusatz = a.zusatz
    return {"buchstabe": a.buchstabe, "text": _one_line(a.auferlegt(art)), "richtlinie": _one_line(a.richtlinie),
            "nicht_auferlegt": _one_line(zusatz.text) if zusatz and art not in zusatz.arten else ""}


def _one_line(text: str) -> str:
    return one_line(text)


def rechtsbehelf(fall: Fall, rs: RuleSet, referenz: Referenz) -> str:
    """The Rechtsbehelfsbelehrung with the court of the recipient's seat filled in."""
    gericht = _gericht(fall, rs, referenz)
    return _one_line(rs.klauseln.rechtsbehelf.format(gericht=gericht["name"], anschrift=gericht["anschrift"]))


def _gericht(fall: Fall, rs: RuleSet, referenz: Referenz) -> dict[str, str]:
    name = verwaltungsgericht(fall, referenz) or ""
    return {"name": name, "anschrift": rs.verwaltungsgerichte.get(name, "")}


def _auszahlung(fall: Fall, b: Berechnung) -> dict[str, Any]:
    anforderung = fall.auszahlungsanforderung
    if anforderung is None or anforderung.rate > len(b.auszahlungen):
        return {"rate": "", "termin": "", "betrag": "", "bereits_erhalten": "", "datum": "", "datum_lang": "",
                "rest": ""}
    rate = b.auszahlungen[anforderung.rate - 1]
    rest = b.gesamt - anforderung.bereits_erhalten - rate.betrag
    return {"rate": rate.rate, "termin": fmt.datum(rate.termin), "betrag": fmt.euro(rate.betrag),
            "bereits_erhalten": fmt.euro(anforderung.bereits_erhalten),
            "datum": _date_or_empty(anforderung.datum), "datum_lang": _date_or_empty(anforderung.datum, lang=True),
            "rest": fmt.euro(rest)}


def _verwendung(fall: Fall, b: Berechnung) -> dict[str, Any]:
    """The recipient's Verwendungsnachweis (rule 25): figures and comparison, no decision."""
    return verwendung_context(fall, b, POSTEN_NAMEN, FUNKTION_NAMEN)


def flatten(context: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}, 'l': [{'x': 2}]} → {'a.b': 1, 'l': [...], 'l[].x': 2}: the catalogue's names."""
    out: dict[str, Any] = {}
    for key, value in context.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = value
            for item in value:
                if isinstance(item, dict):
                    out.update({k: v for k, v in flatten(item, f"{name}[].").items() if k not in out})
        else:
            out[name] = value
    return out
