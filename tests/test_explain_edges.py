"""``Evaluation.explain()`` in the cases the main test (tests/test_evaluation.py) does not reach.

A clock paused at ``now`` (the due if resumed), one stopped while held (no
due), a severity change (the earlier severity's line and the breach at the
change), a timeline too long to list stretch by stretch, instants with
seconds and microseconds, a team's internal target, and a ticket no target
applies to. Each text is checked whole; the comments give the arithmetic.
"""

from __future__ import annotations

import datetime as dt

from slaclock import Assignment, Calendar, SeverityChange, StatusChange, Ticket
from slaclock.evaluation import evaluate
from slaclock.policies import BusinessTime, InternalTarget, Policy, Target

H = dt.timedelta(hours=1)
CAL = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
STATUSES = {"new": "running", "open": "running", "pending": "paused", "solved": "stopped"}
POLICY = Policy(
    "p",
    ["P1", "P2", "P3"],  # P3 has no target
    STATUSES,
    [
        Target("resolution", "P1", BusinessTime(4 * H), CAL),
        Target("resolution", "P2", BusinessTime(8 * H), CAL, warnings=["50%"]),
    ],
    internal_targets=[InternalTarget("tier1", BusinessTime(2 * H), CAL)],
)


def at(day: int, hour: int, minute: int = 0, second: int = 0, us: int = 0) -> dt.datetime:
    """An instant in January 2024 (UTC); the 8th is a Monday."""
    return dt.datetime(2024, 1, day, hour, minute, second, us, tzinfo=dt.UTC)


def test_paused_at_now_shows_the_due_if_resumed_to_the_microsecond() -> None:
    start = at(8, 9, 0, 30, 250_000)
    ticket = Ticket(
        "A",
        "P2",
        [
            StatusChange(start, status="new"),
            Assignment(start, team="tier1"),
            StatusChange(at(8, 10), status="pending"),
        ],
    )
    # used 09:00:30.25-10:00 = 59m29.75s; P2 has 8h - 59m29.75s = 7h00m30.25s left: resumed
    # at 11:00, 6h on Monday and 1h00m30.25s on Tuesday; tier1 has 2h - 59m29.75s left
    assert evaluate(ticket, POLICY, now=at(8, 11)).explain() == "\n".join(
        [
            "ticket 'A' under policy 'p' at 2024-01-08T11:00:00+00:00",
            "",
            "P2.resolution (cycle 1): paused, pending",
            "  goal 8h business time on UTC; used 59m29.75s, remaining 7h30.25s, "
            "held 1h open (1h wall)",
            "  due undetermined while paused; if resumed now: 2024-01-09 Tue 10:00:30.250000 UTC",
            "  timeline:",
            "    2024-01-08 Mon 09:00:30.250000 UTC -> 2024-01-08 Mon 10:00 UTC  running: "
            "59m29.75s open, 59m29.75s counted",
            "      2024-01-08 Mon 09:00:30.250000 UTC -> 2024-01-08 Mon 10:00 UTC  open 59m29.75s",
            "    2024-01-08 Mon 10:00 UTC -> 2024-01-08 Mon 11:00 UTC  held: 1h open, 0s counted",
            "      2024-01-08 Mon 10:00 UTC -> 2024-01-08 Mon 11:00 UTC  open 1h",
            "    2024-01-08 Mon 11:00 UTC  now",
            "",
            "tier1 (cycle 1): paused, pending [team tier1]",
            "  goal 2h business time on UTC; used 59m29.75s, remaining 1h30.25s, "
            "held 1h open (1h wall)",
            "  due undetermined while paused; if resumed now: 2024-01-08 Mon 12:00:30.250000 UTC",
            "  timeline:",
            "    2024-01-08 Mon 09:00:30.250000 UTC -> 2024-01-08 Mon 10:00 UTC  running: "
            "59m29.75s open, 59m29.75s counted",
            "      2024-01-08 Mon 09:00:30.250000 UTC -> 2024-01-08 Mon 10:00 UTC  open 59m29.75s",
            "    2024-01-08 Mon 10:00 UTC -> 2024-01-08 Mon 11:00 UTC  held: 1h open, 0s counted",
            "      2024-01-08 Mon 10:00 UTC -> 2024-01-08 Mon 11:00 UTC  open 1h",
            "    2024-01-08 Mon 11:00 UTC  now",
        ]
    )


def test_seconds_without_microseconds() -> None:
    ticket = Ticket("S", "P1", [StatusChange(at(8, 9, 0, 5), status="new")])
    text = evaluate(ticket, POLICY, now=at(8, 10)).explain()
    # 4h from 09:00:05
    assert "  due 2024-01-08 Mon 13:00:05 UTC" in text.splitlines()
    assert "    2024-01-08 Mon 09:00:05 UTC -> 2024-01-08 Mon 10:00 UTC  running: " in text


def test_stopped_while_held_has_no_due() -> None:
    ticket = Ticket(
        "B",
        "P1",
        [
            StatusChange(at(8, 9), status="new"),
            StatusChange(at(8, 10), status="pending"),
            StatusChange(at(8, 11), status="solved"),
        ],
    )
    # 1h of 4h used; the last stretch before the stop was paused: due undetermined, met
    assert evaluate(ticket, POLICY, now=at(8, 12)).explain() == "\n".join(
        [
            "ticket 'B' under policy 'p' at 2024-01-08T12:00:00+00:00",
            "",
            "P1.resolution (cycle 1): stopped, met",
            "  goal 4h business time on UTC; used 1h, remaining 3h, held 1h open (1h wall)",
            "  due undetermined (the clock was held when it stopped)",
            "  timeline:",
            "    2024-01-08 Mon 09:00 UTC -> 2024-01-08 Mon 10:00 UTC  running: 1h open, 1h counted",
            "      2024-01-08 Mon 09:00 UTC -> 2024-01-08 Mon 10:00 UTC  open 1h",
            "    2024-01-08 Mon 10:00 UTC -> 2024-01-08 Mon 11:00 UTC  held: 1h open, 0s counted",
            "      2024-01-08 Mon 10:00 UTC -> 2024-01-08 Mon 11:00 UTC  open 1h",
            "    2024-01-08 Mon 11:00 UTC  stopped",
        ]
    )


def test_a_severity_change_and_a_long_timeline() -> None:
    ticket = Ticket(
        "C",
        "P2",
        [StatusChange(at(8, 9), status="new"), SeverityChange(at(8, 15), severity="P1")],
    )
    # as P1 from the start: due Mon 13:00, already passed at the change (15:00), which is
    # breached_at; overdue_by is wall time from there to now (Wed 24th 12:00): 15d21h.
    # As P2 it was due Mon 17:00. Used: Mon 8th - Fri 12th 40h, 15th - 19th 40h, 22nd and
    # 23rd 16h, 24th 09:00-12:00 3h = 99h = 4d3h, in 13 open stretches and 12 closed ones.
    assert evaluate(ticket, POLICY, now=at(24, 12)).explain() == "\n".join(
        [
            "ticket 'C' under policy 'p' at 2024-01-24T12:00:00+00:00",
            "",
            "P1.resolution (cycle 1): running, breached",
            "  goal 4h business time on UTC; used 4d3h, remaining 0s, held 0s open (0s wall)",
            "  due 2024-01-08 Mon 13:00 UTC",
            "  as P2 until 2024-01-08 Mon 15:00 UTC: due 2024-01-08 Mon 17:00 UTC, "
            "not breached then",
            "  breached at 2024-01-08 Mon 15:00 UTC, overdue by 15d21h",
            "  timeline:",
            "    2024-01-08 Mon 09:00 UTC -> 2024-01-24 Wed 12:00 UTC  running: "
            "4d3h open, 4d3h counted",
            "      (13 open stretches and 12 closed ones)",
            "    2024-01-24 Wed 12:00 UTC  now",
        ]
    )


def test_no_target_applies() -> None:
    ticket = Ticket("D", "P3", [StatusChange(at(8, 9), status="new")])
    assert evaluate(ticket, POLICY, now=at(8, 12)).explain() == (
        "ticket 'D' under policy 'p' at 2024-01-08T12:00:00+00:00\nno targets apply"
    )


def test_a_downgrade_after_a_breach_a_closed_tail_and_a_warning() -> None:
    ticket = Ticket(
        "E",
        "P1",
        [StatusChange(at(8, 9), status="new"), SeverityChange(at(8, 14), severity="P2")],
    )
    # as P1 it was due 13:00 and breached by the change at 14:00; as P2 (8h) it is due at
    # closing time, 17:00, breached an hour before now; its 50% warning came at 13:00
    assert evaluate(ticket, POLICY, now=at(8, 18)).explain() == "\n".join(
        [
            "ticket 'E' under policy 'p' at 2024-01-08T18:00:00+00:00",
            "",
            "P2.resolution (cycle 1): running, breached",
            "  goal 8h business time on UTC; used 8h, remaining 0s, held 0s open (0s wall)",
            "  due 2024-01-08 Mon 17:00 UTC",
            "  as P1 until 2024-01-08 Mon 14:00 UTC: due 2024-01-08 Mon 13:00 UTC, "
            "already breached then",
            "  breached at 2024-01-08 Mon 17:00 UTC, overdue by 1h",
            "  timeline:",
            "    2024-01-08 Mon 09:00 UTC -> 2024-01-08 Mon 18:00 UTC  running: 8h open, 8h counted",
            "      2024-01-08 Mon 09:00 UTC -> 2024-01-08 Mon 17:00 UTC  open 8h",
            "      2024-01-08 Mon 17:00 UTC -> 2024-01-08 Mon 18:00 UTC  closed 1h",
            "    2024-01-08 Mon 18:00 UTC  now",
            "  warning 50% at 2024-01-08 Mon 13:00 UTC",
        ]
    )
