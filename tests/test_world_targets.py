"""The synthetic world against its sources (scoring/definitions/world_targets.toml), and its
plausibility: no single answer separates a serious cause better than the expert card, and a
flexible model on all answers stays well short of certainty."""

from __future__ import annotations

import pytest

from scoring.engine.synth import check_world_targets, generate_vignettes, read_world_targets
from scoring.engine.synth._targets import WorldTargetError
from scoring.evaluate._world import signal_sources

#: A seed used nowhere else in the tests, the documents or the fitted models.
SEED = 4242
N = 120_000


@pytest.fixture(scope="module")
def frames():
    wanted = {target.population for target in read_world_targets()}
    return {name: generate_vignettes(N, seed=SEED, population=name, hidden=True) for name in sorted(wanted)}


def test_every_published_figure_holds_on_a_fresh_sample(frames):
    table = check_world_targets(n=N, seed=SEED, frames=frames)
    assert len(table) == len(read_world_targets()) >= 8
    failing = table.loc[~table["holds"], ["target", "observed", "low", "high", "n"]]
    assert failing.empty, failing.to_string()
    assert (table["n"] > 100).all()


def test_every_target_is_tagged_with_a_source():
    for target in read_world_targets():
        assert target.tag.startswith("S: "), target.id


def test_a_target_that_does_not_hold_is_reported(frames):
    (target,) = [t for t in read_world_targets() if t.id == "bfs_cramps"]
    moved = target.model_copy(update={"expected": 0.2, "tolerance": 0.01})
    table = check_world_targets(n=N, seed=SEED, targets=(moved,), frames=frames)
    assert not table["holds"].item()
    assert table["observed"].item() > 0.5


def test_a_bad_targets_file_names_the_target(tmp_path):
    path = tmp_path / "world_targets.toml"
    path.write_text(
        '[[target]]\nid = "x"\nwhat = "y"\npopulation = "nowhere"\nmeasure = "share"\ncolumn = "cramps"\n'
        'expected = 0.5\ncompare = "near"\ntolerance = 0.1\ntag = "S: AAN 2017"\n',
        encoding="utf-8",
    )
    with pytest.raises(WorldTargetError, match=r"target x: population 'nowhere' is unknown; use one of"):
        read_world_targets(path)


def test_answers_err_but_the_hidden_truth_is_exact(frames):
    frame = frames["enriched"]
    persistent = frame[frame["course"] == "persistent_benign"]
    # Persistent benign twitching never truly weakens; some people still say it does.
    assert not persistent["true_weakness"].any()
    assert 0.01 < persistent["weakness"].mean() < 0.06


@pytest.fixture(scope="module")
def community_signal():
    return signal_sources("community", n=N, seed=SEED, pair_candidates=5)


def test_no_single_answer_separates_a_serious_cause_better_than_the_expert_card(community_signal):
    expert = community_signal.loc[community_signal["kind"] == "expert card", "auc"].item()
    answers = community_signal[community_signal["kind"] == "answer"]
    assert len(answers) == 26
    assert answers["auc"].max() < expert, community_signal.to_string()


def test_a_flexible_model_on_all_answers_stays_at_or_below_auc_0_95(community_signal):
    flexible = community_signal.loc[community_signal["kind"] == "flexible", "auc"].item()
    assert flexible <= 0.95, community_signal.to_string()


def test_docs_world_md_holds_the_tables_the_definitions_give():
    from scoring.engine.synth._world_doc import BEGIN, END, render_world_tables, world_doc_path

    text = world_doc_path().read_text(encoding="utf-8")
    generated = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert generated.strip() == render_world_tables().strip(), (
        "docs/world.md is out of date: run python -m scoring.engine.synth._world_doc"
    )
