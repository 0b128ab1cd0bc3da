"""The one error the report builders raise for problems a user can fix."""

from __future__ import annotations

from pathlib import Path


class ReportError(RuntimeError):
    """The reports could not be built; the message says what failed and how to fix it."""


def unwritable(folder: str | Path, exc: OSError) -> ReportError:
    """A one-line :class:`ReportError` for a folder the reports cannot be written into.

    Examples
    --------
    >>> str(unwritable("site", PermissionError(13, "Permission denied")))
    "cannot write the reports into 'site': Permission denied. Choose a folder you can write to (--out DIR)."
    """
    reason = exc.strerror or type(exc).__name__
    return ReportError(
        f"cannot write the reports into {str(folder)!r}: {reason}. Choose a folder you can write to (--out DIR)."
    )
