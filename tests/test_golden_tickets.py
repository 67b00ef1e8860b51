"""Golden cases for the ticket clock, written by hand from SEMANTICS.md and issue 4.

Every expected value below was computed by hand from the contract
(SEMANTICS "Tickets, targets and the SLA clock", "Internal and external
targets") and the replay rules of issue 4 (its CHOICEs are marked), never by
running slaclock. Each expected instant or duration carries a one-line
comment with its arithmetic. Instants are UTC; local times are named (EST,
EDT, GMT, BST) where a zone matters.

Most cases use one office calendar, ``Mon-Fri 09:00-17:00`` in UTC, so that
the arithmetic is easy to follow. January 2024: Mon 8, Tue 9, Wed 10, Thu 11,
Fri 12, Sat 13, Sun 14. The DST cases use America/New_York (spring forward
Sun 2024-03-10, fall back Sun 2024-11-03) and Europe/London (spring forward
Sun 2024-03-31, fall back Sun 2024-10-27).
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Sequence
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from slaclock import Calendar
from slaclock.evaluation import EarlierSeverity, Evaluation, Result, TicketClock, evaluate
from slaclock.policies import (
    BusinessDays,
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    FractionWarning,
    InternalTarget,
    Policy,
    PolicyBook,
    Reopen,
    Target,
)
from slaclock.tickets import (
    AgentReply,
    Assignment,
    Cancel,
    CustomerReply,
    Event,
    SeverityChange,
    StatusChange,
    Ticket,
    Update,
)

UTC = dt.UTC
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)
ZERO = dt.timedelta(0)

OFFICE = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
NYC = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
LON = Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")

STATUSES = {
    "new": "running",
    "open": "running",
    "pending": "paused",
    "solved": "stopped",
    "closed": "stopped",
}


def jan(day: int, hour: int, minute: int = 0, second: int = 0, us: int = 0) -> dt.datetime:
    """An instant of January 2024, in UTC (Mon 8 ... Sun 14)."""
    return dt.datetime(2024, 1, day, hour, minute, second, us, tzinfo=UTC)


def utc(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant of 2024, in UTC."""
    return dt.datetime(2024, month, day, hour, minute, tzinfo=UTC)


def policy(
    *targets: Target,
    internal: Sequence[InternalTarget] = (),
    initial_status: str | None = None,
) -> Policy:
    return Policy(
        "golden",
        severities=["P1", "P2", "P3"],
        statuses=STATUSES,
        targets=targets,
        internal_targets=internal,
        initial_status=initial_status,
    )


def resolution(
    hours: float = 8,
    *,
    severity: str = "P2",
    calendar: Calendar = OFFICE,
    reopen: Reopen = Reopen.CONTINUE,
    warnings: Sequence[object] = (),
) -> Target:
    return Target(
        "resolution",
        severity,
        BusinessTime(dt.timedelta(hours=hours)),
        calendar,
        reopen=reopen,
        warnings=warnings,
    )


def first_response(
    hours: float = 2, *, severity: str = "P2", reopen: Reopen = Reopen.CONTINUE
) -> Target:
    return Target(
        "first_response", severity, BusinessTime(dt.timedelta(hours=hours)), OFFICE, reopen=reopen
    )


def ticket(*events: Event, severity: str = "P2") -> Ticket:
    return Ticket("T-1", severity, events)


def rows(ev: Evaluation, target: str) -> list[Result]:
    """The results of one target (``"P2.resolution"`` or a team), in order."""
    return [r for r in ev.results if r.target == target]


def only(ev: Evaluation, target: str) -> Result:
    found = rows(ev, target)
    assert len(found) == 1, [(r.target, r.cycle) for r in ev.results]
    return found[0]


def check(r: Result, **expected: object) -> None:
    """Every named field has the expected value (one diff for all of them)."""
    actual = {name: getattr(r, name) for name in expected}
    assert actual == expected


RES8 = policy(resolution(8))


# ---- resolution: met at due, breached after a closing due ------------------------------


class TestResolution:
    def test_resolved_exactly_at_due_is_met(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"), StatusChange(jan(9, 13), status="solved")
        )
        r = only(evaluate(t, RES8, now=jan(9, 14)), "P2.resolution")
        check(
            r,
            ticket_id="T-1",
            policy="golden",
            metric="resolution",
            team=None,
            severity="P2",
            cycle=1,
            status="stopped",
            outcome="met",
            start=jan(8, 13),
            stop=jan(9, 13),
            goal=8 * H,
            used=8 * H,  # Mon 13-17 = 4h + Tue 09-13 = 4h
            elapsed=24 * H,  # Mon 13:00 -> Tue 13:00 wall
            paused_business=ZERO,
            paused_wall=ZERO,
            remaining=ZERO,
            overdue_by=None,
            used_share=1.0,
            due=jan(9, 13),  # Mon 13-17 = 4h + Tue 09-13 = 4h -> Tue 13:00Z
            due_if_resumed=None,
            original_due=jan(9, 13),
            breached_at=None,
            earlier=(),
            warnings=(),
            next_event_at=None,
        )

    def test_resolved_one_microsecond_after_due_is_breached(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"),
            StatusChange(jan(9, 13, us=1), status="solved"),
        )
        r = only(evaluate(t, RES8, now=jan(9, 14)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="breached",
            used=8 * H + US,  # due Tue 13:00 + 1 µs of open time
            remaining=ZERO,
            due=jan(9, 13),
            breached_at=jan(9, 13),
            overdue_by=US,  # Tue 13:00:00.000001 - Tue 13:00
        )

    def test_due_friday_close_resolved_friday_evening_is_breached(self) -> None:
        t = ticket(
            StatusChange(dt.datetime(2024, 1, 12, 9, tzinfo=NY), status="new"),
            StatusChange(dt.datetime(2024, 1, 12, 20, tzinfo=NY), status="solved"),
        )
        p = policy(resolution(8, calendar=NYC))
        r = only(evaluate(t, p, now=jan(13, 12)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="breached",
            start=jan(12, 14),  # Fri 09:00 EST = 14:00Z
            stop=jan(13, 1),  # Fri 20:00 EST = Sat 01:00Z
            used=8 * H,  # Fri 09-17 EST; the clock does not grow after 17:00
            elapsed=11 * H,  # Fri 09:00 -> 20:00 EST
            due=jan(12, 22),  # Fri 09:00 + 8h = Fri 17:00 EST = 22:00Z (closing instant)
            breached_at=jan(12, 22),
            overdue_by=3 * H,  # Fri 17:00 -> 20:00 EST
            remaining=ZERO,
        )

    def test_running_before_due(self) -> None:
        t = ticket(StatusChange(jan(8, 13), status="new"))
        r = only(evaluate(t, RES8, now=jan(8, 15)), "P2.resolution")
        check(
            r,
            status="running",
            outcome="pending",
            stop=None,
            used=2 * H,  # Mon 13-15
            elapsed=2 * H,
            remaining=6 * H,  # 8h - 2h
            used_share=0.25,
            due=jan(9, 13),  # Mon 13-17 = 4h + Tue 09-13 = 4h
            breached_at=None,
            overdue_by=None,
            next_event_at=jan(9, 13),  # no warnings: the deadline
        )

    def test_now_exactly_at_due_is_pending_and_the_due_is_next(self) -> None:
        t = ticket(StatusChange(jan(8, 13), status="new"))
        r = only(evaluate(t, RES8, now=jan(9, 13)), "P2.resolution")
        check(
            r,
            status="running",
            outcome="pending",  # breached only when now is later than due
            used=8 * H,
            remaining=ZERO,
            due=jan(9, 13),
            breached_at=None,
            next_event_at=jan(9, 13),  # CHOICE: deadline >= now and not breached
        )

    def test_running_past_due_is_breached(self) -> None:
        t = ticket(StatusChange(jan(8, 13), status="new"))
        r = only(evaluate(t, RES8, now=jan(10, 10)), "P2.resolution")
        check(
            r,
            status="running",
            outcome="breached",
            used=13 * H,  # Mon 13-17 4h + Tue 8h + Wed 09-10 1h
            elapsed=45 * H,  # Mon 13:00 -> Wed 10:00
            remaining=ZERO,
            used_share=1.625,  # 13 / 8
            due=jan(9, 13),
            breached_at=jan(9, 13),
            overdue_by=21 * H,  # Tue 13:00 -> Wed 10:00
            next_event_at=None,  # already breached, no warnings
        )


# ---- pauses ------------------------------------------------------------------------------


class TestPauses:
    def test_paused_before_due_has_no_due_but_a_due_if_resumed(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"), StatusChange(jan(8, 15), status="pending")
        )
        r = only(evaluate(t, RES8, now=jan(11, 10)), "P2.resolution")
        check(
            r,
            status="paused",
            outcome="pending",  # never breached while paused short of the goal
            used=2 * H,  # Mon 13-15
            remaining=6 * H,
            due=None,
            due_if_resumed=jan(11, 16),  # Thu 10:00 + 6h = Thu 16:00
            elapsed=69 * H,  # Mon 13:00 -> Thu 10:00 = 72h - 3h
            paused_business=19 * H,  # Mon 15-17 2h + Tue 8h + Wed 8h + Thu 09-10 1h
            paused_wall=67 * H,  # Mon 15:00 -> Thu 10:00 = 72h - 5h
            breached_at=None,
            next_event_at=None,  # not running
        )

    def test_pause_then_resume_shifts_due(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"),
            StatusChange(jan(8, 15), status="pending"),
            StatusChange(jan(9, 10), status="open"),
        )
        r = only(evaluate(t, RES8, now=jan(9, 11)), "P2.resolution")
        check(
            r,
            status="running",
            outcome="pending",
            used=3 * H,  # Mon 13-15 2h + Tue 10-11 1h
            remaining=5 * H,
            paused_business=3 * H,  # Mon 15-17 2h + Tue 09-10 1h
            paused_wall=19 * H,  # Mon 15:00 -> Tue 10:00
            due=jan(9, 16),  # 2h by Mon 15:00, then 6h from Tue 10:00 -> Tue 16:00
            due_if_resumed=None,
            next_event_at=jan(9, 16),
        )

    def test_paused_after_due_passed_is_breached_while_paused(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"), StatusChange(jan(9, 15), status="pending")
        )
        r = only(evaluate(t, RES8, now=jan(10, 12)), "P2.resolution")
        check(
            r,
            status="paused",
            outcome="breached",
            used=10 * H,  # Mon 13-17 4h + Tue 09-15 6h
            remaining=ZERO,
            due=jan(9, 13),  # reached before the pause: Mon 4h + Tue 09-13 4h
            due_if_resumed=None,  # the goal is already reached
            breached_at=jan(9, 13),
            overdue_by=23 * H,  # Tue 13:00 -> Wed 12:00
            paused_business=5 * H,  # Tue 15-17 2h + Wed 09-12 3h
            paused_wall=21 * H,  # Tue 15:00 -> Wed 12:00
            next_event_at=None,
        )

    def test_solved_while_paused_short_of_goal_is_met_without_due(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"),
            StatusChange(jan(8, 15), status="pending"),
            StatusChange(jan(9, 12), status="solved"),
        )
        r = only(evaluate(t, RES8, now=jan(9, 13)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="met",
            stop=jan(9, 12),
            used=2 * H,  # Mon 13-15
            remaining=6 * H,
            due=None,  # last non-zero segment before the stop was PAUSED
            due_if_resumed=None,  # only for a clock open at now
            paused_business=5 * H,  # Mon 15-17 2h + Tue 09-12 3h
            paused_wall=21 * H,  # Mon 15:00 -> Tue 12:00
            breached_at=None,
        )

    def test_zero_length_running_segment_before_stop_is_ignored(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="pending"),
            StatusChange(jan(8, 12), status="open"),
            StatusChange(jan(8, 12), status="solved"),
        )
        r = only(evaluate(t, RES8, now=jan(8, 13)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="met",
            used=1 * H,  # Mon 09-10
            due=None,  # [12:00, 12:00) running has length 0: the last real segment is PAUSED
            paused_business=2 * H,  # Mon 10-12
            paused_wall=2 * H,
        )

    def test_stopped_after_a_running_segment_keeps_a_due(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="pending"),
            StatusChange(jan(8, 11), status="open"),
            StatusChange(jan(8, 12), status="solved"),
        )
        r = only(evaluate(t, RES8, now=jan(8, 13)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="met",
            used=2 * H,  # Mon 09-10 + Mon 11-12
            due=jan(9, 10),  # 1h by 10:00, then 7h from 11:00: Mon 11-17 6h + Tue 09-10 1h
            remaining=6 * H,
            paused_business=1 * H,  # Mon 10-11
        )

    def test_first_event_not_a_status_starts_in_the_initial_status(self) -> None:
        p = policy(resolution(8), initial_status="pending")
        t = ticket(CustomerReply(jan(8, 9)), StatusChange(jan(8, 10), status="open"))
        r = only(evaluate(t, p, now=jan(8, 11)), "P2.resolution")
        check(
            r,
            start=jan(8, 9),  # created: the clock starts, held by 'pending'
            status="running",
            used=1 * H,  # Mon 10-11
            paused_business=1 * H,  # Mon 09-10
            paused_wall=1 * H,
            due=jan(9, 10),  # 8h from Mon 10:00: Mon 10-17 7h + Tue 09-10 1h
        )

    def test_a_target_status_map_overrides_the_policy_map(self) -> None:
        counting = Target(
            "resolution",
            "P2",
            BusinessTime(8 * H),
            OFFICE,
            statuses={"pending": "running"},
        )
        p = policy(first_response(2), counting)
        t = ticket(
            StatusChange(jan(8, 9), status="new"), StatusChange(jan(8, 10), status="pending")
        )
        ev = evaluate(t, p, now=jan(8, 12))
        check(
            only(ev, "P2.resolution"),
            status="running",
            used=3 * H,  # pending runs this target: Mon 09-12
            due=jan(8, 17),  # Mon 09:00 + 8h
        )
        check(
            only(ev, "P2.first_response"),
            status="paused",
            used=1 * H,  # Mon 09-10, then held by pending
            due=None,
            due_if_resumed=jan(8, 13),  # Mon 12:00 + 1h remaining
            remaining=1 * H,
        )


# ---- reopen -----------------------------------------------------------------------------


def _reopened_history() -> Ticket:
    return ticket(
        StatusChange(jan(8, 9), status="new"),
        StatusChange(jan(8, 12), status="solved"),
        StatusChange(jan(9, 10), status="open"),
        StatusChange(jan(9, 16), status="solved"),
    )


def _prefix(t: Ticket, n: int) -> Ticket:
    return Ticket(t.id, t.severity, t.history[:n], attributes=t.attributes)


class TestReopen:
    def test_before_the_reopen_the_first_solve_is_met(self) -> None:
        t = _prefix(_reopened_history(), 2)
        r = only(evaluate(t, RES8, now=jan(8, 13)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="met",
            used=3 * H,  # Mon 09-12
            due=jan(8, 17),  # last segment running: Mon 09:00 + 8h
        )

    def test_continue_while_reopened_counts_the_stop_as_paused(self) -> None:
        t = _prefix(_reopened_history(), 3)
        r = only(evaluate(t, RES8, now=jan(9, 11)), "P2.resolution")
        check(
            r,
            status="running",
            outcome="pending",
            stop=None,
            used=4 * H,  # Mon 09-12 3h + Tue 10-11 1h
            paused_business=6 * H,  # Mon 12-17 5h + Tue 09-10 1h
            paused_wall=22 * H,  # Mon 12:00 -> Tue 10:00
            due=jan(9, 15),  # 3h by Mon 12:00, then 5h from Tue 10:00 -> Tue 15:00
            next_event_at=jan(9, 15),
        )

    def test_continue_replaces_the_earlier_outcome(self) -> None:
        ev = evaluate(_reopened_history(), RES8, now=jan(9, 17))
        r = only(ev, "P2.resolution")  # one cycle: the same clock went on
        check(
            r,
            cycle=1,
            status="stopped",
            outcome="breached",  # was met at Mon 12:00
            start=jan(8, 9),
            stop=jan(9, 16),
            used=9 * H,  # Mon 09-12 3h + Tue 10-16 6h
            elapsed=31 * H,  # Mon 09:00 -> Tue 16:00
            paused_business=6 * H,  # Mon 12-17 5h + Tue 09-10 1h
            paused_wall=22 * H,  # Mon 12:00 -> Tue 10:00
            due=jan(9, 15),  # 3h by Mon 12:00 + 5h from Tue 10:00
            breached_at=jan(9, 15),
            overdue_by=1 * H,  # Tue 15:00 -> 16:00
        )

    def test_new_cycle_keeps_the_first_outcome(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        ev = evaluate(_reopened_history(), p, now=jan(9, 17))
        first, second = rows(ev, "P2.resolution")
        check(
            first,
            cycle=1,
            status="stopped",
            outcome="met",
            start=jan(8, 9),
            stop=jan(8, 12),
            used=3 * H,  # Mon 09-12
            remaining=5 * H,
            due=jan(8, 17),  # Mon 09:00 + 8h (last segment running)
            paused_wall=ZERO,
        )
        check(
            second,
            cycle=2,
            status="stopped",
            outcome="met",
            start=jan(9, 10),
            stop=jan(9, 16),
            used=6 * H,  # Tue 10-16
            remaining=2 * H,
            due=jan(10, 10),  # Tue 10-17 7h + Wed 09-10 1h
            paused_wall=ZERO,
        )

    def test_new_cycle_first_cycle_keeps_its_breach(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(9, 12), status="solved"),
            StatusChange(jan(9, 13), status="open"),
            StatusChange(jan(9, 14), status="solved"),
        )
        first, second = rows(evaluate(t, p, now=jan(9, 15)), "P2.resolution")
        check(
            first,
            outcome="breached",
            used=11 * H,  # Mon 8h + Tue 09-12 3h
            due=jan(8, 17),
            breached_at=jan(8, 17),
            overdue_by=19 * H,  # Mon 17:00 -> Tue 12:00
        )
        check(second, outcome="met", start=jan(9, 13), used=1 * H, due=jan(10, 13))
        # second due: Tue 13-17 4h + Wed 09-13 4h

    def test_first_response_stopped_by_its_reply_is_not_reopened(self) -> None:
        p = policy(first_response(2))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            AgentReply(jan(8, 9, 30)),
            StatusChange(jan(8, 10), status="solved"),
            StatusChange(jan(8, 11), status="open"),
        )
        r = only(evaluate(t, p, now=jan(8, 12)), "P2.first_response")
        check(
            r,
            status="stopped",
            outcome="met",
            stop=jan(8, 9, 30),
            used=30 * MIN,
            due=jan(8, 11),  # Mon 09:00 + 2h
        )

    def test_first_response_stopped_by_the_ticket_continues_after_reopen(self) -> None:
        p = policy(first_response(2))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="solved"),
            StatusChange(jan(8, 11), status="open"),
            AgentReply(jan(8, 11, 30)),
        )
        before = only(evaluate(_prefix(t, 2), p, now=jan(8, 10, 30)), "P2.first_response")
        check(before, status="stopped", outcome="met", stop=jan(8, 10), used=1 * H, due=jan(8, 11))
        # before the reopen: Mon 09-10 used, due Mon 09:00 + 2h (last segment running)
        r = only(evaluate(t, p, now=jan(8, 12)), "P2.first_response")
        check(
            r,
            status="stopped",
            outcome="met",
            stop=jan(8, 11, 30),
            used=90 * MIN,  # Mon 09-10 1h + 11:00-11:30
            paused_business=1 * H,  # stopped Mon 10-11 counts as paused
            paused_wall=1 * H,
            due=jan(8, 12),  # 1h by 10:00, then 1h from 11:00
        )

    def test_first_response_new_cycle_on_reopen(self) -> None:
        # CHOICE (issue 4 rule 5): NEW_CYCLE arms a new first-response cycle too
        p = policy(first_response(2, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            AgentReply(jan(8, 9, 30)),
            StatusChange(jan(8, 10), status="solved"),
            StatusChange(jan(8, 11), status="open"),
            AgentReply(jan(8, 11, 20)),
        )
        first, second = rows(evaluate(t, p, now=jan(8, 12)), "P2.first_response")
        check(first, cycle=1, outcome="met", stop=jan(8, 9, 30), used=30 * MIN)
        check(
            second,
            cycle=2,
            outcome="met",
            start=jan(8, 11),
            stop=jan(8, 11, 20),
            used=20 * MIN,
            due=jan(8, 13),  # Mon 11:00 + 2h
        )


# ---- events at one instant ---------------------------------------------------------------


class TestSameInstant:
    def test_solved_then_open_is_a_reopen_continue(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="solved"),
            StatusChange(jan(8, 11), status="open"),
            StatusChange(jan(8, 12), status="solved"),
        )
        r = only(evaluate(t, RES8, now=jan(8, 13)), "P2.resolution")
        check(
            r,
            status="stopped",
            stop=jan(8, 12),
            used=3 * H,  # Mon 09-12: the stop at 11:00 lasted no time
            paused_business=ZERO,
            paused_wall=ZERO,
            due=jan(8, 17),
            outcome="met",
        )

    def test_solved_then_open_is_a_reopen_new_cycle(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="solved"),
            StatusChange(jan(8, 11), status="open"),
            StatusChange(jan(8, 12), status="solved"),
        )
        first, second = rows(evaluate(t, p, now=jan(8, 13)), "P2.resolution")
        check(first, stop=jan(8, 11), used=2 * H, outcome="met", due=jan(8, 17))
        check(
            second,
            start=jan(8, 11),
            stop=jan(8, 12),
            used=1 * H,
            outcome="met",
            due=jan(9, 11),  # Mon 11-17 6h + Tue 09-11 2h
        )

    def test_open_then_solved_is_a_stop(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="open"),
            StatusChange(jan(8, 11), status="solved"),
        )
        r = only(evaluate(t, p, now=jan(8, 12)), "P2.resolution")
        check(r, status="stopped", stop=jan(8, 11), used=2 * H, outcome="met")

    @pytest.mark.parametrize(
        "order",
        [
            ("solved", "open", "pending"),
            ("pending", "open", "solved"),
            ("solved", "pending", "open"),
        ],
    )
    def test_three_events_clock_value_does_not_depend_on_order(
        self, order: tuple[str, str, str]
    ) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        events = [StatusChange(jan(8, 9), status="new")]
        events += [StatusChange(jan(8, 11), status=s) for s in order]
        ev = evaluate(ticket(*events), p, now=jan(8, 11))
        first = rows(ev, "P2.resolution")[0]
        check(first, start=jan(8, 9), used=2 * H)  # Mon 09-11 whatever the order

    def test_three_events_solved_open_pending(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="solved"),
            StatusChange(jan(8, 11), status="open"),
            StatusChange(jan(8, 11), status="pending"),
        )
        first, second = rows(evaluate(t, p, now=jan(8, 13)), "P2.resolution")
        check(first, status="stopped", outcome="met", stop=jan(8, 11), used=2 * H)
        check(
            second,
            status="paused",
            outcome="pending",
            start=jan(8, 11),
            used=ZERO,
            paused_business=2 * H,  # Mon 11-13
            paused_wall=2 * H,
            due=None,
            due_if_resumed=jan(9, 13),  # Mon 13-17 4h + Tue 09-13 4h
        )

    def test_three_events_pending_open_solved(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="pending"),
            StatusChange(jan(8, 11), status="open"),
            StatusChange(jan(8, 11), status="solved"),
        )
        r = only(evaluate(t, p, now=jan(8, 13)), "P2.resolution")
        check(
            r,
            status="stopped",
            outcome="met",
            stop=jan(8, 11),
            used=2 * H,
            paused_wall=ZERO,  # the pending at 11:00 lasted no time
            due=jan(8, 17),  # last real segment running: Mon 09:00 + 8h
        )

    def test_three_events_solved_pending_open(self) -> None:
        p = policy(resolution(8, reopen=Reopen.NEW_CYCLE))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="solved"),
            StatusChange(jan(8, 11), status="pending"),  # STOPPED -> PAUSED is the reopen
            StatusChange(jan(8, 11), status="open"),
        )
        first, second = rows(evaluate(t, p, now=jan(8, 13)), "P2.resolution")
        check(first, status="stopped", stop=jan(8, 11), used=2 * H)
        check(
            second,
            status="running",
            start=jan(8, 11),
            used=2 * H,  # Mon 11-13
            paused_wall=ZERO,
            due=jan(9, 11),  # Mon 11-17 6h + Tue 09-11 2h
            next_event_at=jan(9, 11),
        )


# ---- cancel -----------------------------------------------------------------------------


class TestCancel:
    def test_cancel_before_breach_has_outcome_none(self) -> None:
        t = ticket(StatusChange(jan(8, 9), status="new"), Cancel(jan(8, 11), reason="merged"))
        r = only(evaluate(t, RES8, now=jan(8, 12)), "P2.resolution")
        check(
            r,
            status="cancelled",
            outcome="none",
            stop=jan(8, 11),
            used=2 * H,  # Mon 09-11
            elapsed=2 * H,
            remaining=6 * H,
            due=jan(8, 17),  # last segment running: Mon 09:00 + 8h
            breached_at=None,
            overdue_by=None,
            next_event_at=None,
        )

    def test_cancel_after_breach_stays_breached(self) -> None:
        t = ticket(StatusChange(jan(8, 9), status="new"), Cancel(jan(9, 10)))
        r = only(evaluate(t, RES8, now=jan(9, 11)), "P2.resolution")
        check(
            r,
            status="cancelled",
            outcome="breached",
            stop=jan(9, 10),
            used=9 * H,  # Mon 8h + Tue 09-10
            due=jan(8, 17),
            breached_at=jan(8, 17),
            overdue_by=17 * H,  # Mon 17:00 -> Tue 10:00
        )

    def test_events_after_cancel_are_ignored(self) -> None:
        # CHOICE (issue 4 rule 1): cancel is final
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Cancel(jan(8, 11)),
            StatusChange(jan(8, 12), status="solved"),
            StatusChange(jan(8, 13), status="open"),
        )
        r = only(evaluate(t, RES8, now=jan(8, 14)), "P2.resolution")
        check(r, status="cancelled", outcome="none", stop=jan(8, 11), used=2 * H)

    def test_cancel_while_paused(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="pending"),
            Cancel(jan(8, 11)),
        )
        r = only(evaluate(t, RES8, now=jan(8, 12)), "P2.resolution")
        check(
            r,
            status="cancelled",
            outcome="none",
            used=1 * H,  # Mon 09-10
            paused_wall=1 * H,  # Mon 10-11
            due=None,  # last segment paused
            due_if_resumed=None,
        )


# ---- first response ---------------------------------------------------------------------


class TestFirstResponse:
    def test_first_reply_stops_it_and_later_replies_start_nothing(self) -> None:
        p = policy(first_response(2))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            AgentReply(jan(8, 10, 30)),
            CustomerReply(jan(8, 11)),
            AgentReply(jan(8, 11, 30)),
        )
        r = only(evaluate(t, p, now=jan(8, 12)), "P2.first_response")
        check(
            r,
            status="stopped",
            outcome="met",
            stop=jan(8, 10, 30),
            used=90 * MIN,  # Mon 09:00-10:30
            due=jan(8, 11),  # Mon 09:00 + 2h
            remaining=30 * MIN,
        )

    def test_ticket_stop_without_reply_stops_it(self) -> None:
        p = policy(first_response(2))
        t = ticket(
            StatusChange(jan(8, 16), status="new"), StatusChange(jan(9, 9, 30), status="solved")
        )
        r = only(evaluate(t, p, now=jan(9, 10)), "P2.first_response")
        check(
            r,
            status="stopped",
            outcome="met",
            stop=jan(9, 9, 30),
            used=90 * MIN,  # Mon 16-17 1h + Tue 09:00-09:30
            due=jan(9, 10),  # Mon 16-17 1h + Tue 09-10 1h
        )

    def test_ticket_stop_without_reply_after_due_is_breached(self) -> None:
        p = policy(first_response(2))
        t = ticket(
            StatusChange(jan(8, 16), status="new"), StatusChange(jan(9, 11), status="solved")
        )
        r = only(evaluate(t, p, now=jan(9, 12)), "P2.first_response")
        check(
            r,
            status="stopped",
            outcome="breached",
            used=3 * H,  # Mon 16-17 1h + Tue 09-11 2h
            due=jan(9, 10),
            breached_at=jan(9, 10),
            overdue_by=1 * H,
        )

    def test_only_public_replies_count(self) -> None:
        target = Target(
            "first_response", "P2", BusinessTime(2 * H), OFFICE, stop_on=["agent_reply:public"]
        )
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            AgentReply(jan(8, 9, 30), public=False),
            AgentReply(jan(8, 12)),
        )
        r = only(evaluate(t, policy(target), now=jan(8, 13)), "P2.first_response")
        check(
            r,
            stop=jan(8, 12),
            used=3 * H,  # Mon 09-12: the internal note did not stop it
            due=jan(8, 11),
            outcome="breached",
            overdue_by=1 * H,
        )

    def test_started_by_an_assignment(self) -> None:
        target = Target(
            "first_response", "P2", BusinessTime(2 * H), OFFICE, start_on=["assignment:tier2"]
        )
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Assignment(jan(8, 9), team="tier1"),
            Assignment(jan(8, 10), team="tier2"),
            AgentReply(jan(8, 10, 45)),
        )
        r = only(evaluate(t, policy(target), now=jan(8, 11)), "P2.first_response")
        check(
            r,
            start=jan(8, 10),
            stop=jan(8, 10, 45),
            used=45 * MIN,
            due=jan(8, 12),  # Mon 10:00 + 2h
            outcome="met",
        )


# ---- next reply -------------------------------------------------------------------------


def _next_reply(hours: float = 1) -> Target:
    return Target("next_reply", "P2", BusinessTime(dt.timedelta(hours=hours)), OFFICE)


class TestNextReply:
    def test_consecutive_customer_messages_are_one_cycle(self) -> None:
        p = policy(_next_reply(1))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            CustomerReply(jan(8, 10)),
            CustomerReply(jan(8, 10, 20)),
            AgentReply(jan(8, 10, 50)),
            CustomerReply(jan(8, 16, 30)),
            CustomerReply(jan(8, 16, 45)),
            AgentReply(jan(9, 9, 45)),
        )
        first, second = rows(evaluate(t, p, now=jan(9, 10)), "P2.next_reply")
        check(
            first,
            metric="next_reply",
            cycle=1,
            status="stopped",
            outcome="met",
            start=jan(8, 10),
            stop=jan(8, 10, 50),
            used=50 * MIN,
            due=jan(8, 11),  # Mon 10:00 + 1h
        )
        check(
            second,
            cycle=2,
            status="stopped",
            outcome="breached",
            start=jan(8, 16, 30),
            stop=jan(9, 9, 45),
            used=75 * MIN,  # Mon 16:30-17:00 + Tue 09:00-09:45
            elapsed=dt.timedelta(hours=17, minutes=15),  # Mon 16:30 -> Tue 09:45
            due=jan(9, 9, 30),  # Mon 16:30-17:00 30m + Tue 09:00-09:30
            breached_at=jan(9, 9, 30),
            overdue_by=15 * MIN,
        )

    def test_agent_reply_without_a_customer_message_starts_nothing(self) -> None:
        p = policy(_next_reply(1), resolution(8))
        t = ticket(StatusChange(jan(8, 9), status="new"), AgentReply(jan(8, 9, 30)))
        ev = evaluate(t, p, now=jan(8, 10))
        assert rows(ev, "P2.next_reply") == []
        assert [r.target for r in ev.results] == ["P2.resolution"]

    def test_customer_message_on_a_solved_ticket_starts_nothing(self) -> None:
        p = policy(_next_reply(1), resolution(8))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="solved"),
            CustomerReply(jan(8, 11)),
        )
        ev = evaluate(t, p, now=jan(8, 12))
        assert rows(ev, "P2.next_reply") == []
        check(only(ev, "P2.resolution"), status="stopped", stop=jan(8, 10), outcome="met")

    def test_a_reopen_later_than_the_message_does_not_start_a_cycle(self) -> None:
        p = policy(_next_reply(1))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="solved"),
            CustomerReply(jan(8, 11)),  # on a solved ticket: nothing
            StatusChange(jan(8, 11, 5), status="open"),  # a reopen alone starts no next reply
            CustomerReply(jan(8, 11, 10)),  # the ticket is open: a cycle starts
        )
        r = only(evaluate(t, p, now=jan(8, 12)), "P2.next_reply")
        check(
            r,
            start=jan(8, 11, 10),
            status="running",
            used=50 * MIN,  # 11:10 -> 12:00
            due=jan(8, 12, 10),  # Mon 11:10 + 1h
        )

    @pytest.mark.parametrize("reply_first", [True, False])
    def test_customer_message_that_reopens_the_ticket_starts_a_cycle(
        self, *, reply_first: bool
    ) -> None:
        p = policy(_next_reply(1), resolution(8))
        pair: list[Event] = [CustomerReply(jan(8, 11)), StatusChange(jan(8, 11), status="open")]
        if not reply_first:
            pair.reverse()
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="solved"),
            *pair,
            AgentReply(jan(8, 11, 40)),
        )
        ev = evaluate(t, p, now=jan(8, 12))
        check(
            only(ev, "P2.next_reply"),
            start=jan(8, 11),
            stop=jan(8, 11, 40),
            used=40 * MIN,
            due=jan(8, 12),  # Mon 11:00 + 1h
            outcome="met",
        )
        check(
            only(ev, "P2.resolution"),
            status="running",  # CONTINUE: the same clock goes on
            used=2 * H,  # Mon 09-10 + Mon 11-12
            paused_wall=1 * H,  # stopped Mon 10-11 counts as paused
        )

    def _stopped_while_waiting(self, solved_at: dt.datetime) -> Result:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            CustomerReply(jan(8, 10)),
            StatusChange(solved_at, status="solved"),
        )
        return only(evaluate(t, policy(_next_reply(1)), now=jan(8, 13)), "P2.next_reply")

    def test_cycle_open_at_ticket_stop_keeps_its_values(self) -> None:
        r = self._stopped_while_waiting(jan(8, 10, 30))
        check(
            r,
            stop=jan(8, 10, 30),
            used=30 * MIN,
            due=jan(8, 11),  # Mon 10:00 + 1h (last segment running)
            breached_at=None,
        )

    def test_cycle_open_at_ticket_stop_is_cancelled(self) -> None:
        r = self._stopped_while_waiting(jan(8, 10, 30))
        check(r, status="cancelled", outcome="none")

    def test_cycle_open_at_ticket_stop_stays_breached(self) -> None:
        r = self._stopped_while_waiting(jan(8, 12))
        check(
            r,
            outcome="breached",
            stop=jan(8, 12),
            used=2 * H,
            due=jan(8, 11),
            breached_at=jan(8, 11),
            overdue_by=1 * H,
        )

    def test_cycle_open_at_ticket_stop_breached_is_cancelled(self) -> None:
        check(self._stopped_while_waiting(jan(8, 12)), status="cancelled", outcome="breached")


# ---- periodic update --------------------------------------------------------------------


def _periodic(hours: float = 4) -> Target:
    return Target("periodic_update", "P2", BusinessTime(dt.timedelta(hours=hours)), OFFICE)


class TestPeriodicUpdate:
    def test_cycles_start_at_creation_and_at_every_reply_or_update(self) -> None:
        p = policy(_periodic(4))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Update(jan(8, 12)),
            AgentReply(jan(9, 10)),
        )
        c1, c2, c3 = rows(evaluate(t, p, now=jan(9, 11)), "P2.periodic_update")
        check(
            c1,
            cycle=1,
            metric="periodic_update",
            start=jan(8, 9),
            stop=jan(8, 12),
            used=3 * H,
            due=jan(8, 13),  # Mon 09:00 + 4h
            outcome="met",
        )
        check(
            c2,
            cycle=2,
            start=jan(8, 12),
            stop=jan(9, 10),
            used=6 * H,  # Mon 12-17 5h + Tue 09-10 1h
            due=jan(8, 16),  # Mon 12:00 + 4h
            outcome="breached",
            breached_at=jan(8, 16),
            overdue_by=18 * H,  # Mon 16:00 -> Tue 10:00
        )
        check(
            c3,
            cycle=3,
            start=jan(9, 10),
            stop=None,
            status="running",
            outcome="pending",
            used=1 * H,
            remaining=3 * H,
            due=jan(9, 14),  # Tue 10:00 + 4h
            next_event_at=jan(9, 14),
        )

    @staticmethod
    def _stopped_after_an_update() -> list[Result]:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Update(jan(8, 10)),
            StatusChange(jan(8, 11), status="solved"),
        )
        return rows(evaluate(t, policy(_periodic(4)), now=jan(8, 12)), "P2.periodic_update")

    def test_cycle_open_at_ticket_stop_keeps_its_values(self) -> None:
        c1, c2 = self._stopped_after_an_update()
        check(c1, status="stopped", outcome="met", used=1 * H)
        check(
            c2,
            start=jan(8, 10),
            stop=jan(8, 11),
            used=1 * H,
            due=jan(8, 14),  # Mon 10:00 + 4h
            breached_at=None,
        )

    def test_cycle_open_at_ticket_stop_is_cancelled(self) -> None:
        # CHOICE (issue 4 rule 5): a periodic-update cycle is cancelled by the ticket's stop
        _, c2 = self._stopped_after_an_update()
        check(c2, status="cancelled", outcome="none")


# ---- warnings and next_event_at --------------------------------------------------------

_WARNED = policy(resolution(8, warnings=["50%", "75%", "90%", "1h before due"]))
_W50 = ("50%", jan(8, 17))  # 4h: Mon 13-17 (a closing instant)
_W75 = ("75%", jan(9, 11))  # 6h: Mon 4h + Tue 09-11 2h
_W1H = ("1h before due", jan(9, 12))  # subtract(Tue 13:00, 1h) = Tue 12:00
_W90 = ("90%", jan(9, 12, 12))  # 7h12m: Mon 4h + Tue 09:00 + 3h12m


class TestWarnings:
    @pytest.mark.parametrize(
        ("now", "reached", "next_event"),
        [
            (jan(8, 14), [], jan(8, 17)),
            (jan(8, 17), [_W50], jan(9, 11)),  # reached at <= now; next is 75%
            (jan(9, 11, 30), [_W50, _W75], jan(9, 12)),
            (jan(9, 12, 5), [_W50, _W75, _W1H], jan(9, 12, 12)),
            (jan(9, 12, 30), [_W50, _W75, _W1H, _W90], jan(9, 13)),  # then the deadline
            (jan(9, 14), [_W50, _W75, _W1H, _W90], None),  # breached: nothing next
        ],
    )
    def test_fraction_and_before_due_warnings(
        self,
        now: dt.datetime,
        reached: list[tuple[str, dt.datetime]],
        next_event: dt.datetime | None,
    ) -> None:
        t = ticket(StatusChange(jan(8, 13), status="new"))
        r = only(evaluate(t, _WARNED, now=now), "P2.resolution")
        assert [(w.label, w.at) for w in r.warnings] == reached
        assert r.due == jan(9, 13)  # Mon 13-17 4h + Tue 09-13 4h
        assert r.next_event_at == next_event

    def test_a_stop_before_a_warning_never_reaches_it(self) -> None:
        t = ticket(
            StatusChange(jan(8, 13), status="new"), StatusChange(jan(9, 11, 30), status="solved")
        )
        r = only(evaluate(t, _WARNED, now=jan(9, 14)), "P2.resolution")
        assert [(w.label, w.at) for w in r.warnings] == [_W50, _W75]
        check(r, outcome="met", next_event_at=None, used=dt.timedelta(hours=6, minutes=30))
        # used: Mon 13-17 4h + Tue 09:00-11:30

    def test_a_fraction_that_is_not_a_whole_microsecond_rounds_up(self) -> None:
        target = Target(
            "resolution",
            "P2",
            BusinessTime(H + US),
            OFFICE,
            warnings=[FractionWarning(Fraction(1, 2)), FractionWarning(Fraction(2, 3))],
        )
        p = policy(target)
        t = ticket(StatusChange(jan(8, 9), status="new"))
        # goal 3_600_000_001 µs; 1/2 of it = 1_800_000_000.5 µs -> rounded up: 30m + 1µs
        w50 = jan(8, 9, 30, 0, 1)
        # 2/3 of it = 2_400_000_000.67 µs -> rounded up: 40m + 1µs
        w67 = jan(8, 9, 40, 0, 1)
        early = only(evaluate(t, p, now=jan(8, 9, 30)), "P2.resolution")
        assert early.warnings == ()
        assert early.next_event_at == w50
        hit = only(evaluate(t, p, now=w50), "P2.resolution")
        assert [(w.label, w.at) for w in hit.warnings] == [("50%", w50)]
        assert hit.next_event_at == w67
        late = only(evaluate(t, p, now=jan(8, 9, 45)), "P2.resolution")
        assert [(w.label, w.at) for w in late.warnings] == [("50%", w50), ("66.6667%", w67)]
        assert late.next_event_at == jan(8, 10, 0, 0, 1)  # due: Mon 09:00 + 1h + 1µs

    def test_fraction_warnings_follow_pauses(self) -> None:
        p = policy(resolution(8, warnings=["50%"]))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 11), status="pending"),
            StatusChange(jan(8, 14), status="open"),
        )
        r = only(evaluate(t, p, now=jan(8, 16, 30)), "P2.resolution")
        # 4h: Mon 09-11 2h + Mon 14-16 2h
        assert [(w.label, w.at) for w in r.warnings] == [("50%", jan(8, 16))]
        # 8h: Mon 09-11 2h + Mon 14-17 3h, then Tue 09-12 3h
        assert r.due == jan(9, 12)
        assert r.next_event_at == jan(9, 12)

    def test_before_due_warning_across_a_closed_night(self) -> None:
        p = policy(resolution(4, warnings=["3h before due"]))
        t = ticket(StatusChange(jan(8, 15), status="new"))
        before = only(evaluate(t, p, now=jan(8, 15, 30)), "P2.resolution")
        check(
            before,
            due=jan(9, 11),  # Mon 15-17 2h + Tue 09-11 2h
            warnings=(),
            next_event_at=jan(8, 16),  # subtract(Tue 11:00, 3h) = Tue 09-11 2h + Mon 16-17 1h
        )
        after = only(evaluate(t, p, now=jan(8, 16, 30)), "P2.resolution")
        assert [(w.label, w.at) for w in after.warnings] == [("3h before due", jan(8, 16))]
        assert after.next_event_at == jan(9, 11)  # then the deadline

    def test_before_due_warning_is_clamped_to_the_start(self) -> None:
        # CHOICE (issue 4): max(start, subtract(due, offset))
        p = policy(resolution(2, warnings=["3h before due"]))
        t = ticket(StatusChange(jan(8, 9), status="new"))
        r = only(evaluate(t, p, now=jan(8, 9, 30)), "P2.resolution")
        # subtract(Mon 11:00, 3h) = Fri 16:00, before the start -> Mon 09:00
        assert [(w.label, w.at) for w in r.warnings] == [("3h before due", jan(8, 9))]
        check(r, due=jan(8, 11), next_event_at=jan(8, 11))

    def test_no_next_event_while_paused_or_stopped(self) -> None:
        p = policy(resolution(8, warnings=["50%"]))
        paused = ticket(
            StatusChange(jan(8, 9), status="new"), StatusChange(jan(8, 10), status="pending")
        )
        check(only(evaluate(paused, p, now=jan(8, 11)), "P2.resolution"), next_event_at=None)
        stopped = ticket(
            StatusChange(jan(8, 9), status="new"), StatusChange(jan(8, 10), status="solved")
        )
        check(only(evaluate(stopped, p, now=jan(8, 11)), "P2.resolution"), next_event_at=None)


# ---- business days and calendar time -----------------------------------------------------


def _days(n: int, calendar: Calendar = OFFICE) -> Target:
    return Target("resolution", "P3", BusinessDays(n), calendar)


class TestBusinessDays:
    def test_two_business_days_from_monday_afternoon(self) -> None:
        t = ticket(StatusChange(jan(8, 14), status="new"), severity="P3")
        r = only(evaluate(t, policy(_days(2)), now=jan(9, 12)), "P3.resolution")
        check(
            r,
            goal=19 * H,  # Mon 14-17 3h + Tue 8h + Wed 8h, up to Wednesday's close
            due=jan(10, 17),  # 2nd open date after Mon = Wed, its close 17:00
            used=6 * H,  # Mon 14-17 3h + Tue 09-12 3h
            remaining=13 * H,
            next_event_at=jan(10, 17),
        )

    def test_converted_at_the_start_then_pauses_shift_the_due(self) -> None:
        t = ticket(
            StatusChange(jan(8, 14), status="new"),
            StatusChange(jan(9, 10), status="pending"),
            StatusChange(jan(9, 13), status="open"),
            StatusChange(jan(11, 11), status="solved"),
            severity="P3",
        )
        r = only(evaluate(t, policy(_days(2)), now=jan(11, 12)), "P3.resolution")
        check(
            r,
            goal=19 * H,
            used=18 * H,  # Mon 3h + Tue 09-10 1h + Tue 13-17 4h + Wed 8h + Thu 09-11 2h
            remaining=1 * H,
            paused_business=3 * H,  # Tue 10-13
            paused_wall=3 * H,
            due=jan(11, 12),  # 16h by Wed 17:00, then Thu 09-12 3h (Wed close + 3h of pause)
            outcome="met",
        )

    def test_a_holiday_is_not_a_business_day(self) -> None:
        cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00", holidays=[dt.date(2024, 1, 9)])
        t = ticket(StatusChange(jan(8, 14), status="new"), severity="P3")
        r = only(evaluate(t, policy(_days(2, cal)), now=jan(8, 15)), "P3.resolution")
        check(
            r,
            goal=19 * H,  # Mon 14-17 3h + Wed 8h + Thu 8h (Tue is a holiday)
            due=jan(11, 17),  # open dates after Mon: Wed, Thu -> Thursday's close
        )


class TestMoreClockCases:
    def test_two_business_days_from_a_saturday(self) -> None:
        t = ticket(StatusChange(jan(13, 10), status="new"), severity="P3")
        r = only(evaluate(t, policy(_days(2)), now=jan(15, 10)), "P3.resolution")
        check(
            r,
            goal=16 * H,  # Sat closed + Mon 8h + Tue 8h
            due=jan(16, 17),  # open dates after Sat: Mon (1), Tue (2) -> Tuesday's close
            used=1 * H,  # Mon 09-10
        )

    def test_due_if_resumed_over_a_weekend(self) -> None:
        t = ticket(
            StatusChange(jan(12, 9), status="new"), StatusChange(jan(12, 15), status="pending")
        )
        r = only(evaluate(t, RES8, now=jan(13, 12)), "P2.resolution")
        check(
            r,
            status="paused",
            used=6 * H,  # Fri 09-15
            remaining=2 * H,
            due=None,
            due_if_resumed=jan(15, 11),  # resumed Sat 12:00: Mon 09-11 2h
            paused_business=2 * H,  # Fri 15-17
            paused_wall=21 * H,  # Fri 15:00 -> Sat 12:00
        )

    def test_before_due_offset_is_measured_on_the_clock(self) -> None:
        # docs "Choices": the warning fires at the last instant the clock still had
        # the offset left (subtract(due, offset) when nothing pauses in between); a
        # later pause does not move a warning already reached
        p = policy(resolution(8, warnings=["1h before due"]))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 16, 30), status="pending"),
            StatusChange(jan(8, 16, 45), status="open"),
        )
        r = only(evaluate(t, p, now=jan(8, 16, 50)), "P2.resolution")
        check(
            r,
            used=dt.timedelta(hours=7, minutes=35),  # Mon 09:00-16:30 + 16:45-16:50
            due=jan(9, 9, 15),  # 7h30 by 16:30 + 16:45-17:00 15m + Tue 09:00-09:15
            next_event_at=jan(9, 9, 15),
        )
        # the clock reached 8h - 1h = 7h at Mon 16:00 (09:00 + 7h) while running
        assert [(w.label, w.at) for w in r.warnings] == [("1h before due", jan(8, 16))]

    def test_calendar_chosen_by_a_ticket_attribute(self) -> None:
        target = Target(
            "resolution",
            "P2",
            BusinessTime(2 * H),
            CalendarChoice("region", {"us": NYC, "uk": LON}),
        )
        p = policy(target)
        history = [StatusChange(jan(8, 9), status="new")]
        uk = Ticket("T-uk", "P2", history, attributes={"region": "uk"})
        us = Ticket("T-us", "P2", history, attributes={"region": "us"})
        # London in January is GMT = UTC: Mon 09:00 + 2h
        check(only(evaluate(uk, p, now=jan(8, 10)), "P2.resolution"), due=jan(8, 11))
        # 09:00Z = 04:00 EST, closed; opens 09:00 EST = 14:00Z, + 2h = 16:00Z
        check(
            only(evaluate(us, p, now=jan(8, 10)), "P2.resolution"),
            due=jan(8, 16),
            used=ZERO,
        )

    def test_policy_version_in_effect_at_creation(self) -> None:
        v1 = Policy("v1", ["P2"], STATUSES, [resolution(8)])
        v2 = Policy("v2", ["P2"], STATUSES, [resolution(4)], valid_from=jan(9, 0))
        book = PolicyBook([v1, v2])
        t = ticket(StatusChange(jan(8, 9), status="new"))
        ev = evaluate(t, book, now=jan(8, 10))
        assert ev.policy == "v1"
        check(ev.results[0], policy="v1", due=jan(8, 17))  # 8h from Mon 09:00
        what_if = evaluate(t, book, now=jan(8, 10), as_of=jan(10, 0))
        assert what_if.policy == "v2"
        check(what_if.results[0], policy="v2", due=jan(8, 13))  # 4h from Mon 09:00
        later = ticket(StatusChange(jan(9, 9), status="new"))
        check(evaluate(later, book, now=jan(9, 10)).results[0], policy="v2", due=jan(9, 13))


class TestCalendarTime:
    def test_calendar_time_on_a_24_7_clock_with_pauses(self) -> None:
        target = Target("resolution", "P1", CalendarTime(4 * H))
        t = ticket(
            StatusChange(jan(13, 22), status="new"),  # Saturday night
            StatusChange(jan(14, 0), status="pending"),
            StatusChange(jan(14, 1, 30), status="open"),
            severity="P1",
        )
        r = only(evaluate(t, policy(target), now=jan(14, 2)), "P1.resolution")
        check(
            r,
            goal=4 * H,
            used=150 * MIN,  # Sat 22:00-24:00 2h + Sun 01:30-02:00
            remaining=90 * MIN,
            paused_business=90 * MIN,  # 24/7: the pause Sun 00:00-01:30 is all open time
            paused_wall=90 * MIN,
            due=jan(14, 3, 30),  # 2h by midnight, then 2h from Sun 01:30
            next_event_at=jan(14, 3, 30),
        )

    def test_fifteen_minutes_to_first_response_over_midnight(self) -> None:
        target = Target("first_response", "P1", CalendarTime(15 * MIN))
        t = ticket(
            StatusChange(jan(12, 23, 50), status="new"), AgentReply(jan(13, 0, 4)), severity="P1"
        )
        r = only(evaluate(t, policy(target), now=jan(13, 1)), "P1.first_response")
        check(r, used=14 * MIN, due=jan(13, 0, 5), outcome="met")  # Fri 23:50 + 15m = Sat 00:05


# ---- severity changes --------------------------------------------------------------------

_SEV = policy(resolution(4, severity="P1"), resolution(16, severity="P3"))
# P1: 4h business; P3: 16h business. From Mon 09:00: P1 due Mon 13:00, P3 due Tue 17:00.


class TestSeverity:
    def test_upgrade_past_the_new_target_breaches_at_the_change(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 15), severity="P1"),
            StatusChange(jan(8, 16), status="solved"),
            severity="P3",
        )
        ev = evaluate(t, _SEV, now=jan(8, 17))
        assert [r.target for r in ev.results] == ["P1.resolution"]
        check(
            ev.results[0],
            severity="P1",
            status="stopped",
            outcome="breached",
            used=7 * H,  # Mon 09-16
            due=jan(8, 13),  # P1 as if always: Mon 09:00 + 4h
            breached_at=jan(8, 15),  # already reached before the change: the change instant
            overdue_by=1 * H,  # Mon 15:00 -> 16:00
            earlier=(EarlierSeverity("P3", jan(9, 17), False, jan(8, 15)),),
            # P3 due: Mon 8h + Tue 8h -> Tue 17:00; not breached at Mon 15:00
            original_due=jan(9, 17),
        )

    def test_upgrade_at_now_past_the_new_target_is_breached_at_the_change(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 15), severity="P1"),
            severity="P3",
        )
        at_change = only(evaluate(t, _SEV, now=jan(8, 15)), "P1.resolution")
        check(
            at_change,
            status="running",
            # SEMANTICS: now (15:00) is later than the re-measured due (13:00): breached,
            # and breached_at is the change instant, here now itself
            outcome="breached",
            due=jan(8, 13),
            breached_at=jan(8, 15),
            overdue_by=ZERO,
            next_event_at=None,
        )
        after = only(evaluate(t, _SEV, now=jan(8, 15, 0, 0, 1)), "P1.resolution")
        check(after, outcome="breached", breached_at=jan(8, 15), overdue_by=US)

    def test_upgrade_before_the_new_due_is_met(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 10), severity="P1"),
            StatusChange(jan(8, 12), status="solved"),
            severity="P3",
        )
        r = only(evaluate(t, _SEV, now=jan(8, 13)), "P1.resolution")
        check(
            r,
            outcome="met",
            used=3 * H,
            due=jan(8, 13),  # Mon 09:00 + 4h
            breached_at=None,
            earlier=(EarlierSeverity("P3", jan(9, 17), False, jan(8, 10)),),
            original_due=jan(9, 17),
        )

    def test_downgrade_after_a_breach_reports_the_final_severity(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 14), severity="P3"),
            StatusChange(jan(9, 10), status="solved"),
            severity="P1",
        )
        ev = evaluate(t, _SEV, now=jan(9, 11))
        assert [r.target for r in ev.results] == ["P3.resolution"]
        check(
            ev.results[0],
            severity="P3",
            status="stopped",
            outcome="met",
            used=9 * H,  # Mon 8h + Tue 09-10
            remaining=7 * H,  # 16h - 9h
            due=jan(9, 17),  # Mon 8h + Tue 8h
            breached_at=None,
            earlier=(EarlierSeverity("P1", jan(8, 13), True, jan(8, 14)),),
            # P1 due Mon 13:00, already breached at the change (14:00)
            original_due=jan(8, 13),
        )

    def test_upgrade_keeps_the_pauses(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 10), status="pending"),
            StatusChange(jan(8, 14), status="open"),
            SeverityChange(jan(8, 15), severity="P1"),
            StatusChange(jan(8, 16), status="solved"),
            severity="P3",
        )
        r = only(evaluate(t, _SEV, now=jan(8, 17)), "P1.resolution")
        check(
            r,
            outcome="met",
            used=3 * H,  # Mon 09-10 + Mon 14-16
            paused_business=4 * H,  # Mon 10-14
            due=jan(8, 17),  # P1: Mon 09-10 1h + Mon 14-17 3h
            earlier=(EarlierSeverity("P3", jan(10, 13), False, jan(8, 15)),),
            # P3 at 15:00: 1h + Mon 14-17 3h + Tue 8h + Wed 09-13 4h = 16h -> Wed 13:00
            original_due=jan(10, 13),
        )

    def test_up_and_down_again_lists_both_earlier_severities(self) -> None:
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 14), severity="P1"),
            SeverityChange(jan(8, 15), severity="P3"),
            StatusChange(jan(9, 10), status="solved"),
            severity="P3",
        )
        r = only(evaluate(t, _SEV, now=jan(9, 11)), "P3.resolution")
        check(
            r,
            severity="P3",
            outcome="met",
            used=9 * H,  # Mon 8h + Tue 09-10
            due=jan(9, 17),  # P3 16h: Mon 8h + Tue 8h
            breached_at=None,
            earlier=(
                EarlierSeverity("P3", jan(9, 17), False, jan(8, 14)),
                # P1 at Mon 15:00: due Mon 13:00, deadline max(13:00, change 14:00) < 15:00
                EarlierSeverity("P1", jan(8, 13), True, jan(8, 15)),
            ),
            original_due=jan(9, 17),  # the first severity's due
        )

    def test_no_cycle_is_lost_when_reopen_modes_differ(self) -> None:
        p = policy(
            resolution(4, severity="P1", reopen=Reopen.CONTINUE),
            resolution(8, severity="P2", reopen=Reopen.NEW_CYCLE),
        )
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 10), severity="P1"),
            StatusChange(jan(8, 11), status="solved"),  # ends a cycle under P1
            StatusChange(jan(8, 12), status="open"),
            SeverityChange(jan(8, 13), severity="P2"),
            StatusChange(jan(8, 14), status="solved"),
        )
        found = [r for r in evaluate(t, p, now=jan(8, 15)).results if r.metric == "resolution"]
        assert [r.cycle for r in found] == [1, 2]
        # whichever severity measures it, the first solve is met (P1 due 13:00, P2 due 17:00)
        check(found[0], start=jan(8, 9), stop=jan(8, 11), used=2 * H, outcome="met")
        check(found[1], start=jan(8, 12), stop=jan(8, 14), used=2 * H, outcome="met")

    def test_a_change_after_the_stop_does_not_remeasure(self) -> None:
        # CHOICE (issue 4): a cycle is measured by the severity in effect at its end
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            StatusChange(jan(8, 12), status="solved"),
            SeverityChange(jan(8, 13), severity="P3"),
            severity="P1",
        )
        ev = evaluate(t, _SEV, now=jan(8, 14))
        assert [r.target for r in ev.results] == ["P1.resolution"]
        check(ev.results[0], severity="P1", outcome="met", used=3 * H, due=jan(8, 13), earlier=())

    def test_change_to_a_severity_without_a_target_cancels(self) -> None:
        p = policy(first_response(1, severity="P1"))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 9, 30), severity="P3"),
            severity="P1",
        )
        r = only(evaluate(t, p, now=jan(8, 10)), "P1.first_response")
        check(
            r,
            severity="P1",
            status="cancelled",
            outcome="none",
            stop=jan(8, 9, 30),  # the change away from the last severity with a target
            used=30 * MIN,
            due=jan(8, 10),  # Mon 09:00 + 1h
            earlier=(),
        )

    def test_change_to_a_severity_without_a_target_after_the_due_stays_breached(self) -> None:
        p = policy(first_response(1, severity="P1"))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 10, 30), severity="P3"),
            severity="P1",
        )
        r = only(evaluate(t, p, now=jan(8, 11)), "P1.first_response")
        check(
            r,
            status="cancelled",
            outcome="breached",
            stop=jan(8, 10, 30),
            due=jan(8, 10),
            breached_at=jan(8, 10),
            overdue_by=30 * MIN,
        )

    def test_upgrade_from_a_severity_without_a_target(self) -> None:
        p = policy(first_response(1, severity="P1"))
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            SeverityChange(jan(8, 11), severity="P1"),
            AgentReply(jan(8, 11, 30)),
            severity="P3",
        )
        r = only(evaluate(t, p, now=jan(8, 12)), "P1.first_response")
        check(
            r,
            start=jan(8, 9),  # as if it had always been P1
            stop=jan(8, 11, 30),
            outcome="breached",
            due=jan(8, 10),  # Mon 09:00 + 1h
            breached_at=jan(8, 11),  # reached before the change: the change instant
            overdue_by=30 * MIN,
            earlier=(),  # P3 had no first-response target
            original_due=jan(8, 10),
        )


# ---- internal targets --------------------------------------------------------------------

_TIERS = (
    InternalTarget("tier1", BusinessTime(2 * H), OFFICE),
    InternalTarget("tier2", BusinessTime(4 * H), OFFICE),
)


class TestInternalTargets:
    def test_tier1_then_tier2_stints(self) -> None:
        p = policy(resolution(8), internal=_TIERS)
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Assignment(jan(8, 9), team="tier1"),
            Assignment(jan(8, 10, 30), team="tier2"),
            StatusChange(jan(8, 12), status="pending"),
            StatusChange(jan(8, 14), status="open"),
            StatusChange(jan(8, 16), status="solved"),
        )
        ev = evaluate(t, p, now=jan(8, 17))
        assert [r.target for r in ev.results] == ["P2.resolution", "tier1", "tier2"]
        _, tier1, tier2 = ev.results
        check(
            tier1,
            metric="internal",
            team="tier1",
            severity="P2",
            cycle=1,
            status="stopped",
            outcome="met",
            start=jan(8, 9),
            stop=jan(8, 10, 30),
            used=90 * MIN,
            due=jan(8, 11),  # Mon 09:00 + 2h
        )
        check(
            tier2,
            metric="internal",
            team="tier2",
            cycle=1,
            status="stopped",  # ended by the ticket's stop
            outcome="met",
            start=jan(8, 10, 30),
            stop=jan(8, 16),
            used=dt.timedelta(hours=3, minutes=30),  # 10:30-12:00 + 14:00-16:00
            paused_business=2 * H,  # Mon 12-14
            paused_wall=2 * H,
            remaining=30 * MIN,
            due=jan(8, 16, 30),  # 1h30 by 12:00, then 2h30 from 14:00
        )

    def test_same_team_again_is_nothing_and_a_return_is_a_new_stint(self) -> None:
        p = policy(resolution(8), internal=_TIERS)
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Assignment(jan(8, 9), team="tier1"),
            Assignment(jan(8, 9, 30), team="tier1"),
            Assignment(jan(8, 10), team="tier2"),
            Assignment(jan(8, 11), team="tier1"),
        )
        ev = evaluate(t, p, now=jan(8, 12))
        internal = [r for r in ev.results if r.metric == "internal"]
        assert [(r.team, r.cycle) for r in internal] == [("tier1", 1), ("tier2", 1), ("tier1", 2)]
        check(internal[0], start=jan(8, 9), stop=jan(8, 10), used=1 * H, outcome="met")
        check(internal[1], start=jan(8, 10), stop=jan(8, 11), used=1 * H, due=jan(8, 14))
        check(
            internal[2],
            start=jan(8, 11),
            stop=None,
            status="running",
            used=1 * H,
            due=jan(8, 13),  # Mon 11:00 + 2h
            next_event_at=jan(8, 13),
        )

    def test_a_stint_continues_after_a_reopen(self) -> None:
        p = policy(resolution(8), internal=_TIERS)
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Assignment(jan(8, 10, 30), team="tier2"),
            StatusChange(jan(8, 12), status="solved"),
            StatusChange(jan(9, 10), status="open"),
            StatusChange(jan(9, 11), status="solved"),
        )
        before = only(evaluate(_prefix(t, 3), p, now=jan(8, 13)), "tier2")
        check(before, status="stopped", stop=jan(8, 12), used=90 * MIN, outcome="met")
        r = only(evaluate(t, p, now=jan(9, 12)), "tier2")
        check(
            r,
            status="stopped",
            stop=jan(9, 11),
            used=dt.timedelta(hours=2, minutes=30),  # Mon 10:30-12:00 + Tue 10-11
            paused_business=6 * H,  # Mon 12-17 5h + Tue 09-10 1h
            paused_wall=22 * H,  # Mon 12:00 -> Tue 10:00
            due=jan(9, 12, 30),  # 1h30 by Mon 12:00, then 2h30 from Tue 10:00
            outcome="met",
        )

    def test_cancel_cancels_the_stint(self) -> None:
        p = policy(resolution(8), internal=_TIERS)
        t = ticket(
            StatusChange(jan(8, 9), status="new"),
            Assignment(jan(8, 9), team="tier1"),
            Cancel(jan(8, 12)),
        )
        r = only(evaluate(t, p, now=jan(8, 13)), "tier1")
        check(
            r,
            status="cancelled",
            outcome="breached",
            stop=jan(8, 12),
            used=3 * H,
            due=jan(8, 11),  # Mon 09:00 + 2h
            breached_at=jan(8, 11),
            overdue_by=1 * H,
        )


# ---- DST weeks ---------------------------------------------------------------------------


class TestDaylightSaving:
    def test_new_york_spring_forward_week(self) -> None:
        p = policy(resolution(8, calendar=NYC, warnings=["50%", "1h before due"]))
        t = ticket(
            StatusChange(dt.datetime(2024, 3, 8, 13, tzinfo=NY), status="new"),  # Fri 13:00 EST
            StatusChange(dt.datetime(2024, 3, 11, 13, tzinfo=NY), status="solved"),  # Mon EDT
        )
        r = only(evaluate(t, p, now=utc(3, 11, 18)), "P2.resolution")
        check(
            r,
            start=utc(3, 8, 18),  # Fri 13:00 EST = 18:00Z
            stop=utc(3, 11, 17),  # Mon 13:00 EDT = 17:00Z
            used=8 * H,  # Fri 13-17 EST 4h + Mon 09-13 EDT 4h
            elapsed=71 * H,  # Fri 18:00Z -> Mon 17:00Z (the lost hour is not wall time)
            due=utc(3, 11, 17),  # Fri 13-17 EST = 4h + Mon 09-13 EDT = 4h -> 17:00Z
            outcome="met",
        )
        assert [(w.label, w.at) for w in r.warnings] == [
            ("50%", utc(3, 8, 22)),  # 4h: Fri 17:00 EST = 22:00Z
            ("1h before due", utc(3, 11, 16)),  # Mon 12:00 EDT = 16:00Z
        ]

    def test_new_york_fall_back_week(self) -> None:
        p = policy(resolution(2, calendar=NYC))
        t = ticket(StatusChange(dt.datetime(2024, 11, 1, 16, tzinfo=NY), status="new"))
        r = only(evaluate(t, p, now=utc(11, 4, 14, 30)), "P2.resolution")
        check(
            r,
            start=utc(11, 1, 20),  # Fri 16:00 EDT = 20:00Z
            used=90 * MIN,  # Fri 16-17 EDT 1h + Mon 09:00-09:30 EST (14:30Z)
            elapsed=dt.timedelta(hours=66, minutes=30),  # Fri 20:00Z -> Mon 14:30Z
            due=utc(11, 4, 15),  # 1h Fri + Mon 09:00-10:00 EST -> 15:00Z
            next_event_at=utc(11, 4, 15),
            status="running",
        )

    def test_london_spring_forward_with_a_pause(self) -> None:
        p = policy(resolution(4, calendar=LON))
        t = ticket(
            StatusChange(dt.datetime(2024, 3, 29, 15, tzinfo=LONDON), status="new"),  # GMT
            StatusChange(dt.datetime(2024, 3, 29, 16, tzinfo=LONDON), status="pending"),
            StatusChange(dt.datetime(2024, 4, 1, 10, tzinfo=LONDON), status="open"),  # BST
        )
        r = only(evaluate(t, p, now=utc(4, 1, 10)), "P2.resolution")  # Mon 11:00 BST
        check(
            r,
            start=utc(3, 29, 15),
            status="running",
            used=2 * H,  # Fri 15-16 GMT + Mon 10-11 BST
            paused_business=2 * H,  # Fri 16-17 GMT + Mon 09-10 BST
            paused_wall=65 * H,  # Fri 16:00Z -> Mon 09:00Z = 72h - 7h
            remaining=2 * H,
            due=utc(4, 1, 12),  # 1h Fri + 3h from Mon 10:00 BST -> 13:00 BST = 12:00Z
            next_event_at=utc(4, 1, 12),
        )

    def test_london_fall_back_week(self) -> None:
        p = policy(resolution(2, calendar=LON))
        t = ticket(
            StatusChange(dt.datetime(2024, 10, 25, 16, tzinfo=LONDON), status="new"),  # BST
            StatusChange(dt.datetime(2024, 10, 28, 10, tzinfo=LONDON), status="solved"),  # GMT
        )
        r = only(evaluate(t, p, now=utc(10, 28, 11)), "P2.resolution")
        check(
            r,
            start=utc(10, 25, 15),  # Fri 16:00 BST = 15:00Z
            stop=utc(10, 28, 10),  # Mon 10:00 GMT = 10:00Z
            used=2 * H,  # Fri 16-17 BST + Mon 09-10 GMT
            elapsed=67 * H,  # Fri 15:00Z -> Mon 10:00Z (the repeated hour is wall time)
            due=utc(10, 28, 10),  # 1h Fri + 1h Mon -> 10:00 GMT
            outcome="met",
        )

    def test_always_open_new_york_does_not_count_the_lost_hour(self) -> None:
        p = policy(resolution(24, calendar=Calendar.always_open("America/New_York")))
        t = ticket(StatusChange(dt.datetime(2024, 3, 9, 12, tzinfo=NY), status="new"))  # Sat EST
        r = only(evaluate(t, p, now=utc(3, 10, 16)), "P2.resolution")  # Sun 12:00 EDT
        check(
            r,
            used=23 * H,  # Sat 17:00Z -> Sun 16:00Z: 23h of real time
            remaining=1 * H,
            due=utc(3, 10, 17),  # Sat 17:00Z + 24h = Sun 13:00 EDT = 17:00Z
        )


# ---- incremental form and a rich history by hand ------------------------------------------

_NEW = Reopen.NEW_CYCLE
_FULL = policy(
    first_response(1, severity="P1"),
    first_response(2, severity="P2"),
    resolution(4, severity="P1", reopen=_NEW, warnings=["50%", "1h before due"]),
    resolution(8, severity="P2", reopen=_NEW, warnings=["75%"]),
    Target("next_reply", "P1", BusinessTime(30 * MIN), OFFICE, reopen=_NEW),
    Target("next_reply", "P2", BusinessTime(1 * H), OFFICE, reopen=_NEW),
    Target("periodic_update", "P2", BusinessTime(4 * H), OFFICE, reopen=_NEW),
    internal=_TIERS,
)
# P1 has no periodic-update target.

_RICH = ticket(
    StatusChange(jan(8, 15), status="new"),  # 0
    Assignment(jan(8, 15), team="tier1"),  # 1
    CustomerReply(jan(8, 15, 10)),  # 2
    AgentReply(jan(8, 16)),  # 3
    StatusChange(jan(8, 16), status="pending"),  # 4
    CustomerReply(jan(9, 10)),  # 5
    StatusChange(jan(9, 10), status="open"),  # 6
    Assignment(jan(9, 11), team="tier2"),  # 7
    SeverityChange(jan(9, 12), severity="P1"),  # 8
    StatusChange(jan(9, 14), status="solved"),  # 9
    StatusChange(jan(9, 14), status="open"),  # 10: a reopen at the same instant
    CustomerReply(jan(10, 9, 30)),  # 11
    SeverityChange(jan(10, 10), severity="P2"),  # 12
    AgentReply(jan(10, 11)),  # 13
    Update(jan(10, 12)),  # 14
    StatusChange(jan(10, 15), status="solved"),  # 15
)
_RICH_NOW = jan(10, 16)


class TestIncremental:
    def test_each_prefix_equals_a_full_replay(self) -> None:
        clock = TicketClock(_FULL, _RICH.id, _RICH.severity)
        for n, event in enumerate(_RICH.history, 1):
            clock.feed(event)
            for now in (event.at, event.at + 45 * MIN):
                expected = evaluate(_prefix(_RICH, n), _FULL, now=now)
                assert clock.evaluate(now=now).results == expected.results, (n, now)

    def test_evaluating_between_feeds_changes_nothing(self) -> None:
        quiet = TicketClock(_FULL, _RICH.id, _RICH.severity)
        busy = TicketClock(_FULL, _RICH.id, _RICH.severity)
        for event in _RICH.history:
            quiet.feed(event)
            busy.feed(event)
            busy.evaluate(now=event.at)
        assert busy.evaluate(now=_RICH_NOW) == quiet.evaluate(now=_RICH_NOW)

    def test_a_pickled_clock_goes_on_like_the_original(self) -> None:
        clock = TicketClock(_FULL, _RICH.id, _RICH.severity)
        for event in _RICH.history[:8]:
            clock.feed(event)
        copy = pickle.loads(pickle.dumps(clock))
        for event in _RICH.history[8:]:
            clock.feed(event)
            copy.feed(event)
        assert copy.evaluate(now=_RICH_NOW).results == clock.evaluate(now=_RICH_NOW).results
        assert (
            clock.evaluate(now=_RICH_NOW).results == evaluate(_RICH, _FULL, now=_RICH_NOW).results
        )


@pytest.fixture(scope="module")
def ev() -> Evaluation:
    """The rich history, evaluated once."""
    return evaluate(_RICH, _FULL, now=_RICH_NOW)


class TestRichHistoryByHand:
    """One ticket through every metric, two severity changes, a same-instant reopen, two tiers."""

    def test_rows_in_schema_order(self, ev: Evaluation) -> None:
        # external by metric then cycle (each cycle measured by the severity at its end),
        # then internal stints in order
        assert [(r.target, r.cycle) for r in ev.results] == [
            ("P2.first_response", 1),
            ("P1.resolution", 1),
            ("P2.resolution", 2),
            ("P2.next_reply", 1),
            ("P1.next_reply", 2),
            ("P2.next_reply", 3),
            ("P2.periodic_update", 1),
            ("P2.periodic_update", 2),
            ("P2.periodic_update", 3),
            ("P2.periodic_update", 4),
            ("P2.periodic_update", 5),
            ("tier1", 1),
            ("tier2", 1),
        ]

    def test_first_response(self, ev: Evaluation) -> None:
        check(
            ev.results[0],
            severity="P2",
            start=jan(8, 15),
            stop=jan(8, 16),
            used=1 * H,
            due=jan(8, 17),  # Mon 15:00 + 2h
            outcome="met",
            earlier=(),
        )

    def test_resolution_cycle_1_ended_under_p1(self, ev: Evaluation) -> None:
        check(
            ev.result("P1.resolution", 1),
            severity="P1",
            status="stopped",
            outcome="breached",
            start=jan(8, 15),
            stop=jan(9, 14),
            elapsed=23 * H,  # Mon 15:00 -> Tue 14:00
            used=5 * H,  # Mon 15-16 1h + Tue 10-14 4h
            paused_business=2 * H,  # Mon 16-17 + Tue 09-10
            paused_wall=18 * H,  # Mon 16:00 -> Tue 10:00
            due=jan(9, 13),  # P1 4h: 1h by Mon 16:00, then Tue 10-13 3h
            breached_at=jan(9, 13),  # max(Tue 13:00, change Tue 12:00)
            overdue_by=1 * H,
            used_share=1.25,
            earlier=(EarlierSeverity("P2", jan(9, 17), False, jan(9, 12)),),
            # P2 8h at Tue 12:00: 1h by Mon 16:00, then Tue 10-17 7h -> Tue 17:00
            original_due=jan(9, 17),
        )
        assert [(w.label, w.at) for w in ev.result("P1.resolution", 1).warnings] == [
            ("50%", jan(9, 11)),  # 2h: Mon 15-16 1h + Tue 10-11 1h
            ("1h before due", jan(9, 12)),  # subtract(Tue 13:00, 1h)
        ]

    def test_resolution_cycle_2_after_the_reopen(self, ev: Evaluation) -> None:
        check(
            ev.result("P2.resolution", 2),
            severity="P2",
            status="stopped",
            outcome="breached",
            start=jan(9, 14),  # NEW_CYCLE at the same-instant reopen
            stop=jan(10, 15),
            elapsed=25 * H,
            used=9 * H,  # Tue 14-17 3h + Wed 09-15 6h
            due=jan(10, 14),  # Tue 14-17 3h + Wed 09-14 5h
            breached_at=jan(10, 14),  # max(Wed 14:00, change Wed 10:00)
            overdue_by=1 * H,
            earlier=(EarlierSeverity("P1", jan(10, 10), False, jan(10, 10)),),
            # P1 4h from Tue 14:00: Tue 14-17 3h + Wed 09-10 1h = Wed 10:00, the change
            # instant itself: reached at, not before, the change -> not breached
            original_due=jan(10, 10),
        )
        assert [(w.label, w.at) for w in ev.result("P2.resolution", 2).warnings] == [
            ("75%", jan(10, 12))  # 6h: Tue 14-17 3h + Wed 09-12 3h
        ]

    def test_next_reply_cycles(self, ev: Evaluation) -> None:
        check(
            ev.result("P2.next_reply", 1),
            start=jan(8, 15, 10),
            stop=jan(8, 16),
            used=50 * MIN,
            due=jan(8, 16, 10),
            outcome="met",
        )
        check(
            ev.result("P2.next_reply", 3),
            start=jan(10, 9, 30),
            stop=jan(10, 11),
            used=90 * MIN,
            due=jan(10, 10, 30),  # P2 1h from Wed 09:30
            breached_at=jan(10, 10, 30),  # max(10:30, change Wed 10:00)
            overdue_by=30 * MIN,
            outcome="breached",
            earlier=(EarlierSeverity("P1", jan(10, 10), False, jan(10, 10)),),
            # P1 30m from 09:30 = Wed 10:00, the change instant: not yet breached
            original_due=jan(10, 10),
        )

    def test_next_reply_cycle_cancelled_by_the_stop(self, ev: Evaluation) -> None:
        # customer wrote Tue 10:00 (ticket pending, then open at that instant); the ticket
        # stopped Tue 14:00 without a reply: cancelled, but already breached
        check(
            ev.result("P1.next_reply", 2),
            severity="P1",
            outcome="breached",
            start=jan(9, 10),
            stop=jan(9, 14),
            used=4 * H,  # Tue 10-14 (the pending at 10:00 lasted no time)
            paused_wall=ZERO,
            due=jan(9, 10, 30),  # P1 30m from Tue 10:00
            breached_at=jan(9, 12),  # P1 due passed before the upgrade: the change instant
            overdue_by=2 * H,  # Tue 12:00 -> 14:00
            earlier=(EarlierSeverity("P2", jan(9, 11), True, jan(9, 12)),),
            # P2 1h from Tue 10:00 = 11:00, breached at 12:00
            original_due=jan(9, 11),
        )

    def test_next_reply_cycle_open_at_the_stop_has_status_cancelled(self, ev: Evaluation) -> None:
        assert ev.result("P1.next_reply", 2).status == "cancelled"

    def test_periodic_update_cycles(self, ev: Evaluation) -> None:
        check(
            ev.result("P2.periodic_update", 1),
            start=jan(8, 15),
            stop=jan(8, 16),
            used=1 * H,
            due=jan(9, 11),  # Mon 15-17 2h + Tue 09-11 2h
            outcome="met",
        )
        check(
            ev.result("P2.periodic_update", 2),
            # started at the reply Mon 16:00, held by pending until Tue 10:00; the change to
            # P1 (no periodic-update target) at Tue 12:00 cancels it
            status="cancelled",
            outcome="none",
            severity="P2",
            start=jan(8, 16),
            stop=jan(9, 12),
            used=2 * H,  # Tue 10-12
            paused_business=2 * H,  # Mon 16-17 + Tue 09-10
            paused_wall=18 * H,
            due=jan(9, 14),  # 4h from Tue 10:00
        )
        check(
            ev.result("P2.periodic_update", 3),
            # the reopen at Tue 14:00 starts a new cycle (NEW_CYCLE, started by "created")
            start=jan(9, 14),
            stop=jan(10, 11),
            used=5 * H,  # Tue 14-17 3h + Wed 09-11 2h
            due=jan(10, 10),  # Tue 14-17 3h + Wed 09-10 1h
            breached_at=jan(10, 10),  # max(Wed 10:00, change Wed 10:00)
            overdue_by=1 * H,
            outcome="breached",
            earlier=(),  # P1 had no periodic-update target
            original_due=jan(10, 10),
        )
        check(
            ev.result("P2.periodic_update", 4),
            start=jan(10, 11),
            stop=jan(10, 12),
            used=1 * H,
            due=jan(10, 15),
            outcome="met",
        )
        check(
            ev.result("P2.periodic_update", 5),
            start=jan(10, 12),
            stop=jan(10, 15),
            used=3 * H,
            due=jan(10, 16),  # Wed 12:00 + 4h
            breached_at=None,
        )

    def test_periodic_update_cycle_open_at_the_stop_is_cancelled(self, ev: Evaluation) -> None:
        # CHOICE (issue 4 rule 5): open at the ticket's stop
        check(ev.result("P2.periodic_update", 5), status="cancelled", outcome="none")

    def test_internal_stints(self, ev: Evaluation) -> None:
        check(
            ev.result("tier1"),
            team="tier1",
            severity="P2",
            status="stopped",
            outcome="met",
            start=jan(8, 15),
            stop=jan(9, 11),
            used=2 * H,  # Mon 15-16 + Tue 10-11
            paused_business=2 * H,  # Mon 16-17 + Tue 09-10
            paused_wall=18 * H,
            due=jan(9, 11),  # 1h by Mon 16:00, then 1h from Tue 10:00: met exactly at due
        )
        check(
            ev.result("tier2"),
            team="tier2",
            status="stopped",
            outcome="breached",
            start=jan(9, 11),
            stop=jan(10, 15),  # the same-instant [solved, open] did not end the stint
            used=12 * H,  # Tue 11-17 6h + Wed 09-15 6h
            paused_wall=ZERO,
            due=jan(9, 15),  # Tue 11:00 + 4h
            breached_at=jan(9, 15),
            overdue_by=24 * H,
        )
