"""The context of the recipient's Verwendungsnachweis (Anlage 3; rules 16, 23–25).

The recipient reports; the authority decides (Nr. 11 VV zu § 44 LHO). So this context
offers the figures and their comparison with the Bescheid, each difference marked with
the rule set's `vorbehalt` ("vorläufig, vorbehaltlich der Prüfung …"), and no decision:
no recognised amount, no refund, no additional payment. The wording is rule-set data
(`verwendungsnachweis.nachweis`).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .bescheid_context import one_line
from .calc import Berechnung, IstStellenBerechnung, StellenBerechnung
from .model import POSTEN, Fall

ZERO = Decimal("0.00")


def signed_euro(amount: Decimal) -> str:
    """A difference with its sign: '+1.000,00 €', '−15.000,00 €', '0,00 €'."""
    if amount == 0:
        return fmt.euro(ZERO)
    return f"{'+' if amount > 0 else '−'}{fmt.euro(abs(amount))}"


def verwendung_context(fall: Fall, b: Berechnung, posten_namen: dict[str, str],
                       funktion_namen: dict[str, str]) -> dict[str, Any]:
    texte = b.regelwerk.verwendungsnachweis.nachweis
    spielraum = fmt.prozent(b.regelwerk.verwendungsnachweis.ueberschreitung_einzelansatz)
    base: dict[str, Any] = {"vorbehalt": one_line(texte.vorbehalt),
                            "spielraum": spielraum,
                            "spielraum_text": one_line(texte.spielraum).format(spielraum=spielraum),
                            "besetzung_text": one_line(texte.besetzung),
                            "weiterleitung_text": one_line(texte.weiterleitung),
                            "auflagen_einleitung": one_line(texte.auflagen_einleitung)}
    v, nachweis = b.verwendung, fall.verwendungsnachweis
    if v is None or nachweis is None:
        return {**base, "datum": "", "erhalten": "", "posten": [], "ist_gesamt": "", "differenz_gesamt": "",
                "einnahmen": "", "einnahmen_text": "", "zuwendungsfaehig": "", "ergebnis_text": "",
                "sachbericht": "", "stellen": [], "auflagen": [], "weiterleitung": []}
    ist_gesamt = sum(v.ist.values(), ZERO)
    datum = fmt.datum(nachweis.datum) if nachweis.datum else ""
    return {
        **base,
        "datum": datum,
        "erhalten": fmt.euro(v.erhalten),
        "posten": [{"name": posten_namen[k], "bewilligt": fmt.euro(b.betraege[k]), "ist": fmt.euro(v.ist[k]),
                    "differenz": signed_euro(v.ist[k] - b.betraege[k]),
                    "hoechstbetrag": fmt.euro(v.hoechstbetraege[k])} for k in POSTEN],
        "ist_gesamt": fmt.euro(ist_gesamt),
        "differenz_gesamt": signed_euro(ist_gesamt - b.betraege["gesamt"]),
        "einnahmen": fmt.euro(v.einnahmen),
        "einnahmen_text": one_line(texte.einnahmen).format(einnahmen=fmt.euro(v.einnahmen)),
        "zuwendungsfaehig": fmt.euro(v.anerkannt["gesamt"]),
        "ergebnis_text": _ergebnis(v.anerkannt["gesamt"], v.erhalten, texte),
        "sachbericht": (nachweis.sachbericht or "").strip(),
        "stellen": [_stelle(p, i, funktion_namen) for p, i in zip(b.stellen, v.stellen)],
        "auflagen": _auflagen(fall, b, texte.auflage_ohne_bericht),
        "weiterleitung": _weiterleitung(b, v.stellen),
    }


def _ergebnis(betrag: Decimal, erhalten: Decimal, texte: Any) -> str:
    vorbehalt = one_line(texte.vorbehalt)
    if betrag < erhalten:
        text = texte.differenz_weniger
    elif betrag > erhalten:
        text = texte.differenz_mehr
    else:
        text = texte.differenz_keine
    return one_line(text).format(betrag=fmt.euro(betrag), differenz=fmt.euro(abs(betrag - erhalten)),
                                 vorbehalt=vorbehalt)


def _besetzung(von: Any, bis: Any) -> str:
    return f"{fmt.datum(von)} – {fmt.datum(bis)}" if von else "nicht besetzt"


def _stelle(plan: StellenBerechnung, ist: IstStellenBerechnung, funktion_namen: dict[str, str]) -> dict[str, Any]:
    """One Stelle: planned and actual occupancy, its own costs, its actual Höchstbetrag."""
    return {"nr": plan.index + 1, "bezeichnung": plan.stelle.bezeichnung,
            "funktion": funktion_namen[plan.stelle.funktion],
            "anteil_geplant": fmt.anteil(plan.stelle.anteil), "besetzung_geplant": _besetzung(plan.von, plan.bis),
            "anteil": fmt.anteil(ist.anteil), "besetzung": _besetzung(ist.von, ist.bis),
            "aus_plan": "ja" if ist.aus_plan else "nein",
            "personalausgaben": fmt.euro(ist.personalausgaben) if ist.personalausgaben is not None else "",
            "hoechstbetrag": fmt.euro(ist.personal),
            "sachausgaben_hoechstbetrag": fmt.euro(ist.sachausgaben_hoechstbetrag)}


def _auflagen(fall: Fall, b: Berechnung, ohne_bericht: str) -> list[dict[str, str]]:
    bericht = fall.verwendungsnachweis.auflagen if fall.verwendungsnachweis else None
    result = []
    for auflage in b.regelwerk.auflagen.liste:
        text = (getattr(bericht, auflage.buchstabe, None) or "").strip() if bericht else ""
        result.append({"buchstabe": auflage.buchstabe, "text": one_line(auflage.auferlegt(fall.antragsteller.art)),
                       "bericht": text or one_line(ohne_bericht)})
    return result


def _weiterleitung(b: Berechnung, ist: tuple[IstStellenBerechnung, ...]) -> list[dict[str, str]]:
    return [{"kommune": w.kommune, "stellen": ", ".join(b.stellen[i].stelle.bezeichnung for i in w.stellen),
             "bewilligt": fmt.euro(w.gesamt),
             "personal_hoechstbetrag": fmt.euro(sum((ist[i].personal for i in w.stellen), ZERO))}
            for w in b.weiterleitung]
