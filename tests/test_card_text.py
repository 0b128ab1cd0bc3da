"""`zaro card`'s wording: limits that read right, conditions in words, the doubling rule, the bands.

Each test names a sentence a reader met and misread, and checks the text that replaced it.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.engine.card import load_card, render_card_html, render_card_text


@pytest.fixture(scope="module")
def default_text() -> str:
    result = CliRunner().invoke(main, ["card"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _joined(text: str) -> str:
    """The text with its line breaks and runs of spaces as single spaces (wrapping aside)."""
    return " ".join(text.split())


def test_the_lifestyle_limit_says_points_off_not_at_least_minus_two(default_text):
    assert "Likely explanations of harmless twitching (together at most 2 points off):" in default_text
    assert "at least -2" not in default_text


def test_the_risk_table_heading_is_a_sentence(default_text):
    text = _joined(default_text)
    assert "n, with outcome and observed count the enriched vignettes." not in text
    assert (
        "The columns n, with outcome and observed count the enriched vignettes the card was calibrated on. "
        "With a red flag the points total is not used: the risk is 32% (enriched: 50%) for anyone with a "
        "red flag." in text
    )


def test_conditions_are_in_words(default_text):
    for code in ("loc_tongue", "eyelid_only", "duration_weeks > 2", "severity == pronounced", "family_history_als"):
        assert code not in default_text
    for line in (
        "Twitching of the tongue                                   tongue twitching",
        "Eyelid twitching only                                     eyelid twitching only",
        "Twitching for more than 2 weeks                           duration over 2 weeks",
    ):
        assert line in default_text
    html = render_card_html(load_card("default"))
    assert "<code>" not in html and "tongue twitching" in html


def test_the_doubling_rule_is_explained_where_it_seems_broken(default_text):
    # "+4" next to "LR 1.5" looks like a broken "one point per doubling" unless LR- is shown.
    assert (
        "So 'Twitching for more than 2 weeks' has LR 1.5 but LR- 0.056: its absence is what tells, and the "
        "rule gives +5 (+4 on the card; docs/expert_card.md gives each item's reason)." in _joined(default_text)
    )


def test_each_card_says_why_its_top_band_leads_where_it_does(default_text):
    assert "The 'high risk' band says urgent (a doctor within 2 weeks)" in _joined(default_text)
    learned = _joined(render_card_text(load_card("learned")))
    assert (
        "No band of this card says urgent: urgent stays with the red flags, so the 'high risk' band (10 to 19) "
        "says see_doctor, with advice to be seen soon." in learned
    )


def test_no_card_line_runs_past_the_width():
    for name in ("default", "learned", "strict"):
        text = render_card_text(load_card(name), width=100)
        assert max(len(line) for line in text.splitlines()) <= 100, name
