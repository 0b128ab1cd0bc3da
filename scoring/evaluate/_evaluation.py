"""Measuring an evaluation: which tables are computed on what, from a frame, a sample or a population.

:func:`evaluate_frame` measures any scored frame (risk columns of models, recommendation
columns of policies); :func:`evaluate_population` draws a fresh synthetic sample of a
population, scores it with every card, the tree, the reference logistic regression and the
policies (the comparison's :func:`scoring.analysis.compare.draw_sample`), measures it, and
runs the sensitivity analysis. The metrics themselves live in :mod:`._metrics` and
:mod:`._sensitivity`; this module decides what is measured on what, and keeps the record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring._version import __version__
from scoring.evaluate._record import Evaluation, load_evaluation

__all__ = [
    "DEFAULT_EVALUATE_N",
    "DEFAULT_EVALUATE_SEED",
    "DEFAULT_SUBGROUP_RESAMPLES",
    "detected_models",
    "detected_policies",
    "evaluate_frame",
    "evaluate_population",
    "evaluate_sample",
]

#: The sample of :func:`evaluate_population` unless told otherwise: the comparison's.
DEFAULT_EVALUATE_N = 200_000
DEFAULT_EVALUATE_SEED = 2026
#: Bootstrap resamples of each subgroup's AUC interval (a subgroup has a few hundred outcomes,
#: so its interval is wide; 200 resamples put its ends within a few thousandths).
DEFAULT_SUBGROUP_RESAMPLES = 200

#: Display names of the columns that :func:`scoring.assess_frame` writes, for a frame whose
#: models and policies are found rather than named.
_DETECTED_MODELS = {"card": "Points card", "tree": "Decision tree"}
_DETECTED_POLICIES = {
    "guideline_recommendation": ("guideline", "Guideline"),
    "risk_policy_recommendation": ("risk_policy", "Risk policy"),
}
#: Subgroups every evaluation reports, with the frame column each one is read from.
_GROUP_COLUMNS = {"age_band": "age", "sex": "sex"}


# --------------------------------------------------------------------------------------
# What a frame holds
# --------------------------------------------------------------------------------------


def _outcome(outcome: str) -> Any:
    from scoring.engine.risk import load_outcomes

    outcomes = load_outcomes()
    if outcome not in outcomes:
        raise ValueError(
            f"unknown outcome {outcome!r}; known outcomes (scoring/definitions/outcomes.toml): {', '.join(outcomes)}"
        )
    return outcomes[outcome]


def _columns_text(frame: pd.DataFrame) -> str:
    return ", ".join(map(str, frame.columns)) or "none"


def _require_columns(frame: pd.DataFrame, needed: Mapping[str, str]) -> None:
    """A ValueError naming every missing column, what it is for, and the columns the frame has."""
    missing = [f"{column!r} ({why})" for column, why in needed.items() if column not in frame.columns]
    if missing:
        raise ValueError(f"the frame has no {'; no '.join(missing)}. Its columns: {_columns_text(frame)}")


def detected_models(scored: pd.DataFrame, outcome: str = "serious_cause") -> dict[str, str]:
    """The models a frame from :func:`scoring.assess_frame` holds: model id to its risk column.

    ``card`` for ``risk_<outcome>`` (the card's risk) and ``tree`` for ``tree_risk_<outcome>``.
    """
    from scoring.assessment import risk_column

    columns = {"card": risk_column(outcome), "tree": f"tree_{risk_column(outcome)}"}
    return {model: column for model, column in columns.items() if column in scored.columns}


def detected_policies(scored: pd.DataFrame) -> dict[str, str]:
    """The policies a frame from :func:`scoring.assess_frame` holds: policy id to its recommendation column."""
    return {policy: column for column, (policy, _) in _DETECTED_POLICIES.items() if column in scored.columns}


def _chosen(
    kind: str, asked: Mapping[str, str] | Sequence[str] | None, detected: dict[str, str], frame: pd.DataFrame
) -> dict[str, str]:
    """``asked`` as id to column: a mapping as given (its columns checked), names from ``detected``."""
    if asked is None:
        return detected
    if isinstance(asked, Mapping):
        missing = {column: f"the {kind} {name!r}" for name, column in asked.items()}
        _require_columns(frame, missing)
        return dict(asked)
    unknown = [name for name in asked if name not in detected]
    if unknown:
        found = ", ".join(f"{name} (column {column!r})" for name, column in detected.items()) or "none"
        raise ValueError(
            f"unknown {kind} {', '.join(map(repr, unknown))}; the frame has these {kind}s: {found}. "
            f"Name a {kind} as {{id: column}} to read another column"
        )
    return {name: detected[name] for name in asked}


def _risk_values(frame: pd.DataFrame, column: str, model: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        raise ValueError(
            f"model {model!r}: column {column!r} has {int(bad.sum())} value(s) that are not risks between 0 and 1 "
            f"(first at row {int(np.flatnonzero(bad)[0])}); a model needs a risk for every row"
        )
    return values


def _policy_levels(frame: pd.DataFrame, column: str, policy: str) -> np.ndarray:
    from scoring.contract.recommendation import LEVELS, values_to_levels

    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        levels = values.to_numpy()
        if not np.isin(levels, (0, 1, 2)).all():
            raise ValueError(f"policy {policy!r}: column {column!r} holds levels other than 0, 1 and 2")
        return levels.astype(np.int8)
    try:
        return np.asarray(values_to_levels(values.to_numpy(dtype=object)), dtype=np.int8)
    except (ValueError, KeyError):
        raise ValueError(
            f"policy {policy!r}: column {column!r} holds values that are not recommendations; "
            f"allowed: {', '.join(LEVELS)} (or the levels 0, 1, 2)"
        ) from None


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """What every table is computed from: arrays for the rows, and how to name things."""

    risks: dict[str, np.ndarray]
    levels: dict[str, np.ndarray]
    labels: dict[str, str]
    policy_rows: dict[str, dict[str, Any]]
    y: np.ndarray
    causes: np.ndarray
    groups: dict[str, Any]
    cutoffs: dict[str, list[tuple[float, str]]]


def _default_cutoffs(models: Sequence[str]) -> dict[str, list[tuple[float, str]]]:
    """The risk policy's thresholds, for every model."""
    from scoring.engine.policies import load_policies
    from scoring.wording import risk_percent

    policy = next(p for p in load_policies().values() if p.kind == "risk")
    thresholds = [
        (float(t.at_least), f"risk policy: {t.recommendation.value} from {risk_percent(t.at_least)}")
        for t in policy.thresholds
    ]
    return {model: list(thresholds) for model in models}


def _see_doctor_threshold() -> float:
    from scoring.contract.recommendation import Recommendation
    from scoring.engine.policies import load_policies

    policy = next(p for p in load_policies().values() if p.kind == "risk")
    threshold = policy.threshold_for(Recommendation.SEE_DOCTOR)
    return float(threshold.at_least) if threshold is not None else float(policy.thresholds[0].at_least)


def _label_cutoffs(table: pd.DataFrame, cutoffs: Mapping[str, Sequence[tuple[float, str]]]) -> pd.DataFrame:
    """``cutoff_label`` after ``cutoff``: what each model's cut-off is; a policy's positive class."""
    names = {(model, float(value)): text for model, pairs in cutoffs.items() for value, text in pairs}
    labels = []
    for row in table.itertuples(index=False):
        if row.kind == "policy":
            labels.append("referred (see a doctor or urgent)" if row.positive == "referred" else "sent to urgent")
        else:
            labels.append(names.get((row.strategy, float(row.cutoff)), f"risk at least {row.cutoff:.4g}"))
    position = list(table.columns).index("cutoff") + 1
    return table.assign(cutoff_label=labels)[
        [*table.columns[:position], "cutoff_label", *table.columns[position:]]
    ].reset_index(drop=True)


def _measure(
    inputs: _Inputs,
    *,
    resamples: int,
    subgroup_resamples: int,
    seed: int,
    sensitivity: pd.DataFrame | None,
    record: dict[str, Any],
    tick: Any = None,
) -> Evaluation:
    from scoring.evaluate import _metrics as M

    step = tick or (lambda: None)
    risks, levels, labels = inputs.risks, inputs.levels, inputs.labels
    model_labels = {m: labels[m] for m in risks}
    discrimination = M.discrimination_table(risks, inputs.y, labels=model_labels, resamples=resamples, seed=seed)
    step()
    calibration = M.calibration_table(risks, inputs.y, labels=model_labels)
    bins = M.calibration_bins(risks, inputs.y, labels=model_labels)
    smoothed = M.smoothed_calibration(risks, inputs.y, labels=model_labels)
    step()
    curve = M.decision_curve(risks, inputs.y, policies=levels, labels=labels)
    thresholds = M.threshold_table(
        risks,
        inputs.y,
        cutoffs={m: [value for value, _ in pairs] for m, pairs in inputs.cutoffs.items()},
        policies=levels,
        labels=labels,
    )
    thresholds = _label_cutoffs(thresholds, inputs.cutoffs)
    step()
    subgroups = M.subgroup_table(
        risks,
        inputs.y,
        policies=levels,
        groups=inputs.groups,
        labels=labels,
        cutoffs={m: _see_doctor_threshold() for m in risks},
        resamples=subgroup_resamples,
        seed=seed,
    )
    subgroup_calibration = M.subgroup_calibration_table(risks, inputs.y, groups=inputs.groups, labels=model_labels)
    serious, cause_labels = _serious_causes(str(record["outcome"]))
    by_cause = M.cause_sensitivity_table(
        levels, inputs.causes, serious=serious, cause_labels=cause_labels, labels={p: labels[p] for p in levels}
    )
    step()
    policies = _policies_table(inputs)
    return Evaluation(
        discrimination=_plain_index(discrimination, "model"),
        calibration=_plain_index(calibration, "model"),
        calibration_bins=_plain_index(bins),
        smoothed_calibration=_plain_index(smoothed),
        decision_curve=_plain_index(curve),
        thresholds=_plain_index(thresholds),
        subgroups=_plain_index(subgroups),
        subgroup_calibration=_plain_index(subgroup_calibration),
        cause_sensitivity=_plain_index(by_cause),
        policies=_plain_index(policies, "policy"),
        sensitivity=_plain_index(sensitivity if sensitivity is not None else _empty_sensitivity()),
        n=int(len(inputs.y)),
        n_outcome=int(inputs.y.sum()),
        resamples=int(resamples),
        subgroup_resamples=int(subgroup_resamples),
        models=model_labels,
        policies_labels={p: labels[p] for p in levels},
        **record,
    )


def _serious_causes(outcome: str) -> tuple[list[str], dict[str, str]]:
    """The outcome's causes (motor-neuron-like first, as the generator lists them last) and their labels."""
    from scoring.engine.risk import load_outcomes
    from scoring.engine.synth import load_generator_params

    causes = list(reversed(load_outcomes()[outcome].causes))
    return causes, {c: load_generator_params().cause_labels.get(c, c) for c in causes}


def _policies_table(inputs: _Inputs) -> pd.DataFrame:
    """Per policy: the share sent to each level, and the motor-neuron-like and MS-like cases sent to self-care."""
    from scoring.analysis.risk_metrics import policy_table

    if not inputs.levels:
        return pd.DataFrame({"policy": pd.Series([], dtype="str"), "label": pd.Series([], dtype="str")})
    table = policy_table(
        inputs.levels, inputs.y, causes=inputs.causes, labels={p: inputs.labels[p] for p in inputs.levels}
    )
    rows = inputs.policy_rows
    table.insert(1, "model", [str(rows.get(p, {}).get("model", "")) for p in table.index])
    table.insert(2, "reference", [bool(rows.get(p, {}).get("reference", False)) for p in table.index])
    return table


def _plain_index(table: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
    """A table with a plain 0..n-1 index (an id index becomes the first column), categories as text."""
    if name is not None and table.index.name == name:
        table = table.reset_index()
    else:
        table = table.reset_index(drop=True)
    categorical = [c for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)]
    return table.astype({c: str for c in categorical}) if categorical else table


#: The columns of :func:`scoring.evaluate.sensitivity_analysis`, for an evaluation without one.
_SENSITIVITY_COLUMNS = {
    **dict.fromkeys(("parameter", "label", "tag", "rule", "variation", "direction", "setting"), "str"),
    "assumed": "float64",
    "moved": "float64",
    "clipped": "bool",
    "metric": "str",
    "metric_label": "str",
    **dict.fromkeys(("baseline", "value", "change"), "float64"),
}


def _empty_sensitivity() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=dtype) for column, dtype in _SENSITIVITY_COLUMNS.items()})


def _groups(frame: pd.DataFrame) -> dict[str, Any]:
    from scoring.evaluate._metrics import age_band

    return {
        "age_band": age_band(frame["age"].to_numpy()),
        "sex": frame["sex"].astype(str).to_numpy(),
    }


def _check_outcome_present(y: np.ndarray, outcome: str, causes: np.ndarray, where: str) -> None:
    n_outcome = int(y.sum())
    if n_outcome == 0 or n_outcome == len(y):
        present = ", ".join(sorted(set(causes.tolist()))) or "none"
        which = "no vignette has" if n_outcome == 0 else "every vignette has"
        raise ValueError(
            f"{where}: {which} the outcome {outcome!r} ({len(y):,} rows; latent causes present: {present}), so "
            "nothing can be measured against it; use a larger sample or a population where it occurs"
        )


def evaluate_frame(
    scored: pd.DataFrame,
    outcome: str = "serious_cause",
    *,
    models: Mapping[str, str] | Sequence[str] | None = None,
    policies: Mapping[str, str] | Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    population: str = "community",
    cutoffs: Mapping[str, Sequence[float]] | None = None,
    resamples: int = 1000,
    subgroup_resamples: int = DEFAULT_SUBGROUP_RESAMPLES,
    seed: int = DEFAULT_EVALUATE_SEED,
    sensitivity: pd.DataFrame | None = None,
) -> Evaluation:
    """Evaluate the models and policies of any scored frame against an outcome.

    Parameters
    ----------
    scored : DataFrame
        One vignette per row, with its ``latent_cause`` (which decides the outcome), ``age``
        and ``sex`` (the subgroups), a risk column per model and a recommendation column per
        policy (as :func:`scoring.assess_frame` writes with ``extra="keep"``).
    outcome : str, default "serious_cause"
        An outcome of ``scoring/definitions/outcomes.toml``.
    models : mapping of id to column, or sequence of ids, optional
        The risk columns to evaluate. Default: those :func:`scoring.assess_frame` writes,
        ``card`` (``risk_<outcome>``) and ``tree`` (``tree_risk_<outcome>``); a sequence
        picks among them.
    policies : mapping of id to column, or sequence of ids, optional
        The recommendation columns (values such as ``"see_doctor"``, or levels 0–2).
        Default: ``guideline`` (``guideline_recommendation``) and ``risk_policy``
        (``risk_policy_recommendation``) when present.
    labels : mapping of id to str, optional
        Display names of models and policies.
    population : str, default "community"
        Whom the rows describe and the risks are for (recorded; the model card names it).
    cutoffs : mapping of model id to sequence of float, optional
        Risk cut-offs of the threshold table. Default: the risk policy's thresholds.
    resamples, subgroup_resamples : int
        Bootstrap resamples of the overall and the subgroup intervals.
    seed : int, default 2026
        Seeds every bootstrap: the same frame and seed give the same tables.
    sensitivity : DataFrame, optional
        A sensitivity analysis (:func:`scoring.evaluate.sensitivity_analysis`) to carry.

    Returns
    -------
    Evaluation

    Raises
    ------
    ValueError
        An unknown outcome or model or policy (naming those that exist), a missing column
        (naming those the frame has), a risk that is not a probability, or a frame without
        the outcome, or where every row has it.
    """
    from scoring.engine.populations import load_population
    from scoring.engine.risk import outcome_labels

    _outcome(outcome)
    target = load_population(population)
    _require_columns(
        scored,
        {
            "latent_cause": f"each vignette's hidden cause, which decides the outcome {outcome!r}",
            **{column: f"the {group} subgroups" for group, column in _GROUP_COLUMNS.items()},
        },
    )
    chosen_models = _chosen("model", models, detected_models(scored, outcome), scored)
    chosen_policies = _chosen("policy", policies, detected_policies(scored), scored)
    if not chosen_models and not chosen_policies:
        raise ValueError(
            f"nothing to evaluate: the frame has no risk column of a model ('risk_{outcome}', 'tree_risk_{outcome}') "
            f"and no recommendation column of a policy; name them with models= and policies=. "
            f"Its columns: {_columns_text(scored)}"
        )
    names = {m: _DETECTED_MODELS.get(m, m) for m in chosen_models}
    names |= {p: dict(_DETECTED_POLICIES.values()).get(p, p) for p in chosen_policies}
    names |= dict(labels or {})
    y = np.asarray(outcome_labels(scored, outcome), dtype=bool)
    causes = scored["latent_cause"].astype(str).to_numpy()
    _check_outcome_present(y, outcome, causes, "the frame")
    risks = {m: _risk_values(scored, column, m) for m, column in chosen_models.items()}
    levels = {p: _policy_levels(scored, column, p) for p, column in chosen_policies.items()}
    unknown = sorted(set(cutoffs or {}) - set(risks))
    if unknown:
        raise ValueError(f"cutoffs for unknown model(s) {', '.join(map(repr, unknown))}; models: {', '.join(risks)}")
    given = {m: [(float(v), f"risk at least {float(v):.4g}") for v in values] for m, values in (cutoffs or {}).items()}
    inputs = _Inputs(
        risks=risks,
        levels=levels,
        labels=names,
        policy_rows={},
        y=y,
        causes=causes,
        groups=_groups(scored),
        cutoffs=_default_cutoffs(list(risks)) | given,
    )
    record = {"population": target.id, "outcome": outcome, "seed": seed}
    return _measure(
        inputs,
        resamples=resamples,
        subgroup_resamples=subgroup_resamples,
        seed=seed,
        sensitivity=sensitivity,
        record=record,
    )


def _band_cutoffs(card: Any, population: str) -> list[tuple[float, str]]:
    """Each band edge of a card above the lowest band, as the risk at its lowest total (no red flag)."""
    from scoring.engine.calibration import card_risk
    from scoring.wording import risk_percent

    pairs = []
    for band in card.bands[1:]:
        total = max(band.min_points, card.min_total)
        risk = float(card_risk(card, np.array([total]), np.array([0]), population)[0])
        pairs.append((risk, f"band '{band.name}' from {total} points (risk {risk_percent(risk)})"))
    return pairs


def evaluate_sample(
    sample: Any,
    *,
    resamples: int = 1000,
    subgroup_resamples: int = DEFAULT_SUBGROUP_RESAMPLES,
    sensitivity: pd.DataFrame | None = None,
    sensitivity_settings: Mapping[str, Any] | None = None,
    tick: Any = None,
) -> Evaluation:
    """Evaluate a scored sample (:func:`scoring.analysis.compare.draw_sample`): every card, the tree,
    the flexible reference and every policy the comparison has.

    Every bootstrap is seeded by the sample's seed (2026 when it has none). Each card's
    thresholds are the risk policy's and its band edges.
    """
    from scoring.analysis.compare import card_model_id

    y = sample.outcome_array
    causes = sample.scored["latent_cause"].astype(str).to_numpy()
    _check_outcome_present(y, sample.outcome, causes, f"the {sample.population} sample")
    cutoffs = _default_cutoffs(list(sample.risks))
    for card in sample.cards:
        model = card_model_id(card.name)
        cutoffs[model] = sorted(set(cutoffs[model]) | set(_band_cutoffs(card, sample.population)))
    inputs = _Inputs(
        risks=dict(sample.risks),
        levels=dict(sample.levels),
        labels=sample.model_labels | sample.policy_labels,
        policy_rows=dict(sample.policy_rows),
        y=y,
        causes=causes,
        groups=_groups(sample.scored),
        cutoffs=cutoffs,
    )
    seed = DEFAULT_EVALUATE_SEED if sample.seed is None else int(sample.seed)
    record = {
        "population": sample.population,
        "outcome": sample.outcome,
        "seed": sample.seed,
        "cards": {card.name: card.fingerprint for card in sample.cards},
        "tree": sample.tree,
        "reference": dict(sample.reference),
        "sensitivity_settings": dict(sensitivity_settings or {}),
    }
    return _measure(
        inputs,
        resamples=resamples,
        subgroup_resamples=subgroup_resamples,
        seed=seed,
        sensitivity=sensitivity,
        record=record,
        tick=tick,
    )


def evaluate_population(
    population: Any = "community",
    n: int = DEFAULT_EVALUATE_N,
    seed: int = DEFAULT_EVALUATE_SEED,
    *,
    cards: Sequence[Any] = ("default", "learned"),
    tree: Any = "default",
    reference: bool = True,
    resamples: int = 1000,
    subgroup_resamples: int = DEFAULT_SUBGROUP_RESAMPLES,
    sensitivity: bool = True,
    sensitivity_n: int | None = None,
    sensitivity_seed: int | None = None,
    jobs: int = 1,
    worlds: int = 0,
    worlds_n: int | None = None,
    worlds_seed: int | None = None,
    sample: Any = None,
    saved: str | Path | None = None,
    progress: bool = False,
) -> Evaluation:
    """Draw a fresh synthetic sample of a population and evaluate every model and policy on it.

    Parameters
    ----------
    population : str or Population, default "community"
    n : int, default 200000
    seed : int, default 2026
        No model was fitted on a sample with this seed; it also seeds every bootstrap.
    cards, tree, reference
        As for :func:`scoring.analysis.compare.compare_models`: the first card is the
        guideline's.
    resamples, subgroup_resamples : int
        Bootstrap resamples of the overall and the subgroup intervals.
    sensitivity : bool, default True
        Run the sensitivity analysis: every generator number marked ``assumed`` moved, the
        population regenerated, the headline metrics measured again.
    sensitivity_n, sensitivity_seed : int, optional
        Its sample size and seed (the analysis's defaults when None).
    jobs : int, default 1
        Processes for the sensitivity analysis and the worlds.
    worlds : int, default 0
        Worlds to draw from the distributions of the generator's numbers
        (:func:`scoring.evaluate.evaluate_worlds`): every headline metric gets a world interval
        beside its sampling CI, with a tornado of the numbers that move it most and the named
        scenarios. 0 leaves the analysis out.
    worlds_n, worlds_seed : int, optional
        Rows of each world's samples (100,000 by default) and the worlds' seed (``seed`` by
        default, so the shipped world's sample is the first rows of the evaluation's).
    sample : ScoredSample, optional
        This population's sample already scored (a report build passes the comparison's):
        it is measured instead of drawing another. Its population must be ``population``.
    saved : str or Path, optional
        A folder written by :meth:`Evaluation.save` for these arguments: it is read instead
        of computed (a ValueError names what differs).
    progress : bool, default False
        A progress bar on stderr.

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> evaluation = evaluate_population(n=20_000, sensitivity=False)   # doctest: +SKIP
    >>> evaluation.discrimination[["model", "auc", "auc_low", "auc_high"]]   # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    from scoring.analysis.compare import draw_sample
    from scoring.engine.populations import load_population

    target = load_population(population)
    if isinstance(worlds, bool) or not isinstance(worlds, (int, np.integer)) or worlds < 0:
        raise ValueError(f"worlds must be a whole number, 0 (no worlds) or more, e.g. 50 (got {worlds!r})")
    if saved is not None:
        wanted = _wanted(target.id, n, seed, cards, tree, reference, resamples, subgroup_resamples, sensitivity)
        if sensitivity and sensitivity_n is not None:
            wanted["sensitivity_n"] = int(sensitivity_n)
        wanted["worlds"] = int(worlds)
        return _checked(load_evaluation(saved), saved, wanted)
    if sample is not None and (sample.population != target.id or len(sample.scored) != n or sample.seed != seed):
        raise ValueError(
            f"the sample given describes {sample.population!r} ({len(sample.scored):,} rows, seed {sample.seed}); "
            f"asked for {target.id!r} ({n:,} rows, seed {seed})"
        )
    bar = tqdm(
        total=7 if worlds else 6, desc="zaro evaluate", unit="step", disable=None if progress else True, leave=False
    )
    try:
        if sample is None:
            sample = draw_sample(target, n, seed, cards=cards, tree=tree, reference=reference)
        bar.update(1)
        table: pd.DataFrame | None = None
        settings: dict[str, Any] = {}
        if sensitivity:
            table, settings = _sensitivity(target.id, sensitivity_n, sensitivity_seed, jobs=jobs, progress=progress)
        bar.update(1)
        evaluation = evaluate_sample(
            sample,
            resamples=resamples,
            subgroup_resamples=subgroup_resamples,
            sensitivity=table,
            sensitivity_settings=settings,
            tick=lambda: bar.update(1),
        )
        if worlds:
            evaluation = _with_worlds(
                evaluation,
                target,
                int(worlds),
                worlds_n,
                seed if worlds_seed is None else worlds_seed,
                cards=cards,
                tree=tree,
                jobs=jobs,
                progress=progress,
            )
            bar.update(1)
        return evaluation
    finally:
        bar.close()


def _with_worlds(
    evaluation: Evaluation,
    population: Any,
    worlds: int,
    n: int | None,
    seed: int,
    *,
    cards: Sequence[Any],
    tree: Any,
    jobs: int,
    progress: bool,
) -> Evaluation:
    """``evaluation`` with the analysis across worlds, its estimates and CIs beside the world intervals."""
    import dataclasses

    from scoring.evaluate._worlds import DEFAULT_WORLDS_N, evaluate_worlds

    analysis = evaluate_worlds(
        population,
        worlds,
        DEFAULT_WORLDS_N if n is None else n,
        seed,
        cards=cards,
        tree=tree,
        evaluation=evaluation,
        jobs=jobs,
        progress=progress,
    )
    return dataclasses.replace(evaluation, **analysis.tables(), worlds_settings=dict(analysis.settings))


def _sensitivity(
    population: str, n: int | None, seed: int | None, *, jobs: int, progress: bool
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The sensitivity analysis and its settings (its own defaults where none are given)."""
    import inspect

    from scoring.evaluate._sensitivity import sensitivity_analysis

    defaults = inspect.signature(sensitivity_analysis).parameters
    n = int(defaults["n"].default) if n is None else int(n)
    seed = int(defaults["seed"].default) if seed is None else int(seed)
    table = sensitivity_analysis(population, n=n, seed=seed, jobs=jobs, progress=progress)
    return table, {"n": n, "seed": seed}


def _wanted(
    population: str,
    n: int,
    seed: int,
    cards: Sequence[Any],
    tree: Any,
    reference: bool,
    resamples: int,
    subgroup_resamples: int,
    sensitivity: bool,
) -> dict[str, Any]:
    from scoring.engine.card import load_card

    return {
        "version": __version__,
        "population": population,
        "n": n,
        "seed": seed,
        "resamples": resamples,
        "subgroup_resamples": subgroup_resamples,
        "cards": [(card.name, card.fingerprint) for card in (load_card(c) for c in cards)],
        "tree": tree is not None,
        "reference": reference,
        "sensitivity": sensitivity,
        "worlds": 0,
    }


def _checked(evaluation: Evaluation, path: str | Path, wanted: dict[str, Any]) -> Evaluation:
    """``evaluation`` if it was computed for these arguments; else a ValueError naming the differences."""
    found = {
        "version": evaluation.version,
        "population": evaluation.population,
        "n": evaluation.n,
        "seed": evaluation.seed,
        "resamples": evaluation.resamples,
        "subgroup_resamples": evaluation.subgroup_resamples,
        "cards": list(evaluation.cards.items()),
        "tree": evaluation.tree,
        "reference": bool(evaluation.reference),
        "sensitivity": bool(evaluation.sensitivity_settings),
        "sensitivity_n": evaluation.sensitivity_settings.get("n"),
        "worlds": int(evaluation.worlds_settings.get("worlds", 0)),
    }
    different = [
        f"{name} {found[name]!r} (asked for {value!r})" for name, value in wanted.items() if found[name] != value
    ]
    if different:
        raise ValueError(
            f"the saved evaluation {str(path)!r} was computed for other arguments: "
            + "; ".join(different)
            + ". Pass saved=None to compute it, or save one for these arguments."
        )
    return evaluation
