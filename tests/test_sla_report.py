"""The SLA report: figures computed by hand on small inputs, and the sample against its results."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import attrs
import pytest

from slaclock.errors import InputError, UnknownTimeZoneError
from slaclock.evaluation import Result
from slaclock.sla_report import DISTRIBUTION_EDGES, build_report

pytest.importorskip("numpy")

H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)  # a Monday


def make(**kw: Any) -> Result:
    base: dict[str, Any] = {
        "ticket_id": "T1",
        "policy": "support",
        "target": "P2.resolution",
        "metric": "resolution",
        "team": None,
        "severity": "P2",
        "cycle": 1,
        "status": "stopped",
        "outcome": "met",
        "start": T0,
        "stop": T0 + H,
        "goal": 4 * H,
        "used": H,
        "elapsed": H,
        "paused_business": dt.timedelta(0),
        "paused_wall": dt.timedelta(0),
        "remaining": 3 * H,
        "overdue_by": None,
        "used_share": 0.25,
        "due": T0 + 4 * H,
        "due_if_resumed": None,
        "original_due": T0 + 4 * H,
        "breached_at": None,
        "earlier": (),
        "warnings": (),
        "next_event_at": None,
    }
    base.update(kw)
    return Result(**base)


def breach(ticket: str, at: dt.datetime, **kw: Any) -> Result:
    return make(
        ticket_id=ticket,
        outcome="breached",
        used=5 * H,
        remaining=dt.timedelta(0),
        breached_at=at,
        due=at,
        overdue_by=H,
        **kw,
    )


def test_the_distribution_bins_used_over_goal_exactly() -> None:
    us = dt.timedelta(microseconds=1)
    results = [
        make(used=dt.timedelta(0)),  # 0%: first bin
        make(used=4 * H - us),  # just under the goal: [90, 100)
        make(used=4 * H),  # exactly the goal: [100, 110), not a miss of the goal by this chart
        make(used=8 * H - us),  # [190, 200)
        make(used=8 * H),  # 200%: the last bin
        make(used=80 * H),  # far over: the last bin
        make(used=H, status="running", outcome="pending", stop=None),  # not stopped: left out
        make(used=H, goal=dt.timedelta(0)),  # no goal: left out
    ]
    (d,) = build_report(results).distributions
    assert d.key == ("P2", "resolution")
    assert d.edges == DISTRIBUTION_EDGES
    want = [0] * len(DISTRIBUTION_EDGES)
    want[0], want[9], want[10], want[19], want[20] = 1, 1, 1, 1, 2
    assert list(d.counts) == want
    assert d.count == 6


def test_breaches_are_listed_latest_first_then_by_ticket_and_counted_past_max_rows() -> None:
    results = [
        breach("T9", T0 + 3 * H),
        breach("T10", T0 + H),
        breach("T2", T0 + H),
        breach("T3", T0 + 2 * H, target="P2.first_response", metric="first_response"),
        make(ticket_id="T4"),
    ]
    report = build_report(results, max_rows=3)
    assert [(b.ticket_id, b.breached_at) for b in report.breaches] == [
        ("T9", T0 + 3 * H),  # the latest deadline missed first
        ("T3", T0 + 2 * H),
        ("T10", T0 + H),  # then text order of ids: "T10" < "T2"
    ]
    assert report.breaches_total == 4
    assert report.breaches[0].overdue_by == H and report.breaches[0].status == "stopped"
    assert report.tickets == 5 and report.results == 5


def test_at_risk_is_running_unbreached_external_clocks_within_the_limit_soonest_due_first() -> None:
    running = {"status": "running", "outcome": "pending", "stop": None}
    results = [
        make(ticket_id="A", remaining=2 * H, due=T0 + 9 * H, **running),
        make(ticket_id="B", remaining=30 * dt.timedelta(minutes=1), due=T0 + 5 * H, **running),
        make(ticket_id="C", remaining=2 * H + dt.timedelta(microseconds=1), **running),  # too far
        make(ticket_id="D", remaining=H, status="paused", outcome="pending", stop=None),  # paused
        make(ticket_id="E", remaining=dt.timedelta(0), outcome="breached", status="running"),
        make(
            ticket_id="F",
            remaining=H,
            metric="internal",
            team="tier1",
            target="tier1",
            **running,
        ),
    ]
    report = build_report(results, at_risk_within=2 * H)
    assert [r.ticket_id for r in report.at_risk] == ["B", "A"]
    assert report.at_risk_total == 2
    assert report.at_risk_within == 2 * H


def test_compliance_monthly_and_internal_rows() -> None:
    april = dt.datetime(2026, 4, 1, 3, tzinfo=dt.UTC)  # still March in New York
    results = [
        make(),
        breach("T2", T0 + 5 * H),
        make(ticket_id="T3", start=april, status="cancelled", outcome="none"),
        make(ticket_id="T4", metric="internal", team="tier1", target="tier1", outcome="breached"),
    ]
    report = build_report(results, zone="America/New_York")
    (row,) = report.compliance
    assert (row.key, row.met, row.breached, row.cancelled, row.compliance) == (
        ("P2", "resolution"),
        1,
        1,
        1,
        Fraction(1, 2),
    )
    assert [r.key for r in report.monthly] == [("P2", "resolution", "2026-03")]
    (team,) = report.internal
    assert team.key == ("tier1",) and team.breached == 1
    utc = build_report(results, zone="UTC")
    assert [r.key[2] for r in utc.monthly] == ["2026-03", "2026-04"]


def test_the_window_is_the_periods_of_the_starts_cut_at_now() -> None:
    results = [make(start=dt.datetime(2026, 3, 31, 23, tzinfo=dt.UTC)), make()]
    report = build_report(results, zone="Europe/London")
    # 2026-03-31 23:00 UTC is April 1st 00:00 in London (BST): March and April
    assert report.start == dt.datetime(2026, 3, 1, 0, tzinfo=dt.UTC)
    assert report.end == dt.datetime(2026, 4, 30, 23, tzinfo=dt.UTC)
    now = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
    assert build_report(results, zone="Europe/London", now=now).end == now
    given = build_report(results, start=T0, end=T0 + H)
    assert (given.start, given.end) == (T0, T0 + H)


def test_an_empty_report_and_the_title() -> None:
    report = build_report([])
    assert (report.results, report.tickets, report.start, report.end) == (0, 0, None, None)
    assert report.title == "SLA report"
    assert build_report([], title="Q1").title == "Q1"


@pytest.mark.parametrize(
    ("kw", "error", "field"),
    [
        ({"period": "fortnight"}, InputError, "period"),
        ({"max_rows": -1}, InputError, "max_rows"),
        ({"at_risk_within": -H}, InputError, "at_risk_within"),
        ({"percentiles": (0,)}, InputError, "percentiles"),
        ({"zone": "Mars/Olympus"}, UnknownTimeZoneError, "zone"),
        ({"policy": "support"}, InputError, "policy"),
        ({"start": T0, "end": T0 - H}, InputError, "end"),
        ({"now": dt.datetime(2026, 3, 2)}, InputError, "now"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_arguments_name_the_field(kw: dict[str, Any], error: type, field: str) -> None:
    with pytest.raises(error) as info:
        build_report([make()], **kw)
    assert getattr(info.value, "field", None) == field


def test_a_results_frame_with_a_bad_status_names_the_column_and_row() -> None:
    pd = pytest.importorskip("pandas")
    from slaclock.batch import results_frame
    from slaclock.errors import TableFormatError

    frame = results_frame([make(), make()], "pandas")
    frame["status"] = pd.Series(["stopped", "done"])
    with pytest.raises(TableFormatError, match=r"results.status.*row 1.*'done'"):
        build_report(frame)


def test_the_sample_report_matches_its_scalar_results() -> None:
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import example_policy
    from slaclock.samples import load_sample

    book = example_policy()
    tickets, now = load_sample()
    results = [r for t in tickets for r in evaluate(t, book, now=now).results]
    report = build_report(results, policy=book, now=now, zone="America/New_York")
    external = [r for r in results if r.metric != "internal"]
    for row in report.compliance:
        sev, metric = row.key
        mine = [r for r in external if r.severity == sev and r.metric == metric]
        assert row.met == sum(r.outcome == "met" for r in mine)
        assert row.breached == sum(r.outcome == "breached" for r in mine)
        assert row.total == len(mine)
    assert sum(r.total for r in report.monthly) == len(external)
    assert report.breaches_total == sum(r.outcome == "breached" for r in results)
    assert report.tickets == len(tickets)
    risky = [
        r
        for r in external
        if r.status == "running" and r.outcome == "pending" and r.remaining <= 4 * H
    ]
    assert report.at_risk_total == len(risky)
    assert attrs.evolve(report, title="x").title == "x"


def test_tables_spell_out_the_keys_and_frames_hold_the_same_rows() -> None:
    results = [make(), breach("T2", T0 + 5 * H), make(ticket_id="T3", used=4 * H)]
    report = build_report(results, percentiles=(50, 100))
    tables = report.tables()
    assert set(tables) == {"compliance", "monthly", "percentiles", "distributions", "breaches"}
    assert tables["compliance"] == [
        {
            "severity": "P2",
            "metric": "resolution",
            "met": 2,
            "breached": 1,
            "pending": 0,
            "cancelled": 0,
            "compliance": Fraction(2, 3),
            "required": None,
            "meets_required": None,
        }
    ]
    assert tables["monthly"][0]["period"] == "2026-03"
    (p,) = tables["percentiles"]
    assert (p["count"], p["p50"], p["p100"]) == (3, 4 * H, 5 * H)
    assert [r["count"] for r in tables["distributions"] if r["count"]] == [1, 1, 1]
    assert tables["breaches"][0]["ticket_id"] == "T2"
    for library in ("pandas", "polars"):
        pytest.importorskip(library)
        frames = report.to_frames(library)
        assert set(frames) == set(tables)
        assert frames["compliance"]["compliance"][0] == pytest.approx(2 / 3)
        assert len(frames["distributions"]) == len(DISTRIBUTION_EDGES)
    with pytest.raises(InputError, match="library"):
        report.to_frames("arrow")


AGREEMENTS = """
name = "Acme"
severities = ["P2"]
initial_status = "open"

[statuses]
open = "running"
solved = "stopped"

[calendars.us]
zone = "America/New_York"
hours = "Mon-Fri 09:00-17:00"

[[policies]]
name = "support"
calendar = "us"

[policies.targets.P2.resolution]
business_time = "4h"
required = "90%"

[services.api]
calendar = "24/7"
target = "99.9%"
credits = "standard"
fee = 1000

[credits.standard]
tiers = { "99.9%" = "10%", "99%" = "25%" }

[credits.support]
tiers = { "90%" = "5%" }
per_breach = 20

[[compliance_credits]]
schedule = "support"
fee = 2000

[[error_counts]]
name = "P2 breaches"
count = "breaches"
at_most = 0

[[service_levels]]
name = "resolved within 1h"
within = "1h"
share = "50%"
metric = "resolution"
"""


def test_agreements_give_availability_credits_error_counts_and_service_levels() -> None:
    from slaclock.availability import Outage
    from slaclock.policy_files import policy_from_toml

    book = policy_from_toml(AGREEMENTS)
    results = [make(), breach("T2", T0 + 5 * H)]
    outage = Outage(T0 + 2 * H, T0 + 3 * H, "api")  # one hour down in March
    report = build_report(results, policy=book, outages=[outage])
    assert (report.start, report.end) == (
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    (avail,) = report.availability
    assert (avail.service, avail.period, avail.open_time, avail.downtime) == (
        "api",
        "2026-03",
        dt.timedelta(days=31),
        H,
    )
    assert avail.availability == Fraction(743, 744) and avail.met is False
    (credit,) = report.availability_credits
    assert credit.key == ("api", "2026-03") and str(credit.credit) == "100.00"  # 10% of 1000
    (c_credit,) = report.compliance_credits
    # compliance 1/2 is below 90%: 5% of 2000, plus 20 for the breach
    assert c_credit.key == ("P2", "resolution", "2026-03") and str(c_credit.credit) == "120.00"
    (errors,) = report.error_counts
    assert (errors.name, errors.period, errors.count, errors.met) == (
        "P2 breaches",
        "2026-03",
        1,
        False,
    )
    (level,) = report.service_levels
    assert (level.name, level.within, level.required) == ("resolved within 1h", H, Fraction(1, 2))
    (row,) = level.rows
    assert (row.key, row.within, row.decided, row.share) == (
        ("P2", "resolution"),
        1,
        2,
        Fraction(1, 2),
    )
    assert report.compliance[0].required == Fraction(9, 10)
    tables = report.tables()
    assert tables["service_levels"][0]["meets_required"] is True
    assert tables["availability_credits"][0]["tier_credit"] == Fraction(1, 10)
    assert tables["error_counts"][0]["count"] == 1


def test_the_report_shows_itself_in_notebooks() -> None:
    report = build_report([breach("<script>T</script>", T0 + H)], title="Q1 <b>")
    html = report._repr_html_()
    assert "<html" not in html  # a fragment for the notebook's page
    assert "Q1 &lt;b&gt;" in html and "&lt;script&gt;T&lt;/script&gt;" in html
    assert "<script" not in html
