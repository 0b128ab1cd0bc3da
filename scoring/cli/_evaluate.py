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
    from scoring.evaluate._readable import headline_lines

    return headline_lines(evaluation)


def _value(value: float, share: bool) -> str:
    if value != value:  # NaN
        return "n/a"
    return percent(value, 1) if share else f"{value:.3f}"


def world_lines(evaluation: Any) -> list[str]:
    """The headline metrics' world intervals, the number that moves each most, and the scenarios, as lines.

    Empty for an evaluation without worlds.
    """
    table = evaluation.worlds
    if table.empty:
        return []
    settings = evaluation.worlds_settings
    lines = [
        f"Across {settings['worlds']} worlds drawn from the generator numbers' distributions "
        f"({settings['n']:,} vignettes each, seed {settings['seed']}): estimate (95% CI) and world interval:"
    ]
    headline = table[table["headline"]]
    tornado = evaluation.world_tornado
    for row in headline.itertuples(index=False):
        estimate = row.point if row.point == row.point else row.shipped_world
        ci = (
            f" ({_value(row.ci_low, row.share)} to {_value(row.ci_high, row.share)})"
            if row.ci_low == row.ci_low
            else ""
        )
        line = (
            f"  {row.label}: {_value(estimate, row.share)}{ci}; "
            f"worlds {_value(row.world_low, row.share)} to {_value(row.world_high, row.share)} "
            f"(shipped world {_value(row.shipped_world, row.share)})"
        )
        top = tornado[(tornado["metric"] == row.metric) & (tornado["rank"] == 1) & tornado["beyond_chance"]]
        if len(top):
            first = top.iloc[0]
            line += f"; moved most by {first['parameter']} (rank correlation {first['rank_correlation']:+.2f})"
        lines.append(line)
    scenarios = evaluation.world_scenarios
    if len(scenarios):
        lines.append("Scenarios (each a world of its own), against the shipped world:")
        shown = scenarios[scenarios["metric"].isin(set(headline["metric"]))]
        shares = dict(zip(table["metric"], table["share"]))
        for _, rows in shown.groupby("scenario", sort=False):
            parts = [
                f"{row.label} {_value(row.value, shares[row.metric])}"
                for row in rows.itertuples(index=False)
                if row.metric.startswith(("auc:", "sensitivity:"))
            ]
            lines.append(f"  {rows['scenario_label'].iloc[0]}: " + "; ".join(parts))
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
    "--worlds",
    type=click.IntRange(0, 10_000),
    default=0,
    show_default=True,
    help="Worlds to draw from the distributions of the generator's numbers (0 = off): every headline "
    "metric gets a world interval beside its sampling CI, a tornado of the numbers that move it and the "
    "named scenarios (scoring/definitions/worlds.toml).",
)
@click.option(
    "--worlds-n",
    type=click.IntRange(1000),
    help="Vignettes of each world's samples (its recalibration sample and its evaluation sample). [default: 100,000]",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes for the sensitivity analysis and the worlds.",
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
    worlds: int,
    worlds_n: int | None,
    jobs: int,
    out_dir: Path,
    overwrite: bool,
    no_progress: bool,
) -> None:
    """Evaluate every model and policy on a fresh synthetic sample, with confidence intervals.

    \b
    zaro evaluate --population community --out evaluation/

    Writes into OUT: every table as CSV and JSON (discrimination, calibration, decision
    curves, thresholds, subgroups, referral shares, sensitivity to assumptions, and with
    --worlds N the world intervals, their tornado, the scenarios and every generator
    number's distribution) with
    evaluation.json, the figures as HTML pages that work offline (figures/), model_card.md,
    data_sheet.md and the TRIPOD+AI checklist, and manifest.json listing every file with its
    SHA-256. The same arguments and version give the same bytes.
    """
    from scoring.evaluate import TABLES, evaluate_population

    if no_sensitivity and sensitivity_n is not None:
        raise click.UsageError("give --sensitivity-n or --no-sensitivity, not both")
    if worlds_n is not None and worlds == 0:
        raise click.UsageError("--worlds-n needs --worlds N (1 or more): no worlds are drawn with --worlds 0")
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
            worlds=worlds,
            worlds_n=worlds_n,
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
    for line in world_lines(evaluation):
        click.echo(line)
    click.echo(NOTICE)
