"""The tree in words: one split, one path, every leaf as a rule (like scikit-learn's ``_export``).

Everything here reads a :class:`~scoring.engine.tree._walk.TreeStructure`, so the fitted
estimator and the light shipped tree put themselves into the same words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scoring.contract.features import describe_threshold, feature_spec
from scoring.contract.recommendation import LEVELS, Recommendation
from scoring.contract.schema import field_spec
from scoring.engine.tree._walk import TreeStructure
from scoring.results import TreeStep

__all__ = ["Rule", "step_text", "tree_rules", "render_rules_text", "path_rule_lines", "leaf_outcome"]


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
    """One leaf of the tree as a rule: the conditions that lead there and what it predicts.

    Attributes
    ----------
    leaf_id : int
        The leaf's node id.
    conditions : tuple of TreeStep
        The splits from the root to the leaf.
    recommendation : Recommendation
        What the tree predicts at this leaf.
    samples : int
        Training vignettes reaching the leaf.
    counts : dict of str to int
        Those vignettes by reference triage level.
    text : str
        The rule in one line, e.g. "if real weakness and duration over 6 weeks → urgent
        (312 vignettes, 94% urgent)".
    """

    leaf_id: int
    conditions: tuple[TreeStep, ...]
    recommendation: Recommendation
    samples: int
    counts: dict[str, int]
    text: str

    @property
    def share(self) -> float:
        """Share of the leaf's training vignettes whose reference level is the prediction."""
        return self.counts[self.recommendation.value] / self.samples if self.samples else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaf_id": self.leaf_id,
            "conditions": [step.to_dict() for step in self.conditions],
            "recommendation": self.recommendation.value,
            "samples": self.samples,
            "counts": dict(self.counts),
            "text": self.text,
        }


def leaf_outcome(structure: TreeStructure, leaf: int) -> str:
    """'urgent (312 vignettes, 94% urgent)' for a leaf, from unweighted training counts."""
    level = int(structure.level[leaf])
    counts = structure.counts[leaf]
    total = int(counts.sum())
    share = counts[level] / total if total else 0.0
    return f"{LEVELS[level]} ({total} vignettes, {share:.0%} {LEVELS[level]})"


def tree_rules(tree: Any) -> list[Rule]:
    """Every leaf of a fitted tree as a :class:`Rule`, in depth-first order (left branch first).

    Parameters
    ----------
    tree : TriageTree or the light shipped tree
        Anything with a ``tree_structure()`` method.

    Examples
    --------
    >>> [rule.text for rule in tree_rules(load_tree())][:1]   # doctest: +SKIP
    ['if weakness that is getting worse → urgent (61 vignettes, 95% urgent)']
    """
    structure: TreeStructure = tree.tree_structure()
    rules: list[Rule] = []
    stack: list[tuple[int, tuple[TreeStep, ...]]] = [(0, ())]
    while stack:
        node, steps = stack.pop()
        if structure.left[node] < 0:
            rules.append(_leaf_rule(structure, node, steps))
            continue
        name = structure.feature_names[int(structure.feature[node])]
        cut = float(structure.threshold[node])
        # Right pushed first so the left branch comes out first (depth-first, left first).
        for op, child in ((">", structure.right[node]), ("<=", structure.left[node])):
            stack.append((int(child), steps + (TreeStep(node, name, op, cut, step_text(name, op, cut)),)))
    return rules


def _leaf_rule(structure: TreeStructure, leaf: int, steps: tuple[TreeStep, ...]) -> Rule:
    counts = structure.counts[leaf]
    outcome = leaf_outcome(structure, leaf)
    conditions = merged_conditions(steps)
    text = f"if {' and '.join(conditions)} → {outcome}" if conditions else f"always → {outcome}"
    return Rule(
        leaf_id=leaf,
        conditions=steps,
        recommendation=Recommendation.from_level(int(structure.level[leaf])),
        samples=int(counts.sum()),
        counts={level: int(c) for level, c in zip(LEVELS, counts)},
        text=text,
    )


def render_rules_text(tree: Any) -> str:
    """The whole tree as plain-language rules, one line per leaf."""
    return "\n".join(rule.text for rule in tree_rules(tree))
