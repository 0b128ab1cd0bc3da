"""How fast and how good is the learned card, against a logistic regression and FasterRisk itself?

Run from the project root::

    python benchmarks/bench_learned_card.py                 # zaro's fit and the logistic reference
    python benchmarks/bench_learned_card.py --fasterrisk    # also FasterRisk 0.1.10, in its own venv

Prints figures only; nothing here is a test (timings depend on the machine; on a shared
machine the CPU times, also printed, are the steadier figure). Everything runs on one core
(``OMP_NUM_THREADS=1`` and friends are set before numpy loads, also for the FasterRisk
process), on the enriched population, for the ``serious_cause`` outcome, with 50,000
training and 50,000 held-out vignettes (seeds 101 and 202, never used by the shipped card):

1. the reference: scikit-learn's ``LogisticRegression`` on all encoded features
   (standardised), fitted on every training row;
2. :func:`scoring.engine.risk.fit_integer_score` for each size in ``--sizes`` (6, 7 and 8 by
   default; 7 is the shipped card's size) on the binary features of the training rows
   *without a red flag of the default card*, as the shipped learned card is fitted
   (``--all-rows`` fits on every row instead, as the project's first measurement did);
   one fit per size, each timed on its own;
3. with ``--fasterrisk``: a venv (a temporary folder, or ``--venv DIR`` to keep it) with
   ``fasterrisk==0.1.10`` (which pins numpy < 2, scikit-learn 1.2 and pandas 1.5, so it
   cannot share zaro's environment), the same binary matrices exchanged as ``.npz``,
   ``RiskScoreOptimizer`` with the same sizes and its defaults otherwise (its own bounds
   are -5 to 5, as zaro's); fit times, time ratios and AUCs from the same run.

Two AUCs on the held-out rows for every score: ``card``, over all rows, with red-flag rows at
the share of red-flag training rows with the outcome (how the card is used: a red flag decides
whatever the total), and ``no flag``, over the rows without a red flag (where the points
decide). The logistic regression is scored on the same two sets of rows.
"""

from __future__ import annotations

import os
import sys

_ONE_CORE = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
if any(os.environ.get(name) != "1" for name in _ONE_CORE):
    # Thread pools size themselves when numpy loads: start again with one core.
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **_ONE_CORE})

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from scoring.contract.features import FEATURE_NAMES, Features  # noqa: E402
from scoring.engine.card import load_card  # noqa: E402
from scoring.engine.risk import BINARY_FEATURES, binarize, fit_integer_score, outcome_labels  # noqa: E402
from scoring.engine.synth import generate_vignettes  # noqa: E402

FASTERRISK = "fasterrisk==0.1.10"
NAMES = [f.name for f in BINARY_FEATURES]

# Runs inside the FasterRisk venv: fits every size, writes times and held-out probabilities.
_FASTERRISK_RUN = """
import json, sys, time
import numpy as np
from fasterrisk.fasterrisk import RiskScoreOptimizer, RiskScoreClassifier

data = np.load(sys.argv[1])
out = {}
for k in json.loads(sys.argv[3]):
    start, cpu = time.perf_counter(), time.process_time()
    optimizer = RiskScoreOptimizer(X=data["x_train"], y=data["y_train"], k=k)
    optimizer.optimize()
    multipliers, intercepts, coefficients = optimizer.get_models()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    model = RiskScoreClassifier(multipliers[0], intercepts[0], coefficients[0])
    out[k] = {
        "seconds": seconds,
        "cpu": cpu,
        "probability": model.predict_prob(data["x_test"]).tolist(),
        "points": {int(j): int(coefficients[0][j]) for j in np.flatnonzero(coefficients[0])},
        "intercept": float(intercepts[0]),
        "multiplier": float(multipliers[0]),
    }
json.dump(out, open(sys.argv[2], "w"))
"""


def _data(n: int, train_seed: int, test_seed: int) -> dict[str, np.ndarray]:
    card = load_card("default")
    out: dict[str, np.ndarray] = {}
    for part, seed in (("train", train_seed), ("test", test_seed)):
        frame = generate_vignettes(n, seed=seed, population="enriched")
        features = Features(frame)
        out[f"x_{part}"] = binarize(features)
        out[f"y_{part}"] = outcome_labels(frame, "serious_cause")
        out[f"e_{part}"] = features.matrix(FEATURE_NAMES, dtype=np.float64)
        out[f"flag_{part}"] = card.score_frame(features).red_flag_mask != 0
    return out


def _aucs(data: dict[str, np.ndarray], risk: np.ndarray, flag_risk: float) -> tuple[float, float]:
    """(card AUC over all held-out rows, AUC over held-out rows without a red flag)."""
    flagged, y = data["flag_test"], data["y_test"]
    card = roc_auc_score(y, np.where(flagged, flag_risk, risk))
    return card, roc_auc_score(y[~flagged], risk[~flagged])


def _zaro(data: dict[str, np.ndarray], k: int, rows: np.ndarray, flag_risk: float) -> dict[str, object]:
    start, cpu = time.perf_counter(), time.process_time()
    score = fit_integer_score(
        data["x_train"][rows], data["y_train"][rows], k=k, feature_names=NAMES, outcome="serious_cause"
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    card, no_flag = _aucs(data, score.predict_proba(data["x_test"]), flag_risk)
    items = ", ".join(f"{name} {points:+d}" for name, points in zip(score.feature_names, score.points))
    return {
        "seconds": seconds,
        "cpu": cpu,
        "card": card,
        "no_flag": no_flag,
        "items": items,
        "intercept": score.intercept,
        "scale": score.multiplier,
    }


def _reference(data: dict[str, np.ndarray]) -> tuple[float, float, float]:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    start = time.perf_counter()
    model.fit(data["e_train"], data["y_train"])
    seconds = time.perf_counter() - start
    risk = model.predict_proba(data["e_test"])[:, 1]
    flagged = data["flag_test"]
    return (
        roc_auc_score(data["y_test"], risk),
        roc_auc_score(data["y_test"][~flagged], risk[~flagged]),
        seconds,
    )


def _fasterrisk_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating a venv with {FASTERRISK} in {venv} (a few minutes)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", FASTERRISK], check=True)
    return python


def _fasterrisk(data: dict[str, np.ndarray], rows: np.ndarray, sizes: list[int], venv: Path | None) -> dict[int, dict]:
    with tempfile.TemporaryDirectory(prefix="zaro-fasterrisk-") as folder:
        work = Path(folder)
        python = _fasterrisk_python(venv or work / "venv")
        np.savez(
            work / "data.npz",
            x_train=data["x_train"][rows].astype(np.float64),
            y_train=np.where(data["y_train"][rows], 1.0, -1.0),
            x_test=data["x_test"].astype(np.float64),
        )
        (work / "run.py").write_text(_FASTERRISK_RUN)
        command = [str(python), str(work / "run.py"), str(work / "data.npz"), str(work / "out.json"), json.dumps(sizes)]
        subprocess.run(command, check=True, env={**os.environ, **_ONE_CORE})
        results = json.loads((work / "out.json").read_text())
    return {int(k): v for k, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="training and held-out vignettes (each)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 7, 8], help="numbers of items to fit")
    parser.add_argument("--all-rows", action="store_true", help="fit on every training row, red flags included")
    parser.add_argument("--fasterrisk", action="store_true", help="also fit FasterRisk 0.1.10 in a venv of its own")
    parser.add_argument("--venv", type=Path, default=None, help="reuse or create the FasterRisk venv here")
    args = parser.parse_args()

    data = _data(args.rows, train_seed=101, test_seed=202)
    rows = np.ones(args.rows, dtype=bool) if args.all_rows else ~data["flag_train"]
    flag_risk = float(data["y_train"][data["flag_train"]].mean())
    print(f"enriched vignettes: {args.rows:,} train (seed 101), {args.rows:,} held out (seed 202); one core")
    print(
        f"serious_cause prevalence: train {data['y_train'].mean():.4f}, test {data['y_test'].mean():.4f}; "
        f"red flag (default card) in {data['flag_train'].mean():.2%} of training rows, "
        f"{flag_risk:.1%} of them with the outcome"
    )
    which = "every training row" if args.all_rows else "the training rows without a red flag"
    print(f"integer scores fitted on {which} ({int(rows.sum()):,}), {len(NAMES)} binary features")
    reference, reference_no_flag, reference_seconds = _reference(data)
    print(
        f"logistic regression, all {data['e_train'].shape[1]} encoded features, every training row: "
        f"AUC {reference:.4f} (no flag {reference_no_flag:.4f}); fit {reference_seconds:.2f} s"
    )
    ours = {k: _zaro(data, k, rows, flag_risk) for k in args.sizes}
    for k, result in ours.items():
        print(
            f"zaro k={k}: fit {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU); card AUC {result['card']:.4f} "
            f"({result['card'] - reference:+.4f} vs reference), no flag {result['no_flag']:.4f}; "
            f"intercept {result['intercept']}, scale {result['scale']:.4f}; {result['items']}"
        )
    if not args.fasterrisk:
        return
    for k, result in _fasterrisk(data, rows, args.sizes, args.venv).items():
        card, no_flag = _aucs(data, np.array(result["probability"]), flag_risk)
        items = ", ".join(f"{NAMES[int(j)]} {p:+d}" for j, p in result["points"].items())
        print(
            f"FasterRisk k={k}: fit {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU; "
            f"{result['seconds'] / ours[k]['seconds']:.1f}x zaro's wall, {result['cpu'] / ours[k]['cpu']:.1f}x CPU); "
            f"card AUC {card:.4f} ({card - ours[k]['card']:+.4f} vs zaro), no flag {no_flag:.4f}; "
            f"intercept {result['intercept']:g}, scale {result['multiplier']:.4f}; {items}"
        )


if __name__ == "__main__":
    main()
