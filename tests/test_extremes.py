"""Extreme inputs, as fixed cases (issue 7, "Extremes").

Each case either gives the right answer (worked out by hand in the test) or
a clear slaclock error, and runs in well under a few seconds: a ticket with
100,000 events, a calendar with 10,000 overrides, a target of ten years,
instants at the ends of the datetime range (year 1 and year 9999, on the
scalar path and on the batch path in integer microseconds), empty tables,
all-null columns, repeated ticket ids and events of unknown tickets.

Never an ``OverflowError`` or a ``ValueError`` from ``datetime`` itself, never
a hang: SEMANTICS "Calendars" (searches are bounded by the horizon) and
"Instants and durations" (instants are the ones a ``datetime`` holds).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import pytest

from slaclock import Calendar, batch
from slaclock._instants import MAX_US, MIN_US
from slaclock.batch import ERROR_COLUMNS, results_frame, score, tables_from_tickets
from slaclock.errors import InputError, NoOpenTimeError, SlaClockError
from slaclock.evaluation import RESULT_FIELDS, evaluate
from slaclock.policies import BusinessDays, BusinessTime, CalendarTime, Policy, Target
from slaclock.tickets import AgentReply, CustomerReply, Event, StatusChange, Ticket

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")

UTC = dt.UTC
H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
US = dt.timedelta(microseconds=1)
#: The first and the last instant a datetime holds.
FIRST = dt.datetime.min.replace(tzinfo=UTC)
LAST = dt.datetime.max.replace(tzinfo=UTC)
STATUSES = {"open": "running", "pending": "paused", "solved": "stopped"}
ALWAYS = Calendar.always_open("UTC")
OFFICE = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")


def _assert_same_rows(got: Any, want: Any) -> None:
    """Equal values, column by column (categories as their labels: a batch run lists every
    label of a column's vocabulary, a frame of scalar results only those it holds)."""

    def plain(frame: Any) -> Any:
        out = frame.copy()
        for name in out.columns:
            if isinstance(out[name].dtype, pd.CategoricalDtype):
                out[name] = out[name].astype(object)
        return out

    pd.testing.assert_frame_equal(plain(got), plain(want), check_dtype=False)


def _policy(*targets: Target) -> Policy:
    return Policy("support", ["P2"], STATUSES, list(targets))


# ---- a ticket with 100,000 events -------------------------------------------------------------

N_EVENTS = 100_000
T0 = dt.datetime(2024, 1, 1, tzinfo=UTC)  # a Monday


def _busy_ticket() -> Ticket:
    """Open at T0, then one event a minute: minute i is, by i % 4, a customer message (0),
    an agent reply (1), pending (2) or open again (3)."""
    history: list[Event] = [StatusChange(T0, status="open")]
    for i in range(1, N_EVENTS):
        at = T0 + dt.timedelta(minutes=i)
        kind = i % 4
        if kind == 0:
            history.append(CustomerReply(at))
        elif kind == 1:
            history.append(AgentReply(at))
        else:
            history.append(StatusChange(at, status="pending" if kind == 2 else "open"))
    return Ticket("BIG", "P2", history)


BUSY_POLICY = _policy(
    Target("first_response", "P2", BusinessTime(H), ALWAYS),
    Target("resolution", "P2", BusinessTime(100 * DAY), ALWAYS, warnings=["50%"]),
    Target("next_reply", "P2", BusinessTime(H), ALWAYS),
)
BUSY_NOW = T0 + dt.timedelta(minutes=N_EVENTS + 10)


class TestTicketWithManyEvents:
    def test_evaluate_gives_the_hand_counted_results(self) -> None:
        ticket = _busy_ticket()
        assert len(ticket.history) == N_EVENTS
        ev = evaluate(ticket, BUSY_POLICY, now=BUSY_NOW)
        # customer messages at minutes 4, 8, ..., 99996, each answered a minute later
        replies = [r for r in ev.results if r.metric == "next_reply"]
        assert len(replies) == 24_999
        assert {(r.outcome, r.used) for r in replies} == {("met", dt.timedelta(minutes=1))}
        assert len(ev.results) == 2 + 24_999
        first = ev.result("P2.first_response")
        assert (first.outcome, first.used) == ("met", dt.timedelta(minutes=1))
        # pending during minutes [2, 3), [6, 7), ..., [99998, 99999): 25,000 minutes
        res = ev.result("P2.resolution")
        assert res.paused_wall == res.paused_business == dt.timedelta(minutes=25_000)
        assert res.used == dt.timedelta(minutes=N_EVENTS + 10 - 25_000)
        assert res.remaining == 100 * DAY - res.used
        assert res.outcome == "pending"

    @pytest.mark.parametrize("library", ["pandas", "arrow"])
    def test_batch_score_equals_evaluate(self, library: str) -> None:
        if library == "arrow":
            pytest.importorskip("pyarrow")
        ticket = _busy_ticket()
        tickets, events = tables_from_tickets([ticket], library=library)
        scored = score(tickets, events, BUSY_POLICY, now=BUSY_NOW)
        assert (scored.tickets, scored.scored, scored.failed) == (1, 1, 0)
        got = scored.results if library == "pandas" else scored.results.to_pandas()
        want = results_frame([evaluate(ticket, BUSY_POLICY, now=BUSY_NOW)], "pandas")
        _assert_same_rows(got, want)


# ---- a calendar with 10,000 overrides -----------------------------------------------------------

N_OVERRIDES = 10_000
FIRST_DAY = dt.date(2000, 1, 1)


def _overrides() -> dict[str, list[str]]:
    """Days 0..9999 from 2000-01-01: open 09:00-10:00, closed when ``day % 10 == 9``."""
    return {
        (FIRST_DAY + dt.timedelta(days=d)).isoformat(): [] if d % 10 == 9 else ["09:00-10:00"]
        for d in range(N_OVERRIDES)
    }


@pytest.fixture(scope="module")
def cal() -> Calendar:
    """Open all day, but for the 10,000 days of :func:`_overrides`."""
    return Calendar.weekly("UTC", "Mon-Sun 00:00-24:00", overrides=_overrides())


class TestCalendarWithManyOverrides:
    def test_builds_every_override(self, cal: Calendar) -> None:
        d = cal.to_dict()
        assert len(d["overrides"]) == N_OVERRIDES

    def test_elapsed_over_the_overridden_years_and_the_day_after(self, cal: Calendar) -> None:
        start = dt.datetime(2000, 1, 1, tzinfo=UTC)
        end = start + N_OVERRIDES * DAY
        assert cal.elapsed(start, end) == 9_000 * H
        # the first day after the overrides is the weekly 24 hours again
        assert cal.elapsed(start, end + DAY) == 9_000 * H + 24 * H

    def test_due_at_the_close_of_the_last_open_override(self, cal: Calendar) -> None:
        start = dt.datetime(2000, 1, 1, tzinfo=UTC)
        # the 9,000th open hour ends on day 9998 (day 9999 is closed) at 10:00
        assert cal.due(start, 9_000 * H) == start + 9_998 * DAY + 10 * H
        assert cal.due(start, 9_000 * H + US) == start + N_OVERRIDES * DAY + US

    def test_to_dict_round_trip(self, cal: Calendar) -> None:
        back = Calendar.from_dict(cal.to_dict())
        assert back == cal
        assert hash(back) == hash(cal)
        assert back.to_dict() == cal.to_dict()

    def test_repr_stays_short(self, cal: Calendar) -> None:
        assert len(repr(cal)) < 400


# ---- a target of ten years ----------------------------------------------------------------------

TEN_YEARS = 3_650 * DAY
MONDAY_9 = dt.datetime(2024, 1, 1, 9, tzinfo=UTC)


class TestTenYearTargets:
    def test_business_time_on_a_24_7_calendar(self) -> None:
        assert ALWAYS.due(MONDAY_9, TEN_YEARS) == MONDAY_9 + TEN_YEARS

    def test_business_time_on_office_hours_is_due_at_a_friday_close(self) -> None:
        # 3,650 days = 87,600 hours = 2,190 weeks of 40 open hours: reached at the
        # close of the Friday before the Monday 2,190 weeks later (a due is a closing instant)
        due = OFFICE.due(MONDAY_9, TEN_YEARS)
        assert due == MONDAY_9 + dt.timedelta(weeks=2_190) - dt.timedelta(days=2, hours=16)
        assert OFFICE.elapsed(MONDAY_9, due) == TEN_YEARS

    def test_past_the_horizon_is_a_fast_error(self) -> None:
        # 20 years of business time at 40 hours a week is 84 years of calendar
        with pytest.raises(NoOpenTimeError, match="not enough open time within 50 years"):
            OFFICE.due(MONDAY_9, 2 * TEN_YEARS)

    def test_evaluate_and_score_ten_year_targets(self) -> None:
        policy = _policy(
            Target("resolution", "P2", BusinessTime(TEN_YEARS), OFFICE, warnings=["50%"]),
            Target("first_response", "P2", BusinessDays(2_600), OFFICE),
            Target("periodic_update", "P2", CalendarTime(3_653 * DAY), OFFICE),
        )
        ticket = Ticket("T", "P2", [StatusChange(MONDAY_9, status="open")])
        now = MONDAY_9 + DAY
        ev = evaluate(ticket, policy, now=now)
        assert ev.result("P2.resolution").due == OFFICE.due(MONDAY_9, TEN_YEARS)
        # 2,600 business days = 520 weeks: the close of the Monday 520 weeks on
        assert ev.result("P2.first_response").due == MONDAY_9 + dt.timedelta(weeks=520, hours=8)
        assert ev.result("P2.periodic_update").due == MONDAY_9 + 3_653 * DAY
        tickets, events = tables_from_tickets([ticket])
        got = score(tickets, events, policy, now=now).results
        _assert_same_rows(got, results_frame([ev]))


# ---- the ends of the datetime range: the scalar path ------------------------------------------

END_CALENDARS = {
    "always_open_utc": ALWAYS,
    "office_new_york": Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00"),
    "always_open_utc_minus_12": Calendar.weekly("Etc/GMT+12", "Mon-Sun 00:00-24:00"),
    "office_utc_plus_14": Calendar.weekly("Pacific/Kiritimati", "Mon-Fri 09:00-17:00"),
    "night_shift_paris": Calendar.weekly("Europe/Paris", "Mon-Fri 22:00-06:00"),
}
NEAR_ENDS = {
    "year_1": FIRST,
    "year_1_noon": FIRST + 12 * H,
    "year_9999_last_day": LAST - DAY,
    "year_9999_last_hour": LAST - H,
    "year_9999_last_instant": LAST,
}


def _later(t: dt.datetime, d: dt.timedelta) -> dt.datetime:
    """``t + d``, or the last instant (the test's own arithmetic must not overflow)."""
    return t + d if t <= LAST - d else LAST


def _earlier(t: dt.datetime, d: dt.timedelta) -> dt.datetime:
    return t - d if t >= FIRST + d else FIRST


OPERATIONS: dict[str, Callable[[Calendar, dt.datetime], object]] = {
    "elapsed_forward": lambda c, t: c.elapsed(t, _later(t, 10 * DAY)),
    "elapsed_backward": lambda c, t: c.elapsed(_earlier(t, 10 * DAY), t),
    "due_1h": lambda c, t: c.due(t, H),
    "due_1us": lambda c, t: c.due(t, US),
    "due_10_days": lambda c, t: c.due(t, 10 * DAY),
    "due_paused": lambda c, t: c.due(t, H, pauses=[(t, _later(t, H))]),
    "subtract_1h": lambda c, t: c.subtract(t, H),
    "next_open": lambda c, t: c.next_open(t),
    "next_close": lambda c, t: c.next_close(t),
    "is_open": lambda c, t: c.is_open(t),
    "open_intervals": lambda c, t: c.open_intervals(_earlier(t, 3 * DAY), t),
    "due_business_days": lambda c, t: c.due_business_days(t, 2),
    "business_days_between": lambda c, t: c.business_days_between(_earlier(t, 9 * DAY), t),
}


def _is_instant(value: object) -> bool:
    return (
        isinstance(value, dt.datetime)
        and value.tzinfo is not None
        and value.utcoffset() == dt.timedelta(0)
    )


class TestEndsOfTimeScalar:
    @pytest.mark.parametrize("cal_name", END_CALENDARS)
    @pytest.mark.parametrize("at", NEAR_ENDS)
    @pytest.mark.parametrize("op", OPERATIONS)
    def test_an_answer_or_a_slaclock_error(self, cal_name: str, at: str, op: str) -> None:
        cal, t = END_CALENDARS[cal_name], NEAR_ENDS[at]
        try:
            got = OPERATIONS[op](cal, t)
        except NoOpenTimeError:  # the only error these valid arguments may get
            return
        # the answer has the right kind (a datetime built from the µs count, no overflow)
        if isinstance(got, dt.datetime):
            assert _is_instant(got)
        elif isinstance(got, list):
            assert all(_is_instant(a) and _is_instant(b) and a < b for a, b in got)
        else:
            assert isinstance(got, (dt.timedelta, bool, int))

    def test_due_at_the_end_of_year_9999_is_the_last_instant(self) -> None:
        assert ALWAYS.due(LAST - H + US, H - US) == LAST
        assert ALWAYS.due(LAST, dt.timedelta(0)) == LAST

    @pytest.mark.parametrize("start", [LAST, LAST - H + US])
    def test_a_due_in_year_10000_is_a_horizon_error(self, start: dt.datetime) -> None:
        # regression: these overflowed datetime (OverflowError: date value out of range)
        with pytest.raises(NoOpenTimeError, match="before the end of year 9999"):
            ALWAYS.due(start, H)
        with pytest.raises(NoOpenTimeError, match="before the end of year 9999"):
            ALWAYS.due(start, H, pauses=[(LAST - 2 * H, LAST - 2 * H + US)])
        with pytest.raises(NoOpenTimeError, match="before the end of year 9999"):
            END_CALENDARS["always_open_utc_minus_12"].due(start, H)

    def test_values_at_year_1(self) -> None:
        assert ALWAYS.elapsed(FIRST, FIRST + 10 * DAY) == 10 * DAY
        assert ALWAYS.due(FIRST, H) == FIRST + H
        assert ALWAYS.next_open(FIRST) == FIRST
        assert OFFICE.next_open(FIRST) == FIRST + 9 * H  # 0001-01-01 was a Monday
        assert OFFICE.due_business_days(FIRST, 1) == FIRST + DAY + 17 * H
        with pytest.raises(NoOpenTimeError):
            ALWAYS.subtract(FIRST + H, 2 * H)

    def test_values_at_year_9999(self) -> None:
        assert ALWAYS.elapsed(LAST - 10 * DAY, LAST) == 10 * DAY
        assert ALWAYS.next_open(LAST) == LAST
        assert ALWAYS.subtract(LAST, H) == LAST - H
        # 9999-12-31 was a Friday: closed from 17:00 to the end of time
        assert OFFICE.next_close(LAST) == LAST
        assert OFFICE.due(LAST - DAY, H) == dt.datetime(9999, 12, 31, 10, tzinfo=UTC)
        with pytest.raises(NoOpenTimeError):
            OFFICE.next_open(LAST)

    def test_elapsed_over_a_century_at_each_end(self) -> None:
        century = dt.timedelta(days=36_524)
        assert ALWAYS.elapsed(FIRST, FIRST + century) == century
        assert ALWAYS.elapsed(LAST - century, LAST) == century

    def test_tickets_at_each_end(self) -> None:
        policy = _policy(Target("resolution", "P2", BusinessTime(8 * H), OFFICE))
        early = Ticket("early", "P2", [StatusChange(FIRST, status="open")])
        r = evaluate(early, policy, now=FIRST + 30 * DAY).result("P2.resolution")
        assert (r.due, r.outcome) == (FIRST + 17 * H, "breached")
        late = Ticket("late", "P2", [StatusChange(LAST - 2 * H, status="open")])
        with pytest.raises(NoOpenTimeError, match="before the end of year 9999"):
            evaluate(late, policy, now=LAST)
        tickets, events = tables_from_tickets([early, late])
        scored = score(tickets, events, policy, now=LAST, on_error="mark")
        assert (scored.tickets, scored.scored, scored.failed) == (2, 1, 1)
        assert scored.errors["error"].tolist() == ["NoOpenTimeError"]
        assert scored.errors["ticket_id"].tolist() == ["late"]


# ---- the ends of the datetime range: the batch path in microseconds ----------------------------

I64 = np.int64


class TestEndsOfTimeBatch:
    def test_elapsed_near_the_ends(self) -> None:
        day_us = 86_400_000_000
        starts = np.array([MIN_US, MAX_US - 1 - 10 * day_us], dtype=I64)
        got = batch.elapsed(ALWAYS, starts, starts + 10 * day_us)
        assert got.tolist() == [10 * day_us, 10 * day_us]

    def test_due_equals_the_scalar_method_row_by_row(self) -> None:
        hour = 3_600_000_000
        starts = np.array([MIN_US, MIN_US + hour, MAX_US - 10 * hour, MAX_US - 1 - hour], I64)
        for cal in END_CALENDARS.values():
            got = batch.due(cal, starts, np.full(4, hour, I64), errors="null")
            for s, g in zip(starts.tolist(), got.tolist(), strict=True):
                start = FIRST + (s - MIN_US) * US
                try:
                    want: int | None = (cal.due(start, H) - FIRST) // US + MIN_US
                except NoOpenTimeError:
                    want = None
                assert (None if g == np.iinfo(I64).min else g) == want

    def test_a_due_in_year_10000_raises_or_is_null(self) -> None:
        # regression: the row went to the scalar method, which overflowed datetime
        starts = np.array([0, MAX_US - 1], I64)
        ones = np.ones(2, I64)
        with pytest.raises(NoOpenTimeError, match=r"due\[1\]: .* before the end of year 9999"):
            batch.due(ALWAYS, starts, ones)
        got = batch.due(ALWAYS, starts, ones, errors="null")
        assert got[0] == 1
        assert got[1] == np.iinfo(I64).min  # the null of an int64 column

    @pytest.mark.parametrize(
        "value", [MIN_US - 1, MAX_US, np.iinfo(I64).max, np.iinfo(I64).min + 1]
    )
    def test_instants_outside_the_datetime_range_are_input_errors(self, value: int) -> None:
        with pytest.raises(InputError, match=r"starts\[0\]: is out of range"):
            batch.due(ALWAYS, np.array([value], I64), np.array([1], I64))

    def test_next_open_next_close_and_subtract_near_the_ends(self) -> None:
        last = np.array([MAX_US - 1], I64)
        assert batch.next_open(ALWAYS, last).tolist() == [MAX_US - 1]
        assert batch.next_close(OFFICE, last).tolist() == [MAX_US - 1]
        with pytest.raises(NoOpenTimeError):
            batch.next_close(ALWAYS, last)
        with pytest.raises(NoOpenTimeError):
            batch.subtract(ALWAYS, np.array([MIN_US + 1], I64), np.array([2], I64))
        assert batch.subtract(ALWAYS, last, np.array([1], I64)).tolist() == [MAX_US - 2]

    def test_empty_columns(self) -> None:
        empty = np.array([], I64)
        assert batch.elapsed(OFFICE, empty, empty).tolist() == []
        assert batch.due(OFFICE, empty, empty).tolist() == []


# ---- tables: empty, all null, repeated ids, unknown tickets ------------------------------------

LIBRARIES = ["pandas", "polars", "arrow"]
TABLE_POLICY = _policy(
    Target("first_response", "P2", BusinessTime(H), OFFICE),
    Target("resolution", "P2", BusinessTime(8 * H), OFFICE),
)
TABLE_NOW = dt.datetime(2024, 1, 10, tzinfo=UTC)


def _five_tickets() -> list[Ticket]:
    out = []
    for k in range(5):
        t = MONDAY_9 + k * H
        out.append(
            Ticket(
                f"T{k}",
                "P2",
                [
                    StatusChange(t, status="open"),
                    AgentReply(t + 30 * dt.timedelta(minutes=1)),
                    StatusChange(t + 5 * H, status="solved"),
                ],
                attributes={"region": "us"},
            )
        )
    return out


def _tables(library: str) -> tuple[Any, Any]:
    pytest.importorskip("pyarrow" if library == "arrow" else library)
    return tables_from_tickets(_five_tickets(), library=library)


def _pandas(frame: Any) -> Any:
    if isinstance(frame, pd.DataFrame):
        return frame
    return frame.to_pandas()


def _rows(frame: Any) -> int:
    return len(_pandas(frame))


def _with_nulls(frame: Any, library: str, column: str, typed: bool) -> Any:
    """``column`` all null: of its own type (``typed``), or of the Null type of the library."""
    n = _rows(frame)
    if library == "pandas":
        out = frame.copy()
        dtype = frame[column].dtype
        if dtype.kind in "iu":
            dtype = "Int64"  # whole numbers with missing values
        out[column] = pd.Series([None] * n, dtype=dtype if typed else object)
        return out
    if library == "polars":
        import polars as pl

        lit = pl.lit(None, dtype=frame.schema[column]) if typed else pl.lit(None)
        return frame.with_columns(lit.alias(column))
    import pyarrow as pa

    i = frame.column_names.index(column)
    typ = frame.schema.field(column).type
    return frame.set_column(i, column, pa.nulls(n, typ) if typed else pa.nulls(n))


def _slice0(frame: Any, library: str) -> Any:
    return frame.slice(0, 0) if library == "arrow" else frame[:0]


class TestTables:
    @pytest.mark.parametrize("library", LIBRARIES)
    def test_empty_tables_give_empty_results(self, library: str) -> None:
        tickets, events = _tables(library)
        got = score(
            _slice0(tickets, library), _slice0(events, library), TABLE_POLICY, now=TABLE_NOW
        )
        assert (got.tickets, got.scored, got.failed, got.orphans) == (0, 0, 0, 0)
        assert list(_pandas(got.results).columns) == list(RESULT_FIELDS)
        assert list(_pandas(got.errors).columns) == list(ERROR_COLUMNS)
        assert _rows(got.results) == _rows(got.errors) == 0

    @pytest.mark.parametrize("library", LIBRARIES)
    def test_tickets_without_events_fail_one_by_one(self, library: str) -> None:
        tickets, events = _tables(library)
        got = score(tickets, _slice0(events, library), TABLE_POLICY, now=TABLE_NOW, on_error="mark")
        assert (got.tickets, got.scored, got.failed) == (5, 0, 5)
        errors = _pandas(got.errors)
        assert errors["message"].tolist()[0] == (
            "tickets row 0, column ticket_id: has no events in the events table (got 'T0')"
        )

    @pytest.mark.parametrize("library", LIBRARIES)
    @pytest.mark.parametrize("typed", [True, False], ids=["typed", "null_type"])
    @pytest.mark.parametrize(
        ("table", "column"),
        [
            ("tickets", "severity"),
            ("tickets", "created_at"),
            ("events", "seq"),
            ("events", "at"),
            ("events", "kind"),
            ("events", "value"),
        ],
    )
    def test_an_all_null_required_column_fails_every_ticket(
        self, library: str, typed: bool, table: str, column: str
    ) -> None:
        # regression: a column of the Null type (polars Null, Arrow null) raised for the whole
        # table instead of marking each row, as a typed all-null column does
        tickets, events = _tables(library)
        if table == "tickets":
            tickets = _with_nulls(tickets, library, column, typed)
        else:
            events = _with_nulls(events, library, column, typed)
        got = score(tickets, events, TABLE_POLICY, now=TABLE_NOW, on_error="mark")
        assert (got.tickets, got.scored, got.failed) == (5, 0, 5)
        errors = _pandas(got.errors)
        assert set(errors["field"]) == {f"{table}.{column}"}
        assert _rows(got.results) == 0
        with pytest.raises(SlaClockError, match=f"{table} row 0, column {column}: "):
            score(tickets, events, TABLE_POLICY, now=TABLE_NOW)

    @pytest.mark.parametrize("library", LIBRARIES)
    @pytest.mark.parametrize("typed", [True, False], ids=["typed", "null_type"])
    def test_an_all_null_attribute_column_is_no_attribute(self, library: str, typed: bool) -> None:
        tickets, events = _tables(library)
        got = score(
            _with_nulls(tickets, library, "region", typed), events, TABLE_POLICY, now=TABLE_NOW
        )
        assert (got.tickets, got.scored, got.failed) == (5, 5, 0)
        assert _rows(got.results) == 10

    @pytest.mark.parametrize("library", ["pandas", "polars"])
    def test_all_null_ticket_ids(self, library: str) -> None:
        tickets, events = _tables(library)
        got = score(
            _with_nulls(tickets, library, "ticket_id", False),
            events,
            TABLE_POLICY,
            now=TABLE_NOW,
            on_error="mark",
        )
        assert (got.tickets, got.scored, got.failed, got.orphans) == (5, 0, 5, 5)
        fields = _pandas(got.errors)["field"].tolist()
        assert fields.count("tickets.ticket_id") == 5
        assert fields.count("events.ticket_id") == 5

    @pytest.mark.parametrize("library", LIBRARIES)
    def test_a_repeated_ticket_id_fails_both_rows_and_keeps_the_rest(self, library: str) -> None:
        tickets, events = _tables(library)
        p = _pandas(tickets)
        doubled = pd.concat([p, p.iloc[[1]]], ignore_index=True)
        tickets = _like(doubled, library)
        got = score(tickets, events, TABLE_POLICY, now=TABLE_NOW, on_error="mark")
        assert (got.tickets, got.scored, got.failed) == (6, 4, 2)
        errors = _pandas(got.errors)
        assert errors["message"].tolist() == [
            "tickets row 1, column ticket_id: is repeated at row 5 (got 'T1')",
            "tickets row 5, column ticket_id: repeats the ticket of row 1 (got 'T1')",
        ]
        assert sorted(set(_pandas(got.results)["ticket_id"])) == ["T0", "T2", "T3", "T4"]

    @pytest.mark.parametrize("library", LIBRARIES)
    def test_events_of_unknown_tickets_are_reported_and_the_rest_scored(self, library: str) -> None:
        tickets, events = _tables(library)
        e = _pandas(events)
        extra = pd.concat(
            [e, e.iloc[:3].assign(ticket_id="NOPE"), e.iloc[:2].assign(ticket_id="GHOST")],
            ignore_index=True,
        )
        got = score(tickets, _like(extra, library), TABLE_POLICY, now=TABLE_NOW, on_error="mark")
        assert (got.tickets, got.scored, got.failed, got.orphans) == (5, 5, 0, 2)
        assert got.tickets == got.scored + got.failed
        errors = _pandas(got.errors)
        assert errors[["ticket_id", "row", "field"]].values.tolist() == [
            ["NOPE", 15, "events.ticket_id"],
            ["GHOST", 18, "events.ticket_id"],
        ]
        clean = score(tickets, events, TABLE_POLICY, now=TABLE_NOW)
        _assert_same_rows(_pandas(got.results), _pandas(clean.results))

    @pytest.mark.parametrize("order", ["sorted", "unsorted"])
    def test_files_reconcile_with_orphans_and_repeats(self, tmp_path: Any, order: str) -> None:
        pq = pytest.importorskip("pyarrow.parquet")
        pa = pytest.importorskip("pyarrow")
        from slaclock.batch import score_parquet

        tickets, events = tables_from_tickets(_five_tickets(), library="pandas")
        tickets = pd.concat([tickets, tickets.iloc[[4]]], ignore_index=True)  # T4 twice
        events = pd.concat([events, events.iloc[:2].assign(ticket_id="T9")], ignore_index=True)
        if order == "unsorted":
            tickets, events = tickets.iloc[::-1], events.iloc[::-1]
        else:
            events = events.sort_values(["ticket_id", "seq"], kind="stable")
        tp, ep = os.fspath(tmp_path / "t.parquet"), os.fspath(tmp_path / "e.parquet")
        pq.write_table(pa.Table.from_pandas(tickets, preserve_index=False), tp)
        pq.write_table(pa.Table.from_pandas(events, preserve_index=False), ep)
        done = score_parquet(
            tp, ep, TABLE_POLICY, now=TABLE_NOW, out=tmp_path / "r.parquet", chunk_tickets=2
        )
        assert done.order == order
        assert (done.tickets, done.scored, done.failed, done.orphans) == (6, 4, 2, 1)
        assert pq.read_metadata(done.results).num_rows == 8
        errors = pq.read_table(done.errors).to_pandas()
        assert sorted(errors["field"]) == [
            "events.ticket_id",
            "tickets.ticket_id",
            "tickets.ticket_id",
        ]


def _like(frame: Any, library: str) -> Any:
    """A pandas frame as a frame of ``library``."""
    if library == "pandas":
        return frame
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    if library == "arrow":
        return table
    import polars as pl

    return pl.from_arrow(table)
