"""The vignettes a report is about: read from JSON files, dicts or the shipped examples."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic

from scoring._paths import DEFINITIONS_DIR
from scoring.contract.schema import validate_vignette
from scoring.report import _html as H
from scoring.report._errors import ReportError

CASES_FILE = DEFINITIONS_DIR / "report_cases.toml"


@dataclass(frozen=True)
class ReportCase:
    """One vignette to report on, with what a page shows about where it came from.

    Attributes
    ----------
    vignette : Vignette
        The validated contract fields.
    case_id : str
        The vignette's id as given (any text; it is escaped on pages, and made into a
        file name that no other id shares, see :attr:`slug`).
    title : str
        Page heading.
    narrative : str or None
        Free text describing the person, if given.
    why : str or None
        Why this example is in the report.
    source_name : str or None
        The file the case was read from, if any (file name only).
    """

    vignette: Any
    case_id: str
    title: str
    narrative: str | None = None
    why: str | None = None
    source_name: str | None = None

    @property
    def slug(self) -> str:
        """The page's file name without ``.html``: the id itself when it is already a slug,
        else its slug and a short hash of the id (so distinct ids never share a page)."""
        return H.file_stem(self.case_id)


def _case_from_mapping(data: Mapping[str, Any], *, source_name: str | None = None) -> ReportCase:
    extra = {"title", "why", "id"}
    fields = {k: v for k, v in data.items() if k not in extra}
    vignette = validate_vignette(fields)  # drops vignette_id/narrative/... metadata columns
    given_id = data.get("vignette_id") or data.get("id")
    case_id = str(given_id or (Path(source_name).stem if source_name else "vignette"))
    narrative = data.get("narrative")
    title = str(data.get("title") or (f"Vignette {case_id}" if given_id or source_name else "Vignette report"))
    return ReportCase(
        vignette=vignette,
        case_id=case_id,
        title=title,
        narrative=str(narrative) if narrative not in (None, "") else None,
        why=str(data["why"]) if data.get("why") else None,
        source_name=source_name,
    )


def load_case(path: str | Path) -> ReportCase:
    """Read one vignette from a JSON file for a case report.

    The file holds one JSON object with the contract fields; ``vignette_id``, ``narrative``
    and ``title`` are optional extras shown on the page.

    Raises
    ------
    ReportError
        If the file is missing or not a JSON object.
    VignetteError
        If the fields break the vignette contract (every problem is named).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"case file {str(path)!r} not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"case file {str(path)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"case file {str(path)!r} must hold one JSON object, got {type(data).__name__}")
    return _case_from_mapping(data, source_name=path.name)


def as_case(item: Any) -> ReportCase:
    """A :class:`ReportCase` from a case, a path to a JSON file, a dict, or a Vignette."""
    if isinstance(item, ReportCase):
        return item
    if isinstance(item, Path) or (
        isinstance(item, str) and item.endswith(".json") and not item.lstrip().startswith("{")
    ):
        return load_case(item)
    if isinstance(item, str):
        try:
            item = json.loads(item)
        except json.JSONDecodeError as exc:
            raise ReportError(f"not a JSON object or a path to a .json file: {exc}") from None
        if not isinstance(item, dict):
            raise ReportError(f"a vignette must be a JSON object, got {type(item).__name__}")
    if isinstance(item, Mapping):
        return _case_from_mapping(item)
    vignette = validate_vignette(item)
    return ReportCase(vignette=vignette, case_id="vignette", title="Vignette report")


class _CaseEntry(pydantic.BaseModel):
    """One ``[[case]]`` of the cases file: page text, then the vignette's contract fields."""

    model_config = pydantic.ConfigDict(extra="allow")  # the extras are the vignette's fields

    id: str = pydantic.Field(min_length=1)
    title: str = pydantic.Field(min_length=1)
    why: str | None = None
    narrative: str | None = None


class _CasesFile(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    case: list[dict[str, Any]] = pydantic.Field(min_length=1)


def example_cases(path: str | Path = CASES_FILE) -> list[ReportCase]:
    """The example vignettes of ``definitions/report_cases.toml`` (or ``path``), in file order.

    Raises
    ------
    ReportError
        Naming the file, the case (number and id) and what is wrong with it.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            entries = _CasesFile.model_validate(tomllib.load(handle)).case
    except (OSError, tomllib.TOMLDecodeError, pydantic.ValidationError) as exc:
        raise ReportError(
            f"{path}: {exc}. Each example is a [[case]] table with id, title and vignette fields."
        ) from None
    cases = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}, case {number} (id {entry.get('id')!r})"
        try:
            _CaseEntry.model_validate(entry)
            cases.append(_case_from_mapping(entry))
        except pydantic.ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ReportError(f"{where}: {problems}. Every case needs a non-empty id and title.") from None
        except ValueError as exc:  # VignetteError: names the field, the value and what is allowed
            raise ReportError(f"{where}: {exc}. Fix the entry in {path.name}.") from None
    return cases


def check_distinct_pages(cases: Sequence[ReportCase]) -> list[str]:
    """Each case's page name; refuse two cases that would write the same page.

    Raises
    ------
    ReportError
        Naming both cases by position and id, and how to tell them apart.
    """
    first: dict[str, int] = {}
    for number, case in enumerate(cases, start=1):
        earlier = first.setdefault(case.slug, number)
        if earlier != number:
            raise ReportError(
                f"cases {earlier} and {number} would both be written to cases/{case.slug}.html "
                f"(ids {cases[earlier - 1].case_id!r} and {case.case_id!r}): give each case its own vignette_id"
            )
    return [case.slug for case in cases]
