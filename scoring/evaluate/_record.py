"""The :class:`Evaluation`: its tables and record, and saving and reading them back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scoring._outputs import write_file
from scoring._version import __version__

__all__ = ["TABLES", "EVALUATION_FILE", "Evaluation", "load_evaluation"]

#: The tables of an evaluation, in the order they are saved and described.
TABLES: tuple[str, ...] = (
    "discrimination",
    "calibration",
    "calibration_bins",
    "smoothed_calibration",
    "decision_curve",
    "thresholds",
    "subgroups",
    "policies",
    "sensitivity",
)
#: The record written next to the tables by :meth:`Evaluation.save`.
EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True, eq=False)  # tables do not compare with ==
class Evaluation:
    """Every table of an evaluation, and what it was computed on.

    Attributes
    ----------
    discrimination : DataFrame
        Per model: AUC with its bootstrap 95% interval.
    calibration : DataFrame
        Per model: calibration-in-the-large (intercept), slope and Brier score with intervals,
        the observed share and the mean predicted risk, in the evaluated population.
    calibration_bins, smoothed_calibration : DataFrame
        Long, per model: binned observed shares (with Wilson intervals) and a smoothed curve.
    decision_curve : DataFrame
        Long: net benefit against the threshold probability for every model, policy, treat
        all and treat none.
    thresholds : DataFrame
        For each cut-off of each model (the risk policy's thresholds, and each card's band
        edges) and each policy: sensitivity, specificity, PPV, NPV and the share referred,
        each with a Wilson 95% interval; ``cutoff_label`` says what the cut-off is.
    subgroups : DataFrame
        The same by age band (18–39, 40–49, 50–64, 65+) and by sex.
    policies : DataFrame
        Per policy: the share sent to each level and the motor-neuron-like and MS-like
        cases sent to self-care.
    sensitivity : DataFrame
        How the headline metrics move when each number of the generator marked ``assumed``
        is moved (empty when the analysis was not run).
    population, outcome : str
    n, n_outcome : int
        Vignettes evaluated, and how many have the outcome.
    seed : int or None
        The sample's seed (None for a frame passed in); it also seeds every bootstrap.
    resamples, subgroup_resamples : int
        Bootstrap resamples of each overall and each subgroup interval.
    models, policies_labels : dict of str to str
        Model and policy ids to their display labels, in table order.
    cards : dict of str to str
        Each evaluated card's name and fingerprint.
    tree : bool
    reference : dict
        The reference regression's fitting sample (empty without it).
    sensitivity_settings : dict
        The sensitivity analysis's ``n`` and ``seed`` (empty when it was not run).
    version : str
        The zaro version that measured it.
    """

    discrimination: pd.DataFrame
    calibration: pd.DataFrame
    calibration_bins: pd.DataFrame
    smoothed_calibration: pd.DataFrame
    decision_curve: pd.DataFrame
    thresholds: pd.DataFrame
    subgroups: pd.DataFrame
    policies: pd.DataFrame
    sensitivity: pd.DataFrame
    population: str
    outcome: str
    n: int
    n_outcome: int
    seed: int | None
    resamples: int
    subgroup_resamples: int
    models: dict[str, str] = field(default_factory=dict)
    policies_labels: dict[str, str] = field(default_factory=dict)
    cards: dict[str, str] = field(default_factory=dict)
    tree: bool = False
    reference: dict[str, Any] = field(default_factory=dict)
    sensitivity_settings: dict[str, Any] = field(default_factory=dict)
    version: str = __version__

    def table(self, name: str) -> pd.DataFrame:
        """One table by name; a ValueError lists the names when there is no such table."""
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}; an evaluation has {', '.join(TABLES)}")
        table: pd.DataFrame = getattr(self, name)
        return table

    def record(self) -> dict[str, Any]:
        """What the evaluation was computed on (everything but the tables), as plain values."""
        return {
            "version": self.version,
            "population": self.population,
            "outcome": self.outcome,
            "n": self.n,
            "n_outcome": self.n_outcome,
            "seed": self.seed,
            "resamples": self.resamples,
            "subgroup_resamples": self.subgroup_resamples,
            "models": self.models,
            "policies": self.policies_labels,
            "cards": self.cards,
            "tree": self.tree,
            "reference": self.reference,
            "sensitivity": self.sensitivity_settings,
            "tables": list(TABLES),
        }

    def to_dict(self) -> dict[str, Any]:
        """The record and every table as plain values, for JSON."""
        from scoring.analysis._comparison import _records

        return {**self.record(), "tables": {name: _records(self.table(name)) for name in TABLES}}

    def save(self, folder: str | Path, *, documents: bool = True) -> list[Path]:
        """Write every table as ``<name>.csv`` and ``<name>.json``, and ``evaluation.json``.

        Parameters
        ----------
        folder : str or Path
            Created if needed; files of the same names are replaced, each in one step (a
            symbolic link of that name is replaced, never written through); other files are
            left alone.
        documents : bool, default True
            Also write ``model_card.md``, ``data_sheet.md`` and ``tripod_checklist.csv`` /
            ``.json``, generated from this evaluation.

        Returns
        -------
        list of Path
            The files written, sorted. The same evaluation always writes the same bytes.
        """
        from scoring.analysis._comparison import _records

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in TABLES:
            table = self.table(name)
            written.append(_write(out / f"{name}.csv", table.to_csv(index=False, lineterminator="\n")))
            written.append(_write(out / f"{name}.json", _json(_records(table))))
        written.append(_write(out / EVALUATION_FILE, _json(self.record())))
        if documents:
            from scoring.evaluate._datasheet import data_sheet_markdown
            from scoring.evaluate._model_card import model_card_markdown, tripod_checklist

            checklist = tripod_checklist()
            written.append(_write(out / "model_card.md", model_card_markdown(self)))
            written.append(_write(out / "data_sheet.md", data_sheet_markdown(self)))
            written.append(_write(out / "tripod_checklist.csv", checklist.to_csv(index=False, lineterminator="\n")))
            written.append(_write(out / "tripod_checklist.json", _json(_records(checklist))))
        return sorted(written)


def _json(value: Any) -> str:
    return json.dumps(value, indent=1, allow_nan=False, ensure_ascii=False) + "\n"


def _write(path: Path, text: str) -> Path:
    # Through a hidden temporary, then one rename: a symbolic link of that name is replaced, never followed.
    return write_file(path, text.encode("utf-8"), overwrite=True)


def load_evaluation(folder: str | Path) -> Evaluation:
    """Read an evaluation written by :meth:`Evaluation.save` (the same tables, the same numbers).

    Raises
    ------
    ValueError
        If the folder, its ``evaluation.json`` or a table's JSON is missing or unreadable,
        naming the file.
    """
    from scoring.analysis._comparison import _table

    folder = Path(folder)
    where = folder / EVALUATION_FILE
    try:
        record = json.loads(where.read_text(encoding="utf-8"))
        tables = {}
        for name in TABLES:
            where = folder / f"{name}.json"
            tables[name] = _table(json.loads(where.read_text(encoding="utf-8")))
        return Evaluation(
            **tables,
            population=str(record["population"]),
            outcome=str(record["outcome"]),
            n=int(record["n"]),
            n_outcome=int(record["n_outcome"]),
            seed=record["seed"],
            resamples=int(record["resamples"]),
            subgroup_resamples=int(record["subgroup_resamples"]),
            models=dict(record["models"]),
            policies_labels=dict(record["policies"]),
            cards=dict(record["cards"]),
            tree=bool(record["tree"]),
            reference=dict(record["reference"]),
            sensitivity_settings=dict(record["sensitivity"]),
            version=str(record["version"]),
        )
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(
            f"{str(where)!r} is not part of an evaluation saved by Evaluation.save ({type(exc).__name__}: {exc}); "
            "compute it again with evaluate_population() or `zaro evaluate`"
        ) from None
