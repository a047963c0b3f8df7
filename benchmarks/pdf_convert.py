"""Benchmark: DOCX → PDF/A with LibreOffice, one process per document vs. batched.

Goal: at most 0.15 s per document batched. Every mode runs in a fresh Python process so
that its peak memory (own VmHWM, largest LibreOffice child via RUSAGE_CHILDREN) is its own.

Run: .venv/bin/python benchmarks/pdf_convert.py [N] [--naive-n M] [--chunks 25,50,100]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kim_docs.pdf import LibreOfficeConverter, docx_to_pdf  # noqa: E402

META = {
    "title": "Zuwendungsbescheid", "subject": "KIM", "author": "Bezirksregierung",
    "keywords": ["KIM"], "date": dt.date(2025, 3, 14),
}


def generate(folder: Path, n: int) -> list[Path]:
    from docx import Document

    paths = []
    for i in range(n):
        doc = Document()
        doc.add_heading(f"Zuwendungsbescheid Nr. {i}", level=1)
        doc.add_paragraph("Kreis Größenwahn – äöüß – Förderbetrag 12.345,67 €. " * 8)
        table = doc.add_table(rows=4, cols=3)
        table.style = "Table Grid"
        for r in range(4):
            for c in range(3):
                table.cell(r, c).text = f"{r * 3 + c + i},00 €"
        path = folder / f"bescheid-{i:04d}.docx"
        doc.save(path)
        paths.append(path)
    return paths


def _half(args: tuple[list[str], str, int]) -> int:
    docs, out, chunk = args
    LibreOfficeConverter(max_docs_per_process=chunk).convert([Path(d) for d in docs], Path(out))
    return len(docs)


def run_mode(mode: str, docs: list[Path], out: Path, chunk: int) -> None:
    """Body of one measured run (in its own process)."""
    if mode == "naive":
        LibreOfficeConverter(max_docs_per_process=1).convert(docs, out)
    elif mode == "batched":
        LibreOfficeConverter(max_docs_per_process=chunk).convert(docs, out)
    elif mode == "pipeline":  # convert + finalize_pdf (metadata, determinism)
        docx_to_pdf(docs, out, [META] * len(docs), LibreOfficeConverter(max_docs_per_process=chunk))
    elif mode == "parallel2":  # two worker processes, each with its own soffice/profile
        halves = [docs[0::2], docs[1::2]]
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_half, [([str(d) for d in h], str(out), chunk) for h in halves]))
    else:
        raise SystemExit(f"unbekannter Modus {mode}")


def worker(mode: str, folder: str, n: int, chunk: int) -> None:
    docs = sorted(Path(folder).glob("*.docx"))[:n]
    out = Path(tempfile.mkdtemp(prefix=f"bench-{mode}-"))
    try:
        start = time.perf_counter()
        run_mode(mode, docs, out, chunk)
        seconds = time.perf_counter() - start
        assert len(list(out.glob("*.pdf"))) == len(docs)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    own = _own_peak_kb()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "self_kb": own, "child_kb": children}))


def _own_peak_kb() -> int:
    # VmHWM belongs to this process image only; ru_maxrss of RUSAGE_SELF would carry
    # over the parent's high-water mark through fork + exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(mode: str, folder: Path, n: int, chunk: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(folder), str(n), str(chunk)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=200)
    parser.add_argument("--naive-n", type=int, default=None, help="Dokumente im naiven Lauf")
    parser.add_argument("--chunks", default="10,25,50,100,200")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        mode, folder, n, chunk = args.worker
        worker(mode, folder, int(n), int(chunk))
        return
    naive_n = args.naive_n or args.n
    chunks = [int(c) for c in args.chunks.split(",") if int(c) <= args.n]
    with tempfile.TemporaryDirectory(prefix="bench-docx-") as folder:
        t = time.perf_counter()
        generate(Path(folder), args.n)
        print(f"{args.n} DOCX erzeugt in {time.perf_counter() - t:.1f} s")
        runs = [("naive", naive_n, 1)] + [("batched", args.n, c) for c in chunks]
        best = max(chunks) if chunks else 50
        runs += [("pipeline", args.n, min(best, 50)), ("parallel2", args.n, min(best, 50))]
        print(f"{'Modus':<10} {'Chunk':>5} {'Dok.':>5} {'s gesamt':>9} {'s/Dok.':>7} "
              f"{'Python MB':>9} {'LO max MB':>9}")
        for mode, n, chunk in runs:
            r = measure(mode, Path(folder), n, chunk)
            print(f"{mode:<10} {chunk:>5} {n:>5} {r['seconds']:>9.2f} {r['seconds'] / n:>7.3f} "
                  f"{r['self_kb'] / 1024:>9.0f} {r['child_kb'] / 1024:>9.0f}", flush=True)
    print("LO max MB = größter einzelner LibreOffice-Prozess (RUSAGE_CHILDREN); "
          "parallel2: zwei solche Prozesse gleichzeitig.")


if __name__ == "__main__":
    main()
