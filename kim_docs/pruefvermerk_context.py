"""The context of the authority's Prüfvermerk (Nr. 11 VVG zu § 44 LHO; rules 16, 23, 24).

Unlike the recipient's form this one decides: per item what is recognised and which bound
did it (Ist, Höchstbetrag from the actual occupancy, per-Stelle cap, +20 % of ANBest-G
Nr. 1.2), the total bound by the grant, the Einnahmen, the Auflagen and the result. The
wording is rule-set data (`verwendungsnachweis.pruefvermerk`).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .bescheid_context import one_line
from .calc import CENT, Berechnung, Verwendung
from .model import POSTEN, Fall

ZERO = Decimal("0.00")


def pruefvermerk_context(fall: Fall, b: Berechnung, posten_namen: dict[str, str]) -> dict[str, Any]:
    pruefung, v = fall.pruefung, b.verwendung
    texte = b.regelwerk.verwendungsnachweis.pruefvermerk
    if pruefung is None or v is None:
        return {"datum": "", "pruefer": "", "eingang": "", "frist": "", "fristgerecht": "", "posten": [],
                "summe_posten": "", "gesamt_satz": "", "einnahmen": "", "anerkannt_gesamt": "", "erhalten": "",
                "ergebnis": "", "auflagen": [], "bemerkungen": ""}
    summe = sum((v.anerkannt[k] for k in POSTEN), ZERO)
    frist = b.frist_verwendungsnachweis
    gesamt_text = texte.gesamt_begrenzt if summe > b.betraege["gesamt"] else texte.gesamt_nicht_begrenzt
    return {
        "datum": fmt.datum(pruefung.datum) if pruefung.datum else "",
        "pruefer": (pruefung.pruefer or "").strip(),
        "eingang": fmt.datum(pruefung.eingang) if pruefung.eingang else "",
        "frist": fmt.datum(frist),
        "fristgerecht": ("ja" if pruefung.eingang <= frist else "nein, verspätet") if pruefung.eingang else "",
        "posten": [_posten(k, b, v, posten_namen) for k in POSTEN],
        "summe_posten": fmt.euro(summe),
        "gesamt_satz": one_line(gesamt_text).format(summe=fmt.euro(summe), bewilligt=fmt.euro(b.betraege["gesamt"])),
        "einnahmen": fmt.euro(v.einnahmen),
        "anerkannt_gesamt": fmt.euro(v.anerkannt["gesamt"]),
        "erhalten": fmt.euro(v.erhalten),
        "ergebnis": _ergebnis(v, texte),
        "auflagen": _auflagen(fall, b),
        "bemerkungen": (pruefung.bemerkungen or "").strip(),
    }


def _posten(k: str, b: Berechnung, v: Verwendung, posten_namen: dict[str, str]) -> dict[str, str]:
    regel = b.regelwerk.verwendungsnachweis
    texte = regel.pruefvermerk
    grenze = (b.betraege[k] * (1 + regel.ueberschreitung_einzelansatz)).quantize(CENT)
    anerkannt = v.anerkannt[k]
    if anerkannt == v.ist[k]:
        grund = texte.grund_ist
    elif anerkannt == v.hoechstbetraege[k]:
        grund = texte.grund_hoechstbetrag
    elif anerkannt == grenze:
        grund = texte.grund_spielraum.format(spielraum=fmt.prozent(regel.ueberschreitung_einzelansatz))
    else:  # below all three bounds: only the per-Stelle cap of rule 23 gives that
        grund = texte.grund_stellen
    return {"name": posten_namen[k], "ist": fmt.euro(v.ist[k]), "bewilligt": fmt.euro(b.betraege[k]),
            "grenze": fmt.euro(grenze), "hoechstbetrag": fmt.euro(v.hoechstbetraege[k]),
            "anerkannt": fmt.euro(anerkannt), "grund": one_line(grund)}


def _ergebnis(v: Verwendung, texte: Any) -> str:
    if v.rueckforderung > 0:
        return one_line(texte.ergebnis_rueckforderung).format(betrag=fmt.euro(v.rueckforderung))
    if v.nachzahlung > 0:
        return one_line(texte.ergebnis_nachzahlung).format(betrag=fmt.euro(v.nachzahlung))
    return one_line(texte.ergebnis_ausgeglichen)


def _auflagen(fall: Fall, b: Berechnung) -> list[dict[str, str]]:
    erfuellt = fall.pruefung.auflagen_erfuellt if fall.pruefung else None
    result = []
    for auflage in b.regelwerk.auflagen.liste:
        value = getattr(erfuellt, auflage.buchstabe, None) if erfuellt else None
        result.append({"buchstabe": auflage.buchstabe,
                       "erfuellt": {True: "ja", False: "nein", None: "nicht festgestellt"}[value]})
    return result
