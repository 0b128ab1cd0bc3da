"""Report pages in headless Chromium at a desktop and a phone width: labels never collide.

For every plotly figure on the index, every notebook page, the model card page and every case page, the test
collects the boxes of the figure's visible SVG text (tick labels, annotations, legend
entries, titles, menu labels) and fails if two of them overlap or one runs past the
figure's left or right edge (cut off). At the phone width it also
checks that the page does not scroll sideways and that figures fit the screen, and axe-core
audits every page for violations of any impact.

It also fails when an axis repeats a tick label (six ticks of "0.0%"), when a legend sits
far below its plot, and at the phone width when a table is wider than its box or a word
(in a badge, a link or a table cell) is split across two lines.

Screenshots of each page at both widths go to ``tests/artifacts/`` (git-ignored), so a
failure can be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.report import MODEL_CARD_PAGE, BuildResult

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDTHS = {"desktop": 1400, "phone": 390}
#: Boxes may touch or share this many pixels (anti-aliasing, rounding of font metrics).
TOLERANCE = 1.0

#: Per figure: its accessible name and the boxes of its visible, non-empty SVG texts.
_TEXT_BOXES = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map((graph, index) => {
  const frame = graph.getBoundingClientRect();
  const boxes = [];
  const cut = [];
  graph.querySelectorAll('.main-svg text').forEach(node => {
    const text = node.textContent.trim();
    if (!text) return;
    for (let e = node; e && e !== graph; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden' || parseFloat(style.opacity) === 0) return;
    }
    const r = node.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    boxes.push({text, left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    if (r.left < frame.left - 1 || r.right > frame.right + 1) cut.push(text);
  });
  const title = graph.layout && graph.layout.title && graph.layout.title.text;
  return {name: 'figure ' + (index + 1) + (title ? ' "' + title.replace(/<[^>]+>/g, ' ') + '"' : ''), boxes, cut};
})"""

#: Per figure and axis: tick labels that repeat (e.g. six ticks of "0.0%").
_REPEATED_TICKS = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).flatMap((graph, index) =>
  Array.from(graph.querySelectorAll('.xaxislayer-above, .yaxislayer-above')).flatMap(layer => {
    const texts = Array.from(layer.querySelectorAll('text')).map(t => t.textContent.trim()).filter(Boolean);
    const repeated = texts.filter((t, i) => texts.indexOf(t) !== i);
    return repeated.length ? ['figure ' + (index + 1) + ': ' + texts.join(' | ')] : [];
  }))"""

#: Per figure: a legend more than 70 px below the bottom of its plot's axis labels.
_LEGEND_GAPS = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).flatMap((graph, index) => {
  const legend = graph.querySelector('.legend');
  if (!legend) return [];
  const box = legend.getBoundingClientRect();
  const above = Array.from(graph.querySelectorAll('.xaxislayer-above text, .g-xtitle text, .g-x2title text'))
    .map(t => t.getBoundingClientRect()).filter(r => r.height > 0 && r.bottom <= box.top + 1);
  if (!above.length) return [];
  const gap = box.top - Math.max(...above.map(r => r.bottom));
  return gap > 70 ? ['figure ' + (index + 1) + ': ' + Math.round(gap) + ' px between the axis and its legend'] : [];
})"""

#: Words split across two lines inside badges, links and table cells; tables wider than their box.
_BROKEN_WORDS = r"""() => {
  const found = [];
  const nodes = document.querySelectorAll('main .recommendation, main a, main td, main th, main dd');
  for (const node of nodes) {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      // A line may break after a hyphen, a dash or a slash; anywhere else inside a word is a split.
      const re = /[^\s\-\u2013\u2014\/]+/g;
      let match;
      while ((match = re.exec(text.data)) && found.length < 20) {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1 && match[0].length < 25) found.push('word split: ' + match[0]);
      }
    }
  }
  document.querySelectorAll('main table').forEach(table => {
    const box = table.parentElement.getBoundingClientRect();
    if (table.getBoundingClientRect().width > Math.min(box.width, window.innerWidth) + 1)
      found.push('table wider than its box: ' + (table.caption ? table.caption.textContent : table.className));
  });
  return found;
}"""

#: Figures wider than the viewport (they should resize with it).
_WIDE_FIGURES = """() => Array.from(document.querySelectorAll('.plotly-graph-div'))
  .filter(g => g.getBoundingClientRect().width > window.innerWidth + 1)
  .map(g => (g.getAttribute('aria-label') || 'figure') + ': ' + Math.round(g.getBoundingClientRect().width) + ' px')"""


def _pages(site: BuildResult) -> list[Path]:
    return [site.index, *site.notebook_pages, site.out_dir / MODEL_CARD_PAGE, *site.case_pages]


def overlaps(boxes: list[dict], tolerance: float = TOLERANCE) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap by more than ``tolerance`` pixels both ways."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            width = min(a["right"], b["right"]) - max(a["left"], b["left"])
            height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if width > tolerance and height > tolerance:
                found.append((a["text"], b["text"]))
    return found


def test_overlaps_finds_crossing_boxes_only():
    box = {"text": "a", "left": 0, "top": 0, "right": 10, "bottom": 10}
    touching = {"text": "b", "left": 10.5, "top": 0, "right": 20, "bottom": 10}
    crossing = {"text": "c", "left": 5, "top": 5, "right": 15, "bottom": 15}
    assert overlaps([box, touching]) == []
    assert overlaps([box, crossing]) == [("a", "c")]


def _wait_for_figures(page) -> None:
    graphs = page.locator(".plotly-graph-div").count()
    if graphs:
        page.wait_for_function(
            f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {graphs}", timeout=20000
        )
    page.wait_for_timeout(300)  # responsive figures redraw once they know their width


def _check_page(page, path: Path, label: str, width: int) -> list[str]:
    """Every problem on one loaded page at one width, as lines naming page and figure."""
    from tests.browser import axe_violations, describe_violations

    problems = []
    for figure in page.evaluate(_TEXT_BOXES):
        for first, second in overlaps(figure["boxes"]):
            problems.append(f"{path.name} at {width}px, {figure['name']}: {first!r} overlaps {second!r}")
        problems += [f"{path.name} at {width}px, {figure['name']}: {text!r} is cut off" for text in figure["cut"]]
    scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    if scroll[0] > scroll[1] + 1:
        problems.append(f"{path.name} at {width}px: the page scrolls sideways ({scroll[0]} px wide)")
    problems += [f"{path.name} at {width}px: figure wider than the screen, {w}" for w in page.evaluate(_WIDE_FIGURES)]
    problems += [f"{path.name} at {width}px, repeated tick labels in {t}" for t in page.evaluate(_REPEATED_TICKS)]
    problems += [f"{path.name} at {width}px, {gap}" for gap in page.evaluate(_LEGEND_GAPS)]
    if width < 600:
        # A phone: tables reflow instead of scrolling, and no word breaks inside.
        problems += [f"{path.name} at {width}px: {what}" for what in page.evaluate(_BROKEN_WORDS)]
    violations = axe_violations(page)
    if violations:
        problems.append(f"{path.name} at {width}px, axe:\n" + describe_violations(violations))
    page.screenshot(path=str(ARTIFACTS / f"{path.parent.name}-{path.stem}-{label}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("label", list(WIDTHS))
def test_report_figures_have_no_colliding_labels_and_fit_the_screen(site, label):
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    ARTIFACTS.mkdir(exist_ok=True)
    width = WIDTHS[label]
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            for path in _pages(site):
                page.goto(path.resolve().as_uri())
                page.wait_for_load_state("load")
                _wait_for_figures(page)
                problems += _check_page(page, path, label, width)
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
