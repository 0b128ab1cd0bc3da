"""The tornado figure of the sensitivity analysis: which assumed numbers move a metric most.

It draws :func:`scoring.evaluate.tornado_table` (or any table with its columns); nothing here
computes a metric.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from scoring.plots._text import wrap

__all__ = ["tornado_figure"]

#: Colour-blind-safe (Okabe-Ito): the lower setting blue, the higher one vermilion.
_SIDE_COLOURS = {"low": "#0072B2", "high": "#D55E00"}
_SIDE_NAMES = {"low": "lower setting", "high": "higher setting"}
_COLUMNS = ("label", "metric_label", "share", "baseline", "low_setting", "low_change", "high_setting", "high_change")


def _field_label(name: str) -> str:
    from scoring.contract.schema import FIELDS

    labels = {spec.name: spec.label for spec in FIELDS}
    text = str(labels.get(name, name.replace("_", " ")))
    return text[:1].lower() + text[1:]


def _what(path: str) -> str | None:
    """The moved number in words, from its path in generator.toml (None when the path is not known)."""
    parts = re.sub(r"\[(\d+)\]", r".\1", path).split(".")
    head, rest = parts[0], parts[1:]
    last = rest[-1] if rest else ""
    if head == "bfs" and rest:  # persistent benign twitching: its own row of each table
        return _what(".".join(rest))
    if head == "prior":
        return "how common this cause is"
    if head == "age":
        return {"mean": "average age", "sd": "spread of ages"}.get(last)
    if head == "sex":
        return "share of men" if rest[:1] == ["p_male"] else "share who give no sex" if last == "unspecified" else None
    if head == "duration_weeks":
        if last == "min":
            return "shortest duration"
        what = {"median": "typical duration", "sigma": "spread of durations", "weight": "weight of a duration pattern"}
        return what.get(last)
    if head in ("frequency", "severity") and last:
        return f"share with {last} twitching" if head == "frequency" else f"share with {last} severity"
    if head == "regions":
        return "twitching in more areas"
    if head == "location_weights" and last:
        return f"twitching in the {last}"
    if head == "flags" and rest:
        sign = _field_label(rest[0])
        if last == "p_onset":
            return f"share with {sign} at first notice"
        if last == "weeks":
            return f"weeks until {sign} appears"
        return f"share with {sign}"
    if head == "course":
        if rest[:1] == ["benign_persistent"]:
            return "share of benign twitching that persists"
        return {"median": "how long brief twitching lasts", "sigma": "spread of how long brief twitching lasts"}.get(
            last
        )
    if head == "asking" and rest:
        after = {"weeks": "from first notice", "prompt_delay_weeks": "from a new sign"}.get(rest[0])
        stat = {"median": "weeks", "sigma": "spread of weeks"}.get(last)
        return None if after is None or stat is None else f"{stat} {after} to asking"
    if head == "worry" and rest[:1] == ["loading"] and len(rest) > 1:
        special = {"regions": "how worry adds twitching areas", "asking": "how worry hastens asking"}
        return special.get(rest[1], f"how worry raises {_field_label(rest[1])}")
    if head == "answer_errors" and len(rest) > 1:
        kind = {"false_yes": "wrong 'yes'", "false_no": "wrong 'no'"}.get(last)
        return None if kind is None else f"{kind} to {_field_label(rest[0])}"
    if head == "caffeine_mg_per_day":
        return "typical caffeine" if last == "median" else "share over 400 mg caffeine" if last == "p_above" else None
    if head == "stress_level":
        return {"mean": "average stress", "sd": "spread of stress"}.get(last)
    if head == "sleep_hours":
        if rest[:1] == ["p_deprived"]:
            return "share sleeping too little"
        kind = {"deprived_hours": "short nights", "usual_hours": "usual nights"}.get(rest[0] if rest else "")
        stat = {"mean": "average sleep", "sd": "spread of sleep"}.get(last)
        return None if kind is None or stat is None else f"{stat} on {kind}"
    return None


def parameter_words(path: str, label: str) -> str:
    """A generator parameter in words: what the number is (from its path) and for which cause.

    The cause comes from ``label``'s closing brackets (the sensitivity table's label, e.g.
    "duration sigma (neuropathy)"); a path this function does not know keeps ``label``.

    Examples
    --------
    >>> parameter_words("duration_weeks.components.peripheral_neuropathy[0].sigma", "duration sigma (neuropathy)")
    'spread of durations (neuropathy)'
    >>> parameter_words("flags.weakness.motor_neuron_like", "weakness (MND-like)")
    'share with real weakness (MND-like)'
    >>> parameter_words("prior.central_ms_like", "cause share (MS-like)")
    'how common this cause is (MS-like)'
    >>> parameter_words("flags.weakness.motor_neuron_like.p_onset", "weakness at first notice (MND-like)")
    'share with real weakness at first notice (MND-like)'
    >>> parameter_words("answer_errors.atrophy.false_no", "atrophy false no")
    "wrong 'no' to muscle wasting"
    >>> parameter_words("bfs.flags.stiffness", "stiffness (persistent benign)")
    'share with stiff muscles (persistent benign)'
    """
    what = _what(str(path))
    if what is None:
        return str(label)
    head, sep, cause = str(label).rpartition(" (")
    # A cause with several duration patterns numbers them in the label ("..., part 2 (benign)").
    part = re.search(r", part (\d+)$", head if sep else str(label))
    if part:
        what += f", pattern {part.group(1)}"
    return f"{what} ({cause}" if sep else what


def _two_lines(label: str) -> str:
    # "share with real weakness (MND-like)" -> lines of at most 22 characters: narrow enough
    # that the bars and the axis title keep a phone's width.
    return wrap(label, 22)


def _baseline_text(value: float, share: bool) -> str:
    if not np.isfinite(value):
        return "undefined"
    return f"{value:.1%}" if share else f"{value:.3f}"


def tornado_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Horizontal bars of each parameter's change from the baseline, lower and higher setting.

    Parameters
    ----------
    table : DataFrame
        :func:`scoring.evaluate.tornado_table` for one metric: one row per parameter, largest
        move first, with ``label``, ``metric_label``, ``share``, ``baseline``,
        ``low_setting``, ``low_change``, ``high_setting`` and ``high_change``.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (lower and higher setting), the parameters top-down in the table's
        order; a share's change is drawn in percentage points. An empty table gives a figure
        that says no assumed number moved the metric.

    Raises
    ------
    ValueError
        When a column is missing (naming it) or the table holds more than one metric.
    """
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"the tornado table has no column(s) {', '.join(missing)}; pass tornado_table(...)'s result")
    metrics = list(dict.fromkeys(table["metric_label"]))
    if len(metrics) > 1:
        raise ValueError(
            f"the tornado table holds {len(metrics)} metrics ({', '.join(metrics)}); pass one metric's rows"
        )
    metric = metrics[0] if metrics else "the metric"
    share = bool(table["share"].iloc[0]) if len(table) else False
    scale = 100.0 if share else 1.0  # a share's change in percentage points
    unit = ", percentage points" if share else ""
    paths = table["parameter"] if "parameter" in table else table["label"]
    labels = [_two_lines(parameter_words(str(path), str(label))) for path, label in zip(paths, table["label"])]
    figure = go.Figure()
    for side in ("low", "high"):
        change = table[f"{side}_change"].to_numpy(dtype=float) * scale
        figure.add_bar(
            x=change,
            y=labels,
            orientation="h",
            name=_SIDE_NAMES[side],
            marker_color=_SIDE_COLOURS[side],
            customdata=table[f"{side}_setting"].to_numpy(dtype=object),
            hovertemplate="%{customdata}<br>change %{x:+.3g}" + unit.replace(",", "") + "<extra></extra>",
        )
    baseline = _baseline_text(float(table["baseline"].iloc[0]), share) if len(table) else ""
    figure.update_layout(
        barmode="group",
        # Short lines: the title must fit a phone's width.
        title=title
        or (
            "Sensitivity to assumptions<br>"
            f"<sup>{metric}{': ' + baseline if baseline else ''}<br>"
            "change when one assumed number<br>is set lower or higher</sup>"
        ),
        xaxis=dict(
            title=f"change{unit}",
            tickformat="+~g",
            zeroline=True,
            zerolinecolor="#444444",
            showgrid=True,
            gridcolor="#EEEEEE",
        ),
        yaxis=dict(autorange="reversed", automargin=True),
        plot_bgcolor="white",
        legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0),
        height=230 + 52 * max(len(table), 2),
        margin=dict(l=10, r=20, t=130, b=90),
    )
    if not len(table):
        figure.add_annotation(
            text="No assumed number moved this metric<br>at this sample size",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
        )
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    return figure
