"""Timing helpers shared by the benchmark scripts (run them as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable


def best_of(function: Callable[[], object], repeat: int = 3) -> float:
    """Fastest wall time of ``repeat`` calls, in seconds: the run least disturbed by other work."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def timings(function: Callable[[], object], repeat: int = 200) -> tuple[float, float]:
    """(median, minimum) wall time in ms. The median is the figure to report; the minimum
    shows how much of it is the machine being busy."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def peak_mib(function: Callable[[], object]) -> float:
    """Peak memory traced by tracemalloc while ``function`` runs, in MiB (numpy buffers
    included; Arrow string buffers are invisible to it)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20
