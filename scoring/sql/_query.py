"""One assessment as one SQL query: :func:`to_sql` (scored rows) and :func:`rejects_sql` (problems).

Why the SQL is written in DuckDB's dialect and handed to sqlglot: DuckDB is the engine zaro
embeds and tests against, so its dialect is the one the generated text is checked in; sqlglot
parses that text into a syntax tree and writes it out for Spark or PostgreSQL (regular
expressions, ``TRY_CAST``, ``TRIM`` of several characters and string concatenation differ
between them), so no dialect is a hand-kept copy of the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scoring.contract.encoding import FEATURES
from scoring.contract.errors import FieldError, VignetteError, unknown_field_error
from scoring.contract.fields import FIELD_NAMES, FIELDS, METADATA_COLUMNS
from scoring.contract.recommendation import Recommendation
from scoring.engine.tree import DEFAULT_OUTCOME
from scoring.sql._compile import (
    FieldSql,
    category_level,
    condition_sql,
    every_field,
    feature_column,
    feature_sql,
    level_text,
    literal,
    quote,
)

if TYPE_CHECKING:
    from scoring.engine.card import Card

__all__ = [
    "DIALECTS",
    "to_sql",
    "rejects_sql",
    "scored_columns",
    "tree_case_sql",
    "tree_risk_sql",
    "tree_level_sql",
    "tree_risk_column",
]

#: Dialects the query is written for.
DIALECTS = ("duckdb", "spark", "postgres")
_ROW = "_zaro_row"


def _check_columns(columns: Sequence[str]) -> None:
    """The frame-level checks of ``validate_frame``: no unknown column, every required one present."""
    repeated = sorted({c for c in columns if list(columns).count(c) > 1})
    if repeated:
        raise VignetteError(
            [FieldError(c, "(column)", "column name given more than once", "each column once") for c in repeated]
        )
    known = set(FIELD_NAMES) | set(METADATA_COLUMNS)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise VignetteError([unknown_field_error(c, "(column)", FIELD_NAMES) for c in unknown])
    missing = [f for f in FIELDS if f.required and f.name not in columns]
    if missing:
        raise VignetteError([FieldError(f.name, None, "missing required column", f.allowed_text()) for f in missing])


def _resolve(card: Card | str | None, tree: Any) -> tuple[Card, Any]:
    from scoring.engine.card import load_card
    from scoring.engine.tree import resolve_tree

    the_card = card if not isinstance(card, (str, type(None))) else (load_card() if card is None else load_card(card))
    return the_card, None if tree is None else resolve_tree(tree)


def _checked(table: str, columns: Sequence[str], fields: dict[str, FieldSql], row: str | None = None) -> str:
    """Each field read into its contract type, with the reason it is refused (NULL when fine).

    Three nested steps (the cells as text, what is derived from them, the checks), so each
    piece is computed once per row. ``row``: a column of the table numbering its rows from 1,
    or ``"scan"`` to number them in the order the table is read (``ROW_NUMBER() OVER ()``),
    or None for no numbering.
    """
    metadata = [quote(name) for name in METADATA_COLUMNS if name in columns]
    numbered = [] if row is None else [_ROW]
    cells = [f"{sql.text} AS {quote(name + '__text')}" for name, sql in fields.items()]
    if row is not None:
        cells.insert(0, f"{'ROW_NUMBER() OVER ()' if row == 'scan' else quote(row)} AS {_ROW}")
    texts = [quote(name + "__text") for name in fields]
    derived = [
        f"{expr} AS {quote(f'{name}__{suffix}')}"
        for name, sql in fields.items()
        for suffix, expr in sql.derived.items()
    ]
    checks = []
    for name, sql in fields.items():
        checks += [
            f"{sql.value} AS {quote(name)}",
            f"{sql.reason} AS {quote(name + '__reason')}",
            quote(name + "__text"),
        ]
    step1 = f"SELECT {', '.join(metadata + cells)} FROM {table} AS _zaro_source"
    step2 = f"SELECT {', '.join(numbered + metadata + texts + derived)} FROM ({step1}) AS _zaro_cells"
    return f"SELECT {', '.join(numbered + metadata + checks)} FROM ({step2}) AS _zaro_derived"


def _valid(fields: dict[str, FieldSql]) -> str:
    return " AND ".join(f"{quote(name + '__reason')} IS NULL" for name in fields)


def _features_select(columns: Sequence[str]) -> str:
    kept = [quote(f.name) for f in FIELDS] + [quote(m) for m in METADATA_COLUMNS if m in columns]
    features = [f"{feature_sql(spec)} AS {feature_column(spec.name)}" for spec in FEATURES]
    levels = [
        f"CASE {quote(f.name)} "
        + " ".join(f"WHEN {literal(v)} THEN {i}" for i, v in enumerate(f.allowed))
        + f" END AS {category_level(f.name)}"
        for f in FIELDS
        # frequency and severity already have their level as a shared feature (same codes):
        # a second column of the same name is ambiguous to Spark.
        if f.kind == "category" and f"{f.name}_level" not in {spec.name for spec in FEATURES}
    ]
    return ", ".join(kept + features + levels)


def _card_total(card: Card) -> str:
    """The points total: ungrouped items plus each group's sum kept within its limits."""
    terms = [
        f"CASE WHEN {condition_sql(item.parsed.node)} THEN {item.points} ELSE 0 END"
        for item in card.items
        if not item.group
    ]
    for group in card.groups:
        members = [
            f"CASE WHEN {condition_sql(item.parsed.node)} THEN {item.points} ELSE 0 END"
            for item in card.items
            if item.group == group.group_id
        ]
        raw = "(" + (" + ".join(members) or "0") + ")"
        if group.min_points is not None:
            raw = f"GREATEST({raw}, {group.min_points})"
        if group.max_points is not None:
            raw = f"LEAST({raw}, {group.max_points})"
        terms.append(raw)
    return "(" + (" + ".join(terms) or "0") + ")"


def _flags(card: Card) -> list[str]:
    from scoring.contract.features import parse_condition

    return [condition_sql(parse_condition(flag.condition).node) for flag in card.red_flags]


def _band_case(card: Card, total: str, what: str) -> str:
    # Later bands win where two overlap, as in the card's lookup table.
    cases = []
    for band in reversed(card.bands):
        value = literal(band.name) if what == "name" else str(band.recommendation.level)
        cases.append(f"WHEN {total} BETWEEN {band.min_points} AND {band.max_points} THEN {value}")
    return "CASE " + " ".join(cases) + " END"


def _probability(card: Card, total: str, any_flag: str) -> str:
    if card.calibration is None:
        return "CAST(NULL AS DOUBLE)"
    every = np.arange(card.min_total, card.max_total + 1)
    table = card.probability(every, np.zeros(len(every), dtype=np.uint64))
    cases = " ".join(f"WHEN {t} THEN {literal(float(p))}" for t, p in zip(every.tolist(), table.tolist()))
    flagged = literal(float(card.calibration.red_flag_probability))
    return f"CASE WHEN {any_flag} THEN {flagged} ELSE CASE {total} {cases} END END"


def _tree_value(structure: Any, column: int) -> str:
    # The tree compares float32 values (as scikit-learn does) against float64 thresholds.
    name = structure.feature_names[column]
    return f"CAST(CAST({feature_column(name)} AS FLOAT) AS DOUBLE)"


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
        value = _tree_value(structure, int(structure.feature[node]))
        threshold = literal(float(structure.threshold[node]))
        left, right = node_sql(int(structure.left[node])), node_sql(int(structure.right[node]))
        return f"CASE WHEN {value} <= {threshold} THEN {left} ELSE {right} END"

    return node_sql(0)


def tree_risk_sql(tree: Any) -> str:
    """Each row's leaf risk of the tree's outcome, in the population the tree was fitted on."""
    structure = tree.tree_structure()
    return tree_case_sql(structure, [literal(float(r)) for r in structure.risk])


def tree_level_sql(tree: Any, population: Any = None) -> str:
    """Each row's risk-policy level (0, 1, 2) for its leaf's risk moved to ``population`` (default population)."""
    return tree_case_sql(tree.tree_structure(), [str(int(level)) for level in tree.node_levels(population)])


def _floor() -> str:
    """Urgent (2) where an urgent rule of the reference ladder fires, else 0: the floor no card removes."""
    from scoring.engine.synth import load_triage_ladder

    rules = [rule for rule in load_triage_ladder() if rule.level == Recommendation.URGENT.value]
    fired = " OR ".join(condition_sql(rule.condition.node) for rule in rules) or "FALSE"
    return f"CASE WHEN {fired} THEN {Recommendation.URGENT.level} ELSE 0 END"


def tree_risk_column(outcome: str) -> str:
    """The name of the column holding the tree's risk of ``outcome``, e.g. ``tree_risk_serious_cause``."""
    return f"tree_risk_{outcome}"


def scored_columns(columns: Sequence[str], *, tree: bool = True, tree_outcome: str = DEFAULT_OUTCOME) -> list[str]:
    """The columns of the scored result, in order (as :func:`scoring.assessment.assess_frame` gives them).

    With a tree: ``tree_risk_<outcome>`` (the tree's risk in its training population),
    ``tree_recommendation`` (the risk policy's advice for it in the default population) and
    ``agree`` (card and tree advise the same).
    """
    out = [f.name for f in FIELDS] + [m for m in METADATA_COLUMNS if m in columns]
    out += ["points_total", "band", "red_flags", "card_recommendation", "probability"]
    out += [tree_risk_column(tree_outcome), "tree_recommendation", "agree"] if tree else []
    return [*out, "recommendation"]


def _scores_select(card: Card, tree: Any, columns: Sequence[str]) -> str:
    """The result columns over the features (the card, red flags, the tree, the floor, the combination)."""
    flags = _flags(card)
    any_flag = "(" + (" OR ".join(flags) or "FALSE") + ")"
    kept = [quote(f.name) for f in FIELDS] + [quote(m) for m in METADATA_COLUMNS if m in columns]
    total = quote("points_total")
    flag_ids = ", ".join(f"CASE WHEN {sql} THEN {literal(f.flag_id)} END" for sql, f in zip(flags, card.red_flags))
    inner = [
        *kept,
        f"{_card_total(card)} AS {total}",
        f"{any_flag} AS _zaro_any_flag",
        f"CONCAT_WS(';', {flag_ids or literal('')}) AS {quote('red_flags')}",
        f"{_floor()} AS _zaro_floor",
    ]
    if tree is not None:
        inner += [f"{tree_risk_sql(tree)} AS _zaro_tree_risk", f"{tree_level_sql(tree)} AS _zaro_tree"]
    card_level = (
        f"CASE WHEN _zaro_any_flag THEN {Recommendation.URGENT.level} ELSE {_band_case(card, total, 'level')} END"
    )
    outer = [
        *kept,
        total,
        f"{_band_case(card, total, 'name')} AS {quote('band')}",
        quote("red_flags"),
        f"{level_text('_zaro_card')} AS {quote('card_recommendation')}",
        f"{_probability(card, total, '_zaro_any_flag')} AS {quote('probability')}",
    ]
    if tree is not None:
        outer += [
            f"_zaro_tree_risk AS {quote(tree_risk_column(tree.outcome))}",
            f"{level_text('_zaro_tree')} AS {quote('tree_recommendation')}",
            "(_zaro_tree = _zaro_card) AS agree",
        ]
    # The combination is scoring.contract.recommendation.more_cautious: the highest level. The
    # tree is a second opinion beside it and does not enter it.
    combined = "GREATEST(_zaro_card, _zaro_floor)"
    outer.append(f"{level_text(combined)} AS {quote('recommendation')}")
    return (
        f"SELECT {', '.join(outer)} FROM (SELECT *, {card_level} AS _zaro_card FROM (SELECT {', '.join(inner)} "
        "FROM _zaro_features) AS _zaro_inner) AS _zaro_levels"
    )


def _transpile(sql: str, dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ValueError(f"dialect {dialect!r} is not supported; choose one of {', '.join(DIALECTS)}")
    if dialect == "duckdb":
        return sql
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


def _columns(columns: Sequence[str] | None) -> list[str]:
    return list(FIELD_NAMES) + ["vignette_id"] if columns is None else list(columns)


def to_sql(
    *,
    card: Card | str | None = None,
    tree: Any = "default",
    outcome: str | None = None,
    dialect: str = "duckdb",
    table: str = "vignettes",
    columns: Sequence[str] | None = None,
) -> str:
    """One assessment as one SQL ``SELECT`` over a table of vignettes: the scored, valid rows.

    The query reads each contract field as the Python readers do (text, numbers, yes/no,
    categories, locations), keeps the rows that meet the contract, computes the features,
    each card item's points and the total (with group limits), the red flags, the ladder's
    urgent floor, the combined recommendation and the card's calibrated probability, and,
    with a tree, the tree as nested ``CASE``: its leaf's risk of the tree's outcome in the
    population it was fitted on (``tree_risk_<outcome>``) and the risk policy's advice for
    that risk in the default population (``tree_recommendation``). Its columns are those of
    :func:`scoring.assessment.assess_frame`'s ``scored`` frame (:func:`scored_columns`); the
    rows it leaves out are exactly those :func:`rejects_sql` reports.

    Parameters
    ----------
    card : Card or str, optional
        The card (the default card when not given).
    tree : "default", TreeModel, path or None
        The tree; ``None`` for the card alone.
    outcome : str, optional
        Must be None: the probability is the card's calibrated one (the only outcome the
        Python path scores per row).
    dialect : {"duckdb", "spark", "postgres"}
        The SQL dialect written (DuckDB's text transpiled by sqlglot for the others).
    table : str
        The table (or a table expression such as ``read_csv(...)``) holding the vignettes.
    columns : sequence of str, optional
        The table's columns (default: every contract field and ``vignette_id``); absent
        optional fields take their defaults, as in :func:`~scoring.contract.schema.validate_frame`.

    Returns
    -------
    str

    Raises
    ------
    VignetteError
        An unknown column or a missing required one, named as ``validate_frame`` names it.

    Examples
    --------
    >>> sql = to_sql(dialect="spark")  # doctest: +SKIP
    """
    if outcome is not None:
        raise ValueError(f"outcome {outcome!r}: only the card's calibrated probability is compiled; pass outcome=None")
    names = _columns(columns)
    _check_columns(names)
    the_card, the_tree = _resolve(card, tree)
    fields = dict(every_field(names))
    checked = _checked(table, names, fields)
    features = f"SELECT {_features_select(names)} FROM _zaro_checked WHERE {_valid(fields)}"
    sql = (
        f"WITH _zaro_checked AS ({checked}), _zaro_features AS ({features}) {_scores_select(the_card, the_tree, names)}"
    )
    return _transpile(sql, dialect)


#: Columns of the rejects result (as ``validate_frame``'s rejected table).
REJECT_COLUMNS = ("row", "vignette_id", "field", "value", "reason", "allowed")


def rejects_sql(
    *,
    dialect: str = "duckdb",
    table: str = "vignettes",
    columns: Sequence[str] | None = None,
    row_column: str | None = None,
) -> str:
    """The rows that break the contract, one line per problem, as ``validate_frame`` reports them.

    Columns ``row`` (1-based position in the table's scan order), ``vignette_id``, ``field``,
    ``value`` (the cell as text, ``NaN`` when empty), ``reason`` and ``allowed``; ordered by
    row, then field in contract order. Together with :func:`to_sql` no row is lost: every row
    is scored or has at least one line here.

    Parameters
    ----------
    dialect, table, columns
        As for :func:`to_sql`.
    row_column : str, optional
        A column of the table that numbers its rows from 1 (not one of ``columns``), for an
        engine whose scan order is not the table's order (Spark); by default rows are
        numbered as they are read (``ROW_NUMBER() OVER ()``, DuckDB keeps the file's order).

    Returns
    -------
    str
    """
    names = _columns(columns)
    _check_columns(names)
    fields = dict(every_field(names))
    vignette_id = "CAST(vignette_id AS VARCHAR)" if "vignette_id" in names else "''"
    pieces = []
    for order, spec in enumerate(FIELDS):
        reason = quote(spec.name + "__reason")
        value = f"COALESCE({quote(spec.name + '__text')}, 'NaN')"
        pieces.append(
            f"SELECT {_ROW} AS row, {vignette_id} AS vignette_id, {literal(spec.name)} AS field, {value} AS value, "
            f"{reason} AS reason, {literal(spec.allowed_text())} AS allowed, {order} AS _zaro_order "
            f"FROM _zaro_checked WHERE {reason} IS NOT NULL"
        )
    sql = (
        f"WITH _zaro_checked AS ({_checked(table, names, fields, row_column or 'scan')}) "
        f"SELECT row, vignette_id, field, value, reason, allowed FROM ({' UNION ALL '.join(pieces)}) AS _zaro_problems "
        "ORDER BY row, _zaro_order"
    )
    return _transpile(sql, dialect)
