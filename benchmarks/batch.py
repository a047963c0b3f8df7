"""Benchmark of `kim-docs batch` (Bescheid, DOCX + PDF/A) against the naive way.

    .venv/bin/python benchmarks/batch.py                 # N = 54 and N = 1000
    .venv/bin/python benchmarks/batch.py --n 54 --naive-sample 10

For each N: synthetic cases in a workbook, then

- batch: `kim_docs.batch.run_batch` (worker processes, each rendering its chunk through
  `kim_docs.pipeline.render_cases`: compiled template, one LibreOffice process per chunk,
  PDF/A finalisation and the Bescheid guard on the PDF text);
- naive: a new `docxtpl.DocxTemplate` per document and one `soffice --convert-to` process
  per document (no finalisation, no guard). It is measured on a sample of documents and
  extrapolated to N (said so in the output).

Peak memory: the proportional set size (PSS, shared pages split between the processes
sharing them) of this process and all its descendants (workers, LibreOffice, pdftotext)
summed, sampled every 0.1 s from /proc (psutil is not installed here).
Finally the cost per document of each PDF step is measured on its own.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


# ---------------------------------------------------------------- memory of the process tree

def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            rss[int(entry)] = _pss_kb(entry)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _pss_kb(pid: str) -> int:
    """Proportional set size: forked workers share pages with the main process, and
    summing their RSS would count those pages once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class PeakMemory:
    """Samples the RSS of this process tree in a thread; `.peak_mb` afterwards."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak_kb, self._stop = interval, 0, threading.Event()

    def __enter__(self) -> "PeakMemory":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))
            self._stop.wait(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


# ---------------------------------------------------------------- synthetic input

def make_workbook(n: int, path: Path) -> Path:
    from kim_docs.sheets import SHEETS, build_workbook, save_deterministic

    faelle, stellen = SHEETS[0], SHEETS[1]
    rows_f, rows_s = [], []
    for i in range(1, n + 1):
        values = {c.header: c.example for c in faelle.columns}
        values.update({"Fall-ID": f"B-{i:04d}", "Antragsteller": f"Kreis Bench {i:04d}",
                       "Aktenzeichen": f"36.07.01-KIM-2025/{i:04d}", "Beantragt Maßnahmen": 20000 + i,
                       "Bewilligt Maßnahmen": None, "Begründung Kürzung": None})
        rows_f.append([values[c.header] for c in faelle.columns])
        for share in (1, 0.5):
            stelle = {c.header: c.example for c in stellen.columns}
            stelle.update({"Fall-ID": f"B-{i:04d}", "Anteil": share, "Bezeichnung": f"Koordination {share}"})
            rows_s.append([stelle[c.header] for c in stellen.columns])
    save_deterministic(build_workbook({"Fälle": rows_f, "Stellen": rows_s}), path)
    return path


# ---------------------------------------------------------------- the two ways

def run_batch(book: Path, out: Path, jobs: int) -> tuple[float, float, int]:
    from kim_docs.batch import BatchOptions, run_batch as run

    start = time.perf_counter()
    with PeakMemory() as memory:
        lauf = run(book, out, BatchOptions(formats=("docx", "pdf"), jobs=jobs))
    elapsed = time.perf_counter() - start
    made = lauf.count("erstellt")
    if made != len(lauf.faelle):
        raise SystemExit(f"batch: only {made} of {len(lauf.faelle)} cases made")
    return elapsed, memory.peak_mb, made


def naive(book: Path, out: Path, sample: int) -> tuple[float, float, int]:
    """A new DocxTemplate per document, one soffice process per document."""
    from docxtpl import DocxTemplate

    from kim_docs.context import build_context
    from kim_docs.evaluate import evaluate
    from kim_docs.model import parse_case
    from kim_docs.pdf import PDF_EXPORT_FILTER
    from kim_docs.reference import load_referenz
    from kim_docs.sheets import read_batch
    from kim_docs.templating import SHIPPED_TEMPLATES, make_jinja_env

    cases = list(read_batch(book))[:sample]
    referenz = load_referenz()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with PeakMemory() as memory:
        for case in cases:
            ergebnis = evaluate(parse_case(case.daten))
            context = build_context(ergebnis.fall, ergebnis.regelwerk, ergebnis.berechnung, referenz, "bescheid")
            template = DocxTemplate(SHIPPED_TEMPLATES / "bescheid.docx")
            template.render(context, jinja_env=make_jinja_env())
            docx = out / f"{case.fall_id}.docx"
            template.save(docx)
            profile = Path(tempfile.mkdtemp(prefix="naive-profile-"))
            subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                            "--convert-to", PDF_EXPORT_FILTER, "--outdir", str(out), str(docx)],
                           check=True, capture_output=True, timeout=300)
            shutil.rmtree(profile, ignore_errors=True)
    return time.perf_counter() - start, memory.peak_mb, len(cases)


# ---------------------------------------------------------------- where the time goes

def pdf_steps(docx_dir: Path, work: Path, k: int = 20) -> dict[str, float]:
    """Seconds per document of each PDF step, measured on k DOCX files of a batch run."""
    import datetime as dt

    from kim_docs.pdf import LibreOfficeConverter, finalize_pdf, pdf_text

    docx = sorted(docx_dir.glob("*.docx"))[:k]
    converter = LibreOfficeConverter()
    timing = {}
    start = time.perf_counter()
    converter.convert(docx[:1], work / "one")
    timing["soffice, 1 Dokument je Prozess (inkl. Start)"] = time.perf_counter() - start
    start = time.perf_counter()
    pdfs = converter.convert(docx, work / "many")
    timing[f"soffice, {len(docx)} Dokumente je Prozess, je Dokument"] = (time.perf_counter() - start) / len(docx)
    start = time.perf_counter()
    for pdf in pdfs:
        finalize_pdf(pdf, title="t", subject="s", author="a", keywords="k", date=dt.date(2025, 1, 20))
    timing["finalize_pdf (PDF/A-Metadaten), je Dokument"] = (time.perf_counter() - start) / len(pdfs)
    start = time.perf_counter()
    for pdf in pdfs:
        pdf_text(pdf)
    timing["pdf_text (Wächter liest die PDF), je Dokument"] = (time.perf_counter() - start) / len(pdfs)
    return timing


def bench(n: int, sample: int, jobs: int, keep: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"kim-bench-batch-{n}-", dir=keep))
    book = make_workbook(n, work / "faelle.xlsx")
    seconds, peak, made = run_batch(book, work / "batch", jobs)
    naive_seconds, naive_peak, measured = naive(book, work / "naive", min(sample, n))
    naive_rate = measured / naive_seconds
    result = {"n": n, "batch_s": seconds, "batch_rate": made / seconds, "batch_peak_mb": peak,
              "naive_measured": measured, "naive_rate": naive_rate, "naive_s_for_n": n / naive_rate,
              "naive_peak_mb": naive_peak, "work": work}
    result["ratio"] = result["batch_rate"] / naive_rate
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[54, 1000])
    parser.add_argument("--naive-sample", type=int, default=30,
                        help="documents the naive way is measured on (extrapolated to N)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    keep = Path(tempfile.mkdtemp(prefix="kim-bench-batch-"))
    print(f"{os.cpu_count()} Kerne, --jobs {args.jobs}; LibreOffice: "
          + subprocess.run(["soffice", "--version"], capture_output=True, text=True).stdout.strip())
    results = []
    try:
        for n in args.n:
            r = bench(n, args.naive_sample, args.jobs, keep)
            results.append(r)
            print(f"\nN = {n}")
            print(f"  batch : {r['batch_s']:7.1f} s  {r['batch_rate']:6.2f} Dok./s  Spitze {r['batch_peak_mb']:6.0f} MB")
            extra = "" if r["naive_measured"] == n else f" (gemessen an {r['naive_measured']}, hochgerechnet)"
            print(f"  naiv  : {r['naive_s_for_n']:7.1f} s  {r['naive_rate']:6.2f} Dok./s  "
                  f"Spitze {r['naive_peak_mb']:6.0f} MB{extra}")
            print(f"  Faktor: {r['ratio']:.1f}x   (Ziel >= 12x)")
            if n >= 1000:
                print(f"  Ziel 1000 in < 100 s: {'erreicht' if r['batch_s'] < 100 else 'verfehlt'}"
                      f" ({r['batch_s']:.0f} s)")
        print("\nZeit je Schritt der PDF-Erzeugung (ein Prozess):")
        for label, value in pdf_steps(results[0]["work"] / "batch", keep / "steps").items():
            print(f"  {label:55s} {value:6.3f} s")
    finally:
        if not args.keep:
            shutil.rmtree(keep, ignore_errors=True)
        else:
            print(f"\nDateien: {keep}")


if __name__ == "__main__":
    main()
