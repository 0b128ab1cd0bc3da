"""Prior shift: move a probability from the prevalence it was fitted at to another one.

When a model is fitted where the outcome has prevalence ``pi`` and used where it has
prevalence ``t`` (and the features given the outcome are the same in both places), Bayes'
rule changes only the prior odds::

    odds_target = odds_fitted * (t / (1 - t)) / (pi / (1 - pi))

Reference: M. Saerens, P. Latinne, C. Decaestecker. Adjusting the outputs of a classifier
to new a priori probabilities: a simple procedure. Neural Computation 14(1), 2002.
"""

from __future__ import annotations

import numpy as np

__all__ = ["shift_probability"]


def _prevalence(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}; give a share, e.g. 0.05 for 5%")
    return value


def shift_probability(p: np.ndarray | float, train_prevalence: float, target_prevalence: float) -> np.ndarray:
    """Move probabilities from the training prevalence to a target prevalence (odds adjustment).

    Parameters
    ----------
    p : array-like of float
        Probabilities in [0, 1] at ``train_prevalence``; any shape.
    train_prevalence, target_prevalence : float
        Outcome prevalences, strictly between 0 and 1.

    Returns
    -------
    ndarray of float64
        Same shape as ``p``; 0 and 1 stay 0 and 1, and the order of the values is kept.

    Raises
    ------
    ValueError
        When a prevalence is not strictly between 0 and 1, or a probability is outside [0, 1].

    Examples
    --------
    >>> float(shift_probability(0.5, 0.5, 0.2))
    0.2
    >>> float(shift_probability(0.2, 0.1, 0.1))
    0.2
    """
    train = _prevalence("train_prevalence", train_prevalence)
    target = _prevalence("target_prevalence", target_prevalence)
    p = np.asarray(p, dtype=np.float64)
    outside = ~((p >= 0.0) & (p <= 1.0))
    if outside.any():
        first = float(p[outside].reshape(-1)[0])
        raise ValueError(
            f"probabilities must be between 0 and 1, got {first!r} ({int(outside.sum())} value(s) outside); "
            "pass probabilities, not percentages or log-odds"
        )
    if train == target:
        return p.copy()
    factor = (target / (1.0 - target)) / (train / (1.0 - train))
    # p' = factor * p / (factor * p + (1 - p)): the odds form, finite at p = 0 and p = 1.
    return factor * p / (factor * p + (1.0 - p))
