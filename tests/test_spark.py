"""Spark runs the same SQL as DuckDB and gives what assess_frame gives (a local PySpark session)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring.assessment import assess_frame
from scoring.engine.synth import generate_vignettes

pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed (pip install zaro[spark])")
if shutil.which("java") is None:
    pytest.skip("Java is not installed: PySpark needs Java 17 or later", allow_module_level=True)

from scoring import spark as zaro_spark  # noqa: E402

# PySpark 4.3 warns about pandas 3 on every conversion; the conversions used here are checked below.
pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

RESULTS = ["points_total", "band", "red_flags", "card_recommendation", "tree_recommendation", "agree", "recommendation"]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("zaro-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return generate_vignettes(2000, seed=5)


def _spark_frame(spark: Any, frame: pd.DataFrame) -> Any:
    # Categories travel as text; Spark infers the rest from the dtypes.
    plain = frame.astype({c: "str" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})
    return spark.createDataFrame(plain)


def test_spark_scores_as_assess_frame(spark: Any, generated: pd.DataFrame) -> None:
    expected = assess_frame(generated).scored.reset_index(drop=True)
    result = zaro_spark.assess(_spark_frame(spark, generated)).toPandas()
    result = result.sort_values("vignette_id").reset_index(drop=True)
    expected = expected.sort_values("vignette_id").reset_index(drop=True)
    assert list(result.columns) == list(expected.columns)
    for column in RESULTS:
        assert result[column].astype(str).tolist() == expected[column].astype(str).tolist(), column
    np.testing.assert_allclose(result["probability"], expected["probability"], rtol=0, atol=1e-9)


def test_spark_rejects_as_validate_frame(spark: Any, generated: pd.DataFrame) -> None:
    frame = generated.head(40).astype("str")
    frame.loc[frame.index[[3, 17]], "age"] = ["12", "old"]
    frame.loc[frame.index[17], "locations"] = "eyelid;knee"
    frame.loc[frame.index[30], "weakness"] = "maybe"
    expected = assess_frame(frame)
    keys = ["row", "field", "value", "reason", "allowed"]
    got = zaro_spark.rejects(spark.createDataFrame(frame)).toPandas()
    assert got[keys].astype(str).values.tolist() == expected.rejected[keys].astype(str).values.tolist()
    scored = zaro_spark.assess(spark.createDataFrame(frame)).toPandas()
    assert len(scored) + got["row"].nunique() == len(frame)
    assert sorted(scored["vignette_id"]) == sorted(expected.scored["vignette_id"])
