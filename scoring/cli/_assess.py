"""`zaro` assess, card, explain and compare: scoring vignettes and showing why."""

from __future__ import annotations

from typing import Any

import click

from scoring.cli._explain import explain_text
from scoring.cli._group import (
    EXIT_INPUT,
    EXIT_ROWS,
    card_option,
    formula_option,
    main,
    overwrite_option,
    policy_option,
    population_option,
    reading,
    sample_models,
    sample_options,
    sigterm_as_interrupt,
    tree_option,
)
from scoring.cli._text import assessment_text
from scoring.wording import NOTICE


@main.command("assess", epilog=EXIT_ROWS)
@click.argument("source", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("--vignette", "vignette_json", metavar="JSON", help="One vignette as a JSON object.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=str),
    help="Where to write the scored rows (.csv, or .parquet to keep the column types).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=str),
    help="Where to write rejected rows, one line per problem (default: OUT with .rejects.csv).",
)
@card_option
@tree_option
@population_option(
    "community",
    "Whom the risks are for (scoring/definitions/populations.toml): community is adults who notice "
    "twitching; enriched is the learning mix the models were fitted on.",
)
@policy_option
@click.option("--json", "as_json", is_flag=True, help="Print one vignette's assessment as JSON.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1),
    default=200_000,
    show_default=True,
    help="Rows scored per chunk of a file.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "pandas"]),
    default=None,
    help="What scores a file: DuckDB (streams the compiled SQL) or pandas (chunks); default by file size.",
)
@overwrite_option("the --out file and the --rejects file")
@formula_option
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def assess_command(
    source: str | None,
    vignette_json: str | None,
    out: str | None,
    rejects: str | None,
    card_name: str,
    tree_path: str | None,
    population: str,
    policy: str,
    as_json: bool,
    chunk_size: int,
    engine: str | None,
    overwrite: bool,
    no_formula_guard: bool,
    no_progress: bool,
) -> None:
    """Assess one vignette (JSON, or a .json file) or a CSV or Parquet file of vignettes.

    \b
    zaro assess '{"age": 30, "duration_weeks": 1, "frequency": "daily",
                  "severity": "minor", "locations": "eyelid"}'
    zaro assess case.json --json
    zaro assess case.json --population enriched --policy risk
    zaro assess vignettes.csv --out scored.csv --rejects rejects.csv

    One vignette prints the recommendation (the chosen policy's), both policies' answers
    with their reasons, the card's and the tree's chance of a serious cause for the
    population, the points and the advice. A file gets the columns of assess_frame:
    risk_serious_cause, guideline_recommendation, risk_policy_recommendation, recommendation, ...

    Bad input stops with a one-line message naming the field, the value and what is
    allowed (exit status 2). In a file, bad rows go to the rejects file and every row is
    accounted for: rows read = scored + rejected (exit status 1 when any row is rejected).
    The outputs appear only when complete; an existing file is replaced only with --overwrite.
    """
    if source is not None and source.lstrip()[:1] in ("{", "["):
        # Inline JSON as the argument, as `zaro explain` takes it.
        source, vignette_json = None, source if vignette_json is None else vignette_json
    if (vignette_json is None) == (source is None):
        raise click.UsageError(
            "give exactly one of: a vignette as JSON (argument or --vignette), a .json file, or a .csv or .parquet file"
        )
    if vignette_json is not None or str(source).lower().endswith(".json"):
        if out or rejects:
            raise click.UsageError("--out and --rejects are for CSV and Parquet files; one vignette is printed")
        _assess_one(
            vignette_json if vignette_json is not None else source,  # type: ignore[arg-type]
            card_name,
            tree_path,
            as_json,
            population=population,
            policy=policy,
        )
        return
    if as_json:
        raise click.UsageError("--json is for one vignette; a file is scored to --out")
    if out is None:
        raise click.UsageError("--out OUT.csv (or OUT.parquet) is needed to score a file")
    _assess_file(
        source,  # type: ignore[arg-type]
        out,
        rejects=rejects,
        card=card_name,
        tree=tree_path or "default",
        population=population,
        policy=policy,
        chunk_rows=chunk_size,
        engine=engine,
        overwrite=overwrite,
        formula_safe=not no_formula_guard,
        progress=not no_progress,
    )


def _assess_one(
    text_or_path: str, card_name: str, tree_path: str | None, as_json: bool, *, population: str, policy: str
) -> None:
    import json

    from scoring.assessment import assess
    from scoring.batch import read_vignette_json, resolve_tree_option
    from scoring.engine.card import load_card

    card = load_card(card_name)
    tree = resolve_tree_option(tree_path or "default")
    reading("the vignette" if text_or_path.lstrip()[:1] in ("{", "[") else text_or_path)
    assessment = assess(read_vignette_json(text_or_path), card=card, tree=tree, population=population, policy=policy)
    if as_json:
        click.echo(json.dumps(assessment.to_dict(), indent=2))
    else:
        click.echo(assessment_text(assessment))


def _assess_file(source: str, out: str, *, progress: bool, **options: Any) -> None:
    from tqdm import tqdm

    from scoring.batch import assess_file

    reading(source)
    # disable=None: show the bar only when stderr is a terminal (not in pipes or logs).
    with (
        sigterm_as_interrupt(),
        tqdm(unit=" rows", unit_scale=True, disable=None if progress else True, desc="assess") as bar,
    ):
        summary = assess_file(source, out, progress=bar.update, **options)
    click.echo(summary.summary())
    click.echo(f"scored rows: {summary.paths.out}; rejected rows: {summary.paths.rejects}", err=True)
    if summary.rows_rejected:
        raise SystemExit(1)


@main.command("card", epilog=EXIT_INPUT)
@card_option
@population_option(
    "community",
    "Whose risk the risk table shows (scoring/definitions/populations.toml): community is adults who notice "
    "twitching; enriched is the learning mix the card was calibrated on.",
)
@click.option("--html", "as_html", is_flag=True, help="Print the card as an HTML table instead of text.")
def card_command(card_name: str, population: str, as_html: bool) -> None:
    """Print a points card and its risk table: each total's risk of the card's outcome in a population.

    \b
    zaro card --card learned                       # risk in the community population
    zaro card --card learned --population enriched
    """
    from scoring.engine.calibration import risk_table
    from scoring.engine.card import list_cards, load_card, render_card_html, render_card_text

    card = load_card(card_name)
    if as_html:
        click.echo(render_card_html(card), nl=False)
        return
    click.echo(render_card_text(card))
    if card.calibration is None:
        click.echo(
            "No calibration fitted for this card: run scoring.engine.calibration.fit_calibration(card, save=True)."
        )
    else:
        click.echo(_risk_table_text(risk_table(card, population=population), card.calibration.data))
    click.echo(f"Cards available: {', '.join(list_cards())}")
    click.echo(NOTICE)


def _risk_table_text(table: Any, calibration: Any) -> str:
    """The risk table as text: a paragraph saying what the risks are, then one row per total.

    ``calibration`` is the card's stored calibration record: what it was fitted on (``data``)
    and how its risks are moved to other populations (``transport``).
    """
    import textwrap

    from scoring.engine.populations import load_population
    from scoring.engine.risk import load_outcomes
    from scoring.wording import risk_percent

    attrs = table.attrs
    outcome = load_outcomes()[attrs["outcome"]]
    target, trained = load_population(attrs["population"]), load_population(attrs["trained_on"])
    moved = target.id != trained.id
    data = calibration.get("data", {})
    fitted = f"{data['n']:,} synthetic vignettes" if "n" in data else "synthetic vignettes"
    seed = f" (seed {data['seed']})" if "seed" in data else ""
    how = " by prior shift"
    step = calibration.get("transport", {}).get(target.id)
    if step is not None:
        how += f" and a recalibration on {step['n']:,} {target.id} vignettes (seed {step['seed']})"
        if attrs.get("risk_by_age_band"):
            how += (
                f" and within each age band (the columns by age; a person's risk is their age band's, the "
                f"{target.id} column the whole population's)"
            )
    red_flag = risk_percent(attrs["red_flag_risk"])
    if moved:
        red_flag += f" ({trained.id}: {risk_percent(attrs['red_flag_risk_trained'])})"
    by_band = attrs.get("red_flag_risk_by_age_band") or {}
    if by_band:
        red_flag += "; by age band: " + ", ".join(f"{risk_percent(p)} aged {band}" for band, p in by_band.items())
    heading = (
        f"Risk table: the risk of {outcome.name} ({outcome.label.lower()}) for each points total "
        f"without a red flag, in the {target.id} population ({target.label.lower()}). Calibrated on {fitted} "
        f"of the {trained.id} population{seed}"
        + (f" and moved to {target.id}{how}" if moved else "")
        + f". The columns n, with outcome and observed count the {trained.id} vignettes the card was "
        f"calibrated on. With a red flag the points total is not used: the risk for anyone with a red flag "
        f"is {red_flag}."
    )
    columns = {
        "total": [str(t) for t in table.index],
        "band": table["band"].tolist(),
        "recommendation": table["recommendation"].tolist(),
        f"risk ({target.id})": [risk_percent(p) for p in table["risk"]],
    }
    for band, risks in (attrs.get("risk_by_age_band") or {}).items():
        columns[f"aged {band}"] = [risk_percent(p) for p in risks]
    if moved:
        columns[f"risk ({trained.id})"] = [risk_percent(p) for p in table["risk_trained"]]
    columns["n"] = [f"{n:,}" for n in table["n"]]
    columns["with outcome"] = [f"{n:,}" for n in table["n_outcome"]]
    # An observed share of 0 out of a few vignettes is 0%, not a small risk.
    columns[f"observed ({trained.id})"] = [
        "-" if not n else "0%" if not k else risk_percent(p)
        for p, n, k in zip(table["observed"], table["n"], table["n_outcome"])
    ]
    left = {"band", "recommendation"}
    widths = {name: max(len(name), *(len(v) for v in values)) for name, values in columns.items()}

    def line(cells: dict[str, str]) -> str:
        parts = [cells[c].ljust(widths[c]) if c in left else cells[c].rjust(widths[c]) for c in columns]
        return "  ".join(parts).rstrip()

    rows = [line({c: c for c in columns})]
    rows += [line({c: values[i] for c, values in columns.items()}) for i in range(len(table))]
    return "\n".join(textwrap.wrap(heading, 100)) + "\n\n" + "\n".join(rows) + "\n"


@main.command("explain", epilog=EXIT_INPUT)
@click.argument("vignette", required=False)
@click.option(
    "--vignette", "vignette_option", metavar="JSON", help="The vignette as a JSON object (as for zaro assess)."
)
@card_option
@tree_option
@click.option("--no-tree", is_flag=True, help="Use the points card alone.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.option(
    "--full",
    is_flag=True,
    help="Print everything: every change that would move the answer, the whole advice, likelihood ratios.",
)
def explain_command(
    vignette: str | None,
    vignette_option: str | None,
    card_name: str,
    tree_path: str | None,
    no_tree: bool,
    as_json: bool,
    full: bool,
) -> None:
    """Explain one vignette: points, the tree's path, and what would change the recommendation.

    VIGNETTE is a JSON object or the path of a .json file, e.g.

    \b
    zaro explain '{"age": 58, "duration_weeks": 12, "frequency": "daily",
                   "severity": "moderate", "locations": "hand;arm", "weakness": true}'

    The short view fits a screen, wrapped to the terminal's width; --full prints everything.
    """
    import json

    from scoring.analysis.explain import counterfactuals, most_influential_field
    from scoring.assessment import assess
    from scoring.batch import read_vignette_json, resolve_tree_option
    from scoring.engine.card import load_card

    if (vignette is None) == (vignette_option is None):
        raise click.UsageError("give the vignette once: as JSON or a .json file, or with --vignette JSON")
    if no_tree and tree_path:
        raise click.UsageError("give --tree or --no-tree, not both")
    card = load_card(card_name)
    tree = None if no_tree else resolve_tree_option(tree_path or "default")
    reading("the vignette" if vignette is None or vignette.lstrip()[:1] in ("{", "[") else vignette)
    assessment = assess(read_vignette_json(vignette_option or vignette), card=card, tree=tree)  # type: ignore[arg-type]
    found = counterfactuals(assessment.vignette, card=card, tree=tree)
    influence = most_influential_field(assessment.vignette, card=card, tree=tree)
    if as_json:
        payload = {
            "assessment": assessment.to_dict(),
            "counterfactuals": [cf.to_dict() for cf in found],
            "most_influential_field": influence.to_dict(),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(explain_text(assessment, found, influence, full=full, card=card))


@main.command("compare", epilog=EXIT_INPUT)
@sample_options("compare")
@click.option(
    "--resamples",
    type=click.IntRange(1),
    default=1000,
    show_default=True,
    help="Bootstrap resamples of each AUC's 95% interval.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
def compare_command(
    population: str,
    n: int,
    seed: int,
    card_names: tuple[str, ...],
    tree_path: str | None,
    no_tree: bool,
    resamples: int,
    as_json: bool,
) -> None:
    """Compare the risk models and the policies on a fresh synthetic sample of a population.

    For the expert card, the learned card, the tree and gradient boosting on every feature
    (a flexible reference): AUC with its 95% interval, calibration and Brier score, and each
    policy's sensitivity by cause with Wilson intervals.
    For the guideline and the risk policy: sensitivity, specificity, PPV and NPV of a
    referral for a serious cause, and the share sent to each level.
    """
    import json

    from scoring.analysis.compare import compare_models, render_comparison_text

    cards, tree = sample_models(card_names, tree_path, no_tree)
    result = compare_models(population, n, seed, cards=cards, tree=tree, resamples=resamples)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=1, allow_nan=False))
    else:
        click.echo(render_comparison_text(result))
        click.echo("")
        click.echo(NOTICE)
