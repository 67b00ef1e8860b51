"""A slow, obviously correct reference for the SLA clock of tickets.

:func:`ref_evaluate` replays a ticket's history under a policy and returns one
plain ``dict`` per result row, with the field names and order of the result
schema (:data:`RESULT_FIELDS`). It is written from the contract
(SEMANTICS.md "Tickets, targets and the SLA clock" and "Internal and external
targets") and the replay rules of issue 4, and shares no code with the fast
path (``slaclock.evaluation``): it imports only the value types
(:mod:`slaclock.tickets`, :mod:`slaclock.policies`) and measures every
number with the calendar reference (:func:`slaclock.testing.reference.elapsed`,
:func:`~slaclock.testing.reference.due`,
:func:`~slaclock.testing.reference.next_open`,
:func:`~slaclock.testing.reference.due_business_days`), never with a
calendar's own clock methods.

The method
----------
For every target a *machine* walks the events one by one, in the order given,
and keeps a list of cycles. A cycle is a start instant, a list of pieces
``(from, ClockState)`` (each piece lasts until the next one, the last until
the cycle's end) and an end (stopped or cancelled, or none while open). The
numbers of a cycle are then computed from its pieces: the pauses are its
non-RUNNING pieces, and the reference calendar functions do the rest.

The rules, in plain words
-------------------------
Statuses and clock states (SEMANTICS "Tickets, targets and the SLA clock"):

- A target's statuses map to RUNNING, PAUSED or STOPPED through the policy's
  mapping overlaid with the target's own (``policy.state_map(target)``). The
  ticket's status before any status change is ``policy.initial``.
- The clock advances only while RUNNING and the calendar is open. Time spent
  STOPPED inside a cycle (a reopen that continues the clock) counts as PAUSED.

The replay of one external target, event ``e`` at ``t`` (index ``i``):

1. After a cancel every later event is ignored (cancel is final).
2. A cancel cancels the open cycle at ``t`` (SEMANTICS "Cancel").
3. Creation (before the first event's own effect): a cycle starts if the
   target's start events include ``created``, the ticket is not STOPPED and
   the first event is not a cancel (rule 2 comes first). It counts as
   started by event 0, so event 0 cannot stop it.
4. Stop events: an open cycle whose stop events match ``e`` stops at ``t``
   (SEMANTICS "Metrics": first response is stopped by an agent reply, next
   reply by the next agent reply, periodic update by the next reply or
   update; a target may name others). ``reopen`` is never a stop event.
5. A status change moves the open cycle to the new clock state. When the
   ticket stops (not STOPPED to STOPPED), the open cycle of a first-response
   or resolution target stops at ``t``; the open cycle of a next-reply or
   periodic-update target is cancelled at ``t`` (it keeps a breach). A reopen
   (STOPPED to not STOPPED; SEMANTICS "Reopen"):

   - continue: the last cycle, if the ticket's stop ended it (stopped or
     cancelled, not by its own stop event), is open again; the time it spent
     stopped is a pause; its earlier outcome is replaced;
   - new cycle: earlier cycles keep their outcome; first-response,
     resolution and periodic-update targets are armed again and start a
     cycle at ``t`` if their start events include ``created`` or ``reopen``,
     else at the next matching start event;
   - in either mode a ``reopen`` start event starts a cycle at ``t`` if none
     is open (for first response and resolution only if armed, as in rule 6).
6. Start events (other than ``created`` and ``reopen``): if no cycle is
   open, first-response and resolution targets start one only if armed
   (never started, or re-armed by a new-cycle reopen); next-reply and
   periodic-update targets start one each time (a customer message while a
   cycle is open starts nothing: SEMANTICS "next reply"). On a STOPPED ticket
   a start event starts nothing, unless a reopen follows at the same instant
   later in the order: then the cycle starts at the reopen.

Internal targets (SEMANTICS "Internal and external targets"): a stint of
team X starts at an assignment to X when no stint of X is open and the ticket
is not STOPPED; it stops at an assignment to another team or at the ticket's
stop; an assignment to the team that holds the ticket changes nothing. A
reopen continues the holder's last stint if the ticket's stop ended it and no
other team was assigned since, and otherwise starts a stint of the holder
(the team last assigned, perhaps while the ticket was stopped). A cancel
cancels. Internal rows list no earlier severities.

Severity (SEMANTICS "Ordering and changes"):

- Each severity's target is replayed over the whole history, as if the
  ticket always had that severity. A cycle is reported by the machine of the
  severity in effect at its end (after the events before its ending event;
  for an open cycle, after all events): a severity change after a cycle
  ended does not re-measure it.
- If that severity has no target for the metric, the last earlier severity
  that has one measures the cycle, and the cycle is cancelled at the change
  away from it if it was open then (SEMANTICS "Cancel": a condition the
  policy names no longer holds). A cycle that started after that change is
  not reported.
- Cycles are matched across severities by number: one row per cycle number.
  When the targets of one metric cut cycles differently, two severities may
  claim a number (the claim whose cycle ended last wins), or none (then the
  latest severity the ticket had while its cycle of that number ran
  measures it).
- Only a change that changes the target (a different severity with a
  different target) counts as a change; for an internal target without a
  severity, severity changes change nothing.
- A breach is decided on the re-measured due; breached_at is the due, or the
  instant of the last change applied before the cycle's end if that is
  later ("If the new target was already reached before the change,
  breached_at is the change instant").
- ``earlier`` (external targets only): for each change away from a severity
  with a target made during the cycle (after its start, before its end,
  even while the ticket was stopped), as that severity's own replay cuts the
  cycle of that number: that severity's replay of the history cut just
  before the change, evaluated at the change instant, gives the cycle's due
  and whether it was breached then (no entry if that cycle is not
  reported there). ``original_due`` is the first one's due (the cycle's own
  due without changes).

The numbers of a cycle ``[s, end)``, ``end`` = its stop or ``now``
(SEMANTICS "Tickets, targets and the SLA clock" and "Business days"):

- goal: the business or calendar time (calendar time on a 24/7 UTC
  calendar); N business days become ``elapsed(s, due_business_days(s, N))``,
  once, at the start.
- used = ``elapsed(s, end, pauses)``; paused business time =
  ``elapsed(s, end) - used``; paused wall time = the pauses' length; elapsed
  = ``end - s``; remaining = ``max(goal - used, 0)``; used_share = used / goal.
- The continuation state: at ``now`` for an open cycle; for an ended cycle the
  state of its last piece of non-zero length, or for a cycle of zero length
  the state it ended in (STOPPED if the ticket's stop ended it); STOPPED
  counts as PAUSED. due = ``due(s, goal, pauses)`` if
  used >= goal or the continuation is RUNNING, else undetermined (None);
  due_if_resumed = ``due(now, goal - used)`` for an open cycle paused at
  ``now`` that has not reached its goal.
- breached iff the due is determined and ``end`` is after it; then
  overdue_by = ``end - breached_at``. Outcome: breached; else met if
  stopped; else ``none`` if cancelled; else pending.
- Warnings: a fraction ``f`` fires at ``due(s, ceil(f * goal), pauses)`` when
  the clock has reached that value by ``end`` (or later, for a cycle running
  at ``now``); ``o`` before due fires where the clock grows past
  ``goal - o`` (the last instant its value is still ``goal - o``; that is
  ``subtract(due, o)`` when nothing pauses in between), at the start if
  ``o`` exceeds the goal, and is known once the clock has grown past that
  value (or ahead, for a cycle running at ``now``). Reached ones (at or
  before ``end``) are listed in time order (at one instant, in the target's
  order).
- next_event_at (cycles running at ``now`` only): the earliest future
  warning (after ``now``) or the due if it is not passed.

Rows: a next-reply or periodic-update cycle that starts and is cancelled by
the ticket's stop at the same instant (a reply and the solve stamped
together) is not reported and claims no cycle number; its number is skipped.

Rows come external first (by metric, in :class:`~slaclock.policies.Metric`
order, then by cycle start), then internal (by stint start). Cycle numbers
count the cycles of the measuring target's replay, from 1.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> from slaclock.calendars import Calendar
>>> from slaclock.policies import BusinessTime, Policy, Target
>>> from slaclock.tickets import StatusChange, Ticket
>>> from slaclock.testing.ticket_reference import ref_evaluate
>>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
>>> policy = Policy(
...     "support",
...     severities=["P2"],
...     statuses={"open": "running", "solved": "stopped"},
...     targets=[Target("resolution", "P2", BusinessTime(timedelta(hours=8)), cal)],
... )
>>> monday = datetime(2024, 3, 11, 13, tzinfo=UTC)
>>> ticket = Ticket("T-1", "P2", [
...     StatusChange(monday, status="open"),
...     StatusChange(monday + timedelta(days=1), status="solved"),
... ])
>>> [row] = ref_evaluate(ticket, policy, now=monday + timedelta(days=2))
>>> row["outcome"], row["used"], row["due"]
('met', datetime.timedelta(seconds=28800), datetime.datetime(2024, 3, 12, 13, 0, tzinfo=datetime.timezone.utc))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

from slaclock.calendars import Calendar
from slaclock.policies import (
    BeforeDueWarning,
    BusinessDays,
    ClockState,
    FractionWarning,
    InternalTarget,
    Metric,
    Policy,
    PolicyBook,
    Reopen,
    Target,
)
from slaclock.testing import reference
from slaclock.tickets import Assignment, Cancel, Event, SeverityChange, StatusChange, Ticket

__all__ = ["RESULT_FIELDS", "ref_evaluate"]

#: The field names of the result schema (version 1) in column order.
RESULT_FIELDS = (
    "ticket_id",
    "policy",
    "target",
    "metric",
    "team",
    "severity",
    "cycle",
    "status",
    "outcome",
    "start",
    "stop",
    "goal",
    "used",
    "elapsed",
    "paused_business",
    "paused_wall",
    "remaining",
    "overdue_by",
    "used_share",
    "due",
    "due_if_resumed",
    "original_due",
    "breached_at",
    "earlier",
    "warnings",
    "next_event_at",
)

RUNNING = ClockState.RUNNING
PAUSED = ClockState.PAUSED
STOPPED = ClockState.STOPPED
_ZERO = timedelta(0)
_US = timedelta(microseconds=1)
#: Metrics measured once per ticket (again only after a new-cycle reopen).
_SINGLE_SHOT = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)

AnyTarget: TypeAlias = Target | InternalTarget
#: A piece of a cycle: from this instant on, this clock state; set by this event
#: (-1 for the creation step, before the first event's own effect).
Piece: TypeAlias = tuple[datetime, ClockState, int]


# ---------------------------------------------------------------------------
# Cycles


@dataclass
class _Cycle:
    """One cycle of one target's clock, as the replay builds it."""

    start: datetime
    #: How many events were applied before the start (0 for a start at creation).
    start_pos: int
    #: The index of the event that started it (0 for a start at creation).
    started_by: int
    pieces: list[Piece]
    end: datetime | None = None
    #: The index of the event that ended it.
    end_index: int = -1
    cancelled: bool = False
    #: Ended by the ticket's stop (not by its own stop event, a reassignment or a cancel).
    by_ticket_stop: bool = False

    @property
    def is_open(self) -> bool:
        return self.end is None

    def close(self, t: datetime, i: int, *, cancelled: bool, by_ticket_stop: bool) -> None:
        self.end, self.end_index = t, i
        self.cancelled, self.by_ticket_stop = cancelled, by_ticket_stop

    def reopen(self, t: datetime, state: ClockState, i: int) -> None:
        """Continue after a reopen: the stopped stretch is a pause (SEMANTICS "Reopen")."""
        assert self.end is not None
        self.pieces.append((self.end, STOPPED, self.end_index))
        self.pieces.append((t, state, i))
        self.end, self.end_index = None, -1
        self.cancelled = self.by_ticket_stop = False

    def move(self, t: datetime, state: ClockState, i: int) -> None:
        if state is not self.pieces[-1][1]:
            self.pieces.append((t, state, i))


def _open_cycle(cycles: list[_Cycle]) -> _Cycle | None:
    return cycles[-1] if cycles and cycles[-1].is_open else None


def _external_cycles(
    policy: Policy, target: Target, events: Sequence[Event], limit: int
) -> list[_Cycle]:
    """Replay the first ``limit`` events for one external target (rules 1-6 above)."""
    states = policy.state_map(target)
    metric = target.metric
    start_kinds = {trigger.kind for trigger in target.starts}
    single_shot = metric in _SINGLE_SHOT
    status = policy.initial
    armed = True
    cycles: list[_Cycle] = []

    def start(t: datetime, pos: int, started_by: int, piece_index: int) -> None:
        nonlocal armed
        cycles.append(_Cycle(t, pos, started_by, [(t, states[status], piece_index)]))
        if single_shot:
            armed = False

    # Rule 3: creation, before the first event's own effect (none if that event is a cancel).
    if (
        "created" in start_kinds
        and states[status] is not STOPPED
        and not isinstance(events[0], Cancel)
    ):
        start(events[0].at, 0, 0, -1)
    pending: datetime | None = None  # a start event seen while STOPPED, at this instant
    for i in range(limit):
        event, t = events[i], events[i].at
        if pending is not None and pending < t:
            pending = None
        current = _open_cycle(cycles)
        if isinstance(event, Cancel):  # rules 1 and 2
            if current is not None:
                current.close(t, i, cancelled=True, by_ticket_stop=False)
            break
        # Rule 4: the target's own stop events.
        if (
            current is not None
            and current.started_by != i
            and any(
                trigger.kind != "reopen" and trigger.matches(event, is_first=i == 0)
                for trigger in target.stops
            )
        ):
            current.close(t, i, cancelled=False, by_ticket_stop=False)
        # Rule 5: the status effect.
        if isinstance(event, StatusChange):
            old, status = states[status], event.status
            new = states[status]
            current = _open_cycle(cycles)
            if old is not STOPPED and new is STOPPED:
                if current is not None:
                    current.close(t, i, cancelled=not single_shot, by_ticket_stop=True)
            elif old is STOPPED and new is not STOPPED:
                if target.reopen is Reopen.CONTINUE:
                    last = cycles[-1] if cycles else None
                    if last is not None and not last.is_open and last.by_ticket_stop:
                        last.reopen(t, new, i)
                elif metric is not Metric.NEXT_REPLY:
                    armed = True
                    if start_kinds & {"created", "reopen"} and _open_cycle(cycles) is None:
                        start(t, i + 1, i, i)
                if (
                    "reopen" in start_kinds
                    and _open_cycle(cycles) is None
                    and (armed or not single_shot)
                ):
                    start(t, i + 1, i, i)
                if pending == t and _open_cycle(cycles) is None and (armed or not single_shot):
                    start(t, i + 1, i, i)
                pending = None
            elif current is not None:
                current.move(t, new, i)
        # Rule 6: start events.
        if any(
            trigger.kind not in ("created", "reopen") and trigger.matches(event)
            for trigger in target.starts
        ):
            if states[status] is STOPPED:
                pending = t
            elif _open_cycle(cycles) is None and (armed or not single_shot):
                start(t, i + 1, i, i)
    return cycles


def _stint_cycles(
    policy: Policy, target: InternalTarget, team: str, events: Sequence[Event], limit: int
) -> list[_Cycle]:
    """Replay the first ``limit`` events for the stints of one team (internal targets)."""
    states = policy.state_map(target)
    status = policy.initial
    holder: str | None = None
    reassigned = False  # since the ticket's stop
    cycles: list[_Cycle] = []

    def start(t: datetime, i: int) -> None:
        cycles.append(_Cycle(t, i + 1, i, [(t, states[status], i)]))

    for i in range(limit):
        event, t = events[i], events[i].at
        current = _open_cycle(cycles)
        if isinstance(event, Cancel):
            if current is not None:
                current.close(t, i, cancelled=True, by_ticket_stop=False)
            break
        if isinstance(event, Assignment) and event.team != holder:
            if current is not None:  # the team held the ticket and lost it
                current.close(t, i, cancelled=False, by_ticket_stop=False)
            holder, reassigned = event.team, True
            if holder == team and states[status] is not STOPPED:
                start(t, i)
        if isinstance(event, StatusChange):
            old, status = states[status], event.status
            new = states[status]
            current = _open_cycle(cycles)
            if old is not STOPPED and new is STOPPED:
                reassigned = False
                if current is not None:
                    current.close(t, i, cancelled=False, by_ticket_stop=True)
            elif old is STOPPED and new is not STOPPED:
                # The holder's stint goes on: the last one if the stop ended it and nobody
                # else was assigned since, else a new one.
                last = cycles[-1] if cycles else None
                if (
                    holder == team
                    and not reassigned
                    and last is not None
                    and not last.is_open
                    and last.by_ticket_stop
                ):
                    last.reopen(t, new, i)
                elif holder == team and _open_cycle(cycles) is None:
                    start(t, i)
            elif current is not None:
                current.move(t, new, i)
    return cycles


# ---------------------------------------------------------------------------
# Families of targets: one metric (external) or one team (internal)


@dataclass(frozen=True)
class _Family:
    """The targets of one metric, or of one team, one per severity (or none)."""

    metric: Metric | None
    team: str | None
    lookup: Callable[[str], AnyTarget | None]


@dataclass
class _Reported:
    """A cycle as reported: the measuring severity and target, its end and pieces."""

    cycle: _Cycle
    number: int
    severity: str
    target: AnyTarget
    #: None while open at ``now``.
    end: datetime | None
    cancelled: bool
    #: How many events were applied before its end (all of them while open).
    end_pos: int
    pieces: list[Piece] = field(default_factory=list)
    #: Ended by the ticket's stop.
    by_ticket_stop: bool = False


class _Replay:
    """The first ``limit`` events of a ticket, evaluated at ``now``."""

    def __init__(self, ticket: Ticket, policy: Policy, limit: int, now: datetime) -> None:
        self.ticket = ticket
        self.policy = policy
        self.events = ticket.history
        self.limit = limit
        self.now = now
        # The severity after k events applied, k = 0..limit; events after a cancel are ignored.
        severities = [ticket.severity]
        cancelled = False
        for event in self.events[:limit]:
            if isinstance(event, Cancel):
                cancelled = True
            elif isinstance(event, SeverityChange) and not cancelled:
                severities.append(event.severity)
                continue
            severities.append(severities[-1])
        self.severity_after = severities
        self._machines: dict[tuple[int, int], list[_Cycle]] = {}

    # -- the replays

    def cycles(self, family: _Family, target: AnyTarget, limit: int | None = None) -> list[_Cycle]:
        """The cycles of one target's replay over the first ``limit`` events (default all)."""
        limit = self.limit if limit is None else limit
        key = (id(target), limit)
        if key not in self._machines:
            if isinstance(target, Target):
                found = _external_cycles(self.policy, target, self.events, limit)
            else:
                assert family.team is not None
                found = _stint_cycles(self.policy, target, family.team, self.events, limit)
            self._machines[key] = found
        return self._machines[key]

    def changes(self, family: _Family) -> list[int]:
        """Indices of the severity changes that change the family's target."""
        after = self.severity_after
        return [
            j
            for j in range(self.limit)
            if family.lookup(after[j]) is not family.lookup(after[j + 1])
        ]

    def as_is(self, cycle: _Cycle, number: int, severity: str, target: AnyTarget) -> _Reported:
        """A cycle reported as its own replay left it."""
        end_pos = self.limit if cycle.is_open else cycle.end_index
        return _Reported(
            cycle,
            number,
            severity,
            target,
            cycle.end,
            cycle.cancelled,
            end_pos,
            list(cycle.pieces),
            cycle.by_ticket_stop,
        )

    def reported(self, family: _Family) -> list[_Reported]:
        """Every reported cycle of the family, in order (see "Severity" above)."""
        claims: list[tuple[int, _Reported]] = []  # (where the machine's cycle ended, claim)
        changes = self.changes(family)
        machines: list[tuple[str, AnyTarget, list[_Cycle]]] = []
        for severity in self.policy.severities:
            target = family.lookup(severity)
            if target is not None:
                machines.append((severity, target, self.cycles(family, target)))
        for severity, target, cycles in machines:
            for number, cycle in enumerate(cycles, start=1):
                end_pos = self.limit if cycle.is_open else cycle.end_index
                at_end = self.severity_after[end_pos]
                if family.lookup(at_end) is not None:
                    if at_end == severity:
                        claims.append((end_pos, self.as_is(cycle, number, severity, target)))
                    continue
                # No target at the end: the last earlier severity with one measures it,
                # cancelled at the change away from it (if it was still open then).
                away = [j for j in changes if j < end_pos and family.lookup(self.severity_after[j])]
                if not away:
                    continue
                j = away[-1]
                if self.severity_after[j] != severity or cycle.start_pos > j:
                    continue
                # The same cycle as it stood just before the change.
                then = self.cycles(family, target, j)[number - 1]
                if then.end is not None:
                    claims.append((end_pos, self.as_is(then, number, severity, target)))
                    continue
                cancelled = _Reported(
                    then,
                    number,
                    severity,
                    target,
                    self.events[j].at,
                    True,
                    j,
                    list(then.pieces),
                    False,
                )
                claims.append((end_pos, cancelled))
        # One row per cycle number: of two claims (the targets of one metric cut cycles
        # differently), the one whose cycle ended last. A cycle that starts and is
        # cancelled by the ticket's stop at one instant (a reply and the solve stamped
        # together) is not reported and claims nothing; its number is skipped.
        latest: dict[int, tuple[int, _Reported]] = {}
        for key, claim in claims:
            if _dropped(claim):
                continue
            if claim.number not in latest or key > latest[claim.number][0]:
                latest[claim.number] = (key, claim)
        out = [claim for _, claim in latest.values()]
        # A cycle number no severity claims (the targets of one metric cut cycles
        # differently): the latest severity the ticket had while that machine's cycle
        # ran measures it.
        claimed = {r.number for r in out}
        numbers = {n for _, _, cycles in machines for n in range(1, len(cycles) + 1)}
        for number in sorted(numbers - claimed):
            best: tuple[int, str, AnyTarget, _Cycle] | None = None
            for severity, target, cycles in machines:
                if len(cycles) < number:
                    continue
                cycle = cycles[number - 1]
                if _dropped(self.as_is(cycle, number, severity, target)):
                    continue
                end_pos = self.limit if cycle.is_open else cycle.end_index
                had = [
                    pos
                    for pos in range(cycle.start_pos, end_pos + 1)
                    if self.severity_after[pos] == severity
                ]
                if had and (best is None or had[-1] > best[0]):
                    best = (had[-1], severity, target, cycle)
            if best is not None:
                _, severity, target, cycle = best
                out.append(self.as_is(cycle, number, severity, target))
        ranks = {severity: k for k, severity in enumerate(self.policy.severities)}
        out.sort(key=lambda r: (r.cycle.start_pos, r.number, ranks[r.severity]))
        return out

    # -- the numbers

    def row(self, family: _Family, rep: _Reported, *, with_earlier: bool) -> dict[str, Any]:
        target, cycle, now = rep.target, rep.cycle, self.now
        cal = target.calendar_for(self.ticket.attributes)
        s = cycle.start
        is_open = rep.end is None
        end = now if rep.end is None else rep.end
        pieces = rep.pieces
        pauses: list[tuple[datetime, datetime]] = []
        lasting: list[ClockState] = []  # the states of the pieces of non-zero length
        for k, (frm, state, _) in enumerate(pieces):
            until = pieces[k + 1][0] if k + 1 < len(pieces) else end
            if until > frm:
                lasting.append(state)
                if state is not RUNNING:
                    pauses.append((frm, until))
        if is_open:
            going = pieces[-1][1]
        elif lasting:
            going = lasting[-1]
        else:  # a cycle of zero length: the state it ended in
            going = STOPPED if rep.by_ticket_stop else pieces[-1][1]
        if going is STOPPED:
            going = PAUSED
        goal_rule = target.goal
        if isinstance(goal_rule, BusinessDays):
            goal = reference.elapsed(cal, s, reference.due_business_days(cal, s, goal_rule.days))
        else:
            goal = goal_rule.duration
        used = reference.elapsed(cal, s, end, pauses)
        paused_business = reference.elapsed(cal, s, end) - used
        paused_wall = sum((p1 - p0 for p0, p1 in pauses), _ZERO)
        due = reference.due(cal, s, goal, pauses) if used >= goal or going is RUNNING else None
        due_if_resumed = (
            reference.due(cal, now, goal - used)
            if is_open and going is PAUSED and used < goal
            else None
        )
        breached = due is not None and end > due
        breached_at = None
        if due is not None and breached:
            # A change cannot breach a cycle before it was made.
            applied = [self.events[j].at for j in self.changes(family) if j < rep.end_pos]
            breached_at = max([due, *applied])
        if is_open:
            status = "running" if going is RUNNING else "paused"
        else:
            status = "cancelled" if rep.cancelled else "stopped"
        if breached:
            outcome = "breached"
        elif status == "stopped":
            outcome = "met"
        elif status == "cancelled":
            outcome = "none"
        else:
            outcome = "pending"
        running = status == "running"
        hits: list[tuple[str, datetime]] = []
        future: list[datetime] = []
        for rule in target.warnings:
            at: datetime | None = None
            if isinstance(rule, FractionWarning):
                threshold = timedelta(microseconds=math.ceil(rule.fraction * (goal // _US)))
                if used >= threshold or running:
                    at = reference.due(cal, s, threshold, pauses)
            elif isinstance(rule, BeforeDueWarning):
                # Where the clock grows past goal - before (known once it has, or ahead
                # while running).
                value = goal - rule.before
                if value < _ZERO:
                    at = s
                elif used > value or running:
                    at = _grows_after(cal, reference.due(cal, s, value, pauses), pauses)
            if at is None:
                continue
            if at <= end:
                hits.append((rule.label, at))
            elif running:
                future.append(at)
        next_event_at = None
        if running:
            upcoming = [at for at in future if at > now]
            if due is not None and due >= now:
                upcoming.append(due)
            next_event_at = min(upcoming, default=None)
        # Internal targets keep no history of severities.
        earlier = self.earlier(family, rep) if with_earlier and family.metric else ()
        values: dict[str, Any] = {
            "ticket_id": self.ticket.id,
            "policy": self.policy.name,
            "target": target.name,
            "metric": "internal" if family.metric is None else family.metric.value,
            "team": family.team,
            "severity": rep.severity,
            "cycle": rep.number,
            "status": status,
            "outcome": outcome,
            "start": s,
            "stop": rep.end,
            "goal": goal,
            "used": used,
            "elapsed": end - s,
            "paused_business": paused_business,
            "paused_wall": paused_wall,
            "remaining": max(goal - used, _ZERO),
            "overdue_by": None if breached_at is None else end - breached_at,
            "used_share": used / goal,
            "due": due,
            "due_if_resumed": due_if_resumed,
            "original_due": earlier[0][1] if earlier else due,
            "breached_at": breached_at,
            "earlier": earlier,
            # In time order; warnings at one instant in the target's order.
            "warnings": tuple(sorted(hits, key=lambda hit: hit[1])),
            "next_event_at": next_event_at,
        }
        return {name: values[name] for name in RESULT_FIELDS}

    def earlier(
        self, family: _Family, rep: _Reported
    ) -> tuple[tuple[str, datetime | None, bool, datetime], ...]:
        """The dues of the severities the cycle had before, each at its change."""
        out = []
        for j in self.changes(family):
            if not rep.cycle.start_pos <= j < rep.end_pos:
                continue
            old = self.severity_after[j]
            target = family.lookup(old)
            if target is None:
                continue
            # Only if the change falls in the old severity's own cycle of that number
            # (its replay over the whole history: a cycle it ended for good before the
            # change is another cycle).
            theirs = self.cycles(family, target)
            if len(theirs) < rep.number:
                continue
            their_cycle = theirs[rep.number - 1]
            their_end = self.limit if their_cycle.is_open else their_cycle.end_index
            if not their_cycle.start_pos <= j < their_end:
                continue
            # Its due and breach: the old severity's replay of the events before the
            # change, at its instant (no entry if that cycle is not reported).
            changed_at = self.events[j].at
            before = _Replay(self.ticket, self.policy, j, changed_at)
            cycles = before.cycles(family, target)
            if len(cycles) < rep.number:
                continue
            then = before.as_is(cycles[rep.number - 1], rep.number, old, target)
            if _dropped(then):
                continue
            row = before.row(family, then, with_earlier=False)
            out.append((old, row["due"], row["outcome"] == "breached", changed_at))
        return tuple(out)


def _dropped(rep: _Reported) -> bool:
    """Started and cancelled by the ticket's stop at one instant: not reported."""
    return rep.cancelled and rep.by_ticket_stop and rep.end == rep.cycle.start


def _grows_after(
    cal: Calendar, t: datetime, pauses: Sequence[tuple[datetime, datetime]]
) -> datetime:
    """The first instant ``>= t`` at which the clock grows: open and in no pause."""
    while True:
        t = reference.next_open(cal, t)
        ends = [p1 for p0, p1 in pauses if p0 <= t < p1]
        if not ends:
            return t
        t = ends[0]


def _external_family(policy: Policy, metric: Metric) -> _Family:
    def lookup(severity: str) -> AnyTarget | None:
        return policy.target(metric, severity)

    return _Family(metric, None, lookup)


def _internal_family(policy: Policy, team: str) -> _Family:
    def lookup(severity: str) -> AnyTarget | None:
        return policy.internal_target(team, severity)

    return _Family(None, team, lookup)


def _families(policy: Policy) -> tuple[list[_Family], list[_Family]]:
    """The external families in metric order, then one family per team."""
    external = [
        _external_family(policy, metric)
        for metric in Metric
        if any(target.metric is metric for target in policy.targets)
    ]
    teams = dict.fromkeys(it.team for it in policy.internal_targets)
    return external, [_internal_family(policy, team) for team in teams]


def ref_evaluate(
    ticket: Ticket,
    policy: Policy | PolicyBook,
    *,
    now: datetime,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """Evaluate a ticket under a policy, slowly and from the contract alone.

    Parameters
    ----------
    ticket
        The ticket and its history.
    policy
        A policy, or a policy book (``book.select(ticket, as_of=as_of)``
        chooses the policy).
    now
        The instant of evaluation (aware); events later than ``now`` are an
        error, an event at ``now`` counts.
    as_of
        With a book: select the version in effect at this instant instead of
        at the ticket's creation.

    Returns
    -------
    list of dict
        One dict per result row, keys :data:`RESULT_FIELDS` in that order:
        instants as UTC-aware datetimes, durations as timedeltas, ``earlier``
        as tuples ``(severity, due, breached, changed_at)``, ``warnings`` as
        tuples ``(label, at)``, ``used_share`` as a float. External rows come
        first (by metric, then cycle), then internal ones (by stint).

    Raises
    ------
    slaclock.errors.InputError
        For an event after ``now`` or a status or severity the policy does
        not know (the ticket's own checks).
    slaclock.testing.reference.ReferenceSearchError
        When a due lies beyond the reference's search range
        (:data:`slaclock.testing.reference.MAX_SCAN`).
    """
    if isinstance(policy, PolicyBook):
        policy = policy.select(ticket, as_of=as_of)
    if now.tzinfo is None or now.utcoffset() is None:
        msg = f"now: datetime has no time zone (got {now!r})"
        raise ValueError(msg)
    now = now.astimezone(UTC)
    policy.check_ticket(ticket, now=now)
    replay = _Replay(ticket, policy, len(ticket.history), now)
    external, internal = _families(policy)
    rows = [
        replay.row(family, rep, with_earlier=True)
        for family in external
        for rep in replay.reported(family)
    ]
    stints = [(rep, family) for family in internal for rep in replay.reported(family)]
    stints.sort(key=lambda pair: (pair[0].cycle.start_pos, pair[1].team or ""))
    rows.extend(replay.row(family, rep, with_earlier=True) for rep, family in stints)
    return rows
