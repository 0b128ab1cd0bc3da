"""`zaro card`'s wording: limits that read right, conditions in words, the doubling rule, the bands.

Each test names a sentence a reader met and misread, and checks the text that replaced it.
"""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from scoring.cli import main
from scoring.engine.calibration import risk_table
from scoring.engine.card import likelihood_ratio_text, load_card, render_card_html, render_card_text
from scoring.wording import risk_percent


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
    # The red-flag risks the heading states are the risk table's, for the population and each age band.
    table = risk_table(load_card("default"), population="community")
    by_band = table.attrs["red_flag_risk_by_age_band"]
    assert list(by_band) == ["18–39", "40–49", "50–64", "65+"]
    bands = ", ".join(f"{risk_percent(p)} aged {band}" for band, p in by_band.items())
    assert (
        "The columns n, with outcome and observed count the enriched vignettes the card was calibrated on. "
        "With a red flag the points total is not used: the risk for anyone with a red flag is "
        f"{risk_percent(table.attrs['red_flag_risk'])} (enriched: {risk_percent(table.attrs['red_flag_risk_trained'])}); "
        f"by age band: {bands}." in text
    )


def test_the_risk_table_has_a_column_per_age_band_with_the_risk_a_person_gets(default_text):
    # A person's risk uses their age band's recalibration: the table shows it, so a page's figure is in it.
    table = risk_table(load_card("default"), population="community")
    header = next(line for line in default_text.splitlines() if line.startswith("total  band"))
    assert "aged 18–39  aged 40–49  aged 50–64  aged 65+" in header
    row = next(line for line in default_text.splitlines() if line.split()[:1] == ["12"])
    for risks in table.attrs["risk_by_age_band"].values():
        assert risk_percent(risks[list(table.index).index(12)]) in row.split()


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


def _rule(card, item_id: str) -> int:
    evidence = card.calibration.item_evidence(item_id)
    return round(math.log2(evidence["lr_present"] / evidence["lr_absent"]))


def test_the_doubling_rule_is_explained_where_it_seems_broken(default_text):
    # "+5" next to "LR 4.2" looks like a broken "one point per doubling": the note shows LR- and what
    # the rule gives, and says why the card differs (caution, for the expert card), not that
    # the item's absence tells when LR- is close to 1.
    card = load_card("default")
    weakness = next(i for i in card.items if i.item_id == "weakness")
    evidence = card.calibration.item_evidence("weakness")
    assert _rule(card, "weakness") < weakness.points - 1
    assert (
        f"So '{weakness.label}' has LR {likelihood_ratio_text(evidence['lr_present'])} and LR- "
        f"{likelihood_ratio_text(evidence['lr_absent'])}: the rule gives {_rule(card, 'weakness'):+d} and the card "
        f"{weakness.points:+d}; its points are moved towards caution where the sources say so: "
        "docs/expert_card.md gives each item's reason." in _joined(default_text)
    )
    # The learned card's points are fitted together: its note says so, not the expert card's reasons.
    learned = _joined(render_card_text(load_card("learned")))
    assert "a learned card's points are fitted together, not item by item: docs/learned_card.md" in learned
    assert "docs/expert_card.md" not in learned.split("One point for each doubling", 1)[1].split("Red flags", 1)[0]


def test_each_card_says_why_its_top_band_leads_where_it_does(default_text):
    assert "The 'high risk' band says urgent (a doctor within 2 weeks)" in _joined(default_text)
    card = load_card("learned")
    top = max(card.bands, key=lambda band: band.max_points)
    assert top.name == "high risk" and top.recommendation.value == "see_doctor"
    learned = _joined(render_card_text(card))
    assert (
        f"No band of this card says urgent: urgent stays with the red flags, so the 'high risk' band "
        f"({top.min_points} to {top.max_points}) says see_doctor, with advice to be seen soon." in learned
    )


def test_no_card_line_runs_past_the_width():
    for name in ("default", "learned", "strict"):
        text = render_card_text(load_card(name), width=100)
        assert max(len(line) for line in text.splitlines()) <= 100, name
