"""`zaro` report, run and app: the HTML reports and the explorer app."""

from __future__ import annotations

import click

from scoring.cli._group import EXIT_BUILD, InputProblem, main, reading
from scoring.wording import NOTICE

reports_out_option = click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder to write the reports into.",
)


@main.command("app", epilog=EXIT_BUILD)
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
    except (RuntimeError, FileNotFoundError) as exc:  # the app's extras or notebook missing: not an input error
        raise click.ClickException(str(exc)) from None
    raise SystemExit(code)


@main.command("report", epilog=EXIT_BUILD)
@reports_out_option
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
@click.option(
    "--overwrite",
    is_flag=True,
    help="With --case: replace the case page if it exists (only that page; a link there is replaced, never "
    "followed). A full build always replaces the pages it builds and nothing else.",
)
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def report_command(
    out_dir: str, case_file: str | None, notebooks_dir: str | None, overwrite: bool, no_progress: bool
) -> None:
    """Build the HTML reports: notebooks executed to pages, case pages, an index.

    \b
    zaro report                       # everything, into reports/
    zaro report --case vignette.json  # one case page, into reports/cases/

    Pages open from disk and work offline; building twice gives identical files.
    """
    from scoring.report import ReportError, build_reports, write_case_report

    if overwrite and case_file is None:
        raise click.UsageError("--overwrite is for --case; a full build replaces its own pages without it")
    try:
        if case_file is not None:
            from scoring.batch import read_vignette_json

            reading(case_file)
            read_vignette_json(case_file)  # strict JSON first: duplicate keys, NaN, depth and size
            path = write_case_report(case_file, out_dir, overwrite=overwrite)
            click.echo(f"Case report: {path}")
        else:
            result = build_reports(out_dir, progress=not no_progress, notebooks_dir=notebooks_dir)
            click.echo(result.summary())
    except ReportError as exc:
        # A bad case file is bad input (2); a report that fails to build is not (1).
        raise (InputProblem if case_file is not None else click.ClickException)(str(exc)) from None
    click.echo(NOTICE, err=True)


@main.command("run", epilog=EXIT_BUILD)
@reports_out_option
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
