"""The narrative: one or two plain sentences written from a vignette's fields.

Every distinct piece of text is built once into a small table; writing a million
narratives is then a few vectorised gathers and one join (pyarrow).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.contract.schema import LOCATIONS, field_spec
from scoring.engine.synth._params import field_range

__all__ = ["location_texts", "narratives"]

_FREQUENCIES = field_spec("frequency").allowed
_SEVERITIES = field_spec("severity").allowed
_SEXES = field_spec("sex").allowed


@lru_cache(maxsize=1)
def location_texts() -> tuple[str, ...]:
    """';'-joined location text for each 9-bit mask, in contract order ('' for mask 0)."""
    return tuple(
        ";".join(name for bit, name in enumerate(LOCATIONS) if mask >> bit & 1) for mask in range(1 << len(LOCATIONS))
    )


def _words_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_PERSON = {  # noun, subject, possessive, 'has', verb ending
    "female": ("woman", "She", "her", "has", "s"),
    "male": ("man", "He", "his", "has", "s"),
    "unspecified": ("person", "They", "their", "have", ""),
}
_FREQUENCY_WORDS = {"occasional": "occasional", "daily": "daily", "constant": "constant"}
_SEVERITY_WORDS = {"minor": "barely noticeable", "moderate": "noticeable", "pronounced": "visible"}
# Symptom bits, in this order, for the symptom phrase.
_SYMPTOMS = (
    ("weakness", "real weakness"),
    ("atrophy", "visible muscle wasting"),
    ("bulbar", "slurred speech or trouble swallowing"),
    ("breathing_difficulty", "shortness of breath at rest"),
    ("numbness", "numbness or tingling"),
    ("pain", "pain"),
    ("cramps", "cramps"),
    ("worsening", None),  # said separately
)
_CONTEXT = (
    ("recent_exercise", "hard exercise in the last two days"),
    ("dehydration", "dehydration"),
    ("stimulant_medication", "a stimulating medicine"),
    ("diuretic_use", "water tablets (a diuretic)"),
    ("family_history_als", "a close relative with ALS/MND"),
)
_SLEEP_STEPS = int(field_range("sleep_hours")[1] * 2) + 1
_STRESS_STEPS = 11
_CAFFEINE_STEPS = int(field_range("caffeine_mg_per_day")[1]) + 1
_DURATION_STEPS = int(field_range("duration_weeks")[1] * 10) + 1
_AGE_MIN, _AGE_MAX = (int(x) for x in field_range("age"))


def _duration_phrase(tenths: int) -> str:
    weeks = tenths / 10
    if weeks < 3:
        days = max(1, int(weeks * 7 + 0.5))
        return f"{days} day" if days == 1 else f"{days} days"
    if weeks < 13:
        return f"about {int(weeks + 0.5)} weeks"
    if weeks < 104:
        return f"about {int(weeks / (365.25 / 12 / 7) + 0.5)} months"
    return f"about {int(weeks / (365.25 / 7) + 0.5)} years"


def _hours_text(half_hours: int) -> str:
    return f"{half_hours // 2}" if half_hours % 2 == 0 else f"{half_hours / 2:.1f}"


@lru_cache(maxsize=1)
def _narrative_tables() -> dict[str, pa.Array]:
    """Every distinct piece of narrative text, as arrow arrays to gather from by code.

    A narrative is seven pieces; each piece depends on a few fields only, so each has a
    small table (at most a few tens of thousands of entries) built once in Python. Writing
    a million narratives is then seven vectorised gathers and one join.
    """
    opening = []  # age, sex, frequency, severity
    for age in range(_AGE_MIN, _AGE_MAX + 1):
        article = "An" if age == 18 or 80 <= age <= 89 else "A"
        for sex in _SEXES:
            for frequency in _FREQUENCIES:
                for severity in _SEVERITIES:
                    opening.append(
                        f"{article} {age}-year-old {_PERSON[sex][0]} has had {_FREQUENCY_WORDS[frequency]}, "
                        f"{_SEVERITY_WORDS[severity]} twitching in the "
                    )
    places = [_words_list(text.split(";")) if text else "" for text in location_texts()]
    durations = [f" for {_duration_phrase(t)}" for t in range(_DURATION_STEPS)]
    symptoms = []
    for bits in range(1 << len(_SYMPTOMS)):
        present = [words for i, (_, words) in enumerate(_SYMPTOMS) if bits >> i & 1 and words]
        if bits & 1:
            text = f", with {_words_list(present)}"
        elif present:
            text = f", with {_words_list(present)} but no real weakness"
        else:
            text = ", with no weakness or other symptoms"
        if bits >> (len(_SYMPTOMS) - 1) & 1:
            text += ", and it is getting steadily worse"
        symptoms.append(text + ".")
    caffeine = []
    for sex in _SEXES:
        _, subject, _, has, _ = _PERSON[sex]
        caffeine += [f" {subject} {has} about {mg} mg of caffeine a day, " for mg in range(_CAFFEINE_STEPS)]
    habits = []  # sex, sleep, stress, context flags
    for sex in _SEXES:
        _, subject, possessive, _, s = _PERSON[sex]
        for half_hours in range(_SLEEP_STEPS):
            for stress in range(_STRESS_STEPS):
                start = f"sleep{s} about {_hours_text(half_hours)} hours a night and rate{s} {possessive} stress {stress}/10"
                for bits in range(1 << len(_CONTEXT)):
                    extra = [words for i, (_, words) in enumerate(_CONTEXT) if bits >> i & 1]
                    tail = f"; also noted: {_words_list(extra)}." if extra else "."
                    habits.append(start + tail)
    return {
        "opening": pa.array(opening, pa.string()),
        "places": pa.array(places, pa.string()),
        "durations": pa.array(durations, pa.string()),
        "symptoms": pa.array(symptoms, pa.string()),
        "caffeine": pa.array(caffeine, pa.string()),
        "habits": pa.array(habits, pa.string()),
    }


def _bits(columns: Mapping[str, np.ndarray], names: tuple[str, ...]) -> np.ndarray:
    code = np.zeros(len(columns[names[0]]), dtype=np.int32)
    for i, name in enumerate(names):
        code |= columns[name].astype(np.int32) << i
    return code


def narratives(columns: Mapping[str, np.ndarray]) -> pa.Array:
    tables = _narrative_tables()
    sex = columns["sex"].astype(np.int32)
    age = columns["age"].astype(np.int32) - _AGE_MIN
    opening = ((age * 3 + sex) * 3 + columns["frequency"]) * 3 + columns["severity"]
    symptoms = _bits(columns, tuple(name for name, _ in _SYMPTOMS))
    context = _bits(columns, tuple(name for name, _ in _CONTEXT))
    sleep = np.rint(columns["sleep_hours"] * 2).astype(np.int32)
    habits = ((sex * _SLEEP_STEPS + sleep) * _STRESS_STEPS + columns["stress_level"]) * (1 << len(_CONTEXT)) + context
    pieces = [
        tables["opening"].take(pa.array(opening.astype(np.int32))),
        tables["places"].take(pa.array(columns["location_mask"].astype(np.int32))),
        tables["durations"].take(pa.array(np.rint(columns["duration_weeks"] * 10).astype(np.int32))),
        tables["symptoms"].take(pa.array(symptoms)),
        tables["caffeine"].take(pa.array(sex * _CAFFEINE_STEPS + columns["caffeine_mg_per_day"].astype(np.int32))),
        tables["habits"].take(pa.array(habits.astype(np.int32))),
    ]
    return pc.binary_join_element_wise(*pieces, "")
