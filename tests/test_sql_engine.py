"""assess_file(engine="duckdb") and `zaro sql`: the same files as the pandas engine, the same guards."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scoring.assessment import assess_frame
from scoring.batch import InputError, assess_file
from scoring.cli import main
from scoring.engine.policies import PolicyError
from scoring.engine.synth import generate_vignettes


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("engine")
    frame = generate_vignettes(400, seed=9)
    frame.loc[3, "narrative"] = '=HYPERLINK("http://example.com")'
    frame.loc[4, "vignette_id"] = "@risky"
    frame.to_parquet(folder / "in.parquet")
    csv = folder / "in.csv"
    frame.to_csv(csv, index=False)
    with open(csv, "a", encoding="utf-8") as handle:
        handle.write("short_row,12,male\n")  # too few cells (read as empty) and an age under 18
        handle.write("bad_row,40,male,2,hourly,minor,calf;knee,maybe\n")
    return {"csv": csv, "parquet": folder / "in.parquet"}


@pytest.mark.parametrize(
    ("source", "policy", "population"), [("csv", "risk", "community"), ("parquet", None, "enriched")]
)
def test_duckdb_writes_the_same_csv_bytes_as_pandas(
    inputs: dict[str, Path], tmp_path: Path, source: str, policy: str | None, population: str
) -> None:
    summaries = {}
    for engine in ("duckdb", "pandas"):
        summaries[engine] = assess_file(
            inputs[source], tmp_path / f"{engine}.csv", engine=engine, policy=policy, population=population
        )
    assert summaries["duckdb"] == summaries["pandas"].__class__(
        *[getattr(summaries["pandas"], f) for f in ("rows_in", "rows_scored", "rows_rejected", "problems")],
        paths=summaries["duckdb"].paths,
    )
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    assert (tmp_path / "duckdb.rejects.csv").read_bytes() == (tmp_path / "pandas.rejects.csv").read_bytes()
    text = (tmp_path / "duckdb.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text and ",'@risky," in text


def test_typed_parquet_with_bad_values_gives_the_pandas_engines_files(tmp_path: Path) -> None:
    # Typed columns take the typed path in DuckDB: the same rows scored, the same rejects.
    frame = generate_vignettes(300, seed=4)
    frame.loc[[5, 50], "age"] = [12, 130]
    frame.loc[[7, 8], "duration_weeks"] = [float("nan"), float("inf")]
    frame["stress_level"] = frame["stress_level"].astype(float)
    frame.loc[9, "stress_level"] = 6.5
    frame["weakness"] = frame["weakness"].astype("int64")
    frame.loc[10, "weakness"] = 3
    frame.loc[11, "sleep_hours"] = float("nan")  # optional: the default
    source = tmp_path / "typed.parquet"
    frame.to_parquet(source)
    summaries = {
        engine: assess_file(source, tmp_path / f"{engine}.csv", engine=engine) for engine in ("duckdb", "pandas")
    }
    assert summaries["duckdb"].rows_rejected == summaries["pandas"].rows_rejected == 6
    assert summaries["duckdb"].rows_in == summaries["duckdb"].rows_scored + 6 == 300
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    assert (tmp_path / "duckdb.rejects.csv").read_bytes() == (tmp_path / "pandas.rejects.csv").read_bytes()


def test_a_clean_parquet_file_gets_an_empty_rejects_file(inputs: dict[str, Path], tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        summary = assess_file(inputs["parquet"], tmp_path / "out.csv", rejects=tmp_path / f"rej.{fmt}", engine="duckdb")
        assert (summary.rows_in, summary.rows_rejected, summary.problems) == (400, 0, 0)
        rejects = pd.read_csv(tmp_path / "rej.csv") if fmt == "csv" else pd.read_parquet(tmp_path / "rej.parquet")
        assert list(rejects.columns) == ["row", "vignette_id", "field", "value", "reason", "allowed"] and rejects.empty
        (tmp_path / "out.csv").unlink()


def test_rows_in_are_rows_scored_plus_rejected(inputs: dict[str, Path], tmp_path: Path) -> None:
    summary = assess_file(inputs["csv"], tmp_path / "out.csv", engine="duckdb")
    assert (summary.rows_in, summary.rows_scored, summary.rows_rejected) == (402, 400, 2)
    rejects = pd.read_csv(tmp_path / "out.rejects.csv", dtype=str, keep_default_na=False)
    assert set(rejects["row"]) == {"401", "402"}
    assert "unknown location 'knee'" in set(rejects["reason"])


def test_parquet_out_has_the_values_of_the_pandas_engine(inputs: dict[str, Path], tmp_path: Path) -> None:
    for engine in ("duckdb", "pandas"):
        assess_file(inputs["parquet"], tmp_path / f"{engine}.parquet", engine=engine, policy="risk")
    duck = pd.read_parquet(tmp_path / "duckdb.parquet")
    python = pd.read_parquet(tmp_path / "pandas.parquet")
    assert list(duck.columns) == list(python.columns)
    assert duck["risk_serious_cause"].dtype == python["risk_serious_cause"].dtype == "float64"
    for column in python.columns:
        as_text = [["" if pd.isna(v) else str(v) for v in frame[column]] for frame in (duck, python)]
        assert as_text[0] == as_text[1], column
    assert (duck["risk_serious_cause"] == python["risk_serious_cause"]).all()
    assert set(duck["timeframe"].dropna()) <= {"within_2_weeks", "same_day", "emergency"}


def test_an_unknown_policy_is_refused_before_anything_is_written(inputs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="unknown policy 'cheap'; use one of nhs, ng127, risk"):
        assess_file(inputs["csv"], tmp_path / "out.csv", engine="duckdb", policy="cheap")
    assert list(tmp_path.iterdir()) == []


def test_duckdb_keeps_the_guards_of_the_file_engine(inputs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(InputError, match="same file"):
        assess_file(inputs["csv"], inputs["csv"], engine="duckdb", overwrite=True)
    out = tmp_path / "out.csv"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="overwrite"):
        assess_file(inputs["csv"], out, engine="duckdb")
    assert out.read_text(encoding="utf-8") == "keep me"
    assess_file(inputs["csv"], out, engine="duckdb", overwrite=True)
    assert out.read_text(encoding="utf-8").startswith("age,sex,")
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_unreadable_csv_leaves_no_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    frame = generate_vignettes(3, seed=1)
    # A quoted cell left open to the end of the file (a row with too many cells is only rejected).
    bad.write_text(frame.to_csv(index=False) + 'a,"b,c\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a readable"):
        assess_file(bad, tmp_path / "out.csv", engine="duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_unknown_engine_names_the_choices(inputs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"engine must be 'duckdb', 'pandas' or None \(got 'spark'\)"):
        assess_file(inputs["csv"], tmp_path / "out.csv", engine="spark")  # type: ignore[arg-type]


def test_cli_assess_with_the_duckdb_engine(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        main, ["assess", str(inputs["csv"]), "--out", str(out), "--engine", "duckdb", "--no-progress"]
    )
    assert result.exit_code == 1, result.output  # rows were rejected
    assert "402 rows read, 400 scored, 2 rejected" in result.output


def test_cli_assess_passes_the_population_and_policy_to_both_engines(inputs: dict[str, Path], tmp_path: Path) -> None:
    for engine in ("duckdb", "pandas"):
        options = ["--policy", "risk", "--population", "enriched", "--engine", engine, "--no-progress"]
        result = CliRunner().invoke(
            main, ["assess", str(inputs["csv"]), "--out", str(tmp_path / f"{engine}.csv"), *options]
        )
        assert result.exit_code == 1, result.output
    assert (tmp_path / "duckdb.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    written = pd.read_csv(tmp_path / "duckdb.csv", keep_default_na=False)
    expected = assess_frame(pd.read_parquet(inputs["parquet"]), policy="risk", population="enriched").scored
    # The risk policy's own answer stands where it decided; elsewhere the floor, the card or the tree raised it.
    level = {"self_care": 0, "see_doctor": 1, "urgent": 2}
    told, own = written["recommendation"].map(level), written["risk_policy_recommendation"].map(level)
    assert (told >= own).all() and (
        told[written["decided_by"] == "policy"] == own[written["decided_by"] == "policy"]
    ).all()
    assert written["recommendation"].tolist() == expected["recommendation"].astype(str).tolist()
    assert written["decided_by"].tolist() == expected["decided_by"].astype(str).tolist()
    np.testing.assert_allclose(written["risk_serious_cause"], expected["risk_serious_cause"], rtol=0, atol=1e-15)


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_cli_sql_prints_the_query(dialect: str) -> None:
    result = CliRunner().invoke(main, ["sql", "--dialect", dialect])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("WITH _zaro_checked AS (")


@pytest.mark.parametrize("policy", ["nhs", "ng127", "risk"])
def test_printed_duckdb_query_scores_a_table_as_assess_frame_does(inputs: dict[str, Path], policy: str) -> None:
    options = ["--table", "vignettes", "--policy", policy, "--population", "enriched"]
    query = CliRunner().invoke(main, ["sql", *options]).output
    con = duckdb.connect()
    frame = pd.read_parquet(inputs["parquet"]).drop(columns=["latent_cause", "triage", "narrative"])
    con.register("vignettes", frame)
    scored = con.sql(query).df()
    expected = assess_frame(frame, policy=policy, population="enriched").scored
    assert list(scored.columns) == list(expected.columns)
    assert scored["recommendation"].tolist() == expected["recommendation"].astype(str).tolist()
    assert (scored["risk_serious_cause"] == expected["risk_serious_cause"]).all()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--policy", "cheap"], "unknown policy 'cheap'; known policies: nhs, ng127, risk"),
        (["--population", "clinic"], "unknown population 'clinic'; known populations: enriched, community"),
        (["--tree", "t.skops", "--no-tree"], "give --tree or --no-tree, not both"),
    ],
)
def test_cli_sql_names_a_bad_option(option: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["sql", *option])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("source", "threshold"), [("csv", "DUCKDB_FROM_BYTES"), ("parquet", "DUCKDB_FROM_PARQUET_BYTES")]
)
def test_without_an_engine_a_file_of_the_measured_size_goes_to_duckdb(
    inputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, threshold: str
) -> None:
    import scoring.batch._assess as batch_assess
    import scoring.batch._duckdb as batch_duckdb

    used: list[str] = []
    real = batch_duckdb.score_with_duckdb

    def spy(*args: object, **kwargs: object) -> tuple[int, int, int, int]:
        used.append("duckdb")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_duckdb, "score_with_duckdb", spy)
    size = inputs[source].stat().st_size
    for limit, engine in ((size + 1, "pandas"), (size, "duckdb")):
        used.clear()
        monkeypatch.setattr(batch_assess, threshold, limit)
        summary = assess_file(inputs[source], tmp_path / f"{engine}.csv", overwrite=True)
        assert used == ([] if engine == "pandas" else ["duckdb"])
        assert summary.rows_in == summary.rows_scored + summary.rows_rejected > 0


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
@pytest.mark.parametrize("table", ["x; DROP TABLE y; --", "", "a b", "1st", 'x"y', "s..t"])
def test_cli_sql_refuses_a_table_name_that_is_not_a_plain_name(dialect: str, table: str) -> None:
    result = CliRunner().invoke(main, ["sql", "--dialect", dialect, "--table", table])
    assert result.exit_code == 2, result.output
    assert "is not a plain name" in result.output and "--from-sql" in result.output
    assert "Traceback" not in result.output and "DROP" not in result.output.split("Error:")[0]


@pytest.mark.parametrize(
    ("dialect", "quoted"),
    [
        ("duckdb", '"analytics"."vignettes"'),
        ("postgres", '"analytics"."vignettes"'),
        ("spark", "`analytics`.`vignettes`"),
    ],
)
def test_cli_sql_quotes_a_table_name_for_the_dialect(dialect: str, quoted: str) -> None:
    result = CliRunner().invoke(main, ["sql", "--dialect", dialect, "--no-tree", "--table", "analytics.vignettes"])
    assert result.exit_code == 0, result.output
    assert quoted in result.output


def test_cli_sql_takes_a_table_expression_only_through_from_sql(tmp_path: Path) -> None:
    source = Path("examples/vignettes.csv").resolve()
    expression = f"read_csv('{source}')"
    assert CliRunner().invoke(main, ["sql", "--table", expression]).exit_code == 2
    result = CliRunner().invoke(main, ["sql", "--no-tree", "--from-sql", expression])
    assert result.exit_code == 0, result.output
    scored = duckdb.connect().sql(result.output).df()
    summary = assess_file(source, tmp_path / "out.csv", tree=None, engine="pandas")
    assert scored["vignette_id"].tolist() == pd.read_csv(tmp_path / "out.csv")["vignette_id"].tolist()
    assert len(scored) == summary.rows_scored
    both = CliRunner().invoke(main, ["sql", "--table", "t", "--from-sql", expression])
    assert both.exit_code == 2 and "not both" in both.output


@pytest.mark.parametrize("policy", ["guideline", "risk"])
def test_the_printed_query_runs_on_the_readmes_example_file_as_zaro_assess_scores_it(
    tmp_path: Path, policy: str
) -> None:
    # examples/vignettes.csv lacks optional columns (pain, cramps, ...): the query adds them.
    source = Path("examples/vignettes.csv").resolve()
    query = CliRunner().invoke(main, ["sql", "--policy", policy])
    assert query.exit_code == 0, query.output
    con = duckdb.connect()
    con.execute(f"CREATE TABLE vignettes AS SELECT * FROM read_csv('{source}')")
    scored = con.sql(query.output).df()
    assess_file(source, tmp_path / "out.csv", policy=policy, engine="pandas")
    expected = pd.read_csv(tmp_path / "out.csv")
    assert scored["vignette_id"].tolist() == expected["vignette_id"].tolist()
    assert scored["recommendation"].tolist() == expected["recommendation"].tolist()
    np.testing.assert_allclose(scored["risk_serious_cause"], expected["risk_serious_cause"], rtol=0, atol=1e-12)
    rejects = con.sql(CliRunner().invoke(main, ["sql", "--rejects"]).output).df()
    expected_rejects = pd.read_csv(tmp_path / "out.rejects.csv")
    assert (
        rejects[["row", "field", "reason"]].values.tolist()
        == expected_rejects[["row", "field", "reason"]].values.tolist()
    )


def test_cli_sql_columns_give_defaults_for_absent_fields_in_every_dialect() -> None:
    columns = "age,duration_weeks,frequency,severity,locations,vignette_id"
    for dialect in ("duckdb", "postgres", "spark"):
        result = CliRunner().invoke(main, ["sql", "--dialect", dialect, "--no-tree", "--columns", columns])
        assert result.exit_code == 0, result.output
        assert "BY NAME" not in result.output  # the columns are known: absent fields are defaults in the query
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE vignettes AS SELECT 40 AS age, 4.0 AS duration_weeks, 'daily' AS frequency, "
        "'minor' AS severity, 'calf' AS locations, 'v1' AS vignette_id"
    )
    query = CliRunner().invoke(main, ["sql", "--no-tree", "--columns", columns]).output
    assert con.sql(query).df()["vignette_id"].tolist() == ["v1"]
    unknown = CliRunner().invoke(main, ["sql", "--columns", "age,nonsense"])
    assert unknown.exit_code == 2 and "nonsense" in unknown.output
