"""Strict JSON for vignettes: the one reader every JSON entry point should use.

Python's :func:`json.loads` is lenient in ways that matter for triage input:

* a key given twice keeps the *last* value, so ``{"bulbar": true, "bulbar": false}`` would
  silently drop a red flag: here it is an error naming the key;
* it reads the non-standard literals ``NaN``, ``Infinity`` and ``-Infinity``: refused here
  (an optional field given NaN would otherwise quietly take its default);
* deeply nested input raises :class:`RecursionError`, and any size is read: here the depth
  and the size are limited, with a message saying so.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scoring.contract.errors import FieldError, VignetteError

__all__ = ["MAX_JSON_BYTES", "MAX_JSON_DEPTH", "parse_vignette_json"]

#: Largest JSON text read for one vignette (a full vignette is well under 2 kB).
MAX_JSON_BYTES = 100_000
#: Deepest nesting of objects and arrays read (a vignette needs 2: an object holding a list).
MAX_JSON_DEPTH = 20

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_EXPECTED = 'a JSON object with each field once, e.g. {"age": 34, "locations": ["eyelid"]}'


class _Refused(Exception):
    def __init__(self, error: FieldError):
        self.error = error


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings (no recursion, whatever the input)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            reason = "duplicate key: given more than once (which value is meant?); give each field once"
            raise _Refused(FieldError(key, f"{out[key]!r} and {value!r}", reason, _EXPECTED))
        out[key] = value
    return out


def _no_constants(literal: str) -> Any:
    reason = f"not valid JSON: {literal} is not a JSON number; leave an optional field out instead"
    raise _Refused(FieldError("vignette", literal, reason, _EXPECTED))


def parse_vignette_json(text: str | bytes, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> dict:
    """Read JSON text holding one vignette object, strictly.

    Parameters
    ----------
    text : str or bytes
        The JSON text (bytes are read as UTF-8).
    max_bytes, max_depth : int
        Limits on the size of the text and on the nesting of objects and arrays.

    Returns
    -------
    dict
        The object, not yet validated (pass it to :func:`validate_vignette`).

    Raises
    ------
    VignetteError
        For text that is not JSON, a key given twice (named), ``NaN``/``Infinity``, text over
        ``max_bytes`` or nested deeper than ``max_depth``, or JSON that is not an object.

    Examples
    --------
    >>> parse_vignette_json('{"age": 34}')
    {'age': 34}
    >>> parse_vignette_json('{"bulbar": true, "bulbar": false}')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scoring.contract.errors.VignetteError: bulbar: duplicate key: given more than once ...
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VignetteError(
                [FieldError("vignette", text[:40], f"not UTF-8 text ({exc.reason})", _EXPECTED)]
            ) from None
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        reason = f"too large: {size:,} bytes, more than the {max_bytes:,} a vignette may take; send one vignette"
        raise VignetteError([FieldError("vignette", text[:40], reason, _EXPECTED)])
    depth = _depth(text)
    if depth > max_depth:
        reason = f"nested too deeply: {depth} levels of objects or arrays, more than {max_depth}"
        raise VignetteError([FieldError("vignette", text[:40], reason, _EXPECTED)])
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _Refused as refused:
        raise VignetteError([refused.error]) from None
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise VignetteError([FieldError("vignette", text, reason, _EXPECTED)]) from None
    if not isinstance(data, dict):
        raise VignetteError([FieldError("vignette", data, "wrong type: not a JSON object", _EXPECTED)])
    return data
