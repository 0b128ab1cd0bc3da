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
from scoring.evaluate._readable import (
    SUBGROUP_NAMES,
    TextTable,
    assumption_table,
    cause_sensitivity_table,
    cutoff_table,
    lower_first,
    model_table,
    net_benefit_table,
    policy_table,
    received_policies,
    share_interval,
    subgroup_calibration_tables,
    subgroup_tables,
)
from scoring.wording import NOTICE, percent

__all__ = [
    "MODEL_CARD_FILE",
    "TRIPOD_FILE",
    "TRIPOD_SECTIONS",
    "KEY_METRICS",
    "model_card_markdown",
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


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    return TextTable("", tuple(header), tuple(tuple(str(v) for v in row) for row in rows)).markdown()


def _bullets(items: Iterable[str]) -> list[str]:
    return [f"- {item}" for item in items] + [""]


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
        f"({lower_first(population.label)}; {seed}), of whom {evaluation.n_outcome:,} ({share}) have a "
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
        fitted = f"{size} of the {lower_first(load_population(calibration.population).label)}" + (
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
    fitted = f"{int(data.get('n', 0)):,} vignettes of the {lower_first(population)} (seed {data.get('seed')})"
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
                "gradient boosting (scikit-learn's HistGradientBoostingClassifier, default settings) on every "
                "encoded answer, transported like the others: a flexible reference to compare the readable models "
                "with, not a limit on what the answers can predict; no person receives it",
                f"{int(fitted.get('n', 0)):,} vignettes of the {lower_first(population)} (seed {fitted.get('seed')})",
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
        f"within each age band (18–39, 40–49, 50–64, 65+), fitted on another synthetic sample of it "
        f"({TRANSPORT_N:,} vignettes, seed {TRANSPORT_SEED}), never on the evaluation sample.",
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
    lines += [f"Intended users: {lower_first(prose.intended_users)}", ""]
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
        f"{lower_first(' '.join(population.description.split()))}), drawn fresh ({seed}; no model was fitted on "
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
    lines = ["## Quantitative analyses", ""]
    tables = [model_table(evaluation)]
    if len(evaluation.policies):
        tables.append(policy_table(evaluation))
    if (evaluation.thresholds["kind"] == "model").any():
        tables.append(cutoff_table(evaluation))
    if len(evaluation.decision_curve):
        tables.append(net_benefit_table(evaluation))
    for table in tables:
        lines += [f"### {table.caption}", "", *table.markdown(), table.note, ""]
    return lines


def _subgroups(evaluation: Any) -> list[str]:
    if not len(evaluation.subgroups):
        return []
    primary = next(iter(evaluation.models), None)
    lines = [
        "## Subgroups",
        "",
        f"For the {lower_first(evaluation.models[primary]) if primary else 'first model'} (its AUC) and the "
        "policies a person can receive (sensitivity and share referred), by age band and by sex. A subgroup with "
        "few serious causes has a wide interval: read the interval before the point.",
        "",
    ]
    for table in subgroup_tables(evaluation):
        lines += [f"### {table.caption}", "", *table.markdown(), table.note, ""]
    by_cause = cause_sensitivity_table(evaluation)
    if by_cause is not None:
        lines += [f"### {by_cause.caption}", "", *by_cause.markdown(), by_cause.note, ""]
    for table in subgroup_calibration_tables(evaluation):
        lines += [f"### {table.caption}", "", *table.markdown(), table.note, ""]
    return lines + _less_well(evaluation, received_policies(evaluation))


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
            findings.append(
                f"{label}: as sensitive in every subgroup as overall ({share_interval(total, 'sensitivity')})."
            )
            continue
        clearly = worst["sensitivity_high"] < total["sensitivity_low"]
        label = evaluation.policies_labels.get(policy, policy)
        findings.append(
            f"{label}: lowest sensitivity in {SUBGROUP_NAMES.get(worst['group_by'], worst['group_by']).lower()} "
            f"{worst['group']}, {share_interval(worst, 'sensitivity')} against {share_interval(total, 'sensitivity')} "
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
    settings = evaluation.sensitivity_settings
    sample = (
        f"{int(settings['n']):,} vignettes generated again with seed {settings['seed']} for each setting"
        if settings.get("n")
        else "the population generated again for each setting"
    )
    lines += [
        f"Each of the {table['parameter'].nunique()} numbers of the generator tagged 'assumed' for the "
        f"{evaluation.population} population was moved to a lower and a higher value, one at a time "
        f"(scoring/definitions/sensitivity.toml says how), {sample}, and scored by the shipped models, unchanged: "
        "how would the measured results move if the world the data describe were different? The assumptions that "
        "move each headline result most:",
        "",
    ]
    for metric in KEY_METRICS:
        found = assumption_table(evaluation, metric, top=_TOP_ASSUMPTIONS)
        if found is not None:
            lines += [f"### {found.caption}", "", *found.markdown()]
    return lines


def _worlds(evaluation: Any) -> list[str]:
    """The headline metrics' world intervals and the scenarios (nothing when the worlds were not drawn)."""
    table = evaluation.worlds
    if not len(table):
        return []
    settings = evaluation.worlds_settings

    def shown(value: float, share: bool) -> str:
        if value != value:  # NaN
            return "n/a"
        return f"{100 * value:.1f}%" if share else f"{value:.3f}"

    def interval(low: float, high: float, share: bool) -> str:
        return "n/a" if low != low else f"{shown(low, share)} to {shown(high, share)}"

    headline = table[table["headline"]]
    tornado = evaluation.world_tornado
    rows = []
    for row in headline.itertuples(index=False):
        top = tornado[(tornado["metric"] == row.metric) & (tornado["rank"] == 1)]
        mover = ""
        if len(top):
            first = top.iloc[0]
            mover = f"{first['parameter']} ({first['rank_correlation']:+.2f}" + (
                ")" if first["beyond_chance"] else ", within chance)"
            )
        rows.append(
            [
                row.label,
                shown(row.point, row.share),
                interval(row.ci_low, row.ci_high, row.share),
                shown(row.shipped_world, row.share),
                interval(row.world_low, row.world_high, row.share),
                mover,
            ]
        )
    lines = [
        "## Uncertainty about the synthetic world",
        "",
        f"Every number of the generator was given a distribution (scoring/definitions/worlds.toml: a Beta from a "
        f"source's counts, a tighter one for a sourced number, a wide one for an assumed number) and "
        f"{settings['worlds']} worlds were drawn from them. Each world was generated again ({int(settings['n']):,} "
        f"vignettes with seed {settings['seed']}, the same people in every world), the models' risks were moved to "
        f"it again (the recalibration refitted on {int(settings['transport_n']):,} vignettes of that world) and "
        "the cards were kept as shipped. The 95% CI is how much the estimate would move on another sample of the "
        "same world; the world interval (2.5th to 97.5th percentile across the worlds) is how much it moves when "
        "the world itself is uncertain. The last column names the number whose draws go with the metric most "
        "(Spearman rank correlation across the worlds).",
        "",
        *_table(["Metric", "Estimate", "95% CI", "Shipped world", "World interval", "Moved most by"], rows),
        "",
    ]
    scenarios = evaluation.world_scenarios
    if len(scenarios):
        order = list(dict.fromkeys(scenarios["scenario"]))
        labels = dict(zip(scenarios["scenario"], scenarios["scenario_label"]))
        shares = dict(zip(table["metric"], table["share"]))
        picked = scenarios[scenarios["metric"].isin(set(headline["metric"]))]
        body = []
        for metric, group in picked.groupby("metric", sort=False):
            values = dict(zip(group["scenario"], group["value"]))
            share = bool(shares[metric])
            body.append(
                [
                    group["label"].iloc[0],
                    shown(group["shipped_world"].iloc[0], share),
                    *(shown(values[s], share) for s in order),
                ]
            )
        lines += [
            "### Structural scenarios",
            "",
            "Each scenario is the shipped world with one structural assumption changed, evaluated as a world of "
            "its own (scoring/definitions/worlds.toml):",
            "",
            *_bullets(
                f"**{labels[s]}**: {scenarios.loc[scenarios['scenario'] == s, 'description'].iloc[0]}" for s in order
            ),
            *_table(["Metric", "Shipped world", *(labels[s] for s in order)], body),
            "",
        ]
    return lines


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
    a policy works less well, the assumptions that move the results most, each headline's
    world interval and the structural scenarios (when the worlds were drawn), ethical
    considerations, limitations, recommendations and the TRIPOD+AI checklist, under the
    not-a-medical-device notice.

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
    lines += _worlds(evaluation)
    lines += _closing()
    lines += _checklist_section()
    return "\n".join(lines)
