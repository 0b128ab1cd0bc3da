"""Scoring in SQL: DuckDB against the pandas engine on Parquet and CSV files, and Spark local.

Every measurement runs in a fresh Python process, so its peak memory is that process's own
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the resident set size, not tracemalloc).

    python benchmarks/bench_sql.py                      # 1M and 10M rows, Spark on 1M
    python benchmarks/bench_sql.py --rows 1000000 --no-spark
    python benchmarks/bench_sql.py --rows 1000000 10000000 50000000 --contract-only \
        --no-csv --no-pandas --spark-rows 10000000     # rows/s and flat memory at scale

The input is generated once (1M vignettes from the generator, repeated for larger sizes)
and kept in ``--folder``; ``--contract-only`` drops the generator's own columns (hidden
cause, label, narrative text) as a survey export would not have them. Baselines of the
same run: ``duckdb copy`` (DuckDB reads the file and writes it back, no scoring: the floor
of any DuckDB run) and, for CSV, ``0.1 loop`` (the file loop of zaro 0.1's CLI: pandas
chunks of text cells, ``assess_frame``, ``to_csv`` appends). Spark's peak memory is the
Python driver's only (the JVM runs in its own process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

_ONE_RUN = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    engine, src, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    start = time.perf_counter()
    if engine == "spark":
        cores = int(sys.argv[4])
        from pyspark.sql import SparkSession
        import scoring.spark
        spark = (SparkSession.builder.master(f"local[{cores}]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", "2g").getOrCreate())
        start = time.perf_counter()
        frame = spark.read.parquet(str(src))
        scoring.spark.assess(frame).write.format("noop").mode("overwrite").save()
        rows = frame.count()
    elif engine == "duckdb copy":
        # No scoring: DuckDB reads the input and writes it back (the floor of any DuckDB run).
        import duckdb
        from scoring.batch._duckdb import MEMORY_LIMIT
        con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": True})
        reader = "read_parquet" if src.suffix == ".parquet" else "read_csv"
        options = "FORMAT parquet" if out.suffix == ".parquet" else "FORMAT csv, HEADER true"
        rows = con.execute(f"COPY (SELECT * FROM {reader}('{src}')) TO '{out}' ({options})").fetchall()[0][0]
    elif engine == "0.1 loop":
        # The file loop zaro 0.1 ran in its CLI, with today's scoring: pandas reads chunks of
        # text cells, assess_frame scores them, pandas appends each to the output CSV.
        import pandas as pd
        from scoring import assess_frame
        from scoring.data import CSV_READ_OPTIONS
        rows = 0
        with pd.read_csv(src, chunksize=200_000, **CSV_READ_OPTIONS) as reader:
            for k, chunk in enumerate(reader):
                result = assess_frame(chunk)
                result.scored.to_csv(out, mode="w" if k == 0 else "a", header=k == 0, index=False)
                rows += result.n_input
    else:
        from scoring.batch import assess_file
        rows = assess_file(src, out, engine=engine, overwrite=True).rows_in
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds, "peak_rss_mib": peak / 2**20}))
    """
)


#: The generator's columns beyond the contract and the id: the hidden cause, the reference
#: label and the free-text narrative (267 characters a row, most of the bytes written).
GENERATOR_ONLY = ("latent_cause", "triage", "narrative")


def _prepare(folder: Path, rows: int, with_csv: bool = True, contract_only: bool = False) -> dict[str, Path]:
    """Parquet (and CSV) inputs of ``rows`` vignettes, with or without the generator's own columns."""
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "vignettes_1000000.parquet"
    if not base.exists():
        from scoring.engine.synth import generate_vignettes

        generate_vignettes(1_000_000, seed=1).to_parquet(base)
    stem = f"{'contract' if contract_only else 'vignettes'}_{rows}"
    parquet = folder / f"{stem}.parquet"
    if not parquet.exists():
        copies = -(-rows // 1_000_000)
        columns = f"* EXCLUDE ({', '.join(GENERATOR_ONLY)})" if contract_only else "*"
        union = " UNION ALL ".join(f"SELECT {columns} FROM read_parquet('{base}')" for _ in range(copies))
        duckdb.sql(f"COPY (SELECT * FROM ({union}) LIMIT {rows}) TO '{parquet}' (FORMAT parquet)")
    csv = folder / f"{stem}.csv"
    if with_csv and not csv.exists():
        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv}' (FORMAT csv, HEADER true)")
    return {"parquet": parquet, "csv": csv}


def _run(engine: str, src: Path, out: Path, *extra: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _ONE_RUN, engine, str(src), str(out), *extra], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{engine} on {src} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/zaro-bench-sql"))
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-pandas", action="store_true", help="Skip the pandas engine (slow on large files).")
    parser.add_argument("--no-csv", action="store_true", help="Skip the CSV inputs.")
    parser.add_argument(
        "--contract-only",
        action="store_true",
        help="Inputs with the contract's fields and vignette_id only, as a survey export holds them "
        "(without the generator's hidden cause, label and narrative text).",
    )
    parser.add_argument("--spark-rows", type=int, help="Rows of the Spark runs (default: the smallest --rows).")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare_only:
        for rows in args.rows:
            _prepare(args.folder, rows, with_csv=not args.no_csv, contract_only=args.contract_only)
        return
    results = []
    for rows in args.rows:
        # Prepared in a child: on Linux a process's peak RSS carries over to the children it
        # forks, so this process must stay small for the children's numbers to be their own.
        prepare = [sys.executable, __file__, "--prepare-only", "--rows", str(rows), "--folder", str(args.folder)]
        prepare += ["--no-csv"] if args.no_csv else []
        prepare += ["--contract-only"] if args.contract_only else []
        subprocess.run(prepare, check=True)
        stem = f"{'contract' if args.contract_only else 'vignettes'}_{rows}"
        inputs = {"parquet": args.folder / f"{stem}.parquet", "csv": args.folder / f"{stem}.csv"}
        for fmt in ("parquet", *(() if args.no_csv else ("csv",))):
            engines = ["duckdb copy", "duckdb", *(() if args.no_pandas else ("pandas",))]
            if fmt == "csv" and not args.no_pandas:
                engines.append("0.1 loop")
            for engine in engines:
                out = args.folder / f"out_{engine}_{rows}.{fmt}"
                result = {"input": fmt, "columns": stem.split("_")[0], "engine": engine}
                result.update(_run(engine, inputs[fmt], out))
                results.append(result)
                print(json.dumps(result), flush=True)
        if not args.no_spark and rows == (args.spark_rows or min(args.rows)):
            for cores in ("1", "2"):
                result = {"input": "parquet", "engine": f"spark local[{cores}]"}
                result.update(_run("spark", inputs["parquet"], args.folder / "unused", cores))
                results.append(result)
                print(json.dumps(result), flush=True)
    by_key = {(r["input"], r["engine"], r["rows"]): r for r in results}
    for (fmt, engine, rows), r in by_key.items():
        for baseline in ("duckdb copy", "pandas", "0.1 loop"):
            if engine == "duckdb" and (fmt, baseline, rows) in by_key:
                ratio = by_key[(fmt, baseline, rows)]["seconds"] / r["seconds"]
                print(f"{rows:>10,} rows {fmt:<8} duckdb is {ratio:.2f}x the speed of {baseline}")


if __name__ == "__main__":
    main()
