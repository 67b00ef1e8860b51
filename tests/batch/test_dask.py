"""``score_dask`` against ``score`` on the whole pandas frames; what a policy ships to workers."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("pyarrow")

from export_cases import NOW, sample_tables, shuffled, with_mistakes  # noqa: E402

from slaclock.batch import score, score_dask  # noqa: E402
from slaclock.batch.partitions import hash_buckets  # noqa: E402
from slaclock.calendars import Calendar  # noqa: E402
from slaclock.errors import InputError  # noqa: E402
from slaclock.evaluation import RESULT_FIELDS  # noqa: E402
from slaclock.policy_files import example_policy  # noqa: E402

BOOK = example_policy()
KEY = ["ticket_id", "target", "cycle"]


def plain(frame: Any) -> list[dict[str, Any]]:
    """Rows as Python values (NaT and NaN as None, categories and Dask strings as text)."""
    return [
        {k: None if v is pd.NaT or (isinstance(v, float) and v != v) else v for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


def by(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))


@pytest.fixture(scope="module")
def frames() -> tuple[Any, Any, Any]:
    """150 sample tickets with bad rows, the events shuffled; and ``score`` on them whole."""
    tickets, events = with_mistakes(*sample_tables(150))
    tickets, events = tickets.to_pandas(), shuffled(events).to_pandas()
    return tickets, events, score(tickets, events, BOOK, now=NOW, on_error="mark")


class TestScoreDask:
    @pytest.mark.parametrize(
        ("scheduler", "tparts", "eparts", "buckets"),
        [("sync", 3, 5, None), ("threads", 4, 2, 6), ("sync", 1, 1, 1)],
    )
    def test_the_same_rows_as_score_on_the_whole_frames(
        self,
        frames: tuple[Any, Any, Any],
        scheduler: str,
        tparts: int,
        eparts: int,
        buckets: int | None,
    ) -> None:
        tickets, events, whole = frames
        results, errors = score_dask(
            dd.from_pandas(tickets, npartitions=tparts),
            dd.from_pandas(events, npartitions=eparts),
            BOOK,
            now=NOW,
            npartitions=buckets,
        )
        assert results.npartitions == (buckets or tparts)
        assert list(results.columns) == list(RESULT_FIELDS)
        got_results, got_errors = dask.compute(results, errors, scheduler=scheduler)
        assert by(plain(got_results), *KEY) == by(plain(whole.results), *KEY)
        # error rows are positions in the whole frames, messages included
        assert by(plain(got_errors), "field", "row") == by(plain(whole.errors), "field", "row")

    def test_meta_matches_what_computes(self, frames: tuple[Any, Any, Any]) -> None:
        tickets, events, _ = frames
        results, errors = score_dask(
            dd.from_pandas(tickets, npartitions=2),
            dd.from_pandas(events, npartitions=2),
            BOOK,
            now=NOW,
        )
        got, got_errors = dask.compute(results, errors, scheduler="sync")
        assert dict(got.dtypes) == dict(results.dtypes)
        assert dict(got_errors.dtypes) == dict(errors.dtypes)
        assert str(got["start"].dtype) == "datetime64[us, UTC]"
        assert str(got["used"].dtype) == "timedelta64[us]"

    def test_whole_number_ids(self) -> None:
        tickets, events = sample_tables(40)
        tickets, events = tickets.to_pandas(), events.to_pandas()
        tickets["ticket_id"] = tickets["ticket_id"].str[1:].astype("int64")
        events["ticket_id"] = events["ticket_id"].str[1:].astype("int64")
        whole = score(tickets, events, BOOK, now=NOW)
        results, _ = score_dask(
            dd.from_pandas(tickets, npartitions=3),
            dd.from_pandas(events, npartitions=2),
            BOOK,
            now=NOW,
        )
        got = results.compute(scheduler="sync")
        assert got["ticket_id"].dtype == "int64"
        assert by(plain(got), *KEY) == by(plain(whole.results), *KEY)

    def test_raise_raises_when_computed(self, frames: tuple[Any, Any, Any]) -> None:
        tickets, events, _ = frames
        results, errors = score_dask(
            dd.from_pandas(tickets, npartitions=2),
            dd.from_pandas(events, npartitions=2),
            BOOK,
            now=NOW,
            on_error="raise",
        )
        with pytest.raises(InputError):
            dask.compute(results, errors, scheduler="sync")

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"npartitions": 0}, "npartitions: must be a whole number >= 1"),
            ({"on_error": "skip"}, "on_error: must be 'raise' or 'mark'"),
            ({"now": dt.datetime(2026, 1, 1)}, "now: "),  # noqa: DTZ001 - naive on purpose
        ],
    )
    def test_bad_arguments(
        self, frames: tuple[Any, Any, Any], kwargs: dict[str, Any], message: str
    ) -> None:
        tickets, events, _ = frames
        args: dict[str, Any] = {"now": NOW, **kwargs}
        with pytest.raises(InputError) as info:
            score_dask(
                dd.from_pandas(tickets, npartitions=1),
                dd.from_pandas(events, npartitions=1),
                BOOK,
                **args,
            )
        assert str(info.value).startswith(message)

    def test_pandas_frames_are_refused(self, frames: tuple[Any, Any, Any]) -> None:
        tickets, events, _ = frames
        with pytest.raises(InputError, match=r"^tickets: must be a Dask DataFrame"):
            score_dask(tickets, dd.from_pandas(events, npartitions=1), BOOK, now=NOW)


class TestBuckets:
    def test_the_same_id_the_same_bucket_whatever_its_dtype(self) -> None:
        ints = pd.Series([1, 2, 3, 40_000], dtype="int64")
        expected = hash_buckets(ints, 7).tolist()
        assert hash_buckets(ints.astype("int32"), 7).tolist() == expected
        assert hash_buckets(ints.astype("Int64"), 7).tolist() == expected
        text = pd.Series(["T1", "T2", None], dtype=object)
        assert hash_buckets(text, 5).tolist() == hash_buckets(text.astype("string"), 5).tolist()
        assert all(0 <= b < 5 for b in hash_buckets(text, 5).tolist())

    def test_buckets_are_the_same_in_another_process(self) -> None:
        import subprocess
        import sys

        code = (
            "import pandas as pd; from slaclock.batch.partitions import hash_buckets; "
            "print(hash_buckets(pd.Series(['T1', 'T2', 'T3'], dtype=object), 97).tolist())"
        )
        there = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        here = hash_buckets(pd.Series(["T1", "T2", "T3"], dtype=object), 97).tolist()
        assert there.stdout.strip() == str(here)


class TestWhatShipsToWorkers:
    def test_the_example_policy_pickles_small_even_after_use(self) -> None:
        book = example_policy()
        fresh = len(pickle.dumps(book))
        tickets, events = sample_tables(200)
        score(tickets, events, book, now=NOW, on_error="mark")  # compiles timelines, fills caches
        used = len(pickle.dumps(book))
        assert fresh < 200_000 and used < 200_000
        # what grows is the policy's small table of target plans (a few kB), not timelines
        assert used - fresh < 20_000
        copy = pickle.loads(pickle.dumps(book))
        assert copy == book

    def test_a_compiled_calendar_pickles_as_its_definition(self) -> None:
        cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
        fresh = pickle.dumps(cal)
        start = dt.datetime(2026, 1, 5, 14, tzinfo=dt.UTC)
        cal.due(start, dt.timedelta(hours=20_000))  # about ten years of open hours compiled
        assert object.__getattribute__(cal, "_cache") is not None
        assert pickle.dumps(cal) == fresh
        copy = pickle.loads(fresh)
        with pytest.raises(AttributeError):
            object.__getattribute__(copy, "_cache")  # the worker compiles its own
        assert copy.due(start, dt.timedelta(hours=20_000)) == cal.due(
            start, dt.timedelta(hours=20_000)
        )
