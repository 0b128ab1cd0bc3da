"""The points card: read a card file, check it, and apply it to one or many vignettes.

A card is data (``scoring/cards/*.toml``): items with a condition and whole points, optional
groups that cap the points of their items, bands of totals that map to recommendations,
and red-flag rules that make the card say ``urgent`` whatever the total. The parts:

* :mod:`._model`: :class:`Card` and its items, groups, bands and red flags; scoring frames
  column by column (:meth:`Card.score_frame`) or one encoded vignette
  (:meth:`Card.score_encoded`, same answers);
* :mod:`._schema` and :mod:`._loader`: reading and checking a card file (:func:`load_card`);
* :mod:`._render`: printing the card (:func:`render_card_text`, :func:`render_card_html`), each
  item's points next to its likelihood ratio in the learning data when the calibration has one.

The fitted points-to-probability mapping lives next to each card as
``<name>.calibration.json`` (see :mod:`scoring.engine.calibration`).
"""

from __future__ import annotations

from scoring.engine.card._loader import calibration_path, card_path, list_cards, load_card
from scoring.engine.card._model import (
    MAX_RED_FLAGS,
    Card,
    CardCalibration,
    CardError,
    CardGroup,
    CardItem,
    CardScore,
    CardScores,
)
from scoring.engine.card._render import (
    likelihood_ratio_note,
    likelihood_ratio_text,
    render_card_html,
    render_card_text,
)

__all__ = [
    "MAX_RED_FLAGS",
    "Card",
    "CardError",
    "CardItem",
    "CardGroup",
    "CardCalibration",
    "CardScore",
    "CardScores",
    "load_card",
    "list_cards",
    "card_path",
    "calibration_path",
    "render_card_text",
    "render_card_html",
    "likelihood_ratio_text",
    "likelihood_ratio_note",
]
