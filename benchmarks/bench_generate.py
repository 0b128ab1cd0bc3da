"""How fast the generator and the frame validator are, against same-run baselines.

Measures, for ``--n`` rows (default 1,000,000), the best of ``--repeats`` runs (default 3):

* ``generate_vignettes(n)``, narratives included;
* ``validate_frame`` on that frame (typed columns: bools, numbers, categoricals);
* ``validate_frame`` on the same rows read back from CSV as text (every cell a string,
  what ``zaro validate FILE.csv`` sees), and the read itself;
* writing the CSV (once: it is the slow step of ``zaro generate`` for large ``n``).

Absolute times depend on the machine, so each figure is also given as a ratio to a
baseline timed in the same run: numpy drawing ``n x 22`` uniforms. Ratios move much less
than seconds between a laptop and a busy CI runner. A deep ``DataFrame.copy()`` of the
generated frame is printed too, but not used for ratios: with copy-on-write and
arrow-backed text in pandas 3 it copies little and takes a few milliseconds.

Run: ``python benchmarks/bench_generate.py [--n 1000000] [--repeats 3]``.
Target: generating 1,000,000 vignettes in under 3 s on one core.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import best_of

from scoring.contract.schema import validate_frame
from scoring.data import write_vignettes_csv
from scoring.engine.synth import generate_vignettes


def line(label: str, seconds: float, n: int, baseline: float | None = None) -> str:
    ratio = f"{seconds / baseline:6.1f} x baseline" if baseline else ""
    return f"{label:<44} {seconds:7.3f} s {n / seconds:>13,.0f} rows/s  {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n, repeats = args.n, args.repeats

    generate_vignettes(1000, seed=1)  # warm caches (TOML, narrative tables, imports)
    rng = np.random.default_rng(0)
    numpy_baseline = best_of(lambda: rng.random((n, 22)), repeats)
    generate = best_of(lambda: generate_vignettes(n, seed=1), repeats)
    frame = generate_vignettes(n, seed=1)
    copy_baseline = best_of(lambda: frame.copy(deep=True), repeats)

    checked = validate_frame(frame)
    assert checked.n_rejected_rows == 0, checked.summary()
    validate_typed = best_of(lambda: validate_frame(frame), repeats)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vignettes.csv"
        start = time.perf_counter()
        write_vignettes_csv(frame, path)
        write = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
        read = best_of(lambda: pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""]), repeats)
        text = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""])
    checked = validate_frame(text)
    assert checked.n_rejected_rows == 0, checked.summary()
    validate_text = best_of(lambda: validate_frame(text), repeats)

    print(f"zaro generator benchmark: n = {n:,}, best of {repeats}")
    print(line("baseline: numpy n x 22 uniforms", numpy_baseline, n))
    print(line("baseline: DataFrame.copy(deep=True)", copy_baseline, n))
    print(line("generate_vignettes (with narratives)", generate, n, numpy_baseline))
    print(line("validate_frame, generated frame (typed)", validate_typed, n, numpy_baseline))
    print(line("validate_frame, CSV read back as text", validate_text, n, numpy_baseline))
    print(line("read_csv(dtype=str)", read, n, numpy_baseline))
    print(line(f"write_vignettes_csv ({size_mb:.0f} MB, one run)", write, n, numpy_baseline))
    verdict = "meets" if generate < 3.0 else "MISSES"
    print(f"generation {verdict} the 3 s target for 1,000,000 rows" if n == 1_000_000 else "")


if __name__ == "__main__":
    main()
