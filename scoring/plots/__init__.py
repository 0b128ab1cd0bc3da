"""Plotly figures for notebooks, widgets and reports.

Figures are built from data that other modules compute (assessments, card tables, sweeps,
comparisons, evaluations); nothing here scores or explains anything itself. Each topic has its
own private module; the public names are re-exported here.
"""

from scoring.plots._card import (
    calibration_figure,
    card_table_figure,
    points_waterfall_figure,
    risk_table_figure,
)
from scoring.plots._case import sweep_explorer_figure
from scoring.plots._compare import model_calibration_figure, referral_figure, roc_figure
from scoring.plots._evaluate import (
    calibration_smooth_figure,
    decision_curve_figure,
    subgroup_figure,
    threshold_figure,
)
from scoring.plots._evaluation import evaluation_figures
from scoring.plots._explain import sweep_axis, sweep_figure
from scoring.plots._tornado import tornado_figure
from scoring.plots._tree import tree_figure
from scoring.plots._tree_search import feature_importance_figure, tree_search_figure
from scoring.plots._worlds import world_interval_figure

__all__ = [
    "calibration_figure",
    "calibration_smooth_figure",
    "card_table_figure",
    "decision_curve_figure",
    "evaluation_figures",
    "feature_importance_figure",
    "model_calibration_figure",
    "points_waterfall_figure",
    "referral_figure",
    "risk_table_figure",
    "roc_figure",
    "subgroup_figure",
    "sweep_axis",
    "sweep_explorer_figure",
    "sweep_figure",
    "threshold_figure",
    "tornado_figure",
    "tree_figure",
    "tree_search_figure",
    "world_interval_figure",
]
