"""Scoring a Spark DataFrame with the same SQL as DuckDB: :func:`assess` and :func:`rejects`.

The query is :func:`scoring.sql.to_sql` written in Spark's dialect (by sqlglot), run with
``spark.sql`` over a temporary view of the DataFrame: Spark plans and distributes it, and no
Python runs per row (no UDF). Needs ``pip install zaro[spark]`` (PySpark 4, Java 17 or later).

Examples
--------
>>> from pyspark.sql import SparkSession                       # doctest: +SKIP
>>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
>>> scored = assess(spark.read.parquet("vignettes.parquet"))   # doctest: +SKIP
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from scoring.sql import rejects_sql, to_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from scoring.engine.card import Card

__all__ = ["assess", "rejects"]


def _view(frame: DataFrame) -> str:
    name = f"zaro_vignettes_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(name)
    return name


def assess(
    frame: DataFrame,
    *,
    card: Card | str | None = None,
    tree: Any = "default",
    population: Any = None,
    policy: Any = None,
) -> DataFrame:
    """The scored rows of a Spark DataFrame of vignettes, as :func:`scoring.assessment.assess_frame` scores them.

    Parameters
    ----------
    frame : pyspark.sql.DataFrame
        One vignette per row (contract fields, text or typed; metadata columns are kept).
    card, tree, population, policy
        As for :func:`scoring.sql.to_sql`: the card and tree, whom the risks are for, and
        whose answer is ``recommendation``.

    Returns
    -------
    pyspark.sql.DataFrame
        The valid rows with the columns of ``assess_frame``'s ``scored`` frame (with a tree,
        its risk of its outcome in the population it was fitted on, ``tree_risk_<outcome>``);
        the rows left out are those :func:`rejects` reports.
    """
    sql = to_sql(
        card=card,
        tree=tree,
        population=population,
        policy=policy,
        dialect="spark",
        table=_view(frame),
        columns=frame.columns,
    )
    return frame.sparkSession.sql(sql)


def rejects(frame: DataFrame) -> DataFrame:
    """One line per problem (row, vignette_id, field, value, reason, allowed), as ``validate_frame`` reports it.

    Rows are numbered from 1 in the DataFrame's order (``monotonically_increasing_id``
    keeps the partitions' order), which needs one ordered pass over the rows.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    row = "_zaro_input_row"
    numbered = frame.withColumn(row, F.row_number().over(Window.orderBy(F.monotonically_increasing_id())))
    sql = rejects_sql(dialect="spark", table=_view(numbered), columns=frame.columns, row_column=row)
    return frame.sparkSession.sql(sql)
