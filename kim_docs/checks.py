"""The checks: pure functions from a case and its calculation to every Befund at once.

Each check is one function named for its rule and cites the Richtlinie's Nr. taken from
the rule set. The order of the findings follows the rules of the contract.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from .calc import Berechnung
from .checks_erstattung import check_erstattung
from .findings import Befund
from .formatting import anteil as fmt_anteil
from .formatting import datum as fmt_datum
from .formatting import euro
from .model import KUERZBARE_POSTEN, POSTEN, Fall
from .reference import Referenz
from .rules import RuleSet, candidates

# --- rule 1: which rule set ------------------------------------------------------------

def select_rule_set(fall: Fall, rule_sets: dict[str, RuleSet]) -> tuple[RuleSet | None, list[Befund]]:
    """Rule 1: the named rule set, or the one whose validity holds the period."""
    zeitraum = fall.bewilligungszeitraum
    period = f"{fmt_datum(zeitraum.beginn)} bis {fmt_datum(zeitraum.ende)}"
    if fall.richtlinie is not None:
        chosen = rule_sets.get(fall.richtlinie)
        if chosen is None:
            known = ", ".join(sorted(rule_sets)) or "keine"
            return None, [Befund("fehler", "8", "richtlinie", "regelwerk_unbekannt",
                                 f"Das Regelwerk '{fall.richtlinie}' ist nicht bekannt (bekannt: {known}).")]
        if not chosen.covers(zeitraum.beginn, zeitraum.ende):
            return None, [Befund("fehler", chosen.geltung.nr, "richtlinie", "regelwerk_gilt_nicht",
                                 f"Das Regelwerk '{chosen.id}' gilt vom {fmt_datum(chosen.geltung.beginn)} bis "
                                 f"{fmt_datum(chosen.geltung.ende)} und deckt den Bewilligungszeitraum "
                                 f"{period} nicht ab (Nr. {chosen.geltung.nr}).")]
        return chosen, []
    found = candidates(rule_sets, zeitraum.beginn, zeitraum.ende)
    if not found:
        return None, [Befund("fehler", "8", "bewilligungszeitraum", "regelwerk_fehlt",
                             f"Für den Bewilligungszeitraum {period} gilt keine bekannte Richtlinie (Nr. 8).")]
    if len(found) > 1:
        others = ", ".join(rs.id for rs in found[1:])
        return found[0], [Befund("hinweis", found[0].geltung.nr, "bewilligungszeitraum", "regelwerk_mehrere",
                                 f"Mehrere Richtlinien gelten für {period}; angewandt wird die zuletzt "
                                 f"veröffentlichte '{found[0].id}' (ebenfalls: {others}).")]
    return found[0], []


# --- all checks --------------------------------------------------------------------------

Check = Callable[[Fall, RuleSet, Berechnung, Referenz], Iterator[Befund]]


def check(fall: Fall, regelwerk: RuleSet, berechnung: Berechnung, referenz: Referenz) -> list[Befund]:
    """Every Befund of the case, in the order of the rules."""
    return [befund for rule in CHECKS for befund in rule(fall, regelwerk, berechnung, referenz)]


def check_zeitraum(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 2: beginn <= ende, one calendar year (Nr. 7.1: applications per year)."""
    z = fall.bewilligungszeitraum
    nr = rs.fristen.antrag.nr
    if z.beginn > z.ende:
        yield Befund("fehler", nr, "bewilligungszeitraum", "zeitraum_umgekehrt",
                     f"Der Bewilligungszeitraum beginnt ({fmt_datum(z.beginn)}) nach seinem Ende "
                     f"({fmt_datum(z.ende)}).")
    elif z.beginn.year != z.ende.year:
        yield Befund("fehler", nr, "bewilligungszeitraum", "zeitraum_jahresuebergreifend",
                     f"Der Bewilligungszeitraum muss in einem Kalenderjahr liegen; {fmt_datum(z.beginn)} bis "
                     f"{fmt_datum(z.ende)} umfasst zwei Jahre (Anträge werden je Jahr gestellt, Nr. {nr}).")


def check_empfaenger(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 3 (Nr. 3.1): only Kreise, the Städteregion and kreisfreie Städte receive funds."""
    art = fall.antragsteller.art
    if art not in rs.empfaenger.zugelassen:
        name = rs.empfaenger.bezeichnung.get(art, art)
        yield Befund("fehler", rs.empfaenger.nr, "antragsteller.art", "empfaenger_unzulaessig",
                     f"Eine {name} kann nicht Zuwendungsempfänger sein; Zuwendungsempfänger sind die Kreise "
                     f"und kreisfreien Städte (Nr. {rs.empfaenger.nr}). Eine kreisangehörige Kommune erhält "
                     f"Mittel nur durch Weiterleitung über ihren Kreis.")


_VORAUSSETZUNG_MELDUNG = {
    "ki_betrieb": "Es wird kein Kommunales Integrationszentrum betrieben",
    "angliederung_an_ki": "Die Koordinierungsstellen sind nicht an das Kommunale Integrationszentrum angegliedert "
                          "und eine Ausnahme des Ministeriums ist nicht angegeben",
    "lenkungsgruppe": "Eine Lenkungsgruppe ist weder eingerichtet noch beauftragt",
    "konzept_datum": "Das Konzept zur Umsetzung des KIM ist nicht vorgelegt (kein Datum angegeben)",
}


def check_voraussetzungen(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 4 (Nr. 4 a–d)."""
    v = fall.voraussetzungen
    for key, message in _VORAUSSETZUNG_MELDUNG.items():
        nr = rs.voraussetzungen[key].nr
        value = getattr(v, key)
        if key == "angliederung_an_ki" and value is False and v.ausnahme_angliederung_az:
            yield Befund("hinweis", nr, "voraussetzungen.ausnahme_angliederung_az", "angliederung_ausnahme",
                         f"Die Stellen sind nicht an das KI angegliedert; die Ausnahme des Ministeriums "
                         f"(Az. {v.ausnahme_angliederung_az}) wird zugrunde gelegt (Nr. {nr}).")
        elif value is False or value is None:
            yield Befund("fehler", nr, f"voraussetzungen.{key}", f"voraussetzung_{key}",
                         f"{message} (Zuwendungsvoraussetzung Nr. {nr}).")


def check_anteile(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 5 (Nr. 5.4.1): each share in (0, 1] with two decimals; under 0.5 is a Warnung."""
    nr = rs.stellen.nr
    for i, stelle in enumerate(fall.stellen):
        a = stelle.anteil
        feld = f"stellen[{i}].anteil"
        if a <= 0 or a > 1:
            yield Befund("fehler", nr, feld, "anteil_ungueltig",
                         f"Stelle '{stelle.bezeichnung}': Anteil {fmt_anteil(a)} ist unzulässig; "
                         f"erlaubt ist ein Anteil über 0 bis höchstens 1 (Nr. {nr}).")
        elif _decimals(a) > 2:
            yield Befund("fehler", nr, feld, "anteil_nachkommastellen",
                         f"Stelle '{stelle.bezeichnung}': Anteil {a} hat mehr als zwei Nachkommastellen.")
        elif a < rs.stellen.mindestanteil:
            yield Befund("warnung", nr, feld, "anteil_unter_halb",
                         f"Stelle '{stelle.bezeichnung}': Anteil {fmt_anteil(a)} liegt unter "
                         f"{fmt_anteil(rs.stellen.mindestanteil)}; in der Regel soll die Aufteilung der Stellen "
                         f"nicht unter 0,5-Anteile erfolgen (Nr. {nr} Satz 2).")


def check_stellen_summen(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 5 (v2): the Koordination shares that serve no Kommune up to 3.5 or 2.5; those
    of one Kommune up to 1.0 (Nr. 4 e: the further position belongs to its Kommune); the
    Verwaltungsassistenz up to 0.5."""
    nr = rs.stellen.nr
    art = fall.antragsteller.art
    regel = rs.stellen.koordination
    by_kommune = art != "kreisfreie_stadt"  # a kreisfreie Stadt has no Kommunen (rule 7)
    summe_k = sum((s.anteil for s in fall.stellen if s.funktion == "koordination"
                   and not (by_kommune and s.kommune is not None)), Decimal(0))
    if art in regel.hoechstanteile and summe_k > regel.hoechstanteile[art]:
        grenze = regel.hoechstanteile[art]
        wer = {"kreisfreie_stadt": "eine kreisfreie Stadt", "staedteregion": "die Städteregion"}.get(art, "einen Kreis")
        ohne = " ohne zugeordnete Kommune" if any(s.kommune for s in fall.stellen) and by_kommune else ""
        yield Befund("fehler", nr, "stellen", "koordination_ueber_hoechstanteil",
                     f"Die Koordinationsstellen{ohne} umfassen zusammen {fmt_anteil(summe_k)} Stellen; "
                     f"höchstens {fmt_anteil(grenze)} sind förderfähig ({fmt_anteil(grenze)} für {wer}, Nr. {nr}).")
    if by_kommune:
        yield from _check_anteile_je_kommune(fall, rs)
    va_cap = rs.stellen.verwaltungsassistenz.hoechstanteil
    summe_va = sum((s.anteil for s in fall.stellen if s.funktion == "verwaltungsassistenz"), Decimal(0))
    if summe_va > va_cap:
        yield Befund("fehler", nr, "stellen", "verwaltungsassistenz_ueber_hoechstanteil",
                     f"Die Verwaltungsassistenz umfasst zusammen {fmt_anteil(summe_va)} Stellen; förderfähig "
                     f"ist höchstens eine {fmt_anteil(va_cap)}-Stelle (Nr. {nr}).")


def _check_anteile_je_kommune(fall: Fall, rs: RuleSet) -> Iterator[Befund]:
    nr = rs.voraussetzungen["weitere_stelle"].nr
    cap = rs.stellen.koordination.zusatz_je_kommune
    sums: dict[str, Decimal] = {}
    for s in fall.stellen:
        if s.funktion == "koordination" and s.kommune is not None:
            sums[s.kommune.strip()] = sums.get(s.kommune.strip(), Decimal(0)) + s.anteil
    for name, summe in sums.items():
        if summe > cap:
            yield Befund("fehler", nr, "stellen", "koordination_kommune_ueber_hoechstanteil",
                         f"Die Koordinationsstellen für '{name}' umfassen zusammen {fmt_anteil(summe)} Stellen; "
                         f"je qualifizierter kreisangehöriger Kommune ist höchstens {fmt_anteil(cap)} weitere "
                         f"Stelle förderfähig (Nr. {nr}).")


def check_qualifikation(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 6 (Nr. 4 f)."""
    nr = rs.qualifikation.nr
    for i, stelle in enumerate(fall.stellen):
        if stelle.funktion != "koordination":
            continue
        if stelle.qualifikation is None:
            yield Befund("warnung", nr, f"stellen[{i}].qualifikation", "qualifikation_fehlt",
                         f"Stelle '{stelle.bezeichnung}': keine Qualifikation angegeben; der Nachweis eines "
                         f"fachlichen Abschlusses (Diplom FH, Bachelor, Master) oder einer gleichwertigen "
                         f"Qualifikation ist vor dem Bescheid zu erbringen (Nr. {nr}).")
        elif stelle.qualifikation == "gleichwertig" and not (stelle.qualifikation_nachweis or "").strip():
            yield Befund("fehler", nr, f"stellen[{i}].qualifikation_nachweis", "qualifikation_nachweis_fehlt",
                         f"Stelle '{stelle.bezeichnung}': Für eine gleichwertige Qualifikation fehlt die "
                         f"Beschreibung des Nachweises (Nr. {nr}).")


def check_kommunen(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 7 (Nr. 3.2, 4 e): who may list Kommunen, and which Kommunen may be listed."""
    nr = rs.weiterleitung.nr
    kommunen = fall.kreisangehoerige_kommunen
    if kommunen and fall.antragsteller.art == "kreisfreie_stadt":
        yield Befund("fehler", nr, "kreisangehoerige_kommunen", "kommunen_bei_kreisfreier_stadt",
                     f"Eine kreisfreie Stadt hat keine kreisangehörigen Kommunen; nur Kreise und die "
                     f"Städteregion können Zuwendungen weiterleiten (Nr. {nr}).")
    seen: set[str] = set()
    recipient_names = ref.empfaenger_namen()
    for i, kommune in enumerate(kommunen):
        name = kommune.name.strip()
        feld = f"kreisangehoerige_kommunen[{i}].name"
        if name in seen:
            yield Befund("fehler", nr, feld, "kommune_doppelt", f"Die Kommune '{name}' ist doppelt aufgeführt.")
        elif (kommune.ags and kommune.ags in ref.empfaenger) or name in recipient_names:
            yield Befund("fehler", nr, feld, "kommune_ist_empfaenger",
                         f"'{name}' ist selbst Zuwendungsempfänger (Nr. 3.1) und kann nicht als "
                         f"kreisangehörige Kommune aufgeführt werden (Nr. {nr}).")
        elif kommune.qualifiziert and _without_stadt(name) not in ref.grosse_staedte:
            yield Befund("hinweis", nr, feld, "kommune_keine_grosse_stadt",
                         f"'{name}' steht nicht im Verzeichnis der Großen kreisangehörigen Städte NRW; "
                         f"bitte die eigene Ausländerbehörde, das Jugendamt und den Integrationsrat prüfen "
                         f"(Nr. 3.2, 4 e).")
        seen.add(name)
    yield from _check_stellen_kommune(fall, nr)


def _without_stadt(name: str) -> str:
    return name[len("Stadt "):].strip() if name.startswith("Stadt ") else name


def _check_stellen_kommune(fall: Fall, nr: str) -> Iterator[Befund]:
    listed = {k.name.strip(): k for k in fall.kreisangehoerige_kommunen}
    for i, stelle in enumerate(fall.stellen):
        if stelle.kommune is None:
            if stelle.weiterleitung is not None:
                yield Befund("fehler", nr, f"stellen[{i}].weiterleitung", "weiterleitung_ohne_kommune",
                             f"Stelle '{stelle.bezeichnung}': 'weiterleitung' gilt nur für eine Stelle mit "
                             f"'kommune'; ohne Kommune wird nichts weitergeleitet (Nr. {nr}).")
            continue
        name = stelle.kommune.strip()
        feld = f"stellen[{i}].kommune"
        if stelle.funktion != "koordination":
            yield Befund("fehler", nr, feld, "weiterleitung_verwaltungsassistenz",
                         f"Stelle '{stelle.bezeichnung}': Eine Verwaltungsassistenz kann nicht weitergeleitet "
                         f"werden; Nr. {nr} lässt die Weiterleitung nur für Koordinationsstellen zu.")
        elif name not in listed:
            yield Befund("fehler", nr, feld, "kommune_nicht_aufgefuehrt",
                         f"Stelle '{stelle.bezeichnung}': Die Kommune '{name}' ist unter "
                         f"kreisangehoerige_kommunen nicht aufgeführt.")
        elif not listed[name].qualifiziert:
            yield Befund("fehler", nr, feld, "kommune_nicht_qualifiziert",
                         f"Stelle '{stelle.bezeichnung}': Die Kommune '{name}' hat nicht zugleich eine "
                         f"Ausländerbehörde, ein Jugendamt und einen Integrationsrat; eine Weiterleitung ist "
                         f"nicht zulässig (Nr. {nr}, 4 e).")


def check_besetzung(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 8: an occupation period must be ordered and overlap the Bewilligungszeitraum."""
    nr = rs.stellen.nr
    for i, (stelle, sb) in enumerate(zip(fall.stellen, b.stellen)):
        von, bis = stelle.besetzt_von, stelle.besetzt_bis
        feld = f"stellen[{i}].besetzt_von"
        if von and bis and von > bis:
            yield Befund("fehler", nr, feld, "besetzung_umgekehrt",
                         f"Stelle '{stelle.bezeichnung}': besetzt ab {fmt_datum(von)} liegt nach besetzt bis "
                         f"{fmt_datum(bis)}.")
        elif sb.von is None and fall.bewilligungszeitraum.beginn <= fall.bewilligungszeitraum.ende:
            yield Befund("fehler", nr, feld, "besetzung_ausserhalb",
                         f"Stelle '{stelle.bezeichnung}': Die Besetzung liegt außerhalb des "
                         f"Bewilligungszeitraums; für diese Stelle kann nichts gefördert werden.")


def check_betraege(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rules 10, 11: requested amounts against their Höchstbeträge; every amount well-formed."""
    beantragt = b.beantragt
    if beantragt["sachausgaben"] > b.hoechstbetraege["sachausgaben"]:
        nr = rs.sachausgaben.nr
        yield Befund("warnung", nr, "antrag.sachausgaben", "sachausgaben_ueber_hoechstbetrag",
                     f"Beantragte Sachausgaben {euro(beantragt['sachausgaben'])} übersteigen den Höchstbetrag "
                     f"von {euro(b.hoechstbetraege['sachausgaben'])} ({euro(rs.sachausgaben.jahresbetrag_je_stelle)} "
                     f"je Stelle und Jahr, anteilig, Nr. {nr}); bewilligt werden kann höchstens der Höchstbetrag, "
                     f"der Rest wird abgelehnt.")
    for key, label in (("veranstaltungen", "Veranstaltungen"), ("massnahmen", "Maßnahmen")):
        regel = getattr(rs.begleitmassnahmen, key)
        if beantragt[key] > regel.hoechstbetrag:
            yield Befund("warnung", regel.nr, f"antrag.{key}", f"{key}_ueber_hoechstbetrag",
                         f"Beantragte {label} {euro(beantragt[key])} übersteigen den Förderhöchstbetrag von "
                         f"{euro(regel.hoechstbetrag)} je Jahr (Nr. {regel.nr}); bewilligt werden kann höchstens "
                         f"der Förderhöchstbetrag, der Rest wird abgelehnt.")
    for feld, amount in _amounts(fall):
        if amount < 0:
            yield Befund("fehler", None, feld, "betrag_negativ", f"Der Betrag {amount} in '{feld}' ist negativ.")
        if _decimals(amount) > 2:
            yield Befund("fehler", None, feld, "betrag_nachkommastellen",
                         f"Der Betrag {amount} in '{feld}' hat mehr als zwei Nachkommastellen.")


def _amounts(fall: Fall) -> Iterator[tuple[str, Decimal]]:
    for key in KUERZBARE_POSTEN:
        yield f"antrag.{key}", getattr(fall.antrag, key)
    if fall.bescheid and fall.bescheid.bewilligt:
        for key in KUERZBARE_POSTEN:
            value = getattr(fall.bescheid.bewilligt, key)
            if value is not None:
                yield f"bescheid.bewilligt.{key}", value
    if fall.auszahlungsanforderung:
        yield "auszahlungsanforderung.bereits_erhalten", fall.auszahlungsanforderung.bereits_erhalten
    if fall.verwendungsnachweis:
        if fall.verwendungsnachweis.erhalten is not None:
            yield "verwendungsnachweis.erhalten", fall.verwendungsnachweis.erhalten
        yield "verwendungsnachweis.einnahmen", fall.verwendungsnachweis.einnahmen
        for i, ist_stelle in enumerate(fall.verwendungsnachweis.stellen or []):
            if ist_stelle.personalausgaben is not None:
                yield f"verwendungsnachweis.stellen[{i}].personalausgaben", ist_stelle.personalausgaben
        for key in POSTEN:
            value = getattr(fall.verwendungsnachweis.ist, key, None)
            if value is not None:
                yield f"verwendungsnachweis.ist.{key}", value


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


_POSTEN_NAMEN = {"sachausgaben": "Sachausgaben", "veranstaltungen": "Veranstaltungen", "massnahmen": "Maßnahmen"}


def check_bewilligung(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 13 (Bescheid): a Bescheid lowers items, never raises them; a cut needs reasons."""
    if fall.bescheid is None or fall.bescheid.bewilligt is None:
        return
    nr = rs.bewilligungsbehoerde.nr
    for key in KUERZBARE_POSTEN:
        value = getattr(fall.bescheid.bewilligt, key)
        if value is not None and value > b.foerderfaehig[key]:
            yield Befund("fehler", nr, f"bescheid.bewilligt.{key}", "bewilligt_ueber_foerderfaehig",
                         f"Bewilligte {_POSTEN_NAMEN[key]} {euro(value)} übersteigen den förderfähigen Betrag "
                         f"von {euro(b.foerderfaehig[key])} (beantragt, höchstens der Höchstbetrag).")
    if b.gekuerzt and not (fall.bescheid.begruendung_kuerzung or "").strip():
        items = ", ".join(_POSTEN_NAMEN[k] for k in b.gekuerzt)
        yield Befund("fehler", nr, "bescheid.begruendung_kuerzung", "kuerzung_ohne_begruendung",
                     f"Der Bescheid kürzt {items} gegenüber dem Antrag; die Begründung der Kürzung "
                     f"(begruendung_kuerzung) fehlt.")


def check_fristen(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 15 (Nr. 7.1): the Antrag-Frist."""
    nr = rs.fristen.antrag.nr
    if b.frist_antrag is None:
        yield Befund("hinweis", nr, "antrag.datum", "antragsfrist_unbekannt",
                     f"Die Antragsfrist für {fall.bewilligungszeitraum.beginn.year} (vier Wochen nach "
                     f"Veröffentlichung der Richtlinie, Nr. {nr}) kann nicht berechnet werden, weil das "
                     f"Veröffentlichungsdatum im Regelwerk '{rs.id}' nicht gesetzt ist.")
    elif fall.antrag.datum > b.frist_antrag:
        yield Befund("warnung", nr, "antrag.datum", "antrag_verspaetet",
                     f"Der Antrag vom {fmt_datum(fall.antrag.datum)} ist nach Ablauf der Antragsfrist "
                     f"am {fmt_datum(b.frist_antrag)} gestellt (Nr. {nr}).")


def check_auszahlungsanforderung(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Nr. 7.3: the requested instalment must exist."""
    anforderung = fall.auszahlungsanforderung
    if anforderung and anforderung.rate > len(b.auszahlungen):
        nr = rs.auszahlung.nr
        yield Befund("fehler", nr, "auszahlungsanforderung.rate", "rate_unbekannt",
                     f"Rate {anforderung.rate} gibt es nicht; die Zuwendung wird in {len(b.auszahlungen)} "
                     f"Raten ausgezahlt (Nr. {nr}).")


def check_verwendung(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 16: an `ist` item left out counts as 0."""
    if b.verwendung is None:
        return
    nr = rs.verwendungsnachweis.nr
    for key in b.verwendung.fehlende_ist:
        yield Befund("hinweis", nr, "verwendungsnachweis.ist", "ist_fehlt",
                     f"Im Verwendungsnachweis fehlt die Ist-Angabe '{key}'; sie wird mit 0,00 € angesetzt.")
    yield from _check_ist_stellen(fall, b, nr)


_IST_NAMEN = {"besetzt_von": "besetzt ab", "besetzt_bis": "besetzt bis", "anteil": "Anteil"}


def _check_ist_stellen(fall: Fall, b: Berechnung, nr: str) -> Iterator[Befund]:
    """Rule 23: the actual occupancy per Stelle; what is left out is taken from the plan."""
    assert b.verwendung is not None and fall.verwendungsnachweis is not None
    given = fall.verwendungsnachweis.stellen
    if given is not None and len(given) > len(fall.stellen):
        yield Befund("fehler", nr, "verwendungsnachweis.stellen", "ist_stellen_zu_viele",
                     f"Der Verwendungsnachweis nennt {len(given)} Stellen, der Fall hat {len(fall.stellen)}; "
                     f"die Angaben gehören in der Reihenfolge von 'stellen' zu je einer Stelle.")
    if given is None:
        yield Befund("hinweis", nr, "verwendungsnachweis.stellen", "ist_besetzung_aus_plan",
                     "Die tatsächliche Besetzung der Stellen ist nicht angegeben; die Höchstbeträge werden nach "
                     "der geplanten Besetzung berechnet.")
        return
    planned = [f"'{fall.stellen[s.index].bezeichnung}' ({', '.join(_IST_NAMEN[k] for k in s.aus_plan)})"
               for s in b.verwendung.stellen if s.aus_plan]
    if planned:
        yield Befund("hinweis", nr, "verwendungsnachweis.stellen", "ist_besetzung_aus_plan",
                     f"Für {'; '.join(planned)} ist die tatsächliche Besetzung nicht angegeben; "
                     f"angesetzt wird die geplante.")


def check_gericht(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 17 (v2): the court follows from the seat (AGS); the case may only fill a gap."""
    named = (fall.antragsteller.verwaltungsgericht or "").strip()
    by_ags = _gericht_nach_ags(fall, ref)
    if named and by_ags and _court_key(named) != _court_key(by_ags):
        yield Befund("fehler", None, "antragsteller.verwaltungsgericht", "gericht_widerspricht_ags",
                     f"Als Verwaltungsgericht ist '{named}' angegeben, für den Sitz des Empfängers (AGS "
                     f"{fall.antragsteller.ags}) ist aber das Verwaltungsgericht {by_ags} zuständig "
                     f"(§ 52 Nr. 3 Satz 2 VwGO); "
                     f"ein falsches Gericht in der Rechtsbehelfsbelehrung verlängert die Klagefrist auf ein Jahr "
                     f"(§ 58 Abs. 2 VwGO). Bitte die Angabe entfernen oder berichtigen.")
    if fall.bescheid is None:
        return
    if by_ags is None and named:
        yield Befund("hinweis", None, "antragsteller.verwaltungsgericht", "gericht_aus_fall",
                     f"Das Verwaltungsgericht ('{named}') ist aus dem Fall übernommen, weil es sich aus dem AGS "
                     f"nicht ergibt; bitte prüfen, ob es das Gericht am Sitz des Empfängers ist.")
    elif by_ags is None:
        ags = fall.antragsteller.ags
        grund = f"der AGS {ags} ist nicht im Verzeichnis der Zuwendungsempfänger" if ags else "kein AGS angegeben"
        yield Befund("fehler", None, "antragsteller.ags", "gericht_unbekannt",
                     f"Das Verwaltungsgericht für die Rechtsbehelfsbelehrung ist nicht bestimmbar ({grund}); "
                     f"bitte den AGS oder antragsteller.verwaltungsgericht angeben.")


def check_anbest_anlage(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """Rule 18 (v2, Bescheid): without a configured text the ANBest-G is enclosed by hand."""
    if fall.bescheid is not None and not rs.anbest.anlage:
        yield Befund("hinweis", "7.5", "bescheid", "anbest_anlage_fehlt",
                     f"Der amtliche Text der {rs.anbest.kurz} ist im Regelwerk nicht hinterlegt (anbest.anlage); "
                     f"der Bescheid führt sie als Anlage auf, sie muss von Hand beigefügt werden.")


def _court_name(name: str) -> str:
    """'Verwaltungsgericht Arnsberg', 'VG Arnsberg' and 'Arnsberg' name one court: 'Arnsberg'."""
    words = name.split()
    if words and words[0].casefold() in ("verwaltungsgericht", "vg"):
        words = words[1:]
    return " ".join(words)


def _court_key(name: str) -> str:
    return _court_name(name).casefold()


def _gericht_nach_ags(fall: Fall, ref: Referenz) -> str | None:
    entry = ref.empfaenger.get(fall.antragsteller.ags or "")
    return entry.verwaltungsgericht if entry else None


def verwaltungsgericht(fall: Fall, ref: Referenz) -> str | None:
    """Rule 17 (v2): the court of the recipient's seat, found by the AGS; the case's own
    entry only where the AGS gives none."""
    return _gericht_nach_ags(fall, ref) or _court_name(fall.antragsteller.verwaltungsgericht or "") or None


def check_iban(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    """IBAN check digits (ISO 13616)."""
    bank = fall.antragsteller.bankverbindung
    if bank is None:
        return
    from stdnum import iban
    from stdnum.exceptions import ValidationError

    number = iban.compact(bank.iban)
    try:  # the structure first, with correct check digits put in, so the two errors are told apart
        iban.validate(number[:2] + iban.calc_check_digits(number) + number[4:])
    except (ValidationError, ValueError, KeyError):
        yield Befund("fehler", None, "antragsteller.bankverbindung.iban", "iban_ungueltig",
                     f"'{bank.iban}' ist keine gültige IBAN (Länge oder Aufbau falsch).")
        return
    if not iban.is_valid(number):
        yield Befund("fehler", None, "antragsteller.bankverbindung.iban", "iban_pruefziffer",
                     f"Die IBAN {bank.iban} hat falsche Prüfziffern; bitte die IBAN prüfen.")


CHECKS: tuple[Check, ...] = (
    check_zeitraum, check_empfaenger, check_voraussetzungen, check_anteile, check_stellen_summen,
    check_qualifikation, check_kommunen, check_besetzung, check_betraege, check_bewilligung,
    check_fristen, check_auszahlungsanforderung, check_verwendung, check_erstattung, check_gericht,
    check_anbest_anlage, check_iban,
)
