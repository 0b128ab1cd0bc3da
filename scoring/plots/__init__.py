"""Plotly figures for notebooks, widgets and reports.

Figures are built from data that other modules compute (assessments, card tables, sweeps,
comparisons); nothing here scores or explains anything itself. Each topic has its own
private module; the public names are re-exported here.
"""

from scoring.plots._tree import tree_figure

__all__ = ["tree_figure"]
