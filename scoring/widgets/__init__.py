"""Interactive explorers for JupyterLab and the Voilà app, generated from the schema.

Every control comes from :data:`scoring.contract.schema.FIELDS` (its label, unit, range, allowed
values and description), and the panels and example vignettes come from
``definitions/explorer.toml``; nothing here scores anything. The widgets call
:func:`scoring.assessment.assess`, :func:`scoring.analysis.explain.counterfactuals` and the figures in
:mod:`scoring.plots`, and only render what those return, through the HTML partials of
``scoring/templates/partials/`` and the words of :mod:`scoring.wording`.

Figures are plotly ``FigureWidget`` objects updated in place (one batched message per
change) rather than rebuilt, so the page does not flicker and stays fast. FigureWidget
needs the ``anywidget`` package (the ``notebooks`` extra installs it).

Widgets are testable without a browser: setting a control's ``.value`` runs the update at
once, and the results are readable from :attr:`Explorer.assessment`, the HTML widgets'
``.value`` and the figures' data.

The package is split by concern: ``_definitions`` (explorer.toml and its schema),
``_controls`` (inputs built from the contract; their front-ends in ``static/``), ``_html``
(what the widgets show as HTML), ``_shared`` (in-place figure updates), and one module per
widget: ``_explorer``, ``_sweep``, ``_pager``.

Examples
--------
>>> from scoring.widgets import Explorer
>>> explorer = Explorer()                                  # doctest: +SKIP
>>> explorer.controls["bulbar"].value = True               # doctest: +SKIP
>>> explorer.assessment.recommendation.value               # doctest: +SKIP
'urgent'
"""

from scoring.widgets._controls import (
    ControlLabels,
    IntNumberSlider,
    LiveRegion,
    MultiCheckbox,
    NumberSlider,
    build_control,
)
from scoring.widgets._definitions import (
    EXPLORER_FILE,
    ExplorerDefinitionsError,
    Preset,
    load_definitions,
    presets,
    sections,
    start_preset,
)
from scoring.widgets._explorer import Explorer
from scoring.widgets._html import (
    agreement_html,
    counterfactuals_html,
    notice_html,
    recommendation_html,
    tree_path_html,
    vignette_html,
)
from scoring.widgets._pager import DISAGREEMENT_COLUMNS, DisagreementPager, disagreement_case_html
from scoring.widgets._shared import update_figure_widget
from scoring.widgets._sweep import SweepExplorer

__all__ = [
    "EXPLORER_FILE",
    "DISAGREEMENT_COLUMNS",
    "ExplorerDefinitionsError",
    "Preset",
    "load_definitions",
    "presets",
    "start_preset",
    "sections",
    "MultiCheckbox",
    "NumberSlider",
    "IntNumberSlider",
    "ControlLabels",
    "LiveRegion",
    "build_control",
    "Explorer",
    "SweepExplorer",
    "DisagreementPager",
    "disagreement_case_html",
    "agreement_html",
    "counterfactuals_html",
    "recommendation_html",
    "notice_html",
    "tree_path_html",
    "update_figure_widget",
    "vignette_html",
]
