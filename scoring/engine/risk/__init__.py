"""Risk scores that predict an outcome: outcomes as data, binary features, a sparse integer
score (the FasterRisk method), prior shift, writing a learned score as a card file, and the
recipe that fits the shipped learned card.

Examples
--------
>>> from scoring.engine.risk import load_outcomes
>>> load_outcomes()["serious_cause"].causes
('peripheral_neuropathy', 'central_ms_like', 'motor_neuron_like')
"""

from scoring.engine.risk._binary import BINARY_FEATURES, CUT_POINTS, BinaryFeature, binarize, binary_feature
from scoring.engine.risk._card_file import learned_card_text, write_learned_card
from scoring.engine.risk._integer_score import IntegerScore, fit_integer_score, fit_integer_scores
from scoring.engine.risk._learned import LEARNED_CARD, LearnedCardFit, LearnedCardRecipe, fit_learned_card, held_out_auc
from scoring.engine.risk._outcomes import OUTCOMES_FILE, Outcome, OutcomeError, load_outcomes, outcome_labels
from scoring.engine.risk._prior import shift_probability
from scoring.engine.risk._transport import (
    TRANSPORT_N,
    TRANSPORT_SEED,
    fit_transport,
    outcome_prevalence,
    risk_in_population,
)

__all__ = [
    "BINARY_FEATURES",
    "CUT_POINTS",
    "BinaryFeature",
    "binarize",
    "binary_feature",
    "IntegerScore",
    "fit_integer_score",
    "fit_integer_scores",
    "LEARNED_CARD",
    "LearnedCardFit",
    "LearnedCardRecipe",
    "fit_learned_card",
    "held_out_auc",
    "OUTCOMES_FILE",
    "Outcome",
    "OutcomeError",
    "load_outcomes",
    "outcome_labels",
    "shift_probability",
    "risk_in_population",
    "fit_transport",
    "TRANSPORT_N",
    "TRANSPORT_SEED",
    "outcome_prevalence",
    "learned_card_text",
    "write_learned_card",
]
