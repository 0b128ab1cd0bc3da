"""Headline metrics across plausible worlds: how sure each number is once the synthetic world itself is uncertain.

A sampling confidence interval says how much a metric would move if the same world were
sampled again. It says nothing about whether the world is right: every vignette comes from
generator numbers that are guesses or published figures with their own error.
:func:`evaluate_worlds` asks how much each headline metric moves across the worlds those
numbers allow:

1. it draws ``worlds`` worlds (:func:`scoring.evaluate.draw_world`: every generator number
   from its distribution in ``definitions/worlds.toml``);
2. in each world, it re-runs what a world needs: the models' risks are moved to the world's
   population again, the prior shift to the world's cause shares and the logistic
   recalibration **refitted on a separate sample of that world** (seed
   :data:`scoring.engine.risk.TRANSPORT_SEED`, as the shipped recalibration was); the cards'
   points, their calibration on the learning mix and the tree stay as shipped;
3. it draws the world's evaluation sample and measures every headline metric: the outcome's
   share, each model's AUC and calibration intercept and slope, and for each policy the
   serious causes referred (sensitivity), the people referred, and the motor-neuron-like and
   MS-like cases sent to self-care.

The **world interval** of a metric is the 2.5th to 97.5th percentile of its values across the
worlds. The **tornado** ranks the numbers whose draws go with a metric's value most (Spearman
rank correlation across the worlds, and the metric's mean in the worlds where the number was
in its top third minus the bottom third), with the correlation that the largest of so many
numbers would reach by chance. Each **scenario** of ``worlds.toml`` (a structural assumption:
the shipped numbers with some replaced) is run as a world of its own, side by side with the
shipped world.

Common random numbers: every world uses the same seeds for its evaluation sample and its
recalibration sample, and the generator draws every random quantity from its own stream, so
two worlds describe the same people answering under different parameters; the difference
between worlds is the parameters' effect, not the noise of drawing other people.

Speed: a world costs a recalibration sample (:data:`scoring.engine.risk.TRANSPORT_N` rows, the
shipped recalibration's size and seed, so the shipped world's refit is the shipped
recalibration) and an evaluation sample of :data:`DEFAULT_WORLDS_N` rows, each generated and
scored once (no bootstrap, no reference regression; the narrative text is dropped before
scoring); ``jobs`` spreads the worlds over processes. ``benchmarks/bench_worlds.py`` measures it.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_WORLDS_N",
    "DEFAULT_WORLDS_SEED",
    "WORLD_METRIC_KINDS",
    "WorldAnalysis",
    "empty_world_tables",
    "evaluate_worlds",
]

#: Rows of each world's evaluation sample and of its recalibration sample.
DEFAULT_WORLDS_N = 100_000
#: The evaluation's seed: the shipped world's sample is the first rows of the evaluation's.
DEFAULT_WORLDS_SEED = 2026

#: What is measured in every world, per model or policy, with its label and whether it is a share.
WORLD_METRIC_KINDS: dict[str, tuple[str, bool]] = {
    "observed": ("serious causes in the sample", True),
    "auc": ("AUC", False),
    "calibration_intercept": ("calibration intercept", False),
    "calibration_slope": ("calibration slope", False),
    "sensitivity": ("serious causes referred", True),
    "share_referred": ("people referred", True),
    "motor_neuron_like_self_care": ("MND-like cases sent to self-care", True),
    "central_ms_like_self_care": ("MS-like cases sent to self-care", True),
}
_MODEL_KINDS = ("auc", "calibration_intercept", "calibration_slope")
_POLICY_KINDS = ("sensitivity", "share_referred", "motor_neuron_like_self_care", "central_ms_like_self_care")
#: Number of tornado rows kept per metric.
_TORNADO_TOP = 5

_TABLE_COLUMNS = [
    "metric",
    "kind",
    "subject",
    "label",
    "headline",
    "share",
    "point",
    "ci_low",
    "ci_high",
    "shipped_world",
    "world_median",
    "world_low",
    "world_high",
    "worlds_defined",
]
_RUN_COLUMNS = ["run", "run_kind", "metric", "value"]
_TORNADO_COLUMNS = [
    "metric",
    "label",
    "rank",
    "parameter",
    "parameter_label",
    "tag",
    "rank_correlation",
    "chance",
    "beyond_chance",
    "swing",
]
_SCENARIO_COLUMNS = [
    "scenario",
    "scenario_label",
    "description",
    "metric",
    "label",
    "shipped_world",
    "value",
    "change",
    "world_low",
    "world_high",
]


_PARAMETER_COLUMNS = ["parameter", "label", "tag", "sourced", "value", "rule", "distribution", "low", "high", "reason"]
_BOOL_COLUMNS = {"headline", "share", "beyond_chance", "sourced"}
_INT_COLUMNS = {"worlds_defined", "rank"}
_TEXT_COLUMNS = {
    "metric",
    "kind",
    "subject",
    "label",
    "run",
    "run_kind",
    "parameter",
    "parameter_label",
    "tag",
    "scenario",
    "scenario_label",
    "description",
    "rule",
    "distribution",
    "reason",
}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A table with the dtypes every world table has (so an empty one reads back as a full one does)."""
    dtypes = {
        column: "bool"
        if column in _BOOL_COLUMNS
        else "int64"
        if column in _INT_COLUMNS
        else "object"
        if column in _TEXT_COLUMNS
        else "float64"
        for column in frame.columns
    }
    return frame.astype(dtypes)


def empty_world_tables() -> dict[str, pd.DataFrame]:
    """The world tables of an evaluation without worlds: no rows, the columns and dtypes of full ones."""
    columns = {
        "worlds": _TABLE_COLUMNS,
        "world_tornado": _TORNADO_COLUMNS,
        "world_scenarios": _SCENARIO_COLUMNS,
        "world_runs": _RUN_COLUMNS,
        "world_parameters": _PARAMETER_COLUMNS,
    }
    return {name: _typed(pd.DataFrame(columns=names)) for name, names in columns.items()}


@dataclass(frozen=True)
class WorldAnalysis:
    """The headline metrics across drawn worlds and named scenarios.

    Attributes
    ----------
    table : DataFrame
        One row per metric: ``metric`` (e.g. ``"auc:default_card"``), ``kind``, ``subject``
        (the model or policy id), ``label``, ``headline`` (one of the few printed), ``share``,
        ``point`` with ``ci_low`` and ``ci_high`` (the evaluation's estimate and sampling 95% CI,
        NaN without an evaluation), ``shipped_world`` (the metric in the shipped world, measured
        as every world is), ``world_median``, ``world_low`` and ``world_high`` (the 2.5th and
        97.5th percentiles across worlds: the world interval) and ``worlds_defined`` (the worlds
        where the metric has a value).
    runs : DataFrame
        Long: ``run`` ("shipped", "world 1", ..., a scenario id), ``run_kind`` ("shipped",
        "world", "scenario"), ``metric``, ``value``.
    tornado : DataFrame
        Per metric, the numbers whose draws go with it most: ``rank``, ``parameter``,
        ``parameter_label``, ``tag``, ``rank_correlation`` (Spearman, across worlds),
        ``chance`` (the correlation the largest of all drawn numbers reaches by chance, 95%),
        ``beyond_chance`` and ``swing`` (the metric's mean in the worlds where the number was in
        its top third, minus the bottom third).
    scenarios : DataFrame
        Long: ``scenario``, ``scenario_label``, ``description``, ``metric``, ``label``,
        ``shipped_world``, ``value``, ``change`` and the world interval beside them.
    parameters : DataFrame
        Every generator number with its distribution and reason (:func:`world_distributions`).
    settings : dict
        ``worlds``, ``n``, ``seed``, ``transport_n``, ``transport_seed``, ``population``.
    """

    table: pd.DataFrame
    runs: pd.DataFrame
    tornado: pd.DataFrame
    scenarios: pd.DataFrame
    parameters: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by the names an :class:`~scoring.evaluate.Evaluation` keeps them under."""
        return {
            "worlds": self.table,
            "world_tornado": self.tornado,
            "world_scenarios": self.scenarios,
            "world_runs": self.runs,
            "world_parameters": self.parameters,
        }

    def scenario_table(self) -> pd.DataFrame:
        """The scenarios side by side: one row per metric, the shipped world and one column per scenario."""
        if self.scenarios.empty:
            return pd.DataFrame(columns=["metric", "label", "shipped_world"])
        wide = self.scenarios.pivot(index="metric", columns="scenario", values="value")
        order = list(dict.fromkeys(self.scenarios["scenario"]))
        metrics = list(dict.fromkeys(self.scenarios["metric"]))
        first = self.scenarios.drop_duplicates("metric").set_index("metric")
        out = pd.DataFrame(
            {"metric": metrics, "label": first.loc[metrics, "label"].to_numpy()},
        )
        out["shipped_world"] = first.loc[metrics, "shipped_world"].to_numpy()
        for scenario in order:
            out[scenario] = wide.loc[metrics, scenario].to_numpy()
        return out


# --------------------------------------------------------------------------------------
# What every world is scored with
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    """The shipped models and the evaluated population, as a world run needs them (picklable)."""

    population: Any
    cards: tuple[Any, ...]
    tree: Any
    outcome: str
    n: int
    seed: int
    transport_n: int
    transport_seed: int


def _setup(
    population: Any, cards: Sequence[Any], tree: Any, n: int, seed: int, transport_n: int, transport_seed: int
) -> _Setup:
    from scoring.analysis.compare import _risk_policy
    from scoring.engine.card import load_card
    from scoring.engine.tree import resolve_tree

    if not cards:
        raise ValueError("cards is empty: name at least one card (the first is the guideline's expert card)")
    plain = dataclasses.replace(population, prior=dict(population.prior), tags=dict(population.tags))
    return _Setup(
        population=plain,
        cards=tuple(load_card(card) for card in cards),
        tree=resolve_tree(tree),
        outcome=str(_risk_policy().outcome),
        n=n,
        seed=seed,
        transport_n=transport_n,
        transport_seed=transport_seed,
    )


def _valid_features(frame: pd.DataFrame) -> tuple[Any, pd.DataFrame]:
    from scoring.contract.features import Features
    from scoring.contract.schema import validate_frame

    valid = validate_frame(frame, extra="keep").valid
    return Features(valid), valid


def _generate(n: int, seed: int, population: Any) -> pd.DataFrame:
    """A world's sample: the scored columns only (the narrative text is dropped)."""
    from scoring.engine.synth import generate_vignettes

    frame = generate_vignettes(n, seed, population=population)
    return frame.drop(columns=[c for c in ("narrative",) if c in frame.columns])


def _refitted(setup: _Setup, world_population: Any) -> tuple[list[Any], Any]:
    """The shipped cards and tree with their recalibration to ``world_population`` refitted on a sample of it."""
    from scoring.engine.risk import fit_transport, outcome_labels

    frame = _generate(setup.transport_n, setup.transport_seed, world_population)
    features, valid = _valid_features(frame)
    y = np.asarray(outcome_labels(valid, setup.outcome), dtype=bool)
    note = {"n": setup.transport_n, "seed": setup.transport_seed}
    cards = []
    for card in setup.cards:
        scores = card.score_frame(features)
        trained = card.probability(scores.totals, scores.red_flag_mask)
        fitted = fit_transport(
            trained, y, outcome=setup.outcome, population=world_population, trained_on=card.calibration.population
        )
        data = {**dict(card.calibration.data), "transport": {world_population.id: fitted | note}}
        cards.append(dataclasses.replace(card, calibration=dataclasses.replace(card.calibration, data=data)))
    tree = None
    if setup.tree is not None:
        fitted = fit_transport(
            setup.tree.predict_risk(features),
            y,
            outcome=setup.tree.outcome,
            population=world_population,
            trained_on=setup.tree.population,
        )
        tree = copy.copy(setup.tree)
        tree.transport = {world_population.id: fitted | note}
    return cards, tree


def _measure_world(setup: _Setup, raw: Mapping[str, Any], name: str) -> dict[str, tuple[str, float]]:
    """Every metric of one world (generator tables ``raw``): metric id to (label, value)."""
    from scoring.analysis.compare import score_sample
    from scoring.analysis.risk_metrics import auc_interval, referral_counts
    from scoring.engine.calibration import calibration_summary
    from scoring.evaluate._world_draws import _with_values

    world_population = _with_values(setup.population, copy.deepcopy(dict(raw)), name)
    cards, tree = _refitted(setup, world_population)
    frame = _generate(setup.n, setup.seed, world_population)
    sample = score_sample(frame, population=world_population, cards=cards, tree=tree, reference=False, seed=setup.seed)
    y = sample.outcome_array
    causes = sample.scored["latent_cause"].astype(str).to_numpy()
    both = 0 < int(y.sum()) < len(y)
    found: dict[str, tuple[str, float]] = {
        "observed": (WORLD_METRIC_KINDS["observed"][0], float(y.mean()) if len(y) else math.nan)
    }
    for model, risk in sample.risks.items():
        label = sample.model_labels[model]
        summary = calibration_summary(risk, y) if both else {}
        values = {
            "auc": float(auc_interval(risk, y, resamples=1).auc) if both else math.nan,
            "calibration_intercept": float(summary.get("calibration_intercept", math.nan)),
            "calibration_slope": float(summary.get("calibration_slope", math.nan)),
        }
        for kind in _MODEL_KINDS:
            found[f"{kind}:{model}"] = (f"{WORLD_METRIC_KINDS[kind][0]}, {label}", values[kind])
    for policy, levels in sample.levels.items():
        label = sample.policy_labels[policy]
        counts = referral_counts(levels, y, causes)
        values = {"sensitivity": float(counts["sensitivity"]), "share_referred": float(counts["share_referred"])}
        for cause in ("motor_neuron_like", "central_ms_like"):
            cases = int(counts[f"n_{cause}"])
            values[f"{cause}_self_care"] = counts[f"{cause}_self_care"] / cases if cases else math.nan
        for kind in _POLICY_KINDS:
            found[f"{kind}:{policy}"] = (f"{WORLD_METRIC_KINDS[kind][0]}, {label}", float(values[kind]))
    return found


def _measure_chunk(setup: _Setup, tasks: Sequence[tuple[str, Mapping[str, Any]]]) -> list[dict[str, tuple[str, float]]]:
    return [_measure_world(setup, raw, name) for name, raw in tasks]


def _run(
    setup: _Setup, tasks: list[tuple[str, Mapping[str, Any]]], jobs: int, progress: bool
) -> list[dict[str, tuple[str, float]]]:
    """Every task's metrics, in task order: in this process, or spread over ``jobs`` processes."""
    from scoring.evaluate._sensitivity import _NoBar

    if progress:
        from tqdm.auto import tqdm  # imported only when asked for

        bar: Any = tqdm(total=len(tasks), unit="world", desc="worlds", disable=None)
    else:
        bar = _NoBar()
    try:
        if jobs == 1 or len(tasks) < 2:
            results = []
            for task in tasks:
                results += _measure_chunk(setup, [task])
                bar.update(1)
            return results
        from joblib import Parallel, delayed

        # A few chunks per process: balanced, and far fewer messages than one per world.
        size = max(1, math.ceil(len(tasks) / (3 * jobs)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        results = []
        for part in Parallel(n_jobs=jobs, return_as="generator")(
            delayed(_measure_chunk)(setup, chunk) for chunk in chunks
        ):
            results += part
            bar.update(len(part))
        return results
    finally:
        bar.close()


# --------------------------------------------------------------------------------------
# The evaluation's point estimates and sampling intervals
# --------------------------------------------------------------------------------------


def _sampling(evaluation: Any, kind: str, subject: str) -> tuple[float, float, float]:
    """The evaluation's estimate and 95% CI of one metric (NaNs where it has none)."""
    from scoring.evaluate._metrics import wilson_interval

    nan = (math.nan, math.nan, math.nan)
    if evaluation is None:
        return nan
    if kind == "observed":
        table = evaluation.calibration
        if table.empty:
            n, k = int(evaluation.n), int(evaluation.n_outcome)
            low, high = wilson_interval(k, n)
            return k / n, float(low), float(high)
        row = table.iloc[0]
        return float(row["observed"]), float(row["observed_low"]), float(row["observed_high"])
    if kind in _MODEL_KINDS:
        table = evaluation.discrimination if kind == "auc" else evaluation.calibration
        rows = table[table["model"] == subject]
        if rows.empty:
            return nan
        row = rows.iloc[0]
        return float(row[kind]), float(row[f"{kind}_low"]), float(row[f"{kind}_high"])
    if kind in ("sensitivity", "share_referred"):
        table = evaluation.thresholds
        rows = table[(table["kind"] == "policy") & (table["strategy"] == subject) & (table["positive"] == "referred")]
        if rows.empty:
            return nan
        row = rows.iloc[0]
        return float(row[kind]), float(row[f"{kind}_low"]), float(row[f"{kind}_high"])
    table = evaluation.policies
    rows = table[table["policy"] == subject] if "policy" in table else table.iloc[0:0]
    cause = kind.removesuffix("_self_care")
    if rows.empty or f"n_{cause}" not in rows:
        return nan
    cases, sent = int(rows.iloc[0][f"n_{cause}"]), int(rows.iloc[0][kind])
    if cases == 0:
        return nan
    low, high = wilson_interval(sent, cases)
    return sent / cases, float(low), float(high)


def _headline_metrics(setup: _Setup) -> set[str]:
    from scoring.analysis.compare import card_model_id

    expert = card_model_id(setup.cards[0].name)
    policies = ("guideline", f"risk_{expert}")
    return {
        "observed",
        f"auc:{expert}",
        f"calibration_intercept:{expert}",
        f"calibration_slope:{expert}",
        *(f"{kind}:{policy}" for kind in _POLICY_KINDS for policy in policies),
    }


# --------------------------------------------------------------------------------------
# The tornado
# --------------------------------------------------------------------------------------


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks down each column (ties share their mean rank)."""
    return pd.DataFrame(values).rank(axis=0, method="average").to_numpy(dtype=np.float64)


def _tornado(
    draws: pd.DataFrame, measured: pd.DataFrame, labels: Mapping[str, str], parameters: Sequence[Any], top: int
) -> pd.DataFrame:
    """Per metric, the drawn numbers with the largest rank correlation with it across the worlds."""
    worlds = len(draws)
    varying = [p for p in parameters if p.id in draws and draws[p.id].nunique() > 1]
    if worlds < 4 or not varying:
        return pd.DataFrame(columns=_TORNADO_COLUMNS)
    from statistics import NormalDist

    x = draws[[p.id for p in varying]].to_numpy(dtype=np.float64)
    x_ranks = _ranks(x)
    x_centred = x_ranks - x_ranks.mean(axis=0)
    x_norm = np.sqrt((x_centred**2).sum(axis=0))
    # The 95% point of the largest |correlation| of len(varying) unrelated numbers (Bonferroni).
    chance = NormalDist().inv_cdf(1.0 - 0.025 / len(varying)) / math.sqrt(worlds - 1)
    thirds = np.floor(x_ranks * 3 / (worlds + 1)).clip(0, 2)  # 0 bottom, 2 top third of each number's draws
    rows = []
    for metric in measured.columns:
        y = measured[metric].to_numpy(dtype=np.float64)
        keep = np.isfinite(y)
        if keep.sum() < 4 or np.unique(y[keep]).size < 2:
            continue
        if keep.all():
            xc, xn, th = x_centred, x_norm, thirds
        else:
            xr = _ranks(x[keep])
            xc = xr - xr.mean(axis=0)
            xn = np.sqrt((xc**2).sum(axis=0))
            th = np.floor(xr * 3 / (keep.sum() + 1)).clip(0, 2)
        yr = _ranks(y[keep][:, None])[:, 0]
        yc = yr - yr.mean()
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = (xc * yc[:, None]).sum(axis=0) / (xn * math.sqrt((yc**2).sum()))
        order = np.argsort(-np.abs(np.nan_to_num(rho, nan=0.0)), kind="stable")[:top]
        for rank, j in enumerate(order, start=1):
            if not np.isfinite(rho[j]):
                continue
            top_third, bottom_third = th[:, j] == 2, th[:, j] == 0
            swing = (
                float(y[keep][top_third].mean() - y[keep][bottom_third].mean())
                if top_third.any() and bottom_third.any()
                else math.nan
            )
            parameter = varying[j]
            rows.append(
                {
                    "metric": metric,
                    "label": labels[metric],
                    "rank": rank,
                    "parameter": parameter.id,
                    "parameter_label": parameter.label,
                    "tag": parameter.tag,
                    "rank_correlation": float(rho[j]),
                    "chance": float(chance),
                    "beyond_chance": bool(abs(rho[j]) > chance),
                    "swing": swing,
                }
            )
    return pd.DataFrame(rows, columns=_TORNADO_COLUMNS)


# --------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------


def evaluate_worlds(
    population: Any = "community",
    worlds: int = 50,
    n: int = DEFAULT_WORLDS_N,
    seed: int = DEFAULT_WORLDS_SEED,
    *,
    transport_n: int | None = None,
    cards: Sequence[Any] = ("default", "learned"),
    tree: Any = "default",
    scenarios: bool = True,
    evaluation: Any = None,
    jobs: int = 1,
    progress: bool = False,
    top: int = _TORNADO_TOP,
) -> WorldAnalysis:
    """The headline metrics across ``worlds`` drawn worlds and the named scenarios.

    Parameters
    ----------
    population : str or Population, default "community"
        The evaluated population: its numbers are drawn, its sample drawn again in each world.
    worlds : int, default 50
        Worlds to draw (1 or more; the tornado needs 4).
    n : int, default 100000
        Rows of each world's evaluation sample.
    seed : int, default 2026
        Seeds the worlds' numbers and every world's evaluation sample (the same in every
        world: common random numbers). Same arguments and version, same tables, whatever
        ``jobs``.
    transport_n : int, optional
        Rows of each world's recalibration sample, drawn with
        :data:`scoring.engine.risk.TRANSPORT_SEED`: :data:`scoring.engine.risk.TRANSPORT_N` by
        default, so the shipped world's recalibration is the shipped one.
    cards, tree
        The models, as for :func:`scoring.evaluate.evaluate_population` (the first card is the
        guideline's); the reference regression is not run in the worlds.
    scenarios : bool, default True
        Run every ``[[scenario]]`` of ``worlds.toml`` as its own world.
    evaluation : Evaluation, optional
        The evaluation of this population's main sample: its estimates and sampling CIs go in
        the table beside the world intervals.
    jobs : int, default 1
        Processes to spread the worlds over (2 on a two-core machine).
    progress : bool, default False
        A progress bar over the worlds.
    top : int, default 5
        Tornado rows per metric.

    Returns
    -------
    WorldAnalysis

    Raises
    ------
    ValueError
        For ``worlds``, ``n``, ``seed``, ``transport_n``, ``jobs`` or ``top`` that are not whole
        numbers in range, or no cards.
    WorldsError
        When ``worlds.toml`` cannot be used (naming the entry and the fix).

    Examples
    --------
    >>> analysis = evaluate_worlds(worlds=5, n=20_000)          # doctest: +SKIP
    >>> analysis.table[["label", "shipped_world", "world_low", "world_high"]]   # doctest: +SKIP
    """
    from scoring.engine.risk import TRANSPORT_N, TRANSPORT_SEED
    from scoring.evaluate._sensitivity import _population, _whole
    from scoring.evaluate._world_draws import draw_world, load_scenarios, scenario_world, world_distributions
    from scoring.evaluate._world_draws import world_parameters as parameters_of

    worlds = _whole("worlds", worlds, 1, "50")
    n = _whole("n", n, 1, "100000")
    seed = _whole("seed", seed, 0, "2026")
    transport_n = TRANSPORT_N if transport_n is None else _whole("transport_n", transport_n, 1, "200000")
    jobs = _whole("jobs", jobs, 1, "2")
    top = _whole("top", top, 1, "5")
    target = _population(population)
    setup = _setup(target, cards, tree, n, seed, transport_n, TRANSPORT_SEED)
    parameters = parameters_of(target)

    drawn = [draw_world(target, seed, index, parameters=parameters) for index in range(worlds)]
    named = [scenario_world(target, s) for s in load_scenarios()] if scenarios else []
    tasks: list[tuple[str, Mapping[str, Any]]] = [("shipped", target.params.raw)]
    tasks += [(world.name, world.raw) for world in drawn]
    tasks += [(world.name, world.raw) for world in named]
    measured = _run(setup, tasks, jobs, progress)

    labels = {metric: label for metric, (label, _) in measured[0].items()}
    values = pd.DataFrame([{m: v for m, (_, v) in result.items()} for result in measured], columns=list(labels))
    shipped = values.iloc[0]
    world_values = values.iloc[1 : 1 + worlds].reset_index(drop=True)
    scenario_values = values.iloc[1 + worlds :].reset_index(drop=True)
    headline = _headline_metrics(setup)

    rows = []
    for metric, label in labels.items():
        kind, _, subject = metric.partition(":")
        column = world_values[metric].to_numpy(dtype=np.float64)
        defined = column[np.isfinite(column)]
        point, ci_low, ci_high = _sampling(evaluation, kind, subject)
        low, median, high = (
            (float(v) for v in np.percentile(defined, [2.5, 50.0, 97.5])) if len(defined) else (math.nan,) * 3
        )
        rows.append(
            {
                "metric": metric,
                "kind": kind,
                "subject": subject,
                "label": label,
                "headline": metric in headline,
                "share": WORLD_METRIC_KINDS[kind][1],
                "point": point,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "shipped_world": float(shipped[metric]),
                "world_median": median,
                "world_low": low,
                "world_high": high,
                "worlds_defined": int(len(defined)),
            }
        )
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS)

    run_names = [("shipped", "shipped")] + [(w.name, "world") for w in drawn] + [(w.name, "scenario") for w in named]
    runs = pd.DataFrame(
        [
            {"run": name, "run_kind": kind, "metric": metric, "value": float(values.iloc[i][metric])}
            for i, (name, kind) in enumerate(run_names)
            for metric in labels
        ],
        columns=_RUN_COLUMNS,
    )

    draws = pd.DataFrame([world.values for world in drawn])
    tornado = _tornado(draws, world_values, labels, parameters, top)

    by_metric = table.set_index("metric")
    scenario_rows = []
    scenario_specs = {s.id: s for s in load_scenarios()} if scenarios else {}
    for i, world in enumerate(named):
        spec = scenario_specs[world.name]
        for metric, label in labels.items():
            value = float(scenario_values.iloc[i][metric])
            scenario_rows.append(
                {
                    "scenario": spec.id,
                    "scenario_label": spec.label,
                    "description": " ".join(spec.description.split()),
                    "metric": metric,
                    "label": label,
                    "shipped_world": float(shipped[metric]),
                    "value": value,
                    "change": value - float(shipped[metric]),
                    "world_low": float(by_metric.loc[metric, "world_low"]),
                    "world_high": float(by_metric.loc[metric, "world_high"]),
                }
            )
    settings = {
        "population": target.id,
        "worlds": worlds,
        "n": n,
        "seed": seed,
        "transport_n": transport_n,
        "transport_seed": TRANSPORT_SEED,
        "scenarios": [world.name for world in named],
    }
    return WorldAnalysis(
        table=_typed(table),
        runs=_typed(runs),
        tornado=_typed(tornado),
        scenarios=_typed(pd.DataFrame(scenario_rows, columns=_SCENARIO_COLUMNS)),
        parameters=_typed(world_distributions(target)[_PARAMETER_COLUMNS]),
        settings=settings,
    )
