"""zaro: explainable triage for muscle twitching (fasciculations).

Educational decision support built on synthetic data; not a medical device.
"""

from scoring._version import __version__
from scoring.assess import Assessment, assess, assess_frame
from scoring.card import CardError, list_cards, load_card
from scoring.recommendation import Recommendation
from scoring.schema import (
    FIELDS,
    FrameValidation,
    Vignette,
    VignetteError,
    validate_frame,
    validate_vignette,
)

NOTICE = (
    "zaro is educational decision support built on synthetic data. It is not a medical "
    "device and does not diagnose. If you are worried about your symptoms, or they are "
    "getting worse, speak to a doctor; for sudden breathing or swallowing trouble, get "
    "emergency help."
)

__all__ = [
    "__version__",
    "NOTICE",
    "FIELDS",
    "Assessment",
    "CardError",
    "FrameValidation",
    "Recommendation",
    "Vignette",
    "VignetteError",
    "assess",
    "assess_frame",
    "list_cards",
    "load_card",
    "validate_frame",
    "validate_vignette",
]
