"""The assessment compiled to SQL: validation, features, the card, the tree and the combination.

Everything here is generated from the same definitions the Python path reads (the fields
of the contract, :data:`~scoring.contract.encoding.FEATURES`, the card's items, groups,
bands and red flags, the ladder's urgent rules, the tree's arrays): no rule is written twice
by hand. Each piece is a DuckDB-dialect expression; :mod:`scoring.sql` joins them into one
query and transpiles it to other dialects with sqlglot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scoring.contract.conditions import And, CategoryTest, Compare, Flag, Node, Not
from scoring.contract.encoding import FeatureSpec
from scoring.contract.fields import FIELDS, LOCATIONS, FieldSpec
from scoring.contract.readers import FALSE_TEXT, NUMBER_PATTERN, TRUE_TEXT, Reasons
from scoring.contract.recommendation import LEVELS

__all__ = ["quote", "literal", "FieldSql", "field_sql", "feature_sql", "condition_sql", "level_text"]

#: A finite number written out in full that overflows a double (Python keeps it finite).
_HUGE = "1.7976931348623157e308"


def quote(name: str) -> str:
    """A quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for text, a bool or a number (floats written so they read back exactly)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # With an exponent the literal is a DOUBLE in DuckDB and Spark (not a DECIMAL), so
        # the shortest repr reads back as the very same double.
        text = repr(value)
        return text if "e" in text else f"{text}e0"
    return "'" + str(value).replace("'", "''") + "'"


def _in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")"


#: What Python's ``str.strip()`` removes (the readers strip cells with it). The characters
#: themselves go into patterns, not escapes: RE2, Java and PostgreSQL write hex escapes differently.
_STRIP = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_SPACE = f"[{_STRIP}]*"


class FieldSql:
    """One contract field in SQL, in three steps so each piece is computed once per row.

    Attributes
    ----------
    text : str
        Step 1: the cell as text (NULL when absent), as the Python readers see a CSV cell; it
        becomes the column ``<field>__text``.
    derived : dict
        Step 2: columns ``<field>__<suffix>`` computed from the text (stripped words, the
        number read), so the checks below refer to columns, not to repeated expressions.
    value, reason : str
        Step 3: the value in its contract type (the default when the optional cell is empty),
        and the reason the cell is refused (the Python readers' wording) or NULL.
    """

    def __init__(self, text: str, derived: dict[str, str], value: str, reason: str):
        self.text, self.derived, self.value, self.reason = text, derived, value, reason


def _step(name: str, suffix: str) -> str:
    return quote(f"{name}__{suffix}")


def _missing(spec: FieldSpec) -> str:
    return literal(Reasons.MISSING) if spec.required else "NULL"


def _default(spec: FieldSpec) -> str:
    return "NULL" if spec.required else literal(spec.default)


def _number(spec: FieldSpec, text: str) -> FieldSql:
    cell, number = _step(spec.name, "text"), _step(spec.name, "number")
    # Stripping with Python's set of spaces is slow: only cells that start or end with one pay for it.
    trimmed = _stripped(cell)
    # An overflowing number ('1e400') is finite and far out of range, as in read_number. Only
    # text that is a number is cast, so a dialect without TRY_CAST never casts bad text.
    overflow = f"CASE WHEN {trimmed} LIKE '-%' THEN -{_HUGE} ELSE {_HUGE} END"
    matches = f"REGEXP_MATCHES({cell}, {literal(f'^(?:{NUMBER_PATTERN})$')})"
    parsed = f"CASE WHEN {matches} THEN COALESCE(TRY_CAST({trimmed} AS DOUBLE), {overflow}) END"
    # Every double of 2**52 or more is whole: skipping FLOOR there keeps Spark, whose FLOOR gives
    # a BIGINT, from overflowing on a number such as -3e91 (which is out of range, as in Python).
    whole = (
        f"WHEN ABS({number}) < {literal(2.0**52)} AND {number} <> FLOOR({number}) THEN {literal(Reasons.NOT_WHOLE)} "
        if spec.kind == "int"
        else ""
    )
    low, high = spec.bounds
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} "
        f"WHEN {number} IS NULL THEN {literal(Reasons.NOT_A_NUMBER)} "
        f"{whole}"
        f"WHEN {number} < {literal(float(low))} THEN {literal(Reasons.below(spec))} "
        f"WHEN {number} > {literal(float(high))} THEN {literal(Reasons.ABOVE)} END"
    )
    sql_type = "BIGINT" if spec.kind == "int" else "DOUBLE"
    # Only a number in range is cast (a row with any other is refused): a huge one would
    # overflow BIGINT in Spark.
    in_range = f"CASE WHEN {number} BETWEEN {literal(float(low))} AND {literal(float(high))} THEN {number} END"
    value = f"CAST(CASE WHEN {cell} IS NULL THEN {_default(spec)} ELSE {in_range} END AS {sql_type})"
    return FieldSql(text, {"number": parsed}, value, reason)


def _stripped(cell: str) -> str:
    """The cell without surrounding spaces (Python's ``str.strip``); most cells have none, and skip the work."""
    return f"CASE WHEN REGEXP_MATCHES({cell}, {literal(f'^[{_STRIP}]|[{_STRIP}]$')}) THEN TRIM({cell}, {literal(_STRIP)}) ELSE {cell} END"


def _word_field(spec: FieldSpec, text: str, word: str, accepted: Sequence[str], refusal: str, value: str) -> FieldSql:
    """A field whose stripped cell ``word`` is one of ``accepted``; ``value`` (over the word) when it is given."""
    cell, column = _step(spec.name, "text"), _step(spec.name, "word")
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} "
        f"WHEN {column} IN {_in_list(accepted)} THEN NULL ELSE {literal(refusal)} END"
    )
    given = value.format(word=column)
    return FieldSql(text, {"word": word}, f"CASE WHEN {cell} IS NULL THEN {_default(spec)} ELSE {given} END", reason)


def _yes_no(spec: FieldSpec, text: str) -> FieldSql:
    cell = _step(spec.name, "text")
    # The words as pandas and DuckDB write them skip the stripping (most cells).
    exact = _in_list(sorted({w for w in TRUE_TEXT | FALSE_TEXT} | {w.capitalize() for w in TRUE_TEXT | FALSE_TEXT}))
    word = f"LOWER(CASE WHEN {cell} IN {exact} THEN {cell} ELSE {_stripped(cell)} END)"
    words = sorted(TRUE_TEXT | FALSE_TEXT)
    true_words = _in_list(sorted(TRUE_TEXT))
    return _word_field(spec, text, word, words, Reasons.NOT_YES_NO, "{word} IN " + true_words)


def _category(spec: FieldSpec, text: str) -> FieldSql:
    cell = _step(spec.name, "text")
    word = f"CASE WHEN {cell} IN {_in_list(spec.allowed)} THEN {cell} ELSE {_stripped(cell)} END"
    return _word_field(spec, text, word, spec.allowed, Reasons.UNKNOWN_CATEGORY, "{word}")


def location_flag(canonical: str, name: str) -> str:
    """Whether canonical locations text (names joined by ';', no spaces) names the location ``name``."""
    return f"(';' || {canonical} || ';' LIKE {literal(f'%;{name};%')})"


_REPR_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def python_repr(text: str) -> str:
    """Text as Python's ``repr`` writes it (quotes, backslashes, tabs, line ends), as reasons quote a value."""
    escaped = text
    for char, written in _REPR_ESCAPES:
        escaped = f"REPLACE({escaped}, {literal(char)}, {literal(written)})"
    single, double = literal("'"), literal('"')
    return (
        f"CASE WHEN {escaped} LIKE {literal('%' + chr(39) + '%')} AND NOT {escaped} LIKE {literal('%' + chr(34) + '%')} "
        f"THEN {double} || {escaped} || {double} "
        f"ELSE {single} || REPLACE({escaped}, {single}, {literal(chr(92) + chr(39))}) || {single} END"
    )


def _locations(spec: FieldSpec, text: str) -> FieldSql:
    cell = _step(spec.name, "text")
    names = "|".join(spec.allowed)
    item = f"{_SPACE}(?:{names})?{_SPACE}"
    # Known or empty items followed by ';', as many as possible: the next item is the first
    # one that is not a known name. Only cells that are not all known names pay for it.
    all_known = f"REGEXP_MATCHES({cell}, {literal(f'^{item}(?:;{item})*$')})"
    first_other = f"REGEXP_EXTRACT({cell}, {literal(f'^(?:{item};)*{_SPACE}([^;]*?){_SPACE}(?:;|$)')}, 1)"
    derived = {
        "unknown": f"CASE WHEN {all_known} THEN NULL ELSE {first_other} END",
        "named": f"REGEXP_MATCHES({cell}, {literal(f'[^;{_STRIP}]')})",
        # Once every item is known, the cell without spaces names each location between ';'s.
        "packed": f"';' || CASE WHEN REGEXP_MATCHES({cell}, {literal(f'[{_STRIP}]')}) "
        f"THEN TRANSLATE({cell}, {literal(_STRIP)}, '') ELSE {cell} END || ';'",
    }
    unknown, packed = _step(spec.name, "unknown"), _step(spec.name, "packed")
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} "
        f"WHEN NOT {_step(spec.name, 'named')} THEN {literal(Reasons.NO_LOCATIONS)} "
        f"WHEN {unknown} IS NOT NULL THEN 'unknown location ' || {python_repr(unknown)} END"
    )
    flags = [f"CASE WHEN {packed} LIKE {literal(f'%;{name};%')} THEN {literal(name)} END" for name in spec.allowed]
    return FieldSql(text, derived, f"CONCAT_WS(';', {', '.join(flags)})", reason)


def field_sql(spec: FieldSpec, columns: Sequence[str]) -> FieldSql:
    """The SQL of one field over a table whose columns are ``columns`` (absent optional fields take defaults)."""
    text = f"CAST({quote(spec.name)} AS VARCHAR)" if spec.name in columns else "CAST(NULL AS VARCHAR)"
    if spec.is_numeric:
        return _number(spec, text)
    if spec.kind == "bool":
        return _yes_no(spec, text)
    if spec.kind == "category":
        return _category(spec, text)
    return _locations(spec, text)


def _bool_number(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 1.0 ELSE 0.0 END"


def feature_sql(spec: FeatureSpec) -> str:
    """A feature as a DOUBLE over the canonical columns (as :class:`~scoring.contract.encoding.Features` computes it)."""
    name = spec.name
    if spec.kind == "number":
        return f"CAST({quote(name)} AS DOUBLE)"
    if spec.kind == "ordinal":
        cases = " ".join(f"WHEN {literal(level)} THEN {i}.0" for i, level in enumerate(spec.levels))
        return f"CASE {quote(str(spec.source_field))} {cases} END"
    locations = quote("locations")
    if name == "n_locations":
        return " + ".join(_bool_number(location_flag(locations, loc)) for loc in LOCATIONS)
    if name.startswith("loc_"):
        return _bool_number(location_flag(locations, name[4:]))
    if name == "eyelid_only":
        return _bool_number(f"{locations} = 'eyelid'")
    if name == "progressive_weakness":
        return _bool_number(f"{quote('weakness')} AND {quote('worsening')}")
    return _bool_number(quote(name))


#: Feature columns are named with this prefix: several features share a field's name.
FEATURE_PREFIX = "_f_"


def feature_column(name: str) -> str:
    """The quoted column holding feature ``name``."""
    return quote(FEATURE_PREFIX + name)


def category_level(field: str) -> str:
    """The quoted column holding a category field's position among its allowed values."""
    return feature_column(f"{field}_level")


def condition_sql(node: Node) -> str:
    """A parsed condition as a SQL boolean over the feature columns."""
    if isinstance(node, Flag):
        return f"({feature_column(node.feature)} > 0.5)"
    if isinstance(node, Compare):
        op = "<>" if node.op == "!=" else ("=" if node.op == "==" else node.op)
        return f"({feature_column(node.feature)} {op} {literal(float(node.threshold))})"
    if isinstance(node, CategoryTest):
        op = "=" if node.op == "==" else "<>"
        return f"({category_level(node.field)} {op} {node.code})"
    if isinstance(node, Not):
        return f"(NOT {condition_sql(node.operand)})"
    word = " AND " if isinstance(node, And) else " OR "
    return "(" + word.join(condition_sql(child) for child in node.operands) + ")"


def level_text(level_sql: str) -> str:
    """A level (0/1/2) as its recommendation text."""
    return "CASE " + level_sql + " " + " ".join(f"WHEN {i} THEN {literal(v)}" for i, v in enumerate(LEVELS)) + " END"


def every_field(columns: Sequence[str]) -> Mapping[str, FieldSql]:
    """Each contract field's SQL, in contract order."""
    return {spec.name: field_sql(spec, columns) for spec in FIELDS}
