"""Service credits: what missed targets cost, from tiered schedules, penalties and caps.

A :class:`CreditSchedule` is the contract's table: *below 99.9% the customer
gets 10% of the period's fee back, below 99% 25%*, plus an optional amount per
breached ticket, and a cap on the total as a share of the fee. It is applied
to availability rows (:func:`availability_credits`) or to compliance rows
(:func:`compliance_credits`).

Choices where the contract is silent (also on the semantics page):

- a level pays the credit of the *lowest* threshold it is below (98.5% is
  below both 99.9% and 99%, and pays the 99% tier's 25%); a level exactly at
  a threshold is not below it;
- a group without a level (no decided results, no service hours) earns no
  tier credit, only its per-breach penalties;
- amounts are :class:`~decimal.Decimal`, computed exactly and rounded half
  up to ``cents`` (0.01 by default) once, at the end; the cap applies to
  the sum of the tier credit and the penalties.

.. versionadded:: 0.1
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import attrs

from slaclock.availability import AvailabilityRow
from slaclock.errors import InputError
from slaclock.policies import parse_share
from slaclock.reports import ComplianceRow

__all__ = [
    "CreditRow",
    "CreditSchedule",
    "CreditTier",
    "availability_credits",
    "compliance_credits",
]


def _below(value: object) -> Fraction:
    return parse_share(value, "below")


def _credit(value: object) -> Fraction:
    return parse_share(value, "credit")


def _per_breach(value: object) -> Decimal:
    return _amount(value, "per_breach")


@attrs.frozen
class CreditTier:
    """A level strictly below ``below`` earns ``credit`` (a share of the period's fee)."""

    below: Fraction = attrs.field(converter=_below)
    credit: Fraction = attrs.field(converter=_credit)


def _tiers(value: object) -> tuple[CreditTier, ...]:
    if isinstance(value, Mapping):
        items: Iterable[Any] = value.items()
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        items = value
    else:
        raise InputError("tiers", value, "must map thresholds to credits ({'99.9%': '10%'})")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, CreditTier):
            out.append(item)
            continue
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise InputError(f"tiers[{i}]", item, "must be a (below, credit) pair")
        out.append(CreditTier(item[0], item[1]))
    out.sort(key=lambda t: t.below, reverse=True)
    for a, b in itertools.pairwise(out):
        if a.below == b.below:
            raise InputError("tiers", str(a.below), "names one threshold twice")
    return tuple(out)


def _amount(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise InputError(field, value, "must be an amount: a Decimal, an int or decimal text")
    try:
        out = Decimal(value)
    except ArithmeticError:
        raise InputError(field, value, "must be an amount such as '1200.00'") from None
    if not out.is_finite() or out < 0:
        raise InputError(field, value, "must be a finite amount, not negative")
    return out


def _cap(value: object) -> Fraction | None:
    return None if value is None else parse_share(value, "cap")


@attrs.frozen
class CreditSchedule:
    """Tiered service credits, a penalty per breach, and a cap.

    Parameters
    ----------
    tiers
        ``{threshold: credit}`` or ``(threshold, credit)`` pairs, as shares
        (``"99.9%"``, ``Fraction(999, 1000)``, ``0.999``).
    per_breach
        An amount per breached result (compliance rows only).
    cap
        The most a period can earn, as a share of its fee.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from slaclock.credits import CreditSchedule
    >>> s = CreditSchedule({"99.9%": "10%", "99%": "25%"}, cap="30%")
    >>> s.tier_for(Fraction(995, 1000)).credit, s.tier_for(Fraction(985, 1000)).credit
    (Fraction(1, 10), Fraction(1, 4))
    >>> s.tier_for(Fraction(999, 1000)) is None
    True
    """

    tiers: tuple[CreditTier, ...] = attrs.field(converter=_tiers)
    per_breach: Decimal = attrs.field(default=Decimal(0), converter=_per_breach)
    cap: Fraction | None = attrs.field(default=None, converter=_cap)

    def tier_for(self, level: Fraction | None) -> CreditTier | None:
        """The tier a level falls in: the lowest threshold it is below (None: no credit)."""
        if level is None:
            return None
        found = None
        for tier in self.tiers:  # highest threshold first
            if level < tier.below:
                found = tier
        return found


@attrs.frozen
class CreditRow:
    """The credit of one group (a service and period, or a compliance key).

    Attributes
    ----------
    key
        ``(service, period)`` for availability, the compliance row's key otherwise.
    level
        The availability or compliance measured (None when undecided).
    tier
        The tier it fell in (None: above every threshold, or no level).
    breaches
        Breached results (compliance rows; 0 for availability).
    fee
        The period's fee the credit is a share of.
    credit
        The amount, rounded to ``cents``: tier credit plus penalties, capped.
    capped
        True when the cap cut it.
    """

    key: tuple[Any, ...]
    level: Fraction | None
    tier: CreditTier | None
    breaches: int
    fee: Decimal
    credit: Decimal
    capped: bool


def _fee_of(fee: Decimal | int | str | Mapping[str, Any], name: str) -> Decimal:
    if isinstance(fee, Mapping):
        if name not in fee:
            raise InputError("fee", name, f"has no fee (known: {', '.join(map(repr, fee))})")
        return _amount(fee[name], f"fee[{name!r}]")
    return _amount(fee, "fee")


def _row(
    key: tuple[Any, ...],
    level: Fraction | None,
    breaches: int,
    fee: Decimal,
    schedule: CreditSchedule,
    cents: Decimal,
) -> CreditRow:
    tier = schedule.tier_for(level)
    share = Fraction(0) if tier is None else tier.credit
    exact = Fraction(fee) * share + Fraction(schedule.per_breach) * breaches
    capped = False
    if schedule.cap is not None and exact > Fraction(fee) * schedule.cap:
        exact = Fraction(fee) * schedule.cap
        capped = True
    amount = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        cents, rounding=ROUND_HALF_UP
    )
    return CreditRow(key, level, tier, breaches, fee, amount, capped)


def availability_credits(
    rows: Iterable[AvailabilityRow],
    schedule: CreditSchedule,
    *,
    fee: Decimal | int | str | Mapping[str, Any],
    cents: Decimal = Decimal("0.01"),
) -> list[CreditRow]:
    """The credits of availability rows (:func:`slaclock.availability.availability`).

    ``fee`` is one amount for every service, or a mapping of service to its
    fee per period.

    Examples
    --------
    >>> import datetime as dt
    >>> from slaclock import Calendar
    >>> from slaclock.availability import Outage, availability
    >>> from slaclock.credits import CreditSchedule, availability_credits
    >>> day = lambda d, h: dt.datetime(2026, 4, d, h, tzinfo=dt.UTC)
    >>> rows = availability([Outage(day(7, 10), day(7, 12), "api")], Calendar.always_open("UTC"),
    ...                     start=day(1, 0), end=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    >>> schedule = CreditSchedule({"99.9%": "10%", "99%": "25%"})
    >>> [(r.key, str(r.credit)) for r in availability_credits(rows, schedule, fee="1200")]
    [(('api', '2026-04'), '120.00')]
    """
    out = []
    for row in rows:
        if not isinstance(row, AvailabilityRow):
            raise InputError("rows", row, "must be AvailabilityRow values")
        out.append(
            _row(
                (row.service, row.period),
                row.availability,
                0,
                _fee_of(fee, row.service),
                schedule,
                cents,
            )
        )
    return out


def compliance_credits(
    rows: Iterable[ComplianceRow],
    schedule: CreditSchedule,
    *,
    fee: Decimal | int | str,
    cents: Decimal = Decimal("0.01"),
) -> list[CreditRow]:
    """The credits of compliance rows (:func:`slaclock.reports.compliance`): the
    tier of the compliance, plus ``per_breach`` for every breached result."""
    amount = _amount(fee, "fee")
    out = []
    for row in rows:
        if not isinstance(row, ComplianceRow):
            raise InputError("rows", row, "must be ComplianceRow values")
        out.append(_row(row.key, row.compliance, row.breached, amount, schedule, cents))
    return out
