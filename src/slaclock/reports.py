"""Reports over results: compliance, percentiles of business time used, service levels.

The definitions are SEMANTICS "Reports":

- **compliance** of a target = met / (met + breached). Pending and cancelled
  results are counted and shown, never in the ratio (a cancelled result that
  was already breached counts as breached).
- results are bucketed by the clock's start instant in the report's zone
  (``period="month"`` groups by the local month of ``Result.start``).
- **"X% within Y"**: a result is within iff its business time used is
  ``<= Y`` (or, with ``measure="calendar"``, its wall time ``elapsed``).
- **percentiles** are nearest-rank on exact microsecond values.

Every function takes an iterable of :class:`~slaclock.evaluation.Result`
(or of :class:`~slaclock.evaluation.Evaluation`, flattened) and returns
plain Python values: lists of frozen rows, with exact
:class:`~fractions.Fraction` ratios.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from slaclock._instants import get_zone, td_to_us, zone_key
from slaclock.errors import InputError
from slaclock.evaluation import Evaluation, Result
from slaclock.policies import Policy, PolicyBook

__all__ = [
    "ComplianceRow",
    "PercentileRow",
    "ServiceLevelRow",
    "compliance",
    "percentiles",
    "service_level",
]

ResultFrame = Any
"""A results frame: pandas, polars or Arrow with the columns of
:data:`~slaclock.evaluation.RESULT_FIELDS` (what :func:`~slaclock.batch.scoring.score`
returns, or a results file read back), or a batch ``Scored``."""

_KEYS = ("policy", "target", "metric", "severity", "team", "period")
_PERIODS = ("day", "week", "month", "quarter", "year")


def _table_of(results: Any) -> Any:
    """A :class:`~slaclock.batch._result_table.ResultTable` for a results frame (or a
    batch ``Scored``, or a table already built); None for Results and Evaluations."""
    module = type(results).__module__.split(".")[0]
    kind = type(results).__name__
    if module == "slaclock" and kind == "ResultTable":
        return results
    if module == "slaclock" and kind == "Scored":
        results = results.results
        module = type(results).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        from slaclock.batch._result_table import ResultTable

        return ResultTable.from_frame(results)
    return None


def _flatten(results: Iterable[Result | Evaluation]) -> list[Result]:
    out: list[Result] = []
    for i, item in enumerate(results):
        if isinstance(item, Evaluation):
            out.extend(item.results)
        elif isinstance(item, Result):
            out.append(item)
        else:
            raise InputError(f"results[{i}]", item, "must be a Result or an Evaluation")
    return out


def _period(start: dt.datetime, zone: ZoneInfo, period: str) -> str:
    local = start.astimezone(zone)
    if period == "day":
        return local.date().isoformat()
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    if period == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return str(local.year)


def _check_keys(
    by: Sequence[str] | str, zone: str, period: str | None
) -> tuple[tuple[str, ...], str, str | None]:
    if isinstance(by, str):
        by = (by,)
    for key in by:
        if key not in _KEYS:
            raise InputError(
                "by", key, f"is not a grouping key (known: {', '.join(map(repr, _KEYS))})"
            )
    if "period" in by and period is None:
        period = "month"
    if period is not None and period not in _PERIODS:
        raise InputError(
            "period", period, f"is not a period (known: {', '.join(map(repr, _PERIODS))})"
        )
    key = zone_key(zone, "zone")
    get_zone(key, "zone")
    return tuple(by), key, period


def _grouper(by: Sequence[str], zone: str, period: str | None) -> Any:
    keys, zone, period = _check_keys(by, zone, period)
    tz = get_zone(zone, "zone")

    def key_of(r: Result) -> tuple[Any, ...]:
        out = []
        for k in keys:
            if k == "period":
                assert period is not None
                out.append(_period(r.start, tz, period))
            else:
                out.append(getattr(r, k))
        return tuple(out)

    return keys, key_of


def _sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, str(v)) for v in key)


@attrs.frozen
class ComplianceRow:
    """Compliance of one group: counts, the ratio met / (met + breached), and the required share."""

    key: tuple[Any, ...]
    met: int
    breached: int
    pending: int
    cancelled: int
    compliance: Fraction | None
    required: Fraction | None

    @property
    def total(self) -> int:
        """Every result of the group."""
        return self.met + self.breached + self.pending + self.cancelled

    @property
    def meets_required(self) -> bool | None:
        """True if the compliance reaches the required share (None if either is unknown)."""
        if self.compliance is None or self.required is None:
            return None
        return self.compliance >= self.required

    @property
    def percent(self) -> float | None:
        """Compliance in percent (display value)."""
        return None if self.compliance is None else float(self.compliance * 100)


def _required_shares(policy: Policy | PolicyBook | None) -> dict[tuple[str, str], Fraction]:
    if policy is None:
        return {}
    policies = policy.policies if isinstance(policy, PolicyBook) else (policy,)
    ordered = sorted(
        policies,
        key=lambda p: (
            p.valid_from is not None,
            p.valid_from or dt.datetime.min.replace(tzinfo=dt.UTC),
        ),
    )
    shares: dict[tuple[str, str], Fraction] = {}
    for p in ordered:  # the latest version wins
        for t in p.targets:
            if t.required is not None:
                shares[(p.name, t.name)] = t.required
        for it in p.internal_targets:
            if it.required is not None:
                shares[(p.name, it.name)] = it.required
    return shares


def compliance(
    results: Iterable[Result | Evaluation] | ResultFrame,
    *,
    by: Sequence[str] = ("severity", "metric"),
    zone: str = "UTC",
    period: str | None = None,
    policy: Policy | PolicyBook | None = None,
) -> list[ComplianceRow]:
    """Compliance per group: met / (met + breached), with pending and cancelled counted apart.

    Parameters
    ----------
    results
        Results (or evaluations) to report on.
    by
        Grouping keys among ``policy``, ``target``, ``metric``, ``severity``,
        ``team`` and ``period``.
    zone, period
        The zone and period (``day``, ``week``, ``month``, ``quarter``,
        ``year``) that bucket results by their clock's start.
    policy
        Where the required shares come from (``Target.required``); a group
        has one when all its results share one target's required share.

    Examples
    --------
    >>> rows = compliance([])
    >>> rows
    []
    """
    shares = _required_shares(policy)
    table = _table_of(results)
    if table is not None:
        return _compliance_table(table, by, zone, period, shares)
    keys, key_of = _grouper(by, zone, period)
    groups: dict[tuple[Any, ...], list[int]] = {}
    required: dict[tuple[Any, ...], set[Fraction | None]] = {}
    for r in _flatten(results):
        key = key_of(r)
        counts = groups.setdefault(key, [0, 0, 0, 0])
        if r.outcome == "breached":
            counts[1] += 1
        elif r.outcome == "met":
            counts[0] += 1
        elif r.status == "cancelled":
            counts[3] += 1
        else:
            counts[2] += 1
        required.setdefault(key, set()).add(shares.get((r.policy, r.target)))
    rows = []
    for key in sorted(groups, key=_sort_key):
        met, breached, pending, cancelled = groups[key]
        decided = met + breached
        req = required[key]
        rows.append(
            ComplianceRow(
                key=key,
                met=met,
                breached=breached,
                pending=pending,
                cancelled=cancelled,
                compliance=Fraction(met, decided) if decided else None,
                required=next(iter(req)) if len(req) == 1 else None,
            )
        )
    del keys
    return rows


@attrs.frozen
class PercentileRow:
    """Nearest-rank percentiles of business time used in one group."""

    key: tuple[Any, ...]
    count: int
    values: tuple[tuple[Fraction, dt.timedelta], ...]

    def __getitem__(self, p: float | int | Fraction) -> dt.timedelta:
        """The value at percentile ``p`` (as given to :func:`percentiles`)."""
        want = Fraction(str(p)) if isinstance(p, float) else Fraction(p)
        for q, v in self.values:
            if q == want:
                return v
        raise KeyError(p)


def _nearest_rank(sorted_us: Sequence[int], p: Fraction) -> int:
    n = len(sorted_us)
    rank = max(1, math.ceil(p * n / 100))
    return sorted_us[rank - 1]


def percentiles(
    results: Iterable[Result | Evaluation] | ResultFrame,
    ps: Sequence[float | int | Fraction] = (50, 90, 95),
    *,
    by: Sequence[str] = ("severity", "metric"),
    zone: str = "UTC",
    period: str | None = None,
    stopped_only: bool = True,
) -> list[PercentileRow]:
    """Nearest-rank percentiles of business time used, per group.

    The value at ``p`` is the smallest used time with at least ``p`` percent
    of the group at or below it (rank ``ceil(p * n / 100)``, exact).
    ``stopped_only`` (default) leaves running, paused and cancelled clocks out.

    >>> percentiles([])
    []
    """
    qs = []
    for p in ps:
        q = Fraction(str(p)) if isinstance(p, float) else Fraction(p)
        if not 0 < q <= 100:
            raise InputError("ps", p, "percentiles must be in (0, 100]")
        qs.append(q)
    table = _table_of(results)
    if table is not None:
        return _percentiles_table(table, qs, by, zone, period, stopped_only)
    _, key_of = _grouper(by, zone, period)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for r in _flatten(results):
        if stopped_only and r.status != "stopped":
            continue
        groups.setdefault(key_of(r), []).append(td_to_us(r.used))
    rows = []
    for key in sorted(groups, key=_sort_key):
        values = sorted(groups[key])
        rows.append(
            PercentileRow(
                key=key,
                count=len(values),
                values=tuple((q, dt.timedelta(microseconds=_nearest_rank(values, q))) for q in qs),
            )
        )
    return rows


@attrs.frozen
class ServiceLevelRow:
    """ "X% within Y" for one group: results within ``Y``, decided results, undecided ones."""

    key: tuple[Any, ...]
    within: int
    decided: int
    undecided: int

    @property
    def share(self) -> Fraction | None:
        """within / decided (None for a group with nothing decided)."""
        return Fraction(self.within, self.decided) if self.decided else None


def service_level(
    results: Iterable[Result | Evaluation] | ResultFrame,
    within: dt.timedelta,
    *,
    measure: str = "business",
    by: Sequence[str] = ("severity", "metric"),
    zone: str = "UTC",
    period: str | None = None,
) -> list[ServiceLevelRow]:
    """ "X% within Y": the share of results whose time used is ``<= within``.

    A stopped result is decided. An open one is decided only once it used
    more than ``within`` (it can no longer be within); until then it is
    counted as undecided. Cancelled results that were not breached are left
    out. ``measure="calendar"`` compares wall time (``elapsed``) instead of
    business time.

    >>> service_level([], dt.timedelta(seconds=20))
    []
    """
    if measure not in ("business", "calendar"):
        raise InputError("measure", measure, "must be 'business' or 'calendar'")
    limit = td_to_us(within, "within")
    if limit < 0:
        raise InputError("within", within, "must not be negative")
    table = _table_of(results)
    if table is not None:
        return _service_level_table(table, limit, measure, by, zone, period)
    _, key_of = _grouper(by, zone, period)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for r in _flatten(results):
        if r.status == "cancelled" and r.outcome != "breached":
            continue
        value = td_to_us(r.used if measure == "business" else r.elapsed)
        counts = groups.setdefault(key_of(r), [0, 0, 0])
        if r.status == "stopped" or r.status == "cancelled" or value > limit:
            counts[1] += 1
            if value <= limit:
                counts[0] += 1
        else:
            counts[2] += 1
    return [
        ServiceLevelRow(key=key, within=c[0], decided=c[1], undecided=c[2])
        for key, c in sorted(groups.items(), key=lambda kv: _sort_key(kv[0]))
    ]


# ---- the same reports over whole tables (numpy; see slaclock.batch._reports) ----------------


def _compliance_table(
    table: Any,
    by: Sequence[str],
    zone: str,
    period: str | None,
    shares: dict[tuple[str, str], Fraction],
) -> list[ComplianceRow]:
    from slaclock.batch import _reports as k

    keys, zone, period = _check_keys(by, zone, period)
    g, found = k.groups(table, keys, zone, period)
    counts = k.compliance_counts(table, g, len(found))
    required = k.required_of(table, g, len(found), shares)
    rows = []
    for i, key in enumerate(found):
        met, breached, pending, cancelled = (int(v) for v in counts[i])
        decided = met + breached
        rows.append(
            ComplianceRow(
                key=key,
                met=met,
                breached=breached,
                pending=pending,
                cancelled=cancelled,
                compliance=Fraction(met, decided) if decided else None,
                required=required[i],
            )
        )
    return rows


def _percentiles_table(
    table: Any,
    qs: Sequence[Fraction],
    by: Sequence[str],
    zone: str,
    period: str | None,
    stopped_only: bool,
) -> list[PercentileRow]:
    from slaclock.batch import _reports as k
    from slaclock.batch._result_table import STOPPED

    keys, zone, period = _check_keys(by, zone, period)
    if stopped_only:
        table = table.take(table.status == STOPPED)
    g, found = k.groups(table, keys, zone, period)
    counts, values = k.nearest_ranks(table, g, len(found), qs)
    return [
        PercentileRow(
            key=key,
            count=counts[i],
            values=tuple(
                (q, dt.timedelta(microseconds=v)) for q, v in zip(qs, values[i], strict=True)
            ),
        )
        for i, key in enumerate(found)
    ]


def _service_level_table(
    table: Any,
    limit: int,
    measure: str,
    by: Sequence[str],
    zone: str,
    period: str | None,
) -> list[ServiceLevelRow]:
    from slaclock.batch import _reports as k

    keys, zone, period = _check_keys(by, zone, period)
    table = table.take(k.keep_for_service_level(table))
    g, found = k.groups(table, keys, zone, period)
    counts = k.within_counts(table, g, len(found), limit, measure)
    return [
        ServiceLevelRow(
            key=key,
            within=int(counts[i, 0]),
            decided=int(counts[i, 1]),
            undecided=int(counts[i, 2]),
        )
        for i, key in enumerate(found)
    ]
