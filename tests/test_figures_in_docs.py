"""No measured figure is typed by hand in README.md or docs/: each comes from docs/figures.json.

The figures are measured by ``python -m scoring.evaluate.figures --measure`` (an evaluation of
a fresh community sample with fixed seeds) and copied between markers by ``--update``. These
tests fail when a marker's text and the saved figure differ, when a marker names no figure or
a figure no marker, and when a measured-looking number sits outside the markers in the
sections that report measurements.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scoring.evaluate import evaluate_population
from scoring.evaluate.figures import (
    FIGURES_FILE,
    MARKER,
    check_documents,
    documents,
    figures_from_evaluation,
    load_figures,
    main,
    update_documents,
)

ROOT = Path(__file__).resolve().parents[1]
#: Numbers the key sections may state outside markers: settings, not measurements (the sample's
#: size and seed, the bootstrap's resamples, the interval's level, a coin toss's AUC).
SETTINGS = {"200,000", "2026", "1,000", "95%", "0.5", "0.8", "1.2", "0.3", "±0.3", "2%", "20%"}
#: A measured-looking number: a decimal, a percentage, or a count with a thousands comma.
MEASURED = re.compile(r"±?\d+\.\d+%?|\d+%|\d{1,3}(?:,\d{3})+")


def _without_markers(text: str) -> str:
    return MARKER.sub("", text)


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = re.search(r"^#{1,3} ", text[start + len(heading) :], flags=re.MULTILINE)
    return text[start : start + len(heading) + following.start()] if following else text[start:]


def test_every_marker_holds_its_saved_figure():
    problems = check_documents()
    assert not problems, "\n".join(map(str, problems)) + "\nrun: python -m scoring.evaluate.figures --update"


def test_every_saved_figure_is_used_and_the_key_sections_have_markers():
    used = {match["name"] for path in documents() for match in MARKER.finditer(path.read_text("utf-8"))}
    assert set(load_figures()) <= used, f"figures no document shows: {sorted(set(load_figures()) - used)}"
    readme = _section((ROOT / "README.md").read_text("utf-8"), "### How well it does")
    assert {"models", "policies", "causes", "calibration_by_group", "n_outcome"} <= {
        match["name"] for match in MARKER.finditer(readme)
    }


@pytest.mark.parametrize(
    ("document", "heading"),
    [("README.md", "### How well it does"), ("docs/evaluation.md", "# Reading the evaluation")],
)
def test_no_measured_figure_is_typed_by_hand_in_the_key_sections(document, heading):
    text = _section((ROOT / document).read_text("utf-8"), heading)
    unmarked = [found for found in MEASURED.findall(_without_markers(text)) if found not in SETTINGS]
    assert not unmarked, f"{document}: figures outside markers (generate them): {unmarked}"


def test_a_changed_figure_fails_the_check_and_update_restores_it(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("We found <!-- zaro:figure n_outcome -->12<!-- /zaro:figure --> cases.\n")
    figures = {"n_outcome": "3,043"}
    (problem,) = check_documents(figures, [page])
    assert "figure 'n_outcome' is '12', measured '3,043'" in str(problem)
    assert update_documents(figures, [page]) == [page]
    assert check_documents(figures, [page]) == []
    assert page.read_text() == "We found <!-- zaro:figure n_outcome -->3,043<!-- /zaro:figure --> cases.\n"
    page.write_text("<!-- zaro:table nowhere -->\n<!-- /zaro:table -->\n")
    (unknown,) = check_documents(figures, [page])
    assert "marker 'nowhere' names no figure" in str(unknown)


def test_the_command_checks_and_exits_1_on_a_difference(capsys):
    assert main(["--check"]) == 0
    with pytest.raises(SystemExit):
        main([])


def test_the_figures_are_made_from_an_evaluation_by_name():
    """The saved file holds what :func:`figures_from_evaluation` makes (same names), on a small sample."""
    evaluation = evaluate_population(n=20_000, seed=2026, sensitivity=False, resamples=50, subgroup_resamples=20)
    figures = figures_from_evaluation(evaluation)
    # The saved file holds these and the expert card's own check, measured on its own samples
    # (card_check_figures, docs/expert_card.md).
    assert set(figures) | {"card_check"} == set(load_figures())
    assert "card_check" not in figures
    assert figures["n"] == "20,000" and figures["n_outcome"] == f"{evaluation.n_outcome:,}"
    saved = json.loads(FIGURES_FILE.read_text("utf-8"))
    assert saved["settings"]["n"] == 200_000 and saved["settings"]["seed"] == 2026
    assert "| Expert card |" in figures["models"]
    assert "motor-neuron" in figures["causes"]
