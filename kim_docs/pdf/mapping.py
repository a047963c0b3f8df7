"""The mapping file of a form: field name → Jinja expression over the case data.

:func:`mapping_skeleton` writes one for a form, :func:`render_mapping` evaluates it.
"""
from __future__ import annotations

import json
from typing import Any

from kim_docs.errors import InputError

from .acroform import KIND_LABELS, FormField

__all__ = ["mapping_skeleton", "render_mapping"]


def mapping_skeleton(fields: list[FormField]) -> str:
    """YAML skeleton: one line per fillable field, the type and choices as comment."""
    lines = [
        "# Zuordnung Formularfeld → Jinja-Ausdruck über die Falldaten, z. B.",
        '#   Betrag: "{{ betraege.gesamt | euro }}"',
        "# Ankreuzfelder brauchen einen Ausdruck, der True oder False ergibt.",
    ]
    for f in fields:
        if not f.fillable:
            continue
        lines.append(f'{json.dumps(f.name, ensure_ascii=False)}: ""  # {_describe(f)}')
    return "\n".join(lines) + "\n"


def _describe(f: FormField) -> str:
    text = KIND_LABELS[f.kind]
    if f.kind == "text" and f.max_length:
        text += f", höchstens {f.max_length} Zeichen"
    if f.kind == "checkbox":
        text += " (True/False)"
    if f.kind == "radio":
        text += ", Werte: " + ", ".join(f.states)
    if f.kind == "choice":
        text += ", Werte: " + ", ".join(f.options)
    if f.required:
        text += ", Pflichtfeld"
    return text


def render_mapping(
    mapping: dict[str, str],
    context: dict,
    env: Any,
    *,
    fields: list[FormField] | None = None,
) -> dict[str, str | bool]:
    """Evaluate each mapping value as a Jinja template over the case context.

    "True"/"False" results become booleans: for checkbox fields when ``fields`` is
    given, otherwise for every field (a text field never needs these words).
    """
    import jinja2

    checkboxes = {f.name for f in fields if f.kind == "checkbox"} if fields is not None else None
    result: dict[str, str | bool] = {}
    for name, template in mapping.items():
        if isinstance(template, bool):
            result[name] = template
            continue
        if template is None:
            template = ""
        try:
            text = env.from_string(str(template)).render(context).strip()
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"Syntaxfehler im Ausdruck: {exc.message}", feld=name) from None
        except jinja2.UndefinedError as exc:
            raise InputError(f"Ausdruck verweist auf fehlende Falldaten: {exc.message}", feld=name) from None
        except jinja2.TemplateError as exc:
            raise InputError(f"Ausdruck kann nicht ausgewertet werden: {exc}", feld=name) from None
        if text in ("True", "False") and (checkboxes is None or name in checkboxes):
            result[name] = text == "True"
        else:
            result[name] = text
    return result
