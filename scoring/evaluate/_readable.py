"""An evaluation's tables in words: the rows the model card prints and the evaluation page shows.

Each builder returns a :class:`TextTable` (a caption, a header, rows of display text and a
note), so the Markdown model card and the report's tables say the same thing in the same
words: intervals as "97.3% (95.8% to 98.2%)", counts per 1,000 people, a true minus sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.wording import percent, risk_percent

__all__ = [
    "TextTable",
    "SUBGROUP_NAMES",
    "model_table",
    "policy_table",
    "cutoff_table",
    "net_benefit_table",
    "subgroup_tables",
    "subgroup_calibration_tables",
    "headline_lines",
    "cause_sensitivity_table",
    "assumption_table",
    "received_policies",
    "share_interval",
    "number_interval",
]

#: How a subgroup dimension is named.
SUBGROUP_NAMES = {"age_band": "Age band", "sex": "Sex"}
_MISSING = "n/a"


@dataclass(frozen=True)
class TextTable:
    """A table of display text."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame with the header as its columns."""
        return pd.DataFrame(list(self.rows), columns=list(self.header))

    def markdown(self) -> list[str]:
        """The table as Markdown lines (pipes in cells escaped), then a blank line."""

        def cell(value: str) -> str:
            return " ".join(str(value).split()).replace("|", "\\|")

        lines = ["| " + " | ".join(cell(h) for h in self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return lines + [""]


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]], note: str = "") -> TextTable:
    return TextTable(caption, tuple(header), tuple(tuple(str(v) for v in row) for row in rows), note)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def signed(value: float, digits: int) -> str:
    """A number with a true minus sign: ``−0.03``, not ``-0.03``."""
    return f"{value:.{digits}f}".replace("-", "−")


def share_interval(row: Any, name: str, digits: int = 1) -> str:
    """A share with its interval from ``<name>``, ``<name>_low`` and ``<name>_high``.

    Examples
    --------
    >>> share_interval({"ppv": 0.273, "ppv_low": 0.257, "ppv_high": 0.29}, "ppv")
    '27.3% (25.7% to 29.0%)'
    """
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if _missing(value):
        return _MISSING
    if _missing(low) or _missing(high):
        return percent(value, digits)
    return f"{percent(value, digits)} ({percent(low, digits)} to {percent(high, digits)})"


def number_interval(row: Any, name: str, digits: int) -> str:
    """A number with its interval, e.g. ``−0.03 (−0.12 to 0.06)``."""
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if _missing(value):
        return _MISSING
    if _missing(low) or _missing(high):
        return signed(value, digits)
    return f"{signed(value, digits)} ({signed(low, digits)} to {signed(high, digits)})"


def _per_thousand(count: Any, n: Any) -> str:
    return _MISSING if not n else f"{1000 * float(count) / float(n):.1f}"


def lower_first(text: str) -> str:
    """``"Risk policy, expert card"`` → ``"risk policy, expert card"``; an acronym stays as it is."""
    return text[:1].lower() + text[1:] if len(text) == 1 or text[1:2].islower() else text


# --------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------


def model_table(evaluation: Any) -> TextTable:
    """Per model: AUC, calibration intercept and slope, Brier score, each with its interval."""
    calibration = {row["model"]: row for row in evaluation.calibration.to_dict(orient="records")}
    rows = []
    for row in evaluation.discrimination.to_dict(orient="records"):
        fit = calibration.get(row["model"], {})
        rows.append(
            [
                row["label"],
                number_interval(row, "auc", 3),
                number_interval(fit, "calibration_intercept", 2),
                number_interval(fit, "calibration_slope", 2),
                number_interval(fit, "brier", 4),
            ]
        )
    return _table(
        f"Discrimination and calibration in the {evaluation.population} population (95% CI)",
        ["Model", "AUC", "Calibration intercept", "Calibration slope", "Brier score"],
        rows,
        f"AUC: percentile bootstrap, {evaluation.resamples:,} resamples. Calibration: an intercept of 0 and a slope "
        "of 1 are ideal (intervals from the fits' standard errors).",
    )


def policy_table(evaluation: Any) -> TextTable:
    """Per policy: who it refers, how well, serious causes missed and unnecessary referrals per 1,000."""
    table = evaluation.thresholds
    chosen = table[(table["kind"] == "policy") & (table["positive"] == "referred")]
    self_care = {row["policy"]: row for row in evaluation.policies.to_dict(orient="records")}
    rows = []
    for row in chosen.to_dict(orient="records"):
        extra = self_care.get(row["strategy"], {})
        never = (
            f"{int(extra['motor_neuron_like_self_care'])} / {int(extra['central_ms_like_self_care'])}"
            if "motor_neuron_like_self_care" in extra
            else _MISSING
        )
        rows.append(
            [
                row["label"] + (" *" if extra.get("reference") else ""),
                share_interval(row, "share_referred"),
                share_interval(row, "sensitivity"),
                share_interval(row, "specificity"),
                share_interval(row, "ppv"),
                share_interval(row, "npv", 2),
                _per_thousand(row["fn"], row["n"]),
                _per_thousand(row["fp"], row["n"]),
                never,
            ]
        )
    note = (
        "Referred: told to see a doctor or to get urgent help. Intervals: Wilson, 95%. Missed: serious causes "
        "not referred; unnecessary: referred without one."
    )
    if any(bool(row.get("reference")) for row in self_care.values()):
        note += " * For reference: the risk policy's thresholds on that model's risk; no person receives it."
    return _table(
        "Missed serious causes against unnecessary referrals: the policies",
        [
            "Policy",
            "Referred",
            "Sensitivity",
            "Specificity",
            "PPV",
            "NPV",
            "Missed per 1,000",
            "Unnecessary referrals per 1,000",
            "Motor-neuron-like / MS-like to self-care",
        ],
        rows,
        note,
    )


def cutoff_table(evaluation: Any) -> TextTable:
    """Per model and cut-off (the risk policy's thresholds, each card's band edges): the same rates."""
    table = evaluation.thresholds
    rows = [
        [
            row["label"],
            row.get("cutoff_label") or f"{row['cutoff']:.4g}",
            share_interval(row, "share_referred"),
            share_interval(row, "sensitivity"),
            share_interval(row, "specificity"),
            share_interval(row, "ppv"),
            _per_thousand(row["fn"], row["n"]),
            _per_thousand(row["fp"], row["n"]),
        ]
        for row in table[table["kind"] == "model"].to_dict(orient="records")
    ]
    return _table(
        "Each model's cut-offs: everyone whose risk is at least the cut-off is referred",
        [
            "Model",
            "Cut-off",
            "Referred",
            "Sensitivity",
            "Specificity",
            "PPV",
            "Missed per 1,000",
            "Unnecessary per 1,000",
        ],
        rows,
        "Red flags are not added here (the policies add them). Intervals: Wilson, 95%.",
    )


def _policy_thresholds() -> list[float]:
    from scoring.engine.policies import load_policies

    risk = next((p for p in load_policies().values() if p.kind == "risk"), None)
    return [float(t.at_least) for t in risk.thresholds] if risk is not None else []


def net_benefit_table(evaluation: Any) -> TextTable:
    """Net benefit per 1,000 people of every strategy at the risk policy's thresholds."""
    curve = evaluation.decision_curve
    thresholds = _policy_thresholds()
    grid = np.unique(curve["threshold"].to_numpy(dtype=np.float64)) if len(curve) else np.array([])
    nearest = [float(grid[np.argmin(np.abs(grid - t))]) for t in thresholds] if len(grid) else []
    rows = []
    for _, part in curve.groupby("strategy", sort=False):
        values = dict(zip(part["threshold"].to_numpy(dtype=np.float64), part["net_benefit"].to_numpy(dtype=np.float64)))
        rows.append(
            [part["label"].iloc[0], *[signed(1000 * values[t], 1) if t in values else _MISSING for t in nearest]]
        )
    return _table(
        "Net benefit per 1,000 people at the risk policy's thresholds",
        ["Strategy", *[f"At {risk_percent(t)}" for t in nearest]],
        rows,
        "Serious causes referred, less unnecessary referrals weighted by the threshold's harm-to-benefit ratio, per "
        "1,000 people. Higher is better; 0 is referring no one.",
    )


def received_policies(evaluation: Any) -> list[str]:
    """The policies a person can receive (not the reference ones), in table order."""
    policies = evaluation.policies
    if not len(policies):
        return []
    if "reference" not in policies.columns:
        return [str(p) for p in policies["policy"]]
    return [str(p) for p, reference in zip(policies["policy"], policies["reference"]) if not bool(reference)]


def subgroup_tables(evaluation: Any) -> list[TextTable]:
    """One table per subgroup dimension: the first model's AUC, and each received policy's
    sensitivity and share referred, with intervals."""
    table = evaluation.subgroups
    primary = next(iter(evaluation.models), None)
    received = received_policies(evaluation)
    tables = []
    for group_by, part in table.groupby("group_by", sort=False):
        header = ["Group", "Vignettes", "With the outcome"]
        if primary is not None:
            header.append(f"AUC, {lower_first(evaluation.models[primary])}")
        for policy in received:
            label = lower_first(evaluation.policies_labels.get(policy, policy))
            header += [f"Sensitivity, {label}", f"Referred, {label}"]
        rows = []
        for group, in_group in part.groupby("group", sort=False):
            by_strategy = {row["strategy"]: row for row in in_group.to_dict(orient="records")}
            first = next(iter(by_strategy.values()))
            row = [group, f"{int(first['n']):,}", f"{int(first['n_outcome']):,}"]
            if primary is not None:
                row.append(number_interval(by_strategy.get(primary, {}), "auc", 3))
            for policy in received:
                found = by_strategy.get(policy, {})
                row += [share_interval(found, "sensitivity"), share_interval(found, "share_referred")]
            rows.append(row)
        name = SUBGROUP_NAMES.get(str(group_by), str(group_by))
        tables.append(
            _table(
                f"By {name.lower()} (95% CI)",
                header,
                rows,
                f"AUC: percentile bootstrap, {evaluation.subgroup_resamples:,} resamples; shares: Wilson. "
                "A group with few serious causes has a wide interval.",
            )
        )
    return tables


def subgroup_calibration_tables(evaluation: Any) -> list[TextTable]:
    """One table per model: observed/expected, calibration intercept and slope in every age band and sex."""
    table = getattr(evaluation, "subgroup_calibration", None)
    if table is None or not len(table):
        return []
    tables = []
    for _model, part in table.groupby("model", sort=False):
        rows = [
            [
                f"{SUBGROUP_NAMES.get(str(row['group_by']), str(row['group_by']))}: {row['group']}",
                f"{int(row['n']):,}",
                f"{int(row['n_outcome']):,}",
                number_interval(row, "observed_expected", 2),
                number_interval(row, "calibration_intercept", 2),
                number_interval(row, "calibration_slope", 2),
            ]
            for row in part.to_dict(orient="records")
        ]
        label = str(part["label"].iloc[0])
        tables.append(
            _table(
                f"Calibration by subgroup, {lower_first(label)} (95% CI)",
                ["Group", "Vignettes", "With the outcome", "Observed/expected", "Calibration intercept", "Slope"],
                rows,
                "Observed/expected 1, intercept 0 and slope 1 are ideal; above 1 (or an intercept above 0) means the "
                "risks are too low in that group. Intervals: O/E·exp(±1.96/√O) and the fits' standard errors.",
            )
        )
    return tables


def cause_sensitivity_table(evaluation: Any) -> TextTable | None:
    """Per policy: the share of each serious cause referred (Wilson 95% CI) and how many were told self-care."""
    table = getattr(evaluation, "cause_sensitivity", None)
    if table is None or not len(table):
        return None
    causes = list(dict.fromkeys(zip(table["cause"], table["cause_label"])))
    header = ["Policy"] + [f"{label} ({int(table[table['cause'] == c]['n'].iloc[0]):,})" for c, label in causes]
    rows = []
    for _, part in table.groupby("policy", sort=False):
        by_cause = {row["cause"]: row for row in part.to_dict(orient="records")}
        cells = [str(part["label"].iloc[0])]
        for cause, _label in causes:
            row = by_cause[cause]
            told = (
                f"{int(row['n_self_care']):,} ({row['n_self_care_low']:.0f} to {row['n_self_care_high']:.0f})"
                if not _missing(row["n_self_care_low"])
                else f"{int(row['n_self_care']):,}"
            )
            cells.append(f"{share_interval(row, 'sensitivity')}; self-care {told}")
        rows.append(cells)
    return _table(
        f"Sensitivity by cause in the {evaluation.population} population (95% CI)",
        header,
        rows,
        "Each cell: the share of that cause referred (see a doctor or urgent; Wilson interval), then how many were "
        "told self-care, with the interval of that count for a sample of this size (the column's count times the "
        "Wilson bounds of the share). The column heading gives how many vignettes have the cause.",
    )


def headline_lines(evaluation: Any) -> list[str]:
    """A few lines to read at once (``zaro evaluate`` prints them): each model's AUC, and each policy's
    sensitivity and referrals, with intervals."""

    def interval(value: float, low: float, high: float, digits: int = 1) -> str:
        return f"{percent(value, digits)} ({percent(low, digits)} to {percent(high, digits)})"

    lines = ["AUC (95% CI):"]
    for row in evaluation.discrimination.itertuples(index=False):
        lines.append(f"  {row.label}: {row.auc:.3f} ({row.auc_low:.3f} to {row.auc_high:.3f})")
    table = evaluation.thresholds
    policies = table[(table["kind"] == "policy") & (table["positive"] == "referred")]
    if len(policies):
        lines.append("Policies: serious causes referred (sensitivity) and people referred, 95% Wilson CIs:")
        for row in policies.itertuples(index=False):
            lines.append(
                f"  {row.label}: {interval(row.sensitivity, row.sensitivity_low, row.sensitivity_high)}; "
                f"referred {interval(row.share_referred, row.share_referred_low, row.share_referred_high)}"
            )
    return lines


def _metric_value(value: Any, share: bool) -> str:
    if _missing(value):
        return _MISSING
    return percent(value, 1) if share else signed(value, 3)


def _change(value: Any, share: bool) -> str:
    if _missing(value):
        return _MISSING
    text = f"{100 * value:+.1f} points" if share else f"{value:+.3f}"
    return text.replace("-", "−")


def _moved(row: dict[str, Any], side: str, share: bool) -> str:
    setting = str(row.get(f"{side}_setting") or "")
    if not setting:
        return "not moved"
    # "prior.motor_neuron_like: 0.001 → 0.002": the assumption is named in its own column.
    moved = setting.split(": ", 1)[-1]
    value = row[f"{side}_value"]
    change = row[f"{side}_change"]
    return f"{moved}: {_metric_value(value, share)} ({_change(change, share)})"


def assumption_table(evaluation: Any, metric: str, *, top: int = 10) -> TextTable | None:
    """The assumptions that move one headline metric most, each at its lower and higher setting.

    None when the evaluation has no sensitivity analysis, or not of this metric.
    """
    from scoring.evaluate._sensitivity import tornado_table

    sensitivity = evaluation.sensitivity
    if not len(sensitivity) or metric not in set(sensitivity["metric"]):
        return None
    ranked = tornado_table(sensitivity, metric=metric, top=top)
    if not len(ranked):
        return None
    first = ranked.iloc[0]
    share = bool(first["share"])
    label = str(first["metric_label"])
    rows = [
        [row["label"], _moved(row, "low", share), _moved(row, "high", share)]
        for row in ranked.to_dict(orient="records")
    ]
    return _table(
        f"{label[:1].upper() + label[1:]}: {_metric_value(first['baseline'], share)} on the unmoved sample",
        ["Assumption", "Lower setting", "Higher setting"],
        rows,
        "Each number moved alone, the vignettes generated again with the same seed and scored by the shipped "
        "models, unchanged.",
    )
