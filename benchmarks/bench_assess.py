"""How fast and how lean is assessing vignettes, and how well does the card agree with the reference?

Run from the project root::

    python benchmarks/bench_assess.py            # 1,000,000 rows
    python benchmarks/bench_assess.py --rows 200000

Prints figures only; nothing here is a test (timings depend on the machine).

Measured:

1. ``assess_frame`` end to end (validation, features, card, calibration, result columns)
   on generated vignettes, card only and with the shipped tree, against a Python loop of
   ``assess`` on a 2,000-row sample (the ratio is the point of vectorising);
2. peak memory while scoring, as the growth of the process's resident set (RSS) in a
   fresh subprocess (``benchmarks/_rss.py``; tracemalloc misses Arrow's buffers), against
   the input frame's own ``memory_usage(deep=True)``, with and without the narrative text
   (without it the input is small and the ratio the harder one); target at most 2.5x;
3. card scoring of an already-encoded feature matrix against scikit-learn's
   ``LogisticRegression.predict_proba`` on the same matrix;
4. ``assess`` of one vignette (median microseconds);
5. where the end-to-end time goes (validation, features, card, assembling the result);
6. agreement with the reference triage on a fresh sample (seed 12345): accuracy, under- and
   over-triage per level, and the latent-cause safety check of docs/clinical.md section 4.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from _rss import RssGrowth, rss_growth
from _timing import best_of

from scoring.assessment import assess, assess_frame, triage_agreement
from scoring.contract.features import FEATURE_NAMES, Features
from scoring.contract.schema import validate_frame
from scoring.engine.card import load_card
from scoring.engine.synth import generate_vignettes


def throughput(frame: pd.DataFrame, tree) -> tuple[float, float, float]:
    n = len(frame)
    vectorised = n / best_of(lambda: assess_frame(frame, tree=tree))
    sample = frame.sample(2_000, random_state=0)
    records = [
        row for row in sample.drop(columns=["vignette_id", "latent_cause", "triage", "narrative"]).to_dict("records")
    ]
    assess(records[0], tree=tree)  # load card and tree once, outside the timing
    start = time.perf_counter()
    for record in records:
        assess(record, tree=tree)
    looped = len(records) / (time.perf_counter() - start)
    return vectorised, looped, vectorised / looped


def peak_memory(rows: int, tree, narratives: bool) -> RssGrowth:
    """Peak RSS growth of ``assess_frame`` in a fresh process, against the input frame's own size."""
    drop = "" if narratives else '.drop(columns=["narrative"])'
    setup = f"""
    from scoring.assessment import assess_frame
    from scoring.engine.synth import generate_vignettes
    frame = generate_vignettes({rows}, seed=2026){drop}
    assess_frame(frame.head(10), tree={tree!r})  # load card and tree before measuring
    input_bytes = int(frame.memory_usage(deep=True).sum())
    """
    return rss_growth(setup, f"result = assess_frame(frame, tree={tree!r})")


def card_vs_logistic(frame: pd.DataFrame) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    card = load_card()
    valid = validate_frame(frame).valid
    features = Features(valid)
    # A category field the card tests (severity == "pronounced") enters the matrix as its level.
    names = [name if name in FEATURE_NAMES else f"{name}_level" for name in card.features]
    matrix = features.matrix(names, dtype=np.float64)  # encodes every feature the card reads
    # The card reads the same, already-computed columns (Features caches them).
    card_time = best_of(lambda: card.score_frame(features), repeat=5)
    # Only predict_proba is timed; how well the model fits does not change its speed.
    model = LogisticRegression(max_iter=2000).fit(
        matrix[:50_000], (valid["triage"].astype(str) != "self_care")[:50_000]
    )
    logistic_time = best_of(lambda: model.predict_proba(matrix), repeat=5)
    return len(frame) / card_time, len(frame) / logistic_time


def one_vignette_us(tree, repeat: int = 2_000) -> float:
    vignette = {
        "age": 34,
        "duration_weeks": 3,
        "frequency": "daily",
        "severity": "minor",
        "locations": "eyelid;calf",
        "caffeine_mg_per_day": 450,
        "stress_level": 7,
    }
    assess(vignette, tree=tree)
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        assess(vignette, tree=tree)
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1_000


def breakdown(frame: pd.DataFrame) -> dict[str, float]:
    card = load_card()
    start = time.perf_counter()
    validation = validate_frame(frame)
    t_validate = time.perf_counter() - start
    start = time.perf_counter()
    features = Features(validation.valid)
    for name in card.features:
        if name in FEATURE_NAMES:  # category fields in conditions are read as codes, not features
            features[name]
    t_features = time.perf_counter() - start
    start = time.perf_counter()
    card.score_frame(features)
    t_card = time.perf_counter() - start
    total = time.perf_counter()
    assess_frame(frame, tree=None)
    t_total = time.perf_counter() - total
    return {
        "validate_frame": t_validate,
        "features": t_features,
        "card.score_frame": t_card,
        "assess_frame (all, card only)": t_total,
        "rest (result columns, concat)": max(t_total - t_validate - t_features - t_card, 0.0),
    }


def agreement(n: int, seed: int) -> None:
    for noise in (0.0, 0.03):
        frame = generate_vignettes(n, seed=seed, label_noise=noise)
        for label, tree in (("card only", None), ("card + shipped tree", "default")):
            scored = assess_frame(frame, tree=tree).scored
            table = triage_agreement(scored["triage"], scored["recommendation"])
            print(f"\nAgreement with the reference triage, label noise {noise:.0%}, {label} (n={n:,}, seed {seed}):")
            print(table[["n", "correct", "under_triage", "over_triage"]].to_string(float_format=lambda x: f"{x:.4f}"))
            if noise == 0.0:
                serious = scored["latent_cause"].astype(str).isin(["motor_neuron_like", "central_ms_like"])
                below_gp = (scored["recommendation"].astype(str) == "self_care") & serious
                print(f"  MND-like or MS-like cases sent to self-care: {int(below_gp.sum())} of {int(serious.sum())}")
            if tree is not None:
                # The tree estimates the risk of a serious cause, not the ladder's label: its
                # answer (the risk policy's thresholds on its risk in the community) is not
                # meant to match the ladder, and the figure says how far apart the two are.
                tree_table = triage_agreement(scored["triage"], scored["tree_recommendation"])
                print(
                    "  the tree's risk under the risk policy (not a copy of the ladder): same level as the "
                    f"ladder {tree_table.loc['all', 'correct']:.4f}, lower {tree_table.loc['all', 'under_triage']:.4f}"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--agreement-rows", type=int, default=100_000)
    args = parser.parse_args()

    print(f"Generating {args.rows:,} vignettes ...")
    frame = generate_vignettes(args.rows, seed=2026)
    for label, tree in (("card only", None), ("card + shipped tree", "default")):
        vectorised, looped, ratio = throughput(frame, tree)
        print(
            f"\nassess_frame, {label}: {vectorised:,.0f} rows/s; loop of assess: {looped:,.0f} rows/s; ratio {ratio:,.0f}x"
        )
        for narratives in (True, False):
            measured = peak_memory(args.rows, tree, narratives)
            verdict = "meets" if (measured.ratio or 0) <= 2.5 else "MISSES"
            print(
                f"  peak RSS growth while scoring ({'with' if narratives else 'without'} narratives): "
                f"{measured.growth_mib:,.0f} MiB; input frame (deep): {measured.input_mib:,.0f} MiB; "
                f"ratio {measured.ratio:.2f}x ({verdict} the 2.5x target; {measured.method})"
            )
    print("\nWhere assess_frame spends its time (card only, one run):")
    for name, seconds in breakdown(frame).items():
        print(f"  {name:<32} {seconds * 1000:8.1f} ms")
    card_rate, logistic_rate = card_vs_logistic(frame)
    print(
        f"\nOn an encoded matrix: card {card_rate:,.0f} rows/s; LogisticRegression.predict_proba "
        f"{logistic_rate:,.0f} rows/s; card/logistic {card_rate / logistic_rate:.2f}x"
    )
    for label, tree in (("card only", None), ("card + shipped tree", "default")):
        print(f"assess of one vignette, {label}: median {one_vignette_us(tree):,.0f} µs")
    agreement(args.agreement_rows, 12345)


if __name__ == "__main__":
    main()
