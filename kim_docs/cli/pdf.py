"""`kim-docs pdf …`: list, fill, sign and verify PDF forms (German output).

Registered by the main CLI (``main.add_command(pdf)``); it also works on its own.
Exit status: 0 fine, 1 a signature is broken/untrusted or missing, 2 an input cannot
be read or the command is misused. Passwords are never taken from the command line.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from ._common import CONTEXT, ErrorHandlingGroup, echo

PASSWORD_ENV = "KIM_DOCS_CERT_PASSWORD"


class _PdfGroup(ErrorHandlingGroup):
    """pyHanko logs expected validation failures with tracebacks; users get our report."""

    def invoke(self, ctx: click.Context) -> Any:
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logging.getLogger(name).addHandler(logging.NullHandler())
        return super().invoke(ctx)


class _Rect(click.ParamType):
    name = "SEITE,X,Y,B,H"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[int, float, float, float, float]:
        if isinstance(value, tuple):
            return value
        parts = str(value).split(",")
        try:
            if len(parts) != 5:
                raise ValueError
            page = int(parts[0])
            x, y, w, h = (float(p) for p in parts[1:])
        except ValueError:
            self.fail(f"{value!r}: erwartet SEITE,X,Y,BREITE,HÖHE, z. B. 1,350,60,200,50", param, ctx)
        return page, x, y, w, h


@click.group(name="pdf", cls=_PdfGroup, context_settings=CONTEXT)
def pdf() -> None:
    """PDF-Formulare auflisten und ausfüllen, PDF-Dateien elektronisch signieren und prüfen.

    Die elektronische Signatur ergänzt das handschriftlich unterschriebene Papierformular,
    das die Richtlinie verlangt; sie ersetzt es nicht.
    """


# --------------------------------------------------------------------------- fields


@pdf.command("fields")
@click.argument("form", metavar="FORMULAR.pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True,
              help="Als JSON ausgeben: voller Name, Typ, Wert, Optionen bzw. Zustände je Widget, Flags, Seite.")
@click.option("--password-file", "form_password", metavar="DATEI", type=click.Path(dir_okay=False, path_type=Path),
              help="Passwort eines verschlüsselten Formulars aus dieser Datei lesen.")
@click.option("--mapping-template", "mapping_template", metavar="ZUORDNUNG.yaml",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Gerüst einer Zuordnung (ein Eintrag je ausfüllbares Feld) in diese Datei schreiben.")
def fields_cmd(form: Path, as_json: bool, form_password: Path | None, mapping_template: Path | None) -> None:
    """Alle Felder eines PDF-Formulars mit Typ, Wert und Einschränkungen auflisten."""
    import json

    from ..errors import InputError
    from ..pdf.acroform import KIND_LABELS, list_fields
    from ..pdf.mapping import mapping_skeleton

    found = list_fields(form, _form_password(form_password))
    if as_json:
        echo(json.dumps([f.to_json() for f in found], ensure_ascii=False, indent=2))
    else:
        for f in found:
            echo(f"{f.name}\t{KIND_LABELS[f.kind]}\t{_value_text(f.value)}{_notes(f)}")
    if mapping_template is not None:
        if mapping_template.exists():
            raise InputError("Datei existiert bereits; wird nicht überschrieben.", datei=str(mapping_template))
        mapping_template.write_text(mapping_skeleton(found), encoding="utf-8")
        echo(f"Zuordnungsgerüst geschrieben: {mapping_template}", err=as_json)


def _form_password(path: Path | None) -> str | None:

    if path is None:
        return None
    return _read_password_file(path).rstrip("\r\n")


#: A password file holds one line; /dev/zero or a huge file must not fill the memory.
MAX_PASSWORD_BYTES = 64 * 1024


def _read_password_file(path: Path) -> str:
    """The text of a password file (a pipe like <(pass show …) is fine), bounded in size."""
    from ..errors import InputError

    try:
        with path.open("rb") as file:
            raw = file.read(MAX_PASSWORD_BYTES + 1)
    except OSError as exc:
        raise InputError(f"Passwortdatei kann nicht gelesen werden ({exc.strerror}).", datei=str(path)) from None
    if len(raw) > MAX_PASSWORD_BYTES:
        raise InputError(f"Passwortdatei ist zu groß (höchstens {MAX_PASSWORD_BYTES // 1024} KB).", datei=str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("Passwortdatei ist nicht UTF-8-kodiert.", datei=str(path)) from None


def _note(text: str) -> None:
    echo(f"Hinweis: {text}", err=True)


def _value_text(value: Any) -> str:
    if value is True:
        return "an"
    if value is False:
        return "aus"
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


def _notes(f: Any) -> str:
    notes = []
    if f.states:
        notes.append(("Gruppe, " if f.group else "") + "Zustände: " + ", ".join(f.states))
    if f.options:
        notes.append("Auswahl: " + ", ".join(f.options))
    if f.max_length:
        notes.append(f"höchstens {f.max_length} Zeichen")
    if f.required:
        notes.append("Pflichtfeld")
    if f.read_only:
        notes.append("schreibgeschützt")
    return ("\t" + "; ".join(notes)) if notes else ""


# --------------------------------------------------------------------------- fill


@pdf.command("fill")
@click.argument("form", metavar="FORMULAR.pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("case", metavar="[FALL]", required=False, type=click.Path(path_type=Path))
@click.option("--values", "values_file", metavar="WERTE.json|yaml", type=click.Path(dir_okay=False, path_type=Path),
              help="Werte je Feldname: Text, Ja/Nein-Wert eines Ankreuzfelds, Zustand oder Option, Liste bei Mehrfachauswahl.")
@click.option("--mapping", metavar="ZUORDNUNG.yaml", type=click.Path(dir_okay=False, path_type=Path),
              help="Zuordnung Formularfeld → Jinja-Ausdruck über die Falldaten (mit FALL).")
@click.option("-o", "--output", "output", required=True, metavar="AUSGABE.pdf",
              type=click.Path(dir_okay=False, path_type=Path), help="Ausgefülltes Formular.")
@click.option("--flatten", is_flag=True,
              help="Werte fest in die Seite schreiben und die Formularfelder entfernen.")
@click.option("--password-file", "form_password", metavar="DATEI", type=click.Path(dir_okay=False, path_type=Path),
              help="Passwort eines verschlüsselten Formulars aus dieser Datei lesen.")
def fill_cmd(form: Path, case: Path | None, values_file: Path | None, mapping: Path | None, output: Path,
             flatten: bool, form_password: Path | None) -> None:
    """Ein PDF-Formular ausfüllen: mit Werten (--values) oder aus einem Fall (FALL --mapping)."""
    from ..errors import InputError
    from ..pdf.acroform import list_fields
    from ..pdf.fill import fill
    from ..pdf.mapping import render_mapping
    from ..pdf.values import load_values

    if (values_file is None) == (mapping is None):
        raise click.UsageError("Bitte genau eines angeben: --values WERTE oder FALL mit --mapping ZUORDNUNG.")
    if values_file is not None and case is not None:
        raise click.UsageError("Mit --values wird kein FALL angegeben.")
    if output.exists():
        raise InputError("Datei existiert bereits; wird nicht überschrieben.", datei=str(output))
    password = _form_password(form_password)
    if values_file is not None:
        values = load_values(values_file)
    else:
        if case is None:
            raise click.UsageError("--mapping braucht einen FALL.")
        table = _load_mapping(mapping)  # type: ignore[arg-type]
        build_context, make_jinja_env = _context_functions()
        values = render_mapping(table, build_context(case), make_jinja_env(autoescape=False),
                                fields=list_fields(form, password))
    out = fill(form, values, output, flatten=flatten, password=password, on_note=_note)
    echo(f"ausgefüllt: {out}")


def _context_functions() -> tuple[Any, Any]:
    # provided by the case/render modules; imported late so `pdf sign` works without them
    from ..errors import KimDocsError

    try:
        from ..render import case_context as build_context
        from ..templating import make_jinja_env
    except ImportError as exc:
        raise KimDocsError(f"Ausfüllen aus Falldaten ist in dieser Version nicht verfügbar ({exc}).") from None
    return build_context, make_jinja_env


def _load_mapping(path: Path) -> dict[str, Any]:
    from ..errors import InputError
    from ..load import load_yaml_text, read_text

    # the reader of the case files: bounded (alias bombs, /dev/zero), exact, German
    data, _ = load_yaml_text(read_text(path), str(path))
    if not isinstance(data, dict):
        raise InputError("Zuordnung muss eine Tabelle 'Feldname: Ausdruck' sein.", datei=str(path))
    for key, value in data.items():
        if not isinstance(key, str) or isinstance(value, (dict, list)):
            raise InputError("Wert muss ein Text oder Ausdruck sein.", datei=str(path), feld=str(key))
    return data


# --------------------------------------------------------------------------- sign


@pdf.command("sign")
@click.argument("files", metavar="PDF...", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cert", required=True, metavar="ZERTIFIKAT.p12", type=click.Path(dir_okay=False, path_type=Path),
              help="Schlüssel und Zertifikat als PKCS#12-Datei (.p12/.pfx).")
@click.option("--password-file", metavar="DATEI", type=click.Path(dir_okay=False, path_type=Path),
              help=f"Passwort aus dieser Datei lesen (sonst Umgebungsvariable {PASSWORD_ENV}, sonst Abfrage).")
@click.option("--visible", type=_Rect(), metavar="SEITE,X,Y,B,H",
              help="Sichtbarer Signaturstempel: Seite (ab 1), Position und Größe in Punkt von unten links.")
@click.option("--reason", metavar="TEXT", help="Grund der Signatur, z. B. 'Auszahlungsanforderung'.")
@click.option("--location", metavar="TEXT", help="Ort der Signatur.")
@click.option("-o", "--output-dir", "out_dir", metavar="ORDNER", type=click.Path(file_okay=False, path_type=Path),
              help="Ausgabeordner (Vorgabe: neben der Eingabe). Dateiname: NAME-signiert.pdf.")
@click.option("--felder-offen", "fields_open", is_flag=True,
              help="Formularfelder nicht sperren (Vorgabe: alle Felder werden mit der Signatur gesperrt).")
def sign_cmd(files: tuple[Path, ...], cert: Path, password_file: Path | None, visible: Any,
             reason: str | None, location: str | None, out_dir: Path | None, fields_open: bool) -> None:
    """PDF-Dateien elektronisch signieren (PAdES, als inkrementelle Ergänzung).

    Das Original bleibt unverändert; frühere Signaturen bleiben gültig.
    """
    from ..pdf.signing import default_output, load_signer, sign

    signer = load_signer(cert, _password(password_file))
    for path in files:
        out = sign(path, signer, default_output(path, out_dir), visible=visible, reason=reason, location=location,
                   lock_fields=not fields_open, on_note=_note)
        echo(f"signiert: {out}")


def _password(password_file: Path | None) -> bytes | None:

    if password_file is not None:
        text = _read_password_file(password_file)
        return text.rstrip("\r\n").encode("utf-8") or None
    if PASSWORD_ENV in os.environ:
        return os.environ[PASSWORD_ENV].encode("utf-8") or None
    entered = click.prompt("Passwort des Zertifikats", hide_input=True, default="", show_default=False)
    return entered.encode("utf-8") or None


# --------------------------------------------------------------------------- verify


@pdf.command("verify")
@click.argument("files", metavar="PDF...", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust", "trust", multiple=True, metavar="CA.pem", type=click.Path(dir_okay=False, path_type=Path),
              help="Vertrauensanker (Zertifikat der ausstellenden Stelle, PEM oder DER; mehrfach möglich).")
def verify_cmd(files: tuple[Path, ...], trust: tuple[Path, ...]) -> None:
    """Signaturen prüfen: unversehrt, später geändert, vertrauenswürdig.

    Exit-Status 1, wenn eine Signatur beschädigt oder nicht vertrauenswürdig ist oder
    eine Datei keine Signatur hat; 2, wenn eine Datei nicht gelesen werden kann.
    """
    from ..errors import InputError
    from ..pdf.signing import verify

    worst = 0
    for path in files:
        try:
            reports = verify(path, list(trust))
        except InputError as exc:
            echo(f"Fehler: {exc}", err=True)
            worst = 2
            continue
        if not reports:
            echo(f"{path}: keine Signatur")
            worst = max(worst, 1)
            continue
        echo(f"{path}: {len(reports)} Signatur(en)")
        for report in reports:
            echo(_report_text(report))
            if not report.ok:
                worst = max(worst, 1)
    sys.exit(worst)


def _report_text(r: Any) -> str:
    when = r.signing_time.strftime("%d.%m.%Y %H:%M:%S %Z") if r.signing_time else "unbekannt"
    yes = {True: "ja", False: "nein"}
    later = "keine" if r.covers_whole_file else r.modification_level
    lines = [
        f"  {r.field_name}: {r.signer or 'unbekannt'}, signiert {when}",
        f"    unversehrt: {yes[r.intact]}; Signaturwert gültig: {yes[r.valid]}; "
        f"vertrauenswürdig: {yes[r.trusted]}",
        f"    spätere Änderungen: {later}" + ("" if r.changes_permitted else " (nicht zulässig)"),
        *([f"    geänderte Felder: {', '.join(r.changed_fields)}"] if r.changed_fields else []),
        "    Ergebnis: in Ordnung" if r.ok else f"    Ergebnis: NICHT in Ordnung – {r.problem or 'unzulässige Änderung nach dem Signieren'}",
    ]
    return "\n".join(lines)
