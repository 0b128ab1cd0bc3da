"""A local PySpark session (``local[2]``) for the tests that run the compiled query on Spark.

Tests that take the ``spark`` fixture are skipped when PySpark or Java is missing
(``pip install zaro[spark]``; ``make java``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

#: PySpark 4 warns about pandas 3 on every conversion; the conversions the tests use are checked.
SPARK_WARNINGS = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def quiet_spark(test: Any) -> Any:
    """A test with PySpark's warnings about pandas 3 silenced."""
    for mark in SPARK_WARNINGS:
        test = mark(test)
    return test


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole test run (starting one takes seconds)."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install zaro[spark])")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: PySpark needs Java 17 or later")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("zaro-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def spark_frame(spark: Any, frame: pd.DataFrame) -> Any:
    """A Spark DataFrame of ``frame``: categories as text; an all-text frame keeps every column as text."""
    from pyspark.sql.types import StringType, StructField, StructType

    plain = frame.astype({c: "str" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
    if all(pd.api.types.is_string_dtype(plain[c]) for c in plain.columns):
        # Spark cannot infer the type of a column whose cells are all missing: say it is text.
        schema = StructType([StructField(str(c), StringType(), True) for c in plain.columns])
        rows = [[None if pd.isna(v) else str(v) for v in row] for row in plain.itertuples(index=False)]
        return spark.createDataFrame(rows, schema)
    return spark.createDataFrame(plain)
