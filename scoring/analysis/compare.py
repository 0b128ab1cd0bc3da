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
A comparison can be saved (:meth:`Comparison.save`) and read back (:func:`load_comparison`,
or ``compare_models(..., saved=path)``, which checks that it was computed for the same
arguments): a report build computes it once for its index and hands the file to the
comparison notebook. Rates come from :func:`scoring.engine.metrics.triage_metrics`; counts are
read off the confusion tables.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.contract.recommendation import LEVELS, values_to_levels

__all__ = [
    "MODELS",
    "SERIOUS_CAUSES",
    "DEFAULT_COMPARE_SEED",
    "DEFAULT_COMPARE_N",
    "Comparison",
    "compare_models",
    "compare_frame",
    "load_comparison",
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
    card_fingerprint : str or None
        The compared card's fingerprint (its items, bands and red flags).
    label_noise : float
        The sample's label noise (see :func:`compare_models`).
    """

    metrics: pd.DataFrame
    confusion: dict[str, pd.DataFrame]
    agreement: float
    card_vs_tree: pd.DataFrame
    by_cause: pd.DataFrame
    n: int
    seed: int | None
    card_fingerprint: str | None = None
    label_noise: float = 0.0

    @property
    def serious_to_self_care(self) -> dict[str, int]:
        """Motor-neuron-like and central cases each model sends to self-care (target: 0)."""
        return {model: int(self.metrics.loc[model, "serious_to_self_care"]) for model in self.metrics.index}

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "n": self.n,
            "seed": self.seed,
            "card_fingerprint": self.card_fingerprint,
            "label_noise": self.label_noise,
            "agreement": self.agreement,
            "metrics": self.metrics.to_dict(orient="index"),
            "confusion": {model: table.to_dict(orient="index") for model, table in self.confusion.items()},
            "card_vs_tree": self.card_vs_tree.to_dict(orient="index"),
            "by_cause": self.by_cause.to_dict(orient="index"),
        }

    def save(self, path: str | Path) -> Path:
        """Write the comparison as JSON, for :func:`load_comparison` (or ``compare_models(saved=...)``).

        A report build computes the comparison once, saves it, and hands the file to the
        comparison notebook, so the index and the notebook show the same numbers from one run.
        """
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path


def _table(rows: dict[str, dict[str, Any]], index_name: str, columns_name: str | None = None) -> pd.DataFrame:
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name, table.columns.name = index_name, columns_name
    return table


def load_comparison(path: str | Path) -> Comparison:
    """Read a comparison written by :meth:`Comparison.save` (the same tables, the same numbers).

    Raises
    ------
    ValueError
        If the file is missing or is not a saved comparison, naming the file.
    """
    path = Path(path)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        confusion = {model: _table(table, "reference", model) for model, table in record["confusion"].items()}
        by_cause = _table(record["by_cause"], "latent_cause") if record["by_cause"] else pd.DataFrame(columns=["n"])
        return Comparison(
            metrics=_table(record["metrics"], "model"),
            confusion=confusion,
            agreement=float(record["agreement"]),
            card_vs_tree=_table(record["card_vs_tree"], "card", "tree"),
            by_cause=by_cause,
            n=int(record["n"]),
            seed=record["seed"],
            card_fingerprint=record.get("card_fingerprint"),
            label_noise=float(record.get("label_noise", 0.0)),
        )
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a comparison saved by Comparison.save ({type(exc).__name__}: {exc}); "
            "compute it again with compare_models()"
        ) from None


def _crosstab(rows: np.ndarray, columns: np.ndarray, row_name: str, column_name: str) -> pd.DataFrame:
    from sklearn.metrics import confusion_matrix

    counts = confusion_matrix(rows, columns, labels=list(range(len(LEVELS))))
    table = pd.DataFrame(counts.astype(np.int64), index=list(LEVELS), columns=list(LEVELS))
    table.index.name, table.columns.name = row_name, column_name
    return table


def _model_metrics(confusion: pd.DataFrame, reference: np.ndarray, levels: np.ndarray, serious: np.ndarray) -> dict:
    """One model's row: rates from triage_metrics, counts read off its confusion table."""
    from scoring.engine.metrics import triage_metrics

    m = triage_metrics(reference, levels)
    counts = confusion.to_numpy()
    return {
        "accuracy": m["accuracy"],
        "balanced_accuracy": m["balanced_accuracy"],
        **{f"recall_{level}": m[f"recall_{level}"] for level in LEVELS},
        "under_triage": m["under_triage"],
        "over_triage": m["over_triage"],
        # Below the diagonal: recommended less cautious than the reference; above: more.
        "n_under": int(np.tril(counts, -1).sum()),
        "n_over": int(np.triu(counts, 1).sum()),
        "serious_to_self_care": int((serious & (levels == 0)).sum()),
    }


def _by_cause(causes: np.ndarray | None, predicted: dict[str, np.ndarray]) -> pd.DataFrame:
    if causes is None:
        return pd.DataFrame(columns=["n"])
    from scoring.engine.synth import CAUSES

    names = list(CAUSES) + sorted(set(causes) - set(CAUSES))
    table = {"n": [int((causes == c).sum()) for c in names]}
    for model, levels in predicted.items():
        table[f"{model}_self_care"] = [int(((causes == c) & (levels == 0)).sum()) for c in names]
        table[f"{model}_urgent"] = [int(((causes == c) & (levels == 2)).sum()) for c in names]
    return pd.DataFrame(table, index=pd.Index(names, name="latent_cause"))


def compare_frame(
    frame: pd.DataFrame,
    *,
    card: Any = "default",
    tree: Any = "default",
    seed: int | None = None,
    label_noise: float = 0.0,
) -> Comparison:
    """Compare card, tree and combined on vignettes that carry a reference ``triage`` label.

    Parameters
    ----------
    frame : DataFrame
        Vignettes with ``triage`` (and, for the safety table, ``latent_cause``).
    card, tree
        As for :func:`scoring.assessment.assess_frame`; the tree must not be None.
    seed : int, optional
        Recorded in the result.
    label_noise : float, default 0
        Recorded in the result: the label noise the frame was drawn with.

    Returns
    -------
    Comparison
    """
    from scoring.assessment import assess_frame
    from scoring.engine.card import load_card
    from scoring.engine.tree import resolve_tree

    if "triage" not in frame.columns:
        raise ValueError("the frame has no 'triage' column: a comparison needs the reference label")
    the_tree = resolve_tree(tree)
    if the_tree is None:
        raise ValueError("tree=None: the comparison needs a tree (use 'default' for the shipped one)")
    the_card = load_card(card)
    scored = assess_frame(frame, card=the_card, tree=the_tree).scored
    reference = values_to_levels(scored["triage"].astype(str))
    predicted = {model: values_to_levels(scored[column].astype(str)) for model, column in _COLUMNS.items()}

    causes = scored["latent_cause"].astype(str).to_numpy() if "latent_cause" in scored else None
    serious = np.isin(causes, SERIOUS_CAUSES) if causes is not None else np.zeros(len(scored), dtype=bool)
    confusion = {model: _crosstab(reference, levels, "reference", model) for model, levels in predicted.items()}
    rows = {model: _model_metrics(confusion[model], reference, levels, serious) for model, levels in predicted.items()}
    metrics = pd.DataFrame.from_dict(rows, orient="index")
    metrics.index.name = "model"
    card_vs_tree = _crosstab(predicted["card"], predicted["tree"], "card", "tree")
    agreement = float(np.trace(card_vs_tree.to_numpy()) / len(scored)) if len(scored) else float("nan")
    return Comparison(
        metrics,
        confusion,
        agreement,
        card_vs_tree,
        _by_cause(causes, predicted),
        int(len(scored)),
        seed,
        card_fingerprint=the_card.fingerprint,
        label_noise=label_noise,
    )


def compare_models(
    n: int = DEFAULT_COMPARE_N,
    *,
    seed: int = DEFAULT_COMPARE_SEED,
    card: Any = "default",
    tree: Any = "default",
    label_noise: float = 0.0,
    saved: str | Path | None = None,
) -> Comparison:
    """Draw a fresh synthetic sample and compare card, tree and combined on it.

    Parameters
    ----------
    n : int, default 20000
    seed : int, default 2026
        Different from the training data's seed (7), so the tree has not seen the sample.
    card, tree
        As for :func:`scoring.assessment.assess_frame`.
    label_noise : float, default 0
        Passed to :func:`scoring.engine.synth.generate_vignettes`.
    saved : str or Path, optional
        A comparison written by :meth:`Comparison.save` for these same arguments: it is
        read instead of computed again (a report build passes the one its index shows).

    Returns
    -------
    Comparison

    Raises
    ------
    ValueError
        If ``saved`` was computed for another sample size, seed, label noise or card.

    Examples
    --------
    >>> result = compare_models(2000)                 # doctest: +SKIP
    >>> result.serious_to_self_care                   # doctest: +SKIP
    {'card': 0, 'tree': 0, 'combined': 0}
    """
    if saved is not None:
        return _checked(load_comparison(saved), saved, n=n, seed=seed, card=card, label_noise=label_noise)
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(n, seed=seed, label_noise=label_noise)
    return compare_frame(frame, card=card, tree=tree, seed=seed, label_noise=label_noise)


def _checked(
    comparison: Comparison, path: str | Path, *, n: int, seed: int, card: Any, label_noise: float
) -> Comparison:
    """``comparison`` if it was computed for these arguments; else a ValueError naming the difference."""
    from scoring.engine.card import load_card

    fingerprint = (load_card(card)).fingerprint
    wanted = {"n": n, "seed": seed, "label_noise": label_noise, "card_fingerprint": fingerprint}
    found = {name: getattr(comparison, name) for name in wanted}
    different = [
        f"{name} {found[name]!r} (asked for {value!r})"
        for name, value in wanted.items()
        if not (found[name] == value or (isinstance(value, float) and math.isclose(found[name], value)))
    ]
    if different:
        raise ValueError(
            f"the saved comparison {str(path)!r} was computed for another sample or card: "
            + "; ".join(different)
            + ". Pass saved=None to compute it, or save one for these arguments."
        )
    return comparison


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
