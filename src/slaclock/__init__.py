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
    OverlappingPausesError,
    OverrideConflictError,
    SlaClockError,
    SlaClockWarning,
    SpanError,
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

__version__: str


def __getattr__(name: str) -> str:
    # The version is read from the package metadata on first use: importing
    # importlib.metadata costs more than the rest of `import slaclock`.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("slaclock")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            return "0+unknown"
    raise AttributeError(f"module 'slaclock' has no attribute {name!r}")


__all__ = [
    "AgentReply",
    "Assignment",
    "Calendar",
    "CalendarFormatError",
    "Cancel",
    "CombinedCalendar",
    "CustomerReply",
    "DurationError",
    "Event",
    "FutureEventError",
    "HolidayDataWarning",
    "HolidaySource",
    "InputError",
    "IntervalOrderError",
    "NaiveDatetimeError",
    "NoOpenTimeError",
    "NonexistentTimeError",
    "OverlappingPausesError",
    "OverrideConflictError",
    "RecurringOverride",
    "SeverityChange",
    "SlaClockError",
    "SlaClockWarning",
    "Span",
    "SpanError",
    "StatusChange",
    "Ticket",
    "UnknownHolidaySourceError",
    "UnknownSeverityError",
    "UnknownStatusError",
    "UnknownTimeZoneError",
    "UnorderedHistoryError",
    "Update",
    "WeeklyCalendar",
    "WeeklyHours",
    "__version__",
]
