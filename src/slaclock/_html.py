"""HTML for notebooks: a calendar as a week grid of its open hours.

Every text that comes from the caller (zone names, holiday sources, hours)
is escaped. No scripts, no external resources: the markup is plain tables
with inline styles, so it renders the same in Jupyter, VS Code and a file.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slaclock.calendars import Calendar, WeeklyCalendar

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HOUR_US = 3_600_000_000
_OPEN = "#4a90d9"
_PART = "#a9c8ec"
_CELL = "width:9px;height:14px;padding:0;border:1px solid #fff;"


def calendar_html(cal: Calendar) -> str:
    """The HTML of a calendar (``Calendar._repr_html_``)."""
    from slaclock.calendars import CombinedCalendar, WeeklyCalendar

    if isinstance(cal, CombinedCalendar):
        sym = "&amp;" if cal.op == "and" else "|"
        word = "open when both are open" if cal.op == "and" else "open when either is open"
        return (
            '<div class="slaclock-calendar">'
            f"<p><b>Combined calendar</b> ({word})</p>"
            f'<div style="margin-left:1em">{calendar_html(cal.left)}'
            f"<p><b>{sym}</b></p>{calendar_html(cal.right)}</div></div>"
        )
    assert isinstance(cal, WeeklyCalendar)
    return _weekly_html(cal)


def _weekly_html(cal: WeeklyCalendar) -> str:
    facts = [f"zone {escape(cal.zone)}"]
    if cal.is_always_open:
        facts.append("open around the clock")
    if cal.holidays:
        facts.append("holidays: " + escape(", ".join(repr(h) for h in cal.holidays)))
    if cal.overrides:
        facts.append(f"{len(cal.overrides)} dated override{'s' * (len(cal.overrides) != 1)}")
    if cal.recurring:
        facts.append(f"{len(cal.recurring)} recurring override{'s' * (len(cal.recurring) != 1)}")
    rows = []
    header = "".join(
        f'<th style="font-weight:normal;font-size:8px;padding:0">{h if h % 6 == 0 else ""}</th>'
        for h in range(24)
    )
    rows.append(f"<tr><th></th>{header}<th></th></tr>")
    for weekday, name in enumerate(_DAYS):
        spans = cal.hours.spans_on(weekday)
        cells = []
        for hour in range(24):
            lo, hi = hour * _HOUR_US, (hour + 1) * _HOUR_US
            covered = sum(max(0, min(s.end_us, hi) - max(s.start_us, lo)) for s in spans)
            kind = "open" if covered == _HOUR_US else "part" if covered else "closed"
            color = {"open": _OPEN, "part": _PART, "closed": "#eee"}[kind]
            cells.append(f'<td class="{kind}" style="{_CELL}background:{color}"></td>')
        text = ", ".join(str(s) for s in spans) if spans else "closed"
        rows.append(
            f'<tr><th style="text-align:left;padding-right:4px">{name}</th>{"".join(cells)}'
            f'<td style="padding-left:6px;white-space:nowrap">{escape(text)}</td></tr>'
        )
    return (
        '<div class="slaclock-calendar">'
        f"<p><b>Calendar</b>: {'; '.join(facts)}</p>"
        f'<table style="border-collapse:collapse">{"".join(rows)}</table>'
        '<p style="font-size:smaller">Weekly hours in local time; holidays and overrides '
        "replace them on their dates.</p></div>"
    )
