"""Plumbing the widgets share: in-place figure updates, the tree to use, friendly errors."""

from __future__ import annotations

from typing import Any

from scoring.contract.schema import VignetteError

__all__ = ["friendly_error", "resolve_tree", "show_figure", "update_figure_widget"]


def update_figure_widget(target: Any, source: Any) -> None:
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


def show_figure(widget: Any, figure: Any) -> Any:
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


def resolve_tree(tree: Any) -> tuple[Any, str | None]:
    """The tree to use and, when the shipped one could not be loaded, why not."""
    if not (isinstance(tree, str) and tree == "default"):
        return tree, None
    from scoring.engine.tree import resolve_tree as load

    try:
        return load(tree), None
    except (FileNotFoundError, OSError) as exc:
        return None, str(exc)


def friendly_error(error: VignetteError) -> str:
    """A validation error in the explorer's words (its controls, not the contract's names)."""
    messages = []
    for problem in error.errors:
        if problem.field == "locations":
            messages.append("Tick at least one body area under 'Where'.")
        else:
            messages.append(problem.message)
    return " ".join(messages)
