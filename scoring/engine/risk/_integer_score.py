"""A sparse integer risk score: a few yes/no items with whole points, and what a total means.

:func:`fit_integer_score` runs the FasterRisk method (:mod:`scoring.engine.risk._search`)
on a yes/no feature matrix and returns an :class:`IntegerScore` (:func:`fit_integer_scores`
fits several sizes from one search): which features count, their
points, an integer intercept and a multiplier, so that

    P(outcome) = sigmoid((intercept + total points) / multiplier)

in the population the score was fitted on (see :func:`scoring.engine.risk.shift_probability`
to move it to another).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from scoring.engine.risk._prior import shift_probability
from scoring.engine.risk._search import Solution, sparse_beam_path, star_ray_round

__all__ = ["IntegerScore", "fit_integer_score", "fit_integer_scores"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class IntegerScore:
    """A fitted integer risk score.

    Attributes
    ----------
    feature_indices : tuple of int
        Columns of the fitting matrix that score, ascending.
    feature_names : tuple of str
        Their names.
    points : tuple of int
        Points per scoring feature (never 0), in the same order.
    intercept : int
        Added to every total before scaling.
    multiplier : float
        The scale: ``P = sigmoid((intercept + total) / multiplier)``.
    n_features : int
        Columns of the fitting matrix (what :meth:`predict_proba` expects).
    train_prevalence : float
        Share of positive rows in the fitting data.
    outcome : str
        What the score predicts, e.g. ``"serious_cause"`` (free text when not given).
    """

    feature_indices: tuple[int, ...]
    feature_names: tuple[str, ...]
    points: tuple[int, ...]
    intercept: int
    multiplier: float
    n_features: int
    train_prevalence: float
    outcome: str = ""

    @property
    def min_total(self) -> int:
        """The lowest total: every negative item, no positive one."""
        return sum(p for p in self.points if p < 0)

    @property
    def max_total(self) -> int:
        """The highest total: every positive item, no negative one."""
        return sum(p for p in self.points if p > 0)

    def _check(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(
                f"X must have shape (rows, {self.n_features}) like the fitting matrix, got {x.shape}; "
                "pass the full binary matrix (scoring.engine.risk.binarize), not only the scoring columns"
            )
        return x

    def total(self, x: np.ndarray) -> np.ndarray:
        """Points total per row of a binary matrix with the fitting matrix's columns."""
        x = self._check(x)
        return x[:, list(self.feature_indices)].astype(np.int64) @ np.array(self.points, dtype=np.int64)

    def probability_of_total(self, totals: np.ndarray | int, target_prevalence: float | None = None) -> np.ndarray:
        """Probability of the outcome for points totals, optionally moved to another prevalence."""
        p = _sigmoid((self.intercept + np.asarray(totals, dtype=np.float64)) / self.multiplier)
        if target_prevalence is None:
            return p
        return shift_probability(p, self.train_prevalence, target_prevalence)

    def predict_proba(self, x: np.ndarray, target_prevalence: float | None = None) -> np.ndarray:
        """``sigmoid((intercept + X @ points) / multiplier)`` per row (fitting population unless shifted)."""
        return self.probability_of_total(self.total(x), target_prevalence)

    def probability_table(self, target_prevalence: float | None = None) -> pd.DataFrame:
        """Every reachable total and its probability, lowest total first.

        Parameters
        ----------
        target_prevalence : float, optional
            Move the probabilities from the fitting prevalence to this one (prior shift).

        Returns
        -------
        DataFrame
            Columns ``total`` (int) and ``probability`` (float), one row per total that some
            combination of items reaches.
        """
        reachable = {0}
        for p in self.points:
            reachable |= {t + p for t in reachable}
        totals = np.array(sorted(reachable), dtype=np.int64)
        return pd.DataFrame({"total": totals, "probability": self.probability_of_total(totals, target_prevalence)})


def _as_binary(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2:
        raise ValueError(f"X must be a 2-D (rows, features) array of yes/no values, got shape {x.shape}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must be 1-D with one entry per row of X ({x.shape[0]}), got shape {y.shape}")
    for name, values in (("X", x), ("y", y)):
        if values.dtype != bool and not np.isin(values, (0, 1)).all():
            raise ValueError(f"{name} must hold only yes/no values (bool, or 0 and 1); threshold numbers first")
    y = y.astype(np.float64)
    if not 0 < y.sum() < len(y):
        raise ValueError(f"y must contain both outcomes; it has {int(y.sum())} positive rows out of {len(y)}")
    return x.astype(np.float64), y


def _check_settings(k: int, coef_bounds: tuple[int, int], beam_size: int, n_features: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n_features:
        raise ValueError(f"k must be a whole number from 1 to the number of features ({n_features}), got {k!r}")
    lo, hi = coef_bounds
    if not all(isinstance(b, int | np.integer) and not isinstance(b, bool) for b in coef_bounds) or not lo < 0 < hi:
        raise ValueError(f"coef_bounds must be whole numbers (low < 0 < high), e.g. (-5, 5); got {coef_bounds!r}")
    if isinstance(beam_size, bool) or not isinstance(beam_size, int | np.integer) or beam_size < 1:
        raise ValueError(f"beam_size must be a whole number of 1 or more, got {beam_size!r}")


def _score_from_beam(
    x: np.ndarray,
    y: np.ndarray,
    beam: Sequence[Solution],
    bounds: tuple[int, int],
    rays: int,
    names: tuple[str, ...],
    outcome: str,
) -> IntegerScore:
    """Round every solution of a beam; keep the integer solution with the lowest loss."""
    best: tuple[float, tuple[int, ...], np.ndarray, float] | None = None
    for solution in beam:
        integer, multiplier, loss = star_ray_round(x, y, solution, bounds, rays)
        if best is None or loss < best[0]:
            best = (loss, solution.support, integer, multiplier)
    if best is None:
        raise ValueError("the beam search returned no solution; check that X has at least one column")
    _, support, integer, multiplier = best
    keep = [i for i, p in enumerate(integer[1:]) if p != 0]
    indices = tuple(support[i] for i in keep)
    return IntegerScore(
        feature_indices=indices,
        feature_names=tuple(names[j] for j in indices),
        points=tuple(int(integer[1 + i]) for i in keep),
        intercept=int(integer[0]),
        multiplier=multiplier,
        n_features=x.shape[1],
        train_prevalence=float(y.mean()),
        outcome=outcome,
    )


def fit_integer_scores(
    x: np.ndarray,
    y: np.ndarray,
    sizes: Sequence[int] = (8,),
    coef_bounds: tuple[int, int] = (-5, 5),
    beam_size: int = 10,
    *,
    feature_names: Sequence[str] | None = None,
    outcome: str = "",
    rays: int = 20,
) -> dict[int, IntegerScore]:
    """Fit sparse integer risk scores of several sizes from one beam search.

    The beam at each size does not depend on the largest size searched, so one search up to
    ``max(sizes)`` gives every smaller size the same score that :func:`fit_integer_score`
    gives it alone, for little more than the price of the largest.

    Parameters
    ----------
    x, y, coef_bounds, beam_size, feature_names, outcome, rays
        As for :func:`fit_integer_score`.
    sizes : sequence of int, default (8,)
        The values of ``k`` to fit, each from 1 to the number of features.

    Returns
    -------
    dict of int to IntegerScore
        One score per size, in ascending order of size.

    Examples
    --------
    >>> scores = fit_integer_scores(binarize(frame), outcome_labels(frame, "serious_cause"), sizes=range(1, 9))  # doctest: +SKIP
    >>> {k: len(s.points) for k, s in scores.items()}  # doctest: +SKIP
    """
    x, y = _as_binary(x, y)
    names = tuple(feature_names) if feature_names is not None else tuple(f"x{j}" for j in range(x.shape[1]))
    if len(names) != x.shape[1]:
        raise ValueError(f"feature_names has {len(names)} names for {x.shape[1]} columns; give one name per column")
    wanted = sorted(set(sizes))
    if not wanted:
        raise ValueError("sizes is empty; give at least one k, e.g. sizes=(8,)")
    for k in wanted:
        _check_settings(k, coef_bounds, beam_size, x.shape[1])
    if isinstance(rays, bool) or not isinstance(rays, int | np.integer) or rays < 1:
        raise ValueError(f"rays must be a whole number of 1 or more, got {rays!r}")
    bounds = (int(coef_bounds[0]), int(coef_bounds[1]))
    # One BLAS thread: the search makes thousands of small matrix products, which several
    # threads slow down many times over on a busy machine (and thread counts must not
    # decide the last bits of a fit that is written to a file byte for byte).
    with threadpool_limits(limits=1, user_api="blas"):
        path = sparse_beam_path(x, y, wanted[-1], (float(bounds[0]), float(bounds[1])), int(beam_size))
        return {k: _score_from_beam(x, y, path[k - 1], bounds, int(rays), names, outcome) for k in wanted}


def fit_integer_score(
    x: np.ndarray,
    y: np.ndarray,
    k: int = 8,
    coef_bounds: tuple[int, int] = (-5, 5),
    beam_size: int = 10,
    *,
    feature_names: Sequence[str] | None = None,
    outcome: str = "",
    rays: int = 20,
) -> IntegerScore:
    """Fit a sparse integer risk score with the FasterRisk method.

    Parameters
    ----------
    x : ndarray of bool, shape (rows, features)
        Yes/no features, e.g. from :func:`scoring.engine.risk.binarize`.
    y : ndarray of bool, shape (rows,)
        The outcome, e.g. from :func:`scoring.engine.risk.outcome_labels`.
    k : int, default 8
        At most this many features score (fewer when rounding leaves some at 0 points).
    coef_bounds : (int, int), default (-5, 5)
        Lowest and highest points one feature may get.
    beam_size : int, default 10
        Supports kept at each size, and features tried per support.
    feature_names : sequence of str, optional
        One per column (default ``x0``, ``x1``, ...).
    outcome : str, optional
        Recorded on the result, e.g. ``"serious_cause"``.
    rays : int, default 20
        Multipliers tried per continuous solution in the star ray search.

    Returns
    -------
    IntegerScore
        The integer solution with the lowest logistic loss over the final beam. The search
        draws no random numbers: the same inputs give the same score, and ties go to the
        earlier feature.

    Examples
    --------
    >>> score = fit_integer_score(binarize(frame), outcome_labels(frame, "serious_cause"))  # doctest: +SKIP
    >>> score.probability_table()  # doctest: +SKIP
    """
    scores = fit_integer_scores(
        x,
        y,
        (k,),
        coef_bounds,
        beam_size,
        feature_names=feature_names,
        outcome=outcome,
        rays=rays,
    )
    return scores[k]
