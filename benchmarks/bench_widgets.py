"""How long the explorer takes to react to one change, without a browser.

One "change" is what a visitor does with one control: tick a box, move a slider, pick a
category, load an example. Setting a control's value runs the whole update synchronously
(assess, counterfactuals, HTML, the in-place figure update), so timing the assignment
times everything the kernel does before it answers the browser. Network and browser
rendering come on top and are not measured here.

Run: ``python benchmarks/bench_widgets.py [--rounds 40] [--baseline DIR]``. Target: median
well under 100 ms. ``--baseline DIR`` also times the explorer of another checkout (e.g. the
last release unpacked with ``git archive``) in a subprocess of the same run, right after this
one, so the two medians share the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from scoring.widgets import Explorer, presets


def _changes(explorer: Explorer):
    """A cycle of typical edits, each returned as a zero-argument callable."""
    controls = explorer.controls

    def flip(name):
        return lambda: setattr(controls[name], "value", not controls[name].value)

    def set_value(name, value):
        return lambda: setattr(controls[name], "value", value)

    return [
        ("tick weakness", flip("weakness")),
        ("untick weakness", flip("weakness")),
        ("tick speech/swallowing", flip("bulbar")),
        ("untick speech/swallowing", flip("bulbar")),
        ("duration 6 weeks", set_value("duration_weeks", 6.0)),
        ("duration 1 week", set_value("duration_weeks", 1.0)),
        ("caffeine 600 mg", set_value("caffeine_mg_per_day", 600.0)),
        ("caffeine 0 mg", set_value("caffeine_mg_per_day", 0.0)),
        ("age 58", set_value("age", 58)),
        ("age 29", set_value("age", 29)),
        ("frequency constant", set_value("frequency", "constant")),
        ("frequency daily", set_value("frequency", "daily")),
        ("add calf", set_value("locations", ("eyelid", "calf"))),
        ("eyelid only", set_value("locations", ("eyelid",))),
        *[(f"preset {key}", (lambda key=key: explorer.apply_preset(key))) for key in presets()],
        ("reset", explorer.reset),
    ]


def measure(rounds: int, counterfactuals: bool) -> list[float]:
    explorer = Explorer(counterfactuals=counterfactuals)
    changes = _changes(explorer)
    for _, change in changes:  # warm caches (card, tree, plotly validators)
        change()
    timings = []
    for _ in range(rounds):
        for _, change in changes:
            started = time.perf_counter()
            change()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _summary(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"{label:<32} n={len(timings):4d}  median {statistics.median(timings):6.1f} ms  "
        f"p95 {p95:6.1f} ms  max {ordered[-1]:6.1f} ms"
    )


def _baseline(directory: str, rounds: int) -> dict[str, float]:
    """Medians of the same measurement with the package of another checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(directory)}
    output = subprocess.run(
        [sys.executable, __file__, "--rounds", str(rounds), "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--baseline", metavar="DIR", help="a checkout whose explorer to time in the same run")
    parser.add_argument("--json", action="store_true", help="print only the medians, as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    Explorer()
    first = (time.perf_counter() - started) * 1000
    with_counterfactuals = measure(args.rounds, counterfactuals=True)
    without = measure(args.rounds, counterfactuals=False)
    medians = {"update": statistics.median(with_counterfactuals), "without": statistics.median(without)}
    if args.json:
        print(json.dumps(medians))
        return
    print(f"first Explorer() (imports, card, tree, widgets): {first:.0f} ms")
    print(_summary("update per change", with_counterfactuals))
    print(_summary("... without counterfactuals", without))
    if args.baseline:
        base = _baseline(args.baseline, args.rounds)
        for key, label in (("update", "update per change"), ("without", "... without counterfactuals")):
            ratio = medians[key] / base[key]
            print(
                f"{label:<32} median {medians[key]:6.1f} ms against {base[key]:6.1f} ms in the baseline ({ratio:.2f}x)"
            )


if __name__ == "__main__":
    main()
