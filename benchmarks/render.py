"""Benchmark: 200 Bescheide, DOCX only and DOCX+PDF, against the naive way.

Naive: a new docxtpl.DocxTemplate per document and one `soffice --convert-to` process
per document. kim-docs: templates compiled once, all PDFs converted in few LibreOffice
processes. Goals (issue 3): DOCX ≤ 10 ms per document, PDF ≤ 0.15 s per document.
Run: python benchmarks/render.py [N] [NAIVE_PDF_SAMPLE]
"""
from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kim_docs.context import build_context  # noqa: E402
from kim_docs.evaluate import evaluate  # noqa: E402
from kim_docs.model import load_case  # noqa: E402
from kim_docs.reference import load_referenz  # noqa: E402
from kim_docs.render import RenderOptions, convert, render_case  # noqa: E402
from kim_docs.templating import SHIPPED_TEMPLATES, make_jinja_env  # noqa: E402


def cases(n: int):
    base = evaluate(load_case(ROOT / "samples" / "kreis-recklinghausen-2025.yaml"))
    out = []
    for i in range(n):
        fall = base.fall.model_copy(deep=True)
        fall.antragsteller.name = f"Kreis Benchmark {i:04d}"
        fall.bescheid.aktenzeichen = f"36.07.01-KIM-2025/{i:04d}"
        out.append(evaluate(fall))
    return out


def peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def ours(ergebnisse, out: Path, pdf: bool) -> float:
    start = time.perf_counter()
    docs = []
    for e in ergebnisse:
        docs += render_case(e, ["bescheid"], out, RenderOptions())
    if pdf:
        convert(docs, out)
    return time.perf_counter() - start


def naive_docx(ergebnisse, out: Path) -> float:
    from docxtpl import DocxTemplate

    referenz = load_referenz()
    start = time.perf_counter()
    for i, e in enumerate(ergebnisse):
        tpl = DocxTemplate(SHIPPED_TEMPLATES / "bescheid.docx")
        context = build_context(e.fall, e.regelwerk, e.berechnung, referenz, "bescheid")
        tpl.render(context, jinja_env=make_jinja_env(), autoescape=True)
        tpl.save(out / f"naiv-{i:04d}.docx")
    return time.perf_counter() - start


def naive_pdf(out: Path, count: int) -> float:
    files = sorted(out.glob("naiv-*.docx"))[:count]
    start = time.perf_counter()
    for path in files:
        profile = Path(tempfile.mkdtemp(prefix="kim-naiv-"))
        subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(out), str(path)], check=True, capture_output=True)
        shutil.rmtree(profile, ignore_errors=True)
    return (time.perf_counter() - start) / len(files)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    sample = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    ergebnisse = cases(n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        render_case(ergebnisse[0], ["bescheid"], tmp / "warm" if (tmp / "warm").mkdir() is None else tmp, RenderOptions())
        for name in ("docx", "pdf", "naiv"):
            (tmp / name).mkdir()
        t_docx = ours(ergebnisse, tmp / "docx", pdf=False)
        print(f"kim-docs DOCX:      {t_docx / n * 1000:7.2f} ms/Dokument (Ziel ≤ 10 ms), {n} Bescheide")
        t_naive = naive_docx(ergebnisse, tmp / "naiv")
        print(f"naiv DOCX:          {t_naive / n * 1000:7.2f} ms/Dokument (neue DocxTemplate je Dokument)")
        own, _ = peak_mb()
        print(f"Spitzenspeicher Python: {own:.0f} MB")
        t_pdf = ours(ergebnisse, tmp / "pdf", pdf=True)
        print(f"kim-docs DOCX+PDF:  {t_pdf / n * 1000:7.1f} ms/Dokument (Ziel ≤ 150 ms)")
        t_naive_pdf = naive_pdf(tmp / "naiv", sample)
        print(f"naiv PDF:           {t_naive_pdf * 1000:7.1f} ms/Dokument (ein soffice je Dokument, "
              f"gemessen an {sample} Dokumenten)")
        own, children = peak_mb()
        print(f"Spitzenspeicher: Python {own:.0f} MB, größter LibreOffice-Prozess {children:.0f} MB")


if __name__ == "__main__":
    main()
