"""The policy value types built in Python: each bad argument gets an error naming it.

Policy files are checked by slaclock.policy_files before these constructors
run (tests/test_policy_files.py); these tests build the types directly, as a
program that writes its policy in Python does, and check the exact message
for each mistake, and the small answers of triggers, conditions and choices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from slaclock import (
    AgentReply,
    Assignment,
    Calendar,
    CustomerReply,
    StatusChange,
    UnknownSeverityError,
    UnknownStatusError,
    Update,
)
from slaclock.errors import InputError
from slaclock.policies import (
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    Chain,
    ClockState,
    Condition,
    InternalTarget,
    Metric,
    Policy,
    PolicyBook,
    Reopen,
    Target,
    Trigger,
    parse_duration,
)

UTC = dt.UTC
AT = dt.datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
CAL = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
HOUR = dt.timedelta(hours=1)
STATUSES = {"open": "running", "pending": "paused", "solved": "stopped"}


def policy(**changes: Any) -> Policy:
    """A valid two-severity policy, with ``changes`` to its arguments."""
    args: dict[str, Any] = {
        "name": "support",
        "severities": ["P1", "P2"],
        "statuses": STATUSES,
        "targets": [Target("resolution", "P1", BusinessTime(4 * HOUR), CAL)],
    }
    args.update(changes)
    return Policy(**args)


def raises(build: Callable[[], object], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        build()
    assert str(info.value) == message


# ---- one bad argument, one exact message ----------------------------------------------

BAD: list[tuple[str, Callable[[], object], type[Exception], str]] = [
    (
        "unknown metric",
        lambda: Target("resolutio", "P1", HOUR, CAL),
        InputError,
        "metric: is not a metric (known: 'first_response', 'resolution', 'next_reply', "
        "'periodic_update') (got 'resolutio')",
    ),
    (
        "unknown reopen",
        lambda: Target("resolution", "P1", HOUR, CAL, reopen="restart"),
        InputError,
        "reopen: must be 'continue' or 'new_cycle' (got 'restart')",
    ),
    (
        "goal of another type",
        lambda: Target("resolution", "P1", 4, CAL),
        InputError,
        "goal: must be BusinessTime, CalendarTime or BusinessDays (got 4)",
    ),
    (
        "calendar of another type",
        lambda: Target("resolution", "P1", HOUR, "Mon-Fri 09:00-17:00"),
        InputError,
        "calendar: must be a Calendar or a CalendarChoice (got 'Mon-Fri 09:00-17:00')",
    ),
    (
        "blank severity",
        lambda: Target("resolution", " ", HOUR, CAL),
        InputError,
        "severity: must be a severity label such as 'P2' (got ' ')",
    ),
    (
        "business time without a calendar",
        lambda: Target("resolution", "P1", HOUR),
        InputError,
        "calendar: is required for a BusinessTime goal (got None)",
    ),
    (
        "statuses neither a mapping nor pairs",
        lambda: Target("resolution", "P1", HOUR, CAL, statuses=["open"]),
        InputError,
        "statuses: must map status names to running, paused or stopped (got ['open'])",
    ),
    (
        "statuses as a tuple that is not pairs",
        lambda: Target("resolution", "P1", HOUR, CAL, statuses=("open",)),
        InputError,
        "statuses: must map status names to running, paused or stopped (got ('open',))",
    ),
    (
        "a status named by a number, in pairs",
        lambda: Target("resolution", "P1", HOUR, CAL, statuses=((1, "running"),)),
        InputError,
        "statuses: status names must be non-empty text (got 1)",
    ),
    (
        "blank status name",
        lambda: Target("resolution", "P1", HOUR, CAL, statuses={"": "running"}),
        InputError,
        "statuses: status names must be non-empty text (got '')",
    ),
    (
        "unknown clock state",
        lambda: Target("resolution", "P1", HOUR, CAL, statuses={"open": "runing"}),
        InputError,
        "statuses.open: must be 'running', 'paused' or 'stopped' (got 'runing')",
    ),
    (
        "start_on not a list",
        lambda: Target("resolution", "P1", HOUR, CAL, start_on=5),
        InputError,
        "trigger: must be a list of event kinds (got 5)",
    ),
    (
        "warnings not a list",
        lambda: Target("resolution", "P1", HOUR, CAL, warnings=0.5),
        InputError,
        "warnings: must be a list of warnings (got 0.5)",
    ),
    (
        "blank team",
        lambda: InternalTarget("", HOUR, CAL),
        InputError,
        "team: must be a team or tier name such as 'tier1' (got '')",
    ),
    (
        "internal business time without a calendar",
        lambda: InternalTarget("tier1", HOUR),
        InputError,
        "calendar: is required for a BusinessTime goal (got None)",
    ),
    (
        "trigger with an empty value",
        lambda: Trigger("status", ""),
        InputError,
        "trigger: must be non-empty text after ':' (got '')",
    ),
    (
        "trigger with a value that is not text",
        lambda: Trigger("assignment", 2),  # type: ignore[arg-type]
        InputError,
        "trigger: must be non-empty text after ':' (got 2)",
    ),
    (
        "duration finer than a microsecond",
        lambda: parse_duration("0.0000005s", "goal"),
        InputError,
        "goal: is finer than a microsecond (got '0.0000005s')",
    ),
    (
        "chain without teams",
        lambda: Chain("P1", []),
        InputError,
        "teams: a chain needs at least one team (got ())",
    ),
    (
        "chain teams as one text",
        lambda: Chain("P1", "tier1"),
        InputError,
        "teams: must be a list (got 'tier1')",
    ),
    (
        "choice of calendars not a mapping",
        lambda: CalendarChoice("region", 5),
        InputError,
        "calendars: must map attribute values to calendars (got 5)",
    ),
    (
        "choice of calendars with a lone value",
        lambda: CalendarChoice("region", [("eu",)]),
        InputError,
        "calendars: must be (attribute value, Calendar) pairs (got ('eu',))",
    ),
    (
        "choice of calendars with a bare value",
        lambda: CalendarChoice("region", ["eu"]),
        InputError,
        "calendars: must be (attribute value, Calendar) pairs (got 'eu')",
    ),
    (
        "choice with something other than a calendar",
        lambda: CalendarChoice("region", {"eu": "Europe/Paris"}),
        InputError,
        "calendars['eu']: must be a Calendar (got 'Europe/Paris')",
    ),
    (
        "condition not a mapping",
        lambda: Condition(["tier"]),
        InputError,
        "when: must map attribute names to a value or a list of values (got ['tier'])",
    ),
    (
        "condition on an attribute without a name",
        lambda: Condition({"": "gold"}),
        InputError,
        "when: attribute names must be non-empty text (got '')",
    ),
    (
        "condition with an empty list of values",
        lambda: Condition({"tier": []}),
        InputError,
        "when.tier: must list at least one value (got [])",
    ),
    (
        "condition with a list among its values",
        lambda: Condition({"tier": [["gold"]]}),
        InputError,
        "when.tier: values must be single values such as text or numbers (got [['gold']])",
    ),
    (
        "condition with a mapping for a value",
        lambda: Condition({"tier": {"gold": 1}}),
        InputError,
        "when.tier: values must be single values such as text or numbers (got {'gold': 1})",
    ),
    (
        "blank policy name",
        lambda: policy(name=""),
        InputError,
        "name: must be non-empty text (got '')",
    ),
    (
        "severities as one text",
        lambda: policy(severities="P1"),
        InputError,
        "severities: must be a list (got 'P1')",
    ),
    (
        "no severities",
        lambda: policy(severities=[], targets=[]),
        InputError,
        "severities: must list at least one severity (got ())",
    ),
    (
        "a severity that is not text",
        lambda: policy(severities=["P1", 2]),
        InputError,
        "severities[1]: must be a severity label such as 'P2' (got 2)",
    ),
    (
        "a severity twice",
        lambda: policy(severities=["P1", "P2", "P1"]),
        InputError,
        "severities: must not repeat a label (got ('P1', 'P2', 'P1'))",
    ),
    (
        "no statuses",
        lambda: policy(statuses={}),
        InputError,
        "statuses: must map at least one status (got {})",
    ),
    (
        "initial status not among the statuses",
        lambda: policy(initial_status="new"),
        UnknownStatusError,
        "initial_status: is not a status (known: 'open', 'pending', 'solved') (got 'new')",
    ),
    (
        "a stopped initial status",
        lambda: policy(initial_status="solved"),
        InputError,
        "initial_status: must not be a stopped status (got 'solved')",
    ),
    (
        "a target that is not a Target",
        lambda: policy(targets=["P1.resolution"]),
        InputError,
        "targets[0]: must be a Target (got 'P1.resolution')",
    ),
    (
        "a target of an unknown severity",
        lambda: policy(targets=[Target("resolution", "P3", HOUR, CAL)]),
        UnknownSeverityError,
        "targets[0].severity: is not a severity of the policy (known: 'P1', 'P2') (got 'P3')",
    ),
    (
        "a target mapping an unknown status",
        lambda: policy(
            targets=[Target("resolution", "P1", HOUR, CAL, statuses={"waiting": "paused"})]
        ),
        UnknownStatusError,
        "targets[0].statuses: is not a status of the policy (known: 'open', 'pending', "
        "'solved') (got 'waiting')",
    ),
    (
        "a metric and severity twice",
        lambda: policy(
            targets=[
                Target("resolution", "P1", HOUR, CAL),
                Target("resolution", "P1", 2 * HOUR, CAL),
            ]
        ),
        InputError,
        "targets[1]: repeats a metric and severity already given (got 'P1.resolution')",
    ),
    (
        "an internal target that is not one",
        lambda: policy(internal_targets=["tier1"]),
        InputError,
        "internal_targets[0]: must be an InternalTarget (got 'tier1')",
    ),
    (
        "an internal target of an unknown severity",
        lambda: policy(internal_targets=[InternalTarget("tier1", HOUR, CAL, severity="P9")]),
        UnknownSeverityError,
        "internal_targets[0].severity: is not a severity of the policy (known: 'P1', 'P2') "
        "(got 'P9')",
    ),
    (
        "a team twice",
        lambda: policy(
            internal_targets=[
                InternalTarget("tier1", HOUR, CAL),
                InternalTarget("tier1", HOUR, CAL),
            ]
        ),
        InputError,
        "internal_targets[1]: repeats a team already given (got 'tier1')",
    ),
    (
        "a chain under no external target",
        lambda: policy(
            internal_targets=[InternalTarget("tier1", HOUR, CAL)], chains=[Chain("P2", ["tier1"])]
        ),
        InputError,
        "chains[0]: names no external target of the policy (got 'P2.resolution')",
    ),
    (
        "a chain through an unknown team",
        lambda: policy(
            internal_targets=[InternalTarget("tier1", HOUR, CAL)],
            chains=[Chain("P1", ["tier1", "vendor"])],
        ),
        InputError,
        "chains[0].teams: names no internal target of the policy (got 'vendor')",
    ),
    (
        "a book without policies",
        lambda: PolicyBook([]),
        InputError,
        "policies: must hold at least one policy (got ())",
    ),
    (
        "a book holding something else",
        lambda: PolicyBook([policy(), "support"]),  # type: ignore[list-item]
        InputError,
        "policies[1]: must be a Policy (got 'support')",
    ),
    (
        "book calendars as text",
        lambda: PolicyBook([policy()], calendars="office"),
        InputError,
        "calendars: must map names to calendars (got 'office')",
    ),
    (
        "book calendars not pairs",
        lambda: PolicyBook([policy()], calendars=[("office",)]),
        InputError,
        "calendars: must be (name, Calendar) pairs (got ('office',))",
    ),
    (
        "a book calendar without a name",
        lambda: PolicyBook([policy()], calendars={" ": CAL}),
        InputError,
        "calendars: calendar names must be non-empty text (got ' ')",
    ),
    (
        "a book calendar named twice",
        lambda: PolicyBook([policy()], calendars=[("office", CAL), ("office", CAL)]),
        InputError,
        "calendars: names a calendar twice (got 'office')",
    ),
]


@pytest.mark.parametrize(
    ("build", "error", "message"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
)
def test_a_bad_argument_is_named_with_its_value(
    build: Callable[[], object], error: type[Exception], message: str
) -> None:
    raises(build, error, message)


# ---- what the valid forms mean ----------------------------------------------------------


def test_statuses_as_pairs_read_like_a_mapping() -> None:
    as_pairs = Target(
        "resolution", "P1", HOUR, CAL, statuses=(("pending", "running"), ("hold", "paused"))
    )
    as_mapping = Target(
        "resolution", "P1", HOUR, CAL, statuses={"pending": "running", "hold": "paused"}
    )
    assert as_pairs == as_mapping
    assert as_pairs.statuses == (("pending", ClockState.RUNNING), ("hold", ClockState.PAUSED))


def test_a_status_named_twice_in_pairs_keeps_its_place_and_the_last_state() -> None:
    target = Target(
        "resolution",
        "P1",
        HOUR,
        CAL,
        statuses=(("a", "running"), ("b", "paused"), ("a", "stopped")),
    )
    assert target.statuses == (("a", ClockState.STOPPED), ("b", ClockState.PAUSED))


def test_one_trigger_or_warning_needs_no_list() -> None:
    target = Target("first_response", "P1", HOUR, CAL, start_on="assignment:tier2", warnings="75%")
    assert target.start_on == (Trigger("assignment", "tier2"),)
    assert len(target.warnings) == 1
    assert Target("resolution", "P1", HOUR, CAL, warnings=None).warnings == ()
    assert Target("resolution", "P1", HOUR, CAL, start_on=None).start_on == ()


def test_a_bare_timedelta_goal_is_business_time_and_metric_and_reopen_take_their_values() -> None:
    target = Target(Metric.NEXT_REPLY, "P1", HOUR, CAL, reopen=Reopen.NEW_CYCLE)
    assert target.goal == BusinessTime(HOUR)
    assert (target.metric, target.reopen) == (Metric.NEXT_REPLY, Reopen.NEW_CYCLE)
    assert target.name == "P1.next_reply"


def test_triggers_match_their_events() -> None:
    public, private = AgentReply(AT, public=True), AgentReply(AT, public=False)
    assert Trigger("created").matches(public, is_first=True)
    assert not Trigger("created").matches(public)
    assert Trigger("agent_reply").matches(private)
    assert Trigger("agent_reply", "public").matches(public)
    assert not Trigger("agent_reply", "public").matches(private)
    assert Trigger("customer_reply").matches(CustomerReply(AT))
    assert not Trigger("customer_reply").matches(public)
    assert Trigger("update").matches(Update(AT))
    assert Trigger("assignment", "tier2").matches(Assignment(AT, team="tier2"))
    assert not Trigger("assignment", "tier2").matches(Assignment(AT, team="tier1"))
    assert Trigger("status").matches(StatusChange(AT, status="pending"))
    assert not Trigger("status", "open").matches(StatusChange(AT, status="pending"))
    # a reopen is a change of clock state, which only the replay knows
    assert not Trigger("reopen").matches(StatusChange(AT, status="open"))


def test_conditions_read_and_print() -> None:
    assert str(Condition()) == "always"
    assert Condition(None) == Condition()
    both = Condition({"tier": frozenset({"gold"}), "channel": ("email", "chat")})
    assert str(both) == "channel in ['chat', 'email'] and tier = 'gold'"
    # the attribute holds sorted (name, values) pairs, and builds again from them
    assert Condition(both.clauses) == both
    assert both.matches({"tier": "gold", "channel": "chat"})
    assert not both.matches({"tier": "gold"})


def test_a_calendar_choice_from_pairs_resolves_by_attribute() -> None:
    paris = Calendar.weekly("Europe/Paris", "Mon-Fri 09:00-17:00")
    choice = CalendarChoice("region", [["eu", paris], ("us", CAL)])
    assert choice.resolve({"region": "eu"}) is paris
    assert choice.resolve({"region": "us"}) is CAL
    with pytest.raises(InputError) as info:
        choice.resolve({"region": "apac"})
    assert str(info.value) == (
        "attributes['region']: has no calendar (known: 'eu', 'us') (got 'apac'); "
        "add a calendar for it or a default"
    )


def test_internal_target_names_and_calendars() -> None:
    anyone = InternalTarget("tier1", CalendarTime(HOUR))
    assert anyone.name == "tier1"
    # calendar time runs on every instant, whatever the ticket
    assert anyone.calendar_for({"region": "eu"}) == Calendar.always_open("UTC")
    assert InternalTarget("tier1", HOUR, CAL, severity="P1").name == "tier1.P1"
    assert InternalTarget("tier1", HOUR, CAL).calendar_for({"region": "eu"}) is CAL
