"""The points card: loading and checking card files, scoring, printing."""

from __future__ import annotations

import json
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.contract.features import Condition, Features, encode_vignette, parse_condition
from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import vignettes_to_frame
from scoring.engine.card import (
    Card,
    CardError,
    likelihood_ratio_text,
    list_cards,
    load_card,
    render_card_html,
    render_card_text,
)
from scoring.engine.card import _loader as card_loader
from scoring.wording import condition_words
from tests.strategies import vignettes

# A small card used to check the loader one problem at a time and the exact printed text.
SMALL_CARD = textwrap.dedent(
    """
    name = "small"
    version = "0.1"
    description = "A small card for tests."
    urgent_advice = "Get help today."

    [[groups]]
    id = "calm"
    label = "Calming pointers"
    min_points = -1
    note = "At most -1 together."

    [[items]]
    id = "long"
    label = "Twitching for more than 2 weeks"
    condition = "duration_weeks > 2"
    points = 3
    evidence = "NHS [S]."

    [[items]]
    id = "exercise"
    label = "Recent hard exercise"
    condition = "recent_exercise"
    points = -1
    group = "calm"
    evidence = "Simon & Kiernan 2013 [S]."

    [[items]]
    id = "coffee"
    label = "Lots of coffee"
    condition = "caffeine_mg_per_day > 400"
    points = -1
    group = "calm"
    evidence = "EFSA [S]."

    [[red_flags]]
    id = "tongue"
    label = "Tongue twitching"
    condition = "loc_tongue"
    evidence = "NG42 [S]."
    timeframe = "within_2_weeks"
    advice = "See a doctor within 2 weeks."

    [[bands]]
    name = "low"
    min_points = -1
    max_points = 0
    recommendation = "self_care"
    advice = "Rest and review in 2 weeks."

    [[bands]]
    name = "high"
    min_points = 1
    max_points = 3
    recommendation = "see_doctor"
    advice = "See a GP."
    """
)

BASE = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "eyelid"}


def write_card(tmp_path, text: str, name: str = "small.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def small_card(tmp_path) -> Card:
    return load_card(write_card(tmp_path, SMALL_CARD))


# --------------------------------------------------------------------------------------
# Shipped cards
# --------------------------------------------------------------------------------------


def test_shipped_cards_load_and_are_listed():
    assert {"default", "strict"} <= set(list_cards())
    for name in list_cards():
        card = load_card(name)
        assert card.name == name
        assert card.calibration is not None, f"{name}: calibration missing or stale"


def test_default_card_range_and_bands():
    card = load_card()
    assert (card.version, card.min_total, card.max_total) == ("2.0", -5, 23)
    assert card.bands[0].min_points == card.min_total and card.bands[-1].max_points == card.max_total
    assert [b.recommendation.value for b in card.bands] == ["self_care", "see_doctor", "urgent"]


def test_load_card_accepts_a_card_and_caches():
    card = load_card("default")
    assert load_card(card) is card
    assert load_card("default") is card


def test_unknown_card_name_lists_the_shipped_cards():
    with pytest.raises(CardError, match=r"unknown card 'nope'; shipped cards: default, learned, strict"):
        load_card("nope")


def test_missing_card_file(tmp_path):
    with pytest.raises(CardError, match=r"no such card file"):
        load_card(tmp_path / "missing.toml")


# --------------------------------------------------------------------------------------
# Loader errors, one by one
# --------------------------------------------------------------------------------------

BAD_CARDS = [
    pytest.param(
        ('condition = "duration_weeks > 2"', 'condition = "duration_wks > 2"'),
        r"small\.toml: item 'long': condition 'duration_wks > 2': unknown feature 'duration_wks'.*; use the condition language",
        id="unknown-feature",
    ),
    pytest.param(
        ('condition = "duration_weeks > 2"', 'condition = "duration_weeks >"'),
        r"small\.toml: item 'long': condition 'duration_weeks >' ends too early",
        id="unparseable-condition",
    ),
    pytest.param(
        ("points = 3", "points = 2.5"),
        r"small\.toml: item 'long': points must be a whole number, got 2\.5; write e\.g\. points = 2",
        id="fractional-points",
    ),
    pytest.param(
        ("points = 3", 'points = "three"'),
        r"small\.toml: item 'long': points must be a whole number, got 'three'",
        id="text-points",
    ),
    pytest.param(
        ("points = 3", "points = true"),
        r"small\.toml: item 'long': points must be a whole number, got True",
        id="boolean-points",
    ),
    pytest.param(
        ('id = "coffee"', 'id = "exercise"'),
        r"small\.toml: item 'exercise': duplicate id 'exercise' \(\[\[items\]\] entry 2 already uses it\); give each",
        id="duplicate-id",
    ),
    pytest.param(
        ("min_points = 1\nmax_points = 3", "min_points = 0\nmax_points = 3"),
        r"small\.toml: band 'high': overlaps band 'low' \(-1 to 0\) from 0; start it at 1",
        id="overlapping-bands",
    ),
    pytest.param(
        ("min_points = 1\nmax_points = 3", "min_points = 2\nmax_points = 3"),
        r"small\.toml: band 'high': gap: no band covers 1 to 1; start it at 1",
        id="gap-between-bands",
    ),
    pytest.param(
        ("min_points = -1\nmax_points = 0", "min_points = 0\nmax_points = 0"),
        r"small\.toml: band 'low': totals can go down to -1 but the lowest band starts at 0; set its min_points = -1",
        id="bands-miss-the-bottom",
    ),
    pytest.param(
        ("min_points = 1\nmax_points = 3", "min_points = 1\nmax_points = 2"),
        r"small\.toml: band 'high': totals can reach 3 but the highest band stops at 2; set its max_points = 3",
        id="bands-miss-the-top",
    ),
    pytest.param(
        ('recommendation = "see_doctor"', 'recommendation = "gp"'),
        r"small\.toml: band 'high': unknown recommendation 'gp'; use one of self_care, see_doctor, urgent",
        id="unknown-recommendation",
    ),
    pytest.param(
        ('advice = "See a GP."', 'advice = "  "'),
        r"small\.toml: band 'high': missing advice; write advice",
        id="missing-advice",
    ),
    pytest.param(
        ('urgent_advice = "Get help today."\n', ""),
        r"small\.toml: card: missing 'urgent_advice'; add urgent_advice = \.\.\.",
        id="missing-urgent-advice",
    ),
    pytest.param(
        ('recommendation = "self_care"', 'recommendation = "urgent"'),
        r"small\.toml: band 'high': recommends see_doctor for higher totals than band 'low' \(urgent\); higher totals must never be less cautious",
        id="bands-lose-caution",
    ),
    pytest.param(
        ('group = "calm"\nevidence = "EFSA [S]."', 'group = "calming"\nevidence = "EFSA [S]."'),
        r"small\.toml: item 'coffee': unknown group 'calming'; use one of the \[\[groups\]\] ids \(calm\)",
        id="unknown-group",
    ),
    pytest.param(
        ('evidence = "NHS [S]."', 'evidence = "NHS [S]."\nweight = 2'),
        r"small\.toml: item 'long': unknown key 'weight'; allowed keys are condition, evidence, group, id, label, points",
        id="unknown-key",
    ),
    pytest.param(
        ('label = "Twitching for more than 2 weeks"\n', ""),
        r"small\.toml: item 'long': missing 'label'; add label = \.\.\.",
        id="missing-label",
    ),
    pytest.param(
        ("points = 3", "points = 0"),
        r"small\.toml: item 'long': points is 0",
        id="zero-points",
    ),
    pytest.param(
        ('name = "small"', 'name = "small'),
        r"small\.toml: not valid TOML",
        id="bad-toml",
    ),
    pytest.param(
        ('name = "small"', 'name = "small"\nauthor = "me"'),
        r"small\.toml: card: unknown key 'author'; allowed keys are bands, description, groups, items, name",
        id="unknown-top-level-key",
    ),
    pytest.param(
        ('version = "0.1"', "version = true"),
        r"small\.toml: card: version must be text, got True",
        id="boolean-version",
    ),
    pytest.param(
        ('label = "Twitching for more than 2 weeks"', "label = 3"),
        r"small\.toml: item 'long': label must be text, got 3; write label = \"\.\.\.\"",
        id="number-label",
    ),
    pytest.param(
        ('advice = "See a doctor within 2 weeks."', 'advice = "  "'),
        r"small\.toml: red flag 'tongue': advice must not be empty",
        id="empty-flag-advice",
    ),
    pytest.param(
        ("min_points = -1\nnote", "note"),
        r"small\.toml: group 'calm': no limit given; add min_points and/or max_points",
        id="group-without-limit",
    ),
    pytest.param(
        ('id = "long"', 'id = ""'),
        r"small\.toml: item 1: id must not be empty",
        id="empty-id",
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_CARDS)
def test_card_loader_names_file_entry_problem_and_fix(tmp_path, change, message):
    old, new = change
    assert old in SMALL_CARD
    path = write_card(tmp_path, SMALL_CARD.replace(old, new, 1))
    with pytest.raises(CardError, match=message):
        load_card(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x != int(x)))
def test_points_that_are_not_whole_numbers_are_refused_by_item(tmp_path, points):
    path = write_card(tmp_path, SMALL_CARD.replace("points = 3", f"points = {points!r}", 1))
    with pytest.raises(
        CardError,
        match=rf"small\.toml: item 'long': points must be a whole number, got {re.escape(repr(points))}; write e\.g\. points = {int(points)}",
    ):
        load_card(path)


def test_too_many_red_flags(tmp_path):
    flags = "".join(
        f'\n[[red_flags]]\nid = "flag{i}"\nlabel = "Flag {i}"\ncondition = "bulbar"\nevidence = "[A]."\n'
        f'timeframe = "same_day"\nadvice = "Today."\n'
        for i in range(65)
    )
    with pytest.raises(CardError, match=r"small\.toml: red_flags: 66 red_flags entries; at most 64 are allowed"):
        load_card(write_card(tmp_path, SMALL_CARD + flags))


class _Unevaluable(Condition):
    def evaluate(self, features):
        raise ZeroDivisionError("division by zero")


class _OneVignetteDiffers(Condition):
    def evaluate(self, features):
        result = super().evaluate(features)
        return not result if isinstance(result, bool) else result


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (_Unevaluable, r"cannot be evaluated \(ZeroDivisionError: division by zero\)"),
        (_OneVignetteDiffers, r"gives one answer per row .* on a frame but .* one vignette at a time"),
    ],
)
def test_a_condition_that_fails_on_the_probe_is_refused_at_load(tmp_path, monkeypatch, broken, message):
    def parse(text):
        condition = parse_condition(text)
        return broken(condition.text, condition.node) if text == "recent_exercise" else condition

    monkeypatch.setattr(card_loader, "parse_condition", parse)
    with pytest.raises(CardError, match=r"small\.toml: item 'exercise': condition 'recent_exercise' " + message):
        load_card(write_card(tmp_path, SMALL_CARD))


def test_unreachable_band(tmp_path):
    text = SMALL_CARD + textwrap.dedent(
        """
        [[bands]]
        name = "beyond"
        min_points = 4
        max_points = 9
        recommendation = "urgent"
        advice = "Urgent."
        """
    )
    with pytest.raises(CardError, match=r"band 'beyond': can never be reached: totals run from -1 to 3"):
        load_card(write_card(tmp_path, text))


def test_card_error_is_a_value_error():
    assert issubclass(CardError, ValueError)


# --------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------


def test_small_card_scores_with_its_group_limit(tmp_path):
    card = small_card(tmp_path)
    assert (card.min_total, card.max_total) == (-1, 3)
    score = card.score_encoded(encode_vignette({**BASE, "recent_exercise": True, "caffeine_mg_per_day": 500}))
    assert score.item_points == (0, -1, -1)
    assert score.group_adjustments == (1,)
    assert score.total == -1
    assert card.bands[score.band_index].name == "low"
    view = card.view(score)
    assert sum(item.points for item in view.items) == view.points_total == -1
    assert view.items[-1].item_id == "calm_limit"


def test_red_flag_overrides_band(tmp_path):
    card = small_card(tmp_path)
    score = card.score_encoded(encode_vignette({**BASE, "locations": "tongue"}))
    assert score.red_flag_mask == 1 and score.level == 2
    view = card.view(score)
    assert view.recommendation is Recommendation.URGENT
    assert view.band.name == "low"  # the band of the total is still reported
    # The card's urgent advice, then what the fired flag says about how soon.
    assert view.advice == "Get help today. See a doctor within 2 weeks."
    assert [(f.flag_id, f.timeframe) for f in view.red_flags] == [("tongue", "within_2_weeks")]


EVERY_LIFESTYLE_TRIGGER = {
    "recent_exercise": True,
    "caffeine_mg_per_day": 800,
    "stress_level": 9,
    "sleep_hours": 4,
    "dehydration": True,
}


def test_lifestyle_triggers_are_likely_explanations_that_lower_the_total_by_at_most_2():
    card = load_card()
    (group,) = [g for g in card.groups if g.group_id == "lifestyle"]
    members = [item for item in card.items if item.group == "lifestyle"]
    assert {item.item_id for item in members} == {
        "recent_exercise",
        "high_caffeine",
        "high_stress",
        "short_sleep",
        "dehydration",
    }
    assert group.min_points == -2 and "likely explanations" in group.label.lower()
    for item in members:
        assert item.points == -1
        assert "likely explanation" in item.label and item.evidence.startswith("A likely explanation")
    plain = {**BASE, "age": 45, "locations": "calf", "duration_weeks": 3, "numbness": True}
    without = card.score_encoded(encode_vignette(plain))
    with_all = card.score_encoded(encode_vignette({**plain, **EVERY_LIFESTYLE_TRIGGER}))
    assert with_all.item_points.count(-1) == len(members)
    assert with_all.total == without.total - 2
    assert with_all.group_adjustments == (len(members) - 2,)


def test_the_guideline_still_sends_a_reason_to_see_a_gp_whatever_the_triggers():
    from scoring.assessment import assess

    # Twitching for 3 weeks, young, eyelid only and every trigger: the card's total is low and
    # its band says self-care, but the referral ladder (the default policy) says see a doctor.
    vignette = {**BASE, "age": 25, "duration_weeks": 3, **EVERY_LIFESTYLE_TRIGGER}
    result = assess(vignette, tree=None)
    assert result.card.points_total == 4 - 2 - 1 - 2
    assert result.card.recommendation is Recommendation.SELF_CARE
    assert result.policy == "nhs" and result.recommendation is Recommendation.SEE_DOCTOR
    assert result.guideline is not None and "Twitching for more than 2 weeks" in " ".join(result.guideline.reasons)


def worse_by_one_step(vignette: dict) -> list[tuple[str, dict]]:
    """Every single-step worsening of a vignette: a warning field turning true, one more
    area, a longer course, stronger or more frequent twitching."""
    from scoring.contract.features import WARNING_FIELDS
    from scoring.contract.schema import FIELDS, LOCATIONS, field_spec

    steps = [(f.name, {**vignette, f.name: True}) for f in FIELDS if f.name in WARNING_FIELDS and not vignette[f.name]]
    locations = vignette["locations"].split(";") if isinstance(vignette["locations"], str) else vignette["locations"]
    steps += [(f"+{a}", {**vignette, "locations": [*locations, a]}) for a in LOCATIONS if a not in locations]
    longer = min(field_spec("duration_weeks").max, vignette["duration_weeks"] * 2 + 1)
    steps.append(("longer", {**vignette, "duration_weeks": longer}))
    for name in ("severity", "frequency"):
        order = field_spec(name).allowed
        if order.index(vignette[name]) + 1 < len(order):
            steps.append((f"{name} up", {**vignette, name: order[order.index(vignette[name]) + 1]}))
    return steps


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vignette=vignettes())
def test_a_warning_sign_never_lowers_the_default_cards_total(vignette):
    # The items whose data point away from a serious cause but which are reasons to see a GP
    # (more than one place, medicines, vomiting or diarrhoea) are left out of the sum, so more
    # warning signs always mean the same or a higher risk (docs/expert_card.md).
    card = load_card()
    before = card.score_encoded(encode_vignette(vignette)).total
    for step, worse in worse_by_one_step(vignette):
        assert card.score_encoded(encode_vignette(worse)).total >= before, step


@pytest.mark.parametrize("name", list_cards())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.lists(vignettes(), min_size=1, max_size=8))
def test_frame_and_one_vignette_scores_are_identical(name, data):
    card = load_card(name)
    frame = vignettes_to_frame(data)
    scores = card.score_frame(Features(frame), item_points=True)
    for i, vignette in enumerate(data):
        assert scores.row(i) == card.score_encoded(encode_vignette(vignette))


@pytest.mark.parametrize("name", list_cards())
@settings(max_examples=150, deadline=None)
@given(vignette=vignettes())
def test_total_stays_within_the_cards_range(name, vignette):
    card = load_card(name)
    score = card.score_encoded(encode_vignette(vignette))
    assert card.min_total <= score.total <= card.max_total
    assert card.bands[score.band_index].contains(score.total)


def test_score_frame_on_an_empty_frame():
    card = load_card()
    frame = vignettes_to_frame([BASE]).iloc[:0]
    scores = card.score_frame(Features(frame), item_points=True)
    assert len(scores) == 0 and scores.item_points.shape == (0, len(card.items))


def test_row_needs_item_points():
    card = load_card()
    scores = card.score_frame(Features(vignettes_to_frame([BASE])))
    with pytest.raises(ValueError, match="item_points=True"):
        scores.row(0)


def test_flag_text_joins_once_per_distinct_mask():
    card = load_card()
    codes, names = card.flag_text(np.array([0, 3, 3, 0, 16], dtype=np.uint64))
    assert names == ["", "progressive_weakness;wasting", "breathing"]
    assert codes.tolist() == [0, 1, 1, 0, 2]


def test_band_for_total_outside_range():
    with pytest.raises(ValueError, match="outside this card's range -5 to 23"):
        load_card().band_for_total(24)


def test_advice_for_each_recommendation():
    card = load_card()
    assert card.advice_for("urgent") == card.urgent_advice
    assert card.advice_for("see_doctor") == card.bands[1].advice
    assert card.advice_for(Recommendation.SELF_CARE) == card.bands[0].advice


def test_card_texts_are_joined_into_one_paragraph():
    advice = load_card().bands[0].advice
    assert "\n" not in advice and "  " not in advice


def test_every_default_item_cites_a_source_tag():
    card = load_card()
    for entry in [*card.items, *card.red_flags]:
        assert re.search(r"\[(S|A)\b|\[S \(lay\)\]|\[unverified", entry.evidence), entry


# --------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------

EXPECTED_TEXT = """\
Points card: small (version 0.1)
A small card for tests.

Points  Item                             Condition
------  -------------------------------  ---------
    +3  Twitching for more than 2 weeks  duration over 2 weeks
        Calming pointers (together at most 1 point off):
    -1  Recent hard exercise             recent hard exercise
    -1  Lots of coffee                   caffeine over 400 mg/day

Totals run from -1 to 3.

Red flags (urgent whatever the total):
     !  Tongue twitching                 tongue twitching

Bands:
  -1 to 0  low   self_care
  1 to 3   high  see_doctor
No band of this card says urgent: urgent stays with the red flags, so the 'high' band (1 to 3) says
see_doctor, with advice to be seen soon. The risk policy, when chosen, still answers urgent for a
risk at its urgent threshold.
"""


def test_render_card_text_exact(tmp_path):
    assert render_card_text(small_card(tmp_path)) == EXPECTED_TEXT


def with_evidence(tmp_path) -> Card:
    """The small card with a calibration that records each item's likelihood ratio."""
    card = small_card(tmp_path)
    ratios = {"long": 1.525, "exercise": 0.2993, "coffee": float("nan")}
    stored = {
        "intercept": -3.0,
        "slope": 0.7,
        "red_flag_probability": 0.5,
        "card_fingerprint": card.fingerprint,
        "outcome": "serious_cause",
        "population": "enriched",
        "prevalence": 0.07,
        "data": {"n": 1000, "seed": 1},
        "items": [
            {"id": item_id, "lr_present": None if ratio != ratio else ratio} for item_id, ratio in ratios.items()
        ],
    }
    (tmp_path / "small.calibration.json").write_text(json.dumps(stored))
    return load_card(card.path)


EXPECTED_TEXT_WITH_LR = """\
Points card: small (version 0.1)
A small card for tests.

Points     LR  Item                             Condition
------  -----  -------------------------------  ---------
    +3    1.5  Twitching for more than 2 weeks  duration over 2 weeks
               Calming pointers (together at most 1 point off):
    -1   0.30  Recent hard exercise             recent hard exercise
    -1      -  Lots of coffee                   caffeine over 400 mg/day

Totals run from -1 to 3.
LR: the likelihood ratio in the learning data. How many times more often the item holds in vignettes
with a serious cause than in those without: above 1 it points towards a serious cause, below 1 away
from it. Measured on the 1,000 synthetic vignettes (enriched population) the card's risk was fitted
on. The data are synthetic, so the ratios reflect the generator's assumptions
(scoring/definitions/generator.toml); docs/expert_card.md says how the points follow them.
One point for each doubling of the odds weighs an item holding against it not holding: log2(LR+ /
LR-), where LR- is the ratio when the item does not hold.

Red flags (urgent whatever the total):
     !         Tongue twitching                 tongue twitching

Bands:
  -1 to 0  low   self_care
  1 to 3   high  see_doctor
No band of this card says urgent: urgent stays with the red flags, so the 'high' band (1 to 3) says
see_doctor, with advice to be seen soon. The risk policy, when chosen, still answers urgent for a
risk at its urgent threshold.
"""


def test_render_card_text_shows_each_items_likelihood_ratio(tmp_path):
    assert render_card_text(with_evidence(tmp_path)) == EXPECTED_TEXT_WITH_LR


def test_render_card_html_shows_each_items_likelihood_ratio(tmp_path):
    page = render_card_html(with_evidence(tmp_path))
    assert '<th title="likelihood ratio in the learning data">LR</th>' in page
    assert "<tr><td>+3</td><td>1.5</td><td>Twitching for more than 2 weeks</td>" in page
    assert "<tr><td>-1</td><td>-</td><td>Lots of coffee</td>" in page
    assert "<tr><td>!</td><td></td><td>Tongue twitching</td>" in page
    assert '<tfoot><tr><td colspan="5">LR: the likelihood ratio in the learning data.' in page
    assert page.endswith("</table>\n") and page.count('colspan="4"') == 0


@pytest.mark.parametrize(
    ("value", "text"), [(24.2021, "24"), (9.3233, "9.3"), (1.0, "1.0"), (0.4058, "0.41"), (0.0558, "0.056")]
)
def test_likelihood_ratio_text(value, text):
    assert likelihood_ratio_text(value) == text


def test_render_card_html_escapes_and_lists_everything(tmp_path):
    text = SMALL_CARD.replace('label = "Lots of coffee"', 'label = "Coffee <b>&</b> tea"')
    card = load_card(write_card(tmp_path, text))
    page = render_card_html(card)
    assert "Coffee &lt;b&gt;&amp;&lt;/b&gt; tea" in page
    assert "<b>&</b>" not in page
    assert page.startswith('<table class="zaro-card">') and page.endswith("</table>\n")
    assert page.count("<tr><td>") == 3 + 1 + 2  # items, red flag, bands
    assert "<td>caffeine over 400 mg/day</td>" in page  # conditions in words, not code


def test_render_default_card_text_lists_every_item_and_flag():
    card = load_card()
    text = render_card_text(card)
    for entry in [*card.items, *card.red_flags]:
        # In words; a long condition wraps in its column, beside the label's lines.
        assert all(word in text for word in condition_words(entry.condition).split())
        if any(code in entry.condition for code in ("_", "==", ">", "<")):
            assert entry.condition not in text  # no condition as code (loc_tongue, duration_weeks > 2)
    assert "Totals run from -5 to 23." in text
    # Each item's points, then its likelihood ratio in the learning data (the stored calibration's), then its label.
    for item_id, label in (("weakness", "Real weakness"), ("recent_exercise", "Hard exercise")):
        item = next(i for i in card.items if i.item_id == item_id)
        ratio = re.escape(likelihood_ratio_text(card.likelihood_ratio(item_id)))
        assert re.search(rf"^ +{re.escape(f'{item.points:+d}')} +{ratio}  {label}", text, re.MULTILINE), item_id
    assert "LR: the likelihood ratio in the learning data." in text
    assert "200,000 synthetic vignettes" in text and "generator's assumptions" in text


def test_card_table_figure_rows_come_from_the_card():
    from scoring.plots import card_table_figure

    card = load_card()
    figure = card_table_figure(card)
    header = list(figure.data[0].header.values)
    assert header[:2] == ["Points", "LR"]
    columns = dict(zip(header, figure.data[0].cells.values))
    in_order = [*[i for i in card.items if i.group is None], *[i for i in card.items if i.group is not None]]
    assert [c for c in columns["Condition"] if c] == [
        *[i.condition for i in in_order],
        *[f.condition for f in card.red_flags],
        *[b.recommendation.value for b in card.bands],
    ]
    # The LR sits next to each item's points and is explained under the table.
    pairs = [(p, r) for p, r in zip(columns["Points"], columns["LR"]) if r]
    assert pairs == [(f"{i.points:+d}", likelihood_ratio_text(card.likelihood_ratio(i.item_id))) for i in in_order]
    (note,) = figure.layout.annotations
    assert note.text.startswith("LR: the likelihood ratio in the learning data.")


def test_card_table_figure_without_likelihood_ratios_has_no_lr_column(tmp_path):
    from scoring.plots import card_table_figure

    figure = card_table_figure(small_card(tmp_path))
    assert list(figure.data[0].header.values) == ["Points", "Item", "Condition", "Source / advice"]
    assert not figure.layout.annotations


def test_an_unreadable_calibration_is_left_out_with_a_warning(tmp_path):
    path = write_card(tmp_path, SMALL_CARD)
    stored = {"intercept": -3.0, "band_step": 7.0, "red_flag_probability": 1.0, "card_fingerprint": "x"}
    (tmp_path / "small.calibration.json").write_text(json.dumps(stored))
    with pytest.warns(UserWarning, match=r"small\.calibration\.json cannot be read \(missing 'slope'; add slope"):
        card = load_card(path)
    assert card.calibration is None
    assert np.isnan(card.probability(np.array([0]), np.array([0], dtype=np.uint64))).all()


# --------------------------------------------------------------------------------------
# docs/expert_card.md: the table of every item's points and evidence
# --------------------------------------------------------------------------------------

EXPERT_CARD_DOC = Path(__file__).resolve().parents[1] / "docs" / "expert_card.md"


def expert_card_rows() -> dict[str, dict[str, str]]:
    """The rows of the points table in docs/expert_card.md, by item id."""
    text = EXPERT_CARD_DOC.read_text(encoding="utf-8")
    section = text.split("## The points", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        row = dict(zip(header, cells))
        rows[row["Item"].strip("`")] = row
    return rows


def _number(text: str) -> float | None:
    text = text.replace("\u2212", "-").strip()
    return None if text in {"", "\u2014", "-"} else float(text)


def test_the_expert_card_doc_has_a_row_for_every_item_with_its_points():
    card = load_card()
    rows = expert_card_rows()
    assert set(rows) >= {item.item_id for item in card.items}
    for item in card.items:
        assert _number(rows[item.item_id]["New points"]) == item.points, item.item_id
    # Items the doc records as removed are not on the card.
    removed = {item_id for item_id, row in rows.items() if _number(row["New points"]) is None}
    assert removed == {"more_than_one_place", "stimulant_medication", "diuretic", "fluid_loss", "spreading"}
    assert not removed & {item.item_id for item in card.items}


def test_the_expert_card_doc_shows_the_stored_likelihood_ratios_and_the_rule():
    card = load_card()
    rows = expert_card_rows()
    for item in card.items:
        evidence = card.calibration.item_evidence(item.item_id)
        row = rows[item.item_id]
        assert _number(row["LR+"]) == pytest.approx(evidence["lr_present"], abs=0.006), item.item_id
        assert _number(row["LR\u2212"]) == pytest.approx(evidence["lr_absent"], abs=0.006), item.item_id
        # One point per doubling of the odds: (ln LR+ - ln LR-) / ln 2.
        rule = (math.log(evidence["lr_present"]) - math.log(evidence["lr_absent"])) / math.log(2)
        assert _number(row["By the rule"]) == pytest.approx(rule, abs=0.051), item.item_id
    # The slope per point the doc quotes is the stored calibration's.
    text = " ".join(EXPERT_CARD_DOC.read_text(encoding="utf-8").split())
    assert f"its slope is {card.calibration.data['slope']:.2f} per point" in text


def test_every_items_points_point_the_way_its_likelihood_ratio_does_or_the_doc_says_why():
    card = load_card()
    rows = expert_card_rows()
    for item in card.items:
        ratio = card.likelihood_ratio(item.item_id)
        agrees = (item.points > 0) == (ratio > 1)
        assert agrees or rows[item.item_id]["Reason"].startswith("**Exception."), (item.item_id, item.points, ratio)


def test_the_learned_card_explains_a_vignette_item_by_item_with_its_evidence():
    card = load_card("learned")
    points = {item.item_id: item.points for item in card.items}
    vignette = {
        "age": 62,
        "duration_weeks": 12,
        "frequency": "daily",
        "severity": "moderate",
        "locations": "hand;arm",
        "numbness": True,
    }
    view = card.view(card.score_encoded(encode_vignette(vignette)))
    # Exactly the items that hold, in the card's order, each with the card's points.
    assert [(i.item_id, i.points) for i in view.items] == [
        (item_id, points[item_id]) for item_id in ("age_ge_50", "age_ge_60", "numbness")
    ]
    assert view.points_total == sum(i.points for i in view.items)
    assert view.band is card.band_for_total(view.points_total) and view.band.name == "high risk"
    # The learned card's top band says see a doctor (soon); urgent stays with the red flags.
    assert view.recommendation.value == "see_doctor"
    # Each item carries what the calibration data say about it: these point towards a serious cause.
    assert all(i.likelihood_ratio > 1 for i in view.items)
    eyelid = card.likelihood_ratio("eyelid_only")
    assert points["eyelid_only"] < 0 and eyelid < 1, f"eyelid only has {points['eyelid_only']} points but LR {eyelid}"
