"""The report files of a run: bericht.csv/.json, auszahlungsliste.csv for the Kasse,
zusammenfassung.json, and the optional stapel.zip. Same inputs, same bytes."""
from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..findings import Schwere
from .check import planned_total
from .results import Fallbericht, Lauf, Status

if TYPE_CHECKING:
    from ..calc import Berechnung

BERICHT_CSV = "bericht.csv"
BERICHT_JSON = "bericht.json"
AUSZAHLUNGSLISTE = "auszahlungsliste.csv"
ZUSAMMENFASSUNG = "zusammenfassung.json"
ZIP_NAME = "stapel.zip"
REPORT_FILES = (BERICHT_CSV, BERICHT_JSON, AUSZAHLUNGSLISTE, ZUSAMMENFASSUNG)


def write_reports(lauf: Lauf, out_dir: Path, with_kasse: bool) -> list[dict[str, Any]]:
    """Write the report files; returns their manifest entries."""
    from ..files import json_bytes, write_atomic

    files = {BERICHT_CSV: _bericht_csv(lauf), BERICHT_JSON: json_bytes(bericht_data(lauf)),
             ZUSAMMENFASSUNG: json_bytes(lauf.zusammenfassung)}
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


def bericht_data(lauf: Lauf) -> dict[str, Any]:
    """bericht.json (and `kim-docs batch run --json`)."""
    return {"kim_docs": __version__,
            "summe": {"erstellt": lauf.count(Status.ERSTELLT), "unveraendert": lauf.count(Status.UNVERAENDERT),
                      "fehlerhaft": lauf.count(Status.FEHLERHAFT),
                      "fehlgeschlagen": lauf.count(Status.FEHLGESCHLAGEN),
                      "nicht_erstellt": lauf.count(Status.NICHT_ERSTELLT), "warnungen": lauf.warnungen},
            "exit_code": lauf.exit_code, "mappe_fehler": lauf.mappe_fehler,
            "haushalt_meldung": lauf.haushalt_meldung, "zusammenfassung": lauf.zusammenfassung,
            "faelle": [f.as_dict() for f in lauf.faelle]}


def zusammenfassung(lauf: Lauf, budget: Decimal | None) -> dict[str, Any]:
    """The sums over the cases whose Bescheid stands: per Posten, in all, per payment date."""
    from ..model import POSTEN

    issued = _issued(lauf.faelle)
    posten = {p: sum((b.betraege.get(p, Decimal(0)) for _, b in issued), Decimal("0.00")) for p in POSTEN}
    gesamt = sum((b.gesamt for _, b in issued), Decimal("0.00"))
    raten: dict[str, Decimal] = {}
    for _, berechnung in issued:
        for rate in berechnung.auszahlungen:
            termin = rate.termin.isoformat()
            raten[termin] = raten.get(termin, Decimal("0.00")) + rate.betrag
    result: dict[str, Any] = {
        "faelle_mit_bescheid": len(issued), "posten": {k: str(v) for k, v in posten.items()},
        "gesamt": str(gesamt), "auszahlungen": [{"termin": k, "betrag": str(v)} for k, v in sorted(raten.items())]}
    if budget is not None:
        geplant = planned_total(lauf.faelle)
        result["haushalt"] = {"verfuegbar": str(budget), "summe_bescheide": str(geplant),
                              "rest": str(budget - geplant), "ueberschritten": geplant > budget}
    return result


def _issued(faelle: list[Fallbericht]) -> list[tuple[Fallbericht, Berechnung]]:
    return [(f, b) for f in faelle if (b := f.berechnung) is not None]


def _auszahlungsliste(faelle: list[Fallbericht]) -> bytes:
    rows = []
    for f, berechnung in _issued(faelle):
        assert f.ergebnis is not None
        bank = f.ergebnis.fall.antragsteller.bankverbindung
        for rate in berechnung.auszahlungen:
            rows.append((rate.termin, rate.rate, f.fall_id, f.empfaenger, f.aktenzeichen,
                         bank.iban if bank else "", rate.betrag))
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    lines: list[tuple[Any, ...]] = [("Termin", "Rate", "Fall-ID", "Empfänger", "Aktenzeichen", "IBAN", "Betrag")]
    lines += [(t.strftime("%d.%m.%Y"), str(n), fid, name, az, iban, _de_decimal(b))
              for t, n, fid, name, az, iban, b in rows]
    return _csv_bytes(lines)


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
    """'Fehler (Nr. 4 a) – Tabelle Fälle, Zeile 3, Spalte IBAN: …'"""
    nr = f" (Nr. {b['nr']})" if b.get("nr") else ""
    ort = f"{b['ort']}: " if b.get("ort") else ""
    return f"{Schwere(b['schwere']).titel}{nr} – {ort}{b['meldung']}"


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


def write_zip(out_dir: Path) -> Path:
    """All files of the manifest plus the manifest, sorted, with fixed times: same bytes each run."""
    from ..files import write_atomic, zip_entry
    from ..manifest import NAME as MANIFEST
    from ..manifest import read_manifest

    names = sorted(read_manifest(out_dir)) + [MANIFEST]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(zip_entry(name), (out_dir / name).read_bytes())
    path = out_dir / ZIP_NAME
    write_atomic(path, buffer.getvalue())
    return path
