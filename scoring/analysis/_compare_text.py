"""The comparison in words: its tables as text (``zaro compare``) and what the numbers say."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scoring.analysis._comparison import REFERENCE_MODEL, Comparison
from scoring.wording import percent

__all__ = [
    "render_comparison_text",
    "comparison_findings",
    "cause_sensitivity",
    "CAUSE_NAMES",
    "CALIBRATION_SLOPE_RANGE",
    "CALIBRATION_INTERCEPT_LIMIT",
]


def _labels(comparison: Comparison) -> tuple[str, str]:
    from scoring.engine.populations import load_population
    from scoring.engine.risk import load_outcomes

    return load_outcomes()[comparison.outcome].label, load_population(comparison.population).label


def _number(value: float, digits: int) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


def _share(value: float) -> str:
    return percent(value, 1)


#: The policy table's rates, with their headings.
_RATES = (("sensitivity", "sensitivity"), ("specificity", "specificity"), ("ppv", "PPV"), ("npv", "NPV"))


def _policy_intervals(policies: pd.DataFrame) -> dict[str, tuple[Any, Any]]:
    """Wilson 95% intervals of each policy's rates, from its counts."""
    from scoring.evaluate._metrics import wilson_interval

    n, n_outcome = policies["n"].to_numpy(), policies["n_outcome"].to_numpy()
    referred, tp = policies["n_referred"].to_numpy(), policies["n_outcome_referred"].to_numpy()
    tn = (n - n_outcome) - (referred - tp)
    counts = {
        "sensitivity": (tp, n_outcome),
        "specificity": (tn, n - n_outcome),
        "ppv": (tp, referred),
        "npv": (tn, n - referred),
    }
    return {rate: wilson_interval(successes, trials) for rate, (successes, trials) in counts.items()}


def _interval_texts(values: Any, lows: Any, highs: Any, rate: str) -> list[str]:
    digits = 2 if rate == "npv" else 1
    return [
        f"{percent(v, digits)} ({percent(lo, digits)}-{percent(hi, digits)})" if lo == lo else percent(v, digits)
        for v, lo, hi in zip(values, lows, highs)
    ]


def render_comparison_text(comparison: Comparison) -> str:
    """The comparison as plain-text tables (what ``zaro compare`` prints)."""
    c = comparison
    outcome_label, population_label = _labels(c)
    source = f"seed {c.seed}" if c.seed is not None else "the given frame"
    lines = [
        f"Risk models and policies on {c.n:,} fresh synthetic vignettes of the {c.population} population "
        f"({population_label.lower()}; {source}).",
        f"Outcome: {outcome_label.lower()} ({c.outcome}), in {c.n_outcome:,} vignettes ({percent(c.n_outcome / c.n, 2)})."
        if c.n
        else f"Outcome: {outcome_label.lower()} ({c.outcome}).",
        "",
        f"Models: the risk of a {outcome_label.lower()}, moved to the {c.population} population",
    ]
    m = c.models
    models = pd.DataFrame(
        {
            "model": m["label"],
            "AUC (95% CI)": [
                f"{_number(r.auc, 3)} ({_number(r.auc_low, 3)}-{_number(r.auc_high, 3)})" for r in m.itertuples()
            ],
            "cal. intercept": [_number(v, 2) for v in m["calibration_intercept"]],
            "cal. slope": [_number(v, 2) for v in m["calibration_slope"]],
            "Brier": [_number(v, 5) for v in m["brier"]],
            "mean risk": [percent(v, 2) for v in m["predicted_mean"]],
        }
    )
    lines += [models.to_string(index=False), ""]
    if len(m):
        lines.append(
            f"Brier score of always predicting the observed {percent(m['observed'].iloc[0], 2)}: "
            f"{_number(float(m['brier_reference'].iloc[0]), 5)}. Intervals: percentile bootstrap, "
            f"{c.resamples:,} resamples. Calibration: intercept 0 and slope 1 are ideal."
        )
        lines.append("")
    p = c.policies
    lines.append(
        f"Policies: referred (see a doctor or urgent) against a {outcome_label.lower()}, with 95% CIs (Wilson)"
    )
    names = [f"{label}{' *' if ref else ''}" for label, ref in zip(p["label"], p["reference"])]
    intervals = _policy_intervals(p)
    referral = pd.DataFrame(
        {
            "policy": names,
            **{f"{name} (95% CI)": _interval_texts(p[column], *intervals[column], column) for column, name in _RATES},
        }
    )
    lines += [referral.to_string(index=False), ""]
    missed = pd.DataFrame(
        {
            "policy": names,
            "serious referred": [f"{int(a):,} of {int(b):,}" for a, b in zip(p["n_outcome_referred"], p["n_outcome"])],
            "MN-like to self-care": [str(int(v)) for v in p["motor_neuron_like_self_care"]],
            "MS-like to self-care": [str(int(v)) for v in p["central_ms_like_self_care"]],
        }
    )
    lines += [missed.to_string(index=False), ""]
    lines.append("Share sent to each level")
    shares = pd.DataFrame(
        {
            "policy": names,
            "self-care": [_share(v) for v in p["share_self_care"]],
            "see a doctor": [_share(v) for v in p["share_see_doctor"]],
            "urgent": [_share(v) for v in p["share_urgent"]],
            "referred": [f"{int(v):,}" for v in p["n_referred"]],
        }
    )
    lines += [shares.to_string(index=False), ""]
    by_cause = cause_sensitivity(c)
    if len(by_cause):
        lines.append("Sensitivity by cause: the share of each serious cause referred (95% CI, Wilson)")
        lines.append("and how many were told self-care (95% CI of that count in a sample of this size)")
        causes = list(dict.fromkeys(by_cause["cause_label"]))
        cells: dict[str, list[str]] = {"policy": names}
        for cause in causes:
            part = by_cause[by_cause["cause_label"] == cause].set_index("policy").reindex(p.index)
            n = int(part["n"].iloc[0])
            cells[f"{cause} ({n:,})"] = [
                f"{_interval_texts([r.sensitivity], [r.sensitivity_low], [r.sensitivity_high], 'sensitivity')[0]}; "
                f"self-care {int(r.n_self_care):,} ({r.n_self_care_low:.0f}-{r.n_self_care_high:.0f})"
                if r.n
                else "n/a"
                for r in part.itertuples()
            ]
        lines += [pd.DataFrame(cells).to_string(index=False), ""]
    lines.append("MN-like: motor-neuron-like; the target for MN-like and MS-like cases sent to self-care is 0.")
    if p["reference"].any():
        lines.append("* For reference: the risk policy's thresholds on that model's risk; no person receives it.")
    lines += ["", "What the numbers say:", *[f"- {finding}" for finding in comparison_findings(c)]]
    return "\n".join(lines)


#: Short names of the serious causes in the comparison's text.
CAUSE_NAMES = {
    "motor_neuron_like": "motor-neuron-like",
    "central_ms_like": "MS-like",
    "peripheral_neuropathy": "neuropathy",
}


def cause_sensitivity(comparison: Comparison) -> pd.DataFrame:
    """Per policy and serious cause of the outcome (and all of them): the share referred and the count told self-care.

    Returns
    -------
    DataFrame
        ``policy``, ``cause``, ``cause_label``, ``n``, ``n_referred``, ``sensitivity`` with its
        Wilson 95% ``sensitivity_low`` / ``_high``, ``n_self_care`` and the interval of that
        count in a sample of this size (``n_self_care_low`` / ``_high``: ``n`` times the
        Wilson bounds of the share told self-care). Empty without per-cause counts.
    """
    from scoring.engine.risk import load_outcomes
    from scoring.evaluate._metrics import wilson_interval

    table = comparison.by_cause
    columns = ["policy", "cause", "cause_label", "n", "n_referred", "sensitivity", "sensitivity_low",
               "sensitivity_high", "n_self_care", "n_self_care_low", "n_self_care_high"]  # fmt: skip
    if not len(table):
        return pd.DataFrame(columns=columns)
    serious = list(reversed(load_outcomes()[comparison.outcome].causes))
    rows = []
    for policy, part in table.groupby("policy", sort=False):
        counts = part.set_index("latent_cause")
        for cause in [*serious, None]:
            chosen = counts.loc[[c for c in serious if c in counts.index]] if cause is None else counts.loc[[cause]]
            n = int(chosen["n"].sum())
            referred = int(chosen["see_doctor"].sum() + chosen["urgent"].sum())
            self_care = int(chosen["self_care"].sum())
            low, high = wilson_interval(referred, n)
            care_low, care_high = wilson_interval(self_care, n)
            rows.append(
                {
                    "policy": policy,
                    "cause": "all" if cause is None else cause,
                    "cause_label": "all serious" if cause is None else CAUSE_NAMES.get(cause, cause),
                    "n": n,
                    "n_referred": referred,
                    "sensitivity": referred / n if n else float("nan"),
                    "sensitivity_low": low,
                    "sensitivity_high": high,
                    "n_self_care": self_care,
                    "n_self_care_low": n * care_low if n else float("nan"),
                    "n_self_care_high": n * care_high if n else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------
# Reading the numbers out
# --------------------------------------------------------------------------------------

#: How close to ideal a calibration counts as good (assumed: the usual reading of "close to
#: 1" for a slope and of a small intercept on the log-odds scale).
CALIBRATION_SLOPE_RANGE = (0.9, 1.1)
CALIBRATION_INTERCEPT_LIMIT = 0.2
#: The share of serious causes a policy must refer to replace the guideline (assumed: missing
#: more than one in twenty is more than a triage aid should accept), with no motor-neuron-like
#: case sent to self-care.
SENSITIVITY_FLOOR = 0.95


def _well_calibrated(row: Any) -> bool:
    low, high = CALIBRATION_SLOPE_RANGE
    return bool(low <= row.calibration_slope <= high and abs(row.calibration_intercept) <= CALIBRATION_INTERCEPT_LIMIT)


def _miscalibration(row: Any) -> str:
    """What a calibration intercept and slope mean for a reader of the risks."""
    low, high = CALIBRATION_SLOPE_RANGE
    words = []
    if row.calibration_intercept > CALIBRATION_INTERCEPT_LIMIT:
        words.append("too low on average")
    elif row.calibration_intercept < -CALIBRATION_INTERCEPT_LIMIT:
        words.append("too high on average")
    if row.calibration_slope < low:
        words.append("too extreme")
    elif row.calibration_slope > high:
        words.append("not spread out enough")
    return (
        f"{row.label} (slope {row.calibration_slope:.2f}, intercept {row.calibration_intercept:+.2f}: "
        f"risks {' and '.join(words)})"
    )


def _model_findings(models: pd.DataFrame) -> list[str]:
    findings: list[str] = []
    readable = models.drop(index=[REFERENCE_MODEL], errors="ignore")
    if len(readable):
        row = readable.loc[readable["auc"].idxmax()]
        text = f"Best discrimination among the readable models: {row['label']} (AUC {row['auc']:.3f})."
        if REFERENCE_MODEL in models.index:
            flexible = models.loc[REFERENCE_MODEL]
            overlap = flexible["auc_low"] <= row["auc_high"] and row["auc_low"] <= flexible["auc_high"]
            gap = flexible["auc"] - row["auc"]
            text += (
                f" The flexible reference (gradient boosting on every answer) reaches {flexible['auc']:.3f} "
                f"({abs(gap):.3f} {'higher' if gap >= 0 else 'lower'}; "
                + ("the intervals overlap)." if overlap else "the intervals do not overlap).")
            )
        findings.append(text)
    good = [r.label for r in models.itertuples() if _well_calibrated(r)]
    poor = [_miscalibration(r) for r in models.itertuples() if not _well_calibrated(r)]
    if good:
        findings.append(f"Risks that can be read as stated in this population: {', '.join(good)}.")
    if poor:
        findings.append(f"Risks to read with care here: {'; '.join(poor)}.")
    calibrated = [r for r in readable.itertuples() if _well_calibrated(r)]
    if calibrated:
        best = max(calibrated, key=lambda r: r.auc)
        findings.append(
            f"To read a person's risk, trust the {best.label.lower()}: the best-discriminating readable "
            "model whose risks match what happened in this population."
        )
    elif len(readable):
        best = readable.loc[readable["auc"].idxmax()]
        findings.append(
            f"No readable model is well calibrated here: the {best['label'].lower()} ranks people best, "
            "but read its percentages as approximate."
        )
    return findings


def _policy_findings(policies: pd.DataFrame) -> list[str]:
    if "guideline" not in policies.index:
        return []
    findings: list[str] = []
    guideline = policies.loc["guideline"]
    safe: list[dict[str, Any]] = []
    for row in policies[~policies["reference"]].drop(index="guideline").to_dict(orient="records"):
        ratio = row["n_referred"] / guideline["n_referred"] if guideline["n_referred"] else float("nan")
        missed = int(row["motor_neuron_like_self_care"])
        findings.append(
            f"{row['label']}: refers {percent(row['share_referred'], 1)} of people "
            f"({percent(ratio, 0)} as many as the guideline's {percent(guideline['share_referred'], 1)}) "
            f"and {percent(row['sensitivity'], 1)} of serious causes (guideline {percent(guideline['sensitivity'], 1)}); "
            f"it sends {missed} motor-neuron-like and {int(row['central_ms_like_self_care'])} MS-like "
            "cases to self-care."
        )
        if row["sensitivity"] >= SENSITIVITY_FLOOR and missed == 0:
            safe.append(row)
    if safe:
        best = min(safe, key=lambda r: r["n_referred"])
        findings.append(
            f"Of the policies a person can receive, the {best['label'][0].lower() + best['label'][1:]} refers at "
            f"least {percent(SENSITIVITY_FLOOR, 0)} of serious causes, sends no motor-neuron-like case to "
            "self-care, and refers the fewest people."
        )
    else:
        findings.append(
            "Keep the guideline as the default: no risk policy refers at least "
            f"{percent(SENSITIVITY_FLOOR, 0)} of serious causes without sending a motor-neuron-like case to self-care."
        )
    return findings


def comparison_findings(comparison: Comparison) -> list[str]:
    """What the numbers say, one plain sentence each: which model to trust, and which policy.

    The sentences are drawn from the tables, never written in advance: the best readable model
    (every model but the flexible reference) by AUC and how far the flexible reference
    (gradient boosting on every answer) is from it; which models are well calibrated (slope 0.9 to 1.1, intercept within ±0.2) and
    what the others' miscalibration means; which model to trust for a person's risk (the
    best-discriminating well-calibrated readable one); for each risk policy a person can
    receive, how many people and serious causes it refers against the guideline and the
    motor-neuron-like and MS-like cases it sends to self-care; and whether any of them is safe
    enough to replace the guideline (at least 95% of serious causes referred and no
    motor-neuron-like case sent to self-care).

    Returns
    -------
    list of str
    """
    return _model_findings(comparison.models) + _policy_findings(comparison.policies)
