"""Rule 26: the findings of the `erstattung` block (interest days, rates, waiver)."""
from __future__ import annotations

from collections.abc import Iterator

from . import formatting as fmt
from .calc import Berechnung
from .findings import Befund
from .model import Fall
from .reference import Referenz
from .rules import RuleSet


def check_erstattung(fall: Fall, rs: RuleSet, b: Berechnung, ref: Referenz) -> Iterator[Befund]:
    angaben, e = fall.erstattung, b.erstattung
    if angaben is None:
        return
    nr = rs.erstattung.nr
    if e is None:
        yield Befund("hinweis", nr, "erstattung", "erstattung_ohne_rueckforderung",
                     "Der Fall enthält Angaben zur Erstattung, nach dem Verwendungsnachweis ist aber nichts "
                     "zurückzufordern; Erstattung und Zinsen entfallen.")
        return
    if e.zinsverzicht:
        if not (angaben.zinsverzicht_begruendung or "").strip():
            yield Befund("fehler", nr, "erstattung.zinsverzicht_begruendung", "zinsverzicht_ohne_begruendung",
                         "Ein Zinsverzicht (§ 49a Abs. 3 Satz 2 VwVfG NRW) braucht eine Begründung.")
        return
    if e.zinsen_bis is None:
        yield Befund("fehler", nr, "erstattung.zinsen_bis", "zinsen_bis_fehlt",
                     "Es fehlt der Tag, bis zu dem die Erstattungszinsen berechnet werden (zinsen_bis).")
    elif e.zinsen_bis < e.wirkung_ab:
        yield Befund("fehler", nr, "erstattung.zinsen_bis", "zinsen_bis_vor_wirkung",
                     f"Zinsen bis {fmt.datum(e.zinsen_bis)} liegt vor dem Tag der Unwirksamkeit "
                     f"{fmt.datum(e.wirkung_ab)}.")
    elif e.zinsberechnung is not None and e.zinsberechnung.fehlender_tag is not None:
        yield Befund("fehler", None, "erstattung.zinsen_bis", "basiszinssatz_unbekannt",
                     f"Für den {fmt.datum(e.zinsberechnung.fehlender_tag)} ist kein Basiszinssatz bekannt; "
                     f"die Erstattungszinsen können nicht berechnet werden. Den Basiszinssatz der Deutschen "
                     f"Bundesbank in einer eigenen Datei ergänzen (Umgebungsvariable KIM_DOCS_BASISZINS_DIR).")
