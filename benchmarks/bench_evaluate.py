"""How fast are the evaluation's metrics on a full-size sample?

Run from the project root::

    python benchmarks/bench_evaluate.py                 # 200,000 rows, 1,000 resamples
    python benchmarks/bench_evaluate.py --rows 50000

Prints figures only; nothing here is a test (timings depend on the machine). Target: 1,000
bootstrap AUCs on 200,000 rows in under 30 s on one core.

Everything is measured on the same rows in the same run, and reported against baselines
measured there too, so the ratios carry from machine to machine:

1. 1,000 bootstrap AUCs (:func:`scoring.evaluate.discrimination_table`) for a card-like risk
   (a few dozen distinct values) and a continuous one (a distinct risk per row), against the
   naive way: resampling rows and calling scikit-learn's ``roc_auc_score`` on each resample,
   timed on 20 resamples and scaled to 1,000;
2. the full metric set (discrimination, calibration table, bins and smoothed curves, decision
   curves, threshold table, subgroups by age band and sex) for four models and two policies,
   each table's time and the total, as a multiple of one ``roc_auc_score`` on all rows.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import best_of
from sklearn.metrics import roc_auc_score

from scoring.evaluate import (
    age_band,
    calibration_bins,
    calibration_table,
    decision_curve,
    discrimination_table,
    smoothed_calibration,
    subgroup_table,
    threshold_table,
)

#: Row-by-row resamples actually run for the baseline (scaled up to the asked number).
BASELINE_RESAMPLES = 20


def _rows(n: int, seed: int) -> dict[str, np.ndarray]:
    """Rows like the community sample's: about 1.5% with the outcome, ages and sexes, risks that
    separate them well (a continuous one and a card-like one with 40 values), two policies."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.015
    lp = -5.2 + 3 * y + rng.normal(size=n)
    continuous = 1 / (1 + np.exp(-lp))
    card = 1 / (1 + np.exp(-np.clip(np.round(lp * 4) / 4, -10, 0)))
    return {
        "y": y,
        "continuous": continuous,
        "card": card,
        "age": rng.integers(18, 95, n),
        "sex": rng.choice(np.array(["female", "male", "unspecified"]), n, p=[0.5, 0.48, 0.02]),
    }


def _row_bootstrap(risk: np.ndarray, y: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([roc_auc_score(y[i], risk[i]) for i in (rng.integers(0, len(y), len(y)) for _ in range(resamples))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    rows = _rows(args.rows, 1)
    y = rows["y"]
    print(f"{args.rows:,} rows, {int(y.sum()):,} with the outcome; {args.resamples:,} bootstrap resamples")

    for name in ("card", "continuous"):
        risk = rows[name]
        start = time.perf_counter()
        table = discrimination_table({name: risk}, y, resamples=args.resamples, seed=2)
        fast = time.perf_counter() - start
        start = time.perf_counter()
        naive = _row_bootstrap(risk, y, BASELINE_RESAMPLES, 3)
        baseline = (time.perf_counter() - start) * args.resamples / BASELINE_RESAMPLES
        row = table.iloc[0]
        print(
            f"  AUC, {name} risk ({len(np.unique(risk)):,} distinct): {fast:.2f} s "
            f"(naive loop {baseline:.1f} s, {baseline / fast:.0f}x slower); "
            f"AUC {row['auc']:.4f} ({row['auc_low']:.4f}-{row['auc_high']:.4f}), "
            f"spread {(row['auc_high'] - row['auc_low']) / 3.92:.4f} vs naive {naive.std(ddof=1):.4f}"
        )

    one_auc = best_of(lambda: roc_auc_score(y, rows["continuous"]))
    risks = {
        "card": rows["card"],
        "continuous": rows["continuous"],
        "shifted": np.clip(rows["continuous"] * 1.4, 0, 1),
        "coarse_card": np.round(rows["card"], 2),
    }
    policies = {
        "risk_policy": np.where(rows["continuous"] >= 0.2, 2, np.where(rows["continuous"] >= 0.0196, 1, 0)),
        "guideline": np.where(rows["card"] >= 0.01, 1, 0),
    }
    groups = {"age_band": age_band(rows["age"]), "sex": rows["sex"]}
    tables = {
        "discrimination": lambda: discrimination_table(risks, y, resamples=args.resamples),
        "calibration table": lambda: calibration_table(risks, y),
        "calibration bins": lambda: calibration_bins(risks, y),
        "smoothed calibration": lambda: smoothed_calibration(risks, y),
        "decision curves": lambda: decision_curve(risks, y, policies=policies),
        "threshold table": lambda: threshold_table(risks, y, policies=policies),
        "subgroups": lambda: subgroup_table(risks, y, groups=groups, policies=policies, cutoffs={"continuous": 0.0196}),
    }
    print(
        f"Full metric set, {len(risks)} models and {len(policies)} policies (one roc_auc_score: {one_auc * 1000:.0f} ms):"
    )
    total = 0.0
    for name, compute in tables.items():
        seconds = best_of(compute, repeat=1)
        total += seconds
        print(f"  {name}: {seconds:.2f} s ({seconds / one_auc:.0f} roc_auc_scores)")
    print(f"  total: {total:.2f} s ({total / one_auc:.0f} roc_auc_scores)")


if __name__ == "__main__":
    main()
