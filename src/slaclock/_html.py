"""HTML for notebooks: a calendar's week grid, an evaluation's results, a batch run's tables.

Every text that comes from the caller (zone names, holiday sources, hours)
is escaped. No scripts, no external resources: the markup is plain tables
with inline styles, so it renders the same in Jupyter, VS Code and a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slaclock.batch.scoring import Scored
    from slaclock.calendars import Calendar, WeeklyCalendar
    from slaclock.evaluation import Evaluation

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


# ---- results: an Evaluation, a batch Scored ---------------------------------------------------

_TABLE = "border-collapse:collapse;font-size:13px"
_TH = "border:1px solid #d0d7de;padding:2px 6px;background:#f6f8fa;text-align:left"
_TD = "border:1px solid #d0d7de;padding:2px 6px;white-space:nowrap"
_OUTCOME = MappingProxyType({"met": "#dafbe1", "breached": "#ffebe9"})
_HEAD_ROWS = 10


def _small_table(headers: Sequence[str], rows: Sequence[Sequence[str]], css_class: str) -> str:
    """A plain table, every header and cell escaped here (the one place)."""
    head = "".join(f'<th style="{_TH}">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_TD}">{escape(c)}</td>' for c in row) + "</tr>"
        for row in rows
    )
    return (
        f'<table class="{css_class}" style="{_TABLE}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def evaluation_html(ev: Evaluation) -> str:
    """The HTML of an evaluation (``Evaluation._repr_html_``): one row per target and cycle."""
    from slaclock.report_html import duration_text

    def when(t: dt.datetime | None) -> str:
        return "—" if t is None else t.isoformat(sep=" ")

    headers = (
        "target",
        "cycle",
        "severity",
        "status",
        "outcome",
        "start",
        "used",
        "goal",
        "remaining",
        "due",
        "stop",
        "breached at",
    )
    rows = []
    for r in ev.results:
        cells = (
            r.target,
            str(r.cycle),
            r.severity,
            r.status,
            r.outcome,
            when(r.start),
            duration_text(r.used),
            duration_text(r.goal),
            duration_text(r.remaining),
            when(r.due),
            when(r.stop),
            when(r.breached_at),
        )
        color = _OUTCOME.get(r.outcome)
        style = f"{_TD};background:{color}" if color else _TD
        rows.append(
            "<tr>"
            + "".join(
                f'<td style="{style if i == 4 else _TD}">{escape(c)}</td>'
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    head = "".join(f'<th style="{_TH}">{escape(h)}</th>' for h in headers)
    count = len(ev.results)
    return (
        '<div class="slaclock-evaluation">'
        f"<p><b>Ticket {escape(str(ev.ticket_id))}</b>: policy {escape(ev.policy)}, "
        f"at {escape(when(ev.now))}, {count} result{'s' * (count != 1)}</p>"
        f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _frame_head_html(frame: Any, css_class: str) -> str:
    """The first rows of a pandas, polars or Arrow frame: the frame's own HTML when it has one."""
    n = len(frame)
    head = frame.slice(0, _HEAD_ROWS) if hasattr(frame, "to_pylist") else frame.head(_HEAD_ROWS)
    own = getattr(head, "_repr_html_", None)
    html = own() if own is not None else None
    if not isinstance(html, str):
        if hasattr(head, "to_pylist"):  # pyarrow
            records = head.to_pylist()
            columns = list(head.column_names)
        elif hasattr(head, "to_dicts"):  # polars
            records = head.to_dicts()
            columns = list(head.columns)
        else:  # pandas
            records = head.to_dict("records")
            columns = [str(c) for c in head.columns]
        html = _small_table(
            columns,
            [["—" if rec.get(c) is None else str(rec.get(c)) for c in columns] for rec in records],
            css_class,
        )
    more = f"<p>… {n - _HEAD_ROWS:,} more rows</p>" if n > _HEAD_ROWS else ""
    return f'<div class="{css_class}">{html}{more}</div>'


def scored_html(scored: Scored) -> str:
    """The HTML of a batch ``Scored`` (``Scored._repr_html_``): counts, then the tables' first rows."""
    counts = (
        f"{scored.tickets:,} tickets: {scored.scored:,} scored "
        f"({scored.vectorised:,} by the vectorised replay), {scored.failed:,} failed"
    )
    if scored.orphans:
        counts += f", {scored.orphans:,} unknown ticket ids in the events"
    parts = [
        '<div class="slaclock-scored">',
        f"<p><b>Scored</b>: {escape(counts)}</p>",
        f"<p><b>Results</b> ({len(scored.results):,} rows)</p>",
        _frame_head_html(scored.results, "slaclock-results"),
    ]
    if len(scored.errors):
        parts.append(f"<p><b>Errors</b> ({len(scored.errors):,} rows)</p>")
        parts.append(_frame_head_html(scored.errors, "slaclock-errors"))
    else:
        parts.append("<p>No errors.</p>")
    parts.append("</div>")
    return "".join(parts)
