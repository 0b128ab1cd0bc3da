"""Every figure of an evaluation, by name: what ``zaro evaluate`` writes and the evaluation page shows.

The figures themselves are drawn by :mod:`scoring.plots._evaluate` (decision curves,
calibration, thresholds, subgroups) and :mod:`scoring.plots._tornado` (sensitivity to
assumptions); this only decides which figures an evaluation gets.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

__all__ = ["TORNADO_METRICS", "evaluation_figures"]

#: The headline metrics that get a tornado plot of the ten assumptions that move them most: how
#: many serious causes the risk policy refers, and how many people it refers.
TORNADO_METRICS: tuple[str, ...] = ("risk_sensitivity", "risk_share_referred")


def evaluation_figures(evaluation: Any) -> dict[str, go.Figure]:
    """The figures of an :class:`~scoring.evaluate.Evaluation`, keyed by a file-safe name.

    ``decision_curve``, ``calibration`` (smoothed curves with binned points),
    ``thresholds`` (serious causes found against people referred, at every cut-off and
    policy), ``subgroups_sensitivity`` and ``subgroups_auc`` (forest plots by age band and
    sex), and, when the sensitivity analysis was run, ``tornado_<metric>`` for each of
    :data:`TORNADO_METRICS` the analysis has, and when the worlds were drawn,
    ``world_intervals`` (each headline's sampling CI beside its world interval).
    """
    from scoring.evaluate import tornado_table
    from scoring.plots._evaluate import (
        calibration_smooth_figure,
        decision_curve_figure,
        subgroup_figure,
        threshold_figure,
    )
    from scoring.plots._tornado import tornado_figure

    figures = {
        "decision_curve": decision_curve_figure(evaluation.decision_curve),
        "calibration": calibration_smooth_figure(evaluation.smoothed_calibration, evaluation.calibration_bins),
        "thresholds": threshold_figure(evaluation.thresholds),
        "subgroups_sensitivity": subgroup_figure(evaluation.subgroups, "sensitivity"),
        "subgroups_auc": subgroup_figure(evaluation.subgroups, "auc"),
    }
    sensitivity = evaluation.sensitivity
    metrics = set(sensitivity["metric"]) if len(sensitivity) else set()
    for metric in TORNADO_METRICS:
        if metric in metrics:
            figures[f"tornado_{metric}"] = tornado_figure(tornado_table(sensitivity, metric=metric, top=10))
    worlds = getattr(evaluation, "worlds", None)
    if worlds is not None and len(worlds):
        from scoring.plots._worlds import world_interval_figure

        figures["world_intervals"] = world_interval_figure(worlds)
    return figures
