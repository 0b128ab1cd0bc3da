"""How long does ``zaro evaluate`` take end to end, and what does the report build add for it?

Run from the project root::

    python benchmarks/bench_zaro_evaluate.py             # the defaults: 200,000 rows, sensitivity included
    python benchmarks/bench_zaro_evaluate.py --n 50000

Prints figures only; nothing here is a test (timings depend on the machine). Target: the full
``zaro evaluate`` on the community sample, sensitivity analysis included, in under 2 minutes.

Measured in the same run, each in a fresh subprocess as a user types it, so the ratios carry
from machine to machine:

1. ``zaro compare`` at the same n and seed: the baseline, the comparison a user already waits for;
2. ``zaro evaluate --no-sensitivity``: the evaluation's tables, figures and documents;
3. ``zaro evaluate``: all of it, with the sensitivity analysis (every assumed number moved);

and, in this process, what a report build adds for its evaluation (the comparison's sample
is reused; the sensitivity analysis at the report's size runs once per process).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(arguments: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scoring", *arguments], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    args = parser.parse_args()
    size = ["--n", str(args.n)]
    with tempfile.TemporaryDirectory() as folder:
        compare = _run(["compare", *size])
        tables = _run(["evaluate", *size, "--no-sensitivity", "--no-progress", "--out", str(Path(folder) / "a")])
        full = _run(["evaluate", *size, "--no-progress", "--out", str(Path(folder) / "b")])
    print(f"zaro compare (baseline): {compare:.1f} s")
    print(f"zaro evaluate --no-sensitivity: {tables:.1f} s ({tables / compare:.1f}x compare)")
    print(f"zaro evaluate (all of it): {full:.1f} s ({full / compare:.1f}x compare); target under 120 s")

    from scoring.analysis.compare import compare_sample, draw_sample
    from scoring.report._build import _evaluate

    sample = draw_sample(n=args.n)
    start = time.perf_counter()
    compare_sample(sample)
    comparison = time.perf_counter() - start
    start = time.perf_counter()
    _evaluate(sample)
    first = time.perf_counter() - start
    start = time.perf_counter()
    _evaluate(sample)
    again = time.perf_counter() - start
    print(
        f"report build, on the comparison's sample: the comparison {comparison:.1f} s; the evaluation "
        f"{first:.1f} s the first time ({first / comparison:.1f}x), {again:.1f} s in a later build of the same "
        f"process ({again / comparison:.1f}x)"
    )


if __name__ == "__main__":
    main()
