"""The calculation: pure functions from (Fall, RuleSet) to every amount, date and instalment.

Money is `Decimal` throughout; pro-rata factors are exact fractions. Rounding is
kaufmännisch (half up) to the cent, once per Stelle and line item; sums are sums of
rounded items (spec, "Rules").
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from .fristen import add_months, add_weeks, next_working_day
from .model import KUERZBARE_POSTEN, POSTEN, Fall, Stelle
from .rules import RuleSet
from .zinsen import Basiszins, Zinsberechnung, erstattungszinsen

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StellenBerechnung:
    """The figures of one Stelle: pro-rata factor and its two amounts."""

    index: int
    stelle: Stelle
    von: dt.date | None  # occupied part of the period; None when there is none
    bis: dt.date | None
    monatsfaktor: Fraction
    personal: Decimal
    sachausgaben_hoechstbetrag: Decimal


@dataclass(frozen=True)
class Rate:
    rate: int
    termin: dt.date
    betrag: Decimal


@dataclass(frozen=True)
class Weiterleitung:
    kommune: str
    personal: Decimal
    sachausgaben: Decimal
    stellen: tuple[int, ...]

    @property
    def gesamt(self) -> Decimal:
        return self.personal + self.sachausgaben


@dataclass(frozen=True)
class IstStellenBerechnung:
    """Rule 23: the Höchstbeträge of one Stelle from its actual occupancy."""

    index: int
    personal: Decimal
    sachausgaben_hoechstbetrag: Decimal
    personalausgaben: Decimal | None  # actual cost of this Stelle, where given
    aus_plan: tuple[str, ...]         # the keys taken from the plan
    von: dt.date | None = None        # the actual occupancy, cut to the period (None: none)
    bis: dt.date | None = None
    anteil: Decimal = Decimal(0)


@dataclass(frozen=True)
class Verwendung:
    ist: dict[str, Decimal]
    anerkannt: dict[str, Decimal]  # per item, plus "gesamt"
    einnahmen: Decimal
    stellen: tuple[IstStellenBerechnung, ...]
    hoechstbetraege: dict[str, Decimal]  # from the actual occupancy (rule 23)
    erhalten: Decimal
    rueckforderung: Decimal
    nachzahlung: Decimal
    fehlende_ist: tuple[str, ...]


@dataclass(frozen=True)
class Erstattungsberechnung:
    """Rule 26: the refund and its interest (or the waiver)."""

    betrag: Decimal
    wirkung_ab: dt.date
    zinsen_bis: dt.date | None
    zinsverzicht: bool
    zinsberechnung: Zinsberechnung | None  # None with a waiver or without zinsen_bis
    zinsen: Decimal | None  # None when it cannot be computed (a Fehler says why)

    @property
    def gesamt(self) -> Decimal | None:
        return None if self.zinsen is None else self.betrag + self.zinsen


@dataclass(frozen=True)
class Berechnung:
    """Everything `calc` computes for one case (see calc-output.md)."""

    regelwerk: RuleSet
    stellen: tuple[StellenBerechnung, ...]
    hoechstbetraege: dict[str, Decimal]
    beantragt: dict[str, Decimal]
    foerderfaehig: dict[str, Decimal]  # requested, capped (before a Bescheid lowers it)
    betraege: dict[str, Decimal]  # granted; includes "gesamt"
    auszahlungen: tuple[Rate, ...]
    weiterleitung: tuple[Weiterleitung, ...]
    frist_antrag: dt.date | None
    frist_verwendungsnachweis: dt.date
    verwendung: Verwendung | None
    gekuerzt: tuple[str, ...] = field(default=())  # items a Bescheid lowered
    erstattung: Erstattungsberechnung | None = None

    @property
    def gesamt(self) -> Decimal:
        return self.betraege["gesamt"]


# --- rounding and pro rata -----------------------------------------------------------

def round_cents(value: Fraction | Decimal) -> Decimal:
    """Kaufmännisch to the cent, exactly (no intermediate binary or decimal rounding)."""
    frac = Fraction(value) * 100
    sign = -1 if frac < 0 else 1
    cents = (abs(frac) + Fraction(1, 2)).__floor__()
    return (Decimal(sign * cents) / 100).quantize(CENT)


def occupied_period(besetzt_von: dt.date | None, besetzt_bis: dt.date | None, beginn: dt.date,
                    ende: dt.date) -> tuple[dt.date, dt.date] | None:
    """Rule 8: the days occupied, cut to the Bewilligungszeitraum; None without overlap."""
    von = max(besetzt_von or beginn, beginn)
    bis = min(besetzt_bis or ende, ende)
    return (von, bis) if von <= bis else None


@lru_cache(maxsize=4096)
def monatsfaktor(von: dt.date, bis: dt.date) -> Fraction:
    """Rule 9: sum over the months touched of days occupied / days of the month."""
    total = Fraction(0)
    day = von
    while day <= bis:
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        month_end = dt.date(day.year, day.month, days_in_month)
        last = min(month_end, bis)
        total += Fraction((last - day).days + 1, days_in_month)
        day = last + dt.timedelta(days=1)
    return total


@lru_cache(maxsize=4096)
def pro_rata(jahresbetrag: Decimal, anteil: Decimal, faktor: Fraction) -> Decimal:
    return round_cents(Fraction(jahresbetrag) * Fraction(anteil) * faktor / 12)


# --- the calculation -----------------------------------------------------------------

def calculate(fall: Fall, regelwerk: RuleSet, basiszinssaetze: tuple[Basiszins, ...] = ()) -> Berechnung:
    """All figures of one case under one rule set. Never raises on valid model data.
    `basiszinssaetze` (rule 26) are data the caller loads (kim_docs.reference.basiszins)."""
    zeitraum = fall.bewilligungszeitraum
    stellen = tuple(_stelle(i, s, fall, regelwerk) for i, s in enumerate(fall.stellen))
    hoechst = _hoechstbetraege(stellen, regelwerk)
    beantragt = {"sachausgaben": fall.antrag.sachausgaben, "veranstaltungen": fall.antrag.veranstaltungen,
                 "massnahmen": fall.antrag.massnahmen}
    foerderfaehig = {k: max(ZERO, min(beantragt[k], hoechst[k])) for k in KUERZBARE_POSTEN}
    granted, gekuerzt = _bewilligt(fall, foerderfaehig)
    betraege = {"personal_koordination": hoechst["personal_koordination"],
                "personal_verwaltungsassistenz": hoechst["personal_verwaltungsassistenz"], **granted}
    betraege["gesamt"] = sum((betraege[k] for k in POSTEN), ZERO)
    auszahlungen = _auszahlungen(betraege["gesamt"], fall, regelwerk)
    verwendung = _verwendung(fall, hoechst, betraege, regelwerk)
    return Berechnung(
        regelwerk=regelwerk,
        stellen=stellen,
        hoechstbetraege=hoechst,
        beantragt=beantragt,
        foerderfaehig=foerderfaehig,
        betraege=betraege,
        auszahlungen=auszahlungen,
        weiterleitung=_weiterleitung(fall, stellen, betraege["sachausgaben"]),
        frist_antrag=frist_antrag(zeitraum.beginn.year, regelwerk),
        frist_verwendungsnachweis=frist_verwendungsnachweis(zeitraum.ende, regelwerk),
        verwendung=verwendung,
        gekuerzt=gekuerzt,
        erstattung=_erstattung(fall, verwendung, auszahlungen, regelwerk, basiszinssaetze),
    )


def _stelle(index: int, stelle: Stelle, fall: Fall, regelwerk: RuleSet) -> StellenBerechnung:
    zeitraum = fall.bewilligungszeitraum
    period = occupied_period(stelle.besetzt_von, stelle.besetzt_bis, zeitraum.beginn, zeitraum.ende)
    faktor = monatsfaktor(*period) if period else Fraction(0)
    anteil = stelle.anteil if stelle.anteil > 0 else Decimal(0)  # an invalid share funds nothing
    regel = getattr(regelwerk.stellen, stelle.funktion)
    return StellenBerechnung(
        index=index, stelle=stelle,
        von=period[0] if period else None, bis=period[1] if period else None,
        monatsfaktor=faktor,
        personal=pro_rata(regel.jahresbetrag, anteil, faktor),
        sachausgaben_hoechstbetrag=pro_rata(regelwerk.sachausgaben.jahresbetrag_je_stelle, anteil, faktor),
    )


def _hoechstbetraege(stellen: tuple[StellenBerechnung, ...], regelwerk: RuleSet) -> dict[str, Decimal]:
    def personal(funktion: str) -> Decimal:
        return sum((s.personal for s in stellen if s.stelle.funktion == funktion), ZERO)

    begleit = regelwerk.begleitmassnahmen
    return {
        "personal_koordination": personal("koordination"),
        "personal_verwaltungsassistenz": personal("verwaltungsassistenz"),
        "sachausgaben": sum((s.sachausgaben_hoechstbetrag for s in stellen), ZERO),
        "veranstaltungen": begleit.veranstaltungen.hoechstbetrag.quantize(CENT),
        "massnahmen": begleit.massnahmen.hoechstbetrag.quantize(CENT),
    }


def _bewilligt(fall: Fall, foerderfaehig: dict[str, Decimal]) -> tuple[dict[str, Decimal], tuple[str, ...]]:
    """Rule 13: a Bescheid may lower an item, never raise it above the fundable amount."""
    lowered = fall.bescheid.bewilligt if fall.bescheid and fall.bescheid.bewilligt else None
    granted: dict[str, Decimal] = {}
    gekuerzt: list[str] = []
    for item in KUERZBARE_POSTEN:
        amount = getattr(lowered, item) if lowered else None
        if amount is not None and ZERO <= amount < foerderfaehig[item]:
            granted[item] = round_cents(amount)
            gekuerzt.append(item)
        else:
            granted[item] = foerderfaehig[item].quantize(CENT, ROUND_HALF_UP)
    return granted, tuple(gekuerzt)


def _auszahlungen(gesamt: Decimal, fall: Fall, regelwerk: RuleSet) -> tuple[Rate, ...]:
    """Rule 14: the shares, rounded down to the cent, the last one takes the rest; each on
    its date moved into the Bewilligungszeitraum (§ 34 Abs. 2 LHO) and not before the
    Bescheid; shares that fall on one date become one instalment."""
    zeitraum = fall.bewilligungszeitraum
    bescheid_datum = fall.bescheid.datum if fall.bescheid else None
    by_date: dict[dt.date, Decimal] = {}
    rest = gesamt
    for nummer, regel in enumerate(regelwerk.auszahlung.raten, start=1):
        termin = dt.date(zeitraum.beginn.year, regel.monat, regel.tag)
        termin = min(max(termin, zeitraum.beginn), max(zeitraum.ende, zeitraum.beginn))
        if bescheid_datum and bescheid_datum > termin:
            termin = bescheid_datum  # nothing is paid before the Bescheid
        last = nummer == len(regelwerk.auszahlung.raten)
        betrag = rest if last else (gesamt * regel.anteil).quantize(CENT, ROUND_DOWN)
        rest -= betrag
        by_date[termin] = by_date.get(termin, ZERO) + betrag
    return tuple(Rate(nummer, termin, by_date[termin]) for nummer, termin in enumerate(sorted(by_date), start=1))


def _weiterleitung(fall: Fall, stellen: tuple[StellenBerechnung, ...],
                   sachausgaben: Decimal) -> tuple[Weiterleitung, ...]:
    """Rule 12: Personal of the passed-on Stellen plus a proportional part of the Sachausgaben."""
    sach_total = sum((s.sachausgaben_hoechstbetrag for s in stellen), ZERO)
    result = []
    seen: set[str] = set()
    for kommune in fall.kreisangehoerige_kommunen:
        name = kommune.name.strip()
        if name in seen:
            continue
        seen.add(name)
        own = [s for s in stellen if s.stelle.funktion == "koordination" and s.stelle.weitergeleitet
               and s.stelle.kommune is not None and s.stelle.kommune.strip() == name]
        if not own:
            continue
        sach_cap = sum((s.sachausgaben_hoechstbetrag for s in own), ZERO)
        share = round_cents(Fraction(sachausgaben) * Fraction(sach_cap) / Fraction(sach_total)) if sach_total else ZERO
        result.append(Weiterleitung(name, sum((s.personal for s in own), ZERO), share,
                                    tuple(s.index for s in own)))
    return tuple(result)


def frist_antrag(jahr: int, regelwerk: RuleSet) -> dt.date | None:
    """Rule 15: four weeks after publication in the first year, else 31 October of the year before."""
    regel = regelwerk.fristen.antrag
    if jahr == regel.erstes_jahr:
        if regelwerk.veroeffentlicht is None:
            return None
        end = add_weeks(regelwerk.veroeffentlicht, regel.wochen_nach_veroeffentlichung)
    else:
        end = dt.date(jahr - 1, regel.vorjahr_monat, regel.vorjahr_tag)
    return next_working_day(end, regelwerk.fristen.feiertage_land)


def frist_verwendungsnachweis(ende: dt.date, regelwerk: RuleSet) -> dt.date:
    """Rule 15: three months after the end of the period, moved to a working day."""
    end = add_months(ende, regelwerk.fristen.verwendungsnachweis.monate_nach_ende)
    return next_working_day(end, regelwerk.fristen.feiertage_land)


def _verwendung(fall: Fall, hoechst: dict[str, Decimal], betraege: dict[str, Decimal],
                regelwerk: RuleSet) -> Verwendung | None:
    """Rules 16, 23, 24: per item min(ist, bewilligt × 1.2, Höchstbetrag from the actual
    occupancy); the total bound by the grant, less the Einnahmen."""
    nachweis = fall.verwendungsnachweis
    if nachweis is None:
        return None
    spielraum = 1 + regelwerk.verwendungsnachweis.ueberschreitung_einzelansatz
    ist_stellen = tuple(_ist_stelle(i, s, fall, regelwerk) for i, s in enumerate(fall.stellen))
    hoechst_ist = {**hoechst, **_personal_and_sach_caps(fall.stellen, ist_stellen)}
    ist = {k: getattr(nachweis.ist, k) if nachweis.ist else None for k in POSTEN}
    fehlend = tuple(k for k, v in ist.items() if v is None)
    ist_werte = {k: (v if v is not None else ZERO) for k, v in ist.items()}
    belegt = {**ist_werte, **{f"personal_{f}": _personal_belegt(f, ist[f"personal_{f}"], fall.stellen, ist_stellen)
                              for f in ("koordination", "verwaltungsassistenz")}}
    anerkannt = {k: round_cents(max(ZERO, min(belegt[k], betraege[k] * spielraum, hoechst_ist[k]))) for k in POSTEN}
    gesamt = max(ZERO, min(sum(anerkannt.values(), ZERO), betraege["gesamt"]) - nachweis.einnahmen)
    anerkannt["gesamt"] = gesamt
    erhalten = nachweis.erhalten if nachweis.erhalten is not None else ZERO
    return Verwendung(
        ist=ist_werte, anerkannt=anerkannt, einnahmen=nachweis.einnahmen, stellen=ist_stellen,
        hoechstbetraege=hoechst_ist, erhalten=erhalten,
        rueckforderung=round_cents(max(ZERO, erhalten - gesamt)),
        nachzahlung=round_cents(max(ZERO, gesamt - erhalten)),
        fehlende_ist=fehlend,
    )


_IST_KEYS = ("besetzt_von", "besetzt_bis", "anteil")


def _ist_stelle(index: int, stelle: Stelle, fall: Fall, regelwerk: RuleSet) -> IstStellenBerechnung:
    """Rule 23: the Stelle as actually occupied; a value left out is the planned one."""
    given = fall.verwendungsnachweis.stellen if fall.verwendungsnachweis else None
    actual = given[index] if given is not None and index < len(given) else None
    values = {k: getattr(actual, k) if actual is not None else None for k in _IST_KEYS}
    aus_plan = tuple(k for k, v in values.items() if v is None)
    merged = stelle.model_copy(update={k: v for k, v in values.items() if v is not None})
    computed = _stelle(index, merged, fall, regelwerk)
    return IstStellenBerechnung(index, computed.personal, computed.sachausgaben_hoechstbetrag,
                                actual.personalausgaben if actual is not None else None, aus_plan,
                                computed.von, computed.bis, merged.anteil)


def _personal_and_sach_caps(stellen: list[Stelle], ist: tuple[IstStellenBerechnung, ...]) -> dict[str, Decimal]:
    def personal(funktion: str) -> Decimal:
        return sum((s.personal for p, s in zip(stellen, ist) if p.funktion == funktion), ZERO)

    return {"personal_koordination": personal("koordination"),
            "personal_verwaltungsassistenz": personal("verwaltungsassistenz"),
            "sachausgaben": sum((s.sachausgaben_hoechstbetrag for s in ist), ZERO)}


def _personal_belegt(funktion: str, ist_item: Decimal | None, stellen: list[Stelle],
                     ist: tuple[IstStellenBerechnung, ...]) -> Decimal:
    """Rule 23: a Stelle's own Personalausgaben count up to its actual Höchstbetrag; the
    rest of the item's `ist` (if any) up to the Höchstbeträge of the Stellen without."""
    own = [s for p, s in zip(stellen, ist) if p.funktion == funktion]
    given = [s for s in own if s.personalausgaben is not None]
    if not given:
        return ist_item if ist_item is not None else ZERO
    counted = sum((min(s.personalausgaben, s.personal) for s in given if s.personalausgaben is not None), ZERO)
    spent = sum((s.personalausgaben for s in given if s.personalausgaben is not None), ZERO)
    rest_cap = sum((s.personal for s in own if s.personalausgaben is None), ZERO)
    rest = max(ZERO, ist_item - spent) if ist_item is not None else ZERO
    return counted + min(rest, rest_cap)


def _erstattung(fall: Fall, verwendung: Verwendung | None, raten: tuple[Rate, ...], regelwerk: RuleSet,
                basiszinssaetze: tuple[Basiszins, ...]) -> Erstattungsberechnung | None:
    """Rule 26: only with an `erstattung` block and a Rückforderung. `wirkung_ab` defaults to
    the date of the last instalment (all are paid by the time of the Verwendungsnachweis)."""
    angaben = fall.erstattung
    if angaben is None or verwendung is None or verwendung.rueckforderung <= 0:
        return None
    wirkung_ab = angaben.wirkung_ab or max(r.termin for r in raten)
    betrag = verwendung.rueckforderung
    if angaben.zinsverzicht:
        return Erstattungsberechnung(betrag, wirkung_ab, angaben.zinsen_bis, True, None, ZERO)
    if angaben.zinsen_bis is None or angaben.zinsen_bis < wirkung_ab:
        return Erstattungsberechnung(betrag, wirkung_ab, angaben.zinsen_bis, False, None, None)
    zins = erstattungszinsen(betrag, wirkung_ab, angaben.zinsen_bis, basiszinssaetze,
                             regelwerk.erstattung.zinsaufschlag)
    summe = zins.summe
    return Erstattungsberechnung(betrag, wirkung_ab, angaben.zinsen_bis, False, zins,
                                 None if summe is None else round_cents(summe))
