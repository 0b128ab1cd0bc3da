"""Card against tree: paging through the vignettes where their risks lead to different answers."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
from markupsafe import Markup

from scoring.assessment import risk_column
from scoring.contract.recommendation import Recommendation
from scoring.widgets._controls import STYLE
from scoring.widgets._html import agreement_html, message_html, notice_html, risks_html
from scoring.widgets._shared import resolve_tree
from scoring.wording import MISSING, render_partial, risk_percent

__all__ = ["DISAGREEMENT_COLUMNS", "DisagreementPager", "disagreement_case_html"]

#: The risk columns of :attr:`DisagreementPager.cases` (the card's and the tree's).
CARD_RISK, TREE_RISK = risk_column("serious_cause"), f"tree_{risk_column('serious_cause')}"

#: Columns of :attr:`DisagreementPager.cases` shown in the static table.
DISAGREEMENT_COLUMNS = (
    "vignette_id",
    "points_total",
    CARD_RISK,
    TREE_RISK,
    "risk_policy_recommendation",
    "tree_recommendation",
    "latent_cause",
    "narrative",
)


class DisagreementPager:
    """Page through vignettes where the card's risk and the tree's lead the risk policy to different answers.

    The tree is a second opinion on the risk: where the risk policy, read on each model's
    chance of a serious cause, gives different answers (``agree`` is False in
    :func:`scoring.assessment.assess_frame`), a reviewer sees the case, both risks, both
    answers and the vignette's hidden cause.

    Parameters
    ----------
    cases : pandas.DataFrame
        Scored vignettes (the ``scored`` frame of :func:`scoring.assessment.assess_frame`) where
        ``agree`` is False; see :meth:`from_frame` and :meth:`from_sample`.
    card, tree, population, policy
        As for :func:`scoring.assessment.assess`; used to explain each case.
    notice : bool
        Whether the view shows the educational-use notice itself; turn it off only where
        the page already shows it (the notebooks' first cell).

    Attributes
    ----------
    cases : pandas.DataFrame
    which : ipywidgets.Dropdown
        All disagreements, or only those where the tree's risk (or the card's) is the higher.
    position : ipywidgets.BoundedIntText
        The case shown, counting from 1.
    previous_button, next_button : ipywidgets.Button
    count : ipywidgets.Label
        How many cases the filter keeps ("of 42").
    case : ipywidgets.HTML
        The case: its narrative, both models' risks and answers, the hidden cause.
    widget : ipywidgets.VBox
    """

    _FILTERS = {
        "all": "All disagreements",
        "tree_higher": "Tree's risk higher than the card's",
        "card_higher": "Card's risk higher than the tree's",
    }

    def __init__(
        self,
        cases: Any,
        *,
        card: Any = "default",
        tree: Any = "default",
        population: str | None = None,
        policy: str | None = None,
        notice: bool = True,
    ):
        from scoring.engine.card import load_card

        self.card = load_card(card)
        self.tree, _ = resolve_tree(tree)
        self.population, self.policy = population, policy
        self.show_notice = notice
        self.cases = cases.reset_index(drop=True)
        self.which = widgets.Dropdown(
            options=[(label, key) for key, label in self._FILTERS.items()],
            value="all",
            description="Show",
            style=STYLE,
            tooltip="Which disagreements to page through",
        )
        self.position = widgets.BoundedIntText(
            value=1,
            min=1,
            max=max(1, len(self.cases)),
            description="Case number",
            style=STYLE,
            layout=widgets.Layout(width="12rem"),
            tooltip="Type a case number to jump to it",
        )
        self.previous_button = widgets.Button(
            description="Previous", icon="arrow-left", tooltip="The previous case", layout=widgets.Layout(width="auto")
        )
        self.next_button = widgets.Button(
            description="Next", icon="arrow-right", tooltip="The next case", layout=widgets.Layout(width="auto")
        )
        self.count = widgets.Label()
        self.case = widgets.HTML()
        self.previous_button.on_click(lambda _button: self.step(-1))
        self.next_button.on_click(lambda _button: self.step(1))
        self.position.observe(lambda _change: self.update(), "value")
        self.which.observe(self._on_filter, "value")
        self.update()
        controls = widgets.HBox(
            [self.which, self.previous_button, self.position, self.next_button, self.count],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.widget = widgets.VBox(([widgets.HTML(notice_html())] if notice else []) + [controls, self.case])

    # -- building ------------------------------------------------------------------------

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        card: Any = "default",
        tree: Any = "default",
        population: str | None = None,
        policy: str | None = None,
        notice: bool = True,
    ) -> DisagreementPager:
        """Assess a frame of vignettes and keep the rows where card and tree differ (``agree`` is False)."""
        from scoring.assessment import assess_frame

        the_tree, problem = resolve_tree(tree)
        if the_tree is None:
            raise ValueError(f"a disagreement pager needs a tree ({problem or 'tree=None'})")
        scored = assess_frame(frame, card=card, tree=the_tree, population=population, policy=policy).scored
        differ = ~scored["agree"].to_numpy(dtype=bool)
        return cls(scored[differ], card=card, tree=the_tree, population=population, policy=policy, notice=notice)

    @classmethod
    def from_sample(
        cls,
        n: int | None = None,
        seed: int | None = None,
        *,
        card: Any = "default",
        tree: Any = "default",
        population: str | None = None,
        policy: str | None = None,
        notice: bool = True,
    ) -> DisagreementPager:
        """Draw a fresh synthetic sample (the comparison's defaults) and keep the disagreements."""
        from scoring.analysis.compare import DEFAULT_COMPARE_N, DEFAULT_COMPARE_SEED
        from scoring.engine.synth import generate_vignettes

        frame = generate_vignettes(
            DEFAULT_COMPARE_N if n is None else n, seed=DEFAULT_COMPARE_SEED if seed is None else seed
        )
        return cls.from_frame(frame, card=card, tree=tree, population=population, policy=policy, notice=notice)

    # -- state ---------------------------------------------------------------------------

    def selected(self) -> Any:
        """The cases the filter keeps."""
        if self.which.value == "all" or self.cases.empty:
            return self.cases
        # Where the two answers differ, the model with the higher risk gives the more
        # cautious one: the risk policy's thresholds rise with the risk.
        card, tree = self.cases[CARD_RISK].to_numpy(), self.cases[TREE_RISK].to_numpy()
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
        self.count.value = f"of {total}"
        self.previous_button.disabled = self.position.value <= 1
        self.next_button.disabled = self.position.value >= total
        if total == 0:
            self.case.value = message_html("No cases here: the card's and the tree's risks lead to the same answer.")
            return
        row = selected.iloc[self.position.value - 1]
        self.case.value = disagreement_case_html(
            row, card=self.card, tree=self.tree, population=self.population, policy=self.policy
        )

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
        shown = self.table(limit).copy()
        for column in (CARD_RISK, TREE_RISK):
            if column in shown:
                shown[column] = [risk_percent(r, missing=MISSING) for r in shown[column]]
        table = shown.to_html(index=False, escape=True, justify="left", border=0)
        intro = message_html(
            f"{len(self.cases)} vignettes where card and tree differ; the first "
            f"{min(limit, len(self.cases))} are listed."
        )
        display(HTML((notice_html() if self.show_notice else "") + intro + table))


def _hidden_cause(row: Any) -> tuple[str | None, bool | None]:
    """The synthetic case's hidden cause in words, and whether it is a serious cause (None when unknown)."""
    if "latent_cause" not in row:
        return None, None
    from scoring.engine.risk import load_outcomes

    cause = str(row["latent_cause"])
    return cause.replace("_", " "), cause in load_outcomes()["serious_cause"].causes


def disagreement_case_html(
    row: Any, *, card: Any = "default", tree: Any = "default", population: str | None = None, policy: str | None = None
) -> str:
    """One scored vignette where card and tree differ, as HTML: story, both risks and answers, the hidden cause."""
    from scoring.assessment import assess
    from scoring.contract.schema import FIELD_NAMES

    assessment = assess(
        {name: row[name] for name in FIELD_NAMES}, card=card, tree=tree, population=population, policy=policy
    )
    cause, serious = _hidden_cause(row)
    return str(
        render_partial(
            "case",
            case_id=str(row.get("vignette_id", "")),
            story=str(row["narrative"]) if "narrative" in row else "",
            risks=Markup(risks_html([assessment.risk, assessment.tree_risk])),
            agreement=Markup(agreement_html(assessment)),
            recommendation=assessment.recommendation.label,
            triage=Recommendation(str(row["triage"])).label if "triage" in row else None,
            latent_cause=cause,
            serious=serious,
        )
    )
