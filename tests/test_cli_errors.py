"""Every command answers bad input with one line on stderr and a documented exit status.

Exit statuses (``zaro --help``): 0 done; 1 some rows rejected (validate, assess of a file) or
a build that failed (report, run, app); 2 a usage or input error; 130 interrupted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from scoring.cli import main

PLAIN = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "eyelid"}
HEADER = "vignette_id,age,duration_weeks,frequency,severity,locations\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """A folder of bad (and a few good) input files, named by what is wrong with them."""
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "good.csv").write_text(HEADER + "a,30,1,daily,minor,eyelid\nb,12,1,daily,minor,eyelid\n")
    (folder / "good.json").write_text(json.dumps(PLAIN))
    (folder / "empty.csv").write_bytes(b"")
    (folder / "empty.json").write_bytes(b"")
    (folder / "latin1.csv").write_bytes(b"age,duration_weeks\n\xff\xfe\xfa,3\n")
    (folder / "latin1.json").write_bytes(b'{"age": "\xff"}')
    (folder / "ragged.csv").write_text(HEADER + 'a,30,1,daily,minor,"eyelid\n')
    (folder / "twice.csv").write_text(
        "age,duration_weeks,frequency,severity,locations,age\n30,1,daily,minor,eyelid,4\n"
    )
    (folder / "nocause.csv").write_text(HEADER + "a,30,1,daily,minor,eyelid\n")
    (folder / "bad.json").write_text("{'age': 30")
    (folder / "twice.json").write_text('{"age": 30, "bulbar": true, "bulbar": false}')
    (folder / "nan.json").write_text('{"age": NaN}')
    (folder / "deep.json").write_text("[" * 100_000)
    (folder / "list.json").write_text("[1, 2]")
    with open(folder / "huge.json", "wb") as handle:
        handle.truncate(50 * 2**20)
    (folder / "outside.json").write_text(json.dumps(dict(PLAIN, age=12)))
    (folder / "folder.csv").mkdir()
    (folder / "folder.json").mkdir()
    (folder / "bad.toml").write_text("name = [\n")
    (folder / "junk.skops").write_bytes(b"not a zip file at all")
    (folder / "exists.csv").write_text("keep me\n")
    (folder / "junk.parquet").write_bytes(b"PAR1 but not really")
    return folder


def readonly_folder(tmp_path: Path) -> Path:
    """A folder no file can be created in (root ignores permission bits, not sysfs)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


# (command line with {f} for the inputs folder and {ro} for a read-only folder, exit status, text in the message)
CASES = [
    # generate
    ("generate --n 0", 2, "Invalid value for '--n'"),
    ("generate --label-noise 0.9", 2, "Invalid value for '--label-noise'"),
    ("generate --n 5 --out {f}/folder.csv", 2, "folder.csv"),
    ("generate --n 5 --out {ro}/v.csv", 2, "v.csv"),
    # validate
    ("validate {f}/missing.csv", 2, "missing.csv' does not exist"),
    ("validate {f}/folder.csv", 2, "folder.csv' is a directory"),
    ("validate {f}/empty.csv", 2, "empty.csv is empty"),
    ("validate {f}/latin1.csv", 2, "latin1.csv is not UTF-8 text"),
    ("validate {f}/ragged.csv", 2, "ragged.csv is not a readable CSV file"),
    ("validate {f}/twice.csv", 2, "column names must be unique; found 'age' (2 times)"),
    ("validate {f}/good.csv --rejects {ro}/r.csv", 2, "r.csv"),
    ("validate {f}/good.csv --rejects {f}/exists.csv", 2, "exists.csv already exists"),
    ("validate {f}/good.csv --rejects {f}/nodir/r.csv", 2, "the folder"),
    # fit
    ("fit --data {f}/missing.csv", 2, "missing.csv' does not exist"),
    ("fit --data {f}/empty.csv", 2, "empty.csv is empty"),
    ("fit --data {f}/latin1.csv", 2, "latin1.csv is not UTF-8 text"),
    ("fit --data {f}/nocause.csv", 2, "nocause.csv has no latent_cause column"),
    # assess: one vignette
    ("assess", 2, "give exactly one of"),
    ("assess {f}/missing.json", 2, "missing.json: no such file"),
    ("assess {f}/folder.json", 2, "folder.json' is a directory"),
    ("assess {f}/empty.json", 2, "empty.json is empty"),
    ("assess {f}/latin1.json", 2, "latin1.json is not UTF-8 text"),
    ("assess {f}/bad.json", 2, "bad.json: not valid JSON"),
    ("assess {f}/twice.json", 2, "bulbar: duplicate key"),
    ("assess {f}/nan.json", 2, "NaN is not a JSON number"),
    ("assess {f}/deep.json", 2, "nested too deeply"),
    ("assess {f}/huge.json", 2, "huge.json is 52,428,800 bytes"),
    ("assess {f}/list.json", 2, "list.json: wrong type: not a JSON object"),
    ("assess {f}/outside.json", 2, "age: out of range"),
    ("assess {f}/good.json --card nope", 2, "unknown card 'nope'"),
    ("assess {f}/good.json --card {f}/bad.toml", 2, "bad.toml: not valid TOML"),
    ("assess {f}/good.json --card {f}/missing.toml", 2, "missing.toml"),
    ("assess {f}/good.json --tree {f}/junk.skops", 2, "junk.skops is not a tree saved by `zaro fit`"),
    ("assess {f}/good.json --tree {f}/missing.skops", 2, "missing.skops: no such tree file"),
    ("assess {f}/good.json --out {f}/o.csv", 2, "--out and --rejects are for CSV and Parquet files"),
    # assess: a file
    ("assess {f}/good.csv", 2, "--out OUT.csv (or OUT.parquet) is needed"),
    ("assess {f}/good.csv --out {f}/o.csv --chunk-size 0", 2, "Invalid value for '--chunk-size'"),
    ("assess {f}/missing.csv --out {f}/o.csv", 2, "missing.csv: no such file"),
    ("assess {f}/folder.csv --out {f}/o.csv", 2, "folder.csv"),
    ("assess {f}/empty.csv --out {f}/o.csv", 2, "empty.csv is empty"),
    ("assess {f}/twice.csv --out {f}/o.csv", 2, "column names must be unique"),
    ("assess {f}/junk.parquet --out {f}/o.csv", 2, "junk.parquet is not a readable Parquet file"),
    ("assess {f}/ragged.csv --out {f}/o.csv", 2, "ragged.csv is not a readable CSV file"),
    ("assess {f}/latin1.csv --out {f}/o.csv", 2, "latin1.csv is not UTF-8 text"),
    ("assess {f}/good.txt --out {f}/o.csv", 2, "cannot tell the input format from the extension '.txt'"),
    ("assess {f}/good.csv --out {f}/o.xlsx", 2, "cannot tell the output format"),
    ("assess {f}/good.csv --out {f}/nodir/o.csv", 2, "cannot write {f}/nodir/o.csv: the folder"),
    ("assess {f}/good.csv --out {ro}/o.csv", 2, "cannot write {ro}/o.csv"),
    ("assess {f}/good.csv --out {f}/folder.csv", 2, "folder.csv"),
    ("assess {f}/good.csv --out {f}/exists.csv", 2, "exists.csv already exists"),
    ("assess {f}/good.csv --out {f}/o.csv --rejects {f}/o.csv", 2, "are the same file"),
    ("assess {f}/good.csv --out {f}/o.csv --card {f}/bad.toml", 2, "bad.toml: not valid TOML"),
    ("assess {f}/good.csv --out {f}/o.csv --tree {f}/junk.skops", 2, "junk.skops is not a tree"),
    # card
    ("card --card nope", 2, "unknown card 'nope'"),
    ("card --card {f}/bad.toml", 2, "bad.toml: not valid TOML"),
    ("card --card {f}/missing.toml", 2, "missing.toml"),
    ("card --card {f}/folder.json", 2, "folder.json"),
    # explain
    ("explain", 2, "give the vignette once"),
    ("explain {f}/missing.json", 2, "missing.json: no such file"),
    ("explain {f}/bad.json", 2, "not valid JSON"),
    ("explain {f}/twice.json", 2, "bulbar: duplicate key"),
    ("explain {f}/deep.json", 2, "nested too deeply"),
    ("explain {f}/huge.json", 2, "at most"),
    ("explain {f}/good.json --card nope", 2, "unknown card 'nope'"),
    ("explain {f}/good.json --tree {f}/junk.skops", 2, "junk.skops is not a tree"),
    ("explain {f}/good.json --tree {f}/junk.skops --no-tree", 2, "give --tree or --no-tree, not both"),
    # compare
    ("compare --n 0", 2, "Invalid value for '--n'"),
    ("compare --n 10 --card nope", 2, "unknown card 'nope'"),
    ("compare --n 10 --card {f}/bad.toml", 2, "bad.toml: not valid TOML"),
    # report
    ("report --case {f}/missing.json", 2, "missing.json' does not exist"),
    ("report --case {f}/folder.json", 2, "folder.json' is a directory"),
    ("report --case {f}/bad.json", 2, "not valid JSON"),
    ("report --case {f}/twice.json", 2, "bulbar: duplicate key"),
    ("report --case {f}/deep.json", 2, "nested too deeply"),
    ("report --case {f}/outside.json", 2, "age: out of range"),
    ("report --notebooks {f}/missing", 2, "missing' does not exist"),
    # app
    ("app --port 0", 2, "Invalid value for '--port'"),
    ("app --port http", 2, "Invalid value for '--port'"),
    # the group
    ("nope", 2, "No such command 'nope'"),
]


@pytest.mark.parametrize(("command", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_on_stderr_with_a_documented_status(tmp_path, files, command, status, message):
    ro = readonly_folder(tmp_path)
    args = command.format(f=files, ro=ro).split()
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output
    assert result.exit_code == status, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message.format(f=files, ro=ro) in lines[0]


def test_commands_that_read_a_file_name_the_file_they_could_not_write(tmp_path, files):
    result = CliRunner().invoke(main, ["assess", str(files / "good.csv"), "--out", str(tmp_path / "nodir" / "o.csv")])
    assert "good.csv" not in result.stderr and "nodir/o.csv" in result.stderr


def test_an_unreadable_file_is_named(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    secret = tmp_path / "secret.csv"
    secret.write_text(HEADER)
    secret.chmod(0)
    result = CliRunner().invoke(main, ["assess", str(secret), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "cannot read" in result.stderr and "secret.csv" in result.stderr


def test_help_documents_the_exit_statuses():
    text = CliRunner().invoke(main, ["--help"]).output
    assert "Exit status:" in text
    for line in ("0    done", "1    validate, assess", "2    usage or input error", "130  interrupted"):
        assert line in text
    for command, status in [("assess", "1 some rows were rejected"), ("explain", "2 usage or input error")]:
        assert status in CliRunner().invoke(main, [command, "--help"]).output


def test_a_bug_still_shows_its_traceback(monkeypatch, files):
    """Only user errors are turned into one line: a programming error stays visible."""
    import scoring.engine.card as card_module

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(card_module, "load_card", broken)
    result = CliRunner().invoke(main, ["card"])
    assert isinstance(result.exception, KeyError)
