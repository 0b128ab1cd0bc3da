"""Evaluation of risk models and referral policies: discrimination, calibration, decision curves,
thresholds and subgroups, as tidy tables (figures: :mod:`scoring.plots`).

Educational decision support on synthetic data; not a medical device.
"""

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

__all__ = [
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
]
