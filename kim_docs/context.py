"""What a template sees: pure functions from (case, rule set, calculation) to a context.

Every value a document prints is prepared here, formatted in German, so templates hold
wording and layout only. `CATALOGUE` documents every variable; a test keeps it and the
builder in step, and `kim-docs templates variables` prints it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .bescheid_context import CATALOGUE_BESCHEID, bescheid_context, one_line
from .calc import Berechnung
from .checks import verwaltungsgericht
from .errors import RenderError
from .findings import Befund
from .kinds import KINDS
from .model import KUERZBARE_POSTEN, POSTEN, Fall
from .reference import Referenz
from .rules import RuleSet

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
    v = b.verwendung
    nachweis = fall.verwendungsnachweis
    if v is None or nachweis is None:
        return {"datum": "", "erhalten": "", "posten": [], "anerkannt_gesamt": "", "ist_gesamt": "",
                "rueckforderung": "", "nachzahlung": "", "ergebnis": "", "sachbericht": "",
                "spielraum": fmt.prozent(b.regelwerk.verwendungsnachweis.ueberschreitung_einzelansatz)}
    posten = [{"name": POSTEN_NAMEN[k], "bewilligt": fmt.euro(b.betraege[k]), "ist": fmt.euro(v.ist[k]),
               "anerkannt": fmt.euro(v.anerkannt[k])} for k in POSTEN]
    if v.rueckforderung > 0:
        ergebnis = f"Rückforderung: {fmt.euro(v.rueckforderung)}"
    elif v.nachzahlung > 0:
        ergebnis = f"Nachzahlung: {fmt.euro(v.nachzahlung)}"
    else:
        ergebnis = "ausgeglichen (weder Rückforderung noch Nachzahlung)"
    return {"datum": _date_or_empty(nachweis.datum), "erhalten": fmt.euro(v.erhalten), "posten": posten,
            "anerkannt_gesamt": fmt.euro(v.anerkannt["gesamt"]),
            "ist_gesamt": fmt.euro(sum(v.ist.values(), Decimal(0))),
            "rueckforderung": fmt.euro(v.rueckforderung), "nachzahlung": fmt.euro(v.nachzahlung),
            "ergebnis": ergebnis, "sachbericht": (nachweis.sachbericht or "").strip(),
            "spielraum": fmt.prozent(b.regelwerk.verwendungsnachweis.ueberschreitung_einzelansatz)}


# --- the variable catalogue ------------------------------------------------------------

@dataclass(frozen=True)
class Variable:
    name: str
    typ: str
    bedeutung: str


def _v(name: str, typ: str, bedeutung: str) -> Variable:
    return Variable(name, typ, bedeutung)


T, L, B, Z = "Text", "Liste", "Wahrheitswert", "Zahl"
CATALOGUE: tuple[Variable, ...] = (
    _v("dokument.art", T, "antrag, bescheid, auszahlung oder verwendungsnachweis"),
    _v("dokument.titel", T, "Bezeichnung des Dokuments"),
    _v("dokument.datum", T, "Datum des Dokuments (TT.MM.JJJJ)"),
    _v("dokument.datum_lang", T, "Datum des Dokuments ausgeschrieben"),
    _v("dokument.entwurf", B, "wahr bei --draft: ENTWURF drucken"),
    _v("dokument.befunde", L, "Befunde als Texte (für den Entwurf)"),
    _v("regelwerk.id", T, "Kennung des Regelwerks"),
    _v("regelwerk.titel", T, "voller Titel der Richtlinie"),
    _v("regelwerk.kurztitel", T, "Kurztitel der Richtlinie"),
    _v("regelwerk.erlass", T, "erlassendes Ministerium (Runderlass)"),
    _v("regelwerk.datum_lang", T, "Datum der Richtlinie"),
    _v("regelwerk.fundstelle", T, "Fundstelle im Ministerialblatt"),
    _v("behoerde.name", T, "Bewilligungsbehörde (Nr. 7.2)"),
    _v("behoerde.dezernat", T, "zuständiges Dezernat"),
    _v("behoerde.strasse", T, "Straße der Behörde"),
    _v("behoerde.plz", T, "PLZ der Behörde"),
    _v("behoerde.ort", T, "Ort der Behörde"),
    _v("behoerde.telefon", T, "Telefon der Behörde"),
    _v("behoerde.internet", T, "Internetadresse der Behörde"),
    _v("behoerde.unterzeichnung", T, "Zeichnungsformel, z. B. Im Auftrag"),
    _v("behoerde.anschrift_zeile", T, "Absenderzeile über dem Anschriftfeld"),
    _v("antragsteller.name", T, "Zuwendungsempfänger"),
    _v("antragsteller.art", T, "kreis, staedteregion oder kreisfreie_stadt"),
    _v("antragsteller.art_text", T, "Art als Text (Kreis, Städteregion, kreisfreie Stadt)"),
    _v("antragsteller.ags", T, "Amtlicher Gemeindeschlüssel"),
    _v("antragsteller.vertreten_durch", T, "Vertretung unter dem Namen in der Anschrift, z. B. – Der Landrat –"),
    _v("antragsteller.anschrift.strasse", T, "Straße"),
    _v("antragsteller.anschrift.plz", T, "Postleitzahl"),
    _v("antragsteller.anschrift.ort", T, "Ort"),
    _v("antragsteller.ansprechperson.name", T, "Ansprechperson"),
    _v("antragsteller.ansprechperson.telefon", T, "Telefon der Ansprechperson"),
    _v("antragsteller.ansprechperson.email", T, "E-Mail der Ansprechperson"),
    _v("antragsteller.bankverbindung.iban", T, "IBAN in Vierergruppen"),
    _v("antragsteller.bankverbindung.bic", T, "BIC"),
    _v("antragsteller.bankverbindung.kreditinstitut", T, "Kreditinstitut"),
    _v("integrationszentrum.name", T, "Kommunales Integrationszentrum (Nr. 4 a, b)"),
    _v("zeitraum.beginn", T, "Beginn des Bewilligungszeitraums (TT.MM.JJJJ)"),
    _v("zeitraum.ende", T, "Ende des Bewilligungszeitraums (TT.MM.JJJJ)"),
    _v("zeitraum.beginn_lang", T, "Beginn ausgeschrieben"),
    _v("zeitraum.ende_lang", T, "Ende ausgeschrieben"),
    _v("zeitraum.jahr", T, "Jahr des Bewilligungszeitraums"),
    _v("antrag.datum", T, "Datum des Antrags"),
    _v("antrag.datum_lang", T, "Datum des Antrags ausgeschrieben"),
    _v("antrag.sachausgaben", T, "beantragte Sachausgaben (€)"),
    _v("antrag.veranstaltungen", T, "beantragte Veranstaltungen (€)"),
    _v("antrag.massnahmen", T, "beantragte Maßnahmen (€)"),
    _v("voraussetzungen", L, "Zuwendungsvoraussetzungen Nr. 4 a)–f)"),
    _v("voraussetzungen[].nr", T, "Nr. der Voraussetzung, z. B. 4 a"),
    _v("voraussetzungen[].text", T, "Wortlaut der Richtlinie"),
    _v("voraussetzungen[].angabe", T, "Angabe des Antragstellers (ja/nein, Datum)"),
    _v("stellen", L, "Stellenplan (Nr. 5.4.1)"),
    _v("stellen[].nr", Z, "laufende Nummer"),
    _v("stellen[].bezeichnung", T, "Bezeichnung der Stelle"),
    _v("stellen[].funktion", T, "Koordination oder Verwaltungsassistenz"),
    _v("stellen[].anteil", T, "Stellenanteil, z. B. 0,5"),
    _v("stellen[].besetzung", T, "besetzter Zeitraum innerhalb des Bewilligungszeitraums"),
    _v("stellen[].qualifikation", T, "Qualifikation (Nr. 4 f)"),
    _v("stellen[].kommune", T, "Kommune, für die die Stelle besteht (Nr. 4 e), sonst leer"),
    _v("stellen[].kommune_text", T, "dieselbe Kommune, mit '(ohne Weiterleitung)' wenn der Kreis selbst beschäftigt"),
    _v("stellen[].weiterleitung", T, "ja/nein: an die Kommune weitergeleitet (leer ohne Kommune)"),
    _v("stellen[].personal", T, "Personalausgaben der Stelle (€)"),
    _v("stellen[].sachausgaben", T, "Sachausgaben-Höchstbetrag der Stelle (€)"),
    _v("kommunen", L, "kreisangehörige Kommunen (Nr. 3.2, 4 e)"),
    _v("kommunen[].name", T, "Name der Kommune"),
    _v("kommunen[].ags", T, "AGS der Kommune"),
    _v("kommunen[].qualifiziert", T, "ja, wenn Ausländerbehörde, Jugendamt und Integrationsrat"),
    _v("kommunen[].auslaenderbehoerde", T, "ja/nein: eigene Ausländerbehörde (Nr. 4 e)"),
    _v("kommunen[].jugendamt", T, "ja/nein: eigenes Jugendamt (Nr. 4 e)"),
    _v("kommunen[].integrationsrat", T, "ja/nein: Integrationsrat oder -ausschuss (Nr. 4 e)"),
    _v("kommunen[].stellen", T, "die Stellen für diese Kommune, je mit Weiterleitung oder ohne"),
    _v("posten", L, "Finanzierungsplan / Bemessungsgrundlage je Posten"),
    _v("posten[].key", T, "Schlüssel des Postens"),
    _v("posten[].name", T, "Bezeichnung des Postens"),
    _v("posten[].nr", T, "Nr. der Richtlinie"),
    _v("posten[].hoechstbetrag", T, "Höchstbetrag (€)"),
    _v("posten[].beantragt", T, "beantragt (€)"),
    _v("posten[].bewilligt", T, "bewilligt (€)"),
    _v("posten[].gekuerzt", B, "wahr, wenn der Bescheid den Posten kürzt"),
    *(_v(f"hoechstbetraege.{k}", T, f"Höchstbetrag {POSTEN_NAMEN[k]} (€)") for k in POSTEN),
    *(_v(f"betraege.{k}", T, f"{POSTEN_NAMEN[k]}, bewilligt bzw. beantragt (€)") for k in POSTEN),
    _v("betraege.gesamt", T, "Zuwendung insgesamt (€)"),
    _v("betraege.gesamt_in_worten", T, "Zuwendung insgesamt in Worten"),
    _v("auszahlungen", L, "Raten (Nr. 7.3)"),
    _v("auszahlungen[].rate", Z, "Nummer der Rate"),
    _v("auszahlungen[].termin", T, "frühester Termin, auf Anforderung (Nr. 7.3; innerhalb des Zeitraums)"),
    _v("auszahlungen[].betrag", T, "Betrag der Rate (€)"),
    _v("weiterleitung", L, "Weiterleitung an kreisangehörige Kommunen (Nr. 3.2)"),
    _v("weiterleitung[].kommune", T, "Kommune"),
    _v("weiterleitung[].personal", T, "weitergeleitete Personalausgaben (€)"),
    _v("weiterleitung[].sachausgaben", T, "weitergeleitete Sachausgaben (€)"),
    _v("weiterleitung[].gesamt", T, "weitergeleitet insgesamt (€)"),
    _v("weiterleitung[].stellen", T, "die weitergeleiteten Stellen (Bezeichnungen)"),
    _v("hat_weiterleitung", B, "wahr, wenn weitergeleitet wird"),
    _v("fristen.antrag", T, "Antragsfrist (Nr. 7.1) oder 'nicht bestimmbar'"),
    _v("fristen.verwendungsnachweis", T, "Frist des Verwendungsnachweises (Nr. 7.4)"),
    _v("fristen.verwendungsnachweis_lang", T, "dieselbe Frist ausgeschrieben"),
    _v("bescheid.aktenzeichen", T, "Aktenzeichen des Bescheids"),
    _v("bescheid.datum", T, "Datum des Bescheids"),
    _v("bescheid.datum_lang", T, "Datum des Bescheids ausgeschrieben"),
    _v("bescheid.sachbearbeitung.name", T, "Sachbearbeitung"),
    _v("bescheid.sachbearbeitung.telefon", T, "Telefon der Sachbearbeitung"),
    _v("bescheid.sachbearbeitung.email", T, "E-Mail der Sachbearbeitung"),
    _v("bescheid.gekuerzt", B, "wahr, wenn der Bescheid Posten kürzt"),
    _v("bescheid.kuerzungen", L, "gekürzte Posten"),
    _v("bescheid.kuerzungen[].posten", T, "Posten"),
    _v("bescheid.kuerzungen[].beantragt", T, "förderfähig beantragt (€)"),
    _v("bescheid.kuerzungen[].bewilligt", T, "bewilligt (€)"),
    _v("bescheid.kuerzungen[].differenz", T, "gekürzt um (€)"),
    _v("bescheid.begruendung_kuerzung", T, "Begründung der Kürzung"),
    _v("bescheid.abgelehnt", T, "abgelehnter Teil des Antrags (€)"),
    _v("bescheid.teilablehnung", B, "wahr, wenn weniger bewilligt als beantragt"),
    _v("bescheid.ueber_hoechstbetrag", B, "wahr, wenn ein Antrag über einem Höchstbetrag lag"),
    *(_v(*entry) for entry in CATALOGUE_BESCHEID),
    _v("klauseln.zuwendungsart", T, "Zuwendungsart mit Nr. (5.1)"),
    _v("klauseln.finanzierungsart", T, "Finanzierungsart mit Nr. (5.2)"),
    _v("klauseln.form", T, "Form der Zuwendung mit Nr. (5.3)"),
    _v("klauseln.hoechstbetrag", T, "Satz: Bewilligung als Höchstbetrag"),
    _v("klauseln.ermessen", T, "Begründung des Ermessens (Nr. 1.3)"),
    _v("klauseln.anbest", T, "ANBest-G als Bestandteil, ausgenommene Nummern (Nr. 7.3)"),
    _v("klauseln.auflagen_einleitung", T, "Formel, mit der der Bescheid die Auflagen auferlegt (§ 36 Abs. 2 Nr. 4 VwVfG NRW)"),
    _v("klauseln.auflagen_richtlinie", T, "Einleitungssatz der Nr. 6 (nicht in den Bescheid: er erlegt auf)"),
    _v("klauseln.weiterleitung", T, "Wortlaut Nr. 3.2"),
    _v("klauseln.rechtsbehelf", T, "Rechtsbehelfsbelehrung mit Gericht"),
    _v("klauseln.verwendungsnachweis_bestaetigung", T, "Bestätigung im Verwendungsnachweis"),
    _v("klauseln.antrag_erklaerung", T, "Erklärung im Antrag"),
    _v("auflagen", L, "die Auflagen a)–e) (Nr. 6), wie sie dem Empfänger auferlegt werden"),
    _v("auflagen[].buchstabe", T, "a bis e"),
    _v("auflagen[].text", T, "die auferlegte Auflage (bei e) für Kreise mit den kreisangehörigen Kommunen)"),
    _v("auflagen[].richtlinie", T, "der Satz der Nr. 6, den die Auflage umsetzt"),
    _v("auflagen[].nicht_auferlegt", T, "Teil der Auflage, der diesem Empfänger nicht auferlegt wird (sonst leer)"),
    _v("gericht.name", T, "Verwaltungsgericht am Sitz des Empfängers"),
    _v("gericht.anschrift", T, "Anschrift des Gerichts"),
    _v("auszahlung.rate", Z, "angeforderte Rate"),
    _v("auszahlung.termin", T, "frühester Termin der Rate"),
    _v("auszahlung.betrag", T, "Betrag der Rate (€)"),
    _v("auszahlung.bereits_erhalten", T, "bereits erhalten (€)"),
    _v("auszahlung.datum", T, "Datum der Anforderung"),
    _v("auszahlung.datum_lang", T, "Datum der Anforderung ausgeschrieben"),
    _v("auszahlung.rest", T, "danach noch nicht ausgezahlt (€)"),
    _v("verwendung.datum", T, "Datum des Verwendungsnachweises"),
    _v("verwendung.erhalten", T, "erhaltene Zuwendung (€)"),
    _v("verwendung.posten", L, "zahlenmäßiger Nachweis je Posten"),
    _v("verwendung.posten[].name", T, "Posten"),
    _v("verwendung.posten[].bewilligt", T, "bewilligt (€)"),
    _v("verwendung.posten[].ist", T, "tatsächliche Ausgaben (€)"),
    _v("verwendung.posten[].anerkannt", T, "anerkannt (€)"),
    _v("verwendung.anerkannt_gesamt", T, "anerkannt insgesamt (€)"),
    _v("verwendung.ist_gesamt", T, "Ausgaben insgesamt (€)"),
    _v("verwendung.rueckforderung", T, "Rückforderung (€)"),
    _v("verwendung.nachzahlung", T, "Nachzahlung (€)"),
    _v("verwendung.ergebnis", T, "Ergebnis als Satz"),
    _v("verwendung.sachbericht", T, "Sachbericht"),
    _v("verwendung.spielraum", T, "zulässige Überschreitung einzelner Ansätze (ANBest-G Nr. 1.2), z. B. 20 %"),
)

#: Filters a template may use besides Jinja's own.
FILTERS: dict[str, str] = {
    "euro": "Betrag als '1.234,56 €' (bereits formatierte Texte bleiben unverändert)",
    "datum": "Datum als TT.MM.JJJJ",
    "datum_lang": "Datum ausgeschrieben, z. B. 20. Januar 2025",
    "anteil": "Stellenanteil, z. B. 0,5",
    "in_worten": "Betrag in Worten, z. B. dreihundert Euro und 5 Cent",
}


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
