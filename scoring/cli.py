"""The ``zaro`` command line: a thin shell over the package API.

Commands parse their arguments, call the package and print what it returns. Errors a user
can fix (a bad file, a bad value, a bad option) become one line on stderr and exit status 2,
in one place (:class:`ZaroGroup`), not in every command. Heavy libraries (pandas, pydantic,
scikit-learn, skops) are imported inside commands, so ``zaro --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from scoring._version import __version__
from scoring.wording import NOTICE

#: Exit statuses, shown in ``zaro --help``.
EXIT_CODES = (
    "\b\nExit status:\n"
    "  0    done\n"
    "  1    validate, assess (a CSV or Parquet file): some rows were rejected (see the rejects file);\n"
    "       report, run, app: the reports could not be built or the app could not start\n"
    "  2    usage or input error: a bad option, a missing or unreadable file, bad JSON, a vignette\n"
    "       that breaks the contract, a bad card or tree file, an output that cannot be written\n"
    "  130  interrupted (Ctrl-C or SIGTERM); no partial output is left in place"
)

#: ``epilog=`` of each command: its own exit statuses.
_EXIT_ROWS = "\b\nExit status: 0 done; 1 some rows were rejected; 2 usage or input error; 130 interrupted."
_EXIT_INPUT = "\b\nExit status: 0 done; 2 usage or input error; 130 interrupted."
_EXIT_BUILD = "\b\nExit status: 0 done; 1 the build failed; 2 usage or input error; 130 interrupted."


class InputProblem(click.ClickException):
    """A usage or input error the user can fix: one line on stderr, exit status 2."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def _unreadable_csv(exc: BaseException, source: str) -> str | None:
    """The message for pandas' CSV errors, without importing pandas when it is not loaded."""
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return None
    if isinstance(exc, pandas.errors.EmptyDataError):
        return f"{source} is empty: expected a header row of field names, then one vignette per row"
    if isinstance(exc, pandas.errors.ParserError):
        return f"{source} is not a readable CSV file: {str(exc).splitlines()[-1]}"
    return None


def _user_error(exc: BaseException, source: str) -> str | None:
    """The one-line message for an error the user can fix, or None for a bug (keep the traceback)."""
    from_pandas = _unreadable_csv(exc, source)
    if from_pandas is not None:
        return from_pandas
    if isinstance(exc, UnicodeDecodeError):
        return f"{source} is not UTF-8 text; save it as UTF-8"
    if isinstance(exc, OSError):
        if exc.filename is None:
            return str(exc)
        return f"cannot read or write {exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, RecursionError):
        return f"{source} is nested too deeply"
    # VignetteError, CardError, batch.InputError and the engine's argument checks are
    # ValueErrors whose messages name the field or file, the value and what is allowed.
    if isinstance(exc, ValueError):
        return str(exc)
    return None


class ZaroGroup(click.Group):
    """The command group: turns user errors from any command into one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # One line, as for every other error: the message, then where the help is.
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            raise InputProblem(exc.format_message() + where) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as exc:
            message = _user_error(exc, ctx.meta.get("zaro.input", "the input"))
            if message is None:
                raise
            raise InputProblem(message) from None


def _reading(path: object) -> None:
    """Name the file a command reads, for errors that do not name it themselves."""
    click.get_current_context().meta["zaro.input"] = str(path)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a batch as Ctrl-C does: temporary files are removed, outputs are untouched."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group(
    cls=ZaroGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES,
)
@click.version_option(__version__, prog_name="zaro")
def main() -> None:
    """zaro: explainable triage for muscle twitching.

    Educational decision support built on synthetic data; not a medical device.
    """


@main.command("app", epilog=_EXIT_BUILD)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8866,
    show_default=True,
    help="Port on 127.0.0.1 to serve the app on.",
)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
def app_command(port: int, no_browser: bool) -> None:
    """Serve the explorer (notebooks/explorer.ipynb) as a web app with Voila.

    Listens on 127.0.0.1 only; each visitor gets their own kernel; code is hidden.
    Stop it with Ctrl-C.
    """
    from scoring.app import explorer_notebook, serve

    click.echo(NOTICE, err=True)
    click.echo(f"Serving {explorer_notebook()} at http://127.0.0.1:{port}/", err=True)
    try:
        code = serve(port=port, open_browser=not no_browser)
    except RuntimeError as exc:  # the app's extras are not installed: not an input error
        raise click.ClickException(str(exc)) from None
    raise SystemExit(code)


# --------------------------------------------------------------------------------------
# generate and validate (the data set)
# --------------------------------------------------------------------------------------


@main.command("generate", epilog=_EXIT_INPUT)
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

    _reading(out)
    with warnings.catch_warnings(record=True) as caught:
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


_overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace an output file that exists (it is replaced only when complete)."
)
_formula_option = click.option(
    "--no-formula-guard",
    "no_formula_guard",
    is_flag=True,
    help="Write text cells as they are; by default a cell starting with = + - @ (a spreadsheet formula) gets a ' first.",
)


@main.command("validate", epilog=_EXIT_ROWS)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=str),
    help="Where to write the rejected rows (default: PATH with .rejects.csv).",
)
@click.option("--keep-extra", is_flag=True, help="Allow columns that are not contract fields.")
@_overwrite_option
@_formula_option
def validate_command(path: str, rejects: str | None, keep_extra: bool, overwrite: bool, no_formula_guard: bool) -> None:
    """Check every row of a vignette CSV against the contract.

    Prints a summary and the first problems, and writes every rejected row with its field,
    value, reason and what is allowed. Exits with status 1 when any row is rejected.
    """
    from scoring.batch import check_rejects_target, read_csv_header, write_table
    from scoring.data import validate_csv

    target = check_rejects_target(path, rejects, overwrite=overwrite)
    _reading(path)
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


# --------------------------------------------------------------------------------------
# assess and card
# --------------------------------------------------------------------------------------

_card_option = click.option(
    "--card", "card_name", default="default", show_default=True, help="Card name or path to a card .toml."
)
_tree_option = click.option(
    "--tree",
    "tree_path",
    type=click.Path(path_type=str),
    help="A tree saved by `zaro fit` (tree.skops, or its folder) instead of the shipped one.",
)


@main.command("assess", epilog=_EXIT_ROWS)
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
@_card_option
@_tree_option
@click.option("--json", "as_json", is_flag=True, help="Print one vignette's assessment as JSON.")
@click.option(
    "--chunk-size",
    type=click.IntRange(1),
    default=200_000,
    show_default=True,
    help="Rows scored per chunk of a file.",
)
@_overwrite_option
@_formula_option
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def assess_command(
    source: str | None,
    vignette_json: str | None,
    out: str | None,
    rejects: str | None,
    card_name: str,
    tree_path: str | None,
    as_json: bool,
    chunk_size: int,
    overwrite: bool,
    no_formula_guard: bool,
    no_progress: bool,
) -> None:
    """Assess one vignette (JSON, or a .json file) or a CSV or Parquet file of vignettes.

    \b
    zaro assess '{"age": 30, "duration_weeks": 1, "frequency": "daily",
                  "severity": "minor", "locations": "eyelid"}'
    zaro assess case.json --json
    zaro assess vignettes.csv --out scored.csv --rejects rejects.csv

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
        _assess_one(vignette_json if vignette_json is not None else source, card_name, tree_path, as_json)  # type: ignore[arg-type]
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
        chunk_rows=chunk_size,
        overwrite=overwrite,
        formula_safe=not no_formula_guard,
        progress=not no_progress,
    )


def _assess_one(text_or_path: str, card_name: str, tree_path: str | None, as_json: bool) -> None:
    import json

    from scoring.assess import assess
    from scoring.batch import read_vignette_json, resolve_tree_option
    from scoring.engine.card import load_card

    card = load_card(card_name)
    tree = resolve_tree_option(tree_path or "default")
    _reading(text_or_path)
    assessment = assess(read_vignette_json(text_or_path), card=card, tree=tree)
    if as_json:
        click.echo(json.dumps(assessment.to_dict(), indent=2))
    else:
        click.echo(assessment.summary())


def _assess_file(source: str, out: str, *, progress: bool, **options: Any) -> None:
    from tqdm import tqdm

    from scoring.batch import assess_file

    _reading(source)
    # disable=None: show the bar only when stderr is a terminal (not in pipes or logs).
    with (
        _sigterm_as_interrupt(),
        tqdm(unit=" rows", unit_scale=True, disable=None if progress else True, desc="assess") as bar,
    ):
        summary = assess_file(source, out, progress=bar.update, **options)
    click.echo(summary.summary())
    click.echo(f"scored rows: {summary.paths.out}; rejected rows: {summary.paths.rejects}", err=True)
    if summary.rows_rejected:
        raise SystemExit(1)


@main.command("card", epilog=_EXIT_INPUT)
@_card_option
@click.option("--html", "as_html", is_flag=True, help="Print the card as an HTML table instead of text.")
def card_command(card_name: str, as_html: bool) -> None:
    """Print a points card and its risk table (probability of needing review per total)."""
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


@main.command("report", epilog=_EXIT_BUILD)
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
    from scoring.report import ReportError, build_reports, write_case_report

    try:
        if case_file is not None:
            from scoring.batch import read_vignette_json

            _reading(case_file)
            read_vignette_json(case_file)  # strict JSON first: duplicate keys, NaN, depth and size
            path = write_case_report(case_file, out_dir)
            click.echo(f"Case report: {path}")
        else:
            result = build_reports(out_dir, progress=not no_progress, notebooks_dir=notebooks_dir)
            click.echo(result.summary())
    except ReportError as exc:
        # A bad case file is bad input (2); a report that fails to build is not (1).
        raise (InputProblem if case_file is not None else click.ClickException)(str(exc)) from None
    click.echo(NOTICE, err=True)


@main.command("run", epilog=_EXIT_BUILD)
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


@main.command("fit", epilog=_EXIT_INPUT)
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
    from scoring.engine.tree import fit_default_tree, render_rules_text

    if data_path is not None:
        from scoring.batch import read_csv_header

        _reading(data_path)
        read_csv_header(data_path)
    fit = fit_default_tree(data_path, progress=not no_progress)
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


@main.command("explain", epilog=_EXIT_INPUT)
@click.argument("vignette", required=False)
@click.option(
    "--vignette", "vignette_option", metavar="JSON", help="The vignette as a JSON object (as for zaro assess)."
)
@_card_option
@_tree_option
@click.option("--no-tree", is_flag=True, help="Use the points card alone.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(
    vignette: str | None,
    vignette_option: str | None,
    card_name: str,
    tree_path: str | None,
    no_tree: bool,
    as_json: bool,
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
    from scoring.batch import read_vignette_json, resolve_tree_option
    from scoring.engine.card import load_card

    if (vignette is None) == (vignette_option is None):
        raise click.UsageError("give the vignette once: as JSON or a .json file, or with --vignette JSON")
    if no_tree and tree_path:
        raise click.UsageError("give --tree or --no-tree, not both")
    card = load_card(card_name)
    tree = None if no_tree else resolve_tree_option(tree_path or "default")
    _reading(vignette or "the vignette")
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


@main.command("compare", epilog=_EXIT_INPUT)
@click.option("--n", "n", type=click.IntRange(1), default=20_000, show_default=True, help="Vignettes to draw.")
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=2026,
    show_default=True,
    help="Seed of the fresh sample (the tree was fitted on seed 7).",
)
@_card_option
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
def compare_command(n: int, seed: int, card_name: str, as_json: bool) -> None:
    """Compare the points card, the tree and both combined on a fresh synthetic sample."""
    import json

    from scoring.analysis.compare import compare_models, render_comparison_text
    from scoring.engine.card import load_card

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
