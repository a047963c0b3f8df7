"""kim-docs: documents of the NRW funding programme Kommunales Integrationsmanagement.

The public API, for systems that call the toolkit directly::

    import kim_docs

    fall = kim_docs.load_case("samples/kreis-musterland-2025.yaml")
    ergebnis = kim_docs.evaluate(fall)          # rule set, Berechnung, Befunde
    print(ergebnis.berechnung.gesamt)           # Decimal('357500.00')
    print(kim_docs.calc_json(ergebnis))         # the JSON of `kim-docs calc --json`
    run = kim_docs.render_cases(["fall.yaml"], "bescheid", Path("ausgabe"))  # DOCX + PDF/A + manifest
    print([str(p) for p in run.files], [r.fehler for r in run.failed])

Names are loaded lazily so that importing the package (and `kim-docs --help`) is fast.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "render_cases": "pipeline", "CaseSource": "pipeline", "RenderRun": "pipeline",
    "RenderOptions": "render", "Dokument": "render",
    "load_case": "model", "parse_case": "model", "Fall": "model", "json_schema": "model",
    "evaluate": "evaluate", "Ergebnis": "evaluate",
    "calculate": "calc", "Berechnung": "calc",
    "check": "checks", "Befund": "findings", "Schwere": "findings",
    "DocumentKind": "kinds", "KINDS": "kinds",
    "load_rule_sets": "rules", "RuleSet": "rules",
    "calc_json": "report",
    "KimDocsError": "errors", "InputError": "errors", "RenderError": "errors",
}

__all__ = [
    "KINDS", "Befund", "Berechnung", "CaseSource", "DocumentKind", "Dokument", "Ergebnis", "Fall", "InputError",
    "KimDocsError", "RenderError", "RenderOptions", "RenderRun", "RuleSet", "Schwere", "__version__", "calc_json",
    "calculate", "check", "evaluate", "json_schema", "load_case", "load_rule_sets", "parse_case", "render_cases",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kim_docs' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
