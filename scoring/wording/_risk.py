"""Risks and policies as a reader sees them: who a chance is for, and why two policies differ.

The explorer, the case pages and the index show the same things (each model's chance of a
serious cause for a stated population, the guideline's and the risk policy's answers side by
side); the rows and sentences they show are built here, from the assessment's
:class:`~scoring.results.RiskEstimate` and :class:`~scoring.results.PolicyResult` objects
(read by their attributes, so this module needs nothing above the contract).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scoring.contract.recommendation import Recommendation
from scoring.wording._values import MISSING, risk_percent

__all__ = [
    "PolicyColumn",
    "RiskRow",
    "card_risk_source",
    "card_risk_text",
    "red_flag_labels",
    "likelihood_ratio_text",
    "lower_first",
    "policies_differ_text",
    "policy_short_name",
    "policy_columns",
    "risk_rows",
    "sentence_case",
]


def sentence_case(text: str) -> str:
    """``text`` with its first letter in upper case (the rest as it is).

    Examples
    --------
    >>> sentence_case("adults who notice twitching")
    'Adults who notice twitching'
    """
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    """``text`` with its first letter in lower case, to sit inside a sentence.

    Examples
    --------
    >>> lower_first("Adults who notice twitching")
    'adults who notice twitching'

    A first word in capitals (an abbreviation such as NHS or NICE) keeps them:

    >>> lower_first("NHS advice (referral ladder)")
    'NHS advice (referral ladder)'
    """
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def routine_check_text(reasons: Iterable[str]) -> str:
    """The sentence of self-care advice naming reasons for a routine GP check ('' for none).

    ``reasons`` are rule descriptions ("Twitching for more than 2 weeks."); the caller passes
    only those the person does not have, so self-care advice never lists a reason to see a
    doctor that applies to them.

    Examples
    --------
    >>> routine_check_text(["Twitching for more than 2 weeks.", "A close relative with ALS/MND."])
    'Even when the chance is low, some things are worth a routine check with a GP: twitching for more than 2 weeks; a close relative with ALS/MND.'
    """
    items = [lower_first(reason.strip().rstrip(".")) for reason in reasons if reason.strip()]
    if not items:
        return ""
    return "Even when the chance is low, some things are worth a routine check with a GP: " + "; ".join(items) + "."


def likelihood_ratio_text(ratio: float | None) -> str:
    """A likelihood ratio to two significant figures, or :data:`MISSING` when there is none.

    Above 1 an item is more common with the outcome than without it; below 1, less.

    Examples
    --------
    >>> likelihood_ratio_text(2.414), likelihood_ratio_text(0.4912), likelihood_ratio_text(39.2)
    ('2.4', '0.49', '39')
    >>> likelihood_ratio_text(float("nan"))
    '—'
    """
    if ratio is None or not math.isfinite(float(ratio)):
        return MISSING
    value = float(ratio)
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


@dataclass(frozen=True)
class RiskRow:
    """One model's chance of the outcome, as a row of the risk table.

    Attributes
    ----------
    model : str
        The model in words, e.g. "Default card 1.2" or "Decision tree".
    chance : str
        The risk in the stated population, e.g. "0.37%".
    population : str
        Whom it is for, e.g. "Adults who notice twitching".
    trained : str
        The same risk in the population the model was fitted on, e.g. "1.8%".
    model_id : str
        The model's id, e.g. ``"card:default"`` (pages use it to mark the row).
    """

    model: str
    chance: str
    population: str
    trained: str
    model_id: str


def risk_rows(estimates: Iterable[Any]) -> list[RiskRow]:
    """Rows of the risk table, one per estimate, in the order given (None entries left out).

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> row = risk_rows([E(model="card:default", model_label="default card 1.2", probability=0.0037,
    ...                    probability_trained=0.018, population_label="adults who notice twitching")])[0]
    >>> row.model, row.chance, row.population, row.trained
    ('Default card 1.2', '0.37%', 'Adults who notice twitching', '1.8%')
    """
    rows = []
    for estimate in estimates:
        if estimate is None:
            continue
        rows.append(
            RiskRow(
                model=sentence_case(str(estimate.model_label)),
                chance=risk_percent(estimate.probability, missing=MISSING),
                population=sentence_case(str(estimate.population_label)),
                trained=risk_percent(estimate.probability_trained, missing=MISSING),
                model_id=str(estimate.model),
            )
        )
    return rows


@dataclass(frozen=True)
class PolicyColumn:
    """One policy's answer, as a column of the side-by-side view.

    Attributes
    ----------
    policy : str
        The policy's id, e.g. ``"risk"``.
    label : str
        Its name, e.g. "Risk-based".
    value, recommendation : str
        The answer's value (``"self_care"``) and its label ("Self-care").
    reasons : tuple of str
        Why, one sentence each, first letter in upper case.
    chosen : bool
        Whether this is the answer the person receives.
    """

    policy: str
    label: str
    value: str
    recommendation: str
    reasons: tuple[str, ...]
    chosen: bool


def policy_columns(results: Iterable[Any], chosen: str) -> list[PolicyColumn]:
    """The policies' answers side by side (None entries left out); ``chosen`` is the policy id applied."""
    columns = []
    for result in results:
        if result is None:
            continue
        recommendation = Recommendation(result.recommendation)
        columns.append(
            PolicyColumn(
                policy=str(result.policy),
                label=str(result.label),
                value=recommendation.value,
                recommendation=recommendation.label,
                reasons=tuple(sentence_case(str(reason)) for reason in result.reasons),
                chosen=str(result.policy) == chosen,
            )
        )
    return columns


def _here(result: Any) -> str:
    return "; ".join(lower_first(str(reason)) for reason in result.reasons)


def policy_short_name(label: str) -> str:
    """A policy's label without its explanation in brackets, to name it inside a sentence.

    Examples
    --------
    >>> policy_short_name("NHS advice (referral ladder)"), policy_short_name("NICE NG127 (as a GP applies it)")
    ('NHS advice', 'NICE NG127')
    """
    return str(label).split(" (", 1)[0]


def policies_differ_text(guideline: Any, risk_policy: Any) -> str:
    """Where the guideline policy (NHS advice or NICE NG127) and the risk policy differ and why, or ``""``.

    The guideline policy is named by its label, so a reader knows which one refers.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> g = P(label="NHS advice (referral ladder)", recommendation="see_doctor",
    ...       reasons=("Twitching for more than 2 weeks (see_doctor)",))
    >>> r = P(label="Risk-based", recommendation="self_care",
    ...       reasons=("risk 0.37% is below 2.0% in adults who notice twitching",))
    >>> print(policies_differ_text(g, r))
    The two policies differ: NHS advice says See a doctor, the risk-based policy says Self-care. Why: NHS advice refers anyone with one of its reasons to see a doctor, whatever the risk (here: twitching for more than 2 weeks (see_doctor)); the risk policy follows the estimated chance of a serious cause (here: risk 0.37% is below 2.0% in adults who notice twitching).
    """
    if guideline is None or risk_policy is None:
        return ""
    ours, theirs = Recommendation(guideline.recommendation), Recommendation(risk_policy.recommendation)
    if ours is theirs:
        return ""
    name = policy_short_name(guideline.label)
    text = (
        f"The two policies differ: {name} says {ours.label}, "
        f"the {lower_first(str(risk_policy.label))} policy says {theirs.label}. Why: "
    )
    if ours > theirs:
        return text + (
            f"{name} refers anyone with one of its reasons to see a doctor, whatever the risk "
            f"(here: {_here(guideline)}); "
            f"the risk policy follows the estimated chance of a serious cause (here: {_here(risk_policy)})."
        )
    return text + (
        f"no rule of {name} applies (here: {_here(guideline)}), but the estimated chance of a serious "
        f"cause is high enough for the risk policy to act on it (here: {_here(risk_policy)})."
    )


def red_flag_labels(labels: Iterable[str]) -> list[str]:
    """Red-flag labels, each once: the same flag named by the card and the ladder counts once.

    Labels compare without case and without a final full stop; the first spelling is kept.

    Examples
    --------
    >>> red_flag_labels(["Twitching of the tongue", "twitching of the tongue.", "Visible muscle wasting"])
    ['Twitching of the tongue', 'Visible muscle wasting']
    """
    seen: dict[str, str] = {}
    for label in labels:
        text = str(label).strip().rstrip(".")
        seen.setdefault(text.casefold(), text)
    return list(seen.values())


def card_risk_text(
    risk: Any, *, points_total: int, red_flag: bool, with_model: bool = True, age_band: str | None = None
) -> str:
    """The card's risk once, with where it comes from in words.

    With a red flag the card does not use its points total: every vignette with a red flag
    (in the same age band, where risks are given by age band) gets the same risk, the risk
    table's red-flag figure. Without one, the risk is the risk table's row for the points total.

    Parameters
    ----------
    risk : RiskEstimate or None
        :attr:`scoring.assessment.Assessment.risk` (None for a card without calibration).
    points_total : int
        The card's points total.
    red_flag : bool
        Whether a red flag (the card's or the ladder's) is present.
    with_model : bool
        Name the card after the population (leave it out where the card is named already).
    age_band : str, optional
        The age band whose risk the person got (:func:`scoring.engine.calibration.risk_age_band`),
        named so the figure can be found in the risk table's column for it.

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> r = E(probability=0.32, outcome_label="Serious cause", population_label="Adults who notice twitching",
    ...       model_label="default card 2.0")
    >>> card_risk_text(r, points_total=15, red_flag=True)
    '32% chance of a serious cause in adults who notice twitching (default card 2.0): 32% for anyone with a red flag; the points total is not used'
    >>> card_risk_text(E(**(r.__dict__ | {"probability": 0.0024})), points_total=2, red_flag=False)
    "0.24% chance of a serious cause in adults who notice twitching (default card 2.0): the card's risk table at 2 points"
    >>> card_risk_text(r, points_total=15, red_flag=True, with_model=False, age_band="50–64")
    '32% chance of a serious cause in adults who notice twitching: 32% for anyone aged 50–64 with a red flag; the points total is not used'
    """
    if risk is None:
        return "no estimate: this card has no calibration"
    chance = risk_percent(risk.probability, missing="no estimate of the")
    head = f"{chance} chance of a {str(risk.outcome_label).lower()} in {lower_first(str(risk.population_label))}"
    if with_model:
        head += f" ({risk.model_label})"
    return f"{head}: {card_risk_source(risk, points_total=points_total, red_flag=red_flag, age_band=age_band)}"


def card_risk_source(risk: Any, *, points_total: int, red_flag: bool, age_band: str | None = None) -> str:
    """Where the card's risk comes from, in words (the second half of :func:`card_risk_text`).

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> card_risk_source(E(probability=0.32), points_total=15, red_flag=True)
    '32% for anyone with a red flag; the points total is not used'
    >>> card_risk_source(E(probability=0.0024), points_total=2, red_flag=False)
    "the card's risk table at 2 points"
    >>> card_risk_source(E(probability=0.0024), points_total=2, red_flag=False, age_band="18–39")
    "the card's risk table at 2 points, ages 18–39"
    """
    if red_flag:
        chance = risk_percent(risk.probability, missing="no estimate")
        anyone = f"anyone aged {age_band}" if age_band else "anyone"
        return f"{chance} for {anyone} with a red flag; the points total is not used"
    return f"the card's risk table at {points_total} points" + (f", ages {age_band}" if age_band else "")
