"""Refit everything that depends on the synthetic world, in order, with one command.

After a change to the generator (``definitions/generator.toml``, ``populations.toml`` or the
sampler, with ``GENERATOR_VERSION`` bumped), run from the source checkout::

    python -m scoring.refit

It writes, each by its own fixed recipe and seed (so the same world gives the same bytes):

1. the shipped data set ``data/vignettes.csv`` with its ``.meta.json`` and ``README.md``;
2. the calibration of every expert card (its points stay as shipped; the calibration, its
   population transport and its item evidence are refitted);
3. the learned card (``scoring/cards/learned.toml`` and its calibration);
4. the decision tree (``scoring/models/tree.skops`` and ``tree.json``, with its transport).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

__all__ = ["refit_world", "main"]


def refit_world(*, progress: bool = False, say: Callable[[str], None] = print) -> None:
    """Regenerate the shipped data and refit every calibration, the learned card and the tree.

    Parameters
    ----------
    progress : bool, default False
        Show progress bars where a step has one.
    say : callable, default print
        Where each step's one-line summary goes.
    """
    from scoring.data import write_dataset
    from scoring.engine.calibration import write_calibrations
    from scoring.engine.card import list_cards
    from scoring.engine.risk import LEARNED_CARD, fit_learned_card
    from scoring.engine.tree import fit_default_tree

    files = write_dataset(progress=progress)
    say(f"data set: {files.csv} (sha256 {files.sha256[:12]})")
    expert = [name for name in list_cards() if name != LEARNED_CARD]
    for path in write_calibrations(expert):
        say(f"calibration: {path}")
    learned = fit_learned_card()
    say(f"learned card: {learned.card_path} ({len(learned.score.points)} items, k = {learned.k})")
    tree = fit_default_tree(progress=progress)
    model_path, record_path = tree.save()
    say(f"tree: {model_path} and {record_path}")


def main() -> int:
    """Entry point of ``python -m scoring.refit``."""
    refit_world(progress=sys.stderr.isatty())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
