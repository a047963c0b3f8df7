"""The Zuwendungsbescheid's own part of the template context (rules 6, 14, 17–22), pure.

Which sections the Bescheid of a case has, their consecutive numbers, and every sentence
of them filled from the rule set's wording (`bescheid:` in the rule-set file) with the
facts of the case and the calculation. Python adds no legal wording of its own here:
it only chooses which rule-set sentence applies and fills in names, dates and amounts.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .calc import Berechnung, StellenBerechnung
from .model import KUERZBARE_POSTEN, Fall
from .rules import RuleSet

#: The Bescheid's sections in their order (issue 10); the optional ones may be left out.
ABSCHNITTE = ("bewilligung", "teilablehnung", "bemessung", "weiterleitung", "auszahlung", "verwendungsnachweis",
              "nebenbestimmungen", "hinweise", "begruendung", "rechtsbehelf")
_OPTIONAL = {"teilablehnung", "weiterleitung"}

POSTEN_KURZ = {"sachausgaben": "Sachausgaben", "veranstaltungen": "Begleitmaßnahmen: Veranstaltungen",
               "massnahmen": "Begleitmaßnahmen: Maßnahmen"}


#: A citation's sign and its number stay on one line: "§ 44", "§§ 48, 49", "Nr. 7.3", "Abs. 2", "Art. 82".
_BINDING = re.compile(r"(?<!\w)(§§?|Nr\.|Abs\.|Art\.) (?=\d)")


def one_line(text: str) -> str:
    """Rule-set wording as one line, with a no-break space after §, Nr., Abs. and Art."""
    return _BINDING.sub("\\1\u00a0", " ".join(text.split()))


def aufzaehlung(items: list[str]) -> str:
    """['A', 'B', 'C'] → 'A, B und C'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} und {items[-1]}"


def _fill(text: str, **values: Any) -> str:
    return one_line(text).format(**values)


def bedingte_stellen(fall: Fall, b: Berechnung) -> list[StellenBerechnung]:
    """Rule 6 (v2): Koordination Stellen whose qualification is not (yet) given."""
    return [sb for sb in b.stellen if sb.stelle.funktion == "koordination" and sb.stelle.qualifikation is None]


def ablehnungen(b: Berechnung) -> list[str]:
    """Rule 22: the items granted below the requested amount (capped or lowered)."""
    return [k for k in KUERZBARE_POSTEN if b.beantragt[k] > b.betraege[k]]


def abschnitte(fall: Fall, b: Berechnung) -> dict[str, str]:
    """Section → its number ('' where the section is left out), consecutive whatever is present;
    plus the sub-numbers of the Nebenbestimmungen (anbest, auflagen, bedingung)."""
    present = {"teilablehnung": bool(ablehnungen(b)), "weiterleitung": bool(b.weiterleitung)}
    numbers: dict[str, str] = {}
    n = 0
    for name in ABSCHNITTE:
        if name in _OPTIONAL and not present[name]:
            numbers[name] = ""
            continue
        n += 1
        numbers[name] = str(n)
    neben = numbers["nebenbestimmungen"]
    numbers["anbest"] = f"{neben}.1"
    numbers["auflagen"] = f"{neben}.2"
    numbers["bedingung"] = f"{neben}.3" if bedingte_stellen(fall, b) else ""
    return numbers


def bescheid_context(fall: Fall, rs: RuleSet, b: Berechnung, ki_name: str) -> dict[str, Any]:
    """The `bescheid.*` values of rules 6, 14, 18, 20–22 (the data keys are added by the caller)."""
    t = rs.bescheid
    bescheid = fall.bescheid
    nummern = abschnitte(fall, b)
    haushaltsstelle = ((bescheid.haushaltsstelle or "").strip() if bescheid else "")
    vorlaeufig = bool(bescheid and bescheid.vorlaeufige_haushaltsfuehrung)
    bedingt = bedingte_stellen(fall, b)
    hinweise = [one_line(h) for h in t.hinweise] + ([one_line(t.vorlaeufige_haushaltsfuehrung)] if vorlaeufig else [])
    rows = _ablehnung_rows(fall, rs, b)
    return {
        "haushaltsstelle": haushaltsstelle,
        "haushaltsstelle_satz": _fill(t.haushaltsstelle, haushaltsstelle=haushaltsstelle) if haushaltsstelle else "",
        "vorlaeufige_haushaltsfuehrung": vorlaeufig,
        "rechtsgrundlagen": _fill(t.rechtsgrundlagen, richtlinie=rs.kurztitel, datum=fmt.datum_lang(rs.datum),
                                  fundstelle=rs.fundstelle),
        "zweck": one_line(t.zweck),
        "zweck_angliederung": _fill_ki(t.zweck_angliederung, ki_name) if fall.voraussetzungen.angliederung_an_ki else "",
        "ablehnungen": rows,
        "teilablehnung_satz": _fill(t.teilablehnung, betrag=fmt.euro(_abgelehnt(b))) if rows else "",
        "stellen_satz": one_line(t.stellen),
        "weiterleitung_satz": one_line(t.weiterleitung),
        "weiterleitung_pflichten_einleitung": one_line(t.weiterleitung_pflichten_einleitung),
        "weiterleitung_pflichten": [one_line(p) for p in t.weiterleitung_pflichten],
        "auszahlung_satz": one_line(t.auszahlung),
        "auszahlung_verfahren": one_line(t.auszahlung_verfahren),
        "verwendungsnachweis_satz": _fill(t.verwendungsnachweis, frist=fmt.datum_lang(b.frist_verwendungsnachweis)),
        "hat_bedingung": bool(bedingt),
        "bedingung_einleitung": one_line(t.bedingung_einleitung),
        "bedingungen": [_bedingung(rs, b, sb) for sb in bedingt],
        "hinweise": hinweise,
        "begruendung_einleitung": one_line(t.begruendung.einleitung),
        "begruendung": _begruendung(fall, rs, b, ki_name, nummern),
        "begruendung_teilablehnung": _begruendung_teilablehnung(fall, rs, b),
        "anlage": _fill(t.anlage_beigefuegt if rs.anbest.anlage_text else t.anlage_beizufuegen,
                        anbest=rs.anbest.bezeichnung),
        "hat_anlage_text": bool(rs.anbest.anlage_text),
        "anlage_absaetze": anlage_absaetze(rs.anbest.anlage_text or ""),
        "abschnitte": nummern,
    }


def _abgelehnt(b: Berechnung) -> Decimal:
    return sum((b.beantragt[k] - b.betraege[k] for k in ablehnungen(b)), Decimal(0))


def _posten_nr(rs: RuleSet, key: str) -> str:
    return {"sachausgaben": rs.sachausgaben.nr, "veranstaltungen": rs.begleitmassnahmen.veranstaltungen.nr,
            "massnahmen": rs.begleitmassnahmen.massnahmen.nr}[key]


def _ablehnung_rows(fall: Fall, rs: RuleSet, b: Berechnung) -> list[dict[str, str]]:
    """Rule 22: per item requested, granted, refused and why (the cap with its Nr., or the Kürzung)."""
    kuerzung = ((fall.bescheid.begruendung_kuerzung or "").strip() if fall.bescheid else "")
    rows = []
    for key in ablehnungen(b):
        gruende = []
        if b.beantragt[key] > b.foerderfaehig[key]:
            gruende.append(_fill(rs.bescheid.grund_hoechstbetrag, nr=_posten_nr(rs, key)))
        if key in b.gekuerzt:
            gruende.append(one_line(kuerzung) if kuerzung else one_line(rs.bescheid.grund_kuerzung))
        rows.append({"posten": POSTEN_KURZ[key], "beantragt": fmt.euro(b.beantragt[key]),
                     "bewilligt": fmt.euro(b.betraege[key]), "abgelehnt": fmt.euro(b.beantragt[key] - b.betraege[key]),
                     "grund": "; ".join(gruende)})
    return rows


def _bedingung(rs: RuleSet, b: Berechnung, sb: StellenBerechnung) -> dict[str, str]:
    sach = min(sb.sachausgaben_hoechstbetrag, b.betraege["sachausgaben"])
    return {"stelle": sb.stelle.bezeichnung,
            "text": _fill(rs.bescheid.bedingung, stelle=sb.stelle.bezeichnung, personal=fmt.euro(sb.personal),
                          sachausgaben=fmt.euro(sach))}


def _begruendung(fall: Fall, rs: RuleSet, b: Berechnung, ki_name: str, nummern: dict[str, str]) -> list[str]:
    """Rule 20: only what the case shows – Nr. 4 a–d, e and f as far as fulfilled, the
    exception of 4 b with its Aktenzeichen, the Bedingung (the Teilablehnung: see below)."""
    t = rs.bescheid.begruendung
    v = fall.voraussetzungen
    saetze = []
    if v.ki_betrieb:
        saetze.append(_fill_ki(t.ki_betrieb, ki_name))
    if v.angliederung_an_ki:
        saetze.append(_fill_ki(t.angliederung_an_ki, ki_name))
    elif v.ausnahme_angliederung_az:
        saetze.append(_fill(t.ausnahme_angliederung, az=v.ausnahme_angliederung_az.strip()))
    if v.lenkungsgruppe:
        saetze.append(one_line(t.lenkungsgruppe))
    if v.konzept_datum:
        saetze.append(_fill(t.konzept_datum, datum=fmt.datum_lang(v.konzept_datum)))
    kommunen = _kommunen_mit_stelle(fall)
    if kommunen:
        saetze.append(_fill(t.weitere_stelle, kommunen=aufzaehlung(kommunen)))
    koordination = [sb for sb in b.stellen if sb.stelle.funktion == "koordination"]
    belegt = [f"„{sb.stelle.bezeichnung}“" for sb in koordination if sb.stelle.qualifikation is not None]
    offen = [f"„{sb.stelle.bezeichnung}“" for sb in bedingte_stellen(fall, b)]
    if belegt:
        saetze.append(_fill(t.qualifikation, stellen=_stellen_text(belegt)))
    if offen:
        saetze.append(_fill(t.qualifikation_offen, stellen=_stellen_text(offen), abschnitt=nummern["bedingung"]))
    return saetze


def _fill_ki(text: str, ki_name: str) -> str:
    """The KI's name in its place; without a name in the case, the sentence without it."""
    return _fill(text if ki_name else text.replace(" ({ki})", ""), ki=ki_name)


def _stellen_text(names: list[str]) -> str:
    return f"{'die Stelle' if len(names) == 1 else 'die Stellen'} {aufzaehlung(names)}"


def _kommunen_mit_stelle(fall: Fall) -> list[str]:
    """Nr. 4 e: the qualifying Kommunen that have a Koordination Stelle assigned."""
    assigned = {s.kommune.strip() for s in fall.stellen if s.funktion == "koordination" and s.kommune}
    names: list[str] = []
    for k in fall.kreisangehoerige_kommunen:
        name = k.name.strip()
        if k.qualifiziert and name in assigned and name not in names:
            names.append(name)
    return names


def _begruendung_teilablehnung(fall: Fall, rs: RuleSet, b: Berechnung) -> list[str]:
    t = rs.bescheid.begruendung
    capped = [k for k in ablehnungen(b) if b.beantragt[k] > b.foerderfaehig[k]]
    saetze = []
    if capped:
        posten = aufzaehlung([f"{POSTEN_KURZ[k]} (Nr. {_posten_nr(rs, k)})" for k in capped])
        saetze.append(_fill(t.teilablehnung_hoechstbetrag, posten=posten))
    kuerzung = ((fall.bescheid.begruendung_kuerzung or "").strip() if fall.bescheid else "")
    if b.gekuerzt and kuerzung:
        posten = aufzaehlung([POSTEN_KURZ[k] for k in b.gekuerzt])
        saetze.append(_fill(t.teilablehnung_kuerzung, posten=posten, begruendung=one_line(kuerzung)))
    return saetze


_NEUER_ABSATZ = re.compile(r"^(?:[-*] |\d+(?:\.\d+)*\.? )")


def anlage_absaetze(text: str) -> list[dict[str, Any]]:
    """A Markdown or plain text as paragraphs: '# …' lines are headings; a line opening with
    '- ', '* ' or a number ('1.4 …', '2. …') starts a paragraph; other lines continue the
    paragraph up to the next blank line."""
    absaetze: list[dict[str, Any]] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            absaetze.append({"text": " ".join(block).replace("**", ""), "ueberschrift": False})
            block.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            absaetze.append({"text": line.lstrip("#").strip(), "ueberschrift": True})
        else:
            if _NEUER_ABSATZ.match(line):
                flush()
                line = line[2:] if line[:2] in ("- ", "* ") else line
            block.append(line)
    flush()
    return absaetze


T, L, B = "Text", "Liste", "Wahrheitswert"
#: The catalogue entries of `bescheid_context` (name, type, meaning), spliced into variables.CATALOGUE.
CATALOGUE_BESCHEID: tuple[tuple[str, str, str], ...] = (
    ("bescheid.haushaltsstelle", T, "Haushaltsstelle, z. B. Kapitel … Titel … (leer, wenn nicht angegeben)"),
    ("bescheid.haushaltsstelle_satz", T, "Satz mit der Haushaltsstelle (leer ohne Haushaltsstelle)"),
    ("bescheid.vorlaeufige_haushaltsfuehrung", B, "wahr: Vorbehalt der vorläufigen Haushaltsführung (Art. 82 LV NRW)"),
    ("bescheid.rechtsgrundlagen", T, "Rechtsgrundlagen: §§ 23, 44 LHO, VV/VVG zu § 44 LHO, Richtlinie mit Fundstelle"),
    ("bescheid.zweck", T, "Zweckbindung (Nr. 1, 2)"),
    ("bescheid.zweck_angliederung", T, "Satz zur Angliederung an das KI (Nr. 4 b), leer ohne Angliederung"),
    ("bescheid.ablehnungen", L, "Teilablehnung je Posten (Regel 22)"),
    ("bescheid.ablehnungen[].posten", T, "Posten"),
    ("bescheid.ablehnungen[].beantragt", T, "beantragt (€)"),
    ("bescheid.ablehnungen[].bewilligt", T, "bewilligt (€)"),
    ("bescheid.ablehnungen[].abgelehnt", T, "abgelehnt (€)"),
    ("bescheid.ablehnungen[].grund", T, "Grund: Höchstbetrag mit Nr. oder die Begründung der Kürzung"),
    ("bescheid.teilablehnung_satz", T, "Tenor der Teilablehnung mit dem abgelehnten Betrag"),
    ("bescheid.stellen_satz", T, "Satz vor der Tabelle der Stellen"),
    ("bescheid.weiterleitung_satz", T, "Zulassung der Weiterleitung (Nr. 3.2, Nr. 12 VVG)"),
    ("bescheid.weiterleitung_pflichten_einleitung", T, "Satz vor den Pflichten der Weiterleitung"),
    ("bescheid.weiterleitung_pflichten", L, "Pflichten bei der Weiterleitung (Regel 21), je ein Text"),
    ("bescheid.auszahlung_satz", T, "Satz vor den Raten: auf Anforderung, frühestens zu den Terminen"),
    ("bescheid.auszahlung_verfahren", T, "Verfahren: integration.web und unterschriebener Vordruck per Post (Nr. 7.3)"),
    ("bescheid.verwendungsnachweis_satz", T, "Frist und Form des Verwendungsnachweises (Nr. 7.4)"),
    ("bescheid.hat_bedingung", B, "wahr, wenn eine Stelle unter aufschiebender Bedingung steht (Regel 6)"),
    ("bescheid.bedingung_einleitung", T, "Satz vor den Bedingungen (§ 36 Abs. 2 Nr. 2 VwVfG NRW)"),
    ("bescheid.bedingungen", L, "aufschiebende Bedingung je Stelle ohne nachgewiesene Qualifikation"),
    ("bescheid.bedingungen[].stelle", T, "Bezeichnung der Stelle"),
    ("bescheid.bedingungen[].text", T, "Wortlaut der Bedingung mit den Beträgen"),
    ("bescheid.hinweise", L, "Hinweise: Widerruf, Erstattung, Verzinsung, Prüfungsrecht, ggf. vorläufige "
                             "Haushaltsführung"),
    ("bescheid.begruendung_einleitung", T, "erster Satz der Begründung"),
    ("bescheid.begruendung", L, "Begründung aus dem Fall (Nr. 4 a–f soweit erfüllt, Ausnahme 4 b, Bedingung), "
                                "je ein Satz"),
    ("bescheid.begruendung_teilablehnung", L, "Begründung der Teilablehnung (Höchstbeträge, Kürzung), je ein Satz"),
    ("bescheid.anlage", T, "Zeile 'Anlage: ANBest-G' (beigefügt oder im Anschluss)"),
    ("bescheid.hat_anlage_text", B, "wahr, wenn der amtliche Text der ANBest-G hinterlegt ist (anbest.anlage)"),
    ("bescheid.anlage_absaetze", L, "Absätze des hinterlegten ANBest-G-Textes"),
    ("bescheid.anlage_absaetze[].text", T, "Text des Absatzes"),
    ("bescheid.anlage_absaetze[].ueberschrift", B, "wahr für eine Überschrift ('# …')"),
    *((f"bescheid.abschnitte.{name}", T, f"Nummer des Abschnitts {name} (leer, wenn er fehlt)")
      for name in (*ABSCHNITTE, "anbest", "auflagen", "bedingung")),
)
