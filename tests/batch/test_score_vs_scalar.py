"""``batch.score`` against the scalar ``evaluate``, ticket by ticket and field by field.

Random policies (first response and resolution, sometimes next reply and
periodic updates, internal targets), several tickets per example with random
histories on hard calendars (DST anchors, overnight spans, holidays,
overrides), in pandas, polars and Arrow frames. Most tickets take the
vectorised replay; severity changes, reopens, cancels and the other shapes
take the scalar one: either way every column must equal ``evaluate``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slaclock.batch import score, tables_from_tickets
from slaclock.errors import SlaClockError
from slaclock.evaluation import RESULT_FIELDS, evaluate
from slaclock.policies import Metric, Policy
from slaclock.result_files import encode_earlier, encode_warnings
from slaclock.testing import strategies as sst
from slaclock.tickets import Cancel, SeverityChange, Ticket

pd = pytest.importorskip("pandas")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@st.composite
def batch_cases(
    draw: st.DrawFn, *, metrics: tuple[Metric, ...], internal: bool, ordinary: bool = False
) -> tuple[list[Ticket], Policy, dt.datetime]:
    """Several tickets of one random policy; ``ordinary``: no severity changes or cancels
    (most tickets then take the vectorised replay)."""
    zone = draw(sst.zones())
    anchor = draw(sst.anchor_dates(zone=zone, transition_share=75))
    cals = sst.calendars(
        zone=st.one_of(st.just(zone), sst.zones()), around=anchor, always_open=True, within_days=3
    )
    policy = draw(sst.policies(calendars=cals, metrics=metrics, internal=internal))
    start = sst.instants(zone=zone, around=anchor, within_days=3)
    tickets = []
    for i in range(draw(st.integers(1, 6))):
        t = draw(sst.tickets(policy, start=start, max_events=8, within_days=3))
        history = list(t.history)
        if ordinary:
            history = history[:1] + [
                e for e in history[1:] if not isinstance(e, (SeverityChange, Cancel))
            ]
        tickets.append(Ticket(i + 1, t.severity, history, attributes=t.attributes))
    last = max(t.history[-1].at for t in tickets)
    now = last + draw(
        st.sampled_from([dt.timedelta(0), dt.timedelta(hours=3), dt.timedelta(days=2)])
    )
    return tickets, policy, now


def _plain(name: str, value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, float) and value != value and name != "used_share":
        return None
    return value


def _expected(
    tickets: list[Ticket], policy: Policy, now: dt.datetime
) -> tuple[list[dict[str, Any]], set[Any]]:
    rows = []
    failed = set()
    for t in tickets:
        try:
            ev = evaluate(t, policy, now=now)
        except SlaClockError:
            failed.add(t.id)
            continue
        for r in ev.results:
            row = {name: getattr(r, name) for name in RESULT_FIELDS}
            row["earlier"] = encode_earlier(r.earlier)
            row["warnings"] = encode_warnings(r.warnings)
            rows.append(row)
    return rows, failed


def check(tickets: list[Ticket], policy: Policy, now: dt.datetime, library: str = "pandas") -> None:
    tf, ef = tables_from_tickets(tickets, library=library)
    got = score(tf, ef, policy, now=now, on_error="mark")
    results, errors = got
    if library != "pandas":
        results = results.to_pandas()
        errors = errors.to_pandas()
    expected, failed = _expected(tickets, policy, now)
    assert set(errors["ticket_id"].tolist()) == failed
    assert got.tickets == got.scored + got.failed == len(tickets)
    STATS["tickets"] += len(tickets)
    STATS["vectorised"] += got.vectorised
    assert len(results) == len(expected)
    for i, exp in enumerate(expected):
        for name in RESULT_FIELDS:
            value = _plain(name, results[name].iloc[i])
            assert value == exp[name], (name, i, exp["ticket_id"], exp["target"], value, exp[name])


STATS = {"tickets": 0, "vectorised": 0}

FR_RES = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)


@given(batch_cases(metrics=FR_RES, internal=False, ordinary=True))
def test_ordinary_tickets(case: tuple[list[Ticket], Policy, dt.datetime]) -> None:
    check(*case)


@given(batch_cases(metrics=FR_RES, internal=False))
def test_first_response_and_resolution(case: tuple[list[Ticket], Policy, dt.datetime]) -> None:
    check(*case)


@given(batch_cases(metrics=tuple(Metric), internal=False, ordinary=True))
def test_next_reply_and_periodic_update(case: tuple[list[Ticket], Policy, dt.datetime]) -> None:
    check(*case)


@given(batch_cases(metrics=tuple(Metric), internal=True, ordinary=True))
def test_internal_targets(case: tuple[list[Ticket], Policy, dt.datetime]) -> None:
    check(*case)


@settings(max_examples=100)
@given(batch_cases(metrics=tuple(Metric), internal=True))
def test_every_metric_and_internal_targets(case: tuple[list[Ticket], Policy, dt.datetime]) -> None:
    check(*case)


@settings(max_examples=30)
@given(batch_cases(metrics=FR_RES, internal=False), st.sampled_from(["polars", "arrow"]))
def test_polars_and_arrow(case: tuple[list[Ticket], Policy, dt.datetime], library: str) -> None:
    pytest.importorskip("polars" if library == "polars" else "pyarrow")
    check(*case, library=library)
