"""How long a full ``zaro report`` build takes on the defaults, against a same-run baseline.

Wall-clock seconds depend on the machine and on what else it is doing, so the script also
times a baseline in the same run: executing one trivial notebook (start a kernel, run
``1 + 1``, export to HTML), the fixed cost every notebook page pays. The ratio
``build / baseline`` says how many "trivial notebooks" a build costs and travels between
machines better than seconds do.

Run: ``python benchmarks/bench_report.py [--rounds 1]``. Target: a full build on the
defaults in under 60 s. Exits with status 1 when the best build is over the target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from scoring.report import build_reports, find_notebooks
from scoring.report._notebooks import execute_notebooks

TARGET_SECONDS = 60.0


def baseline_seconds(folder: Path) -> float:
    """Seconds to execute and export one trivial notebook."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    path = folder / "trivial.ipynb"
    nbformat.write(nb, path)
    started = time.perf_counter()
    execute_notebooks([path], {})
    return time.perf_counter() - started


def comparison_seconds() -> float:
    """Seconds for the card-against-tree comparison a build computes once (index and notebook)."""
    from scoring.analysis.compare import compare_models

    started = time.perf_counter()
    compare_models()
    return time.perf_counter() - started


def build_seconds(folder: Path) -> tuple[float, Path]:
    started = time.perf_counter()
    result = build_reports(folder / "reports", progress=False)
    return time.perf_counter() - started, result.out_dir


def _sizes(out: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(out).as_posix(), p.stat().st_size) for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="full builds to time (best is reported)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="zaro-bench-") as tmp:
        folder = Path(tmp)
        baseline = baseline_seconds(folder)
        comparison = comparison_seconds()
        builds = []
        out = folder
        for round_number in range(args.rounds):
            seconds, out = build_seconds(folder / f"round{round_number}")
            builds.append(seconds)
        best = min(builds)
        sizes = _sizes(out)

    notebooks = len(find_notebooks())
    print(f"notebooks executed:        {notebooks}")
    print(f"baseline (1 trivial nb):   {baseline:6.1f} s")
    print(f"comparison (once a build): {comparison:6.1f} s")
    print(f"full build, best of {args.rounds}:    {best:6.1f} s   (all: {', '.join(f'{s:.1f}' for s in builds)})")
    print(f"ratio build / baseline:    {best / baseline:6.1f}")
    print(f"target:                    {TARGET_SECONDS:6.1f} s  -> {'ok' if best <= TARGET_SECONDS else 'OVER'}")
    print("page sizes:")
    for name, size in sizes:
        print(f"  {size / 1024:9.1f} KiB  {name}")
    total = sum(size for _, size in sizes)
    print(f"  {total / 1024:9.1f} KiB  total")
    return 0 if best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
