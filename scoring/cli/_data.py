"""`zaro` generate, validate and fit: the data set, and the tree fitted to the risk of a serious cause."""

from __future__ import annotations

import click

from scoring.cli._group import (
    EXIT_INPUT,
    EXIT_ROWS,
    formula_option,
    main,
    overwrite_option,
    population_option,
    reading,
)


@main.command("generate", epilog=EXIT_INPUT)
@click.option("--n", "n", type=click.IntRange(1), default=5000, show_default=True, help="How many vignettes.")
@click.option("--seed", type=click.IntRange(0), default=7, show_default=True, help="Random seed.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=str),
    default="data/vignettes.csv",
    show_default=True,
    help="CSV to write; its .meta.json (and README.md) go next to it.",
)
@click.option(
    "--label-noise",
    type=click.FloatRange(0, 0.5),
    default=0.0,
    show_default=True,
    help="Share of triage labels moved one step, to mimic clinicians disagreeing.",
)
@population_option(
    "enriched",
    "Who the vignettes describe (scoring/definitions/populations.toml): enriched is the learning mix "
    "models are fitted on (the shipped data set); community is adults who notice twitching.",
)
@click.option("--no-readme", is_flag=True, help="Do not write the data README next to the CSV.")
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def generate_command(
    n: int, seed: int, out: str, label_noise: float, population: str, no_readme: bool, no_progress: bool
) -> None:
    """Generate synthetic vignettes: the same n, seed, population and version give the same bytes.

    \b
    zaro generate --n 5000 --seed 7 --out data/vignettes.csv   # the shipped data set
    zaro generate --n 200000 --population community --out community.csv
    """
    import warnings

    from scoring.data import write_dataset

    reading(out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = write_dataset(
            out,
            n=n,
            seed=seed,
            population=population,
            label_noise=label_noise,
            readme=not no_readme,
            progress=not no_progress and n >= 100_000,
        )
    for warning in caught:
        click.echo(f"Note: {warning.message}", err=True)
    click.echo(f"{files.n} vignettes (seed {files.seed}) of the {files.population} population written to {files.csv}")
    click.echo(f"provenance: {files.meta}" + (f"; data dictionary: {files.readme}" if files.readme else ""))
    click.echo(f"sha256 {files.sha256}")


@main.command("validate", epilog=EXIT_ROWS)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=str),
    help="Where to write the rejected rows (default: PATH with .rejects.csv).",
)
@click.option("--keep-extra", is_flag=True, help="Allow columns that are not contract fields.")
@overwrite_option("the --rejects file")
@formula_option
def validate_command(path: str, rejects: str | None, keep_extra: bool, overwrite: bool, no_formula_guard: bool) -> None:
    """Check every row of a vignette CSV against the contract.

    Prints a summary and the first problems, and writes every rejected row with its field,
    value, reason and what is allowed. Exits with status 1 when any row is rejected.
    """
    from scoring.batch import check_rejects_target, read_csv_header, write_table
    from scoring.data import validate_csv

    target = check_rejects_target(path, rejects, overwrite=overwrite)
    reading(path)
    read_csv_header(path)
    result = validate_csv(path, extra="keep" if keep_extra else "error")
    click.echo(result.summary())
    if result.n_rejected_rows:
        write_table(result.rejected, target, overwrite=overwrite, formula_safe=not no_formula_guard)
        for problem in result.rejected.head(10).itertuples():
            click.echo(
                f"  row {problem.row}: {problem.field}: {problem.reason} (got {problem.value!r}; allowed: {problem.allowed})"
            )
        if len(result.rejected) > 10:
            click.echo(f"  ... {len(result.rejected) - 10} more")
        click.echo(f"rejected rows written to {target}")
        raise SystemExit(1)


@main.command("fit", epilog=EXIT_INPUT)
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="CSV of generated vignettes with their latent_cause column "
    "(default: a seeded sample generated in memory from the enriched mix, as tree.json records).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for tree.skops and tree.json, and for learned.toml and learned.calibration.json "
    "(default: the shipped scoring/models and scoring/cards).",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
@click.option("--tree-only", is_flag=True, help="Fit the decision tree only, not the learned card.")
@click.option(
    "--learned-only",
    is_flag=True,
    help="Refit the learned card only (learned.toml and its calibration; into --out when given, else scoring/cards).",
)
def fit_command(
    data_path: str | None, out_dir: str | None, no_progress: bool, tree_only: bool, learned_only: bool
) -> None:
    """Fit the decision tree to the risk of a serious cause: depth, leaf size and pruning by 5-fold CV.

    With no options this rebuilds the shipped model from its seeded sample, byte for byte.

    It also refits the learned card (scoring/cards/learned.toml and learned.calibration.json)
    from generated vignettes by its fixed recipe, byte for byte; --data is for the tree only.
    """
    # -- the learned card (scoring.engine.risk.fit_learned_card), before the tree ---------
    if tree_only and learned_only:
        raise click.UsageError("give --tree-only or --learned-only, not both")
    if learned_only and data_path is not None:
        raise click.UsageError(
            "--data is the tree's training CSV; the learned card is fitted on generated vignettes, "
            "so leave out --data with --learned-only"
        )
    if data_path is not None:
        # Check the tree's data before anything is refitted, so a bad file changes nothing.
        from scoring.batch import read_csv_header

        reading(data_path)
        read_csv_header(data_path)
    # --data names the tree's training file: the learned card keeps its own recipe and is left alone.
    if not tree_only and data_path is None:
        _fit_learned_card(out_dir)
        if learned_only:
            return
    # -- the decision tree ------------------------------------------------------------------
    from scoring.engine.tree import fit_default_tree, render_rules_text
    from scoring.wording import percent

    fit = fit_default_tree(data_path, progress=not no_progress)
    model_path, record_path = fit.save(out_dir)
    record = fit.record
    chosen = record["cross_validation"]["selected"]
    params = ", ".join(f"{k}={v}" for k, v in fit.search.best_params.items())
    data = record["data"]
    click.echo(f"Chosen by cross-validation: {params}")
    click.echo(
        f"Fitted to {record['outcome']} on {data['n']:,} vignettes of the {record['population']} population "
        f"({data['n_outcome']:,} with the outcome, {percent(data['prevalence'], 1)}): "
        f"depth {record['structure']['depth']}, {record['structure']['n_leaves']} leaves"
    )
    click.echo(
        f"CV log loss {chosen['log_loss']['mean']:.4f} ± {chosen['log_loss']['std']:.4f}; "
        f"Brier {chosen['brier']['mean']:.4f}; AUC {chosen['auc']['mean']:.3f} ± {chosen['auc']['std']:.3f}"
    )
    check = record.get("fresh_sample")
    if check:
        click.echo(
            f"Fresh {check['population']} sample ({check['n']:,} vignettes, seed {check['seed']}): "
            f"AUC {check['auc']:.3f}, calibration slope {check['calibration_slope']:.2f}, "
            f"intercept {check['calibration_intercept']:+.2f}, Brier {check['brier']:.4f}"
        )
    click.echo(render_rules_text(fit.tree))
    click.echo(f"Wrote {model_path} and {record_path}", err=True)


def _fit_learned_card(out_dir: str | None) -> None:
    """Refit the learned card by its recipe and say what was chosen."""
    from scoring.engine.risk import binary_feature, fit_learned_card

    fit = fit_learned_card(out_dir)
    sizes = fit.sizes.set_index("k")["held_out_auc"]
    largest = int(sizes.index.max())
    recipe = fit.recipe
    click.echo(
        f"Learned card: {len(fit.score.points)} items for {recipe.outcome}, fitted on the {fit.n_fitted:,} of "
        f"{recipe.n:,} enriched vignettes (seed {recipe.seed}) without a red flag. k = {fit.k} is the smallest "
        f"size within {recipe.tolerance:g} held-out AUC of k = {largest} ({sizes[fit.k]:.4f} against "
        f"{sizes[largest]:.4f}; {recipe.check_n:,} vignettes, seed {recipe.check_seed})."
    )
    for name, points in zip(fit.score.feature_names, fit.score.points):
        click.echo(f"  {points:+d}  {binary_feature(name).label}")
    click.echo(f"Wrote {fit.card_path} and {fit.calibration_path}", err=True)
