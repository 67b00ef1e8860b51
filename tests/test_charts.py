"""Charts of the SLA report: what each figure draws, computed by hand for a small report."""

from __future__ import annotations

import datetime as dt
import math
import sys
import threading
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest

pytest.importorskip(
    "matplotlib", reason="matplotlib is not installed (pip install 'slaclock[plot]')"
)

from matplotlib.figure import Figure

from slaclock import charts
from slaclock.availability import AvailabilityRow
from slaclock.errors import InputError
from slaclock.reports import ComplianceRow
from slaclock.sla_report import DISTRIBUTION_EDGES, SlaReport, UsedDistribution, build_report

SVG = "{http://www.w3.org/2000/svg}"
F = Fraction


def _avail(service: str, period: str, month: int, down_s: int, target: Fraction) -> AvailabilityRow:
    start = dt.datetime(2026, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(2026, month + 1, 1, tzinfo=dt.UTC)
    open_time = end - start
    allowed = open_time * float(1 - target)  # 86.4 s a day at 99.9%: exact to the microsecond
    down = dt.timedelta(seconds=down_s)
    return AvailabilityRow(
        service=service,
        period=period,
        start=start,
        end=end,
        open_time=open_time,
        downtime=down,
        maintenance=dt.timedelta(0),
        outages=1 if down_s else 0,
        availability=1 - F(down_s, int(open_time.total_seconds())),
        target=target,
        allowed=allowed,
        left=allowed - down,
        met=down <= allowed,
    )


def small_report() -> SlaReport:
    """Two severities over two months, one distribution, one service."""
    monthly = (
        ComplianceRow(("P1", "first_response", "2026-03"), 9, 1, 0, 0, F(9, 10), F(1)),
        ComplianceRow(("P1", "first_response", "2026-04"), 10, 0, 0, 0, F(1), F(1)),
        ComplianceRow(("P1", "resolution", "2026-03"), 3, 1, 0, 0, F(3, 4), F(1)),
        ComplianceRow(("P1", "resolution", "2026-04"), 0, 0, 2, 0, None, F(1)),
        ComplianceRow(("P2", "resolution", "2026-03"), 19, 1, 0, 0, F(19, 20), F(95, 100)),
        ComplianceRow(("P2", "resolution", "2026-04"), 18, 2, 0, 0, F(9, 10), F(95, 100)),
    )
    counts = [0] * len(DISTRIBUTION_EDGES)
    counts[0], counts[4], counts[9], counts[10], counts[-1] = 2, 3, 1, 2, 1
    dist = UsedDistribution(
        key=("P1", "resolution"), edges=DISTRIBUTION_EDGES, counts=tuple(counts), count=9
    )
    empty = UsedDistribution(
        key=("P2", "resolution"),
        edges=DISTRIBUTION_EDGES,
        counts=(0,) * len(DISTRIBUTION_EDGES),
        count=0,
    )
    availability = (
        _avail("api", "2026-03", 3, 1800, F(999, 1000)),  # 1800 s <= 2678.4 s: met
        _avail("api", "2026-04", 4, 3600, F(999, 1000)),  # 3600 s > 2592 s: missed
    )
    return attrs.evolve(
        build_report([]),
        title="Small",
        monthly=monthly,
        distributions=(dist, empty),
        availability=availability,
    )


def floats(data: Any) -> list[float]:
    return [float(v) for v in data]


def lines(fig: Figure, panel: int) -> dict[str, list[float]]:
    return {str(line.get_label()): floats(line.get_ydata()) for line in fig.axes[panel].get_lines()}


def same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y)
        for x, y in zip(a, b, strict=True)
    )


class TestComplianceChart:
    def test_one_panel_per_severity_one_line_per_metric_and_the_required_share(self) -> None:
        fig = charts.compliance_chart(small_report())
        assert [ax.get_title() for ax in fig.axes] == ["P1", "P2"]
        p1 = lines(fig, 0)
        assert list(p1) == ["first_response", "resolution", "required 100%"]
        assert same(p1["first_response"], [90.0, 100.0])
        # April has only pending results: a gap, not a zero
        assert same(p1["resolution"], [75.0, math.nan])
        assert p1["required 100%"] == [100.0, 100.0]
        p2 = lines(fig, 1)
        assert list(p2) == ["resolution", "required 95%"]
        assert same(p2["resolution"], [95.0, 90.0])
        assert p2["required 95%"] == [95.0, 95.0]

    def test_periods_are_the_x_axis(self) -> None:
        fig = charts.compliance_chart(small_report())
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-03", "2026-04"]
        line = ax.get_lines()[0]
        assert floats(line.get_xdata()) == [0.0, 1.0]

    def test_nothing_decided_is_an_error(self) -> None:
        only_pending = attrs.evolve(
            build_report([]),
            monthly=(ComplianceRow(("P1", "resolution", "2026-04"), 0, 0, 2, 0, None, F(1)),),
        )
        with pytest.raises(InputError, match="no decided monthly compliance"):
            charts.compliance_chart(only_pending)


class TestDistributionChart:
    def test_one_bar_per_bin_the_goal_marked_at_100_percent(self) -> None:
        fig = charts.distribution_chart(small_report())
        assert len(fig.axes) == 1  # the distribution without results is left out
        ax = fig.axes[0]
        assert ax.get_title() == "P1 resolution (9)"
        heights = [p.get_height() for p in ax.patches]  # type: ignore[attr-defined]
        assert heights == [2, 0, 0, 0, 3, 0, 0, 0, 0, 1, 2, *([0] * 9), 1]
        lefts = [p.get_x() for p in ax.patches]  # type: ignore[attr-defined]
        assert lefts == list(range(0, 201, 10))
        goal = {str(line.get_label()): floats(line.get_xdata()) for line in ax.get_lines()}
        assert goal == {"goal (100%)": [100, 100]}
        assert ax.get_xticklabels()[-1].get_text() == "≥200%"

    def test_bars_past_the_goal_have_the_target_colour(self) -> None:
        ax = charts.distribution_chart(small_report()).axes[0]
        colors = [p.get_facecolor() for p in ax.patches]
        assert colors[9] != colors[10]
        assert colors[0] == colors[9] and colors[10] == colors[-1]

    def test_no_results_is_an_error(self) -> None:
        with pytest.raises(InputError, match="no distribution"):
            charts.distribution_chart(build_report([]))


class TestAvailabilityChart:
    def test_availability_per_period_against_the_target(self) -> None:
        fig = charts.availability_chart(small_report())
        assert [ax.get_title() for ax in fig.axes] == ["api"]
        got = lines(fig, 0)
        assert list(got) == ["availability", "target missed", "target 99.9%"]
        # 1 - 1800 / (31 * 86400) and 1 - 3600 / (30 * 86400), in percent
        assert same(got["availability"], [100 * (1 - 1800 / 2678400), 100 * (1 - 3600 / 2592000)])
        assert same(got["target missed"], [100 * (1 - 3600 / 2592000)])
        assert same(got["target 99.9%"], [99.9, 99.9])

    def test_no_availability_is_an_error(self) -> None:
        with pytest.raises(InputError, match="no availability"):
            charts.availability_chart(build_report([]))


class TestCharts:
    def test_only_charts_with_data(self) -> None:
        assert list(charts.charts(small_report())) == ["compliance", "distribution", "availability"]
        assert charts.charts(build_report([])) == {}
        no_avail = attrs.evolve(small_report(), availability=())
        assert list(charts.charts(no_avail)) == ["compliance", "distribution"]

    def test_labels_from_the_data_are_shown_as_written(self) -> None:
        report = attrs.evolve(
            small_report(),
            monthly=(ComplianceRow(("P$1", "a$b$", "2026-03"), 1, 0, 0, 0, F(1), F(1)),),
        )
        fig = charts.compliance_chart(report)
        fig.canvas.draw()  # mathtext would fail or eat the dollars here
        svg = charts.to_svg(fig)
        assert "P$1" in svg and "a$b$" in svg


class TestSvg:
    def test_parses_and_draws(self) -> None:
        for name, fig in charts.charts(small_report()).items():
            text = charts.to_svg(fig)
            assert text.startswith("<svg") and text.rstrip().endswith("</svg>")
            root = ET.fromstring(text)
            assert root.tag == f"{SVG}svg"
            paths = root.findall(f".//{SVG}path")
            assert len(paths) > 10, name
            assert root.findall(f".//{SVG}text"), name  # text kept as text (svg.fonttype none)
            ids = [e.get("id") for e in root.iter() if e.get("id")]
            assert ids and all(str(i).startswith(f"{name}-") for i in ids)
            assert len(ids) == len(set(ids))

    def test_same_report_same_bytes(self) -> None:
        a = charts.to_svg(charts.compliance_chart(small_report()))
        b = charts.to_svg(charts.compliance_chart(small_report()))
        assert a == b
        assert "<metadata" not in a and "<?xml" not in a and "dc:date" not in a.lower()

    def test_id_prefix(self) -> None:
        text = charts.to_svg(charts.availability_chart(small_report()), id_prefix="x1")
        root = ET.fromstring(text)
        refs = [
            v
            for e in root.iter()
            for k, v in e.attrib.items()
            if k.endswith("href") or "url(#" in v
        ]
        assert refs and all("#x1-" in v for v in refs)
        with pytest.raises(InputError, match="id_prefix"):
            charts.to_svg(charts.availability_chart(small_report()), id_prefix='a" onload="x')

    def test_a_figure_without_axes_is_an_error(self) -> None:
        with pytest.raises(InputError, match="nothing to draw"):
            charts.to_svg(Figure())

    def test_threads_make_the_same_charts(self) -> None:
        report = small_report()
        want = {n: charts.to_svg(f) for n, f in charts.charts(report).items()}
        got: list[dict[str, str]] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                got.append({n: charts.to_svg(f) for n, f in charts.charts(report).items()})
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert got == [want] * 4


class TestPngs:
    def test_writes_one_png_per_chart(self, tmp_path: Path) -> None:
        out = tmp_path / "charts" / "new"
        paths = charts.write_pngs(small_report(), out)
        assert [p.name for p in paths] == ["compliance.png", "distribution.png", "availability.png"]
        for p in paths:
            data = p.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width = int.from_bytes(data[16:20], "big")
            height = int.from_bytes(data[20:24], "big")
            assert width > 200 and height > 200
        assert sorted(x.name for x in out.iterdir()) == sorted(p.name for p in paths)

    def test_bad_dpi(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="dpi"):
            charts.write_pngs(small_report(), tmp_path, dpi=0)


class TestWithoutMatplotlib:
    def test_every_function_names_the_plot_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        assert not charts.have_matplotlib()
        calls: list[Any] = [
            charts.compliance_chart,
            charts.distribution_chart,
            charts.availability_chart,
            charts.charts,
        ]
        for call in calls:
            with pytest.raises(InputError, match=r"pip install 'slaclock\[plot\]'") as info:
                call(small_report())
            assert info.value.field == "matplotlib"
