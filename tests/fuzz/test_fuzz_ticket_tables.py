"""Fuzzing the ticket tables: the CSV readers and ``batch.score`` on frames with bad cells.

The seed is a handful of the bundled sample's tickets (every severity, a
severity change, a cancel), written as the two tables. The CSV readers get
the files with cells, rows and characters edited; ``batch.score`` gets pandas,
polars and Arrow frames with bad cells of the column's own type (nulls, blank
and odd text, repeated and unknown ids, future and out-of-order instants,
repeated seqs). With ``on_error="mark"`` nothing may raise, every ticket is
either scored or in the errors table, and the tickets no edit touched score
exactly as before.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from fuzzing import attempt, cell_edits, check_error, line_edits, odd_text, temp_file
from hypothesis import given, reject
from hypothesis import strategies as st

import slaclock.errors
from slaclock.errors import InputError, SlaClockError, TableFormatError
from slaclock.policy_files import example_policy
from slaclock.samples import (
    EVENT_KINDS,
    SAMPLE_NOW,
    TableRead,
    event_from_row,
    load_sample,
    read_tables,
    scan_tables,
    write_tables,
)
from slaclock.tickets import Cancel, SeverityChange, Ticket

pytestmark = pytest.mark.fuzz

BOOK = example_policy()
NOW = SAMPLE_NOW


def _seed_tickets() -> list[Ticket]:
    tickets, _ = load_sample()
    chosen: dict[str, Ticket] = {}
    for t in tickets:
        kinds = {type(e) for e in t.history}
        for key, ok in (
            (t.severity, True),
            ("severity change", SeverityChange in kinds),
            ("cancel", Cancel in kinds),
        ):
            if ok and key not in chosen:
                chosen[key] = t
    return sorted({t.id: t for t in chosen.values()}.values(), key=lambda t: str(t.id))


SEED = _seed_tickets()


def _tables_text(tickets: list[Ticket]) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as d:
        tp, ep = os.path.join(d, "tickets.csv"), os.path.join(d, "events.csv")
        write_tables(tickets, tp, ep)
        with (
            open(tp, encoding="utf-8", newline="") as f,
            open(ep, encoding="utf-8", newline="") as g,
        ):
            return f.read(), g.read()


TICKETS_CSV, EVENTS_CSV = _tables_text(SEED)


@st.composite
def table_pairs(draw: st.DrawFn) -> tuple[str | bytes, str | bytes]:
    """The seed's two CSV tables, one or both edited (cells, lines, characters or bytes)."""

    def edit(text: str) -> st.SearchStrategy[str | bytes]:
        return st.one_of(
            st.just(text),
            cell_edits(text),
            line_edits(text),
            st.binary(max_size=20).map(lambda b: text.encode()[:200] + b + text.encode()[200:]),
        )

    return draw(edit(TICKETS_CSV)), draw(edit(EVENTS_CSV))


@pytest.fixture(scope="module")
def _tmp() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as d:
        yield d


def _scan(tickets_csv: str | bytes, events_csv: str | bytes) -> TableRead | SlaClockError:
    with temp_file(tickets_csv, ".csv") as tp, temp_file(events_csv, ".csv") as ep:
        got = attempt(lambda: scan_tables(tp, ep))
        if not isinstance(got, TableRead):
            assert isinstance(got, TableFormatError), repr(got)
            assert got.field.startswith((tp, ep)), got.field
            return got
        ids = [t.id for t in got.tickets]
        assert len(ids) == len(set(ids)), "a ticket read twice"
        for err in got.errors:
            check_error(err)
            assert isinstance(err, TableFormatError)
            assert err.file in (tp, ep) and err.row is not None and err.row >= 1, err
        # the strict reader raises the first error, or reads the same tickets
        strict = attempt(lambda: read_tables(tp, ep))
        if got.errors:
            assert isinstance(strict, TableFormatError)
            assert str(strict) == str(got.errors[0])
        else:
            assert strict == list(got.tickets)
        if got.tickets:
            # what was read writes back to tables that read to the same tickets
            again = _tables_text(list(got.tickets))
            with temp_file(again[0], ".csv") as tp2, temp_file(again[1], ".csv") as ep2:
                assert read_tables(tp2, ep2) == list(got.tickets)
        return got


class TestCsvTables:
    def test_the_seed_reads(self) -> None:
        got = _scan(TICKETS_CSV, EVENTS_CSV)
        assert isinstance(got, TableRead) and not got.errors
        assert list(got.tickets) == SEED

    @given(table_pairs())
    def test_edited_tables_read_or_name_file_row_and_column(
        self, pair: tuple[str | bytes, str | bytes]
    ) -> None:
        _scan(*pair)

    @given(st.sampled_from(EVENT_KINDS), odd_text)
    def test_an_event_value_fits_its_kind_or_is_named(self, kind: str, value: str) -> None:
        got = attempt(lambda: event_from_row(kind, NOW, value), "value")
        if not isinstance(got, SlaClockError):
            assert got.kind == kind and got.at == NOW

    @given(odd_text, odd_text)
    def test_any_kind_is_an_event_kind_or_is_named(self, kind: str, value: str) -> None:
        got = attempt(lambda: event_from_row(kind, NOW, value))
        if isinstance(got, SlaClockError):
            assert isinstance(got, InputError) and got.field in ("kind", "value")
        else:
            assert kind in EVENT_KINDS and got.kind == kind


class TestFoundByFuzzing:
    """Inputs the fuzz tests found, fixed, and kept as plain examples."""

    @pytest.mark.parametrize(
        ("kind", "message"),
        [
            ("status", "value: must be non-empty text (a status such as 'open') (got '')"),
            (
                "assignment",
                "value: must be non-empty text (a team or tier such as 'tier1') (got '')",
            ),
            ("severity", "value: must be non-empty text (a severity label such as 'P2') (got '')"),
        ],
    )
    def test_an_empty_value_is_named_value(self, kind: str, message: str) -> None:
        # was: named by the event's own field ("status: ...", "team: ...", "severity: ...")
        with pytest.raises(InputError) as info:
            event_from_row(kind, NOW, "")
        assert str(info.value) == message

    def test_an_unknown_kind_is_an_error_not_a_cancel(self) -> None:
        # was: Cancel(at, reason='x'), silently
        with pytest.raises(InputError) as info:
            event_from_row("bogus", NOW, "x")
        assert str(info.value) == (
            "kind: is not an event kind (known: 'status', 'agent_reply', 'customer_reply', "
            "'update', 'assignment', 'severity', 'cancel') (got 'bogus')"
        )


# ---- batch.score on frames --------------------------------------------------------------

LIBRARIES = [
    lib
    for lib, module in (("pandas", "pandas"), ("polars", "polars"), ("arrow", "pyarrow"))
    if __import__("importlib").util.find_spec(module) is not None
]
pytest.importorskip("pandas")

ATTRS = sorted({k for t in SEED for k in t.attributes})
UTC = dt.UTC


def _columns() -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The seed's tables as plain Python columns (instants aware, ids text)."""
    from slaclock.samples import event_value

    tickets: dict[str, list[Any]] = {c: [] for c in ("ticket_id", "severity", "created_at", *ATTRS)}
    events: dict[str, list[Any]] = {c: [] for c in ("ticket_id", "seq", "at", "kind", "value")}
    for t in SEED:
        tickets["ticket_id"].append(t.id)
        tickets["severity"].append(t.severity)
        tickets["created_at"].append(t.created_at)
        for a in ATTRS:
            tickets[a].append(t.attributes.get(a))
        for k, e in enumerate(t.history, 1):
            events["ticket_id"].append(t.id)
            events["seq"].append(k)
            events["at"].append(e.at)
            events["kind"].append(e.kind)
            events["value"].append(event_value(e))
    return tickets, events


TICKET_COLUMNS, EVENT_COLUMNS = _columns()
_INSTANTS = ("created_at", "at")


def _frame(lib: str, cols: dict[str, list[Any]]) -> Any:
    if lib == "pandas":
        import pandas as pd

        data: dict[str, Any] = {}
        for name, values in cols.items():
            if name in _INSTANTS:
                data[name] = pd.Series(values, dtype="datetime64[us, UTC]")
            elif name == "seq":
                data[name] = pd.array(values, dtype="Int64")
            else:
                data[name] = pd.Series(values, dtype=object)
        return pd.DataFrame(data)
    if lib == "polars":
        import polars as pl

        schema = {
            n: pl.Datetime("us", "UTC") if n in _INSTANTS else pl.Int64 if n == "seq" else pl.String
            for n in cols
        }
        return pl.DataFrame(cols, schema=schema)
    import pyarrow as pa

    types = {
        n: pa.timestamp("us", tz="UTC")
        if n in _INSTANTS
        else pa.int64()
        if n == "seq"
        else pa.string()
        for n in cols
    }
    return pa.table({n: pa.array(v, type=types[n]) for n, v in cols.items()})


def _instant_edits() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.just(NOW + dt.timedelta(microseconds=1)),  # after now: a future event
        st.datetimes(
            min_value=dt.datetime(1, 1, 2),  # noqa: DTZ001 - made aware below
            max_value=dt.datetime(9999, 12, 30),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        st.timedeltas(min_value=dt.timedelta(days=-30), max_value=dt.timedelta(days=30)).map(
            lambda d: NOW - dt.timedelta(days=200) + d
        ),
    )


def _text_edits(column: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), odd_text, st.sampled_from([v for v in column if v is not None]))


@st.composite
def bad_cells(
    draw: st.DrawFn,
) -> tuple[dict[str, list[Any]], dict[str, list[Any]], set[Any]]:
    """The seed's columns with 1-4 cells edited, and the ids of the tickets an edit touched."""
    tickets = {k: list(v) for k, v in TICKET_COLUMNS.items()}
    events = {k: list(v) for k, v in EVENT_COLUMNS.items()}
    touched: set[Any] = set()
    for _ in range(draw(st.integers(1, 4))):
        in_events = draw(st.booleans())
        cols = events if in_events else tickets
        name = draw(st.sampled_from(sorted(cols)))
        row = draw(st.integers(0, len(cols[name]) - 1))
        touched.add(cols["ticket_id"][row])
        if name in _INSTANTS:
            value = draw(_instant_edits())
        elif name == "seq":
            value = draw(
                st.one_of(
                    st.none(),
                    st.integers(-(2**63), 2**63 - 1),
                    st.sampled_from(events["seq"]),
                )
            )
        else:
            value = draw(_text_edits(cols[name]))
        cols[name][row] = value
        if name == "ticket_id":
            touched.add(value)
    return tickets, events, touched


def _rows(frame: Any, lib: str) -> list[dict[str, Any]]:
    import pandas as pd

    df = frame if lib == "pandas" else frame.to_pandas()
    out = []
    for rec in df.to_dict("records"):
        out.append({k: (None if v is None or v is pd.NaT or v != v else v) for k, v in rec.items()})
    return out


_BASE: dict[str, list[dict[str, Any]]] = {}


def _base_results(lib: str) -> list[dict[str, Any]]:
    if lib not in _BASE:
        from slaclock.batch import score

        got = score(_frame(lib, TICKET_COLUMNS), _frame(lib, EVENT_COLUMNS), BOOK, now=NOW)
        _BASE[lib] = _rows(got.results, lib)
    return _BASE[lib]


_ERROR_NAMES = {name for name in dir(slaclock.errors) if not name.startswith("_")}


class TestScoreFrames:
    @pytest.mark.parametrize("lib", LIBRARIES)
    def test_the_seed_scores_without_errors(self, lib: str) -> None:
        from slaclock.batch import score

        got = score(_frame(lib, TICKET_COLUMNS), _frame(lib, EVENT_COLUMNS), BOOK, now=NOW)
        assert (got.tickets, got.scored, got.failed) == (len(SEED), len(SEED), 0)

    @given(st.sampled_from(LIBRARIES), bad_cells())
    def test_bad_cells_land_in_the_errors_table_and_nothing_is_lost(
        self, lib: str, case: tuple[dict[str, list[Any]], dict[str, list[Any]], set[Any]]
    ) -> None:
        from slaclock.batch import score

        tickets, events, touched = case
        try:
            tf, ef = _frame(lib, tickets), _frame(lib, events)
        except UnicodeEncodeError:  # Arrow and polars text is UTF-8: no lone surrogates
            reject()
        got = attempt(lambda: score(tf, ef, BOOK, now=NOW, on_error="mark"))
        assert not isinstance(got, SlaClockError), f"on_error='mark' raised {got!r}"
        n = len(tickets["ticket_id"])
        assert got.tickets == n
        assert got.tickets == got.scored + got.failed
        errors = _rows(got.errors, lib)
        assert len(errors) == got.failed + got.orphans
        failed_rows = set()
        for e in errors:
            table, _, column = str(e["field"]).partition(".")
            assert table in ("tickets", "events") and column, e
            assert e["error"] in _ERROR_NAMES, e
            assert isinstance(e["message"], str) and e["message"].strip(), e
            assert e["row"] >= 0
            if table == "tickets":
                assert e["row"] < n
                failed_rows.add(e["row"])
            if e["error"] == "TableFormatError" and e["value"] is not None:
                assert f"{table} row {e['row']}, column {column}: " in e["message"], e
        results = _rows(got.results, lib)
        scored_ids = {r["ticket_id"] for r in results}
        ids = tickets["ticket_id"]
        assert all(ids[r] not in scored_ids or ids.count(ids[r]) > 1 for r in failed_rows)
        # the tickets no edit touched score exactly as they did before
        for tid in {t.id for t in SEED} - touched:
            if ids.count(tid) != 1:
                continue
            before = [r for r in _base_results(lib) if r["ticket_id"] == tid]
            after = [r for r in results if r["ticket_id"] == tid]
            assert after == before, tid
        # raising instead of marking: the first error of the table, or the same results
        if lib == "pandas":
            strict = attempt(lambda: score(tf, ef, BOOK, now=NOW))
            if errors:
                assert isinstance(strict, SlaClockError), strict
                assert str(strict) == errors[0]["message"]
            else:
                assert not isinstance(strict, SlaClockError)
                assert _rows(strict.results, lib) == results

    @pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
    def test_an_instant_outside_the_datetime_range_in_utc_is_named(self, text: str) -> None:
        # was: OverflowError "date value out of range" from the conversion to UTC
        tickets = TICKETS_CSV.replace(TICKETS_CSV.split("\n")[1].split(",")[2], text, 1)
        with (
            temp_file(tickets, ".csv") as tp,
            temp_file(EVENTS_CSV, ".csv") as ep,
            pytest.raises(TableFormatError) as info,
        ):
            read_tables(tp, ep)
        assert str(info.value) == (
            f"{tp} row 1, column created_at: is outside the instants a datetime holds "
            f"(years 1 to 9999 in UTC) (got {text!r})"
        )
