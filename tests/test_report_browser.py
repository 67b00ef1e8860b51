"""The sample's HTML report opened in a real browser: headless Chromium renders it.

The report is made as a new user would: ``slaclock demo``, then the
``slaclock report ... --html report.html`` command the demo prints (with
``--png charts/``).

Chromium loads the report from a file and writes a screenshot; its log
(``--enable-logging=stderr``) carries every console message as a
``CONSOLE`` line, and the report's Content-Security-Policy turns any script
or outside resource into such a message, so "no console lines" means nothing
ran and nothing was fetched. The DOM as Chromium parsed it (``--dump-dom``)
must hold the three charts, each drawing paths, and each chart is rendered
on a page of its own to check that it shows on screen (not blank, and with
its red target line). The checks are first run on broken pages, so a
Chromium whose log changed cannot pass them vacuously.

Marked ``browser``: run with ``pytest -m browser`` (a step of its own in
``.ci/run``, which installs Debian's ``chromium``) or ``SLACLOCK_BROWSER=1``.
Skipped, saying why, without Chromium or matplotlib.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = next(
    (
        path
        for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
        if (path := shutil.which(name))
    ),
    None,
)
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )
pytest.importorskip(
    "matplotlib", reason="the charts need matplotlib (pip install 'slaclock[plot]')"
)

from matplotlib.image import imread  # noqa: E402

WIDTH, HEIGHT = 1280, 4000
CHARTS = ("compliance", "distribution", "availability")


@pytest.fixture(scope="module", autouse=True)
def _asked_for(request: pytest.FixtureRequest) -> None:
    expr = request.config.getoption("markexpr") or ""
    asked = "browser" in expr and "not browser" not in expr
    if not asked and os.environ.get("SLACLOCK_BROWSER") != "1":
        pytest.skip(
            "browser tests start Chromium: run them with `pytest -m browser` (.ci/run does)"
        )


def chromium(page: Path, profile: Path, *args: str, size: tuple[int, int]) -> tuple[str, str]:
    """Run headless Chromium on a file: (stdout, stderr). Fails on a non-zero exit."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={size[0]},{size[1]}",
            *args,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, done.stderr


def console(stderr: str) -> list[str]:
    """The console messages in Chromium's log (errors, warnings, logs, CSP reports)."""
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "Content Security Policy" in line
    ]


def screenshot(page: Path, tmp: Path, size: tuple[int, int]) -> tuple[Path, list[str]]:
    png = tmp / f"{page.stem}.png"
    _, err = chromium(page, tmp / "profile", f"--screenshot={png}", size=size)
    return png, console(err)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk (stdlib only)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def pixels(path: Path) -> Any:
    """RGB in [0, 1], as matplotlib reads a PNG."""
    return imread(path)[..., :3]


def ink(img: Any) -> int:
    """Pixels that are not (near) white."""
    return int((img.min(axis=2) < 0.9).sum())


def red(img: Any) -> int:
    """Pixels of the charts' target red (#d62728, anti-aliasing allowed)."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((r > 0.7) & (g < 0.35) & (b < 0.35)).sum())


class Dom(HTMLParser):
    """The figures of the DOM Chromium built: each chart's id and its count of paths."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, int] = {}
        self.scripts = 0
        self._figure: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "figure":
            self._figure = str(a.get("id"))
            self.figures[self._figure] = 0
        elif tag == "path" and self._figure is not None:
            self.figures[self._figure] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None


def chart_svgs(html: str) -> dict[str, str]:
    found = re.findall(
        r'<figure class="chart" id="chart-(\w+)">(<svg\b.*?</svg>)', html, flags=re.DOTALL
    )
    return dict(found)


def chart_page(svg: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        "<style>body{margin:0;background:#fff}</style></head>"
        f"<body>{svg}</body></html>"
    )


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What a new user runs: ``slaclock demo``, then the ``slaclock report`` command it prints.

    With ``--png charts/`` added, in a fresh directory.
    """
    from slaclock.cli import demo_report_command, main

    folder = tmp_path_factory.mktemp("demo")
    results = folder / "results.csv"
    html = folder / "report.html"
    assert main(["demo", "--out", str(results), "--no-progress"]) == 0
    words = shlex.split(demo_report_command(str(results), str(html)))
    assert words[:2] == ["slaclock", "report"]
    assert main([*words[1:], "--png", str(folder / "charts")]) == 0
    return folder


@pytest.fixture(scope="module")
def report_file(report_dir: Path) -> Path:
    return report_dir / "report.html"


class TestTheChecksCatchProblems:
    """The checks on broken pages first: a silent Chromium must not pass them."""

    def test_a_script_error_and_an_outside_load_are_caught(self, tmp_path: Path) -> None:
        page = tmp_path / "broken.html"
        csp = "default-src 'none'; style-src 'unsafe-inline'"
        page.write_text(
            f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
            f'content="{csp}"></head><body><p>x</p>'
            "<script>notDefined()</script>"
            '<img src="https://example.invalid/x.png"></body></html>',
            encoding="utf-8",
        )
        _, errors = screenshot(page, tmp_path, (400, 300))
        assert any("script" in e.lower() for e in errors), errors
        assert any("example.invalid" in e for e in errors), errors

    def test_an_empty_chart_is_blank_on_screen(self, tmp_path: Path) -> None:
        page = tmp_path / "empty.html"
        page.write_text(
            chart_page(
                '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400"><g></g></svg>'
            ),
            encoding="utf-8",
        )
        png, errors = screenshot(page, tmp_path, (800, 600))
        assert errors == []
        img = pixels(png)
        assert ink(img) == 0 and red(img) == 0


class TestSampleReport:
    def test_the_command_line_wrote_the_page_and_the_pngs(self, report_dir: Path) -> None:
        assert (report_dir / "report.html").stat().st_size > 100_000
        for name in CHARTS:
            png = report_dir / "charts" / f"{name}.png"
            width, height = png_size(png)
            assert width > 400 and height > 200, name
            assert ink(pixels(png)) > 5000, name

    def test_the_report_has_every_chart_drawing_paths(self, report_file: Path) -> None:
        found = chart_svgs(report_file.read_text(encoding="utf-8"))
        assert sorted(found) == sorted(CHARTS)
        for name, svg in found.items():
            assert svg.count("<path") > 20, name

    def test_chromium_builds_the_page_without_console_messages(
        self, report_file: Path, tmp_path: Path
    ) -> None:
        dom, err = chromium(report_file, tmp_path / "profile", "--dump-dom", size=(WIDTH, HEIGHT))
        assert console(err) == []
        parsed = Dom()
        parsed.feed(dom)
        assert parsed.scripts == 0
        assert sorted(parsed.figures) == sorted(f"chart-{n}" for n in CHARTS)
        assert all(n > 20 for n in parsed.figures.values()), parsed.figures
        assert "Compliance by severity and metric" in dom

    def test_the_screenshot_shows_the_report(self, report_file: Path, tmp_path: Path) -> None:
        png, errors = screenshot(report_file, tmp_path, (WIDTH, HEIGHT))
        assert errors == []
        assert png.stat().st_size > 50_000
        assert png_size(png) == (WIDTH, HEIGHT)
        img = pixels(png)
        assert img.std() > 0.05  # not one colour
        assert 0.02 < ink(img) / (WIDTH * HEIGHT) < 0.9
        assert red(img) > 100  # the compliance chart and its target lines are in the first 4000 px

    @pytest.mark.parametrize("name", CHARTS)
    def test_each_chart_shows_on_screen(self, report_file: Path, tmp_path: Path, name: str) -> None:
        svg = chart_svgs(report_file.read_text(encoding="utf-8"))[name]
        page = tmp_path / f"{name}.html"
        page.write_text(chart_page(svg), encoding="utf-8")
        png, errors = screenshot(page, tmp_path, (1400, 1400))
        assert errors == []
        img = pixels(png)
        assert ink(img) > 5000, f"the {name} chart is (nearly) blank"
        assert red(img) > 50, f"the {name} chart has no target drawn"
