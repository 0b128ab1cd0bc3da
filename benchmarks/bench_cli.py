"""How fast does the command line start and answer?

Run from the project root::

    python benchmarks/bench_cli.py              # 5 runs of each command
    python benchmarks/bench_cli.py --runs 9

Prints figures only; nothing here is a test (timings depend on the machine).

Each command runs in a fresh subprocess, as a user types it, and the median wall time of a
few runs is reported next to its ratio against ``python -c pass`` measured in the same run
(the ratio says how much the command adds to the interpreter's own start-up, whatever the
machine's speed):

1. ``python -c pass`` (the interpreter alone);
2. ``python -m scoring --help`` (target: under 0.3 s);
3. ``python -m scoring assess one.json`` (target: under 1 s);
4. ``python -m scoring explain one.json`` (target: under 1 s);
5. ``python -m scoring card``.

With ``--imports`` it also lists the slowest imports of each command
(``python -X importtime``), to see what a command loads that it does not need.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ONE_VIGNETTE = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "eyelid"}


def commands(vignette: Path) -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "zaro --help": [sys.executable, "-m", "scoring", "--help"],
        "zaro assess one.json": [sys.executable, "-m", "scoring", "assess", str(vignette)],
        "zaro explain one.json": [sys.executable, "-m", "scoring", "explain", str(vignette)],
        "zaro card": [sys.executable, "-m", "scoring", "card"],
    }


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs (after one warm-up run that fills the OS file cache)."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def slowest_imports(command: list[str], top: int = 8) -> list[tuple[float, str]]:
    """The top-level imports that took longest (cumulative ms), from ``python -X importtime``."""
    result = subprocess.run([command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True)
    found = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if not name.startswith("  ") and cumulative.strip().isdigit():  # top level only
            found.append((int(cumulative) / 1000, name.strip()))
    return sorted(found, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (the median is shown)")
    parser.add_argument("--imports", action="store_true", help="also list each command's slowest imports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        vignette = Path(folder) / "one.json"
        vignette.write_text(json.dumps(ONE_VIGNETTE))
        timed = {name: median_seconds(command, args.runs) for name, command in commands(vignette).items()}
        baseline = timed["python -c pass"]
        print(f"median of {args.runs} runs each, in fresh subprocesses")
        print(f"{'command':<24} {'seconds':>8} {'x python -c pass':>17}")
        for name, seconds in timed.items():
            print(f"{name:<24} {seconds:>8.3f} {seconds / baseline:>17.1f}")
        if args.imports:
            for name, command in commands(vignette).items():
                if name == "python -c pass":
                    continue
                print(f"\nslowest imports of {name} (cumulative ms):")
                for ms, module in slowest_imports(command):
                    print(f"  {ms:>8.1f}  {module}")


if __name__ == "__main__":
    main()
