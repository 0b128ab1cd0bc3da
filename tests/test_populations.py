"""Populations as data: the shipped file, the community profile, prevalences and bad files."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.contract.schema import LOCATIONS, validate_frame
from scoring.engine import populations as pops
from scoring.engine.populations import (
    DEFAULT_POPULATION,
    POPULATIONS_FILE,
    TRAINING_POPULATION,
    Population,
    PopulationError,
    load_population,
    load_populations,
)
from scoring.engine.risk import OutcomeError, load_outcomes
from scoring.engine.synth import CAUSES, generate_vignettes, load_generator_params, tag_kind

N = 200_000
SEED = 99
DISEASE_CAUSES = [c for c in CAUSES if c != "benign_lifestyle"]


@pytest.fixture(scope="module")
def community() -> pd.DataFrame:
    return generate_vignettes(N, seed=SEED, population="community", hidden=True)


@pytest.fixture(scope="module")
def enriched() -> pd.DataFrame:
    return generate_vignettes(N, seed=SEED + 1, population="enriched", hidden=True)


def within_4_sigma(observed: float, n: int, p: float) -> bool:
    return abs(observed - p) <= 4 * math.sqrt(p * (1 - p) / n)


def n_locations(frame: pd.DataFrame) -> pd.Series:
    return frame["locations"].str.count(";") + 1


# ---------------------------------------------------------------------------- the shipped file


def test_the_shipped_populations_are_enriched_and_community_with_community_the_default():
    found = load_populations()
    assert list(found) == ["enriched", "community"]
    assert [p.id for p in found.values() if p.is_default] == [DEFAULT_POPULATION] == ["community"]
    assert TRAINING_POPULATION == "enriched" and not found["enriched"].is_default
    for population in found.values():
        assert population.label and len(population.description) > 80
        assert math.isclose(sum(population.prior.values()), 1.0, abs_tol=1e-12)
        assert list(population.prior) == list(CAUSES)


def test_enriched_is_generator_toml_as_it_is():
    enriched = load_population("enriched")
    params = load_generator_params()
    assert enriched.tags == {}
    assert enriched.params is params
    assert dict(enriched.prior) == dict(zip(CAUSES, params.prior))


def test_community_prior_is_the_documented_one():
    prior = load_population("community").prior
    expected = {
        "benign_lifestyle": 0.955,
        "electrolyte_metabolic_drug": 0.03,
        "peripheral_neuropathy": 0.012,
        "central_ms_like": 0.002,
        "motor_neuron_like": 0.001,
    }
    assert prior == pytest.approx(expected, abs=1e-12)


#: What the community replaces: the prior, the benign course, when people ask, and who the benign
#: askers are (every adult age; everyday triggers only a little commoner than in others).
COMMUNITY_OVERRIDES = (
    "prior.",
    "course.",
    "asking.",
    "age.benign_lifestyle",
    "flags.recent_exercise.benign_lifestyle",
    "caffeine_mg_per_day.by_cause.benign_lifestyle",
    "sleep_hours.p_deprived.benign_lifestyle",
    "stress_level.benign_lifestyle",
)


def test_every_community_number_is_tagged_and_only_the_prior_the_benign_course_asking_and_askers_are_replaced():
    community = load_population("community")
    assert community.tags
    for path, tag in community.tags.items():
        assert tag_kind(tag) in ("sourced", "assumed"), path
        assert path.startswith(COMMUNITY_OVERRIDES), path
    # The merged parameters carry the community's own tags at those paths, generator.toml's elsewhere.
    merged = {entry.path: entry.tag for entry in community.params.entries()}
    base = {entry.path: entry.tag for entry in load_generator_params().entries()}
    assert set(merged) == set(base)
    for path in merged:
        assert merged[path] == community.tags.get(path, base[path])


def test_disease_answer_profiles_are_the_same_in_both_populations_only_asking_and_benign_askers_differ():
    enriched, community = load_population("enriched").params, load_population("community").params
    for i, cause in enumerate(CAUSES):
        if cause != "benign_lifestyle":  # benign askers in the community span every adult age
            assert community.age_mean[i] == enriched.age_mean[i]
        assert (community.location_weights[i] == enriched.location_weights[i]).all()
        for name in enriched.flags:
            if (cause, name) != ("benign_lifestyle", "recent_exercise"):
                assert community.flags[name][i] == enriched.flags[name][i]
                assert community.flags_onset[name][i] == enriched.flags_onset[name][i]
    assert community.asking_log_median < enriched.asking_log_median
    assert community.p_benign_persistent < enriched.p_benign_persistent


# ---------------------------------------------------------------------------- prevalence


@pytest.mark.parametrize(
    ("population", "outcome", "expected"),
    [
        ("community", "serious_cause", 0.015),
        ("community", "any_cause", 0.045),
        ("enriched", "serious_cause", 0.07),
        ("enriched", "any_cause", 0.14),
    ],
)
def test_prevalence_is_the_prior_summed_over_the_outcomes_causes(population, outcome, expected):
    chosen = load_population(population)
    assert chosen.prevalence(outcome) == pytest.approx(expected, abs=1e-12)
    assert chosen.prevalence(load_outcomes()[outcome]) == chosen.prevalence(outcome)


def test_prevalence_of_an_unknown_outcome_lists_the_known_ones():
    with pytest.raises(OutcomeError, match=r"unknown outcome 'serious'; known outcomes: serious_cause, any_cause"):
        load_population("community").prevalence("serious")


# ---------------------------------------------------------------------------- the community sample


def test_community_cause_shares_match_its_prior(community):
    shares = community["latent_cause"].value_counts(normalize=True)
    for cause, p in load_population("community").prior.items():
        assert within_4_sigma(float(shares[cause]), N, p), (cause, shares[cause], p)


def test_community_benign_twitching_is_mostly_brief(community):
    benign = community[community["latent_cause"] == "benign_lifestyle"]
    assert (benign["duration_weeks"] <= 2).mean() >= 0.85
    assert benign["duration_weeks"].median() <= 1.1


def test_transient_benign_twitching_is_mostly_in_one_place_eyelid_or_calf(community):
    transient = community[community["course"] == "transient_benign"]
    extra = n_locations(transient) - 1
    # 1 + Poisson(0.3) areas (the worry trait moves areas between people, not their share).
    assert abs(extra.mean() - 0.3) <= 4 * math.sqrt(0.3 / len(transient))
    assert within_4_sigma(float((extra == 0).mean()), len(transient), math.exp(-0.3))
    counts = {place: transient["locations"].str.contains(place, regex=False).sum() for place in LOCATIONS}
    assert sorted(counts, key=counts.__getitem__, reverse=True)[:2] == ["eyelid", "calf"]


def test_transient_benign_numbness_is_its_true_share_plus_answer_errors(community):
    params = load_population("community").params
    transient = community[community["course"] == "transient_benign"]
    p = params.flags["numbness"][0]
    reported = p * (1 - params.false_no["numbness"]) + (1 - p) * params.false_yes["numbness"]
    assert within_4_sigma(float(transient["true_numbness"].mean()), len(transient), p)
    assert within_4_sigma(float(transient["numbness"].mean()), len(transient), reported)


def test_community_benign_differs_from_the_learning_mix(community, enriched):
    def benign(frame):
        return frame[frame["latent_cause"] == "benign_lifestyle"]

    c, e = benign(community), benign(enriched)
    assert (c["duration_weeks"] > 2).mean() < 0.15 < 0.3 < (e["duration_weeks"] > 2).mean()
    assert (n_locations(c) > 1).mean() < 0.35 < 0.5 < (n_locations(e) > 1).mean()


@pytest.mark.parametrize("cause", DISEASE_CAUSES)
def test_disease_causes_differ_between_populations_only_through_when_people_ask(cause):
    # Same seed and a prior of only this cause: with the learning mix's asking time, the
    # community gives the learning mix's rows; with its own, people ask sooner.
    only = {cause: 1.0}
    community = load_population("community")
    enriched_asking = dataclasses.replace(
        community,
        params=dataclasses.replace(
            community.params,
            asking_log_median=load_population("enriched").params.asking_log_median,
            asking_sigma=load_population("enriched").params.asking_sigma,
        ),
    )
    pd.testing.assert_frame_equal(
        generate_vignettes(3000, seed=5, population=enriched_asking, prior=only),
        generate_vignettes(3000, seed=5, population="enriched", prior=only),
    )
    sooner = generate_vignettes(3000, seed=5, population="community", prior=only)
    assert sooner["duration_weeks"].median() < generate_vignettes(3000, seed=5, prior=only)["duration_weeks"].median()


def test_benign_answers_differ_between_populations_for_the_same_seed():
    only = {"benign_lifestyle": 1.0}
    community = generate_vignettes(3000, seed=5, population="community", prior=only)
    enriched = generate_vignettes(3000, seed=5, population="enriched", prior=only)
    # Benign askers in the community are older on average and ask sooner.
    assert community["age"].mean() > enriched["age"].mean() + 2
    assert not community["duration_weeks"].equals(enriched["duration_weeks"])


@pytest.mark.parametrize("cause", ["electrolyte_metabolic_drug", "peripheral_neuropathy"])
def test_disease_cause_answers_agree_between_samples_except_what_time_changes(community, enriched, cause):
    c = community[community["latent_cause"] == cause]
    e = enriched[enriched["latent_cause"] == cause]
    assert len(c) > 2000 and len(e) > 9000
    for column in ("age", "stress_level", "cramps", "caffeine_mg_per_day"):
        a, b = c[column].astype(float), e[column].astype(float)
        se = math.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(a.mean() - b.mean()) <= 4 * se, (cause, column, a.mean(), b.mean())
    assert c["duration_weeks"].median() < e["duration_weeks"].median()


# ---------------------------------------------------------------------------- with the generator


def test_a_population_object_and_its_id_give_the_same_rows():
    community = load_population("community")
    assert generate_vignettes(500, seed=2, population=community).equals(
        generate_vignettes(500, seed=2, population="community")
    )
    assert load_population(community) is community


def test_an_unknown_population_name_lists_the_known_ones():
    with pytest.raises(PopulationError, match=r"unknown population 'comunity'; known populations: enriched, community"):
        load_population("comunity")
    with pytest.raises(PopulationError, match=r"unknown population 'general'; known populations: enriched, community"):
        generate_vignettes(5, population="general")
    with pytest.raises(PopulationError, match="population must be a population name or a Population, got int"):
        generate_vignettes(5, population=3)  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=2**63 - 1),
    n=st.integers(min_value=0, max_value=400),
    population=st.sampled_from(["community", "enriched"]),
    noise=st.sampled_from([0.0, 0.03]),
)
def test_any_seed_gives_the_same_valid_frame_twice(seed, n, population, noise):
    first = generate_vignettes(n, seed=seed, population=population, label_noise=noise)
    second = generate_vignettes(n, seed=seed, population=population, label_noise=noise)
    assert first.equals(second)
    assert validate_frame(first).n_rejected_rows == 0
    head = generate_vignettes(n // 2, seed=seed, population=population, label_noise=noise)
    assert head.equals(first.iloc[: n // 2])


# ---------------------------------------------------------------------------- other files


HEAD = """
[[population]]
id = "enriched"
label = "Learning mix"
description = "The generator as it is."
default = false

[[population]]
id = "community"
label = "Community"
description = "Adults who notice twitching."
default = true
"""


def write(tmp_path, text: str):
    path = tmp_path / "populations.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_population_in_another_file_is_used_by_the_generator(tmp_path):
    path = write(
        tmp_path,
        HEAD
        + """
[population.overrides.age]
benign_lifestyle = { mean = 70, sd = 5, tag = "assumed (an older group, for a test)" }
""",
    )
    older = load_population("community", path)
    assert isinstance(older, Population) and older.tags == {
        "age.benign_lifestyle": "assumed (an older group, for a test)"
    }
    assert older.prior == load_population("enriched").prior
    frame = generate_vignettes(2000, seed=1, population=older)
    benign = frame[frame["latent_cause"] == "benign_lifestyle"]
    assert 68 < benign["age"].mean() < 72
    with pytest.raises(PopulationError, match=r"unknown population 'older'; known populations: enriched, community"):
        load_population("older", path)


PRIOR = """
[population.overrides.prior]
benign_lifestyle = {{ p = {benign}, tag = "assumed" }}
electrolyte_metabolic_drug = {{ p = 0.03, tag = "assumed" }}
peripheral_neuropathy = {{ p = 0.012, tag = "assumed" }}
central_ms_like = {{ p = 0.002, tag = "assumed" }}
motor_neuron_like = {{ p = 0.001, tag = "assumed" }}
"""


def test_a_prior_within_1e_9_of_one_is_accepted(tmp_path):
    path = write(tmp_path, HEAD + PRIOR.format(benign="0.9550000002"))
    assert load_population("community", path).prior["benign_lifestyle"] == pytest.approx(0.955, abs=1e-9)


WHERE = r"populations\.toml: population 'community': "

BAD_FILES = [
    pytest.param(
        HEAD + PRIOR.format(benign="0.95"),
        WHERE + r"overrides\.prior: the cause shares add up to 0\.995, not 1 \(benign_lifestyle = 0\.95, .*\); "
        "change them so that they add up to exactly 1",
        id="prior-not-summing-to-one",
    ),
    pytest.param(
        HEAD + PRIOR.format(benign="0.95500001"),
        WHERE + r"overrides\.prior: the cause shares add up to 1\.00000001, not 1",
        id="prior-off-by-1e-8",
    ),
    pytest.param(
        HEAD + '[population.overrides.prior]\nbenign_lifestyle = { p = 0.9, tag = "assumed" }\n',
        WHERE + r"overrides\.prior: the cause shares add up to 1\.04, not 1",
        id="prior-partly-replaced",
    ),
    pytest.param(
        HEAD + '[population.overrides.flags.numbness]\nbenign = { p = 0.1, tag = "assumed" }\n',
        WHERE + r"overrides\.flags\.numbness\.benign: unknown cause 'benign'; causes are benign_lifestyle, "
        r"electrolyte_metabolic_drug, .*; fix the name or remove the override",
        id="unknown-cause",
    ),
    pytest.param(
        HEAD + '[population.overrides.flags.numbnes]\nbenign_lifestyle = { p = 0.1, tag = "assumed" }\n',
        WHERE + r"overrides\.flags\.numbnes: generator\.toml has no 'numbnes' under \[flags\]; it has .*numbness.*; "
        "fix the name or remove the override",
        id="unknown-table-key",
    ),
    pytest.param(
        HEAD + '[population.overrides.colour]\nbenign_lifestyle = { p = 0.1, tag = "assumed" }\n',
        WHERE + r"overrides\.colour: generator\.toml has no table 'colour'; it has prior, age, .*; fix the name",
        id="unknown-table",
    ),
    pytest.param(
        HEAD + '[population.overrides.regions.benign_lifestyle]\nextra_mean = 0.3\nspread = 1\ntag = "assumed"\n',
        WHERE + r"overrides\.regions\.benign_lifestyle: unknown key 'spread'; allowed keys are counts, extra_mean, tag",
        id="unknown-key-in-an-entry",
    ),
    pytest.param(
        HEAD + '[population.overrides.causes]\nbenign_lifestyle = "Harmless"\n',
        WHERE + r"overrides\.causes: \[causes\] is the same in every population and cannot be overridden",
        id="override-of-cause-labels",
    ),
    pytest.param(
        HEAD + '[population.overrides.flags.numbness]\nbenign_lifestyle = { tag = "assumed" }\n',
        WHERE + r"overrides\.flags\.numbness\.benign_lifestyle: missing 'p'; add p = \.\.\.",
        id="missing-number",
    ),
    pytest.param(
        HEAD + "[population.overrides.flags.numbness]\nbenign_lifestyle = { p = 0.1 }\n",
        WHERE + r"overrides\.flags\.numbness\.benign_lifestyle: a number without a tag",
        id="untagged-number",
    ),
    pytest.param(
        HEAD + '[population.overrides.flags.numbness]\nbenign_lifestyle = { p = 1.5, tag = "assumed" }\n',
        WHERE + r"overrides\.flags\.numbness\.benign_lifestyle: p = 1\.5 is out of range; it must be at most 1\.0",
        id="share-above-one",
    ),
    pytest.param(
        HEAD + '[population.overrides.flags.numbness]\nbenign_lifestyle = { p = -0.1, tag = "assumed" }\n',
        WHERE + r"overrides\.flags\.numbness\.benign_lifestyle: p = -0\.1 is out of range; it must be at least 0\.0",
        id="share-below-zero",
    ),
    pytest.param(
        HEAD + '[population.overrides.flags.numbness]\nbenign_lifestyle = { p = 0.1, tag = "guessed" }\n',
        WHERE
        + r"overrides\.flags\.numbness\.benign_lifestyle: parameter tag 'guessed' must start with 'S: <citation>' "
        "or 'assumed'",
        id="tag-neither-sourced-nor-assumed",
    ),
    pytest.param(
        HEAD + "[population.overrides.flags]\nnumbness = 0.1\n",
        WHERE + r"overrides\.flags\.numbness: generator\.toml's \[flags\.numbness\] is a table of entries, got float",
        id="number-in-place-of-a-table",
    ),
    pytest.param(
        HEAD
        + "[population.overrides.frequency]\n"
        + 'benign_lifestyle = { occasional = 0.6, daily = 0.35, constant = 0.15, tag = "assumed" }\n',
        WHERE + r"overrides\.frequency\.benign_lifestyle: probabilities sum to 1\.1, not 1",
        id="category-shares-not-summing-to-one",
    ),
    pytest.param(
        HEAD
        + "[population.overrides.caffeine_mg_per_day.by_cause]\n"
        + 'benign_lifestyle = { median = 450, p_above = 0.3, tag = "assumed" }\n',
        WHERE + r"overrides\.caffeine_mg_per_day\.by_cause\.benign_lifestyle: median 450 must be below 400 mg",
        id="caffeine-median-above-the-limit",
    ),
    pytest.param(
        HEAD.replace("default = true", "default = false"),
        r"populations\.toml: exactly one population needs default = true \(found: none\); mark the one",
        id="no-default",
    ),
    pytest.param(
        HEAD.replace("default = false", "default = true"),
        r"populations\.toml: exactly one population needs default = true \(found: enriched, community\)",
        id="two-defaults",
    ),
    pytest.param(
        HEAD.replace('id = "enriched"', 'id = "community"'),
        r"populations\.toml: population id 'community' is used 2 times; give each population its own id",
        id="duplicate-ids",
    ),
    pytest.param(
        HEAD.replace("default = true", "defualt = true"),
        WHERE + r"unknown key 'defualt'; allowed keys are default, description, id, label, overrides",
        id="unknown-key",
    ),
    pytest.param(
        HEAD.replace('description = "Adults who notice twitching."\n', ""),
        WHERE + r"missing 'description'; add description = \.\.\.",
        id="missing-description",
    ),
    pytest.param(
        HEAD.replace('label = "Community"', 'label = "  "'),
        WHERE + r"label must not be empty; write it in plain words",
        id="empty-label",
    ),
    pytest.param(
        HEAD.replace('id = "community"', 'id = "Community Sample"'),
        r"populations\.toml: population 'Community Sample': id 'Community Sample' must be lower-case letters",
        id="bad-id",
    ),
    pytest.param(
        HEAD.replace("default = true", 'default = "yes"'),
        WHERE + r"default must be true or false, got 'yes'; write default = true or default = false",
        id="default-not-a-boolean",
    ),
    pytest.param("[[population]]\nid = \n", r"populations\.toml: not valid TOML", id="invalid-toml"),
    pytest.param("", r"populations\.toml: no populations; add a \[\[population\]\] table for each one", id="empty"),
    pytest.param("population = []\n", r"populations\.toml: no populations; add a \[\[population\]\]", id="none"),
    pytest.param(HEAD + "title = 'x'\n", WHERE + r"unknown key 'title'", id="stray-key"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_population_file_names_the_file_the_entry_and_the_fix(tmp_path, text, message):
    with pytest.raises(PopulationError, match=message):
        load_populations(write(tmp_path, text))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(PopulationError, match=r"nothere\.toml: no such populations file"):
        load_populations(tmp_path / "nothere.toml")


def test_a_population_error_is_a_value_error():
    assert issubclass(PopulationError, ValueError)
    assert pops.POPULATIONS_FILE == POPULATIONS_FILE and POPULATIONS_FILE.name == "populations.toml"
