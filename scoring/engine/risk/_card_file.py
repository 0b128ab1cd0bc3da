"""Write a learned integer score as a points card file that :func:`scoring.engine.card.load_card` reads.

The learned items become ``[[items]]`` (the binary feature's id, label and condition, and
the learned points). The red flags, the urgent advice and the band advice are copied as
data from a base card (the default card unless told otherwise): red flags stay rules
outside the sum.

The bands follow the thresholds of a risk policy (``scoring/definitions/policies.toml``,
the ``risk`` policy unless told otherwise) on the risk each total stands for in a stated
population (the default population, ``community``, unless told otherwise): totals below the
first threshold recommend ``self_care``, totals from it ``see_doctor``, and totals from the
policy's ``urgent`` threshold form a second ``see_doctor`` band whose advice (copied from the
base card's last ``see_doctor`` band) asks to be seen soon. A band never says ``urgent``:
on points alone there is no time frame to give, and ``urgent`` stays with the red flags (the
risk policy itself still answers ``urgent`` for such risks when it is the chosen policy).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scoring._paths import CARDS_DIR, DEFAULT_CARD
from scoring.engine.risk._binary import binary_feature
from scoring.engine.risk._integer_score import IntegerScore
from scoring.engine.risk._outcomes import load_outcomes

__all__ = ["learned_card_text", "write_learned_card"]

#: Band per policy threshold reached: (name, recommendation, which base band's advice).
_BAND_FOR_THRESHOLD = {
    "see_doctor": ("raised risk", "see_doctor", "first"),
    "urgent": ("high risk", "see_doctor", "last"),
}
_LOWEST_BAND = ("lower risk", "self_care", "first")


def _string(text: str) -> str:
    """A TOML string: multi-line for paragraphs, else one JSON-escaped line (valid TOML)."""
    if "\n" in text.strip() and '"""' not in text and "\\" not in text:
        return '"""\n' + text.strip("\n") + '\n"""'
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def _table(kind: str, entry: dict[str, Any]) -> str:
    lines = [f"[[{kind}]]"]
    for key, value in entry.items():
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else _string(str(value))
        lines.append(f"{key} = {text}")
    return "\n".join(lines)


def _base_card(name_or_path: str | Path) -> dict[str, Any]:
    path = Path(name_or_path) if str(name_or_path).endswith(".toml") else CARDS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise ValueError(
            f"base card {str(name_or_path)!r}: no such card file {path}; give a shipped card name or a path"
        )
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _band_advice(base: dict[str, Any], recommendation: str, which: str, base_name: str) -> str:
    advice = [str(band["advice"]) for band in base.get("bands", []) if band.get("recommendation") == recommendation]
    if not advice:
        raise ValueError(
            f"base card {base_name!r} has no band recommending {recommendation}, so there is no advice to copy; "
            "use a base card with self_care and see_doctor bands"
        )
    return advice[0] if which == "first" else advice[-1]


def _percent(share: float) -> str:
    return f"{100 * share:.3g}%"


def _risk_thresholds(policy: str) -> list[tuple[float, str]]:
    """(risk, recommendation) of each threshold of a risk policy, lowest first."""
    from scoring.engine.policies import load_policy

    chosen = load_policy(policy)
    if chosen.kind != "risk" or not chosen.thresholds:
        raise ValueError(
            f"policy {chosen.id!r} is a {chosen.kind} policy without risk thresholds; the learned card's bands "
            "need a risk policy, e.g. policy='risk'"
        )
    out = []
    for threshold in chosen.thresholds:
        recommendation = threshold.recommendation.value
        if recommendation not in _BAND_FOR_THRESHOLD:
            raise ValueError(
                f"policy {chosen.id!r}: a threshold recommending {recommendation} has no learned-card band; "
                f"thresholds may recommend {', '.join(_BAND_FOR_THRESHOLD)}"
            )
        out.append((threshold.at_least, recommendation))
    return out


def _risk_words(level: int, thresholds: list[tuple[float, str]]) -> str:
    """The risks a band at ``level`` (thresholds reached) covers, e.g. 'risk 1.96% to under 20%'."""
    low = thresholds[level - 1][0] if level > 0 else None
    high = thresholds[level][0] if level < len(thresholds) else None
    if low is None:
        return f"risk under {_percent(high)}" if high is not None else "every risk"
    if high is None:
        return f"risk {_percent(low)} or more"
    return f"risk {_percent(low)} to under {_percent(high)}"


def _bands(
    totals: np.ndarray, risks: np.ndarray, thresholds: list[tuple[float, str]], base: dict[str, Any], base_name: str
) -> tuple[list[dict[str, Any]], str]:
    """Bands over ``totals`` (ascending, every whole number), one per threshold level that occurs.

    Also returns the bands in words for the card's description.
    """
    if not np.all(np.isfinite(risks)) or np.any((risks < 0) | (risks > 1)):
        raise ValueError("every total needs a risk from 0 to 1 to choose its band; got NaN or a value outside 0-1")
    levels = np.zeros(len(totals), dtype=np.int64)
    for at_least, _ in thresholds:
        levels += risks >= at_least
    if np.any(np.diff(levels) < 0):
        raise ValueError("the risk must not fall as the total rises; check the risk given for each total")
    bands, words = [], []
    for level in (int(v) for v in np.unique(levels)):
        members = totals[levels == level]
        band_name, recommendation, which = _LOWEST_BAND if level == 0 else _BAND_FOR_THRESHOLD[thresholds[level - 1][1]]
        bands.append(
            {
                "name": band_name,
                "min_points": int(members[0]),
                "max_points": int(members[-1]),
                "recommendation": recommendation,
                "advice": _band_advice(base, recommendation, which, base_name),
            }
        )
        soon = " soon" if which == "last" and recommendation == "see_doctor" else ""
        words.append(f"totals {members[0]} to {members[-1]} ({_risk_words(level, thresholds)}): {recommendation}{soon}")
    return bands, "; ".join(words)


def learned_card_text(
    score: IntegerScore,
    *,
    name: str = "learned",
    outcome: str = "serious_cause",
    evidence: str | None = None,
    risk_of_total: Callable[[np.ndarray], np.ndarray] | None = None,
    population: str | None = None,
    policy: str = "risk",
    base_card: str | Path = DEFAULT_CARD,
    version: str = "1.0",
    notes: Sequence[str] = (),
) -> str:
    """The card file text for a learned score: what :func:`write_learned_card` writes.

    Parameters
    ----------
    score : IntegerScore
        Fitted on :data:`scoring.engine.risk.BINARY_FEATURES` columns.
    name, outcome, evidence
        As for :func:`write_learned_card`.
    risk_of_total : callable, optional
        The risk in ``population`` for an array of totals (without a red flag), used to
        place the bands, e.g. from the card's calibration. By default the score's own
        probability moved from the training population to ``population`` by prior shift.
    population : str, optional
        The population whose risk places the bands (the default population, ``community``,
        when None).
    policy : str, default "risk"
        The risk policy whose thresholds place the bands.
    base_card : str or Path, default "default"
        The card whose red flags, urgent advice and band advice are copied as data.
    version : str, default "1.0"
        The card's version.
    notes : sequence of str
        Comment lines for the file's header (how the card was made), without the ``#``.

    Returns
    -------
    str
        TOML in the format of ``scoring/cards/default.toml``, ending in a newline.

    Raises
    ------
    ValueError
        For an unknown outcome, population or policy, an outcome other than the score's, a
        policy without risk thresholds, risks that fall as the total rises, or a base card
        without the bands to copy.
    """
    from scoring.engine.populations import DEFAULT_POPULATION, TRAINING_POPULATION, load_population
    from scoring.engine.risk._transport import risk_in_population

    outcomes = load_outcomes()
    if outcome not in outcomes:
        raise ValueError(f"unknown outcome {outcome!r}; known outcomes: {', '.join(outcomes)}")
    if score.outcome and score.outcome != outcome:
        raise ValueError(f"the score was fitted for outcome {score.outcome!r}, not {outcome!r}; pass outcome=")
    about = outcomes[outcome]
    target = load_population(population if population is not None else DEFAULT_POPULATION)
    base = _base_card(base_card)
    base_name = Path(str(base_card)).stem
    thresholds = _risk_thresholds(policy)
    totals = np.arange(score.min_total, score.max_total + 1)
    if risk_of_total is None:
        risks = risk_in_population(
            score.probability_of_total(totals), outcome=outcome, population=target, trained_on=TRAINING_POPULATION
        )
    else:
        risks = np.asarray(risk_of_total(totals), dtype=np.float64)
    bands, band_words = _bands(totals, risks, thresholds, base, str(base_card))
    description = (
        f"Learned from synthetic vignettes: {len(score.points)} items whose points estimate the risk of the "
        f"outcome {outcome} ({about.label.lower()}). {about.description} The bands follow the {policy} policy's "
        f"thresholds on the risk in the {target.id} population: {band_words}. Red flags are "
        f"the {base_name} card's rules and stay outside the sum."
    )
    header = [f"# zaro points card: {name}, a risk score fitted to synthetic vignettes (see docs/learned_card.md)."]
    header += [f"# {line}".rstrip() for line in notes] or [
        "# Written by scoring.engine.risk.write_learned_card; refit rather than edit by hand."
    ]
    header += [
        "",
        f"name = {_string(name)}",
        f"version = {_string(version)}",
        f"description = {_string(description)}",
        f"urgent_advice = {_string(str(base['urgent_advice']))}",
    ]
    if "tree_urgent_advice" in base:
        header.append(f"tree_urgent_advice = {_string(str(base['tree_urgent_advice']))}")
    tables = []
    for feature_name, points in zip(score.feature_names, score.points):
        feature = binary_feature(feature_name)
        note = evidence or (
            f"Learned: {points:+d} points for {outcome} in a sparse integer logistic score fitted to synthetic "
            "vignettes (FasterRisk method, see docs/learned_card.md) [A]."
        )
        item = {"id": feature.name, "label": feature.label, "condition": feature.condition, "points": points}
        tables.append(_table("items", {**item, "evidence": note}))
    tables += [_table("red_flags", dict(flag)) for flag in base.get("red_flags", [])]
    tables += [_table("bands", band) for band in bands]
    return "\n".join(header) + "\n\n" + "\n\n".join(tables) + "\n"


def write_learned_card(
    score: IntegerScore,
    path: str | Path,
    *,
    name: str = "learned",
    outcome: str = "serious_cause",
    evidence: str | None = None,
    **options: Any,
) -> Path:
    """Write a learned integer score as a points card file.

    Parameters
    ----------
    score : IntegerScore
        Fitted on :data:`scoring.engine.risk.BINARY_FEATURES` columns (its feature names
        must be binary feature ids).
    path : str or Path
        The ``.toml`` file to write (overwritten).
    name : str
        The card's name.
    outcome : str
        The outcome the score predicts (see :func:`scoring.engine.risk.load_outcomes`).
    evidence : str, optional
        Source note for every item; by default one saying how the points were learned.
    **options
        Passed to :func:`learned_card_text`: ``risk_of_total`` (the risk per total that
        places the bands; by default the score's own, moved to ``population``),
        ``population`` (default ``community``), ``policy`` (default ``"risk"``: whose
        thresholds place the bands), ``base_card`` (default ``"default"``: the card whose red
        flags, urgent advice and band advice are copied), ``version`` and ``notes`` (header
        comment lines).

    Returns
    -------
    Path
        ``path``. The same score and arguments always give the same bytes.

    Examples
    --------
    >>> write_learned_card(score, "learned.toml")  # doctest: +SKIP
    >>> load_card("learned.toml").bands  # doctest: +SKIP
    """
    path = Path(path)
    text = learned_card_text(score, name=name, outcome=outcome, evidence=evidence, **options)
    path.write_bytes(text.encode("utf-8"))
    return path
