"""The widget explorers, driven from Python without a browser.

Setting a control's ``.value`` runs the explorer's update at once, so each test changes a
control the way a person would and checks what they would see: the assessment, the
recommendation banner's text and the points waterfall's data.
"""

from __future__ import annotations

import dataclasses

import ipywidgets
import plotly.graph_objects as go
import pytest
import traitlets
from markupsafe import escape

from scoring import NOTICE, Recommendation
from scoring.assessment import assess
from scoring.contract.schema import FIELDS, validate_vignette
from scoring.widgets import (
    DisagreementPager,
    Explorer,
    ExplorerDefinitionsError,
    IntNumberSlider,
    LiveRegion,
    MultiCheckbox,
    NumberSlider,
    SweepExplorer,
    build_control,
    load_definitions,
    presets,
    recommendation_html,
    sections,
    start_preset,
)


@pytest.fixture
def explorer():
    return Explorer()


#: A 30-year-old with three weeks of calf and eyelid twitching and nothing else: the guideline
#: refers (twitching for more than 2 weeks, in more than one place), while the card's chance of
#: a serious cause for adults who notice twitching is below the risk policy's threshold.
PERSISTENT_TWITCH = {
    "age": 30,
    "duration_weeks": 3,
    "frequency": "daily",
    "severity": "minor",
    "locations": ["eyelid", "calf"],
}


def _waterfall_state(explorer):
    return [trace.to_plotly_json() for trace in explorer.waterfall.data]


# -- controls from the schema ----------------------------------------------------------


def test_every_field_has_a_labelled_control_with_its_description(explorer):
    assert list(explorer.controls) == [spec.name for spec in FIELDS]
    for spec in FIELDS:
        control = explorer.controls[spec.name]
        assert spec.label in control.description
        if spec.unit:
            assert spec.unit in control.description
        if isinstance(control, MultiCheckbox):
            assert all(box.tooltip == spec.description for box in control.checkboxes.values())
        else:
            assert control.tooltip == spec.description
        if isinstance(control, (ipywidgets.Checkbox, ipywidgets.RadioButtons)):
            # 'initial' lets a long label show in full instead of being cut at 80 px.
            assert control.style.description_width == "initial"


@pytest.mark.parametrize(
    "kind, widget_type",
    [
        ("int", IntNumberSlider),
        ("float", NumberSlider),
        ("bool", ipywidgets.Checkbox),
        ("category", ipywidgets.RadioButtons),
        ("multi_category", MultiCheckbox),
    ],
)
def test_control_type_follows_the_field_kind(explorer, kind, widget_type):
    specs = [spec for spec in FIELDS if spec.kind == kind]
    assert specs
    for spec in specs:
        assert isinstance(explorer.controls[spec.name], widget_type)


def test_sliders_span_the_contract_range(explorer):
    for spec in FIELDS:
        if spec.is_numeric:
            control = explorer.controls[spec.name]
            assert (control.min, control.max) == (spec.min, spec.max)


def test_every_field_appears_in_exactly_one_panel():
    names = [spec.name for _, specs in sections() for spec in specs]
    assert sorted(names) == sorted(spec.name for spec in FIELDS)


def test_number_sliders_keep_whole_numbers_whole_and_values_in_range(explorer):
    age = explorer.controls["age"]
    age.value = 41.6
    assert age.value == 42 and isinstance(age.value, int)
    caffeine = explorer.controls["caffeine_mg_per_day"]
    caffeine.value = 5000
    assert caffeine.value == caffeine.max == 2000


def test_multicheckbox_keeps_value_and_boxes_in_step():
    control = build_control(next(s for s in FIELDS if s.kind == "multi_category"), ["calf"])
    control.checkboxes["eyelid"].value = True
    assert control.value == ("eyelid", "calf")  # contract order, whatever the click order
    control.value = ("hand",)
    assert [name for name, box in control.checkboxes.items() if box.value] == ["hand"]
    with pytest.raises(traitlets.TraitError, match="unknown option"):
        control.value = ("elbow",)


# -- live outputs ----------------------------------------------------------------------


def test_starts_on_the_start_preset_and_assesses_it(explorer):
    assert explorer.vignette == start_preset().vignette()
    assert explorer.assessment == assess(start_preset().vignette(), card=explorer.card, tree=explorer.tree)
    assert NOTICE in explorer.widget.children[0].value
    # The defaults of the definition files: risks for the community, the NHS advice's answer.
    assert (explorer.population.value, explorer.policy.value) == ("community", "nhs")
    assert (explorer.assessment.population, explorer.assessment.policy) == ("community", "nhs")


def test_ticking_speech_or_swallowing_trouble_makes_it_urgent(explorer):
    assert explorer.assessment.recommendation is not Recommendation.URGENT
    explorer.controls["bulbar"].value = True
    assert explorer.assessment.recommendation is Recommendation.URGENT
    assert "data-recommendation='urgent'" in explorer.recommendation.value
    assert "Urgent assessment" in explorer.recommendation.value
    assert any("swallow" in flag.label.lower() for flag in explorer.assessment.red_flags)
    explorer.controls["bulbar"].value = False
    assert explorer.assessment.recommendation is not Recommendation.URGENT


def test_waterfall_is_updated_in_place(explorer):
    figure = explorer.waterfall
    assert isinstance(figure, go.FigureWidget)
    before = _waterfall_state(explorer)
    explorer.controls["duration_weeks"].value = 10.0
    explorer.controls["weakness"].value = True
    assert explorer.waterfall is figure, "the FigureWidget was replaced instead of updated"
    assert _waterfall_state(explorer) != before
    labels = str(_waterfall_state(explorer))
    for item in explorer.assessment.card.items:
        assert item.label in labels


def test_waterfall_is_horizontal_in_card_order_and_grows_with_its_bars(explorer):
    height = explorer.waterfall.layout.height
    explorer.controls["weakness"].value = True
    explorer.controls["atrophy"].value = True
    trace = explorer.waterfall.data[0]
    assert trace.orientation == "h"
    assert list(trace.y) == [item.label for item in explorer.assessment.card.items] + ["Total"]
    assert trace.x[-1] == explorer.assessment.points_total
    assert explorer.waterfall.layout.yaxis.autorange == "reversed"
    assert explorer.waterfall.layout.height > height


def test_red_flag_note_on_the_waterfall_goes_when_the_flag_goes(explorer):
    explorer.controls["bulbar"].value = True
    notes = [a.text for a in explorer.waterfall.layout.annotations]
    assert any("Red flag" in text for text in notes)
    explorer.controls["bulbar"].value = False
    assert not any("Red flag" in a.text for a in explorer.waterfall.layout.annotations)


def test_more_reasons_raise_the_points_and_change_the_recommendation(explorer):
    total = explorer.assessment.points_total
    explorer.controls["duration_weeks"].value = 6.0
    assert explorer.assessment.points_total > total
    assert explorer.assessment.recommendation >= Recommendation.SEE_DOCTOR
    assert "See a doctor" in explorer.recommendation.value


def test_agreement_and_tree_path_are_shown(explorer):
    assert "Points card:" in explorer.agreement.value
    if explorer.tree is not None:
        assert "second opinion" in explorer.agreement.value
        assert "class='zaro-tree-path'" in explorer.tree_path.value
        for step in explorer.assessment.tree.path:
            assert f"<li>{escape(step.text)}</li>" in explorer.tree_path.value
        assert "P(serious cause) = " in explorer.tree_path.value  # the leaf's risk


# -- population and policy ---------------------------------------------------------------


def _risk_cells(explorer):
    """{model id: (chance, population)} as the risk table shows them."""
    import re

    rows = re.findall(
        r"<tr data-model='([^']+)'><th[^>]*>[^<]*</th><td[^>]*><strong>([^<]+)</strong></td><td[^>]*>([^<]+)</td>",
        explorer.risks.value,
    )
    return {model: (chance, population) for model, chance, population in rows}


def test_the_selectors_are_labelled_radio_buttons_from_the_definition_files(explorer):
    from scoring.engine.policies import load_policies
    from scoring.engine.populations import load_populations

    assert isinstance(explorer.population, ipywidgets.RadioButtons)
    assert isinstance(explorer.policy, ipywidgets.RadioButtons)
    assert explorer.population.description and explorer.policy.description
    assert [value for _, value in explorer.population.options] == list(load_populations())
    assert [value for _, value in explorer.policy.options] == list(load_policies())
    assert any("community" in label for label, _ in explorer.population.options)
    # Shown above the answers, next to the examples.
    assert explorer.population in explorer.widget.children[-2].children


def test_changing_the_population_changes_the_shown_risk_and_its_population(explorer):
    from scoring.engine.populations import load_population

    explorer.set_vignette(PERSISTENT_TWITCH)
    community = _risk_cells(explorer)
    label = load_population("community").label
    assert community["card:default"][1] == label[:1].upper() + label[1:]
    assert explorer.assessment.risk.population == "community"
    explorer.population.value = "enriched"
    enriched = _risk_cells(explorer)
    assert explorer.assessment.risk.population == "enriched"
    assert set(enriched) == set(community)  # the same models, for another population
    for model in community:
        assert enriched[model] != community[model], model
    label = load_population("enriched").label
    assert enriched["card:default"][1] == label[:1].upper() + label[1:]
    # The risk shown is the one assess gives for the chosen population.
    assert explorer.assessment.risk == assess(PERSISTENT_TWITCH, tree=None, population="enriched").risk
    assert "for " + label[:1].lower() + label[1:] in explorer.risks.value


def test_the_tree_and_every_shipped_card_give_a_risk_for_the_population(explorer):
    from scoring.engine.card import list_cards

    models = set(_risk_cells(explorer))
    assert "card:default" in models
    assert ("tree" in models) == (explorer.tree is not None)
    assert ("card:learned" in models) == ("learned" in list_cards())
    # Another calibrated card can stand in for the learned one.
    other = Explorer(learned="strict", counterfactuals=False)
    assert "card:strict" in _risk_cells(other)
    assert other.learned_assessment.risk.population == other.assessment.risk.population
    assert set(_risk_cells(Explorer(learned=None, counterfactuals=False))) <= {"card:default", "tree"}


def test_the_risk_policy_changes_the_recommendation_where_the_policies_differ(explorer):
    explorer.set_vignette(PERSISTENT_TWITCH)
    guideline = explorer.assessment
    assert guideline.guideline.recommendation is Recommendation.SEE_DOCTOR
    assert guideline.risk_policy.recommendation is Recommendation.SELF_CARE
    assert guideline.recommendation is Recommendation.SEE_DOCTOR
    assert "data-differ='true'" in explorer.policies.value
    assert "The two policies differ" in explorer.policies.value
    assert "data-policy='nhs' data-recommendation='see_doctor'" in explorer.policies.value
    assert "data-policy='risk' data-recommendation='self_care'" in explorer.policies.value
    assert "Twitching for more than 2 weeks" in explorer.policies.value  # the guideline's reasons
    assert "below" in explorer.policies.value  # the risk policy's: the risk under its threshold
    assert "class='zaro-policy chosen' data-policy='nhs'" in explorer.policies.value

    explorer.policy.value = "risk"
    assert explorer.assessment.recommendation is Recommendation.SELF_CARE
    assert "data-recommendation='self_care'" in explorer.recommendation.value
    assert "risk-based policy" in explorer.recommendation.value.lower()
    assert "class='zaro-policy chosen' data-policy='risk'" in explorer.policies.value
    # Both answers stay on show whichever policy is chosen.
    assert "data-policy='nhs' data-recommendation='see_doctor'" in explorer.policies.value
    assert explorer.announcer.text.startswith("Recommendation: Self-care. Policy: Risk-based.")
    # The other policy named as its label reads, acronym and all.
    assert "The NHS advice (referral ladder) policy would say See a doctor." in explorer.announcer.text


def test_the_counterfactuals_follow_the_chosen_policy(explorer):
    explorer.set_vignette(PERSISTENT_TWITCH)
    by_guideline = explorer.counterfactual_list.value
    explorer.policy.value = "risk"
    # Under the guideline the answer can fall to self-care; under the risk policy it already is.
    assert "→ self_care" in by_guideline and "→ self_care" not in explorer.counterfactual_list.value


def test_when_the_policies_agree_the_page_says_so(explorer):
    explorer.apply_preset("eyelid")
    assert "data-differ='false'" in explorer.policies.value
    assert "agree" in explorer.policies.value
    explorer.apply_preset("red_flag")
    assert {r.recommendation for r in (explorer.assessment.guideline, explorer.assessment.risk_policy)} == {
        Recommendation.URGENT
    }


def test_each_change_assesses_once_per_model(explorer, monkeypatch):
    import scoring.assessment

    calls = []
    real = scoring.assessment.assess

    def counting(*args, **kwargs):
        calls.append(kwargs.get("card"))
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring.assessment, "assess", counting)
    expected = 1 + (explorer.learned is not None)
    for change in (
        lambda: setattr(explorer.controls["cramps"], "value", True),
        lambda: setattr(explorer.population, "value", "enriched"),
        lambda: setattr(explorer.policy, "value", "risk"),
        lambda: explorer.apply_preset("coffee"),
    ):
        calls.clear()
        change()
        assert len(calls) == expected, calls


def test_counterfactuals_are_listed(explorer):
    explorer.apply_preset("borderline")
    assert "zaro-counterfactuals" in explorer.counterfactual_list.value


def test_presets_load_their_vignettes(explorer):
    for preset_id, button in explorer.preset_buttons.items():
        button.click()
        assert explorer.vignette == presets()[preset_id].vignette()
        assert explorer.assessment.vignette == presets()[preset_id].vignette()


def test_everyday_presets_are_self_care_and_the_red_flag_preset_is_urgent(explorer):
    for preset_id in ("eyelid", "coffee", "stress", "exercise"):
        explorer.apply_preset(preset_id)
        assert explorer.assessment.card.recommendation is Recommendation.SELF_CARE, preset_id
    explorer.apply_preset("red_flag")
    assert explorer.assessment.recommendation is Recommendation.URGENT


def test_a_preset_updates_once_not_once_per_control(explorer):
    count = len(explorer.update_ms)
    explorer.apply_preset("red_flag")
    assert len(explorer.update_ms) == count + 1


def test_reset_restores_the_start(explorer):
    start = explorer.vignette
    explorer.apply_preset("red_flag")
    explorer.controls["caffeine_mg_per_day"].value = 900.0
    explorer.reset_button.click()
    assert explorer.vignette == start
    for spec in FIELDS:
        if not spec.required and spec.name not in start_preset().values:
            assert explorer.controls[spec.name].value == spec.default


def test_set_vignette_round_trips(explorer):
    vignette = validate_vignette(
        age=67,
        duration_weeks=30,
        frequency="constant",
        severity="pronounced",
        locations="hand;foot",
        cramps=True,
        stress_level=3,
    )
    explorer.set_vignette(vignette)
    assert explorer.vignette == vignette
    assert explorer.controls["locations"].value == ("hand", "foot")
    explorer.set_vignette(vignette.to_dict())
    assert explorer.vignette == vignette


def test_no_location_shows_a_message_instead_of_crashing(explorer):
    explorer.controls["locations"].value = ()
    assert explorer.assessment is None
    assert "body area" in explorer.error
    assert "role='alert'" in explorer.recommendation.value
    explorer.controls["locations"].value = ("calf",)
    assert explorer.assessment is not None and explorer.error is None


def test_recommendation_text_is_escaped(explorer):
    unsafe = dataclasses.replace(explorer.assessment, advice="<script>alert(1)</script>")
    rendered = recommendation_html(unsafe)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered


# -- what-if sweeps ----------------------------------------------------------------------


def test_sweep_explorer_starts_on_the_most_influential_field():
    from scoring.analysis.explain import most_influential_field

    what_if = SweepExplorer("borderline")
    assert what_if.field.value == most_influential_field(presets()["borderline"].vignette()).field
    assert what_if.table.attrs["field"] == what_if.field.value


def test_sweep_explorer_redraws_in_place_for_a_new_field_and_example():
    what_if = SweepExplorer("borderline", "duration_weeks")
    figure = what_if.figure
    assert isinstance(figure, go.FigureWidget)
    what_if.field.value = "age"
    assert what_if.figure is figure
    assert what_if.table.attrs["field"] == "age"
    assert figure.data[0].x[0] == what_if.table["value"].iloc[0]
    what_if.example.value = "red_flag"
    assert what_if.table.attrs["vignette"] == presets()["red_flag"].vignette().to_dict()
    assert set(what_if.table["recommendation"]) == {"urgent"}  # red flags hold at any age


def test_sweep_explorer_takes_your_own_vignette():
    mine = validate_vignette(age=70, duration_weeks=3, frequency="daily", severity="minor", locations="hand")
    what_if = SweepExplorer(vignette=mine, field="stress_level")
    assert what_if.vignette == mine and what_if.example.value == SweepExplorer._CUSTOM


def test_sweep_explorer_rejects_an_unknown_example():
    with pytest.raises(ValueError, match="unknown example 'nope'"):
        SweepExplorer("nope")


# -- disagreements -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pager():
    from scoring.engine.synth import generate_vignettes

    return DisagreementPager.from_frame(generate_vignettes(3000, seed=2026))


def test_pager_keeps_only_disagreements(pager):
    assert len(pager.cases) > 0
    assert not pager.cases["agree"].any()
    # Where they disagree, the card's risk and the tree's fall on different sides of a threshold.
    assert (pager.cases["risk_serious_cause"] != pager.cases["tree_risk_serious_cause"]).all()


def test_pager_pages_and_stays_in_bounds(pager):
    pager.which.value = "all"
    pager.position.value = 1
    first = pager.case.value
    assert pager.previous_button.disabled
    pager.next_button.click()
    assert pager.position.value == 2 and pager.case.value != first
    pager.previous_button.click()
    pager.previous_button.click()
    assert pager.position.value == 1 and pager.case.value == first


def test_pager_case_shows_story_both_models_and_reference(pager):
    pager.which.value = "all"
    pager.position.value = 1
    row = pager.cases.iloc[0]
    assert str(escape(row["narrative"])) in pager.case.value
    assert "Points card:" in pager.case.value and "Decision tree" in pager.case.value
    assert "Reference triage" in pager.case.value
    assert "Hidden cause of the synthetic case" in pager.case.value
    assert "data-model='card:default'" in pager.case.value and "data-model='tree'" in pager.case.value


def test_pager_filters_split_the_cases(pager):
    counts = {}
    for which in ("tree_higher", "card_higher", "all"):
        pager.which.value = which
        counts[which] = len(pager.selected())
        assert pager.position.value == 1 and pager.position.max == max(1, counts[which])
    assert counts["tree_higher"] + counts["card_higher"] == counts["all"]
    assert list(pager.table(3).columns)[:4] == [
        "vignette_id",
        "points_total",
        "risk_serious_cause",
        "tree_risk_serious_cause",
    ]
    pager.which.value = "tree_higher"
    chosen = pager.selected()
    assert (chosen["tree_risk_serious_cause"] > chosen["risk_serious_cause"]).all()


# -- accessibility and clarity -------------------------------------------------------------


def _html_texts(widget):
    """The text of every HTML widget inside ``widget``, depth first."""
    if isinstance(widget, ipywidgets.HTML):
        yield widget.value
    for child in getattr(widget, "children", ()):
        yield from _html_texts(child)


def test_the_recommendation_is_announced_by_one_stable_live_region(explorer):
    region = explorer.announcer
    assert isinstance(region, LiveRegion) and region in explorer.widget.children[-1].children[1].children
    first = region.text
    assert first.startswith(f"Recommendation: {explorer.assessment.recommendation.label}.")
    # The chance once, with its population and where it comes from.
    assert (
        "chance of a serious cause in adults who notice twitching (default card 2.0): the card's risk table at" in first
    )
    explorer.controls["bulbar"].value = True
    assert explorer.announcer is region, "the live region was replaced instead of updated"
    assert region.text != first and "Urgent assessment" in region.text and "Red flag" in region.text
    # The banner is drawn anew on each change, so it must not be a live region itself.
    assert "aria-live" not in explorer.recommendation.value
    assert 'setAttribute("aria-live", "polite")' in str(region._esm)
    explorer.controls["locations"].value = ()
    assert region.text == ""  # cleared, so the next recommendation is announced again


def test_front_end_code_is_loaded_from_the_static_files():
    from scoring.widgets._controls import STATIC_DIR

    slider = NumberSlider()
    assert str(slider._esm) == (STATIC_DIR / "slider.js").read_text(encoding="utf-8")
    assert str(slider._css) == (STATIC_DIR / "slider.css").read_text(encoding="utf-8")


def test_stress_is_spoken_out_of_ten(explorer):
    assert explorer.controls["stress_level"].unit == "out of 10"
    assert explorer.controls["caffeine_mg_per_day"].unit == "mg/day"


@pytest.mark.parametrize("make", [Explorer, lambda **kw: SweepExplorer("borderline", "age", **kw)])
def test_one_notice_per_view(make):
    assert sum(text.count(NOTICE) for text in _html_texts(make().widget)) == 1
    assert sum(text.count(NOTICE) for text in _html_texts(make(notice=False).widget)) == 0


def test_the_pager_shows_one_notice(pager):
    assert sum(text.count(NOTICE) for text in _html_texts(pager.widget)) == 1


def test_counterfactuals_are_grouped_one_line_per_change(explorer):
    explorer.apply_preset("borderline")
    listed = explorer.counterfactual_list.value
    assert "with twitching in any other area except the tongue → see_doctor" in listed
    assert "with tongue twitching too → urgent" in listed
    # One line per change: the locations that say the same share one line (one per
    # location would add seven more); one line per other answer (16 fields can move it).
    assert "with calf twitching too" not in listed and listed.count("<li>") <= 16


def test_no_item_scored_is_said_on_the_total_not_over_it(explorer):
    from scoring.plots import points_waterfall_figure

    # The card view of a vignette on which no item scored (whatever the card's items are).
    card_view = dataclasses.replace(explorer.assessment.card, items=(), points_total=0)
    figure = points_waterfall_figure(card_view)
    assert list(figure.data[0].y) == ["Total"]
    assert figure.data[0].text[-1] == "0 (no item scored)"
    assert not any("No item scored" in (a.text or "") for a in figure.layout.annotations)


# -- explorer.toml -------------------------------------------------------------------------------


def _definitions_file(tmp_path, text):
    from scoring.widgets import EXPLORER_FILE

    path = tmp_path / "explorer.toml"
    path.write_text(EXPLORER_FILE.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            "\n[[section]]\ntitle = 'More'\nfields = ['heart_rate']\n",
            r"section\]\] number 5 \(More\)\.fields: \['heart_rate'\] are not contract fields; use names from fields\.toml",
        ),
        (
            "\n[[preset]]\nid = 'teen'\nlabel = 'Teen'\ndescription = 'x'\nvignette = { age = 15, duration_weeks = 1, frequency = 'daily', severity = 'minor', locations = ['eyelid'] }\n",
            r"preset\]\] number 7 \(teen\)\.vignette: the vignette breaks the contract: .*age",
        ),
        (
            "\n[[preset]]\nid = 'eyelid'\nlabel = 'Again'\ndescription = 'x'\nvignette = {}\ncolour = 'red'\n",
            r"unknown key 'colour'; remove it or fix its spelling",
        ),
        (
            "\n[[section]]\ntitle = 'Again'\nfields = ['age']\n",
            r"fields \['age'\] are in more than one \[\[section\]\]",
        ),
    ],
)
def test_explorer_definitions_are_checked_with_messages_naming_entry_and_fix(tmp_path, extra, message):
    path = _definitions_file(tmp_path, extra)
    with pytest.raises(ExplorerDefinitionsError, match=message) as caught:
        load_definitions(path)
    assert str(path) in str(caught.value)


def test_start_must_name_a_preset(tmp_path):
    from scoring.widgets import EXPLORER_FILE

    path = tmp_path / "explorer.toml"
    path.write_text(EXPLORER_FILE.read_text(encoding="utf-8").replace('start = "eyelid"', 'start = "nobody"'))
    with pytest.raises(ExplorerDefinitionsError, match=r"start = 'nobody' names no preset; choose one of \['eyelid'"):
        load_definitions(path)


def test_the_shipped_definitions_load():
    definitions = load_definitions()
    assert definitions.start in presets()
    assert [title for title, _ in sections()][: len(definitions.section)] == [
        entry.title for entry in definitions.section
    ]


def test_the_banner_says_how_soon_for_a_red_flag(explorer):
    explorer.controls["breathing_difficulty"].value = True
    assert explorer.assessment.timeframe == "emergency"
    assert "How soon: Emergency: call emergency services now." in explorer.recommendation.value
    explorer.controls["breathing_difficulty"].value = False
    assert explorer.assessment.timeframe is None
    assert "How soon" not in explorer.recommendation.value
