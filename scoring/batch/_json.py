"""One vignette as strict JSON from a file or from text.

This module finds and reads the file (with errors naming it); the JSON itself is read by the
contract's :func:`scoring.contract.schema.parse_vignette_json`, the one strict parser:
duplicate keys, NaN/Infinity, deep nesting and oversized text are errors there.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from scoring.batch._errors import InputError
from scoring.contract.json_input import MAX_JSON_BYTES, MAX_JSON_DEPTH

# The limits are the contract parser's, so a file and inline text are held to the same.


def _read_json_file(path: Path) -> str:
    """The text of a vignette's .json file, or an error naming the file."""
    if not path.exists():
        raise InputError(f"{path}: no such file; give the path of a .json file or the JSON itself")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the path of a .json file with one vignette")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise InputError(
            f"{path} is {size:,} bytes; one vignette's JSON may be at most {MAX_JSON_BYTES:,} bytes "
            "(for many vignettes, score a CSV or Parquet file)"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text; save it as UTF-8 JSON") from None


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def read_vignette_json(path_or_text: str | os.PathLike[str]) -> Any:
    """Parse one vignette from JSON text or from the path of a .json file, strictly.

    Parameters
    ----------
    path_or_text : str or path
        JSON text (starting with ``{``) or the path of a file holding it. A string that is
        not JSON and names no existing file is parsed as JSON text (and fails as such),
        unless it ends in ``.json``.

    Returns
    -------
    object
        The parsed value (a dict for a well-formed vignette); validate it with
        :func:`scoring.contract.schema.validate_vignette`.

    Raises
    ------
    VignetteError
        Not valid JSON, a key given twice (the error names the key), NaN or Infinity, or
        nesting deeper than :data:`MAX_JSON_DEPTH`.
    InputError
        A missing, unreadable, empty, non-UTF-8 or oversized (over :data:`MAX_JSON_BYTES`) file.

    Examples
    --------
    >>> read_vignette_json('{"age": 30, "bulbar": true}')
    {'age': 30, 'bulbar': True}
    """
    if isinstance(path_or_text, os.PathLike):
        path: Path | None = Path(path_or_text)
    elif _looks_like_json(path_or_text):
        path = None
    elif os.path.exists(path_or_text) or path_or_text.lower().endswith(".json"):
        path = Path(path_or_text)
    else:
        path = None
    source = str(path) if path is not None else "vignette"
    text = _read_json_file(path) if path is not None else str(path_or_text)
    if path is None and len(text.encode("utf-8")) > MAX_JSON_BYTES:
        raise InputError(f"the vignette's JSON is over {MAX_JSON_BYTES:,} bytes; one vignette is well under 2 KB")
    if not text.strip():
        raise InputError(f"{source} is empty; expected one JSON object with the vignette's fields")
    from scoring.contract.schema import VignetteError, parse_vignette_json

    try:
        return parse_vignette_json(text, max_bytes=MAX_JSON_BYTES, max_depth=MAX_JSON_DEPTH)
    except VignetteError as exc:
        if path is None:
            raise
        # Problems with the JSON as a whole name the file they came from.
        named = [replace(e, field=source) if e.field == "vignette" else e for e in exc.errors]
        raise VignetteError(named) from None
