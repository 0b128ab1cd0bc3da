"""Peak memory of one step, measured as process RSS in a fresh subprocess.

tracemalloc misses memory that Arrow and some numpy paths allocate outside Python's
allocator (pandas 3 keeps text in Arrow buffers), so the benchmarks measure the resident
set size instead. :func:`rss_growth` runs ``setup`` (imports, loading or generating the
input) and then ``step`` in a new Python process:

* after ``setup`` the memory the allocators hold free is handed back (``malloc_trim``,
  Arrow's ``release_unused``), so the step cannot reuse it unseen;
* then the process's current RSS is the baseline, and the kernel's peak
  ("high water mark", ``VmHWM``) is reset to it by writing ``5`` to
  ``/proc/self/clear_refs`` (Linux 4.0 and later), so a peak reached while the input was
  built does not hide the step's own;
* after ``step`` the peak is read back from ``VmHWM``; the growth is peak minus baseline.

Where the peak cannot be reset, the figure is ``ru_maxrss`` minus the baseline, which
under-reports a step that peaks below the set-up's peak; the result says which was used.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

_CHILD = textwrap.dedent(
    """
    import gc, json, resource, sys, time

    def status_kib(key):
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise KeyError(key)

    def give_back_free_memory():
        # Memory the set-up freed but the allocators kept would be reused by the step
        # without showing as growth: hand it back to the system before the baseline.
        gc.collect()
        if "pyarrow" in sys.modules:
            sys.modules["pyarrow"].default_memory_pool().release_unused()
        try:
            import ctypes
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass

    setup, step = sys.argv[1], sys.argv[2]
    namespace = {"__name__": "__rss_step__"}
    exec(compile(setup, "<setup>", "exec"), namespace)
    give_back_free_memory()
    baseline = status_kib("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        method = "VmHWM reset after set-up"
    except OSError:
        method = "ru_maxrss (peak not reset: a lower bound)"
    start = time.perf_counter()
    exec(compile(step, "<step>", "exec"), namespace)
    seconds = time.perf_counter() - start
    if method.startswith("VmHWM"):
        peak = status_kib("VmHWM")
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {"baseline_kib": baseline, "peak_kib": peak, "seconds": seconds, "method": method}
    report["input_bytes"] = namespace.get("input_bytes")
    print(json.dumps(report))
    """
)


@dataclass(frozen=True)
class RssGrowth:
    """What :func:`rss_growth` measured, in MiB (``input_mib`` is None when set-up gave no size)."""

    baseline_mib: float
    peak_mib: float
    seconds: float
    method: str
    input_mib: float | None

    @property
    def growth_mib(self) -> float:
        """Peak RSS during the step minus the RSS before it."""
        return max(self.peak_mib - self.baseline_mib, 0.0)

    @property
    def ratio(self) -> float | None:
        """Growth over the input's size, when set-up reported one."""
        return None if not self.input_mib else self.growth_mib / self.input_mib


def rss_growth(setup: str, step: str, *, cwd: Path | None = None) -> RssGrowth:
    """Run ``setup`` then ``step`` (Python source) in a fresh interpreter; measure the step's peak RSS.

    Parameters
    ----------
    setup : str
        Imports and the input. It may set ``input_bytes`` (e.g. a frame's
        ``memory_usage(deep=True).sum()``) to have the growth given as a ratio to it.
    step : str
        The code measured; it sees the names ``setup`` defined.
    cwd : Path, optional
        The child's working directory.

    Returns
    -------
    RssGrowth
    """
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, textwrap.dedent(setup), textwrap.dedent(step)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the measured step failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    size = report["input_bytes"]
    return RssGrowth(
        baseline_mib=report["baseline_kib"] / 1024,
        peak_mib=report["peak_kib"] / 1024,
        seconds=report["seconds"],
        method=report["method"],
        input_mib=None if size is None else size / 2**20,
    )
