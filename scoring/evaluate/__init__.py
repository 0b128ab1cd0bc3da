"""Evaluation of the models and policies on a population: metrics, sensitivity, the model card.

Compute here, draw in :mod:`scoring.plots`: every function returns a tidy table.
"""

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

__all__ = [
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
]
