"""Card against tree against both combined, on a fresh synthetic sample.

The shipped tree was fitted to ``data/vignettes.csv`` (seed 7); the comparison draws a new
sample with a different seed (default 2026), so none of its vignettes were seen in fitting.
For each model (``card`` with its red flags, ``tree``, and ``combined``, the more cautious
of the two) it reports accuracy against the reference triage label, recall per level,
under- and over-triage, the confusion matrix, how often card and tree agree, and, against
the latent cause the generator drew, how many motor-neuron-like and central (MS-like) cases
each model sends to self-care (the target is none).

Compute here, render elsewhere: :func:`compare_models` returns a :class:`Comparison` of
tables; :func:`render_comparison_text` and :mod:`scoring.plots` turn it into text and figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.recommendation import LEVELS

__all__ = [
    "MODELS",
    "SERIOUS_CAUSES",
    "DEFAULT_COMPARE_SEED",
    "DEFAULT_COMPARE_N",
    "Comparison",
    "compare_models",
    "compare_frame",
    "render_comparison_text",
]

#: The three recommendations compared, in display order.
MODELS: tuple[str, ...] = ("card", "tree", "combined")
#: Latent causes that must never be sent to self-care.
SERIOUS_CAUSES: tuple[str, ...] = ("motor_neuron_like", "central_ms_like")
#: A seed different from the training data's (7), so the sample is fresh.
DEFAULT_COMPARE_SEED = 2026
DEFAULT_COMPARE_N = 20_000

_COLUMNS = {"card": "card_recommendation", "tree": "tree_recommendation", "combined": "recommendation"}


@dataclass(frozen=True)
class Comparison:
    """The comparison tables.

    Attributes
    ----------
    metrics : DataFrame
        One row per model (``card``, ``tree``, ``combined``): ``accuracy``,
        ``balanced_accuracy``, ``recall_self_care``, ``recall_see_doctor``,
        ``recall_urgent``, ``under_triage``, ``over_triage`` (shares of all vignettes),
        ``n_under``, ``n_over`` and ``serious_to_self_care`` (count).
    confusion : dict of str to DataFrame
        Per model, counts with the reference level as rows and the model's as columns.
    agreement : float
        Share of vignettes where card and tree recommend the same.
    card_vs_tree : DataFrame
        Counts with the card's recommendation as rows and the tree's as columns.
    by_cause : DataFrame
        One row per latent cause: ``n``, then per model the number sent to self-care
        (``<model>_self_care``) and the number sent to urgent (``<model>_urgent``).
    n : int
        Vignettes compared.
    seed : int or None
        The sample's seed (None for a frame passed in).
    """

    metrics: pd.DataFrame
    confusion: dict[str, pd.DataFrame]
    agreement: float
    card_vs_tree: pd.DataFrame
    by_cause: pd.DataFrame
    n: int
    seed: int | None

    @property
    def serious_to_self_care(self) -> dict[str, int]:
        """Motor-neuron-like and central cases each model sends to self-care (target: 0)."""
        return {model: int(self.metrics.loc[model, "serious_to_self_care"]) for model in self.metrics.index}

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "n": self.n,
            "seed": self.seed,
            "agreement": self.agreement,
            "metrics": self.metrics.to_dict(orient="index"),
            "confusion": {model: table.to_dict(orient="index") for model, table in self.confusion.items()},
            "card_vs_tree": self.card_vs_tree.to_dict(orient="index"),
            "by_cause": self.by_cause.to_dict(orient="index"),
        }


def _levels(column: pd.Series) -> np.ndarray:
    lookup = {level: i for i, level in enumerate(LEVELS)}
    return column.astype(str).map(lookup).to_numpy(dtype=np.int8)


def _crosstab(rows: np.ndarray, columns: np.ndarray, row_name: str, column_name: str) -> pd.DataFrame:
    counts = np.zeros((len(LEVELS), len(LEVELS)), dtype=np.int64)
    np.add.at(counts, (rows, columns), 1)
    table = pd.DataFrame(counts, index=list(LEVELS), columns=list(LEVELS))
    table.index.name, table.columns.name = row_name, column_name
    return table


def compare_frame(
    frame: pd.DataFrame, *, card: Any = None, tree: Any = "default", seed: int | None = None
) -> Comparison:
    """Compare card, tree and combined on vignettes that carry a reference ``triage`` label.

    Parameters
    ----------
    frame : DataFrame
        Vignettes with ``triage`` (and, for the safety table, ``latent_cause``).
    card, tree
        As for :func:`scoring.assess.assess_frame`; the tree must not be None.
    seed : int, optional
        Recorded in the result.

    Returns
    -------
    Comparison
    """
    from scoring.assess import assess_frame
    from scoring.engine.tree import resolve_tree, triage_metrics

    if "triage" not in frame.columns:
        raise ValueError("the frame has no 'triage' column: a comparison needs the reference label")
    the_tree = resolve_tree(tree)
    if the_tree is None:
        raise ValueError("tree=None: the comparison needs a tree (use 'default' for the shipped one)")
    assessed = assess_frame(frame, card=card, tree=the_tree)
    scored = assessed.scored
    reference = _levels(scored["triage"])
    predicted = {model: _levels(scored[column]) for model, column in _COLUMNS.items()}

    causes = scored["latent_cause"].astype(str).to_numpy() if "latent_cause" in scored else None
    serious = np.isin(causes, SERIOUS_CAUSES) if causes is not None else np.zeros(len(scored), dtype=bool)
    rows = {}
    for model, levels in predicted.items():
        m = triage_metrics(reference, levels)
        rows[model] = {
            "accuracy": m["accuracy"],
            "balanced_accuracy": m["balanced_accuracy"],
            **{f"recall_{level}": m[f"recall_{level}"] for level in LEVELS},
            "under_triage": m["under_triage"],
            "over_triage": m["over_triage"],
            "n_under": int((levels < reference).sum()),
            "n_over": int((levels > reference).sum()),
            "serious_to_self_care": int((serious & (levels == 0)).sum()),
        }
    metrics = pd.DataFrame.from_dict(rows, orient="index")
    metrics.index.name = "model"

    confusion = {model: _crosstab(reference, levels, "reference", model) for model, levels in predicted.items()}
    card_vs_tree = _crosstab(predicted["card"], predicted["tree"], "card", "tree")
    agreement = float(np.mean(predicted["card"] == predicted["tree"])) if len(scored) else float("nan")

    if causes is not None:
        from scoring.engine.synth import CAUSES

        names = list(CAUSES) + sorted(set(causes) - set(CAUSES))
        table = {"n": [int((causes == c).sum()) for c in names]}
        for model, levels in predicted.items():
            table[f"{model}_self_care"] = [int(((causes == c) & (levels == 0)).sum()) for c in names]
            table[f"{model}_urgent"] = [int(((causes == c) & (levels == 2)).sum()) for c in names]
        by_cause = pd.DataFrame(table, index=pd.Index(names, name="latent_cause"))
    else:
        by_cause = pd.DataFrame(columns=["n"])
    return Comparison(metrics, confusion, agreement, card_vs_tree, by_cause, int(len(scored)), seed)


def compare_models(
    n: int = DEFAULT_COMPARE_N,
    *,
    seed: int = DEFAULT_COMPARE_SEED,
    card: Any = None,
    tree: Any = "default",
    label_noise: float = 0.0,
) -> Comparison:
    """Draw a fresh synthetic sample and compare card, tree and combined on it.

    Parameters
    ----------
    n : int, default 20000
    seed : int, default 2026
        Different from the training data's seed (7), so the tree has not seen the sample.
    card, tree
        As for :func:`scoring.assess.assess_frame`.
    label_noise : float, default 0
        Passed to :func:`scoring.engine.synth.generate_vignettes`.

    Returns
    -------
    Comparison

    Examples
    --------
    >>> result = compare_models(2000)                 # doctest: +SKIP
    >>> result.serious_to_self_care                   # doctest: +SKIP
    {'card': 0, 'tree': 0, 'combined': 0}
    """
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(n, seed=seed, label_noise=label_noise)
    return compare_frame(frame, card=card, tree=tree, seed=seed)


def _percent(x: float) -> str:
    return "n/a" if x != x else f"{x:.1%}"


def render_comparison_text(comparison: Comparison) -> str:
    """The comparison as plain-text tables (what ``zaro compare`` prints)."""
    c = comparison
    source = f"seed {c.seed}" if c.seed is not None else "the given frame"
    lines = [f"Card, tree and combined on {c.n} fresh synthetic vignettes ({source}).", ""]
    shown = pd.DataFrame(
        {
            "accuracy": c.metrics["accuracy"].map(_percent),
            "balanced": c.metrics["balanced_accuracy"].map(_percent),
            **{f"recall {level}": c.metrics[f"recall_{level}"].map(_percent) for level in LEVELS},
            "under-triage": [f"{_percent(r.under_triage)} ({r.n_under})" for r in c.metrics.itertuples()],
            "over-triage": [f"{_percent(r.over_triage)} ({r.n_over})" for r in c.metrics.itertuples()],
        },
        index=c.metrics.index,
    )
    lines += ["Agreement with the reference triage", shown.to_string(), ""]
    lines.append(f"Card and tree agree on {_percent(c.agreement)} of vignettes.")
    lines += ["Card (rows) against tree (columns):", c.card_vs_tree.to_string(), ""]
    for model, table in c.confusion.items():
        lines += [f"Confusion matrix, {model} (rows: reference; columns: {model}):", table.to_string(), ""]
    if len(c.by_cause):
        lines.append("By latent cause (vignettes sent to self-care / to urgent):")
        cause_table = pd.DataFrame(
            {
                "n": c.by_cause["n"],
                **{
                    m: [f"{s} / {u}" for s, u in zip(c.by_cause[f"{m}_self_care"], c.by_cause[f"{m}_urgent"])]
                    for m in MODELS
                },
            },
            index=c.by_cause.index,
        )
        lines += [cause_table.to_string(), ""]
        serious = ", ".join(f"{m} {k}" for m, k in c.serious_to_self_care.items())
        verdict = "met" if not any(c.serious_to_self_care.values()) else "missed"
        lines.append(
            f"Motor-neuron-like or central (MS-like) cases sent to self-care: {serious} (target 0, {verdict})."
        )
    return "\n".join(lines)
