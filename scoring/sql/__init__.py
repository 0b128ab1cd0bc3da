"""Scoring where the data lives: one assessment compiled to SQL (DuckDB, Spark, PostgreSQL).

:func:`to_sql` gives one ``SELECT`` over a table of vignettes that returns the scored rows of
:func:`scoring.assessment.assess_frame` (same columns, same answers); :func:`rejects_sql` gives
the rows that break the contract, as :func:`scoring.contract.schema.validate_frame` reports
them. Both are generated from the definitions (fields, features, card, ladder, tree), so a
new field or card item flows into the SQL without editing it.
"""

from scoring.sql._query import DIALECTS, REJECT_COLUMNS, rejects_sql, table_name, to_sql, with_every_field
from scoring.sql._scores import scored_columns, tree_case_sql, tree_level_sql, tree_risk_column, tree_risk_sql

__all__ = [
    "DIALECTS",
    "REJECT_COLUMNS",
    "rejects_sql",
    "scored_columns",
    "table_name",
    "to_sql",
    "tree_case_sql",
    "tree_level_sql",
    "tree_risk_column",
    "tree_risk_sql",
    "with_every_field",
]
