"""The explorer: one control per contract field, and live explanations of the answers."""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from scoring.contract.schema import FIELDS, VignetteError, validate_vignette
from scoring.widgets._controls import LiveRegion, build_control
from scoring.widgets._definitions import presets, sections, start_preset
from scoring.widgets._html import (
    agreement_html,
    announcement,
    counterfactuals_html,
    error_html,
    heading_html,
    notice_html,
    recommendation_html,
    tree_path_html,
    vignette_html,
)
from scoring.widgets._shared import friendly_error, resolve_tree, show_figure

__all__ = ["Explorer"]


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
    announcer : LiveRegion
        The same news for screen readers: a stable ``aria-live="polite"`` element whose
        text alone changes, so every new recommendation is announced.
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
        card: Any = "default",
        tree: Any = "default",
        counterfactuals: bool = True,
        notice: bool = True,
    ):
        from scoring.engine.card import load_card

        self.card = load_card(card)
        self.tree, self.tree_problem = resolve_tree(tree)
        self.show_counterfactuals = counterfactuals
        self.show_notice = notice
        start = start_preset().vignette() if vignette is None else validate_vignette(vignette)
        self._start = start
        self.assessment: Any = None
        self.error: str | None = None
        self.update_ms: list[float] = []
        self._holding = False

        values = start.to_dict()
        self.controls: dict[str, widgets.Widget] = {
            spec.name: build_control(spec, values[spec.name]) for spec in FIELDS
        }
        for control in self.controls.values():
            control.observe(self._on_change, "value")
        self._build_buttons()
        self.recommendation = widgets.HTML()
        self.announcer = LiveRegion()
        self.agreement = widgets.HTML()
        self.tree_path = widgets.HTML()
        self.counterfactual_list = widgets.HTML()
        # Created by the first update, from its figure: see show_figure.
        self.waterfall: Any = None
        self.update()
        self.widget = self._layout()

    def _build_buttons(self) -> None:
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
        from scoring.assessment import assess
        from scoring.plots import points_waterfall_figure

        started = time.perf_counter()
        try:
            vignette = self.vignette
        except VignetteError as exc:
            self._show_error(friendly_error(exc))
            return
        self.error = None
        assessment = assess(vignette, card=self.card, tree=self.tree)
        self.assessment = assessment
        self.recommendation.value = recommendation_html(assessment)
        self.announcer.text = announcement(assessment)
        self.agreement.value = agreement_html(assessment)
        self.tree_path.value = tree_path_html(assessment.tree, self.tree_problem)
        self.waterfall = show_figure(self.waterfall, points_waterfall_figure(assessment.card))
        if self.show_counterfactuals:
            from scoring.analysis.explain import counterfactuals

            found = counterfactuals(vignette, card=self.card, tree=self.tree)
            self.counterfactual_list.value = counterfactuals_html(found)
        self.update_ms.append((time.perf_counter() - started) * 1000)

    def _show_error(self, message: str) -> None:
        self.assessment = None
        self.error = message
        # role='alert' announces the message; clearing the status lets the next
        # recommendation be announced even when it is the one shown before.
        self.recommendation.value = error_html(message)
        self.announcer.text = ""
        self.agreement.value = ""
        self.tree_path.value = ""
        self.counterfactual_list.value = ""

    # -- layout ------------------------------------------------------------------------

    def _layout(self) -> widgets.VBox:
        panels: list[widgets.Widget] = []
        for title, specs in sections():
            panels.append(widgets.HTML(heading_html(title)))
            panels.extend(self.controls[spec.name] for spec in specs)
        inputs = widgets.VBox(panels, layout=widgets.Layout(width="30rem", min_width="22rem"))

        outputs_children = [
            widgets.HTML(heading_html("Recommendation")),
            self.recommendation,
            self.announcer,
            self.agreement,
            widgets.HTML(heading_html("Points card")),
            self.waterfall,
            widgets.HTML(heading_html("Decision tree path")),
            self.tree_path,
        ]
        if self.show_counterfactuals:
            outputs_children += [widgets.HTML(heading_html("What would change it")), self.counterfactual_list]
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
