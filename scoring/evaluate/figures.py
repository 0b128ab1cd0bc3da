"""Measured figures in README.md and docs/*.md, generated from one saved evaluation.

No number that comes from a measurement is typed by hand in the documentation. Each one sits
between markers that name it::

    <!-- zaro:figure n_outcome -->3,043<!-- /zaro:figure -->

    <!-- zaro:table models -->
    | Model | AUC | ... |
    <!-- /zaro:table -->

and its text is kept in ``docs/figures.json`` (:data:`FIGURES_FILE`), which
:func:`measure_figures` writes from an evaluation of a fresh community sample with fixed seeds
(:data:`FIGURE_SETTINGS`). :func:`update_documents` copies the texts between the markers, and
:func:`check_documents` lists every marker whose text differs or that names no figure (the
tests run it). After a refit, one command measures again and rewrites the documents::

    python -m scoring.evaluate.figures --measure --update

``--update`` alone refills the markers from the saved file; ``--check`` exits with status 1
and names each difference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FIGURES_FILE",
    "FIGURE_SETTINGS",
    "MARKER",
    "FigureMismatch",
    "documents",
    "figures_from_evaluation",
    "measure_figures",
    "load_figures",
    "update_documents",
    "check_documents",
    "main",
]

_ROOT = Path(__file__).resolve().parents[2]
#: The saved figures (committed), and the documents that hold markers.
FIGURES_FILE = _ROOT / "docs" / "figures.json"
#: The evaluation every figure comes from: a fresh community sample no model was fitted on.
FIGURE_SETTINGS: dict[str, Any] = {
    "population": "community",
    "n": 200_000,
    "seed": 2026,
    "resamples": 1000,
    "subgroup_resamples": 200,
    "cards": ["default", "learned"],
}
#: A marker pair: ``<!-- zaro:figure NAME -->text<!-- /zaro:figure -->`` (or ``table``).
MARKER = re.compile(
    r"<!-- zaro:(?P<kind>figure|table) (?P<name>[a-z0-9_]+) -->(?P<text>.*?)<!-- /zaro:(?P=kind) -->", re.DOTALL
)


@dataclass(frozen=True)
class FigureMismatch:
    """A marker whose text is not the saved figure's (``expected`` None: no such figure)."""

    path: Path
    name: str
    found: str
    expected: str | None

    def __str__(self) -> str:
        if self.expected is None:
            return f"{self.path.name}: marker {self.name!r} names no figure in {FIGURES_FILE.name}"
        return f"{self.path.name}: figure {self.name!r} is {self.found.strip()!r}, measured {self.expected.strip()!r}"


def documents(root: Path | None = None) -> list[Path]:
    """README.md and every docs/*.md of the checkout (the files that may hold markers)."""
    base = root or _ROOT
    return [base / "README.md", *sorted((base / "docs").glob("*.md"))]


# --------------------------------------------------------------------------------------
# From an evaluation to the figures' texts
# --------------------------------------------------------------------------------------


def _count(value: Any) -> str:
    return f"{int(value):,}"


def _markdown(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _text_table(table: Any) -> str:
    return _markdown(table.header, table.rows)


def _age_calibration(evaluation: Any) -> str:
    """Model by subgroup: the calibration intercept and slope (95% CI in the evaluation's tables)."""
    from scoring.evaluate._readable import signed

    table = evaluation.subgroup_calibration
    groups = list(dict.fromkeys(table["group"]))
    rows = []
    for _model, part in table.groupby("model", sort=False):
        by_group = {row["group"]: row for row in part.to_dict(orient="records")}
        cells = [str(part["label"].iloc[0])]
        for group in groups:
            row = by_group.get(group)
            if row is None or row["calibration_intercept"] != row["calibration_intercept"]:
                cells.append("n/a")
            else:
                cells.append(
                    f"{signed(row['calibration_intercept'], 2)} / {signed(row['calibration_slope'], 2)} "
                    f"(O/E {row['observed_expected']:.2f})"
                )
        rows.append(cells)
    return _markdown(["model", *groups], rows)


def figures_from_evaluation(evaluation: Any) -> dict[str, str]:
    """Every figure's text, from an evaluation (:func:`scoring.evaluate.evaluate_population`).

    Returns
    -------
    dict of str to str
        Figure name to the text that goes between its markers: counts (``n``,
        ``n_outcome``), tables in Markdown (``models``, ``policies``, ``causes``,
        ``calibration_by_group``) and the worked Wilson example of docs/evaluation.md.
    """
    from scoring.evaluate._metrics import wilson_interval
    from scoring.evaluate._readable import cause_sensitivity_table, headline_lines, model_table, policy_table
    from scoring.wording import NOTICE, percent

    low, high = wilson_interval(122, 122)
    figures = {
        "n": _count(evaluation.n),
        "n_outcome": _count(evaluation.n_outcome),
        "models": _text_table(model_table(evaluation)),
        "policies": _text_table(policy_table(evaluation)),
        "calibration_by_group": _age_calibration(evaluation),
        "wilson_example": f"100.0% ({percent(low, 1)} to {percent(high, 1)})",
        "evaluate_console": "\n".join(
            [
                "```console no-run",
                f"$ zaro evaluate --population {evaluation.population} --out evaluation",
                f"Evaluated {evaluation.n:,} fresh synthetic vignettes of the {evaluation.population} population "
                f"(seed {evaluation.seed}), {evaluation.n_outcome:,} with a serious cause, in … s.",
                "Written to evaluation/: …",
                *headline_lines(evaluation),
                ". ".join(NOTICE.split(". ")[:2]) + " ...",
                "```",
            ]
        ),
    }
    causes = cause_sensitivity_table(evaluation)
    if causes is not None:
        figures["causes"] = _text_table(causes)
    return {name: "\n" + text + "\n" if "\n" in text else text for name, text in figures.items()}


#: The expert card's own check (docs/expert_card.md, "How well it works"): fresh samples of
#: each population with a seed no fit used.
CARD_CHECK: dict[str, Any] = {"seed": 777, "enriched": 100_000, "community": 200_000}


def card_check_figures(settings: Mapping[str, Any] | None = None) -> dict[str, str]:
    """AUC, calibration intercept and slope of the expert and strict cards on fresh samples (:data:`CARD_CHECK`).

    Returns
    -------
    dict of str to str
        ``card_check``: a Markdown table, one row per card and population.
    """
    from sklearn.metrics import roc_auc_score

    from scoring.engine.calibration import _outcome, _scored, calibration_summary, card_risk
    from scoring.engine.card import load_card
    from scoring.engine.synth import generate_vignettes

    chosen = dict(CARD_CHECK) | dict(settings or {})
    rows = []
    for population in ("enriched", "community"):
        frame = generate_vignettes(int(chosen[population]), seed=int(chosen["seed"]), population=population)
        for name in ("default", "strict"):
            card = load_card(name)
            if card.calibration is None:
                raise ValueError(f"card {name!r} has no calibration: refit it with `zaro fit`")
            totals, masks, labels, _ = _scored(card, frame, _outcome(card.calibration.outcome))
            risk = card_risk(card, totals, masks, population, frame["age"].to_numpy(dtype=float))
            summary = calibration_summary(risk, labels)
            rows.append(
                [
                    f"{population}, {int(chosen[population]):,}",
                    f"{name} {card.version}",
                    f"{roc_auc_score(labels, risk):.3f}",
                    f"{summary['calibration_intercept']:+.3f}".replace("-", "−"),
                    f"{summary['calibration_slope']:.3f}",
                ]
            )
    table = _markdown(["Sample", "Card", "AUC", "Calibration intercept", "Calibration slope"], rows)
    return {"card_check": "\n" + table + "\n"}


def measure_figures(path: Path | str | None = None, **settings: Any) -> dict[str, Any]:
    """Evaluate a fresh sample (:data:`FIGURE_SETTINGS`, overridable) and save its figures.

    Parameters
    ----------
    path : Path or str, optional
        Where to write (default :data:`FIGURES_FILE`); None with ``settings`` differing from
        the defaults still writes there, so pass a path for a trial run.
    **settings
        Overrides of :data:`FIGURE_SETTINGS` (e.g. ``n=20_000`` for a quick look).

    Returns
    -------
    dict
        ``settings`` and ``figures``, as written (same seeds, same bytes).
    """
    from scoring.evaluate._evaluation import evaluate_population

    chosen = FIGURE_SETTINGS | settings
    unknown = sorted(set(settings) - set(FIGURE_SETTINGS))  # the card check keeps its own samples
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(FIGURE_SETTINGS)}")
    evaluation = evaluate_population(
        chosen["population"],
        int(chosen["n"]),
        int(chosen["seed"]),
        cards=tuple(chosen["cards"]),
        resamples=int(chosen["resamples"]),
        subgroup_resamples=int(chosen["subgroup_resamples"]),
        sensitivity=False,
    )
    figures = figures_from_evaluation(evaluation) | card_check_figures()
    saved = {"settings": chosen | {"card_check": CARD_CHECK}, "figures": figures}
    target = Path(path) if path is not None else FIGURES_FILE
    target.write_text(json.dumps(saved, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return saved


def load_figures(path: Path | str | None = None) -> dict[str, str]:
    """The saved figures (name to text); a ValueError names the file and how to make it."""
    where = Path(path) if path is not None else FIGURES_FILE
    try:
        saved = json.loads(where.read_text(encoding="utf-8"))
        figures = saved["figures"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"{where} holds no saved figures ({type(exc).__name__}: {exc}); "
            "make it with `python -m scoring.evaluate.figures --measure`"
        ) from None
    return {str(name): str(text) for name, text in figures.items()}


# --------------------------------------------------------------------------------------
# Filling and checking the markers
# --------------------------------------------------------------------------------------


def _filled(text: str, figures: Mapping[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in figures:
            return match[0]
        return f"<!-- zaro:{match['kind']} {name} -->{figures[name]}<!-- /zaro:{match['kind']} -->"

    return MARKER.sub(fill, text)


def update_documents(figures: Mapping[str, str] | None = None, paths: Sequence[Path] | None = None) -> list[Path]:
    """Copy each saved figure between its markers; returns the files that changed."""
    chosen = load_figures() if figures is None else figures
    changed = []
    for path in paths or documents():
        text = path.read_text(encoding="utf-8")
        filled = _filled(text, chosen)
        if filled != text:
            path.write_text(filled, encoding="utf-8")
            changed.append(path)
    return changed


def check_documents(
    figures: Mapping[str, str] | None = None, paths: Sequence[Path] | None = None
) -> list[FigureMismatch]:
    """Every marker whose text is not its saved figure's, or that names no saved figure."""
    chosen = load_figures() if figures is None else figures
    found = []
    for path in paths or documents():
        for match in MARKER.finditer(path.read_text(encoding="utf-8")):
            expected = chosen.get(match["name"])
            if expected != match["text"]:
                found.append(FigureMismatch(path, match["name"], match["text"], expected))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m scoring.evaluate.figures [--measure] [--update | --check]``."""
    parser = argparse.ArgumentParser(
        prog="python -m scoring.evaluate.figures",
        description="Measure the documentation's figures and fill (or check) the markers in README.md and docs/.",
    )
    parser.add_argument("--measure", action="store_true", help=f"evaluate again and rewrite {FIGURES_FILE.name}")
    parser.add_argument("--update", action="store_true", help="copy the saved figures between the markers")
    parser.add_argument("--check", action="store_true", help="exit 1 if a marker differs from its saved figure")
    args = parser.parse_args(argv)
    if not (args.measure or args.update or args.check):
        parser.error("give --measure, --update or --check")
    if args.measure:
        measure_figures()
        print(f"wrote {FIGURES_FILE}")
    if args.update:
        for path in update_documents():
            print(f"updated {path}")
    if args.check:
        problems = check_documents()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - the command line
    raise SystemExit(main())
