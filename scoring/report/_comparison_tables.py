"""The risk-model comparison for reading: the tables the notebooks and the index show.

:class:`scoring.analysis.compare.Comparison` holds raw numbers; these turn its model and
policy tables into display text (AUCs with their intervals, percentages, counts), once, so
the index page and the notebooks show the same figures in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.report._tables import ReadableTable
from scoring.wording import MISSING, percent

__all__ = [
    "ReadableFindings",
    "comparison_caption",
    "readable_cause_table",
    "readable_findings",
    "readable_model_table",
    "readable_policy_table",
]


def _number(value: float, digits: int) -> str:
    return MISSING if value != value else f"{value:.{digits}f}"


def comparison_caption(comparison: Any) -> str:
    """Where the numbers come from: the sample, its population and the outcome."""
    from scoring.engine.populations import load_population
    from scoring.engine.risk import load_outcomes

    c = comparison
    outcome = load_outcomes()[c.outcome].label.lower()
    population = load_population(c.population).label.lower()
    seed = f"seed {c.seed}" if c.seed is not None else "a given frame"
    share = percent(c.n_outcome / c.n, 2, missing=MISSING) if c.n else MISSING
    return (
        f"{c.n:,} fresh synthetic vignettes of the {c.population} population ({population}; {seed}, "
        f"not used to fit any model); a {outcome} in {c.n_outcome:,} ({share})"
    )


def readable_model_table(comparison: Any) -> ReadableTable:
    """One row per model: AUC with its 95% interval, calibration intercept and slope, Brier score."""
    m = comparison.models
    frame = pd.DataFrame(
        {
            "Model": m["label"].to_numpy(),
            "AUC (95% CI)": [
                f"{_number(r.auc, 3)} ({_number(r.auc_low, 3)} to {_number(r.auc_high, 3)})" for r in m.itertuples()
            ],
            "Calibration slope": [_number(v, 2) for v in m["calibration_slope"]],
            "Calibration intercept": [_number(v, 2) for v in m["calibration_intercept"]],
            "Brier score": [_number(v, 4) for v in m["brier"]],
        }
    )
    reference = _number(float(m["brier_reference"].iloc[0]), 4) if len(m) else MISSING
    footnote = (
        f"AUC intervals: percentile bootstrap, {comparison.resamples:,} resamples. A calibration slope of 1 "
        f"and an intercept of 0 are ideal. Brier score of always predicting the observed share: {reference}."
    )
    return ReadableTable(frame, f"Risk models on {comparison_caption(comparison)}", footnote)


def readable_policy_table(comparison: Any) -> ReadableTable:
    """One row per policy: who it refers (see a doctor or urgent), how well, and the missed serious cases."""
    p = comparison.policies
    frame = pd.DataFrame(
        {
            "Policy": [f"{label}{' *' if ref else ''}" for label, ref in zip(p["label"], p["reference"])],
            "Referred": [percent(v, 1, missing=MISSING) for v in p["share_referred"]],
            "Urgent": [percent(v, 1, missing=MISSING) for v in p["share_urgent"]],
            "Sensitivity": [percent(v, 1, missing=MISSING) for v in p["sensitivity"]],
            "Specificity": [percent(v, 1, missing=MISSING) for v in p["specificity"]],
            "PPV": [percent(v, 1, missing=MISSING) for v in p["ppv"]],
            "NPV": [percent(v, 2, missing=MISSING) for v in p["npv"]],
            "Serious causes referred": [
                f"{int(a):,} of {int(b):,}" for a, b in zip(p["n_outcome_referred"], p["n_outcome"])
            ],
            "Motor-neuron-like to self-care": [f"{int(v):,}" for v in p["motor_neuron_like_self_care"]],
            "MS-like to self-care": [f"{int(v):,}" for v in p["central_ms_like_self_care"]],
        }
    )
    footnote = (
        "Referred: told to see a doctor or to get urgent help; sensitivity and PPV are for a serious cause. "
        "The target for motor-neuron-like and MS-like cases sent to self-care is zero."
    )
    if p["reference"].any():
        footnote += " * For reference: the risk policy's thresholds on that model's risk; no person receives it."
    return ReadableTable(frame, f"Policies on {comparison_caption(comparison)}", footnote)


def readable_cause_table(comparison: Any, *, reference: bool = False) -> ReadableTable:
    """Per hidden cause, how many vignettes each policy sends to self-care, a doctor and urgent help.

    Parameters
    ----------
    comparison : Comparison
    reference : bool, default False
        Also show the reference policies (the risk thresholds on the tree and the flexible reference).
    """
    from scoring.engine.synth import load_generator_params

    p = comparison.policies
    shown = [policy for policy in p.index if reference or not p.loc[policy, "reference"]]
    names = load_generator_params().cause_labels
    table = comparison.by_cause[comparison.by_cause["policy"].isin(shown)]
    first = table[table["policy"] == shown[0]]
    frame = pd.DataFrame({"Hidden cause": [names.get(c, c.replace("_", " ")) for c in first["latent_cause"]]})
    frame["Vignettes"] = [f"{int(v):,}" for v in first["n"]]
    for policy in shown:
        rows = table[table["policy"] == policy]
        frame[p.loc[policy, "label"]] = [
            f"{int(a):,} / {int(b):,} / {int(u):,}"
            for a, b, u in zip(rows["self_care"], rows["see_doctor"], rows["urgent"])
        ]
    return ReadableTable(
        frame,
        f"Where each hidden cause is sent: self-care / see a doctor / urgent ({comparison.n:,} vignettes)",
        "The hidden cause is known only because the vignettes are synthetic; no policy sees it.",
    )


@dataclass(frozen=True)
class ReadableFindings:
    """Sentences about a comparison, shown as a Markdown list in a notebook and as lines by ``print``."""

    caption: str
    findings: tuple[str, ...]

    def _repr_markdown_(self) -> str:
        return f"**{self.caption}**\n\n" + "\n".join(f"- {finding}" for finding in self.findings)

    def __str__(self) -> str:
        return "\n".join([self.caption, *(f"- {finding}" for finding in self.findings)])


def readable_findings(comparison: Any) -> ReadableFindings:
    """:func:`scoring.analysis.compare.comparison_findings`: which model to trust and why, from the numbers."""
    from scoring.analysis.compare import comparison_findings

    return ReadableFindings("What the numbers say", tuple(comparison_findings(comparison)))
