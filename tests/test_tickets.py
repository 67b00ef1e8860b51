"""Tickets and their histories: building, validation, checks against now and a vocabulary."""

from __future__ import annotations

import datetime as dt
import pickle
from zoneinfo import ZoneInfo

import pytest

from slaclock import (
    AgentReply,
    Assignment,
    Cancel,
    CustomerReply,
    SeverityChange,
    StatusChange,
    Ticket,
    Update,
)
from slaclock.errors import (
    FutureEventError,
    InputError,
    NaiveDatetimeError,
    UnknownSeverityError,
    UnknownStatusError,
    UnorderedHistoryError,
)

NY = ZoneInfo("America/New_York")
T0 = dt.datetime(2024, 3, 8, 15, tzinfo=NY)
M = dt.timedelta(minutes=1)


def sample() -> Ticket:
    return Ticket(
        "T-1",
        "P2",
        [
            StatusChange(T0, status="new"),
            Assignment(T0, team="tier1"),
            AgentReply(T0 + 20 * M),
            CustomerReply(T0 + 30 * M),
            StatusChange(T0 + 40 * M, status="pending"),
            Update(T0 + 50 * M),
            SeverityChange(T0 + 60 * M, severity="P1"),
            AgentReply(T0 + 70 * M, public=False),
            StatusChange(T0 + 80 * M, status="solved"),
        ],
        attributes={"tier": "gold", "region": "us"},
    )


class TestBuilding:
    def test_instants_are_kept_in_utc(self) -> None:
        t = sample()
        assert t.created_at == T0
        assert t.created_at.tzinfo is dt.UTC
        assert [e.kind for e in t.history] == [
            "status",
            "assignment",
            "agent_reply",
            "customer_reply",
            "status",
            "update",
            "severity",
            "agent_reply",
            "status",
        ]

    def test_the_fall_back_hour_orders_by_instant_not_wall_time(self) -> None:
        first = dt.datetime(2024, 11, 3, 1, 50, tzinfo=NY)  # EDT
        second = dt.datetime(2024, 11, 3, 1, 10, fold=1, tzinfo=NY)  # EST, 20 minutes later
        t = Ticket(1, "P3", [StatusChange(first, status="new"), AgentReply(second)])
        assert t.history[1].at - t.history[0].at == 20 * M

    def test_tickets_are_values(self) -> None:
        assert sample() == sample()
        assert hash(sample()) == hash(sample())
        assert pickle.loads(pickle.dumps(sample())) == sample()

    def test_attributes_are_read_only(self) -> None:
        t = sample()
        assert t.attributes == {"region": "us", "tier": "gold"}
        with pytest.raises(TypeError):
            t.attributes["tier"] = "silver"  # type: ignore[index]

    def test_same_instant_events_keep_their_order(self) -> None:
        t = Ticket("T", "P2", [StatusChange(T0, status="solved"), StatusChange(T0, status="open")])
        assert [e.status for e in t.history if isinstance(e, StatusChange)] == ["solved", "open"]

    def test_cancel_carries_a_reason(self) -> None:
        assert Cancel(T0, reason="merged into T-9").reason == "merged into T-9"


class TestValidation:
    def test_naive_instant(self) -> None:
        with pytest.raises(NaiveDatetimeError, match=r"^at: datetime has no time zone"):
            StatusChange(dt.datetime(2024, 3, 8, 15), status="new")  # noqa: DTZ001

    def test_events_out_of_order_name_both(self) -> None:
        with pytest.raises(
            UnorderedHistoryError, match=r"^history\[1\]\.at: is before history\[0\]\.at"
        ):
            Ticket("T", "P2", [StatusChange(T0, status="new"), AgentReply(T0 - M)])

    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [
            (
                {"id": "", "severity": "P2", "history": [StatusChange(T0, status="new")]},
                "id: must be non-empty",
            ),
            (
                {"id": True, "severity": "P2", "history": [StatusChange(T0, status="new")]},
                "id: must be non-empty",
            ),
            (
                {"id": "T", "severity": "", "history": [StatusChange(T0, status="new")]},
                "severity: must be non-empty",
            ),
            (
                {"id": "T", "severity": "P2", "history": []},
                "history: must hold at least the creation event",
            ),
            (
                {"id": "T", "severity": "P2", "history": "new"},
                "history: must be a sequence of events",
            ),
            (
                {"id": "T", "severity": "P2", "history": [StatusChange(T0, status="new"), "reply"]},
                "history[1]: must be an event",
            ),
            (
                {
                    "id": "T",
                    "severity": "P2",
                    "history": [StatusChange(T0, status="new")],
                    "attributes": ["x"],
                },
                "attributes: must be a mapping",
            ),
        ],
    )
    def test_bad_tickets_name_the_field(self, kwargs: dict[str, object], fragment: str) -> None:
        with pytest.raises(InputError) as info:
            Ticket(**kwargs)  # type: ignore[arg-type]
        assert str(info.value).startswith(fragment)

    def test_bad_event_fields(self) -> None:
        with pytest.raises(InputError, match=r"^status: must be non-empty text"):
            StatusChange(T0, status="")
        with pytest.raises(InputError, match=r"^team: must be non-empty text"):
            Assignment(T0, team=" ")
        with pytest.raises(InputError, match=r"^public: must be True or False"):
            AgentReply(T0, public="yes")  # type: ignore[arg-type]


class TestCheck:
    def test_an_event_at_now_counts_and_one_after_is_an_error(self) -> None:
        t = sample()
        last = t.history[-1].at
        t.check(now=last)
        with pytest.raises(FutureEventError, match=r"^history\[8\]\.at: is after now"):
            t.check(now=last - dt.timedelta(microseconds=1))

    def test_unknown_status_lists_the_known_ones(self) -> None:
        with pytest.raises(
            UnknownStatusError,
            match=r"^history\[4\]\.status: is not a status of the policy \(known: 'new', 'open', 'solved'\) \(got 'pending'\)",
        ):
            sample().check(now=T0 + 90 * M, statuses=["new", "open", "solved"])

    def test_unknown_severities_at_creation_and_in_changes(self) -> None:
        with pytest.raises(UnknownSeverityError, match=r"^severity: .*known: 'P1', 'P3'"):
            sample().check(now=T0 + 90 * M, severities=["P1", "P3"])
        with pytest.raises(UnknownSeverityError, match=r"^history\[6\]\.severity"):
            sample().check(now=T0 + 90 * M, severities=["P2", "P3"])

    def test_a_valid_ticket_passes(self) -> None:
        sample().check(
            now=T0 + 90 * M, statuses=["new", "pending", "solved"], severities=["P1", "P2"]
        )

    def test_now_must_be_aware(self) -> None:
        with pytest.raises(NaiveDatetimeError, match=r"^now:"):
            sample().check(now=dt.datetime(2024, 3, 9))  # noqa: DTZ001
