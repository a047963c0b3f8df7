"""The pure pipeline: (case, rule sets, reference) → rule set, calculation, findings."""
from __future__ import annotations

from dataclasses import dataclass

from .calc import Berechnung, calculate
from .checks import check, select_rule_set
from .findings import Befund, ist_fehler
from .model import Fall
from .reference import Referenz, load_referenz
from .reference.basiszins import load_basiszinssaetze
from .rules import RuleSet, load_rule_sets
from .zinsen import Basiszins


@dataclass(frozen=True)
class Ergebnis:
    """The outcome of evaluating one case."""

    fall: Fall
    regelwerk: RuleSet | None
    berechnung: Berechnung | None
    befunde: list[Befund]

    @property
    def hat_fehler(self) -> bool:
        return ist_fehler(self.befunde)

    @property
    def exit_code(self) -> int:
        return 1 if self.hat_fehler else 0


def evaluate(fall: Fall, rule_sets: dict[str, RuleSet] | None = None,
             referenz: Referenz | None = None, basiszinssaetze: tuple[Basiszins, ...] | None = None) -> Ergebnis:
    """Choose the rule set, calculate and check. Pure given its inputs."""
    rule_sets = load_rule_sets() if rule_sets is None else rule_sets
    referenz = load_referenz() if referenz is None else referenz
    regelwerk, befunde = select_rule_set(fall, rule_sets)
    if regelwerk is None:
        return Ergebnis(fall, None, None, befunde)
    if basiszinssaetze is None:
        basiszinssaetze = load_basiszinssaetze() if fall.erstattung is not None else ()
    berechnung = calculate(fall, regelwerk, basiszinssaetze)
    return Ergebnis(fall, regelwerk, berechnung, befunde + check(fall, regelwerk, berechnung, referenz))
