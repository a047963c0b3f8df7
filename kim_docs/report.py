"""Turning results into what `calc` and `validate` print: the JSON of calc-output.md
and a readable German table."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import formatting as fmt
from .context import POSTEN_NAMEN as _POSTEN_NAMEN
from .evaluate import Ergebnis
from .model import POSTEN
from .rules import RuleSet

POSTEN_NAMEN = {**_POSTEN_NAMEN, "gesamt": "Gesamt"}


def money(value: Decimal) -> str:
    """The JSON form of an amount: two decimals and a dot."""
    return f"{value.quantize(Decimal('0.01')):f}"


def calc_json(ergebnis: Ergebnis) -> dict[str, Any]:
    """The object of calc-output.md, in its key order."""
    b = ergebnis.berechnung
    zeitraum = ergebnis.fall.bewilligungszeitraum
    out: dict[str, Any] = {
        "richtlinie": ergebnis.regelwerk.id if ergebnis.regelwerk else None,
        "bewilligungszeitraum": {"beginn": zeitraum.beginn.isoformat(), "ende": zeitraum.ende.isoformat()},
        "hoechstbetraege": None, "betraege": None, "auszahlungen": None, "weiterleitung": None,
        "fristen": None, "verwendung": None, "erstattung": None,
    }
    if b is not None:
        out.update({
            "hoechstbetraege": {k: money(v) for k, v in b.hoechstbetraege.items()},
            "betraege": {k: money(b.betraege[k]) for k in (*POSTEN, "gesamt")},
            "auszahlungen": [{"rate": r.rate, "termin": r.termin.isoformat(), "betrag": money(r.betrag)}
                             for r in b.auszahlungen],
            "weiterleitung": [{"kommune": w.kommune, "personal": money(w.personal),
                               "sachausgaben": money(w.sachausgaben), "gesamt": money(w.gesamt)}
                              for w in b.weiterleitung],
            "fristen": {"antrag": b.frist_antrag.isoformat() if b.frist_antrag else None,
                        "verwendungsnachweis": b.frist_verwendungsnachweis.isoformat()},
            "verwendung": _verwendung_json(b.verwendung),
        })
    out["erstattung"] = _erstattung_json(b.erstattung) if b is not None else None  # rule 26 (v2)
    out["befunde"] = [bf.as_dict() for bf in ergebnis.befunde]
    return out


def _verwendung_json(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"anerkannt": {k: money(a) for k, a in v.anerkannt.items()}, "einnahmen": money(v.einnahmen),
            "erhalten": money(v.erhalten), "rueckforderung": money(v.rueckforderung),
            "nachzahlung": money(v.nachzahlung),
            "stellen": [{"personal": money(s.personal), "sachausgaben_hoechstbetrag": money(s.sachausgaben_hoechstbetrag)}
                        for s in v.stellen]}


def _erstattung_json(e: Any) -> dict[str, Any] | None:
    if e is None:
        return None
    perioden = e.zinsberechnung.perioden if e.zinsberechnung is not None else ()
    return {"betrag": money(e.betrag), "wirkung_ab": e.wirkung_ab.isoformat(),
            "zinsen_bis": e.zinsen_bis.isoformat() if e.zinsen_bis else None,
            "perioden": [{"von": p.von.isoformat(), "bis": p.bis.isoformat(), "tage": p.tage,
                          "basiszinssatz": f"{p.basiszinssatz:f}", "zinssatz": f"{p.zinssatz:f}"}
                         for p in perioden],
            "zinsen": money(e.zinsen) if e.zinsen is not None else None,
            "gesamt": money(e.gesamt) if e.gesamt is not None else None}


_SCHWERE = {"fehler": "FEHLER ", "warnung": "WARNUNG", "hinweis": "HINWEIS"}


def befunde_text(befunde: list[Any]) -> list[str]:
    lines = []
    for bf in befunde:
        nr = f"Nr. {bf.nr}" if bf.nr else "–"
        lines.append(f"  {_SCHWERE[bf.schwere]}  {nr:<11} {bf.feld}: {bf.meldung}")
    return lines


def calc_text(ergebnis: Ergebnis, datei: str) -> str:
    """The calculation as a readable German table."""
    fall = ergebnis.fall
    b = ergebnis.berechnung
    z = fall.bewilligungszeitraum
    lines = [f"{fall.antragsteller.name} – {datei}",
             f"Bewilligungszeitraum: {fmt.datum(z.beginn)} bis {fmt.datum(z.ende)}"]
    if b is None:
        lines += ["Keine Berechnung möglich: keine Richtlinie anwendbar.", "", "Befunde:"]
        return "\n".join(lines + befunde_text(ergebnis.befunde))
    lines.append(f"Richtlinie: {b.regelwerk.kurztitel} ({b.regelwerk.id})")
    lines += ["", f"{'Posten':<40}{'Höchstbetrag':>16}{'Betrag':>16}"]
    for key in POSTEN:
        lines.append(f"{POSTEN_NAMEN[key]:<40}{_e(b.hoechstbetraege[key]):>16}{_e(b.betraege[key]):>16}")
    lines.append(f"{'Gesamt':<40}{'':>16}{_e(b.gesamt):>16}")
    lines += ["", "Auszahlung (Nr. 7.3):"]
    lines += [f"  {r.rate}. Rate am {fmt.datum(r.termin)}: {_e(r.betrag)}" for r in b.auszahlungen]
    if b.weiterleitung:
        lines += ["", "Weiterleitung (Nr. 3.2):"]
        lines += [f"  {w.kommune}: Personal {_e(w.personal)}, Sachausgaben {_e(w.sachausgaben)}, "
                  f"gesamt {_e(w.gesamt)}" for w in b.weiterleitung]
    frist = fmt.datum(b.frist_antrag) if b.frist_antrag else "nicht bestimmbar"
    lines += ["", f"Antragsfrist (Nr. 7.1): {frist}",
              f"Verwendungsnachweis bis (Nr. 7.4): {fmt.datum(b.frist_verwendungsnachweis)}"]
    if b.verwendung:
        v = b.verwendung
        lines += ["", "Verwendungsnachweis:"]
        lines += [f"  anerkannt {POSTEN_NAMEN[k]}: {_e(v.anerkannt[k])}" for k in POSTEN]
        lines += [f"  anerkannt gesamt: {_e(v.anerkannt['gesamt'])}", f"  erhalten: {_e(v.erhalten)}",
                  f"  Rückforderung: {_e(v.rueckforderung)}", f"  Nachzahlung: {_e(v.nachzahlung)}"]
    lines += ["", "Befunde:" if ergebnis.befunde else "Befunde: keine"]
    return "\n".join(lines + befunde_text(ergebnis.befunde))


def _e(value: Decimal) -> str:
    return fmt.euro(value).replace("\xa0", " ")


def rules_text(rule_sets: dict[str, RuleSet]) -> str:
    """`kim-docs rules`: every rule set with its validity and figures."""
    blocks = []
    for rs in sorted(rule_sets.values(), key=lambda r: r.geltung.beginn):
        k = rs.stellen.koordination
        va = rs.stellen.verwaltungsassistenz
        veroeff = fmt.datum(rs.veroeffentlicht) if rs.veroeffentlicht else "nicht gesetzt"
        raten = ", ".join(f"{r.tag:02d}.{r.monat:02d}. ({fmt.prozent(r.anteil)})" for r in rs.auszahlung.raten)
        anteile = ", ".join(f"{rs.empfaenger.bezeichnung.get(a, a)} {fmt.anteil(v)}" for a, v in k.hoechstanteile.items())
        blocks.append("\n".join([
            f"{rs.id}: {rs.kurztitel}",
            f"  {rs.erlass} vom {fmt.datum_lang(rs.datum)} ({rs.fundstelle}); veröffentlicht: {veroeff}",
            f"  gilt für Bewilligungszeiträume vom {fmt.datum(rs.geltung.beginn)} bis {fmt.datum(rs.geltung.ende)} "
            f"(Nr. {rs.geltung.nr})",
            f"  Bewilligungsbehörde: {rs.bewilligungsbehoerde.name}",
            f"  Koordination: {_e(k.jahresbetrag)} je Vollzeitstelle und Jahr; höchstens {anteile}; "
            f"+{fmt.anteil(k.zusatz_je_kommune)} je qualifizierter kreisangehöriger Kommune",
            f"  Verwaltungsassistenz: {_e(va.jahresbetrag)} je Vollzeitstelle und Jahr; höchstens "
            f"{fmt.anteil(va.hoechstanteil)} Stelle",
            f"  Sachausgaben: bis {_e(rs.sachausgaben.jahresbetrag_je_stelle)} je Stelle und Jahr "
            f"(Nr. {rs.sachausgaben.nr})",
            f"  Veranstaltungen: bis {_e(rs.begleitmassnahmen.veranstaltungen.hoechstbetrag)} je Jahr; "
            f"Maßnahmen: bis {_e(rs.begleitmassnahmen.massnahmen.hoechstbetrag)} je Jahr",
            f"  Auszahlung: {raten} (Nr. {rs.auszahlung.nr})",
            f"  Verwendungsnachweis: {rs.fristen.verwendungsnachweis.monate_nach_ende} Monate nach Ende "
            f"des Bewilligungszeitraums; Überschreitung einzelner Ansätze bis "
            f"{fmt.prozent(rs.verwendungsnachweis.ueberschreitung_einzelansatz)}",
            f"  Datei: {rs.quelle}",
        ]))
    return "\n\n".join(blocks)
