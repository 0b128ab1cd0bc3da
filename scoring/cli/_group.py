"""The ``zaro`` group: exit statuses, the one place user errors become one line, shared options."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from scoring._version import __version__

#: Exit statuses, shown in ``zaro --help``.
EXIT_CODES = (
    "\b\nExit status:\n"
    "  0    done\n"
    "  1    validate, assess (a CSV or Parquet file): some rows were rejected (see the rejects file);\n"
    "       report, run, app: the reports could not be built or the app could not start\n"
    "  2    usage or input error: a bad option, a missing or unreadable file, bad JSON, a vignette\n"
    "       that breaks the contract, a bad card or tree file, an output that cannot be written\n"
    "  130  interrupted (Ctrl-C or SIGTERM); no partial output is left in place\n"
    "  141  the output pipe was closed (e.g. zaro card | head -1); nothing more is printed"
)

#: ``epilog=`` of each command: its own exit statuses.
EXIT_ROWS = "\b\nExit status: 0 done; 1 some rows were rejected; 2 usage or input error; 130 interrupted."
EXIT_INPUT = "\b\nExit status: 0 done; 2 usage or input error; 130 interrupted."
EXIT_BUILD = "\b\nExit status: 0 done; 1 the build failed; 2 usage or input error; 130 interrupted."


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


#: The exit status when the output pipe is closed: 128 + SIGPIPE, as a shell reports a program that SIGPIPE stopped.
EXIT_PIPE = 141


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit raises no second broken pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner's capture)
        pass


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
        except BrokenPipeError:
            # The reader went away (| head): stop quietly, as a program killed by SIGPIPE does.
            _silence_stdout()
            raise click.exceptions.Exit(EXIT_PIPE) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None
        except Exception as exc:
            message = _user_error(exc, ctx.meta.get("zaro.input", "the input"))
            if message is None:
                raise
            raise InputProblem(message) from None


def reading(path: object) -> None:
    """Name the file a command reads, for errors that do not name it themselves."""
    click.get_current_context().meta["zaro.input"] = str(path)


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a batch as Ctrl-C does: temporary files are removed, outputs are untouched.

    Whichever engine runs (DuckDB turns the interrupt into its own error, which the batch
    layer raises again as an interrupt), the command exits with status 130 and one line.
    """
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


def overwrite_option(what: str) -> Any:
    """``--overwrite``: replace ``what`` (the files the command writes) and nothing else."""
    return click.option(
        "--overwrite",
        is_flag=True,
        help=f"Replace {what} when already there, each in one step when complete; nothing else is touched, and a "
        "symbolic link there is replaced, never followed. Without it an existing file is refused.",
    )


formula_option = click.option(
    "--no-formula-guard",
    "no_formula_guard",
    is_flag=True,
    help="Write text cells as they are; by default a cell starting with = + - @ (a spreadsheet formula) gets a ' first.",
)


card_option = click.option(
    "--card", "card_name", default="default", show_default=True, help="Card name or path to a card .toml."
)
tree_option = click.option(
    "--tree",
    "tree_path",
    type=click.Path(path_type=str),
    help="A tree saved by `zaro fit` (tree.skops, or its folder) instead of the shipped one.",
)


class PopulationName(click.ParamType):
    """A population of ``populations.toml``; the file is read only when the option is used or shown."""

    name = "population"

    @staticmethod
    def known() -> list[str]:
        """The population ids, in file order."""
        from scoring.engine.populations import load_populations

        return list(load_populations())

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "[" + "|".join(self.known()) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        known = self.known()
        if value in known:
            return str(value)
        self.fail(f"unknown population {value!r}; known populations: {', '.join(known)}", param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(name) for name in self.known() if name.startswith(incomplete)]


def population_option(default: str, help: str) -> Any:
    """``--population NAME``: one of the populations of ``scoring/definitions/populations.toml``."""
    return click.option("--population", type=PopulationName(), default=default, show_default=True, help=help)


class PolicyName(click.ParamType):
    """A policy of ``policies.toml``; the file is read only when the option is used or shown."""

    name = "policy"

    @staticmethod
    def known() -> list[str]:
        """The policy ids, in file order."""
        from scoring.engine.policies import load_policies

        return list(load_policies())

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "[" + "|".join(self.known()) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        known = self.known()
        if value in known:
            return str(value)
        self.fail(f"unknown policy {value!r}; known policies: {', '.join(known)}", param, ctx)


policy_option = click.option(
    "--policy",
    type=PolicyName(),
    default="guideline",
    show_default=True,
    help="Whose answer is the recommendation (scoring/definitions/policies.toml): guideline is the referral "
    "ladder with the card (the safety floor); risk follows the card's risk after the red flags.",
)


def sample_options(verb: str) -> Any:
    """The options of a command that measures models on a fresh sample (``zaro compare``, ``zaro evaluate``).

    ``--population``, ``--n``, ``--seed``, ``--card`` (repeatable), ``--tree`` and ``--no-tree``;
    :func:`sample_models` turns the last three into the cards and the tree.
    """
    options = [
        population_option("community", "Whom the fresh sample describes; every risk is moved to it."),
        click.option("--n", "n", type=click.IntRange(1), default=200_000, show_default=True, help="Vignettes to draw."),
        click.option(
            "--seed",
            type=click.IntRange(0),
            default=2026,
            show_default=True,
            help="Seed of the fresh sample and of every bootstrap (no model was fitted on seed 2026).",
        ),
        click.option(
            "--card",
            "card_names",
            multiple=True,
            help=f"A card to {verb}, by name or path; repeat for several. The first is the guideline's. "
            "[default: default, learned]",
        ),
        tree_option,
        click.option("--no-tree", is_flag=True, help="Leave the tree out."),
    ]

    def decorate(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def sample_models(card_names: tuple[str, ...], tree_path: str | None, no_tree: bool) -> tuple[list[Any], Any]:
    """The cards (the shipped default and learned ones unless named) and the tree of :func:`sample_options`."""
    from scoring.analysis.compare import DEFAULT_CARDS
    from scoring.batch import resolve_tree_option
    from scoring.engine.card import load_card

    if no_tree and tree_path:
        raise click.UsageError("give --tree or --no-tree, not both")
    cards = [load_card(name) for name in (card_names or DEFAULT_CARDS)]
    return cards, None if no_tree else resolve_tree_option(tree_path or "default")
