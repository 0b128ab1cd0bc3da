"""`zaro explain`'s text: short by default, one arrow style, the tree once, one line on why.

The default view must fit a screen (under 20 lines at 80 columns) and wrap every line to
the terminal's width; ``--full`` prints every change and the whole advice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.engine.calibration import risk_table
from scoring.engine.card import load_card
from scoring.wording import risk_percent

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CASES = ["borderline.json", "red_flag.json", "everyday.json"]


def _explain(*args: str, columns: int = 80) -> str:
    result = CliRunner().invoke(main, ["explain", *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    # The runner mixes in stderr's "reading ..." line: keep what a pipe of stdout would see.
    return "\n".join(line for line in result.stdout.splitlines() if not line.startswith("reading "))


def _paragraphs(text: str) -> list[str]:
    """The lines as printed before wrapping: follow-on lines (indented) joined to theirs."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("  ") and out and not line.lstrip().startswith(("up:", "down:", "+", "-")):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return out


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("columns", [80, 120])
def test_the_default_view_fits_a_screen_and_the_terminal_width(case, columns):
    lines = _explain(str(EXAMPLES / case), columns=columns).splitlines()
    assert len(lines) < 20, "\n".join(lines)
    assert max(len(line) for line in lines) <= columns, "\n".join(lines)


@pytest.mark.parametrize("case", CASES)
def test_one_arrow_style_and_the_tree_path_once(case):
    for text in (_explain(str(EXAMPLES / case)), _explain(str(EXAMPLES / case), "--full")):
        assert "->" not in text
        assert text.count("Tree (its risk:") == 1
        assert "Decision tree rule for this vignette" not in text


def test_full_prints_every_change_and_the_whole_advice():
    short = _explain(str(EXAMPLES / "everyday.json"))
    full = _explain(str(EXAMPLES / "everyday.json"), "--full", columns=200)
    assert "more with --full" in short
    assert "up: with sudden weakness, numbness or facial droop → urgent" in full
    assert "Stretching or rubbing the muscle helps cramps." in full
    assert "Stretching" not in short


def test_one_line_says_which_policy_decided_and_why_the_others_differ():
    text = _explain(str(EXAMPLES / "borderline.json"))
    assert _paragraphs(text)[:2] == [
        "Recommendation: See a doctor (see_doctor), under the NHS policy",
        "Why: the NHS policy decided (twitching for more than 2 weeks); the card's band says self_care; "
        "the tree's risk and the risk policy say self_care (not used by the NHS policy).",
    ]


def test_a_red_flag_case_states_one_risk_with_its_source_and_each_flag_once():
    text = _explain(str(EXAMPLES / "red_flag.json"))
    lines = _paragraphs(text)
    assert lines[1] == (
        "Why: a red flag (slurred speech or difficulty swallowing; twitching of the tongue) makes every "
        "policy say urgent; the tree's risk alone would say see_doctor."
    )
    # The red-flag risk of the person's age band (61: 50–64), as the card's risk table gives it.
    vignette = json.loads((EXAMPLES / "red_flag.json").read_text(encoding="utf-8"))
    assert 50 <= vignette["age"] <= 64
    table = risk_table(load_card("default"), population="community")
    flat = risk_percent(table.attrs["red_flag_risk_by_age_band"]["50–64"])
    assert flat != risk_percent(table.attrs["red_flag_risk"])  # the band's figure, not the whole population's
    assert lines[2] == (
        f"Risk: {flat} chance of a serious cause in adults who notice twitching: {flat} for "
        "anyone aged 50–64 with a red flag; the points total is not used."
    )
    assert " ".join(lines).lower().count("twitching of the tongue") == 1
    assert "trouble swallowing" not in text


def test_the_smallest_change_is_not_contradicted_by_a_bigger_one():
    # The duration that suffices (2 weeks) and the one that moves the points most (0 weeks)
    # side by side read as a contradiction: the short view says only the smallest change.
    text = _explain(str(EXAMPLES / "borderline.json"), "--full", columns=200)
    short = _explain(str(EXAMPLES / "borderline.json"), columns=200)
    assert "down: duration 2 weeks instead of 3 → self_care" in text
    assert "duration 0 weeks" not in short
    assert "Most influential answer" not in text


def test_the_lifestyle_limit_reads_as_points_off():
    text = " ".join(_paragraphs(_explain(str(EXAMPLES / "everyday.json"))))
    assert "-2 likely explanations of harmless twitching (3, together at most 2 points off)" in text
    assert "at least -2" not in text


def test_json_output_is_unchanged_by_the_short_view():
    result = CliRunner().invoke(main, ["explain", "--json", str(EXAMPLES / "borderline.json")])
    payload = json.loads(result.stdout)
    assert {"assessment", "counterfactuals", "most_influential_field"} <= set(payload)
