"""Service-level agreement terms besides targets: services, credits, error counts, service levels.

A policy file carries, next to its policies, the terms of the agreement that
reports read (:attr:`PolicyBook.agreements <slaclock.policies.PolicyBook.agreements>`):

- :class:`ServiceTerms`: a service whose availability is measured inside its
  calendar's service hours (:func:`slaclock.availability.availability`), with
  an availability target, a minimum outage length, a credit schedule and a
  monthly fee;
- named :class:`~slaclock.credits.CreditSchedule` values, and
  :class:`ComplianceCreditTerms`: credits on compliance rows
  (:func:`slaclock.credits.compliance_credits`);
- :class:`ErrorCountTarget`: "at most N errors of a kind per period", where
  an error is a breached result or an unplanned outage, counted by
  :func:`error_counts`;
- :class:`ServiceLevelGoal`: "80% answered within 20 seconds"
  (:func:`slaclock.reports.service_level`).

:class:`Agreements` holds them all and checks that they fit together.

Choices where the contract is silent (for the semantics page):

- a breach is an error of the period that holds its **breach instant**
  (``breached_at``, the deadline that was missed), in the report's zone, not
  of the period in which its clock started as in compliance: an error-count
  target speaks of errors that happen in a month, and a month's count is
  final once the month is over;
- a breach error count without a ``metrics`` filter counts breaches of
  external targets only; ``metrics=("internal",)`` counts the breaches of
  internal targets (OLAs);
- an outage error is one **merged unplanned outage** of a service: outage
  records of one service that overlap or touch are one outage (as for
  availability), one shorter than ``min_outage`` (wall time) is not counted,
  nor one wholly inside planned maintenance of its service; it is counted
  once, in the period that holds its start;
- every period of the window appears, with count 0 when nothing happened:
  an error-count target is met in a quiet month (``count <= at_most``).

.. versionadded:: 0.1
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import attrs

from slaclock._instants import td_to_us, to_us
from slaclock._timeline import merge
from slaclock.availability import Outage, _period_starts
from slaclock.calendars import Calendar
from slaclock.credits import CreditSchedule, _amount
from slaclock.errors import InputError, IntervalOrderError
from slaclock.evaluation import Evaluation, Result
from slaclock.policies import Metric, parse_share

__all__ = [
    "COUNT_KINDS",
    "PERIODS",
    "Agreements",
    "ComplianceCreditTerms",
    "ErrorCountRow",
    "ErrorCountTarget",
    "ServiceLevelGoal",
    "ServiceTerms",
    "error_counts",
]

PERIODS = ("day", "week", "month", "quarter", "year")
"""The periods an error-count target can count over."""

COUNT_KINDS = ("breaches", "outages")
"""The kinds of error an error-count target counts (breached results or unplanned outages)."""

_METRICS = tuple(m.value for m in Metric)
_MEASURES = ("business", "calendar")


# ---- converters ----------------------------------------------------------------------------


def _name(value: object, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, value, "must be non-empty text")
    return value


def _labels(
    value: object, field: str, known: tuple[str, ...] | None = None
) -> tuple[str, ...] | None:
    """A tuple of labels (None: no filter); a single text is one label."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, Mapping):
        raise InputError(field, value, "must be a label or a list of labels")
    out: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise InputError(f"{field}[{i}]", item, "must be non-empty text")
        if known is not None and item not in known:
            raise InputError(f"{field}[{i}]", item, f"is not one of {', '.join(map(repr, known))}")
        if item in out:
            raise InputError(f"{field}[{i}]", item, "is listed twice")
        out.append(item)
    if not out:
        raise InputError(field, value, "must list at least one label (or be left out)")
    return tuple(out)


def _duration(value: object, field: str, *, positive: bool = False) -> dt.timedelta:
    us = td_to_us(value, field)
    if us < 0 or (positive and us == 0):
        raise InputError(field, value, "must be positive" if positive else "must not be negative")
    return dt.timedelta(microseconds=us)


def _target(value: object) -> Fraction | None:
    return None if value is None else parse_share(value, "target")


def _share(value: object) -> Fraction | None:
    return None if value is None else parse_share(value, "share")


def _optional_fee(value: object) -> Decimal | None:
    return None if value is None else _amount(value, "fee")


def _fee(value: object) -> Decimal:
    return _amount(value, "fee")


def _schedule_name(value: object) -> str:
    return _name(value, "schedule")


def _min_outage(value: object) -> dt.timedelta:
    return _duration(value, "min_outage")


def _within(value: object) -> dt.timedelta:
    return _duration(value, "within", positive=True)


def _severities(value: object) -> tuple[str, ...] | None:
    return _labels(value, "severities")


def _metrics(value: object) -> tuple[str, ...] | None:
    return _labels(value, "metrics", _METRICS)


def _error_metrics(value: object) -> tuple[str, ...] | None:
    return _labels(value, "metrics", (*_METRICS, "internal"))


def _targets(value: object) -> tuple[str, ...] | None:
    return _labels(value, "targets")


def _services(value: object) -> tuple[str, ...] | None:
    return _labels(value, "services")


# ---- the terms -----------------------------------------------------------------------------


@attrs.frozen
class ServiceTerms:
    """A service whose availability is measured inside its calendar's service hours.

    Parameters
    ----------
    name
        The service, as named in the outage log (``Outage.service``).
    calendar
        The service hours (``Calendar.always_open("UTC")`` for 24/7).
    target
        The availability target (``"99.9%"``), or None.
    min_outage
        Merged outages shorter than this (wall time) are not counted.
    credits
        The name of the credit schedule (:attr:`Agreements.credit_schedules`) that
        availability rows of this service earn, or None.
    fee
        The fee per period the credits are a share of (required with ``credits``).

    Examples
    --------
    >>> from slaclock import Calendar
    >>> from slaclock.agreements import ServiceTerms
    >>> api = ServiceTerms("api", Calendar.always_open("UTC"), target="99.9%")
    >>> api.target, api.min_outage
    (Fraction(999, 1000), datetime.timedelta(0))

    .. versionadded:: 0.1
    """

    name: str = attrs.field(converter=_name)
    calendar: Calendar
    target: Fraction | None = attrs.field(default=None, converter=_target)
    min_outage: dt.timedelta = attrs.field(default=dt.timedelta(0), converter=_min_outage)
    credits: str | None = None
    fee: Decimal | None = attrs.field(default=None, converter=_optional_fee)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.calendar, Calendar):
            raise InputError("calendar", self.calendar, "must be a Calendar")
        if self.credits is not None:
            _name(self.credits, "credits")
            if self.fee is None:
                raise InputError(
                    "fee",
                    None,
                    f"is required with credits ({self.credits!r})",
                    "give the fee per period",
                )


@attrs.frozen
class ComplianceCreditTerms:
    """Credits on compliance rows (:func:`slaclock.credits.compliance_credits`).

    Parameters
    ----------
    schedule
        The name of the credit schedule (:attr:`Agreements.credit_schedules`).
    fee
        The fee per period the credits are a share of.
    severities, metrics
        The compliance rows (by severity and metric) the credits apply to;
        None for every severity or metric.

    Examples
    --------
    >>> from slaclock.agreements import ComplianceCreditTerms
    >>> terms = ComplianceCreditTerms("standard", 5000, severities=["P1", "P2"])
    >>> terms.fee, terms.severities, terms.metrics
    (Decimal('5000'), ('P1', 'P2'), None)

    .. versionadded:: 0.1
    """

    schedule: str = attrs.field(converter=_schedule_name)
    fee: Decimal = attrs.field(converter=_fee)
    severities: tuple[str, ...] | None = attrs.field(default=None, converter=_severities)
    metrics: tuple[str, ...] | None = attrs.field(default=None, converter=_metrics)

    def applies_to(self, severity: str, metric: str) -> bool:
        """True if rows of ``severity`` and ``metric`` earn these credits."""
        return (self.severities is None or severity in self.severities) and (
            self.metrics is None or metric in self.metrics
        )


@attrs.frozen
class ErrorCountTarget:
    """At most ``at_most`` errors of a kind per period.

    Parameters
    ----------
    name
        The target's name, as shown in reports.
    count
        ``"breaches"`` (breached results) or ``"outages"`` (merged unplanned
        outages).
    at_most
        The most errors a period may have and still meet the target.
    period
        ``"day"``, ``"week"``, ``"month"`` (default), ``"quarter"`` or ``"year"``.
    severities, metrics, targets
        Breaches only: count the breaches of these severities, metrics
        (``"internal"`` for internal targets) and targets (``"P1.resolution"``,
        a team); None for all (external targets only, without ``metrics``).
    services
        Outages only: count the outages of these services (None: every service).
    min_outage
        Outages only: merged outages shorter than this (wall time) are not errors.

    Examples
    --------
    >>> from slaclock.agreements import ErrorCountTarget
    >>> t = ErrorCountTarget("P1 breaches", "breaches", 2, severities="P1")
    >>> t.period, t.severities
    ('month', ('P1',))

    .. versionadded:: 0.1
    """

    name: str = attrs.field(converter=_name)
    count: str
    at_most: int
    period: str = "month"
    severities: tuple[str, ...] | None = attrs.field(default=None, converter=_severities)
    metrics: tuple[str, ...] | None = attrs.field(default=None, converter=_error_metrics)
    targets: tuple[str, ...] | None = attrs.field(default=None, converter=_targets)
    services: tuple[str, ...] | None = attrs.field(default=None, converter=_services)
    min_outage: dt.timedelta = attrs.field(default=dt.timedelta(0), converter=_min_outage)

    def __attrs_post_init__(self) -> None:
        if self.count not in COUNT_KINDS:
            raise InputError(
                "count", self.count, f"must be one of {', '.join(map(repr, COUNT_KINDS))}"
            )
        if isinstance(self.at_most, bool) or not isinstance(self.at_most, int):
            raise InputError("at_most", self.at_most, "must be a whole number")
        if self.at_most < 0:
            raise InputError("at_most", self.at_most, "must not be negative")
        if self.period not in PERIODS:
            raise InputError(
                "period", self.period, f"is not a period (known: {', '.join(map(repr, PERIODS))})"
            )
        if self.count == "breaches":
            if self.services is not None:
                raise InputError(
                    "services", self.services, "filters outages, and this target counts breaches"
                )
            if self.min_outage:
                raise InputError(
                    "min_outage",
                    self.min_outage,
                    "applies to outages, and this target counts breaches",
                )
        else:
            for field in ("severities", "metrics", "targets"):
                if getattr(self, field) is not None:
                    raise InputError(
                        field,
                        getattr(self, field),
                        "filters breaches, and this target counts outages",
                    )

    def matches(self, result: Any) -> bool:
        """True if a breached result (or breach row) is an error of this target."""
        if self.count != "breaches":
            return False
        metric = result.metric
        if self.metrics is None:
            if metric == "internal" or getattr(result, "team", None) is not None:
                return False
        elif metric not in self.metrics:
            return False
        if self.severities is not None and result.severity not in self.severities:
            return False
        return self.targets is None or result.target in self.targets


@attrs.frozen
class ErrorCountRow:
    """The errors of one error-count target in one period.

    Attributes
    ----------
    name
        The target's name.
    period
        The period's label (``"2026-03"``, ``"2026-W10"``, ``"2026-Q1"``...).
    count
        Errors in the period.
    at_most
        The target's limit.
    met
        ``count <= at_most``.

    .. versionadded:: 0.1
    """

    name: str
    period: str
    count: int
    at_most: int
    met: bool


@attrs.frozen
class ServiceLevelGoal:
    """ "X% within Y": a share of results whose time used is at most ``within``.

    Parameters
    ----------
    name
        The goal's name, as shown in reports.
    within
        The time (``dt.timedelta(seconds=20)``).
    share
        The share that must be within (``"80%"``), or None to report only.
    measure
        ``"business"`` (business time used, default) or ``"calendar"`` (wall time).
    metric
        The metric measured (``"first_response"``), or None for every metric.
    severities
        The severities measured, or None for all.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock.agreements import ServiceLevelGoal
    >>> g = ServiceLevelGoal("answered", dt.timedelta(seconds=20), "80%", metric="first_response")
    >>> g.share, g.measure
    (Fraction(4, 5), 'business')

    .. versionadded:: 0.1
    """

    name: str = attrs.field(converter=_name)
    within: dt.timedelta = attrs.field(converter=_within)
    share: Fraction | None = attrs.field(default=None, converter=_share)
    measure: str = "business"
    metric: str | None = None
    severities: tuple[str, ...] | None = attrs.field(default=None, converter=_severities)

    def __attrs_post_init__(self) -> None:
        if self.measure not in _MEASURES:
            raise InputError("measure", self.measure, "must be 'business' or 'calendar'")
        if self.metric is not None and self.metric not in _METRICS:
            raise InputError(
                "metric", self.metric, f"is not a metric (known: {', '.join(map(repr, _METRICS))})"
            )


# ---- the whole ----------------------------------------------------------------------------


def _tuple_of(value: object, kind: type, field: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError(field, value, f"must be a list of {kind.__name__} values")
    out = tuple(value)
    for i, item in enumerate(out):
        if not isinstance(item, kind):
            raise InputError(f"{field}[{i}]", item, f"must be a {kind.__name__}")
    return out


def _service_terms(value: object) -> tuple[ServiceTerms, ...]:
    return _tuple_of(value, ServiceTerms, "services")


def _compliance_terms(value: object) -> tuple[ComplianceCreditTerms, ...]:
    return _tuple_of(value, ComplianceCreditTerms, "compliance_credits")


def _error_targets(value: object) -> tuple[ErrorCountTarget, ...]:
    return _tuple_of(value, ErrorCountTarget, "error_targets")


def _service_levels(value: object) -> tuple[ServiceLevelGoal, ...]:
    return _tuple_of(value, ServiceLevelGoal, "service_levels")


def _schedules(value: object) -> tuple[tuple[str, CreditSchedule], ...]:
    if isinstance(value, Mapping):
        items: Iterable[Any] = value.items()
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        items = value
    else:
        raise InputError("credit_schedules", value, "must map names to CreditSchedule values")
    out: dict[str, CreditSchedule] = {}
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise InputError("credit_schedules", item, "must be (name, CreditSchedule) pairs")
        name, schedule = item
        _name(name, "credit_schedules")
        if not isinstance(schedule, CreditSchedule):
            raise InputError(f"credit_schedules[{name!r}]", schedule, "must be a CreditSchedule")
        if name in out:
            raise InputError("credit_schedules", name, "names a schedule twice")
        out[name] = schedule
    return tuple(out.items())


@attrs.frozen
class Agreements:
    """The agreement terms of a policy book besides its targets (empty by default).

    Parameters
    ----------
    services
        :class:`ServiceTerms`, one per service name.
    credit_schedules
        Named :class:`~slaclock.credits.CreditSchedule` values (a mapping, or
        ``(name, schedule)`` pairs); read back as a read-only mapping.
    compliance_credits
        :class:`ComplianceCreditTerms`.
    error_targets
        :class:`ErrorCountTarget`, one per name.
    service_levels
        :class:`ServiceLevelGoal`, one per name.

    Raises
    ------
    InputError
        For a schedule name that no schedule has, or a name given twice.

    Examples
    --------
    >>> from slaclock import Calendar
    >>> from slaclock.agreements import Agreements, ServiceTerms
    >>> from slaclock.credits import CreditSchedule
    >>> Agreements(
    ...     services=[ServiceTerms("api", Calendar.always_open("UTC"), "99.9%", credits="gold", fee=100)],
    ...     credit_schedules={"silver": CreditSchedule({"99%": "10%"})})
    Traceback (most recent call last):
    ...
    slaclock.errors.InputError: services[0].credits: names no credit schedule (known: 'silver') (got 'gold')

    .. versionadded:: 0.1
    """

    services: tuple[ServiceTerms, ...] = attrs.field(default=(), converter=_service_terms)
    _credit_schedules: tuple[tuple[str, CreditSchedule], ...] = attrs.field(
        default=(), converter=_schedules, alias="credit_schedules"
    )
    compliance_credits: tuple[ComplianceCreditTerms, ...] = attrs.field(
        default=(), converter=_compliance_terms
    )
    error_targets: tuple[ErrorCountTarget, ...] = attrs.field(default=(), converter=_error_targets)
    service_levels: tuple[ServiceLevelGoal, ...] = attrs.field(
        default=(), converter=_service_levels
    )

    def __attrs_post_init__(self) -> None:
        known = [name for name, _ in self._credit_schedules]

        def check(field: str, name: str) -> None:
            if name not in known:
                raise InputError(
                    field,
                    name,
                    f"names no credit schedule (known: {', '.join(map(repr, known)) or 'none'})",
                )

        for i, s in enumerate(self.services):
            if s.credits is not None:
                check(f"services[{i}].credits", s.credits)
        for i, c in enumerate(self.compliance_credits):
            check(f"compliance_credits[{i}].schedule", c.schedule)
        names: tuple[tuple[str, tuple[str, ...]], ...] = (
            ("services", tuple(s.name for s in self.services)),
            ("error_targets", tuple(t.name for t in self.error_targets)),
            ("service_levels", tuple(g.name for g in self.service_levels)),
        )
        for field, given in names:
            seen: dict[str, int] = {}
            for i, name in enumerate(given):
                if name in seen:
                    raise InputError(
                        f"{field}[{i}].name", name, f"repeats the name of {field}[{seen[name]}]"
                    )
                seen[name] = i

    @property
    def credit_schedules(self) -> Mapping[str, CreditSchedule]:
        """Credit schedules by name, in the order given (read-only)."""
        return MappingProxyType(dict(self._credit_schedules))

    def service(self, name: str) -> ServiceTerms | None:
        """The terms of the service ``name`` (None if it has none)."""
        return next((s for s in self.services if s.name == name), None)

    def __bool__(self) -> bool:
        """False when there are no terms at all."""
        return bool(
            self.services
            or self._credit_schedules
            or self.compliance_credits
            or self.error_targets
            or self.service_levels
        )


# ---- error counts ---------------------------------------------------------------------------


def _breaches(results: Iterable[Any]) -> list[tuple[int, Any]]:
    """``(breach instant, row)`` of every breached result (Result, Evaluation, or breach row)."""
    out: list[tuple[int, Any]] = []
    for i, item in enumerate(results):
        rows: Iterable[Any] = item.results if isinstance(item, Evaluation) else (item,)
        for r in rows:
            if not isinstance(r, Result) and not hasattr(r, "breached_at"):
                raise InputError(
                    f"results[{i}]", r, "must be a Result, an Evaluation or a breach row"
                )
            if getattr(r, "outcome", "breached") != "breached" or r.breached_at is None:
                continue
            out.append((to_us(r.breached_at, f"results[{i}].breached_at"), r))
    return out


def _outages(
    outages: Iterable[Outage],
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, list[tuple[int, int]]]]:
    """Merged unplanned outages and merged planned windows, per service."""
    down: dict[str, list[tuple[int, int]]] = {}
    planned: dict[str, list[tuple[int, int]]] = {}
    for i, o in enumerate(outages):
        if not isinstance(o, Outage):
            raise InputError(f"outages[{i}]", o, "must be an Outage")
        (planned if o.planned else down).setdefault(o.service, []).append(
            (to_us(o.start), to_us(o.end))
        )
    return (
        {k: merge(v) for k, v in down.items()},
        {k: merge(v) for k, v in planned.items()},
    )


def _covered(s: int, e: int, windows: list[tuple[int, int]]) -> bool:
    """True if ``[s, e)`` lies inside one of the merged (disjoint, sorted) windows."""
    j = bisect.bisect_right(windows, (s, 1 << 62)) - 1
    return j >= 0 and windows[j][0] <= s and e <= windows[j][1]


def error_counts(
    targets: Iterable[ErrorCountTarget],
    *,
    results: Iterable[Any] = (),
    outages: Iterable[Outage] = (),
    zone: Any,
    period: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[ErrorCountRow]:
    """Errors per target and period, against each target's ``at_most``.

    Parameters
    ----------
    targets
        :class:`ErrorCountTarget` values (``Agreements.error_targets``).
    results
        Results, evaluations, or breach rows (anything with ``severity``,
        ``metric``, ``target``, ``team`` and ``breached_at``, such as
        :class:`slaclock.sla_report.BreachRow`): the breached ones are errors.
    outages
        :class:`~slaclock.availability.Outage` records (planned ones are
        maintenance windows, never errors).
    zone
        The zone whose local midnights cut the periods.
    period
        When given, every target counts per this period instead of its own.
    start, end
        The window ``[start, end)``: every period that meets it gets a row
        (count 0 in a quiet one), and errors outside it are not counted.
        Without them the window runs from the first error of the input to
        just after its last (no rows when the input has no errors).

    Returns
    -------
    list[ErrorCountRow]
        By target (in the order given), then period.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock.availability import Outage
    >>> from slaclock.agreements import ErrorCountTarget, error_counts
    >>> t = lambda m, d, h: dt.datetime(2026, m, d, h, tzinfo=dt.UTC)
    >>> outages = [Outage(t(3, 2, 10), t(3, 2, 11), "api"),
    ...            Outage(t(3, 2, 11), t(3, 2, 12), "api"),     # touches the first: one outage
    ...            Outage(t(3, 9, 10), t(3, 9, 11), "api"),
    ...            Outage(t(4, 9, 1), t(4, 9, 2), "api", planned=True)]  # maintenance
    >>> target = ErrorCountTarget("api outages", "outages", at_most=1, services="api")
    >>> for row in error_counts([target], outages=outages, zone="UTC",
    ...                         start=t(3, 1, 0), end=t(5, 1, 0)):
    ...     print(row.period, row.count, row.met)
    2026-03 2 False
    2026-04 0 True
    """
    chosen = list(targets)
    for i, target in enumerate(chosen):
        if not isinstance(target, ErrorCountTarget):
            raise InputError(f"targets[{i}]", target, "must be an ErrorCountTarget")
    if period is not None and period not in PERIODS:
        raise InputError(
            "period", period, f"is not a period (known: {', '.join(map(repr, PERIODS))})"
        )
    breaches = _breaches(results)
    down, planned = _outages(outages)
    lo = None if start is None else to_us(start, "start")
    hi = None if end is None else to_us(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
    if lo is None or hi is None:
        seen = [at for at, _ in breaches] + [s for v in down.values() for s, _ in v]
        if not seen:
            return []
        lo = min(seen) if lo is None else lo
        hi = max(seen) + 1 if hi is None else hi
    rows: list[ErrorCountRow] = []
    for target in chosen:
        per = period or target.period
        bounds = _period_starts(lo, hi, zone, per)
        starts = [s for _, s in bounds]
        counts = [0] * len(bounds)
        instants: list[int] = []
        if target.count == "breaches":
            instants = [at for at, r in breaches if target.matches(r)]
        else:
            min_us = td_to_us(target.min_outage)
            names = target.services if target.services is not None else sorted(down)
            for service in names:
                windows = planned.get(service, [])
                instants.extend(
                    s
                    for s, e in down.get(service, [])
                    if e - s >= min_us and not _covered(s, e, windows)
                )
        for at in instants:
            if lo <= at < hi:
                counts[bisect.bisect_right(starts, at) - 1] += 1
        rows.extend(
            ErrorCountRow(target.name, label, n, target.at_most, n <= target.at_most)
            for (label, _), n in zip(bounds, counts, strict=True)
        )
    return rows
