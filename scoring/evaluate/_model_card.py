"""The model card, the data sheet and the TRIPOD+AI checklist, generated from definitions and measurements.

A model card (Mitchell et al. 2019) says what a model is for, for whom, how well it does overall
and in subgroups, and where it fails; a data sheet (Gebru et al. 2021) says what the data are
and how they were made. Here both are Markdown built from three things only: the fixed prose of
``definitions/model_card.toml`` (intended use, out-of-scope use, limitations: what no
measurement can say), the definitions (cards, tree, populations, generator, policies), and an
:class:`~scoring.evaluate.Evaluation`. Nothing records a time, so the same evaluation gives the
same bytes. The TRIPOD+AI items, with where zaro answers each one, are data too
(``definitions/tripod_ai.toml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictStr, ValidationError

from scoring._paths import DEFINITIONS_DIR
from scoring.engine._definitions import (
    DefinitionError,
    RequiredText,
    Strict,
    allowed_keys,
    first_error,
    problem_text,
    read_toml,
)
from scoring.wording import NOTICE, percent

__all__ = [
    "MODEL_CARD_FILE",
    "TRIPOD_FILE",
    "TRIPOD_SECTIONS",
    "KEY_METRICS",
    "model_card_markdown",
    "data_sheet_markdown",
    "tripod_checklist",
]

#: The card's and the data sheet's fixed prose.
MODEL_CARD_FILE = DEFINITIONS_DIR / "model_card.toml"
#: The TRIPOD+AI items with where zaro answers each one.
TRIPOD_FILE = DEFINITIONS_DIR / "tripod_ai.toml"
#: The checklist's sections, in order.
TRIPOD_SECTIONS = ("Title", "Abstract", "Introduction", "Methods", "Open science", "Results", "Discussion")
#: Headline metrics of the sensitivity analysis that the model card reads out, with how many
#: of the assumptions that move each one most it lists.
KEY_METRICS: tuple[str, ...] = (
    "risk_sensitivity",
    "risk_share_referred",
    "risk_motor_neuron_like_self_care",
    "expert_auc",
    "expert_calibration_slope",
    "guideline_share_referred",
)
_TOP_ASSUMPTIONS = 3
#: The policies a person can receive are compared by subgroup (the others are for reference).
_SUBGROUP_NAMES = {"age_band": "Age band", "sex": "Sex"}


# --------------------------------------------------------------------------------------
# The definition files
# --------------------------------------------------------------------------------------


class _CardProse(Strict):
    title: RequiredText
    overview: RequiredText
    intended_use: list[RequiredText] = Field(min_length=1)
    intended_users: RequiredText
    out_of_scope: list[RequiredText] = Field(min_length=1)
    factors: RequiredText
    ethical_considerations: list[RequiredText] = Field(min_length=1)
    limitations: list[RequiredText] = Field(min_length=1)
    recommendations: list[RequiredText] = Field(min_length=1)


class _SheetProse(Strict):
    title: RequiredText
    motivation: RequiredText
    uses: list[RequiredText] = Field(min_length=1)
    not_for: list[RequiredText] = Field(min_length=1)
    distribution: RequiredText
    maintenance: RequiredText


class _ProseFile(Strict):
    model_card: _CardProse
    data_sheet: _SheetProse


class _TripodItem(Strict):
    id: Annotated[StrictStr, Field(pattern=r"^[1-9][0-9]?[a-g]?$")]
    section: Literal["Title", "Abstract", "Introduction", "Methods", "Open science", "Results", "Discussion"]
    topic: RequiredText
    asks: RequiredText
    status: Literal["answered", "partly", "cannot"]
    where: RequiredText


class _TripodFile(Strict):
    item: list[_TripodItem] = Field(min_length=1)


class ModelCardError(DefinitionError):
    """``model_card.toml`` or ``tripod_ai.toml`` cannot be used: names the file, the entry and the fix."""


def _schema_message(exc: ValidationError, path: Any, schema: type[Strict]) -> str:
    error = first_error(exc)
    location = [str(part) for part in error["loc"]]
    key = location[-1] if location else ""
    # The innermost table the error is in, for its allowed keys.
    inner: Any = schema
    for part in location[:-1]:
        field = getattr(inner, "model_fields", {}).get(part)
        if field is None:
            continue
        annotation = field.annotation
        inner = (
            getattr(annotation, "__args__", (annotation,))[0] if not hasattr(annotation, "model_fields") else annotation
        )
    allowed = allowed_keys(inner) if hasattr(inner, "model_fields") else []
    where = ".".join(location[:-1]) or "the file"
    return f"{path.name}: {where}: {problem_text(error, key, allowed=allowed)}"


@lru_cache(maxsize=1)
def _prose() -> _ProseFile:
    raw = read_toml(MODEL_CARD_FILE, ModelCardError)
    try:
        return _ProseFile.model_validate(raw)
    except ValidationError as exc:
        raise ModelCardError(_schema_message(exc, MODEL_CARD_FILE, _ProseFile)) from None


@lru_cache(maxsize=1)
def _tripod_items() -> tuple[_TripodItem, ...]:
    raw = read_toml(TRIPOD_FILE, ModelCardError)
    try:
        items = _TripodFile.model_validate(raw).item
    except ValidationError as exc:
        raise ModelCardError(_schema_message(exc, TRIPOD_FILE, _TripodFile)) from None
    seen: set[str] = set()
    last_section = 0
    for item in items:
        if item.id in seen:
            raise ModelCardError(f"{TRIPOD_FILE.name}: item {item.id!r} appears twice; keep one")
        seen.add(item.id)
        section = TRIPOD_SECTIONS.index(item.section)
        if section < last_section:
            raise ModelCardError(
                f"{TRIPOD_FILE.name}: item {item.id!r} ({item.section}) comes after a later section; "
                f"keep the sections in the checklist's order: {', '.join(TRIPOD_SECTIONS)}"
            )
        last_section = section
    return tuple(items)


def tripod_checklist() -> pd.DataFrame:
    """The TRIPOD+AI checklist, one row per item, with where zaro answers it.

    Returns
    -------
    DataFrame
        ``item`` (the checklist's number, e.g. ``"12e"``), ``section``, ``topic``, ``asks``
        (what the item asks for), ``status`` (``answered``, ``partly``, or ``cannot``: the
        data are synthetic) and ``where`` (where zaro answers it, or why it cannot).

    Examples
    --------
    >>> checklist = tripod_checklist()
    >>> checklist.loc[checklist["item"] == "23a", "status"].item()
    'answered'
    """
    rows = [
        {
            "item": item.id,
            "section": item.section,
            "topic": item.topic,
            "asks": item.asks,
            "status": item.status,
            "where": item.where,
        }
        for item in _tripod_items()
    ]
    return pd.DataFrame(rows, columns=["item", "section", "topic", "asks", "status", "where"])


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _share_ci(row: Any, name: str, digits: int = 1) -> str:
    """A share with its interval, e.g. ``97.1% (96.5–97.7%)``."""
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if _missing(value):
        return "n/a"
    if _missing(low) or _missing(high):
        return percent(value, digits)
    return f"{percent(value, digits)} ({percent(low, digits)} to {percent(high, digits)})"


def _number_ci(row: Any, name: str, digits: int) -> str:
    value, low, high = row.get(name), row.get(f"{name}_low"), row.get(f"{name}_high")
    if _missing(value):
        return "n/a"
    if _missing(low) or _missing(high):
        return _signed(value, digits)
    return f"{_signed(value, digits)} ({_signed(low, digits)} to {_signed(high, digits)})"


def _signed(value: float, digits: int) -> str:
    """A number with a true minus sign (−0.03, not -0.03)."""
    return f"{value:.{digits}f}".replace("-", "−")


def _per_thousand(count: Any, n: Any) -> str:
    return "n/a" if not n else f"{1000 * float(count) / float(n):.1f}"


def _bullets(items: Iterable[str]) -> list[str]:
    return [f"- {item}" for item in items] + [""]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) == 1 else text


# --------------------------------------------------------------------------------------
# The model card's sections
# --------------------------------------------------------------------------------------


def _population(evaluation: Any) -> Any:
    from scoring.engine.populations import load_population

    return load_population(evaluation.population)


def _outcome_label(evaluation: Any) -> str:
    from scoring.engine.risk import load_outcomes

    return str(load_outcomes()[evaluation.outcome].label).lower()


def _intervals_text(evaluation: Any) -> str:
    return (
        f"Intervals are 95%: percentile bootstrap for AUCs ({evaluation.resamples:,} resamples; "
        f"{evaluation.subgroup_resamples:,} for a subgroup's), the fits' standard errors for the calibration "
        "intercept and slope, the normal interval of a mean for the Brier score, and Wilson score intervals for "
        "shares (sensitivity, specificity, PPV, NPV, the share referred)."
    )


def _header(evaluation: Any) -> list[str]:
    prose = _prose().model_card
    population = _population(evaluation)
    seed = f"seed {evaluation.seed}" if evaluation.seed is not None else "a given frame"
    share = percent(evaluation.n_outcome / evaluation.n, 2) if evaluation.n else "n/a"
    return [
        f"# {prose.title}",
        "",
        f"> **Not a medical device.** {NOTICE}",
        "",
        prose.overview,
        "",
        f"Generated by zaro {evaluation.version} from its definitions and from an evaluation on "
        f"{evaluation.n:,} fresh synthetic vignettes of the {evaluation.population} population "
        f"({_lower_first(population.label)}; {seed}), of whom {evaluation.n_outcome:,} ({share}) have a "
        f"{_outcome_label(evaluation)}. {_intervals_text(evaluation)} The same definitions, version and seed "
        "give this card byte for byte.",
        "",
    ]


def _card_row(name: str, fingerprint: str) -> list[str]:
    from scoring.analysis.compare import card_label
    from scoring.engine.card import load_card
    from scoring.engine.populations import load_population

    card = load_card(name)
    calibration = card.calibration
    fitted = "no calibration"
    if calibration is not None:
        data = calibration.data.get("data") or {}
        size = f"{int(data['n']):,} vignettes" if data.get("n") else "vignettes"
        fitted = f"{size} of the {_lower_first(load_population(calibration.population).label)}" + (
            f" (seed {data['seed']})" if data.get("seed") is not None else ""
        )
    changed = "" if card.fingerprint == fingerprint else " (the card file has changed since this evaluation)"
    what = (
        f"points card '{card.name}' version {card.version}: {len(card.items)} items and {len(card.red_flags)} red "
        f"flags; each total maps to a calibrated risk (fingerprint {fingerprint[:12]}){changed}"
    )
    return [card_label(card.name), what, fitted]


def _tree_row() -> list[str]:
    from scoring.engine.populations import load_population
    from scoring.engine.tree import load_tree_metadata

    record = load_tree_metadata()
    structure, data = record.get("structure", {}), record.get("data", {})
    what = (
        f"a scikit-learn decision tree of depth {structure.get('depth', '?')} with {structure.get('n_leaves', '?')} "
        "leaves; a leaf's risk is the share of its training vignettes with the outcome"
    )
    population = load_population(data.get("population", "enriched")).label
    fitted = f"{int(data.get('n', 0)):,} vignettes of the {_lower_first(population)} (seed {data.get('seed')})"
    return ["Decision tree", what, fitted]


def _model_details(evaluation: Any) -> list[str]:
    from scoring.analysis.compare import REFERENCE_MODEL, TREE_MODEL
    from scoring.engine.populations import load_population
    from scoring.engine.risk import TRANSPORT_N, TRANSPORT_SEED

    rows = [_card_row(name, fingerprint) for name, fingerprint in evaluation.cards.items()]
    if evaluation.tree and TREE_MODEL in evaluation.models:
        rows.append(_tree_row())
    if evaluation.reference and REFERENCE_MODEL in evaluation.models:
        fitted = evaluation.reference
        population = load_population(fitted.get("population", "enriched")).label
        rows.append(
            [
                evaluation.models[REFERENCE_MODEL],
                "L2-penalised logistic regression on every encoded answer, standardised: the reference ceiling, "
                "what the answers can predict at all; no person receives it",
                f"{int(fitted.get('n', 0)):,} vignettes of the {_lower_first(population)} (seed {fitted.get('seed')})",
            ]
        )
    known = {row[0] for row in rows}
    rows += [
        [label, "a risk column of the evaluated frame", "not recorded"]
        for label in evaluation.models.values()
        if label not in known
    ]
    lines = ["## Model details", ""]
    lines += [
        f"Every model estimates the risk of a {_outcome_label(evaluation)} "
        f"({evaluation.outcome}: scoring/definitions/outcomes.toml). Models were fitted on the learning mix and "
        f"their risks moved to the {evaluation.population} population by prior shift and a logistic recalibration "
        f"fitted on another synthetic sample of it ({TRANSPORT_N:,} vignettes, seed {TRANSPORT_SEED}), never on "
        "the evaluation sample.",
        "",
    ]
    lines += _table(["Model", "What it is", "Fitted on"], rows)
    lines += _policy_details(evaluation)
    return lines


def _policy_details(evaluation: Any) -> list[str]:
    from scoring.engine.policies import load_policies
    from scoring.wording import risk_percent

    risk = next((p for p in load_policies().values() if p.kind == "risk"), None)
    thresholds = (
        ", ".join(f"{t.recommendation.value} from {risk_percent(t.at_least)}" for t in risk.thresholds) if risk else ""
    )
    rows = []
    for row in evaluation.policies.to_dict(orient="records"):
        reads = evaluation.models.get(str(row.get("model", "")), "")
        if row["policy"] == "guideline":
            what = "the referral ladder of published patient advice, with the card's red flags: the default, and the safety floor"
        elif reads:
            what = f"the risk policy's thresholds on this model's risk ({thresholds})"
        else:
            what = "a recommendation column of the evaluated frame"
        if row.get("reference"):
            what += "; for reference, no person receives it"
        rows.append([row["label"], what, reads or "not recorded"])
    if not rows:
        return []
    return [
        "Policies turn answers into what a person is told (scoring/definitions/policies.toml); a red flag is urgent "
        "in every one of them.",
        "",
        *_table(["Policy", "What it does", "Reads the risk of"], rows),
    ]


def _uses() -> list[str]:
    prose = _prose().model_card
    lines = ["## Intended use", ""]
    lines += _bullets(prose.intended_use)
    lines += [f"Intended users: {_lower_first(prose.intended_users)}", ""]
    lines += ["## Out-of-scope use", ""]
    lines += _bullets(prose.out_of_scope)
    lines += ["## Factors", "", prose.factors, ""]
    return lines


def _metrics_text(evaluation: Any) -> list[str]:
    return [
        "## Metrics",
        "",
        "- **Discrimination**: the AUC, the chance that a random person with the outcome gets a higher risk than a "
        "random person without it (0.5 is a coin toss, 1 is perfect).",
        "- **Calibration** in the evaluated population: the intercept (calibration-in-the-large; 0 is ideal, above "
        "0 means risks too low), the slope (1 is ideal, below 1 means risks too extreme) and the Brier score.",
        "- **Decision curves** (Vickers & Elkin 2006): the net benefit of referring at a threshold probability pt, "
        "true positives per person minus false positives per person weighted by pt / (1 − pt), against referring "
        "everyone and referring no one. A strategy is worth using at a threshold only where its curve is above both.",
        "- **Threshold tables**: for each cut-off of each model and for each policy, sensitivity (serious causes "
        "referred), specificity, PPV, NPV and the share referred, and the same counts per 1,000 people: serious "
        "causes missed and people referred without one (unnecessary referrals).",
        f"- **Subgroups**: the same by age band and by sex. {_intervals_text(evaluation)}",
        "",
    ]


def _data_sections(evaluation: Any) -> list[str]:
    from scoring.engine.risk import load_outcomes

    population = _population(evaluation)
    seed = f"seed {evaluation.seed}" if evaluation.seed is not None else "a frame passed in"
    outcome = load_outcomes()[evaluation.outcome]
    counts = ""
    policies = evaluation.policies
    if len(policies) and {"n_motor_neuron_like", "n_central_ms_like"} <= set(policies.columns):
        first = policies.iloc[0]
        counts = (
            f" Among them {int(first['n_motor_neuron_like']):,} have a motor-neuron-like and "
            f"{int(first['n_central_ms_like']):,} an MS-like cause."
        )
    return [
        "## Evaluation data",
        "",
        f"{evaluation.n:,} synthetic vignettes of the {evaluation.population} population ({population.label}: "
        f"{_lower_first(' '.join(population.description.split()))}), drawn fresh ({seed}; no model was fitted on "
        f"it). {evaluation.n_outcome:,} have a {str(outcome.label).lower()} ({', '.join(outcome.causes)}).{counts} "
        "The data sheet below says how the vignettes are made.",
        "",
        "## Training data",
        "",
        "Each model was fitted on its own sample of the enriched learning mix, where disease causes are "
        "over-represented on purpose so that there is enough to learn from (the sizes and seeds are in Model "
        "details); none of those samples shares a seed with the evaluation sample.",
        "",
    ]


def _performance(evaluation: Any) -> list[str]:
    lines = ["## Quantitative analyses", "", "### Discrimination and calibration", ""]
    calibration = {row["model"]: row for row in evaluation.calibration.to_dict(orient="records")}
    rows = []
    for row in evaluation.discrimination.to_dict(orient="records"):
        cal = calibration.get(row["model"], {})
        rows.append(
            [
                row["label"],
                _number_ci(row, "auc", 3),
                _number_ci(cal, "calibration_intercept", 2),
                _number_ci(cal, "calibration_slope", 2),
                _number_ci(cal, "brier", 4),
            ]
        )
    lines += _table(["Model", "AUC (95% CI)", "Calibration intercept", "Calibration slope", "Brier score"], rows)
    lines += _policy_performance(evaluation)
    lines += _cutoff_performance(evaluation)
    lines += _net_benefit(evaluation)
    return lines


def _policy_performance(evaluation: Any) -> list[str]:
    table = evaluation.thresholds
    rows_of = table[(table["kind"] == "policy") & (table["positive"] == "referred")]
    if not len(rows_of):
        return []
    self_care = {row["policy"]: row for row in evaluation.policies.to_dict(orient="records")}
    rows = []
    for row in rows_of.to_dict(orient="records"):
        extra = self_care.get(row["strategy"], {})
        never = (
            f"{int(extra['motor_neuron_like_self_care'])} / {int(extra['central_ms_like_self_care'])}"
            if "motor_neuron_like_self_care" in extra
            else "n/a"
        )
        n = row["tp"] + row["fp"] + row["tn"] + row["fn"]
        rows.append(
            [
                row["label"],
                _share_ci(row, "share_referred"),
                _share_ci(row, "sensitivity"),
                _share_ci(row, "specificity"),
                _share_ci(row, "ppv"),
                _share_ci(row, "npv", 2),
                _per_thousand(row["fn"], n),
                _per_thousand(row["fp"], n),
                never,
            ]
        )
    return [
        "### Missed serious causes against unnecessary referrals: the policies",
        "",
        "Referred means told to see a doctor or to get urgent help.",
        "",
        *_table(
            [
                "Policy",
                "Referred",
                "Sensitivity",
                "Specificity",
                "PPV",
                "NPV",
                "Missed per 1,000",
                "Unnecessary referrals per 1,000",
                "Motor-neuron-like / MS-like to self-care",
            ],
            rows,
        ),
    ]


def _cutoff_performance(evaluation: Any) -> list[str]:
    table = evaluation.thresholds
    models = table[table["kind"] == "model"]
    if not len(models):
        return []
    rows = []
    for row in models.to_dict(orient="records"):
        n = row["tp"] + row["fp"] + row["tn"] + row["fn"]
        rows.append(
            [
                row["label"],
                row.get("cutoff_label", f"{row['cutoff']:.4g}"),
                _share_ci(row, "share_referred"),
                _share_ci(row, "sensitivity"),
                _share_ci(row, "specificity"),
                _share_ci(row, "ppv"),
                _per_thousand(row["fn"], n),
                _per_thousand(row["fp"], n),
            ]
        )
    return [
        "### Each model's cut-offs",
        "",
        "Referring everyone whose risk is at least the cut-off: the risk policy's thresholds and each card's band "
        "edges (red flags are not added here; the policies above add them).",
        "",
        *_table(
            [
                "Model",
                "Cut-off",
                "Referred",
                "Sensitivity",
                "Specificity",
                "PPV",
                "Missed per 1,000",
                "Unnecessary per 1,000",
            ],
            rows,
        ),
    ]


def _net_benefit(evaluation: Any) -> list[str]:
    from scoring.wording import risk_percent

    curve = evaluation.decision_curve
    thresholds = _policy_thresholds()
    if not len(curve) or not thresholds:
        return []
    grid = np.unique(curve["threshold"].to_numpy(dtype=np.float64))
    nearest = [float(grid[np.argmin(np.abs(grid - t))]) for t in thresholds]
    rows = []
    for strategy, part in curve.groupby("strategy", sort=False):
        values = dict(zip(part["threshold"].to_numpy(dtype=np.float64), part["net_benefit"].to_numpy(dtype=np.float64)))
        rows.append([part["label"].iloc[0], *[f"{1000 * values[t]:.1f}" if t in values else "n/a" for t in nearest]])
    header = ["Strategy", *[f"At {risk_percent(t)}" for t in nearest]]
    return [
        "### Net benefit at the risk policy's thresholds",
        "",
        "Net benefit per 1,000 people: serious causes referred, less unnecessary referrals weighted by the "
        "threshold's harm-to-benefit ratio. Higher is better; 0 is referring no one.",
        "",
        *_table(header, rows),
    ]


def _policy_thresholds() -> list[float]:
    from scoring.engine.policies import load_policies

    risk = next((p for p in load_policies().values() if p.kind == "risk"), None)
    return [float(t.at_least) for t in risk.thresholds] if risk is not None else []


def _received(evaluation: Any) -> list[str]:
    """The policies a person can receive (not the reference ones), in table order."""
    policies = evaluation.policies
    if not len(policies):
        return []
    if "reference" not in policies.columns:
        return list(policies["policy"])
    return [str(p) for p, ref in zip(policies["policy"], policies["reference"]) if not bool(ref)]


def _subgroups(evaluation: Any) -> list[str]:
    table = evaluation.subgroups
    if not len(table):
        return []
    primary = next(iter(evaluation.models), None)
    received = _received(evaluation)
    lines = ["## Subgroups", ""]
    lines += [
        f"For the {evaluation.models[primary].lower() if primary else 'first model'} (its AUC) and the policies a "
        "person can receive (sensitivity and share referred), by age band and by sex. A subgroup with few serious "
        "causes has a wide interval: read the interval before the point.",
        "",
    ]
    for group_by, part in table.groupby("group_by", sort=False):
        header = ["Group", "Vignettes", "With the outcome"]
        if primary is not None:
            header.append(f"AUC, {evaluation.models[primary].lower()}")
        for policy in received:
            label = evaluation.policies_labels.get(policy, policy)
            header += [f"Sensitivity, {_lower_first(label)}", f"Referred, {_lower_first(label)}"]
        rows = []
        for group, rows_of in part.groupby("group", sort=False):
            by_strategy = {row["strategy"]: row for row in rows_of.to_dict(orient="records")}
            first = next(iter(by_strategy.values()))
            row = [group, f"{int(first['n']):,}", f"{int(first['n_outcome']):,}"]
            if primary is not None:
                row.append(_number_ci(by_strategy.get(primary, {}), "auc", 3))
            for policy in received:
                found = by_strategy.get(policy, {})
                row += [_share_ci(found, "sensitivity"), _share_ci(found, "share_referred")]
            rows.append(row)
        lines += [f"### {_SUBGROUP_NAMES.get(str(group_by), str(group_by))}", ""]
        lines += _table(header, rows)
    lines += _less_well(evaluation, received)
    return lines


def _less_well(evaluation: Any, received: Sequence[str]) -> list[str]:
    """For each policy a person receives, the subgroup it refers the fewest serious causes in."""
    table = evaluation.subgroups
    overall = evaluation.thresholds
    findings = []
    for policy in received:
        rows = table[(table["strategy"] == policy) & table["sensitivity"].notna()]
        whole = overall[(overall["strategy"] == policy) & (overall["positive"] == "referred")]
        if not len(rows) or not len(whole):
            continue
        worst = rows.loc[rows["sensitivity"].idxmin()]
        total = whole.iloc[0]
        if worst["sensitivity"] >= total["sensitivity"]:
            label = evaluation.policies_labels.get(policy, policy)
            findings.append(f"{label}: as sensitive in every subgroup as overall ({_share_ci(total, 'sensitivity')}).")
            continue
        clearly = worst["sensitivity_high"] < total["sensitivity_low"]
        label = evaluation.policies_labels.get(policy, policy)
        findings.append(
            f"{label}: lowest sensitivity in {_SUBGROUP_NAMES.get(worst['group_by'], worst['group_by']).lower()} "
            f"{worst['group']}, {_share_ci(worst, 'sensitivity')} against {_share_ci(total, 'sensitivity')} "
            "overall; "
            + (
                "the intervals do not overlap, so it works less well there."
                if clearly
                else "the intervals overlap, so the sample cannot tell it apart from the whole."
            )
        )
    if not findings:
        return []
    return ["### Where it works less well", "", *_bullets(findings)]


def _sensitivity(evaluation: Any) -> list[str]:
    table = evaluation.sensitivity
    lines = ["## Sensitivity to assumptions", ""]
    if not len(table):
        return lines + [
            "The sensitivity analysis was not run for this evaluation (`zaro evaluate` runs it unless told "
            "`--no-sensitivity`).",
            "",
        ]
    from scoring.evaluate._sensitivity import tornado_table

    settings = evaluation.sensitivity_settings
    n_parameters = table["parameter"].nunique()
    sample = (
        f"{int(settings['n']):,} vignettes regenerated with seed {settings['seed']} for each setting"
        if settings.get("n")
        else "the population regenerated for each setting"
    )
    lines += [
        f"Each of the {n_parameters} numbers of the generator tagged 'assumed' for the {evaluation.population} "
        f"population was moved to a lower and a higher value, one at a time (scoring/definitions/sensitivity.toml "
        f"says how), {sample}, and scored by the shipped models, unchanged: how would the measured results move "
        "if the world the data describe were different? The assumptions that move each headline result most:",
        "",
    ]
    metrics = [m for m in KEY_METRICS if m in set(table["metric"])]
    for metric in metrics:
        top = tornado_table(table, metric=metric, top=_TOP_ASSUMPTIONS)
        if not len(top):
            continue
        first = top.iloc[0]
        share = bool(first["share"])
        lines += [f"### {str(first['metric_label'])[:1].upper() + str(first['metric_label'])[1:]}", ""]
        lines += [f"On the unmoved sample: {_metric_value(first['baseline'], share)}.", ""]
        rows = [
            [
                row["label"],
                _moved(row, "low", share),
                _moved(row, "high", share),
            ]
            for row in top.to_dict(orient="records")
        ]
        lines += _table(["Assumption", "Lower setting", "Higher setting"], rows)
    return lines


def _metric_value(value: Any, share: bool) -> str:
    if _missing(value):
        return "n/a"
    return percent(value, 1) if share else f"{value:.3f}"


def _change(value: Any, share: bool) -> str:
    if _missing(value):
        return "n/a"
    return f"{100 * value:+.1f} points" if share else f"{value:+.3f}"


def _moved(row: dict[str, Any], side: str, share: bool) -> str:
    setting = row.get(f"{side}_setting") or ""
    if not setting:
        return "not moved"
    return f"{setting}: {_metric_value(row[f'{side}_value'], share)} ({_change(row[f'{side}_change'], share)})"


def _closing() -> list[str]:
    prose = _prose().model_card
    lines = ["## Ethical considerations", "", *_bullets(prose.ethical_considerations)]
    lines += ["## Limitations", "", *_bullets(prose.limitations)]
    lines += ["## Recommendations", "", *_bullets(prose.recommendations)]
    return lines


def _checklist_section() -> list[str]:
    checklist = tripod_checklist()
    counts = checklist["status"].value_counts()
    lines = [
        "## Reporting checklist (TRIPOD+AI)",
        "",
        f"Each item of the TRIPOD+AI checklist and where zaro answers it: {int(counts.get('answered', 0))} answered, "
        f"{int(counts.get('partly', 0))} in part, {int(counts.get('cannot', 0))} that it cannot answer (most because "
        "the data are synthetic).",
        "",
    ]
    rows = [[r.item, r.section, r.topic, r.status, r.where] for r in checklist.itertuples(index=False)]
    return lines + _table(["Item", "Section", "Topic", "Status", "Where zaro answers it"], rows)


def model_card_markdown(evaluation: Any) -> str:
    """The model card of an evaluation, as Markdown.

    Intended use and out-of-scope use, every model and policy with what it is and what it was
    fitted on, the evaluation data, every model's AUC and calibration with intervals, every
    policy's and every cut-off's sensitivity, specificity, PPV, NPV and share referred with
    Wilson intervals, net benefit at the risk policy's thresholds, subgroup results and where
    a policy works less well, the assumptions that move the results most, ethical
    considerations, limitations, recommendations, the TRIPOD+AI checklist, and the
    not-a-medical-device notice (first and last).

    Parameters
    ----------
    evaluation : Evaluation

    Returns
    -------
    str
        The same evaluation always gives the same text (nothing records a time).
    """
    lines = _header(evaluation)
    lines += _model_details(evaluation)
    lines += _uses()
    lines += _metrics_text(evaluation)
    lines += _data_sections(evaluation)
    lines += _performance(evaluation)
    lines += _subgroups(evaluation)
    lines += _sensitivity(evaluation)
    lines += _closing()
    lines += _checklist_section()
    lines += ["## Notice", "", NOTICE, ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The data sheet
# --------------------------------------------------------------------------------------


def _tag_counts(population: Any) -> tuple[int, int]:
    """How many tagged entries of a population's merged parameters are sourced, and how many assumed."""
    entries = population.params.entries()
    sourced = sum(1 for entry in entries if entry.sourced)
    return sourced, len(entries) - sourced


def _composition(evaluation: Any | None) -> list[str]:
    from scoring.contract.schema import FIELDS
    from scoring.engine.populations import load_populations
    from scoring.engine.synth import CAUSES

    populations = load_populations()
    labels = next(iter(populations.values())).params.cause_labels
    rows = [[labels.get(cause, cause), *[percent(p.prior[cause], 2) for p in populations.values()]] for cause in CAUSES]
    required = [spec.name for spec in FIELDS if spec.default is None]
    lines = [
        "## Composition",
        "",
        "Each vignette is one invented adult: their answers to the questionnaire (the vignette contract, "
        f"scoring/definitions/fields.toml: {len(FIELDS)} fields, of which {len(required)} are required: "
        f"{', '.join(required)}), the hidden cause the generator drew (`latent_cause`), the reference ladder's "
        "triage (`triage`) and a short narrative written from the same answers. Generated vignettes have no "
        "missing values. The share of each hidden cause, by population:",
        "",
        *_table(["Hidden cause", *[f"{p.label} ({p.id})" for p in populations.values()]], rows),
    ]
    if evaluation is not None:
        lines += [
            f"The evaluation sample: {evaluation.n:,} vignettes of the {evaluation.population} population, seed "
            f"{evaluation.seed}; {evaluation.n_outcome:,} have a {_outcome_label(evaluation)}.",
            "",
        ]
    return lines


def _collection() -> list[str]:
    from scoring._paths import DEFAULT_N_VIGNETTES, DEFAULT_SEED
    from scoring.engine.populations import load_populations
    from scoring.engine.synth import GENERATOR_VERSION

    rows = []
    for population in load_populations().values():
        sourced, assumed = _tag_counts(population)
        rows.append(
            [f"{population.label} ({population.id})", " ".join(population.description.split()), sourced, assumed]
        )
    return [
        "## Collection process",
        "",
        f"Nothing was collected: every vignette is drawn by zaro's generator (version {GENERATOR_VERSION}). For "
        "each one it draws a hidden cause from the population's prior, then every answer from that cause's "
        "distributions, independently given the cause (scoring/definitions/generator.toml; the community's "
        "differences in populations.toml). Every number carries a tag: a source ('S: ...') or 'assumed' with the "
        "reasoning (docs/clinical.md, sections 4 and 5).",
        "",
        *_table(["Population", "Who they are", "Sourced numbers", "Assumed numbers"], rows),
        f"The shipped data set is {DEFAULT_N_VIGNETTES:,} vignettes of the learning mix, seed {DEFAULT_SEED} "
        "(data/vignettes.csv); any other sample is made on demand from its size, seed and population.",
        "",
        "## Preprocessing and labelling",
        "",
        "Answers are rounded the way a person reports them (whole years, weeks to a tenth, caffeine to 10 mg); "
        "the triage label is the reference ladder (scoring/definitions/triage.toml) applied to the rounded, "
        "observable answers, so it is exact; the hidden cause is never shown to a model. Every row passes the "
        "vignette contract's validation.",
        "",
    ]


def data_sheet_markdown(evaluation: Any | None = None) -> str:
    """The data sheet of zaro's synthetic vignettes, as Markdown.

    Motivation, composition (the fields, the hidden causes and their share in each
    population), the collection process (the generator, its version, how many of each
    population's numbers are sourced and how many assumed), preprocessing and labelling,
    uses and what the data are not for, distribution and maintenance, and the notice.

    Parameters
    ----------
    evaluation : Evaluation, optional
        Adds the evaluation sample's size, seed and outcome count.

    Returns
    -------
    str

    Examples
    --------
    >>> text = data_sheet_markdown()
    >>> text.splitlines()[0]
    "# Data sheet: zaro's synthetic vignettes"
    """
    prose = _prose().data_sheet
    lines = [f"# {prose.title}", "", f"> **Not a medical device.** {NOTICE}", ""]
    lines += ["## Motivation", "", prose.motivation, ""]
    lines += _composition(evaluation)
    lines += _collection()
    lines += ["## Uses", "", *_bullets(prose.uses), "Not for:", "", *_bullets(prose.not_for)]
    lines += ["## Distribution", "", prose.distribution, ""]
    lines += ["## Maintenance", "", prose.maintenance, ""]
    return "\n".join(lines)
