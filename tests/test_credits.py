"""Service credits from tiered schedules, penalties and caps, against hand-computed amounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest

from slaclock import Calendar
from slaclock.availability import Outage, availability
from slaclock.credits import (
    CreditSchedule,
    CreditTier,
    availability_credits,
    compliance_credits,
)
from slaclock.errors import InputError
from slaclock.reports import ComplianceRow

SCHEDULE = CreditSchedule({"99.9%": "10%", "99%": "25%"}, per_breach="50", cap="30%")


def test_the_lowest_threshold_below_wins_and_thresholds_are_strict() -> None:
    tier = SCHEDULE.tier_for
    assert tier(Fraction(1)) is None
    assert tier(Fraction(999, 1000)) is None  # exactly at 99.9%: not below it
    assert tier(Fraction(9989, 10000)) == CreditTier("99.9%", "10%")
    assert tier(Fraction(99, 100)) == CreditTier("99.9%", "10%")
    assert tier(Fraction(985, 1000)) == CreditTier("99%", "25%")
    assert tier(None) is None


def _availability(downtime: dt.timedelta) -> list:  # type: ignore[type-arg]
    day = dt.datetime(2026, 4, 7, 10, tzinfo=dt.UTC)
    return availability(
        [Outage(day, day + downtime, "api")] if downtime else [],
        Calendar.always_open("UTC"),
        start=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        end=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        services=["api"],
    )


@pytest.mark.parametrize(
    ("downtime", "credit", "capped"),
    [
        (dt.timedelta(0), "0.00", False),
        (dt.timedelta(minutes=43, seconds=12), "0.00", False),  # exactly 99.9% of 720 h
        (dt.timedelta(minutes=43, seconds=13), "120.00", False),  # just below: 10% of 1200
        (dt.timedelta(hours=8), "300.00", False),  # 98.9%: 25%, under the 30% cap
    ],
)
def test_availability_credits(downtime: dt.timedelta, credit: str, capped: bool) -> None:
    (row,) = availability_credits(_availability(downtime), SCHEDULE, fee="1200")
    assert (row.key, row.credit, row.capped, row.breaches) == (
        ("api", "2026-04"),
        Decimal(credit),
        capped,
        0,
    )


def test_compliance_credits_add_penalties_and_are_capped() -> None:
    rows = [
        ComplianceRow(
            ("P1.resolution",),
            met=97,
            breached=3,
            pending=0,
            cancelled=0,
            compliance=Fraction(97, 100),
            required=None,
        ),
        ComplianceRow(
            ("P4.resolution",),
            met=999,
            breached=1,
            pending=2,
            cancelled=0,
            compliance=Fraction(999, 1000),
            required=None,
        ),
        ComplianceRow(
            ("P3.resolution",),
            met=0,
            breached=0,
            pending=4,
            cancelled=0,
            compliance=None,
            required=None,
        ),
    ]
    got = compliance_credits(rows, SCHEDULE, fee=Decimal("1000"))
    # 25% of 1000 + 3 x 50 = 400, capped at 30% = 300; 99.9% is no tier: 1 x 50
    assert [(r.credit, r.capped) for r in got] == [
        (Decimal("300.00"), True),
        (Decimal("50.00"), False),
        (Decimal("0.00"), False),
    ]


def test_amounts_are_exact_then_rounded_half_up_to_the_cent() -> None:
    schedule = CreditSchedule([("99%", Fraction(1, 3))])
    (row,) = availability_credits(_availability(dt.timedelta(hours=8)), schedule, fee="100.01")
    assert row.credit == Decimal("33.34")  # 33.336666...
    (row,) = availability_credits(
        _availability(dt.timedelta(hours=8)), schedule, fee={"api": 3}, cents=Decimal(1)
    )
    assert row.credit == Decimal(1)


def test_bad_schedules_and_fees_are_named() -> None:
    with pytest.raises(InputError, match="tiers: names one threshold twice"):
        CreditSchedule([("99%", "10%"), ("99%", "20%")])
    with pytest.raises(InputError, match="credit"):
        CreditSchedule({"99%": "lots"})
    with pytest.raises(InputError, match="per_breach"):
        CreditSchedule({"99%": "10%"}, per_breach=-5)
    with pytest.raises(InputError, match="fee"):
        availability_credits(_availability(dt.timedelta(0)), SCHEDULE, fee={"web": 10})
    with pytest.raises(InputError, match="fee"):
        compliance_credits([], SCHEDULE, fee=1.5)  # type: ignore[arg-type]


def test_tiers_as_pairs_or_tier_values_are_sorted_highest_threshold_first() -> None:
    schedule = CreditSchedule([CreditTier("99%", "10%"), ("99.9%", "5%")])
    assert schedule.tiers == (
        CreditTier(Fraction(999, 1000), Fraction(1, 20)),
        CreditTier(Fraction(99, 100), Fraction(1, 10)),
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: CreditSchedule(5),
            "tiers: must map thresholds to credits ({'99.9%': '10%'}) (got 5)",
        ),
        (
            lambda: CreditSchedule("99%: 10%"),
            "tiers: must map thresholds to credits ({'99.9%': '10%'}) (got '99%: 10%')",
        ),
        (
            lambda: CreditSchedule([("99%",)]),
            "tiers[0]: must be a (below, credit) pair (got ('99%',))",
        ),
        (
            lambda: availability_credits([5], CreditSchedule({"99%": "10%"}), fee=10),  # type: ignore[list-item]
            "rows: must be AvailabilityRow values (got 5)",
        ),
        (
            lambda: compliance_credits([5], CreditSchedule({"99%": "10%"}), fee=10),  # type: ignore[list-item]
            "rows: must be ComplianceRow values (got 5)",
        ),
    ],
)
def test_bad_schedules_and_rows(build: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError) as info:
        build()
    assert str(info.value) == message
