"""User-facing wording: the one home for text that several faces show.

Faces (CLI, widgets, reports, plots) take their sentences, units and number formats from
here, so the same answer reads the same way everywhere.
"""

NOTICE = (
    "zaro is educational decision support built on synthetic data. It is not a medical "
    "device and does not diagnose. If you are worried about your symptoms, or they are "
    "getting worse, speak to a doctor; for sudden breathing or swallowing trouble, get "
    "emergency help."
)

__all__ = ["NOTICE"]
