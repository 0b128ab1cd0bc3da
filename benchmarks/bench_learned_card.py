"""How fast and how good is the learned card, against a logistic regression and FasterRisk itself?

Run from the project root::

    python benchmarks/bench_learned_card.py                 # zaro's fit and the logistic reference
    python benchmarks/bench_learned_card.py --fasterrisk    # also FasterRisk 0.1.10, in its own venv

Prints figures only; nothing here is a test (timings depend on the machine; on a shared
machine the CPU times, also printed, are the steadier figure). Everything
runs on one core (``OMP_NUM_THREADS=1`` and friends are set before numpy loads, also for
the FasterRisk process), on the enriched population, for the ``serious_cause`` outcome:

1. :func:`scoring.engine.risk.fit_integer_score` with k = 6 and k = 8 on 50,000 training
   vignettes × every binary feature: fit time, items and points, AUC on 50,000 held-out
   vignettes (target: fit under 10 s; AUC within 0.03 of the reference);
2. the reference: scikit-learn's ``LogisticRegression`` on all encoded features
   (standardised), same split;
3. with ``--fasterrisk``: a venv in a temporary folder with ``fasterrisk==0.1.10`` (which
   pins numpy < 2, scikit-learn 1.2 and pandas 1.5, so it cannot share zaro's environment),
   the same binary matrices exchanged as ``.npz``, ``RiskScoreOptimizer`` with k = 6 and
   k = 8 and its defaults otherwise; fit times, time ratios and AUCs from the same run.
   ``--venv DIR`` reuses (or creates) that venv instead of a temporary one.
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
from scoring.engine.risk import BINARY_FEATURES, binarize, fit_integer_score, outcome_labels  # noqa: E402
from scoring.engine.synth import generate_vignettes  # noqa: E402

FASTERRISK = "fasterrisk==0.1.10"

# Runs inside the FasterRisk venv: fits k = 6 and k = 8, writes times and test probabilities.
_FASTERRISK_RUN = """
import json, sys, time
import numpy as np
from fasterrisk.fasterrisk import RiskScoreOptimizer, RiskScoreClassifier

data = np.load(sys.argv[1])
out = {}
for k in (6, 8):
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
    train, test = generate_vignettes(n, seed=train_seed), generate_vignettes(n, seed=test_seed)
    return {
        "x_train": binarize(train),
        "y_train": outcome_labels(train, "serious_cause"),
        "x_test": binarize(test),
        "y_test": outcome_labels(test, "serious_cause"),
        "e_train": Features(train).matrix(FEATURE_NAMES, dtype=np.float64),
        "e_test": Features(test).matrix(FEATURE_NAMES, dtype=np.float64),
    }


def _zaro(data: dict[str, np.ndarray], k: int) -> dict[str, object]:
    names = [f.name for f in BINARY_FEATURES]
    start, cpu = time.perf_counter(), time.process_time()
    score = fit_integer_score(data["x_train"], data["y_train"], k=k, feature_names=names, outcome="serious_cause")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    auc = roc_auc_score(data["y_test"], score.predict_proba(data["x_test"]))
    items = ", ".join(f"{name} {points:+d}" for name, points in zip(score.feature_names, score.points))
    return {
        "seconds": seconds,
        "cpu": cpu,
        "auc": auc,
        "items": items,
        "intercept": score.intercept,
        "scale": score.multiplier,
    }


def _reference(data: dict[str, np.ndarray]) -> tuple[float, float]:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    start = time.perf_counter()
    model.fit(data["e_train"], data["y_train"])
    seconds = time.perf_counter() - start
    return roc_auc_score(data["y_test"], model.predict_proba(data["e_test"])[:, 1]), seconds


def _fasterrisk_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating a venv with {FASTERRISK} in {venv} (a few minutes)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", FASTERRISK], check=True)
    return python


def _fasterrisk(data: dict[str, np.ndarray], venv: Path | None) -> dict[int, dict]:
    with tempfile.TemporaryDirectory(prefix="zaro-fasterrisk-") as folder:
        work = Path(folder)
        python = _fasterrisk_python(venv or work / "venv")
        np.savez(
            work / "data.npz",
            x_train=data["x_train"].astype(np.float64),
            y_train=np.where(data["y_train"], 1.0, -1.0),
            x_test=data["x_test"].astype(np.float64),
        )
        (work / "run.py").write_text(_FASTERRISK_RUN)
        subprocess.run([str(python), str(work / "run.py"), str(work / "data.npz"), str(work / "out.json")], check=True)
        results = json.loads((work / "out.json").read_text())
    return {int(k): v for k, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="training and held-out vignettes (each)")
    parser.add_argument("--fasterrisk", action="store_true", help="also fit FasterRisk 0.1.10 in a venv of its own")
    parser.add_argument("--venv", type=Path, default=None, help="reuse or create the FasterRisk venv here")
    args = parser.parse_args()

    data = _data(args.rows, train_seed=101, test_seed=202)
    print(f"enriched vignettes: {args.rows:,} train (seed 101), {args.rows:,} held out (seed 202)")
    print(f"serious_cause prevalence: train {data['y_train'].mean():.4f}, test {data['y_test'].mean():.4f}")
    print(f"binary features: {data['x_train'].shape[1]}; encoded features: {data['e_train'].shape[1]}; one core")
    reference_auc, reference_seconds = _reference(data)
    print(f"logistic regression, all encoded features: AUC {reference_auc:.4f} (fit {reference_seconds:.2f} s)")
    ours = {k: _zaro(data, k) for k in (6, 8)}
    for k, result in ours.items():
        print(
            f"zaro k={k}: fit {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU), AUC {result['auc']:.4f} "
            f"({result['auc'] - reference_auc:+.4f} vs reference); intercept {result['intercept']}, "
            f"scale {result['scale']:.4f}; {result['items']}"
        )
    if not args.fasterrisk:
        return
    names = [f.name for f in BINARY_FEATURES]
    for k, result in _fasterrisk(data, args.venv).items():
        auc = roc_auc_score(data["y_test"], np.array(result["probability"]))
        items = ", ".join(f"{names[int(j)]} {p:+d}" for j, p in result["points"].items())
        print(
            f"FasterRisk k={k}: fit {result['seconds']:.2f} s ({result['cpu']:.2f} s CPU; "
            f"{result['seconds'] / ours[k]['seconds']:.1f}x zaro's wall, {result['cpu'] / ours[k]['cpu']:.1f}x CPU), "
            f"AUC {auc:.4f} ({auc - ours[k]['auc']:+.4f} vs zaro); intercept {result['intercept']:g}, "
            f"scale {result['multiplier']:.4f}; {items}"
        )


if __name__ == "__main__":
    main()
