"""One assessment as one SQL query: :func:`to_sql` (scored rows) and :func:`rejects_sql` (problems).

Why the SQL is written in DuckDB's dialect and handed to sqlglot: DuckDB is the engine zaro
embeds and tests against, so its dialect is the one the generated text is checked in; sqlglot
parses that text into a syntax tree and writes it out for Spark or PostgreSQL (regular
expressions, ``TRY_CAST``, ``TRIM`` of several characters and string concatenation differ
between them), so no dialect is a hand-kept copy of the query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from scoring._options import check_choice
from scoring.contract.encoding import FEATURES
from scoring.contract.errors import FieldError, VignetteError, unknown_field_error
from scoring.contract.fields import FIELD_NAMES, FIELDS, METADATA_COLUMNS
from scoring.sql._compile import (
    FieldSql,
    code_column,
    every_field,
    feature_column,
    feature_sql,
    literal,
    quote,
)
from scoring.sql._scores import Scoring, card_outcome, scored_columns, scores_select

if TYPE_CHECKING:
    from scoring.engine.card import Card
    from scoring.engine.policies import Policy
    from scoring.engine.populations import Population

__all__ = ["DIALECTS", "to_sql", "rejects_sql", "scored_columns", "table_name", "with_every_field"]

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


def _resolve(card: Card | str | None, tree: Any, population: Any, policy: Any, outcome: str | None) -> Scoring:
    """The card, tree, population and policies to compile, each checked as the Python path checks it."""
    from scoring.assessment import _policies
    from scoring.engine.card import load_card
    from scoring.engine.populations import load_population
    from scoring.engine.risk import load_outcomes
    from scoring.engine.tree import resolve_tree

    the_card = card if not isinstance(card, (str, type(None))) else (load_card() if card is None else load_card(card))
    chosen, risk_policy = _policies(policy)
    scoring = Scoring(
        the_card, None if tree is None else resolve_tree(tree), load_population(population), chosen, risk_policy
    )
    if outcome is not None:
        known = list(load_outcomes())
        if outcome not in known:
            raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(known)}")
        if outcome != scoring.outcome:
            raise ValueError(
                f"outcome {outcome!r}: the {the_card.name} card's risk is calibrated to {card_outcome(the_card)!r}; "
                f"pass outcome={card_outcome(the_card)!r} (or None), or a card calibrated to {outcome!r}"
            )
    return scoring


def _checked(table: str, columns: Sequence[str], fields: dict[str, FieldSql], row: str | None = None) -> str:
    """Each field read into its contract type, with the reason it is refused (NULL when fine).

    Three nested steps (the cells as read, what is derived from them, the checks), so each
    piece is computed once per row. ``row``: a column of the table numbering its rows from 1,
    or ``"scan"`` to number them in the order the table is read (``ROW_NUMBER() OVER ()``),
    or None for no numbering.
    """
    metadata = [quote(name) for name in METADATA_COLUMNS if name in columns]
    numbered = [] if row is None else [_ROW]
    cells = [f"{sql.cell} AS {quote(name + '__cell')}" for name, sql in fields.items()]
    if row is not None:
        cells.insert(0, f"{'ROW_NUMBER() OVER ()' if row == 'scan' else quote(row)} AS {_ROW}")
    read = [quote(name + "__cell") for name in fields]
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
            quote(name + "__cell"),
            *(f"{expr} AS {code_column(name, suffix)}" for suffix, expr in sql.codes.items()),
        ]
    step1 = f"SELECT {', '.join(metadata + cells)} FROM {table} AS _zaro_source"
    step2 = f"SELECT {', '.join(numbered + metadata + read + derived)} FROM ({step1}) AS _zaro_cells"
    return f"SELECT {', '.join(numbered + metadata + checks)} FROM ({step2}) AS _zaro_derived"


def _valid(fields: dict[str, FieldSql]) -> str:
    return " AND ".join(f"{quote(name + '__reason')} IS NULL" for name in fields)


def _features_select(columns: Sequence[str], fields: dict[str, FieldSql]) -> str:
    kept = [quote(f.name) for f in FIELDS] + [quote(m) for m in METADATA_COLUMNS if m in columns]
    # The codes the checks computed (category positions, location bits) are what the features read.
    codes = [code_column(name, suffix) for name, sql in fields.items() for suffix in sql.codes]
    features = [f"{feature_sql(spec)} AS {feature_column(spec.name)}" for spec in FEATURES]
    return ", ".join(kept + codes + features)


def _transpile(sql: str, dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ValueError(f"dialect {dialect!r} is not supported; choose one of {', '.join(DIALECTS)}")
    if dialect == "duckdb":
        return sql
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


#: A table name: letters, digits and underscores, not starting with a digit; dotted for a
#: schema (``analytics.vignettes``).
_NAME_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def table_name(name: str, dialect: str = "duckdb") -> str:
    """A table name as a quoted identifier of ``dialect`` (each dotted part quoted).

    Only plain names are taken (letters, digits, ``_``, dotted for a schema), so nothing but
    a name ever reaches the query; a table expression such as ``read_csv('x.csv')`` goes
    through ``table=`` of :func:`to_sql` (``zaro sql --from-sql``).

    Raises
    ------
    ValueError
        For an empty name or one with other characters, naming what is allowed.

    Examples
    --------
    >>> table_name("analytics.vignettes")
    '"analytics"."vignettes"'
    """
    check_choice("dialect", dialect, DIALECTS)
    parts = str(name).split(".")
    if not name or not all(_NAME_PART.fullmatch(part) for part in parts):
        raise ValueError(
            f"table name {name!r} is not a plain name; use letters, digits and _ (not starting with a digit), "
            "with a dot between schema and table, e.g. analytics.vignettes (a table expression needs --from-sql)"
        )
    # Quoted as DuckDB quotes identifiers: sqlglot writes them in the dialect's own quotes.
    return ".".join(quote(part) for part in parts)


def with_every_field(table: str) -> str:
    """A DuckDB table expression: ``table`` with a column of NULLs for each contract field it lacks.

    ``UNION ALL BY NAME`` with an empty row of every field adds the missing columns (untyped
    NULLs, so the table's own columns keep their types); absent optional fields then take
    their defaults, as ``zaro assess`` gives them.
    """
    nulls = ", ".join(f"NULL AS {quote(name)}" for name in [*FIELD_NAMES, "vignette_id"])
    return f"(SELECT * FROM {table} UNION ALL BY NAME SELECT {nulls} WHERE FALSE)"


def _columns(columns: Sequence[str] | None) -> list[str]:
    return list(FIELD_NAMES) + ["vignette_id"] if columns is None else list(columns)


def to_sql(
    *,
    card: Card | str | None = None,
    tree: Any = "default",
    policy: Policy | str | None = None,
    population: Population | str | None = None,
    outcome: str | None = None,
    dialect: str = "duckdb",
    table: str = "vignettes",
    columns: Sequence[str] | None = None,
    column_types: Mapping[str, str] | None = None,
) -> str:
    """One assessment as one SQL ``SELECT`` over a table of vignettes: the scored, valid rows.

    The query reads each contract field as the Python readers do (text, numbers, yes/no,
    categories, locations), keeps the rows that meet the contract, computes the features,
    each card item's points and the total (with group limits), the card's red flags, the
    referral ladder's level, the time frame of the red flags that fire, the card's risk of its
    outcome in ``population`` (a table of every total's risk, computed by the Python code and
    written as literals), the tree's risk (nested ``CASE``), and both policies' answers. Its
    columns are those of :func:`scoring.assessment.assess_frame`'s ``scored`` frame, in its
    order (:func:`scored_columns`); the rows it leaves out are exactly those
    :func:`rejects_sql` reports.

    Parameters
    ----------
    card : Card or str, optional
        The card (the default card when not given).
    tree : "default", TreeModel, path or None
        The tree; ``None`` for the card alone.
    policy : str or Policy, optional
        Whose answer is ``recommendation``: ``"guideline"`` (the default) or ``"risk"``
        (``scoring/definitions/policies.toml``).
    population : str or Population, optional
        Whom the risks are stated for (``"community"`` by default).
    outcome : str, optional
        The outcome of the risk column; it must be the one the card is calibrated to (the
        only risk the Python path scores per row). None takes the card's.
    dialect : {"duckdb", "spark", "postgres"}
        The SQL dialect written (DuckDB's text transpiled by sqlglot for the others).
    table : str
        The table (or a table expression such as ``read_csv(...)``) holding the vignettes.
    columns : sequence of str, optional
        The table's columns (default: every contract field and ``vignette_id``); absent
        optional fields take their defaults, as in :func:`~scoring.contract.schema.validate_frame`.
    column_types : mapping of str to str, optional
        Each column's SQL type as the engine names it (DuckDB's ``DESCRIBE``: ``BIGINT``,
        ``DOUBLE``, ``BOOLEAN``, ``VARCHAR``...). A number or yes/no field whose column holds
        numbers or yes/no values is checked on those values with plain comparisons (the typed
        path, much faster than reading text); every other column, and every column when
        this is not given, is read through its text as a CSV cell is. Both paths give the
        verdicts of ``validate_frame``.

    Returns
    -------
    str

    Raises
    ------
    VignetteError
        An unknown column or a missing required one, named as ``validate_frame`` names it.
    PolicyError, PopulationError, ValueError
        An unknown policy, population, outcome or dialect, listing the known ones.

    Examples
    --------
    >>> sql = to_sql(tree=None, policy="risk", population="community")
    >>> sql.startswith("WITH _zaro_checked AS (")
    True
    """
    names = _columns(columns)
    _check_columns(names)
    scoring = _resolve(card, tree, population, policy, outcome)
    fields = dict(every_field(names, column_types, dialect=dialect))
    checked = _checked(table, names, fields)
    features = f"SELECT {_features_select(names, fields)} FROM _zaro_checked WHERE {_valid(fields)}"
    sql = f"WITH _zaro_checked AS ({checked}), _zaro_features AS ({features}) {scores_select(scoring, names)}"
    return _transpile(sql, dialect)


#: Columns of the rejects result (as ``validate_frame``'s rejected table).
REJECT_COLUMNS = ("row", "vignette_id", "field", "value", "reason", "allowed")


def rejects_sql(
    *,
    dialect: str = "duckdb",
    table: str = "vignettes",
    columns: Sequence[str] | None = None,
    column_types: Mapping[str, str] | None = None,
    row_column: str | None = None,
) -> str:
    """The rows that break the contract, one line per problem, as ``validate_frame`` reports them.

    Columns ``row`` (1-based position in the table's scan order), ``vignette_id``, ``field``,
    ``value`` (the cell as text, ``NaN`` when empty), ``reason`` and ``allowed``; ordered by
    row, then field in contract order. Together with :func:`to_sql` no row is lost: every row
    is scored or has at least one line here.

    Parameters
    ----------
    dialect, table, columns, column_types
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
    fields = dict(every_field(names, column_types, dialect=dialect))
    vignette_id = "CAST(vignette_id AS VARCHAR)" if "vignette_id" in names else "''"
    pieces = []
    for order, spec in enumerate(FIELDS):
        reason = quote(spec.name + "__reason")
        pieces.append(
            f"SELECT {_ROW} AS row, {vignette_id} AS vignette_id, {literal(spec.name)} AS field, "
            f"{fields[spec.name].shown} AS value, {reason} AS reason, {literal(spec.allowed_text())} AS allowed, "
            f"{order} AS _zaro_order FROM _zaro_refused WHERE {reason} IS NOT NULL"
        )
    # The refused rows are picked out in one pass; each field's lines are then taken from them.
    refused = " OR ".join(f"{quote(name + '__reason')} IS NOT NULL" for name in fields)
    sql = (
        f"WITH _zaro_checked AS ({_checked(table, names, fields, row_column or 'scan')}), "
        f"_zaro_refused AS (SELECT * FROM _zaro_checked WHERE {refused}) "
        f"SELECT row, vignette_id, field, value, reason, allowed FROM ({' UNION ALL '.join(pieces)}) AS _zaro_problems "
        "ORDER BY row, _zaro_order"
    )
    return _transpile(sql, dialect)
