"""The ticket clock: replay a ticket's history against a policy.

:func:`evaluate` answers, for every target and cycle of a ticket, what a
helpdesk shows and what a dispute needs: status and outcome, business time
used, paused time, remaining, due, breach, warnings reached and the next
instant something happens. :class:`TicketClock` is the incremental form:
feed events one at a time to a stored state and ask at any ``now``; it gives
exactly what a full replay gives (:func:`evaluate` is built on it).

The rules are SEMANTICS "Tickets, targets and the SLA clock" plus the
choices written in the semantics guide (docs/semantics.md, "Tickets").

The fields of :class:`Result` are a versioned schema
(:data:`RESULT_SCHEMA_VERSION`, :data:`RESULT_FIELDS`): they are the
columns of the batch path and the headers of result files.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from slaclock._instants import _EPOCH as EPOCH
from slaclock._instants import from_us, to_us, us_to_td
from slaclock.calendars import Calendar
from slaclock.errors import (
    FutureEventError,
    InputError,
    NoOpenTimeError,
    UnknownSeverityError,
    UnknownStatusError,
    UnorderedHistoryError,
)
from slaclock.policies import (
    BeforeDueWarning,
    BusinessDays,
    ClockState,
    InternalTarget,
    Metric,
    Policy,
    PolicyBook,
    Reopen,
    Target,
    Trigger,
)
from slaclock.tickets import (
    Assignment,
    Cancel,
    Event,
    SeverityChange,
    StatusChange,
    Ticket,
)

__all__ = [
    "RESULT_FIELDS",
    "RESULT_SCHEMA_VERSION",
    "EarlierSeverity",
    "Evaluation",
    "Result",
    "TicketClock",
    "WarningHit",
    "evaluate",
]

RESULT_SCHEMA_VERSION = 1
"""The version of the :class:`Result` fields; it changes when a field is added, renamed or redefined."""

_RUNNING = ClockState.RUNNING
_PAUSED = ClockState.PAUSED
_STOPPED = ClockState.STOPPED
_INF = 1 << 62
_ONE_US = dt.timedelta(microseconds=1)


@attrs.frozen
class WarningHit:
    """A warning reached: its label (``"75%"``, ``"1h before due"``) and the instant it fired."""

    label: str
    at: dt.datetime


@attrs.frozen
class EarlierSeverity:
    """A severity the ticket had before a change: the due it had and whether it was already breached."""

    severity: str
    due: dt.datetime | None
    breached: bool
    changed_at: dt.datetime


@attrs.frozen
class Result:
    """One target and cycle of one ticket: the row of a results table (schema version 1).

    Attributes
    ----------
    ticket_id, policy
        The ticket and the name of the policy that measured it.
    target
        ``"<severity>.<metric>"`` (``"P2.resolution"``), or the team of an internal target.
    metric
        ``first_response``, ``resolution``, ``next_reply``, ``periodic_update``, or ``internal``.
    team
        The team of an internal target (None for external targets).
    severity
        The severity that measured this cycle (the one in effect at its end).
    cycle
        1 for the first cycle of the target, 2 for the next (reopen, next reply, ...).
    status
        ``running``, ``paused``, ``stopped`` or ``cancelled``.
    outcome
        ``met``, ``breached``, ``pending`` (not decided yet) or ``none``
        (cancelled before it was breached).
    start, stop
        When the clock started; when it stopped or was cancelled (None while open).
    goal
        The target as business time (business days converted at the start).
    used, elapsed
        Business time used (the clock value at the stop or ``now``); wall time since the start.
    paused_business, paused_wall
        Time the clock was held: open time of the calendar, and wall time.
    remaining, overdue_by
        Goal minus used (never negative); wall time past the deadline when breached.
    used_share
        ``used / goal`` (display value; 1.0 means the goal is used up).
    due
        When the clock reaches the goal (None when paused, or stopped, before reaching it
        with a last state that held the clock).
    due_if_resumed
        For a clock paused at ``now`` short of its goal: the due if it resumed at ``now``.
    original_due
        The due under the ticket's first severity (the same as ``due`` without severity changes).
    breached_at
        The deadline that was missed (the due, or a later severity change), when breached.
    earlier
        The severities the cycle had before, with their dues (:class:`EarlierSeverity`).
    warnings
        Warnings reached (:class:`WarningHit`), in order.
    next_event_at
        For a running clock: the next warning or the deadline, whichever comes first after ``now``.
    """

    ticket_id: str | int
    policy: str
    target: str
    metric: str
    team: str | None
    severity: str
    cycle: int
    status: str
    outcome: str
    start: dt.datetime
    stop: dt.datetime | None
    goal: dt.timedelta
    used: dt.timedelta
    elapsed: dt.timedelta
    paused_business: dt.timedelta
    paused_wall: dt.timedelta
    remaining: dt.timedelta
    overdue_by: dt.timedelta | None
    used_share: float
    due: dt.datetime | None
    due_if_resumed: dt.datetime | None
    original_due: dt.datetime | None
    breached_at: dt.datetime | None
    earlier: tuple[EarlierSeverity, ...]
    warnings: tuple[WarningHit, ...]
    next_event_at: dt.datetime | None

    @property
    def met(self) -> bool:
        """True if the outcome is met."""
        return self.outcome == "met"

    @property
    def breached(self) -> bool:
        """True if the outcome is breached."""
        return self.outcome == "breached"

    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict in schema order (nested values as tuples of dicts)."""
        out = {name: getattr(self, name) for name in RESULT_FIELDS}
        out["earlier"] = tuple(attrs.asdict(e) for e in self.earlier)
        out["warnings"] = tuple(attrs.asdict(w) for w in self.warnings)
        return out


RESULT_FIELDS: tuple[str, ...] = tuple(f.name for f in attrs.fields(Result))
"""The :class:`Result` field names, in column order."""


# ---- the replay state --------------------------------------------------------------------


class _Cycle:
    """One cycle of one target: start, state transitions, end."""

    __slots__ = ("end", "end_index", "end_kind", "start", "start_index", "states")

    def __init__(self, start: int, index: int, state: ClockState) -> None:
        self.start = start
        self.start_index = index
        self.states: list[tuple[int, ClockState]] = [(start, state)]
        self.end: int | None = None
        self.end_index = _INF
        self.end_kind = ""  # "stop", "ticket_stop", "ticket_cancel", "cancel"

    def copy(self) -> _Cycle:
        c = _Cycle.__new__(_Cycle)
        c.start, c.start_index = self.start, self.start_index
        c.states = list(self.states)
        c.end, c.end_index, c.end_kind = self.end, self.end_index, self.end_kind
        return c

    def set_state(self, t: int, state: ClockState) -> None:
        last_t, last = self.states[-1]
        if state is last:
            return
        if last_t == t:
            self.states[-1] = (t, state)
            if len(self.states) > 1 and self.states[-2][1] is state:
                self.states.pop()
        else:
            self.states.append((t, state))

    def finish(self, t: int, index: int, kind: str) -> None:
        self.end, self.end_index, self.end_kind = t, index, kind


class _Machine:
    """Replays events into the cycles of one target (SEMANTICS "Tickets"; docs "Tickets")."""

    __slots__ = (
        "armed",
        "cycles",
        "deferred",
        "done",
        "map",
        "multi",
        "open",
        "reopen",
        "start_created",
        "start_reopen",
        "starts",
        "status",
        "stops",
        "target",
    )

    def __init__(self, target: Target, plan: _Plan, status: str) -> None:
        self.target = target
        self.map, self.starts, self.start_created, self.start_reopen, self.stops, self.multi = plan
        self.status = status
        self.reopen = target.reopen
        self.cycles: list[_Cycle] = []
        self.open: _Cycle | None = None
        self.armed = True
        self.deferred = -1
        self.done = False

    def _start(self, t: int, index: int) -> None:
        cycle = _Cycle(t, index, self.map[self.status])
        self.cycles.append(cycle)
        self.open = cycle
        self.armed = False

    def _may_start(self) -> bool:
        return self.open is None and (self.multi or self.armed)

    def step(self, index: int, event: Event, t: int) -> None:
        if self.done:
            return
        if type(event) is Cancel:
            if self.open is not None:
                self.open.finish(t, index, "cancel")
                self.open = None
            self.done = True
            return
        if self.deferred != t:
            self.deferred = -1
        started = False
        if index == 0 and self.start_created:
            self._start(t, index)
            started = True
        cycle = self.open
        kind = event.kind
        if cycle is not None and not started and kind in self.stops:
            for trig in self.stops[kind]:
                if trig.matches(event):
                    cycle.finish(t, index, "stop")
                    self.open = cycle = None
                    break
        state = self.map[self.status]
        if kind == "status":
            assert isinstance(event, StatusChange)
            old = state
            self.status = event.status
            state = self.map[event.status]
            if cycle is not None:
                cycle.set_state(t, state)
            if old is not _STOPPED and state is _STOPPED:
                if cycle is not None:
                    # SEMANTICS "next reply": a cycle open when the ticket stops is cancelled
                    cycle.finish(t, index, "ticket_cancel" if self.multi else "ticket_stop")
                    self.open = None
            elif old is _STOPPED and state is not _STOPPED:
                self._reopened(t, index, state)
        if started or kind not in self.starts:
            return
        if state is _STOPPED:
            for trig in self.starts[kind]:
                if trig.matches(event):
                    self.deferred = t
                    break
        elif self._may_start():
            for trig in self.starts[kind]:
                if trig.matches(event):
                    self._start(t, index)
                    break

    def _reopened(self, t: int, index: int, state: ClockState) -> None:
        last = self.cycles[-1] if self.cycles else None
        if self.reopen is Reopen.CONTINUE:
            if (
                last is not None
                and self.open is None
                and last.end_kind in ("ticket_stop", "ticket_cancel")
            ):
                last.end, last.end_index, last.end_kind = None, _INF, ""
                last.set_state(t, state)
                self.open = last
        elif not self.multi or self.target.metric is Metric.PERIODIC_UPDATE:
            self.armed = True
            if self.start_created and self.open is None:
                self._start(t, index)
        if self.open is None and (self.start_reopen or self.deferred == t) and self._may_start():
            self._start(t, index)


class _Stints:
    """Replays assignments into the stints of internal targets (one cycle per stint)."""

    __slots__ = ("cycles", "done", "holder", "map", "open", "resumable", "status")

    def __init__(self, states: dict[str, ClockState], status: str) -> None:
        self.map = states
        self.status = status
        self.holder: str | None = None
        # (team, cycle, status labels): an internal target maps the labels with its own statuses
        self.cycles: list[tuple[str, _Cycle, list[tuple[int, str]]]] = []
        self.open: _Cycle | None = None
        self.resumable = False
        self.done = False

    def step(self, index: int, event: Event, t: int) -> None:
        if self.done:
            return
        kind = type(event)
        if kind is Cancel:
            if self.open is not None:
                self.open.finish(t, index, "cancel")
                self.open = None
            self.done = True
        elif kind is Assignment:
            assert isinstance(event, Assignment)
            if event.team == self.holder:
                return
            if self.open is not None:
                self.open.finish(t, index, "stop")
                self.open = None
            self.holder = event.team
            self.resumable = False
            if self.map[self.status] is not _STOPPED:
                self._start(t, index)
        elif kind is StatusChange:
            assert isinstance(event, StatusChange)
            old = self.map[self.status]
            self.status = event.status
            new = self.map[event.status]
            if self.open is not None:
                self.cycles[-1][2].append((t, event.status))
            if old is not _STOPPED and new is _STOPPED:
                if self.open is not None:
                    self.open.finish(t, index, "ticket_stop")
                    self.open = None
                    self.resumable = True
            elif old is _STOPPED and new is not _STOPPED and self.holder is not None:
                if self.resumable:
                    _, cycle, labels = self.cycles[-1]
                    cycle.end, cycle.end_index, cycle.end_kind = None, _INF, ""
                    labels.append((t, event.status))
                    self.open = cycle
                else:
                    self._start(t, index)
                self.resumable = False

    def _start(self, t: int, index: int) -> None:
        assert self.holder is not None
        cycle = _Cycle(t, index, self.map[self.status])
        self.cycles.append((self.holder, cycle, [(t, self.status)]))
        self.open = cycle


@attrs.frozen
class _Change:
    index: int
    at: int
    old: str
    new: str
    # (metric, cycle number) -> the old severity's open cycle just before the change
    open_cycles: dict[tuple[Metric, int], _Cycle] = attrs.field(eq=False)


@attrs.frozen(eq=False)
class _Trace:
    """What produced one result: the cycle, the calendar, the clock rule (for explain)."""

    cycle: _Cycle
    calendar: Calendar
    end: int
    ended: bool
    target: Target | InternalTarget

    @property
    def goal(self) -> str:
        """The goal as written, with business days' conversion."""
        text = str(self.target.goal)
        if isinstance(self.target.goal, BusinessDays):
            return text + " (converted into business time at this start)"
        return text


class TicketClock:
    """The incremental ticket clock: feed events one at a time, evaluate at any ``now``.

    Holds what the replay needs (the policy, the events so far, the cycles of
    every target); ``evaluate(now=...)`` gives exactly what
    :func:`evaluate` gives for the same history. Instances pickle.

    Parameters
    ----------
    policy
        A :class:`~slaclock.policies.Policy`, or a
        :class:`~slaclock.policies.PolicyBook` (the policy is selected when the
        first event arrives, by its instant and the attributes).
    ticket_id, severity, attributes
        As on :class:`~slaclock.tickets.Ticket`.
    as_of
        Select the policy version in effect at this instant instead of at creation.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar, StatusChange, AgentReply
    >>> from slaclock.policies import Policy, Target, BusinessTime
    >>> cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    >>> policy = Policy("p", ["P1"], {"open": "running", "solved": "stopped"},
    ...                 [Target("first_response", "P1", BusinessTime(dt.timedelta(hours=1)), cal)])
    >>> clock = TicketClock(policy, "T-1", "P1")
    >>> clock.feed(StatusChange(dt.datetime(2024, 1, 5, 16, 30, tzinfo=dt.UTC), status="open"))
    >>> r = clock.evaluate(now=dt.datetime(2024, 1, 8, 9, 0, tzinfo=dt.UTC)).results[0]
    >>> r.status, r.outcome, r.used, r.due
    ('running', 'pending', datetime.timedelta(seconds=1800), datetime.datetime(2024, 1, 8, 9, 30, tzinfo=datetime.timezone.utc))
    """

    def __init__(
        self,
        policy: Policy | PolicyBook,
        ticket_id: str | int,
        severity: str,
        attributes: Mapping[str, Any] | None = None,
        *,
        as_of: dt.datetime | None = None,
    ) -> None:
        if not isinstance(policy, (Policy, PolicyBook)):
            raise InputError("policy", policy, "must be a Policy or a PolicyBook")
        if attributes is not None and not isinstance(attributes, Mapping):
            raise InputError("attributes", attributes, "must be a mapping of name to value")
        attrs_map = dict(attributes or {})
        if isinstance(ticket_id, bool) or not isinstance(ticket_id, (str, int)) or ticket_id == "":
            raise InputError("id", ticket_id, "must be non-empty text or a whole number")
        if not isinstance(severity, str) or not severity.strip():
            raise InputError("severity", severity, "must be a severity label such as 'P2'")
        self._source = policy
        self._as_of = as_of
        self.ticket_id = ticket_id
        self.severity = severity
        self.attributes: Mapping[str, Any] = attrs_map
        self._policy: Policy | None = policy if isinstance(policy, Policy) else None
        if self._policy is not None:
            self._policy.rank(severity)
        self._events: list[Event] = []
        self._severity = severity
        self._changes: list[_Change] = []
        self._machines: dict[tuple[Metric, str], _Machine] = {}
        self._stints: _Stints | None = None
        self._cancelled = False

    @property
    def policy(self) -> Policy | None:
        """The policy that measures the ticket (None until the first event for a policy book)."""
        return self._policy

    @property
    def events(self) -> tuple[Event, ...]:
        """The events fed so far."""
        return tuple(self._events)

    def _begin(self, first: Event) -> Policy:
        if self._policy is None:
            assert isinstance(self._source, PolicyBook)
            self._policy = self._source.select_for(first.at, self.attributes, as_of=self._as_of)
            self._policy.rank(self.severity)
        policy = self._policy
        self._add_machines(self.severity)
        self._stints = _Stints(dict(policy.statuses), policy.initial)
        return policy

    def _add_machines(self, severity: str) -> None:
        policy = self._policy
        assert policy is not None
        for i, target in enumerate(policy.targets):
            if target.severity != severity or (target.metric, severity) in self._machines:
                continue
            plan = policy._plans.get(i)
            if plan is None:
                plan = policy._plans[i] = _plan(policy, target)
            machine = _Machine(target, plan, policy.initial)
            for i, event in enumerate(self._events):  # as if it always had that severity
                machine.step(i, event, _us(event.at))
            self._machines[(target.metric, severity)] = machine

    def feed(self, event: Event) -> None:
        """Apply the next event of the history.

        Raises
        ------
        UnorderedHistoryError
            If the event is earlier than the previous one.
        UnknownStatusError, UnknownSeverityError
            For a label the policy does not know.
        """
        index = len(self._events)
        field = f"history[{index}]"
        if not isinstance(event, Event):
            raise InputError(field, event, "must be an event (StatusChange, AgentReply, ...)")
        policy = self._policy if index else self._begin(event)
        assert policy is not None
        if index and event.at < self._events[-1].at:
            raise UnorderedHistoryError(
                f"{field}.at",
                event.at,
                f"is before history[{index - 1}].at ({self._events[-1].at.isoformat()})",
                "events must be in time order; same-instant events keep the order given",
            )
        if type(event) is StatusChange and event.status not in policy._status_map:
            raise UnknownStatusError(
                f"{field}.status",
                event.status,
                f"is not a status of the policy (known: {_names(sorted(policy.statuses))})",
            )
        t = _us(event.at)
        if isinstance(event, SeverityChange):
            if event.severity not in policy.severities:
                raise UnknownSeverityError(
                    f"{field}.severity",
                    event.severity,
                    f"is not a severity of the policy (known: {_names(policy.severities)})",
                )
            if not self._cancelled and event.severity != self._severity:
                self._change_severity(index, t, event.severity)
        self._events.append(event)
        for machine in self._machines.values():
            machine.step(index, event, t)
        assert self._stints is not None
        self._stints.step(index, event, t)
        if isinstance(event, Cancel):
            self._cancelled = True

    def _change_severity(self, index: int, t: int, new: str) -> None:
        old = self._severity
        open_cycles: dict[tuple[Metric, int], _Cycle] = {}
        for (metric, sev), machine in self._machines.items():
            if sev != old:
                continue
            # every cycle as it stands: the old severity's dues are read from them
            for k, cycle in enumerate(machine.cycles, 1):
                open_cycles[(metric, k)] = cycle.copy()
        self._changes.append(_Change(index, t, old, new, open_cycles))
        self._severity = new
        self._add_machines(new)

    def dumps(self) -> bytes:
        """The stored state as bytes, without the policy (about 2 kB for a typical ticket).

        A helpdesk keeps one per open ticket and restores it with
        :meth:`loads` and the same policy: the policy's compiled calendars
        stay warm in the service instead of being rebuilt per ticket (a plain
        ``pickle`` of the clock also works, but carries the policy along).
        """
        buffer = io.BytesIO()
        pickler = _StatePickler(buffer, self._source, self._policy)
        pickler.dump(self)
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes, policy: Policy | PolicyBook) -> TicketClock:
        """A clock stored with :meth:`dumps`, attached again to ``policy`` (the one it was built with).

        Raises
        ------
        InputError
            If ``policy`` is not the policy the state was stored with.
        """
        unpickler = _StateUnpickler(io.BytesIO(data), policy)
        clock = unpickler.load()
        if not isinstance(clock, cls):
            raise InputError("data", data[:40], "is not a stored TicketClock")
        return clock

    def evaluate(self, *, now: dt.datetime) -> Evaluation:
        """The results at ``now`` (every event fed must be at or before ``now``).

        Raises
        ------
        FutureEventError
            If an event is later than ``now``.
        InputError
            If no event was fed.
        """
        n = to_us(now, "now")
        if not self._events:
            raise InputError("history", (), "must hold at least the creation event")
        if _us(self._events[-1].at) > n:
            i = len(self._events) - 1
            while i and _us(self._events[i - 1].at) > n:
                i -= 1
            raise FutureEventError(
                f"history[{i}].at", self._events[i].at, f"is after now ({from_us(n).isoformat()})"
            )
        policy = self._policy
        assert policy is not None
        rows: list[tuple[Result, _Trace]] = []
        for metric in policy.metrics():
            rows.extend(self._metric_rows(policy, metric, n))
        rows.extend(self._internal_rows(policy, n))
        return Evaluation(
            ticket_id=self.ticket_id,
            policy=policy.name,
            now=from_us(n),
            results=tuple(r for r, _ in rows),
            traces=tuple(tr for _, tr in rows),
        )

    # ---- turning cycles into results ---------------------------------------------------

    def _severity_at(self, index: int) -> str:
        sev = self.severity
        for change in self._changes:
            if change.index >= index:
                break
            sev = change.new
        return sev

    def _severities_during(self, cycle: _Cycle) -> set[str]:
        """The severities the ticket had while the cycle ran."""
        found = {self._severity_at(cycle.start_index)}
        for change in self._changes:
            if cycle.start_index < change.index < cycle.end_index:
                found.add(change.new)
        return found

    def _last_change_before(self, index: int) -> int | None:
        at = None
        for change in self._changes:
            if change.index >= index:
                break
            at = change.at
        return at

    def _metric_rows(self, policy: Policy, metric: Metric, now: int) -> list[tuple[Result, _Trace]]:
        rows: dict[int, tuple[Result, _Trace]] = {}
        # of two claims on one cycle number (severities cutting cycles differently),
        # the one whose cycle ended last wins
        ends: dict[int, int] = {}
        for (m, sev), machine in self._machines.items():
            if m is not metric:
                continue
            target = machine.target
            for k, cycle in enumerate(machine.cycles, 1):
                if self._severity_at(cycle.end_index) != sev or _empty(cycle):
                    continue
                if k in ends and ends[k] >= cycle.end_index:
                    continue
                ends[k] = cycle.end_index
                earlier = self._earlier(policy, metric, k, cycle)
                rows[k] = self._row(policy, target, None, k, cycle, now, earlier)
        # cycles whose severity at their end has no target: measured by the last severity
        # that had one, cancelled at the change away from it (as they were then, if the
        # ticket's stop had already ended them)
        claimed = set(rows)
        for change in reversed(self._changes):
            if policy.target(metric, change.new) is not None:
                continue
            old_target = policy.target(metric, change.old)
            if old_target is None:
                continue
            for (m, k), snap in change.open_cycles.items():
                if m is not metric:
                    continue
                ended = self._machines[(metric, change.old)].cycles[k - 1]
                if k in claimed and ends.get(k, _INF) >= ended.end_index:
                    continue
                if (
                    change.index >= ended.end_index
                    or self._severity_at(ended.end_index) == change.old
                ):
                    continue  # the change came after the cycle's end, or it ended under the old one
                cut = snap.copy()
                if cut.end is None:
                    cut.finish(change.at, change.index, "cancel")
                if _empty(cut):
                    continue  # measured nothing: claims nothing
                claimed.add(k)
                ends[k] = ended.end_index
                earlier = self._earlier(policy, metric, k, cut)
                rows[k] = self._row(policy, old_target, None, k, cut, now, earlier)
        if not self._changes:  # one severity: its machines claimed every cycle
            return [rows[k] for k in sorted(rows)]
        # targets of one metric whose start, stop or reopen rules differ by severity can
        # cut cycles differently: a cycle no severity claimed is measured by the latest
        # severity of the ticket that has it (cycles are matched by number)
        order = [self.severity] + [c.new for c in self._changes]
        for (m, _sev), machine in sorted(
            self._machines.items(),
            key=lambda kv: max((i for i, s in enumerate(order) if s == kv[0][1]), default=-1),
            reverse=True,
        ):
            if m is not metric:
                continue
            for k, cycle in enumerate(machine.cycles, 1):
                if k in claimed or _empty(cycle) or _sev not in self._severities_during(cycle):
                    continue
                claimed.add(k)
                earlier = self._earlier(policy, metric, k, cycle)
                rows[k] = self._row(policy, machine.target, None, k, cycle, now, earlier)
        return [rows[k] for k in sorted(rows)]

    def _earlier(
        self, policy: Policy, metric: Metric, k: int, cycle: _Cycle
    ) -> tuple[EarlierSeverity, ...]:
        out = []
        for change in self._changes:
            if change.index >= cycle.end_index:
                break
            if change.index < cycle.start_index:
                continue
            snap = change.open_cycles.get((metric, k))
            target = policy.target(metric, change.old)
            if snap is None or target is None or _empty(snap):
                continue
            # only if the change falls in the old severity's own cycle of that number
            # (over the whole history: a cycle it had ended for good is another cycle)
            theirs = self._machines[(metric, change.old)].cycles[k - 1]
            if not theirs.start_index <= change.index < theirs.end_index:
                continue
            cal = target.calendar_for(self.attributes)
            shift = self._last_change_before(change.index)
            clock = _clock(cal, target, snap, change.at, ended=snap.end is not None, shift=shift)
            out.append(
                EarlierSeverity(
                    change.old,
                    None if clock.due is None else from_us(clock.due),
                    clock.breached,
                    from_us(change.at),
                )
            )
        return tuple(out)

    def _internal_rows(self, policy: Policy, now: int) -> list[tuple[Result, _Trace]]:
        assert self._stints is not None
        rows = []
        counts: dict[str, int] = {}
        for team, cycle, labels in self._stints.cycles:
            counts[team] = counts.get(team, 0) + 1
            severity = self._severity_at(cycle.end_index)
            it = policy.internal_target(team, severity)
            if it is None:
                # the target stopped applying at a severity change during the stint:
                # cancelled there, measured by the severity it had (as for external targets)
                cut = None
                for change in self._changes:
                    if cycle.start_index < change.index < cycle.end_index:
                        old = policy.internal_target(team, change.old)
                        if old is not None and policy.internal_target(team, change.new) is None:
                            it, cut = old, change
                if it is None or cut is None:
                    continue
                labels = [(t, label) for t, label in labels if t <= cut.at]
                cycle = cycle.copy()
                cycle.finish(cut.at, cut.index, "cancel")
            states = policy._plans.get(("internal", id(it)))
            if states is None or states[0] is not it:
                states = policy._plans[("internal", id(it))] = (it, policy.state_map(it))
            states = states[1]
            mapped = _Cycle(cycle.start, cycle.start_index, _held(states[labels[0][1]]))
            for t, label in labels[1:]:
                mapped.set_state(t, _held(states[label]))
            if cycle.end is not None:
                mapped.finish(cycle.end, cycle.end_index, cycle.end_kind)
            shift = None
            for change in self._changes:
                if change.index >= mapped.end_index:
                    break
                if policy.internal_target(team, change.old) is not policy.internal_target(
                    team, change.new
                ):
                    shift = change.at
            rows.append(self._row(policy, it, team, counts[team], mapped, now, (), shift))
        return rows

    def _row(
        self,
        policy: Policy,
        target: Target | InternalTarget,
        team: str | None,
        k: int,
        cycle: _Cycle,
        now: int,
        earlier: tuple[EarlierSeverity, ...],
        internal_shift: int | None = None,
    ) -> tuple[Result, _Trace]:
        cal = target.calendar_for(self.attributes)
        ended = cycle.end is not None
        end = cycle.end if cycle.end is not None else now
        if isinstance(target, InternalTarget):
            # only a change that changed the team's internal target counts
            shift = internal_shift
        else:
            shift = self._last_change_before(cycle.end_index)
        c = _clock(cal, target, cycle, now, ended=ended, shift=shift)
        if ended:
            status = "cancelled" if cycle.end_kind in ("cancel", "ticket_cancel") else "stopped"
        else:
            status = "running" if c.last is _RUNNING else "paused"
        if c.breached:
            outcome = "breached"
        elif status == "stopped":
            outcome = "met"
        elif status == "cancelled":
            outcome = "none"
        else:
            outcome = "pending"
        due = None if c.due is None else from_us(c.due)
        if isinstance(target, Target):
            name, metric, severity = target.name, target.metric.value, target.severity
        else:
            name, metric, severity = target.name, "internal", self._severity_at(cycle.end_index)
        result = Result(
            ticket_id=self.ticket_id,
            policy=policy.name,
            target=name,
            metric=metric,
            team=team,
            severity=severity,
            cycle=k,
            status=status,
            outcome=outcome,
            start=from_us(cycle.start),
            stop=None if cycle.end is None else from_us(cycle.end),
            goal=us_to_td(c.goal),
            used=us_to_td(c.used),
            elapsed=us_to_td(end - cycle.start),
            paused_business=us_to_td(c.paused_business),
            paused_wall=us_to_td(c.paused_wall),
            remaining=us_to_td(max(0, c.goal - c.used)),
            overdue_by=us_to_td(end - c.deadline)
            if c.breached and c.deadline is not None
            else None,
            used_share=c.used / c.goal,
            due=due,
            due_if_resumed=None if c.due_if_resumed is None else from_us(c.due_if_resumed),
            original_due=earlier[0].due if earlier else due,
            breached_at=from_us(c.deadline) if c.breached and c.deadline is not None else None,
            earlier=earlier,
            warnings=tuple(WarningHit(label, from_us(at)) for label, at in c.warnings),
            next_event_at=None if c.next_event is None else from_us(c.next_event),
        )
        return result, _Trace(cycle, cal, end, ended, target)


_Plan = tuple[
    dict[str, ClockState],
    dict[str, tuple[Trigger, ...]],
    bool,
    bool,
    dict[str, tuple[Trigger, ...]],
    bool,
]


def _plan(policy: Policy, target: Target) -> _Plan:
    """What a machine needs of its target: statuses, triggers by event kind, cycle kind."""
    return (
        policy.state_map(target),
        _by_kind(t for t in target.starts if t.kind not in ("created", "reopen")),
        any(t.kind == "created" for t in target.starts),
        any(t.kind == "reopen" for t in target.starts),
        _by_kind(target.stops),
        target.metric in (Metric.NEXT_REPLY, Metric.PERIODIC_UPDATE),
    )


def _by_kind(triggers: Iterable[Trigger]) -> dict[str, tuple[Trigger, ...]]:
    """Triggers grouped by the event kind they can match (``Event.kind``)."""
    out: dict[str, list[Trigger]] = {}
    for trig in triggers:
        out.setdefault(trig.kind, []).append(trig)
    return {kind: tuple(group) for kind, group in out.items()}


def _empty(cycle: _Cycle) -> bool:
    """A cycle that started and was cancelled by the ticket's stop at one instant (a reply
    and a solve stamped together): it measured nothing and is not reported."""
    return cycle.end_kind == "ticket_cancel" and cycle.end == cycle.start


def _held(state: ClockState) -> ClockState:
    """Within a stint, a stopped status holds the clock (the stint ends at the ticket's stop)."""
    return _PAUSED if state is _STOPPED else state


class _StatePickler(pickle.Pickler):
    """Pickles a clock with its policy, targets and calendars replaced by references."""

    def __init__(
        self, file: io.BytesIO, source: Policy | PolicyBook, policy: Policy | None
    ) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._refs: dict[int, tuple[str, ...]] = {id(source): ("source", _policy_key(source))}
        if policy is not None:
            self._refs[id(policy)] = ("policy", _policy_key(policy))
            for i, target in enumerate(policy.targets):
                self._refs[id(target)] = ("target", str(i))
            for i, it in enumerate(policy.internal_targets):
                self._refs[id(it)] = ("internal", str(i))

    def persistent_id(self, obj: Any) -> tuple[str, ...] | None:
        return self._refs.get(id(obj))


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, source: Policy | PolicyBook) -> None:
        super().__init__(file)
        if not isinstance(source, (Policy, PolicyBook)):
            raise InputError("policy", source, "must be a Policy or a PolicyBook")
        self._source = source
        self._policy: Policy | None = source if isinstance(source, Policy) else None

    def persistent_load(self, pid: Any) -> Any:
        kind, key = pid
        if kind == "source":
            if _policy_key(self._source) != key:
                raise InputError(
                    "policy",
                    _policy_key(self._source),
                    f"is not the policy the state was stored with ({key})",
                )
            return self._source
        if kind == "policy":
            if self._policy is not None and _policy_key(self._policy) != key:
                raise InputError(
                    "policy",
                    _policy_key(self._policy),
                    f"is not the policy the state was stored with ({key})",
                )
            if self._policy is None:
                assert isinstance(self._source, PolicyBook)
                found = [p for p in self._source.policies if _policy_key(p) == key]
                if not found:
                    raise InputError("policy", self._source.name, f"holds no policy {key}")
                self._policy = found[0]
            return self._policy
        assert self._policy is not None
        if kind == "target":
            return self._policy.targets[int(key)]
        return self._policy.internal_targets[int(key)]


def _policy_key(policy: Policy | PolicyBook) -> str:
    if isinstance(policy, PolicyBook):
        return f"book {policy.name!r} of {len(policy.policies)} policies"
    when = "always" if policy.valid_from is None else policy.valid_from.isoformat()
    return f"policy {policy.name!r} from {when}"


def _names(names: Any) -> str:
    return ", ".join(repr(n) for n in names)


def _us(t: dt.datetime) -> int:
    return (t - EPOCH) // _ONE_US


# ---- the clock of one cycle ------------------------------------------------------------


class _Clock:
    __slots__ = (
        "breached",
        "deadline",
        "due",
        "due_if_resumed",
        "goal",
        "last",
        "next_event",
        "paused_business",
        "paused_wall",
        "used",
        "warnings",
    )

    goal: int
    used: int
    paused_business: int
    paused_wall: int
    last: ClockState
    due: int | None
    deadline: int | None
    breached: bool
    due_if_resumed: int | None
    warnings: list[tuple[str, int]]
    next_event: int | None


def _pauses(cycle: _Cycle, end: int) -> tuple[list[tuple[int, int]], ClockState]:
    """The held intervals of a cycle within ``[start, end)``, merged; and the state that continues."""
    pauses: list[tuple[int, int]] = []
    states = cycle.states
    last_nonzero = states[0][1]
    for i, (t0, state) in enumerate(states):
        t1 = states[i + 1][0] if i + 1 < len(states) else end
        t1 = min(t1, end)
        if t1 <= t0:
            continue
        last_nonzero = state
        if state is not _RUNNING:
            if pauses and pauses[-1][1] == t0:
                pauses[-1] = (pauses[-1][0], t1)
            else:
                pauses.append((t0, t1))
    return pauses, last_nonzero


def _clock(
    cal: Calendar,
    target: Target | InternalTarget,
    cycle: _Cycle,
    now: int,
    *,
    ended: bool,
    shift: int | None,
) -> _Clock:
    """The numbers of one cycle at ``now`` (SEMANTICS "the SLA clock")."""
    s = cycle.start
    end = cycle.end if ended and cycle.end is not None else now
    c = _Clock()
    goal = target.goal
    if isinstance(goal, BusinessDays):
        c.goal = cal._elapsed_us(s, cal._due_business_days_us(s, goal.days, from_us(s)), [])
    else:
        c.goal = goal.duration // _ONE_US
    pauses, last_nonzero = _pauses(cycle, end)
    c.last = last_nonzero if ended else cycle.states[-1][1]
    tl = cal._cache.covering(s, end)
    total = used = tl.elapsed(s, end)
    for p0, p1 in pauses:  # within [s, end), sorted, merged
        used -= tl.busy_before(p1) - tl.busy_before(p0)
    c.used = used
    c.paused_business = total - used
    c.paused_wall = sum(p1 - p0 for p0, p1 in pauses)
    running = c.last is _RUNNING
    c.due = None
    if used >= c.goal or running:
        c.due = _due(cal, s, c.goal, pauses)
    c.due_if_resumed = None
    if not ended and not running and used < c.goal:
        c.due_if_resumed = _due(cal, now, c.goal - used, [])
    # SEMANTICS: breached iff the stop (or now) is later than due; after a severity
    # change that made the new target already reached, breached_at is the change
    c.breached = c.due is not None and end > c.due
    c.deadline = None if c.due is None else (c.due if shift is None else max(c.due, shift))
    # warnings
    reached: list[tuple[str, int]] = []
    future: list[int] = []
    open_running = running and not ended
    for rule in target.warnings:
        if isinstance(rule, BeforeDueWarning):
            found = _last_with_left(
                cal, s, c.goal - rule.before // _ONE_US, pauses, end, open_running
            )
            if found is None:
                continue
            at = found
        else:
            threshold = rule.threshold_us(c.goal)
            if threshold > used and not open_running:
                continue
            at = _due(cal, s, threshold, pauses)
        if at <= end:
            reached.append((rule.label, at))
        elif open_running:
            future.append(at)
    reached.sort(key=lambda w: w[1])
    c.warnings = reached
    c.next_event = None
    if open_running:
        if c.due is not None and not c.breached:
            future.append(c.due)
        c.next_event = min(future) if future else None
    return c


def _last_with_left(
    cal: Calendar,
    s: int,
    value: int,
    pauses: list[tuple[int, int]],
    end: int,
    open_running: bool,
) -> int | None:
    """The last instant at which the clock value is still ``<= value`` (an offset before due).

    Without pauses after it this is ``subtract(due, offset)`` (SEMANTICS
    "warnings"): the clock reaches ``value``, holds it over closed or held
    time, and the warning fires where it starts to grow again. None while
    that instant is not known yet (held at ``now``, or stopped before it).
    """
    if value < 0:
        return s  # the offset is longer than the goal: warn at the start
    t = _due(cal, s, value, pauses) if value else s
    limit = cal._limit(t)
    while t < end:
        t = cal._next_open_us(t, limit, "warning", None)
        for p0, p1 in pauses:
            if p0 <= t < p1:
                t = p1
                break
        else:
            return t
    if not open_running:
        return None
    return cal._next_open_us(t, limit, "warning", None)


def _due(cal: Calendar, s: int, d: int, pauses: list[tuple[int, int]]) -> int:
    try:
        return cal._due_paused_us(s, d, pauses)
    except NoOpenTimeError as e:
        raise NoOpenTimeError(e.operation, from_us(s), e.horizon_years, e.reason) from None


# ---- the public entry points -------------------------------------------------------------


@attrs.frozen
class Evaluation:
    """The results of one ticket at ``now``: one :class:`Result` per target and cycle.

    Iterating gives the results; :meth:`explain` gives the timeline behind them.
    """

    ticket_id: str | int
    policy: str
    now: dt.datetime
    results: tuple[Result, ...]
    _traces: tuple[_Trace, ...] = attrs.field(eq=False, repr=False, alias="traces")

    def __iter__(self) -> Iterator[Result]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def result(self, target: str, cycle: int = 1) -> Result:
        """The result of ``target`` (``"P2.resolution"`` or a metric such as ``"resolution"``) and ``cycle``."""
        for r in self.results:
            if (r.target == target or r.metric == target) and r.cycle == cycle:
                return r
        known = ", ".join(sorted({f"{r.target}#{r.cycle}" for r in self.results}))
        raise InputError("target", target, f"has no result for cycle {cycle} (known: {known})")

    def explain(self) -> str:
        """The timeline that produced each result, as readable text.

        For every result: its goal, calendar and outcome, then the clock's
        segments (running or held) split into open and closed stretches of
        the calendar, each with the business time it counted, in the
        calendar's local time.
        """
        from slaclock._explain import explain

        return explain(self)

    def _repr_html_(self) -> str:
        """A table of the results, for notebooks (Jupyter calls it)."""
        from slaclock._html import evaluation_html

        return evaluation_html(self)


def evaluate(
    ticket: Ticket,
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    as_of: dt.datetime | None = None,
) -> Evaluation:
    """Replay a ticket's history and measure every target of its policy at ``now``.

    Parameters
    ----------
    ticket
        The ticket and its history.
    policy
        A :class:`~slaclock.policies.Policy`, or a
        :class:`~slaclock.policies.PolicyBook` that selects one by version and conditions.
    now
        The instant of the evaluation (always passed in; an event at ``now`` counts).
    as_of
        With a policy book: measure by the version in effect at this instant
        instead of at the ticket's creation (what-if).

    Raises
    ------
    FutureEventError
        For an event after ``now``.
    UnknownStatusError, UnknownSeverityError
        For labels the policy does not know (the message lists the known ones).
    NoPolicyError
        If a policy book has no policy for the ticket.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar, Ticket, StatusChange, AgentReply
    >>> from slaclock.policies import Policy, Target, BusinessTime
    >>> cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
    >>> policy = Policy("support", ["P2"], {"open": "running", "solved": "stopped"}, [
    ...     Target("resolution", "P2", BusinessTime(dt.timedelta(hours=8)), cal)])
    >>> ny = dt.timezone(dt.timedelta(hours=-5))
    >>> ticket = Ticket("T-1", "P2", [
    ...     StatusChange(dt.datetime(2024, 3, 8, 13, tzinfo=ny), status="open"),
    ...     StatusChange(dt.datetime(2024, 3, 11, 12, tzinfo=ny), status="solved"),
    ... ])
    >>> r = evaluate(ticket, policy, now=dt.datetime(2024, 3, 12, tzinfo=dt.UTC)).results[0]

    Friday 13:00-17:00 EST and Monday 09:00-13:00 EDT (DST began on Sunday):
    solved exactly at the due, so the target is met.

    >>> r.outcome, r.used, r.due
    ('met', datetime.timedelta(seconds=28800), datetime.datetime(2024, 3, 11, 17, 0, tzinfo=datetime.timezone.utc))
    """
    if not isinstance(ticket, Ticket):
        raise InputError("ticket", ticket, "must be a Ticket")
    chosen = policy
    if isinstance(policy, PolicyBook):
        chosen = policy.select(ticket, as_of=as_of)
    elif not isinstance(policy, Policy):
        raise InputError("policy", policy, "must be a Policy or a PolicyBook")
    assert isinstance(chosen, Policy)
    # the clock checks what Ticket.check would (unknown labels as they are fed, events after now)
    clock = TicketClock(chosen, ticket.id, ticket.severity, ticket.attributes)
    for event in ticket.history:
        clock.feed(event)
    return clock.evaluate(now=now)
