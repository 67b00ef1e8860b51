"""score_parquet at its edges: files without rows, tickets without events, bad arguments.

Scoring files must give what :func:`score` gives on the same tables read
whole (tests/batch/test_files.py); here for the tables that are empty, or
whose last tickets have no events, in both formats and every ``order``, and
for the arguments tests/batch/test_files.py does not try.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pcsv = pytest.importorskip("pyarrow.csv")

from export_cases import NOW, sample_tables  # noqa: E402

from slaclock.batch import score, score_parquet  # noqa: E402
from slaclock.batch.files import Order  # noqa: E402
from slaclock.errors import InputError  # noqa: E402
from slaclock.policy_files import example_policy  # noqa: E402

BOOK = example_policy()
ORDERS = ("auto", "sorted", "unsorted")


def write(table: Any, path: Path) -> Path:
    if path.suffix == ".csv":
        pcsv.write_csv(table, path)
    else:
        pq.write_table(table, path)
    return path


def files(tmp_path: Path, fmt: str, tickets: Any, events: Any) -> tuple[Path, Path]:
    return write(tickets, tmp_path / f"t.{fmt}"), write(events, tmp_path / f"e.{fmt}")


def messages(table: Any) -> list[str]:
    return [row["message"] for row in table.to_pylist()]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
class TestEmpty:
    def test_tickets_without_any_events(self, tmp_path: Path, fmt: str, order: Order) -> None:
        tickets, events = sample_tables(3)
        t, e = files(tmp_path, fmt, tickets, events.slice(0, 0))
        got = score_parquet(t, e, BOOK, now=NOW, order=order)
        whole = score(tickets, events.slice(0, 0), BOOK, now=NOW, on_error="mark")
        assert (got.tickets, got.failed, got.results.num_rows) == (3, 3, 0)
        assert (
            messages(got.errors)
            == messages(whole.errors)
            == [
                f"tickets row {i}, column ticket_id: has no events in the events table "
                f"(got 'T000{i + 1}')"
                for i in range(3)
            ]
        )

    def test_the_last_tickets_without_events(self, tmp_path: Path, fmt: str, order: Order) -> None:
        tickets, events = sample_tables(3)
        first = events.filter(pa.compute.equal(events.column("ticket_id"), "T0001"))
        t, e = files(tmp_path, fmt, tickets, first)
        got = score_parquet(t, e, BOOK, now=NOW, order=order, chunk_tickets=1)
        whole = score(tickets, first, BOOK, now=NOW, on_error="mark")
        assert (got.tickets, got.failed) == (3, 2)
        assert got.results.num_rows == whole.results.num_rows > 0
        # "unsorted" scores partition by partition: the same rows, in another order
        assert sorted(messages(got.errors)) == messages(whole.errors)
        assert sorted(r["ticket_id"] for r in got.errors.to_pylist()) == ["T0002", "T0003"]

    def test_events_without_any_tickets(self, tmp_path: Path, fmt: str, order: Order) -> None:
        tickets, events = sample_tables(2)
        t, e = files(tmp_path, fmt, tickets.slice(0, 0), events)
        got = score_parquet(t, e, BOOK, now=NOW, order=order)
        assert (got.tickets, got.failed, got.orphans, got.results.num_rows) == (0, 0, 2, 0)
        # one error per unknown id, at its first event row
        assert [(r["ticket_id"], r["field"]) for r in got.errors.to_pylist()] == [
            ("T0001", "events.ticket_id"),
            ("T0002", "events.ticket_id"),
        ]

    def test_both_empty(self, tmp_path: Path, fmt: str, order: Order) -> None:
        tickets, events = sample_tables(2)
        t, e = files(tmp_path, fmt, tickets.slice(0, 0), events.slice(0, 0))
        got = score_parquet(t, e, BOOK, now=NOW, order=order)
        assert (got.tickets, got.results.num_rows, got.errors.num_rows) == (0, 0, 0)


def test_an_empty_events_file_to_parquet_output(tmp_path: Path) -> None:
    tickets, events = sample_tables(2)
    t, e = files(tmp_path, "parquet", tickets, events.slice(0, 0))
    done = score_parquet(t, e, BOOK, now=NOW, out=tmp_path / "results.parquet")
    assert (done.tickets, done.failed) == (2, 2)
    assert pq.read_table(done.results).num_rows == 0
    assert pq.read_table(done.errors).column("ticket_id").to_pylist() == ["T0001", "T0002"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tickets_path": 5}, "tickets_path: must be a path (str or os.PathLike) (got 5)"),
        ({"policy": "support"}, "policy: must be a Policy or a PolicyBook (got 'support')"),
        (
            {"as_of": dt.datetime(2025, 11, 1)},  # noqa: DTZ001 - a naive as_of on purpose
            "as_of: datetime has no time zone (got datetime.datetime(2025, 11, 1, 0, 0))",
        ),
        (
            {"provenance": "yes", "out": "results.parquet"},
            "provenance: must be True, False or a mapping of text (got 'yes')",
        ),
    ],
)
def test_bad_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, Any], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    tickets, events = sample_tables(2)
    t, e = files(tmp_path, "parquet", tickets, events)
    kwargs: dict[str, Any] = {"tickets_path": t, "events_path": e, "policy": BOOK, "now": NOW}
    kwargs.update(change)
    with pytest.raises(InputError) as info:
        score_parquet(**kwargs)
    assert str(info.value).startswith(message)
    assert not (tmp_path / "results.parquet").exists()


def test_a_directory_without_data_files(tmp_path: Path) -> None:
    (tmp_path / "tickets").mkdir()
    (tmp_path / "tickets" / "notes.txt").write_text("not a table")
    _, events = sample_tables(1)
    e = write(events, tmp_path / "e.parquet")
    with pytest.raises(InputError) as info:
        score_parquet(tmp_path / "tickets", e, BOOK, now=NOW)
    assert str(info.value) == (
        f"tickets_path: is a directory without Parquet files (got '{tmp_path / 'tickets'}')"
    )
    with pytest.raises(InputError) as info:
        score_parquet(tmp_path / "tickets", e, BOOK, now=NOW, format="csv")
    assert str(info.value) == (
        f"tickets_path: is a directory without CSV files (got '{tmp_path / 'tickets'}')"
    )
