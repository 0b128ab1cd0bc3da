"""How long does the sensitivity analysis take, against one plain generate-and-score of the same rows?

Run from the project root::

    python benchmarks/bench_sensitivity.py                 # the defaults: 30,000 rows, jobs 1 and 2
    python benchmarks/bench_sensitivity.py --rows 50000 --jobs 2

Prints figures only; nothing here is a test (timings depend on the machine and on what else
runs on it). Target: the whole analysis (every assumed number of the community population,
down and up) in well under a minute.

Measured in the same run:

1. the baseline: one plain :func:`scoring.engine.synth.generate_vignettes` of the community
   population and one :func:`scoring.assess_frame` with the expert card and the risk policy
   (no tree), best of three;
2. :func:`scoring.evaluate.sensitivity_analysis` at the default settings with ``jobs=1`` and
   with ``jobs=2`` (once each: the run is long enough to be stable);

and the ratios: the analysis against the baseline (about the number of variations, plus one,
when the per-variation work is the generate-and-score and nothing else), and jobs 1 against
jobs 2. The two tables are checked to be identical.
"""

from __future__ import annotations

import argparse
import time

from _timing import best_of

from scoring.assessment import assess_frame
from scoring.engine.card import load_card
from scoring.engine.policies import load_policies
from scoring.engine.populations import load_population
from scoring.engine.synth import generate_vignettes
from scoring.evaluate import DEFAULT_SENSITIVITY_N, DEFAULT_SENSITIVITY_SEED, assumed_parameters, sensitivity_analysis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_SENSITIVITY_N)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    population = load_population("community")
    card = load_card("default")
    policy = next(p for p in load_policies().values() if p.kind == "risk")

    def plain() -> None:
        frame = generate_vignettes(args.rows, DEFAULT_SENSITIVITY_SEED, population=population)
        assess_frame(frame, card=card, tree=None, population=population, policy=policy, extra="keep")

    plain()  # warm up: imports, the card's compiled conditions
    baseline = best_of(plain)
    variations = sum(len(p.variations) for p in assumed_parameters(population))
    print(f"one generate + score of {args.rows:,} rows: {baseline:.2f} s; {variations} variations + 1 baseline to run")
    tables = {}
    times = {}
    for jobs in args.jobs:
        start = time.perf_counter()
        tables[jobs] = sensitivity_analysis(population, n=args.rows, jobs=jobs)
        times[jobs] = time.perf_counter() - start
        print(
            f"sensitivity analysis, jobs={jobs}: {times[jobs]:.1f} s = {times[jobs] / baseline:.0f}x one generate + "
            f"score ({times[jobs] / (variations + 1) * 1000:.0f} ms per variation)"
        )
    if len(times) > 1:
        first, *others = args.jobs
        for jobs in others:
            same = tables[first].equals(tables[jobs])
            print(f"jobs={first} / jobs={jobs}: {times[first] / times[jobs]:.2f}x; identical tables: {same}")


if __name__ == "__main__":
    main()
