"""What a counterfactual is: the fields that change, from what to what, and the new recommendation.

Public through :mod:`scoring.analysis.explain`; the sentences come from :mod:`scoring.wording`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.contract.recommendation import Recommendation
from scoring.contract.schema import field_spec, validate_vignette
from scoring.wording._changes import change_phrase, changes_phrase, counterfactual_sentence

__all__ = ["Counterfactual", "FieldChange"]


@dataclass(frozen=True)
class FieldChange:
    """One field of a counterfactual: its value before and after.

    Attributes
    ----------
    field : str
        The contract field.
    before, after
        Its value in the vignette and after the change (``locations`` as tuples of areas).
    """

    field: str
    before: Any
    after: Any

    @property
    def added(self) -> tuple[str, ...]:
        """For ``locations``: the areas the change adds (empty for other fields)."""
        if field_spec(self.field).kind != "multi_category":
            return ()
        return tuple(area for area in self.after if area not in self.before)

    @property
    def removed(self) -> tuple[str, ...]:
        """For ``locations``: the areas the change takes away (empty for other fields)."""
        if field_spec(self.field).kind != "multi_category":
            return ()
        return tuple(area for area in self.before if area not in self.after)

    @property
    def text(self) -> str:
        """The change in words (:func:`scoring.wording.change_phrase`), e.g. 'with real weakness'."""
        return change_phrase(self.field, self.before, self.after)


@dataclass(frozen=True)
class Counterfactual:
    """A set of input changes and the combined recommendation it leads to.

    Attributes
    ----------
    changes : dict
        New values by field (``locations`` as a tuple of areas).
    before : dict
        The vignette's values for the same fields.
    recommendation : Recommendation
        The combined recommendation after the changes.
    direction : {"up", "down"}
        ``up`` when the result is more cautious than the vignette's, ``down`` when less.
    """

    changes: dict[str, Any]
    before: dict[str, Any]
    recommendation: Recommendation
    direction: str

    @property
    def n_changes(self) -> int:
        return len(self.changes)

    @property
    def steps(self) -> tuple[FieldChange, ...]:
        """Each changed field with its value before and after, in the order of ``changes``."""
        return tuple(FieldChange(name, self.before[name], value) for name, value in self.changes.items())

    @property
    def change_text(self) -> str:
        """The changes in words, without the new recommendation: 'without real weakness'."""
        return changes_phrase(self.changes, self.before)

    @property
    def text(self) -> str:
        """The counterfactual in words, e.g. 'without real weakness → see_doctor'.

        For display, :func:`scoring.wording.counterfactual_lines` groups the one-area and
        one-category changes that read as one line.
        """
        return counterfactual_sentence(self.changes, self.before, self.recommendation)

    def apply(self, vignette: Any) -> Any:
        """The vignette with these changes (validated)."""
        return validate_vignette(vignette).replace(
            **{k: list(v) if k == "locations" else v for k, v in self.changes.items()}
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "changes": {k: list(v) if isinstance(v, tuple) else v for k, v in self.changes.items()},
            "before": {k: list(v) if isinstance(v, tuple) else v for k, v in self.before.items()},
            "recommendation": self.recommendation.value,
            "direction": self.direction,
            "text": self.text,
        }
