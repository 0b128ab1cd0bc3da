"""The README's examples run, and print what the README shows.

Two kinds of fenced blocks in README.md are tests:

- ```` ```console ````: each ``$ command`` line runs in a scratch folder holding a copy of
  ``examples/`` (``zaro`` is this checkout's ``python -m scoring``); the lines after it, up to
  the next ``$``, are its output (stdout and stderr as a terminal shows them).
- ```` ```pycon ````: ``>>>`` examples run as doctests, one namespace for the whole README, in
  the same scratch folder.

In both, ``...`` stands for any text (doctest's ELLIPSIS), runs of whitespace compare equal
(long lines may wrap), the scratch folder's path is left out and times in seconds read as
``N s``. Commands too slow or too lasting for a test (``zaro run``, ``zaro app``, ...) go in
```` ```console no-run ```` blocks, which are shown, not run.

When the output changes on purpose, rewrite the README's expected output from real runs::

    python tests/test_readme.py --update

A block that elides lines with ``...`` keeps its first and last lines around one ``...``.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
SECONDS = re.compile(r"\b\d+(?:\.\d+)? s\b")
WRAP = 100


@dataclass(frozen=True)
class Block:
    """One fenced block: its info string, its text and where the text sits in the README."""

    info: str
    body: str
    start: int
    line: int

    @property
    def kind(self) -> str:
        return self.info.split()[0] if self.info.strip() else ""

    @property
    def runs(self) -> bool:
        return self.kind in ("console", "pycon") and "no-run" not in self.info.split()[1:]


def blocks(text: str) -> list[Block]:
    """The fenced blocks of ``text``, in order."""
    return [
        Block(m["info"].strip(), m["body"], m.start("body"), text.count("\n", 0, m.start("body")) + 1)
        for m in FENCE.finditer(text)
    ]


def commands(body: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line)
        elif line.strip():
            raise ValueError(f"README console block: output before any '$ ' command: {line!r}")
    return [(command, "\n".join(lines)) for command, lines in pairs]


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FORCE_COLOR", "CLICOLOR"))}
    env.update(
        PYTHONPATH=str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
        # As a terminal of 80 columns shows it, in the order it was written.
        COLUMNS="80",
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    return env


def normalise(text: str, scratch: Path) -> str:
    """Leave out the scratch folder and the checkout's path; times in seconds read as ``N s``."""
    for folder in (scratch, ROOT):
        text = text.replace(str(folder) + os.sep, "").replace(str(folder), ".")
    text = SECONDS.sub("N s", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def run_command(command: str, scratch: Path) -> str:
    """Run one README command in ``scratch``; return what a terminal would show."""
    argv = shlex.split(command.split("  #")[0])
    if argv[0] == "zaro":
        argv = [sys.executable, "-m", "scoring", *argv[1:]]
    result = subprocess.run(
        argv, cwd=scratch, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return normalise(result.stdout, scratch)


def matches(expected: str, got: str) -> bool:
    return doctest.OutputChecker().check_output(expected.strip() + "\n", got + "\n", FLAGS)


def make_scratch(folder: Path) -> Path:
    """A folder with a copy of ``examples/``, where the README's commands run."""
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder


class _Recorder(doctest.DocTestRunner):
    """A doctest runner that keeps what each example printed, for ``--update``."""

    def __init__(self) -> None:
        super().__init__(optionflags=FLAGS)
        self.got: dict[int, str] = {}

    def report_failure(self, out, test, example, got):
        if example.exc_msg is not None:
            # doctest hands over the whole traceback: keep its header and the exception itself.
            lines = got.splitlines()
            first = next((i for i, line in enumerate(lines[1:], 1) if not line[:1].isspace()), 0)
            got = "Traceback (most recent call last):\n  ...\n" + "\n".join(lines[first:]) + "\n"
        self.got[example.lineno] = got
        super().report_failure(out, test, example, got)

    def report_unexpected_exception(self, out, test, example, exc_info):
        message = traceback.format_exception_only(exc_info[0], exc_info[1])[-1]
        self.got[example.lineno] = "Traceback (most recent call last):\n  ...\n" + message
        super().report_unexpected_exception(out, test, example, exc_info)


def run_pycon(block: Block, globs: dict, scratch: Path) -> tuple[doctest.TestResults, dict[int, str], str]:
    """Run one pycon block's examples in ``globs``; return results, outputs that differ, and a report."""
    test = doctest.DocTestParser().get_doctest(block.body, globs, "README.md", str(README), block.line - 1)
    runner = _Recorder()
    report: list[str] = []
    cwd = Path.cwd()
    os.chdir(scratch)
    try:
        results = runner.run(test, out=report.append, clear_globs=False)
    finally:
        os.chdir(cwd)
    globs.update(test.globs)  # the next block sees this block's names, as in one session
    return results, runner.got, "".join(report)


def _readme_blocks() -> list[Block]:
    return [block for block in blocks(README.read_text("utf-8")) if block.runs]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return make_scratch(tmp_path_factory.mktemp("readme"))


@pytest.fixture(scope="module")
def globs() -> dict:
    return {}


def test_the_readme_has_examples_of_both_kinds():
    kinds = {block.kind for block in _readme_blocks()}
    assert kinds == {"console", "pycon"}


CONSOLE = [
    pytest.param(command, expected, id=f"line {block.line}: {command[:40]}")
    for block in _readme_blocks()
    if block.kind == "console"
    for command, expected in commands(block.body)
]


@pytest.mark.parametrize(("command", "expected"), CONSOLE)
def test_console_example_prints_what_the_readme_shows(command, expected, scratch):
    got = run_command(command, scratch)
    assert matches(expected, got), (
        f"$ {command}\n--- README shows\n{expected}\n--- it prints\n{got}\n"
        "(if the change is intended: python tests/test_readme.py --update)"
    )


PYCON_BLOCKS = [block for block in _readme_blocks() if block.kind == "pycon"]
PYCON = [pytest.param(block, id=f"line {block.line}") for block in PYCON_BLOCKS]


@pytest.fixture(scope="module")
def blocks_run() -> set[int]:
    """The lines of the pycon blocks already run into ``globs``."""
    return set()


@pytest.mark.parametrize("block", PYCON)
def test_python_example_prints_what_the_readme_shows(block, globs, scratch, blocks_run):
    # The README reads as one Python session: a block sees the names the blocks above it made,
    # even when it runs alone (-k, or on a worker of its own): those run first, unchecked.
    for earlier in PYCON_BLOCKS[: PYCON_BLOCKS.index(block)]:
        if earlier.line not in blocks_run:
            run_pycon(earlier, globs, scratch)
            blocks_run.add(earlier.line)
    results, _, report = run_pycon(block, globs, scratch)
    blocks_run.add(block.line)
    assert results.failed == 0, report + "\n(if the change is intended: python tests/test_readme.py --update)"


def test_no_run_blocks_are_few_and_named():
    held_back = [block for block in blocks(README.read_text("utf-8")) if "no-run" in block.info.split()]
    assert all(block.kind == "console" for block in held_back)
    assert len(held_back) <= 3, "most README commands should run in this test"


# --- rewriting the README from real runs -------------------------------------------------


def _wrap(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if len(line) <= WRAP:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines.extend(
            textwrap.wrap(line, WRAP, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        )
    return "\n".join(lines)


def _elide_like(expected: str, got: str) -> str:
    """``got``, cut the way ``expected`` was: its first and last lines around one ``...`` line."""
    old = expected.splitlines()
    marks = [i for i, line in enumerate(old) if line.strip() == "..."]
    new = got.splitlines()
    if not marks or expected.startswith("Traceback") or got.startswith("Traceback"):
        return got
    head, tail = marks[0], len(old) - marks[-1] - 1
    if head + tail >= len(new):
        return got
    return "\n".join(new[:head] + ["..."] + (new[-tail:] if tail else []))


def _updated_console(body: str, scratch: Path) -> str:
    out = []
    for command, expected in commands(body):
        out.append(f"$ {command}")
        got = run_command(command, scratch)
        if got and not matches(expected, got):
            expected = _elide_like(expected, _wrap(got))
        if expected:
            out.append(expected)
    return "\n".join(out) + "\n"


def _updated_pycon(block: Block, globs: dict, scratch: Path) -> str:
    _, got, _ = run_pycon(block, globs, scratch)
    lines = block.body.splitlines()
    examples = doctest.DocTestParser().get_examples(block.body)
    for example in reversed(examples):
        if example.lineno not in got:
            continue
        start = example.lineno + len(example.source.splitlines())
        want = _elide_like(example.want, _wrap(got[example.lineno].rstrip("\n")))
        indented = [" " * example.indent + line for line in want.splitlines()]
        lines[start : start + len(example.want.splitlines())] = indented
    return "\n".join(lines) + "\n"


def update(readme: Path = README) -> int:
    """Rewrite the expected output of every runnable README block; return how many changed."""
    import tempfile

    text = readme.read_text("utf-8")
    changed = 0
    globs: dict = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = make_scratch(Path(folder))
        pieces, position = [], 0
        for block in blocks(text):
            if not block.runs:
                continue
            if block.kind == "console":
                body = _updated_console(block.body, scratch)
            else:
                body = _updated_pycon(block, globs, scratch)
            changed += body != block.body
            pieces += [text[position : block.start], body]
            position = block.start + len(block.body)
        pieces.append(text[position:])
    readme.write_text("".join(pieces), encoding="utf-8")
    return changed


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_readme.py --update   (rewrites README.md's expected output)")
    print(f"README.md: {update()} block(s) rewritten from real runs")
