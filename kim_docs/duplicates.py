"""Cases that must not be there twice in one run: a pure check across cases.

Two cases of one recipient for one year would make two Bescheide for one grant (or one
file that flips between the two) and two lines in the Kasse list; two cases with one
Aktenzeichen would make two Bescheide under one file number. Either is a Fehler of every
case involved: which one is right is for the clerk to decide, never for the order of
the files.
"""
from __future__ import annotations

from collections.abc import Sequence

from .findings import Befund
from .model import Fall


def _recipient_key(fall: Fall) -> str:
    """The AGS where given (it names the body), else the name without case and spacing."""
    a = fall.antragsteller
    return f"ags:{a.ags}" if a.ags else "name:" + " ".join(a.name.split()).casefold()


def duplicate_findings(faelle: Sequence[tuple[str, Fall | None]]) -> dict[int, list[Befund]]:
    """For (label, case) pairs: the index of every case that clashes with another, with
    one Fehler per clash naming the other cases by their labels. Unreadable cases (None)
    take part in nothing."""
    found: dict[int, list[Befund]] = {}
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (_, fall) in enumerate(faelle):
        if fall is None:
            continue
        groups.setdefault(("empfaenger", f"{_recipient_key(fall)}|{fall.bewilligungszeitraum.beginn.year}"),
                          []).append(i)
        if fall.bescheid and fall.bescheid.aktenzeichen and fall.bescheid.aktenzeichen.strip():
            groups.setdefault(("aktenzeichen", fall.bescheid.aktenzeichen.strip()), []).append(i)
    for (kind, _), members in groups.items():
        if len(members) < 2:
            continue
        for i in members:
            others = ", ".join(faelle[j][0] for j in members if j != i)
            found.setdefault(i, []).append(_befund(kind, faelle[i][1], others))
    return found


def _befund(kind: str, fall: Fall | None, others: str) -> Befund:
    assert fall is not None
    if kind == "aktenzeichen":
        assert fall.bescheid is not None
        return Befund("fehler", None, "bescheid.aktenzeichen", "aktenzeichen_doppelt",
                      f"Das Aktenzeichen {fall.bescheid.aktenzeichen} hat auch {others}; ein Aktenzeichen "
                      f"gehört zu genau einem Bescheid. Bitte eines der Aktenzeichen ändern.")
    jahr = fall.bewilligungszeitraum.beginn.year
    return Befund("fehler", None, "antragsteller.name", "empfaenger_doppelt",
                  f"{fall.antragsteller.name} hat für {jahr} einen zweiten Fall ({others}); je Empfänger und "
                  f"Jahr gibt es einen Fall und einen Bescheid, sonst würde doppelt ausgezahlt. Bitte einen der "
                  f"Fälle entfernen oder zusammenführen.")
