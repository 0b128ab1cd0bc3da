"""The evaluation for reading: the tables the evaluation page shows, in the model card's words.

:mod:`scoring.evaluate._readable` builds each table's rows once; these wrap them as
:class:`~scoring.report._tables.ReadableTable`, which a notebook displays as an HTML table.
"""

from __future__ import annotations

from typing import Any

from scoring.report._tables import ReadableTable

__all__ = [
    "readable_evaluation_models",
    "readable_evaluation_policies",
    "readable_cutoffs",
    "readable_net_benefit",
    "readable_subgroups",
    "readable_subgroup_calibration",
    "readable_cause_sensitivity",
    "readable_assumptions",
]


def _readable(table: Any) -> ReadableTable:
    return ReadableTable(table.frame(), table.caption, table.note or None)


def readable_evaluation_models(evaluation: Any) -> ReadableTable:
    """Per model: AUC, calibration intercept and slope and Brier score, each with its 95% interval."""
    from scoring.evaluate._readable import model_table

    return _readable(model_table(evaluation))


def readable_evaluation_policies(evaluation: Any) -> ReadableTable:
    """Per policy: referred, sensitivity, specificity, PPV, NPV (Wilson intervals), missed and unnecessary per 1,000."""
    from scoring.evaluate._readable import policy_table

    return _readable(policy_table(evaluation))


def readable_cutoffs(evaluation: Any) -> ReadableTable:
    """Per model and cut-off: the same rates, for the risk policy's thresholds and each card's band edges."""
    from scoring.evaluate._readable import cutoff_table

    return _readable(cutoff_table(evaluation))


def readable_net_benefit(evaluation: Any) -> ReadableTable:
    """Net benefit per 1,000 people of every strategy at the risk policy's thresholds."""
    from scoring.evaluate._readable import net_benefit_table

    return _readable(net_benefit_table(evaluation))


def readable_subgroups(evaluation: Any, group_by: str = "age_band") -> ReadableTable:
    """By age band (``"age_band"``) or sex (``"sex"``): the first model's AUC and each received policy's rates."""
    from scoring.evaluate._readable import SUBGROUP_NAMES, subgroup_tables

    name = SUBGROUP_NAMES.get(group_by, group_by)
    for table in subgroup_tables(evaluation):
        if table.caption.startswith(f"By {name.lower()}"):
            return _readable(table)
    known = ", ".join(sorted(set(evaluation.subgroups["group_by"]))) or "none"
    raise ValueError(f"the evaluation has no subgroups by {group_by!r}; it has: {known}")


def readable_subgroup_calibration(evaluation: Any, model: str | None = None) -> ReadableTable:
    """One model's observed/expected, calibration intercept and slope in every age band and sex (the first model's by default)."""
    from scoring.evaluate._readable import subgroup_calibration_tables

    tables = subgroup_calibration_tables(evaluation)
    models = list(dict.fromkeys(evaluation.subgroup_calibration["model"])) if tables else []
    chosen = models[0] if model is None and models else model
    if chosen not in models:
        raise ValueError(
            f"the evaluation has no calibration by subgroup for {chosen!r}; it has: {', '.join(models) or 'none'}"
        )
    return _readable(tables[models.index(chosen)])


def readable_cause_sensitivity(evaluation: Any) -> ReadableTable:
    """Per policy: each serious cause's share referred (Wilson 95% CI) and the count told self-care with its interval."""
    from scoring.evaluate._readable import cause_sensitivity_table

    table = cause_sensitivity_table(evaluation)
    if table is None:
        raise ValueError("the evaluation has no policies, so no sensitivity by cause")
    return _readable(table)


def readable_assumptions(evaluation: Any, metric: str = "risk_sensitivity", *, top: int = 10) -> ReadableTable:
    """The assumptions that move one headline metric most (see :data:`scoring.evaluate.HEADLINE_METRICS`)."""
    from scoring.evaluate._readable import assumption_table

    table = assumption_table(evaluation, metric, top=top)
    if table is None:
        known = ", ".join(dict.fromkeys(evaluation.sensitivity["metric"])) or "none: it was not run"
        raise ValueError(f"the evaluation has no sensitivity analysis of {metric!r}; its metrics: {known}")
    return _readable(table)
