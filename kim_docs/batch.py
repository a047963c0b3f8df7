"""Batch: all documents of many cases in one run, with report, Kasse list, manifest, resume.

The library behind ``kim-docs batch``; it prints nothing and reports progress through a
callback. One run:

1. reads the input (folder of case files, workbook, CSV folder) into one ``Eingabe`` per
   case; a workbook that cannot be read raises ``InputError``;
2. validates and calculates every case in this process (``case_problems``, ``evaluate``);
   the totals and the budget check need all cases before a single Bescheid is made;
3. plans each good case: which files, whether the existing ones are unchanged (then the
   case is skipped), which existing files may be replaced;
4. renders and converts the rest in worker processes, in chunks; every chunk gets one
   LibreOffice process with its own profile (``LibreOfficeConverter``), so LibreOffice
   is restarted after every chunk and killed on a hang; a chunk that fails is redone case
   by case, so one bad document fails only its own case;
5. records each finished chunk in ``manifest.json`` at once (a killed run keeps it), then
   writes ``bericht.csv``/``bericht.json``, ``auszahlungsliste.csv``,
   ``zusammenfassung.json`` and optionally ``stapel.zip``.

Files appear in the output folder only complete: workers build everything in their own
hidden folder ``.kim-batch-<pid>`` (LibreOffice profiles included) and rename finished
files into place. Hidden leftovers of a killed run are removed at the next start, under
a lock that keeps two runs out of the same folder.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError, KimDocsError, RenderError

__all__ = ["BatchOptions", "Eingabe", "Fallbericht", "Fortschritt", "Lauf", "Pruefung",
           "read_input", "run_batch", "verify", "parse_budget", "STATUS"]

BERICHT_CSV = "bericht.csv"
BERICHT_JSON = "bericht.json"
AUSZAHLUNGSLISTE = "auszahlungsliste.csv"
ZUSAMMENFASSUNG = "zusammenfassung.json"
ZIP_NAME = "stapel.zip"
MANIFEST = "manifest.json"
LOCK_NAME = ".kim-batch.lock"
_WORK_PREFIX = ".kim-batch-"
REPORT_FILES = (BERICHT_CSV, BERICHT_JSON, AUSZAHLUNGSLISTE, ZUSAMMENFASSUNG)

ERSTELLT, UNVERAENDERT = "erstellt", "unverändert"
FEHLERHAFT, FEHLGESCHLAGEN, NICHT_ERSTELLT = "fehlerhaft", "fehlgeschlagen", "nicht erstellt"
STATUS = (ERSTELLT, UNVERAENDERT, FEHLERHAFT, FEHLGESCHLAGEN, NICHT_ERSTELLT)
_OK = (ERSTELLT, UNVERAENDERT)
_SCHWERE = {"fehler": "Fehler", "warnung": "Warnung", "hinweis": "Hinweis"}


@dataclass(frozen=True)
class BatchOptions:
    arten: tuple[str, ...] = ("bescheid",)    # or ("alle",): what each case has data for
    formats: tuple[str, ...] = ("docx", "pdf")
    jobs: int = 0                              # 0: os.cpu_count()
    budget: Decimal | None = None
    overwrite: bool = False
    draft: bool = False
    make_zip: bool = False
    templates_dir: Path | None = None
    rules_dirs: tuple[Path, ...] = ()
    chunk: int = 0                             # cases per worker task; 0: automatic
    timeout: float = 120.0                     # seconds per LibreOffice process

    @property
    def signature(self) -> str:
        """The options that change a document's bytes; recorded in the manifest."""
        return f"formate={','.join(sorted(self.formats))};entwurf={'ja' if self.draft else 'nein'}"

    def worker_count(self, tasks: int) -> int:
        return max(1, min(self.jobs or os.cpu_count() or 1, tasks))


# ---------------------------------------------------------------- input

@dataclass
class Eingabe:
    """One case as read: its data and where each field came from."""

    fall_id: str
    quelle: str
    daten: Any
    lesefehler: list[tuple[str, str]] = field(default_factory=list)  # (ort, meldung)
    sheet: Any = None                       # SheetCase for spreadsheet input
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)

    def ort(self, feld: str) -> str:
        """Where `feld` stands: 'Tabelle Stellen, Zeile 14, Spalte Anteil' or 'fall.yaml, Zeile 7'."""
        if self.sheet is not None:
            return self.sheet.locate(feld) or self.sheet.locate("") or self.quelle
        while feld:
            if feld in self.positions:
                return f"{self.quelle}, Zeile {self.positions[feld][0]}"
            feld = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", feld)
        return self.quelle


def read_input(path: Path) -> tuple[list[Eingabe], list[str]]:
    """The cases of a folder of case files, a workbook or a CSV folder, and the problems of
    the workbook that belong to no case. Raises InputError when the input cannot be read."""
    path = Path(path)
    if not path.exists():
        raise InputError("Eingabe nicht gefunden (Ordner, .xlsx oder .csv erwartet)", datei=str(path))
    if _is_case_input(path):
        return _read_case_files(path), []
    from .sheets import read_batch

    cases = read_batch(path)
    eingaben = [Eingabe(c.fall_id, c.quelle, c.daten, [_split(m) for m in c.fehler], sheet=c)
                for c in cases]
    if not eingaben and not cases.fehler:
        raise InputError("Die Tabelle 'Fälle' enthält keinen Fall", datei=str(path))
    return eingaben, list(cases.fehler)


def _is_case_input(path: Path) -> bool:
    from .load import is_case_file

    if path.is_file():
        return is_case_file(path)
    names = [p for p in path.iterdir() if p.is_file()]
    return any(is_case_file(p) for p in names) and not any(p.suffix.lower() == ".csv" for p in names)


def _read_case_files(path: Path) -> list[Eingabe]:
    from .load import expand_paths, load_mapping

    paths = expand_paths([path])
    if not paths:
        raise InputError("keine Falldateien (.yaml, .yml, .json) gefunden", datei=str(path))
    eingaben = []
    for file in paths:
        try:
            daten, positions = load_mapping(file)
            eingaben.append(Eingabe(file.stem, file.name, daten, positions=positions))
        except InputError as exc:  # a broken file fails its case, not the run
            where = f"{file.name}, Zeile {exc.zeile}" if exc.zeile else file.name
            eingaben.append(Eingabe(file.stem, file.name, None, [(where, exc.meldung)]))
    return eingaben


def _split(message: str) -> tuple[str, str]:
    """'Tabelle Stellen, Zeile 14, Spalte Anteil: …' → (place, message)."""
    ort, sep, text = message.partition(": ")
    return (ort, text) if sep and ort.startswith("Tabelle ") else ("", message)


# ---------------------------------------------------------------- per-case results

@dataclass
class Fallbericht:
    """One line of the report: a case, its status, its findings with place, its files."""

    fall_id: str
    quelle: str
    empfaenger: str = ""
    aktenzeichen: str = ""
    status: str = ""
    meldung: str = ""
    befunde: list[dict[str, Any]] = field(default_factory=list)
    dateien: list[str] = field(default_factory=list)
    gesamt: Decimal | None = None
    ergebnis: Any = field(default=None, repr=False)   # Ergebnis; not in the report
    fall_sha256: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.status in _OK

    @property
    def warnungen(self) -> int:
        return sum(1 for b in self.befunde if b["schwere"] == "warnung")

    def as_dict(self) -> dict[str, Any]:
        return {"fall": self.fall_id, "quelle": self.quelle, "empfaenger": self.empfaenger,
                "aktenzeichen": self.aktenzeichen, "status": self.status, "meldung": self.meldung,
                "gesamt": _money(self.gesamt), "befunde": self.befunde, "dateien": self.dateien}


@dataclass(frozen=True)
class Fortschritt:
    """Passed to the progress callback each time a case is finished."""

    erledigt: int
    gesamt: int
    fall: Fallbericht


@dataclass
class Lauf:
    """The outcome of a run."""

    faelle: list[Fallbericht]
    mappe_fehler: list[str]
    zusammenfassung: dict[str, Any]
    haushalt_meldung: str = ""
    out_dir: Path | None = None

    def count(self, *status: str) -> int:
        return sum(1 for f in self.faelle if f.status in status)

    @property
    def warnungen(self) -> int:
        return sum(f.warnungen for f in self.faelle)

    @property
    def exit_code(self) -> int:
        if self.mappe_fehler:
            return 2
        failed = self.count(FEHLERHAFT, FEHLGESCHLAGEN, NICHT_ERSTELLT)
        drafts_of_bad_cases = any(_has_error(f) for f in self.faelle)
        return 1 if failed or self.haushalt_meldung or drafts_of_bad_cases else 0


def _has_error(fall: Fallbericht) -> bool:
    return any(b["schwere"] == "fehler" for b in fall.befunde)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _befund(schwere: str, nr: Any, feld: str, code: str, meldung: str, ort: str) -> dict[str, Any]:
    return {"schwere": schwere, "nr": nr, "feld": feld, "code": code, "meldung": meldung, "ort": ort}


def _check(eingabe: Eingabe, rule_sets: dict[str, Any], draft: bool) -> Fallbericht:
    """Exactly the validation of a case file: read errors, case_problems, evaluate."""
    from .evaluate import evaluate
    from .manifest import case_hash
    from .model import case_problems

    bericht = Fallbericht(eingabe.fall_id, eingabe.quelle, empfaenger=_name_of(eingabe.daten))
    seen = {ort for ort, _ in eingabe.lesefehler}
    bericht.befunde = [_befund("fehler", None, "", "zelle", text, ort) for ort, text in eingabe.lesefehler]
    fall = None
    if eingabe.daten is not None:
        fall, problems = case_problems(eingabe.daten)
        for feld, text in problems:
            ort = eingabe.ort(feld)
            if ort not in seen:  # a cell that could not be read is missing here as well
                bericht.befunde.append(_befund("fehler", None, feld, "aufbau", text, ort))
    if fall is None:
        bericht.status = FEHLERHAFT
        return bericht
    ergebnis = evaluate(fall, rule_sets)
    bericht.befunde += [_befund(b.schwere, b.nr, b.feld, b.code, b.meldung, eingabe.ort(b.feld))
                        for b in ergebnis.befunde]
    bericht.empfaenger = fall.antragsteller.name
    bericht.aktenzeichen = (fall.bescheid.aktenzeichen or "") if fall.bescheid else ""
    bericht.ergebnis, bericht.fall_sha256 = ergebnis, case_hash(fall)
    if ergebnis.berechnung is not None:
        bericht.gesamt = ergebnis.berechnung.gesamt
    if _has_error(bericht) and not (draft and ergebnis.berechnung is not None):
        bericht.status = FEHLERHAFT
    return bericht


def _name_of(daten: Any) -> str:
    try:
        return str(daten["antragsteller"]["name"])
    except (TypeError, KeyError):
        return ""


# ---------------------------------------------------------------- planning and resume

@dataclass
class Plan:
    """What one case needs: its files, by (art, format), and the hashes that allow replacing."""

    bericht: Fallbericht
    arten: tuple[str, ...]
    dateien: list[tuple[str, str, str]]            # (art, format, file name)
    bekannt: dict[str, str] = field(default_factory=dict)  # file -> sha256 in the manifest


@dataclass
class _Kontext:
    out_dir: Path
    options: BatchOptions
    manifest: dict[str, dict[str, Any]]
    vorlagen: dict[str, str]       # art -> sha256 of the template used
    regelwerke: dict[str, str]     # rule-set id -> sha256 of its content


def _plan(bericht: Fallbericht, ctx: _Kontext, taken: dict[str, str]) -> Plan | None:
    """The case's plan; None when its files are unchanged (status then 'unverändert')."""
    from .render import DOKUMENT_ARTEN, available, file_name

    ergebnis = bericht.ergebnis
    arten = ctx.options.arten
    if arten == ("alle",):
        arten = tuple(a for a in DOKUMENT_ARTEN if available(ergebnis, a))
    dateien = [(art, fmt, file_name(ergebnis, art, fmt)) for art in arten for fmt in ctx.options.formats]
    for _, _, name in dateien:
        other = taken.setdefault(name, bericht.fall_id)
        if other != bericht.fall_id:
            raise RenderError(f"Datei {name} gehört schon zu Fall {other} (gleicher Empfänger und Jahr?)")
    plan = Plan(bericht, arten, dateien, {n: ctx.manifest[n]["sha256"] for _, _, n in dateien
                                          if n in ctx.manifest})
    if dateien and all(_unchanged(bericht, art, name, ctx) for art, _, name in dateien):
        bericht.dateien = [name for _, _, name in dateien]
        return None
    return plan


def _unchanged(bericht: Fallbericht, art: str, name: str, ctx: _Kontext) -> bool:
    entry = ctx.manifest.get(name)
    if entry is None:
        return False
    regelwerk = bericht.ergebnis.regelwerk
    expected = {"fall": bericht.fall_id, "dokument": art, "fall_sha256": bericht.fall_sha256,
                "vorlage_sha256": ctx.vorlagen.get(art), "kim_docs": __version__,
                "optionen": ctx.options.signature, "regelwerk": regelwerk.id,
                "regelwerk_sha256": ctx.regelwerke.get(regelwerk.id)}
    if any(entry.get(key) != value for key, value in expected.items()):
        return False
    return _file_matches(ctx.out_dir / name, entry)


def _file_matches(path: Path, entry: dict[str, Any]) -> bool:
    try:
        if path.stat().st_size != entry.get("groesse"):
            return False
    except OSError:
        return False
    return _sha256(path) == entry.get("sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _template_hashes(options: BatchOptions) -> dict[str, str]:
    from .render import DOKUMENT_ARTEN
    from .templating import find_template, load_template

    arten = DOKUMENT_ARTEN if options.arten == ("alle",) else options.arten
    # compiled here, before the workers are forked, so that they inherit the compiled form
    return {art: load_template(find_template(f"{art}.docx", options.templates_dir)).sha256 for art in arten}


def _rule_set_hash(regelwerk: Any) -> str:
    data = json.dumps(regelwerk.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- budget and Kasse

def parse_budget(text: str) -> Decimal:
    """'19.500.000,00', '19500000,5' or '19500000.50' → Decimal; InputError otherwise."""
    from .sheets import parse_betrag

    try:
        value = parse_betrag(text)
    except InputError as exc:
        raise InputError(f"Haushaltsmittel: {exc.meldung}") from None
    if value < 0:
        raise InputError("Haushaltsmittel: der Betrag darf nicht negativ sein")
    return value


def _budget_message(faelle: list[Fallbericht], budget: Decimal | None) -> str:
    """Nr. 1.3: Zuwendungen nur im Rahmen der verfügbaren Haushaltsmittel."""
    from .formatting import euro

    if budget is None:
        return ""
    summe = sum((f.gesamt for f in faelle if _issuable(f)), Decimal("0.00"))
    if summe <= budget:
        return ""
    return (f"Die Bescheide überschreiten die verfügbaren Haushaltsmittel (Nr. 1.3 der Richtlinie): "
            f"Summe {euro(summe)}, verfügbar {euro(budget)}, zu viel {euro(summe - budget)}. "
            "Es wurde kein Dokument erstellt.")


def _issuable(fall: Fallbericht) -> bool:
    return fall.status not in (FEHLERHAFT, FEHLGESCHLAGEN) and fall.gesamt is not None


def _zusammenfassung(lauf: Lauf, budget: Decimal | None) -> dict[str, Any]:
    from .model import POSTEN

    ok = [f for f in lauf.faelle if f.ok and f.ergebnis is not None and f.ergebnis.berechnung]
    posten = {p: sum((f.ergebnis.berechnung.betraege.get(p, Decimal(0)) for f in ok), Decimal("0.00"))
              for p in POSTEN}
    gesamt = sum((f.gesamt for f in ok), Decimal("0.00"))
    raten: dict[str, Decimal] = {}
    for f in ok:
        for rate in f.ergebnis.berechnung.auszahlungen:
            raten[rate.termin.isoformat()] = raten.get(rate.termin.isoformat(), Decimal("0.00")) + rate.betrag
    result = {"faelle_mit_bescheid": len(ok), "posten": {k: str(v) for k, v in posten.items()},
              "gesamt": str(gesamt), "auszahlungen": [{"termin": k, "betrag": str(v)}
                                                      for k, v in sorted(raten.items())]}
    if budget is not None:
        geplant = sum((f.gesamt for f in lauf.faelle if _issuable(f)), Decimal("0.00"))
        result["haushalt"] = {"verfuegbar": str(budget), "summe_bescheide": str(geplant),
                              "rest": str(budget - geplant), "ueberschritten": geplant > budget}
    return result


def _auszahlungsliste(faelle: list[Fallbericht]) -> bytes:
    rows = []
    for f in faelle:
        if not f.ok or f.ergebnis is None or f.ergebnis.berechnung is None:
            continue
        bank = f.ergebnis.fall.antragsteller.bankverbindung
        for rate in f.ergebnis.berechnung.auszahlungen:
            rows.append((rate.termin, rate.rate, f.fall_id, f.empfaenger, f.aktenzeichen,
                         bank.iban if bank else "", rate.betrag))
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    lines = [("Termin", "Rate", "Fall-ID", "Empfänger", "Aktenzeichen", "IBAN", "Betrag")]
    lines += [(t.strftime("%d.%m.%Y"), str(n), fid, name, az, iban, _de_decimal(b))
              for t, n, fid, name, az, iban, b in rows]
    return _csv_bytes(lines)


def _de_decimal(value: Decimal) -> str:
    """Decimal comma, no thousands separator: German Excel reads it as a number."""
    return f"{value:.2f}".replace(".", ",")


def _csv_bytes(lines: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([[_cell(v) for v in line] for line in lines])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # a name from the workbook must not become a formula when the report is opened in Excel
    return "'" + text if text[:1] in ("=", "+", "@") else text


# ---------------------------------------------------------------- reports

def _bericht_csv(lauf: Lauf) -> bytes:
    lines: list[tuple[Any, ...]] = [("Fall-ID", "Quelle", "Empfänger", "Aktenzeichen", "Status",
                                     "Zuwendung", "Befunde", "Dateien", "Meldung")]
    for text in lauf.mappe_fehler:
        lines.append(("(Mappe)", "", "", "", "Mappe fehlerhaft", "", text, "", ""))
    for f in lauf.faelle:
        befunde = " | ".join(_befund_text(b) for b in f.befunde)
        gesamt = _de_decimal(f.gesamt) if f.gesamt is not None else ""
        lines.append((f.fall_id, f.quelle, f.empfaenger, f.aktenzeichen, f.status, gesamt, befunde,
                      " | ".join(f.dateien), f.meldung))
    return _csv_bytes(lines)


def _befund_text(b: dict[str, Any]) -> str:
    nr = f" (Nr. {b['nr']})" if b.get("nr") else ""
    ort = f"{b['ort']}: " if b.get("ort") else ""
    return f"{_SCHWERE.get(b['schwere'], b['schwere'])}{nr} – {ort}{b['meldung']}"


def bericht_data(lauf: Lauf) -> dict[str, Any]:
    return {"kim_docs": __version__,
            "summe": {"erstellt": lauf.count(ERSTELLT), "unveraendert": lauf.count(UNVERAENDERT),
                      "fehlerhaft": lauf.count(FEHLERHAFT), "fehlgeschlagen": lauf.count(FEHLGESCHLAGEN),
                      "nicht_erstellt": lauf.count(NICHT_ERSTELLT), "warnungen": lauf.warnungen},
            "exit_code": lauf.exit_code, "mappe_fehler": lauf.mappe_fehler,
            "haushalt_meldung": lauf.haushalt_meldung, "zusammenfassung": lauf.zusammenfassung,
            "faelle": [f.as_dict() for f in lauf.faelle]}


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write_reports(lauf: Lauf, out_dir: Path, with_kasse: bool) -> list[dict[str, Any]]:
    """Write the report files; returns their manifest entries."""
    from .files import write_atomic

    files = {BERICHT_CSV: _bericht_csv(lauf), BERICHT_JSON: _json_bytes(bericht_data(lauf)),
             ZUSAMMENFASSUNG: _json_bytes(lauf.zusammenfassung)}
    if with_kasse:
        files[AUSZAHLUNGSLISTE] = _auszahlungsliste(lauf.faelle)
    else:  # a list from an earlier run would no longer match the Bescheide
        (out_dir / AUSZAHLUNGSLISTE).unlink(missing_ok=True)
    entries = []
    for name, data in files.items():
        write_atomic(out_dir / name, data)
        entries.append({"datei": name, "groesse": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                        "fall": "", "dokument": name.rsplit(".", 1)[0], "kim_docs": __version__})
    return entries


def _write_zip(out_dir: Path) -> Path:
    """All files of the manifest plus the manifest, sorted, with fixed times: same bytes each run."""
    from .files import write_atomic
    from .manifest import read_manifest

    names = sorted(read_manifest(out_dir)) + [MANIFEST]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (out_dir / name).read_bytes())
    path = out_dir / ZIP_NAME
    write_atomic(path, buffer.getvalue())
    return path


# ---------------------------------------------------------------- the output folder

class _Lock:
    """An exclusive lock on the output folder: two runs in one folder would clean up each
    other's work files."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_NAME
        self.handle: Any = None

    def __enter__(self) -> _Lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX: no lock
            return self
        self.handle = self.path.open("a")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise InputError("In diesen Ordner schreibt gerade ein anderer Stapellauf",
                             datei=str(self.path.parent)) from None
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.handle is not None:
            self.handle.close()


_STALE = re.compile(r"^(\.kim-batch-\d+.*|\.kim-pdf-.*|\..+\.tmp)$")


def clean_stale(out_dir: Path) -> list[str]:
    """Remove work folders and temporary files a killed run left behind (under the lock)."""
    removed = []
    for path in out_dir.iterdir():
        if _STALE.match(path.name):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return sorted(removed)


# ---------------------------------------------------------------- workers

@dataclass(frozen=True)
class _Auftrag:
    """One case for a worker: its data (re-evaluated there), its files, the allowed hashes."""

    fall_id: str
    daten: Any
    arten: tuple[str, ...]
    bekannt: dict[str, str]


@dataclass
class _Erledigt:
    fall_id: str
    fehler: str = ""
    dateien: list[str] = field(default_factory=list)
    eintraege: list[dict[str, Any]] = field(default_factory=list)


_WORKER: dict[str, Any] = {}


def _worker_init(out_dir: str, options: BatchOptions) -> None:
    """Runs once in each worker process."""
    from .rules import load_rule_sets

    # Ctrl-C goes to the whole process group; the main process decides and then stops the
    # workers with SIGTERM, which unwinds (LibreOffice is killed, work files removed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)
    _die_with_parent()
    root = Path(out_dir).resolve() / f"{_WORK_PREFIX}{os.getpid()}"
    root.mkdir(exist_ok=True)
    tempfile.tempdir = str(root)  # LibreOffice profiles and PDF staging land here too
    _WORKER.update(out_dir=Path(out_dir), options=options, root=root,
                   rule_sets=load_rule_sets(options.rules_dirs))


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """Linux: SIGTERM when the main process dies (even by SIGKILL), so no worker writes on."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - other systems
        pass


def _work(auftraege: list[_Auftrag]) -> list[_Erledigt]:
    """Render (and convert) a chunk of cases; a failing case never fails the others."""
    try:
        return _work_chunk(auftraege)
    except SystemExit:
        # SIGTERM from the main process; the unwinding has killed LibreOffice and removed
        # the work files. Exit now: the pool would otherwise keep this worker waiting.
        os._exit(143)


def _work_chunk(auftraege: list[_Auftrag]) -> list[_Erledigt]:
    chunk_dir = Path(tempfile.mkdtemp(dir=_WORKER["root"], prefix="chunk-"))
    try:
        done = [_Erledigt(a.fall_id) for a in auftraege]
        made = _render_all(auftraege, done, chunk_dir)
        if "pdf" in _WORKER["options"].formats and made:
            _convert_all(auftraege, done, made, chunk_dir)
        for auftrag, erledigt in zip(auftraege, done):
            if not erledigt.fehler:
                _publish(auftrag, erledigt, made[auftrag.fall_id])
        return done
    finally:
        shutil.rmtree(chunk_dir, ignore_errors=True)


def _ergebnis(auftrag: _Auftrag) -> Any:
    from .evaluate import evaluate
    from .model import case_problems

    fall, problems = case_problems(auftrag.daten)
    if fall is None:  # pragma: no cover - checked before in the main process
        raise RenderError("Der Fall ist nicht lesbar: " + "; ".join(m for _, m in problems))
    return evaluate(fall, _WORKER["rule_sets"])


def _render_all(auftraege: list[_Auftrag], done: list[_Erledigt], folder: Path) -> dict[str, tuple]:
    made: dict[str, tuple] = {}
    for auftrag, erledigt in zip(auftraege, done):
        try:
            made[auftrag.fall_id] = _render_one(auftrag, folder)
        except Exception as exc:
            erledigt.fehler = _message(exc)
    return made


def _render_one(auftrag: _Auftrag, folder: Path) -> tuple[Any, list[Any]]:
    from .render import RenderOptions, render_case

    options = _WORKER["options"]
    ergebnis = _ergebnis(auftrag)
    render_options = RenderOptions(formats=options.formats, draft=options.draft,
                                   templates_dir=options.templates_dir)
    return ergebnis, render_case(ergebnis, auftrag.arten, folder, render_options, fall_datei=auftrag.fall_id)


def _convert_all(auftraege: list[_Auftrag], done: list[_Erledigt], made: dict[str, tuple],
                 folder: Path) -> None:
    """All PDFs of the chunk in one LibreOffice process; if that fails, case by case."""
    from .pdf import LibreOfficeConverter
    from .render import convert

    options = _WORKER["options"]
    dokumente = [d for _, docs in made.values() for d in docs]
    converter = LibreOfficeConverter(timeout=options.timeout, max_docs_per_process=len(dokumente))
    try:
        # jobs=1: the workers are the parallelism; one LibreOffice per worker keeps the
        # number of processes (and memory) bounded by --jobs
        convert(dokumente, folder, converter=converter, jobs=1)
        return
    except Exception:
        pass
    for auftrag, erledigt in zip(auftraege, done):
        docs = made.get(auftrag.fall_id, (None, []))[1]
        if all(d.pdf is not None for d in docs):  # converted and guarded before the failure
            continue
        single = Path(tempfile.mkdtemp(dir=folder, prefix="single-"))
        try:
            made[auftrag.fall_id] = _render_one(auftrag, single)
            convert(made[auftrag.fall_id][1], single, converter=converter, jobs=1)
        except Exception as exc:
            erledigt.fehler = _message(exc)


def _message(exc: Exception) -> str:
    if isinstance(exc, KimDocsError):
        return str(exc)
    return f"interner Fehler ({type(exc).__name__}: {exc})"


def _publish(auftrag: _Auftrag, erledigt: _Erledigt, made: tuple[Any, list[Any]]) -> None:
    """Move the finished files of one case into the output folder, after checking that no
    file is replaced that differs from what the manifest recorded."""
    from .manifest import entries_for

    out_dir, options = _WORKER["out_dir"], _WORKER["options"]
    ergebnis, dokumente = made
    moves = []
    for dokument in dokumente:
        if "docx" not in options.formats:
            dokument.docx.unlink(missing_ok=True)
            dokument.docx = None
        moves += [(path, out_dir / path.name) for path in dokument.dateien]
    try:
        for src, dst in moves:
            _may_replace(src, dst, auftrag.bekannt.get(dst.name), options.overwrite)
    except RenderError as exc:
        erledigt.fehler = str(exc)
        return
    for src, dst in moves:
        os.replace(src, dst)
    for dokument in dokumente:
        dokument.docx = out_dir / dokument.docx.name if dokument.docx else None
        dokument.pdf = out_dir / dokument.pdf.name if dokument.pdf else None
        erledigt.eintraege += entries_for(dokument, out_dir, ergebnis, auftrag.fall_id)
    erledigt.dateien = [dst.name for _, dst in moves]


def _may_replace(new: Path, old: Path, recorded: str | None, overwrite: bool) -> None:
    if overwrite or not old.exists():
        return
    current = _sha256(old)
    # identical bytes: e.g. finished by a run killed before it wrote the manifest
    if current == recorded or current == _sha256(new):
        return
    why = "weicht vom Manifest ab (von Hand geändert?)" if recorded else "stammt nicht aus diesem Stapel"
    raise RenderError(f"Datei {old.name} {why}; sie wird nicht überschrieben (mit --overwrite ersetzen)")


# ---------------------------------------------------------------- the pool

def _chunks(plans: list[Plan], options: BatchOptions) -> list[list[Plan]]:
    """Chunks of cases per worker task. With PDF a chunk is one LibreOffice process: its
    start (about 1.5 s) is paid once per chunk, so chunks are large, but small enough to
    keep every worker busy and to record progress often."""
    if options.chunk:
        size = options.chunk
    elif "pdf" in options.formats:
        size = max(1, min(40, -(-len(plans) // (options.worker_count(len(plans)) * 2))))
    else:
        size = max(1, min(10, -(-len(plans) // (options.worker_count(len(plans)) * 4))))
    return [plans[i:i + size] for i in range(0, len(plans), size)]


def _auftrag(plan: Plan) -> _Auftrag:
    return _Auftrag(plan.bericht.fall_id, plan.bericht.ergebnis.fall.model_dump(mode="python"),
                    plan.arten, plan.bekannt)


def _run_pool(chunks: list[list[Plan]], ctx: _Kontext, on_done: Callable[[list[Plan], list[_Erledigt]], None]
              ) -> None:
    """Run the chunks in worker processes; a crashed worker (broken pool) gets its chunks
    retried once in a new pool, then they fail."""
    pending = {i: 0 for i in range(len(chunks))}
    while pending:
        executor = _executor(ctx, len(pending))
        try:
            futures = {executor.submit(_work, [_auftrag(p) for p in chunks[i]]): i for i in pending}
            broken = _collect(futures, chunks, pending, on_done)
        except BaseException:
            _stop(executor)
            raise
        executor.shutdown(wait=True)
        for i in broken:
            pending[i] += 1
            if pending[i] > 1:
                on_done(chunks[i], [_Erledigt(p.bericht.fall_id, "Arbeitsprozess ist abgestürzt")
                                    for p in chunks[i]])
                del pending[i]


def _executor(ctx: _Kontext, tasks: int) -> ProcessPoolExecutor:
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=ctx.options.worker_count(tasks),
                               mp_context=multiprocessing.get_context(method),
                               initializer=_worker_init, initargs=(str(ctx.out_dir), ctx.options))


def _collect(futures: dict[Future, int], chunks: list[list[Plan]], pending: dict[int, int],
             on_done: Callable) -> list[int]:
    broken = []
    waiting = set(futures)
    while waiting:
        finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
        for future in finished:
            index = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                broken.append(index)
                continue
            except Exception as exc:
                result = [_Erledigt(p.bericht.fall_id, _message(exc)) for p in chunks[index]]
            del pending[index]
            on_done(chunks[index], result)
    return broken


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop the workers now (Ctrl-C, kill): SIGTERM makes each kill its LibreOffice and
    remove its work files. Python 3.11 has no public way; _processes is the pool's own list."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 15
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()


# ---------------------------------------------------------------- the run

def run_batch(input_path: Path, out_dir: Path, options: BatchOptions,
              progress: Callable[[Fortschritt], None] | None = None) -> Lauf:
    """Run the batch. Raises InputError when the input cannot be read; everything else
    is in the returned Lauf (and in the report files in `out_dir`)."""
    from .rules import load_rule_sets

    eingaben, mappe_fehler = read_input(Path(input_path))
    rule_sets = load_rule_sets(options.rules_dirs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _Lock(out_dir):
        clean_stale(out_dir)
        try:
            return _run_locked(eingaben, mappe_fehler, rule_sets, out_dir, options, progress)
        finally:
            clean_stale(out_dir)


def _run_locked(eingaben: list[Eingabe], mappe_fehler: list[str], rule_sets: dict, out_dir: Path,
                options: BatchOptions, progress: Callable | None) -> Lauf:
    from .manifest import read_manifest, write_manifest

    faelle = [_check(e, rule_sets, options.draft) for e in eingaben]
    lauf = Lauf(faelle, mappe_fehler, {}, out_dir=out_dir)
    tell = _Reporter(len(faelle), progress)
    lauf.haushalt_meldung = _budget_message(faelle, options.budget)
    if mappe_fehler or lauf.haushalt_meldung:
        _refuse(faelle, tell, "Mappe fehlerhaft" if mappe_fehler else "Haushaltsmittel überschritten")
        return _finish(lauf, out_dir, options, with_kasse=False)
    ctx = _Kontext(out_dir, options, read_manifest(out_dir), _template_hashes(options),
                   {rid: _rule_set_hash(rs) for rid, rs in rule_sets.items()})
    plans = _plans(faelle, ctx, tell)

    def on_done(chunk: list[Plan], results: list[_Erledigt]) -> None:
        entries = []
        for plan, erledigt in zip(chunk, results):
            entries += _record(plan.bericht, erledigt, ctx)
            tell(plan.bericht)
        if entries:  # at once: a killed run keeps what it finished
            write_manifest(out_dir, entries)

    _run_pool(_chunks(plans, options), ctx, on_done)
    return _finish(lauf, out_dir, options, with_kasse=not options.draft)


class _Reporter:
    def __init__(self, total: int, progress: Callable | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def __call__(self, bericht: Fallbericht) -> None:
        self.done += 1
        if self.progress:
            self.progress(Fortschritt(self.done, self.total, bericht))


def _refuse(faelle: list[Fallbericht], tell: _Reporter, why: str) -> None:
    for f in faelle:
        if f.status != FEHLERHAFT:
            f.status, f.meldung = NICHT_ERSTELLT, why
        tell(f)


def _plans(faelle: list[Fallbericht], ctx: _Kontext, tell: _Reporter) -> list[Plan]:
    plans, taken = [], {}
    for f in faelle:
        if f.status == FEHLERHAFT:
            tell(f)
            continue
        try:
            plan = _plan(f, ctx, taken)
        except KimDocsError as exc:
            f.status, f.meldung = FEHLGESCHLAGEN, str(exc)
            tell(f)
            continue
        if plan is None:
            f.status = UNVERAENDERT
            tell(f)
        else:
            plans.append(plan)
    return plans


def _record(bericht: Fallbericht, erledigt: _Erledigt, ctx: _Kontext) -> list[dict[str, Any]]:
    if erledigt.fehler:
        bericht.status, bericht.meldung = FEHLGESCHLAGEN, erledigt.fehler
        return []
    bericht.status, bericht.dateien = ERSTELLT, erledigt.dateien
    regelwerk = bericht.ergebnis.regelwerk
    extra = {"quelle": bericht.quelle, "optionen": ctx.options.signature,
             "regelwerk_sha256": ctx.regelwerke.get(regelwerk.id)}
    return [{**entry, **extra} for entry in erledigt.eintraege]


def _finish(lauf: Lauf, out_dir: Path, options: BatchOptions, with_kasse: bool) -> Lauf:
    from .manifest import read_manifest, write_manifest

    lauf.zusammenfassung = _zusammenfassung(lauf, options.budget)
    known = read_manifest(out_dir)
    if not options.draft:
        known = _retire_stale(lauf, out_dir, known)
    entries = _write_reports(lauf, out_dir, with_kasse)
    known.pop(AUSZAHLUNGSLISTE, None)  # rewritten below, or removed with the file
    write_manifest(out_dir, list(known.values()) + entries, merge=False)
    if options.make_zip:
        _write_zip(out_dir)
    else:
        (out_dir / ZIP_NAME).unlink(missing_ok=True)  # an archive of an earlier run would be stale
    return lauf


RETIRED = "veraltet"


def _retire_stale(lauf: Lauf, out_dir: Path, known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Documents of an earlier run whose case is now faulty move to `veraltet/`.

    They no longer match the case data; left beside the valid ones, a clerk could send
    them. They stay in the manifest (hash unchanged) under their new path, marked.
    """
    faulty = {f.fall_id: f for f in lauf.faelle if f.status == FEHLERHAFT}
    out: dict[str, dict[str, Any]] = {}
    for name, entry in known.items():
        fall = faulty.get(entry.get("fall", ""))
        if fall is None or not entry.get("dokument") or name.startswith(f"{RETIRED}/"):
            out[name] = entry
            continue
        source, target = out_dir / name, out_dir / RETIRED / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        new_name = f"{RETIRED}/{name}"
        out[new_name] = {**entry, "datei": new_name, "veraltet": True}
        fall.meldung = (fall.meldung + "; " if fall.meldung else "") + \
            f"frühere Dokumente nach {RETIRED}/ verschoben (passen nicht mehr zu den Daten)"
    return out


# ---------------------------------------------------------------- verify

@dataclass
class Pruefung:
    """The result of `verify`: files changed, missing or not in the manifest."""

    geprueft: int = 0
    veraendert: list[str] = field(default_factory=list)
    fehlend: list[str] = field(default_factory=list)
    zusaetzlich: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.veraendert or self.fehlend or self.zusaetzlich)


def verify(out_dir: Path) -> Pruefung:
    """Re-hash every file of the manifest; list what changed, is missing or is extra."""
    from .manifest import read_manifest

    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST).is_file():
        raise InputError("Kein manifest.json in diesem Ordner", datei=str(out_dir))
    manifest = read_manifest(out_dir)
    result = Pruefung(geprueft=len(manifest))
    for name, entry in sorted(manifest.items()):
        path = out_dir / name
        if not path.is_file():
            result.fehlend.append(name)
        elif not _file_matches(path, entry):
            result.veraendert.append(name)
    ignored = {MANIFEST, ZIP_NAME, LOCK_NAME}
    for path in sorted(_files(out_dir)):
        name = path.relative_to(out_dir).as_posix()
        if name not in manifest and name not in ignored:
            result.zusaetzlich.append(name)
    return result


def _files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file():
            yield path
