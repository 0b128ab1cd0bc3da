"""How fast are the comparison's bootstrap AUC intervals, against resampling rows one by one?

Run from the project root::

    python benchmarks/bench_compare.py                 # 200,000 rows, 1,000 resamples
    python benchmarks/bench_compare.py --rows 50000

Prints figures only; nothing here is a test (timings depend on the machine). Target: 1,000
bootstrap AUCs of one model on 200,000 rows in well under 30 s on one core.

Measured on the same rows in the same run, for a model with a distinct risk per row (the
worst case: the logistic regression) and for a points card (a few dozen distinct risks):

1. :func:`scoring.analysis.risk_metrics.auc_interval`, which draws each resample as one
   multinomial over rank cells (seconds for all resamples);
2. the baseline: resampling row indices and calling scikit-learn's ``roc_auc_score`` on each
   resample, timed on a few resamples and scaled to the same number (seconds);

and their ratio, with the spread each gives (the interval's width / 3.92 against the standard
deviation of the row-by-row AUCs: they estimate the same thing, the latter from few resamples).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from scoring.analysis.risk_metrics import auc_interval

#: Row-by-row resamples actually run for the baseline (scaled up to the asked number).
BASELINE_RESAMPLES = 20


def _rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows like the community sample's: 1.5% with the outcome, a risk that separates them well."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.015
    risk = 1 / (1 + np.exp(-(-5 + 3 * y + rng.normal(size=n))))
    return risk, y


def _row_bootstrap(risk: np.ndarray, y: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([roc_auc_score(y[i], risk[i]) for i in (rng.integers(0, len(y), len(y)) for _ in range(resamples))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    risk, y = _rows(args.rows, 1)
    for name, scores in (("a risk per row", risk), ("a points card (40 risks)", np.round(risk * 40) / 40)):
        start = time.perf_counter()
        interval = auc_interval(scores, y, resamples=args.resamples, seed=2)
        cells = time.perf_counter() - start
        start = time.perf_counter()
        rows = _row_bootstrap(scores, y, BASELINE_RESAMPLES, 3)
        baseline = (time.perf_counter() - start) * args.resamples / BASELINE_RESAMPLES
        print(
            f"{name}: {args.resamples:,} resamples of {args.rows:,} rows in {cells:.2f} s "
            f"(rows one by one: {baseline:.1f} s, {baseline / cells:.0f}x slower); "
            f"spread {(interval.high - interval.low) / 3.92:.4f} (rows: {rows.std(ddof=1):.4f} from {BASELINE_RESAMPLES})"
        )


if __name__ == "__main__":
    main()
