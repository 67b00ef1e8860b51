"""Unit tests of the evaluation API: inputs, errors, the incremental form, explain, pickling.

The clock's answers are checked against hand-computed values in
test_golden_tickets.py and against the reference in tests/properties.
"""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from slaclock import (
    AgentReply,
    Assignment,
    Calendar,
    Cancel,
    CustomerReply,
    FutureEventError,
    SeverityChange,
    StatusChange,
    Ticket,
    UnknownSeverityError,
    UnknownStatusError,
    UnorderedHistoryError,
)
from slaclock.errors import InputError, NoPolicyError
from slaclock.evaluation import RESULT_FIELDS, RESULT_SCHEMA_VERSION, TicketClock, evaluate
from slaclock.policies import (
    BusinessDays,
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    InternalTarget,
    Policy,
    PolicyBook,
    Target,
)

UTC = dt.UTC
H = dt.timedelta(hours=1)
NY = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
LON = Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")
STATUSES = {"new": "running", "open": "running", "pending": "paused", "solved": "stopped"}


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in January 2024 (UTC); the 1st is a Monday."""
    return dt.datetime(2024, 1, day, hour, minute, tzinfo=UTC)


UTC_CAL = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")


def policy(**kw: object) -> Policy:
    targets = [
        Target("first_response", "P2", BusinessTime(H), UTC_CAL),
        Target("resolution", "P2", BusinessTime(8 * H), UTC_CAL, warnings=["50%"]),
        Target("resolution", "P1", CalendarTime(4 * H)),
    ]
    return Policy("p", ["P1", "P2"], STATUSES, targets, **kw)  # type: ignore[arg-type]


def test_schema_is_versioned_and_ordered() -> None:
    assert RESULT_SCHEMA_VERSION == 1
    assert RESULT_FIELDS[:4] == ("ticket_id", "policy", "target", "metric")
    assert "next_event_at" in RESULT_FIELDS
    assert len(set(RESULT_FIELDS)) == len(RESULT_FIELDS) == 26


def test_results_in_metric_order_with_cycles() -> None:
    ticket = Ticket("T", "P2", [StatusChange(at(1, 9), status="new"), AgentReply(at(1, 9, 30))])
    ev = evaluate(ticket, policy(), now=at(1, 10))
    assert [(r.target, r.cycle) for r in ev] == [("P2.first_response", 1), ("P2.resolution", 1)]
    assert ev.result("first_response").outcome == "met"
    assert ev.result("P2.resolution").status == "running"
    with pytest.raises(InputError, match="has no result for cycle 2"):
        ev.result("resolution", 2)


def test_now_is_required_and_checked() -> None:
    ticket = Ticket("T", "P2", [StatusChange(at(1, 9), status="new")])
    with pytest.raises(FutureEventError, match=r"history\[0\]\.at"):
        evaluate(ticket, policy(), now=at(1, 8))
    with pytest.raises(TypeError):
        evaluate(ticket, policy(), at(1, 10))  # type: ignore[call-arg]
    # an event exactly at now counts
    ev = evaluate(ticket, policy(), now=at(1, 9))
    assert ev.result("resolution").used == dt.timedelta(0)


def test_unknown_labels_name_the_event_and_list_the_known_ones() -> None:
    ticket = Ticket(
        "T", "P2", [StatusChange(at(1, 9), status="new"), StatusChange(at(1, 10), status="wip")]
    )
    with pytest.raises(
        UnknownStatusError, match=r"history\[1\]\.status.*'new', 'open', 'pending', 'solved'"
    ):
        evaluate(ticket, policy(), now=at(1, 11))
    ticket = Ticket("T", "P9", [StatusChange(at(1, 9), status="new")])
    with pytest.raises(UnknownSeverityError, match="known: 'P1', 'P2'"):
        evaluate(ticket, policy(), now=at(1, 11))
    ticket = Ticket(
        "T", "P2", [StatusChange(at(1, 9), status="new"), SeverityChange(at(1, 10), severity="P0")]
    )
    with pytest.raises(UnknownSeverityError, match=r"history\[1\]\.severity"):
        evaluate(ticket, policy(), now=at(1, 11))


def test_incremental_equals_full_replay_after_every_event() -> None:
    history = [
        StatusChange(at(1, 9), status="new"),
        Assignment(at(1, 9), team="tier1"),
        CustomerReply(at(1, 10)),
        StatusChange(at(1, 11), status="pending"),
        StatusChange(at(2, 10), status="open"),
        AgentReply(at(2, 11)),
        SeverityChange(at(2, 12), severity="P1"),
        StatusChange(at(2, 13), status="solved"),
        StatusChange(at(3, 9), status="open"),
        StatusChange(at(3, 10), status="solved"),
    ]
    pol = policy(internal_targets=[InternalTarget("tier1", BusinessTime(2 * H), UTC_CAL)])
    clock = TicketClock(pol, "T", "P2")
    for i, event in enumerate(history):
        clock.feed(event)
        now = event.at + dt.timedelta(minutes=30)
        full = evaluate(Ticket("T", "P2", history[: i + 1]), pol, now=now)
        assert clock.evaluate(now=now) == full
        # the stored state survives a pickle round trip mid-history
        clock = pickle.loads(pickle.dumps(clock))


def test_incremental_checks_order_and_labels() -> None:
    clock = TicketClock(policy(), "T", "P2")
    clock.feed(StatusChange(at(1, 10), status="new"))
    with pytest.raises(UnorderedHistoryError, match=r"history\[1\]\.at"):
        clock.feed(AgentReply(at(1, 9)))
    with pytest.raises(UnknownStatusError):
        clock.feed(StatusChange(at(1, 11), status="nope"))
    with pytest.raises(FutureEventError):
        clock.evaluate(now=at(1, 9))
    with pytest.raises(InputError, match="at least the creation event"):
        TicketClock(policy(), "T", "P2").evaluate(now=at(1, 9))
    with pytest.raises(InputError, match="must be a Policy or a PolicyBook"):
        TicketClock("policy", "T", "P2")  # type: ignore[arg-type]
    with pytest.raises(UnknownSeverityError):
        TicketClock(policy(), "T", "P7")


def test_policy_book_selects_by_version_and_condition() -> None:
    old = Policy(
        "old",
        ["P2"],
        STATUSES,
        [Target("resolution", "P2", BusinessTime(8 * H), UTC_CAL)],
        valid_from=at(1, 0),
    )
    gold = Policy(
        "gold",
        ["P2"],
        STATUSES,
        [Target("resolution", "P2", BusinessTime(4 * H), UTC_CAL)],
        valid_from=at(8, 0),
        when={"tier": ["gold", "platinum"]},
    )
    std = Policy(
        "std",
        ["P2"],
        STATUSES,
        [Target("resolution", "P2", BusinessTime(6 * H), UTC_CAL)],
        valid_from=at(8, 0),
    )
    book = PolicyBook([old, gold, std])

    def goal(day: int, tier: str, as_of: dt.datetime | None = None) -> tuple[str, dt.timedelta]:
        t = Ticket("T", "P2", [StatusChange(at(day, 9), status="new")], attributes={"tier": tier})
        ev = evaluate(t, book, now=at(day, 10), as_of=as_of)
        return ev.policy, ev.results[0].goal

    assert goal(2, "gold") == ("old", 8 * H)  # created before the new version
    assert goal(9, "gold") == ("gold", 4 * H)
    assert goal(9, "platinum") == ("gold", 4 * H)
    assert goal(9, "bronze") == ("std", 6 * H)
    assert goal(2, "gold", as_of=at(9, 0)) == ("gold", 4 * H)  # what-if under the new version
    t = Ticket("T", "P2", [StatusChange(dt.datetime(2023, 12, 1, tzinfo=UTC), status="new")])
    with pytest.raises(NoPolicyError, match="before the first policy version"):
        evaluate(t, book, now=at(1, 1))
    only_gold = PolicyBook([gold])
    t = Ticket("T", "P2", [StatusChange(at(9, 9), status="new")], attributes={"tier": "bronze"})
    with pytest.raises(NoPolicyError, match="match no policy's conditions"):
        evaluate(t, only_gold, now=at(9, 10))


def test_calendar_from_attribute() -> None:
    choice = CalendarChoice("region", {"us": NY, "uk": LON})
    pol = Policy("p", ["P2"], STATUSES, [Target("resolution", "P2", BusinessTime(H), choice)])
    start = dt.datetime(2024, 1, 8, 14, tzinfo=UTC)  # Monday: 09:00 in New York, 14:00 in London

    def due(region: str) -> dt.datetime | None:
        t = Ticket("T", "P2", [StatusChange(start, status="new")], attributes={"region": region})
        return evaluate(t, pol, now=start).results[0].due

    assert due("us") == dt.datetime(2024, 1, 8, 15, tzinfo=UTC)
    assert due("uk") == dt.datetime(2024, 1, 8, 15, tzinfo=UTC)
    assert due("uk") == start + H
    t = Ticket(
        "T",
        "P2",
        [StatusChange(dt.datetime(2024, 1, 8, 16, 30, tzinfo=UTC), status="new")],
        attributes={"region": "uk"},
    )
    # London closes at 17:00: 30 minutes on Monday, 30 on Tuesday from 09:00
    assert evaluate(t, pol, now=t.created_at).results[0].due == dt.datetime(
        2024, 1, 9, 9, 30, tzinfo=UTC
    )
    t = Ticket("T", "P2", [StatusChange(start, status="new")], attributes={"region": "apac"})
    with pytest.raises(InputError, match=r"attributes\['region'\].*known: 'uk', 'us'"):
        evaluate(t, pol, now=start)


def test_business_days_goal_is_converted_at_the_start() -> None:
    pol = Policy("p", ["P3"], STATUSES, [Target("resolution", "P3", BusinessDays(2), UTC_CAL)])
    t = Ticket("T", "P3", [StatusChange(at(1, 14), status="new")])  # Monday 14:00
    r = evaluate(t, pol, now=at(1, 15)).results[0]
    # due at Wednesday's close; business time Mon 14-17 (3h) + Tue 8h + Wed 8h = 19h
    assert r.due == at(3, 17)
    assert r.goal == 19 * H
    assert r.remaining == 18 * H


def test_explain_shows_the_timeline() -> None:
    t = Ticket(
        "T-9",
        "P2",
        [
            StatusChange(at(5, 16), status="new"),  # Friday 16:00
            StatusChange(at(5, 16, 30), status="pending"),
            StatusChange(at(8, 10), status="open"),
            AgentReply(at(8, 11)),
        ],
    )
    text = evaluate(t, policy(), now=at(8, 12)).explain()
    assert "ticket 'T-9' under policy 'p'" in text
    assert "P2.resolution (cycle 1): running, pending" in text
    assert (
        "2024-01-05 Fri 16:00 UTC -> 2024-01-05 Fri 16:30 UTC  running: 30m open, 30m counted"
        in text
    )
    assert "held: 1h30m open, 0s counted" in text  # Fri 16:30-17:00 and Mon 09:00-10:00
    assert "2024-01-05 Fri 17:00 UTC -> 2024-01-08 Mon 09:00 UTC  closed 2d16h" in text
    # 30m + 2h used of 8h: the 50% warning (4h) comes at Mon 13:30
    assert "next event at 2024-01-08 Mon 13:30 UTC" in text
    assert "P2.first_response (cycle 1): stopped, breached" in text


def test_cancel_stops_every_clock_and_later_events_change_nothing() -> None:
    t = Ticket(
        "T",
        "P2",
        [
            StatusChange(at(1, 9), status="new"),
            Cancel(at(1, 10), reason="merged"),
            AgentReply(at(1, 11)),
            StatusChange(at(1, 12), status="solved"),
        ],
    )
    ev = evaluate(t, policy(), now=at(1, 13))
    assert [(r.status, r.outcome, r.stop) for r in ev] == [
        ("cancelled", "none", at(1, 10)),
        ("cancelled", "none", at(1, 10)),
    ]
    fr = ev.result("first_response")
    # due 10:00, cancelled at 10:00: not later than the due, so not breached
    assert fr.due == at(1, 10)
    assert fr.outcome == "none"


def test_ticket_clock_for_a_policy_book_selects_at_the_first_event() -> None:
    pol = policy()
    clock = TicketClock(PolicyBook([pol]), "T", "P2", {"tier": "gold"})
    assert clock.policy is None
    clock.feed(StatusChange(at(1, 9), status="new"))
    assert clock.policy is pol
    assert clock.events == (StatusChange(at(1, 9), status="new"),)


def test_upgrade_at_the_stop_instant_past_the_new_target_is_breached() -> None:
    # created Mon 07:00; P2 -> P1 and solved at 12:00; P1 (4h calendar time) as if always:
    # due 11:00, before the change. SEMANTICS: stop 12:00 > due -> breached, at the change
    t = Ticket(
        "T",
        "P2",
        [
            StatusChange(at(1, 7), status="new"),
            SeverityChange(at(1, 12), severity="P1"),
            StatusChange(at(1, 12), status="solved"),
        ],
    )
    r = evaluate(t, policy(), now=at(1, 13)).result("resolution")
    assert (r.severity, r.outcome, r.due, r.breached_at) == ("P1", "breached", at(1, 11), at(1, 12))
    assert r.overdue_by == dt.timedelta(0)  # stopped at the instant it was breached


def test_a_cycle_started_and_cancelled_at_one_instant_is_not_reported() -> None:
    from slaclock.policies import Target as T

    pol = Policy("p", ["P2"], STATUSES, [T("periodic_update", "P2", BusinessTime(H), UTC_CAL)])
    t = Ticket(
        "T",
        "P2",
        [
            StatusChange(at(1, 9), status="new"),
            AgentReply(at(1, 9, 30)),
            StatusChange(at(1, 9, 30), status="solved"),  # the solving reply: one instant
        ],
    )
    ev = evaluate(t, pol, now=at(1, 10))
    # cycle 1 (09:00-09:30) stopped by the reply; cycle 2 started and cancelled at 09:30
    assert [(r.cycle, r.status, r.outcome, r.used) for r in ev] == [
        (1, "stopped", "met", 30 * dt.timedelta(minutes=1)),
    ]


def test_stored_state_without_the_policy_round_trips() -> None:
    pol = policy(internal_targets=[InternalTarget("tier1", BusinessTime(2 * H), UTC_CAL)])
    history = [
        StatusChange(at(1, 9), status="new"),
        Assignment(at(1, 9), team="tier1"),
        StatusChange(at(1, 11), status="pending"),
        StatusChange(at(2, 10), status="open"),
        SeverityChange(at(2, 12), severity="P1"),
        StatusChange(at(2, 13), status="solved"),
    ]
    clock = TicketClock(pol, "T", "P2")
    for event in history:
        data = clock.dumps()
        assert len(data) < 4000  # no calendars inside
        clock = TicketClock.loads(data, pol)
        clock.feed(event)
    full = evaluate(Ticket("T", "P2", history), pol, now=at(3, 9))
    assert TicketClock.loads(clock.dumps(), pol).evaluate(now=at(3, 9)) == full
    # with a book, the selected policy is found again by name and version
    book = PolicyBook([pol])
    clock = TicketClock(book, "T", "P2")
    clock.feed(history[0])
    assert TicketClock.loads(clock.dumps(), book).policy is pol
    other = Policy(
        "other", ["P2"], STATUSES, [Target("resolution", "P2", BusinessTime(H), UTC_CAL)]
    )
    with pytest.raises(InputError, match="is not the policy the state was stored with"):
        TicketClock.loads(TicketClock(pol, "T", "P2").dumps(), other)


def test_a_cycle_is_never_measured_by_a_severity_it_never_had() -> None:
    # P1 resolution starts a new cycle on reopen, P2 continues; the ticket is P2 by then
    pol = Policy(
        "p",
        ["P1", "P2"],
        {"open": "running", "solved": "stopped"},
        [
            Target("resolution", "P1", CalendarTime(4 * H), reopen="new_cycle"),
            Target("resolution", "P2", CalendarTime(8 * H), reopen="continue"),
        ],
    )
    t = Ticket(
        "T",
        "P1",
        [
            StatusChange(at(1, 9), status="open"),
            SeverityChange(at(1, 9, 30), severity="P2"),
            StatusChange(at(1, 10), status="solved"),
            StatusChange(at(1, 11), status="open"),
        ],
    )
    ev = evaluate(t, pol, now=at(1, 12))
    # one P2 cycle, continued over the reopen: 09:00-10:00 and 11:00-12:00 running
    assert [(r.target, r.cycle, r.status, r.used) for r in ev] == [
        ("P2.resolution", 1, "running", 2 * H),
    ]


def test_targets_of_one_metric_share_their_start_and_stop_events() -> None:
    with pytest.raises(
        InputError,
        match=r"targets\[1\].*P1.first_response starts on \[created\] and stops on \[agent_reply:public\]",
    ):
        Policy(
            "p",
            ["P1", "P2"],
            STATUSES,
            [
                Target(
                    "first_response", "P1", BusinessTime(H), UTC_CAL, stop_on=["agent_reply:public"]
                ),
                Target("first_response", "P2", BusinessTime(H), UTC_CAL),
            ],
        )
    # reopen modes, statuses and goals may differ
    Policy(
        "p",
        ["P1", "P2"],
        STATUSES,
        [
            Target("resolution", "P1", BusinessTime(H), UTC_CAL, reopen="new_cycle"),
            Target(
                "resolution", "P2", BusinessTime(2 * H), UTC_CAL, statuses={"pending": "running"}
            ),
        ],
    )


def test_result_as_dict_keeps_schema_order_and_nested_tuples() -> None:
    import datetime as dt

    from slaclock import Calendar, StatusChange, Ticket
    from slaclock.evaluation import RESULT_FIELDS, evaluate
    from slaclock.policies import BusinessTime, FractionWarning, Policy, Target

    cal = Calendar.always_open("UTC")
    policy = Policy(
        "p",
        ["P1"],
        {"open": "running", "solved": "stopped"},
        [Target("resolution", "P1", BusinessTime(dt.timedelta(hours=2)), cal,
                warnings=[FractionWarning.parse("50%")])],
    )
    t0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    ticket = Ticket("T", "P1", [StatusChange(t0, status="open")])
    r = evaluate(ticket, policy, now=t0 + dt.timedelta(hours=3)).results[0]
    d = r.as_dict()
    assert list(d) == list(RESULT_FIELDS)
    assert d["warnings"] == ({"label": "50%", "at": t0 + dt.timedelta(hours=1)},)
    assert d["earlier"] == ()
    assert d["outcome"] == "breached"
