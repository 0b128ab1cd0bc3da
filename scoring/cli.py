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


if __name__ == "__main__":  # pragma: no cover
    main()
