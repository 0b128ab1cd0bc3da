"""Interactive explorers for JupyterLab and the Voilà app, generated from the schema.

Every control comes from :data:`scoring.contract.schema.FIELDS` (its label, unit, range, allowed
values and description), and the panels and example vignettes come from
``definitions/explorer.toml``; nothing here scores anything. The widgets call
:func:`scoring.assess.assess`, :func:`scoring.analysis.explain.counterfactuals` and the figures in
:mod:`scoring.plots`, and only render what those return.

Figures are plotly ``FigureWidget`` objects updated in place (one batched message per
change) rather than rebuilt, so the page does not flicker and stays fast. FigureWidget
needs the ``anywidget`` package (the ``notebooks`` extra installs it).

Widgets are testable without a browser: setting a control's ``.value`` runs the update at
once, and the results are readable from :attr:`Explorer.assessment`, the HTML widgets'
``.value`` and the figures' data.

Examples
--------
>>> from scoring.widgets import Explorer
>>> explorer = Explorer()                                  # doctest: +SKIP
>>> explorer.controls["bulbar"].value = True               # doctest: +SKIP
>>> explorer.assessment.recommendation.value               # doctest: +SKIP
'urgent'
"""

from __future__ import annotations

import html
import math
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from scoring._paths import DEFINITIONS_DIR
from scoring.contract.recommendation import Recommendation, values_to_levels
from scoring.contract.schema import FIELDS, FieldSpec, VignetteError, validate_vignette
from scoring.wording import NOTICE

__all__ = [
    "Preset",
    "presets",
    "start_preset",
    "sections",
    "MultiCheckbox",
    "NumberSlider",
    "IntNumberSlider",
    "build_control",
    "Explorer",
    "SweepExplorer",
    "DisagreementPager",
    "disagreement_case_html",
    "recommendation_html",
    "notice_html",
    "vignette_html",
]

EXPLORER_FILE = DEFINITIONS_DIR / "explorer.toml"

# Labels wide enough to read in full: ipywidgets truncates descriptions at 80 px otherwise.
_STYLE = {"description_width": "initial"}
# ipywidgets' HTML widget inherits a tall line height meant for one-line labels.
_TEXT = "line-height:1.45;white-space:normal"

# Dark backgrounds with white text keep a contrast ratio above 7:1 (WCAG AAA for text).
_BANNER_COLOURS = {
    Recommendation.SELF_CARE: "#1b5e20",
    Recommendation.SEE_DOCTOR: "#7a4100",
    Recommendation.URGENT: "#8b0000",
}


# --------------------------------------------------------------------------------------
# Layout and presets, as data
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """An example vignette offered as a button.

    Attributes
    ----------
    preset_id : str
    label : str
        The button text.
    description : str
        The button's tooltip: who this person is, in one sentence.
    values : dict
        A partial vignette; fields left out take their contract defaults.
    """

    preset_id: str
    label: str
    description: str
    values: Mapping[str, Any]

    def vignette(self):
        """The preset as a validated :class:`scoring.contract.schema.Vignette`."""
        return validate_vignette(dict(self.values))


@lru_cache(maxsize=1)
def _explorer_definitions() -> dict[str, Any]:
    with open(EXPLORER_FILE, "rb") as handle:
        return tomllib.load(handle)


def presets() -> dict[str, Preset]:
    """The example vignettes from ``explorer.toml``, keyed by id, in file order."""
    return {
        entry["id"]: Preset(entry["id"], entry["label"], entry["description"], entry["vignette"])
        for entry in _explorer_definitions()["preset"]
    }


def start_preset() -> Preset:
    """The preset the explorer opens with and returns to on Reset."""
    return presets()[_explorer_definitions()["start"]]


def sections() -> list[tuple[str, tuple[FieldSpec, ...]]]:
    """Panels of fields as ``(title, specs)``; fields no panel names go into a last 'Other'."""
    by_name = {spec.name: spec for spec in FIELDS}
    result = []
    placed: set[str] = set()
    for entry in _explorer_definitions()["section"]:
        specs = tuple(by_name[name] for name in entry["fields"] if name in by_name)
        placed.update(spec.name for spec in specs)
        result.append((entry["title"], specs))
    rest = tuple(spec for spec in FIELDS if spec.name not in placed)
    if rest:
        result.append(("Other", rest))
    return result


# --------------------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------------------


class MultiCheckbox(widgets.VBox):
    """A labelled group of checkboxes whose ``value`` is the tuple of checked options.

    It behaves like the other controls (``.value``, ``.observe(..., "value")``), but unlike
    ``SelectMultiple`` needs no Ctrl-click and every option is a real, labelled checkbox
    that the keyboard reaches with Tab and toggles with Space.
    """

    value = traitlets.Tuple()

    def __init__(
        self,
        options: Iterable[str],
        value: Iterable[str] = (),
        *,
        description: str = "",
        tooltip: str | None = None,
        **kwargs: Any,
    ):
        self.options = tuple(options)
        self.description = description
        self.checkboxes = {
            option: widgets.Checkbox(
                value=False,
                description=option.capitalize(),
                indent=False,
                tooltip=tooltip,
                layout=widgets.Layout(width="auto", margin="0 1.2em 0 0"),
            )
            for option in self.options
        }
        heading = widgets.HTML(f"<span class='zaro-group-label'>{html.escape(description)}</span>")
        grid = widgets.Box(
            list(self.checkboxes.values()),
            layout=widgets.Layout(display="flex", flex_flow="row wrap"),
        )
        # The tooltip goes on each checkbox, not on the box: ipywidgets' front-end fails to
        # draw a Box that has a tooltip ("Cannot read properties of undefined").
        super().__init__([heading, grid], **kwargs)
        self._syncing = False
        for box in self.checkboxes.values():
            box.observe(self._from_boxes, "value")
        self.value = tuple(value)

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> tuple[str, ...]:
        chosen = set(proposal["value"])
        unknown = chosen.difference(self.options)
        if unknown:
            raise traitlets.TraitError(
                f"{self.description}: unknown option(s) {sorted(unknown)}; allowed: {list(self.options)}"
            )
        return tuple(option for option in self.options if option in chosen)

    @traitlets.observe("value")
    def _to_boxes(self, change: Any) -> None:
        self._syncing = True
        try:
            for option, box in self.checkboxes.items():
                box.value = option in change["new"]
        finally:
            self._syncing = False

    def _from_boxes(self, change: Any) -> None:
        if not self._syncing:
            self.value = tuple(option for option, box in self.checkboxes.items() if box.value)


_SLIDER_ESM = """
function render({ model, el }) {
  const id = "zaro-slider-" + Math.random().toString(36).slice(2);
  const row = document.createElement("div");
  row.className = "zaro-slider";
  const label = document.createElement("label");
  label.htmlFor = id;
  const input = document.createElement("input");
  input.type = "range";
  input.id = id;
  const output = document.createElement("output");
  output.htmlFor = id;
  row.append(label, input, output);
  el.append(row);

  const decimals = () => (Number.isInteger(model.get("step")) ? 0 : 1);
  const spoken = (value) => {
    const unit = model.get("unit");
    return value.toFixed(decimals()) + (unit ? " " + unit : "");
  };
  const show = (value) => {
    output.textContent = spoken(value);
    input.setAttribute("aria-valuetext", spoken(value));
  };
  const sync = () => {
    label.textContent = model.get("description");
    input.title = row.title = model.get("tooltip") || "";
    input.min = model.get("min");
    input.max = model.get("max");
    input.step = model.get("step");
    input.value = model.get("value");
    show(model.get("value"));
  };
  // The readout follows the thumb at once; the kernel hears only the final value
  // (like ipywidgets' continuous_update=False), so one move costs one assessment.
  input.addEventListener("input", () => show(input.valueAsNumber));
  input.addEventListener("change", () => {
    model.set("value", input.valueAsNumber);
    model.save_changes();
  });
  model.on("change", sync);
  sync();
  return () => model.off("change", sync);
}
export default { render };
"""

_SLIDER_CSS = """
.zaro-slider { display: flex; align-items: center; gap: 0.6em; margin: 0.25em 0; }
.zaro-slider label { min-width: 9.5em; }
.zaro-slider input[type=range] { width: 14rem; }
.zaro-slider output { min-width: 6.5em; font-variant-numeric: tabular-nums; }
.zaro-slider input[type=range]:focus-visible { outline: 2px solid #1a4f9c; outline-offset: 2px; }
"""


class NumberSlider(anywidget.AnyWidget):
    """A labelled slider for a number field, built on the browser's own range input.

    ipywidgets' ``FloatSlider`` draws its handle as a ``div`` with ``role="slider"`` that no
    label names, so screen readers announce a nameless slider (axe-core: serious). This
    control uses ``<label for>`` + ``<input type="range">`` + ``<output>``: named, reachable
    with Tab, moved with the arrow keys, and the value is spoken with its unit.

    It behaves like the ipywidgets sliders from Python: ``.value``, ``.min``, ``.max``,
    ``.step``, ``.description``, ``.tooltip``, ``.observe(handler, "value")``.
    """

    _esm = _SLIDER_ESM
    _css = _SLIDER_CSS
    value = traitlets.CFloat(0.0).tag(sync=True)
    min = traitlets.CFloat(0.0).tag(sync=True)
    max = traitlets.CFloat(100.0).tag(sync=True)
    step = traitlets.CFloat(1.0).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)
    unit = traitlets.Unicode("").tag(sync=True)

    @traitlets.validate("value")
    def _clip(self, proposal: Any) -> float:
        # Like ipywidgets' bounded sliders: a value outside the range is pulled into it.
        return min(max(float(proposal["value"]), self.min), self.max)


class _RoundedInt(traitlets.CInt):
    """An int trait that rounds (CInt alone truncates: 41.6 would become 41)."""

    def validate(self, obj: Any, value: Any) -> int:
        return super().validate(obj, round(float(value)))


class IntNumberSlider(NumberSlider):
    """A :class:`NumberSlider` for whole numbers: ``.value`` is an ``int``."""

    value = _RoundedInt(0).tag(sync=True)

    @traitlets.validate("value")
    def _clip(self, proposal: Any) -> int:
        return int(min(max(round(proposal["value"]), self.min), self.max))


def _label(spec: FieldSpec) -> str:
    return f"{spec.label} ({spec.unit})" if spec.unit else spec.label


def build_control(spec: FieldSpec, value: Any) -> widgets.Widget:
    """One input widget for a contract field, labelled, with the field's description as tooltip.

    Parameters
    ----------
    spec : FieldSpec
        The field (from :data:`scoring.contract.schema.FIELDS`).
    value
        The initial value.

    Returns
    -------
    ipywidgets.Widget
        An :class:`IntNumberSlider`/:class:`NumberSlider` (unit in the label), a
        ``Checkbox`` (yes/no), horizontal ``RadioButtons`` (one category) or a
        :class:`MultiCheckbox` (locations).
    """
    common = {"description": _label(spec), "tooltip": spec.description}
    if spec.kind == "multi_category":
        return MultiCheckbox(spec.allowed, value, **common)
    if spec.is_numeric:
        return _number_slider(spec, value, common)
    common["style"] = _STYLE
    if spec.kind == "bool":
        return widgets.Checkbox(value=bool(value), indent=False, **common)
    if spec.kind == "category":
        # Radio buttons: every option visible, real inputs that screen readers announce.
        return widgets.RadioButtons(
            options=[(option.capitalize(), option) for option in spec.allowed],
            value=value,
            orientation="horizontal",
            **common,
        )


def _number_slider(spec: FieldSpec, value: Any, common: dict[str, Any]) -> NumberSlider:
    slider = IntNumberSlider if spec.kind == "int" else NumberSlider
    step = _explorer_definitions().get("steps", {}).get(spec.name, 1)
    # The unit is spoken with the value (e.g. "650 mg/day"); "0-10" is a scale, not a unit.
    unit = spec.unit if spec.unit and spec.unit != "0-10" else ""
    return slider(min=spec.min, max=spec.max, step=step, value=value, unit=unit, **common)


# --------------------------------------------------------------------------------------
# Rendering helpers (strings)
# --------------------------------------------------------------------------------------


def notice_html() -> str:
    """The educational-use notice as an HTML block."""
    return (
        "<div class='zaro-notice' role='note' style='border-left:4px solid #555;"
        f"padding:0.4em 0.8em;background:#f4f4f4;color:#111;{_TEXT}'>"
        f"<strong>Notice.</strong> {html.escape(NOTICE)}</div>"
    )


def recommendation_html(assessment) -> str:
    """The combined recommendation and its advice as a coloured banner (all text escaped)."""
    recommendation = assessment.recommendation
    colour = _BANNER_COLOURS[recommendation]
    red_flags = ""
    if assessment.card.red_flags:
        red_flags = (
            "<div>Red flag: " + "; ".join(html.escape(flag.label) for flag in assessment.card.red_flags) + "</div>"
        )
    return (
        f"<div class='zaro-recommendation' data-recommendation='{recommendation.value}' "
        f"role='status' aria-live='polite' style='background:{colour};color:#fff;"
        f"padding:0.6em 0.9em;border-radius:4px;{_TEXT}'>"
        f"<div style='font-size:1.3em;font-weight:bold'>{html.escape(recommendation.label)}</div>"
        f"{red_flags}<div>{html.escape(assessment.advice)}</div></div>"
    )


def vignette_html(values: Mapping[str, Any]) -> str:
    """A vignette's answers as a two-column table of field labels and values (escaped)."""
    rows = []
    for spec in FIELDS:
        value = values.get(spec.name)
        if spec.kind == "bool":
            text = "yes" if value else "no"
        elif spec.kind == "multi_category":
            text = ", ".join(value) if value else "(none)"
        elif spec.is_numeric:
            text = f"{value:g}" + (f" {spec.unit}" if spec.unit and spec.unit != "0-10" else "")
        else:
            text = str(value)
        rows.append(
            f"<tr><th scope='row' style='text-align:left;padding-right:1em'>"
            f"{html.escape(spec.label)}</th><td>{html.escape(text)}</td></tr>"
        )
    return f"<table class='zaro-vignette' style='{_TEXT}'>{''.join(rows)}</table>"


def _error_html(message: str) -> str:
    return (
        "<div class='zaro-recommendation zaro-error' data-recommendation='' role='alert' "
        f"style='border:2px solid #8b0000;color:#111;background:#fff;padding:0.6em 0.9em;{_TEXT}'>"
        f"<strong>Cannot assess these answers.</strong> {html.escape(message)}</div>"
    )


def agreement_html(assessment) -> str:
    """Whether the points card and the tree agree, and if not, why (escaped HTML)."""
    card = assessment.card
    chance = ""
    if card.probability is not None and math.isfinite(card.probability):
        chance = f"; {card.probability:.0%} chance of needing review"
    parts = [
        f"Points card: <strong>{html.escape(card.recommendation.label)}</strong> "
        f"({card.points_total:+d} points, band '{html.escape(card.band.name)}'{chance})."
    ]
    if assessment.tree is None:
        parts.append("No decision tree loaded: the card's recommendation stands.")
    else:
        parts.append(f"Decision tree: <strong>{html.escape(assessment.tree.recommendation.label)}</strong>.")
        if assessment.agree:
            parts.append("The card and the tree agree.")
        else:
            parts.append(
                "They differ, and zaro follows the more cautious of the two: "
                + html.escape(assessment.disagreement or "")
                + "."
            )
    return f"<p class='zaro-agreement' style='{_TEXT}'>" + " ".join(parts) + "</p>"


def tree_path_html(tree_view, problem: str | None = None) -> str:
    """The tree's path for one vignette as an ordered list, ending at the leaf."""
    if tree_view is None:
        reason = f" ({html.escape(problem)})" if problem else ""
        return f"<p>No decision tree loaded{reason}: the points card decides alone.</p>"
    steps = "".join(f"<li>{html.escape(step.text)}</li>" for step in tree_view.path)
    probabilities = ", ".join(
        f"{html.escape(Recommendation(key).label)} {value:.0%}" for key, value in tree_view.probabilities.items()
    )
    return (
        f"<ol class='zaro-tree-path' style='{_TEXT}'>{steps}<li><strong>Leaf {tree_view.leaf_id}: "
        f"{html.escape(tree_view.recommendation.label)}</strong> "
        f"({tree_view.leaf_samples} training vignettes; {probabilities})</li></ol>"
    )


def counterfactuals_html(items) -> str:
    """Counterfactuals (the smallest changes that move the recommendation) as a list."""
    if not items:
        return (
            f"<p class='zaro-counterfactuals' style='{_TEXT}'>"
            "No small change to these answers moves the recommendation.</p>"
        )
    rows = "".join(f"<li>{html.escape(item.text)}</li>" for item in items)
    return f"<ul class='zaro-counterfactuals' style='{_TEXT}'>{rows}</ul>"


def _heading(text: str, level: int = 2) -> widgets.HTML:
    # Level 2 under the notebook's level-1 title: screen-reader users jump between them.
    return widgets.HTML(f"<h{level} style='margin:0.6em 0 0.2em;font-size:1.15em'>{html.escape(text)}</h{level}>")


def update_figure_widget(target, source) -> None:
    """Copy a freshly built figure's traces and layout into a FigureWidget, in place.

    One ``batch_update`` sends a single message to the front-end. When the traces keep
    their number and types, they are updated property by property; otherwise they are
    replaced (still inside the same FigureWidget, so the view is not recreated).
    """
    layout = source.layout.to_plotly_json()
    # Re-validating plotly's template costs ~10 ms per update, far more than the data.
    # The figures in scoring.plots share one template, so it is copied on the first fill
    # only (when the target has no traces yet).
    if target.data:
        layout.pop("template", None)
    with target.batch_update():
        same_shape = len(target.data) == len(source.data) and all(
            old.type == new.type for old, new in zip(target.data, source.data)
        )
        if same_shape:
            for old, new in zip(target.data, source.data):
                properties = _cleared(old.to_plotly_json(), new.to_plotly_json())
                properties.pop("type", None)
                properties.pop("uid", None)
                old.update(properties, overwrite=True)
        else:
            target.data = ()
            target.add_traces(list(source.data))
        target.layout.update(_cleared(target.layout.to_plotly_json(), layout), overwrite=True)


def _cleared(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new``, plus ``None`` for top-level properties only ``current`` has.

    ``update(overwrite=True)`` replaces the properties it is given and leaves the rest, so
    a red-flag annotation would outlive the red flag without this.
    """
    stale = {key: None for key in current if key not in new and key != "template"}
    return {**stale, **new}


# --------------------------------------------------------------------------------------
# The explorer
# --------------------------------------------------------------------------------------


class Explorer:
    """An interactive vignette explorer: one control per contract field, live explanations.

    Parameters
    ----------
    vignette : Vignette, dict, optional
        Where to start; the ``start`` preset of ``explorer.toml`` by default.
    card : Card or str, optional
        The points card (default: the shipped card).
    tree : TreeModel, "default" or None
        The decision tree: the shipped one by default; ``None`` for the card alone. When
        the shipped tree cannot be loaded, the explorer says so and shows the card alone.
    counterfactuals : bool
        Whether to list the smallest changes that would move the recommendation.
    notice : bool
        Whether the explorer shows the educational-use notice itself. Turn it off only
        where the page already shows it next to the explorer (the notebooks' first cell).

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        One control per contract field, keyed by field name.
    preset_buttons : dict of str to ipywidgets.Button
    reset_button : ipywidgets.Button
    recommendation : ipywidgets.HTML
        The combined recommendation and advice (or a message when the answers are invalid).
    agreement : ipywidgets.HTML
    waterfall : plotly.graph_objects.FigureWidget
        The points breakdown, updated in place.
    tree_path : ipywidgets.HTML
    counterfactual_list : ipywidgets.HTML
    widget : ipywidgets.VBox
        The whole explorer; displaying the Explorer displays this.
    update_ms : list of float
        Wall time of each update, in milliseconds (assess, explain and redraw).
    """

    def __init__(
        self,
        vignette: Any = None,
        *,
        card: Any = None,
        tree: Any = "default",
        counterfactuals: bool = True,
        notice: bool = True,
    ):
        from scoring.engine.card import load_card

        self.card = load_card() if card is None else load_card(card)
        self.tree, self.tree_problem = _resolve_tree(tree)
        self.show_counterfactuals = counterfactuals
        self.show_notice = notice
        start = start_preset().vignette() if vignette is None else validate_vignette(vignette)
        self._start = start
        self.assessment = None
        self.error: str | None = None
        self.update_ms: list[float] = []
        self._holding = False

        values = start.to_dict()
        self.controls: dict[str, widgets.Widget] = {
            spec.name: build_control(spec, values[spec.name]) for spec in FIELDS
        }
        for control in self.controls.values():
            control.observe(self._on_change, "value")

        self.preset_buttons = {
            preset.preset_id: widgets.Button(
                description=preset.label,
                tooltip=preset.description,
                layout=widgets.Layout(width="auto"),
            )
            for preset in presets().values()
        }
        for preset_id, button in self.preset_buttons.items():
            button.on_click(lambda _button, preset_id=preset_id: self.apply_preset(preset_id))
        self.reset_button = widgets.Button(
            description="Reset",
            icon="undo",
            button_style="",
            tooltip="Back to the starting example, every other answer at its default",
            layout=widgets.Layout(width="auto"),
        )
        self.reset_button.on_click(lambda _button: self.reset())

        self.recommendation = widgets.HTML()
        self.agreement = widgets.HTML()
        self.tree_path = widgets.HTML()
        self.counterfactual_list = widgets.HTML()
        # Created by the first update, from its figure: see _show_figure.
        self.waterfall = None
        self.update()
        self.widget = self._layout()

    # -- state -------------------------------------------------------------------------

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values as a vignette dict (not validated)."""
        values = {name: control.value for name, control in self.controls.items()}
        values["locations"] = list(values["locations"])
        return values

    @property
    def vignette(self):
        """The current answers as a validated Vignette (raises VignetteError if invalid)."""
        return validate_vignette(self.values)

    def set_vignette(self, vignette: Any) -> None:
        """Set every control from a vignette (a Vignette or a dict), then update once."""
        values = validate_vignette(vignette).to_dict()
        self._holding = True
        try:
            for name, control in self.controls.items():
                value = values[name]
                control.value = tuple(value) if isinstance(value, list) else value
        finally:
            self._holding = False
        self.update()

    def apply_preset(self, preset_id: str) -> None:
        """Load one of the example vignettes (see :func:`presets`)."""
        self.set_vignette(presets()[preset_id].vignette())

    def reset(self) -> None:
        """Back to the starting vignette, every other field at its default."""
        self.set_vignette(self._start)

    # -- updates -----------------------------------------------------------------------

    def _on_change(self, _change: Any) -> None:
        if not self._holding:
            self.update()

    def update(self) -> None:
        """Assess the current answers and redraw every output."""
        from scoring.assess import assess
        from scoring.plots import points_waterfall_figure

        started = time.perf_counter()
        try:
            vignette = self.vignette
        except VignetteError as exc:
            self.assessment = None
            self.error = _friendly_error(exc)
            self.recommendation.value = _error_html(self.error)
            self.agreement.value = ""
            self.tree_path.value = ""
            self.counterfactual_list.value = ""
            return
        self.error = None
        assessment = assess(vignette, card=self.card, tree=self.tree)
        self.assessment = assessment
        self.recommendation.value = recommendation_html(assessment)
        self.agreement.value = agreement_html(assessment)
        self.tree_path.value = tree_path_html(assessment.tree, self.tree_problem)
        self.waterfall = _show_figure(self.waterfall, points_waterfall_figure(assessment.card))
        if self.show_counterfactuals:
            from scoring.analysis.explain import counterfactuals

            found = counterfactuals(vignette, card=self.card, tree=self.tree)
            self.counterfactual_list.value = counterfactuals_html(found)
        self.update_ms.append((time.perf_counter() - started) * 1000)

    # -- layout ------------------------------------------------------------------------

    def _layout(self) -> widgets.VBox:
        panels = []
        for title, specs in sections():
            panels.append(_heading(title))
            panels.extend(self.controls[spec.name] for spec in specs)
        inputs = widgets.VBox(panels, layout=widgets.Layout(width="30rem", min_width="22rem"))

        outputs_children = [
            _heading("Recommendation"),
            self.recommendation,
            self.agreement,
            _heading("Points card"),
            self.waterfall,
            _heading("Decision tree path"),
            self.tree_path,
        ]
        if self.show_counterfactuals:
            outputs_children += [_heading("What would change it"), self.counterfactual_list]
        outputs = widgets.VBox(outputs_children, layout=widgets.Layout(flex="1 1 30rem", min_width="22rem"))

        presets_row = widgets.HBox(
            [widgets.HTML("<span>Examples:</span>"), *self.preset_buttons.values(), self.reset_button],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        body = widgets.Box(
            [inputs, outputs],
            layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start"),
        )
        return widgets.VBox(
            # No title here: the notebook's first Markdown cell is the page's heading.
            ([widgets.HTML(notice_html())] if self.show_notice else []) + [presets_row, body],
            layout=widgets.Layout(max_width="80rem"),
        )

    # -- display -----------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def show(self, interactive: bool = True) -> None:
        """Display the live explorer, or (``interactive=False``) a static rendering of it.

        The static form, for reports, shows the notice, the recommendation, the card/tree
        comparison, the tree path and the counterfactuals as HTML and the points breakdown
        with ``fig.show()``, so the report's plotly renderer decides how it is embedded.
        """
        from IPython.display import HTML, display

        if interactive:
            display(self.widget)
            return
        import plotly.graph_objects as go

        notice = notice_html() if self.show_notice else ""
        display(
            HTML(
                notice
                + "<h2>The answers</h2>"
                + vignette_html(self.values)
                + "<h2>Recommendation</h2>"
                + self.recommendation.value
                + self.agreement.value
            )
        )
        go.Figure(self.waterfall).show()
        display(HTML("<h3>Decision tree path</h3>" + self.tree_path.value))
        if self.show_counterfactuals:
            display(HTML("<h3>What would change it</h3>" + self.counterfactual_list.value))


def _resolve_tree(tree: Any) -> tuple[Any, str | None]:
    """The tree to use and, when the shipped one could not be loaded, why not."""
    if not (isinstance(tree, str) and tree == "default"):
        return tree, None
    from scoring.engine.tree import resolve_tree

    try:
        return resolve_tree(tree), None
    except (FileNotFoundError, OSError) as exc:
        return None, str(exc)


def _show_figure(widget, figure):
    """Update ``widget`` in place from ``figure``; the first time, create it from ``figure``.

    A FigureWidget must hold its first traces from construction: traces added later, but
    before the browser has loaded plotly's (large) front-end module, can be lost in Voilà,
    which leaves an empty plot with the right title.
    """
    if widget is None:
        # Imported here so that `import scoring.widgets` works without anywidget; plotly
        # then explains what is missing when the first figure is built.
        import plotly.graph_objects as go

        return go.FigureWidget(figure)
    update_figure_widget(widget, figure)
    return widget


def _friendly_error(error: VignetteError) -> str:
    messages = []
    for problem in error.errors:
        if problem.field == "locations":
            messages.append("Tick at least one body area under 'Where'.")
        else:
            messages.append(problem.message)
    return " ".join(messages)


# --------------------------------------------------------------------------------------
# What if: one field swept across its values
# --------------------------------------------------------------------------------------


class SweepExplorer:
    """Pick an example and a field; see how points, tree and recommendation move across it.

    Parameters
    ----------
    preset : str
        The example vignette to start from (an id of :func:`presets`).
    field : str, optional
        The field to vary; by default the one whose change moves this vignette's assessment
        most (:func:`scoring.analysis.explain.most_influential_field`).
    vignette : Vignette or dict, optional
        Your own vignette instead of a preset; it appears first in the example list.
    card, tree
        As for :func:`scoring.assess.assess`.

    Attributes
    ----------
    example, field : ipywidgets.Dropdown
    summary : ipywidgets.HTML
        Which field matters most for this vignette, and the smallest changes that move it.
    figure : plotly.graph_objects.FigureWidget
        :func:`scoring.plots.sweep_figure` of the current sweep, updated in place.
    table : pandas.DataFrame
        The current sweep (:func:`scoring.analysis.explain.sweep`).
    widget : ipywidgets.VBox
    """

    _CUSTOM = "__vignette__"

    def __init__(
        self,
        preset: str = "borderline",
        field: str | None = None,
        *,
        vignette: Any = None,
        card: Any = None,
        tree: Any = "default",
    ):
        from scoring.engine.card import load_card

        self.card = load_card() if card is None else load_card(card)
        self.tree, _ = _resolve_tree(tree)
        self._custom = None if vignette is None else validate_vignette(vignette)
        options = [(p.label, p.preset_id) for p in presets().values()]
        if self._custom is not None:
            options.insert(0, ("Your vignette", self._CUSTOM))
            preset = self._CUSTOM
        if preset not in dict((value, label) for label, value in options):
            raise ValueError(f"preset: unknown example {preset!r}; choose one of {[v for _, v in options]}")
        self.example = widgets.Dropdown(
            options=options, value=preset, description="Example", style=_STYLE, tooltip="The vignette to start from"
        )
        start = self.vignette
        if field is None:
            field = self._most_influential(start).field
        self.field = widgets.Dropdown(
            options=[(spec.label, spec.name) for spec in FIELDS],
            value=field,
            description="Field to vary",
            style=_STYLE,
            tooltip="The answer swept across its values",
        )
        self.summary = widgets.HTML()
        self.figure = None
        self.table = None
        self.update()
        self.example.observe(lambda _change: self.update(), "value")
        self.field.observe(lambda _change: self.update(), "value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.example, self.field], layout=widgets.Layout(flex_flow="row wrap")),
                self.summary,
                self.figure,
            ]
        )

    @property
    def vignette(self):
        """The vignette being explored."""
        if self.example.value == self._CUSTOM:
            return self._custom
        return presets()[self.example.value].vignette()

    def _most_influential(self, vignette):
        from scoring.analysis.explain import most_influential_field

        return most_influential_field(vignette, card=self.card, tree=self.tree)

    def update(self) -> None:
        """Sweep the chosen field for the chosen vignette and redraw."""
        from scoring.analysis.explain import counterfactuals, sweep
        from scoring.plots import sweep_figure

        vignette = self.vignette
        self.table = sweep(vignette, self.field.value, card=self.card, tree=self.tree)
        self.figure = _show_figure(self.figure, sweep_figure(self.table))
        influence = self._most_influential(vignette)
        found = counterfactuals(vignette, card=self.card, tree=self.tree)
        self.summary.value = (
            f"<div style='{_TEXT}'><p>Most influential answer for this vignette: "
            f"{html.escape(influence.text)}</p>"
            "<p>Smallest changes that move the recommendation:</p>"
            f"{counterfactuals_html(found)}</div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def show(self, interactive: bool = True) -> None:
        """Display the live widget, or (``interactive=False``) the summary and a static figure."""
        from IPython.display import HTML, display

        if interactive:
            display(self.widget)
            return
        import plotly.graph_objects as go

        display(HTML(self.summary.value))
        go.Figure(self.figure).show()


# --------------------------------------------------------------------------------------
# Card against tree: paging through the cases where they differ
# --------------------------------------------------------------------------------------


#: Columns of :attr:`DisagreementPager.cases` shown in the static table.
DISAGREEMENT_COLUMNS = (
    "vignette_id",
    "card_recommendation",
    "points_total",
    "tree_recommendation",
    "triage",
    "latent_cause",
    "narrative",
)


class DisagreementPager:
    """Page through vignettes where the points card and the tree recommend differently.

    Parameters
    ----------
    cases : pandas.DataFrame
        Scored vignettes (the ``scored`` frame of :func:`scoring.assess.assess_frame`) where
        ``card_recommendation`` differs from ``tree_recommendation``; see
        :meth:`from_frame` and :meth:`from_sample`.
    card, tree
        As for :func:`scoring.assess.assess`; used to explain each case.

    Attributes
    ----------
    cases : pandas.DataFrame
    which : ipywidgets.Dropdown
        All disagreements, or only those where the tree (or the card) is more cautious.
    position : ipywidgets.BoundedIntText
        The case shown, counting from 1.
    previous_button, next_button : ipywidgets.Button
    case : ipywidgets.HTML
        The case: its narrative, both models' reasons, the reference label.
    widget : ipywidgets.VBox
    """

    _FILTERS = {
        "all": "All disagreements",
        "tree_higher": "Tree more cautious than the card",
        "card_higher": "Card more cautious than the tree",
    }

    def __init__(self, cases: Any, *, card: Any = None, tree: Any = "default"):
        from scoring.engine.card import load_card

        self.card = load_card() if card is None else load_card(card)
        self.tree, _ = _resolve_tree(tree)
        self.cases = cases.reset_index(drop=True)
        self.which = widgets.Dropdown(
            options=[(label, key) for key, label in self._FILTERS.items()],
            value="all",
            description="Show",
            style=_STYLE,
            tooltip="Which disagreements to page through",
        )
        self.position = widgets.BoundedIntText(
            value=1,
            min=1,
            max=max(1, len(self.cases)),
            description="Case number",
            style=_STYLE,
            layout=widgets.Layout(width="12rem"),
            tooltip="Type a case number to jump to it",
        )
        self.previous_button = widgets.Button(
            description="Previous", icon="arrow-left", tooltip="The previous case", layout=widgets.Layout(width="auto")
        )
        self.next_button = widgets.Button(
            description="Next", icon="arrow-right", tooltip="The next case", layout=widgets.Layout(width="auto")
        )
        self.count = widgets.HTML()
        self.case = widgets.HTML()
        self.previous_button.on_click(lambda _button: self.step(-1))
        self.next_button.on_click(lambda _button: self.step(1))
        self.position.observe(lambda _change: self.update(), "value")
        self.which.observe(self._on_filter, "value")
        self.update()
        self.widget = widgets.VBox(
            [
                widgets.HBox(
                    [self.which, self.previous_button, self.position, self.next_button, self.count],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.case,
            ]
        )

    # -- building ------------------------------------------------------------------------

    @classmethod
    def from_frame(cls, frame: Any, *, card: Any = None, tree: Any = "default") -> DisagreementPager:
        """Assess a frame of vignettes and keep the rows where card and tree differ."""
        from scoring.assess import assess_frame

        the_tree, problem = _resolve_tree(tree)
        if the_tree is None:
            raise ValueError(f"a disagreement pager needs a tree ({problem or 'tree=None'})")
        scored = assess_frame(frame, card=card, tree=the_tree).scored
        differ = scored["card_recommendation"].astype(str) != scored["tree_recommendation"].astype(str)
        return cls(scored[differ.to_numpy()], card=card, tree=the_tree)

    @classmethod
    def from_sample(
        cls, n: int | None = None, seed: int | None = None, *, card: Any = None, tree: Any = "default"
    ) -> DisagreementPager:
        """Draw a fresh synthetic sample (the comparison's defaults) and keep the disagreements."""
        from scoring.analysis.compare import DEFAULT_COMPARE_N, DEFAULT_COMPARE_SEED
        from scoring.engine.synth import generate_vignettes

        frame = generate_vignettes(
            DEFAULT_COMPARE_N if n is None else n, seed=DEFAULT_COMPARE_SEED if seed is None else seed
        )
        return cls.from_frame(frame, card=card, tree=tree)

    # -- state ---------------------------------------------------------------------------

    def selected(self) -> Any:
        """The cases the filter keeps."""
        if self.which.value == "all" or self.cases.empty:
            return self.cases
        card = values_to_levels(self.cases["card_recommendation"].astype(str).to_numpy())
        tree = values_to_levels(self.cases["tree_recommendation"].astype(str).to_numpy())
        keep = tree > card if self.which.value == "tree_higher" else card > tree
        return self.cases[keep]

    def table(self, limit: int | None = None) -> Any:
        """The selected cases as a table of their key columns (first ``limit`` rows)."""
        columns = [c for c in DISAGREEMENT_COLUMNS if c in self.cases.columns]
        shown = self.selected()[columns]
        return shown if limit is None else shown.head(limit)

    def step(self, offset: int) -> None:
        """Move ``offset`` cases forward (negative: back), staying within the selection."""
        self.position.value = min(max(1, self.position.value + offset), self.position.max)

    def _on_filter(self, _change: Any) -> None:
        self.position.max = max(1, len(self.selected()))
        if self.position.value == 1:
            self.update()
        else:
            self.position.value = 1  # the observer redraws

    def update(self) -> None:
        """Redraw the case at the current position."""
        selected = self.selected()
        total = len(selected)
        self.count.value = f"<span>of {total}</span>"
        self.previous_button.disabled = self.position.value <= 1
        self.next_button.disabled = self.position.value >= total
        if total == 0:
            self.case.value = f"<p style='{_TEXT}'>No cases here: card and tree agree on all of them.</p>"
            return
        row = selected.iloc[self.position.value - 1]
        self.case.value = disagreement_case_html(row, card=self.card, tree=self.tree)

    # -- display -------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def show(self, interactive: bool = True, limit: int = 12) -> None:
        """Display the pager, or (``interactive=False``) a table of the first ``limit`` cases."""
        from IPython.display import HTML, display

        if interactive:
            display(self.widget)
            return
        # to_html keeps whole narratives, where a DataFrame's notebook view cuts them short.
        table = self.table(limit).to_html(index=False, escape=True, justify="left", border=0)
        display(
            HTML(
                f"<p>{len(self.cases)} vignettes where card and tree differ; the first "
                f"{min(limit, len(self.cases))} are listed.</p>{table}"
            )
        )


def disagreement_case_html(row: Any, *, card: Any = None, tree: Any = "default") -> str:
    """One scored vignette where card and tree differ, as HTML: story, both sides, reference."""
    from scoring.assess import assess
    from scoring.contract.schema import FIELD_NAMES

    assessment = assess({name: row[name] for name in FIELD_NAMES}, card=card, tree=tree)
    story = html.escape(str(row["narrative"])) if "narrative" in row else ""
    reference = ""
    if "triage" in row:
        reference = (
            f"<p>Reference triage of the synthetic case: "
            f"<strong>{html.escape(Recommendation(str(row['triage'])).label)}</strong>"
            + (
                f" (latent cause: {html.escape(str(row['latent_cause']).replace('_', ' '))})"
                if "latent_cause" in row
                else ""
            )
            + ".</p>"
        )
    return (
        f"<div class='zaro-case' style='{_TEXT}'>"
        f"<h3 style='margin:0.4em 0;font-size:1.05em'>Case {html.escape(str(row.get('vignette_id', '')))}</h3>"
        f"<blockquote style='margin:0.3em 0 0.6em 0;padding-left:0.8em;border-left:3px solid #999'>{story}</blockquote>"
        f"{agreement_html(assessment)}"
        f"<p><strong>Combined:</strong> {html.escape(assessment.recommendation.label)}.</p>"
        f"{reference}</div>"
    )
