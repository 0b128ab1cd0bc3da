"""What if: one field of one vignette swept across its values, redrawn in place."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from scoring.contract.schema import FIELDS, validate_vignette
from scoring.widgets._controls import STYLE
from scoring.widgets._definitions import presets
from scoring.widgets._html import notice_html
from scoring.widgets._shared import resolve_tree, show_figure
from scoring.wording import counterfactual_lines, render_partial

__all__ = ["SweepExplorer"]


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
        As for :func:`scoring.assessment.assess`.
    notice : bool
        Whether the view shows the educational-use notice itself; turn it off only where
        the page already shows it (the notebooks' first cell).

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
        card: Any = "default",
        tree: Any = "default",
        notice: bool = True,
    ):
        from scoring.engine.card import load_card

        self.card = load_card(card)
        self.tree, _ = resolve_tree(tree)
        self.show_notice = notice
        self._custom = None if vignette is None else validate_vignette(vignette)
        options = [(p.label, p.preset_id) for p in presets().values()]
        if self._custom is not None:
            options.insert(0, ("Your vignette", self._CUSTOM))
            preset = self._CUSTOM
        if preset not in [value for _, value in options]:
            raise ValueError(f"preset: unknown example {preset!r}; choose one of {[v for _, v in options]}")
        self.example = widgets.Dropdown(
            options=options, value=preset, description="Example", style=STYLE, tooltip="The vignette to start from"
        )
        if field is None:
            field = self._most_influential(self.vignette).field
        self.field = widgets.Dropdown(
            options=[(spec.label, spec.name) for spec in FIELDS],
            value=field,
            description="Field to vary",
            style=STYLE,
            tooltip="The answer swept across its values",
        )
        self.summary = widgets.HTML()
        self.figure: Any = None
        self.table: Any = None
        self.update()
        self.example.observe(lambda _change: self.update(), "value")
        self.field.observe(lambda _change: self.update(), "value")
        self.widget = widgets.VBox(
            ([widgets.HTML(notice_html())] if notice else [])
            + [
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
        self.figure = show_figure(self.figure, sweep_figure(self.table))
        found = counterfactuals(vignette, card=self.card, tree=self.tree)
        self.summary.value = str(
            render_partial(
                "sweep_summary",
                influence=self._most_influential(vignette).text,
                lines=[line.text for line in counterfactual_lines(found)],
            )
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

        display(HTML((notice_html() if self.show_notice else "") + self.summary.value))
        go.Figure(self.figure).show()
