"""The ``zaro`` command line: a thin shell over the package API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from scoring._version import __version__
from scoring.wording import NOTICE


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="zaro")
def main() -> None:
    """zaro: explainable triage for muscle twitching.

    Educational decision support built on synthetic data; not a medical device.
    """


@main.command("app")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8866,
    show_default=True,
    help="Port on 127.0.0.1 to serve the app on.",
)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@click.option(
    "--pool-size", type=click.IntRange(0, 64), default=2, show_default=True, help="Kernels started ahead of visitors."
)
@click.option(
    "--max-kernels",
    type=click.IntRange(1, 256),
    default=6,
    show_default=True,
    help="Kernels at most at once, preheated ones included (about 200 MB each).",
)
@click.option(
    "--cull-idle-timeout",
    type=click.IntRange(1, 7 * 24 * 3600),
    default=900,
    show_default=True,
    help="Seconds of inactivity after which a visitor's kernel is shut down, page open or not.",
)
@click.option(
    "--cull-interval",
    type=click.IntRange(1, 24 * 3600),
    default=60,
    show_default=True,
    help="Seconds between two checks for idle kernels.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also accept requests addressed to this host name (e.g. a reverse proxy); repeatable.",
)
def app_command(
    port: int,
    no_browser: bool,
    pool_size: int,
    max_kernels: int,
    cull_idle_timeout: int,
    cull_interval: int,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Serve the explorer (notebooks/explorer.ipynb) as a web app with Voila.

    Listens on 127.0.0.1 only and answers only requests addressed to localhost; each
    visitor gets their own kernel; code is hidden; nothing loads from the network.
    Stop it with Ctrl-C.
    """
    from scoring.app import AppSettings, explorer_notebook, serve

    try:
        settings = AppSettings(
            port=port,
            open_browser=not no_browser,
            pool_size=pool_size,
            max_kernels=max_kernels,
            cull_idle_timeout=cull_idle_timeout,
            cull_interval=cull_interval,
            allowed_hosts=allowed_hosts,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(NOTICE, err=True)
    click.echo(f"Serving {explorer_notebook()} at http://127.0.0.1:{port}/", err=True)
    try:
        code = serve(settings)
    except (RuntimeError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    raise SystemExit(code)


def _fail(message: str) -> None:
    """Print a one-line error and exit with status 2 (bad input), without a traceback."""
    click.echo(f"Error: {' '.join(str(message).split())}", err=True)
    raise SystemExit(2)


@contextmanager
def _input_errors(source: object = "input") -> Iterator[None]:
    """Turn bad input and unreadable files into one-line errors with exit status 2.

    Covers the contract (VignetteError), card files (CardError), CSV files that are empty,
    malformed or not UTF-8, and files that cannot be read or written.
    """
    import pandas as pd

    from scoring.contract.schema import VignetteError
    from scoring.engine.card import CardError

    try:
        yield
    except (VignetteError, CardError) as exc:
        _fail(str(exc))
    except pd.errors.EmptyDataError:
        _fail(f"{source} is empty: expected a header row of field names, then one vignette per row")
    except pd.errors.ParserError as exc:
        _fail(f"{source} is not a readable CSV file: {str(exc).splitlines()[-1]}")
    except UnicodeDecodeError:
        _fail(f"{source} is not UTF-8 text")
    except OSError as exc:
        _fail(f"cannot read or write {exc.filename or source}: {exc.strerror or exc}")


def _refuse_same_files(**paths: str | None) -> None:
    """Stop before an output would overwrite the input (or another output)."""
    from pathlib import Path

    seen: dict[Path, str] = {}
    for role, path in paths.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            _fail(f"{role} and {seen[resolved]} are the same file ({path}); choose another path")
        seen[resolved] = role


# --------------------------------------------------------------------------------------
# generate and validate (the data set)
# --------------------------------------------------------------------------------------


@main.command("generate")
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
@click.option("--no-readme", is_flag=True, help="Do not write the data README next to the CSV.")
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def generate_command(n: int, seed: int, out: str, label_noise: float, no_readme: bool, no_progress: bool) -> None:
    """Generate synthetic vignettes: the same n, seed and version give the same bytes.

    \b
    zaro generate --n 5000 --seed 7 --out data/vignettes.csv   # the shipped data set
    """
    import warnings

    from scoring.data import write_dataset

    with _input_errors(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        files = write_dataset(
            out,
            n=n,
            seed=seed,
            label_noise=label_noise,
            readme=not no_readme,
            progress=not no_progress and n >= 100_000,
        )
    for warning in caught:
        click.echo(f"Note: {warning.message}", err=True)
    click.echo(f"{files.n} vignettes (seed {files.seed}) written to {files.csv}")
    click.echo(f"provenance: {files.meta}" + (f"; data dictionary: {files.readme}" if files.readme else ""))
    click.echo(f"sha256 {files.sha256}")


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=str),
    help="Where to write the rejected rows (default: PATH with .rejects.csv).",
)
@click.option("--keep-extra", is_flag=True, help="Allow columns that are not contract fields.")
def validate_command(path: str, rejects: str | None, keep_extra: bool) -> None:
    """Check every row of a vignette CSV against the contract.

    Prints a summary and the first problems, and writes every rejected row with its field,
    value, reason and what is allowed. Exits with status 1 when any row is rejected.
    """
    from pathlib import Path

    from scoring.data import validate_csv

    target = Path(rejects) if rejects else Path(path).with_suffix(".rejects.csv")
    _refuse_same_files(input=path, rejects=str(target))
    with _input_errors(path):
        result = validate_csv(path, extra="keep" if keep_extra else "error")
    click.echo(result.summary())
    if result.n_rejected_rows:
        with _input_errors(target):
            result.rejected.to_csv(target, index=False)
        for problem in result.rejected.head(10).itertuples():
            click.echo(
                f"  row {problem.row}: {problem.field}: {problem.reason} (got {problem.value!r}; allowed: {problem.allowed})"
            )
        if len(result.rejected) > 10:
            click.echo(f"  ... {len(result.rejected) - 10} more")
        click.echo(f"rejected rows written to {target}")
        raise SystemExit(1)


# --------------------------------------------------------------------------------------
# assess and card
# --------------------------------------------------------------------------------------


@main.command("assess")
@click.argument("source", required=False, type=click.Path(dir_okay=False, path_type=str))
@click.option("--vignette", "vignette_json", metavar="JSON", help="One vignette as a JSON object.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Where to write the scored rows (CSV input only).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True, path_type=str),
    help="Where to write rejected rows, one line per problem (default: OUT with .rejects.csv).",
)
@click.option("--card", "card_name", default="default", show_default=True, help="Card name or path to a card .toml.")
@click.option("--json", "as_json", is_flag=True, help="Print one vignette's assessment as JSON.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1),
    default=200_000,
    show_default=True,
    help="Rows scored per chunk of a CSV file.",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def assess_command(
    source: str | None,
    vignette_json: str | None,
    out: str | None,
    rejects: str | None,
    card_name: str,
    as_json: bool,
    chunk_size: int,
    no_progress: bool,
) -> None:
    """Assess one vignette (JSON, or a .json file) or a CSV file of vignettes.

    \b
    zaro assess '{"age": 30, "duration_weeks": 1, "frequency": "daily",
                  "severity": "minor", "locations": "eyelid"}'
    zaro assess case.json --json
    zaro assess vignettes.csv --out scored.csv --rejects rejects.csv

    Bad input stops with a one-line message naming the field, the value and what is
    allowed (exit status 2). In a CSV, bad rows go to the rejects file and every row is
    accounted for: rows read = scored + rejected.
    """
    from scoring.engine.card import load_card

    with _input_errors(card_name):
        card = load_card(card_name)
    if source is not None and source.lstrip()[:1] in ("{", "["):
        # Inline JSON as the argument, as `zaro explain` takes it.
        source, vignette_json = None, source if vignette_json is None else vignette_json
    if (vignette_json is None) == (source is None):
        _fail("give exactly one of: a vignette as JSON (argument or --vignette), a .json file or a .csv file")
    if vignette_json is not None or str(source).lower().endswith(".json"):
        if out or rejects:
            _fail("--out and --rejects are for CSV files; one vignette is printed")
        with _input_errors(source or "the vignette"):
            if vignette_json is None:
                vignette_json = _read_vignette_argument(source)  # type: ignore[arg-type]
            _assess_one(vignette_json, card, as_json)  # type: ignore[arg-type]
        return
    if not str(source).lower().endswith(".csv"):
        _fail(f"{source}: expected a .csv file of vignettes or a .json file with one vignette")
    if as_json:
        _fail("--json is for one vignette; a CSV file is scored to --out")
    if out is None:
        _fail("--out OUT.csv is needed to score a CSV file")
    from pathlib import Path

    _refuse_same_files(input=source, out=out, rejects=rejects or str(Path(out).with_suffix(".rejects.csv")))
    with _input_errors(source):
        _assess_csv(source, out, rejects, card, chunk_size, progress=not no_progress)  # type: ignore[arg-type]


def _assess_one(text: str, card, as_json: bool) -> None:
    import json

    from scoring.assess import assess
    from scoring.contract.schema import FieldError, VignetteError

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VignetteError([FieldError("vignette", text, f"not valid JSON ({exc.msg})", "a JSON object")]) from None
    assessment = assess(data, card=card)
    if as_json:
        click.echo(json.dumps(assessment.to_dict(), indent=2))
    else:
        click.echo(assessment.summary())


def _assess_csv(source: str, out: str, rejects: str | None, card, chunk_size: int, *, progress: bool) -> None:
    from pathlib import Path

    import pandas as pd
    from tqdm import tqdm

    from scoring.assess import assess_frame
    from scoring.data import CSV_READ_OPTIONS

    rejects_path = Path(rejects) if rejects else Path(out).with_suffix(".rejects.csv")
    n_read = n_scored = n_rejected = 0
    wrote_rejects = False
    # disable=None: show the bar only when stderr is a terminal (not in pipes or logs).
    bar = tqdm(unit=" rows", unit_scale=True, disable=None if progress else True, desc="assess")
    try:
        # Read cells exactly as `zaro validate` does: as text, only empty cells missing.
        reader = pd.read_csv(source, chunksize=chunk_size, **CSV_READ_OPTIONS)
        for k, chunk in enumerate(reader):
            result = assess_frame(chunk, card=card)
            result.scored.to_csv(out, mode="w" if k == 0 else "a", header=k == 0, index=False)
            table = result.rejected
            if len(table) or not wrote_rejects:
                # Row numbers count data rows from 1 across the whole file, not per chunk.
                table = table.assign(row=table["row"] + n_read)
                table.to_csv(rejects_path, mode="a" if wrote_rejects else "w", header=not wrote_rejects, index=False)
                wrote_rejects = True
            n_read += result.n_input
            n_scored += len(result.scored)
            n_rejected += result.n_rejected
            bar.update(result.n_input)
    finally:
        bar.close()
    if n_read == 0:
        # An empty file (header only) still gets an output with the header.
        pd.DataFrame(columns=pd.read_csv(source, nrows=0).columns).to_csv(out, index=False)
    if n_read != n_scored + n_rejected:  # pragma: no cover - would be a bug in validation
        raise click.ClickException(f"rows lost: {n_read} read but {n_scored} scored + {n_rejected} rejected")
    click.echo(f"{n_read} rows read, {n_scored} scored, {n_rejected} rejected")
    click.echo(f"scored rows: {out}; rejected rows: {rejects_path}", err=True)


@main.command("card")
@click.option("--card", "card_name", default="default", show_default=True, help="Card name or path to a card .toml.")
@click.option("--html", "as_html", is_flag=True, help="Print the card as an HTML table instead of text.")
def card_command(card_name: str, as_html: bool) -> None:
    """Print a points card and its risk table (probability of needing review per total)."""
    from scoring.engine.calibration import risk_table
    from scoring.engine.card import list_cards, load_card, render_card_html, render_card_text

    with _input_errors(card_name):
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
        table = risk_table(card)
        shown = _format_risk(table)
        info = card.calibration.data.get("data", {})
        click.echo(
            f"Risk table: probability that the reference triage says see_doctor or urgent, by total "
            f"(no red flag); fitted on {info.get('n', '?')} synthetic vignettes, seed {info.get('seed', '?')}, "
            f"label noise {info.get('label_noise', '?')}. Red flag: {card.calibration.red_flag_probability:.1%}."
        )
        click.echo(shown)
    click.echo(f"Cards available: {', '.join(list_cards())}")
    click.echo(NOTICE)


def _format_risk(table) -> str:
    """The risk table as text: percentages, and '-' where no vignette had that total."""
    shown = table.copy()
    shown["probability"] = shown["probability"].map(lambda p: f"{p:.1%}")
    shown["observed"] = [f"{p:.1%}" if n else "-" for p, n in zip(table["observed"], table["n"])]
    return shown.to_string()


# --------------------------------------------------------------------------------------
# report and run (HTML reports; the README's main job)
# --------------------------------------------------------------------------------------


@main.command("report")
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder to write the reports into.",
)
@click.option(
    "--case",
    "case_file",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Write only a case report for this vignette (.json) into OUT/cases/.",
)
@click.option(
    "--notebooks",
    "notebooks_dir",
    type=click.Path(exists=True, file_okay=False, path_type=str),
    help="Folder of notebooks to execute (default: the checkout's notebooks/).",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def report_command(out_dir: str, case_file: str | None, notebooks_dir: str | None, no_progress: bool) -> None:
    """Build the HTML reports: notebooks executed to pages, case pages, an index.

    \b
    zaro report                       # everything, into reports/
    zaro report --case vignette.json  # one case page, into reports/cases/

    Pages open from disk and work offline; building twice gives identical files.
    """
    from scoring.contract.schema import VignetteError
    from scoring.report import ReportError, build_reports, write_case_report

    try:
        if case_file is not None:
            path = write_case_report(case_file, out_dir)
            click.echo(f"Case report: {path}")
        else:
            result = build_reports(out_dir, progress=not no_progress, notebooks_dir=notebooks_dir)
            click.echo(result.summary())
    except VignetteError as exc:
        # Bad input: one line naming the field, exit status 2 (as `zaro assess` does).
        _fail(str(exc))
    except (UnicodeDecodeError, ValueError) as exc:
        _fail(f"{case_file}: {exc}")
    except ReportError as exc:
        if case_file is not None:
            _fail(str(exc))  # a bad case file is bad input, like any other vignette
        raise click.ClickException(str(exc)) from None
    click.echo(NOTICE, err=True)


@main.command("run")
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder to write the reports into.",
)
@click.option("--no-progress", is_flag=True, help="Do not show progress bars.")
def run_command(out_dir: str, no_progress: bool) -> None:
    """The main job: make sure the default data, tree and calibration exist, then build the reports.

    Regenerates data/vignettes.csv (seed 7) if it is missing, fits the shipped tree and the
    card's calibration if they are missing (nothing present is changed), and writes the
    HTML reports to OUT.
    """
    from scoring.report import ReportError, build_reports, ensure_defaults

    try:
        for line in ensure_defaults(progress=not no_progress):
            click.echo(line)
        result = build_reports(out_dir, progress=not no_progress)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result.summary())
    click.echo(NOTICE)


@main.command("fit")
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="CSV of vignettes with a triage column (default: data/vignettes.csv, seed 7).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for tree.skops and tree.json (default: the shipped scoring/models).",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def fit_command(data_path: str | None, out_dir: str | None, no_progress: bool) -> None:
    """Fit the decision tree: choose depth, leaf size and pruning by 5-fold CV, then save it.

    With no options this rebuilds the shipped model from the shipped data, byte for byte.
    """
    from scoring.contract.schema import VignetteError
    from scoring.engine.tree import fit_default_tree, render_rules_text

    try:
        fit = fit_default_tree(data_path, progress=not no_progress)
    except VignetteError as exc:
        _fail(str(exc))
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    model_path, record_path = fit.save(out_dir)
    chosen = fit.record["cross_validation"]["selected"]
    params = ", ".join(f"{k}={v}" for k, v in fit.search.best_params.items())
    click.echo(f"Chosen by cross-validation: {params}")
    click.echo(
        f"CV balanced accuracy {chosen['balanced_accuracy']['mean']:.3f} ± {chosen['balanced_accuracy']['std']:.3f}; "
        f"urgent recall {chosen['recall_urgent']['mean']:.3f}; under-triage {chosen['under_triage']['mean']:.2%}"
    )
    click.echo(render_rules_text(fit.tree))
    click.echo(f"Wrote {model_path} and {record_path}", err=True)


def _read_vignette_argument(text: str) -> str:
    """A vignette argument is JSON text or the path of a .json file holding it."""
    import os

    if os.path.isfile(text):
        with open(text, encoding="utf-8") as handle:
            return handle.read()
    if text.lstrip()[:1] not in ("{", "[") and text.lower().endswith(".json"):
        _fail(f"{text}: no such file")
    return text


@main.command("explain")
@click.argument("vignette", required=False)
@click.option(
    "--vignette", "vignette_option", metavar="JSON", help="The vignette as a JSON object (as for zaro assess)."
)
@click.option("--card", "card_name", default="default", show_default=True, help="Card name or path to a card .toml.")
@click.option("--no-tree", is_flag=True, help="Use the points card alone.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(
    vignette: str | None, vignette_option: str | None, card_name: str, no_tree: bool, as_json: bool
) -> None:
    """Explain one vignette: points, the tree's path, and what would change the recommendation.

    VIGNETTE is a JSON object or the path of a .json file, e.g.

    \b
    zaro explain '{"age": 58, "duration_weeks": 12, "frequency": "daily",
                   "severity": "moderate", "locations": "hand;arm", "weakness": true}'
    """
    import json

    from scoring.analysis.explain import counterfactuals, most_influential_field
    from scoring.assess import assess
    from scoring.engine.card import load_card

    if (vignette is None) == (vignette_option is None):
        _fail("give the vignette once: as JSON or a .json file, or with --vignette JSON")
    with _input_errors(card_name):
        card = load_card(card_name)
    tree = None if no_tree else "default"
    with _input_errors(vignette or "the vignette"):
        assessment = assess(vignette_option or _read_vignette_argument(vignette), card=card, tree=tree)  # type: ignore[arg-type]
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
    click.echo(assessment.summary())
    if assessment.tree is not None:
        click.echo("")
        click.echo("Decision tree rule for this vignette:")
        click.echo(assessment.tree.rules_text)
    click.echo("")
    click.echo("What would change the recommendation (smallest changes; age and sex are never changed):")
    for cf in found or []:
        click.echo(f"  {cf.direction:>4}: {cf.text}")
    if not found:
        click.echo("  no change of one or two answers moves it")
    click.echo(f"Most influential answer: {influence.field} ({influence.text})")


@main.command("compare")
@click.option("--n", "n", type=click.IntRange(1), default=20_000, show_default=True, help="Vignettes to draw.")
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=2026,
    show_default=True,
    help="Seed of the fresh sample (the tree was fitted on seed 7).",
)
@click.option("--card", "card_name", default="default", show_default=True, help="Card name or path to a card .toml.")
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
def compare_command(n: int, seed: int, card_name: str, as_json: bool) -> None:
    """Compare the points card, the tree and both combined on a fresh synthetic sample."""
    import json

    from scoring.analysis.compare import compare_models, render_comparison_text
    from scoring.engine.card import load_card

    with _input_errors(card_name):
        card = load_card(card_name)
    result = compare_models(n, seed=seed, card=card)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(render_comparison_text(result))
        click.echo("")
        click.echo(NOTICE)


if __name__ == "__main__":  # pragma: no cover
    main()
