"""Evaluation a reviewer can trust: every model and policy measured on a population, with intervals.

Compute here, draw in :mod:`scoring.plots`: every function returns tidy tables.

* :func:`evaluate_population` / :func:`evaluate_frame` → an :class:`Evaluation`: discrimination
  (AUC with a bootstrap interval), calibration (binned and smoothed curves, intercept, slope,
  Brier), decision curves (net benefit against the threshold probability), a threshold table
  (sensitivity, specificity, PPV, NPV and the share referred with Wilson intervals, for each
  cut-off of each model and each policy), subgroups (age band, sex), and the sensitivity of the
  headline results to every generator number marked ``assumed``, and (``worlds=``) each
  headline's world interval across worlds drawn from the generator numbers' distributions; saved with
  :meth:`Evaluation.save`, read back with :func:`load_evaluation`.
* the metrics themselves (``wilson_interval``, ``decision_curve``, ``threshold_table``, ...),
  usable on any arrays;
* the sensitivity analysis (``sensitivity_analysis``, ``tornado_table``);
* uncertainty about the world itself: every generator number's distribution
  (``world_parameters``, ``definitions/worlds.toml``), one world drawn (``draw_world``), the
  headline metrics across worlds and scenarios (``evaluate_worlds``);
* the documents: :func:`model_card_markdown`, :func:`data_sheet_markdown`,
  :func:`tripod_checklist`.

Educational decision support on synthetic data; not a medical device.
"""

from scoring.evaluate._datasheet import data_sheet_markdown
from scoring.evaluate._evaluation import (
    DEFAULT_EVALUATE_N,
    DEFAULT_EVALUATE_SEED,
    DEFAULT_SUBGROUP_RESAMPLES,
    detected_models,
    detected_policies,
    evaluate_frame,
    evaluate_population,
    evaluate_sample,
)
from scoring.evaluate._metrics import (
    AGE_BANDS,
    SUBGROUP_RESAMPLES,
    TREAT_ALL,
    TREAT_NONE,
    age_band,
    calibration_bins,
    calibration_table,
    decision_curve,
    discrimination_table,
    net_benefit,
    smoothed_calibration,
    subgroup_table,
    threshold_table,
    wilson_interval,
)
from scoring.evaluate._model_card import (
    KEY_METRICS,
    MODEL_CARD_FILE,
    TRIPOD_FILE,
    ModelCardError,
    model_card_markdown,
    tripod_checklist,
)
from scoring.evaluate._record import EVALUATION_FILE, TABLES, WORLD_TABLES, Evaluation, load_evaluation
from scoring.evaluate._sensitivity import (
    DEFAULT_SENSITIVITY_N,
    DEFAULT_SENSITIVITY_SEED,
    HEADLINE_METRICS,
    SENSITIVITY_FILE,
    AssumedParameter,
    HeadlineMetric,
    MoveRule,
    SensitivityError,
    Variation,
    assumed_parameters,
    load_move_rules,
    sensitivity_analysis,
    tornado_table,
)
from scoring.evaluate._world_draws import (
    WORLDS_FILE,
    DrawRule,
    Scenario,
    World,
    WorldParameter,
    WorldsError,
    draw_world,
    load_scenarios,
    load_world_rules,
    scenario_world,
    shipped_world,
    world_distributions,
    world_parameters,
)
from scoring.evaluate._worlds import (
    DEFAULT_WORLDS_N,
    DEFAULT_WORLDS_SEED,
    WORLD_METRIC_KINDS,
    WorldAnalysis,
    evaluate_worlds,
)

__all__ = [
    # the evaluation
    "DEFAULT_EVALUATE_N",
    "DEFAULT_EVALUATE_SEED",
    "DEFAULT_SUBGROUP_RESAMPLES",
    "EVALUATION_FILE",
    "TABLES",
    "Evaluation",
    "detected_models",
    "detected_policies",
    "evaluate_frame",
    "evaluate_population",
    "evaluate_sample",
    "load_evaluation",
    # metrics
    "AGE_BANDS",
    "SUBGROUP_RESAMPLES",
    "TREAT_ALL",
    "TREAT_NONE",
    "age_band",
    "calibration_bins",
    "calibration_table",
    "decision_curve",
    "discrimination_table",
    "net_benefit",
    "smoothed_calibration",
    "subgroup_table",
    "threshold_table",
    "wilson_interval",
    # sensitivity to assumptions
    "DEFAULT_SENSITIVITY_N",
    "DEFAULT_SENSITIVITY_SEED",
    "HEADLINE_METRICS",
    "SENSITIVITY_FILE",
    "AssumedParameter",
    "HeadlineMetric",
    "MoveRule",
    "SensitivityError",
    "Variation",
    "assumed_parameters",
    "load_move_rules",
    "sensitivity_analysis",
    "tornado_table",
    # uncertainty about the world itself
    "DEFAULT_WORLDS_N",
    "DEFAULT_WORLDS_SEED",
    "WORLDS_FILE",
    "WORLD_METRIC_KINDS",
    "WORLD_TABLES",
    "DrawRule",
    "Scenario",
    "World",
    "WorldAnalysis",
    "WorldParameter",
    "WorldsError",
    "draw_world",
    "evaluate_worlds",
    "load_scenarios",
    "load_world_rules",
    "scenario_world",
    "shipped_world",
    "world_distributions",
    "world_parameters",
    # documents
    "KEY_METRICS",
    "MODEL_CARD_FILE",
    "TRIPOD_FILE",
    "ModelCardError",
    "data_sheet_markdown",
    "model_card_markdown",
    "tripod_checklist",
]
