"""The ``zaro`` command line: a thin shell over the package API."""

from __future__ import annotations

import click

from scoring import NOTICE, __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="zaro")
def main() -> None:
    """zaro: explainable triage for muscle twitching.

    Educational decision support built on synthetic data; not a medical device.
    """


@main.command("app")
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True,
              help="Port on 127.0.0.1 to serve the app on.")
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
    except (RuntimeError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    raise SystemExit(code)

# --------------------------------------------------------------------------------------
# report and run (HTML reports; the README's main job)
# --------------------------------------------------------------------------------------


@main.command("report")
@click.option("--out", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False, path_type=str), help="Folder to write the reports into.")
@click.option("--case", "case_file", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Write only a case report for this vignette (.json) into OUT/cases/.")
@click.option("--notebooks", "notebooks_dir", type=click.Path(exists=True, file_okay=False, path_type=str),
              help="Folder of notebooks to execute (default: the checkout's notebooks/).")
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def report_command(out_dir: str, case_file: str | None, notebooks_dir: str | None, no_progress: bool) -> None:
    """Build the HTML reports: notebooks executed to pages, case pages, an index.

    \b
    zaro report                       # everything, into reports/
    zaro report --case vignette.json  # one case page, into reports/cases/

    Pages open from disk and work offline; building twice gives identical files.
    """
    from scoring.report import ReportError, build_reports, write_case_report
    from scoring.schema import VignetteError

    try:
        if case_file is not None:
            path = write_case_report(case_file, out_dir)
            click.echo(f"Case report: {path}")
        else:
            result = build_reports(out_dir, progress=not no_progress, notebooks_dir=notebooks_dir)
            click.echo(result.summary())
    except VignetteError as exc:
        # Bad input: one line naming the field, exit status 2 (as `zaro assess` does).
        click.echo(f"Error: {' '.join(str(exc).split())}", err=True)
        raise SystemExit(2) from None
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(NOTICE, err=True)


@main.command("run")
@click.option("--out", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False, path_type=str), help="Folder to write the reports into.")
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


if __name__ == "__main__":  # pragma: no cover
    main()
