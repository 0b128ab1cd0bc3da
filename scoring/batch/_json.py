"""One vignette as strict JSON: duplicate keys, NaN/Infinity, deep nesting and huge files are errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from scoring.batch._errors import InputError

#: Largest JSON file or text accepted for one vignette (a vignette is well under 2 KB).
MAX_JSON_BYTES = 1 << 20

#: Deepest nesting accepted in a vignette's JSON (a vignette needs 2: an object holding a list).
MAX_JSON_DEPTH = 20


def _vignette_error(field: str, value: Any, reason: str, allowed: str) -> Exception:
    from scoring.contract.schema import FieldError, VignetteError

    return VignetteError([FieldError(field, value, reason, allowed)])


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _vignette_error(key, value, "given twice in the JSON object", "each field once")
        data[key] = value
    return data


def _reject_constant(name: str) -> Any:
    raise _vignette_error("vignette", name, f"{name} is not a number in JSON", "finite numbers only")


# A string (with its escapes) or a bracket: brackets inside strings do not nest.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _check_depth(text: str, source: str) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise _vignette_error(
                    source, f"more than {MAX_JSON_DEPTH} levels", "nested too deeply", "one flat JSON object"
                )
        elif token in "]}":
            depth -= 1


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
    _check_depth(text, source)
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _vignette_error(
            source, text, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", "a JSON object"
        ) from None
