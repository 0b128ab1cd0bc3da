"""Scoring in Spark at a size where a cluster matters: rows generated inside Spark, no input file.

The vignettes are made by Spark itself (``spark.range`` and seeded ``rand`` expressions over
the contract's fields), so the measurement is of Spark's own work, not of reading a file this
machine wrote. Each run writes to Spark's ``noop`` sink, which executes the whole plan and
keeps nothing. Two runs per core count, in the same JVM:

* ``floor``: generate the rows and write them to the sink, no scoring (what any job on these
  rows pays);
* ``scored``: the same rows through :func:`scoring.spark.assess` to the sink.

It prints rows/s, rows/s per core, the scored run's time over the floor's, and how the scored
run scales from ``local[1]`` to ``local[N]``: the figure to carry to a cluster is rows/s per
core, since the query runs without Python on the executors (docs/spark.md).

    python benchmarks/bench_spark.py                        # 50M rows, local[1] and local[2]
    python benchmarks/bench_spark.py --rows 5000000 --cores 1 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

# One Spark session per core count, in a child process: a session's master cannot change.
_ONE_SESSION = textwrap.dedent(
    """
    import json, sys, time
    from pyspark.sql import SparkSession
    import scoring.spark

    rows, cores, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    spark = (SparkSession.builder.master(f"local[{cores}]").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "2g").config("spark.sql.shuffle.partitions", str(cores))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    locations = "array('eyelid','face','arm','hand','trunk','thigh','calf','foot','eyelid;calf','arm;hand;calf')"
    vignettes = spark.range(rows, numPartitions=max(4 * cores, 8)).selectExpr(
        "concat('v', CAST(id AS STRING)) AS vignette_id",
        f"CAST(18 + floor(rand({seed}) * 70) AS INT) AS age",
        f"element_at(array('female','male','unspecified'), CAST(1 + floor(rand({seed + 1}) * 3) AS INT)) AS sex",
        f"round(exp(rand({seed + 2}) * 5) - 1, 1) AS duration_weeks",
        f"element_at(array('occasional','daily','constant'), CAST(1 + floor(rand({seed + 3}) * 3) AS INT)) AS frequency",
        f"element_at(array('minor','moderate','pronounced'), CAST(1 + floor(rand({seed + 4}) * 3) AS INT)) AS severity",
        f"element_at({locations}, CAST(1 + floor(rand({seed + 5}) * 10) AS INT)) AS locations",
        f"rand({seed + 6}) < 0.03 AS weakness",
        f"rand({seed + 7}) < 0.03 AS worsening",
        f"rand({seed + 8}) < 0.2 AS numbness",
        f"rand({seed + 9}) < 0.4 AS cramps",
        f"round(rand({seed + 10}) * 600) AS caffeine_mg_per_day",
        f"CAST(floor(rand({seed + 11}) * 11) AS INT) AS stress_level",
    )

    def timed(frame):
        start = time.perf_counter()
        frame.write.format("noop").mode("overwrite").save()
        return time.perf_counter() - start

    timed(vignettes.limit(1000))  # the JVM's first job pays for class loading and code generation
    floor = timed(vignettes)
    scored = timed(scoring.spark.assess(vignettes))
    print(json.dumps({"cores": cores, "rows": rows, "floor_s": floor, "scored_s": scored}))
    """
)


def _session(rows: int, cores: int, seed: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _ONE_SESSION, str(rows), str(cores), str(seed)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"Spark local[{cores}] failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000, help="Rows generated in Spark (default 50M).")
    parser.add_argument("--cores", type=int, nargs="+", default=[1, 2], help="Core counts for local[N].")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args(argv)
    results = [_session(args.rows, cores, args.seed) for cores in args.cores]
    for r in results:
        rate = r["rows"] / r["scored_s"]
        print(
            f"local[{r['cores']}] {r['rows']:,} rows: scored {rate:,.0f} rows/s "
            f"({rate / r['cores']:,.0f} rows/s per core); "
            f"scoring costs {r['scored_s'] / r['floor_s']:.2f}x the floor (generate and discard, no scoring)"
        )
    first = results[0]
    for r in results[1:]:
        speedup = first["scored_s"] / r["scored_s"]
        print(
            f"local[{r['cores']}] is {speedup:.2f}x local[{first['cores']}] "
            f"({speedup / (r['cores'] / first['cores']):.0%} of linear scaling)"
        )


if __name__ == "__main__":
    main()
