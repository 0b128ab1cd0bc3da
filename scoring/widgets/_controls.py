"""Input controls built from the contract, and the screen-reader live region.

Every control comes from a :class:`~scoring.contract.schema.FieldSpec` (its label, unit,
range, allowed values and description); the slider steps come from ``explorer.toml``.
The anywidget front-ends (JavaScript and CSS) are files in ``widgets/static/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from scoring.contract.schema import FieldSpec
from scoring.widgets._definitions import slider_step
from scoring.wording import display_unit, render_partial

__all__ = [
    "STATIC_DIR",
    "ControlLabels",
    "LiveRegion",
    "MultiCheckbox",
    "NumberSlider",
    "IntNumberSlider",
    "build_control",
    "STYLE",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Labels wide enough to read in full: ipywidgets truncates descriptions at 80 px otherwise.
STYLE = {"description_width": "initial"}


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
        heading = widgets.HTML(str(render_partial("group_label", text=description)))
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


class NumberSlider(anywidget.AnyWidget):
    """A labelled slider for a number field, built on the browser's own range input.

    ipywidgets' ``FloatSlider`` draws its handle as a ``div`` with ``role="slider"`` that no
    label names, so screen readers announce a nameless slider (axe-core: serious). This
    control uses ``<label for>`` + ``<input type="range">`` + ``<output>``: named, reachable
    with Tab, moved with the arrow keys, and the value is spoken with its unit.

    It behaves like the ipywidgets sliders from Python: ``.value``, ``.min``, ``.max``,
    ``.step``, ``.description``, ``.tooltip``, ``.observe(handler, "value")``.
    """

    _esm = STATIC_DIR / "slider.js"
    _css = STATIC_DIR / "slider.css"
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


class ControlLabels(anywidget.AnyWidget):
    """Draws nothing; makes the page's controls readable in full and named for screen readers.

    Each radio group gets ``role="radiogroup"`` named by its description, and checkbox
    descriptions wrap instead of being cut to one line with an ellipsis. Put one anywhere
    in the page (the explorer puts it under its inputs).
    """

    _esm = STATIC_DIR / "control_labels.js"
    _css = STATIC_DIR / "control_labels.css"


class LiveRegion(anywidget.AnyWidget):
    """A polite ``role="status"`` region whose ``text`` screen readers announce on change.

    The element is drawn once; setting ``.text`` replaces only its text, which is what
    assistive technology watches. It is visually hidden: the page shows the same news.
    """

    _esm = STATIC_DIR / "live_region.js"
    _css = STATIC_DIR / "live_region.css"
    text = traitlets.Unicode("").tag(sync=True)


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
        An :class:`IntNumberSlider`/:class:`NumberSlider` (unit in the label, and spoken
        with the value: "8 out of 10", "650 mg/day"), a ``Checkbox`` (yes/no), horizontal
        ``RadioButtons`` (one category) or a :class:`MultiCheckbox` (locations).

    Raises
    ------
    ValueError
        For a field kind no control exists for (the kinds are those of ``fields.toml``).
    """
    common: dict[str, Any] = {"description": _label(spec), "tooltip": spec.description}
    if spec.kind == "multi_category":
        return MultiCheckbox(spec.allowed, value, **common)
    if spec.is_numeric:
        slider = IntNumberSlider if spec.kind == "int" else NumberSlider
        step = slider_step(spec.name)
        unit = display_unit(spec.name)
        return slider(min=spec.min, max=spec.max, step=step, value=value, unit=unit, **common)
    if spec.kind == "bool":
        return widgets.Checkbox(value=bool(value), indent=False, style=STYLE, **common)
    if spec.kind == "category":
        # Radio buttons: every option visible, real inputs that screen readers announce.
        return widgets.RadioButtons(
            options=[(option.capitalize(), option) for option in spec.allowed],
            value=value,
            orientation="horizontal",
            style=STYLE,
            **common,
        )
    raise ValueError(
        f"{spec.name}: no control for a field of kind {spec.kind!r}; "
        "fields.toml kinds with a control: int, float, bool, category, multi_category"
    )
