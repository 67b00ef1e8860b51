"""The function ``spark_scorer`` returns, called as a Spark worker calls it: no JVM needed.

Spark's ``cogroup(...).applyInPandas`` hands the function the tickets and the
events of one group as pandas DataFrames, in a Python worker process; the
Spark tests (tests/batch/test_spark.py, ``pytest -m spark``) run it there,
where the main test process does not see it. Here it is called directly on
the groups a bucket column makes, and its answers are checked against
``score`` on the whole tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from export_cases import NOW, sample_tables, with_mistakes  # noqa: E402

from slaclock.batch import score, spark_scorer  # noqa: E402
from slaclock.batch.scoring import ERROR_COLUMNS  # noqa: E402
from slaclock.evaluation import RESULT_FIELDS  # noqa: E402
from slaclock.policy_files import example_policy  # noqa: E402

BOOK = example_policy()
KEY = ("ticket_id", "target", "cycle")


def plain(frame: Any) -> list[dict[str, Any]]:
    """Rows as Python values, every kind of null as None."""
    out = []
    for row in frame.astype(object).to_dict("records"):
        clean = {}
        for k, v in row.items():
            if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and v != v):
                v = None
            elif isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif isinstance(v, pd.Timedelta):
                v = v.to_pytimedelta()
            elif hasattr(v, "item"):
                v = v.item()
            clean[k] = v
        out.append(clean)
    return out


def by(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


def tables(n: int, *, mistakes: bool) -> tuple[Any, Any]:
    tickets, events = sample_tables(n)
    if mistakes:
        tickets, events = with_mistakes(tickets, events)
    return tickets.to_pandas(), events.to_pandas()


def groups(tickets: Any, events: Any, k: int) -> list[tuple[Any, Any]]:
    """The cogroups of a ``bucket`` column (the last digit of the id, modulo ``k``)."""

    def bucket(ids: Any) -> Any:
        return ids.fillna("0").str[-1].map(lambda c: int(c) % k if c.isdigit() else 0)

    tickets = tickets.assign(bucket=bucket(tickets["ticket_id"]))
    events = events.assign(bucket=bucket(events["ticket_id"]))
    return [
        (
            tickets[tickets["bucket"] == b].reset_index(drop=True),
            events[events["bucket"] == b].reset_index(drop=True),
        )
        for b in range(k)
    ]


def test_both_tables_in_one_pass_are_score_s_results_and_errors() -> None:
    tickets, events = tables(120, mistakes=True)
    whole = score(tickets, events, BOOK, now=NOW, on_error="mark")
    assert len(whole.errors) == 10  # one of each planted mistake (export_cases)
    tickets["n"], events["n"] = range(len(tickets)), range(len(events))
    scorer = spark_scorer(BOOK, now=NOW, table="both", row="n")
    parts = [scorer(t, e) for t, e in groups(tickets, events, 3)]
    for part in parts:
        assert list(part.columns) == [*RESULT_FIELDS, *ERROR_COLUMNS[1:]]
        assert (str(part["cycle"].dtype), str(part["row"].dtype)) == ("Int64", "Int64")
    both = pd.concat(parts, ignore_index=True)
    is_error = both["error"].notna()
    results, errors = both[~is_error], both[is_error]
    assert by(plain(results[list(RESULT_FIELDS)]), *KEY) == by(plain(whole.results), *KEY)
    # the errors name the rows of the whole tables (the "n" column), not of the group
    assert by(plain(errors[list(ERROR_COLUMNS)]), "field", "row") == by(
        plain(whole.errors), "field", "row"
    )
    # a result row has null error columns, an error row null result columns but the id
    assert results[["row", "field", "value", "error", "message"]].isna().all().all()
    assert errors[["target", "cycle", "outcome", "due", "used", "used_share"]].isna().all().all()


def test_results_alone_and_errors_alone_split_by_group() -> None:
    tickets, events = tables(90, mistakes=True)
    whole = score(tickets, events, BOOK, now=NOW, on_error="mark")
    cogroups = groups(tickets, events, 4)
    results = pd.concat([spark_scorer(BOOK, now=NOW)(t, e) for t, e in cogroups], ignore_index=True)
    errors = pd.concat(
        [spark_scorer(BOOK, now=NOW, table="errors")(t, e) for t, e in cogroups],
        ignore_index=True,
    )
    assert list(results.columns) == list(RESULT_FIELDS)
    assert list(errors.columns) == list(ERROR_COLUMNS)
    assert by(plain(results), *KEY) == by(plain(whole.results), *KEY)
    # without a row column, each error names its row's position within its group
    assert sorted(errors["field"]) == sorted(whole.errors["field"])
    for t, e in cogroups:
        part = spark_scorer(BOOK, now=NOW, table="errors")(t, e)
        for field, row, tid in zip(part["field"], part["row"], part["ticket_id"], strict=True):
            frame = t if field.startswith("tickets.") else e
            assert 0 <= row < len(frame)
            got = frame["ticket_id"].iloc[row]
            assert got == tid or (pd.isna(got) and pd.isna(tid))


def test_a_row_column_missing_from_the_group_numbers_rows_by_position() -> None:
    tickets, events = tables(90, mistakes=True)
    whole = score(tickets, events, BOOK, now=NOW, on_error="mark")
    # one group holding every row: positions are the rows of the whole tables
    got = spark_scorer(BOOK, now=NOW, table="errors", row="n")(tickets, events)
    assert by(plain(got), "field", "row") == by(plain(whole.errors), "field", "row")


def test_a_group_without_errors_and_one_without_results() -> None:
    tickets, events = tables(20, mistakes=False)
    whole = score(tickets, events, BOOK, now=NOW)
    scorer = spark_scorer(BOOK, now=NOW, table="both")
    clean = scorer(tickets.assign(bucket=1), events.assign(bucket=1))
    assert len(clean) == len(whole.results) > 0
    assert clean["error"].isna().all() and clean["row"].isna().all()
    # the events of a ticket the group does not hold: one error, no results
    only_events = scorer(tickets.iloc[:0], events.iloc[:3])
    assert plain(only_events[list(ERROR_COLUMNS)]) == [
        {
            "ticket_id": "T0001",
            "row": 0,
            "field": "events.ticket_id",
            "value": "T0001",
            "error": "TableFormatError",
            "message": "events row 0, column ticket_id: is not a ticket of the tickets table "
            "(got 'T0001')",
        }
    ]
    assert only_events[["target", "cycle", "due", "used_share"]].isna().all().all()
    assert str(only_events["cycle"].dtype) == "Int64"


def test_instants_read_in_the_session_zone() -> None:
    # Spark hands timestamps to pandas as naive wall times of the session's zone
    tickets, events = tables(10, mistakes=False)
    whole = score(tickets, events, BOOK, now=NOW)
    shift = dt.timedelta(hours=9)  # Asia/Tokyo: UTC+9, no daylight saving time
    for frame, columns in ((tickets, ["created_at"]), (events, ["at"])):
        for c in columns:
            frame[c] = (frame[c].dt.tz_convert("UTC") + shift).dt.tz_localize(None)
    got = spark_scorer(BOOK, now=NOW, session_tz="Asia/Tokyo")(tickets, events)
    assert by(plain(got), *KEY) == by(plain(whole.results), *KEY)
