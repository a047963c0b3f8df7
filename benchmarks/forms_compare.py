#!/usr/bin/env python3
"""Benchmark: kim-docs, pdftk and PyPDFForm side by side on the sixteen real forms.

For each form and tool: fill time (median of 3 runs) and what survives, read back with
pypdf and pdftotext: are ä ö ü ß € of a text field in the text layer, and does exactly
the chosen box of a group end up on (a checkbox group with different on-states, or a
radio group)? A tool that is not installed (pdftk: Debian package pdftk-java;
PyPDFForm: pip) is skipped and said so.

    .venv/bin/python benchmarks/forms_compare.py
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kim_docs.pdf.acroform import FormField, list_fields  # noqa: E402
from kim_docs.pdf.fill import fill  # noqa: E402

FORMS = sorted((ROOT / "tests" / "fixtures" / "real-forms").glob("*.pdf"))
UMLAUTS = "Öl ä ö ü ß €"


def plan(fields: list[FormField]) -> tuple[dict, str | None, str | None]:
    """Values (umlauts in the first free text field, last state of the first group),
    the text field's name and the group's name."""
    values: dict = {}
    text = next((f for f in fields if f.fillable and f.kind == "text" and not f.max_length), None)
    group = next((f for f in fields if f.fillable and f.kind in ("checkbox", "radio") and len(f.states) > 1), None)
    if text:
        values[text.name] = UMLAUTS
    if group:
        values[group.name] = group.states[-1]
    return values, text.name if text else None, group.name if group else None


def kim(form: Path, values: dict, out: Path) -> None:
    fill(form, values, out)


def pdftk(form: Path, values: dict, out: Path) -> None:
    from xml.sax.saxutils import escape

    fields = "".join(f'<field name="{escape(k)}"><value>{escape(_pdftk_value(v))}</value></field>'
                     for k, v in values.items())
    xfdf = out.with_suffix(".xfdf")
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/">'
                    f"<fields>{fields}</fields></xfdf>", encoding="utf-8")
    subprocess.run(["pdftk", str(form), "fill_form", str(xfdf), "output", str(out)],
                   check=True, capture_output=True, timeout=120)


def _pdftk_value(value: object) -> str:
    return {True: "Yes", False: "Off"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def pypdfform(form: Path, values: dict, out: Path) -> None:
    from PyPDFForm import PdfWrapper

    # PyPDFForm names fields by their last name part; a radio group takes the index of
    # the option, a checkbox True (it has no way to name one box of a group)
    kinds = {f.name: f for f in list_fields(form)}
    short = {}
    for key, value in values.items():
        f = kinds[key]
        if f.kind == "radio":
            value = list(f.states).index(value)
        elif f.kind == "checkbox":
            value = True
        short[key.rsplit(".", 1)[-1]] = value
    data = PdfWrapper(str(form)).fill(short).read()
    out.write_bytes(data)


def check(out: Path, text_name: str | None, group_name: str | None, values: dict) -> tuple[str, str]:
    umlauts = group = "–"
    try:
        back = {f.name: f for f in list_fields(out)}
    except Exception:
        back = {}
    if text_name:
        layer = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        value_ok = back.get(text_name) is not None and back[text_name].value == UMLAUTS
        umlauts = "ja" if value_ok and UMLAUTS in layer else ("nur Wert" if value_ok else "nein")
    if group_name:
        f = back.get(group_name)
        on = [w.on_state for w in f.widgets] if f else []
        chosen = f is not None and f.value in (values[group_name], True)
        group = "ja" if chosen and _only_one_on(out, group_name, values[group_name]) else "nein"
    return umlauts, group


def _only_one_on(out: Path, name: str, state: str) -> bool:
    from pypdf import PdfReader

    on = []
    for page in PdfReader(out).pages:
        for ref in page.get("/Annots", []) or []:
            annot = ref.get_object()
            parts, node = [], annot
            while node is not None:
                if "/T" in node:
                    parts.insert(0, str(node["/T"]))
                node = node["/Parent"].get_object() if "/Parent" in node else None
            if ".".join(parts) == name and "/AS" in annot and str(annot["/AS"]) != "/Off":
                on.append(str(annot["/AS"]))
    return on == [f"/{state}"]


def main() -> None:
    tools: dict[str, Callable] = {"kim-docs": kim}
    if shutil.which("pdftk"):
        tools["pdftk"] = pdftk
    else:
        print("pdftk nicht installiert (Debian-Paket pdftk-java): übersprungen")
    try:
        import PyPDFForm  # noqa: F401

        tools["PyPDFForm"] = pypdfform
    except ImportError:
        print("PyPDFForm nicht installiert (pip install PyPDFForm): übersprungen")
    print(f"{'Formular':38} " + " ".join(f"{t:>28}" for t in tools))
    print(f"{'':38} " + " ".join(f"{'ms / Umlaute / Gruppe':>28}" for _ in tools))
    totals = dict.fromkeys(tools, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for form in FORMS:
            values, text_name, group_name = plan(list_fields(form))
            cells = []
            for name, tool in tools.items():
                out = Path(tmp) / f"{name}-{form.name}"
                times = []
                try:
                    for _ in range(3):
                        out.unlink(missing_ok=True)
                        start = time.perf_counter()
                        tool(form, values, out)
                        times.append((time.perf_counter() - start) * 1000)
                    umlauts, group = check(out, text_name, group_name, values)
                    totals[name] += umlauts == "ja" or umlauts == "–"
                    cells.append(f"{statistics.median(times):8.0f} / {umlauts:>8} / {group:>5}")
                except Exception as exc:
                    cells.append(f"{'Fehler: ' + type(exc).__name__:>28}")
            print(f"{form.name:38} " + " ".join(f"{c:>28}" for c in cells))
    print("Umlaute im Textlayer: " + ", ".join(f"{t} {n}/{len(FORMS)}" for t, n in totals.items()))


if __name__ == "__main__":
    main()
