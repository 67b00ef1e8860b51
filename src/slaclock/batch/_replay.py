"""The vectorised replay: first response and resolution of ordinary tickets, all at once.

This is :class:`slaclock.evaluation.TicketClock` for the tickets most of an
export holds, written over numpy arrays of every ticket's events instead of
one ticket at a time. It takes a ticket only when its policy's targets for
its severity are all of the shape it knows (SEMANTICS "the SLA clock" on one
cycle):

- first response or resolution (one cycle), started at creation and no
  other event, stopped by the target's stop events or by a stopped status;
- a business-time or calendar-time goal; warnings at fractions of the goal;
- a history without severity changes, cancels, reopens (a stopped status
  followed by another one), and without assignments when the policy has
  internal targets;

and when every answer lies in the compiled window, within the horizon.
Every other ticket is left to the scalar replay, which gives the same
answers (and the errors) by construction. Property tests compare both on
random histories.

The cycle of one target is a sequence of *segments* tiling ``[start, end)``:
the first from the start, then one from each status change before the end,
each running or held. With ``B`` the calendar's business-time prefix
function, a segment's business time is ``B(to) - B(from)``; used time is the
sum over running segments; the due is found in the first running segment
whose cumulative running time reaches the goal, or past the end (where the
clock runs on).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from slaclock._instants import YEAR_US
from slaclock.batch._frames import NULL
from slaclock.batch._kernels import PAST, busy_before, first_reaching, window
from slaclock.policies import (
    BusinessTime,
    CalendarTime,
    ClockState,
    FractionWarning,
    Metric,
    Policy,
    Target,
)
from slaclock.samples import EVENT_KINDS

if TYPE_CHECKING:
    from slaclock.batch.scoring import _Run

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_K = {k: i for i, k in enumerate(EVENT_KINDS)}
_RUN, _HELD, _STOP = 0, 1, 2
_CODE = {ClockState.RUNNING: _RUN, ClockState.PAUSED: _HELD, ClockState.STOPPED: _STOP}
_BIG: Final = np.iinfo(np.int64).max
_STATUS_TEXT = np.array(["stopped", "running", "paused"], dtype=object)
_OUTCOME_TEXT = np.array(["met", "breached", "pending"], dtype=object)
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
    """The target is of a shape the vectorised replay knows."""
    if target.metric not in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        return False
    if not isinstance(target.goal, (BusinessTime, CalendarTime)):
        return False
    if any(not isinstance(w, FractionWarning) for w in target.warnings):
        return False
    return all(t.kind == "created" for t in target.starts)


class _Events:
    """The events of a group of tickets, flat, each ticket's events together in replay order."""

    def __init__(self, run: _Run, group: I64) -> None:
        first = run.first
        lens = first[group + 1] - first[group]
        self.k = len(group)
        self.lens = lens
        self.offs = np.cumsum(lens) - lens  # where each ticket's events begin in the flat arrays
        total = int(lens.sum())
        self.owner = np.repeat(np.arange(self.k), lens)
        self.index = np.arange(total) - self.offs[self.owner]  # index in the ticket's history
        rows = run.order[first[group][self.owner] + self.index]
        self.at = run.at[rows]
        self.kind = run.kind[rows]
        self.value = run.value_codes[rows]
        self.total = total


def _policy_group(run: _Run, policy: Policy, group: I64, taken: Bools) -> None:
    ev = _Events(run, group)
    k = ev.k
    # tickets the policy's replay of this shape cannot take
    odd = np.isin(ev.kind, [_K["severity"], _K["cancel"]])
    if policy.internal_targets:
        odd |= ev.kind == _K["assignment"]
    labels = run.value_labels
    known = np.array([lab in policy.statuses for lab in labels] + [False], dtype=bool)
    is_status = ev.kind == _K["status"]
    odd |= is_status & ~known[ev.value]
    reject = _per_ticket_any(odd, ev)
    sev_of = run.sev_codes[group]
    for sev_code, severity in enumerate(run.sev_labels):
        if severity not in policy.severities:
            continue
        members = (sev_of == sev_code) & ~reject
        if not members.any():
            continue
        targets = [policy.target(m, severity) for m in policy.metrics()]
        chosen = [t for t in targets if t is not None]
        if not all(_target_ok(t) for t in chosen):
            continue
        sub = np.flatnonzero(members)
        _severity_group(run, policy, severity, chosen, group, sub, ev, is_status, taken)


def _per_ticket_any(flags: Bools, ev: _Events) -> Bools:
    out = np.zeros(ev.k, dtype=bool)
    if flags.any():
        out[np.unique(ev.owner[flags])] = True
    return out


def _severity_group(
    run: _Run,
    policy: Policy,
    severity: str,
    targets: list[Target],
    group: I64,
    sub: I64,
    ev_all: _Events,
    is_status_all: Bools,
    taken: Bools,
) -> None:
    """The tickets ``group[sub]`` (one policy, one severity): every target, then the rows."""
    keep_ev = np.isin(ev_all.owner, sub)
    if keep_ev.all():
        ev, is_status, tickets = ev_all, is_status_all, group
    else:
        ev = _Subset(ev_all, keep_ev, sub)
        is_status = is_status_all[keep_ev]
        tickets = group[sub]
    ok = np.ones(len(tickets), dtype=bool)
    blocks = []
    for target in targets:
        cols, good = _target_rows(run, policy, severity, target, tickets, ev, is_status)
        ok &= good
        blocks.append(cols)
    if not ok.any():
        return
    idx = np.flatnonzero(ok)
    all_ok = len(idx) == len(ok)
    for cols in blocks:
        out = cols if all_ok else {name: v[idx] for name, v in cols.items()}
        run.add_block(tickets if all_ok else tickets[idx], out)
    taken[tickets[idx]] = True


class _Subset(_Events):
    """The events of some tickets of an :class:`_Events` (renumbered 0..k-1)."""

    def __init__(self, ev: _Events, keep: Bools, sub: I64) -> None:  # noqa: D107
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
    if trigger_kind == "agent_reply":
        m = ev.kind == _K["agent_reply"]
        if value is not None:  # "public": anything but an explicit "private"
            private = np.array([lab == "private" for lab in labels] + [False], dtype=bool)
            m &= ~private[ev.value]
        return m
    if trigger_kind in ("customer_reply", "update"):
        return ev.kind == _K[trigger_kind]
    if trigger_kind in ("assignment", "status"):
        m = ev.kind == _K[trigger_kind]
        if value is not None:
            same = np.array([lab == value for lab in labels] + [False], dtype=bool)
            m &= same[ev.value]
        return m
    return np.zeros(ev.total, dtype=bool)  # "created", "reopen": never a stop by event


def _first_per_ticket(flags: Bools, ev: _Events) -> I64:
    """The flat position of each ticket's first flagged event (``_BIG`` when none)."""
    cand = np.where(flags, np.arange(ev.total), _BIG)
    if ev.total == 0:
        return np.full(ev.k, _BIG, dtype=np.int64)
    return np.minimum.reduceat(cand, ev.offs)


def _target_rows(
    run: _Run,
    policy: Policy,
    severity: str,
    target: Target,
    tickets: I64,
    ev: _Events,
    is_status: Bools,
) -> tuple[dict[str, npt.NDArray[Any]], Bools]:
    """The result columns of one target for ``tickets``, and which tickets it could answer."""
    k = ev.k
    states = policy.state_map(target)
    table = np.array(
        [_CODE[states[lab]] if lab in states else -1 for lab in run.value_labels] + [-1],
        dtype=np.int64,
    )
    st = np.where(is_status, table[ev.value], -1)
    init = _CODE[states[policy.initial]]
    good = np.ones(k, dtype=bool)
    if init == _STOP:
        return {}, np.zeros(k, dtype=bool)
    # a reopen (a status other than stopped after a stopped one) needs the scalar replay
    stop_ev = st == _STOP
    first_stop = _first_per_ticket(stop_ev, ev)
    later = is_status & (st != _STOP) & (np.arange(ev.total) > first_stop[ev.owner])
    good &= ~_per_ticket_any(later, ev)
    # the end: the first stop event (not the creation event itself), or the first stopped status
    by_trigger = np.zeros(ev.total, dtype=bool)
    for trig in target.stops:
        by_trigger |= _matches(trig.kind, trig.value, run, ev)
    by_trigger &= ev.index >= 1
    endpos = _first_per_ticket(by_trigger | stop_ev, ev)
    ended = endpos < _BIG
    endc = np.where(ended, endpos, 0)
    s = ev.at[ev.offs] if ev.total else np.zeros(0, dtype=np.int64)
    now = run.now
    end = np.where(ended, ev.at[endc] if ev.total else 0, now)
    end_by_trigger = ended & (by_trigger[endc] if ev.total else False)

    # segments: the first from the start, then one per status change before the end
    point = is_status & (np.arange(ev.total) < endpos[ev.owner])
    p_owner = ev.owner[point]
    p_at = ev.at[point]
    p_state = st[point]
    npts = np.bincount(p_owner, minlength=k)
    nseg = npts + 1
    seg_off = np.cumsum(nseg) - nseg
    total_seg = int(nseg.sum())
    seg_owner = np.repeat(np.arange(k), nseg)
    seg_from = np.empty(total_seg, dtype=np.int64)
    seg_state = np.empty(total_seg, dtype=np.int64)
    seg_from[seg_off] = s
    seg_state[seg_off] = init
    pstart = np.cumsum(npts) - npts
    rank = np.arange(len(p_owner)) - pstart[p_owner]
    where = seg_off[p_owner] + 1 + rank
    seg_from[where] = p_at
    seg_state[where] = p_state
    seg_to = np.empty(total_seg, dtype=np.int64)
    seg_to[:-1] = seg_from[1:]
    last_seg = seg_off + nseg - 1
    seg_to[last_seg] = end
    np.minimum(seg_to, end[seg_owner], out=seg_to)

    cal_groups = _calendars(run, target, tickets)
    goal_us = target.goal.duration // _ONE_US
    horizon_wall = 0
    cols = _empty_cols(k)
    for cal, members in cal_groups:
        if cal is None:
            good[members] = False
            continue
        horizon_wall = cal.horizon_years * YEAR_US
        _measure(
            cal, members, goal_us, target, s, end, ended, end_by_trigger, now,
            seg_from, seg_to, seg_state, seg_owner, seg_off, nseg, horizon_wall, cols, good,
        )
    cols["ticket_id"] = run.ids[tickets]
    cols["policy"] = np.full(k, policy.name, dtype=object)
    cols["target"] = np.full(k, target.name, dtype=object)
    cols["metric"] = np.full(k, target.metric.value, dtype=object)
    cols["team"] = np.full(k, None, dtype=object)
    cols["severity"] = np.full(k, severity, dtype=object)
    cols["cycle"] = np.ones(k, dtype=np.int64)
    cols["earlier"] = np.full(k, "[]", dtype=object)
    return cols, good


def _empty_cols(k: int) -> dict[str, npt.NDArray[Any]]:
    names_i64 = (
        "start stop goal used elapsed paused_business paused_wall remaining overdue_by "
        "due due_if_resumed original_due breached_at next_event_at"
    ).split()
    cols: dict[str, npt.NDArray[Any]] = {n: np.full(k, NULL, dtype=np.int64) for n in names_i64}
    cols["status"] = np.empty(k, dtype=object)
    cols["outcome"] = np.empty(k, dtype=object)
    cols["used_share"] = np.zeros(k, dtype=np.float64)
    cols["warnings"] = np.full(k, "[]", dtype=object)
    return cols


def _calendars(run: _Run, target: Target, tickets: I64) -> list[tuple[Any, I64]]:
    """The target's calendar per ticket, grouped (None for tickets whose attributes pick none)."""
    from slaclock.policies import CalendarChoice

    k = len(tickets)
    if isinstance(target.goal, CalendarTime) or not isinstance(target.calendar, CalendarChoice):
        return [(target.calendar_for({}), np.arange(k))]
    choice = target.calendar
    name = choice.attribute
    if name not in run.attr_names:
        cal = choice.default
        return [(cal, np.arange(k))]
    j = run.attr_names.index(name)
    codes = run.attr_codes[j][tickets]
    labels = run.attr_labels[j]
    out = []
    for code in np.unique(codes):
        members = np.flatnonzero(codes == code)
        attrs_map = {}
        if code >= 0:
            value = labels[int(code)]
            if value is not None and value != "":
                attrs_map[name] = value.item() if hasattr(value, "item") else value
        try:
            cal = choice.resolve(attrs_map)
        except Exception:  # noqa: BLE001 - the scalar replay reports it
            cal = None
        out.append((cal, members))
    return out


def _measure(
    cal: Any,
    members: I64,
    goal: int,
    target: Target,
    s_all: I64,
    end_all: I64,
    ended_all: Bools,
    by_trigger_all: Bools,
    now: int,
    seg_from_all: I64,
    seg_to_all: I64,
    seg_state_all: I64,
    seg_owner_all: I64,
    seg_off_all: I64,
    nseg_all: I64,
    horizon: int,
    cols: dict[str, npt.NDArray[Any]],
    good: Bools,
) -> None:
    """Fill the columns of ``members`` (tickets on one calendar)."""
    k_all = len(s_all)
    if len(members) == k_all:
        s, end, ended, by_trigger = s_all, end_all, ended_all, by_trigger_all
        seg_from, seg_to, seg_state, seg_owner = seg_from_all, seg_to_all, seg_state_all, seg_owner_all
        seg_off, nseg = seg_off_all, nseg_all
    else:
        s, end, ended, by_trigger = (
            s_all[members], end_all[members], ended_all[members], by_trigger_all[members]
        )
        keep = np.isin(seg_owner_all, members)
        renumber = np.full(k_all, -1, dtype=np.int64)
        renumber[members] = np.arange(len(members))
        seg_from, seg_to, seg_state = seg_from_all[keep], seg_to_all[keep], seg_state_all[keep]
        seg_owner = renumber[seg_owner_all[keep]]
        nseg = nseg_all[members]
        seg_off = np.cumsum(nseg) - nseg
    k = len(members)
    lo = int(s.min())
    hi = int(max(now, int(end.max()))) + max(YEAR_US, 8 * goal)
    w = window(cal, lo, hi)
    if w.lo > lo:  # pragma: no cover - covering() always holds lo
        good[members] = False
        return
    b_from = busy_before(w, seg_from)
    b_to = busy_before(w, seg_to)
    length = b_to - b_from
    running = seg_state == _RUN
    run_len = np.where(running, length, 0)
    held_len = length - run_len
    held_wall = np.where(running, 0, seg_to - seg_from)
    used = _sum_per(run_len, seg_off, nseg)
    paused_b = _sum_per(held_len, seg_off, nseg)
    paused_w = _sum_per(held_wall, seg_off, nseg)
    # the state the clock was last in: the last segment of positive length (ended), or the
    # current one (open); an end at the start instant keeps the state set at that instant
    last_seg = seg_off + nseg - 1
    positive = seg_to > seg_from
    pos_idx = np.where(positive, np.arange(len(seg_from)), -1)
    last_pos = np.maximum.reduceat(pos_idx, seg_off) if len(seg_from) else pos_idx
    last_state = np.where(last_pos >= 0, seg_state[np.maximum(last_pos, 0)], seg_state[last_seg])
    at_start = ended & (end == s)
    last_state = np.where(at_start & ~by_trigger, _STOP, np.where(at_start, seg_state[last_seg], last_state))
    last_state = np.where(ended, last_state, seg_state[last_seg])
    is_running = last_state == _RUN

    c_run = np.cumsum(run_len)
    before_ticket = np.where(seg_off > 0, c_run[np.maximum(seg_off - 1, 0)], 0)
    r_start = c_run - run_len - before_ticket[seg_owner]
    b_end = busy_before(w, end)

    def due_at(value: I64, need: Bools) -> tuple[I64, Bools]:
        """First instant the clock reaches ``value`` (per ticket); and where it cannot tell."""
        hit = running & (r_start + run_len >= value[seg_owner]) & (run_len > 0)
        cand = np.where(hit, np.arange(len(seg_from)), _BIG)
        j = np.minimum.reduceat(cand, seg_off) if len(seg_from) else cand
        inside = j < _BIG
        jc = np.where(inside, j, 0)
        tgt = np.where(inside, b_from[jc] + value - r_start[jc], b_end + value - used)
        t = first_reaching(w, np.where(need, np.maximum(tgt, 1), 1))
        t = np.where(value == 0, s, t)
        bad = need & ((t == PAST) | (t - s > horizon))
        return t, bad

    need_due = (used >= goal) | is_running
    goal_arr = np.full(k, goal, dtype=np.int64)
    due, bad = due_at(goal_arr, need_due)
    has_due = need_due
    due = np.where(has_due, due, NULL)
    breached = has_due & (end > due)
    resumed_need = ~ended & ~is_running & (used < goal)
    resumed = first_reaching(w, np.where(resumed_need, busy_before(w, np.full(k, now)) + goal - used, 1))
    bad |= resumed_need & ((resumed == PAST) | (resumed - now > horizon))
    resumed = np.where(resumed_need, resumed, NULL)
    open_running = ~ended & is_running

    # warnings at fractions of the goal
    reached_any = np.zeros(k, dtype=bool)
    hits: list[tuple[str, I64, Bools]] = []
    future = np.full(k, _BIG, dtype=np.int64)
    for rule in target.warnings:
        assert isinstance(rule, FractionWarning)
        thr = rule.threshold_us(goal)
        compute = (thr <= used) | open_running
        at, wbad = due_at(np.full(k, thr, dtype=np.int64), compute)
        bad |= wbad
        reached = compute & (at <= end)
        fut = compute & ~reached & open_running
        future = np.where(fut, np.minimum(future, at), future)
        reached_any |= reached
        hits.append((rule.label, at, reached))
    nxt = np.where(open_running & has_due & ~breached, np.minimum(future, due), future)
    nxt = np.where(open_running & (nxt < _BIG), nxt, NULL)

    status = np.where(ended, 0, np.where(is_running, 1, 2))
    outcome = np.where(breached, 1, np.where(ended, 0, 2))
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
    cols["status"][members] = _STATUS_TEXT[status]
    cols["outcome"][members] = _OUTCOME_TEXT[outcome]
    if reached_any.any():
        cols["warnings"][members] = _warnings_text(hits, reached_any)
    good[members] &= ~bad


def _sum_per(values: I64, offs: I64, counts: I64) -> I64:
    """Per-ticket sums of contiguous groups (exact int64)."""
    if len(values) == 0:
        return np.zeros(len(offs), dtype=np.int64)
    c = np.cumsum(values)
    last = c[offs + counts - 1]
    before = np.where(offs > 0, c[np.maximum(offs - 1, 0)], 0)
    out: I64 = last - before
    return out


def _warnings_text(hits: list[tuple[str, I64, Bools]], any_reached: Bools) -> npt.NDArray[Any]:
    """The ``warnings`` JSON text of result files, for rows with a warning reached."""
    import json

    from slaclock._instants import from_us

    out = np.full(len(any_reached), "[]", dtype=object)
    for i in np.flatnonzero(any_reached):
        found = [(int(at[i]), label) for label, at, reached in hits if reached[i]]
        found.sort(key=lambda x: x[0])
        items = [
            {"label": label, "at": from_us(t).replace(tzinfo=None).isoformat() + "Z"}
            for t, label in found
        ]
        out[i] = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    return out
