"""Sample tickets: a deterministic generator, and tickets and events tables.

:func:`generate_sample` builds a year of realistic helpdesk tickets over a
policy book (the example policy of :func:`slaclock.policy_files.example_policy`):
arrivals weighted to the business hours of the customer's region, few P1
tickets, first replies, waits on the customer that pause the clock,
reassignments from tier 1 to tier 2 to a vendor, severity upgrades and
downgrades, reopenings, closings, cancels (merged tickets), and tickets still
open at ``now``. Agents work in business time: their delays are drawn as
fractions of the policy's goals, so a realistic share of targets is breached.
The same seed gives the same tickets on every machine (only
:class:`random.Random`, no numpy).

:func:`write_tables` and :func:`read_tables` store tickets in two CSV
tables, in long form (the shape a helpdesk export has):

``tickets.csv``
    ``ticket_id, severity, created_at``, then one column per attribute
    (``tier, region, channel, product`` in the sample). An empty attribute
    cell means the ticket does not have that attribute; attribute values are
    text.
``events.csv``
    ``ticket_id, seq, at, kind, value``: one row per event. ``seq`` orders a
    ticket's events (same-instant events apply in ``seq`` order); ``kind`` is
    one of ``status``, ``agent_reply``, ``customer_reply``, ``update``,
    ``assignment``, ``severity`` and ``cancel`` (the ``kind`` of the event
    classes); ``value`` is the status, ``public`` or ``private`` for an agent
    reply (empty means public), the team, the severity, or the reason of a
    cancel; it is empty for customer replies and updates.

Instants are ISO 8601 with a UTC offset (``2026-03-02T14:05:09Z``, or
``+00:00``, or any other offset); the writer uses UTC with ``Z``. A ticket's
``created_at`` is the instant of its first event. Reading checks everything
and names the file, the data row (1-based, the header is not counted) and
the column of a mistake (:class:`~slaclock.errors.TableFormatError`)::

    events.csv row 17, column at: has no UTC offset (got '2026-03-02T14:05:09')

.. versionadded:: 0.1
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import os
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import IO, Any, TypeVar

import attrs

from slaclock._instants import from_us, to_us
from slaclock.calendars import Calendar
from slaclock.errors import InputError, SlaClockError, TableFormatError
from slaclock.policies import (
    BusinessDays,
    CalendarTime,
    Metric,
    Policy,
    PolicyBook,
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

__all__ = [
    "EVENTS_COLUMNS",
    "EVENT_KINDS",
    "SAMPLE_ATTRIBUTES",
    "SAMPLE_END",
    "SAMPLE_NOW",
    "SAMPLE_SEED",
    "SAMPLE_START",
    "SAMPLE_TICKETS",
    "TICKETS_COLUMNS",
    "TableRead",
    "event_from_row",
    "event_value",
    "format_instant",
    "generate_sample",
    "load_sample",
    "parse_instant",
    "read_tables",
    "sample_files",
    "scan_tables",
    "write_tables",
]

SAMPLE_START = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
"""The first instant of the committed sample."""
SAMPLE_END = dt.datetime(2026, 10, 31, tzinfo=dt.UTC)
"""The end of the committed sample (tickets are created before it)."""
SAMPLE_NOW = SAMPLE_END
"""The ``now`` the committed sample is measured at (``slaclock demo``): the end of the year."""
SAMPLE_SEED = 4711
"""The seed of the committed sample."""
SAMPLE_TICKETS = 3000
"""The number of tickets in the committed sample."""
SAMPLE_ATTRIBUTES = ("tier", "region", "channel", "product")
"""The ticket attributes of the sample, in column order."""

TICKETS_COLUMNS = ("ticket_id", "severity", "created_at")
"""The required columns of a tickets table (attribute columns follow)."""
EVENTS_COLUMNS = ("ticket_id", "seq", "at", "kind", "value")
"""The columns of an events table."""
EVENT_KINDS = (
    StatusChange.kind,
    AgentReply.kind,
    CustomerReply.kind,
    Update.kind,
    Assignment.kind,
    SeverityChange.kind,
    Cancel.kind,
)
"""The values of the ``kind`` column: ``status``, ``agent_reply``, ``customer_reply``,
``update``, ``assignment``, ``severity``, ``cancel``."""

# The vocabulary the generator writes (the example policy's).
_NEW, _OPEN, _PENDING, _HOLD, _SOLVED, _CLOSED = (
    "new",
    "open",
    "pending_customer",
    "on_hold",
    "solved",
    "closed",
)
_STATUSES = (_NEW, _OPEN, _PENDING, _HOLD, _SOLVED, _CLOSED)
_TIER1, _TIER2, _VENDOR = "tier1", "tier2", "vendor"

_MINUTE = 60_000_000
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_SECOND = 1_000_000
_ONE_US = dt.timedelta(microseconds=1)

T = TypeVar("T")


# ---- instants as text ---------------------------------------------------------------------


def format_instant(t: dt.datetime) -> str:
    """An instant as ISO 8601 in UTC with ``Z`` (microseconds only when not zero).

    >>> format_instant(dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
    '2026-03-02T14:05:00Z'
    """
    return from_us(to_us(t, "instant")).replace(tzinfo=None).isoformat() + "Z"


def parse_instant(text: str, field: str = "instant") -> dt.datetime:
    """An instant from ISO 8601 text with a UTC offset (``Z``, ``+00:00``, ``-05:00``).

    Returns a UTC datetime.

    Raises
    ------
    InputError
        For text that is not ISO 8601, or has no UTC offset (a wall time names no instant).

    Examples
    --------
    >>> parse_instant("2026-03-02T09:05:00-05:00")
    datetime.datetime(2026, 3, 2, 14, 5, tzinfo=datetime.timezone.utc)
    """
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            field, text, "is not an ISO 8601 instant such as '2026-03-02T14:05:00Z'"
        ) from None
    if value.utcoffset() is None:
        raise InputError(
            field,
            text,
            "has no UTC offset",
            "write the instant with its offset, such as '2026-03-02T14:05:00Z' or '...-05:00'",
        )
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise InputError(
            field, text, "is outside the instants a datetime holds (years 1 to 9999 in UTC)"
        ) from None


# ---- the generator ----------------------------------------------------------------------


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A log-normal draw from two uniforms (Box-Muller, the same on every Python version)."""
    u1 = 1.0 - rng.random()
    u2 = rng.random()
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    return median * math.exp(sigma * z)


def _pick(rng: random.Random, weighted: Sequence[tuple[T, float]]) -> T:
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for value, w in weighted:
        x -= w
        if x < 0:
            return value
    return weighted[-1][0]


def _ceil_s(us: int) -> int:
    return -(-us // _SECOND) * _SECOND


_TIERS = (("platinum", 5.0), ("gold", 20.0), ("silver", 35.0), ("bronze", 40.0))
_REGIONS = (("us", 60.0), ("uk", 40.0))
_CHANNELS = (("email", 50.0), ("web", 30.0), ("phone", 20.0))
_PRODUCTS = (("platform", 40.0), ("billing", 25.0), ("mobile", 20.0), ("api", 15.0))
# severity mix by tier: few P1, premium customers report more urgent issues
_SEVERITY_WEIGHTS = MappingProxyType(
    {
        "platinum": (4.0, 16.0, 45.0, 35.0),
        "gold": (3.0, 13.0, 46.0, 38.0),
        "silver": (2.0, 11.0, 45.0, 42.0),
        "bronze": (1.5, 9.0, 44.0, 45.5),
    }
)
# Agents' delays as fractions of a goal: log-normal with these medians and spreads.
# P(fraction > 1), the share of late answers, is about 8% for first replies and
# 10% for a team's hold on a ticket; a few tickets are also forgotten in a queue.
_FIRST_REPLY = (0.37, 0.7)
_STINT = (0.4, 0.72)
_NEXT_REPLY = (0.25, 0.7)
_UPDATE = (0.5, 0.45)
_CUSTOMER = (5 * _HOUR, 1.2)  # business time a customer takes to answer
_FORGOTTEN = 0.1  # share of tickets that sit in a queue for a while
_SLIPPED = 0.05  # share of answers to customers that slip past the usual delay


class _Ticket:
    """One ticket's history as it is generated: the events so far, the clock ``t``."""

    def __init__(
        self,
        rng: random.Random,
        policy: Policy,
        severity: str,
        attrs_map: Mapping[str, Any],
        created: int,
    ) -> None:
        self.rng = rng
        self.policy = policy
        self.attrs = attrs_map
        self.region = _region_calendar(policy, attrs_map)
        self.created = created
        self.t = created
        self.events: list[Event] = []
        self.team: str | None = None
        self.changes = 0
        self.severity = severity
        self.targets: dict[Metric, Target] = {}
        self._set_severity(severity)

    def _set_severity(self, severity: str) -> None:
        self.severity = severity
        self.targets = {t.metric: t for t in self.policy.targets if t.severity == severity}

    # -- goals --
    def _goal_us(self, cal: Calendar, goal: Any, at: int) -> int:
        if isinstance(goal, BusinessDays):
            # converted once at the start (SEMANTICS "Business days")
            start = from_us(at)
            return cal.elapsed(start, cal.due_business_days(start, goal.days)) // _ONE_US
        return int(goal.duration // _ONE_US)

    def goal(self, metric: Metric, fallback_us: int) -> tuple[Calendar, int]:
        """The calendar and goal (business microseconds from ``t``) of a target of the severity."""
        target = self.targets.get(metric)
        if target is None:
            return self.desk(), fallback_us
        cal = target.calendar_for(self.attrs)
        return cal, self._goal_us(cal, target.goal, self.t)

    def ola(self, team: str) -> tuple[Calendar, int]:
        """The calendar and goal of ``team``'s internal target for the severity."""
        target = self.policy.internal_target(team, self.severity)
        if target is None:
            return self.desk(), 4 * _HOUR
        cal = target.calendar_for(self.attrs)
        return cal, self._goal_us(cal, target.goal, self.t)

    def desk(self) -> Calendar:
        """The calendar agents work on: 24/7 for a calendar-time resolution target (urgent
        tickets), else the hours of the team holding the ticket (its internal target's)."""
        target = self.targets.get(Metric.RESOLUTION)
        if target is not None and isinstance(target.goal, CalendarTime):
            return target.calendar_for(self.attrs)
        ola = self.policy.internal_target(self.team or _TIER1, self.severity)
        return self.region if ola is None else ola.calendar_for(self.attrs)

    # -- events --
    def at(self) -> dt.datetime:
        return from_us(self.t)

    def add(self, event: Event) -> None:
        self.events.append(event)

    def status(self, status: str) -> None:
        self.add(StatusChange(self.at(), status=status))

    def reply(self, public: bool = True) -> None:
        self.add(AgentReply(self.at(), public=public))

    def assign(self, team: str) -> None:
        self.add(Assignment(self.at(), team=team))
        self.team = team

    def change_severity(self) -> None:
        order = self.policy.severities
        rank = order.index(self.severity)
        # upgrades to the top severity are rare
        up = rank > 0 and (
            rank == len(order) - 1 or self.rng.random() < (0.25 if rank == 1 else 0.5)
        )
        new = order[rank - 1] if up else order[rank + 1]
        self.add(SeverityChange(self.at(), severity=new))
        self._set_severity(new)
        self.changes += 1

    # -- time --
    def advance(self, cal: Calendar, us: int) -> None:
        """Advance by ``us`` of business time on ``cal`` (to a whole second)."""
        if us > 0:
            due = cal.due(self.at(), dt.timedelta(microseconds=us))
            self.t = max(self.t, _ceil_s(to_us(due)))

    def wait(self, us: int) -> None:
        """Advance by ``us`` of wall time (to a whole second)."""
        self.t = _ceil_s(self.t + max(us, _SECOND))

    def work(self, us: int) -> int:
        """Work ``us`` of business time at the desk, posting updates when a target asks.

        Returns the business time worked (``us``, or 0 for a negative ``us``).
        """
        us = max(us, 0)
        desk = self.desk()
        if Metric.PERIODIC_UPDATE not in self.targets:
            self.advance(desk, us)
            return us
        _, every = self.goal(Metric.PERIODIC_UPDATE, 2 * _HOUR)
        left = us
        while left > 0:
            step = min(left, max(int(_lognormal(self.rng, *_UPDATE) * every), 5 * _MINUTE))
            self.advance(desk, step)
            left -= step
            if left > 0:
                self.add(Update(self.at()))
        return us

    def answer(self, delay: int) -> int:
        """An agent answers a customer message after ``delay`` of work (a few answers slip).

        Returns the business time worked.
        """
        if self.rng.random() < _SLIPPED:
            _, goal = self.goal(Metric.NEXT_REPLY, 8 * _HOUR)
            delay = int((0.5 + 1.5 * self.rng.random()) * goal)
        done = self.work(delay)
        self.reply()
        return done

    def wait_on_customer(self, delay: int) -> int | None:
        """Ask the customer and wait, then answer after ``delay`` of work.

        Returns the business time worked, or None if the customer never answers.
        """
        self.reply()
        self.status(_PENDING)
        if self.rng.random() < 0.05:
            self.wait(7 * _DAY)
            return None
        self.advance(self.region, int(_lognormal(self.rng, *_CUSTOMER)))
        self.wait(int(self.rng.random() * 20 * _MINUTE))
        self.add(CustomerReply(self.at()))
        self.status(_OPEN)
        return self.answer(delay)


def _region_calendar(policy: Policy, attrs_map: Mapping[str, Any]) -> Calendar:
    """The business calendar of the customer's region: the first target on business hours."""
    for target in policy.targets:
        if not isinstance(target.goal, CalendarTime):
            return target.calendar_for(attrs_map)
    return Calendar.always_open("UTC")


def _check_vocabulary(book: PolicyBook) -> None:
    for policy in book.policies:
        missing = [s for s in _STATUSES if s not in policy.statuses]
        if missing:
            raise InputError(
                "policy_book",
                policy.name,
                f"has no status {', '.join(map(repr, missing))}; the sample generator writes "
                f"the example policy's statuses ({', '.join(map(repr, _STATUSES))})",
            )


def _generate_ticket(
    rng: random.Random,
    book: PolicyBook,
    created: int,
    severity: str,
    attrs_map: dict[str, str],
) -> list[Event]:
    """One ticket's history: tier 1 answers, then the ticket passes between teams."""
    policy = book.select_for(from_us(created), attrs_map)
    h = _Ticket(rng, policy, severity, attrs_map, created)
    h.status(_NEW)

    # a few tickets are duplicates or spam, cancelled before anyone answers
    if rng.random() < 0.02:
        h.wait(int(_lognormal(rng, 40 * _MINUTE, 1.0)))
        h.add(Cancel(h.at(), reason=_pick(rng, (("duplicate", 3.0), ("spam", 1.0)))))
        return h.events

    # the first reply (phone tickets are answered sooner), sometimes after an internal note
    cal, goal = h.goal(Metric.FIRST_RESPONSE, 4 * _HOUR)
    factor = _lognormal(rng, *_FIRST_REPLY) * (0.6 if attrs_map["channel"] == "phone" else 1.0)
    delay = int(factor * goal)
    # tier 1 takes the ticket from the queue when it first touches it (the
    # team's internal target measures its own hold, not the queue)
    if rng.random() < 0.1:
        note = delay - min(delay // 5, 10 * _MINUTE)
        h.advance(cal, note)
        h.assign(_TIER1)
        h.reply(public=False)
        delay -= note
    h.advance(cal, delay)
    if h.team is None:
        h.assign(_TIER1)
    h.reply()
    h.status(_OPEN)

    # who works on it: tier 1 solves about half; tier 2 calls the vendor for some
    urgent = severity == policy.severities[0]
    path = [_TIER1]
    if rng.random() < (0.75 if urgent else 0.5):
        path.append(_TIER2)
        if rng.random() < 0.18:
            path += [_VENDOR, _TIER2]
    # a few tickets are forgotten in the queue of the team that holds them last
    forgotten = len(path) - 1 if rng.random() < _FORGOTTEN else -1

    for i, team in enumerate(path):
        if team != h.team:
            h.assign(team)
        hold = team == _VENDOR and rng.random() < 0.6
        if hold:
            h.status(_HOLD)
        _, ola = h.ola(team)
        _, res_goal = h.goal(Metric.RESOLUTION, 16 * _HOUR)
        # a team's share of the work fits its internal target and the resolution target
        budget = int(_lognormal(rng, *_STINT) * min(ola, res_goal // len(path)))
        if i < len(path) - 1 and team != _VENDOR:
            budget //= 2  # a team that passes the ticket on holds it briefly
        elif i == 3:
            budget //= 3  # tier 2 finishes what the vendor fixed
        if i == forgotten:
            budget += int((0.3 + 1.2 * rng.random()) * res_goal)
        budget = max(budget, 5 * _MINUTE)
        # tier 1 triages (solves or passes on); tier 2 talks with the customer
        if team == _TIER1:
            steps = _pick(rng, ((0, 70.0), (1, 30.0)))
        elif team == _TIER2 and i == 1:
            steps = _pick(rng, ((0, 25.0), (1, 35.0), (2, 25.0), (3, 15.0)))
        else:
            steps = 0
        for _ in range(steps):
            # the stint's work is spread over the conversation with the customer
            budget -= h.work(int(budget * (0.1 + 0.3 * rng.random())))
            delay = int(budget * (0.1 + 0.3 * rng.random()))
            kind = _pick(
                rng,
                (
                    ("pending", 50.0),
                    ("message", 25.0 if team == _TIER2 else 0.0),
                    ("severity", 12.0 if h.changes < 2 else 0.0),
                    ("cancel", 1.5),
                ),
            )
            if kind == "pending":
                done = h.wait_on_customer(delay)
                if done is not None:
                    budget -= done
                else:
                    h.status(_SOLVED)
                    h.wait(3 * _DAY)
                    h.status(_CLOSED)
                    return h.events
            elif kind == "message":
                budget -= h.work(delay)
                h.add(CustomerReply(h.at()))
                budget -= h.answer(int(budget * (0.1 + 0.3 * rng.random())))
            elif kind == "severity":
                h.change_severity()
            else:
                h.add(Cancel(h.at(), reason="merged"))
                return h.events
        h.work(max(budget, 5 * _MINUTE))
        if hold:
            h.status(_OPEN)

    for reopen in range(3):
        h.reply()
        h.status(_SOLVED)
        if reopen == 2 or rng.random() >= (0.08 if reopen == 0 else 0.15):
            break
        # the customer says it is not fixed: the ticket reopens and takes more work
        h.advance(h.region, int(_lognormal(rng, 4 * _HOUR, 1.0)))
        h.add(CustomerReply(h.at()))
        h.status(_OPEN)
        _, ola = h.ola(h.team or _TIER1)
        h.answer(int(_lognormal(rng, *_NEXT_REPLY) * ola))
        h.work(int(_lognormal(rng, 0.15, 0.8) * ola))
    h.wait(3 * _DAY + int(rng.random() * 12 * _HOUR))
    h.status(_CLOSED)
    return h.events


def generate_sample(
    policy_book: PolicyBook,
    *,
    tickets: int = SAMPLE_TICKETS,
    start: dt.datetime = SAMPLE_START,
    end: dt.datetime = SAMPLE_END,
    seed: int = SAMPLE_SEED,
) -> tuple[list[Ticket], dt.datetime]:
    """A deterministic sample of tickets over ``policy_book``, measured at ``end``.

    Tickets are created in ``[start, end)``, in creation order, with ids
    ``T0001``, ``T0002``, ... Their histories are cut at ``end`` (the returned
    ``now``), so the last ones are still open. The policy book must know the
    example policy's statuses (``new``, ``open``, ``pending_customer``,
    ``on_hold``, ``solved``, ``closed``); the teams are ``tier1``, ``tier2``
    and ``vendor``; the attributes ``tier``, ``region`` (``us``, ``uk``),
    ``channel`` and ``product``.

    Parameters
    ----------
    policy_book
        The policies whose goals and calendars shape the delays and arrivals.
    tickets
        How many tickets.
    start, end
        The period of creation instants (aware).
    seed
        The seed of :class:`random.Random`: the same seed gives the same tickets.

    Returns
    -------
    tuple[list[Ticket], datetime.datetime]
        The tickets and ``now`` (``end`` as a UTC datetime).

    Raises
    ------
    InputError
        For a count below 1, ``end`` not after ``start``, or a policy book
        without the statuses the generator writes.

    Examples
    --------
    >>> from slaclock.policy_files import example_policy
    >>> tickets, now = generate_sample(example_policy(), tickets=3, seed=1)
    >>> [t.id for t in tickets]
    ['T0001', 'T0002', 'T0003']
    >>> now.isoformat()
    '2026-10-31T00:00:00+00:00'
    """
    if isinstance(tickets, bool) or not isinstance(tickets, int) or tickets < 1:
        raise InputError("tickets", tickets, "must be a whole number >= 1")
    if not isinstance(policy_book, PolicyBook):
        raise InputError("policy_book", policy_book, "must be a PolicyBook")
    lo, hi = to_us(start, "start"), to_us(end, "end")
    if hi <= lo:
        raise InputError("end", end, f"must be after start ({from_us(lo).isoformat()})")
    _check_vocabulary(policy_book)
    rng = random.Random(seed)
    span_s = (hi - lo) // _SECOND
    width = len(str(tickets))
    specs: list[tuple[int, int, str, dict[str, str]]] = []
    for i in range(tickets):
        attrs_map = {
            "tier": _pick(rng, _TIERS),
            "region": _pick(rng, _REGIONS),
            "channel": _pick(rng, _CHANNELS),
            "product": _pick(rng, _PRODUCTS),
        }
        weights = _SEVERITY_WEIGHTS[attrs_map["tier"]]
        policy = policy_book.select_for(from_us(lo), attrs_map)
        severities = policy.severities
        severity = _pick(rng, list(zip(severities, weights, strict=False)))
        # arrivals follow the customer's business hours (holidays are quiet);
        # urgent problems arrive at any hour
        while True:
            created = lo + min(int(rng.random() * span_s), span_s - 1) * _SECOND
            policy = policy_book.select_for(from_us(created), attrs_map)
            region = _region_calendar(policy, attrs_map)
            accept = 1.0 if region.is_open(from_us(created)) else 0.08
            if severity == severities[0]:
                accept = max(accept, 0.5)
            if rng.random() < accept:
                break
        specs.append((created, i, severity, attrs_map))
    specs.sort()
    out: list[Ticket] = []
    for n, (created, _, severity, attrs_map) in enumerate(specs, 1):
        tid = f"T{n:0{max(width, 4)}d}"
        events = _generate_ticket(rng, policy_book, created, severity, attrs_map)
        events = [e for e in events if to_us(e.at) <= hi]  # cut at now
        out.append(Ticket(tid, severity, events, attributes=attrs_map))
    return out, from_us(hi)


# ---- tables -----------------------------------------------------------------------------


def event_value(event: Event, where: str = "event") -> str:
    """The ``value`` cell of an event in an events table (the inverse of :func:`event_from_row`).

    >>> event_value(AgentReply(SAMPLE_NOW, public=False))
    'private'
    """
    if isinstance(event, StatusChange):
        return event.status
    if isinstance(event, AgentReply):
        return "public" if event.public else "private"
    if isinstance(event, (CustomerReply, Update)):
        return ""
    if isinstance(event, Assignment):
        return event.team
    if isinstance(event, SeverityChange):
        return event.severity
    if isinstance(event, Cancel):
        return event.reason
    raise InputError(where, event, "is not an event kind a table can hold")


def write_tables(
    tickets: Iterable[Ticket],
    tickets_path: str | os.PathLike[str],
    events_path: str | os.PathLike[str],
    *,
    attributes: Sequence[str] | None = None,
) -> None:
    """Write tickets as a tickets table and an events table (CSV, UTF-8, ``\\n`` line ends).

    Parameters
    ----------
    tickets
        The tickets, written in the order given.
    tickets_path, events_path
        The files to write (replaced if they exist).
    attributes
        The attribute columns, in order (default: every attribute name of the
        tickets, sorted). Attribute values are written as text.

    Raises
    ------
    InputError
        For an attribute a ticket has that is not in ``attributes``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> t0 = dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC)
    >>> ticket = Ticket("T1", "P3", [StatusChange(t0, status="new"),
    ...     AgentReply(t0 + dt.timedelta(minutes=5))], attributes={"region": "us"})
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_tables([ticket], folder / "tickets.csv", folder / "events.csv")
    >>> print((folder / "events.csv").read_text(), end="")
    ticket_id,seq,at,kind,value
    T1,1,2026-03-02T14:00:00Z,status,new
    T1,2,2026-03-02T14:05:00Z,agent_reply,public
    >>> read_tables(folder / "tickets.csv", folder / "events.csv") == [ticket]
    True
    """
    tickets = list(tickets)
    if attributes is None:
        names = sorted({k for t in tickets for k in t.attributes})
    else:
        names = list(attributes)
    for name in names:
        if name in TICKETS_COLUMNS:
            raise InputError("attributes", name, "is the name of a required column")
    known = set(names)
    with (
        open(tickets_path, "w", encoding="utf-8", newline="") as tf,
        open(events_path, "w", encoding="utf-8", newline="") as ef,
    ):
        tw = csv.writer(tf, lineterminator="\n")
        ew = csv.writer(ef, lineterminator="\n")
        tw.writerow([*TICKETS_COLUMNS, *names])
        ew.writerow(EVENTS_COLUMNS)
        for i, ticket in enumerate(tickets):
            attrs_map = ticket.attributes
            extra = [k for k in attrs_map if k not in known]
            if extra:
                raise InputError(
                    f"tickets[{i}].attributes",
                    extra[0],
                    f"is not one of the attribute columns ({', '.join(map(repr, names))})",
                )
            tid = str(ticket.id)
            tw.writerow(
                [
                    tid,
                    ticket.severity,
                    format_instant(ticket.created_at),
                    *(("" if k not in attrs_map else str(attrs_map[k])) for k in names),
                ]
            )
            for seq, event in enumerate(ticket.history, 1):
                ew.writerow(
                    [
                        tid,
                        seq,
                        format_instant(event.at),
                        event.kind,
                        event_value(event, f"tickets[{i}].history[{seq - 1}]"),
                    ]
                )


@attrs.frozen
class _Rows:
    """Where one ticket sits in the tables."""

    ticket_row: int
    event_rows: tuple[int, ...]


@attrs.frozen(eq=False)
class TableRead:
    """What :func:`scan_tables` read: the good tickets, and one error per bad ticket.

    Attributes
    ----------
    tickets
        The tickets that read without error, in the order of the tickets table.
    errors
        One :class:`~slaclock.errors.TableFormatError` per bad ticket (its
        first mistake), and one per unknown ticket id in the events table,
        in file and row order.
    tickets_file, events_file
        The file names used in messages.
    ticket_rows, event_rows
        The data rows of each table (for reconciling counts: every ticket row
        is either a ticket of ``tickets`` or part of a bad ticket of ``errors``).
    orphans
        How many ticket ids of the events table are not in the tickets table.
    """

    tickets: tuple[Ticket, ...]
    errors: tuple[TableFormatError, ...]
    tickets_file: str
    events_file: str
    _rows: Mapping[str, _Rows] = attrs.field(alias="rows", repr=False)
    ticket_rows: int = 0
    event_rows: int = 0
    orphans: int = 0

    def locate(self, ticket_id: str | int, error: SlaClockError) -> TableFormatError:
        """Name the row and column of an error about a ticket read from the tables.

        ``error`` is what evaluation raised for the ticket (an unknown
        status at ``history[3].status``, a missing calendar for
        ``attributes['region']``); the answer names the same problem at
        its place in the tables (``events.csv row 17, column value``).
        An error that names no field is placed on the ticket's row.
        """
        rows = self._rows[str(ticket_id)]
        if not isinstance(error, InputError):
            return TableFormatError.at(
                self.tickets_file, rows.ticket_row, None, ticket_id, str(error)
            )
        field = error.field
        m = re.match(r"history\[(\d+)\](?:\.(\w+))?", field)
        if m is not None and int(m.group(1)) < len(rows.event_rows):
            return TableFormatError.at(
                self.events_file,
                rows.event_rows[int(m.group(1))],
                "at" if m.group(2) == "at" else "value",
                error.value,
                error.problem,
                error.hint,
            )
        m = re.match(r"attributes\[['\"](.+)['\"]\]", field)
        column: str | None
        if m is not None:
            column = m.group(1)
        elif field in ("severity", "created_at"):
            column = field
        else:
            column = None
        problem = error.problem if column is not None else f"{field}: {error.problem}"
        return TableFormatError.at(
            self.tickets_file, rows.ticket_row, column, error.value, problem, error.hint
        )


Source = str | os.PathLike[str] | Traversable
"""A table to read: a path, or a resource of the package (the bundled sample)."""


def _name(source: Source) -> str:
    if isinstance(source, Traversable) and not isinstance(source, os.PathLike):
        return source.name
    return os.fspath(source)


def _open(source: Source) -> IO[str]:
    if isinstance(source, Traversable) and not isinstance(source, os.PathLike):
        return io.TextIOWrapper(source.open("rb"), encoding="utf-8-sig", newline="")
    return open(source, encoding="utf-8-sig", newline="")


def _rows(
    source: Source, name: str, required: Sequence[str], *, exact: bool
) -> Iterator[tuple[int, dict[str, str]] | list[str]]:
    """Yield the header (a list), then ``(row number, {column: cell})`` per data row."""
    try:
        stream = _open(source)
    except OSError as exc:
        raise TableFormatError(name, os.fspath(name), f"cannot be read ({exc.strerror})") from None
    with stream:
        reader = csv.reader(stream, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise TableFormatError(
                    f"{name} header",
                    "",
                    f"the file is empty (expected columns {', '.join(required)})",
                )
            header = [h.strip() for h in header]
            seen: set[str] = set()
            for col in header:
                if col in seen or not col:
                    raise TableFormatError(
                        f"{name} header",
                        col,
                        "repeats a column" if col else "has a column without a name",
                    )
                seen.add(col)
            for col in required:
                if col not in seen:
                    raise TableFormatError(
                        f"{name} header",
                        col,
                        f"is a missing column (columns: {', '.join(header)})",
                        f"the table needs the columns {', '.join(required)}",
                    )
            if exact:
                for col in header:
                    if col not in required:
                        raise TableFormatError(
                            f"{name} header",
                            col,
                            f"is not a column of this table (expected {', '.join(required)})",
                        )
            yield header
            n = 0
            for cells in reader:
                if not cells or cells == [""]:
                    continue
                n += 1
                if len(cells) != len(header):
                    # the cells that are there, and their count under ""
                    yield n, {**dict(zip(header, cells, strict=False)), "": f"{len(cells)}"}
                    continue
                yield n, dict(zip(header, cells, strict=True))
        except csv.Error as exc:
            raise TableFormatError(
                f"{name} line {reader.line_num}", "", f"is not valid CSV ({exc})"
            ) from None
        except UnicodeDecodeError as exc:
            raise TableFormatError(name, "", f"is not UTF-8 text ({exc.reason})") from None


def event_from_row(kind: str, at: dt.datetime, value: str) -> Event:
    """The event of one events-table row (``kind`` one of :data:`EVENT_KINDS`).

    Raises
    ------
    InputError
        Naming ``value`` when the value does not fit the kind, ``kind`` for
        a kind that is not one of :data:`EVENT_KINDS`.

    Examples
    --------
    >>> event_from_row("agent_reply", SAMPLE_NOW, "private").public
    False
    >>> event_from_row("status", SAMPLE_NOW, "")
    Traceback (most recent call last):
    ...
    slaclock.errors.InputError: value: must be non-empty text (a status such as 'open') (got '')
    """
    if kind not in EVENT_KINDS:  # not read as a cancel
        known = ", ".join(map(repr, EVENT_KINDS))
        raise InputError("kind", kind, f"is not an event kind (known: {known})")
    try:
        return _event(kind, at, value)
    except InputError as exc:
        if exc.field == "value":
            raise
        # the event's own name for it (status, team, severity) is the value column here
        raise type(exc)("value", value, exc.problem, exc.hint) from exc


def _event(kind: str, at: dt.datetime, value: str) -> Event:
    if kind == "status":
        return StatusChange(at, status=value)
    if kind == "agent_reply":
        if value not in ("", "public", "private"):
            raise InputError("value", value, "an agent reply is 'public' or 'private'")
        return AgentReply(at, public=value != "private")
    if kind in ("customer_reply", "update"):
        if value:
            raise InputError("value", value, f"must be empty for a {kind} event")
        return CustomerReply(at) if kind == "customer_reply" else Update(at)
    if kind == "assignment":
        return Assignment(at, team=value)
    if kind == "severity":
        return SeverityChange(at, severity=value)
    return Cancel(at, reason=value)


def scan_tables(
    tickets_path: Source,
    events_path: Source,
) -> TableRead:
    """Read a tickets table and an events table, collecting one error per bad ticket.

    The lenient form of :func:`read_tables` (``slaclock score --keep-going``):
    a ticket with a bad row is left out and its first error is kept; the
    other tickets are read.

    Raises
    ------
    TableFormatError
        For a file that cannot be read as a whole: missing, not CSV, or a
        header without the required columns.
    """
    tname, ename = _name(tickets_path), _name(events_path)
    errors: dict[str, TableFormatError] = {}
    orphans: dict[str, TableFormatError] = {}

    def fail(key: str, err: TableFormatError) -> None:
        errors.setdefault(key, err)

    specs: dict[str, tuple[int, str, str, dict[str, str]]] = {}
    order: list[str] = []
    rows = _rows(tickets_path, tname, TICKETS_COLUMNS, exact=False)
    header = next(rows)
    assert isinstance(header, list)
    attr_cols = [c for c in header if c not in TICKETS_COLUMNS]
    ticket_rows = event_rows = 0
    for item in rows:
        assert isinstance(item, tuple)
        n, row = item
        ticket_rows += 1
        if "" in row:
            fail(
                row.get("ticket_id") or f"\0row{n}",
                TableFormatError.at(
                    tname, n, None, row[""], f"has {row['']} cells, the header {len(header)}"
                ),
            )
            continue
        tid = row["ticket_id"]
        if not tid.strip():
            fail(f"\0row{n}", TableFormatError.at(tname, n, "ticket_id", tid, "is empty"))
            continue
        if tid in specs:
            fail(
                tid,
                TableFormatError.at(
                    tname, n, "ticket_id", tid, f"repeats the ticket of row {specs[tid][0]}"
                ),
            )
            continue
        order.append(tid)
        specs[tid] = (n, row["severity"], row["created_at"], {c: row[c] for c in attr_cols})
        if not row["severity"].strip():
            fail(tid, TableFormatError.at(tname, n, "severity", row["severity"], "is empty"))
        try:
            parse_instant(row["created_at"])
        except InputError as exc:
            fail(
                tid,
                TableFormatError.at(
                    tname, n, "created_at", row["created_at"], exc.problem, exc.hint
                ),
            )

    events: dict[str, list[tuple[int, int, Event]]] = {}
    rows = _rows(events_path, ename, EVENTS_COLUMNS, exact=True)
    next(rows)
    for item in rows:
        assert isinstance(item, tuple)
        n, row = item
        event_rows += 1
        if "" in row:
            tid = row.get("ticket_id", "")
            fail(
                tid if tid in specs else f"\0erow{n}",
                TableFormatError.at(
                    ename,
                    n,
                    None,
                    row[""],
                    f"has {row['']} cells, the header {len(EVENTS_COLUMNS)}",
                ),
            )
            continue
        tid = row["ticket_id"]
        if tid not in specs:
            if tid in errors:  # a bad row of the tickets table: already reported
                continue
            orphans.setdefault(
                tid,
                TableFormatError.at(ename, n, "ticket_id", tid, f"is not a ticket of {tname}"),
            )
            continue
        if tid in errors:
            continue
        try:
            seq = int(row["seq"])
        except ValueError:
            fail(
                tid,
                TableFormatError.at(ename, n, "seq", row["seq"], "must be a whole number"),
            )
            continue
        kind = row["kind"]
        if kind not in EVENT_KINDS:
            fail(
                tid,
                TableFormatError.at(
                    ename,
                    n,
                    "kind",
                    kind,
                    f"is not an event kind (known: {', '.join(map(repr, EVENT_KINDS))})",
                ),
            )
            continue
        try:
            at = parse_instant(row["at"])
        except InputError as exc:
            fail(tid, TableFormatError.at(ename, n, "at", row["at"], exc.problem, exc.hint))
            continue
        try:
            event = event_from_row(kind, at, row["value"])
        except InputError as exc:
            fail(tid, TableFormatError.at(ename, n, "value", row["value"], exc.problem, exc.hint))
            continue
        events.setdefault(tid, []).append((seq, n, event))

    tickets: list[Ticket] = []
    where: dict[str, _Rows] = {}
    for tid in order:
        n, severity, created_text, attrs_map = specs[tid]
        if tid in errors:
            continue
        found = sorted(events.get(tid, ()), key=lambda e: e[0])
        if not found:
            fail(
                tid,
                TableFormatError.at(tname, n, "ticket_id", tid, f"has no events in {ename}"),
            )
            continue
        bad = _check_order(found, ename)
        if bad is not None:
            fail(tid, bad)
            continue
        created = parse_instant(created_text)
        if found[0][2].at != created:
            fail(
                tid,
                TableFormatError.at(
                    tname,
                    n,
                    "created_at",
                    created_text,
                    f"is not the instant of the ticket's first event ({ename} row "
                    f"{found[0][1]}: {format_instant(found[0][2].at)})",
                ),
            )
            continue
        try:
            ticket = Ticket(
                tid,
                severity,
                [e for _, _, e in found],
                attributes={k: v for k, v in attrs_map.items() if v != ""},
            )
        except InputError as exc:
            fail(tid, TableFormatError.at(tname, n, None, exc.value, str(exc)))
            continue
        tickets.append(ticket)
        where[tid] = _Rows(n, tuple(r for _, r, _ in found))

    def position(err: TableFormatError) -> tuple[int, int]:
        return (0 if err.file == tname else 1, err.row or 0)

    every = sorted([*errors.values(), *orphans.values()], key=position)
    return TableRead(
        tuple(tickets),
        tuple(every),
        tname,
        ename,
        rows=where,
        ticket_rows=ticket_rows,
        event_rows=event_rows,
        orphans=len(orphans),
    )


def _check_order(found: list[tuple[int, int, Event]], ename: str) -> TableFormatError | None:
    for (seq0, row0, e0), (seq1, row1, e1) in itertools.pairwise(found):
        if seq1 == seq0:
            return TableFormatError.at(
                ename, row1, "seq", str(seq1), f"repeats the seq of row {row0}"
            )
        if e1.at < e0.at:
            return TableFormatError.at(
                ename,
                row1,
                "at",
                format_instant(e1.at),
                f"is before the ticket's previous event (seq {seq0}, row {row0}, "
                f"{format_instant(e0.at)})",
                "a ticket's events must be in time order by seq",
            )
    return None


def read_tables(tickets_path: Source, events_path: Source) -> list[Ticket]:
    """Read tickets from a tickets table and an events table (see the module docs).

    Parameters
    ----------
    tickets_path, events_path
        The CSV files (paths, or package resources).

    Returns
    -------
    list[Ticket]
        The tickets in the order of the tickets table; ids and attribute
        values are text; each history in ``seq`` order.

    Raises
    ------
    TableFormatError
        At the first mistake in file and row order, naming the file, the
        data row and the column (``events.csv row 17, column at: ...``).
    """
    read = scan_tables(tickets_path, events_path)
    if read.errors:
        raise read.errors[0]
    return list(read.tickets)


# ---- the committed sample ---------------------------------------------------------------


def sample_files() -> tuple[Traversable, Traversable]:
    """The bundled sample's tickets and events tables (package resources)."""
    data = resources.files("slaclock") / "data"
    return data / "sample_tickets.csv", data / "sample_events.csv"


def load_sample() -> tuple[list[Ticket], dt.datetime]:
    """The bundled sample: about a year of tickets, and the ``now`` to measure them at.

    Generated by ``scripts/make_sample.py`` with :func:`generate_sample` over
    the example policy.

    >>> tickets, now = load_sample()
    >>> len(tickets), now == SAMPLE_NOW
    (3000, True)
    """
    tickets_file, events_file = sample_files()
    return read_tables(tickets_file, events_file), SAMPLE_NOW
