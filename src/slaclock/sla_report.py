"""The monthly SLA report: every report of :mod:`slaclock.reports` in one value.

:func:`build_report` takes results (Results, Evaluations, a batch ``Scored``,
or a pandas, polars or Arrow results frame) and the policy book they were
scored with, and gathers what a service review reads:

- compliance by severity and metric against the policy's required shares,
  overall and per period, and of the internal targets per team;
- the service levels of the book's agreements ("80% within 1h");
- nearest-rank percentiles and the distribution of business time used, as a
  share of the goal;
- the breaches, and the clocks at risk at ``now``;
- availability inside each service's hours from an outage log, its credits,
  the compliance credits, and the error-count targets.

Every figure follows SEMANTICS "Reports" and the choices in
docs/semantics.md; the report is a frozen value, rendered by
:mod:`slaclock.report_html` and :mod:`slaclock.charts`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import attrs

from slaclock._instants import from_us, get_zone, td_to_us, to_us, zone_key
from slaclock.availability import AvailabilityRow, Outage
from slaclock.credits import CreditRow
from slaclock.errors import InputError
from slaclock.evaluation import Evaluation, Result
from slaclock.policies import Policy, PolicyBook
from slaclock.reports import (
    ComplianceRow,
    PercentileRow,
    ResultFrame,
    ServiceLevelRow,
    _required_shares,
)

__all__ = [
    "DISTRIBUTION_EDGES",
    "AtRiskRow",
    "BreachRow",
    "ServiceLevelResult",
    "SlaReport",
    "UsedDistribution",
    "build_report",
    "compliance_records",
]

DISTRIBUTION_EDGES: tuple[int, ...] = tuple(range(0, 201, 10))
"""The bins of :class:`UsedDistribution`, in percent of the goal: ``[0, 10)``, ...,
``[190, 200)`` and the last bin ``>= 200``."""

_PERIODS = ("day", "week", "month", "quarter", "year")


@attrs.frozen
class BreachRow:
    """One breached result: which ticket and target, when it was due and by how much it missed.

    ``due`` is the deadline of the clock as it ran, ``breached_at`` the
    deadline that was missed (the due, or a later severity change); ``stop``
    is None while the clock still runs; ``overdue_by`` is the wall time past
    the deadline (at the stop, or at ``now``).
    """

    ticket_id: str | int
    policy: str
    target: str
    severity: str
    metric: str
    team: str | None
    cycle: int
    status: str
    start: dt.datetime
    due: dt.datetime | None
    breached_at: dt.datetime | None
    stop: dt.datetime | None
    goal: dt.timedelta
    used: dt.timedelta
    overdue_by: dt.timedelta


@attrs.frozen
class AtRiskRow:
    """A running clock, not breached yet, with at most the report's ``at_risk_within`` left."""

    ticket_id: str | int
    policy: str
    target: str
    severity: str
    metric: str
    team: str | None
    cycle: int
    start: dt.datetime
    due: dt.datetime | None
    used: dt.timedelta
    remaining: dt.timedelta
    next_event_at: dt.datetime | None


@attrs.frozen
class UsedDistribution:
    """Business time used as a share of the goal, stopped external clocks of one (severity, metric).

    ``counts[i]`` holds the results with ``edges[i] <= 100 * used / goal <
    edges[i + 1]`` (exact integer comparison); the last bin holds everything
    at or above ``edges[-1]`` percent. A result over 100% missed its goal.
    """

    key: tuple[str, str]
    edges: tuple[int, ...]
    counts: tuple[int, ...]
    count: int


@attrs.frozen
class ServiceLevelResult:
    """One "X% within Y" goal of the agreements, and its rows per (severity, metric)."""

    name: str
    metric: str | None
    within: dt.timedelta
    measure: str
    required: Fraction | None
    rows: tuple[ServiceLevelRow, ...]


@attrs.frozen
class SlaReport:
    """The monthly SLA report (see the module docs): built by :func:`build_report`.

    Attributes
    ----------
    title, zone, period, now, policy
        What the report is: its title, the zone and period that bucket
        results, the measuring instant, the policy book's name.
    start, end
        The report's window (UTC): the periods that hold the results' start
        instants, cut at ``now``.
    results, tickets
        Result rows, and distinct tickets, reported on.
    compliance, monthly, internal
        Compliance of the external targets by (severity, metric), by
        (severity, metric, period), and of the internal targets by (team,).
    service_levels, percentiles, distributions
        The agreements' "X% within Y" goals; nearest-rank percentiles of
        business time used (stopped clocks); the spread of used / goal.
    breaches, breaches_total
        The latest breached results (by the deadline they missed, latest
        first), and how many there are.
    at_risk, at_risk_total, at_risk_within
        Running clocks not breached yet with at most ``at_risk_within`` of
        business time left, soonest due first, and how many there are.
    availability, availability_credits, compliance_credits, error_counts
        From the agreements and the outage log.
    """

    title: str
    zone: str
    period: str
    now: dt.datetime | None
    policy: str | None
    start: dt.datetime | None
    end: dt.datetime | None
    results: int
    tickets: int
    compliance: tuple[ComplianceRow, ...]
    monthly: tuple[ComplianceRow, ...]
    internal: tuple[ComplianceRow, ...]
    service_levels: tuple[ServiceLevelResult, ...]
    percentiles: tuple[PercentileRow, ...]
    distributions: tuple[UsedDistribution, ...]
    breaches: tuple[BreachRow, ...]
    breaches_total: int
    at_risk: tuple[AtRiskRow, ...]
    at_risk_total: int
    at_risk_within: dt.timedelta
    availability: tuple[AvailabilityRow, ...]
    availability_credits: tuple[CreditRow, ...]
    compliance_credits: tuple[CreditRow, ...]
    error_counts: tuple[Any, ...]

    def _repr_html_(self) -> str:
        """The report as HTML, for notebooks (Jupyter calls it): :func:`slaclock.report_html.render_html`."""
        from slaclock.report_html import render_html

        return render_html(self, fragment=True)

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table of the report as rows of plain values, keys spelled out.

        Shares stay exact (:class:`~fractions.Fraction`), durations
        ``timedelta``, instants aware ``datetime``, money ``Decimal``; only
        tables with rows are included. The command line's ``--format csv``
        and ``json`` and :meth:`to_frames` are built on it.
        """
        out: dict[str, list[dict[str, Any]]] = {}

        def put(name: str, rows: list[dict[str, Any]]) -> None:
            if rows:
                out[name] = rows

        put("compliance", compliance_records(self.compliance, ("severity", "metric")))
        put("monthly", compliance_records(self.monthly, ("severity", "metric", "period")))
        put("internal", compliance_records(self.internal, ("team",)))
        put(
            "service_levels",
            [
                {
                    "name": level.name,
                    "severity": row.key[0],
                    "metric": row.key[1],
                    "within_limit": level.within,
                    "measure": level.measure,
                    "within": row.within,
                    "decided": row.decided,
                    "undecided": row.undecided,
                    "share": row.share,
                    "required": level.required,
                    "meets_required": None
                    if row.share is None or level.required is None
                    else row.share >= level.required,
                }
                for level in self.service_levels
                for row in level.rows
            ],
        )
        put(
            "percentiles",
            [
                {
                    "severity": r.key[0],
                    "metric": r.key[1],
                    "count": r.count,
                    **{f"p{q}": v for q, v in r.values},
                }
                for r in self.percentiles
            ],
        )
        put(
            "distributions",
            [
                {
                    "severity": d.key[0],
                    "metric": d.key[1],
                    "from_percent": lo,
                    "to_percent": d.edges[i + 1] if i + 1 < len(d.edges) else None,
                    "count": c,
                }
                for d in self.distributions
                for i, (lo, c) in enumerate(zip(d.edges, d.counts, strict=True))
            ],
        )
        put("breaches", [attrs.asdict(r) for r in self.breaches])
        put("at_risk", [attrs.asdict(r) for r in self.at_risk])
        put("availability", [attrs.asdict(r) for r in self.availability])
        for name, rows, names in (
            ("availability_credits", self.availability_credits, ("service", "period")),
            ("compliance_credits", self.compliance_credits, ("severity", "metric", "period")),
        ):
            put(
                name,
                [
                    {
                        **dict(zip(names, r.key, strict=True)),
                        "level": r.level,
                        "tier_below": None if r.tier is None else r.tier.below,
                        "tier_credit": None if r.tier is None else r.tier.credit,
                        "breaches": r.breaches,
                        "fee": r.fee,
                        "credit": r.credit,
                        "capped": r.capped,
                    }
                    for r in rows
                ],
            )
        put("error_counts", [attrs.asdict(r) for r in self.error_counts])
        return out

    def to_frames(self, library: str = "pandas") -> dict[str, Any]:
        """Every table of :meth:`tables` as a pandas or polars data frame.

        Exact shares and money become floats (display values); durations and
        instants keep their types.
        """
        from decimal import Decimal

        if library not in ("pandas", "polars"):
            raise InputError("library", library, "must be 'pandas' or 'polars'")
        frames: dict[str, Any] = {}
        for name, rows in self.tables().items():
            plain = [
                {k: float(v) if isinstance(v, (Fraction, Decimal)) else v for k, v in row.items()}
                for row in rows
            ]
            if library == "pandas":
                import pandas as pd

                frames[name] = pd.DataFrame(plain)
            else:
                import polars as pl

                frames[name] = pl.DataFrame(plain, infer_schema_length=None)
        return frames


def compliance_records(rows: Sequence[ComplianceRow], names: Sequence[str]) -> list[dict[str, Any]]:
    """Compliance rows as plain records, the key spelled out under ``names``
    (the tables of :meth:`SlaReport.tables` and of the command line's demo).

    .. versionadded:: 0.1
    """
    return [
        {
            **dict(zip(names, r.key, strict=True)),
            "met": r.met,
            "breached": r.breached,
            "pending": r.pending,
            "cancelled": r.cancelled,
            "compliance": r.compliance,
            "required": r.required,
            "meets_required": r.meets_required,
        }
        for r in rows
    ]


def _period_floor(us: int, zone: str, period: str) -> tuple[int, int]:
    """The start of the local period holding ``us``, and the start of the next one."""
    tz = get_zone(zone, "zone")
    day = from_us(us).astimezone(tz).date()
    if period == "week":
        day -= dt.timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    elif period == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    elif period == "year":
        day = day.replace(month=1, day=1)
    if period == "day":
        nxt = day + dt.timedelta(days=1)
    elif period == "week":
        nxt = day + dt.timedelta(days=7)
    elif period == "year":
        nxt = day.replace(year=day.year + 1)
    else:
        m = day.month + (1 if period == "month" else 3)
        nxt = day.replace(year=day.year + (m - 1) // 12, month=(m - 1) % 12 + 1)
    return (
        to_us(dt.datetime.combine(day, dt.time(), tz)),
        to_us(dt.datetime.combine(nxt, dt.time(), tz)),
    )


def _table(results: Any) -> Any:
    from slaclock.batch._result_table import ResultTable
    from slaclock.reports import _flatten, _table_of

    table = _table_of(results)
    if table is None:
        table = ResultTable.from_results(_flatten(results))
    return table


def build_report(
    results: Iterable[Result | Evaluation] | ResultFrame,
    *,
    policy: PolicyBook | Policy | None = None,
    outages: Iterable[Outage] | None = None,
    now: dt.datetime | None = None,
    zone: str | None = None,
    period: str = "month",
    at_risk_within: dt.timedelta = dt.timedelta(hours=4),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    percentiles: Sequence[float | int | Fraction] = (50, 90, 95),
    max_rows: int = 100,
    title: str | None = None,
) -> SlaReport:
    """Build the SLA report of a set of results.

    Parameters
    ----------
    results
        Results or Evaluations (the scalar path), a batch ``Scored``, or a
        pandas, polars or Arrow frame with the result columns.
    policy
        The book the results were scored with: required shares, and the
        agreements (services, credits, error counts, service levels).
    outages
        The outage log for availability (needs services in the agreements).
    now
        The measuring instant: shown, and the window ends there.
    zone, period
        Results are bucketed by their clock's start in this zone (default
        UTC), per ``day``, ``week``, ``month`` (default), ``quarter`` or ``year``.
    at_risk_within
        A running clock with at most this much business time left is at risk.
    start, end
        The window of availability and error counts (default: the periods
        that hold the results' starts, cut at ``now``).
    percentiles
        The percentiles of business time used to show.
    max_rows
        The most breaches (the latest) and at-risk rows (the soonest due)
        listed; the totals are counted.
    title
        The report's title (default: ``"SLA report"`` and the policy's name).

    Examples
    --------
    >>> from slaclock.sla_report import build_report
    >>> report = build_report([])
    >>> report.results, report.compliance, report.start
    (0, (), None)
    """
    from slaclock import reports
    from slaclock.batch import _reports as k
    from slaclock.batch._frames import NULL
    from slaclock.batch._result_table import BREACHED, PENDING, RUNNING, STOPPED

    zone = zone_key("UTC" if zone is None else zone, "zone")
    get_zone(zone, "zone")
    if period not in _PERIODS:
        raise InputError(
            "period", period, f"is not a period (known: {', '.join(map(repr, _PERIODS))})"
        )
    if max_rows < 0:
        raise InputError("max_rows", max_rows, "must not be negative")
    within_us = td_to_us(at_risk_within, "at_risk_within")
    if within_us < 0:
        raise InputError("at_risk_within", at_risk_within, "must not be negative")
    now_us = None if now is None else to_us(now, "now")
    if policy is not None and not isinstance(policy, (Policy, PolicyBook)):
        raise InputError("policy", policy, "must be a Policy or a PolicyBook")
    book_name = None if policy is None else policy.name
    table = _table(results)
    starts = table.us["start"]

    lo = None if start is None else to_us(start, "start")
    hi = None if end is None else to_us(end, "end")
    if len(table):
        if lo is None:
            lo = _period_floor(int(starts.min()), zone, period)[0]
        if hi is None:
            hi = _period_floor(int(starts.max()), zone, period)[1]
            if now_us is not None and lo < now_us < hi:
                hi = now_us
    if lo is not None and hi is not None and hi < lo:
        raise InputError("end", end, f"must not be before start ({from_us(lo).isoformat()})")

    metric = table.text["metric"]
    internal_code = metric.labels.index("internal") if "internal" in metric.labels else -2
    is_internal = metric.codes == internal_code
    external = table.take(~is_internal)
    internal = table.take(is_internal)
    shares = _required_shares(policy)

    compliance = reports._compliance_table(external, ("severity", "metric"), zone, None, shares)
    monthly = reports._compliance_table(
        external, ("severity", "metric", "period"), zone, period, shares
    )
    by_team = reports._compliance_table(internal, ("team",), zone, None, shares)
    qs = [Fraction(str(p)) if isinstance(p, float) else Fraction(p) for p in percentiles]
    for p, q in zip(percentiles, qs, strict=True):
        if not 0 < q <= 100:
            raise InputError("percentiles", p, "percentiles must be in (0, 100]")
    stopped = external.take(external.status == STOPPED)
    pct = reports._percentiles_table(stopped, qs, ("severity", "metric"), zone, None, False)

    # distribution of used / goal, stopped external clocks with a goal
    dist_rows = stopped.take(stopped.us["goal"] > 0)
    g, found = k.groups(dist_rows, ("severity", "metric"), zone, None)
    nbins = len(DISTRIBUTION_EDGES)
    step = DISTRIBUTION_EDGES[1] - DISTRIBUTION_EDGES[0]
    idx = (dist_rows.us["used"] * 100) // (dist_rows.us["goal"] * step)
    idx = idx.clip(0, nbins - 1)
    import numpy as np

    hist = np.zeros((len(found), nbins), dtype=np.int64)
    np.add.at(hist, (g, idx), 1)
    distributions = tuple(
        UsedDistribution(
            key=(str(key[0]), str(key[1])),
            edges=DISTRIBUTION_EDGES,
            counts=tuple(int(v) for v in hist[i]),
            count=int(hist[i].sum()),
        )
        for i, key in enumerate(found)
    )

    # breaches: the latest deadline missed first, then ticket and target
    far = np.iinfo(np.int64).max
    br = np.flatnonzero(table.outcome == BREACHED)
    when = table.us["breached_at"][br]
    when = np.where(when == NULL, far, -when)
    order = br[np.lexsort((table.str_rank("target")[br], table.str_rank("ticket_id")[br], when))][
        :max_rows
    ]
    breaches = tuple(_breach_row(table, int(i)) for i in order)

    risky = np.flatnonzero(
        (table.status == RUNNING)
        & (table.outcome == PENDING)
        & (table.us["remaining"] <= within_us)
        & ~is_internal
    )
    due = table.us["due"][risky]
    due = np.where(due == NULL, far, due)
    r_order = risky[
        np.lexsort((table.str_rank("target")[risky], table.str_rank("ticket_id")[risky], due))
    ][:max_rows]
    at_risk = tuple(_risk_row(table, int(i)) for i in r_order)

    ticket_codes = table.text["ticket_id"].codes
    tickets = len(np.unique(ticket_codes)) if len(ticket_codes) else 0

    service_levels, avail, a_credits, c_credits, errors = _agreements(
        policy, table, external, outages, zone, period, lo, hi, monthly
    )
    return SlaReport(
        title=title
        if title is not None
        else ("SLA report" + (f": {book_name}" if book_name else "")),
        zone=zone,
        period=period,
        now=None if now_us is None else from_us(now_us),
        policy=book_name,
        start=None if lo is None else from_us(lo),
        end=None if hi is None else from_us(hi),
        results=len(table),
        tickets=tickets,
        compliance=tuple(compliance),
        monthly=tuple(monthly),
        internal=tuple(by_team),
        service_levels=service_levels,
        percentiles=tuple(pct),
        distributions=distributions,
        breaches=breaches,
        breaches_total=len(br),
        at_risk=at_risk,
        at_risk_total=len(risky),
        at_risk_within=at_risk_within,
        availability=avail,
        availability_credits=a_credits,
        compliance_credits=c_credits,
        error_counts=errors,
    )


def _breach_row(t: Any, i: int) -> BreachRow:
    return BreachRow(
        ticket_id=t.label("ticket_id", i),
        policy=t.label("policy", i),
        target=t.label("target", i),
        severity=t.label("severity", i),
        metric=t.label("metric", i),
        team=t.label("team", i),
        cycle=int(t.cycle[i]),
        status=_status(t, i),
        start=t.instant("start", i),
        due=t.instant("due", i),
        breached_at=t.instant("breached_at", i),
        stop=t.instant("stop", i),
        goal=t.duration("goal", i),
        used=t.duration("used", i),
        overdue_by=t.duration("overdue_by", i) or dt.timedelta(0),
    )


def _status(t: Any, i: int) -> str:
    from slaclock.batch._result_table import STATUSES

    return STATUSES[int(t.status[i])]


def _risk_row(t: Any, i: int) -> AtRiskRow:
    return AtRiskRow(
        ticket_id=t.label("ticket_id", i),
        policy=t.label("policy", i),
        target=t.label("target", i),
        severity=t.label("severity", i),
        metric=t.label("metric", i),
        team=t.label("team", i),
        cycle=int(t.cycle[i]),
        start=t.instant("start", i),
        due=t.instant("due", i),
        used=t.duration("used", i),
        remaining=t.duration("remaining", i) or dt.timedelta(0),
        next_event_at=t.instant("next_event_at", i),
    )


def _agreements(
    policy: PolicyBook | Policy | None,
    table: Any,
    external: Any,
    outages: Iterable[Outage] | None,
    zone: str,
    period: str,
    lo: int | None,
    hi: int | None,
    monthly: Sequence[ComplianceRow],
) -> tuple[
    tuple[ServiceLevelResult, ...],
    tuple[AvailabilityRow, ...],
    tuple[CreditRow, ...],
    tuple[CreditRow, ...],
    tuple[Any, ...],
]:
    """Service levels, availability, credits and error counts of the book's agreements."""
    from slaclock import reports
    from slaclock.availability import availability
    from slaclock.credits import availability_credits, compliance_credits

    agreements = getattr(policy, "agreements", None)
    if agreements is None:
        return (), (), (), (), ()
    levels = []
    for goal in agreements.service_levels:
        rows = external
        if goal.metric is not None:
            rows = rows.take(_is(rows, "metric", (goal.metric,)))
        if goal.severities is not None:
            rows = rows.take(_is(rows, "severity", goal.severities))
        levels.append(
            ServiceLevelResult(
                name=goal.name,
                metric=goal.metric,
                within=goal.within,
                measure=goal.measure,
                required=goal.share,
                rows=tuple(
                    reports._service_level_table(
                        rows,
                        td_to_us(goal.within),
                        goal.measure,
                        ("severity", "metric"),
                        zone,
                        None,
                    )
                ),
            )
        )
    log = list(outages) if outages is not None else []
    avail: list[AvailabilityRow] = []
    a_credits: list[CreditRow] = []
    if lo is not None and hi is not None:
        for terms in agreements.services:
            rows_a = availability(
                log,
                terms.calendar,
                start=from_us(lo),
                end=from_us(hi),
                period=period,
                zone=zone,
                target=terms.target,
                min_outage=terms.min_outage,
                services=[terms.name],
            )
            avail.extend(rows_a)
            if terms.credits is not None and terms.fee is not None:
                schedule = agreements.credit_schedules[terms.credits]
                a_credits.extend(availability_credits(rows_a, schedule, fee=terms.fee))
    c_credits: list[CreditRow] = []
    for terms in agreements.compliance_credits:
        picked = [
            r
            for r in monthly
            if (terms.severities is None or r.key[0] in terms.severities)
            and (terms.metrics is None or r.key[1] in terms.metrics)
        ]
        schedule = agreements.credit_schedules[terms.schedule]
        c_credits.extend(compliance_credits(picked, schedule, fee=terms.fee))
    errors: tuple[Any, ...] = ()
    if agreements.error_targets:
        from slaclock.agreements import error_counts
        from slaclock.batch._result_table import BREACHED

        breached = [_breach_row(table, int(i)) for i in _flatnonzero(table.outcome == BREACHED)]
        errors = tuple(
            error_counts(
                agreements.error_targets,
                results=breached,
                outages=log,
                zone=zone,
                period=None,  # each target counts in its own period
                start=None if lo is None else from_us(lo),
                end=None if hi is None else from_us(hi),
            )
        )
    return tuple(levels), tuple(avail), tuple(a_credits), tuple(c_credits), errors


def _is(table: Any, field: str, values: Sequence[str]) -> Any:
    import numpy as np

    t = table.text[field]
    wanted = [i for i, label in enumerate(t.labels) if label in values]
    return np.isin(t.codes, np.asarray(wanted, dtype=np.int64))


def _flatnonzero(mask: Any) -> list[int]:
    import numpy as np

    out: list[int] = np.flatnonzero(mask).tolist()
    return out
