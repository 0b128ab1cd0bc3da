"""Reproducible HTML reports: the analysis notebooks executed to pages, plus case reports.

:func:`build_reports` writes a small static site that opens from disk, offline::

    reports/
      index.html                  summary: data set, card, tree, comparison, links
      notebooks/<name>.html       each analysis notebook, executed with interactive=False
      model-card.html             the model card, the data sheet and the TRIPOD+AI checklist
      evaluation/                 the evaluation's tables (CSV, JSON) and documents (Markdown)
      cases/<name>.html           one page per example vignette (see render_case); <name> is
                                  the id when it is already a slug, else its slug and a short
                                  hash of the id, so two ids never share a page
      assets/plotly-<v>.min.js    the one copy of plotly.js every page loads
      manifest.json               every file with its size and SHA-256

Design choices:

* **plotly.js once, locally.** The bundle that ships inside the plotly package is written
  to ``assets/`` and referenced by a relative path from every page (nbconvert pages are
  post-processed to drop their inlined copy and plotly's CDN MathJax tag). Pages stay
  offline-capable at a fraction of the size. :func:`render_case` on its own inlines the
  bundle instead, so a single saved case page still works anywhere.
* **Code hidden.** Notebook pages show outputs and Markdown only; each names its notebook,
  which is where the code lives. No code also means no syntax-highlighting colours to keep
  above contrast limits.
* **Byte-identical rebuilds.** Figure divs get fixed ids; random ids nbconvert, plotly and
  widgets put into notebook output are renumbered in order of first appearance; kernels run
  with ``PYTHONHASHSEED=0``; nothing records a time. Each page states the zaro version,
  data seed and card/tree versions it was built from.
* **Escaping.** Templates are Jinja with autoescape on; nothing from input (vignette ids,
  narratives, file names, card labels) is marked safe.
* **Nothing overwritten by surprise.** ``zaro report --case`` adds a page next to a built
  site but refuses to replace one of the site's own pages (its index and manifest would
  then describe a page that is gone); a folder that cannot be written to is a one-line
  :class:`ReportError` naming it.
* **One comparison and one evaluation per build.** The comparison of the risk models and
  policies on the index is computed once and handed to the notebooks that show it as a file
  (``comparison_file``); the evaluation is measured once on the same scored sample, shown on
  the model card page and handed to the evaluation notebook as a folder (``evaluation_dir``).
  Its sensitivity analysis (:data:`REPORT_SENSITIVITY_N` vignettes per setting) is kept for
  the process, keyed by the contents of the definition and card files.

Notebooks come from ``notebooks_dir``, else the source checkout's ``notebooks/``, else a
copy shipped inside the package (``scoring/notebooks``). An install with neither builds the
index and case pages only, and the index says why the notebook pages are missing.

The modules behind it, one concern each: ``_cases`` (reading vignettes), ``_case`` and
``_case_page`` (what a case page shows, and the page), ``_index`` (the index),
``_notebooks`` (running notebooks), ``_pages`` (the shared page shell), ``_site`` (writing
files and the manifest), ``_assets`` (plotly.js), ``_provenance`` (page footers),
``_build`` (the whole site), ``_defaults`` (``zaro run``'s preparation), and ``_tables``
(display-ready tables the analysis notebooks show).
"""

from scoring.report._build import NOTEBOOK_ORDER, NOTEBOOK_PARAMETERS, BuildResult, build_reports, find_notebooks
from scoring.report._case_page import render_case, write_case_report
from scoring.report._cases import CASES_FILE, ReportCase, as_case, example_cases, load_case
from scoring.report._comparison_tables import (
    ReadableFindings,
    readable_cause_table,
    readable_findings,
    readable_model_table,
    readable_policy_table,
)
from scoring.report._defaults import ensure_defaults
from scoring.report._errors import ReportError
from scoring.report._evaluation_tables import (
    readable_assumptions,
    readable_cause_sensitivity,
    readable_cutoffs,
    readable_evaluation_models,
    readable_evaluation_policies,
    readable_net_benefit,
    readable_subgroup_calibration,
    readable_subgroups,
)
from scoring.report._model_card_page import MODEL_CARD_PAGE, model_card_page
from scoring.report._provenance import Provenance, collect_provenance
from scoring.report._site import MANIFEST_NAME
from scoring.report._tables import (
    ReadableTable,
    readable_cv_metrics,
    readable_risk_table,
    readable_tree_params,
    readable_tree_rules,
)

__all__ = [
    "CASES_FILE",
    "MANIFEST_NAME",
    "MODEL_CARD_PAGE",
    "NOTEBOOK_ORDER",
    "NOTEBOOK_PARAMETERS",
    "BuildResult",
    "Provenance",
    "ReadableFindings",
    "ReadableTable",
    "ReportCase",
    "ReportError",
    "as_case",
    "build_reports",
    "collect_provenance",
    "ensure_defaults",
    "example_cases",
    "find_notebooks",
    "load_case",
    "model_card_page",
    "readable_assumptions",
    "readable_cutoffs",
    "readable_evaluation_models",
    "readable_evaluation_policies",
    "readable_net_benefit",
    "readable_subgroups",
    "readable_subgroup_calibration",
    "readable_cause_sensitivity",
    "readable_cause_table",
    "readable_cv_metrics",
    "readable_findings",
    "readable_model_table",
    "readable_policy_table",
    "readable_risk_table",
    "readable_tree_params",
    "readable_tree_rules",
    "render_case",
    "write_case_report",
]
