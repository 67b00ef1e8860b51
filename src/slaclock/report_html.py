"""The SLA report as one self-contained HTML file.

:func:`render_html` turns an :class:`~slaclock.sla_report.SlaReport` into
a single HTML document: inline CSS, the charts of :mod:`slaclock.charts` as
inline SVG, no scripts and no external resources, so the file can be mailed,
archived or opened offline and looks the same everywhere (its
Content-Security-Policy allows inline styles only). Its sections:
summary, compliance by severity and metric, compliance per period, internal
targets, service levels, percentiles and the distribution of business time
used, availability with its downtime budget, service credits, error counts,
breaches and tickets at risk.

Every text that comes from the data (ticket ids, teams, severities,
policy and service names) is escaped. Exact values are shown rounded
*down*: a share as a percentage with two decimals (three for availability),
so a share below its requirement never shows as equal to it; durations as
``h:mm:ss`` (hours past 24 kept, fractions of a second shown when present);
instants in ISO form in the report's zone; money with two decimals.

Without matplotlib the charts are left out, with a visible note that says
how to get them.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
import math
import os
import pathlib
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from html import escape
from typing import TYPE_CHECKING

from slaclock._files import atomic_path
from slaclock._instants import get_zone

if TYPE_CHECKING:
    from slaclock.credits import CreditRow
    from slaclock.reports import ComplianceRow
    from slaclock.sla_report import SlaReport

__all__ = [
    "CSP",
    "duration_text",
    "instant_text",
    "money_text",
    "render_html",
    "share_text",
    "write_html",
]

# the page's own policy: inline styles only, nothing to run, nothing to load (a browser
# blocks, and reports on its console, anything else that slipped in)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
"""The page's Content-Security-Policy (inline styles only, no scripts, nothing loaded)."""

# a cell: its text (escaped when rendered), or (text, CSS class)
Cell = str | tuple[str, str]

_NONE = "—"

_CSS = """
.slaclock-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  font-size:14px;line-height:1.4;color:#1f2328;max-width:1280px}
.slaclock-report h1{font-size:1.6em;margin:0.4em 0}
.slaclock-report h2{font-size:1.25em;margin:1.6em 0 0.4em;border-bottom:1px solid #d0d7de;
  padding-bottom:0.2em}
.slaclock-report h3{font-size:1.05em;margin:1.2em 0 0.3em}
.slaclock-report table{border-collapse:collapse;margin:0.4em 0 0.8em;font-size:13px}
.slaclock-report th,.slaclock-report td{border:1px solid #d0d7de;padding:2px 8px;text-align:left;
  vertical-align:top;white-space:nowrap}
.slaclock-report th{background:#f6f8fa;font-weight:600}
.slaclock-report td.num{text-align:right;font-variant-numeric:tabular-nums}
.slaclock-report td.ok{background:#dafbe1}
.slaclock-report td.bad{background:#ffebe9}
.slaclock-report tr.total td{font-weight:600;border-top:2px solid #8c959f}
.slaclock-report .note{color:#59636e;font-size:0.93em}
.slaclock-report .missing{border-left:4px solid #bf8700;background:#fff8c5;padding:4px 8px}
.slaclock-report figure{margin:0.6em 0 1em}
.slaclock-report figure svg{max-width:100%;height:auto;display:block}
.slaclock-report figcaption{color:#59636e;font-size:0.93em}
.slaclock-report .scroll{overflow-x:auto}
"""


# ---- formatting exact values ---------------------------------------------------------------


def share_text(share: Fraction | None, digits: int = 2) -> str:
    """A share as a percentage, rounded down to ``digits`` decimals (``—`` for None).

    Rounding down keeps a share below its requirement from showing as equal.

    >>> from fractions import Fraction
    >>> share_text(Fraction(27, 29)), share_text(Fraction(999, 1000), 3)
    ('93.10%', '99.900%')
    >>> share_text(Fraction(99999, 100000)), share_text(None)
    ('99.99%', '—')

    .. versionadded:: 0.1
    """
    if share is None:
        return _NONE
    scaled = share * 100 * 10**digits
    sign = "-" if scaled < 0 else ""
    n = math.floor(abs(scaled)) if scaled >= 0 else math.ceil(abs(scaled))
    whole, frac = divmod(n, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}%" if digits else f"{sign}{whole}%"


def duration_text(td: dt.timedelta | None) -> str:
    """A duration as ``h:mm:ss`` (hours past 24 kept; microseconds shown when present).

    >>> import datetime as dt
    >>> duration_text(dt.timedelta(days=1, seconds=18722)), duration_text(dt.timedelta(0))
    ('29:12:02', '0:00:00')
    >>> duration_text(dt.timedelta(seconds=-2609)), duration_text(dt.timedelta(seconds=2678.4))
    ('-0:43:29', '0:44:38.4')

    .. versionadded:: 0.1
    """
    if td is None:
        return _NONE
    us = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    sign = "-" if us < 0 else ""
    seconds, micro = divmod(abs(us), 1_000_000)
    minutes, s = divmod(seconds, 60)
    h, m = divmod(minutes, 60)
    text = f"{sign}{h}:{m:02d}:{s:02d}"
    return f"{text}.{micro:06d}".rstrip("0") if micro else text


def instant_text(t: dt.datetime | None, zone: str) -> str:
    """An aware instant in ISO form in ``zone`` (seconds, or microseconds when present).

    >>> import datetime as dt
    >>> instant_text(dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC), "Europe/Paris")
    '2026-03-02 15:00:00+01:00'

    .. versionadded:: 0.1
    """
    if t is None:
        return _NONE
    return t.astimezone(get_zone(zone)).isoformat(sep=" ")


def money_text(amount: Decimal | None) -> str:
    """An amount with thousands separators and two decimals (exact, as a Decimal).

    >>> from decimal import Decimal
    >>> money_text(Decimal("1000")), money_text(Decimal("2500.5"))
    ('1,000.00', '2,500.50')

    .. versionadded:: 0.1
    """
    if amount is None:
        return _NONE
    return f"{amount.quantize(Decimal('0.01')):,}"


def _yes(value: bool | None) -> Cell:
    if value is None:
        return _NONE
    return ("yes", "ok") if value else ("no", "bad")


def _num(n: int) -> Cell:
    return (f"{n:,}", "num")


def _share(share: Fraction | None, meets: bool | None = None, digits: int = 2) -> Cell:
    cls = "num" if meets is None else ("num ok" if meets else "num bad")
    return (share_text(share, digits), cls)


# ---- markup ----------------------------------------------------------------------------------


def _cell(tag: str, cell: Cell) -> str:
    if isinstance(cell, tuple):
        text, cls = cell
        return f'<{tag} class="{escape(cls)}">{escape(text)}</{tag}>'
    return f"<{tag}>{escape(cell)}</{tag}>"


def _table(
    table_id: str,
    headers: Sequence[str] | None,
    rows: Sequence[Sequence[Cell]],
    *,
    total: Sequence[Cell] | None = None,
) -> str:
    head = (
        ""
        if headers is None
        else "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>"
    )
    body = "".join("<tr>" + "".join(_cell("td", c) for c in row) + "</tr>" for row in rows)
    if total is not None:
        body += '<tr class="total">' + "".join(_cell("td", c) for c in total) + "</tr>"
    return (
        f'<div class="scroll"><table id="{escape(table_id)}">{head}'
        f"<tbody>{body}</tbody></table></div>"
    )


def _section(section_id: str, title: str, *parts: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(title)}</h2>{"".join(parts)}</section>'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _figure(name: str, svgs: dict[str, str], caption: str) -> str:
    svg = svgs.get(name)
    if svg is None:
        return ""
    return (
        f'<figure class="chart" id="chart-{name}">{svg}'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


# ---- sections --------------------------------------------------------------------------------


def _summary(report: SlaReport, charts_note: str) -> str:
    z = report.zone
    window = (
        _NONE
        if report.start is None or report.end is None
        else f"{instant_text(report.start, z)} to {instant_text(report.end, z)}"
    )
    met = sum(r.met for r in report.compliance)
    breached = sum(r.breached for r in report.compliance)
    overall = Fraction(met, met + breached) if met + breached else None
    rows: list[list[Cell]] = [
        ["Policy", report.policy if report.policy is not None else _NONE],
        ["Window", window],
        ["Zone", z],
        ["Period", report.period],
        ["Measured at", instant_text(report.now, z)],
        ["Results", _num(report.results)],
        ["Tickets", _num(report.tickets)],
        ["Compliance, external targets", _share(overall)],
        ["Breached results", _num(report.breaches_total)],
        [
            f"At risk (at most {duration_text(report.at_risk_within)} left)",
            _num(report.at_risk_total),
        ],
    ]
    return (
        f'<section id="summary"><h1>{escape(report.title)}</h1>'
        + _table("summary-table", None, rows)
        + charts_note
        + "</section>"
    )


def _compliance_cells(r: ComplianceRow) -> list[Cell]:
    return [
        _num(r.met),
        _num(r.breached),
        _num(r.pending),
        _num(r.cancelled),
        _share(r.compliance, r.meets_required),
        _share(r.required),
        _yes(r.meets_required),
    ]


_COMPLIANCE_HEADERS = ("met", "breached", "pending", "cancelled", "compliance", "required", "meets")


def _compliance(report: SlaReport) -> str:
    if not report.compliance:
        return _section("compliance", "Compliance", _note("No results of external targets."))
    rows = [[str(r.key[0]), str(r.key[1]), *_compliance_cells(r)] for r in report.compliance]
    return _section(
        "compliance",
        "Compliance by severity and metric",
        _note(
            "compliance = met / (met + breached); pending and cancelled results are not "
            "counted. Shares are rounded down."
        ),
        _table("compliance-table", ("severity", "metric", *_COMPLIANCE_HEADERS), rows),
    )


def _monthly(report: SlaReport, svgs: dict[str, str]) -> str:
    title = f"Compliance per {report.period}"
    if not report.monthly:
        return _section("monthly", title, _note("No results of external targets."))
    periods = sorted({str(r.key[2]) for r in report.monthly})
    cells: dict[tuple[str, str], dict[str, ComplianceRow]] = {}
    for r in report.monthly:
        cells.setdefault((str(r.key[0]), str(r.key[1])), {})[str(r.key[2])] = r
    rows: list[list[Cell]] = []
    for (severity, metric), by_period in cells.items():
        row: list[Cell] = [severity, metric]
        for p in periods:
            found = by_period.get(p)
            row.append(_NONE if found is None else _share(found.compliance, found.meets_required))
        rows.append(row)
    return _section(
        "monthly",
        title,
        _figure(
            "compliance",
            svgs,
            "Compliance per period, one line per metric; the dashed line is the required share.",
        ),
        _note("Green: meets the required share; red: below it; — : nothing decided."),
        _table("monthly-table", ("severity", "metric", *periods), rows),
    )


def _internal(report: SlaReport) -> str:
    if not report.internal:
        return _section("internal", "Internal targets", _note("No internal targets."))
    rows = [[str(r.key[0]), *_compliance_cells(r)] for r in report.internal]
    return _section(
        "internal",
        "Internal targets",
        _table("internal-table", ("team", *_COMPLIANCE_HEADERS), rows),
    )


def _service_levels(report: SlaReport) -> str:
    if not report.service_levels:
        return _section("service-levels", "Service levels", _note("No service levels agreed."))
    parts = []
    for i, level in enumerate(report.service_levels, 1):
        measure = "business time" if level.measure == "business" else "wall time"
        goal = f"{share_text(level.required)} " if level.required is not None else ""
        parts.append(
            f"<h3>{escape(level.name)}</h3>"
            + _note(f"Goal: {goal}within {duration_text(level.within)} of {measure}.")
        )
        rows: list[list[Cell]] = []
        for r in level.rows:
            meets = None if r.share is None or level.required is None else r.share >= level.required
            rows.append(
                [
                    str(r.key[0]),
                    str(r.key[1]),
                    _num(r.within),
                    _num(r.decided),
                    _num(r.undecided),
                    _share(r.share, meets),
                    _share(level.required),
                    _yes(meets),
                ]
            )
        parts.append(
            _table(
                f"service-level-{i}",
                (
                    "severity",
                    "metric",
                    "within",
                    "decided",
                    "undecided",
                    "share",
                    "required",
                    "meets",
                ),
                rows,
            )
        )
    return _section("service-levels", "Service levels", *parts)


def _percent_label(q: Fraction) -> str:
    return f"p{q.numerator}" if q.denominator == 1 else f"p{float(q):g}"


def _percentiles(report: SlaReport, svgs: dict[str, str]) -> str:
    parts = []
    if report.percentiles:
        qs = [q for q, _ in report.percentiles[0].values]
        rows = [
            [str(r.key[0]), str(r.key[1]), _num(r.count)]
            + [(duration_text(v), "num") for _, v in r.values]
            for r in report.percentiles
        ]
        parts.append(
            _note("Nearest-rank percentiles of business time used, stopped clocks.")
            + _table(
                "percentiles-table",
                ("severity", "metric", "count", *(_percent_label(q) for q in qs)),
                rows,
            )
        )
    dists = [d for d in report.distributions if d.count]
    if dists:
        parts.append(
            "<h3>Business time used, as a share of the goal</h3>"
            + _figure(
                "distribution",
                svgs,
                "Stopped clocks per bin of 10% of the goal; the dashed line is the goal (100%).",
            )
        )
        rows = []
        for d in dists:
            last = d.edges[-1]
            under = sum(c for e, c in zip(d.edges, d.counts, strict=True) if e < 100)
            over = sum(c for e, c in zip(d.edges, d.counts, strict=True) if 100 <= e < last)
            far = sum(c for e, c in zip(d.edges, d.counts, strict=True) if e >= last)
            rows.append([d.key[0], d.key[1], _num(d.count), _num(under), _num(over), _num(far)])
        parts.append(
            _table(
                "distributions-table",
                (
                    "severity",
                    "metric",
                    "count",
                    "under 100%",
                    f"100% to {last}%",
                    f"{last}% or more",
                ),
                rows,
            )
        )
    if not parts:
        parts.append(_note("No stopped clocks."))
    return _section("percentiles", "Business time used", *parts)


def _availability(report: SlaReport, svgs: dict[str, str]) -> str:
    if not report.availability:
        return _section(
            "availability", "Availability", _note("No services, or no outage log, in this report.")
        )
    rows: list[list[Cell]] = []
    for r in report.availability:
        used: Fraction | None = None
        if r.allowed is not None and r.allowed > dt.timedelta(0):
            used = Fraction(r.downtime // dt.timedelta(microseconds=1)) / (
                r.allowed // dt.timedelta(microseconds=1)
            )
        rows.append(
            [
                r.service,
                r.period,
                _share(r.availability, r.met, 3),
                _share(r.target, None, 3),
                (duration_text(r.open_time), "num"),
                (duration_text(r.downtime), "num"),
                (duration_text(r.maintenance), "num"),
                _num(r.outages),
                (duration_text(r.allowed), "num"),
                _share(used),
                (
                    duration_text(r.left),
                    "num" if r.left is None or r.left >= dt.timedelta(0) else "num bad",
                ),
                _yes(r.met),
            ]
        )
    return _section(
        "availability",
        "Availability inside service hours",
        _figure(
            "availability",
            svgs,
            "Availability per period; crosses mark periods below target (the dashed line).",
        ),
        _note(
            "Downtime counts outages inside service hours only, planned maintenance taken out; "
            "the budget is (1 − target) × service hours."
        ),
        _table(
            "availability-table",
            (
                "service",
                "period",
                "availability",
                "target",
                "service hours",
                "downtime",
                "maintenance",
                "outages",
                "budget",
                "budget used",
                "budget left",
                "met",
            ),
            rows,
        ),
    )


def _tier(r: CreditRow) -> str:
    if r.tier is None:
        return _NONE
    return f"below {share_text(r.tier.below, 3)}: {share_text(r.tier.credit)}"


def _credit_table(
    table_id: str, names: Sequence[str], rows: Sequence[CreditRow], level_digits: int
) -> str:
    earning = [r for r in rows if r.credit != 0]
    body: list[list[Cell]] = [
        [
            *(str(k) for k in r.key),
            _share(r.level, None, level_digits),
            _num(r.breaches),
            _tier(r),
            (money_text(r.fee), "num"),
            (money_text(r.credit), "num"),
            "yes" if r.capped else "no",
        ]
        for r in earning
    ]
    total: list[Cell] = [
        "total",
        *([""] * (len(names) + 3)),
        (money_text(sum((r.credit for r in rows), Decimal(0))), "num"),
        "",
    ]
    left_out = len(rows) - len(earning)
    note = _note(
        f"{left_out} period{'s' * (left_out != 1)} without a credit not listed." if left_out else ""
    )
    return _table(
        table_id,
        (*names, "level", "breaches", "tier", "fee", "credit", "capped"),
        body,
        total=total,
    ) + (note if left_out else "")


def _credits(report: SlaReport) -> str:
    parts = []
    if report.availability_credits:
        parts.append(
            "<h3>Availability credits</h3>"
            + _credit_table(
                "availability-credits-table", ("service", "period"), report.availability_credits, 3
            )
        )
    if report.compliance_credits:
        parts.append(
            "<h3>Compliance credits</h3>"
            + _credit_table(
                "compliance-credits-table",
                ("severity", "metric", "period"),
                report.compliance_credits,
                2,
            )
        )
    if not parts:
        parts.append(_note("No credit terms in the agreements."))
    return _section("credits", "Service credits", *parts)


def _error_counts(report: SlaReport) -> str:
    if not report.error_counts:
        return _section("error-counts", "Error counts", _note("No error-count targets."))
    rows = [
        [str(r.name), str(r.period), _num(r.count), _num(r.at_most), _yes(r.met)]
        for r in report.error_counts
    ]
    return _section(
        "error-counts",
        "Error counts",
        _table("error-counts-table", ("target", "period", "errors", "at most", "met"), rows),
    )


def _breaches(report: SlaReport) -> str:
    if not report.breaches_total:
        return _section("breaches", "Breaches", _note("No breached results."))
    z = report.zone
    rows: list[list[Cell]] = [
        [
            str(r.ticket_id),
            r.policy,
            r.target,
            r.severity,
            r.team if r.team is not None else _NONE,
            _num(r.cycle),
            r.status,
            instant_text(r.start, z),
            instant_text(r.breached_at, z),
            instant_text(r.stop, z),
            (duration_text(r.goal), "num"),
            (duration_text(r.used), "num"),
            (duration_text(r.overdue_by), "num"),
        ]
        for r in report.breaches
    ]
    shown = len(report.breaches)
    return _section(
        "breaches",
        "Breaches",
        _note(
            f"The latest {shown:,} of {report.breaches_total:,} breached results, by the deadline "
            "they missed, latest first."
            if shown < report.breaches_total
            else f"All {shown:,} breached results, by the deadline they missed, latest first."
        ),
        _table(
            "breaches-table",
            (
                "ticket",
                "policy",
                "target",
                "severity",
                "team",
                "cycle",
                "status",
                "start",
                "deadline",
                "stop",
                "goal",
                "used",
                "overdue by",
            ),
            rows,
        ),
    )


def _at_risk(report: SlaReport) -> str:
    within = duration_text(report.at_risk_within)
    if not report.at_risk_total:
        return _section(
            "at-risk",
            "At risk",
            _note(f"No running clock has {within} or less of business time left."),
        )
    z = report.zone
    rows: list[list[Cell]] = [
        [
            str(r.ticket_id),
            r.policy,
            r.target,
            r.severity,
            r.team if r.team is not None else _NONE,
            _num(r.cycle),
            instant_text(r.start, z),
            instant_text(r.due, z),
            (duration_text(r.used), "num"),
            (duration_text(r.remaining), "num"),
            instant_text(r.next_event_at, z),
        ]
        for r in report.at_risk
    ]
    shown = len(report.at_risk)
    return _section(
        "at-risk",
        "At risk",
        _note(
            f"Running clocks with at most {within} of business time left, soonest due first"
            + (
                f" (the first {shown:,} of {report.at_risk_total:,})."
                if shown < report.at_risk_total
                else "."
            )
        ),
        _table(
            "at-risk-table",
            (
                "ticket",
                "policy",
                "target",
                "severity",
                "team",
                "cycle",
                "start",
                "due",
                "used",
                "remaining",
                "next event",
            ),
            rows,
        ),
    )


# ---- the document --------------------------------------------------------------------------


def render_html(report: SlaReport, *, charts: bool = True, fragment: bool = False) -> str:
    """The report as one self-contained HTML document (or, with ``fragment``, its body only).

    .. versionadded:: 0.1

    Parameters
    ----------
    report
        A report from :func:`~slaclock.sla_report.build_report`.
    charts
        Embed the charts of :mod:`slaclock.charts` as inline SVG. Without
        matplotlib they are left out and the summary says so.
    fragment
        Return only the report's ``<div>`` (with its scoped ``<style>``), for
        embedding, such as in a notebook (``SlaReport._repr_html_``).

    Examples
    --------
    >>> from slaclock.sla_report import build_report
    >>> page = render_html(build_report([]), charts=False)
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page
    (True, False)
    """
    from slaclock import charts as charts_mod

    svgs: dict[str, str] = {}
    charts_note = ""
    if charts:
        if charts_mod.have_matplotlib():
            svgs = {
                name: charts_mod.to_svg(fig, id_prefix=f"slaclock-{name}")
                for name, fig in charts_mod.charts(report).items()
            }
        else:
            charts_note = (
                '<p class="note missing" id="charts-missing">Charts are left out: matplotlib is '
                "not installed (<code>pip install 'slaclock[plot]'</code>).</p>"
            )
    body = (
        f'<div class="slaclock-report"><style>{_CSS}</style>'
        + _summary(report, charts_note)
        + _compliance(report)
        + _monthly(report, svgs)
        + _internal(report)
        + _service_levels(report)
        + _percentiles(report, svgs)
        + _availability(report, svgs)
        + _credits(report)
        + _error_counts(report)
        + _breaches(report)
        + _at_risk(report)
        + '<p class="note">Made with slaclock.</p></div>'
    )
    if fragment:
        return body
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title></head>\n<body>{body}</body></html>\n"
    )


def write_html(
    report: SlaReport, path: str | os.PathLike[str], *, charts: bool = True
) -> pathlib.Path:
    """Write :func:`render_html` of the report to ``path`` (UTF-8), atomically.

    The page goes to a temporary file in the same directory, renamed over
    ``path`` once complete: an existing file is replaced whole, and an error
    leaves it untouched. Returns the path.

    .. versionadded:: 0.1
    """
    text = render_html(report, charts=charts)
    target = pathlib.Path(path)
    with atomic_path(target) as temp, open(temp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return target
