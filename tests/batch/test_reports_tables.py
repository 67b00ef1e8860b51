"""Reports over whole tables agree with the pure-Python reports over Result objects.

The table path (numpy group counts, :mod:`slaclock.batch._reports`) is
compared with :func:`slaclock.reports.compliance`, ``percentiles`` and
``service_level`` over Result objects, which follow SEMANTICS "Reports" one
result at a time. Results are drawn at random (the reports read only their
fields, consistent or not), in random zones and periods, and go through
each dataframe library and through results files.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaclock import reports
from slaclock.evaluation import Result
from slaclock.sla_report import build_report

pytest.importorskip("numpy")
from slaclock.batch import results_frame

LIBRARIES = [
    lib
    for lib, module in (("pandas", "pandas"), ("polars", "polars"), ("arrow", "pyarrow"))
    if __import__("importlib").util.find_spec(module) is not None
]
ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"]
T0 = dt.datetime(2025, 12, 20, tzinfo=dt.UTC)
US = dt.timedelta(microseconds=1)


@st.composite
def result(draw: st.DrawFn) -> Result:
    severity = draw(st.sampled_from(["P1", "P2", "P3"]))
    internal = draw(st.booleans())
    metric = "internal" if internal else draw(st.sampled_from(["first_response", "resolution"]))
    team = draw(st.sampled_from(["tier1", "vendor", "<b>"])) if internal else None
    target = f"{severity}.{metric}" if team is None else team
    status = draw(st.sampled_from(["running", "paused", "stopped", "cancelled"]))
    outcome = draw(st.sampled_from(["met", "breached", "pending", "none"]))
    start = T0 + draw(st.integers(0, 90 * 86400)) * dt.timedelta(seconds=1)
    # a few exact ties and microsecond steps around the limits the tests use
    used = draw(
        st.one_of(
            st.sampled_from([0, 3600 * 10**6, 3600 * 10**6 + 1, 7200 * 10**6]),
            st.integers(0, 10 * 3600 * 10**6),
        )
    )
    goal = draw(st.sampled_from([0, 1800, 3600, 4 * 3600])) * dt.timedelta(seconds=1)
    elapsed = used + draw(st.integers(0, 86400 * 10**6))
    stopped = status in ("stopped", "cancelled")
    due = draw(st.none() | st.just(start + goal))
    return Result(
        ticket_id=draw(st.sampled_from(["T1", "T2", "T3", "T10"])),
        policy=draw(st.sampled_from(["Standard", "Enterprise"])),
        target=target,
        metric=metric,
        team=team,
        severity=severity,
        cycle=draw(st.integers(1, 3)),
        status=status,
        outcome=outcome,
        start=start,
        stop=start + elapsed * US if stopped else None,
        goal=goal,
        used=used * US,
        elapsed=elapsed * US,
        paused_business=dt.timedelta(0),
        paused_wall=dt.timedelta(0),
        remaining=max(goal - used * US, dt.timedelta(0)),
        overdue_by=dt.timedelta(seconds=5) if outcome == "breached" else None,
        used_share=0.0,
        due=due,
        due_if_resumed=None,
        original_due=due,
        breached_at=due if outcome == "breached" else None,
        earlier=(),
        warnings=(),
        next_event_at=None,
    )


KEYS = st.lists(
    st.sampled_from(["policy", "target", "metric", "severity", "team", "period"]),
    min_size=1,
    max_size=3,
    unique=True,
)


@pytest.mark.parametrize("library", LIBRARIES)
@given(
    results=st.lists(result(), max_size=40),
    by=KEYS,
    zone=st.sampled_from(ZONES),
    period=st.sampled_from(["day", "week", "month", "quarter", "year"]),
    within=st.sampled_from([0, 3600, 7200]).map(lambda s: dt.timedelta(seconds=s)),
    measure=st.sampled_from(["business", "calendar"]),
)
def test_table_reports_equal_the_scalar_reports(
    library: str,
    results: list[Result],
    by: list[str],
    zone: str,
    period: str,
    within: dt.timedelta,
    measure: str,
) -> None:
    frame = results_frame(results, library)
    kw: dict[str, Any] = {"by": by, "zone": zone, "period": period}
    assert reports.compliance(frame, **kw) == reports.compliance(results, **kw)
    ps = (50, 90, Fraction(999, 10), 100)
    for stopped_only in (True, False):
        assert reports.percentiles(frame, ps, stopped_only=stopped_only, **kw) == (
            reports.percentiles(results, ps, stopped_only=stopped_only, **kw)
        )
    assert reports.service_level(frame, within, measure=measure, **kw) == (
        reports.service_level(results, within, measure=measure, **kw)
    )


@given(results=st.lists(result(), max_size=40), zone=st.sampled_from(ZONES))
def test_the_report_is_the_same_from_objects_and_from_every_library(
    results: list[Result], zone: str
) -> None:
    now = T0 + dt.timedelta(days=45)
    want = build_report(results, now=now, zone=zone, max_rows=5)
    for library in LIBRARIES:
        assert build_report(results_frame(results, library), now=now, zone=zone, max_rows=5) == want
    # and the report's compliance is the scalar report's, external targets only
    external = [r for r in results if r.metric != "internal"]
    assert list(want.compliance) == reports.compliance(external, by=("severity", "metric"))
    assert want.breaches_total == sum(r.outcome == "breached" for r in results)
    assert want.tickets == len({r.ticket_id for r in results})


def test_required_shares_come_from_the_policy_book() -> None:
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import example_policy
    from slaclock.samples import load_sample

    book = example_policy()
    tickets, now = load_sample()
    results = [r for t in tickets[:300] for r in evaluate(t, book, now=now).results]
    frame = results_frame(results, LIBRARIES[0])
    got = reports.compliance(frame, policy=book)
    assert got == reports.compliance(results, policy=book)
    shares = {row.key: row.required for row in got}
    assert shares[("P1", "resolution")] == 1
    assert shares[("P3", "first_response")] == Fraction(9, 10)
