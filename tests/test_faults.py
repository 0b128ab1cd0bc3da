"""Faults while `zaro assess` writes, under both engines: one line, the documented exit status, nothing half-done.

Real processes: SIGTERM and SIGINT at seeded random moments after the run has started
writing (130, "Interrupted.", the previous output untouched, no temporary left), SIGKILL
(only hidden temporaries left), a full disk (a file-size limit in the child, which needs no
privileges; a small tmpfs too when running as root), a read-only folder, and two runs
racing for one output.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from scoring.engine.synth import generate_vignettes

ENGINES = ("pandas", "duckdb")
ROWS = 20_000
PREVIOUS = "previous good output\n"


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("in") / "in.csv"
    generate_vignettes(ROWS, seed=5).to_csv(path, index=False)
    return path


def command(source: Path, out: Path, engine: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scoring", "assess", str(source), "--out", str(out), "--engine", engine]


def start(source: Path, out: Path, engine: str, *extra: str, **options) -> subprocess.Popen:
    args = command(source, out, engine) + ["--chunk-size", "1000", "--no-progress", *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options)


def wait_until_writing(folder: Path, process: subprocess.Popen) -> bool:
    """Wait until the run has made its temporary files; False if it finished first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(p.name.startswith(".o.csv.") and p.name.endswith(".tmp") for p in folder.iterdir()):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    pytest.fail("the run made no temporary file within 2 minutes")


def wait_until_bytes_written(folder: Path, process: subprocess.Popen) -> None:
    """Wait until some file in the folder holds bytes: the engine is writing its output."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(p.is_file() and p.stat().st_size > 0 for p in folder.iterdir()):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.005)
    pytest.fail("the run wrote nothing within 2 minutes")


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


#: Seeded moments (seconds after the temporaries appear) at which the runs are stopped.
DELAYS = [round(random.Random(23).uniform(0.0, 0.3), 3) for _ in range(2)]


@pytest.mark.parametrize("engine", ENGINES)
def test_sigterm_at_random_moments_exits_130_and_leaves_the_previous_output(tmp_path, source, engine):
    interrupted = 0
    for i, delay in enumerate(DELAYS):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        out = folder / "o.csv"
        out.write_text(PREVIOUS)
        process = start(source, out, engine, "--overwrite")
        if wait_until_writing(folder, process):
            time.sleep(delay)
            process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=120)
        if process.returncode == 0:  # it finished before the signal: a complete output
            assert len(pd.read_csv(out)) == ROWS
        else:
            interrupted += 1
            assert process.returncode == 130, stderr
            assert stderr == "Interrupted.\n"
            assert out.read_text() == PREVIOUS
        assert names(folder) == ["o.csv"] + (["o.rejects.csv"] if process.returncode == 0 else [])
    assert interrupted, f"no run of {engine} was still running at {DELAYS} s"


@pytest.mark.parametrize("engine", ENGINES)
def test_ctrl_c_exits_130_in_one_line(tmp_path, source, engine):
    out = tmp_path / "o.csv"
    process = start(source, out, engine)
    assert wait_until_writing(tmp_path, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert (process.returncode, stderr) == (130, "Interrupted.\n")
    assert names(tmp_path) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_sigkill_leaves_only_hidden_temporaries_and_a_rerun_works(tmp_path, source, engine):
    out = tmp_path / "o.csv"
    process = start(source, out, engine)
    wait_until_bytes_written(tmp_path, process)
    process.kill()
    process.communicate(timeout=120)
    left = names(tmp_path)
    assert all(name.startswith(".") and name.endswith(".tmp") for name in left), left
    rerun = start(source, out, engine)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert len(pd.read_csv(out)) == ROWS


def _file_size_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("engine", ENGINES)
def test_a_file_size_limit_is_one_line_and_exit_2(tmp_path, source, engine):
    # What a full disk does to a writer, without privileges: writes past the limit fail (EFBIG).
    out = tmp_path / "o.csv"
    process = start(source, out, engine, preexec_fn=_file_size_limit(100_000))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr == (
        f"Error: cannot write {out}: the file is larger than this process may write; "
        "raise the file size limit (ulimit -f)\n"
    )
    assert names(tmp_path) == []


@pytest.fixture()
def small_tmpfs() -> Iterator[Path]:
    """A 256 KiB tmpfs (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the file-size limit test covers a full disk without it")
    folder = Path(tempfile.mkdtemp(prefix="zaro-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_full_disk_is_one_line_and_exit_2(small_tmpfs, source, engine):
    out = small_tmpfs / "o.csv"
    process = start(source, out, engine)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert (
        stderr == f"Error: cannot write {out}: no space left on the device; free some space or choose another folder\n"
    )
    assert names(small_tmpfs) == []


@pytest.fixture()
def read_only_folder(tmp_path) -> Iterator[Path]:
    """A folder nobody may write to: a read-only tmpfs as root (root ignores file modes), else chmod 555."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(
            f"running as root, who ignores file modes, and cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}"
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_read_only_folder_is_one_line_and_exit_2(read_only_folder, source, engine):
    out = read_only_folder / "o.csv"
    process = start(source, out, engine)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert stderr.startswith(f"Error: cannot write {out}: ") and len(stderr.splitlines()) == 1
    assert "read-only" in stderr or "permission denied" in stderr
    assert names(read_only_folder) == []


def test_two_runs_writing_one_output_cannot_both_succeed(tmp_path, source):
    out = tmp_path / "o.csv"
    first = start(source, out, "pandas")
    assert wait_until_writing(tmp_path, first)
    second = start(source, out, "duckdb")
    _, second_err = second.communicate(timeout=120)
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == 2 and "is being written by another run now" in second_err
    assert len(pd.read_csv(out)) == ROWS and names(tmp_path) == ["o.csv", "o.rejects.csv"]
