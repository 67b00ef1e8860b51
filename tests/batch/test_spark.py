"""The Spark recipe (``spark_scorer`` in ``cogroup(...).applyInPandas``) against ``score``.

Spark runs in local mode (``local[2]``, four shuffle partitions, no UI), one
session for the module (about 10 s to start the JVM, 25 s in all). These
tests are marked ``spark`` and run only when asked for: ``pytest -m spark``
(a step of their own in ``.ci/run``) or ``SLACLOCK_SPARK=1``; the plain
``pytest`` run skips them, saying how to run them. Without pyspark or a Java
runtime they are skipped, saying which is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.spark,
    # pyspark 4.3 warns that it does not fully support pandas 3, and its conversions call
    # pandas in ways pandas 3 deprecates (what they do here works; the tests check the rows)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'slaclock[spark]')")


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


if _java() is None:
    pytest.skip(
        "no Java runtime (java on PATH, or JAVA_HOME): Spark needs Java 17 or later",
        allow_module_level=True,
    )

from export_cases import NOW, sample_tables, with_mistakes  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql import types as T  # noqa: E402

from slaclock.batch import score, spark_schema, spark_scorer  # noqa: E402
from slaclock.errors import InputError  # noqa: E402
from slaclock.evaluation import RESULT_FIELDS  # noqa: E402
from slaclock.policy_files import example_policy  # noqa: E402

BOOK = example_policy()
KEY = ("ticket_id", "target", "cycle")


@pytest.fixture(scope="module", autouse=True)
def _asked_for(request: pytest.FixtureRequest) -> None:
    if (
        "spark" not in (request.config.getoption("markexpr") or "")
        and os.environ.get("SLACLOCK_SPARK") != "1"
    ):
        pytest.skip("Spark tests start a JVM: run them with `pytest -m spark` (.ci/run does)")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # the Python workers must be this interpreter (the one slaclock is installed in)
    saved = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("slaclock-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def plain(frame: Any) -> list[dict[str, Any]]:
    """Rows as Python values: instants aware UTC datetimes, durations timedeltas, nulls None."""
    out = []
    for row in frame.astype(object).to_dict("records"):
        clean = {}
        for k, v in row.items():
            if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v):
                v = None
            elif isinstance(v, pd.Timestamp):
                v = (v if v.tzinfo is not None else v.tz_localize("UTC")).to_pydatetime()
            elif isinstance(v, dt.datetime) and v.tzinfo is None:
                v = v.replace(tzinfo=dt.UTC)
            elif isinstance(v, pd.Timedelta):
                v = v.to_pytimedelta()
            elif hasattr(v, "item"):
                v = v.item()
            clean[k] = v
        out.append(clean)
    return out


def by(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


def cogrouped(spark: Any, tickets: Any, events: Any, buckets: int = 8) -> Any:
    bucket = F.pmod(F.xxhash64("ticket_id"), F.lit(buckets))
    t = spark.createDataFrame(tickets).withColumn("bucket", bucket)
    e = spark.createDataFrame(events).withColumn("bucket", bucket)
    return t.groupBy("bucket").cogroup(e.groupBy("bucket"))


def test_one_pass_gives_the_results_and_errors_of_score(spark: Any) -> None:
    tickets, events = with_mistakes(*sample_tables(120))
    tickets, events = tickets.to_pandas(), events.to_pandas()
    whole = score(tickets, events, BOOK, now=NOW, on_error="mark")
    # a row number column, so the errors name the rows of the whole tables
    tickets["n"], events["n"] = range(len(tickets)), range(len(events))
    scorer = spark_scorer(BOOK, now=NOW, table="both", row="n")
    both = cogrouped(spark, tickets, events).applyInPandas(scorer, spark_schema("both")).toPandas()
    results = both[both["error"].isna()][list(RESULT_FIELDS)]
    errors = both[both["error"].notna()][["ticket_id", "row", "field", "value", "error", "message"]]
    assert by(plain(results), *KEY) == by(plain(whole.results), *KEY)
    assert by(plain(errors), "field", "row") == by(plain(whole.errors), "field", "row")


def test_results_alone_with_whole_number_ids(spark: Any) -> None:
    tickets, events = sample_tables(60)
    tickets, events = tickets.to_pandas(), events.to_pandas()
    tickets["ticket_id"] = tickets["ticket_id"].str[1:].astype("int64")
    events["ticket_id"] = events["ticket_id"].str[1:].astype("int64")
    whole = score(tickets, events, BOOK, now=NOW)
    scorer = spark_scorer(BOOK, now=NOW)
    got = cogrouped(spark, tickets, events, buckets=3).applyInPandas(
        scorer, spark_schema(id_type="long")
    )
    assert got.schema["ticket_id"].dataType == T.LongType()
    assert by(plain(got.toPandas()), *KEY) == by(plain(whole.results), *KEY)


class TestSchemaAndArguments:
    def test_schema_types(self) -> None:
        schema = spark_schema()
        assert schema.fieldNames() == list(RESULT_FIELDS)
        assert schema["due"].dataType == T.TimestampType()
        assert isinstance(schema["used"].dataType, T.DayTimeIntervalType)
        assert schema["cycle"].dataType == T.LongType()
        assert spark_schema("errors").fieldNames() == [
            "ticket_id",
            "row",
            "field",
            "value",
            "error",
            "message",
        ]
        assert spark_schema("both").fieldNames()[-5:] == [
            "row",
            "field",
            "value",
            "error",
            "message",
        ]

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda: spark_schema("everything"), "table: must be 'results', 'errors' or 'both'"),  # type: ignore[arg-type]
            (lambda: spark_schema(id_type="uuid"), "id_type: must be 'string' or 'long'"),
            (lambda: spark_scorer(BOOK, now=NOW, session_tz="Mars/Olympus"), "session_tz: "),
            (lambda: spark_scorer("policy", now=NOW), "policy: must be a Policy or a PolicyBook"),  # type: ignore[arg-type]
        ],
    )
    def test_bad_arguments(self, call: Any, message: str) -> None:
        with pytest.raises(InputError) as info:
            call()
        assert str(info.value).startswith(message)
