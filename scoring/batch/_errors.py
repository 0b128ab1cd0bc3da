"""The error of the batch layer: a file or an option that cannot be used."""

from __future__ import annotations


class InputError(ValueError):
    """A file or an option that cannot be used; the message names it, says what is wrong and how to fix it."""
