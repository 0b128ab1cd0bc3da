"""Keyword options with a fixed set of values, checked once where a public function is called.

A typo in such an option (``extra="Error"``) must not switch a check off: every public entry
point passes its option through :func:`check_choice`, which refuses anything but the listed
values and names them.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

__all__ = ["OptionError", "check_choice"]


class OptionError(ValueError):
    """A keyword option given a value outside its fixed set; the message names the option and the allowed values."""


def _allowed_words(allowed: Sequence[Any]) -> str:
    shown = [repr(value) for value in allowed]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def check_choice(
    option: str,
    value: Any,
    allowed: Sequence[Hashable],
    *,
    error: type[ValueError] = OptionError,
    also: str = "",
) -> Any:
    """Return ``value`` if it is one of ``allowed``; otherwise raise ``error`` naming both.

    Parameters
    ----------
    option : str
        The option's name as the caller writes it, e.g. ``"extra"``.
    value : Any
        What was given. Compared by type and value, so ``True`` is not ``1`` and ``"Error"``
        is not ``"error"``.
    allowed : sequence
        The values the option takes (``None`` among them when it may be left out).
    error : type of ValueError, default OptionError
        The error class to raise (a layer's own, e.g. the batch layer's ``InputError``).
    also : str
        What else the option takes, for options that also accept an object or a path
        (e.g. ``"a Card, or the path of a card file"``).

    Raises
    ------
    OptionError
        Or ``error``: ``extra must be 'error', 'keep' or 'drop' (got 'Error')``.

    Examples
    --------
    >>> check_choice("extra", "keep", ("error", "keep", "drop"))
    'keep'
    """
    for choice in allowed:
        if type(value) is type(choice) and value == choice:
            return value
    words = _allowed_words(allowed)
    if also:
        words = f"{words}, or {also}"
    raise error(f"{option} must be {words} (got {value!r})")
