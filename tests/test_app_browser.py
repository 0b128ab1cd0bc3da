"""The explorer app in a real browser: ``zaro app`` served by Voilà, driven by headless Chromium.

Checks what a visitor would notice: a preheated page is ready within seconds, the widgets
render, a red-flag answer turns the recommendation urgent, the controls work from the
keyboard alone, no request leaves the machine and axe-core finds no accessibility problem
at all. And what the person running it would notice: kernels of closed pages go away, a
request for another host name is refused, and Ctrl-C or SIGTERM stops everything.

Set ``ZARO_WRITE_SCREENSHOTS=1`` to also write the README screenshot ``docs/images/app.png``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import (
    axe_violations,
    describe_violations,
    free_port,
    kernel_cpu_seconds,
    kernel_processes,
    launch_chromium,
    wait_for_http,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
RENDER_TIMEOUT_MS = 120_000
UPDATE_TIMEOUT_MS = 30_000
RECOMMENDATION = ".zaro-recommendation"
POOL_SIZE = 2
# Short enough to watch kernels go, long enough not to cull a page a test is still using.
CULL_IDLE_TIMEOUT = 20
CULL_INTERVAL = 2
# CPU seconds a kernel needs at least to run the explorer notebook (about 6 on an idle machine).
WARM_CPU_SECONDS = 3.0


class Server:
    """A ``zaro app`` process and its log."""

    def __init__(self, process: subprocess.Popen, url: str, log_path: Path) -> None:
        self.process, self.url, self.log_path = process, url, log_path

    def kernels(self) -> list[int]:
        return kernel_processes(self.process.pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.5)
        pytest.fail(f"{what} within {timeout:.0f} s; kernels: {self.kernels()}\n{self.log()[-3000:]}")

    def wait_for_warm_pool(self, timeout: float = 300) -> None:
        """Wait until the preheated kernels exist and have run the notebook.

        A kernel that ran the notebook has used a few CPU seconds (imports, the first
        assessment) and then uses none: wait for that much, then for two quiet seconds. On a
        busy machine a starved kernel is quiet too, hence the minimum.
        """
        self.wait_until(lambda: len(self.kernels()) >= POOL_SIZE, timeout, f"{POOL_SIZE} preheated kernels")
        samples: list[float] = []

        def settled() -> bool:
            samples.append(kernel_cpu_seconds(self.process.pid))
            recent = samples[-5:]
            return len(recent) == 5 and recent[0] >= WARM_CPU_SECONDS * POOL_SIZE and recent[-1] - recent[0] < 0.1

        self.wait_until(settled, timeout, "the preheated kernels running the notebook")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"zaro app did not stop within {timeout:.0f} s of signal {sig}\n{self.log()[-3000:]}")


def _start(tmp_path: Path, *options: str) -> Server:
    port = free_port()
    log_path = tmp_path / "voila.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scoring", "app", "--port", str(port), "--no-browser", *options],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}/", log_path)
    try:
        wait_for_http(server.url, timeout=90, process=process)
    except BaseException:
        server.stop(signal.SIGTERM)
        raise
    return server


def _stop_if_running(server: Server) -> None:
    # SIGTERM, so that the server shuts its kernels down (SIGKILL would orphan them).
    if server.process.poll() is None:
        server.stop(signal.SIGTERM)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    options = ["--pool-size", str(POOL_SIZE), "--max-kernels", "9", "--cull-idle-timeout", str(CULL_IDLE_TIMEOUT)]
    server = _start(tmp_path_factory.mktemp("app"), *options, "--cull-interval", str(CULL_INTERVAL))
    yield server
    _stop_if_running(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def _visit(browser, url: str):
    """A new visitor (a new browser context): Voilà gives it a kernel of its own. Returns (context, page)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(f"{RECOMMENDATION}[data-recommendation]", timeout=RENDER_TIMEOUT_MS)
    return context, page


@pytest.fixture
def page(browser, server):
    context, page = _visit(browser, server.url)
    yield page
    context.close()


def _recommendation(page) -> str:
    return page.locator(RECOMMENDATION).first.get_attribute("data-recommendation")


def _wait_for_recommendation(page, value: str) -> None:
    page.wait_for_selector(f"{RECOMMENDATION}[data-recommendation='{value}']", timeout=UPDATE_TIMEOUT_MS)


def _waterfall_labels(page) -> list[str]:
    """The bar labels plotly drew in the browser (empty if the figure has no trace)."""
    return page.evaluate(
        "() => { const plot = document.querySelector('.js-plotly-plot');"
        " return plot && plot.data.length ? Array.from(plot.data[0].y) : []; }"
    )


def test_a_visitor_gets_a_preheated_kernel(browser, server, record_property):
    # Speed is for benchmarks; what this checks is the cause of it: the visitor's page runs on
    # a kernel that was started, and had run the notebook, before the visit.
    server.wait_for_warm_pool()
    context, page = _visit(browser, server.url)
    try:
        kernel = _kernel_id(page)
        started = time.perf_counter()
        page.get_by_label("Muscle wasting").check()
        _wait_for_recommendation(page, "urgent")
        record_property("seconds_to_first_answer", round(time.perf_counter() - started, 2))
    finally:
        context.close()
    # Voilà logs the hand-over of a pooled kernel; a kernel started for the visit has no such line.
    assert f"Using pre-heated kernel: {kernel}" in server.log(), f"kernel {kernel} was not taken from the pool"


def _is_local(url: str) -> bool:
    return url.startswith(("data:", "blob:")) or urlsplit(url).hostname in ("127.0.0.1", "localhost")


def test_no_request_leaves_the_machine(browser, server):
    context = browser.new_context()
    outside: list[str] = []
    # Every request the page or its workers make is recorded. (Routing them instead puts each
    # of Voilà's hundreds of local requests through playwright's driver, and on a busy
    # machine the page then takes minutes to render.)
    context.on("request", lambda request: None if _is_local(request.url) else outside.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: None if _is_local(socket.url) else outside.append(socket.url))
    try:
        page.goto(server.url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(f"{RECOMMENDATION}[data-recommendation]", timeout=RENDER_TIMEOUT_MS)
        page.get_by_label("Real weakness").check()
        _wait_for_recommendation(page, "see_doctor")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert not outside, f"requests off the machine: {outside}"


def test_red_flag_turns_the_app_urgent(page, tmp_path):
    assert _recommendation(page) != "urgent"
    # The waterfall must hold its bars in the browser, not only in the kernel. plotly.js
    # may still be drawing when the recommendation appears, so wait for the bars (a figure
    # whose data was lost never gets them, and the wait fails).
    page.wait_for_function(
        "() => { const plot = document.querySelector('.js-plotly-plot');"
        " return plot && plot.data.length && Array.from(plot.data[0].y).includes('Total'); }",
        timeout=UPDATE_TIMEOUT_MS,
    )
    assert "Total" in _waterfall_labels(page)
    page.get_by_label("Speech or swallowing trouble").check()
    _wait_for_recommendation(page, "urgent")
    assert "Urgent" in page.locator(RECOMMENDATION).first.inner_text()
    page.get_by_label("Real weakness").check()
    page.wait_for_function(
        "() => Array.from(document.querySelector('.js-plotly-plot').data[0].y)"
        ".some(label => label.startsWith('Real weakness'))",
        timeout=UPDATE_TIMEOUT_MS,
    )

    page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
    if os.environ.get("ZARO_WRITE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "images" / "app.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=False)


def _card_risk(page) -> str:
    """The default card's chance of a serious cause, as the risk table shows it."""
    return page.locator(".zaro-risks tr[data-model='card:default'] strong").first.inner_text()


def test_the_policy_and_the_population_change_what_a_visitor_sees(page):
    # Three weeks of calf and eyelid twitching and nothing else: the guideline refers, while the
    # risk policy reads a low chance of a serious cause for adults who notice twitching.
    page.get_by_label("Calf").check()
    page.get_by_label("Duration (weeks)").evaluate(
        "element => { element.value = 3; element.dispatchEvent(new Event('change')); }"
    )
    _wait_for_recommendation(page, "see_doctor")
    page.wait_for_selector(".zaro-policies[data-differ='true']", timeout=UPDATE_TIMEOUT_MS)
    assert page.locator(".zaro-policy[data-policy='risk']").get_attribute("data-recommendation") == "self_care"
    assert "The two policies differ" in page.locator(".zaro-policies-differ").inner_text()

    page.get_by_label("Risk-based").check()
    _wait_for_recommendation(page, "self_care")
    status = page.locator("[role='status']").first
    page.wait_for_function(
        "() => document.querySelector(\"[role='status']\").textContent.startsWith('Recommendation: Self-care.')",
        timeout=UPDATE_TIMEOUT_MS,
    )
    assert "would say See a doctor" in status.text_content()

    community = _card_risk(page)
    page.get_by_label("(enriched)").check()
    page.wait_for_function(
        "before => { const cell = document.querySelector(\".zaro-risks tr[data-model='card:default'] strong\");"
        " return cell && cell.textContent !== before; }",
        arg=community,
        timeout=UPDATE_TIMEOUT_MS,
    )
    assert _card_risk(page) != community


def test_keyboard_alone_reaches_and_toggles_a_checkbox(page):
    label = "Muscle wasting"
    checkbox = page.get_by_label(label)
    assert not checkbox.is_checked()
    for _ in range(150):
        page.keyboard.press("Tab")
        if checkbox.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail(f"Tab never reached the {label!r} checkbox")
    page.keyboard.press("Space")
    assert checkbox.is_checked()
    _wait_for_recommendation(page, "urgent")


#: Checkbox descriptions cut with an ellipsis (wider than their box).
_CUT_LABELS = """() => Array.from(document.querySelectorAll('.widget-checkbox .widget-label-basic span'))
  .filter(span => span.scrollWidth > span.clientWidth + 1).map(span => span.textContent)"""
#: Each radio group's role and accessible name.
_RADIO_GROUPS = """() => Array.from(document.querySelectorAll('.widget-radio-box')).map(box => {
  const label = document.getElementById(box.getAttribute('aria-labelledby') || '');
  return [box.getAttribute('role'), label ? label.textContent.trim() : ''];
})"""


def test_labels_read_in_full_radio_groups_are_named_and_the_log_is_quiet(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(f"{RECOMMENDATION}[data-recommendation]", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_function("document.querySelectorAll('.widget-radio-box[role=radiogroup]').length > 0")
        assert page.evaluate(_CUT_LABELS) == []
        assert page.get_by_text("Sudden weakness, numbness or facial droop").first.is_visible()
        groups = page.evaluate(_RADIO_GROUPS)
        assert groups and all(role == "radiogroup" and name for role, name in groups), groups
        assert "is not trusted" not in server.log()
    finally:
        context.close()


def test_the_app_sits_in_a_main_landmark_and_axe_finds_nothing(page):
    assert page.locator("main .zaro-recommendation").count() >= 1
    violations = axe_violations(page)  # every impact level, Voilà's own chrome included
    assert not violations, describe_violations(violations)


def test_a_request_for_another_host_name_is_refused(server):
    # DNS rebinding: a page elsewhere whose name now points at 127.0.0.1 sends its own Host.
    request = urllib.request.Request(server.url, headers={"Host": "rebound.example.com"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def _kernel_id(page) -> str:
    """The id of the kernel Voilà gave this page."""
    return page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")


def _kernel_exists(server: Server, kernel_id: str) -> bool:
    try:
        with urllib.request.urlopen(f"{server.url}api/kernels/{kernel_id}", timeout=10):
            return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise


def test_kernels_of_five_closed_sessions_go(browser, server):
    visits, kernel_ids = [], []
    for _ in range(5):
        context, page = _visit(browser, server.url)
        visits.append(context)
        kernel_ids.append(_kernel_id(page))
        assert _kernel_exists(server, kernel_ids[-1])
    assert len(set(kernel_ids)) == 5, f"each visitor has a kernel of their own: {kernel_ids}"
    for context in visits:
        context.close()
    timeout = CULL_IDLE_TIMEOUT + 4 * CULL_INTERVAL + 60

    def all_gone() -> bool:
        return not any(_kernel_exists(server, kernel_id) for kernel_id in kernel_ids)

    server.wait_until(all_gone, timeout, "the five visitors' kernels gone")
    server.wait_until(lambda: len(server.kernels()) <= POOL_SIZE, 60, "only the preheated kernels left")


@pytest.mark.parametrize("label", ["desktop", "phone"])
def test_app_figures_have_no_colliding_labels_and_fit_the_screen(browser, server, label):
    # The same check as the report pages' (tests/test_figures_browser.py), on the live app.
    from test_figures_browser import _TEXT_BOXES, ARTIFACTS, WIDTHS, overlaps

    width = WIDTHS[label]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="domcontentloaded", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(f"{RECOMMENDATION}[data-recommendation]", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_function(
            "() => { const plot = document.querySelector('.js-plotly-plot');"
            " return plot && plot.data && plot.data.length; }",
            timeout=UPDATE_TIMEOUT_MS,
        )
        page.wait_for_timeout(500)  # a responsive figure redraws once it knows its width
        problems = []
        figures = page.evaluate(_TEXT_BOXES.replace(".plotly-graph-div", ".js-plotly-plot"))
        assert any(figure["boxes"] for figure in figures), "no figure text found to check"
        for figure in figures:
            problems += [f"{figure['name']}: {a!r} overlaps {b!r}" for a, b in overlaps(figure["boxes"])]
            problems += [f"{figure['name']}: {text!r} is cut off" for text in figure["cut"]]
        scroll_width, inner_width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width + 1:
            problems.append(f"the app scrolls sideways at {width}px ({scroll_width} px wide)")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"app-{label}.png"), full_page=True)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_sigterm_stops_the_server_and_its_kernels(server):
    kernels = server.kernels()
    assert kernels
    assert server.stop(signal.SIGTERM) == 0
    assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists()], "kernels outlived the server"


def test_ctrl_c_stops_the_server_and_its_kernels(tmp_path):
    server = _start(tmp_path, "--pool-size", "1", "--max-kernels", "2")
    try:
        server.wait_until(lambda: len(server.kernels()) >= 1, 120, "the preheated kernel")
        kernels = server.kernels()
        assert server.stop(signal.SIGINT) == 0
        assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists()], "kernels outlived the server"
    finally:
        _stop_if_running(server)
