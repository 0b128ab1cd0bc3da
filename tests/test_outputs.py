"""Outputs never lose a file: --overwrite replaces only what the command wrote, links are never followed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring._outputs import (
    MANIFEST_NAME,
    OutputError,
    check_folder_output,
    folder_manifest,
    foreign_entries,
    output_lock,
    publish,
    replace_folder,
    write_file,
)
from scoring.batch import InputError, assess_file, write_table
from scoring.cli import main
from scoring.engine.synth import generate_vignettes


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("in") / "in.csv"
    generate_vignettes(40, seed=3).to_csv(path, index=False)
    return path


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# --------------------------------------------------------------------------------------
# zaro evaluate --out: only a folder it wrote is replaced
# --------------------------------------------------------------------------------------

EVALUATE = ("evaluate", "--n", 300, "--no-sensitivity", "--no-progress", "--resamples", 10)


def test_overwrite_never_deletes_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("a\n1\n")
    monkeypatch.chdir(tmp_path)
    result = run(*EVALUATE, "--out", ".", "--overwrite")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: --out . is the current folder or holds it; give a new folder for the output, e.g. --out results\n"
    )
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "sub" / "data.csv").read_text() == "a\n1\n"


def test_overwrite_never_deletes_a_folder_holding_files_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run(*EVALUATE, "--out", out, "--overwrite")
    assert result.exit_code == 2
    assert "holds files zaro did not write (notes.txt;" in result.stderr and "move them away" in result.stderr
    assert (out / "notes.txt").read_text() == "mine"


def test_out_as_a_symbolic_link_is_refused_in_one_line(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "keep.txt").write_text("mine")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for extra in ((), ("--overwrite",)):
        result = run(*EVALUATE, "--out", tmp_path / "link", *extra)
        assert result.exit_code == 2, result.output
        assert "is a symbolic link" in result.stderr and "rmtree" not in result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "keep.txt").read_text() == "mine"


class _FakeEvaluation:
    """Stands for an Evaluation: save() writes two files, as the real one writes its tables."""

    def __init__(self, text: str):
        self.text = text

    def save(self, folder: Path) -> None:
        (folder / "table.csv").write_text(self.text)
        (folder / "evaluation.json").write_text("{}\n")


def test_write_evaluation_replaces_only_its_own_folder(tmp_path, monkeypatch):
    import scoring.plots
    from scoring.cli._evaluate import write_evaluation

    monkeypatch.setattr(scoring.plots, "evaluation_figures", lambda evaluation: {})
    out = tmp_path / "evaluation"
    files = write_evaluation(_FakeEvaluation("first"), out)
    assert [f.as_posix() for f in files] == ["evaluation.json", MANIFEST_NAME, "table.csv"]
    with pytest.raises(OutputError, match="exists and is not empty; pass --overwrite"):
        write_evaluation(_FakeEvaluation("second"), out)
    write_evaluation(_FakeEvaluation("second"), out, overwrite=True)
    assert (out / "table.csv").read_text() == "second"
    (out / "figures").mkdir(exist_ok=True)
    (out / "figures" / "mine.png").write_bytes(b"png")
    with pytest.raises(OutputError, match=r"holds files zaro did not write \(figures/mine.png;"):
        write_evaluation(_FakeEvaluation("third"), out, overwrite=True)
    assert (out / "figures" / "mine.png").read_bytes() == b"png" and (out / "table.csv").read_text() == "second"
    assert visible(tmp_path) == ["evaluation"]  # no temporary left next to it


def test_a_folder_holding_the_input_is_refused(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.csv").write_text("a\n")
    with pytest.raises(OutputError, match="holds the input"):
        check_folder_output(tmp_path / "data", overwrite=True, inputs=[tmp_path / "data" / "in.csv"])


def test_replace_folder_keeps_files_that_appear_in_the_old_folder(tmp_path):
    out, scratch = tmp_path / "out", tmp_path / ".scratch"
    for folder in (out, scratch):
        folder.mkdir()
        (folder / "a.txt").write_text(folder.name)
        (folder / MANIFEST_NAME).write_bytes(folder_manifest(folder))
    replace_folder(scratch, out, overwrite=True)
    assert (out / "a.txt").read_text() == ".scratch" and not scratch.exists()
    assert visible(tmp_path) == ["out"] and [p.name for p in tmp_path.iterdir()] == ["out"]


@settings(max_examples=30, deadline=None)
@given(
    owned=st.sets(st.sampled_from(["a.csv", "b.json", "figures/c.html", "figures/d.js"]), max_size=4),
    foreign=st.sets(st.sampled_from(["notes.txt", "figures/mine.png", "sub/data.csv"]), max_size=3),
)
def test_a_folder_is_replaceable_only_when_its_manifest_lists_every_file(tmp_path_factory, owned, foreign):
    folder = tmp_path_factory.mktemp("f")
    for name in owned:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(name)
    (folder / MANIFEST_NAME).write_bytes(folder_manifest(folder))
    for name in foreign:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("mine")
    assert foreign_entries(folder) == sorted(foreign)
    if foreign:
        with pytest.raises(OutputError, match="holds files zaro did not write"):
            check_folder_output(folder, overwrite=True)
    else:
        check_folder_output(folder, overwrite=True)


# --------------------------------------------------------------------------------------
# Files: exclusive without --overwrite, two writers cannot both succeed, links replaced
# --------------------------------------------------------------------------------------


def test_a_file_that_appears_while_a_run_writes_is_kept_and_the_run_fails(tmp_path, source):
    out = tmp_path / "race.csv"

    def someone_else_writes(rows: int) -> None:
        out.write_text("the other run's rows\n")

    with pytest.raises(InputError, match=r"race.csv appeared while this run was writing it .* not written"):
        assess_file(source, out, engine="pandas", progress=someone_else_writes)
    assert out.read_text() == "the other run's rows\n"
    assert not (tmp_path / "race.rejects.csv").exists()  # released: taken only with the scored rows
    assert [p.name for p in tmp_path.iterdir()] == ["race.csv"]


def test_a_second_run_on_the_same_output_stops_at_once(tmp_path, source):
    out = tmp_path / "o.csv"
    with output_lock(out):
        for engine in ("pandas", "duckdb"):
            with pytest.raises(InputError, match=r"o.csv is being written by another run now"):
                assess_file(source, out, engine=engine, overwrite=True)
        result = run("assess", source, "--out", out, "--no-progress")
        assert result.exit_code == 2 and "is being written by another run now" in result.stderr
    assert not out.exists()
    assess_file(source, out)  # the lock is released with the run
    assert len(pd.read_csv(out)) == 40


def test_publish_releases_what_it_took_when_a_later_target_exists(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    second.write_text("kept")
    partials = [tmp_path / ".a.tmp", tmp_path / ".b.tmp"]
    for partial in partials:
        partial.write_text("new")
    with pytest.raises(OutputError, match="b.csv appeared while this run was writing it"):
        publish(list(zip(partials, [first, second])), overwrite=False)
    assert not first.exists() and second.read_text() == "kept" and not any(p.exists() for p in partials)


def test_an_output_that_is_a_link_is_replaced_never_written_through(tmp_path, source):
    outside = tmp_path / "outside.csv"
    outside.write_text("not yours\n")
    link = tmp_path / "o.csv"
    link.symlink_to(outside)
    with pytest.raises(InputError, match="already exists"):
        write_table(pd.DataFrame({"a": [1]}), link)
    write_table(pd.DataFrame({"a": [1]}), link, overwrite=True)
    assert outside.read_text() == "not yours\n" and not link.is_symlink() and link.read_text() == "a\n1\n"


def test_write_file_never_reuses_a_planted_temporary(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    # Every name a temporary could take is made fresh (O_EXCL): plant links at likely names anyway.
    for name in (".page.html.partial", "page.html.partial", ".page.html.tmp"):
        (tmp_path / name).symlink_to(outside)
    write_file(tmp_path / "page.html", b"<p>page</p>", overwrite=False)
    assert outside.read_text() == "not yours" and (tmp_path / "page.html").read_bytes() == b"<p>page</p>"


# --------------------------------------------------------------------------------------
# Reports: a planted .partial link, a case page that exists or is a link
# --------------------------------------------------------------------------------------


def test_the_site_writer_never_follows_a_planted_partial_link(tmp_path):
    from scoring.report._site import write_site

    outside = tmp_path / "outside.html"
    outside.write_text("not yours")
    out = tmp_path / "site"
    (out / "cases").mkdir(parents=True)
    (out / "cases" / "a.html.partial").symlink_to(outside)
    (out / "index.html").symlink_to(outside)
    write_site(out, {"cases/a.html": b"case", "index.html": b"index"})
    assert outside.read_text() == "not yours"
    assert (out / "cases" / "a.html").read_bytes() == b"case" and not (out / "cases" / "a.html").is_symlink()
    assert (out / "index.html").read_bytes() == b"index" and not (out / "index.html").is_symlink()


def test_the_site_writer_refuses_a_linked_folder_inside_the_site(tmp_path):
    from scoring.report import ReportError
    from scoring.report._site import write_site

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "site"
    out.mkdir()
    (out / "cases").symlink_to(elsewhere)
    with pytest.raises(ReportError, match="cases: it is a symbolic link"):
        write_site(out, {"cases/a.html": b"case"})
    assert list(elsewhere.iterdir()) == []


@pytest.fixture(scope="module")
def case_file() -> Path:
    return Path(__file__).resolve().parents[1] / "examples" / "red_flag.json"


def test_case_page_is_replaced_only_with_overwrite_and_a_link_there_is_not_followed(tmp_path, case_file):
    out = tmp_path / "reports"
    first = run("report", "--case", case_file, "--out", out)
    assert first.exit_code == 0, first.output
    page = next((out / "cases").glob("*.html"))
    again = run("report", "--case", case_file, "--out", out)
    assert again.exit_code == 2 and "already exists; pass --overwrite" in again.stderr
    outside = tmp_path / "outside.html"
    outside.write_text("not yours")
    page.unlink()
    page.symlink_to(outside)
    refused = run("report", "--case", case_file, "--out", out)
    assert refused.exit_code == 2 and outside.read_text() == "not yours"
    replaced = run("report", "--case", case_file, "--out", out, "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert outside.read_text() == "not yours" and not page.is_symlink() and "<html" in page.read_text()


def test_overwrite_without_case_is_a_usage_error(tmp_path):
    result = run("report", "--out", tmp_path, "--overwrite")
    assert result.exit_code == 2 and "--overwrite is for --case" in result.stderr


# --------------------------------------------------------------------------------------
# A closed output pipe: quiet, exit status 141
# --------------------------------------------------------------------------------------


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (| head -1) has gone before zaro writes
    try:
        process = subprocess.run(
            [sys.executable, "-m", "scoring", "card"], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write_end)
    assert process.returncode == 141, process.stderr
    assert process.stderr == ""


def test_help_lists_the_pipe_exit_status():
    assert "141  the output pipe was closed" in run("--help").output
