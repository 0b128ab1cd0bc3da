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
from scoring.contract.fields import FIELDS, LOCATIONS, FieldSpec, field_spec
from scoring.contract.readers import FALSE_TEXT, NUMBER_PATTERN, TRUE_TEXT, Reasons
from scoring.contract.recommendation import LEVELS

__all__ = ["quote", "literal", "FieldSql", "field_sql", "feature_sql", "condition_sql", "level_text", "type_family"]

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


def _one_of(expression: str, values: Sequence[str]) -> str:
    """Whether ``expression`` is one of ``values``.

    Written as comparisons joined by OR: DuckDB turns a long ``IN (...)`` list into a join,
    which costs more here and does not promise to keep the rows' order.
    """
    return "(" + " OR ".join(f"{expression} = {literal(v)}" for v in values) + ")"


#: What Python's ``str.strip()`` removes (the readers strip cells with it). The characters
#: themselves go into patterns, not escapes: RE2, Java and PostgreSQL write hex escapes differently.
_STRIP = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())
_SPACE = f"[{_STRIP}]*"


class FieldSql:
    """One contract field in SQL, in three steps so each piece is computed once per row.

    Attributes
    ----------
    cell : str
        Step 1: the cell as read (NULL when absent): its text, as the Python readers see a
        CSV cell, or on the typed path the typed value itself; it becomes the column
        ``<field>__cell``.
    derived : dict
        Step 2: columns ``<field>__<suffix>`` computed from the cell (stripped words, the
        number read), so the checks below refer to columns, not to repeated expressions.
    value, reason : str
        Step 3: the value in its contract type (the default when the optional cell is empty),
        and the reason the cell is refused (the Python readers' wording) or NULL.
    shown : str
        The cell as the rejects table shows it (``validate_frame``'s ``value``), over step 3's
        columns; only computed for refused cells.
    codes : dict
        Step 3 columns ``<field>__<suffix>`` that the features read instead of the text: a
        category's position among its allowed values (``code``), the locations as bits
        (``mask``, bit ``i`` for the ``i``-th allowed location).
    """

    def __init__(
        self,
        cell: str,
        derived: dict[str, str],
        value: str,
        reason: str,
        shown: str,
        codes: dict[str, str] | None = None,
    ):
        self.cell, self.derived, self.value, self.reason, self.shown = cell, derived, value, reason, shown
        self.codes = codes or {}


def _step(name: str, suffix: str) -> str:
    return quote(f"{name}__{suffix}")


def _missing(spec: FieldSpec) -> str:
    return literal(Reasons.MISSING) if spec.required else "NULL"


def _default(spec: FieldSpec) -> str:
    return "NULL" if spec.required else literal(spec.default)


#: Column types (as DuckDB's ``DESCRIBE`` or Spark's ``dtypes`` name them) by what they hold.
#: A field whose column holds numbers or yes/no is checked on these values (the typed path);
#: any other type is read through its text, as a CSV cell is.
_TYPE_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        ("TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"), "integer"
    ),
    **dict.fromkeys(("FLOAT", "DOUBLE", "REAL"), "float"),
    "BOOLEAN": "boolean",
}


def type_family(sql_type: str | None) -> str:
    """What a column of ``sql_type`` holds, as the readers see it.

    ``"integer"``, ``"float"``, ``"boolean"``; ``"decimal"`` (a number, as ``read_number``
    reads a ``Decimal``); ``"binary"`` (never text, whatever its bytes); ``"list"`` (DuckDB's
    ``T[]``: a list of locations when ``T`` is text); ``"temporal"`` (dates and times: not
    numbers); ``"text"`` for every other type (read through its text).
    """
    name = str(sql_type).upper()
    if name in _TYPE_FAMILIES:
        return _TYPE_FAMILIES[name]
    if name.startswith(("DECIMAL", "NUMERIC")):
        return "decimal"
    if name in ("BLOB", "BYTEA", "BINARY", "VARBINARY"):
        return "binary"
    if name.endswith("[]"):
        return "list"
    if name.startswith(("DATE", "TIME", "INTERVAL")):
        return "temporal"
    return "text"


def _shown_text(cell: str) -> str:
    # How validate_frame shows a cell of text: the text, 'NaN' when empty.
    return f"COALESCE({cell}, 'NaN')"


def _number_reason(spec: FieldSpec, absent: str, number: str, *, finite: bool) -> str:
    """Why a number is refused, in the order of the Python readers (``number_reason_codes``)."""
    low, high = spec.bounds
    infinite = "" if finite else f"WHEN ABS({number}) > {_HUGE} THEN {literal(Reasons.NOT_FINITE)} "
    whole = f"WHEN {number} <> FLOOR({number}) THEN {literal(Reasons.NOT_WHOLE)} " if spec.kind == "int" else ""
    return (
        f"CASE WHEN {absent} THEN {_missing(spec)} {infinite}{whole}"
        f"WHEN {number} < {literal(float(low))} THEN {literal(Reasons.below(spec))} "
        f"WHEN {number} > {literal(float(high))} THEN {literal(Reasons.ABOVE)} END"
    )


#: The number pattern without the spaces it allows around a number: most cells have none.
_PLAIN_NUMBER = NUMBER_PATTERN.replace(r"[ \t\r\n]*", "")


def _overflow(text: str) -> str:
    # An overflowing number ('1e400') is finite and far out of range, as in read_number.
    return f"CASE WHEN {text} LIKE '-%' THEN -{_HUGE} ELSE {_HUGE} END"


def _number(spec: FieldSpec, text: str) -> FieldSql:
    cell, number = _step(spec.name, "cell"), _step(spec.name, "number")
    # Only text that is a number is cast, so a dialect without TRY_CAST never casts bad text.
    # Most cells are a number without spaces, read as they are; stripping with Python's set
    # of spaces is slow, so only the other cells that match the whole pattern pay for it.
    trimmed = _stripped(cell)
    plain = f"REGEXP_MATCHES({cell}, {literal(f'^(?:{_PLAIN_NUMBER})$')})"
    spaced = f"REGEXP_MATCHES({cell}, {literal(f'^(?:{NUMBER_PATTERN})$')})"
    parsed = (
        f"CASE WHEN {plain} THEN COALESCE(TRY_CAST({cell} AS DOUBLE), {_overflow(cell)}) "
        f"WHEN {spaced} THEN COALESCE(TRY_CAST({trimmed} AS DOUBLE), {_overflow(trimmed)}) END"
    )
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
    # Only a number in range is cast (a row with any other is refused): a huge one would
    # overflow BIGINT in Spark.
    in_range = f"CASE WHEN {number} BETWEEN {literal(float(low))} AND {literal(float(high))} THEN {number} END"
    value = f"CAST(CASE WHEN {cell} IS NULL THEN {_default(spec)} ELSE {in_range} END AS {_number_type(spec)})"
    return FieldSql(text, {"number": parsed}, value, reason, _shown_text(cell))


def _number_type(spec: FieldSpec) -> str:
    return "BIGINT" if spec.kind == "int" else "DOUBLE"


def _yes_no_text(cell: str) -> str:
    # A yes/no as pandas writes it (True/False), as validate_frame shows a refused one.
    return f"CASE WHEN {cell} THEN 'True' WHEN NOT {cell} THEN 'False' ELSE 'NaN' END"


def _absent(cell: str, family: str) -> str:
    """Whether a typed cell is missing: NULL, or NaN in a column of floats (pandas writes NaN for missing)."""
    return f"({cell} IS NULL OR ISNAN({cell}))" if family == "float" else f"{cell} IS NULL"


def _typed_number(spec: FieldSpec, column: str, family: str) -> FieldSql:
    """A number field over a column of numbers (or of yes/no, refused as read_number refuses it)."""
    cell = _step(spec.name, "cell")
    if family == "boolean":
        reason = f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} ELSE {literal(Reasons.YES_NO_FOR_NUMBER)} END"
        value = f"CAST({_default(spec)} AS {_number_type(spec)})"  # only a missing cell is accepted
        return FieldSql(column, {}, value, reason, _yes_no_text(cell))
    absent = _absent(cell, family)
    number = cell if family == "float" else f"CAST({cell} AS DOUBLE)"
    reason = _number_reason(spec, absent, number, finite=family != "float")
    # Only a number in range is cast: a refused one (an unsigned 2**64 - 1, an infinity)
    # would overflow the field's type and stop the whole query.
    low, high = spec.bounds
    in_range = f"CASE WHEN {number} BETWEEN {literal(float(low))} AND {literal(float(high))} THEN {number} END"
    value = f"CAST(CASE WHEN {absent} THEN {_default(spec)} ELSE {in_range} END AS {_number_type(spec)})"
    shown = f"CASE WHEN {absent} THEN 'NaN' ELSE CAST({cell} AS VARCHAR) END"
    return FieldSql(column, {}, value, reason, shown)


#: DuckDB's names for a list of text.
_TEXT_LISTS = ("VARCHAR[]", "STRING[]")


def _list_text(cell: str, element_text: bool) -> str:
    """A list cell as the rejects table shows it (``cell_text``): its items joined by ';', a missing one as None."""
    item = "x" if element_text else "CAST(x AS VARCHAR)"
    return f"ARRAY_TO_STRING(LIST_TRANSFORM({cell}, lambda x: COALESCE({item}, 'None')), ';')"


def _scalar_text(cell: str, family: str) -> str:
    """A typed cell as Python's ``str`` writes the value pandas reads from it (NULL when missing)."""
    if family == "boolean":
        return f"CASE WHEN {cell} THEN 'True' WHEN NOT {cell} THEN 'False' END"
    if family == "float":
        return f"CASE WHEN NOT ISNAN({cell}) THEN CAST({cell} AS VARCHAR) END"
    if family == "binary":
        # Python writes bytes as b'...'; DuckDB writes the bytes it cannot print as \xNN, as Python does.
        return "'b' || " + literal("'") + f" || CAST({cell} AS VARCHAR) || " + literal("'")
    return f"CAST({cell} AS VARCHAR)"


#: Why a value of the wrong type (bytes, a list) is refused, per field kind (locations: the last).
_WRONG_TYPE = {
    "int": Reasons.NOT_A_NUMBER,
    "float": Reasons.NOT_A_NUMBER,
    "bool": Reasons.NOT_YES_NO,
    "category": Reasons.UNKNOWN_CATEGORY,
    "multi_category": Reasons.LOCATIONS_TYPE,
}


def _wrong_type(spec: FieldSpec, column: str, family: str, sql_type: str) -> FieldSql:
    """A field over a column whose every value has the wrong type: only a missing cell is accepted.

    As the Python readers refuse them: bytes are never text, a list is never a number, a
    yes/no or a category, and locations are text or a list of text (an empty list is
    refused as an empty text is).
    """
    cell = _step(spec.name, "cell")
    absent = _absent(cell, family)
    empty = (
        f"WHEN LEN({cell}) = 0 THEN {literal(Reasons.NO_LOCATIONS)} "
        if family == "list" and spec.kind == "multi_category"
        else ""
    )
    reason = f"CASE WHEN {absent} THEN {_missing(spec)} {empty}ELSE {literal(_WRONG_TYPE[spec.kind])} END"
    value = f"CAST({_default(spec)} AS {_number_type(spec)})" if spec.is_numeric else _default(spec)
    shown_cell = _list_text(cell, sql_type in _TEXT_LISTS) if family == "list" else _scalar_text(cell, family)
    shown = f"CASE WHEN {absent} THEN 'NaN' ELSE {shown_cell} END"
    codes: dict[str, str] = {}
    if spec.kind == "category":
        codes["code"] = "NULL" if spec.required else str(spec.allowed.index(str(spec.default)))
    elif spec.kind == "multi_category":
        codes["mask"] = "NULL"
    return FieldSql(column, {}, value, reason, shown, codes)


def _list_locations(spec: FieldSpec, column: str) -> FieldSql:
    """The locations field over a column of lists of text (DuckDB's ``VARCHAR[]``): each item one name.

    As ``read_locations`` reads a list: no item missing, each exactly an allowed name
    (no spaces stripped, case kept), repeats dropped.
    """
    cell = _step(spec.name, "cell")
    unknown = f"LIST_FILTER({cell}, lambda x: NOT {_one_of('x', spec.allowed)})"
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} "
        f"WHEN LEN({cell}) = 0 THEN {literal(Reasons.NO_LOCATIONS)} "
        f"WHEN LIST_COUNT({cell}) < LEN({cell}) THEN {literal(Reasons.LOCATIONS_TYPE)} "
        f"WHEN LEN({unknown}) > 0 THEN 'unknown location ' || {python_repr(f'({unknown})[1]')} END"
    )
    named = [f"LIST_CONTAINS({cell}, {literal(name)})" for name in spec.allowed]
    value = (
        "CONCAT_WS(';', "
        + ", ".join(f"CASE WHEN {test} THEN {literal(name)} END" for test, name in zip(named, spec.allowed))
        + ")"
    )
    mask = " + ".join(f"CASE WHEN {test} THEN {1 << i} ELSE 0 END" for i, test in enumerate(named))
    shown = f"CASE WHEN {cell} IS NULL THEN 'NaN' ELSE {_list_text(cell, True)} END"
    return FieldSql(column, {}, value, reason, shown, {"mask": mask})


def _typed_yes_no(spec: FieldSpec, column: str, family: str) -> FieldSql:
    """A yes/no field over a column of yes/no values, or of numbers (0 and 1 allowed, as read_yes_no allows)."""
    cell = _step(spec.name, "cell")
    if family == "boolean":
        reason = "NULL" if not spec.required else f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} END"
        value = f"COALESCE({cell}, {_default(spec)})"
        return FieldSql(column, {}, value, reason, _yes_no_text(cell))
    absent = _absent(cell, family)
    reason = (
        f"CASE WHEN {absent} THEN {_missing(spec)} WHEN {cell} = 0 OR {cell} = 1 THEN NULL "
        f"ELSE {literal(Reasons.NOT_YES_NO)} END"
    )
    value = f"CASE WHEN {absent} THEN {_default(spec)} ELSE {cell} = 1 END"
    shown = f"CASE WHEN {absent} THEN 'NaN' ELSE CAST({cell} AS VARCHAR) END"
    return FieldSql(column, {}, value, reason, shown)


def _stripped(cell: str) -> str:
    """The cell without surrounding spaces (Python's ``str.strip``); most cells have none, and skip the work."""
    return f"CASE WHEN REGEXP_MATCHES({cell}, {literal(f'^[{_STRIP}]|[{_STRIP}]$')}) THEN TRIM({cell}, {literal(_STRIP)}) ELSE {cell} END"


def _yes_no(spec: FieldSpec, text: str) -> FieldSql:
    cell, exact, word = _step(spec.name, "cell"), _step(spec.name, "exact"), _step(spec.name, "word")
    # The words as pandas and DuckDB write them are read by comparison (most cells); only
    # other cells are stripped, lower-cased and looked for among all the words.
    written = {w: w in TRUE_TEXT for w in ("true", "false")}
    written.update({w.capitalize(): value for w, value in written.items()})
    derived = {
        "exact": f"CASE {cell} "
        + " ".join(f"WHEN {literal(w)} THEN {literal(v)}" for w, v in written.items())
        + " END",
    }
    derived["word"] = f"CASE WHEN {derived['exact']} IS NULL THEN LOWER({_stripped(cell)}) END"
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} WHEN {exact} IS NOT NULL THEN NULL "
        f"WHEN {_one_of(word, sorted(TRUE_TEXT | FALSE_TEXT))} THEN NULL ELSE {literal(Reasons.NOT_YES_NO)} END"
    )
    value = (
        f"CASE WHEN {cell} IS NULL THEN {_default(spec)} WHEN {exact} IS NOT NULL THEN {exact} "
        f"ELSE {_one_of(word, sorted(TRUE_TEXT))} END"
    )
    return FieldSql(text, derived, value, reason, _shown_text(cell))


def _enum(values: Sequence[str]) -> str:
    return f"ENUM{_in_list(values)}"


def _category(spec: FieldSpec, text: str, *, duckdb: bool) -> FieldSql:
    cell, word, exact = _step(spec.name, "cell"), _step(spec.name, "word"), _step(spec.name, "exact")
    # The position of a cell that is exactly an allowed value: one hash lookup in DuckDB (an
    # ENUM cast), comparisons elsewhere; only other cells are stripped and compared again.
    if duckdb:
        position = f"enum_code(TRY_CAST({cell} AS {_enum(spec.allowed)}))"
    else:
        position = (
            f"CASE {cell} " + " ".join(f"WHEN {literal(v)} THEN {i}" for i, v in enumerate(spec.allowed)) + " END"
        )
    stripped_position = (
        f"CASE {word} " + " ".join(f"WHEN {literal(v)} THEN {i}" for i, v in enumerate(spec.allowed)) + " END"
    )
    derived = {"exact": position, "word": f"CASE WHEN {position} IS NULL THEN {_stripped(cell)} END"}
    code = f"COALESCE({exact}, {stripped_position})"
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} WHEN {exact} IS NOT NULL THEN NULL "
        f"WHEN {_one_of(word, spec.allowed)} THEN NULL ELSE {literal(Reasons.UNKNOWN_CATEGORY)} END"
    )
    value = f"CASE WHEN {cell} IS NULL THEN {_default(spec)} WHEN {exact} IS NOT NULL THEN {cell} ELSE {word} END"
    default_code = "NULL" if spec.required else str(spec.allowed.index(str(spec.default)))
    codes = {"code": f"CASE WHEN {cell} IS NULL THEN {default_code} ELSE {code} END"}
    return FieldSql(text, derived, value, reason, _shown_text(cell), codes)


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


def _canonical_locations(names: Sequence[str]) -> str:
    """A pattern for locations text as zaro writes it: known names in contract order, once each, joined by ';'."""
    starts = ["".join([first, *(f"(?:;{later})?" for later in names[i + 1 :])]) for i, first in enumerate(names)]
    return f"^(?:{'|'.join(starts)})$"


def canonical_locations_texts(names: Sequence[str]) -> list[str]:
    """Every canonical locations text, the one whose bits (bit ``i`` for ``names[i]``) are ``m`` at position ``m - 1``."""
    return [";".join(name for i, name in enumerate(names) if mask >> i & 1) for mask in range(1, 1 << len(names))]


def _locations(spec: FieldSpec, text: str, *, duckdb: bool) -> FieldSql:
    cell = _step(spec.name, "cell")
    names = "|".join(spec.allowed)
    item = f"{_SPACE}(?:{names})?{_SPACE}"
    # Most cells are already canonical (as generated, or as zaro writes them): DuckDB finds
    # their bits with one hash lookup (an ENUM cast, listed in bit order), other engines
    # with one pattern; only the other cells are searched item by item.
    if duckdb and len(spec.allowed) <= 12:
        derived = {"bits": f"enum_code(TRY_CAST({cell} AS {_enum(canonical_locations_texts(spec.allowed))})) + 1"}
        canonical = f"({_step(spec.name, 'bits')} IS NOT NULL)"
    else:
        pattern = literal(_canonical_locations(spec.allowed))
        derived = {"canonical": f"COALESCE(REGEXP_MATCHES({cell}, {pattern}), FALSE)"}
        canonical = _step(spec.name, "canonical")
    # Known or empty items followed by ';', as many as possible: the next item is the first
    # one that is not a known name. Only cells that are not all known names pay for it.
    all_known = f"REGEXP_MATCHES({cell}, {literal(f'^{item}(?:;{item})*$')})"
    first_other = f"REGEXP_EXTRACT({cell}, {literal(f'^(?:{item};)*{_SPACE}([^;]*?){_SPACE}(?:;|$)')}, 1)"
    named = f"REGEXP_MATCHES({cell}, {literal(f'[^;{_STRIP}]')})"
    reason = (
        f"CASE WHEN {cell} IS NULL THEN {_missing(spec)} WHEN {canonical} THEN NULL "
        f"WHEN NOT {named} THEN {literal(Reasons.NO_LOCATIONS)} "
        f"WHEN NOT {all_known} THEN 'unknown location ' || {python_repr(first_other)} END"
    )
    # Once every item is known, the cell without spaces names each location between ';'s.
    packed = (
        f"';' || CASE WHEN REGEXP_MATCHES({cell}, {literal(f'[{_STRIP}]')}) "
        f"THEN TRANSLATE({cell}, {literal(_STRIP)}, '') ELSE {cell} END || ';'"
    )
    if "bits" in derived:
        # Only a cell without bits is searched: DuckDB computes the packed text once a row (a
        # common subexpression), so unguarded its pattern ran on every cell (a third of the
        # query's time on 10M rows). Other engines search canonical cells too (no bits there).
        packed = f"CASE WHEN {_step(spec.name, 'bits')} IS NULL THEN {packed} END"
    packed = f"({packed})"
    named_in = [f"{packed} LIKE {literal(f'%;{name};%')}" for name in spec.allowed]
    flags = [f"CASE WHEN {test} THEN {literal(name)} END" for test, name in zip(named_in, spec.allowed)]
    value = f"CASE WHEN {canonical} THEN {cell} ELSE CONCAT_WS(';', {', '.join(flags)}) END"
    searched = " + ".join(f"CASE WHEN {test} THEN {1 << i} ELSE 0 END" for i, test in enumerate(named_in))
    bits = _step(spec.name, "bits") if "bits" in derived else f"CASE WHEN {canonical} THEN NULL END"
    codes = {"mask": f"COALESCE({bits}, {searched})"}
    return FieldSql(text, derived, value, reason, _shown_text(cell), codes)


def field_sql(
    spec: FieldSpec, columns: Sequence[str], types: Mapping[str, str] | None = None, *, dialect: str = "duckdb"
) -> FieldSql:
    """The SQL of one field over a table whose columns are ``columns`` (absent optional fields take defaults).

    ``types`` gives a column's SQL type; a number or yes/no field whose column holds numbers
    or yes/no values is checked on them (the typed path); any other column is read through
    its text. In DuckDB, categories and locations are looked up as ENUM values (one hash
    lookup a cell); other dialects compare them.
    """
    duckdb = dialect == "duckdb"
    present = spec.name in columns
    sql_type = str((types or {}).get(spec.name)).upper()
    family = type_family(sql_type) if present else "text"
    column = quote(spec.name)
    numbers = ("integer", "float", "decimal", "boolean")
    if spec.kind == "multi_category" and sql_type in _TEXT_LISTS:
        return _list_locations(spec, column)
    if family in ("binary", "list") or (spec.kind == "multi_category" and family != "text"):
        return _wrong_type(spec, column, family, sql_type)
    if spec.is_numeric and family in numbers:
        return _typed_number(spec, column, family)
    if spec.kind == "bool" and family in numbers:
        return _typed_yes_no(spec, column, family)
    if not present:
        text = "CAST(NULL AS VARCHAR)"
    elif family in numbers:
        text = _scalar_text(column, family)  # a category given as a number: refused as its text is
    else:
        text = f"CAST({column} AS VARCHAR)"
    if spec.is_numeric:
        return _number(spec, text)
    if spec.kind == "bool":
        return _yes_no(spec, text)
    if spec.kind == "category":
        return _category(spec, text, duckdb=duckdb)
    return _locations(spec, text, duckdb=duckdb)


def _bool_number(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 1.0 ELSE 0.0 END"


def code_column(field: str, suffix: str) -> str:
    """The quoted step-3 column of a field's codes (see :class:`FieldSql`): ``code`` or ``mask``."""
    return _step(field, suffix)


def feature_sql(spec: FeatureSpec) -> str:
    """A feature as a DOUBLE over the checked columns (as :class:`~scoring.contract.encoding.Features` computes it)."""
    name = spec.name
    if spec.kind == "number":
        return f"CAST({quote(name)} AS DOUBLE)"
    if spec.kind == "ordinal":
        field = field_spec(str(spec.source_field))
        if tuple(spec.levels) == tuple(field.allowed):
            return f"CAST({code_column(field.name, 'code')} AS DOUBLE)"
        cases = " ".join(f"WHEN {literal(level)} THEN {i}.0" for i, level in enumerate(spec.levels))
        return f"CASE {quote(field.name)} {cases} END"
    mask = code_column("locations", "mask")
    if name == "n_locations":
        return (
            "CAST("
            + " + ".join(f"CASE WHEN ({mask} & {1 << i}) <> 0 THEN 1 ELSE 0 END" for i in range(len(LOCATIONS)))
            + " AS DOUBLE)"
        )
    if name.startswith("loc_"):
        return _bool_number(f"({mask} & {1 << LOCATIONS.index(name[4:])}) <> 0")
    if name == "eyelid_only":
        return _bool_number(f"{mask} = {1 << LOCATIONS.index('eyelid')}")
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
    return code_column(field, "code")


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


def every_field(
    columns: Sequence[str], types: Mapping[str, str] | None = None, *, dialect: str = "duckdb"
) -> Mapping[str, FieldSql]:
    """Each contract field's SQL, in contract order (see :func:`field_sql`)."""
    return {spec.name: field_sql(spec, columns, types, dialect=dialect) for spec in FIELDS}
