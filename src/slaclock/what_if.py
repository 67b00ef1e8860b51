"""What if the policy changed? The same tickets scored under the current and a proposed policy.

A review asks what a proposed policy version would have done to last
quarter's tickets: :func:`what_if` scores the same tickets twice — under two
policy books, or under one book with two ``as_of`` instants that select two
of its versions — and shows, per severity and metric, the compliance before
and after, the change in percentage points, the results whose outcome flipped
(met to breached, breached to met), and the compliance credits each side's
agreement terms would pay.

Choices (for the semantics page):

- only external targets are compared (internal targets have their own
  report);
- a result is matched across the two scorings by ticket, target
  (``"P2.resolution"``) and cycle; a result without a partner (a target only
  one policy has) counts in its side's compliance but in no flip count; the
  flips of a row are counted per result, so a ticket counts once per cycle
  (next reply and periodic update have several);
- compliance is :func:`slaclock.reports.compliance` on each side, bucketed by
  the clock's start when ``period`` is given;
- credits come from the ``compliance_credits`` of each book's
  :class:`~slaclock.agreements.Agreements`, computed per
  ``period`` (per month without one, as fees are per period) and summed per
  row; None when that side's book has no terms for the row.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from slaclock._instants import from_us, get_zone, zone_key
from slaclock.credits import compliance_credits
from slaclock.errors import InputError
from slaclock.evaluation import Result, evaluate
from slaclock.policies import Policy, PolicyBook
from slaclock.reports import ComplianceRow, _period, _sort_key, compliance
from slaclock.tickets import Ticket

__all__ = ["WhatIfRow", "what_if"]

_FRAMES = ("pandas", "polars", "pyarrow")


@attrs.frozen
class WhatIfRow:
    """One severity and metric (and period) under the current and the proposed policy.

    Attributes
    ----------
    key
        ``(severity, metric)``, or ``(severity, metric, period)`` with a period.
    before, after
        The compliance rows under the current and the proposed policy (None
        when that side has no result in the group).
    change
        ``after.compliance - before.compliance`` as a fraction (``Fraction(-1,
        10)`` is 10 percentage points down); None unless both are known.
    met_to_breached, breached_to_met
        Results met under the current policy and breached under the proposed
        one, and the other way round.
    before_credit, after_credit
        The compliance credits of the group under each side's agreement terms
        (None when that book has no compliance credit terms for the group).

    .. versionadded:: 0.1
    """

    key: tuple[Any, ...]
    before: ComplianceRow | None
    after: ComplianceRow | None
    change: Fraction | None
    met_to_breached: int
    breached_to_met: int
    before_credit: Decimal | None
    after_credit: Decimal | None

    @property
    def points(self) -> Fraction | None:
        """The change in percentage points (``change * 100``), exact."""
        return None if self.change is None else self.change * 100

    @property
    def credit_change(self) -> Decimal | None:
        """``after_credit - before_credit``, a missing side counting as 0 (None if both are)."""
        if self.before_credit is None and self.after_credit is None:
            return None
        after = Decimal(0) if self.after_credit is None else self.after_credit
        before = Decimal(0) if self.before_credit is None else self.before_credit
        return after - before  # Decimal("0.00") - Decimal("0.00") keeps its cents


# (ticket_id, target, cycle) -> (severity, metric, start, outcome)
_Outcomes = dict[tuple[Any, str, int], tuple[str, str, dt.datetime, str]]


def _is_frame_pair(tickets: object) -> bool:
    return (
        isinstance(tickets, tuple)
        and len(tickets) == 2
        and all(type(t).__module__.split(".")[0] in _FRAMES for t in tickets)
    )


def _scored(
    tickets: Any,
    policy: Policy | PolicyBook,
    now: dt.datetime,
    as_of: dt.datetime | None,
    side: str,
) -> tuple[Any, _Outcomes]:
    """The external results of one side (a list of Results, or a batch result table)
    and their outcomes by (ticket, target, cycle)."""
    if not isinstance(policy, (Policy, PolicyBook)):
        raise InputError(side, policy, "must be a Policy or a PolicyBook")
    if as_of is not None and not isinstance(policy, PolicyBook):
        raise InputError(f"{side}_as_of", as_of, "selects a version of a PolicyBook", "pass a book")
    outcomes: _Outcomes = {}
    if isinstance(tickets, list):
        results: list[Result] = []
        for ticket in tickets:
            for r in evaluate(ticket, policy, now=now, as_of=as_of).results:
                if r.team is None:
                    results.append(r)
                    outcomes[(r.ticket_id, r.target, r.cycle)] = (
                        r.severity,
                        r.metric,
                        r.start,
                        r.outcome,
                    )
        return results, outcomes
    from slaclock.batch import score
    from slaclock.batch._result_table import OUTCOMES, ResultTable

    scored = score(tickets[0], tickets[1], policy, now=now, as_of=as_of)
    table = ResultTable.from_frame(scored.results)
    table = table.take(table.text["team"].codes < 0)
    labels = {f: table.text[f].labels for f in ("ticket_id", "target", "severity", "metric")}
    codes = {f: table.text[f].codes.tolist() for f in labels}
    cycles = table.cycle.tolist()
    starts = table.us["start"].tolist()
    kinds = table.outcome.tolist()

    for i in range(len(table)):
        ticket_id, target, severity, metric = (
            labels[f][codes[f][i]] for f in ("ticket_id", "target", "severity", "metric")
        )
        outcomes[(ticket_id, target, cycles[i])] = (
            severity,
            metric,
            from_us(starts[i]),
            OUTCOMES[kinds[i]],
        )
    return table, outcomes


def _credits(
    results: Any,
    policy: Policy | PolicyBook,
    zone: str,
    period: str | None,
) -> dict[tuple[Any, ...], Decimal]:
    """Compliance credits per row key under ``policy``'s agreement terms."""
    if not isinstance(policy, PolicyBook) or not policy.agreements.compliance_credits:
        return {}
    agreements = policy.agreements
    monthly = compliance(
        results,
        by=("severity", "metric", "period"),
        zone=zone,
        period=period or "month",
        policy=policy,
    )
    out: dict[tuple[Any, ...], Decimal] = {}
    for terms in agreements.compliance_credits:
        picked = [r for r in monthly if terms.applies_to(r.key[0], r.key[1])]
        schedule = agreements.credit_schedules[terms.schedule]
        for row in compliance_credits(picked, schedule, fee=terms.fee):
            key = row.key if period is not None else row.key[:2]
            out[key] = out.get(key, Decimal(0)) + row.credit
    return out


def what_if(
    tickets: Iterable[Ticket] | tuple[Any, Any],
    current: Policy | PolicyBook,
    proposed: Policy | PolicyBook | None = None,
    *,
    now: dt.datetime,
    current_as_of: dt.datetime | None = None,
    proposed_as_of: dt.datetime | None = None,
    zone: str = "UTC",
    period: str | None = None,
) -> list[WhatIfRow]:
    """Compliance and credits per severity and metric under the current and a proposed policy.

    Parameters
    ----------
    tickets
        :class:`~slaclock.tickets.Ticket` values (scored with
        :func:`~slaclock.evaluation.evaluate`), or a ``(tickets, events)``
        pair of frames (scored with :func:`slaclock.batch.scoring.score`, which needs
        the ``batch`` extra).
    current, proposed
        The two policies or policy books. Without ``proposed``, ``current``
        is a book scored twice: at ``current_as_of`` and at ``proposed_as_of``.
    now
        The instant both sides are scored at.
    current_as_of, proposed_as_of
        With a book: the version in effect at this instant measures every
        ticket (None: the version in effect at each ticket's creation).
    zone, period
        As in :func:`slaclock.reports.compliance`: with a period, rows are per
        severity, metric and period of the clock's start in ``zone``.

    Returns
    -------
    list[WhatIfRow]
        One row per group found on either side, in the order of
        :func:`~slaclock.reports.compliance`.

    Raises
    ------
    InputError
        Without ``proposed`` and ``proposed_as_of`` (nothing to compare), or
        for an ``as_of`` with a plain policy.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar, StatusChange, Ticket
    >>> from slaclock.policies import CalendarTime, Policy, Target
    >>> from slaclock.what_if import what_if
    >>> def policy(hours):
    ...     return Policy("support", ["P2"], {"open": "running", "solved": "stopped"},
    ...                   [Target("resolution", "P2", CalendarTime(dt.timedelta(hours=hours)))])
    >>> t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    >>> tickets = [Ticket(n, "P2", [StatusChange(t0, status="open"),
    ...                             StatusChange(t0 + dt.timedelta(hours=h), status="solved")])
    ...            for n, h in ((1, 1), (2, 3), (3, 5))]
    >>> [row] = what_if(tickets, policy(4), policy(2), now=t0 + dt.timedelta(days=1))
    >>> row.key, row.before.compliance, row.after.compliance, row.points
    (('P2', 'resolution'), Fraction(2, 3), Fraction(1, 3), Fraction(-100, 3))
    >>> row.met_to_breached, row.breached_to_met
    (1, 0)

    Solved in 3 hours, ticket 2 meets a 4-hour target and breaches a 2-hour one.
    """
    if proposed is None:
        if proposed_as_of is None:
            raise InputError(
                "proposed",
                None,
                "is needed to compare (or proposed_as_of, to compare two versions of one book)",
            )
        proposed = current
    zone = zone_key(zone, "zone")
    get_zone(zone, "zone")
    if not _is_frame_pair(tickets):
        items = list(tickets)  # scored twice
        for i, t in enumerate(items):
            if not isinstance(t, Ticket):
                raise InputError(
                    f"tickets[{i}]", t, "must be a Ticket (or pass a (tickets, events) frame pair)"
                )
        tickets = items
    before, before_outcomes = _scored(tickets, current, now, current_as_of, "current")
    after, after_outcomes = _scored(tickets, proposed, now, proposed_as_of, "proposed")
    by = ("severity", "metric", "period") if period is not None else ("severity", "metric")
    rows_before = {
        r.key: r for r in compliance(before, by=by, zone=zone, period=period, policy=current)
    }
    rows_after = {
        r.key: r for r in compliance(after, by=by, zone=zone, period=period, policy=proposed)
    }
    tz = get_zone(zone, "zone")
    flips: dict[tuple[Any, ...], list[int]] = {}
    for match, (severity, metric, start, outcome) in after_outcomes.items():
        was = before_outcomes.get(match)
        if was is None or was[3] == outcome:
            continue
        key: tuple[Any, ...] = (severity, metric)
        if period is not None:
            key += (_period(start, tz, period),)
        counts = flips.setdefault(key, [0, 0])
        if was[3] == "met" and outcome == "breached":
            counts[0] += 1
        elif was[3] == "breached" and outcome == "met":
            counts[1] += 1
    credits_before = _credits(before, current, zone, period)
    credits_after = _credits(after, proposed, zone, period)
    has_before = _has_terms(current)
    has_after = _has_terms(proposed)
    out = []
    for key in sorted(set(rows_before) | set(rows_after), key=_sort_key):
        b, a = rows_before.get(key), rows_after.get(key)
        change = None
        if (
            b is not None
            and a is not None
            and b.compliance is not None
            and a.compliance is not None
        ):
            change = a.compliance - b.compliance
        met_to_breached, breached_to_met = flips.get(key, (0, 0))
        out.append(
            WhatIfRow(
                key=key,
                before=b,
                after=a,
                change=change,
                met_to_breached=met_to_breached,
                breached_to_met=breached_to_met,
                before_credit=_credit_of(key, credits_before, has_before(key)),
                after_credit=_credit_of(key, credits_after, has_after(key)),
            )
        )
    return out


def _has_terms(policy: Policy | PolicyBook) -> Any:
    terms = policy.agreements.compliance_credits if isinstance(policy, PolicyBook) else ()

    def has(key: tuple[Any, ...]) -> bool:
        return any(t.applies_to(key[0], key[1]) for t in terms)

    return has


def _credit_of(
    key: tuple[Any, ...], credits: dict[tuple[Any, ...], Decimal], applies: bool
) -> Decimal | None:
    if not applies:
        return None
    return credits.get(key, Decimal("0.00"))
