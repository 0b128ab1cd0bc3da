"""The schema of ``definitions/generator.toml``, and its errors in zaro's words.

Every entry is a small table of numbers with a ``tag`` saying where the numbers come from
(``"S: <citation>"``) or that they are a modelling choice (``"assumed ..."``). The models
refuse unknown keys, missing causes, untagged numbers, tags of neither kind, probabilities
outside 0 to 1 and shares that do not add up to 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin

from pydantic import AfterValidator, BaseModel, Field, StrictStr, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from scoring.contract.schema import FIELDS, LOCATIONS, field_spec
from scoring.engine._definitions import Number, Strict, allowed_keys, first_error, problem_text

__all__ = ["BOOL_FIELDS", "CAUSES", "WORRY_ANSWERS", "GeneratorFile", "PerCause", "tag_kind", "schema_message"]

BOOL_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "bool")
FREQUENCIES = field_spec("frequency").allowed
SEVERITIES = field_spec("severity").allowed

_TAG_FIX = 'add tag = "S: <citation>" or tag = "assumed ..."'


def tag_kind(tag: str) -> str:
    """Classify a parameter tag as ``"sourced"`` (``"S: ..."``) or ``"assumed"`` (``"assumed ..."``).

    Raises
    ------
    ValueError
        For any other text, so a typo cannot silently count as sourced.
    """
    text = str(tag).strip()
    if text.startswith("S:"):
        return "sourced"
    if text.startswith("assumed"):
        return "assumed"
    raise ValueError(f"parameter tag {tag!r} must start with 'S: <citation>' or 'assumed'")


def _checked_tag(tag: str) -> str:
    tag_kind(tag)
    return tag


Tag = Annotated[StrictStr, AfterValidator(_checked_tag)]
Probability = Annotated[Number, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[Number, Field(ge=0.0)]
Positive = Annotated[Number, Field(gt=0.0)]

# --------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------

T = TypeVar("T")


class PerCause(Strict, Generic[T]):
    """One entry per latent cause, all five named (this is also the order of :data:`CAUSES`)."""

    benign_lifestyle: T
    electrolyte_metabolic_drug: T
    peripheral_neuropathy: T
    central_ms_like: T
    motor_neuron_like: T

    def values(self) -> list[T]:
        """The entries in :data:`CAUSES` order."""
        return [getattr(self, cause) for cause in CAUSES]


#: Latent causes, in the order used by every per-cause table and by the ``latent_cause`` dtype.
CAUSES: tuple[str, ...] = tuple(PerCause.model_fields)


def _checked_counts(counts: list[int] | None) -> list[int] | None:
    if counts is None:
        return None
    if len(counts) != 2 or not 0 <= counts[0] <= counts[1] or counts[1] < 1:
        raise PydanticCustomError(
            "entry_check",
            f"counts = {counts} must be [k, n]: k people of n, 0 <= k <= n and n >= 1, as the source gives them",
        )
    return counts


#: A source's own counts beside the number they give, ``[k, n]`` (k people of n), so the number's
#: uncertainty can be a Beta from them; only on entries whose source gives counts.
Counts = Annotated[list[Annotated[int, Field(strict=True)]] | None, AfterValidator(_checked_counts)]


class _Tagged(Strict):
    tag: Tag
    counts: Counts = None


class P(_Tagged):
    p: Probability


class Flag(_Tagged):
    """A yes/no answer's true share for one cause, and when it appears in the course.

    ``p`` is the share who have it once the course has run; ``p_onset`` the share who already
    have it when the twitching is first noticed (``p`` when left out: it does not change with
    time); ``weeks`` the median weeks from onset for the rest to appear (needed when
    ``p_onset`` is below ``p``).
    """

    p: Probability
    p_onset: Probability | None = None
    weeks: Annotated[Number, Field(gt=0.0)] | None = None

    @model_validator(mode="after")
    def _course(self) -> Flag:
        if self.p_onset is not None and self.p_onset > self.p:
            raise PydanticCustomError(
                "entry_check",
                f"p_onset = {self.p_onset:g} is above p = {self.p:g}; the share at first notice cannot exceed "
                "the share once the course has run",
            )
        if self.p_onset is not None and self.p_onset < self.p and self.weeks is None:
            raise PydanticCustomError(
                "entry_check",
                "p_onset is below p, so the sign appears later: give `weeks`, its median weeks from onset",
            )
        return self


class MedianSigma(_Tagged):
    median: Positive
    sigma: Annotated[Number, Field(gt=0.0)]


class Loading(_Tagged):
    value: Annotated[Number, Field(ge=0.0, lt=1.0)]


class AnswerError(_Tagged):
    false_yes: Probability
    false_no: Probability


class Prompting(_Tagged):
    fields: list[StrictStr]

    @model_validator(mode="after")
    def _known(self) -> Prompting:
        unknown = [f for f in self.fields if f not in BOOL_FIELDS]
        if unknown:
            raise PydanticCustomError(
                "entry_check", f"unknown field(s) {unknown}; a prompting sign is one of {', '.join(BOOL_FIELDS)}"
            )
        return self


class Value(_Tagged):
    value: Number


class MeanSd(_Tagged):
    mean: Number
    sd: NonNegative


class Regions(_Tagged):
    extra_mean: NonNegative


class Caffeine(_Tagged):
    median: Positive
    p_above: Annotated[Number, Field(gt=0.0, lt=0.5)]


# An error about a whole entry (not one of its keys), reported at the entry's path.
_ENTRY_CHECK = "entry_check"


def _sums_to_one(entry: BaseModel) -> BaseModel:
    total = sum(v for k, v in entry.model_dump().items() if k not in ("tag", "counts"))
    if abs(total - 1.0) > 1e-6:
        raise PydanticCustomError(_ENTRY_CHECK, f"probabilities sum to {total:g}, not 1; make them add up to 1")
    return entry


def _weights_not_all_zero(entry: BaseModel) -> BaseModel:
    if sum(v for k, v in entry.model_dump().items() if k not in ("tag", "counts")) <= 0:
        raise PydanticCustomError(_ENTRY_CHECK, "weights must not all be zero; give at least one a positive weight")
    return entry


def _share_model(name: str, keys: tuple[str, ...], check: Any) -> type[BaseModel]:
    # Keys come from the contract (the allowed categories or locations), so the schema
    # follows fields.toml instead of repeating it.
    fields: dict[str, Any] = {key: (NonNegative, ...) for key in keys}
    return create_model(
        name,
        __base__=_Tagged,
        __validators__={"check": model_validator(mode="after")(check)},  # type: ignore[dict-item]
        **fields,
    )


Frequency = _share_model("Frequency", FREQUENCIES, _sums_to_one)
Severity = _share_model("Severity", SEVERITIES, _sums_to_one)
LocationWeights = _share_model("LocationWeights", LOCATIONS, _weights_not_all_zero)
Flags = create_model(
    "Flags",
    __base__=Strict,
    **{name: (PerCause[Flag], ...) for name in BOOL_FIELDS},  # type: ignore[call-overload]
)
AnswerErrors = create_model(
    "AnswerErrors",
    __base__=Strict,
    **{name: (AnswerError, ...) for name in BOOL_FIELDS},  # type: ignore[call-overload]
)
BfsFlags = create_model(
    "BfsFlags",
    __base__=Strict,
    **{name: (P | None, None) for name in BOOL_FIELDS},  # type: ignore[call-overload]
)

#: The answers a latent worry trait can raise (``worry.loading``): yes/no answers, the number of
#: body areas, how soon the person asks and the stress rating.
WORRY_ANSWERS: tuple[str, ...] = (*BOOL_FIELDS, "regions", "asking", "stress_level")
WorryLoadings = create_model(
    "WorryLoadings",
    __base__=Strict,
    **{name: (Loading | None, None) for name in WORRY_ANSWERS},  # type: ignore[call-overload]
)


class Sex(Strict):
    unspecified: P
    p_male: PerCause[P]


class Duration(Strict):
    min: Value


class Course(Strict):
    """What happens after onset: the benign share that persists, and how long the rest lasts."""

    benign_persistent: P
    transient_weeks: MedianSigma


class Bfs(Strict):
    """How people with persistent benign twitching answer, where it differs from the benign row."""

    flags: BfsFlags
    regions: Regions | None = None
    frequency: Frequency | None = None  # type: ignore[valid-type]
    severity: Severity | None = None  # type: ignore[valid-type]
    location_weights: LocationWeights | None = None  # type: ignore[valid-type]
    stress_level: MeanSd | None = None


class Asking(Strict):
    """When a person answers: a time from onset, cut short by a newly noticed sign."""

    weeks: MedianSigma
    prompt_delay_weeks: MedianSigma
    prompting: Prompting


class Worry(Strict):
    loading: WorryLoadings


class CaffeineTable(Strict):
    above: Value
    by_cause: PerCause[Caffeine]


class Sleep(Strict):
    deprived_hours: MeanSd
    usual_hours: MeanSd
    p_deprived: PerCause[P]


class NotModelled(Strict):
    name: StrictStr
    reason: StrictStr


class GeneratorFile(Strict):
    """The schema of ``generator.toml``."""

    causes: PerCause[StrictStr]
    prior: PerCause[P]
    age: PerCause[MeanSd]
    sex: Sex
    duration_weeks: Duration
    course: Course
    bfs: Bfs
    asking: Asking
    worry: Worry
    answer_errors: AnswerErrors
    frequency: PerCause[Frequency]  # type: ignore[valid-type]
    severity: PerCause[Severity]  # type: ignore[valid-type]
    regions: PerCause[Regions]
    location_weights: PerCause[LocationWeights]  # type: ignore[valid-type]
    flags: Flags
    caffeine_mg_per_day: CaffeineTable
    stress_level: PerCause[MeanSd]
    sleep_hours: Sleep
    not_modelled: list[NotModelled] = []


# --------------------------------------------------------------------------------------
# Errors in zaro's words
# --------------------------------------------------------------------------------------


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _node(raw: Any, loc: tuple[int | str, ...]) -> Any:
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def schema_message(exc: ValidationError, raw: dict[str, Any], path: Path | str, *, prefix: str = "") -> str:
    """The first schema problem as one line: the file, the entry's dotted path, the problem and the fix.

    ``path`` names the file (a path, or the text to show for it); ``prefix`` goes before every
    entry path (a population's ``overrides.``, so the path is the one written in its file).
    """
    name = path.name if isinstance(path, Path) else path
    error = first_error(exc)
    kind, loc, value = error["type"], error["loc"], error.get("input")
    parent, key = loc[:-1], str(loc[-1]) if loc else ""
    table = _node(raw, parent)
    if kind in ("missing", "extra_forbidden") and isinstance(table, dict) and any(k in CAUSES for k in (key, *table)):
        missing = [c for c in CAUSES if c not in table]
        extra = [k for k in table if k not in CAUSES]
        text = (
            f"needs exactly the causes {', '.join(CAUSES)} (missing {missing}, unknown {extra}); name each cause once"
        )
        return f"{name}: {prefix}{_dotted(parent)}: {text}"
    if (kind == "missing" and key == "tag") or (kind == "model_type" and isinstance(value, (int, float))):
        where = _dotted(parent if key == "tag" else loc)
        return (
            f"{name}: {prefix}{where}: a number without a tag; write the entry as {{ ..., tag = ... }} and {_TAG_FIX}"
        )
    if kind == _ENTRY_CHECK:
        return f"{name}: {prefix}{_dotted(loc)}: {error['msg']}"
    model = _model_at(parent)
    text = problem_text(error, key, allowed=allowed_keys(model) if model else ())
    return f"{name}: {prefix}{_dotted(parent)}: {text}" if parent else f"{name}: {text}"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The schema model of the table at ``loc`` (None when it is not a table of the schema)."""
    model: Any = GeneratorFile
    for part in loc:
        if isinstance(part, int):
            args = get_args(model) if get_origin(model) is list else ()
            model = args[0] if args else None
        elif isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
            while get_origin(model) is Annotated:
                model = get_args(model)[0]
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None
