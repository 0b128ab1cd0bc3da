"""scoring.batch: scoring a file in chunks, nothing lost, nothing half-written, no formulas."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.assessment import assess_frame
from scoring.batch import (
    MAX_JSON_BYTES,
    InputError,
    assess_file,
    escape_formulas,
    read_vignette_json,
)
from scoring.contract.schema import VignetteError
from scoring.engine.synth import generate_vignettes
from tests.local_spark import quiet_spark, spark, spark_frame
from tests.strategies import text_frames

__all__ = ["spark"]  # the session fixture, for the engines' agreement test

RESULT_COLUMNS = [
    "points_total",
    "band",
    "red_flags",
    "card_recommendation",
    "risk_serious_cause",
    "guideline_recommendation",
    "risk_policy_recommendation",
    "recommendation",
    "timeframe",
]


@pytest.fixture(scope="module")
def vignettes() -> pd.DataFrame:
    return generate_vignettes(300, seed=3)


@pytest.fixture
def source(tmp_path, vignettes):
    path = tmp_path / "in.csv"
    vignettes.to_csv(path, index=False)
    return path


def leftovers(folder) -> list[str]:
    """Temporary files left in a folder (there should never be any after a run)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --------------------------------------------------------------------------------------
# Results and counts
# --------------------------------------------------------------------------------------


def test_file_scores_like_the_frame_and_counts_every_row(tmp_path, source, vignettes):
    seen: list[int] = []
    summary = assess_file(source, tmp_path / "out.csv", chunk_rows=70, progress=seen.append)
    assert (summary.rows_in, summary.rows_scored, summary.rows_rejected) == (300, 300, 0)
    assert seen == [70, 70, 70, 70, 20]
    assert summary.paths.rejects == tmp_path / "out.rejects.csv"
    scored = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    expected = assess_frame(vignettes).scored
    assert scored["recommendation"].tolist() == expected["recommendation"].astype(str).tolist()
    assert scored["points_total"].tolist() == expected["points_total"].tolist()
    assert leftovers(tmp_path) == []


def test_rejected_rows_are_numbered_across_chunks(tmp_path, vignettes):
    frame = vignettes.astype({"age": object})
    frame.loc[[5, 150, 299], "age"] = [12, "old", 101]
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    summary = assess_file(path, tmp_path / "out.csv", rejects=tmp_path / "bad.csv", chunk_rows=64)
    assert (summary.rows_in, summary.rows_scored, summary.rows_rejected) == (300, 297, 3)
    rejected = pd.read_csv(tmp_path / "bad.csv", keep_default_na=False)
    assert rejected["row"].tolist() == [6, 151, 300]
    assert rejected["vignette_id"].tolist() == ["v0000006", "v0000151", "v0000300"]


@st.composite
def damaged(draw):
    n = draw(st.integers(0, 40))
    bad = draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n)) if n else set()
    return n, sorted(bad), draw(st.integers(1, 15))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=damaged())
def test_rows_in_always_equals_scored_plus_rejected(tmp_path, vignettes, case):
    n, bad, chunk_rows = case
    frame = vignettes.head(n).astype({"frequency": object})
    frame.iloc[bad, frame.columns.get_loc("frequency")] = "weekly"
    folder = tmp_path / f"run{n}_{chunk_rows}_{len(bad)}"
    folder.mkdir(exist_ok=True)
    frame.to_csv(folder / "in.csv", index=False)
    summary = assess_file(folder / "in.csv", folder / "out.csv", chunk_rows=chunk_rows, overwrite=True)
    assert summary.rows_in == n == summary.rows_scored + summary.rows_rejected
    assert summary.rows_rejected == len(bad)
    rejected = pd.read_csv(folder / "out.rejects.csv")
    assert rejected["row"].tolist() == [i + 1 for i in bad]
    assert len(pd.read_csv(folder / "out.csv")) == n - len(bad)


def test_a_frame_can_be_scored_to_a_file(tmp_path, vignettes):
    summary = assess_file(vignettes, tmp_path / "out.csv", chunk_rows=100)
    assert summary.summary() == "300 rows read, 300 scored, 0 rejected"


def test_header_only_input_gives_a_header_with_the_result_columns(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("vignette_id,age,duration_weeks,frequency,severity,locations\n")
    summary = assess_file(path, tmp_path / "out.csv")
    assert summary.rows_in == 0
    header = (tmp_path / "out.csv").read_text().strip().split(",")
    assert header[0] == "age" and {"vignette_id", *RESULT_COLUMNS} <= set(header)
    assert (tmp_path / "out.rejects.csv").read_text().startswith("row,vignette_id,field,value,reason,allowed")


@pytest.mark.parametrize("kind", ["csv", "frame"])
def test_duplicated_column_names_are_a_clear_error(tmp_path, kind):
    text = "age,duration_weeks,frequency,severity,locations,age\n30,1,daily,minor,eyelid,40\n"
    path = tmp_path / "in.csv"
    path.write_text(text)
    src = (
        path
        if kind == "csv"
        else pd.DataFrame([[30, 1, "daily", "minor", "eyelid", 40]], columns=text.split("\n")[0].split(","))
    )
    with pytest.raises(InputError, match=r"column names must be unique; found 'age' \(2 times\)"):
        assess_file(src, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists() and leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------
# Never the input, never half-written
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["same path", "hard link", "symlink", "dot-dot path"])
@pytest.mark.parametrize("role", ["out", "rejects"])
def test_an_output_that_is_the_input_by_any_route_is_refused(tmp_path, source, route, role):
    before = source.read_bytes()
    other = tmp_path / "other.csv"
    if route == "same path":
        target = source
    elif route == "hard link":
        os.link(source, other)
        target = other
    elif route == "symlink":
        other.symlink_to(source)
        target = other
    else:
        (tmp_path / "sub").mkdir()
        target = tmp_path / "sub" / ".." / source.name
    paths = {"out": target} if role == "out" else {"out": tmp_path / "o.csv", "rejects": target}
    with pytest.raises(InputError, match="are the same file"):
        assess_file(source, paths.pop("out"), overwrite=True, **paths)
    assert source.read_bytes() == before
    assert not (tmp_path / "o.csv").exists()


def test_an_existing_output_is_replaced_only_with_overwrite(tmp_path, source):
    out = tmp_path / "out.csv"
    out.write_text("keep me\n")
    with pytest.raises(InputError, match=r"out.csv already exists; .* pass --overwrite \(overwrite=True\)"):
        assess_file(source, out)
    assert out.read_text() == "keep me\n"
    assess_file(source, out, overwrite=True)
    assert out.read_text().startswith("age,sex,")
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~current_umask())


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_missing_output_folder_names_the_output(tmp_path, source):
    with pytest.raises(InputError, match=r"cannot write .*nodir/out.csv: the folder .*nodir does not exist"):
        assess_file(source, tmp_path / "nodir" / "out.csv")


def test_a_bad_line_late_in_the_file_leaves_the_previous_output(tmp_path, source):
    with open(source, "a") as handle:
        handle.write('v9,30,1,daily,minor,"eyelid\n')  # an unclosed quote on the last line
    out = tmp_path / "out.csv"
    out.write_text("the previous good output\n")
    with pytest.raises(InputError, match=r"in.csv is not a readable CSV file"):
        assess_file(source, out, overwrite=True, chunk_rows=50)
    assert out.read_text() == "the previous good output\n"
    assert not (tmp_path / "out.rejects.csv").exists() and leftovers(tmp_path) == []


def test_an_interruption_leaves_no_output_and_no_temporary_file(tmp_path, source):
    def stop(rows: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        assess_file(source, tmp_path / "out.csv", chunk_rows=50, progress=stop)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


# --------------------------------------------------------------------------------------
# Formula-safe cells
# --------------------------------------------------------------------------------------

ATTACKS = ['=HYPERLINK("http://x.example","click")', "+cmd|' /C calc'!A0", "@SUM(A1)", "=1+1"]


def test_formulas_are_quoted_in_output_and_rejects_and_only_when_asked(tmp_path, vignettes):
    frame = vignettes.head(5).astype({"duration_weeks": object})
    frame["vignette_id"] = ATTACKS + ["-2"]
    frame["narrative"] = ATTACKS + ["\tTab first"]
    frame.loc[4, "duration_weeks"] = "-1.5"  # rejected: out of range, shown as the number it is
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    assess_file(path, tmp_path / "safe.csv")
    assess_file(path, tmp_path / "raw.csv", formula_safe=False)
    safe = pd.read_csv(tmp_path / "safe.csv", keep_default_na=False)
    raw = pd.read_csv(tmp_path / "raw.csv", keep_default_na=False)
    assert safe["vignette_id"].tolist() == ["'" + a for a in ATTACKS]
    assert safe["narrative"].tolist() == ["'" + a for a in ATTACKS]
    assert raw["vignette_id"].tolist() == ATTACKS and raw["narrative"].tolist() == ATTACKS
    assert safe["risk_serious_cause"].tolist() == raw["risk_serious_cause"].tolist()
    rejects = pd.read_csv(tmp_path / "safe.rejects.csv", keep_default_na=False, dtype=str)
    assert rejects[["vignette_id", "field", "value"]].values.tolist() == [["-2", "duration_weeks", "-1.5"]]


def test_escape_formulas_keeps_numbers_and_other_types():
    frame = pd.DataFrame(
        {
            "text": ["=A1", "-1.5", "+3", "-x", "\rcarriage", "plain", None],
            "number": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "mixed": ["@x", -1, 2.5, "ok", None, "+1e3", "+"],
            "category": pd.Categorical(["=c", "d", "=c", "d", "d", "d", "d"]),
        }
    )
    escaped = escape_formulas(frame)
    assert escaped["text"].tolist()[:6] == ["'=A1", "-1.5", "+3", "'-x", "'\rcarriage", "plain"]
    assert escaped["text"].isna().tolist()[6]
    assert escaped["number"].tolist() == frame["number"].tolist()
    assert escaped["mixed"].tolist()[:4] == ["'@x", -1, 2.5, "ok"] and escaped["mixed"].tolist()[5:] == ["+1e3", "'+"]
    assert escaped["category"].astype(str).tolist()[:2] == ["'=c", "d"]
    assert frame["text"].tolist()[0] == "=A1"  # the input is not changed


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=8))
def test_an_escaped_cell_is_the_cell_or_a_quote_and_the_cell(cells):
    escaped = escape_formulas(pd.DataFrame({"cell": cells}))["cell"].tolist()
    for before, after in zip(cells, escaped):
        assert after in (before, "'" + before)
        if after != before:
            assert before[:1] in "=+-@\t\r"
        elif before[:1] and before[:1] in "=@\t\r":
            pytest.fail(f"{before!r} was not escaped")


# --------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------


def test_parquet_in_and_out_keep_types_and_results(tmp_path, vignettes):
    vignettes.to_parquet(tmp_path / "in.parquet", index=False)
    summary = assess_file(tmp_path / "in.parquet", tmp_path / "out.parquet", chunk_rows=128)
    assert summary.summary() == "300 rows read, 300 scored, 0 rejected"
    scored = pd.read_parquet(tmp_path / "out.parquet")
    expected = assess_frame(vignettes).scored
    assert scored["points_total"].dtype == expected["points_total"].dtype
    assert isinstance(scored["recommendation"].dtype, pd.CategoricalDtype)
    assert scored["recommendation"].astype(str).tolist() == expected["recommendation"].astype(str).tolist()
    assert scored["weakness"].dtype == bool
    csv_summary = assess_file(tmp_path / "in.parquet", tmp_path / "o.csv", rejects=tmp_path / "r.parquet")
    assert csv_summary.rows_scored == 300


def test_an_unknown_extension_says_which_formats_are_known(tmp_path, source):
    with pytest.raises(InputError, match=r"out.xlsx: cannot tell the output format .* use .csv or .parquet"):
        assess_file(source, tmp_path / "out.xlsx")


# --------------------------------------------------------------------------------------
# One vignette as strict JSON
# --------------------------------------------------------------------------------------

PLAIN = {"age": 30, "duration_weeks": 1, "frequency": "daily", "severity": "minor", "locations": "eyelid"}


def test_json_text_and_file_read_the_same(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(PLAIN))
    assert read_vignette_json(json.dumps(PLAIN)) == read_vignette_json(path) == read_vignette_json(str(path)) == PLAIN


def test_a_key_given_twice_is_named():
    with pytest.raises(VignetteError, match=r"^bulbar: duplicate key: given more than once"):
        read_vignette_json('{"bulbar": true, "bulbar": false}')


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant):
    with pytest.raises(VignetteError, match=f"{constant} is not a JSON number"):
        read_vignette_json(f'{{"age": 30, "sleep_hours": {constant}}}')


def test_deep_nesting_is_refused_without_recursion():
    with pytest.raises(VignetteError, match="nested too deeply"):
        read_vignette_json("[" * 100_000)
    # Brackets inside strings do not count.
    assert read_vignette_json(json.dumps({"vignette_id": "[" * 100})) == {"vignette_id": "[" * 100}


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(50 * 2**20)
    with pytest.raises(InputError, match=rf"huge.json is 52,428,800 bytes; .* at most {MAX_JSON_BYTES:,} bytes"):
        read_vignette_json(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("dir", "is a folder"),
        (b"", "is empty"),
        (b"\xff\xfe{", "is not UTF-8 text"),
        (b"{'age': 30}", "not valid JSON"),
    ],
)
def test_bad_json_files_are_named(tmp_path, content, message):
    path = tmp_path / "case.json"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises((InputError, VignetteError), match=message) as caught:
        read_vignette_json(str(path))
    assert "case.json" in str(caught.value)


# --------------------------------------------------------------------------------------
# CSV engines
# --------------------------------------------------------------------------------------

AWKWARD_CSV = (
    "\ufeffvignette_id,age,duration_weeks,frequency,severity,locations,weakness,narrative\r\n"
    'a,30,1,daily,minor,eyelid,,"two\r\nlines, and a comma"\r\n'
    "\r\n"
    'b,40,"",daily,minor,eyelid;calf,true,""\r\n'
    "c, 41,2,daily,minor,eyelid,no,  spaces  \r\n"
    "d,50,3,constant,pronounced,hand,false,café ü\r\n"
    "e,60,3,daily,moderate,arm\r\n"  # fewer cells than the header: pyarrow refuses, pandas reads
    'f,61,3,daily,moderate,arm,NA,"say ""hi"""\r\n'
)


@pytest.mark.parametrize("short_row", [True, False])
def test_both_csv_engines_write_the_same_bytes(tmp_path, short_row):
    text = AWKWARD_CSV if short_row else AWKWARD_CSV.replace("e,60,3,daily,moderate,arm\r\n", "")
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode("utf-8"))
    seen: dict[str, list[int]] = {}
    for engine in ("pyarrow", "pandas"):
        seen[engine] = []
        assess_file(path, tmp_path / f"{engine}.csv", chunk_rows=2, csv_engine=engine, progress=seen[engine].append)
    assert (tmp_path / "pyarrow.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    assert (tmp_path / "pyarrow.rejects.csv").read_bytes() == (tmp_path / "pandas.rejects.csv").read_bytes()
    # A file pyarrow refuses is read again with pandas; no row is reported twice.
    assert sum(seen["pyarrow"]) == sum(seen["pandas"]) == (6 if short_row else 5)


@pytest.mark.parametrize("engine", ["pyarrow", "pandas"])
def test_a_quote_left_open_at_the_end_is_refused_by_both_engines(tmp_path, engine):
    path = tmp_path / "in.csv"
    path.write_text('age,duration_weeks,frequency,severity,locations\n34,3,daily,minor,"eyelid\n')
    with pytest.raises(InputError, match="in.csv is not a readable CSV file"):
        assess_file(path, tmp_path / "out.csv", csv_engine=engine)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_duckdb_reads_a_quoted_line_break_in_a_cell_of_a_file_it_reads_in_parallel(tmp_path):
    # DuckDB's parallel CSV reader refuses a quoted line break when short rows are padded; the
    # file is read again on one thread, and the cell reads as the pandas engine reads it.
    rows = ["age,duration_weeks,frequency,severity,locations"]
    rows += ["30,1,daily,minor,eyelid"] * 3 + ['30,"34\n",daily,minor,eyelid', "41,2,daily,minor,calf"]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for engine in ("pandas", "duckdb"):
        summary = assess_file(path, tmp_path / f"{engine}.csv", engine=engine)
        assert (summary.rows_in, summary.rows_scored, summary.rows_rejected) == (5, 5, 0), engine
    scored = {engine: pd.read_csv(tmp_path / f"{engine}.csv") for engine in ("pandas", "duckdb")}
    assert list(scored["duckdb"]["duration_weeks"]) == list(scored["pandas"]["duration_weeks"]) == [1, 1, 1, 34, 2]
    assert list(scored["duckdb"]["recommendation"]) == list(scored["pandas"]["recommendation"])


def test_the_examples_in_the_docstrings_run():
    import doctest

    import scoring.batch._formulas
    import scoring.batch._json

    for module in (scoring.batch._json, scoring.batch._formulas):
        assert doctest.testmod(module).failed == 0


def test_parquet_keeps_text_as_it_is(tmp_path, vignettes):
    frame = vignettes.head(3).assign(vignette_id=["=1+1", "@SUM(A1)", "ok"])
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    assess_file(tmp_path / "in.parquet", tmp_path / "out.parquet", rejects=tmp_path / "r.parquet")
    assert pd.read_parquet(tmp_path / "out.parquet")["vignette_id"].tolist() == ["=1+1", "@SUM(A1)", "ok"]


# --------------------------------------------------------------------------------------
# Python, DuckDB and Spark: the same answers for the same rows
# --------------------------------------------------------------------------------------

#: What every engine must give alike: both policies' answers, the card's total, flags and time
#: frame, the tree's second opinion; and the two risks, to 1e-9.
AGREED = [
    "vignette_id",
    "points_total",
    "band",
    "red_flags",
    "card_recommendation",
    "tree_recommendation",
    "agree",
    "guideline_recommendation",
    "risk_policy_recommendation",
    "recommendation",
    "timeframe",
]
RISKS = ["risk_serious_cause", "tree_risk_serious_cause"]
REJECT_KEYS = ["row", "vignette_id", "field", "value", "reason", "allowed"]


def _text(frame: pd.DataFrame, columns: list[str]) -> list[list[str]]:
    """Rows of ``columns`` as text, missing cells as '' (engines write a missing value differently)."""
    return [["" if pd.isna(v) else str(v) for v in row] for row in frame[columns].itertuples(index=False)]


def assert_engines_agree(got: pd.DataFrame, rejects: pd.DataFrame, expected: Any, engine: str) -> None:
    """An engine's scored rows and rejects are assess_frame's: answers exactly, risks to 1e-9."""
    python = expected.scored.reset_index(drop=True)
    got = got.sort_values("vignette_id", key=lambda c: c.str[1:].astype(int)).reset_index(drop=True)
    assert list(got.columns) == list(python.columns), engine
    assert _text(got, AGREED) == _text(python, AGREED), engine
    for risk in RISKS:
        np.testing.assert_allclose(got[risk], python[risk], rtol=0, atol=1e-9, err_msg=f"{engine}: {risk}")
    assert _text(rejects, REJECT_KEYS) == _text(expected.rejected, REJECT_KEYS), engine


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    frame=text_frames(max_rows=30),
    policy=st.sampled_from(["guideline", "risk"]),
    population=st.sampled_from(["community", "enriched"]),
)
def test_both_file_engines_give_assess_frames_answers_and_rejects(
    tmp_path: Path, frame: pd.DataFrame, policy: str, population: str
) -> None:
    expected = assess_frame(frame, policy=policy, population=population)
    source = tmp_path / "in.csv"
    # Lines end in CRLF so the writer quotes a cell holding a lone carriage return, which
    # every CSV reader (both engines too) would otherwise take for the end of a row.
    frame.to_csv(source, index=False, lineterminator="\r\n")
    for engine in ("pandas", "duckdb"):
        out, rejects = tmp_path / f"{engine}.parquet", tmp_path / f"{engine}.rejects.parquet"
        summary = assess_file(
            source, out, rejects=rejects, engine=engine, policy=policy, population=population, overwrite=True
        )
        assert summary.rows_in == len(frame) == summary.rows_scored + summary.rows_rejected
        assert_engines_agree(pd.read_parquet(out), pd.read_parquet(rejects), expected, engine)


@quiet_spark
@pytest.mark.slow
@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(frame=text_frames(min_rows=20, max_rows=40), policy=st.sampled_from(["guideline", "risk"]))
def test_spark_gives_assess_frames_answers_and_rejects(spark: Any, frame: pd.DataFrame, policy: str) -> None:
    # Spark is slow to plan the query (seconds per run): two examples of 20-40 rows, bad cells among them.
    from scoring import spark as zaro_spark

    expected = assess_frame(frame, policy=policy, population="community")
    data = spark_frame(spark, frame)
    scored = zaro_spark.assess(data, policy=policy, population="community").toPandas()
    rejects = zaro_spark.rejects(data).toPandas()
    assert_engines_agree(scored, rejects, expected, "spark")
