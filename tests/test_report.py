"""Tests for the HTML reports (scoring/report.py and its helpers).

The full site is built once per test session (``site``, in conftest.py); the reproducibility test builds it
a second time and compares every byte. Tests that only need case pages build without
notebooks (an empty notebooks folder), which takes about a second.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from scoring import NOTICE, __version__
from scoring.report import (
    MODEL_CARD_PAGE,
    BuildResult,
    ReportError,
    build_reports,
    example_cases,
    find_notebooks,
    load_case,
    readable_risk_table,
    readable_tree_params,
    render_case,
    write_case_report,
)
from scoring.report import _assets as A
from scoring.report import _html as H
from scoring.report._notebooks import inject_parameters

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def no_notebooks(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("no-notebooks")


@pytest.fixture(scope="session")
def hostile_card(tmp_path_factory) -> Path:
    """The default card with hostile text in its first item's label and first red flag's label."""
    text = (ROOT / "scoring" / "cards" / "default.toml").read_text(encoding="utf-8")
    labels = re.findall(r'^label\s*=\s*"([^"]*)"', text, flags=re.MULTILINE)
    assert labels, "the default card has no labels to replace"
    hostile = SCRIPT + IMG.replace('"', '\\"')
    for label in labels[:1] + labels[-1:]:
        text = text.replace(f'label = "{label}"', f'label = "{hostile}"', 1)
    path = tmp_path_factory.mktemp("card") / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def hostile_case_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    # A file name can hold the attribute-breaking payload (it has no '/').
    path = folder / f"{IMG}.json"
    path.write_text(
        json.dumps(
            {
                "vignette_id": SCRIPT,
                "narrative": f"{SCRIPT} then {IMG}",
                "title": f"{IMG} {SCRIPT}",
                "age": 44,
                "duration_weeks": 3,
                "frequency": "daily",
                "severity": "minor",
                "locations": ["calf"],
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory, hostile_case_file, no_notebooks) -> BuildResult:
    """A site with only the hostile case (no notebooks)."""
    return build_reports(
        tmp_path_factory.mktemp("hostile-site") / "reports",
        progress=False,
        cases=[hostile_case_file],
        notebooks_dir=no_notebooks,
    )


def _pages(result: BuildResult) -> list[Path]:
    return sorted(result.out_dir.rglob("*.html"))


class _Links(HTMLParser):
    """Collects (tag, attribute, value, has_text) for every src/href, and inline text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []
        self.anchor_text: dict[int, str] = {}
        self.lang = None
        self.title = ""
        self._in_title = False
        self.headings: list[int] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "title":
            self._in_title = True
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        for name in ("src", "href", "action", "poster", "data"):
            if attrs.get(name):
                self.refs.append((tag, name, attrs[name]))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# --------------------------------------------------------------------------------------
# The built site
# --------------------------------------------------------------------------------------


def test_site_has_index_notebooks_cases_and_one_plotly_asset(site):
    assert site.index.is_file()
    assert len(site.case_pages) == len(example_cases()) == 5
    assert all(p.is_file() for p in site.case_pages + site.notebook_pages)
    assert len(site.notebook_pages) == len(find_notebooks())
    assets = sorted((site.out_dir / "assets").iterdir())
    assert [a.name for a in assets] == [A.plotly_asset_name()]
    manifest = json.loads((site.out_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = set(manifest["files"])
    on_disk = {p.relative_to(site.out_dir).as_posix() for p in site.out_dir.rglob("*") if p.is_file()}
    assert on_disk - listed == {"manifest.json"}


def test_building_twice_gives_identical_bytes(site, tmp_path):
    again = build_reports(tmp_path / "reports", progress=False)
    first = {p.relative_to(site.out_dir).as_posix(): p.read_bytes() for p in site.out_dir.rglob("*") if p.is_file()}
    second = {p.relative_to(again.out_dir).as_posix(): p.read_bytes() for p in again.out_dir.rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert not different, f"pages differ between builds: {different}"


def test_every_page_has_language_title_notice_and_provenance(site):
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        parsed = _parse(page)
        assert parsed.lang == "en", page
        assert parsed.title.strip(), page
        assert html.escape(NOTICE, quote=False) in text, page
        assert f"zaro {__version__}" in text and "seed 7" in text, page
        assert "card: default" in text, page
        assert parsed.headings and parsed.headings[0] == 1, f"{page}: first heading is not h1"


def test_no_page_loads_anything_from_the_network(site):
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        for tag, attribute, value in _parse(page).refs:
            remote = re.match(r"^\s*(https?:)?//", value, flags=re.IGNORECASE)
            # A visible <a href> to a web page is a link a reader may follow, not a load.
            assert not remote or tag == "a", f"{page.name}: <{tag} {attribute}={value!r}> loads from the network"
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, flags=re.IGNORECASE), page
        assert not re.search(r"@import\s+['\"]?(url\()?\s*['\"]?(https?:)?//", text), page
        assert not re.search(r"import\s*\(?\s*['\"]https?://", text), page


def test_relative_links_all_resolve(site):
    for page in _pages(site):
        for tag, attribute, value in _parse(page).refs:
            if re.match(r"^(https?:|mailto:|#|data:|javascript:)", value):
                continue
            target = (page.parent / value.split("#")[0]).resolve()
            assert target.exists(), f"{page.name}: <{tag} {attribute}={value!r}> points at nothing"


def test_pages_share_the_local_plotly_and_never_inline_it(site):
    asset = f"../assets/{A.plotly_asset_name()}"
    for page in site.case_pages + site.notebook_pages:
        text = page.read_text(encoding="utf-8")
        assert f'src="{asset}"' in text, page
        assert "plotly.js v" not in text, f"{page.name} inlines plotly.js"
        assert len(text.encode()) < 1_500_000, f"{page.name} is {len(text.encode())} bytes"


def test_figures_have_text_alternatives(site):
    for page in site.case_pages + site.notebook_pages:
        text = page.read_text(encoding="utf-8")
        graphs = re.findall(r'<div id="[^"]+" class="plotly-graph-div"[^>]*>', text)
        assert all('aria-label="Interactive chart' in g and 'role="figure"' in g for g in graphs), page
        assert text.count("<figure>") == text.count("<figcaption>"), page
    case = site.case_pages[0].read_text(encoding="utf-8")
    assert case.count("plotly-graph-div") >= 4  # waterfall, tree, sweep, what-if menu


def test_case_page_has_the_calculator_sections(site):
    text = (site.out_dir / "cases" / "red-flag-weakness.html").read_text(encoding="utf-8")
    for heading in (
        "Inputs",
        "Risk and policies",
        "Points card",
        "Decision tree",
        "Card and tree",
        "What would change the recommendation",
        "Sensitivity:",
        "Advice",
    ):
        assert f">{heading}" in text, heading
    assert "Urgent assessment" in text and "Yes: urgent" in text
    assert "updatemenus" in text  # the what-if menu over precomputed sweeps


def test_index_summarises_data_card_tree_and_links_everything(site):
    text = site.index.read_text(encoding="utf-8")
    assert "5000 synthetic vignettes" in text and "Seed" in text and "Generator" in text
    assert "Card “default”" in text and "Red flags" in text and "depth" in text
    assert "AUC (95% CI)" in text and "Sensitivity" in text and "fresh synthetic vignettes" in text
    for page in site.case_pages + site.notebook_pages:
        assert f'href="{page.relative_to(site.out_dir).as_posix()}"' in text


def _visible(path: Path) -> str:
    return H.visible_text(path.read_text(encoding="utf-8"))


def _label(population: str) -> str:
    """A population's label as it reads inside a sentence."""
    from scoring.engine.populations import load_population

    label = load_population(population).label
    return label[:1].lower() + label[1:]


# --------------------------------------------------------------------------------------
# Risks and policies on the case pages and the index
# --------------------------------------------------------------------------------------

#: Three weeks of calf and eyelid twitching at 30 and nothing else: the guideline refers
#: (more than 2 weeks, more than one place); the risk policy, reading the card's low chance
#: of a serious cause for adults who notice twitching, says self-care.
PERSISTENT_FIELDS = {
    "age": 30,
    "duration_weeks": 3,
    "frequency": "daily",
    "severity": "minor",
    "locations": ["eyelid", "calf"],
}
PERSISTENT_TWITCH = {
    "vignette_id": "persistent-twitch",
    "title": "Three weeks of calf and eyelid twitching",
    **PERSISTENT_FIELDS,
}


@pytest.fixture(scope="module")
def persistent_page() -> str:
    return render_case(PERSISTENT_TWITCH, plotlyjs="plotly.min.js")


def test_a_case_page_states_each_models_risk_for_its_population(persistent_page):
    from scoring.assessment import assess
    from scoring.engine.calibration import risk_table
    from scoring.engine.card import load_card
    from scoring.wording import risk_percent

    text = H.visible_text(persistent_page)
    assessment = assess(PERSISTENT_FIELDS)
    assert f"Chance of a serious cause, for {_label('community')}" in text
    card_row = re.search(r"<tr data-model='card:default'>(.*?)</tr>", persistent_page).group(1)
    assert f"<strong>{risk_percent(assessment.risk.probability)}</strong>" in card_row
    assert html.escape(assessment.risk.population_label, quote=True) in card_row
    assert "data-model='tree'" in persistent_page
    # The headline carries the chance once, with its population and where it comes from: the card's
    # risk table at the total, in the person's age band (30: 18–39), as the table's column gives it.
    table = risk_table(load_card("default"), population="community")
    in_band = table.attrs["risk_by_age_band"]["18–39"][list(table.index).index(assessment.points_total)]
    assert risk_percent(in_band) == risk_percent(assessment.risk.probability)
    assert (
        f"{risk_percent(in_band)} chance of a serious cause in {_label('community')} (default card 2.0): "
        f"the card's risk table at {assessment.points_total} points, ages 18–39." in text
    )


def test_a_case_page_shows_both_policies_side_by_side_and_why_they_differ(persistent_page):
    from scoring.engine.policies import load_policy

    text = H.visible_text(persistent_page)
    nhs = load_policy("nhs").label  # the default policy, named as the page names it ("NHS advice ...")
    assert nhs.startswith("NHS advice")
    assert "data-policy='nhs' data-recommendation='see_doctor'" in persistent_page
    assert "data-policy='risk' data-recommendation='self_care'" in persistent_page
    assert "The two policies differ: NHS advice says See a doctor, the risk-based policy says Self-care." in text
    assert "Why: NHS advice refers anyone with one of its reasons to see a doctor, whatever the risk" in text
    assert f"{nhs} (what you are told)" in text
    # The policy keeps its capitals inside the sentence ("the NHS advice", never "the nHS advice").
    assert f"Recommendation: See a doctor (from the {nhs} policy)" in text
    assert "nHS" not in text


def test_a_case_page_shows_each_items_likelihood_ratio_next_to_its_points(persistent_page):
    from scoring.assessment import assess
    from scoring.wording import likelihood_ratio_text

    items = assess(PERSISTENT_FIELDS, tree=None).card.items
    assert items
    assert '<abbr title="likelihood ratio">LR</abbr>' in persistent_page
    for item in items:
        # The points cell, then the LR cell beside it (each labelled for the phone layout).
        cells = (
            rf'<td class="num"[^>]*>{re.escape(f"{item.points:+d}")}</td>'
            rf'<td class="num"[^>]*>{re.escape(likelihood_ratio_text(item.likelihood_ratio))}</td>'
        )
        assert re.search(cells, persistent_page), item.label


@pytest.fixture(scope="module")
def policy_site(tmp_path_factory) -> BuildResult:
    red_flag = next(c for c in example_cases() if c.case_id == "red-flag-weakness")
    empty = tmp_path_factory.mktemp("no-notebooks-policies")
    return build_reports(
        tmp_path_factory.mktemp("policy-site") / "reports",
        progress=False,
        cases=[PERSISTENT_TWITCH, red_flag],
        notebooks_dir=empty,
    )


def test_the_index_lists_each_case_with_its_risk_and_both_policies(policy_site):
    from scoring.assessment import assess
    from scoring.wording import risk_percent

    page = policy_site.index.read_text(encoding="utf-8")
    rows = re.findall(r"<tr><th scope=\"row\"[^>]*><a href=\"cases/([^\"]+)\.html\">.*?</tr>", page, flags=re.S)
    assert rows == ["persistent-twitch", "red-flag-weakness"]
    # The guideline column is named after the default policy, as the case pages name it.
    assert '<th scope="col">NHS advice</th>' in page and '<th scope="col">Guideline</th>' not in page
    twitch = re.search(r'<a href="cases/persistent-twitch\.html">.*?</tr>', page, flags=re.S).group(0)
    assert twitch.count("rec-see_doctor") == 2 and twitch.count("rec-self_care") == 1  # guideline, told; risk
    assert "<strong>differs</strong>" in twitch
    # The chance is the person's age band's (30: 18–39), and the row says so.
    assessment = assess(PERSISTENT_FIELDS)
    assert re.search(rf'<td class="num"[^>]*>{re.escape(risk_percent(assessment.risk.probability))}</td>', twitch)
    assert "Adults who notice twitching, aged 18–39" in twitch
    flag = re.search(r'<a href="cases/red-flag-weakness\.html">.*?</tr>', page, flags=re.S).group(0)
    assert flag.count("rec-urgent") == 3 and "differs" not in flag
    text = _visible(policy_site.index)
    assert f"{_label('community')[:1].upper()}{_label('community')[1:]}" in text


def test_the_index_shows_the_cards_likelihood_ratios_and_the_policies_thresholds(policy_site):
    from scoring.engine.card import load_card
    from scoring.engine.policies import load_policy
    from scoring.wording import likelihood_ratio_text, risk_percent

    text = _visible(policy_site.index)
    card = load_card()
    for item in card.items:
        assert f"{item.label} {item.points:+d} {likelihood_ratio_text(card.likelihood_ratio(item.item_id))}" in text
    assert "Recommendation policies" in text and "(the default: what a person is told)" in text
    for threshold in load_policy("risk").thresholds:
        assert (
            f"{risk_percent(threshold.at_least)} {threshold.recommendation.label} {threshold.harm_to_benefit}" in text
        )


def test_every_page_of_a_small_site_shows_the_notice_once(policy_site):
    notice = " ".join(NOTICE.split())
    for page in _pages(policy_site):
        assert _visible(page).count(notice) == 1, page.name


def test_every_page_shows_the_notice_exactly_once(site):
    notice = " ".join(NOTICE.split())
    for page in _pages(site):
        assert _visible(page).count(notice) == 1, f"{page.name}: the notice is not shown exactly once"


def test_leaves_say_their_risk_where_it_holds_and_how_many_vignettes_it_rests_on(site):
    index, rules = _visible(site.index), _visible(site.out_dir / "notebooks" / "decision-tree.html")
    leaf_risk = r"P\(serious cause\) = [\d.]+% in the learning mix \([\d,]+ training vignettes\)"
    for text in (index, rules):
        assert re.search(leaf_risk, text)
        assert not re.search(r"\d+% (self_care|see_doctor|urgent)\b", text), "a raw, unlabelled leaf share"
        assert "class-weighted" not in text
    # The same leaf reads the same on the index and on the tree's page.
    from scoring.engine.tree import default_tree
    from scoring.report._tables import tree_leaves

    for leaf in tree_leaves(default_tree()):
        assert f"{leaf['conditions']} {leaf['risk']} {leaf['label']}" in index
        assert f"{leaf['conditions']} {leaf['risk']} {leaf['label']}" in rules
    case = _visible(site.out_dir / "cases" / "everyday-triggers.html")
    assert re.search(leaf_risk, case) and "class-weighted" not in case


def test_notebook_tables_are_formatted_for_people(site):
    pages = {p.stem: _visible(p) for p in site.notebook_pages}
    card, tree, compare = pages["points-card"], pages["decision-tree"], pages["card-vs-tree"]
    assert "NaN" not in card and not re.search(r"\b0\.\d{6}\b", card), "a raw float or NaN on the card page"
    assert "—: no vignette in the calibration sample had this total" in card
    assert "Risk of a serious cause: Adults who notice twitching" in card
    assert "needing review" not in card
    assert "{'ccp_alpha'" not in tree and "'class_weight'" not in tree, "a raw dict on the tree page"
    assert "Pruning strength (ccp_alpha)" in tree and "Log loss (lower is better)" in tree
    assert not re.search(r"\b0\.\d{6}\b", compare)


def test_index_and_comparison_notebook_show_one_comparison(site):
    # The build computes the comparison once and the notebook reads it back: same numbers.
    index = _visible(site.index)
    row = re.search(r"Expert card \d\.\d{3} \(\d\.\d{3} to \d\.\d{3}\)", index).group(0)
    for page in ("card-vs-tree", "risk-models"):
        assert row in _visible(site.out_dir / "notebooks" / f"{page}.html"), page


# --------------------------------------------------------------------------------------
# Escaping hostile input
# --------------------------------------------------------------------------------------


def _assert_inert(text: str) -> None:
    assert SCRIPT not in text
    assert "<img src=x" not in text
    assert "onerror=alert(1)>" not in text.replace("onerror=alert(1)&gt;", "")
    assert html.escape(SCRIPT) in text or "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_index_links_the_model_card_and_the_evaluation_page(site):
    index = site.index.read_text(encoding="utf-8")
    assert f'href="{MODEL_CARD_PAGE}"' in index and 'href="notebooks/evaluation.html"' in index
    card = _visible(site.out_dir / MODEL_CARD_PAGE)
    record = json.loads((site.out_dir / "evaluation" / "evaluation.json").read_text(encoding="utf-8"))
    for label in record["models"].values():
        assert re.search(re.escape(label) + r" \d\.\d{3} \(\d\.\d{3} to \d\.\d{3}\)", card), label
    for heading in ("Intended use", "Out-of-scope use", "Subgroups", "Sensitivity to assumptions", "TRIPOD+AI"):
        assert heading in card, heading
    # The evaluation page reads the build's evaluation: the same AUC as the model card.
    auc = re.search(r"Expert card (\d\.\d{3} \(\d\.\d{3} to \d\.\d{3}\))", card).group(1)
    assert auc in _visible(site.out_dir / "notebooks" / "evaluation.html")


def test_case_page_escapes_ids_narratives_file_names_and_card_labels(hostile_case_file, hostile_card):
    case = load_case(hostile_case_file)
    assert case.source_name == hostile_case_file.name
    text = render_case(case, card=hostile_card, plotlyjs="plotly.min.js")
    _assert_inert(text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text  # the narrative and file name, as text
    # Figures carry the labels inside JSON, where plotly escapes '<' and '/'.
    assert "</script><script>" not in text


def test_hostile_site_index_and_file_names_are_safe(hostile_site):
    names = [p.name for p in hostile_site.case_pages]
    # The id is not a slug, so its page name is its slug plus a short hash of the id.
    assert names == [f"{H.file_stem(SCRIPT)}.html"]
    assert re.fullmatch(r"script-alert-1-script-[0-9a-f]{8}\.html", names[0])
    for page in _pages(hostile_site):
        text = page.read_text(encoding="utf-8")
        if page.name == MODEL_CARD_PAGE:  # it names no case, so there is nothing hostile to show
            assert SCRIPT not in text
            continue
        _assert_inert(text)


def test_slugify_keeps_only_safe_characters():
    assert H.slugify(SCRIPT) == "script-alert-1-script"
    assert H.slugify("../../etc/passwd") == "etc-passwd"
    assert H.slugify("???") == "case"


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


def test_stabilise_ids_renumbers_in_order_of_first_appearance():
    a, b = "9f1c2b7e-0d4a-4c1b-9a3e-2f6b7c8d9e0f", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    model = "4f1e2d3c4b5a69788796a5b4c3d2e1f0"
    page = (
        f'<div id="{b}"></div><script>Plotly.newPlot("{b}")</script><div id="{a}"></div>'
        f'<script type="application/vnd.jupyter.widget-view+json">{{"model_id": "{model}"}}</script>'
        f"<p>IPY_MODEL_{model}</p>"
    )
    out = H.stabilise_ids(page)
    assert a not in out and b not in out and model not in out
    assert out.count("00000000-0000-4000-8000-000000000001") == 2  # b came first, both uses
    assert "00000000-0000-4000-8000-000000000002" in out
    assert f'"model_id": "{1:032x}"' in out and f"IPY_MODEL_{1:032x}" in out
    assert H.stabilise_ids(out) == out


def test_strip_remote_resources_removes_cdn_scripts_and_links():
    page = (
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/3.2.2/es5/tex-svg.min.js"></script>'
        '<script type="module">import "https://cdn.plot.ly/plotly-3.0.1.min"</script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        '<script src="../assets/plotly.min.js"></script><a href="https://example.org">a link</a>'
    )
    out, removed = H.strip_remote_resources(page)
    assert len(removed) == 3
    assert out == '<script src="../assets/plotly.min.js"></script><a href="https://example.org">a link</a>'


def test_label_figures_uses_the_figure_title():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["a"], y=[1]), layout_title_text="Points <b>by</b> item")
    out = H.label_figures(fig.to_html(full_html=False, include_plotlyjs=False, div_id="fig-x"))
    assert 'role="figure" aria-label="Interactive chart: Points by item"' in out


def test_inject_parameters_follows_the_parameters_cell():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# T"),
            nbformat.v4.new_code_cell("interactive = True"),
            nbformat.v4.new_code_cell("x"),
        ]
    )
    nb.cells[1].metadata["tags"] = ["parameters"]
    inject_parameters(nb, {"interactive": False})
    assert nb.cells[2].source == "# Parameters\ninteractive = False"
    assert nb.cells[2].metadata["tags"] == ["injected-parameters"]
    assert nb.cells[2].id == "injected-parameters"


def test_find_notebooks_reads_in_report_order(tmp_path):
    for name in ("zeta", "what_if", "points_card", "card_vs_tree", "risk_models"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / f"{name}.ipynb")
    assert [p.stem for p in find_notebooks(tmp_path)] == [
        "points_card",
        "risk_models",
        "card_vs_tree",
        "what_if",
        "zeta",
    ]
    with pytest.raises(ReportError, match="not found"):
        find_notebooks(tmp_path / "missing")


def test_a_failing_notebook_is_named_in_the_error(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom from the notebook')")])
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(ReportError, match=r"(?s)broken\.ipynb.*boom from the notebook"):
        build_reports(tmp_path / "out", progress=False, cases=[], notebooks_dir=tmp_path)


def test_rebuild_removes_its_own_stale_files_and_keeps_others(tmp_path, no_notebooks):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    cases = example_cases()
    build_reports(out, progress=False, cases=cases[:2], notebooks_dir=no_notebooks)
    assert (out / "cases" / f"{cases[1].slug}.html").is_file()
    result = build_reports(out, progress=False, cases=cases[:1], notebooks_dir=no_notebooks)
    assert not (out / "cases" / f"{cases[1].slug}.html").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert any("no notebooks" in w for w in result.warnings)
    assert "No notebooks were found" in result.index.read_text(encoding="utf-8")


def test_render_case_alone_inlines_plotly_so_the_page_stands_alone():
    text = render_case(example_cases()[0])
    assert "plotly.js v" in text and "../assets/" not in text
    assert 'href="../index.html"' not in text


def test_the_comparison_is_computed_once_and_handed_to_the_notebooks(tmp_path, monkeypatch):
    import scoring.analysis.compare as compare

    calls = []
    real = compare.draw_sample
    monkeypatch.setattr(compare, "draw_sample", lambda *a, **k: calls.append(k) or real(*a, **k))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("comparison_file = None"),
            nbformat.v4.new_code_cell(
                "from scoring.analysis.compare import load_comparison\n"
                "saved = load_comparison(comparison_file)\n"
                "print(f'read back: {saved.n} vignettes, AUC {saved.models.auc.iloc[0]:.3f}')"
            ),
        ]
    )
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, folder / "reads_it.ipynb")
    result = build_reports(tmp_path / "out", progress=False, cases=[], notebooks_dir=folder)
    assert len(calls) == 1  # in the builder, for the comparison and the evaluation; the notebook reads the file
    auc = re.search(r"Expert card (\d\.\d{3}) \(", _visible(result.index)).group(1)
    assert f"read back: 200000 vignettes, AUC {auc}" in _visible(result.notebook_pages[0])


# --------------------------------------------------------------------------------------
# Nothing overwritten by surprise
# --------------------------------------------------------------------------------------

_BASE = {"age": 40, "duration_weeks": 3, "frequency": "daily", "severity": "minor", "locations": ["calf"]}


def test_ids_that_slugify_alike_get_their_own_pages(tmp_path, no_notebooks):
    ids = ["患者一", "患者二", "Case 1", "case-1"]
    result = build_reports(
        tmp_path / "site",
        progress=False,
        cases=[{**_BASE, "vignette_id": case_id} for case_id in ids],
        notebooks_dir=no_notebooks,
    )
    names = [p.name for p in result.case_pages]
    assert len(set(names)) == 4 and "case-1.html" in names, names
    for case_id, page in zip(ids, result.case_pages):
        assert f"Case report for vignette <code>{html.escape(case_id)}</code>" in page.read_text(encoding="utf-8")
    index = result.index.read_text(encoding="utf-8")
    assert all(f'href="cases/{name}"' in index for name in names)


def test_a_bad_example_case_names_the_file_the_case_and_the_field(tmp_path):
    bad = tmp_path / "cases.toml"
    bad.write_text(
        '[[case]]\nid = "fine"\ntitle = "Fine"\nage = 30\nduration_weeks = 1\nfrequency = "daily"\n'
        'severity = "minor"\nlocations = ["eyelid"]\n\n'
        '[[case]]\nid = "too-young"\ntitle = "Too young"\nage = 12\nduration_weeks = 1\nfrequency = "daily"\n'
        'severity = "minor"\nlocations = ["eyelid"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ReportError, match=r"cases\.toml, case 2 \(id 'too-young'\): .*age.*12"):
        example_cases(bad)
    bad.write_text('[[case]]\ntitle = "No id"\nage = 30\n', encoding="utf-8")
    with pytest.raises(ReportError, match=r"case 1 \(id None\): id: Field required"):
        example_cases(bad)


def test_page_names_are_stable_and_distinct():
    assert H.file_stem("red-flag-weakness") == "red-flag-weakness"
    assert H.file_stem("患者一") == H.file_stem("患者一") != H.file_stem("患者二")
    assert H.file_stem("Case 1") != H.file_stem("case-1") == "case-1"
    assert re.fullmatch(r"case-[0-9a-f]{8}", H.file_stem("患者一"))


def test_write_case_report_keeps_cases_whose_ids_slugify_alike(tmp_path):
    first = write_case_report({**_BASE, "vignette_id": "患者一"}, tmp_path)
    second = write_case_report({**_BASE, "vignette_id": "患者二"}, tmp_path)
    assert first != second and first.is_file() and second.is_file()
    assert "患者一" in first.read_text(encoding="utf-8") and "患者二" in second.read_text(encoding="utf-8")


def test_two_cases_with_one_id_are_refused_naming_both(tmp_path, no_notebooks):
    cases = [{**_BASE, "vignette_id": "same"}, {**_BASE, "vignette_id": "same", "age": 50}]
    with pytest.raises(ReportError, match=r"cases 1 and 2 would both be written to cases/same\.html"):
        build_reports(tmp_path / "site", progress=False, cases=cases, notebooks_dir=no_notebooks)
    assert not (tmp_path / "site").exists()


@pytest.fixture()
def small_site(tmp_path, no_notebooks) -> BuildResult:
    return build_reports(tmp_path / "site", progress=False, cases=example_cases()[:1], notebooks_dir=no_notebooks)


def test_a_case_never_replaces_a_page_of_a_built_site(small_site, tmp_path):
    out = small_site.out_dir
    before = {p.name: p.read_bytes() for p in (out / "cases").iterdir()} | {
        "index.html": small_site.index.read_bytes(),
        "manifest.json": (out / "manifest.json").read_bytes(),
    }
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps({**_BASE, "vignette_id": example_cases()[0].case_id}), encoding="utf-8")
    with pytest.raises(ReportError, match=r"is a page of the report site .*manifest\.json.*--out OTHER"):
        write_case_report(clash, out)
    after = {p.name: p.read_bytes() for p in (out / "cases").iterdir()} | {
        "index.html": small_site.index.read_bytes(),
        "manifest.json": (out / "manifest.json").read_bytes(),
    }
    assert after == before


def test_a_new_case_is_added_next_to_a_built_site(small_site):
    page = write_case_report({**_BASE, "vignette_id": "extra"}, small_site.out_dir)
    assert page == small_site.out_dir / "cases" / "extra.html"
    assert 'href="../index.html"' in page.read_text(encoding="utf-8")
    manifest = json.loads((small_site.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "cases/extra.html" not in manifest["files"]  # the manifest describes the build


def test_cli_refuses_to_replace_a_site_page_in_one_line(small_site, tmp_path):
    from scoring.cli import main

    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps({**_BASE, "vignette_id": example_cases()[0].case_id}), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "--case", str(clash), "--out", str(small_site.out_dir)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "is a page of the report site" in result.output


def test_an_unwritable_folder_is_one_error_naming_it(tmp_path, no_notebooks, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ReportError, match=r"cannot write the reports into '.*a-file/site'"):
        build_reports(blocker / "site", progress=False, cases=[], notebooks_dir=no_notebooks)
    with pytest.raises(ReportError, match=r"cannot write the reports into '.*a-file'"):
        write_case_report({**_BASE, "vignette_id": "x"}, blocker)

    # A read-only folder (simulated: the tests may run as root, who can write anywhere).
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", kwargs.get("dir"))

    read_only = tmp_path / "read-only"
    read_only.mkdir()
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ReportError, match=r"cannot write the reports into '.*read-only': Permission denied\."):
        write_case_report({**_BASE, "vignette_id": "x"}, read_only)


def test_cli_reports_an_unwritable_folder_in_one_line(tmp_path, hostile_case_file):
    from scoring.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "reports"  # a folder that cannot be made: its parent is a file
    result = CliRunner().invoke(main, ["report", "--case", str(hostile_case_file), "--out", str(out)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot write the reports into" in lines[0] and str(blocker) in lines[0]


# --------------------------------------------------------------------------------------
# Tables for people
# --------------------------------------------------------------------------------------


def test_readable_risk_table_shows_percentages_and_a_dash_with_a_footnote():
    from scoring.engine.calibration import risk_table

    raw = risk_table()
    table = readable_risk_table(raw)
    assert len(table.frame) == len(raw)
    text = str(table)
    assert "NaN" not in text and "%" in text
    assert (table.frame["Observed share there"] == "—").sum() == int((raw["n"] == 0).sum())
    assert "Risk of a serious cause: Adults who notice twitching" in table.frame.columns
    assert table.footnote and table.footnote.startswith("With a red flag: ")
    assert "—: no vignette" in table.footnote
    assert "<table" in table._repr_html_() and "—: no vignette" in table._repr_html_()


def test_readable_tree_params_has_no_raw_dict():
    table = readable_tree_params({"max_depth": 4, "outcome": "serious_cause", "feature_names": None})
    assert table.frame["Setting"].tolist() == ["Maximum depth", "Outcome"]
    assert "{" not in str(table)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def test_cli_report_case_writes_one_page(tmp_path, hostile_case_file):
    from scoring.cli import main

    result = CliRunner().invoke(main, ["report", "--case", str(hostile_case_file), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = tmp_path / "cases" / f"{H.file_stem(SCRIPT)}.html"
    assert page.is_file() and str(page) in result.output
    assert (tmp_path / "assets" / A.plotly_asset_name()).is_file()
    _assert_inert(page.read_text(encoding="utf-8"))


def test_cli_report_case_rejects_a_bad_vignette_naming_the_field(tmp_path):
    from scoring.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"age": 12, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "eyelid"})
    )
    result = CliRunner().invoke(main, ["report", "--case", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "age" in result.output and "12" in result.output


# --------------------------------------------------------------------------------------
# In a browser: offline, plots drawn, no console errors, accessible, no script runs
# --------------------------------------------------------------------------------------


#: Texts of index cards whose content reaches past the card's right edge.
_SPILL = """Array.from(document.querySelectorAll('.cards li')).filter(card => {
  const edge = card.getBoundingClientRect().right;
  return Array.from(card.querySelectorAll('*')).some(e => e.getBoundingClientRect().right > edge + 1);
}).map(card => card.textContent.trim())"""


@pytest.mark.browser
def test_reports_work_offline_in_chromium_and_pass_axe(site, hostile_site, hostile_case_file, hostile_card):
    from playwright.sync_api import sync_playwright

    from tests.browser import describe_violations, launch_chromium, serious_violations

    blocked: list[str] = []
    problems: list[str] = []
    dialogs: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            page.goto(site.index.resolve().as_uri())
            assert not serious_violations(page), describe_violations(serious_violations(page))
            # Long notebook file names wrap inside their cards, at widths where the grid's
            # columns are narrowest (one column on a small phone, two just above 32rem).
            for width in (1200, 560, 280):
                page.set_viewport_size({"width": width, "height": 900})
                assert page.evaluate(_SPILL) == [], f"card content spills out at {width}px"
            page.set_viewport_size({"width": 1200, "height": 900})
            # Follow a link from the index to a case page, as a reader would.
            page.get_by_role("link", name=re.compile("Spreading twitching")).click()
            page.wait_for_selector(".plotly .main-svg", timeout=15000)
            assert page.url.endswith("cases/red-flag-weakness.html")
            assert page.locator(".plotly").count() >= 4
            assert page.locator(".main-svg").count() >= 4
            violations = serious_violations(page)
            assert not violations, describe_violations(violations)
            if os.environ.get("ZARO_WRITE_SCREENSHOTS") == "1":
                target = ROOT / "docs" / "images" / "case_report.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                page.set_viewport_size({"width": 1200, "height": 1600})
                page.wait_for_timeout(500)  # plotly redraws at the new size
                page.screenshot(path=str(target), full_page=False)
                page.set_viewport_size({"width": 1200, "height": 900})

            for case_page in site.case_pages:
                page.goto(case_page.resolve().as_uri())
                page.wait_for_selector(".plotly .main-svg", timeout=15000)
                violations = serious_violations(page)
                assert not violations, f"{case_page.name}:\n" + describe_violations(violations)

            for notebook_page in site.notebook_pages:
                page.goto(notebook_page.resolve().as_uri())
                page.wait_for_load_state("load")
                # Every figure the notebook showed is drawn from the shared local plotly.js.
                graphs = page.locator(".plotly-graph-div").count()
                if graphs:
                    page.wait_for_function(
                        f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {graphs}", timeout=15000
                    )
                violations = serious_violations(page)
                assert not violations, f"{notebook_page.name}:\n" + describe_violations(violations)

            # Hostile card labels too (they reach tables and figure labels).
            with_card = hostile_site.out_dir / "cases" / "hostile-card.html"
            with_card.write_text(
                render_case(
                    load_case(hostile_case_file), card=hostile_card, plotlyjs=f"../assets/{A.plotly_asset_name()}"
                ),
                encoding="utf-8",
            )
            for hostile in [*hostile_site.case_pages, with_card]:
                page.goto(hostile.resolve().as_uri())
                page.wait_for_selector(".main-svg", timeout=15000)
                assert page.locator("img[src=x]").count() == 0
        finally:
            browser.close()

    assert not dialogs, f"a script from input ran: {dialogs}"
    assert not blocked, f"pages tried to reach the network: {blocked}"
    assert not problems, "\n".join(problems)


def test_ensure_defaults_leaves_present_artefacts_alone():
    from scoring.report import ensure_defaults

    lines = ensure_defaults(progress=False)
    assert [line.split(":")[0] for line in lines] == ["data", "tree", "calibration"]
    assert all("(present)" in line for line in lines), lines


def test_cli_run_prepares_then_builds_and_says_where(monkeypatch, tmp_path):
    import scoring.report as report
    from scoring.cli import main

    calls = {}

    def fake_build(out_dir, *, progress=True, **kwargs):
        calls["out"] = out_dir
        out = Path(out_dir)
        return BuildResult(
            out_dir=out, index=out / "index.html", notebook_pages=(), case_pages=(), files=(), seconds=1.0
        )

    monkeypatch.setattr(report, "build_reports", fake_build)
    result = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "site"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert calls["out"] == str(tmp_path / "site")
    assert "data:" in result.output and "tree:" in result.output
    assert f"open {tmp_path / 'site' / 'index.html'}" in result.output
    assert NOTICE in result.output


def test_report_templates_and_cases_are_package_data():
    """What a wheel install needs for reports is covered by pyproject's package-data globs."""
    import fnmatch
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"][
        "scoring"
    ]
    package = ROOT / "scoring"
    needed = [p for p in (package / "templates").iterdir() if p.is_file()] + [
        package / "definitions" / "report_cases.toml"
    ]
    for path in needed:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, g) and "/" not in relative[len(g.split("*")[0]) :] for g in globs), (
            relative
        )


def test_a_case_page_with_a_red_flag_says_how_soon():
    case = next(c for c in example_cases() if c.case_id == "red-flag-weakness")
    text = render_case(case, plotlyjs="plotly.min.js")
    assert "<strong>How soon: Urgent referral: see a doctor within 2 weeks.</strong>" in text
    calm = next(c for c in example_cases() if c.case_id == "everyday-triggers")
    assert "How soon" not in render_case(calm, plotlyjs="plotly.min.js")
