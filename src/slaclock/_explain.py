"""``Evaluation.explain()``: the timeline behind each result, as readable text."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slaclock._instants import from_us
from slaclock.policies import ClockState, format_duration

if TYPE_CHECKING:
    from slaclock.calendars import Calendar
    from slaclock.evaluation import Evaluation, Result, _Trace

_MAX_PIECES = 12  # open/closed stretches listed per segment before summing them up


def _when(t: int, zone: ZoneInfo) -> str:
    local = from_us(t).astimezone(zone)
    text = local.strftime("%Y-%m-%d %a %H:%M")
    if local.second or local.microsecond:
        text += f":{local.second:02d}"
        if local.microsecond:
            text += f".{local.microsecond:06d}"
    return f"{text} {local.tzname()}"


def _dur(us: int) -> str:
    return format_duration(dt.timedelta(microseconds=us))


def _pieces(cal: Calendar, a: int, b: int) -> list[tuple[int, int, bool]]:
    """``[a, b)`` cut into open and closed stretches of the calendar."""
    out: list[tuple[int, int, bool]] = []
    cursor = a
    for o0, o1 in cal.open_intervals(from_us(a), from_us(b)):
        u0, u1 = _us(o0), _us(o1)
        if u0 > cursor:
            out.append((cursor, u0, False))
        out.append((u0, u1, True))
        cursor = u1
    if cursor < b:
        out.append((cursor, b, False))
    return out


def _us(t: dt.datetime) -> int:
    from slaclock._instants import to_us

    return to_us(t, "t")


def _result_lines(r: Result, trace: _Trace) -> list[str]:
    cal = trace.calendar
    zone = ZoneInfo(cal.zone)
    head = f"{r.target} (cycle {r.cycle}): {r.status}, {r.outcome}"
    if r.team is not None:
        head += f" [team {r.team}]"
    lines = [head]
    lines.append(
        f"  goal {trace.goal} on {'a 24/7 calendar' if trace.goal.endswith('calendar time') else cal.zone}; "
        f"used {format_duration(r.used)}, remaining {format_duration(r.remaining)}, "
        f"held {format_duration(r.paused_business)} open ({format_duration(r.paused_wall)} wall)"
    )
    if r.due is not None:
        lines.append(f"  due {_when(_us(r.due), zone)}")
    elif r.due_if_resumed is not None:
        lines.append(
            f"  due undetermined while paused; if resumed now: {_when(_us(r.due_if_resumed), zone)}"
        )
    else:
        lines.append("  due undetermined (the clock was held when it stopped)")
    for e in r.earlier:
        due = "undetermined" if e.due is None else _when(_us(e.due), zone)
        then = "already breached" if e.breached else "not breached"
        lines.append(
            f"  as {e.severity} until {_when(_us(e.changed_at), zone)}: due {due}, {then} then"
        )
    if r.breached_at is not None and r.overdue_by is not None:
        lines.append(
            f"  breached at {_when(_us(r.breached_at), zone)}, overdue by {format_duration(r.overdue_by)}"
        )
    cycle = trace.cycle
    states = cycle.states
    lines.append("  timeline:")
    for i, (t0, state) in enumerate(states):
        t1 = min(states[i + 1][0] if i + 1 < len(states) else trace.end, trace.end)
        if t1 <= t0:
            continue
        held = state is not ClockState.RUNNING
        pieces = _pieces(cal, t0, t1)
        counted = sum(p1 - p0 for p0, p1, is_open in pieces if is_open)
        lines.append(
            f"    {_when(t0, zone)} -> {_when(t1, zone)}  {'held' if held else 'running'}: "
            f"{_dur(counted)} open, {_dur(0 if held else counted)} counted"
        )
        if len(pieces) <= _MAX_PIECES:
            for p0, p1, is_open in pieces:
                kind = "open" if is_open else "closed"
                lines.append(
                    f"      {_when(p0, zone)} -> {_when(p1, zone)}  {kind} {_dur(p1 - p0)}"
                )
        else:
            n_open = sum(1 for p in pieces if p[2])
            lines.append(f"      ({n_open} open stretches and {len(pieces) - n_open} closed ones)")
    end_note = "stopped" if trace.ended else "now"
    lines.append(f"    {_when(trace.end, zone)}  {end_note}")
    for w in r.warnings:
        lines.append(f"  warning {w.label} at {_when(_us(w.at), zone)}")
    if r.next_event_at is not None:
        lines.append(f"  next event at {_when(_us(r.next_event_at), zone)}")
    return lines


def explain(evaluation: Evaluation) -> str:
    """The text of :meth:`Evaluation.explain`."""
    lines = [
        f"ticket {evaluation.ticket_id!r} under policy {evaluation.policy!r} "
        f"at {evaluation.now.isoformat()}"
    ]
    for r, trace in zip(evaluation.results, evaluation._traces, strict=True):
        lines.append("")
        lines.extend(_result_lines(r, trace))
    if not evaluation.results:
        lines.append("no targets apply")
    return "\n".join(lines)
