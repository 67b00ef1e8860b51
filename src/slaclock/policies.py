"""SLA policies: targets per metric and severity, status mappings, conditions.

A :class:`Policy` holds :class:`Target` values, one per metric and severity.
A target has a goal (:class:`BusinessTime`, :class:`CalendarTime` or
:class:`BusinessDays`, three distinct units), its calendar, how each status
drives its clock (:class:`ClockState`), optional start and stop events
(:class:`Trigger`), warnings (:class:`FractionWarning`,
:class:`BeforeDueWarning`), what a reopen does (:class:`Reopen`) and the
share of tickets that must meet it. Internal targets (OLAs) belong to a team
(:class:`InternalTarget`) and line up in chains under an external target
(:class:`Chain`).

A :class:`PolicyBook` holds several policies: versions (``valid_from``) and,
within a version, policies selected by declarative :class:`Condition` values
on ticket attributes (first match wins).

Everything here is a frozen value: policies are safe to share between
threads and cheap to pickle. Files are read by :mod:`slaclock.policy_files`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

from slaclock._instants import from_us, td_to_us, to_us
from slaclock.calendars import Calendar
from slaclock.errors import InputError, NoPolicyError, UnknownSeverityError, UnknownStatusError
from slaclock.tickets import (
    AgentReply,
    Assignment,
    CustomerReply,
    Event,
    StatusChange,
    Ticket,
    Update,
)

if TYPE_CHECKING:
    import slaclock.agreements

__all__ = [
    "BeforeDueWarning",
    "BusinessDays",
    "BusinessTime",
    "CalendarChoice",
    "CalendarTime",
    "Chain",
    "ClockState",
    "Condition",
    "FractionWarning",
    "Goal",
    "InternalTarget",
    "Metric",
    "Policy",
    "PolicyBook",
    "Reopen",
    "Target",
    "Trigger",
    "WarningRule",
]


class ClockState(enum.Enum):
    """What a status does to a target's clock."""

    RUNNING = "running"
    """The clock advances while the calendar is open."""
    PAUSED = "paused"
    """The clock holds its value (waiting on the customer, on hold)."""
    STOPPED = "stopped"
    """The ticket is done (solved, closed); leaving this state is a reopen."""


class Metric(enum.Enum):
    """What a target measures (SEMANTICS "Metrics every policy can express")."""

    FIRST_RESPONSE = "first_response"
    """From creation to the first agent reply (or the ticket's stop)."""
    RESOLUTION = "resolution"
    """From creation to a STOPPED status."""
    NEXT_REPLY = "next_reply"
    """From a customer message (no cycle open) to the next agent reply; one cycle each."""
    PERIODIC_UPDATE = "periodic_update"
    """From creation and every agent reply or update to the next one; one cycle each."""


class Reopen(enum.Enum):
    """What a reopen (a STOPPED status followed by one that is not) does to a target."""

    CONTINUE = "continue"
    """The same clock goes on; the time spent stopped counts as paused and the
    earlier outcome is replaced."""
    NEW_CYCLE = "new_cycle"
    """A new cycle starts at the reopen; the earlier cycle keeps its outcome."""


# ---- goals -------------------------------------------------------------------------------


def _positive(value: object, field: str) -> dt.timedelta:
    us = td_to_us(value, field)
    if us <= 0:
        raise InputError(field, value, "must be a positive duration")
    return dt.timedelta(microseconds=us)


def _duration(value: object) -> dt.timedelta:
    return _positive(value, "duration")


def _before(value: object) -> dt.timedelta:
    return _positive(value, "before")


def _metric(value: object) -> Metric:
    if isinstance(value, Metric):
        return value
    try:
        return Metric(value)
    except ValueError:
        known = ", ".join(repr(m.value) for m in Metric)
        raise InputError("metric", value, f"is not a metric (known: {known})") from None


def _reopen(value: object) -> Reopen:
    if isinstance(value, Reopen):
        return value
    try:
        return Reopen(value)
    except ValueError:
        raise InputError("reopen", value, "must be 'continue' or 'new_cycle'") from None


@attrs.frozen
class BusinessTime:
    """A goal of business time: open time of the target's calendar while the clock runs.

    >>> BusinessTime(dt.timedelta(hours=4))
    BusinessTime(duration=datetime.timedelta(seconds=14400))
    """

    duration: dt.timedelta = attrs.field(converter=_duration)

    def __str__(self) -> str:
        return f"{format_duration(self.duration)} business time"


@attrs.frozen
class CalendarTime:
    """A goal of calendar time: wall time on a 24/7 calendar (pauses still hold the clock)."""

    duration: dt.timedelta = attrs.field(converter=_duration)

    def __str__(self) -> str:
        return f"{format_duration(self.duration)} calendar time"


def _business_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("days", value, "must be a whole number of business days >= 1")
    return value


@attrs.frozen
class BusinessDays:
    """A goal of business days: due at the close of the N-th open local date after the start.

    Converted once, at the clock's start, into the business time up to that
    unpaused due (SEMANTICS "Business days"); never silently 24 or 8 hours.
    """

    days: int = attrs.field(converter=_business_days)

    def __str__(self) -> str:
        return f"{self.days} business day{'s' if self.days != 1 else ''}"


Goal: TypeAlias = BusinessTime | CalendarTime | BusinessDays
"""One of the three goal units."""


def format_duration(value: dt.timedelta) -> str:
    """A short text for a duration: ``4h``, ``15m``, ``1h30m``, ``2d``, ``90s``, ``1.5s``.

    >>> format_duration(dt.timedelta(hours=1, minutes=30))
    '1h30m'
    """
    us = td_to_us(value)
    sign = "-" if us < 0 else ""
    us = abs(us)
    parts = []
    for unit, size in (("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000)):
        n, us = divmod(us, size)
        if n:
            parts.append(f"{n}{unit}")
    if us:
        s, frac = divmod(us, 1_000_000)
        parts.append(f"{s}.{frac:06d}".rstrip("0") + "s" if frac else f"{s}s")
    return sign + ("".join(parts) or "0s")


_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|ms|us)")
_UNIT_US: Final = MappingProxyType(
    {
        "d": 86_400_000_000,
        "h": 3_600_000_000,
        "m": 60_000_000,
        "s": 1_000_000,
        "ms": 1_000,
        "us": 1,
    }
)


def parse_duration(text: object, field: str = "duration") -> dt.timedelta:
    """A duration from text such as ``"4h"``, ``"15m"``, ``"1h30m"``, ``"2.5h"``, ``"90s"``.

    Exact: ``"2.5h"`` is 9000 s; a value finer than a microsecond is an error.

    >>> parse_duration("1h30m")
    datetime.timedelta(seconds=5400)
    """
    if isinstance(text, dt.timedelta):
        return text
    if not isinstance(text, str) or not text.strip():
        raise InputError(field, text, "must be a duration such as '4h', '15m' or '1h30m'")
    pos = 0
    total = Fraction(0)
    body = text.strip().replace(" ", "")
    while pos < len(body):
        m = _DURATION_RE.match(body, pos)
        if m is None:
            raise InputError(field, text, "must be a duration such as '4h', '15m' or '1h30m'")
        total += Fraction(m.group(1)) * _UNIT_US[m.group(2)]
        pos = m.end()
    if total.denominator != 1:
        raise InputError(field, text, "is finer than a microsecond")
    return dt.timedelta(microseconds=int(total))


# ---- triggers ---------------------------------------------------------------------------

_TRIGGER_KINDS = (
    "created",
    "status",
    "agent_reply",
    "customer_reply",
    "update",
    "assignment",
    "reopen",
)


@attrs.frozen
class Trigger:
    """An event that starts or stops a target's clock, in place of the metric's default.

    ``kind`` is one of ``created``, ``status``, ``agent_reply``,
    ``customer_reply``, ``update``, ``assignment`` or ``reopen``; ``value``
    narrows it (``status:open``, ``assignment:tier2``); ``agent_reply:public``
    counts only public replies.

    >>> Trigger.parse("assignment:tier2")
    Trigger(kind='assignment', value='tier2')
    >>> str(Trigger.parse("agent_reply:public"))
    'agent_reply:public'
    """

    kind: str
    value: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind not in _TRIGGER_KINDS:
            raise InputError(
                "trigger",
                self.kind,
                f"is not an event kind (known: {', '.join(repr(k) for k in _TRIGGER_KINDS)})",
            )
        if self.value is not None and (not isinstance(self.value, str) or not self.value):
            raise InputError("trigger", self.value, "must be non-empty text after ':'")
        if self.kind == "agent_reply" and self.value not in (None, "public"):
            raise InputError(
                "trigger", f"agent_reply:{self.value}", "only 'agent_reply:public' narrows a reply"
            )
        if (
            self.kind in ("created", "customer_reply", "update", "reopen")
            and self.value is not None
        ):
            raise InputError(
                "trigger", f"{self.kind}:{self.value}", f"'{self.kind}' takes no ':value'"
            )

    @classmethod
    def parse(cls, text: object, field: str = "trigger") -> Trigger:
        """A trigger from ``"kind"`` or ``"kind:value"``."""
        if isinstance(text, Trigger):
            return text
        if not isinstance(text, str) or not text.strip():
            raise InputError(
                field, text, "must be an event kind such as 'agent_reply' or 'assignment:tier2'"
            )
        kind, sep, value = text.strip().partition(":")
        try:
            return cls(kind.strip(), value.strip() if sep else None)
        except InputError as e:
            raise InputError(field, text, e.problem) from None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"

    def matches(self, event: Event, *, is_first: bool = False) -> bool:
        """True if ``event`` is one this trigger names (``created`` matches the first event)."""
        kind = self.kind
        if kind == "created":
            return is_first
        if kind == "agent_reply":
            return isinstance(event, AgentReply) and (self.value is None or event.public)
        if kind == "customer_reply":
            return isinstance(event, CustomerReply)
        if kind == "update":
            return isinstance(event, Update)
        if kind == "assignment":
            return isinstance(event, Assignment) and self.value in (None, event.team)
        if kind == "status":
            return isinstance(event, StatusChange) and self.value in (None, event.status)
        return False  # "reopen" is matched by the replay, which knows the clock states


# ---- warnings ---------------------------------------------------------------------------


@attrs.frozen
class FractionWarning:
    """Warn when the clock reaches ``fraction`` of the goal (exact; rounded up to a microsecond).

    >>> FractionWarning.parse("75%").label
    '75%'
    """

    fraction: Fraction = attrs.field(converter=Fraction)
    _text: str = attrs.field(init=False, eq=False, repr=False)
    _ratio: tuple[int, int] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not 0 < self.fraction < 1:
            raise InputError("fraction", self.fraction, "must be between 0 and 1 (exclusive)")
        pct = self.fraction * 100
        text = f"{pct.numerator}%" if pct.denominator == 1 else f"{float(pct):g}%"
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_ratio", (self.fraction.numerator, self.fraction.denominator))

    @classmethod
    def parse(cls, text: str) -> FractionWarning:
        """From ``"75%"`` or ``"0.75"`` (the decimal as written, exactly)."""
        t = text.strip()
        if t.endswith("%"):
            return cls(Fraction(t[:-1].strip()) / 100)
        return cls(Fraction(t))

    @property
    def label(self) -> str:
        """The warning as text (``"75%"``)."""
        return self._text

    def threshold_us(self, goal_us: int) -> int:
        """The clock value that fires it: ``fraction * goal`` rounded up to a microsecond."""
        num, den = self._ratio
        return -((-num * goal_us) // den)


@attrs.frozen
class BeforeDueWarning:
    """Warn ``before`` business time before the due (``subtract(due, before)``, not before the start)."""

    before: dt.timedelta = attrs.field(converter=_before)
    _text: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_text", f"{format_duration(self.before)} before due")

    @property
    def label(self) -> str:
        """The warning as text (``"1h before due"``)."""
        return self._text


WarningRule: TypeAlias = FractionWarning | BeforeDueWarning
"""One of the two warning kinds."""


def parse_warning(value: object, field: str = "warnings") -> WarningRule:
    """A warning from ``"75%"``, ``"0.75"``, ``"1h before due"`` (or a warning value).

    >>> parse_warning("1h before due").label
    '1h before due'
    """
    if isinstance(value, (FractionWarning, BeforeDueWarning)):
        return value
    if isinstance(value, str):
        text = value.strip()
        for suffix in (" before due", " before"):
            if text.endswith(suffix):
                return BeforeDueWarning(parse_duration(text[: -len(suffix)], field))
        try:
            return FractionWarning.parse(text)
        except InputError as e:  # before ValueError: InputError is one ("150%")
            raise InputError(field, value, e.problem) from None
        except (ValueError, ZeroDivisionError):
            pass
    raise InputError(
        field, value, "must be a fraction ('75%', '0.9') or an offset ('1h before due')"
    )


def parse_share(value: object, field: str = "required") -> Fraction:
    """A required share from ``"90%"``, ``0.9`` or ``"0.9"``, exactly, in ``(0, 1]``."""
    try:
        if isinstance(value, str) and value.strip().endswith("%"):
            share = Fraction(value.strip()[:-1].strip()) / 100
        elif isinstance(value, float):
            share = Fraction(str(value))
        elif isinstance(value, (str, int, Fraction)) and not isinstance(value, bool):
            share = Fraction(value)
        else:
            raise TypeError
    except (ValueError, TypeError, ZeroDivisionError):
        raise InputError(field, value, "must be a share such as '90%' or 0.9") from None
    if not 0 < share <= 1:
        raise InputError(field, value, "must be a share above 0% and at most 100%")
    return share


# ---- calendars chosen by attribute ------------------------------------------------------


def _choices(value: object) -> tuple[tuple[str, Calendar], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    if not isinstance(items, Iterable):
        raise InputError("calendars", value, "must map attribute values to calendars")
    out: dict[str, Calendar] = {}
    for pair in items:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InputError("calendars", pair, "must be (attribute value, Calendar) pairs")
        key, cal = pair
        if not isinstance(cal, Calendar):
            raise InputError(f"calendars[{key!r}]", cal, "must be a Calendar")
        out[key] = cal
    return tuple(sorted(out.items(), key=lambda kv: repr(kv[0])))


@attrs.frozen
class CalendarChoice:
    """A target calendar taken from a ticket attribute (the customer's region).

    ``calendars`` maps attribute values to calendars; ``default`` (optional)
    serves tickets without the attribute or with another value.
    """

    attribute: str
    calendars: tuple[tuple[str, Calendar], ...] = attrs.field(converter=_choices)
    default: Calendar | None = None

    def resolve(self, attributes: Mapping[str, Any]) -> Calendar:
        """The calendar for a ticket with these attributes.

        Raises
        ------
        InputError
            If the attribute is missing or has no calendar and there is no default.
        """
        value = attributes.get(self.attribute)
        for key, cal in self.calendars:
            if key == value:
                return cal
        if self.default is not None:
            return self.default
        known = ", ".join(repr(k) for k, _ in self.calendars)
        raise InputError(
            f"attributes[{self.attribute!r}]",
            value,
            f"has no calendar (known: {known})",
            "add a calendar for it or a default",
        )


CalendarLike: TypeAlias = Calendar | CalendarChoice


def _calendar(value: object) -> CalendarLike | None:
    if value is None or isinstance(value, (Calendar, CalendarChoice)):
        return value
    raise InputError("calendar", value, "must be a Calendar or a CalendarChoice")


# ---- conditions -------------------------------------------------------------------------


def _clauses(value: object) -> tuple[tuple[str, frozenset[Any]], ...]:
    if value is None:
        return ()
    if isinstance(value, tuple) and all(isinstance(c, tuple) and len(c) == 2 for c in value):
        items: Iterable[tuple[Any, Any]] = value
    elif isinstance(value, Mapping):
        items = value.items()
    else:
        raise InputError("when", value, "must map attribute names to a value or a list of values")
    out = []
    for name, allowed in items:
        if not isinstance(name, str) or not name:
            raise InputError("when", name, "attribute names must be non-empty text")
        try:
            if isinstance(allowed, frozenset):
                values = allowed
            elif isinstance(allowed, (list, tuple, set)):
                values = frozenset(allowed)
            else:
                values = frozenset([allowed])
        except TypeError:  # a list or a mapping among the values
            raise InputError(
                f"when.{name}", allowed, "values must be single values such as text or numbers"
            ) from None
        if not values:
            raise InputError(f"when.{name}", allowed, "must list at least one value")
        out.append((name, values))
    return tuple(sorted(out, key=lambda c: c[0]))


@attrs.frozen
class Condition:
    """A declarative test on ticket attributes: every named attribute must have one of the values.

    Equality and membership only, never evaluated code. The empty condition
    matches every ticket.

    >>> c = Condition({"tier": ["gold", "platinum"], "channel": "email"})
    >>> c.matches({"tier": "gold", "channel": "email", "region": "us"})
    True
    >>> c.matches({"tier": "silver", "channel": "email"})
    False
    """

    clauses: tuple[tuple[str, frozenset[Any]], ...] = attrs.field(default=(), converter=_clauses)

    def matches(self, attributes: Mapping[str, Any]) -> bool:
        """True if every clause holds (a missing attribute fails its clause)."""
        for name, values in self.clauses:
            if name not in attributes or attributes[name] not in values:
                return False
        return True

    def __str__(self) -> str:
        if not self.clauses:
            return "always"
        parts = []
        for name, values in self.clauses:
            shown = sorted(values, key=repr)
            parts.append(f"{name} = {shown[0]!r}" if len(shown) == 1 else f"{name} in {shown!r}")
        return " and ".join(parts)


# ---- targets ----------------------------------------------------------------------------

_DEFAULT_START: Final = MappingProxyType(
    {
        Metric.FIRST_RESPONSE: (Trigger("created"),),
        Metric.RESOLUTION: (Trigger("created"),),
        Metric.NEXT_REPLY: (Trigger("customer_reply"),),
        Metric.PERIODIC_UPDATE: (Trigger("created"), Trigger("agent_reply"), Trigger("update")),
    }
)
_DEFAULT_STOP: Final = MappingProxyType(
    {
        Metric.FIRST_RESPONSE: (Trigger("agent_reply"),),
        Metric.RESOLUTION: (),
        Metric.NEXT_REPLY: (Trigger("agent_reply"),),
        Metric.PERIODIC_UPDATE: (Trigger("agent_reply"), Trigger("update")),
    }
)


def _statuses(value: object) -> tuple[tuple[str, ClockState], ...] | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        pairs: Iterable[tuple[object, object]] = value.items()
    elif isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        pairs = value  # (name, state) pairs, as the attribute holds them
    else:
        raise InputError("statuses", value, "must map status names to running, paused or stopped")
    out: dict[str, ClockState] = {}
    for name, state in pairs:
        if not isinstance(name, str) or not name.strip():
            raise InputError("statuses", name, "status names must be non-empty text")
        try:
            out[name] = state if isinstance(state, ClockState) else ClockState(state)
        except ValueError:
            raise InputError(
                f"statuses.{name}", state, "must be 'running', 'paused' or 'stopped'"
            ) from None
    return tuple(out.items())


def _triggers(value: object) -> tuple[Trigger, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, Trigger)):
        value = [value]
    if not isinstance(value, Iterable):
        raise InputError("trigger", value, "must be a list of event kinds")
    return tuple(Trigger.parse(v) for v in value)


def _warnings(value: object) -> tuple[WarningRule, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, FractionWarning, BeforeDueWarning)):
        value = [value]
    if not isinstance(value, Iterable):
        raise InputError("warnings", value, "must be a list of warnings")
    return tuple(parse_warning(v, f"warnings[{i}]") for i, v in enumerate(value))


def _share(value: object) -> Fraction | None:
    return None if value is None else parse_share(value)


def _goal(value: object) -> Goal:
    if isinstance(value, (BusinessTime, CalendarTime, BusinessDays)):
        return value
    if isinstance(value, dt.timedelta):
        return BusinessTime(value)
    raise InputError("goal", value, "must be BusinessTime, CalendarTime or BusinessDays")


@attrs.frozen
class Target:
    """An SLA target: a goal for one metric and severity, with its clock rules.

    Parameters
    ----------
    metric
        What it measures (a :class:`Metric` or its value, ``"resolution"``).
    severity
        The severity label it applies to.
    goal
        :class:`BusinessTime`, :class:`CalendarTime` or :class:`BusinessDays`
        (a bare ``timedelta`` means business time).
    calendar
        Its calendar, or a :class:`CalendarChoice` by ticket attribute.
        Not needed for :class:`CalendarTime` (always 24/7).
    statuses
        Status → :class:`ClockState` for this target; statuses not named
        follow the policy's mapping.
    start_on, stop_on
        Events that start and stop the clock in place of the metric's
        defaults (``["assignment"]``, ``["agent_reply:public"]``).
    warnings
        Warnings at fractions of the goal or offsets before due.
    reopen
        What a reopen does (:class:`Reopen`).
    required
        The share of tickets that must meet the target (``"90%"``).
    """

    metric: Metric = attrs.field(converter=_metric)
    severity: str
    goal: Goal = attrs.field(converter=_goal)
    calendar: CalendarLike | None = attrs.field(default=None, converter=_calendar)
    statuses: tuple[tuple[str, ClockState], ...] | None = attrs.field(
        default=None, converter=_statuses
    )
    start_on: tuple[Trigger, ...] = attrs.field(default=(), converter=_triggers)
    stop_on: tuple[Trigger, ...] = attrs.field(default=(), converter=_triggers)
    warnings: tuple[WarningRule, ...] = attrs.field(default=(), converter=_warnings)
    reopen: Reopen = attrs.field(default=Reopen.CONTINUE, converter=_reopen)
    required: Fraction | None = attrs.field(default=None, converter=_share)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.severity, str) or not self.severity.strip():
            raise InputError("severity", self.severity, "must be a severity label such as 'P2'")
        if self.calendar is None and not isinstance(self.goal, CalendarTime):
            raise InputError("calendar", None, f"is required for a {type(self.goal).__name__} goal")

    @property
    def name(self) -> str:
        """``"<severity>.<metric>"``, as in policy files (``"P2.resolution"``)."""
        return f"{self.severity}.{self.metric.value}"

    @property
    def starts(self) -> tuple[Trigger, ...]:
        """The events that start the clock (the metric's defaults unless ``start_on`` is given)."""
        return self.start_on or _DEFAULT_START[self.metric]

    @property
    def stops(self) -> tuple[Trigger, ...]:
        """The events that stop the clock, besides a STOPPED status."""
        return self.stop_on or _DEFAULT_STOP[self.metric]

    def calendar_for(self, attributes: Mapping[str, Any]) -> Calendar:
        """The calendar this target measures on, for a ticket with these attributes."""
        if isinstance(self.goal, CalendarTime):
            return _ALWAYS
        cal = self.calendar
        assert cal is not None
        return cal.resolve(attributes) if isinstance(cal, CalendarChoice) else cal


_ALWAYS = Calendar.always_open("UTC")


@attrs.frozen
class InternalTarget:
    """An internal target (OLA) of a team or tier: the time the team holds a ticket.

    Measured from an assignment to the team until the next reassignment or
    the ticket's stop, with the same clock rules as an external target. Each
    stint with the team is one cycle. ``severity`` None applies to every
    severity.
    """

    team: str
    goal: Goal = attrs.field(converter=_goal)
    calendar: CalendarLike | None = attrs.field(default=None, converter=_calendar)
    severity: str | None = None
    statuses: tuple[tuple[str, ClockState], ...] | None = attrs.field(
        default=None, converter=_statuses
    )
    warnings: tuple[WarningRule, ...] = attrs.field(default=(), converter=_warnings)
    required: Fraction | None = attrs.field(default=None, converter=_share)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.team, str) or not self.team.strip():
            raise InputError("team", self.team, "must be a team or tier name such as 'tier1'")
        if self.calendar is None and not isinstance(self.goal, CalendarTime):
            raise InputError("calendar", None, f"is required for a {type(self.goal).__name__} goal")

    @property
    def name(self) -> str:
        """``"<team>"`` or ``"<team>.<severity>"``."""
        return self.team if self.severity is None else f"{self.team}.{self.severity}"

    def calendar_for(self, attributes: Mapping[str, Any]) -> Calendar:
        """The calendar this target measures on, for a ticket with these attributes."""
        if isinstance(self.goal, CalendarTime):
            return _ALWAYS
        cal = self.calendar
        assert cal is not None
        return cal.resolve(attributes) if isinstance(cal, CalendarChoice) else cal


def _seq(value: object, field: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError(field, value, "must be a list")
    return tuple(value)


def _severities(value: Iterable[str]) -> tuple[str, ...]:
    return _seq(value, "severities")


def _teams(value: Iterable[str]) -> tuple[str, ...]:
    return _seq(value, "teams")


def _targets(value: Iterable[Target]) -> tuple[Target, ...]:
    return _seq(value, "targets")


def _internal(value: Iterable[InternalTarget]) -> tuple[InternalTarget, ...]:
    return _seq(value, "internal_targets")


def _chains(value: Iterable[Chain]) -> tuple[Chain, ...]:
    return _seq(value, "chains")


def _policies(value: Iterable[Policy]) -> tuple[Policy, ...]:
    return _seq(value, "policies")


def _named_calendars(value: object) -> tuple[tuple[str, Calendar], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise InputError("calendars", value, "must map names to calendars")
    out: dict[str, Calendar] = {}
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise InputError("calendars", item, "must be (name, Calendar) pairs")
        name, calendar = item
        if not isinstance(name, str) or not name.strip():
            raise InputError("calendars", name, "calendar names must be non-empty text")
        if not isinstance(calendar, Calendar):
            raise InputError(f"calendars[{name!r}]", calendar, "must be a Calendar")
        if name in out:
            raise InputError("calendars", name, "names a calendar twice")
        out[name] = calendar
    return tuple(out.items())


def _no_agreements() -> slaclock.agreements.Agreements:
    # imported here: slaclock.agreements imports this module (through credits and reports)
    from slaclock.agreements import Agreements

    return Agreements()


@attrs.frozen
class Chain:
    """Internal targets in order (tier 1, tier 2, vendor) under one external target.

    ``severity`` and ``metric`` name the external target; ``teams`` the
    internal targets, in the order a ticket passes through them.
    """

    severity: str
    teams: tuple[str, ...] = attrs.field(converter=_teams)
    metric: Metric = attrs.field(default=Metric.RESOLUTION, converter=_metric)

    def __attrs_post_init__(self) -> None:
        if not self.teams:
            raise InputError("teams", self.teams, "a chain needs at least one team")


# ---- policies ---------------------------------------------------------------------------


def _condition(value: object) -> Condition:
    return value if isinstance(value, Condition) else Condition(value)


def _valid_from(value: object) -> dt.datetime | None:
    if value is None:
        return None
    return from_us(to_us(value, "valid_from"))


@attrs.frozen
class Policy:
    """One version of a service agreement: severities, statuses and targets.

    Parameters
    ----------
    name
        The policy's name (shown in results).
    severities
        Severity labels, most severe first (``("P1", "P2", "P3", "P4")``).
    statuses
        Status → :class:`ClockState` (or ``"running"``, ``"paused"``, ``"stopped"``).
    targets
        The external targets, at most one per metric and severity.
    internal_targets, chains
        Internal targets (OLAs) and the chains they form under external targets.
    when
        Which tickets the policy applies to, in a :class:`PolicyBook`.
    initial_status
        The status of a ticket whose first event is not a status change
        (default: the first status of the mapping).
    valid_from
        The instant this version takes effect (aware), in a :class:`PolicyBook`.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar
    >>> cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
    >>> policy = Policy(
    ...     "support",
    ...     severities=["P1", "P2"],
    ...     statuses={"open": "running", "pending": "paused", "solved": "stopped"},
    ...     targets=[
    ...         Target("first_response", "P1", CalendarTime(dt.timedelta(minutes=15))),
    ...         Target("resolution", "P2", BusinessTime(dt.timedelta(hours=8)), cal,
    ...                warnings=["75%", "1h before due"], required="90%"),
    ...     ],
    ... )
    >>> policy.target("resolution", "P2").goal
    BusinessTime(duration=datetime.timedelta(seconds=28800))
    """

    name: str
    severities: tuple[str, ...] = attrs.field(converter=_severities)
    _statuses: tuple[tuple[str, ClockState], ...] = attrs.field(
        converter=_statuses, alias="statuses"
    )
    targets: tuple[Target, ...] = attrs.field(converter=_targets)
    internal_targets: tuple[InternalTarget, ...] = attrs.field(default=(), converter=_internal)
    chains: tuple[Chain, ...] = attrs.field(default=(), converter=_chains)
    when: Condition = attrs.field(default=Condition(), converter=_condition)
    initial_status: str | None = None
    valid_from: dt.datetime | None = attrs.field(default=None, converter=_valid_from)
    _status_map: dict[str, ClockState] = attrs.field(init=False, eq=False, repr=False)
    # what the replay derives from each target (slaclock.evaluation), kept with the
    # policy: filled on first use, each entry written once with the same value
    _plans: dict[Any, Any] = attrs.field(init=False, eq=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_status_map", dict(self._statuses or ()))
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("name", self.name, "must be non-empty text")
        if not self.severities:
            raise InputError("severities", self.severities, "must list at least one severity")
        for i, sev in enumerate(self.severities):
            if not isinstance(sev, str) or not sev.strip():
                raise InputError(f"severities[{i}]", sev, "must be a severity label such as 'P2'")
        if len(set(self.severities)) != len(self.severities):
            raise InputError("severities", self.severities, "must not repeat a label")
        if not self._statuses:
            raise InputError("statuses", {}, "must map at least one status")
        known = self.statuses
        if self.initial_status is not None and self.initial_status not in known:
            raise UnknownStatusError(
                "initial_status",
                self.initial_status,
                f"is not a status (known: {_names(known)})",
            )
        if known[self.initial] is ClockState.STOPPED:
            raise InputError("initial_status", self.initial, "must not be a stopped status")
        seen: set[tuple[Metric, str]] = set()
        events: dict[Metric, tuple[int, Target]] = {}
        for i, target in enumerate(self.targets):
            if not isinstance(target, Target):
                raise InputError(f"targets[{i}]", target, "must be a Target")
            self._check_labels(f"targets[{i}]", target.severity, target.statuses)
            key = (target.metric, target.severity)
            if key in seen:
                raise InputError(
                    f"targets[{i}]", target.name, "repeats a metric and severity already given"
                )
            seen.add(key)
            # a severity change re-measures the ticket "as if it had always had that
            # severity": the cycles of one metric must be cut by the same events
            first = events.setdefault(target.metric, (i, target))
            if (first[1].starts, first[1].stops) != (target.starts, target.stops):
                raise InputError(
                    f"targets[{i}]",
                    target.name,
                    f"starts on {_events(target.starts)} and stops on {_events(target.stops)}, "
                    f"but {first[1].name} starts on {_events(first[1].starts)} and stops on "
                    f"{_events(first[1].stops)}",
                    "the targets of one metric share their start and stop events "
                    "(goals, calendars, statuses, warnings and reopen may differ)",
                )
        teams: set[tuple[str, str | None]] = set()
        for i, it in enumerate(self.internal_targets):
            if not isinstance(it, InternalTarget):
                raise InputError(f"internal_targets[{i}]", it, "must be an InternalTarget")
            if it.severity is not None:
                self._check_labels(f"internal_targets[{i}]", it.severity, it.statuses)
            else:
                self._check_labels(f"internal_targets[{i}]", None, it.statuses)
            if (it.team, it.severity) in teams:
                raise InputError(f"internal_targets[{i}]", it.name, "repeats a team already given")
            teams.add((it.team, it.severity))
        for i, chain in enumerate(self.chains):
            if self.target(chain.metric, chain.severity) is None:
                raise InputError(
                    f"chains[{i}]",
                    f"{chain.severity}.{chain.metric.value}",
                    "names no external target of the policy",
                )
            for team in chain.teams:
                if self.internal_target(team, chain.severity) is None:
                    raise InputError(
                        f"chains[{i}].teams", team, "names no internal target of the policy"
                    )

    def _check_labels(
        self, field: str, severity: str | None, statuses: tuple[tuple[str, ClockState], ...] | None
    ) -> None:
        if severity is not None and severity not in self.severities:
            raise UnknownSeverityError(
                f"{field}.severity",
                severity,
                f"is not a severity of the policy (known: {_names(self.severities)})",
            )
        for name, _ in statuses or ():
            if name not in self.statuses:
                raise UnknownStatusError(
                    f"{field}.statuses",
                    name,
                    f"is not a status of the policy (known: {_names(self.statuses)})",
                )

    @property
    def statuses(self) -> Mapping[str, ClockState]:
        """Status → clock state, in the order given (read-only)."""
        return MappingProxyType(self._status_map)

    @property
    def initial(self) -> str:
        """The status a ticket starts in when its first event is not a status change."""
        return self.initial_status if self.initial_status is not None else self._statuses[0][0]

    def rank(self, severity: str) -> int:
        """The severity's position, 0 for the most severe."""
        try:
            return self.severities.index(severity)
        except ValueError:
            raise UnknownSeverityError(
                "severity",
                severity,
                f"is not a severity of the policy (known: {_names(self.severities)})",
            ) from None

    def target(self, metric: Metric | str, severity: str) -> Target | None:
        """The target for ``metric`` and ``severity``, or None."""
        m = _metric(metric)
        for target in self.targets:
            if target.metric is m and target.severity == severity:
                return target
        return None

    def metrics(self) -> tuple[Metric, ...]:
        """The metrics that have a target for some severity, in :class:`Metric` order."""
        have = {t.metric for t in self.targets}
        return tuple(m for m in Metric if m in have)

    def internal_target(self, team: str, severity: str) -> InternalTarget | None:
        """The internal target of ``team`` for ``severity`` (a severity-specific one first)."""
        fallback = None
        for it in self.internal_targets:
            if it.team == team:
                if it.severity == severity:
                    return it
                if it.severity is None:
                    fallback = it
        return fallback

    def state_map(self, target: Target | InternalTarget) -> dict[str, ClockState]:
        """The full status → clock state mapping of one target (its own entries over the policy's)."""
        mapping = dict(self._statuses)
        mapping.update(target.statuses or ())
        return mapping

    def check_ticket(self, ticket: Ticket, *, now: dt.datetime) -> None:
        """Check a ticket against ``now`` and this policy's statuses and severities."""
        ticket.check(now=now, statuses=self.statuses, severities=self.severities)


def _events(triggers: Iterable[Trigger]) -> str:
    return "[" + ", ".join(str(t) for t in triggers) + "]"


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


@attrs.frozen
class PolicyBook:
    """Policies selected per ticket: by version (``valid_from``), then by condition.

    A ticket is measured by the version in effect at its creation: among the
    policies whose ``valid_from`` is at or before the creation (a policy
    without one is always in effect), those with the latest ``valid_from``
    form the version; the first of them (in the order given) whose ``when``
    matches the ticket's attributes applies. ``as_of=`` selects the version in
    effect at another instant (what-if).

    Parameters
    ----------
    policies
        The policies, in order.
    name
        The book's name.
    calendars
        The named calendars of the book's file (a mapping, or ``(name,
        calendar)`` pairs), read back as a read-only mapping; informative, the
        targets hold their own calendars.
    agreements
        The agreement terms besides targets: services, credits, error counts
        and service levels (:class:`~slaclock.agreements.Agreements`, empty by
        default).
    """

    policies: tuple[Policy, ...] = attrs.field(converter=_policies)
    name: str = ""
    _calendars: tuple[tuple[str, Calendar], ...] = attrs.field(
        default=(), converter=_named_calendars, alias="calendars"
    )
    agreements: slaclock.agreements.Agreements = attrs.field(factory=_no_agreements)

    def __attrs_post_init__(self) -> None:
        if not self.policies:
            raise InputError("policies", self.policies, "must hold at least one policy")
        for i, p in enumerate(self.policies):
            if not isinstance(p, Policy):
                raise InputError(f"policies[{i}]", p, "must be a Policy")
        from slaclock.agreements import Agreements

        if not isinstance(self.agreements, Agreements):
            raise InputError("agreements", self.agreements, "must be an Agreements value")

    @property
    def calendars(self) -> Mapping[str, Calendar]:
        """The named calendars of the book's file, in the order written (read-only)."""
        return MappingProxyType(dict(self._calendars))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PolicyBook:
        """Read a policy file (TOML): :func:`slaclock.policy_files.load_policy`.

        Raises
        ------
        PolicyFormatError
            Naming the file and the path of the mistake in it.
        """
        # imported here, not at the top: policy_files imports this module
        from slaclock.policy_files import load_policy

        return load_policy(path)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<string>") -> PolicyBook:
        """Read TOML text in the policy file format: :func:`slaclock.policy_files.policy_from_toml`."""
        from slaclock.policy_files import policy_from_toml

        return policy_from_toml(text, source=source)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> PolicyBook:
        """Read a mapping in the policy file format: :func:`slaclock.policy_files.policy_from_dict`."""
        from slaclock.policy_files import policy_from_dict

        return policy_from_dict(data, source=source)

    def versions(self) -> tuple[dt.datetime | None, ...]:
        """The distinct ``valid_from`` instants, earliest first (None first)."""
        found = {p.valid_from for p in self.policies}
        return tuple(
            sorted(
                found, key=lambda v: (v is not None, v or dt.datetime.min.replace(tzinfo=dt.UTC))
            )
        )

    def select(self, ticket: Ticket, *, as_of: dt.datetime | None = None) -> Policy:
        """The policy that measures ``ticket``.

        Raises
        ------
        NoPolicyError
            If no version is in effect at the instant, or no condition matches.
        """
        return self.select_for(ticket.created_at, ticket.attributes, as_of=as_of)

    def select_for(
        self,
        created_at: dt.datetime,
        attributes: Mapping[str, Any],
        *,
        as_of: dt.datetime | None = None,
    ) -> Policy:
        """The policy for a ticket created at ``created_at`` with ``attributes`` (see :meth:`select`)."""
        at = from_us(to_us(created_at if as_of is None else as_of, "as_of"))
        in_effect = [p for p in self.policies if p.valid_from is None or p.valid_from <= at]
        if not in_effect:
            first = min(p.valid_from for p in self.policies if p.valid_from is not None)
            raise NoPolicyError(
                "created_at" if as_of is None else "as_of",
                at,
                f"is before the first policy version ({first.isoformat()})",
            )
        dated = [p.valid_from for p in in_effect if p.valid_from is not None]
        latest = max(dated) if dated else None
        version = [p for p in in_effect if p.valid_from == latest]
        for policy in version:
            if policy.when.matches(attributes):
                return policy
        raise NoPolicyError(
            "attributes",
            dict(attributes),
            "match no policy's conditions ("
            + "; ".join(f"{p.name}: {p.when}" for p in version)
            + ")",
            "add a policy without conditions as the last one",
        )
