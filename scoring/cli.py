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


if __name__ == "__main__":  # pragma: no cover
    main()
