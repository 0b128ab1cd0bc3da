"""The explorer: one control per contract field, and live explanations of the answers."""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from scoring.contract.schema import FIELDS, VignetteError, validate_vignette
from scoring.widgets._controls import STYLE, ControlLabels, LiveRegion, build_control
from scoring.widgets._definitions import presets, sections, start_preset
from scoring.widgets._html import (
    agreement_html,
    announcement,
    counterfactuals_html,
    error_html,
    heading_html,
    notice_html,
    policies_html,
    recommendation_html,
    risks_html,
    tree_path_html,
    vignette_html,
)
from scoring.widgets._shared import friendly_error, resolve_tree, show_figure
from scoring.wording import sentence_case

__all__ = ["Explorer", "LEARNED_CARD"]

#: The card whose risk the explorer shows next to the main card's, when it is shipped.
LEARNED_CARD = "learned"


def _learned_card(learned: Any, main: Any) -> Any:
    """The second card to show risks for: None when not wanted, not shipped, or the main card itself."""
    from scoring.engine.card import list_cards, load_card

    if learned is None or (isinstance(learned, str) and learned == LEARNED_CARD and LEARNED_CARD not in list_cards()):
        return None
    card = load_card(learned)
    return None if card.name == main.name and card.version == main.version else card


def _selector(description: str, options: list[tuple[str, str]], value: str, tooltip: str) -> widgets.RadioButtons:
    # Radio buttons, as for the category fields: every option visible, real labelled inputs.
    # Stacked, so long population names never push the page wider than a phone.
    return widgets.RadioButtons(
        options=options,
        value=value,
        description=description,
        tooltip=tooltip,
        style=STYLE,
        orientation="vertical",
        layout=widgets.Layout(width="auto", margin="0.2rem 2rem 0.4rem 0"),
    )


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
    learned : Card, str or None
        A second card whose chance of a serious cause is shown next to the main card's and
        the tree's: the learned card (``cards/learned.toml``) by default, when it is shipped;
        ``None`` for none.
    population : str, optional
        Whom the risks are stated for at the start (``populations.toml``; default ``community``).
    policy : str, optional
        Whose answer is the recommendation at the start (``policies.toml``; default the
        guideline).
    counterfactuals : bool
        Whether to list the smallest changes that would move the recommendation.
    notice : bool
        Whether the explorer shows the educational-use notice itself. Turn it off only
        where the page already shows it next to the explorer (the notebooks' first cell).

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        One control per contract field, keyed by field name.
    population : ipywidgets.RadioButtons
        Whom the risks are stated for (a population id as its value).
    policy : ipywidgets.RadioButtons
        Which policy's answer the person receives (a policy id as its value).
    assessment : Assessment or None
        The main card's (and the tree's) assessment of the current answers; None when they
        cannot be assessed.
    learned_assessment : Assessment or None
        The learned card's assessment of the same answers (its risk is shown), or None.
    preset_buttons : dict of str to ipywidgets.Button
    reset_button : ipywidgets.Button
    recommendation : ipywidgets.HTML
        The recommendation (the chosen policy's) and advice, or a message when the answers
        are invalid.
    announcer : LiveRegion
        The same news for screen readers: a stable ``aria-live="polite"`` element whose
        text alone changes, so every new recommendation is announced.
    policies : ipywidgets.HTML
        The guideline's and the risk policy's answers side by side, with their reasons and
        why they differ.
    risks : ipywidgets.HTML
        Each model's chance of a serious cause for the chosen population.
    agreement : ipywidgets.HTML
    waterfall : plotly.graph_objects.FigureWidget
        The points breakdown, updated in place.
    tree_path : ipywidgets.HTML
    counterfactual_list : ipywidgets.HTML
    widget : ipywidgets.VBox
        The whole explorer; displaying the Explorer displays this.
    update_ms : list of float
        Wall time of each update, in milliseconds (assess, explain and redraw).

    Each change (an answer, the population or the policy) assesses once per model: the main
    card with the tree, and the learned card.
    """

    def __init__(
        self,
        vignette: Any = None,
        *,
        card: Any = "default",
        tree: Any = "default",
        learned: Any = LEARNED_CARD,
        population: str | None = None,
        policy: str | None = None,
        counterfactuals: bool = True,
        notice: bool = True,
    ):
        from scoring.engine.card import load_card

        self.card = load_card(card)
        self.learned = _learned_card(learned, self.card)
        self.tree, self.tree_problem = resolve_tree(tree)
        self.show_counterfactuals = counterfactuals
        self.show_notice = notice
        start = start_preset().vignette() if vignette is None else validate_vignette(vignette)
        self._start = start
        self.assessment: Any = None
        self.learned_assessment: Any = None
        self.error: str | None = None
        self.update_ms: list[float] = []
        self._holding = False

        values = start.to_dict()
        self.controls: dict[str, widgets.Widget] = {
            spec.name: build_control(spec, values[spec.name]) for spec in FIELDS
        }
        for control in self.controls.values():
            control.observe(self._on_change, "value")
        self._build_selectors(population, policy)
        self._build_buttons()
        self.recommendation = widgets.HTML()
        self.announcer = LiveRegion()
        self.policies = widgets.HTML()
        self.risks = widgets.HTML()
        self.agreement = widgets.HTML()
        self.tree_path = widgets.HTML()
        self.counterfactual_list = widgets.HTML()
        # Created by the first update, from its figure: see show_figure.
        self.waterfall: Any = None
        self.update()
        self.widget = self._layout()

    def _build_selectors(self, population: str | None, policy: str | None) -> None:
        from scoring.engine.policies import load_policies, load_policy
        from scoring.engine.populations import load_population, load_populations

        populations = load_populations()
        self.population = _selector(
            "Risks for",
            [(f"{sentence_case(p.label)} ({p.id})", p.id) for p in populations.values()],
            load_population(population).id,
            "Whom the chances of a serious cause are stated for",
        )
        self.policy = _selector(
            "Recommendation from",
            [(p.label, p.id) for p in load_policies().values()],
            load_policy(policy).id,
            "Which policy's answer is the recommendation; both answers are shown",
        )
        for selector in (self.population, self.policy):
            selector.observe(self._on_change, "value")

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
        choice = {"population": self.population.value, "policy": self.policy.value}
        assessment = assess(vignette, card=self.card, tree=self.tree, **choice)
        self.assessment = assessment
        self.learned_assessment = (
            None if self.learned is None else assess(vignette, card=self.learned, tree=None, **choice)
        )
        learned_risk = None if self.learned_assessment is None else self.learned_assessment.risk
        self.recommendation.value = recommendation_html(assessment)
        self.announcer.text = announcement(assessment)
        self.policies.value = policies_html(assessment)
        self.risks.value = risks_html([assessment.risk, learned_risk, assessment.tree_risk])
        self.agreement.value = agreement_html(assessment)
        self.tree_path.value = tree_path_html(assessment.tree, self.tree_problem)
        self.waterfall = show_figure(self.waterfall, points_waterfall_figure(assessment.card))
        if self.show_counterfactuals:
            from scoring.analysis.explain import counterfactuals

            found = counterfactuals(vignette, card=self.card, tree=self.tree, **choice)
            self.counterfactual_list.value = counterfactuals_html(found)
        self.update_ms.append((time.perf_counter() - started) * 1000)

    def _show_error(self, message: str) -> None:
        self.assessment = None
        self.learned_assessment = None
        self.error = message
        # role='alert' announces the message; clearing the status lets the next
        # recommendation be announced even when it is the one shown before.
        self.recommendation.value = error_html(message)
        self.announcer.text = ""
        self.policies.value = ""
        self.risks.value = ""
        self.agreement.value = ""
        self.tree_path.value = ""
        self.counterfactual_list.value = ""

    # -- layout ------------------------------------------------------------------------

    def _layout(self) -> widgets.VBox:
        panels: list[widgets.Widget] = []
        for title, specs in sections():
            panels.append(widgets.HTML(heading_html(title)))
            panels.extend(self.controls[spec.name] for spec in specs)
        # Names the radio groups and lets long checkbox labels wrap (draws nothing itself).
        panels.append(ControlLabels())
        inputs = widgets.VBox(panels, layout=widgets.Layout(width="30rem", min_width="22rem"))

        outputs_children = [
            widgets.HTML(heading_html("Recommendation")),
            self.recommendation,
            self.announcer,
            widgets.HTML(heading_html("Guideline and risk policy")),
            self.policies,
            widgets.HTML(heading_html("Chance of a serious cause")),
            self.risks,
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
        choices_row = widgets.Box(
            [self.population, self.policy],
            layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="center"),
        )
        body = widgets.Box(
            [inputs, outputs],
            layout=widgets.Layout(display="flex", flex_flow="row wrap", align_items="flex-start"),
        )
        return widgets.VBox(
            # No title here: the notebook's first Markdown cell is the page's heading.
            ([widgets.HTML(notice_html())] if self.show_notice else []) + [presets_row, choices_row, body],
            layout=widgets.Layout(max_width="80rem"),
        )

    # -- display -----------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)

    def show(self, interactive: bool = True) -> None:
        """Display the live explorer, or (``interactive=False``) a static rendering of it.

        The static form, for reports, shows the notice, the recommendation, both policies'
        answers, every model's risk, the card/tree comparison, the tree path and the
        counterfactuals as HTML and the points breakdown with ``fig.show()``, so the
        report's plotly renderer decides how it is embedded.
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
                + "<h3>Guideline and risk policy</h3>"
                + self.policies.value
                + "<h3>Chance of a serious cause</h3>"
                + self.risks.value
                + self.agreement.value
            )
        )
        go.Figure(self.waterfall).show()
        display(HTML("<h3>Decision tree path</h3>" + self.tree_path.value))
        if self.show_counterfactuals:
            display(HTML("<h3>What would change it</h3>" + self.counterfactual_list.value))
