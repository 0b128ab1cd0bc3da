"""Shared helpers for browser tests: headless Chromium, an axe-core audit, a free port.

Used by the tests marked ``browser`` (the Voilà app, the HTML reports). They drive the
system Chromium (Debian's ``/usr/bin/chromium``) through playwright's Python sync API; we
never run ``playwright install``, which would download a browser.

A missing Chromium is a failure with a clear message, not a silent skip, so CI cannot pass
without running these tests. Set ``ZARO_SKIP_BROWSER=1`` to skip them on purpose.

Example
-------
>>> from playwright.sync_api import sync_playwright
>>> with sync_playwright() as playwright:                    # doctest: +SKIP
...     browser = launch_chromium(playwright)
...     page = browser.new_page()
...     page.goto("http://127.0.0.1:8866/")
...     assert not serious_violations(page, "main")
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

__all__ = [
    "CHROMIUM_ARGS",
    "chromium_path",
    "launch_chromium",
    "axe_violations",
    "serious_violations",
    "describe_violations",
    "free_port",
    "wait_for_http",
    "kernel_processes",
    "kernel_cpu_seconds",
]

#: Flags that keep headless Chromium quiet and offline-friendly in containers and CI.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str:
    """Return the path of the system Chromium, or fail (or skip) the calling test.

    ``ZARO_CHROMIUM`` overrides the path. ``ZARO_SKIP_BROWSER=1`` skips instead of failing.
    """
    if os.environ.get("ZARO_SKIP_BROWSER") == "1":
        pytest.skip("browser tests skipped: ZARO_SKIP_BROWSER=1")
    override = os.environ.get("ZARO_CHROMIUM")
    candidates = (override,) if override else _CANDIDATES
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found and not override:
        return found
    pytest.fail(
        "Chromium not found (looked for "
        + ", ".join(c for c in candidates if c)
        + "). Install it with 'apt-get install -y chromium', point ZARO_CHROMIUM at it, "
        "or set ZARO_SKIP_BROWSER=1 to skip browser tests.",
        pytrace=False,
    )


def launch_chromium(playwright, **kwargs):
    """Launch the system Chromium headless with the project's flags.

    Parameters
    ----------
    playwright : playwright.sync_api.Playwright
        The object ``sync_playwright()`` yields.
    **kwargs
        Passed on to ``playwright.chromium.launch``.

    Returns
    -------
    playwright.sync_api.Browser
    """
    return playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS), **kwargs)


def _axe_script() -> str:
    # axe-playwright-python ships axe-core's axe.min.js; reading it avoids any download.
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def axe_violations(page, context_selector: str | None = None) -> list[dict]:
    """Run axe-core in ``page`` and return its violations.

    Parameters
    ----------
    page : playwright.sync_api.Page
        A loaded page.
    context_selector : str, optional
        A CSS selector to audit only part of the page (e.g. the app's own content, when
        the surrounding chrome is not ours to fix). The whole document by default.

    Returns
    -------
    list of dict
        axe's violation objects: ``id``, ``impact``, ``help``, ``nodes`` (each with
        ``target`` and ``html``), ...
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=_axe_script())
    results = page.evaluate(
        "async (selector) => await window.axe.run(selector ? document.querySelector(selector)"
        " : document, {resultTypes: ['violations']})",
        context_selector,
    )
    return list(results["violations"])


def serious_violations(page, context_selector: str | None = None) -> list[dict]:
    """The violations axe rates ``serious`` or ``critical``, as :func:`axe_violations` returns."""
    return [v for v in axe_violations(page, context_selector) if v.get("impact") in ("serious", "critical")]


def describe_violations(violations: list[dict]) -> str:
    """One line per violation and node, for assertion messages."""
    lines = []
    for v in violations:
        for node in v.get("nodes", [])[:5]:
            lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {node.get('target')}")
    return "\n".join(lines)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60.0, process=None) -> None:
    """Wait until ``url`` answers an HTTP request, or fail.

    Parameters
    ----------
    url : str
    timeout : float
        Seconds to wait.
    process : subprocess.Popen, optional
        The server process: if it exits early, fail at once with its output.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"server exited with code {process.returncode} before {url} answered:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # it answered, even if not with 200
        except OSError as exc:
            last_error = exc
            time.sleep(0.25)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s (last error: {last_error})")


def kernel_processes(server_pid: int) -> list[int]:
    """Process ids of the Jupyter kernels the server ``server_pid`` started (read from /proc)."""
    kernels = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue  # the process ended while we looked
        if fields.get("PPid", "").strip() == str(server_pid) and b"ipykernel_launcher" in command:
            kernels.append(int(status.parent.name))
    return kernels


def kernel_cpu_seconds(server_pid: int) -> float:
    """CPU seconds the server's kernels have used so far (user + system)."""
    ticks = 0
    for pid in kernel_processes(server_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
