"""The vectorised replay: every target of ordinary tickets, all tickets at once.

This is :class:`slaclock.evaluation.TicketClock` for the tickets most of an
export holds, written over numpy arrays of every ticket's events instead of
one ticket at a time. It covers every metric (first response and resolution,
one cycle each; next reply and periodic updates, a cycle per start, cancelled
by the ticket's stop), custom start and stop events, business-time,
calendar-time and business-day goals, warnings at fractions of the goal and
before the due, calendars chosen by attribute, and internal targets (a cycle
per stint of a team). It takes a ticket whose history has no severity
change, no cancel and no reopen (a stopped status followed by another one),
when every answer lies in the compiled window, within the horizon (and, for
internal targets, when they all share one status mapping). Every other
ticket is left to the scalar replay, which gives the same answers (and the
errors) by construction. Property tests compare both on random histories.

Cycles are found from flags on the flat events: where each starts (a start
event while the clock is not already open, decided by a forward fill of the
last start or close), and where it ends (the next close after it). A cycle
is then a sequence of *segments* tiling ``[start, end)``:
the first from the start, then one from each status change before the end,
each running or held. With ``B`` the calendar's business-time prefix
function, a segment's business time is ``B(to) - B(from)``; used time is the
sum over running segments; the due is found in the first running segment
whose cumulative running time reaches the goal, or past the end (where the
clock runs on).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from slaclock._instants import DAY_US, YEAR_US
from slaclock.batch._frames import NULL, Text
from slaclock.batch._kernels import PAST, busy_before, first_reaching, next_open_in, window
from slaclock.calendars import Calendar
from slaclock.errors import SlaClockError
from slaclock.policies import (
    BeforeDueWarning,
    BusinessDays,
    CalendarTime,
    ClockState,
    FractionWarning,
    Metric,
    Policy,
    Target,
)
from slaclock.result_files import DURATION_FIELDS, INSTANT_FIELDS
from slaclock.samples import EVENT_KINDS

if TYPE_CHECKING:
    from slaclock.batch.scoring import _Run

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_K: Final = MappingProxyType({k: i for i, k in enumerate(EVENT_KINDS)})
_RUN, _HELD, _STOP = 0, 1, 2
_CODE: Final = MappingProxyType(
    {ClockState.RUNNING: _RUN, ClockState.PAUSED: _HELD, ClockState.STOPPED: _STOP}
)
_BIG: Final = np.int64(np.iinfo(np.int64).max)  # a numpy scalar: never narrowed to int32
_STATUS_TEXT: Final = ("stopped", "running", "paused", "cancelled")
_OUTCOME_TEXT: Final = ("met", "breached", "pending", "none")
_ONE_US = dt.timedelta(microseconds=1)


def replay_fast(run: _Run, fast: Bools) -> Bools:
    """Score the tickets of ``fast`` that the vectorised replay covers; return those taken."""
    taken = np.zeros(run.n, dtype=bool)
    for p, policy in enumerate(run.policies):
        group = np.flatnonzero(fast & (run.pidx == p))
        if len(group):
            _policy_group(run, policy, group, taken)
    return taken


def _target_ok(target: Target) -> bool:
    """The target is of a shape the vectorised replay knows (every target is, today:
    the tickets decide, see :func:`_policy_group`)."""
    return isinstance(target, Target)


def _index_type(n: int) -> type[np.signedinteger[Any]]:
    """int32 for positions in arrays shorter than 2**31, else int64."""
    return np.int32 if n < 2**31 - 1 else np.int64


class _Events:
    """The events of a group of tickets, flat, each ticket's events together in replay order."""

    def __init__(self, run: _Run, group: I64) -> None:
        first = run.first
        lens = first[group + 1] - first[group]
        self.k = len(group)
        self.lens = lens
        self.offs = np.cumsum(lens) - lens  # where each ticket's events begin in the flat arrays
        total = int(lens.sum())
        small = _index_type(max(total, self.k))  # int32 halves the widest arrays
        self.owner = np.repeat(np.arange(self.k, dtype=small), lens)
        self.index = np.arange(total, dtype=small)  # index in the ticket's history
        self.index -= np.repeat(self.offs.astype(small), lens)
        if self.k == run.n and run.order is None:
            # every ticket, events already in order: the rows are one slice, no copy
            lo, hi = int(first[0]), int(first[-1])
            self.at = run.at[lo:hi]
            self.kind = run.kind[lo:hi]
            self.value = run.value_codes[lo:hi]
        else:
            rows = first[group][self.owner] + self.index
            if run.order is not None:
                rows = run.order[rows]
            self.at = run.at[rows]
            self.kind = run.kind[rows]
            self.value = run.value_codes[rows]
        self.total = total


def _policy_group(run: _Run, policy: Policy, group: I64, taken: Bools) -> None:
    """The tickets ``group`` of one policy: every metric, then the rows of the tickets taken."""
    ev = _Events(run, group)
    # tickets the replay of this shape cannot take
    odd = (ev.kind == _K["severity"]) | (ev.kind == _K["cancel"])
    known = np.array([lab in policy.statuses for lab in run.value_labels] + [False], dtype=bool)
    is_status = ev.kind == _K["status"]
    odd |= is_status & ~known[ev.value]
    metrics = policy.metrics()
    usable = np.zeros(len(run.sev_labels) + 1, dtype=bool)  # the last entry: null severity
    for code, severity in enumerate(run.sev_labels):
        if severity in policy.severities:
            found = [policy.target(m, severity) for m in metrics]
            usable[code] = all(_target_ok(t) for t in found if t is not None)
    sev_all = run.sev_codes[group]
    cand = usable[sev_all] & ~_per_ticket_any(odd, ev)
    if not cand.any():
        return
    if not cand.all():
        sub = np.flatnonzero(cand)
        keep = cand[ev.owner]
        ev = _Subset(ev, keep, sub)
        is_status = is_status[keep]
        group = group[sub]
    k = ev.k
    sevs = run.sev_codes[group]
    ok = np.ones(k, dtype=bool)
    rank = np.zeros(k, dtype=np.int64)
    rows_here = np.zeros(k, dtype=np.int64)
    blocks: list[tuple[I64, I64, dict[str, Any]]] = []
    for metric in metrics:
        by_code = {
            code: t
            for code, severity in enumerate(run.sev_labels)
            if usable[code] and (t := policy.target(metric, severity)) is not None
        }
        if not by_code:
            continue
        # severities whose targets replay alike (statuses, stop events) share one pass
        units: dict[Any, dict[int, Target]] = {}
        for code, t in by_code.items():
            sig = (tuple(sorted(policy.state_map(t).items(), key=lambda kv: kv[0])), t.stops)
            units.setdefault(sig, {})[code] = t
        for targets in units.values():
            codes = np.array(sorted(targets), dtype=np.int64)
            members = np.isin(sevs, codes)
            if members.all():
                idx = np.arange(k)
                u_ev, u_status = ev, is_status
            else:
                idx = np.flatnonzero(members)
                keep = members[ev.owner]
                u_ev, u_status = _Subset(ev, keep, idx), is_status[keep]
            cols, good, row_ticket, place = _unit_rows(
                run, policy, targets, group[idx], sevs[idx], u_ev, u_status
            )
            ok[idx] &= good
            if not cols:
                continue
            tick = idx[row_ticket]
            blocks.append((tick, rank[tick] + place, cols))
            rows_here += np.bincount(tick, minlength=k)
        rank += rows_here
        rows_here[:] = 0
    if policy.internal_targets:
        cols, good, row_ticket, place = _stint_rows(run, policy, group, sevs, ev, is_status)
        ok &= good
        if cols:
            blocks.append((row_ticket, rank[row_ticket] + place, cols))
    if not ok.any():
        return
    for idx, r, cols in blocks:
        keep = ok[idx]
        if keep.all():
            run.add_block(group[idx], r, cols)
        else:
            sel = np.flatnonzero(keep)
            run.add_block(group[idx[sel]], r[sel], {n: _take(v, sel) for n, v in cols.items()})
    taken[group[ok]] = True


def _per_ticket_any(flags: Bools, ev: _Events) -> Bools:
    out = np.zeros(ev.k, dtype=bool)
    if flags.any():
        out[ev.owner[flags]] = True
    return out


def _take(values: Any, idx: I64) -> Any:
    return values.take(idx) if isinstance(values, Text) else values[idx]


class _Subset(_Events):
    """The events of some tickets of an :class:`_Events` (renumbered 0..k-1)."""

    def __init__(self, ev: _Events, keep: Bools, sub: I64) -> None:
        renumber = np.full(ev.k, -1, dtype=np.int64)
        renumber[sub] = np.arange(len(sub))
        self.k = len(sub)
        self.lens = ev.lens[sub]
        self.offs = np.cumsum(self.lens) - self.lens
        self.owner = renumber[ev.owner[keep]]
        self.index = ev.index[keep]
        self.at = ev.at[keep]
        self.kind = ev.kind[keep]
        self.value = ev.value[keep]
        self.total = int(keep.sum())


def _matches(trigger_kind: str, value: str | None, run: _Run, ev: _Events) -> Bools:
    """Events a stop trigger matches (``Trigger.matches``, vectorised)."""
    labels = run.value_labels
    m: Bools
    if trigger_kind == "agent_reply":
        m = ev.kind == _K["agent_reply"]
        if value is not None:  # "public": anything but an explicit "private"
            private = np.array([lab == "private" for lab in labels] + [False], dtype=bool)
            m &= ~private[ev.value]
        return m
    if trigger_kind in ("customer_reply", "update"):
        m = ev.kind == _K[trigger_kind]
        return m
    if trigger_kind in ("assignment", "status"):
        m = ev.kind == _K[trigger_kind]
        if value is not None:
            same = np.array([lab == value for lab in labels] + [False], dtype=bool)
            m &= same[ev.value]
        return m
    return np.zeros(ev.total, dtype=bool)  # "created", "reopen": never a stop by event


def _first_per_ticket(flags: Bools, ev: _Events) -> I64:
    """The flat position of each ticket's first flagged event (``_BIG`` when none)."""
    out = np.full(ev.k, _BIG, dtype=np.int64)
    hits = np.flatnonzero(flags)
    if len(hits):
        owners = ev.owner[hits]
        # hits are in flat order, so each ticket's first hit is where its run of owners begins
        start = np.ones(len(hits), dtype=bool)
        start[1:] = owners[1:] != owners[:-1]
        out[owners[start]] = hits[start]
    return out


@dataclass
class _Cycle:
    """One cycle per ticket of a unit, cut into segments (see the module docs)."""

    start: I64
    end: I64
    ended: Bools
    by_trigger: Bools  # ended by a stop event (not by a stopped status)
    seg_from: I64
    seg_to: I64
    seg_state: npt.NDArray[np.int8]
    seg_owner: I64
    seg_off: I64
    nseg: I64

    def subset(self, members: I64) -> _Cycle:
        """The cycles of some tickets (renumbered)."""
        k = len(self.start)
        keep = np.isin(self.seg_owner, members)
        renumber = np.full(k, -1, dtype=np.int64)
        renumber[members] = np.arange(len(members))
        nseg = self.nseg[members]
        return _Cycle(
            self.start[members],
            self.end[members],
            self.ended[members],
            self.by_trigger[members],
            self.seg_from[keep],
            self.seg_to[keep],
            self.seg_state[keep],
            renumber[self.seg_owner[keep]],
            np.cumsum(nseg) - nseg,
            nseg,
        )


def _unit_rows(
    run: _Run,
    policy: Policy,
    targets: dict[int, Target],
    tickets: I64,
    sevs: I64,
    ev: _Events,
    is_status: Bools,
) -> tuple[dict[str, Any], Bools, I64, I64]:
    """The result rows of one metric for ``tickets`` (severities replaying alike).

    Returns the columns (one row per reported cycle), which tickets the
    vectorised replay could answer, and for each row its ticket (by position
    in ``tickets``) and its place among the ticket's rows of this metric.
    """
    k = ev.k
    first = next(iter(targets.values()))
    multi = first.metric in (Metric.NEXT_REPLY, Metric.PERIODIC_UPDATE)
    states = policy.state_map(first)
    init = _CODE[states[policy.initial]]
    if init == _STOP:
        return {}, np.zeros(k, dtype=bool), np.zeros(0, np.int64), np.zeros(0, np.int64)
    table = np.array(
        [_CODE[states[lab]] if lab in states else -1 for lab in run.value_labels] + [-1],
        dtype=np.int8,
    )
    st = np.where(is_status, table[ev.value], np.int8(-1))
    ticket_end = ev.offs + ev.lens  # flat position after each ticket's last event
    # a reopen (a status other than stopped after a stopped one) needs the scalar replay
    stop_ev = st == _STOP
    first_stop = _first_per_ticket(stop_ev, ev)
    after_stop = ev.index > (first_stop - ev.offs)[ev.owner]
    good = ~_per_ticket_any(is_status & (st != _STOP) & after_stop, ev)
    # stop events (not at a creation that starts the clock) and the ticket's stop
    created = any(t.kind == "created" for t in first.starts)
    by_trigger = np.zeros(ev.total, dtype=bool)
    for trig in first.stops:
        by_trigger |= _matches(trig.kind, trig.value, run, ev)
    if created:
        by_trigger &= ev.index >= 1
    close = by_trigger | stop_ev
    # one cycle from the creation (first response, resolution): no search for starts
    simple = not multi and all(t.kind == "created" for t in first.starts)
    if simple:
        cstart = ev.offs.copy()
        ctick = np.arange(k)
        cend = _first_per_ticket(close, ev)  # from the creation itself
    else:
        flat = np.arange(ev.total)
        # the state after each event (its status change applied): the last status change so far
        last_status = np.where(is_status, flat, -1)
        np.maximum.accumulate(last_status, out=last_status)
        mine = last_status >= ev.offs[ev.owner]
        state_after = np.where(mine, st[np.maximum(last_status, 0)], np.int8(init))
        del last_status, mine
        # start events: a start trigger while the ticket is not stopped; "created" at index 0
        starts = np.zeros(ev.total, dtype=bool)
        for trig in first.starts:
            starts |= _matches(trig.kind, trig.value, run, ev)
        starts &= state_after != _STOP
        if created:
            starts |= ev.index == 0
        # the open/closed state of the clock after each event: the last event that starts or
        # closes decides (a start after the closes of its own event; at a creation start, the
        # creation's own stop closes the cycle it started)
        value = starts.copy()
        if created:
            at0 = ev.index == 0
            value[at0] = ~stop_ev[at0]
        relevant = np.where(starts | close, flat, -1)
        np.maximum.accumulate(relevant, out=relevant)
        inside = relevant >= ev.offs[ev.owner]
        open_after = inside & value[np.maximum(relevant, 0)]
        del relevant, inside, value
        open_before = np.zeros(ev.total, dtype=bool)
        open_before[1:] = open_after[:-1]
        open_before[ev.offs] = False
        begin = starts & (~open_before | close)
        if created:
            begin |= ev.index == 0
        if not multi:  # one cycle: the first start only (no reopen here)
            firsts = _first_per_ticket(begin, ev)
            begin = np.zeros(ev.total, dtype=bool)
            begin[firsts[firsts < _BIG]] = True
        cstart = np.flatnonzero(begin)
        ctick = ev.owner[cstart]
        # each cycle ends at the next closing event after its start (at a creation start: from
        # the creation itself, whose stopped status closes what it started)
        nxt = np.where(close, flat, _BIG)
        nxt = np.minimum.accumulate(nxt[::-1])[::-1]
        from_pos = cstart + 1
        if created:
            from_pos = np.where(ev.index[cstart] == 0, cstart, from_pos)
        cend = np.full(len(cstart), _BIG, dtype=np.int64)
        inrange = from_pos < ev.total
        cend[inrange] = nxt[from_pos[inrange]]
    if len(cstart) == 0:  # no cycle started: no rows
        return {}, good, ctick, ctick
    ended = cend < ticket_end[ctick]
    cend = np.where(ended, cend, _BIG)
    endc = np.where(ended, cend, 0)
    c_by_trigger = ended & by_trigger[endc]
    cancel = ended & ~c_by_trigger & multi
    s = ev.at[cstart]
    now = run.now
    end = np.where(ended, ev.at[endc], now)
    # the cycles measured nothing: started and cancelled by the ticket's stop at one instant
    empty = cancel & (end == s)
    # each cycle's number, and its place among the ticket's reported rows
    n_c = len(cstart)
    cyc_first = np.searchsorted(ctick, np.arange(k), side="left")
    number = np.arange(n_c) - cyc_first[ctick] + 1
    kept = ~empty
    kept_before = np.cumsum(kept) - kept
    place = kept_before - kept_before[cyc_first[ctick]]

    # segments: from each cycle's start, then one per status change inside it
    if simple:
        c_init = np.full(len(cstart), init, dtype=np.int8)
        point = is_status & (ev.index < (cend - ev.offs)[ev.owner])
        cyc_c = ev.owner
    else:
        c_init = np.where(created & (ev.index[cstart] == 0), np.int8(init), state_after[cstart])
        inclusive = created & (ev.index[cstart] == 0)
        # the cycle of each event: the last cycle started at or before it (a running count)
        cyc_of = np.cumsum(begin) - 1
        cyc_c = np.maximum(cyc_of, 0)
        point = is_status & (cyc_of >= 0) & (flat < cend[cyc_c]) & (ev.owner == ctick[cyc_c])
        point &= (flat > cstart[cyc_c]) | (inclusive[cyc_c] & (flat == cstart[cyc_c]))
        del cyc_of
    cycle = _segments(s, end, ended, c_by_trigger, c_init, cyc_c[point], ev.at[point], st[point])
    del point, cyc_c, st, stop_ev, after_stop, by_trigger

    codes = sorted(targets)
    local = np.full(len(run.sev_labels) + 1, -1, dtype=np.int64)
    local[codes] = np.arange(len(codes))
    which = local[sevs][ctick]  # the target of each cycle, by position in `codes`
    ordered = [targets[c] for c in codes]
    cols, cgood = _measure_cycles(run, ordered, which, tickets[ctick], cycle)
    cols["status_code"] = np.where(cancel, 3, cols["status_code"])
    cols["outcome_code"] = np.where(cancel & (cols["outcome_code"] == 0), 3, cols["outcome_code"])
    good[ctick[~cgood]] = False
    _label_columns(cols, policy, first.metric.value, number)
    cols["target"] = Text(which, [t.name for t in ordered])
    cols["team"] = Text.constant(n_c, None)
    cols["severity"] = Text(which, [t.severity for t in ordered])
    if empty.any():
        sel = np.flatnonzero(kept)
        cols = {name: _take(v, sel) for name, v in cols.items()}
        ctick, place = ctick[sel], place[sel]
    return cols, good, ctick, place


def _measure_cycles(
    run: _Run, targets: list[Any], which: I64, tickets: I64, cycle: _Cycle
) -> tuple[dict[str, Any], Bools]:
    """The clock columns of every cycle (target ``targets[which[i]]``, on its ticket's
    calendar), and which cycles the vectorised replay could answer."""
    n = len(which)
    goal = np.array([_goal_us(t) for t in targets], dtype=np.int64)[which]
    cols: dict[str, Any] = _empty_cols(n)
    cgood = np.ones(n, dtype=bool)
    for cal, members in _calendars(run, targets, which, tickets):
        if cal is None:
            cgood[members] = False
            continue
        sub = cycle if len(members) == n else cycle.subset(members)
        _measure(cal, members, goal[members], targets, which[members], sub, run.now, cols, cgood)
    return cols, cgood


def _label_columns(cols: dict[str, Any], policy: Policy, metric: str, number: I64) -> None:
    """The text columns every row of a block shares, and status, outcome and warnings as text."""
    n = len(number)
    cols["policy"] = Text.constant(n, policy.name)
    cols["metric"] = Text.constant(n, metric)
    cols["cycle"] = number
    cols["earlier"] = Text.constant(n, "[]")
    cols["status"] = Text(cols.pop("status_code"), _STATUS_TEXT)
    cols["outcome"] = Text(cols.pop("outcome_code"), _OUTCOME_TEXT)
    warn = cols.pop("warnings_text", None)
    cols["warnings"] = Text.constant(n, "[]") if warn is None else Text.of(warn.tolist())


def _segments(
    s: I64,
    end: I64,
    ended: Bools,
    by_trigger: Bools,
    init: npt.NDArray[np.int8],
    p_cycle: I64,
    p_at: I64,
    p_state: npt.NDArray[np.int8],
) -> _Cycle:
    """Cycles cut into segments: one from each start (in state ``init``), then one per
    status change inside the cycle (``p_cycle``, sorted, at ``p_at`` into ``p_state``);
    each runs to the next one of its cycle, the last to the cycle's end."""
    n_c = len(s)
    npts = np.bincount(p_cycle, minlength=n_c)
    nseg = npts + 1
    seg_off = np.cumsum(nseg) - nseg
    total = int(nseg.sum())
    seg_from = np.empty(total, dtype=np.int64)
    seg_state = np.empty(total, dtype=np.int8)
    seg_from[seg_off] = s
    seg_state[seg_off] = init
    # the i-th change lands after its cycle's first segment and those of the cycles before
    where = np.arange(len(p_cycle)) + p_cycle + 1
    seg_from[where] = p_at
    seg_state[where] = p_state
    del where
    seg_to = np.empty(total, dtype=np.int64)
    seg_to[:-1] = seg_from[1:]
    seg_to[seg_off + nseg - 1] = end
    seg_owner = np.repeat(np.arange(n_c, dtype=_index_type(total)), nseg)
    return _Cycle(s, end, ended, by_trigger, seg_from, seg_to, seg_state, seg_owner, seg_off, nseg)


def _forward(flags: Bools, ev: _Events) -> tuple[I64, Bools]:
    """For each event, the flat position of the last flagged event of its ticket at or
    before it, and whether there is one."""
    last = np.where(flags, np.arange(ev.total), -1)
    np.maximum.accumulate(last, out=last)
    found = last >= ev.offs[ev.owner]
    return np.maximum(last, 0), found


def _stint_rows(
    run: _Run, policy: Policy, tickets: I64, sevs: I64, ev: _Events, is_status: Bools
) -> tuple[dict[str, Any], Bools, I64, I64]:
    """The internal targets' rows: one cycle per stint of a team (``_Stints`` in evaluation.py).

    A stint starts at an assignment to a team other than the holder while the
    ticket is not stopped (by the policy's statuses), and ends at the next
    such assignment or at the ticket's stop. Its clock follows the internal
    target's statuses, a stopped status holding it.
    """
    k = ev.k
    empty = np.zeros(0, dtype=np.int64)
    good = np.ones(k, dtype=bool)
    its = list(policy.internal_targets)
    maps = [policy.state_map(it) for it in its]
    if any(m != maps[0] for m in maps):  # different clocks per team: the scalar replay
        return {}, np.zeros(k, dtype=bool), empty, empty
    labels = run.value_labels
    ptable = np.array(
        [_CODE[policy.statuses[lab]] if lab in policy.statuses else -1 for lab in labels] + [-1],
        dtype=np.int8,
    )
    pst = np.where(is_status, ptable[ev.value], np.int8(-1))
    stop_ev = pst == _STOP
    first_stop = _first_per_ticket(stop_ev, ev)
    after_stop = ev.index > (first_stop - ev.offs)[ev.owner]
    good &= ~_per_ticket_any(is_status & (pst != _STOP) & after_stop, ev)
    last_st, has_st = _forward(is_status, ev)
    state_after = np.where(has_st, pst[last_st], np.int8(_CODE[policy.statuses[policy.initial]]))
    # the label in force after each event (-2: the policy's initial status)
    label_after = np.where(has_st, ev.value[last_st], -2)
    is_asg = ev.kind == _K["assignment"]
    last_asg, has_asg = _forward(is_asg, ev)
    holder_after = np.where(has_asg, ev.value[last_asg], -1)
    holder_before = np.full(ev.total, -1, dtype=holder_after.dtype)
    holder_before[1:] = holder_after[:-1]
    holder_before[ev.offs] = -1
    boundary = is_asg & (ev.value != holder_before)
    begin = boundary & (state_after != _STOP)
    cstart = np.flatnonzero(begin)
    if len(cstart) == 0:
        return {}, good, empty, empty
    ctick = ev.owner[cstart]
    close = boundary | stop_ev
    flat = np.arange(ev.total)
    nxt = np.minimum.accumulate(np.where(close, flat, _BIG)[::-1])[::-1]
    cend = np.full(len(cstart), _BIG, dtype=np.int64)
    inrange = cstart + 1 < ev.total
    cend[inrange] = nxt[cstart[inrange] + 1]
    ended = cend < (ev.offs + ev.lens)[ctick]
    cend = np.where(ended, cend, _BIG)
    endc = np.where(ended, cend, 0)
    by_assignment = ended & boundary[endc]
    s = ev.at[cstart]
    end = np.where(ended, ev.at[endc], run.now)
    team = ev.value[cstart]
    # the internal target of each stint: by team and the ticket's severity
    team_labels = labels
    sev_labels = run.sev_labels
    lut = np.full((len(team_labels) + 1, len(sev_labels) + 1), -1, dtype=np.int64)
    used_its: list[Any] = []
    for tc in np.unique(team).tolist():
        for sc in np.unique(sevs).tolist():
            if sc < 0:
                continue
            it = policy.internal_target(str(team_labels[tc]), sev_labels[sc])
            if it is not None:
                if it not in used_its:
                    used_its.append(it)
                lut[tc, sc] = used_its.index(it)
    which_all = lut[team, sevs[ctick]]
    # numbering: the n-th stint of the team in the ticket (stints without a target count)
    n_c = len(cstart)
    order = np.lexsort((cstart, team, ctick))
    key_t, key_team = ctick[order], team[order]
    newgrp = np.ones(n_c, dtype=bool)
    newgrp[1:] = (key_t[1:] != key_t[:-1]) | (key_team[1:] != key_team[:-1])
    grp_start = np.maximum.accumulate(np.where(newgrp, np.arange(n_c), 0))
    number = np.empty(n_c, dtype=np.int64)
    number[order] = np.arange(n_c) - grp_start + 1
    reported = which_all >= 0
    if not reported.any() or not used_its:
        return {}, good, empty, empty
    # segments: from each stint's start, then one per status change inside it
    table = np.array(
        [_CODE[maps[0][lab]] if lab in maps[0] else -1 for lab in labels] + [-1], dtype=np.int8
    )
    held_table = np.where(table == _STOP, np.int8(_HELD), table)
    init_label = label_after[cstart]
    c_init = np.where(
        init_label == -2,
        np.int8(_HELD if _CODE[maps[0][policy.initial]] != _RUN else _RUN),
        held_table[np.maximum(init_label, 0)],
    )
    cyc_of = np.searchsorted(cstart, flat, side="right") - 1
    cyc_c = np.maximum(cyc_of, 0)
    point = (
        is_status
        & (cyc_of >= 0)
        & (flat > cstart[cyc_c])
        & (flat < cend[cyc_c])
        & (ev.owner == ctick[cyc_c])
    )
    cycle = _segments(
        s,
        end,
        ended,
        by_assignment,
        c_init,
        cyc_c[point],
        ev.at[point],
        held_table[ev.value[point]],
    )
    sel = np.flatnonzero(reported)
    cycle = cycle.subset(sel)
    which = which_all[sel]
    ctick_r = ctick[sel]
    n_r = len(sel)
    cols, cgood = _measure_cycles(run, used_its, which, tickets[ctick_r], cycle)
    good[ctick_r[~cgood]] = False
    first_row = np.searchsorted(ctick_r, np.arange(k), side="left")
    place = np.arange(n_r) - first_row[ctick_r]
    _label_columns(cols, policy, "internal", number[sel])
    cols["target"] = Text(which, [t.name for t in used_its])
    cols["team"] = Text(team[sel], [str(x) for x in team_labels])
    cols["severity"] = Text(sevs[ctick_r], list(sev_labels))
    return cols, good, ctick_r, place


def _goal_us(target: Target) -> int:
    """The goal in microseconds; -1 for business days (converted at each start)."""
    goal = target.goal
    if isinstance(goal, BusinessDays):
        return -1
    return goal.duration // _ONE_US


def _business_days_goal(
    cal: Calendar, w: Any, s: I64, days: int, horizon: int
) -> tuple[I64, Bools]:
    """Business days converted into business time at each start (``_clock`` in evaluation.py):
    ``elapsed(s, due_business_days(s, days))``; and where that needs the scalar replay."""
    k = len(s)
    bad = np.zeros(k, dtype=bool)
    lo, hi = int(s.min()), int(s.max()) + 1
    pieces = np.array(cal._offsets.pieces(lo, hi), dtype=np.int64).reshape(-1, 3)
    idx = np.searchsorted(pieces[:, 0], s, side="right") - 1
    day = (s + pieces[np.clip(idx, 0, len(pieces) - 1), 2]) // DAY_US  # the local date of s
    uniq, first, inverse = np.unique(day, return_index=True, return_inverse=True)
    dues = np.empty(len(uniq), dtype=np.int64)
    for j, row in enumerate(first.tolist()):
        try:  # one answer per local date: the due depends on the date only (memoised too)
            dues[j] = cal._due_business_days_us(int(s[row]), days)
        except SlaClockError:
            dues[j] = PAST
    due = dues[inverse.reshape(-1)]
    # the scalar search stops at each start's horizon: leave the edge to it
    bad |= (due == PAST) | (due - s > horizon - 2 * DAY_US) | (due >= w.hi)
    safe = np.where(bad, s, due)
    goal: I64 = busy_before(w, safe) - busy_before(w, s)
    return goal, bad


def _empty_cols(k: int) -> dict[str, npt.NDArray[Any]]:
    names_i64 = (*INSTANT_FIELDS, *DURATION_FIELDS)  # int64 microseconds, NULL for null
    cols: dict[str, npt.NDArray[Any]] = {n: np.empty(k, dtype=np.int64) for n in names_i64}
    cols["status_code"] = np.zeros(k, dtype=np.int64)
    cols["outcome_code"] = np.zeros(k, dtype=np.int64)
    cols["used_share"] = np.zeros(k, dtype=np.float64)
    return cols


def _calendars(
    run: _Run, targets: list[Target], which: I64, tickets: I64
) -> list[tuple[Calendar | None, I64]]:
    """The calendar of each ticket's target, grouped (None for tickets whose attributes pick none)."""
    from slaclock.policies import CalendarChoice

    k = len(which)
    keys = np.zeros(k, dtype=np.int64)
    key_of: dict[int, int] = {}  # id(calendar) -> key
    cals: list[Calendar | None] = []
    for j, target in enumerate(targets):
        mine = which == j
        if not mine.any():
            continue
        choice = target.calendar
        if isinstance(target.goal, CalendarTime) or not isinstance(choice, CalendarChoice):
            per: list[tuple[Calendar | None, Bools]] = [(target.calendar_for({}), mine)]
        elif choice.attribute not in run.attr_names:
            per = [(choice.default, mine)]
        else:
            a = run.attr_names.index(choice.attribute)
            codes = run.attr_codes[a][tickets]
            labels = run.attr_labels[a]
            per = []
            for code in np.unique(codes[mine]).tolist():
                attrs_map = {}
                if code >= 0:
                    value = labels[code]
                    if value is not None and value != "":
                        attrs_map[choice.attribute] = (
                            value.item() if hasattr(value, "item") else value
                        )
                try:
                    cal = choice.resolve(attrs_map)
                except SlaClockError:
                    cal = None
                per.append((cal, mine & (codes == code)))
        for cal, mask in per:
            key = key_of.setdefault(id(cal), len(cals))
            if key == len(cals):
                cals.append(cal)
            keys[mask] = key
    if len(cals) == 1:
        return [(cals[0], np.arange(k))]
    return [(cal, np.flatnonzero(keys == key)) for key, cal in enumerate(cals)]


def _measure(
    cal: Any,
    members: I64,
    goal: I64,
    targets: list[Target],
    which: I64,
    cy: _Cycle,
    now: int,
    cols: dict[str, npt.NDArray[Any]],
    good: Bools,
) -> None:
    """Fill the columns of ``members`` (tickets measured on one calendar)."""
    k = len(members)
    s, end, ended = cy.start, cy.end, cy.ended
    seg_from, seg_to, seg_state, seg_owner, seg_off, nseg = (
        cy.seg_from,
        cy.seg_to,
        cy.seg_state,
        cy.seg_owner,
        cy.seg_off,
        cy.nseg,
    )
    horizon = cal.horizon_years * YEAR_US
    lo = int(s.min())
    hi = int(max(now, int(end.max()))) + max(YEAR_US, 8 * int(goal.max()))
    w = window(cal, lo, hi)
    bad = np.zeros(k, dtype=bool)
    for j, target in enumerate(targets):
        if isinstance(target.goal, BusinessDays):
            mine = np.flatnonzero(which == j)
            if len(mine):
                g, gbad = _business_days_goal(cal, w, s[mine], target.goal.days, horizon)
                goal[mine] = g
                bad[mine] |= gbad
    b_from = busy_before(w, seg_from)
    b_end = busy_before(w, end)
    last_seg = seg_off + nseg - 1
    # business time of each segment (in place, to keep the widest arrays few): to the next
    # segment's start, or to the end; then zero where the clock is held
    run_len = np.empty_like(b_from)
    np.subtract(b_from[1:], b_from[:-1], out=run_len[:-1])
    run_len[last_seg] = b_end - b_from[last_seg]
    running = seg_state == _RUN
    run_len *= running
    r_start = np.cumsum(run_len)
    before_ticket = np.where(seg_off > 0, r_start[np.maximum(seg_off - 1, 0)], 0)
    used = r_start[last_seg] - before_ticket
    # running time before each segment, within its cycle
    r_start -= run_len
    r_start -= np.repeat(before_ticket, nseg)
    paused_b = (b_end - b_from[seg_off]) - used
    held = ~running & (seg_to > seg_from)
    # exact: float64 holds every sum of wall microseconds below 2**53 (285 years)
    paused_w = np.bincount(
        seg_owner[held], weights=(seg_to[held] - seg_from[held]), minlength=k
    ).astype(np.int64)
    del held
    # the state the clock was last in: the last segment of positive length (ended), or the
    # current one (open); an end at the start instant keeps the state set at that instant
    seg_index = np.arange(len(seg_from), dtype=_index_type(len(seg_from)))
    pos_idx = np.where(seg_to > seg_from, seg_index, -1)
    last_pos = np.maximum.reduceat(pos_idx, seg_off)
    del pos_idx
    last_state = np.where(last_pos >= 0, seg_state[np.maximum(last_pos, 0)], seg_state[last_seg])
    at_start = ended & (end == s)
    last_state = np.where(at_start, np.where(cy.by_trigger, seg_state[last_seg], _STOP), last_state)
    last_state = np.where(ended, last_state, seg_state[last_seg])
    is_running = last_state == _RUN

    run_pos = running & (run_len > 0)

    def due_at(value: I64, need: Bools) -> tuple[I64, Bools]:
        """The first instant the clock reaches ``value`` (per ticket), and where it cannot tell."""
        hit = run_pos & (r_start + run_len >= value[seg_owner])
        j = np.minimum.reduceat(np.where(hit, seg_index, _BIG), seg_off)
        inside = j < _BIG
        jc = np.where(inside, j, 0)
        tgt = np.where(inside, b_from[jc] + value - r_start[jc], b_end + value - used)
        t = first_reaching(w, np.where(need, np.maximum(tgt, 1), 1))
        t = np.where(value == 0, s, t)
        bad = need & ((t == PAST) | (t - s > horizon))
        return t, bad

    need_due = (used >= goal) | is_running
    due, due_bad = due_at(goal, need_due)
    bad |= due_bad
    due = np.where(need_due, due, NULL)
    breached = need_due & (end > due)
    resumed_need = ~ended & ~is_running & (used < goal)
    if resumed_need.any():
        b_now = busy_before(w, np.full(k, now, dtype=np.int64))
        resumed = first_reaching(w, np.where(resumed_need, b_now + goal - used, 1))
        bad |= resumed_need & ((resumed == PAST) | (resumed - now > horizon))
        resumed = np.where(resumed_need, resumed, NULL)
    else:
        resumed = np.full(k, NULL, dtype=np.int64)
    open_running = ~ended & is_running

    # warnings: slot j is each target's j-th rule (a fraction of the goal, or an offset
    # before the due measured on the clock: see _last_with_left in evaluation.py)
    reached_any = np.zeros(k, dtype=bool)
    hits: list[tuple[npt.NDArray[Any], I64, Bools]] = []
    future = np.full(k, _BIG, dtype=np.int64)
    held_end: I64 | None = None
    for j in range(max(len(t.warnings) for t in targets)):
        rules = [t.warnings[j] if j < len(t.warnings) else None for t in targets]
        fraction = np.array([isinstance(r, FractionWarning) for r in rules], dtype=bool)[which]
        before = np.array([isinstance(r, BeforeDueWarning) for r in rules], dtype=bool)[which]
        if not (fraction.any() or before.any()):
            continue
        thr = np.zeros(k, dtype=np.int64)
        for i, rule in enumerate(rules):
            mine = which == i
            if isinstance(rule, FractionWarning):
                num, den = rule._ratio
                g = goal[mine]
                if g.size and num * int(g.max()) < 2**62:  # exact in int64: ceil(num * g / den)
                    thr[mine] = -((-num * g) // den)
                else:
                    thr[mine] = [rule.threshold_us(x) for x in g.tolist()]
            elif isinstance(rule, BeforeDueWarning):
                thr[mine] = goal[mine] - rule.before // _ONE_US
        labels = np.array([None if r is None else r.label for r in rules], dtype=object)[which]
        compute = fraction & ((thr <= used) | open_running)
        at, wbad = due_at(thr, compute | (before & (thr > 0)))
        bad |= wbad & (compute | before)
        if before.any():
            if held_end is None:
                held_end = _held_run_ends(seg_state, seg_from, seg_to, seg_off, nseg)
            found, at_b, bbad = _last_with_left(
                w,
                before,
                thr,
                at,
                s,
                end,
                open_running,
                horizon,
                seg_from,
                seg_state,
                seg_owner,
                seg_off,
                nseg,
                held_end,
            )
            bad |= bbad
            compute |= found
            at = np.where(before, at_b, at)
        reached = compute & (at <= end)
        fut = compute & ~reached & open_running
        future = np.where(fut, np.minimum(future, at), future)
        reached_any |= reached
        hits.append((labels, at, reached))
    nxt = np.where(open_running & need_due & ~breached, np.minimum(future, due), future)
    nxt = np.where(open_running & (nxt < _BIG), nxt, NULL)

    cols["start"][members] = s
    cols["stop"][members] = np.where(ended, end, NULL)
    cols["goal"][members] = goal
    cols["used"][members] = used
    cols["elapsed"][members] = end - s
    cols["paused_business"][members] = paused_b
    cols["paused_wall"][members] = paused_w
    cols["remaining"][members] = np.maximum(goal - used, 0)
    cols["overdue_by"][members] = np.where(breached, end - due, NULL)
    cols["used_share"][members] = used / goal
    cols["due"][members] = due
    cols["due_if_resumed"][members] = resumed
    cols["original_due"][members] = due
    cols["breached_at"][members] = np.where(breached, due, NULL)
    cols["next_event_at"][members] = nxt
    cols["status_code"][members] = np.where(ended, 0, np.where(is_running, 1, 2))
    cols["outcome_code"][members] = np.where(breached, 1, np.where(ended, 0, 2))
    if reached_any.any():
        if "warnings_text" not in cols:
            cols["warnings_text"] = np.full(len(cols["start"]), "[]", dtype=object)
        cols["warnings_text"][members] = _warnings_text(hits, reached_any)
    good[members] &= ~bad


def _held_run_ends(
    seg_state: npt.NDArray[np.int8], seg_from: I64, seg_to: I64, seg_off: I64, nseg: I64
) -> I64:
    """Per segment: where the run of held segments holding it ends (its pause, merged).

    Zero-length segments do not break a run (the scalar replay drops them
    before merging touching pauses).
    """
    n = len(seg_from)
    held = (seg_state != _RUN) | (seg_to == seg_from)
    last_in_ticket = np.zeros(n, dtype=bool)
    last_in_ticket[seg_off + nseg - 1] = True
    nxt_held = np.zeros(n, dtype=bool)
    nxt_held[:-1] = held[1:]
    run_last = held & (last_in_ticket | ~nxt_held)
    idx = np.where(run_last, np.arange(n), _BIG)
    upto = np.minimum.accumulate(idx[::-1])[::-1]
    out: I64 = seg_to[np.minimum(upto, n - 1)]
    return out


def _last_with_left(
    w: Any,
    mask: Bools,
    value: I64,
    due_value: I64,
    s: I64,
    end: I64,
    open_running: Bools,
    horizon: int,
    seg_from: I64,
    seg_state: npt.NDArray[np.int8],
    seg_owner: I64,
    seg_off: I64,
    nseg: I64,
    held_end: I64,
) -> tuple[Bools, I64, Bools]:
    """``_last_with_left`` of evaluation.py for the tickets of ``mask``, vectorised.

    Returns where a warning instant is known, the instants, and the tickets
    whose answer needs the scalar replay (past the window or the horizon,
    or not settled after a few steps).
    """
    k = len(s)
    t0 = np.where(value > 0, due_value, s)
    found = mask & (value < 0)
    at = np.where(found, s, NULL)
    bad = np.zeros(k, dtype=bool)
    limit = t0 + horizon
    cur = t0.copy()
    live = mask & ~found
    for _ in range(12):
        active = live & (cur < end)
        live &= active | (cur >= end)
        if not active.any():
            break
        o = np.where(active, next_open_in(w, np.where(active, cur, w.lo)), cur)
        far = active & ((o == PAST) | (o > limit))
        bad |= far
        active &= ~far
        live &= ~far
        # the segment holding o: the last one of its ticket starting at or before o
        probe = np.where(active, o, np.iinfo(np.int64).min)
        cnt = _sum_per((seg_from <= probe[seg_owner]).astype(np.int64), seg_off, nseg)
        jseg = seg_off + np.maximum(cnt, 1) - 1
        inside = active & (o < end) & (seg_state[jseg] != _RUN) & (o < held_end[jseg])
        settled = active & ~inside
        at = np.where(settled, o, at)
        found |= settled
        live &= ~settled
        cur = np.where(inside, held_end[jseg], np.where(active, o, cur))
    else:
        stuck = live & (cur < end)
        bad |= stuck
        live &= ~stuck
    rest = live & (cur >= end) & open_running
    if rest.any():
        o = next_open_in(w, np.where(rest, cur, w.lo))
        far = rest & ((o == PAST) | (o > limit))
        bad |= far
        ok = rest & ~far
        at = np.where(ok, o, at)
        found |= ok
    return found, at, bad


def _sum_per(values: I64, offs: I64, counts: I64) -> I64:
    """Per-ticket sums of contiguous groups (exact int64)."""
    if len(values) == 0:
        return np.zeros(len(offs), dtype=np.int64)
    c = np.cumsum(values)
    last = c[offs + counts - 1]
    before = np.where(offs > 0, c[np.maximum(offs - 1, 0)], 0)
    out: I64 = last - before
    return out


def _warnings_text(
    hits: list[tuple[npt.NDArray[Any], I64, Bools]], any_reached: Bools
) -> npt.NDArray[Any]:
    """The ``warnings`` JSON text of result files, for rows with a warning reached."""
    from slaclock._instants import from_us
    from slaclock.evaluation import WarningHit
    from slaclock.result_files import encode_warnings

    out = np.full(len(any_reached), "[]", dtype=object)
    for i in np.flatnonzero(any_reached).tolist():
        found = sorted(
            ((int(at[i]), labels[i]) for labels, at, reached in hits if reached[i]),
            key=lambda x: x[0],
        )
        out[i] = encode_warnings(tuple(WarningHit(label, from_us(t)) for t, label in found))
    return out
