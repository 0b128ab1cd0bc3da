"""The scoring half of the query: the card, red flags and time frames, the ladder, the risks and the policies.

Over the feature columns (``_zaro_features``) this builds what
:func:`scoring.assessment.combine_frame` computes, from the same definitions:

* the card's items, group limits, bands and red flags (``cards/*.toml``);
* the full referral ladder (``definitions/triage.toml``): its level, and the time frame of its
  urgent rules together with the card's red flags;
* the card's risk of its outcome in the stated population: every total's risk (and the red-flag
  risk) is computed in Python by :func:`scoring.engine.calibration.card_risk`, prior shift
  included, and written into the query as literals, so SQL and Python give the very same
  doubles and a risk on a threshold lands on the same side in both;
* the tree's risk as an expression (its leaves' risks moved to the population the same way);
* each policy's thresholds (``definitions/policies.toml``) and the combination rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scoring.contract.fields import FIELDS, METADATA_COLUMNS
from scoring.contract.recommendation import TIMEFRAMES, Recommendation
from scoring.sql._compile import condition_sql, feature_column, level_text, literal, quote

if TYPE_CHECKING:
    from scoring.engine.card import Card
    from scoring.engine.policies import Policy
    from scoring.engine.populations import Population

__all__ = [
    "Scoring",
    "scored_columns",
    "scores_select",
    "tree_case_sql",
    "tree_level_sql",
    "tree_risk_column",
    "tree_risk_sql",
]

_URGENT = Recommendation.URGENT.level


class Scoring:
    """What one compiled assessment scores with: card, tree, population and both policies.

    Attributes
    ----------
    card : Card
    tree : TreeModel or None
    population : Population
        Whom the risks are for.
    policy : Policy
        The policy whose answer is ``recommendation``.
    risk_policy : Policy
        The risk policy every assessment also reports.
    outcome : str
        The outcome of the card's risk column.
    """

    def __init__(self, card: Card, tree: Any, population: Population, policy: Policy, risk_policy: Policy):
        self.card, self.tree, self.population = card, tree, population
        self.policy, self.risk_policy = policy, risk_policy
        self.outcome = card_outcome(card)


def card_outcome(card: Card) -> str:
    """The outcome a card's risk column is named for (as :func:`scoring.assessment.assess_frame` names it)."""
    return card.calibration.outcome if card.calibration is not None else "serious_cause"


def scored_columns(
    columns: Sequence[str], *, tree: bool = True, outcome: str = "serious_cause", tree_outcome: str | None = None
) -> list[str]:
    """The columns of the scored result, in order (as :func:`scoring.assessment.assess_frame` gives them).

    Parameters
    ----------
    columns : sequence of str
        The input table's columns (metadata columns among them are kept).
    tree : bool
        Whether a tree is scored (adds its risk, its recommendation and ``agree``).
    outcome, tree_outcome : str
        The outcomes of the card's and the tree's risk columns (the tree's defaults to the card's).
    """
    from scoring.assessment import risk_column

    out = [f.name for f in FIELDS] + [m for m in METADATA_COLUMNS if m in columns]
    out += ["points_total", "band", "red_flags", "card_recommendation", risk_column(outcome)]
    if tree:
        out += [tree_risk_column(tree_outcome or outcome), "tree_recommendation", "agree"]
    return [
        *out,
        "guideline_recommendation",
        "risk_policy_recommendation",
        "floor_recommendation",
        "recommendation",
        "decided_by",
        "timeframe",
    ]


# --------------------------------------------------------------------------------------
# The card
# --------------------------------------------------------------------------------------


def _points(item: Any) -> str:
    return f"CASE WHEN {condition_sql(item.parsed.node)} THEN {item.points} ELSE 0 END"


def card_total(card: Card) -> str:
    """The points total: ungrouped items plus each group's sum kept within its limits."""
    terms = [_points(item) for item in card.items if not item.group]
    for group in card.groups:
        members = [_points(item) for item in card.items if item.group == group.group_id]
        raw = "(" + (" + ".join(members) or "0") + ")"
        if group.min_points is not None:
            raw = f"GREATEST({raw}, {group.min_points})"
        if group.max_points is not None:
            raw = f"LEAST({raw}, {group.max_points})"
        terms.append(raw)
    return "(" + (" + ".join(terms) or "0") + ")"


def card_flags(card: Card) -> list[str]:
    """Each red flag of the card as a SQL boolean, in card order."""
    from scoring.contract.features import parse_condition

    return [condition_sql(parse_condition(flag.condition).node) for flag in card.red_flags]


def band_case(card: Card, total: str, what: str) -> str:
    """The band a total falls in: its name (``what="name"``) or its level."""
    # Later bands win where two overlap, as in the card's lookup table.
    cases = []
    for band in reversed(card.bands):
        value = literal(band.name) if what == "name" else str(band.recommendation.level)
        cases.append(f"WHEN {total} BETWEEN {band.min_points} AND {band.max_points} THEN {value}")
    return "CASE " + " ".join(cases) + " END"


# --------------------------------------------------------------------------------------
# The ladder and the time frames
# --------------------------------------------------------------------------------------


def _any(conditions: Sequence[str]) -> str:
    return "(" + (" OR ".join(conditions) or "FALSE") + ")"


def rules_level(rules: Sequence[Any]) -> str:
    """The highest level (0, 1, 2) of any of ``rules`` that fires, as :func:`scoring.engine.ladder.levels_of_rules`."""
    from scoring.contract.recommendation import LEVELS

    cases = []
    for level in sorted({LEVELS.index(rule.level) for rule in rules}, reverse=True):
        fired = _any([condition_sql(rule.condition.node) for rule in rules if LEVELS.index(rule.level) == level])
        cases.append(f"WHEN {fired} THEN {level}")
    return "CASE " + " ".join(cases) + " ELSE 0 END" if cases else "0"


def ladder_level() -> str:
    """The referral ladder's level (0, 1, 2): the highest level of any rule that fires."""
    from scoring.engine.ladder import load_triage_ladder

    return rules_level(load_triage_ladder())


def red_flag_timeframe(card: Card, flags: Sequence[str], rules: Sequence[Any] | None = None) -> str:
    """The most urgent time frame of the red flags that fire (the card's and the urgent ``rules``), or NULL.

    ``rules`` defaults to the ladder's red flags.
    """
    from scoring.engine.ladder import red_flag_rules

    pairs = [(flag.timeframe, sql) for flag, sql in zip(card.red_flags, flags)]
    pairs += [
        (rule.timeframe, condition_sql(rule.condition.node)) for rule in (red_flag_rules() if rules is None else rules)
    ]
    cases = [
        f"WHEN {_any([sql for frame, sql in pairs if frame == timeframe])} THEN {literal(timeframe)}"
        for timeframe in reversed(TIMEFRAMES)
        if any(frame == timeframe for frame, _ in pairs)
    ]
    return "CASE " + " ".join(cases) + " END" if cases else "CAST(NULL AS VARCHAR)"


# --------------------------------------------------------------------------------------
# Risks and policies
# --------------------------------------------------------------------------------------


def _by_age_band(age: str, expressions: Sequence[str]) -> str:
    """One SQL expression per age band (:data:`scoring.engine.risk._transport.AGE_BANDS`), chosen by ``age``."""
    from scoring.engine.risk._transport import AGE_BAND_STARTS

    if len(set(expressions)) == 1:
        return expressions[0]
    cases = " ".join(
        f"WHEN {age} >= {start} THEN {expression}"
        for start, expression in reversed(list(zip(AGE_BAND_STARTS[1:], expressions[1:])))
    )
    return f"CASE {cases} ELSE {expressions[0]} END"


def card_risk(card: Card, population: Population, total: str, any_flag: str, age: str = '"age"') -> str:
    """The card's risk in ``population``: a literal per age band and total (NULL for a card without calibration)."""
    from scoring.engine.calibration import card_risk as risks
    from scoring.engine.risk._transport import AGE_BAND_STARTS

    if card.calibration is None:
        return "CAST(NULL AS DOUBLE)"
    every = np.arange(card.min_total, card.max_total + 1)
    per_band = []
    for start in AGE_BAND_STARTS:
        table = risks(card, every, np.zeros(len(every), dtype=np.uint64), population, start)
        flagged = risks(card, every[:1], np.ones(1, dtype=np.uint64), population, start)[0]
        cases = " ".join(f"WHEN {t} THEN {literal(float(p))}" for t, p in zip(every.tolist(), table.tolist()))
        per_band.append(f"CASE WHEN {any_flag} THEN {literal(float(flagged))} ELSE CASE {total} {cases} END END")
    return _by_age_band(age, per_band)


def tree_case_sql(structure: Any, values: Sequence[str]) -> str:
    """The tree as nested ``CASE`` (one level per depth), each leaf giving ``values[leaf]``.

    Parameters
    ----------
    structure : TreeStructure
        The tree's arrays; the features are read from their ``feature_column`` names.
    values : sequence of str
        One SQL expression per node (only the leaves' are used), e.g. the leaf's risk.
    """

    def node_sql(node: int) -> str:
        if structure.left[node] < 0:
            return values[node]
        # The tree compares float32 values (as scikit-learn does) against float64 thresholds.
        name = structure.feature_names[int(structure.feature[node])]
        value = f"CAST(CAST({feature_column(name)} AS FLOAT) AS DOUBLE)"
        threshold = literal(float(structure.threshold[node]))
        left, right = node_sql(int(structure.left[node])), node_sql(int(structure.right[node]))
        return f"CASE WHEN {value} <= {threshold} THEN {left} ELSE {right} END"

    return node_sql(0)


def tree_risk_sql(tree: Any, population: Any = None, age: str = '"age"') -> str:
    """Each row's leaf risk of the tree's outcome in ``population``, as nested ``CASE``.

    Without a population, the risk in the population the tree was fitted on (its leaves'
    shares). With one, each leaf's risk is moved there in Python as
    :func:`scoring.assessment.assess_frame` moves it (prior shift and the tree's stored
    recalibration for the row's age band, chosen by ``age``), and written as a literal.
    """
    from scoring.assessment import _population, _tree_risk
    from scoring.engine.risk._transport import AGE_BAND_STARTS

    structure = tree.tree_structure()
    risk = np.asarray(structure.risk, dtype=np.float64)
    if population is None:
        return tree_case_sql(structure, [literal(float(r)) for r in risk.tolist()])
    target = _population(population)
    return _by_age_band(
        age,
        [
            tree_case_sql(structure, [literal(float(r)) for r in _tree_risk(tree, risk, target, start).tolist()])
            for start in AGE_BAND_STARTS
        ],
    )


def tree_level_sql(tree: Any, population: Any = None) -> str:
    """Each row's risk-policy level (0, 1, 2) for its leaf's risk moved to ``population`` (default population)."""
    return tree_case_sql(tree.tree_structure(), [str(int(level)) for level in tree.node_levels(population)])


def tree_risk_column(outcome: str) -> str:
    """The name of the column holding the tree's risk of ``outcome``, e.g. ``tree_risk_serious_cause``."""
    return f"tree_risk_{outcome}"


def threshold_level(policy: Policy, risk: str) -> str:
    """The risk policy's level for a risk: the highest threshold reached (0 below all, and for NULL)."""
    # Later thresholds win where several are reached, as in Policy.risk_levels.
    cases = " ".join(
        f"WHEN {risk} >= {literal(float(t.at_least))} THEN {t.recommendation.level}"
        for t in reversed(policy.thresholds)
    )
    return f"CASE {cases} ELSE 0 END" if cases else "0"


def scores_select(scoring: Scoring, columns: Sequence[str]) -> str:
    """The result columns over ``_zaro_features``, as :func:`scoring.assessment.combine_frame` combines them.

    Six nested steps, each naming what the next one reads: (1) total, card flags, the guideline
    policy's and the floor's levels, red-flag time frame, the tree's risk; (2) the card's level
    and risk, the guideline's level; (3) the risk thresholds on each model's risk; (4) the risk
    policy's level; (5) what a person is told (:mod:`scoring.engine.combine`); (6) the columns
    of ``assess_frame`` in its order.
    """
    from scoring.assessment import _floor, _guideline_policy, _urgent_rules, risk_column
    from scoring.engine.combine import combined_level_sql, counted_sources, decided_by_sql

    card, tree = scoring.card, scoring.tree
    guide, floor = _guideline_policy(scoring.policy), _floor()
    flags = card_flags(card)
    kept = [quote(f.name) for f in FIELDS] + [quote(m) for m in METADATA_COLUMNS if m in columns]
    total = quote("points_total")
    flag_ids = ", ".join(f"CASE WHEN {sql} THEN {literal(f.flag_id)} END" for sql, f in zip(flags, card.red_flags))
    # A card that is never below another (strict: default) shows the higher of the two levels.
    shown_card = "_zaro_card"
    other_by_risk = False
    if card.never_below is not None:
        from scoring.engine.card import load_card

        other = load_card(card.never_below)
        other_level = (
            f"CASE WHEN {_any(card_flags(other))} THEN {_URGENT} "
            f"ELSE {band_case(other, card_total(other), 'level')} END"
        )
        shown_card = "GREATEST(_zaro_card, _zaro_other_card)"
        # Under the risk policy, also never below the policy's reading of the other card's risk.
        other_by_risk = scoring.policy.kind == "risk" and other.calibration is not None
        if other_by_risk:
            shown_card = "GREATEST(_zaro_card, _zaro_other_card, _zaro_other_by_risk)"
    step1 = [
        *kept,
        f"{card_total(card)} AS {total}",
        f"{_any(flags)} AS _zaro_any_flag",
        f"CONCAT_WS(';', {flag_ids or literal('')}) AS {quote('red_flags')}",
        f"{rules_level(guide.rules)} AS _zaro_rules",
        f"{rules_level(floor.rules)} AS _zaro_floor",
        f"{red_flag_timeframe(card, flags, _urgent_rules(guide))} AS _zaro_flag_timeframe",
    ]
    if tree is not None:
        step1.append(f"{tree_risk_sql(tree, scoring.population)} AS _zaro_tree_risk")
    if card.never_below is not None:
        step1.append(f"{other_level} AS _zaro_other_card")
        if other_by_risk:
            step1.append(f"{card_total(other)} AS _zaro_other_total")
            step1.append(f"{_any(card_flags(other))} AS _zaro_other_flag")
    # A guideline policy is its rules' level, made urgent by a red flag of the loaded card too.
    step2 = [
        "*",
        f"CASE WHEN _zaro_any_flag THEN {_URGENT} ELSE {band_case(card, total, 'level')} END AS _zaro_card",
        f"{card_risk(card, scoring.population, total, '_zaro_any_flag')} AS _zaro_risk",
        f"CASE WHEN _zaro_any_flag THEN {_URGENT} ELSE _zaro_rules END AS _zaro_guideline",
    ]
    # Without a risk estimate the risk thresholds fall back to the guideline (as combine_frame does).
    step3 = [
        "*",
        f"(_zaro_any_flag OR _zaro_floor = {_URGENT}) AS _zaro_red_flag",
        "CASE WHEN _zaro_risk IS NULL THEN _zaro_guideline "
        f"ELSE {threshold_level(scoring.risk_policy, '_zaro_risk')} END AS _zaro_by_risk",
    ]
    if tree is not None:
        step3.append(f"{threshold_level(scoring.risk_policy, '_zaro_tree_risk')} AS _zaro_tree")
    if card.never_below is not None and other_by_risk:
        other_risk = card_risk(other, scoring.population, "_zaro_other_total", "_zaro_other_flag")
        step3.append(f"COALESCE({threshold_level(scoring.risk_policy, f'({other_risk})')}, 0) AS _zaro_other_by_risk")
    step4 = ["*", f"CASE WHEN _zaro_red_flag THEN {_URGENT} ELSE _zaro_by_risk END AS _zaro_risk_policy"]
    # What a person is told: the one rule of scoring.engine.combine, over each source's level.
    sources = {
        "policy": "_zaro_guideline" if scoring.policy.kind == "guideline" else "_zaro_risk_policy",
        "floor": "_zaro_floor",
        "card": "_zaro_card_shown",
        "tree": "_zaro_tree" if tree is not None and "tree" in counted_sources(scoring.policy.kind) else None,
    }
    step4.append(f"{shown_card} AS _zaro_card_shown")
    step5 = ["*", f"{combined_level_sql(sources)} AS _zaro_told"]
    combined = "_zaro_told"
    high = scoring.risk_policy.threshold_for(Recommendation.URGENT)
    high_frame = "CAST(NULL AS VARCHAR)" if high is None or high.timeframe is None else literal(high.timeframe)
    outer = [
        *kept,
        total,
        f"{band_case(card, total, 'name')} AS {quote('band')}",
        quote("red_flags"),
        f"{level_text('_zaro_card')} AS {quote('card_recommendation')}",
        f"_zaro_risk AS {quote(risk_column(scoring.outcome))}",
    ]
    if tree is not None:
        outer += [
            f"_zaro_tree_risk AS {quote(tree_risk_column(tree.outcome))}",
            f"{level_text('_zaro_tree')} AS {quote('tree_recommendation')}",
            # Like with like: the risk policy's thresholds on each model's risk.
            "(_zaro_tree = _zaro_by_risk) AS agree",
        ]
    outer += [
        f"{level_text('_zaro_guideline')} AS {quote('guideline_recommendation')}",
        f"{level_text('_zaro_risk_policy')} AS {quote('risk_policy_recommendation')}",
        f"{level_text('_zaro_floor')} AS {quote('floor_recommendation')}",
        f"{level_text(combined)} AS {quote('recommendation')}",
        f"{decided_by_sql(sources, combined)} AS {quote('decided_by')}",
        # How soon: the red flags' time frame; an urgent answer without one came from a high risk.
        f"COALESCE(_zaro_flag_timeframe, CASE WHEN {combined} = {_URGENT} THEN {high_frame} END) "
        f"AS {quote('timeframe')}",
    ]
    query = f"SELECT {', '.join(step1)} FROM _zaro_features"
    for number, step in enumerate((step2, step3, step4, step5), start=1):
        query = f"SELECT {', '.join(step)} FROM ({query}) AS _zaro_step{number}"
    return f"SELECT {', '.join(outer)} FROM ({query}) AS _zaro_scores"
