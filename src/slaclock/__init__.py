"""slaclock: exact business-time and SLA clocks.

How much business time has a ticket used, when is it due, is it breached?
slaclock answers exactly (integer microseconds) across time zones, DST,
overnight shifts, holidays, half days and pauses.

>>> import datetime as dt, slaclock
>>> cal = slaclock.Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
>>> cal.due(dt.datetime(2024, 3, 8, 16, tzinfo=dt.timezone(dt.timedelta(hours=-5))), dt.timedelta(hours=2))
datetime.datetime(2024, 3, 11, 14, 0, tzinfo=datetime.timezone.utc)

Importing slaclock loads neither numpy, pandas nor holidays: the scalar
path is pure Python.
"""

from __future__ import annotations

import typing as _typing
from types import MappingProxyType as _MappingProxyType

from slaclock.calendars import Calendar, CombinedCalendar, RecurringOverride, WeeklyCalendar
from slaclock.errors import (
    CalendarFormatError,
    DurationError,
    FutureEventError,
    HolidayDataWarning,
    InputError,
    IntervalOrderError,
    NaiveDatetimeError,
    NonexistentTimeError,
    NoOpenTimeError,
    NoPolicyError,
    OverlappingPausesError,
    OverrideConflictError,
    PolicyError,
    PolicyFormatError,
    SlaClockDeprecationWarning,
    SlaClockError,
    SlaClockWarning,
    SpanError,
    TableFormatError,
    UnknownHolidaySourceError,
    UnknownSeverityError,
    UnknownStatusError,
    UnknownTimeZoneError,
    UnorderedHistoryError,
)
from slaclock.holiday_sources import HolidaySource
from slaclock.hours import Span, WeeklyHours
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

if _typing.TYPE_CHECKING:
    from slaclock.evaluation import Evaluation, Result, TicketClock, evaluate
    from slaclock.internal_targets import ChainCheck, check_internal_targets
    from slaclock.policies import (
        BeforeDueWarning,
        BusinessDays,
        BusinessTime,
        CalendarChoice,
        CalendarTime,
        Chain,
        ClockState,
        Condition,
        FractionWarning,
        InternalTarget,
        Metric,
        Policy,
        PolicyBook,
        Reopen,
        Target,
        Trigger,
    )
    from slaclock.policy_files import example_policy, load_policy

# The ticket clock is imported on first use: `import slaclock` stays as light
# as the calendar clock (the policy and result value types cost as much again).
_LAZY = _MappingProxyType(
    {
        "ChainCheck": "slaclock.internal_targets",
        "check_internal_targets": "slaclock.internal_targets",
        "example_policy": "slaclock.policy_files",
        "load_policy": "slaclock.policy_files",
        "Evaluation": "slaclock.evaluation",
        "Result": "slaclock.evaluation",
        "TicketClock": "slaclock.evaluation",
        "evaluate": "slaclock.evaluation",
        "BeforeDueWarning": "slaclock.policies",
        "BusinessDays": "slaclock.policies",
        "BusinessTime": "slaclock.policies",
        "CalendarChoice": "slaclock.policies",
        "CalendarTime": "slaclock.policies",
        "Chain": "slaclock.policies",
        "ClockState": "slaclock.policies",
        "Condition": "slaclock.policies",
        "FractionWarning": "slaclock.policies",
        "InternalTarget": "slaclock.policies",
        "Metric": "slaclock.policies",
        "Policy": "slaclock.policies",
        "PolicyBook": "slaclock.policies",
        "Reopen": "slaclock.policies",
        "Target": "slaclock.policies",
        "Trigger": "slaclock.policies",
    }
)

__version__: str


def __getattr__(name: str) -> _typing.Any:
    # The version is read from the package metadata on first use: importing
    # importlib.metadata costs more than the rest of `import slaclock`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("slaclock")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            return "0+unknown"
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'slaclock' has no attribute {name!r}")


__all__ = [
    "AgentReply",
    "Assignment",
    "BeforeDueWarning",
    "BusinessDays",
    "BusinessTime",
    "Calendar",
    "CalendarChoice",
    "CalendarFormatError",
    "CalendarTime",
    "Cancel",
    "Chain",
    "ChainCheck",
    "ClockState",
    "CombinedCalendar",
    "Condition",
    "CustomerReply",
    "DurationError",
    "Evaluation",
    "Event",
    "FractionWarning",
    "FutureEventError",
    "HolidayDataWarning",
    "HolidaySource",
    "InputError",
    "InternalTarget",
    "IntervalOrderError",
    "Metric",
    "NaiveDatetimeError",
    "NoOpenTimeError",
    "NoPolicyError",
    "NonexistentTimeError",
    "OverlappingPausesError",
    "OverrideConflictError",
    "Policy",
    "PolicyBook",
    "PolicyError",
    "PolicyFormatError",
    "RecurringOverride",
    "Reopen",
    "Result",
    "SeverityChange",
    "SlaClockDeprecationWarning",
    "SlaClockError",
    "SlaClockWarning",
    "Span",
    "SpanError",
    "StatusChange",
    "TableFormatError",
    "Target",
    "Ticket",
    "TicketClock",
    "Trigger",
    "UnknownHolidaySourceError",
    "UnknownSeverityError",
    "UnknownStatusError",
    "UnknownTimeZoneError",
    "UnorderedHistoryError",
    "Update",
    "WeeklyCalendar",
    "WeeklyHours",
    "__version__",
    "check_internal_targets",
    "evaluate",
    "example_policy",
    "load_policy",
]


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
