"""How long do the worlds of `zaro evaluate --worlds N` take, against one plain generate-and-score of the same rows?

Run from the project root::

    python benchmarks/bench_worlds.py                      # 50 worlds of 100,000 rows, jobs 1 and 2
    python benchmarks/bench_worlds.py --worlds 10 --jobs 2

Prints figures only; nothing here is a test (timings depend on the machine and on what else
runs on it). Target: the worlds of ``zaro evaluate --worlds 50`` on the community population
well inside 10 minutes on a two-core machine.

Measured in the same run:

1. the baseline: one plain :func:`scoring.engine.synth.generate_vignettes` of the community
   population with the rows of a world's evaluation sample, scored by every card and the tree
   as the evaluation scores them (:func:`scoring.analysis.compare.score_sample`, no reference
   regression), best of three;
2. :func:`scoring.evaluate.evaluate_worlds` at the default settings for each ``--jobs``, once
   each, with its wall time and the CPU time of this process (with ``jobs=1`` that is all the
   work; with more jobs the work is in the worker processes, so only the wall time counts);

and the ratios: the worlds against the baseline (a world is its recalibration sample,
:data:`scoring.engine.risk.TRANSPORT_N` rows generated and scored by the cards and the tree,
plus its evaluation sample, so about 3 baselines per run at the defaults, times the worlds,
the shipped world and the scenarios), and jobs 1 against the others. The tables are checked
to be identical.
"""

from __future__ import annotations

import argparse
import time

from _timing import best_of

from scoring.analysis.compare import score_sample
from scoring.engine.populations import load_population
from scoring.engine.synth import generate_vignettes
from scoring.evaluate import DEFAULT_WORLDS_N, DEFAULT_WORLDS_SEED, evaluate_worlds, load_scenarios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=50)
    parser.add_argument("--rows", type=int, default=DEFAULT_WORLDS_N)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    population = load_population("community")

    def plain() -> None:
        frame = generate_vignettes(args.rows, DEFAULT_WORLDS_SEED, population=population)
        score_sample(frame, population=population, reference=False)

    plain()  # warm up: imports, the cards' compiled conditions, the tree
    baseline = best_of(plain)
    runs = 1 + args.worlds + len(load_scenarios())
    print(
        f"one generate + score of {args.rows:,} rows (cards and tree): {baseline:.2f} s; "
        f"{args.worlds} worlds + the shipped world + {runs - 1 - args.worlds} scenarios = {runs} runs"
    )
    tables = {}
    times = {}
    for jobs in args.jobs:
        wall, cpu = time.perf_counter(), time.process_time()
        tables[jobs] = evaluate_worlds(population, args.worlds, args.rows, jobs=jobs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        times[jobs] = wall
        where = "all the work" if jobs == 1 else "this process only; the work is in the workers"
        print(
            f"worlds, jobs={jobs}: {wall:.1f} s wall = {wall / baseline:.0f}x one generate + score "
            f"({wall / runs:.2f} s per run, {wall / runs / baseline:.1f}x); CPU {cpu:.1f} s ({where})"
        )
    if len(times) > 1:
        first, *others = args.jobs
        for jobs in others:
            same = all(
                table.to_csv(index=False) == tables[jobs].tables()[name].to_csv(index=False)
                for name, table in tables[first].tables().items()
            )
            print(f"jobs={first} / jobs={jobs}: {times[first] / times[jobs]:.2f}x; identical tables: {same}")


if __name__ == "__main__":
    main()
