"""The report files of a run: bericht.csv/.json (for machines), pruefmappe.xlsx (for the
clerk, ``pruefmappe``), auszahlungsliste.csv for the Kasse, zusammenfassung.json, and the
optional stapel.zip. Same inputs, same bytes."""
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
PRUEFMAPPE = "pruefmappe.xlsx"
ZIP_NAME = "stapel.zip"
REPORT_FILES = (BERICHT_CSV, BERICHT_JSON, AUSZAHLUNGSLISTE, ZUSAMMENFASSUNG, PRUEFMAPPE)


def write_reports(lauf: Lauf, out_dir: Path, bescheide: set[str]) -> list[dict[str, Any]]:
    """Write the report files; returns their manifest entries. The Kasse list only lists the
    cases of `bescheide` (whose Bescheid stands); without any there is none."""
    from ..files import json_bytes, write_atomic
    from .pruefmappe import pruefmappe_bytes

    files = {BERICHT_CSV: _bericht_csv(lauf), BERICHT_JSON: json_bytes(bericht_data(lauf)),
             ZUSAMMENFASSUNG: json_bytes(lauf.zusammenfassung),
             PRUEFMAPPE: pruefmappe_bytes(lauf, bescheide)}
    if bescheide:
        files[AUSZAHLUNGSLISTE] = _auszahlungsliste(lauf.faelle, bescheide)
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


KASSE_SPALTEN = ("Termin", "Rate", "Fall-ID", "Empfänger", "Aktenzeichen", "Haushaltsstelle", "IBAN", "Betrag")


def kasse_rows(faelle: list[Fallbericht], bescheide: set[str]) -> list[tuple[Any, ...]]:
    """One row per instalment of each case whose Bescheid stands, by date, case, Rate:
    (Termin, Rate, Fall-ID, Empfänger, Aktenzeichen, Haushaltsstelle, IBAN, Betrag)."""
    rows = []
    for f, berechnung in _issued(faelle):
        if f.fall_id not in bescheide:
            continue
        assert f.ergebnis is not None
        fall = f.ergebnis.fall
        bank = fall.antragsteller.bankverbindung
        haushaltsstelle = (fall.bescheid.haushaltsstelle if fall.bescheid else None) or ""
        for rate in berechnung.auszahlungen:
            rows.append((rate.termin, rate.rate, f.fall_id, f.empfaenger, f.aktenzeichen, haushaltsstelle,
                         bank.iban if bank else "", rate.betrag))
    rows.sort(key=lambda r: (r[0], r[2], r[1]))
    return rows


def _auszahlungsliste(faelle: list[Fallbericht], bescheide: set[str]) -> bytes:
    lines: list[tuple[Any, ...]] = [KASSE_SPALTEN]
    lines += [(t.strftime("%d.%m.%Y"), str(n), fid, name, az, hhs, iban, _de_decimal(b))
              for t, n, fid, name, az, hhs, iban, b in kasse_rows(faelle, bescheide)]
    return _csv_bytes(lines)


def _bericht_csv(lauf: Lauf) -> bytes:
    lines: list[tuple[Any, ...]] = [("Fall-ID", "Quelle", "Empfänger", "Aktenzeichen", "Status",
                                     "Zuwendung", "Befunde", "Dateien", "Meldung")]
    for text in lauf.mappe_fehler:
        lines.append(("(Mappe)", "", "", "", "Mappe fehlerhaft", "", text, "", ""))
    for f in lauf.faelle:
        befunde = " | ".join(befund_text(b) for b in f.befunde)
        gesamt = _de_decimal(f.zuwendung) if f.zuwendung is not None else ""
        lines.append((f.fall_id, f.quelle, f.empfaenger, f.aktenzeichen, f.status, gesamt, befunde,
                      " | ".join(f.dateien), f.meldung))
    return _csv_bytes(lines)


def befund_text(b: dict[str, Any]) -> str:
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
    from ..text import csv_cell

    # a name from the workbook must not become a formula when the report is opened in Excel
    return csv_cell("" if value is None else str(value))


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
