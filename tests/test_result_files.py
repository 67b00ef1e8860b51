"""Result files: the column encoding of CSV and JSON, format choice, Parquet."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest

from slaclock import (
    AgentReply,
    Calendar,
    SeverityChange,
    StatusChange,
    Ticket,
    evaluate,
)
from slaclock.errors import InputError
from slaclock.evaluation import RESULT_FIELDS, Evaluation
from slaclock.policies import BusinessTime, Policy, Target
from slaclock.result_files import (
    DURATION_FIELDS,
    INSTANT_FIELDS,
    format_seconds,
    result_record,
    result_row,
    write_results,
)

UTC = dt.UTC
H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def _evaluation() -> Evaluation:
    """P3 upgraded to P2 after P2's goal passed, answered late: breached, with an earlier severity."""
    cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    policy = Policy(
        "support",
        ["P2", "P3"],
        {"open": "running", "solved": "stopped"},
        [
            Target("first_response", "P2", BusinessTime(H), cal, warnings=["50%"]),
            Target("first_response", "P3", BusinessTime(4 * H), cal, warnings=["50%"]),
        ],
    )
    ticket = Ticket(
        "T-1",
        "P3",
        [
            StatusChange(T0, status="open"),
            SeverityChange(T0 + 2 * H, severity="P2"),
            AgentReply(T0 + 3 * H + dt.timedelta(microseconds=1500)),
        ],
    )
    return evaluate(ticket, policy, now=T0 + 8 * H)


class TestSeconds:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (dt.timedelta(0), "0"),
            (dt.timedelta(hours=8), "28800"),
            (dt.timedelta(milliseconds=1500), "1.5"),
            (dt.timedelta(microseconds=1), "0.000001"),
            (dt.timedelta(microseconds=-1), "-0.000001"),
            (dt.timedelta(days=36500, microseconds=123456), "3153600000.123456"),
        ],
    )
    def test_exact_decimal_seconds(self, value: dt.timedelta, text: str) -> None:
        assert format_seconds(value) == text


class TestRows:
    def test_csv_cells_of_a_breached_result(self) -> None:
        (result,) = _evaluation().results
        row = result_row(result)
        assert tuple(row) == RESULT_FIELDS
        assert row["outcome"] == "breached" and row["severity"] == "P2"
        assert row["team"] == "" and row["due_if_resumed"] == ""
        # the change at 11:00 is the deadline (P2's hour was used up at 10:00)
        assert row["breached_at"] == "2026-03-02T11:00:00Z"
        assert row["overdue_by"] == "3600.0015"
        assert row["used"] == "10800.0015" and row["goal"] == "3600"
        assert row["stop"] == "2026-03-02T12:00:00.001500Z"
        assert json.loads(row["earlier"]) == [
            {
                "severity": "P3",
                "due": "2026-03-02T13:00:00Z",
                "breached": False,
                "changed_at": "2026-03-02T11:00:00Z",
            }
        ]
        assert json.loads(row["warnings"])[0]["label"] == "50%"
        assert " " not in row["earlier"]  # compact JSON

    def test_json_record_uses_native_types(self) -> None:
        (result,) = _evaluation().results
        record = result_record(result)
        assert tuple(record) == RESULT_FIELDS
        assert record["goal"] == 3600 and isinstance(record["goal"], int)
        assert record["used"] == pytest.approx(10800.0015)
        assert record["team"] is None and record["cycle"] == 1
        assert record["earlier"][0]["severity"] == "P3"
        for name in INSTANT_FIELDS:
            assert record[name] is None or record[name].endswith("Z")
        for name in DURATION_FIELDS:
            assert record[name] is None or isinstance(record[name], (int, float))


class TestWrite:
    def test_csv_and_json_by_suffix_or_format(self, tmp_path: Path) -> None:
        evaluation = _evaluation()
        assert write_results([evaluation], tmp_path / "r.csv") == 1
        with (tmp_path / "r.csv").open(newline="") as f:
            rows = list(csv.reader(f))
        assert tuple(rows[0]) == RESULT_FIELDS and len(rows) == 2
        assert write_results(evaluation.results, tmp_path / "r.json") == 1
        assert json.loads((tmp_path / "r.json").read_text())[0]["ticket_id"] == "T-1"
        write_results([evaluation], tmp_path / "r.txt", format="json")
        assert json.loads((tmp_path / "r.txt").read_text())[0]["outcome"] == "breached"
        assert write_results([], tmp_path / "empty.json") == 0
        assert json.loads((tmp_path / "empty.json").read_text()) == []

    def test_rejects_unknown_formats_and_values(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="is not a result format"):
            write_results([], tmp_path / "r.csv", format="xlsx")
        with pytest.raises(InputError, match=r"results\[0\]: must be a Result"):
            write_results(["row"], tmp_path / "r.csv")  # type: ignore[list-item]

    @pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow installed")
    def test_parquet_needs_pyarrow(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="needs pyarrow"):
            write_results([_evaluation()], tmp_path / "r.parquet")

    def test_parquet_has_native_types(self, tmp_path: Path) -> None:
        pq = pytest.importorskip("pyarrow.parquet")
        write_results([_evaluation()], tmp_path / "r.parquet")
        table = pq.read_table(tmp_path / "r.parquet")
        assert tuple(table.column_names) == RESULT_FIELDS
        assert str(table.schema.field("used").type) == "duration[us]"
        assert table.schema.metadata[b"slaclock.result_schema_version"] == b"1"

    def test_pandas_reads_exact_values(self, tmp_path: Path) -> None:
        pd = pytest.importorskip("pandas")
        write_results([_evaluation()], tmp_path / "r.csv")
        df = pd.read_csv(tmp_path / "r.csv", dtype={"ticket_id": str})
        used = pd.to_timedelta(df["used"], unit="s")[0]
        assert used == pd.Timedelta(hours=3, microseconds=1500)
        stop = pd.to_datetime(df["stop"], utc=True, format="ISO8601")[0]
        assert stop == pd.Timestamp("2026-03-02T12:00:00.0015", tz="UTC")
