"""Tables for people: what the analysis notebooks display instead of raw frames and dicts.

Package functions return raw tables (floats, NaN, snake_case columns) for code to use; a
page shows these instead: percentages, labels, and "—" with a footnote where there is no
number. Each is a :class:`ReadableTable`, which a notebook displays as an HTML table and
``print`` shows as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.contract.recommendation import LABELS
from scoring.wording import MISSING, risk_percent


@dataclass(frozen=True)
class ReadableTable:
    """A table of display text, with a caption and an optional footnote."""

    frame: pd.DataFrame
    caption: str
    footnote: str | None = None

    def _repr_html_(self) -> str:
        import html

        table = self.frame.to_html(index=False, escape=True, border=0, na_rep=MISSING)
        caption = f"<p><strong>{html.escape(self.caption)}</strong></p>\n"
        note = f"\n<p><small>{html.escape(self.footnote)}</small></p>" if self.footnote else ""
        return caption + table + note

    def __str__(self) -> str:
        text = f"{self.caption}\n{self.frame.to_string(index=False, na_rep=MISSING)}"
        return text + (f"\n{self.footnote}" if self.footnote else "")


def readable_risk_table(table: pd.DataFrame) -> ReadableTable:
    """:func:`scoring.engine.calibration.risk_table` for reading: one row per points total.

    The risk is shown for the table's population (and, where a person's risk is their age
    band's, for each band); the counts and observed shares are those of the calibration
    sample (the learning mix), beside the risk the card gives there.

    Examples
    --------
    >>> from scoring.engine.calibration import risk_table
    >>> print(readable_risk_table(risk_table()).frame.columns[3])   # doctest: +SKIP
    Risk of a serious cause: Adults who notice twitching
    """
    from scoring.engine.populations import load_population
    from scoring.engine.risk import load_outcomes

    population = load_population(table.attrs.get("population"))
    trained = load_population(table.attrs.get("trained_on", "enriched"))
    outcome = load_outcomes()[table.attrs.get("outcome", "serious_cause")].label.lower()
    empty = table["n"] == 0
    frame = pd.DataFrame(
        {
            "Points total": table.index.astype(int),
            "Band": table["band"].to_numpy(),
            "Recommendation": [LABELS[value] for value in table["recommendation"]],
            f"Risk of a {outcome}: {population.label}": [risk_percent(p, missing=MISSING) for p in table["risk"]],
            # A person's risk is their age band's (where the table has bands): a page's figure is in one of these.
            **{
                f"Aged {band}": [risk_percent(p, missing=MISSING) for p in risks]
                for band, risks in (table.attrs.get("risk_by_age_band") or {}).items()
            },
            f"Risk: {trained.label}": [risk_percent(p, missing=MISSING) for p in table["risk_trained"]],
            "Vignettes in the calibration sample": [f"{int(n):,}" for n in table["n"]],
            "Observed share there": [risk_percent(p, missing=MISSING) for p in table["observed"]],
        }
    )
    red_flag = f"With a red flag: {risk_percent(table.attrs.get('red_flag_risk'))} ({population.label})"
    by_band = table.attrs.get("red_flag_risk_by_age_band") or {}
    if by_band:
        red_flag += "; by age band: " + ", ".join(f"{risk_percent(p)} aged {band}" for band, p in by_band.items())
    notes = [red_flag + "."]
    if empty.any():
        notes.append(f"{MISSING}: no vignette in the calibration sample had this total, so there is no observed share.")
    return ReadableTable(frame, f"Points total, band and risk of a {outcome}", " ".join(notes))


#: Cross-validation measures in reading order, and how each is shown.
_CV_MEASURES = {
    "log_loss": ("Log loss (lower is better)", "number"),
    "brier": ("Brier score (lower is better)", "number"),
    "auc": ("AUC (how well it ranks a serious cause above a harmless one)", "number"),
    "n_leaves": ("Leaves", "count"),
}


def readable_cv_metrics(selected: Mapping[str, Mapping[str, float]]) -> ReadableTable:
    """The chosen tree settings' cross-validated measures (``record["cross_validation"]["selected"]``)."""
    rows = []
    for key in [k for k in _CV_MEASURES if k in selected] + sorted(set(selected) - set(_CV_MEASURES)):
        name, kind = _CV_MEASURES.get(key, (key.replace("_", " ").capitalize(), "count"))
        stats = selected[key]
        shown = (lambda v: f"{v:.4f}") if kind == "number" else (lambda v: f"{v:.3g}")
        rows.append({"Measure": name, "Mean over the folds": shown(stats["mean"]), "Spread (SD)": shown(stats["std"])})
    return ReadableTable(pd.DataFrame(rows), "Cross-validated measures of the chosen settings")


_PARAMETERS = {
    "max_depth": ("Maximum depth", "questions asked, at most, before a leaf"),
    "min_samples_leaf": ("Smallest leaf", "training vignettes a leaf must hold"),
    "ccp_alpha": ("Pruning strength (ccp_alpha)", "higher values cut more branches"),
    "outcome": ("Outcome", "what the tree estimates the risk of"),
    "population": ("Fitted on", "the population the training vignettes come from"),
    "random_state": ("Random state", "fixes tie-breaking, so refits are identical"),
}


def readable_tree_params(params: Mapping[str, Any]) -> ReadableTable:
    """The shipped tree's settings (``record["params"]``) as a table with what each means.

    Settings left at their default (``None``) are left out.
    """
    rows = []
    for key, value in params.items():
        if value is None:
            continue
        name, meaning = _PARAMETERS.get(key, (key.replace("_", " ").capitalize(), ""))
        rows.append({"Setting": name, "Value": str(value), "What it means": meaning})
    return ReadableTable(pd.DataFrame(rows), "The chosen settings")


def tree_leaves(tree: Any) -> list[dict[str, str]]:
    """One row per leaf of a fitted tree: its conditions, its risk, and the risk policy's advice.

    The risk is the share of the leaf's training vignettes with the tree's outcome, worded by
    :func:`scoring.wording.leaf_risk_text` (it says where the risk holds and how many
    vignettes it rests on); the advice is the risk policy's for that risk in the default
    population.
    """
    # merged_conditions turns the splits on one feature into one phrase ("2 to 6 weeks").
    from scoring.engine.tree import merged_conditions, tree_rules

    rows = []
    for rule in tree_rules(tree):
        conditions = merged_conditions(rule.conditions)
        rows.append(
            {
                "conditions": " and ".join(conditions) if conditions else "always",
                "risk": rule.risk_text,
                "value": rule.recommendation.value,
                "label": rule.recommendation.label,
            }
        )
    return rows


def tree_advice_heading() -> str:
    """The heading of the advice column: whose risk policy, for which population."""
    from scoring.engine.populations import DEFAULT_POPULATION, load_population

    return f"Risk-based advice for {load_population(DEFAULT_POPULATION).label}"


def readable_tree_rules(tree: Any) -> ReadableTable:
    """The tree's rules as a table, one leaf a row (what the index page shows too)."""
    from scoring.engine.tree import outcome_words

    advice = tree_advice_heading()
    frame = pd.DataFrame(
        [
            {"If": leaf["conditions"], f"Risk of a {outcome_words(tree.outcome)}": leaf["risk"], advice: leaf["label"]}
            for leaf in tree_leaves(tree)
        ]
    )
    return ReadableTable(frame, "The tree's rules, one per leaf")
