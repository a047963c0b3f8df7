"""Benchmark: validate + calc of N generated case files from disk, in one process.

Goal (issue 2): at least 1 000 cases per second on one core, and `kim-docs --help`
in under 0.15 s. Run: python benchmarks/calc.py [N]
"""
from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kim_docs.evaluate import evaluate  # noqa: E402
from kim_docs.model import load_case  # noqa: E402
from kim_docs.report import calc_json  # noqa: E402
from kim_docs.rules import load_rule_sets  # noqa: E402


def generate(folder: Path, n: int) -> list[Path]:
    rng = random.Random(42)
    base = yaml.safe_load((ROOT / "samples" / "kreis-recklinghausen-2025.yaml").read_text(encoding="utf-8"))
    paths = []
    for i in range(n):
        case = dict(base)
        case["antrag"] = dict(base["antrag"], sachausgaben=f"{rng.randint(0, 58200)}.{rng.randint(0, 99):02d}")
        case["stellen"] = [dict(s) for s in base["stellen"]]
        case["stellen"][2]["besetzt_von"] = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        path = folder / f"fall-{i:05d}.yaml"
        path.write_text(yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp), n)
        rule_sets = load_rule_sets()
        evaluate(load_case(paths[0]), rule_sets)  # warm caches (holidays, Babel)
        start = time.perf_counter()
        for path in paths:
            calc_json(evaluate(load_case(path), rule_sets))
        elapsed = time.perf_counter() - start
    print(f"validate + calc: {n} Fälle in {elapsed:.2f} s = {n / elapsed:.0f} Fälle/s (Ziel ≥ 1000/s)")
    runs = []
    for _ in range(10):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kim_docs", "--help"], check=True, capture_output=True)
        runs.append(time.perf_counter() - t)
    print(f"kim-docs --help: Median {statistics.median(runs) * 1000:.0f} ms (Ziel < 150 ms)")


if __name__ == "__main__":
    main()
