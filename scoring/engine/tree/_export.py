"""The tree in words: one split, one path, every leaf as a rule (like scikit-learn's ``_export``).

Everything here reads a :class:`~scoring.engine.tree._walk.TreeStructure`, so the fitted
estimator and the light shipped tree put themselves into the same words. A leaf says its risk
of the tree's outcome where the tree learnt it, e.g. "P(serious cause) = 12% in the learning
mix (2,431 training vignettes)".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scoring.contract.features import describe_threshold, feature_spec
from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import field_spec
from scoring.engine.tree._walk import TreeStructure
from scoring.results import TreeStep
from scoring.wording import LEARNING_MIX, leaf_risk_text

__all__ = [
    "Rule",
    "step_text",
    "tree_rules",
    "render_rules_text",
    "path_rule_lines",
    "leaf_outcome",
    "merged_conditions",
    "outcome_words",
    "population_words",
]


def _is_whole_number(feature: str) -> bool:
    spec = feature_spec(feature)
    if spec.kind == "count":
        return True
    return spec.kind == "number" and spec.source_field is not None and field_spec(spec.source_field).kind == "int"


def _nice(threshold: float) -> float:
    # sklearn puts a split halfway between two float32 values (e.g. 2.0500000477): two
    # decimals say the same to a reader.
    return round(float(threshold), 2)


def step_text(feature: str, op: str, threshold: float) -> str:
    """One split in plain words, e.g. ``step_text("stress_level", ">", 5.5)`` → 'stress 6/10 or more'.

    Whole-number features (age, stress, number of areas) are described by the whole numbers
    on each side of the split rather than by the half-way threshold.
    """
    if _is_whole_number(feature):
        cut = math.floor(threshold)
        text = describe_threshold(feature, "<=", cut) if op == "<=" else describe_threshold(feature, ">=", cut + 1)
        return _singular(text)
    return describe_threshold(feature, op, _nice(threshold))


def _bounds_text(feature: str, lower: float | None, upper: float | None) -> str:
    """A feature's bounds along one path (x > lower and x <= upper), merged into one phrase."""
    if lower is None:
        return step_text(feature, "<=", upper)  # type: ignore[arg-type]
    if upper is None:
        return step_text(feature, ">", lower)
    spec = feature_spec(feature)
    if spec.kind == "ordinal":
        return (
            describe_threshold(feature, "==", float(math.floor(upper)))
            if math.floor(upper) == math.floor(lower) + 1
            else (f"{spec.label} " + " or ".join(spec.levels[i] for i in range(len(spec.levels)) if lower < i <= upper))
        )
    if _is_whole_number(feature):
        low, high = math.floor(lower) + 1, math.floor(upper)
        if spec.kind == "count":
            return f"{low} to {high} {spec.unit}"
        unit = f" {spec.unit}"
        return f"{spec.label} {low} to {high}{unit}"
    unit = f" {spec.unit}" if spec.unit else ""
    return f"{spec.label} over {_fmt(_nice(lower))} and at most {_fmt(_nice(upper))}{unit}"


def _singular(text: str) -> str:
    # "at most 1 areas" reads wrong; counts of one take the singular unit.
    return text.replace(" 1 areas", " 1 area")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def path_rule_lines(steps: Sequence[TreeStep], outcome: str) -> str:
    """A path as rules, one condition a line, ending with what the leaf says (``outcome``)."""
    if not steps:
        return f"always → {outcome}"
    lines = [("if " if i == 0 else "and ") + text for i, text in enumerate(merged_conditions(steps))]
    lines.append(f"→ {outcome}")
    return "\n".join(lines)


def merged_conditions(steps: Sequence[TreeStep]) -> list[str]:
    """Conditions of a path with repeated splits on one feature merged into one phrase."""
    order: list[str] = []
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    for step in steps:
        if step.feature not in order:
            order.append(step.feature)
        # Along one path a later split on the same feature is always the tighter one.
        (upper if step.op == "<=" else lower)[step.feature] = step.threshold
    return [_bounds_text(name, lower.get(name), upper.get(name)) for name in order]


@dataclass(frozen=True)
class Rule:
    """One leaf of the tree as a rule: the conditions that lead there and the risk it gives.

    Attributes
    ----------
    leaf_id : int
        The leaf's node id.
    conditions : tuple of TreeStep
        The splits from the root to the leaf.
    risk : float
        The leaf's risk of ``outcome`` in the tree's training population: the share of the
        leaf's training vignettes with the outcome.
    samples : int
        Training vignettes reaching the leaf.
    positives : int
        Those of them with the outcome.
    outcome : str
        What the tree predicts, e.g. ``"serious_cause"``.
    recommendation : Recommendation
        What the risk policy advises for this risk moved to the default population
        (:data:`scoring.engine.populations.DEFAULT_POPULATION`).
    risk_text : str
        The leaf's risk in words, e.g. "P(serious cause) = 41% in the learning mix (312
        training vignettes)".
    text : str
        The rule in one line: the conditions, then ``risk_text``, e.g. "if real weakness and
        duration over 6 weeks → P(serious cause) = 41% in the learning mix (312 training
        vignettes)".
    """

    leaf_id: int
    conditions: tuple[TreeStep, ...]
    risk: float
    samples: int
    positives: int
    outcome: str
    recommendation: Recommendation
    risk_text: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaf_id": self.leaf_id,
            "conditions": [step.to_dict() for step in self.conditions],
            "risk": self.risk,
            "samples": self.samples,
            "positives": self.positives,
            "outcome": self.outcome,
            "recommendation": self.recommendation.value,
            "risk_text": self.risk_text,
            "text": self.text,
        }


@lru_cache(maxsize=16)
def outcome_words(outcome: str) -> str:
    """An outcome's label in lower case, as a leaf's text reads it (e.g. 'serious cause').

    Kept per process: every explained vignette's text needs it, and the shipped outcome
    definitions do not change while zaro runs.
    """
    from scoring.engine.risk import load_outcomes

    outcomes = load_outcomes()
    return outcomes[outcome].label.lower() if outcome in outcomes else outcome.replace("_", " ")


def population_words(population: str) -> str:
    """Where a tree's leaf risk holds, in words: the learning mix for the enriched population."""
    from scoring.engine.populations import TRAINING_POPULATION, load_population

    if population == TRAINING_POPULATION:
        return LEARNING_MIX
    return load_population(population).label


def leaf_outcome(structure: TreeStructure, leaf: int, outcome: str, population: str) -> str:
    """'P(serious cause) = 41% in the learning mix (312 training vignettes)' for a leaf."""
    return leaf_risk_text(
        float(structure.risk[leaf]), int(structure.samples[leaf]), outcome_words(outcome), population_words(population)
    )


def tree_rules(tree: Any) -> list[Rule]:
    """Every leaf of a fitted tree as a :class:`Rule`, in depth-first order (left branch first).

    Parameters
    ----------
    tree : RiskTree or the light shipped tree
        A :class:`~scoring.engine.tree.TreeReader`: it has ``tree_structure()``, ``outcome``,
        ``population`` and ``node_levels()``.

    Examples
    --------
    >>> [rule.text for rule in tree_rules(load_tree())][:1]   # doctest: +SKIP
    ['if no real weakness and at most 1 area → P(serious cause) = 1.2% in the learning mix (30,112 training vignettes)']
    """
    structure: TreeStructure = tree.tree_structure()
    levels = tree.node_levels()
    rules: list[Rule] = []
    stack: list[tuple[int, tuple[TreeStep, ...]]] = [(0, ())]
    while stack:
        node, steps = stack.pop()
        if structure.left[node] < 0:
            rules.append(_leaf_rule(structure, node, steps, tree.outcome, tree.population, int(levels[node])))
            continue
        name = structure.feature_names[int(structure.feature[node])]
        cut = float(structure.threshold[node])
        # Right pushed first so the left branch comes out first (depth-first, left first).
        for op, child in ((">", structure.right[node]), ("<=", structure.left[node])):
            stack.append((int(child), steps + (TreeStep(node, name, op, cut, step_text(name, op, cut)),)))
    return rules


def _leaf_rule(
    structure: TreeStructure, leaf: int, steps: tuple[TreeStep, ...], outcome: str, population: str, level: int
) -> Rule:
    said = leaf_outcome(structure, leaf, outcome, population)
    conditions = merged_conditions(steps)
    text = f"if {' and '.join(conditions)} → {said}" if conditions else f"always → {said}"
    return Rule(
        leaf_id=leaf,
        conditions=steps,
        risk=float(structure.risk[leaf]),
        samples=int(structure.samples[leaf]),
        positives=int(structure.positives[leaf]),
        outcome=outcome,
        recommendation=Recommendation.from_level(level),
        risk_text=said,
        text=text,
    )


def render_rules_text(tree: Any) -> str:
    """The whole tree as plain-language rules, one line per leaf."""
    return "\n".join(rule.text for rule in tree_rules(tree))
