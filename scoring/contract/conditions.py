r"""The condition language the definition files are written in (card items, red flags, the ladder).

A condition is a yes/no question about one encoded vignette, e.g.
``duration_weeks > 2 and (weakness or atrophy)``. Its grammar, in EBNF::

    condition   = or_expr ;
    or_expr     = and_expr , { "or" , and_expr } ;
    and_expr    = not_expr , { "and" , not_expr } ;
    not_expr    = "not" , not_expr | atom ;
    atom        = "(" , or_expr , ")" | comparison | category_test | flag ;
    comparison  = feature , operator , number ;
    category_test = category_field , ( "==" | "!=" ) , category_value ;
    flag        = yes_no_feature ;
    operator    = "<" | "<=" | ">" | ">=" | "==" | "!=" ;
    number      = [ "-" ] , digit , { digit } , [ "." , digit , { digit } ] ;
    feature     = ? a name in FEATURE_NAMES ? ;
    yes_no_feature = ? a feature of kind "bool" ? ;
    category_field = ? a category field of the contract: sex, frequency, severity ? ;
    category_value = ? one of that field's allowed values, e.g. constant ? ;

So ``not`` binds tighter than ``and``, which binds tighter than ``or``; parentheses group.
Names are feature names (``weakness``, ``duration_weeks``, ``loc_calf``, ``n_locations``...)
or category fields; words are separated by spaces. A number is plain digits with an
optional fraction (no exponent, no ``nan`` or ``inf``).

Limits, so that a hostile or mistaken definition file fails when it is read and not when a
vignette is scored: at most :data:`MAX_CONDITION_LENGTH` characters and
:data:`MAX_NESTING` levels of parentheses and ``not``. A run of ``and``/``or`` clauses is
one n-ary node (:class:`And`, :class:`Or`), evaluated by a loop, however long it is.

Parsed conditions are typed nodes (:class:`Flag`, :class:`Compare`, :class:`CategoryTest`,
:class:`Not`, :class:`And`, :class:`Or`); :meth:`Condition.evaluate` has one evaluator for
the columns of a frame (:class:`~scoring.contract.encoding.Features`) and one for a single
encoded vignette (a mapping from :func:`~scoring.contract.encoding.encode_vignette`), tested
to agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeAlias

import numpy as np

from scoring.contract.encoding import (
    COMPARISONS,
    FEATURE_NAMES,
    Features,
    describe_threshold,
    feature_spec,
    in_sentence,
)
from scoring.contract.fields import FIELDS, field_spec, number_text

__all__ = [
    "MAX_CONDITION_LENGTH",
    "MAX_NESTING",
    "ConditionError",
    "Flag",
    "Compare",
    "CategoryTest",
    "Not",
    "And",
    "Or",
    "Node",
    "Condition",
    "parse_condition",
    "condition_text",
    "CATEGORY_FIELDS",
]

#: Longest condition text read (the longest in the shipped definitions is under 60).
MAX_CONDITION_LENGTH = 1000
#: Deepest nesting of parentheses and ``not`` read.
MAX_NESTING = 12

#: Category fields a condition may test with ``==``/``!=``, with their allowed values.
CATEGORY_FIELDS: dict[str, tuple[str, ...]] = {f.name: f.allowed for f in FIELDS if f.kind == "category"}


class ConditionError(ValueError):
    """A condition that cannot be read: names the condition, the problem and the fix."""


# -------------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Flag:
    """A yes/no feature is true, e.g. ``weakness``."""

    feature: str


@dataclass(frozen=True)
class Compare:
    """A feature against a number, e.g. ``duration_weeks > 2``."""

    feature: str
    op: str
    threshold: float


@dataclass(frozen=True)
class CategoryTest:
    """A category field is (``==``) or is not (``!=``) one of its values, e.g. ``frequency == constant``."""

    field: str
    op: str
    value: str

    @property
    def code(self) -> int:
        """The value's position among the field's allowed values."""
        return CATEGORY_FIELDS[self.field].index(self.value)


@dataclass(frozen=True)
class Not:
    """The operand is false."""

    operand: Node


@dataclass(frozen=True)
class And:
    """Every operand is true (two or more, none of them an :class:`And`)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one operand is true (two or more, none of them an :class:`Or`)."""

    operands: tuple[Node, ...]


Node: TypeAlias = Flag | Compare | CategoryTest | Not | And | Or


def condition_text(node: Node) -> str:
    """A node written back in the condition language (``parse_condition`` reads it back).

    Examples
    --------
    >>> condition_text(parse_condition("bulbar or (weakness and not atrophy)").node)
    'bulbar or weakness and not atrophy'
    """
    if isinstance(node, Flag):
        return node.feature
    if isinstance(node, Compare):
        return f"{node.feature} {node.op} {number_text(node.threshold)}"
    if isinstance(node, CategoryTest):
        return f"{node.field} {node.op} {node.value}"
    if isinstance(node, Not):
        inner = condition_text(node.operand)
        return f"not ({inner})" if isinstance(node.operand, (And, Or)) else f"not {inner}"
    word = " and " if isinstance(node, And) else " or "
    parts = [condition_text(child) for child in node.operands]
    if isinstance(node, And):
        parts = [f"({p})" if isinstance(child, Or) else p for p, child in zip(parts, node.operands)]
    return word.join(parts)


# -------------------------------------------------------------------------------- evaluation


def _on_frame(node: Node, features: Features) -> np.ndarray:
    """A boolean array over the rows of ``features``."""
    if isinstance(node, Flag):
        return features[node.feature] > 0.5
    if isinstance(node, Compare):
        return np.asarray(COMPARISONS[node.op](features[node.feature], node.threshold), dtype=bool)
    if isinstance(node, CategoryTest):
        codes = features.category_codes(node.field)
        return (codes == node.code) if node.op == "==" else (codes != node.code)
    if isinstance(node, Not):
        return ~_on_frame(node.operand, features)
    # And/Or: a loop over the operands, so a long run of clauses needs no deep recursion.
    result = np.full(len(features), isinstance(node, And))
    for child in node.operands:
        if isinstance(node, And):
            result &= _on_frame(child, features)
        else:
            result |= _on_frame(child, features)
    return result


def _on_one(node: Node, encoded: Mapping[str, float]) -> bool:
    """True or False for one vignette encoded by ``encode_vignette``."""
    if isinstance(node, Flag):
        return bool(encoded[node.feature] > 0.5)
    if isinstance(node, Compare):
        return bool(COMPARISONS[node.op](encoded[node.feature], node.threshold))
    if isinstance(node, CategoryTest):
        same = encoded[f"{node.field}_level"] == node.code
        return bool(same) if node.op == "==" else not same
    if isinstance(node, Not):
        return not _on_one(node.operand, encoded)
    if isinstance(node, And):
        return all(_on_one(child, encoded) for child in node.operands)
    return any(_on_one(child, encoded) for child in node.operands)


def _describe(node: Node) -> str:
    if isinstance(node, Flag):
        return describe_threshold(node.feature, ">", 0.5)
    if isinstance(node, Compare):
        return describe_threshold(node.feature, node.op, node.threshold)
    if isinstance(node, CategoryTest):
        label = in_sentence(field_spec(node.field).label)
        return f"{label} {'is' if node.op == '==' else 'is not'} {node.value}"
    if isinstance(node, Not):
        if isinstance(node.operand, Flag):
            return describe_threshold(node.operand.feature, "<=", 0.5)
        return f"not ({_describe(node.operand)})"
    parts = [_describe(child) for child in node.operands]
    if isinstance(node, And):
        # 'or' binds looser than 'and': keep its grouping visible in words.
        parts = [f"({p})" if isinstance(child, Or) else p for p, child in zip(parts, node.operands)]
        return " and ".join(parts)
    return " or ".join(parts)


def _walk(node: Node) -> list[Node]:
    """Every node, depth first in order of appearance (a stack, no recursion)."""
    out: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, Not):
            stack.append(current.operand)
        elif isinstance(current, (And, Or)):
            stack.extend(reversed(current.operands))
    return out


@dataclass(frozen=True)
class Condition:
    """A parsed condition: evaluate it on :class:`Features` or on one encoded vignette."""

    text: str
    node: Node

    @property
    def features(self) -> tuple[str, ...]:
        """Feature names (and category fields) the condition reads, in order of appearance."""
        found: dict[str, None] = {}
        for node in _walk(self.node):
            if isinstance(node, (Flag, Compare)):
                found.setdefault(node.feature)
            elif isinstance(node, CategoryTest):
                found.setdefault(node.field)
        return tuple(found)

    def comparisons(self) -> tuple[Compare, ...]:
        """Every feature-against-number comparison, in order of appearance."""
        return tuple(node for node in _walk(self.node) if isinstance(node, Compare))

    def evaluate(self, features: Features | Mapping[str, float]) -> Any:
        """A boolean array over the rows of :class:`Features`, or a bool for one encoded vignette."""
        if isinstance(features, Features):
            return _on_frame(self.node, features)
        return _on_one(self.node, features)

    def describe(self) -> str:
        """The condition in plain words, e.g. 'duration over 2 weeks and real weakness'."""
        return _describe(self.node)


# -------------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|(?P<op><=|>=|==|!=|<|>)"
    r"|(?P<number>-?[0-9]+(?:\.[0-9]+)?)(?![A-Za-z0-9_.])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
_WORD = re.compile(r"\s*(\S+?)(?=[\s()<>=!]|$)")
_KEYWORDS = ("and", "or", "not")


@dataclass(frozen=True)
class _Token:
    kind: str  # "paren" | "op" | "number" | "name"
    text: str
    at: int  # character position, for messages


def _tokens(text: str) -> list[_Token]:
    tokens = []
    pos = 0
    while text[pos:].strip():
        match = _TOKEN.match(text, pos)
        if match is None:
            pos += len(text[pos:]) - len(text[pos:].lstrip())  # report where the word starts
            word = _WORD.match(text, pos)
            bad = word.group(1) if word else text[pos:].strip()
            hint = (
                "numbers are digits with an optional fraction, e.g. 2 or 2.5 (no exponent)"
                if bad[:1].isdigit() or bad[:1] in "-+."
                else "names are letters, digits and '_'; operators are < <= > >= == !="
            )
            raise ConditionError(f"condition {text!r}: cannot read {bad!r} at character {pos + 1}; {hint}")
        kind = str(match.lastgroup)
        tokens.append(_Token(kind, str(match.group(kind)), match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]):
        self.text, self.tokens, self.i, self.depth = text, tokens, 0, 0

    def error(self, problem: str) -> ConditionError:
        return ConditionError(f"condition {self.text!r}: {problem}")

    def peek(self) -> str | None:
        return self.tokens[self.i].text if self.i < len(self.tokens) else None

    def take(self, what: str) -> _Token:
        if self.i >= len(self.tokens):
            raise ConditionError(f"condition {self.text!r} ends too early: expected {what}")
        self.i += 1
        return self.tokens[self.i - 1]

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(f"nested more than {MAX_NESTING} levels deep (parentheses and 'not'); write it flatter")

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.peek() == "or":
            self.take("or")
            operands.append(self.parse_and())
        return _joined(Or, operands)

    def parse_and(self) -> Node:
        operands = [self.parse_not()]
        while self.peek() == "and":
            self.take("and")
            operands.append(self.parse_not())
        return _joined(And, operands)

    def parse_not(self) -> Node:
        if self.peek() != "not":
            return self.parse_atom()
        self.take("not")
        self.deeper()
        node = Not(self.parse_not())
        self.depth -= 1
        return node

    def parse_atom(self) -> Node:
        token = self.take("a feature name or '('")
        if token.text == "(":
            self.deeper()
            node = self.parse_or()
            if self.peek() != ")":
                raise self.error(f"missing ')' for the '(' at character {token.at + 1}")
            self.take("')'")
            self.depth -= 1
            return node
        if token.kind != "name" or token.text in _KEYWORDS:
            raise self.error(f"unexpected {token.text!r} at character {token.at + 1}; expected a feature name or '('")
        if self.peek() in COMPARISONS:
            op = self.take("an operator").text
            operand = self.take(f"a value after {token.text} {op}")
            return self.comparison(token.text, op, operand)
        return self.flag(token.text)

    def comparison(self, name: str, op: str, operand: _Token) -> Node:
        if name in CATEGORY_FIELDS:
            allowed = CATEGORY_FIELDS[name]
            if op not in ("==", "!=") or operand.text not in allowed:
                raise self.error(
                    f"{name} can only be compared with == or != to one of {', '.join(allowed)}; got {op} {operand.text}"
                )
            return CategoryTest(name, op, operand.text)
        self.check_feature(name)
        if operand.kind != "number":
            raise self.error(f"{name} {op} needs a number (digits, e.g. 2 or 2.5), got {operand.text!r}")
        threshold = float(operand.text)
        if not math.isfinite(threshold):
            raise self.error(f"{name} {op} {operand.text[:20]}...: the number is too large; use a number in range")
        return Compare(name, op, threshold)

    def flag(self, name: str) -> Node:
        self.check_feature(name)
        kind = feature_spec(name).kind
        if kind != "bool":
            article = "an" if kind[0] in "aeiou" else "a"
            raise self.error(f"{name} is {article} {kind}, not yes/no; compare it with a number, e.g. '{name} > 2'")
        return Flag(name)

    def check_feature(self, name: str) -> None:
        if name not in FEATURE_NAMES:
            raise self.error(
                f"unknown feature {name!r}; known features: {', '.join(FEATURE_NAMES)}; "
                f"category fields: {', '.join(CATEGORY_FIELDS)}"
            )


def _joined(kind: type[And] | type[Or], operands: list[Node]) -> Node:
    """One operand as itself; several as one n-ary node, with nested nodes of the same kind spliced in."""
    if len(operands) == 1:
        return operands[0]
    flat: list[Node] = []
    for operand in operands:
        flat.extend(operand.operands if isinstance(operand, kind) else (operand,))
    return kind(tuple(flat))


@lru_cache(maxsize=1024)
def parse_condition(text: str) -> Condition:
    """Parse a condition (see the module docstring for the grammar and the limits).

    Raises
    ------
    ConditionError
        Naming the condition, the unknown word or misplaced symbol, and what would be read.

    Examples
    --------
    >>> parse_condition("duration_weeks > 2 and weakness").describe()
    'duration over 2 weeks and real weakness'
    """
    if not isinstance(text, str) or not text.strip():
        raise ConditionError(f"condition {text!r} is empty; write e.g. 'weakness' or 'duration_weeks > 2'")
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(
            f"condition {text[:40]!r}... is {len(text):,} characters long, more than {MAX_CONDITION_LENGTH:,}; "
            "split it into several items or rules"
        )
    parser = _Parser(text, _tokens(text))
    node = parser.parse_or()
    if parser.i != len(parser.tokens):
        token = parser.tokens[parser.i]
        raise parser.error(f"unexpected {token.text!r} at character {token.at + 1}")
    return Condition(text, node)
