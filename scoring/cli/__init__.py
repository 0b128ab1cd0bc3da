"""The ``zaro`` command line: a thin shell over the package API.

Commands parse their arguments, call the package and print what it returns. Errors a user
can fix (a bad file, a bad value, a bad option) become one line on stderr and exit status 2,
in one place (:class:`~scoring.cli._group.ZaroGroup`), not in every command. Heavy libraries
(pandas, pydantic, scikit-learn, skops) are imported inside commands, so ``zaro --help``
stays fast.
"""

# Importing the command modules registers their commands on the group.
from scoring.cli import _assess, _data, _evaluate, _reports, _sql  # noqa: F401
from scoring.cli._group import EXIT_CODES, InputProblem, ZaroGroup, main

__all__ = ["EXIT_CODES", "InputProblem", "ZaroGroup", "main"]
