"""Reports over results, checked against counts and ranks worked out by hand."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs
import pytest

from slaclock import Calendar
from slaclock.errors import InputError
from slaclock.evaluation import Result
from slaclock.policies import BusinessTime, Policy, Target
from slaclock.reports import compliance, percentiles, service_level

UTC = dt.UTC
M = dt.timedelta(minutes=1)
BASE = Result(
    ticket_id="T",
    policy="p",
    target="P1.resolution",
    metric="resolution",
    team=None,
    severity="P1",
    cycle=1,
    status="stopped",
    outcome="met",
    start=dt.datetime(2024, 1, 31, 23, 30, tzinfo=UTC),
    stop=None,
    goal=60 * M,
    used=10 * M,
    elapsed=10 * M,
    paused_business=dt.timedelta(0),
    paused_wall=dt.timedelta(0),
    remaining=50 * M,
    overdue_by=None,
    used_share=1 / 6,
    due=None,
    due_if_resumed=None,
    original_due=None,
    breached_at=None,
    earlier=(),
    warnings=(),
    next_event_at=None,
)


def r(**kw: object) -> Result:
    return attrs.evolve(BASE, **kw)  # type: ignore[arg-type]


def test_compliance_counts_pending_and_cancelled_outside_the_ratio() -> None:
    results = [
        r(outcome="met"),
        r(outcome="met"),
        r(outcome="met"),
        r(outcome="breached"),
        r(status="running", outcome="pending"),
        r(status="cancelled", outcome="none"),
        r(status="cancelled", outcome="breached"),  # cancelled after a breach: a breach
        r(severity="P2", target="P2.resolution", outcome="breached"),
    ]
    rows = compliance(results)
    assert [(x.key, x.met, x.breached, x.pending, x.cancelled) for x in rows] == [
        (("P1", "resolution"), 3, 2, 1, 1),
        (("P2", "resolution"), 0, 1, 0, 0),
    ]
    assert rows[0].compliance == Fraction(3, 5)
    assert rows[0].total == 7
    assert rows[1].compliance == 0
    assert rows[0].percent == 60.0


def test_compliance_without_decided_results_has_no_ratio() -> None:
    rows = compliance([r(status="running", outcome="pending")])
    assert rows[0].compliance is None
    assert rows[0].meets_required is None


def test_required_share_comes_from_the_policy() -> None:
    cal = Calendar.always_open("UTC")
    pol = Policy(
        "p",
        ["P1"],
        {"open": "running", "solved": "stopped"},
        [Target("resolution", "P1", BusinessTime(60 * M), cal, required="90%")],
    )
    rows = compliance([r()] * 9 + [r(outcome="breached")], policy=pol)
    assert rows[0].required == Fraction(9, 10)
    assert rows[0].compliance == Fraction(9, 10)
    assert rows[0].meets_required is True
    rows = compliance([r()] * 8 + [r(outcome="breached")] * 2, policy=pol)
    assert rows[0].meets_required is False


def test_periods_bucket_by_the_start_in_the_report_zone() -> None:
    # 2024-01-31 23:30 UTC is 2024-02-01 00:30 in Paris
    rows = compliance([r()], by=("period",), period="month")
    assert rows[0].key == ("2024-01",)
    rows = compliance([r()], by=("period",), period="month", zone="Europe/Paris")
    assert rows[0].key == ("2024-02",)
    rows = compliance([r()], by=("period",), period="week", zone="Europe/Paris")
    assert rows[0].key == ("2024-W05",)
    with pytest.raises(InputError, match="is not a period"):
        compliance([r()], period="fortnight")
    with pytest.raises(InputError, match="is not a grouping key"):
        compliance([r()], by=("colour",))


def test_percentiles_are_nearest_rank() -> None:
    used = [15, 20, 35, 40, 50]  # minutes; the classic nearest-rank example
    results = [r(used=u * M) for u in used] + [r(used=999 * M, status="running", outcome="pending")]
    (row,) = percentiles(results, (5, 30, 40, 50, 100))
    assert row.count == 5
    # rank = ceil(p/100 * 5): 1, 2, 2, 3, 5
    assert [v for _, v in row.values] == [15 * M, 20 * M, 20 * M, 35 * M, 50 * M]
    assert row[50] == 35 * M
    with pytest.raises(InputError, match=r"\(0, 100\]"):
        percentiles(results, (0,))


def test_service_level_within_is_inclusive_and_open_clocks_wait() -> None:
    results = [
        r(used=20 * M),  # exactly Y: within
        r(used=21 * M),
        r(used=5 * M),
        r(used=5 * M, status="running", outcome="pending"),  # may still end within: undecided
        r(used=25 * M, status="running", outcome="pending"),  # already past Y: decided, not within
        r(used=1 * M, status="cancelled", outcome="none"),  # left out
    ]
    (row,) = service_level(results, 20 * M)
    assert (row.within, row.decided, row.undecided) == (2, 4, 1)
    assert row.share == Fraction(1, 2)
    (row,) = service_level([r(used=5 * M, elapsed=30 * M)], 20 * M, measure="calendar")
    assert row.within == 0
    with pytest.raises(InputError, match="'business' or 'calendar'"):
        service_level(results, 20 * M, measure="wall")
