"""`zaro evaluate`: every model and policy evaluated on a population, written as tables, figures and a model card."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import click

from scoring._outputs import (
    MANIFEST_NAME,
    check_folder_output,
    folder_manifest,
    hidden_temporary,
    output_lock,
    replace_folder,
    write_failure,
    write_file,
)
from scoring.cli._group import (
    EXIT_INPUT,
    main,
    sample_models,
    sample_options,
    sigterm_as_interrupt,
)
from scoring.wording import NOTICE, percent

#: The folder of figures inside --out; one plotly.js next to them serves every figure.
FIGURES_DIR = "figures"


def _check_out(out: Path, overwrite: bool) -> None:
    """Refuse, before any work, an --out that would lose something (see :func:`check_folder_output`)."""
    check_folder_output(out, overwrite=overwrite)


def write_evaluation(evaluation: Any, out: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the tables, documents and figures into ``out``, which appears only when complete.

    Everything is written into a hidden temporary folder next to ``out`` with a
    ``manifest.json`` of its files, and moved into place at the end, so an interrupted run
    leaves ``out`` as it was. With ``overwrite`` an earlier evaluation's folder is replaced,
    and only one whose every file its manifest lists: a folder holding anything else, the
    current folder and a symbolic link are refused (:func:`check_folder_output`).

    Returns
    -------
    list of Path
        Every file written, relative to ``out``, sorted.
    """
    from scoring.plots import evaluation_figures

    check_folder_output(out, overwrite=overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(out):
        scratch = hidden_temporary(out, folder=True)
        try:
            evaluation.save(scratch)
            figures = scratch / FIGURES_DIR
            figures.mkdir()
            for name, figure in evaluation_figures(evaluation).items():
                # "directory": one plotly.min.js in figures/ serves every page, offline.
                figure.write_html(figures / f"{name}.html", include_plotlyjs="directory", full_html=True, div_id=name)
            write_file(scratch / MANIFEST_NAME, folder_manifest(scratch), overwrite=False)
            replace_folder(scratch, out, overwrite=overwrite)
        except BaseException as exc:
            shutil.rmtree(scratch, ignore_errors=True)
            failure = write_failure(exc, out) if isinstance(exc, OSError) else None
            if failure is not None:
                raise failure from None
            raise
    return sorted(path.relative_to(out) for path in out.rglob("*") if path.is_file())


def _headlines(evaluation: Any) -> list[str]:
    """A few lines to read at once: each model's AUC and each policy's sensitivity and referrals, with intervals."""

    def interval(value: float, low: float, high: float, digits: int = 1) -> str:
        return f"{percent(value, digits)} ({percent(low, digits)} to {percent(high, digits)})"

    lines = ["AUC (95% CI):"]
    for row in evaluation.discrimination.itertuples(index=False):
        lines.append(f"  {row.label}: {row.auc:.3f} ({row.auc_low:.3f} to {row.auc_high:.3f})")
    table = evaluation.thresholds
    policies = table[(table["kind"] == "policy") & (table["positive"] == "referred")]
    if len(policies):
        lines.append("Policies: serious causes referred (sensitivity) and people referred, 95% Wilson CIs:")
        for row in policies.itertuples(index=False):
            lines.append(
                f"  {row.label}: {interval(row.sensitivity, row.sensitivity_low, row.sensitivity_high)}; "
                f"referred {interval(row.share_referred, row.share_referred_low, row.share_referred_high)}"
            )
    return lines


@main.command("evaluate", epilog=EXIT_INPUT)
@sample_options("evaluate")
@click.option(
    "--resamples", type=click.IntRange(1), default=1000, show_default=True, help="Bootstrap resamples of each AUC."
)
@click.option(
    "--subgroup-resamples",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Bootstrap resamples of each subgroup's AUC.",
)
@click.option("--no-sensitivity", is_flag=True, help="Skip the sensitivity analysis of the assumed numbers.")
@click.option(
    "--sensitivity-n",
    type=click.IntRange(1000),
    help="Vignettes per setting of the sensitivity analysis. [default: 50,000]",
)
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=1, show_default=True, help="Processes for the sensitivity analysis."
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write the tables, figures, model card and data sheet into (refused if not empty, "
    "unless --overwrite).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace OUT if it holds an earlier evaluation: only a folder whose every file its manifest.json "
    "lists (what zaro evaluate wrote) is replaced, never one holding other files, the current folder or a link.",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def evaluate_command(
    population: str,
    n: int,
    seed: int,
    card_names: tuple[str, ...],
    tree_path: str | None,
    no_tree: bool,
    resamples: int,
    subgroup_resamples: int,
    no_sensitivity: bool,
    sensitivity_n: int | None,
    jobs: int,
    out_dir: Path,
    overwrite: bool,
    no_progress: bool,
) -> None:
    """Evaluate every model and policy on a fresh synthetic sample, with confidence intervals.

    \b
    zaro evaluate --population community --out evaluation/

    Writes into OUT: every table as CSV and JSON (discrimination, calibration, decision
    curves, thresholds, subgroups, referral shares, sensitivity to assumptions) with
    evaluation.json, the figures as HTML pages that work offline (figures/), model_card.md,
    data_sheet.md and the TRIPOD+AI checklist, and manifest.json listing every file with its
    SHA-256. The same arguments and version give the same bytes.
    """
    from scoring.evaluate import TABLES, evaluate_population

    if no_sensitivity and sensitivity_n is not None:
        raise click.UsageError("give --sensitivity-n or --no-sensitivity, not both")
    _check_out(out_dir, overwrite)
    started = time.perf_counter()
    cards, tree = sample_models(card_names, tree_path, no_tree)
    with sigterm_as_interrupt():
        evaluation = evaluate_population(
            population,
            n,
            seed,
            cards=cards,
            tree=tree,
            resamples=resamples,
            subgroup_resamples=subgroup_resamples,
            sensitivity=not no_sensitivity,
            sensitivity_n=sensitivity_n,
            jobs=jobs,
            progress=not no_progress,
        )
        files = write_evaluation(evaluation, out_dir, overwrite=overwrite)
    figures = [f for f in files if f.parts[0] == FIGURES_DIR and f.suffix == ".html"]
    tables = [f for f in files if len(f.parts) == 1 and f.suffix == ".csv" and f.stem in TABLES]
    click.echo(
        f"Evaluated {evaluation.n:,} fresh synthetic vignettes of the {evaluation.population} population "
        f"(seed {evaluation.seed}), {evaluation.n_outcome:,} with a serious cause, "
        f"in {time.perf_counter() - started:.1f} s."
    )
    click.echo(
        f"Written to {out_dir}/: {len(tables)} tables (CSV and JSON), {len(figures)} figures ({FIGURES_DIR}/), "
        "model_card.md, data_sheet.md, tripod_checklist.csv"
    )
    for line in _headlines(evaluation):
        click.echo(line)
    if no_sensitivity:
        click.echo("Sensitivity to assumptions: not run (--no-sensitivity).")
    click.echo(NOTICE)
