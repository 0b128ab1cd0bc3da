"""How fast are the tree and the explanations, and what does the tree add to the card's cost?

Run from the project root::

    python benchmarks/bench_tree.py              # 1,000,000 rows
    python benchmarks/bench_tree.py --rows 200000

Prints figures only; nothing here is a test (timings depend on the machine). Targets:
one vignette assessed and explained (counterfactuals) in under 20 ms; ``assess_frame`` with
the tree at 1 million rows/s or more.

Measured, each against a baseline in the same run:

1. ``assess`` of one vignette with the shipped tree against card only (median ms);
2. ``counterfactuals`` of one vignette (median ms; with one red flag, with two, where the
   search has to try pairs, and for a self-care vignette), and ``assess`` + counterfactuals;
3. ``assess_frame`` with the tree against card only on the same frame (rows/s and ratio);
4. the tree alone: the shipped tree's ``predict_risk`` (one comparison per split over the
   features the tree uses, packed into a code that a table maps to the leaf), against
   scikit-learn's ``DecisionTreeClassifier.predict_proba`` on the full float32 matrix
   (including building that matrix), with peak memory (tracemalloc).
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of, peak_mib, timings

from scoring.analysis.explain import counterfactuals
from scoring.assessment import assess, assess_frame
from scoring.contract.features import Features
from scoring.contract.schema import validate_frame
from scoring.engine.synth import generate_vignettes
from scoring.engine.tree import default_tree, load_tree

CASES = {
    "self-care, eyelid": {
        "age": 30,
        "duration_weeks": 1,
        "frequency": "daily",
        "severity": "minor",
        "locations": "eyelid",
    },
    "see a doctor, widespread": {
        "age": 45,
        "duration_weeks": 10,
        "frequency": "daily",
        "severity": "moderate",
        "locations": "arm;calf;thigh",
        "numbness": True,
        "caffeine_mg_per_day": 450,
    },
    "one red flag": {
        "age": 58,
        "duration_weeks": 12,
        "frequency": "daily",
        "severity": "moderate",
        "locations": "hand;arm",
        "weakness": True,
        "worsening": True,
    },
    "two red flags (pairs)": {
        "age": 58,
        "duration_weeks": 12,
        "frequency": "daily",
        "severity": "moderate",
        "locations": "hand;arm",
        "weakness": True,
        "worsening": True,
        "atrophy": True,
    },
}


def median_ms(function, repeat: int = 200) -> float:
    """Median wall time in ms (the minimum is printed too by ``timings``)."""
    return timings(function, repeat)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    tree = default_tree()
    for case in CASES.values():  # load card and tree, warm caches, outside the timings
        assess(case)
        counterfactuals(case)

    print("== one vignette (median of 200 runs)")
    for name, case in CASES.items():
        card_only = median_ms(lambda case=case: assess(case, tree=None))
        with_tree = median_ms(lambda case=case: assess(case))
        search = median_ms(lambda case=case: counterfactuals(case), repeat=100)
        both, fastest = timings(lambda case=case: (assess(case), counterfactuals(case)), repeat=100)
        flag = "ok" if both < 20 else "over 20 ms"
        print(
            f"  {name:<26} assess card only {card_only:5.2f} ms | with tree {with_tree:5.2f} ms "
            f"({with_tree / card_only:4.2f}x) | counterfactuals {search:5.2f} ms | "
            f"assess + counterfactuals {both:5.2f} ms (min {fastest:5.2f}) [{flag}]"
        )

    print(f"\n== assess_frame on {args.rows:,} generated rows (best of 3)")
    frame = generate_vignettes(args.rows, seed=12345).drop(columns=["narrative"])
    card_only = args.rows / best_of(lambda: assess_frame(frame, tree=None))
    with_tree = args.rows / best_of(lambda: assess_frame(frame))
    target = "ok" if with_tree >= 1e6 else "below 1M rows/s"
    print(f"  card only   {card_only / 1e6:6.2f} M rows/s")
    print(f"  with tree   {with_tree / 1e6:6.2f} M rows/s  ({with_tree / card_only:4.2f}x of card only) [{target}]")

    print(f"\n== the tree alone on {args.rows:,} validated rows (best of 3)")
    valid = validate_frame(frame).valid
    estimator = load_tree()
    model = estimator.tree_model_
    names = estimator.feature_names_

    def ours():
        tree.predict_risk(Features(valid))

    def sklearn_full():
        model.predict_proba(Features(valid).matrix(names, dtype=np.float32))

    walk = args.rows / best_of(ours)
    reference = args.rows / best_of(sklearn_full)
    print(
        f"  predict_risk (walk over {len(tree.used_features_)} used features) {walk / 1e6:6.2f} M rows/s, "
        f"peak {peak_mib(ours):6.1f} MiB"
    )
    print(
        f"  sklearn predict_proba on the {len(names)}-column float32 matrix  {reference / 1e6:6.2f} M rows/s, "
        f"peak {peak_mib(sklearn_full):6.1f} MiB"
    )
    print(f"  ratio walk / sklearn {walk / reference:4.2f}x")
    risk = tree.predict_risk(Features(valid))
    same = np.array_equal(risk, model.predict_proba(Features(valid).matrix(names, dtype=np.float32))[:, 1])
    print(f"  identical risks: {same}")


if __name__ == "__main__":
    main()
