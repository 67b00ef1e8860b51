"""The ticket reference itself, on small cases worked out by hand from SEMANTICS.md.

The property tests trust ``slaclock.testing.ticket_reference`` as the oracle
for ``evaluate``, so it gets its own checks here. Every expected value below
was computed by hand from the contract and the replay rules of issue 4, never
by running code. The calendar is UTC Mon-Fri 09:00-17:00 unless a case says
otherwise; 2024-03-11 is a Monday.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from slaclock.calendars import Calendar
from slaclock.policies import (
    BusinessDays,
    BusinessTime,
    CalendarTime,
    InternalTarget,
    Policy,
    PolicyBook,
    Reopen,
    Target,
)
from slaclock.testing.ticket_reference import RESULT_FIELDS, ref_evaluate
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

CAL = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
STATUSES = {
    "new": "running",
    "open": "running",
    "pending": "paused",
    "solved": "stopped",
    "closed": "stopped",
}
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)
ZERO = timedelta(0)


def mon(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, 11, hour, minute, tzinfo=UTC)


def tue(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, 12, hour, minute, tzinfo=UTC)


def wed(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, 13, hour, minute, tzinfo=UTC)


def fri(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, 15, hour, minute, tzinfo=UTC)


def sat(hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, 16, hour, minute, tzinfo=UTC)


def policy(*targets: Target, internal: tuple[InternalTarget, ...] = ()) -> Policy:
    return Policy(
        "support",
        severities=["P1", "P2", "P3"],
        statuses=STATUSES,
        targets=targets,
        internal_targets=internal,
    )


def resolution(goal: timedelta, severity: str = "P2", **options: Any) -> Target:
    return Target("resolution", severity, BusinessTime(goal), CAL, **options)


def ticket(*events: Event, severity: str = "P2") -> Ticket:
    return Ticket("T-1", severity, events)


def expected(**fields: Any) -> dict[str, Any]:
    """A whole expected row: the fields given, and the literal defaults of a plain row."""
    defaults: dict[str, Any] = {
        "ticket_id": "T-1",
        "policy": "support",
        "team": None,
        "cycle": 1,
        "paused_business": ZERO,
        "paused_wall": ZERO,
        "overdue_by": None,
        "due_if_resumed": None,
        "breached_at": None,
        "earlier": (),
        "warnings": (),
        "next_event_at": None,
    }
    row = {**defaults, **fields}
    if "original_due" not in fields:
        row["original_due"] = row["due"]
    assert set(row) == set(RESULT_FIELDS), set(RESULT_FIELDS) ^ set(row)
    return {name: row[name] for name in RESULT_FIELDS}


def only_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(rows) == 1, rows
    return rows[0]


class TestResolution:
    def test_resolved_exactly_at_due_is_met(self) -> None:
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(17), status="solved")),
            policy(resolution(8 * H)),
            now=mon(18),
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="stopped",
                outcome="met",
                start=mon(9),
                stop=mon(17),
                goal=8 * H,
                used=8 * H,
                elapsed=8 * H,
                remaining=ZERO,
                used_share=1.0,
                due=mon(17),
            )
        ]
        assert list(rows[0]) == list(RESULT_FIELDS)

    def test_due_friday_at_closing_and_resolved_at_20_is_breached(self) -> None:
        # The clock stops growing at 17:00, but due is a deadline.
        rows = ref_evaluate(
            ticket(StatusChange(fri(9), status="open"), StatusChange(fri(20), status="solved")),
            policy(resolution(8 * H)),
            now=fri(21),
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="stopped",
                outcome="breached",
                start=fri(9),
                stop=fri(20),
                goal=8 * H,
                used=8 * H,
                elapsed=11 * H,
                remaining=ZERO,
                overdue_by=3 * H,
                used_share=1.0,
                due=fri(17),
                breached_at=fri(17),
            )
        ]

    def test_paused_before_due_has_no_due_but_a_due_if_resumed(self) -> None:
        # Running 09:00-13:00 (4h), pending since 13:00; now 15:00.
        # Resumed at 15:00, the 4h left run 15:00-17:00 and Tue 09:00-11:00.
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(13), status="pending")),
            policy(resolution(8 * H, warnings=["50%", "75%"])),
            now=mon(15),
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="paused",
                outcome="pending",
                start=mon(9),
                stop=None,
                goal=8 * H,
                used=4 * H,
                elapsed=6 * H,
                paused_business=2 * H,
                paused_wall=2 * H,
                remaining=4 * H,
                used_share=0.5,
                due=None,
                due_if_resumed=tue(11),
                warnings=(("50%", mon(13)),),
            )
        ]

    def test_a_breach_while_paused(self) -> None:
        # 4h goal reached at 13:00; pending from 14:00; now 16:00.
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(14), status="pending")),
            policy(resolution(4 * H)),
            now=mon(16),
        )
        assert only_row(rows) == expected(
            target="P2.resolution",
            metric="resolution",
            severity="P2",
            status="paused",
            outcome="breached",
            start=mon(9),
            stop=None,
            goal=4 * H,
            used=5 * H,
            elapsed=7 * H,
            paused_business=2 * H,
            paused_wall=2 * H,
            remaining=ZERO,
            overdue_by=3 * H,
            used_share=1.25,
            due=mon(13),
            breached_at=mon(13),
        )

    def test_a_ticket_opened_on_saturday_starts_counting_on_monday(self) -> None:
        saturday = datetime(2024, 3, 9, 10, tzinfo=UTC)
        rows = ref_evaluate(
            ticket(StatusChange(saturday, status="open")),
            policy(resolution(2 * H)),
            now=mon(10),
        )
        row = only_row(rows)
        assert (row["used"], row["due"], row["next_event_at"]) == (1 * H, mon(11), mon(11))
        assert (row["elapsed"], row["status"], row["outcome"]) == (48 * H, "running", "pending")

    def test_a_stopped_clock_is_due_as_in_its_last_piece_of_non_zero_length(self) -> None:
        # Pending and solved at the same instant: the last piece of non-zero length ran
        # (09-10), so due as if running on: 17:00.
        ran = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(10), status="pending"),
                StatusChange(mon(10), status="solved"),
            ),
            policy(resolution(8 * H)),
            now=mon(12),
        )
        assert [(r["outcome"], r["used"], r["due"]) for r in ran] == [("met", H, mon(17))]
        # Pending 10-11, then solved: that piece was paused, so due is undetermined.
        paused = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(10), status="pending"),
                StatusChange(mon(11), status="solved"),
            ),
            policy(resolution(8 * H)),
            now=mon(12),
        )
        assert [(r["outcome"], r["used"], r["due"]) for r in paused] == [("met", H, None)]
        # Opened and solved at one instant: zero length, ended by the stop, which counts
        # as paused: due undetermined.
        at_once = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(9), status="solved")),
            policy(resolution(8 * H)),
            now=mon(12),
        )
        assert [(r["outcome"], r["used"], r["due"]) for r in at_once] == [("met", ZERO, None)]


class TestReopen:
    def events(self) -> tuple[Event, ...]:
        return (
            StatusChange(mon(9), status="open"),
            StatusChange(mon(11), status="solved"),
            StatusChange(mon(13), status="open"),
            StatusChange(mon(15), status="solved"),
        )

    def test_reopen_continue_counts_the_stopped_time_as_paused(self) -> None:
        # Running 09-11 and 13-15 (4h); stopped 11-13 is a pause. The last piece runs,
        # so due: 09-11 (2h), 13-17 (4h), Tue 09-11 (2h) = Tue 11:00.
        rows = ref_evaluate(
            ticket(*self.events()),
            policy(resolution(8 * H, reopen=Reopen.CONTINUE)),
            now=mon(16),
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="stopped",
                outcome="met",
                start=mon(9),
                stop=mon(15),
                goal=8 * H,
                used=4 * H,
                elapsed=6 * H,
                paused_business=2 * H,
                paused_wall=2 * H,
                remaining=4 * H,
                used_share=0.5,
                due=tue(11),
            )
        ]

    def test_reopen_with_a_new_cycle_keeps_the_first_outcome(self) -> None:
        rows = ref_evaluate(
            ticket(*self.events()),
            policy(resolution(8 * H, reopen=Reopen.NEW_CYCLE)),
            now=mon(16),
        )
        common: dict[str, Any] = {
            "target": "P2.resolution",
            "metric": "resolution",
            "severity": "P2",
            "status": "stopped",
            "outcome": "met",
            "goal": 8 * H,
            "used": 2 * H,
            "elapsed": 2 * H,
            "remaining": 6 * H,
            "used_share": 0.25,
        }
        assert rows == [
            expected(**common, cycle=1, start=mon(9), stop=mon(11), due=mon(17)),
            # 13:00 + 8h: 13-17 (4h) and Tue 09-13.
            expected(**common, cycle=2, start=mon(13), stop=mon(15), due=tue(13)),
        ]

    def test_same_instant_solved_open_pending_is_a_reopen_then_a_pause(self) -> None:
        # [solved, open] at 11:00 reopens; pending at 11:00 pauses; now 12:00.
        # Resumed at 12:00, the 6h left: 12-17 (5h) and Tue 09-10.
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(11), status="solved"),
                StatusChange(mon(11), status="open"),
                StatusChange(mon(11), status="pending"),
            ),
            policy(resolution(8 * H)),
            now=mon(12),
        )
        row = only_row(rows)
        assert (row["status"], row["outcome"], row["stop"]) == ("paused", "pending", None)
        assert (row["used"], row["paused_business"], row["paused_wall"]) == (2 * H, H, H)
        assert (row["due"], row["due_if_resumed"]) == (None, tue(10))


class TestFirstResponse:
    def test_a_stop_without_any_reply_stops_first_response(self) -> None:
        target = Target("first_response", "P2", BusinessTime(H), CAL)
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(9, 30), status="solved")),
            policy(target),
            now=mon(10),
        )
        row = only_row(rows)
        assert (row["status"], row["outcome"], row["used"], row["due"]) == (
            "stopped",
            "met",
            30 * M,
            mon(10),
        )

    def test_calendar_time_counts_the_weekend(self) -> None:
        # 15 minutes of calendar time from Saturday 10:00: due 10:15; the reply at 10:20.
        target = Target("first_response", "P1", CalendarTime(15 * M))
        rows = ref_evaluate(
            ticket(StatusChange(sat(10), status="open"), AgentReply(sat(10, 20)), severity="P1"),
            policy(target),
            now=sat(11),
        )
        assert rows == [
            expected(
                target="P1.first_response",
                metric="first_response",
                severity="P1",
                status="stopped",
                outcome="breached",
                start=sat(10),
                stop=sat(10, 20),
                goal=15 * M,
                used=20 * M,
                elapsed=20 * M,
                remaining=ZERO,
                overdue_by=5 * M,
                used_share=20 / 15,
                due=sat(10, 15),
                breached_at=sat(10, 15),
            )
        ]


class TestNextReplyAndPeriodicUpdate:
    def test_next_reply_cycles_with_consecutive_customer_messages(self) -> None:
        target = Target("next_reply", "P2", BusinessTime(H), CAL)
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                CustomerReply(mon(10)),
                CustomerReply(mon(10, 20)),  # a cycle is open: starts nothing
                AgentReply(mon(10, 30)),
                CustomerReply(mon(11)),
                AgentReply(mon(12, 30)),
                CustomerReply(mon(13)),
            ),
            policy(target),
            now=mon(13, 30),
        )
        common: dict[str, Any] = {
            "target": "P2.next_reply",
            "metric": "next_reply",
            "severity": "P2",
            "goal": H,
        }
        assert rows == [
            expected(
                **common,
                cycle=1,
                status="stopped",
                outcome="met",
                start=mon(10),
                stop=mon(10, 30),
                used=30 * M,
                elapsed=30 * M,
                remaining=30 * M,
                used_share=0.5,
                due=mon(11),
            ),
            expected(
                **common,
                cycle=2,
                status="stopped",
                outcome="breached",
                start=mon(11),
                stop=mon(12, 30),
                used=90 * M,
                elapsed=90 * M,
                remaining=ZERO,
                overdue_by=30 * M,
                used_share=1.5,
                due=mon(12),
                breached_at=mon(12),
            ),
            expected(
                **common,
                cycle=3,
                status="running",
                outcome="pending",
                start=mon(13),
                stop=None,
                used=30 * M,
                elapsed=30 * M,
                remaining=30 * M,
                used_share=0.5,
                due=mon(14),
                next_event_at=mon(14),
            ),
        ]

    def test_a_customer_message_on_a_stopped_ticket_starts_a_cycle_only_if_it_reopens(
        self,
    ) -> None:
        target = Target("next_reply", "P2", BusinessTime(H), CAL)
        events = (
            StatusChange(mon(9), status="open"),
            StatusChange(mon(10), status="solved"),
            CustomerReply(mon(11)),
        )
        reopened_then = ref_evaluate(
            ticket(*events, StatusChange(mon(11), status="open"), AgentReply(mon(11, 30))),
            policy(target),
            now=mon(12),
        )
        row = only_row(reopened_then)
        assert (row["start"], row["stop"], row["outcome"], row["used"]) == (
            mon(11),
            mon(11, 30),
            "met",
            30 * M,
        )
        reopened_later = ref_evaluate(
            ticket(*events, StatusChange(mon(11, 5), status="open"), AgentReply(mon(11, 30))),
            policy(target),
            now=mon(12),
        )
        assert reopened_later == []

    def test_a_reply_and_the_solve_stamped_together_leave_no_update_cycle(self) -> None:
        # The update at 10:00 stops cycle 1 and starts cycle 2, which the solve at 10:00
        # cancels at once: not reported, its number skipped. The new-cycle reopen at
        # 11:00 starts cycle 3.
        target = Target("periodic_update", "P2", BusinessTime(2 * H), CAL, reopen=Reopen.NEW_CYCLE)
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                Update(mon(10)),
                StatusChange(mon(10), status="solved"),
                StatusChange(mon(11), status="open"),
            ),
            policy(target),
            now=mon(11, 30),
        )
        assert [(r["cycle"], r["start"], r["stop"], r["outcome"], r["due"]) for r in rows] == [
            (1, mon(9), mon(10), "met", mon(11)),
            (3, mon(11), None, "pending", mon(13)),
        ]

    def test_a_continue_reopen_resumes_an_update_cycle_cancelled_by_the_stop(self) -> None:
        # Cycle 2 (from the update at 10:00) is cancelled by the solve at 11:00 and
        # resumed by the reopen at 12:00: 1h + 30m used, due 13:00.
        target = Target("periodic_update", "P2", BusinessTime(2 * H), CAL)
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                Update(mon(10)),
                StatusChange(mon(11), status="solved"),
                StatusChange(mon(12), status="open"),
            ),
            policy(target),
            now=mon(12, 30),
        )
        assert len(rows) == 2
        row = rows[1]
        assert (row["cycle"], row["status"], row["start"], row["stop"]) == (
            2,
            "running",
            mon(10),
            None,
        )
        assert (row["used"], row["paused_wall"], row["due"], row["next_event_at"]) == (
            90 * M,
            H,
            mon(13),
            mon(13),
        )

    def test_periodic_update_cycles_and_cancel_at_the_ticket_stop(self) -> None:
        # Cycles start at creation and at each update or reply; the stop cancels the last.
        target = Target("periodic_update", "P2", BusinessTime(2 * H), CAL)
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                Update(mon(10)),
                AgentReply(mon(13), public=False),
                StatusChange(mon(13, 30), status="solved"),
            ),
            policy(target),
            now=mon(14),
        )
        common: dict[str, Any] = {
            "target": "P2.periodic_update",
            "metric": "periodic_update",
            "severity": "P2",
            "goal": 2 * H,
        }
        assert rows == [
            expected(
                **common,
                cycle=1,
                status="stopped",
                outcome="met",
                start=mon(9),
                stop=mon(10),
                used=H,
                elapsed=H,
                remaining=H,
                used_share=0.5,
                due=mon(11),
            ),
            expected(
                **common,
                cycle=2,
                status="stopped",
                outcome="breached",
                start=mon(10),
                stop=mon(13),
                used=3 * H,
                elapsed=3 * H,
                remaining=ZERO,
                overdue_by=H,
                used_share=1.5,
                due=mon(12),
                breached_at=mon(12),
            ),
            expected(
                **common,
                cycle=3,
                status="cancelled",
                outcome="none",
                start=mon(13),
                stop=mon(13, 30),
                used=30 * M,
                elapsed=30 * M,
                remaining=90 * M,
                used_share=0.25,
                due=mon(15),
            ),
        ]


class TestWarnings:
    def test_fractions_and_one_business_hour_before_due(self) -> None:
        # From Mon 09:30, 8h: Mon gives 7h30m, so due Tue 09:30. now Mon 16:00 (6h30m used).
        # 50% (4h) at 13:30 and 75% (6h) at 15:30 are reached; 90% (7h12m) comes at
        # 16:42; 1h before due: 30m back to Tue 09:00, then 30m back from Mon 17:00 = 16:30.
        # Listed in time order, whatever the order given.
        target = resolution(8 * H, warnings=["90%", "75%", "1h before due", "50%"])
        rows = ref_evaluate(
            ticket(StatusChange(mon(9, 30), status="open")), policy(target), now=mon(16)
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="running",
                outcome="pending",
                start=mon(9, 30),
                stop=None,
                goal=8 * H,
                used=6 * H + 30 * M,
                elapsed=6 * H + 30 * M,
                remaining=90 * M,
                used_share=0.8125,
                due=tue(9, 30),
                warnings=(("50%", mon(13, 30)), ("75%", mon(15, 30))),
                next_event_at=mon(16, 30),
            )
        ]

    def test_before_due_warning_already_passed_is_listed(self) -> None:
        # From Mon 09:00, 8h: due 17:00; 1h before = 16:00 <= now; the next event is the due.
        target = resolution(8 * H, warnings=["1h before due", "90%"])
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open")), policy(target), now=mon(16)
        )
        row = only_row(rows)
        assert row["warnings"] == (("1h before due", mon(16)),)
        # 90% is 7h12m: 16:12.
        assert row["next_event_at"] == mon(16, 12)

    def test_before_due_fires_where_the_clock_grows_past_goal_minus_offset(self) -> None:
        # 4h goal, warn 1h before due: where the clock grows past 3h. Running 09:00-12:30
        # (3h30m), pending 12:30-13:30, running again; now 13:45. The clock passed 3h at
        # 12:00; due 14:00 (30m more after 13:30). subtract(due, 1h) would be 13:00,
        # inside the pause, where the clock already showed 3h30m.
        target = resolution(4 * H, warnings=["1h before due"])
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(12, 30), status="pending"),
                StatusChange(mon(13, 30), status="open"),
            ),
            policy(target),
            now=mon(13, 45),
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="running",
                outcome="pending",
                start=mon(9),
                stop=None,
                goal=4 * H,
                used=3 * H + 45 * M,
                elapsed=4 * H + 45 * M,
                paused_business=H,
                paused_wall=H,
                remaining=15 * M,
                used_share=0.9375,
                due=mon(14),
                warnings=(("1h before due", mon(12)),),
                next_event_at=mon(14),
            )
        ]

    def test_before_due_is_listed_for_a_stopped_clock_that_grew_past_it(self) -> None:
        # Solved at 12:30 with 3h30m of 4h used: the clock grew past 3h at 12:00.
        target = resolution(4 * H, warnings=["1h before due"])
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(12, 30), status="solved")),
            policy(target),
            now=mon(16),
        )
        assert only_row(rows)["warnings"] == (("1h before due", mon(12)),)

    def test_before_due_is_unknown_while_paused_below_goal_minus_offset(self) -> None:
        # Pending at 11:00 with 2h of 4h used: the clock has not grown past 3h.
        target = resolution(4 * H, warnings=["1h before due"])
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), StatusChange(mon(11), status="pending")),
            policy(target),
            now=mon(16),
        )
        row = only_row(rows)
        assert (row["warnings"], row["due"], row["next_event_at"]) == ((), None, None)

    def test_a_fraction_of_the_goal_is_rounded_up_to_the_microsecond(self) -> None:
        # Half of 1h + 1us is 30m + 0.5us: the warning needs 30m + 1us of clock.
        target = Target("resolution", "P2", BusinessTime(H + US), CAL, warnings=["50%"])
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open")), policy(target), now=mon(10)
        )
        assert only_row(rows)["warnings"] == (("50%", mon(9, 30) + US),)


class TestSeverityChanges:
    def targets(self) -> Policy:
        return policy(resolution(2 * H, "P1"), resolution(8 * H, "P2"))

    def test_upgrade_past_the_new_target_breaches_at_the_change(self) -> None:
        # P1 as if always: due 11:00, passed before the change at 12:00, so breached_at 12:00.
        rows = ref_evaluate(
            ticket(StatusChange(mon(9), status="open"), SeverityChange(mon(12), severity="P1")),
            self.targets(),
            now=mon(12, 30),
        )
        assert rows == [
            expected(
                target="P1.resolution",
                metric="resolution",
                severity="P1",
                status="running",
                outcome="breached",
                start=mon(9),
                stop=None,
                goal=2 * H,
                used=3 * H + 30 * M,
                elapsed=3 * H + 30 * M,
                remaining=ZERO,
                overdue_by=30 * M,
                used_share=1.75,
                due=mon(11),
                original_due=mon(17),
                breached_at=mon(12),
                earlier=(("P2", mon(17), False, mon(12)),),
            )
        ]

    def test_solved_at_the_upgrade_instant_is_breached_by_zero(self) -> None:
        # P1's due (11:00) had passed when the upgrade came at 12:00; solved at 12:00:
        # the breach is decided on the due, breached_at is the change instant.
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                SeverityChange(mon(12), severity="P1"),
                StatusChange(mon(12), status="solved"),
            ),
            self.targets(),
            now=mon(13),
        )
        row = only_row(rows)
        assert (row["outcome"], row["due"], row["breached_at"], row["overdue_by"]) == (
            "breached",
            mon(11),
            mon(12),
            ZERO,
        )

    def test_downgrade_after_a_breach_is_measured_by_the_new_target(self) -> None:
        # P1 was breached at 11:00 before the change to P2 at 12:00; P2 as if always is
        # due 17:00 and the ticket is solved at 13:00: met.
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                SeverityChange(mon(12), severity="P2"),
                StatusChange(mon(13), status="solved"),
                severity="P1",
            ),
            self.targets(),
            now=mon(14),
        )
        row = only_row(rows)
        assert (row["target"], row["severity"], row["outcome"]) == ("P2.resolution", "P2", "met")
        assert (row["due"], row["original_due"], row["breached_at"]) == (mon(17), mon(11), None)
        assert row["earlier"] == (("P1", mon(11), True, mon(12)),)

    def test_a_change_while_the_ticket_is_stopped_is_listed_as_earlier(self) -> None:
        # Reading of "during the cycle": a continue reopen makes one cycle of 09:00-now,
        # so the change at 10:30 (while solved) is during it. P2 at 10:30: stopped at
        # 10:00 after 1h, due 17:00 as if running on, not breached. P1 as if always:
        # 09-10, paused (stopped) 10-11, then 1h more: due 12:00.
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(10), status="solved"),
                SeverityChange(mon(10, 30), severity="P1"),
                StatusChange(mon(11), status="open"),
            ),
            self.targets(),
            now=mon(11, 30),
        )
        row = only_row(rows)
        assert (row["target"], row["status"], row["used"], row["due"]) == (
            "P1.resolution",
            "running",
            90 * M,
            mon(12),
        )
        assert row["earlier"] == (("P2", mon(17), False, mon(10, 30)),)
        assert row["original_due"] == mon(17)

    def test_targets_that_cut_cycles_differently_give_one_row_per_cycle_number(self) -> None:
        # P1 (2h) starts a new cycle at a reopen, P2 (8h) continues. Opened 09:00,
        # solved 10:00, reopened 11:00, changed to P2 at 12:00; now 12:30.
        # Cycle 1: P2's (it ended last, open at now): 09-10 and 11-12:30 run, 10-11 is
        # stopped; 8h: 1h + 6h by 17:00, then Tue 09-10. P1's own cycle 1 had ended
        # for good at 10:00, so the change is not during it: no earlier entry.
        # Cycle 2 exists only for P1 (from 11:00): no severity claims it, P1 is the
        # latest severity the ticket had while it ran; at the change it was open,
        # 1h used, due 13:00.
        targets = policy(
            resolution(2 * H, "P1", reopen=Reopen.NEW_CYCLE),
            resolution(8 * H, "P2", reopen=Reopen.CONTINUE),
        )
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(10), status="solved"),
                StatusChange(mon(11), status="open"),
                SeverityChange(mon(12), severity="P2"),
                severity="P1",
            ),
            targets,
            now=mon(12, 30),
        )
        assert [
            (r["target"], r["cycle"], r["start"], r["used"], r["due"], r["earlier"]) for r in rows
        ] == [
            ("P2.resolution", 1, mon(9), 150 * M, tue(10), ()),
            ("P1.resolution", 2, mon(11), 90 * M, mon(13), (("P1", mon(13), False, mon(12)),)),
        ]

    def test_a_change_to_a_severity_without_a_target_cancels_the_cycle(self) -> None:
        # P3 has no next-reply target: P1's cycle is cancelled at the change (10:30).
        target = Target("next_reply", "P1", BusinessTime(H), CAL)
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                CustomerReply(mon(10)),
                SeverityChange(mon(10, 30), severity="P3"),
                severity="P1",
            ),
            policy(target),
            now=mon(12),
        )
        row = only_row(rows)
        assert (row["target"], row["status"], row["outcome"]) == (
            "P1.next_reply",
            "cancelled",
            "none",
        )
        assert (row["stop"], row["used"], row["due"]) == (mon(10, 30), 30 * M, mon(11))

    def test_a_change_away_while_stopped_keeps_the_cycle_as_it_stood(self) -> None:
        # Reading: P2 has no resolution target; the change to P2 comes while the ticket
        # is solved, so P1 measures the cycle as it stood then (stopped at 10:00 after
        # 1h, due 11:00 as if running on); the reopen at 11:00 does not revive it.
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(10), status="solved"),
                SeverityChange(mon(10, 30), severity="P2"),
                StatusChange(mon(11), status="open"),
                severity="P1",
            ),
            policy(resolution(2 * H, "P1")),
            now=mon(12),
        )
        row = only_row(rows)
        assert (row["target"], row["status"], row["outcome"], row["stop"]) == (
            "P1.resolution",
            "stopped",
            "met",
            mon(10),
        )
        assert (row["used"], row["due"], row["earlier"]) == (H, mon(11), ())


class TestCancelAndUnits:
    def test_cancel_is_final_and_keeps_a_breach(self) -> None:
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                CustomerReply(mon(10)),
                Cancel(mon(12)),
                StatusChange(mon(13), status="solved"),  # ignored: after the cancel
            ),
            policy(resolution(8 * H), Target("next_reply", "P2", BusinessTime(H), CAL)),
            now=mon(14),
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="cancelled",
                outcome="none",
                start=mon(9),
                stop=mon(12),
                goal=8 * H,
                used=3 * H,
                elapsed=3 * H,
                remaining=5 * H,
                used_share=3 / 8,
                due=mon(17),
            ),
            expected(
                target="P2.next_reply",
                metric="next_reply",
                severity="P2",
                status="cancelled",
                outcome="breached",
                start=mon(10),
                stop=mon(12),
                goal=H,
                used=2 * H,
                elapsed=2 * H,
                remaining=ZERO,
                overdue_by=H,
                used_share=2.0,
                due=mon(11),
                breached_at=mon(11),
            ),
        ]

    def test_two_business_days_from_a_monday_afternoon(self) -> None:
        # Opened Mon 14:00: due at Wednesday's close, 17:00; the goal is the business time
        # up to it: 3h + 8h + 8h = 19h. now Tue 10:00: 3h + 1h used.
        target = Target("resolution", "P2", BusinessDays(2), CAL)
        rows = ref_evaluate(
            ticket(StatusChange(mon(14), status="open")), policy(target), now=tue(10)
        )
        assert rows == [
            expected(
                target="P2.resolution",
                metric="resolution",
                severity="P2",
                status="running",
                outcome="pending",
                start=mon(14),
                stop=None,
                goal=19 * H,
                used=4 * H,
                elapsed=20 * H,
                remaining=15 * H,
                used_share=4 / 19,
                due=wed(17),
                next_event_at=wed(17),
            )
        ]


class TestInternalTargets:
    def test_stints_per_team(self) -> None:
        # tier1 holds 09-10; tier2 10-15 (the same-team assignment at 11:00 changes
        # nothing): 5h against 4h, due 14:00.
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                Assignment(mon(9), team="tier1"),
                Assignment(mon(10), team="tier2"),
                Assignment(mon(11), team="tier2"),
                StatusChange(mon(15), status="solved"),
            ),
            policy(
                resolution(8 * H),
                internal=(
                    InternalTarget("tier1", BusinessTime(2 * H), CAL),
                    InternalTarget("tier2", BusinessTime(4 * H), CAL),
                ),
            ),
            now=mon(16),
        )
        assert [row["target"] for row in rows] == ["P2.resolution", "tier1", "tier2"]
        common: dict[str, Any] = {"metric": "internal", "severity": "P2", "status": "stopped"}
        assert rows[1:] == [
            expected(
                **common,
                target="tier1",
                team="tier1",
                outcome="met",
                start=mon(9),
                stop=mon(10),
                goal=2 * H,
                used=H,
                elapsed=H,
                remaining=H,
                used_share=0.5,
                due=mon(11),
            ),
            expected(
                **common,
                target="tier2",
                team="tier2",
                outcome="breached",
                start=mon(10),
                stop=mon(15),
                goal=4 * H,
                used=5 * H,
                elapsed=5 * H,
                remaining=ZERO,
                overdue_by=H,
                used_share=1.25,
                due=mon(14),
                breached_at=mon(14),
            ),
        ]

    def test_a_team_assigned_while_the_ticket_is_stopped_starts_at_the_reopen(self) -> None:
        rows = ref_evaluate(
            ticket(
                StatusChange(mon(9), status="open"),
                StatusChange(mon(10), status="solved"),
                Assignment(mon(10, 30), team="tier1"),
                StatusChange(mon(11), status="open"),
            ),
            policy(internal=(InternalTarget("tier1", BusinessTime(2 * H), CAL),)),
            now=mon(12),
        )
        assert rows == [
            expected(
                target="tier1",
                metric="internal",
                team="tier1",
                severity="P2",
                status="running",
                outcome="pending",
                start=mon(11),
                stop=None,
                goal=2 * H,
                used=H,
                elapsed=H,
                remaining=H,
                used_share=0.5,
                due=mon(13),
                next_event_at=mon(13),
            )
        ]


class TestInputs:
    def test_a_policy_book_selects_by_version(self) -> None:
        old = Policy(
            "old",
            severities=["P2"],
            statuses=STATUSES,
            targets=[resolution(8 * H)],
            valid_from=datetime(2024, 1, 1, tzinfo=UTC),
        )
        new = Policy(
            "new",
            severities=["P2"],
            statuses=STATUSES,
            targets=[resolution(4 * H)],
            valid_from=datetime(2024, 3, 1, tzinfo=UTC),
        )
        book = PolicyBook([old, new])
        opened = ticket(StatusChange(mon(9), status="open"))
        assert [(r["policy"], r["due"]) for r in ref_evaluate(opened, book, now=mon(10))] == [
            ("new", mon(13))
        ]
        as_of = datetime(2024, 2, 1, tzinfo=UTC)
        assert [
            (r["policy"], r["due"]) for r in ref_evaluate(opened, book, now=mon(10), as_of=as_of)
        ] == [("old", mon(17))]

    def test_an_event_after_now_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="after now"):
            ref_evaluate(
                ticket(StatusChange(mon(9), status="open")), policy(resolution(H)), now=mon(8)
            )
