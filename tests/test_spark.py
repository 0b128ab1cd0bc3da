"""Spark runs the same SQL as DuckDB and gives what assess_frame gives (a local PySpark session)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring.assessment import assess_frame
from scoring.engine.synth import generate_vignettes
from tests.local_spark import SPARK_WARNINGS, spark, spark_frame

__all__ = ["spark"]  # the session fixture

pytestmark = SPARK_WARNINGS

RESULTS = [
    "points_total",
    "band",
    "red_flags",
    "card_recommendation",
    "tree_recommendation",
    "agree",
    "guideline_recommendation",
    "risk_policy_recommendation",
    "floor_recommendation",
    "decided_by",
    "recommendation",
    "timeframe",
]


@pytest.fixture(scope="module")
def generated() -> pd.DataFrame:
    return generate_vignettes(2000, seed=5)


def _text(column: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in column]


@pytest.mark.parametrize(("policy", "population"), [("risk", "community"), ("nhs", "enriched"), ("ng127", "community")])
def test_spark_scores_as_assess_frame(spark: Any, generated: pd.DataFrame, policy: str, population: str) -> None:
    from scoring import spark as zaro_spark

    expected = assess_frame(generated, policy=policy, population=population).scored
    result = zaro_spark.assess(spark_frame(spark, generated), policy=policy, population=population)
    result = result.toPandas().sort_values("vignette_id").reset_index(drop=True)
    expected = expected.sort_values("vignette_id").reset_index(drop=True)
    assert list(result.columns) == list(expected.columns)
    for column in RESULTS:
        assert _text(result[column]) == _text(expected[column]), column
    for risk in ("risk_serious_cause", "tree_risk_serious_cause"):
        np.testing.assert_allclose(result[risk], expected[risk], rtol=0, atol=1e-9, err_msg=risk)


def test_spark_rejects_as_validate_frame(spark: Any, generated: pd.DataFrame) -> None:
    from scoring import spark as zaro_spark

    frame = generated.head(40).astype("str")
    frame.loc[frame.index[[3, 17]], "age"] = ["12", "old"]
    frame.loc[frame.index[17], "locations"] = "eyelid;knee"
    frame.loc[frame.index[30], "weakness"] = "maybe"
    # Far out of range, and far beyond a BIGINT: refused, not an overflow that stops the query.
    frame.loc[frame.index[[5, 6]], ["age", "stress_level"]] = [["-3.0e91", "4"], ["40", "9" * 400]]
    expected = assess_frame(frame)
    keys = ["row", "field", "value", "reason", "allowed"]
    got = zaro_spark.rejects(spark.createDataFrame(frame)).toPandas()
    assert got[keys].astype(str).values.tolist() == expected.rejected[keys].astype(str).values.tolist()
    scored = zaro_spark.assess(spark.createDataFrame(frame)).toPandas()
    assert len(scored) + got["row"].nunique() == len(frame)
    assert sorted(scored["vignette_id"]) == sorted(expected.scored["vignette_id"])
