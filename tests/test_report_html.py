"""The HTML report, parsed back: tables with values computed by hand, escaping, charts, files."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pytest

from slaclock import report_html
from slaclock.agreements import ErrorCountRow
from slaclock.availability import AvailabilityRow
from slaclock.credits import CreditRow, CreditTier
from slaclock.reports import ComplianceRow, PercentileRow, ServiceLevelRow
from slaclock.sla_report import (
    DISTRIBUTION_EDGES,
    AtRiskRow,
    BreachRow,
    ServiceLevelResult,
    SlaReport,
    UsedDistribution,
    build_report,
)
from slaclock.tickets import Ticket

F = Fraction
H = dt.timedelta(hours=1)
UTC = dt.UTC
EVIL_ID = "<script>alert('id')</script>"
EVIL_TEAM = '<img src=x onerror="alert(1)">'
EVIL_SEVERITY = "P1<script>"
SECTIONS = [
    "summary",
    "compliance",
    "monthly",
    "internal",
    "service-levels",
    "percentiles",
    "availability",
    "credits",
    "error-counts",
    "breaches",
    "at-risk",
]


class Page(HTMLParser):
    """Tables by id (rows of cell texts), section ids, headings, and anything risky."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.classes: dict[str, list[list[str]]] = {}
        self.sections: list[str] = []
        self.h1: list[str] = []
        self.tags: Counter[str] = Counter()
        self.handlers: list[str] = []  # on* attributes
        self.links: list[str] = []  # src / href values
        self.text: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._th = False
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        self.handlers += [k for k in a if k.lower().startswith("on")]
        self.links += [str(v) for k, v in a.items() if k.lower() in ("src", "href")]
        if tag == "section":
            self.sections.append(str(a.get("id")))
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "table":
            self._table = str(a.get("id"))
            self.tables[self._table] = []
            self.headers[self._table] = []
            self.classes[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
            self.classes[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
            self._th = tag == "th"
            if not self._th:
                self.classes[self._table][-1].append(str(a.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        elif tag == "table":
            assert self._table is not None
            # the header row is not a data row
            self.tables[self._table] = [r for r in self.tables[self._table] if r]
            self.classes[self._table] = [r for r in self.classes[self._table] if r]
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            text = "".join(self._cell)
            if self._th:
                self.headers[self._table].append(text)
            else:
                self.tables[self._table][-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in_h1:
            self.h1.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)]


def _breach(ticket: str | int, team: str | None, severity: str, minute: int) -> BreachRow:
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    due = start + 4 * H
    return BreachRow(
        ticket_id=ticket,
        policy="Standard",
        target=f"{severity}.resolution",
        severity=severity,
        metric="resolution",
        team=team,
        cycle=1,
        status="stopped",
        start=start,
        due=due,
        breached_at=due,
        stop=due + dt.timedelta(minutes=90 + minute),
        goal=4 * H,
        used=4 * H + dt.timedelta(minutes=90 + minute),
        overdue_by=dt.timedelta(minutes=90 + minute),
    )


def small_report() -> SlaReport:
    """Every section with a row or two; the expected cells are written out in the tests."""
    open_time = 743 * H  # March in Paris: 31 days, one hour lost to DST
    allowed = dt.timedelta(seconds=2674, microseconds=800000)  # 0.1% of 743 h
    counts = [0] * len(DISTRIBUTION_EDGES)
    counts[2], counts[9], counts[10], counts[12], counts[-1] = 4, 2, 1, 1, 1
    return attrs.evolve(
        build_report([]),
        title="Monthly <review> & co",
        zone="Europe/Paris",
        now=dt.datetime(2026, 4, 30, 22, 0, tzinfo=UTC),
        policy="Acme",
        start=dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
        end=dt.datetime(2026, 4, 30, 22, 0, tzinfo=UTC),
        results=60,
        tickets=40,
        compliance=(
            ComplianceRow(("P1", "first_response"), 19, 1, 2, 1, F(19, 20), F(1)),
            ComplianceRow(("P2", "resolution"), 27, 2, 0, 0, F(27, 29), F(9, 10)),
        ),
        monthly=(
            ComplianceRow(("P1", "first_response", "2026-03"), 9, 1, 0, 0, F(9, 10), F(1)),
            ComplianceRow(("P1", "first_response", "2026-04"), 10, 0, 2, 1, F(1), F(1)),
            ComplianceRow((EVIL_SEVERITY, "resolution", "2026-04"), 0, 0, 1, 0, None, None),
        ),
        internal=(ComplianceRow(("tier1",), 5, 0, 0, 0, F(1), None),),
        service_levels=(
            ServiceLevelResult(
                name="First response within 1h",
                metric="first_response",
                within=H,
                measure="business",
                required=F(4, 5),
                rows=(ServiceLevelRow(("P1", "first_response"), 7, 9, 1),),
            ),
        ),
        percentiles=(
            PercentileRow(
                ("P1", "first_response"),
                9,
                (
                    (F(50), dt.timedelta(minutes=7)),
                    (F(90), dt.timedelta(minutes=13, seconds=5)),
                    (F(999, 10), dt.timedelta(hours=26, seconds=1)),
                ),
            ),
        ),
        distributions=(
            UsedDistribution(("P1", "first_response"), DISTRIBUTION_EDGES, tuple(counts), 9),
        ),
        breaches=(
            _breach(EVIL_ID, EVIL_TEAM, EVIL_SEVERITY, 0),
            _breach(7, None, "P2", 5),
        ),
        breaches_total=5,
        at_risk=(
            AtRiskRow(
                ticket_id=42,
                policy="Standard",
                target="P3.first_response",
                severity="P3",
                metric="first_response",
                team=None,
                cycle=2,
                start=dt.datetime(2026, 4, 30, 12, 0, 0, 400000, tzinfo=UTC),
                due=dt.datetime(2026, 5, 1, 7, 0, tzinfo=UTC),
                used=dt.timedelta(minutes=30),
                remaining=dt.timedelta(hours=1, minutes=30),
                next_event_at=None,
            ),
        ),
        at_risk_total=1,
        at_risk_within=4 * H,
        availability=(
            AvailabilityRow(
                service="api",
                period="2026-03",
                start=dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
                end=dt.datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
                open_time=open_time,
                downtime=H,
                maintenance=2 * H,
                outages=2,
                availability=F(742, 743),
                target=F(999, 1000),
                allowed=allowed,
                left=allowed - H,
                met=False,
            ),
        ),
        availability_credits=(
            CreditRow(
                ("api", "2026-03"),
                F(742, 743),
                CreditTier(F(999, 1000), F(1, 10)),
                0,
                Decimal(10000),
                Decimal("1000.00"),
                False,
            ),
            CreditRow(("api", "2026-04"), F(1), None, 0, Decimal(10000), Decimal("0.00"), False),
        ),
        compliance_credits=(
            CreditRow(
                ("P1", "first_response", "2026-03"),
                F(9, 10),
                CreditTier(F(1), F(1, 20)),
                1,
                Decimal(5000),
                Decimal("250.00"),
                True,
            ),
        ),
        error_counts=(ErrorCountRow("P1 resolution breaches", "2026-03", 3, 2, False),),
    )


@pytest.fixture(scope="module")
def html() -> str:
    return report_html.render_html(small_report(), charts=False)


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return parse(html)


class TestLayout:
    def test_one_document_every_section_in_order(self, html: str, page: Page) -> None:
        assert html.startswith("<!DOCTYPE html>")
        assert page.sections == SECTIONS
        assert page.tags["html"] == page.tags["body"] == page.tags["style"] == 1
        assert "".join(page.h1) == "Monthly <review> & co"
        assert "<title>Monthly &lt;review&gt; &amp; co</title>" in html

    def test_no_scripts_and_nothing_loaded_from_outside(self, html: str, page: Page) -> None:
        assert page.tags["script"] == page.tags["link"] == page.tags["img"] == 0
        assert page.tags["iframe"] == page.tags["object"] == 0
        assert page.handlers == [] and page.links == []
        assert f'<meta http-equiv="Content-Security-Policy" content="{report_html.CSP}">' in html
        assert "script-src" not in report_html.CSP and "default-src 'none'" in report_html.CSP

    def test_empty_report_says_so_in_every_section(self) -> None:
        page = parse(report_html.render_html(build_report([]), charts=False))
        assert page.sections == SECTIONS
        text = "".join(page.text)
        for phrase in (
            "No results of external targets.",
            "No internal targets.",
            "No service levels agreed.",
            "No stopped clocks.",
            "No services, or no outage log",
            "No credit terms",
            "No error-count targets.",
            "No breached results.",
            "No running clock has 4:00:00 or less of business time left.",
        ):
            assert phrase in text


class TestTables:
    def test_summary(self, page: Page) -> None:
        assert {row[0]: row[1] for row in page.tables["summary-table"]} == {
            "Policy": "Acme",
            "Window": "2026-03-01 00:00:00+01:00 to 2026-05-01 00:00:00+02:00",
            "Zone": "Europe/Paris",
            "Period": "month",
            "Measured at": "2026-05-01 00:00:00+02:00",
            "Results": "60",
            "Tickets": "40",
            # (19 + 27) / (20 + 29) = 93.877...%, rounded down
            "Compliance, external targets": "93.87%",
            "Breached results": "5",
            "At risk (at most 4:00:00 left)": "1",
        }

    def test_compliance_by_severity_and_metric(self, page: Page) -> None:
        assert page.headers["compliance-table"] == [
            "severity",
            "metric",
            "met",
            "breached",
            "pending",
            "cancelled",
            "compliance",
            "required",
            "meets",
        ]
        assert page.tables["compliance-table"] == [
            ["P1", "first_response", "19", "1", "2", "1", "95.00%", "100.00%", "no"],
            # 27 / 29 = 93.103...%
            ["P2", "resolution", "27", "2", "0", "0", "93.10%", "90.00%", "yes"],
        ]
        assert page.classes["compliance-table"][0][6] == "num bad"
        assert page.classes["compliance-table"][1][6] == "num ok"

    def test_monthly_is_a_grid_of_periods(self, page: Page) -> None:
        assert page.headers["monthly-table"] == ["severity", "metric", "2026-03", "2026-04"]
        assert page.tables["monthly-table"] == [
            ["P1", "first_response", "90.00%", "100.00%"],
            [EVIL_SEVERITY, "resolution", "—", "—"],
        ]

    def test_internal_targets(self, page: Page) -> None:
        assert page.tables["internal-table"] == [["tier1", "5", "0", "0", "0", "100.00%", "—", "—"]]

    def test_service_levels(self, page: Page) -> None:
        # 7 / 9 = 77.77...% of the decided results, against 80%
        assert page.tables["service-level-1"] == [
            ["P1", "first_response", "7", "9", "1", "77.77%", "80.00%", "no"]
        ]
        assert "Goal: 80.00% within 1:00:00 of business time." in "".join(page.text)

    def test_percentiles_and_distribution(self, page: Page) -> None:
        assert page.headers["percentiles-table"] == [
            "severity",
            "metric",
            "count",
            "p50",
            "p90",
            "p99.9",
        ]
        assert page.tables["percentiles-table"] == [
            ["P1", "first_response", "9", "0:07:00", "0:13:05", "26:00:01"]
        ]
        # bins 20% (4), 90% (2) | 100% (1), 120% (1) | >= 200% (1)
        assert page.tables["distributions-table"] == [["P1", "first_response", "9", "6", "2", "1"]]

    def test_availability_with_its_downtime_budget(self, page: Page) -> None:
        assert page.tables["availability-table"] == [
            [
                "api",
                "2026-03",
                "99.865%",  # 742 / 743 = 99.8654...%
                "99.900%",
                "743:00:00",
                "1:00:00",
                "2:00:00",
                "2",
                "0:44:34.8",  # 0.1% of 743 h
                "134.58%",  # 3600 / 2674.8 = 1.345894...
                "-0:15:25.2",
                "no",
            ]
        ]

    def test_credits_list_what_was_earned_and_the_total(self, page: Page) -> None:
        assert page.tables["availability-credits-table"] == [
            [
                "api",
                "2026-03",
                "99.865%",
                "0",
                "below 99.900%: 10.00%",
                "10,000.00",
                "1,000.00",
                "no",
            ],
            ["total", "", "", "", "", "", "1,000.00", ""],
        ]
        assert "1 period without a credit not listed." in "".join(page.text)
        assert page.tables["compliance-credits-table"] == [
            [
                "P1",
                "first_response",
                "2026-03",
                "90.00%",
                "1",
                "below 100.000%: 5.00%",
                "5,000.00",
                "250.00",
                "yes",
            ],
            ["total", "", "", "", "", "", "", "250.00", ""],
        ]

    def test_error_counts(self, page: Page) -> None:
        assert page.tables["error-counts-table"] == [
            ["P1 resolution breaches", "2026-03", "3", "2", "no"]
        ]

    def test_breaches_latest_of_total(self, page: Page) -> None:
        assert "The latest 2 of 5 breached results" in "".join(page.text)
        rows = page.tables["breaches-table"]
        assert rows[1] == [
            "7",
            "Standard",
            "P2.resolution",
            "P2",
            "—",
            "1",
            "stopped",
            "2026-03-02 09:00:00+01:00",
            "2026-03-02 13:00:00+01:00",
            "2026-03-02 14:35:00+01:00",
            "4:00:00",
            "5:35:00",
            "1:35:00",
        ]

    def test_at_risk(self, page: Page) -> None:
        assert page.tables["at-risk-table"] == [
            [
                "42",
                "Standard",
                "P3.first_response",
                "P3",
                "—",
                "2",
                "2026-04-30 14:00:00.400000+02:00",
                "2026-05-01 09:00:00+02:00",
                "0:30:00",
                "1:30:00",
                "—",
            ]
        ]


class TestEscaping:
    def test_ticket_ids_teams_and_severities_appear_only_escaped(self) -> None:
        html = report_html.render_html(small_report())  # with charts: labels in the SVG too
        page = parse(html)
        assert page.tags["script"] == 0 and page.tags["img"] == 0 and page.handlers == []
        assert "<script" not in html and "<img" not in html
        row = page.tables["breaches-table"][0]
        assert row[0] == EVIL_ID and row[3] == EVIL_SEVERITY and row[4] == EVIL_TEAM
        assert html.count("&lt;script&gt;alert(&#x27;id&#x27;)&lt;/script&gt;") == 1


class TestCharts:
    def test_three_charts_inline_each_drawing_something(self) -> None:
        pytest.importorskip("matplotlib")
        html = report_html.render_html(small_report())
        page = parse(html)
        assert page.tags["figure"] == 3
        found = svgs(html)
        assert len(found) == 3
        for svg in found:
            assert svg.tag == "{http://www.w3.org/2000/svg}svg"
            assert len(svg.findall(".//{http://www.w3.org/2000/svg}path")) > 10
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids))  # the charts' ids do not clash
        # the only URLs are XML namespace names, never something to load
        for url in re.findall(r"https?://[^\s\"'<>]+", html):
            assert re.search(rf'xmlns(:\w+)?="{re.escape(url)}"', html), url

    def test_deterministic(self) -> None:
        pytest.importorskip("matplotlib")
        assert report_html.render_html(small_report()) == report_html.render_html(small_report())

    def test_left_out_on_request(self, html: str) -> None:
        assert "<svg" not in html and "charts-missing" not in html

    def test_left_out_with_a_note_without_matplotlib(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        html = report_html.render_html(small_report())
        assert "<svg" not in html
        page = parse(html)
        assert "Charts are left out: matplotlib is not installed" in "".join(page.text)
        assert "pip install 'slaclock[plot]'" in "".join(page.text)
        assert page.tables["compliance-table"]  # the tables are all there


class TestFragment:
    def test_fragment_is_the_body(self, html: str) -> None:
        frag = report_html.render_html(small_report(), charts=False, fragment=True)
        assert frag.startswith('<div class="slaclock-report">') and frag.endswith("</div>")
        assert "<html" not in frag and "<body" not in frag and "<!DOCTYPE" not in frag
        assert f"<body>{frag}</body>" in html


class TestWriteHtml:
    def test_writes_and_replaces_atomically(self, tmp_path: Path) -> None:
        target = tmp_path / "report.html"
        target.write_text("old", encoding="utf-8")
        got = report_html.write_html(small_report(), target, charts=False)
        assert got == target
        assert target.read_text(encoding="utf-8") == report_html.render_html(
            small_report(), charts=False
        )
        assert os.listdir(tmp_path) == ["report.html"]  # no temporary file left

    def test_an_error_leaves_the_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        target = tmp_path / "report.html"
        target.write_text("old", encoding="utf-8")

        def fail(*_: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", fail)
        with pytest.raises(OSError, match="disk full"):
            report_html.write_html(small_report(), target, charts=False)
        assert target.read_text(encoding="utf-8") == "old"
        assert os.listdir(tmp_path) == ["report.html"]


class TestFormats:
    @pytest.mark.parametrize(
        ("share", "digits", "text"),
        [
            (F(1), 2, "100.00%"),
            (F(0), 2, "0.00%"),
            (F(2, 3), 2, "66.66%"),  # rounded down
            (F(99999, 100000), 3, "99.999%"),
            (F(999999, 1000000), 3, "99.999%"),  # never 100% unless it is
            (F(1, 3), 0, "33%"),
        ],
    )
    def test_share(self, share: Fraction, digits: int, text: str) -> None:
        assert report_html.share_text(share, digits) == text

    def test_duration_and_money(self) -> None:
        assert report_html.duration_text(dt.timedelta(microseconds=5)) == "0:00:00.000005"
        assert report_html.duration_text(None) == "—"
        assert report_html.money_text(Decimal("1234567.5")) == "1,234,567.50"


# ---- the sample report, against the scalar results -------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[SlaReport, list[Any]]:
    from slaclock.availability import sample_outages
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import example_policy
    from slaclock.samples import load_sample
    from slaclock.sla_report import build_report

    tickets, now = load_sample()
    book = example_policy()
    evaluations = [evaluate(t, book, now=now) for t in tickets]
    report = build_report(evaluations, policy=book, outages=sample_outages(), now=now)
    return report, evaluations


class TestSample:
    def test_every_section_has_rows(self, sample: tuple[SlaReport, list[Any]]) -> None:
        report, _ = sample
        page = parse(report_html.render_html(report, charts=False))
        assert page.sections == SECTIONS
        for table in (
            "compliance-table",
            "monthly-table",
            "internal-table",
            "service-level-1",
            "percentiles-table",
            "distributions-table",
            "availability-table",
            "availability-credits-table",
            "compliance-credits-table",
            "error-counts-table",
            "breaches-table",
            "at-risk-table",
        ):
            assert page.tables.get(table), table
        assert len(page.tables["breaches-table"]) == len(report.breaches)
        assert len(page.tables["availability-table"]) == len(report.availability)

    def test_compliance_counts_are_the_scalar_results(
        self, sample: tuple[SlaReport, list[Any]]
    ) -> None:
        report, evaluations = sample
        counts: Counter[tuple[str, str, str]] = Counter(
            (r.severity, r.metric, r.outcome)
            for ev in evaluations
            for r in ev
            if r.metric != "internal"
        )
        page = parse(report_html.render_html(report, charts=False))
        rows = page.tables["compliance-table"]
        assert {(r[0], r[1]) for r in rows} == {(s, m) for s, m, _ in counts}
        for severity, metric, met, breached, *_ in rows:
            assert int(met.replace(",", "")) == counts[severity, metric, "met"]
            assert int(breached.replace(",", "")) == counts[severity, metric, "breached"]
        breached_total = sum(1 for ev in evaluations for r in ev if r.outcome == "breached")
        summary = {row[0]: row[1] for row in page.tables["summary-table"]}
        assert int(summary["Breached results"].replace(",", "")) == breached_total

    def test_charts_are_drawn(self, sample: tuple[SlaReport, list[Any]]) -> None:
        pytest.importorskip("matplotlib")
        report, _ = sample
        found = svgs(report_html.render_html(report))
        assert len(found) == 3
        assert all(len(s.findall(".//{http://www.w3.org/2000/svg}path")) > 20 for s in found)


# ---- notebook reprs --------------------------------------------------------------------------


def renamed(ticket: Ticket, new_id: str) -> Ticket:
    return Ticket(new_id, ticket.severity, ticket.history, attributes=ticket.attributes)


class TestNotebookReprs:
    def test_an_evaluation_is_a_table_of_its_results(self) -> None:
        from slaclock.evaluation import evaluate
        from slaclock.policy_files import example_policy
        from slaclock.samples import load_sample

        tickets, now = load_sample()
        ticket = renamed(tickets[1], EVIL_ID)
        ev = evaluate(ticket, example_policy(), now=now)
        page = parse(ev._repr_html_())
        assert page.tags["script"] == 0
        assert f"Ticket {EVIL_ID}" in "".join(page.text)
        (rows,) = page.tables.values()
        assert len(rows) == len(ev.results)
        first = ev.results[0]
        assert rows[0][:5] == [
            first.target,
            str(first.cycle),
            first.severity,
            first.status,
            first.outcome,
        ]
        assert rows[0][6] == report_html.duration_text(first.used)

    @pytest.mark.parametrize(
        ("library", "module"), [("pandas", "pandas"), ("polars", "polars"), ("arrow", "pyarrow")]
    )
    def test_a_scored_batch_shows_counts_and_the_first_rows(
        self, library: str, module: str
    ) -> None:
        pytest.importorskip(module)
        pytest.importorskip("pyarrow")
        from slaclock.batch import score
        from slaclock.batch.scoring import tables_from_tickets
        from slaclock.policy_files import example_policy
        from slaclock.samples import load_sample

        tickets, now = load_sample()
        picked = [renamed(tickets[0], EVIL_ID), *tickets[1:12]]
        t, e = tables_from_tickets(picked, library=library)
        scored = score(t, e, example_policy(), now=now)
        html = scored._repr_html_()
        assert "<script" not in html
        page = parse(html)
        text = "".join(page.text)
        assert "12 tickets: 12 scored" in text and "0 failed" in text
        assert f"({len(scored.results):,} rows)" in text
        assert EVIL_ID in text
        assert "more rows" in text and "No errors." in text
