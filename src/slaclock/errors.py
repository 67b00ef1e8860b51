"""The one hierarchy of slaclock errors and warnings.

Every error raised for bad input is an :class:`InputError` (and so a
:class:`ValueError`) that names the offending field and value::

    SlaClockError(Exception)
      InputError(SlaClockError, ValueError)        .field, .value
        NaiveDatetimeError, NonexistentTimeError, IntervalOrderError,
        DurationError, UnknownTimeZoneError, SpanError, OverlappingPausesError,
        UnknownHolidaySourceError, OverrideConflictError, CalendarFormatError,
        UnorderedHistoryError, FutureEventError, UnknownStatusError,
        UnknownSeverityError, TableFormatError (file, row, column)
      NoOpenTimeError(SlaClockError)               a search passed its horizon
    SlaClockWarning(UserWarning)
      HolidayDataWarning
      SlaClockDeprecationWarning(SlaClockWarning, DeprecationWarning)

Errors keep all their constructor arguments in ``args`` so they pickle
(they cross process pools, Dask and Spark).
"""

from __future__ import annotations

__all__ = [
    "CalendarFormatError",
    "DurationError",
    "FutureEventError",
    "HolidayDataWarning",
    "InputError",
    "IntervalOrderError",
    "NaiveDatetimeError",
    "NoOpenTimeError",
    "NoPolicyError",
    "NonexistentTimeError",
    "OverlappingPausesError",
    "OverrideConflictError",
    "PolicyError",
    "PolicyFormatError",
    "SlaClockDeprecationWarning",
    "SlaClockError",
    "SlaClockWarning",
    "SpanError",
    "TableFormatError",
    "UnknownHolidaySourceError",
    "UnknownSeverityError",
    "UnknownStatusError",
    "UnknownTimeZoneError",
    "UnorderedHistoryError",
]


_MAX_SHOWN = 300  # characters of a bad value's repr shown in a message


class SlaClockError(Exception):
    """Base class of every error slaclock raises on purpose."""


class InputError(SlaClockError, ValueError):
    """An argument or a field of an input is not valid.

    Parameters
    ----------
    field
        Where the bad value sits: a parameter name or a path such as
        ``"hours.mon[1]"`` or ``"pauses[2].end"``.
    value
        The value that was given.
    problem
        What is wrong with it, as a phrase (``"must not be negative"``).
    hint
        Optional advice on how to fix it.

    Examples
    --------
    >>> str(InputError("duration", -1, "must not be negative"))
    'duration: must not be negative (got -1)'
    """

    def __init__(self, field: str, value: object, problem: str, hint: str = "") -> None:
        super().__init__(field, value, problem, hint)
        self.field = field
        self.value = value
        self.problem = problem
        self.hint = hint

    def __str__(self) -> str:
        shown = repr(self.value)
        if len(shown) > _MAX_SHOWN:  # a whole table or history passed by mistake
            shown = f"{shown[: _MAX_SHOWN - 20]}... ({len(shown)} characters)"
        text = f"{self.field}: {self.problem} (got {shown})"
        return f"{text}; {self.hint}" if self.hint else text


class NaiveDatetimeError(InputError):
    """A datetime without a time zone was given where an instant is needed."""

    @classmethod
    def for_value(cls, field: str, value: object) -> NaiveDatetimeError:
        """Build the standard message for a naive ``value`` in ``field``."""
        return cls(
            field,
            value,
            "datetime has no time zone",
            "pass an aware datetime, or assume_tz='Area/City' to read wall times in that zone",
        )


class NonexistentTimeError(InputError):
    """A wall time read with ``assume_tz`` falls into a DST gap and names no instant."""


class IntervalOrderError(InputError):
    """An interval ends before it starts."""


class DurationError(InputError):
    """A duration or count is negative, fractional below a microsecond, or of the wrong type."""


class UnknownTimeZoneError(InputError):
    """The time zone is not in the IANA database available to ``zoneinfo``."""


class SpanError(InputError):
    """Opening hours or a span (``"09:00-17:00"``) cannot be read."""


class OverlappingPausesError(InputError):
    """Two pause intervals overlap (touching pauses are fine and merge)."""


class UnknownHolidaySourceError(InputError):
    """The ``holidays`` package knows no such country, subdivision, market or category."""


class OverrideConflictError(InputError):
    """Two overrides of the same kind give hours for one date."""


class UnorderedHistoryError(InputError):
    """A ticket's history has an event earlier than the one before it."""


class FutureEventError(InputError):
    """A ticket's history has an event later than ``now``."""


class UnknownStatusError(InputError):
    """A status label the policy's status mapping does not know."""


class UnknownSeverityError(InputError):
    """A severity label the policy does not know."""


class CalendarFormatError(InputError):
    """A calendar dictionary (``Calendar.from_dict``) is malformed."""


class PolicyFormatError(InputError):
    """A policy file or dictionary is malformed; ``field`` is the path in the file
    (``targets.P2.resolution.calendar``)."""


class TableFormatError(InputError):
    """A tickets or events table (CSV) cannot be read; ``field`` names the file, the data row
    (1-based, the header not counted) and the column: ``events.csv row 17, column at``.

    ``file``, ``row`` and ``column`` hold the parts of an error built by :meth:`at`
    (all None for a mistake in the header or the file as a whole, ``column`` None
    for a whole row).

    Examples
    --------
    >>> str(TableFormatError.at("events.csv", 17, "at", "2026-03-02T09:00", "has no UTC offset"))
    "events.csv row 17, column at: has no UTC offset (got '2026-03-02T09:00')"
    """

    file: str | None = None
    row: int | None = None
    column: str | None = None

    @classmethod
    def at(
        cls,
        file: str,
        row: int,
        column: str | None,
        value: object,
        problem: str,
        hint: str = "",
    ) -> TableFormatError:
        """The error for a cell (or a whole row when ``column`` is None)."""
        where = f"{file} row {row}" + (f", column {column}" if column else "")
        err = cls(where, value, problem, hint)
        err.file, err.row, err.column = file, row, column
        return err


class NoPolicyError(InputError):
    """No policy of a policy book applies to a ticket (no version in effect, or no condition matches)."""


class PolicyError(SlaClockError):
    """A policy is inconsistent as a whole: for example an internal target chain that
    does not fit under its external target (``check_internal_targets(strict=True)``)."""


class NoOpenTimeError(SlaClockError):
    """A search did not reach its answer within the calendar's horizon.

    Raised, fast, when a calendar never opens (or never closes) again within
    ``horizon_years`` of the search's start, instead of searching forever.

    Parameters
    ----------
    operation
        The operation that searched (``"due"``, ``"next_close"``, ...).
    start
        The instant the search started from.
    horizon_years
        How far the search looked.
    reason
        What was not found.
    """

    def __init__(self, operation: str, start: object, horizon_years: int, reason: str) -> None:
        super().__init__(operation, start, horizon_years, reason)
        self.operation = operation
        self.start = start
        self.horizon_years = horizon_years
        self.reason = reason

    def __str__(self) -> str:
        return (
            f"{self.operation}: {self.reason} within {self.horizon_years} years "
            f"of {self.start!r} (the calendar's horizon_years)"
        )


class SlaClockWarning(UserWarning):
    """Base class of every warning slaclock emits."""


class HolidayDataWarning(SlaClockWarning):
    """Holiday data is partial: a year the ``holidays`` package does not cover, or skipped ICS events."""


class SlaClockDeprecationWarning(SlaClockWarning, DeprecationWarning):
    """A public name or behaviour is deprecated and will go in a later major release.

    The message names what to use instead and the release that deprecated
    it. It is a :class:`DeprecationWarning`, so Python shows it where your
    code calls slaclock directly (``__main__``) and under pytest, and hides it
    elsewhere; it is also a :class:`SlaClockWarning`, so
    ``-W error::slaclock.errors.SlaClockWarning`` catches it with the others.
    See the versioning and deprecation policy in the documentation.

    .. versionadded:: 0.1
    """
