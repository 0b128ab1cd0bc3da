"""Scoring a file of vignettes: chunked, nothing lost, nothing half-written.

:func:`assess_file` reads a CSV or Parquet file in chunks, scores every valid row with
:func:`scoring.assessment.assess_frame` and writes two tables: the scored rows and the rejected
rows (one line per problem, row numbers counted across the whole file). Rows in = rows
scored + rows rejected, always.

Both tables are written to temporary files in their target folder and moved into place
(``os.replace``) only when the whole input has been read, so an interrupted run, or a bad
line late in the file, never leaves a partial output that looks finished, and an earlier
good output survives. A run killed outright (SIGKILL) can leave only a hidden ``.tmp`` file.

CSV outputs are written by :func:`csv_bytes`: the bytes pandas' ``to_csv`` writes, several
times faster. Text cells that a spreadsheet would run as a formula (OWASP "CSV injection") are prefixed
with a single quote unless ``formula_safe=False``.

:func:`read_vignette_json` is the one reader of a single vignette as JSON (text or file):
duplicate keys, NaN/Infinity, deep nesting and oversized files are errors.
"""

from scoring.batch._assess import BatchSummary, assess_file, resolve_tree_option
from scoring.batch._csv import csv_bytes
from scoring.batch._errors import InputError
from scoring.batch._files import BatchPaths, check_rejects_target, default_rejects_path, write_table
from scoring.batch._formulas import escape_formulas
from scoring.batch._json import MAX_JSON_BYTES, MAX_JSON_DEPTH, read_vignette_json
from scoring.batch._read import check_columns, read_csv_header

__all__ = [
    "BatchPaths",
    "BatchSummary",
    "InputError",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "assess_file",
    "check_columns",
    "check_rejects_target",
    "csv_bytes",
    "default_rejects_path",
    "escape_formulas",
    "read_csv_header",
    "read_vignette_json",
    "resolve_tree_option",
    "write_table",
]
