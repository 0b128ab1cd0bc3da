"""The :class:`Comparison` of :mod:`scoring.analysis.compare`: its tables, and saving and reading them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.analysis.risk_metrics import NEVER_SELF_CARE

__all__ = ["TREE_MODEL", "REFERENCE_MODEL", "Comparison", "load_comparison", "card_model_id", "card_label"]

#: Model ids of the tree and the flexible reference (gradient boosting) (cards: :func:`card_model_id`).
TREE_MODEL = "tree"
REFERENCE_MODEL = "flexible_reference"

_CARD_LABELS = {"default": "Expert card", "learned": "Learned card"}
_LONG_TABLES = ("roc", "calibration", "by_cause")


def card_model_id(name: str) -> str:
    """The model id of a card in a comparison's tables, e.g. ``"default_card"``."""
    return f"{name}_card"


def card_label(name: str) -> str:
    """How the comparison names a card: ``"Expert card"`` for ``default``, ``"Learned card"`` for ``learned``."""
    return _CARD_LABELS.get(name, f"Card {name!r}")


@dataclass(frozen=True, eq=False)  # tables do not compare with ==
class Comparison:
    """The comparison's tables and what they were computed on.

    Attributes
    ----------
    models : DataFrame
        Indexed by ``model`` (``default_card``, ``learned_card``, ``tree``,
        ``flexible_reference``): ``label``, ``auc``, ``auc_low``, ``auc_high`` (the bootstrap
        95% interval), ``n``, ``observed`` (the outcome's share in the sample),
        ``predicted_mean``, ``calibration_intercept``, ``calibration_slope``, ``brier``,
        ``brier_reference`` (always predicting the observed share).
    policies : DataFrame
        Indexed by ``policy`` (``guideline``, ``risk_default_card``, ``risk_learned_card``,
        ``risk_tree``, ``risk_flexible_reference``): ``label``, ``model`` (whose risk, or for
        the guideline whose card, it reads), ``reference`` (True for the tree's and the
        flexible reference's: no person receives them), and the columns of
        :func:`scoring.analysis.risk_metrics.referral_counts`.
    roc : DataFrame
        Long: ``model``, ``label``, ``threshold``, ``false_positive_rate``, ``true_positive_rate``.
    calibration : DataFrame
        Long: ``model``, ``label`` and the columns of
        :func:`scoring.analysis.risk_metrics.calibration_curve`.
    by_cause : DataFrame
        Long: ``policy``, ``latent_cause``, ``n`` and the count sent to each level.
    population, outcome : str
        Ids: whom the sample describes and what the risks are of.
    n, n_outcome : int
        Vignettes compared, and how many of them have the outcome.
    seed : int or None
        The sample's seed (None for a frame passed in); it also seeds the bootstrap.
    resamples : int
        Bootstrap resamples of every AUC interval.
    cards : dict of str to str
        Each compared card's name and fingerprint (its items, bands and red flags).
    tree : bool
        Whether the tree was compared.
    reference : dict
        The flexible reference's fitting sample: ``n``, ``seed``, ``population``.
    """

    models: pd.DataFrame
    policies: pd.DataFrame
    roc: pd.DataFrame
    calibration: pd.DataFrame
    by_cause: pd.DataFrame
    population: str
    outcome: str
    n: int
    n_outcome: int
    seed: int | None
    resamples: int
    cards: dict[str, str] = field(default_factory=dict)
    tree: bool = False
    reference: dict[str, Any] = field(default_factory=dict)

    @property
    def never_self_care(self) -> dict[str, int]:
        """Motor-neuron-like and MS-like cases each policy sends to self-care (target: 0)."""
        columns = [f"{cause}_self_care" for cause in NEVER_SELF_CARE]
        return {policy: int(self.policies.loc[policy, columns].sum()) for policy in self.policies.index}

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "population": self.population,
            "outcome": self.outcome,
            "n": self.n,
            "n_outcome": self.n_outcome,
            "seed": self.seed,
            "resamples": self.resamples,
            "cards": self.cards,
            "tree": self.tree,
            "reference": self.reference,
            "models": _records(self.models.reset_index()),
            "policies": _records(self.policies.reset_index()),
            **{name: _records(getattr(self, name)) for name in _LONG_TABLES},
        }

    def save(self, path: str | Path) -> Path:
        """Write the comparison as JSON, for :func:`load_comparison` (or ``compare_models(saved=...)``).

        A report build computes the comparison once, saves it, and hands the file to the
        notebooks, so the index and the notebooks show the same numbers from one run.
        """
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n", encoding="utf-8")
        return path


def _records(frame: pd.DataFrame) -> dict[str, Any]:
    """A table as its columns, names and values, so that it reads back with the same dtypes."""
    return {
        "columns": list(frame.columns),
        "dtypes": [str(dtype) for dtype in frame.dtypes],
        "data": [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)],
    }


def _plain(value: Any) -> Any:
    """A JSON value; NaN and infinities as the strings float() reads back, so the file is strict JSON."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    return value


def _table(record: dict[str, Any], index: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(record["data"], columns=record["columns"])
    frame = frame.astype(dict(zip(record["columns"], record["dtypes"])))
    return frame.set_index(index) if index else frame


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
        return Comparison(
            models=_table(record["models"], "model"),
            policies=_table(record["policies"], "policy"),
            **{name: _table(record[name]) for name in _LONG_TABLES},
            population=str(record["population"]),
            outcome=str(record["outcome"]),
            n=int(record["n"]),
            n_outcome=int(record["n_outcome"]),
            seed=record["seed"],
            resamples=int(record["resamples"]),
            cards=dict(record["cards"]),
            tree=bool(record["tree"]),
            reference=dict(record["reference"]),
        )
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a comparison saved by Comparison.save ({type(exc).__name__}: {exc}); "
            "compute it again with compare_models()"
        ) from None
