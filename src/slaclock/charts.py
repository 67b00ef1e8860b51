"""Charts of an :class:`~slaclock.sla_report.SlaReport` (the optional ``plot`` extra).

Three charts, each a :class:`matplotlib.figure.Figure`:

- :func:`compliance_chart`: compliance per period of each severity, one line
  per metric, with the required share drawn as a target line;
- :func:`distribution_chart`: business time used as a share of the goal
  (stopped clocks), one histogram per severity and metric, the goal marked
  at 100%;
- :func:`availability_chart`: availability inside service hours per period
  of each service, against its target.

:func:`to_svg` turns a figure into an inline ``<svg>`` element (the same
report gives the same bytes), :func:`charts` makes every chart that has data
and :func:`write_pngs` writes them as PNG files.

matplotlib is imported only when a chart is made (``import slaclock`` never
loads it), and only through :class:`~matplotlib.figure.Figure` and the Agg
canvas: no ``pyplot``, so no global figure state, and charts can be made
from several threads at once. Without matplotlib every function raises an
:class:`~slaclock.errors.InputError` that says to
``pip install 'slaclock[plot]'``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import io
import os
import pathlib
import re
import threading
from collections.abc import Iterator, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from slaclock._files import atomic_path
from slaclock.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from slaclock.sla_report import SlaReport

__all__ = [
    "availability_chart",
    "charts",
    "compliance_chart",
    "distribution_chart",
    "have_matplotlib",
    "to_svg",
    "write_pngs",
]

_PANEL_W = 3.4  # inches per small panel
_PANEL_H = 2.4
_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
_TARGET = "#d62728"
# rcParams are global: the SVG settings are swapped in under this lock, and the
# charts' style is set on each artist rather than through rc_context
_SVG_LOCK = threading.Lock()
_SVG_RC = MappingProxyType({"svg.hashsalt": "slaclock", "svg.fonttype": "none"})


def have_matplotlib() -> bool:
    """True if matplotlib (the ``plot`` extra) can be imported.

    >>> isinstance(have_matplotlib(), bool)
    True

    .. versionadded:: 0.1
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise InputError(
            "matplotlib",
            None,
            "is needed for charts and is not installed",
            "pip install 'slaclock[plot]'",
        ) from None
    return matplotlib


def _figure(label: str, panels: int, columns: int) -> tuple[Figure, int, int]:
    """A figure with an Agg canvas of its own (no pyplot), sized for ``panels`` small panels."""
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = max(1, min(columns, panels))
    rows = max(1, -(-panels // cols))
    fig = Figure(figsize=(_PANEL_W * cols, _PANEL_H * rows + 0.5), layout="constrained")
    FigureCanvasAgg(fig)
    fig.set_label(label)
    return fig, rows, cols


def _percent(share: Fraction) -> float:
    return float(share * 100)


def _label_percent(share: Fraction) -> str:
    text = f"{float(share * 100):.3f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _text(label: object) -> str:
    """A label from the data, shown as written: ``$`` would start matplotlib's mathtext."""
    return str(label).replace("$", r"\$")


def _no_data(report: SlaReport, what: str) -> InputError:
    return InputError("report", report.title, f"has no {what} to chart")


def _ordered(values: Iterator[str] | Sequence[str]) -> list[str]:
    """Distinct values in first-seen order."""
    return list(dict.fromkeys(values))


def compliance_chart(report: SlaReport) -> Figure:
    """Compliance per period of each severity: one line per metric, the required share as target.

    One small panel per severity (from ``report.monthly``); the y axis is
    the compliance in percent, the x axis the report's periods. A period
    with nothing decided (only pending or cancelled results) leaves a gap.
    Each distinct required share of the severity is drawn as a dashed
    horizontal line labelled ``required 95%``.

    .. versionadded:: 0.1

    Raises
    ------
    InputError
        When matplotlib is missing, or the report has no decided monthly
        compliance.

    Examples
    --------
    >>> import pytest; _ = pytest.importorskip("matplotlib")
    >>> from fractions import Fraction
    >>> from slaclock.reports import ComplianceRow
    >>> from slaclock.sla_report import build_report
    >>> import attrs
    >>> rows = (
    ...     ComplianceRow(("P1", "resolution", "2026-03"), 9, 1, 0, 0, Fraction(9, 10), Fraction(1)),
    ...     ComplianceRow(("P1", "resolution", "2026-04"), 10, 0, 0, 0, Fraction(1), Fraction(1)),
    ... )
    >>> report = attrs.evolve(build_report([]), monthly=rows)
    >>> fig = compliance_chart(report)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['resolution', 'required 100%']
    """
    rows = [r for r in report.monthly if r.compliance is not None]
    if not rows:
        raise _no_data(report, "decided monthly compliance")
    periods = sorted({str(r.key[2]) for r in report.monthly})
    x_of = {p: i for i, p in enumerate(periods)}
    severities = _ordered(str(r.key[0]) for r in rows)
    fig, nrows, ncols = _figure("compliance", len(severities), 3)
    for n, severity in enumerate(severities):
        ax = fig.add_subplot(nrows, ncols, n + 1)
        mine = [r for r in report.monthly if str(r.key[0]) == severity]
        metrics = _ordered(str(r.key[1]) for r in mine)
        for i, metric in enumerate(metrics):
            xs: list[float] = []
            ys: list[float] = []
            for r in sorted(
                (r for r in mine if str(r.key[1]) == metric), key=lambda r: x_of[str(r.key[2])]
            ):
                xs.append(x_of[str(r.key[2])])
                ys.append(float("nan") if r.compliance is None else _percent(r.compliance))
            ax.plot(
                xs,
                ys,
                marker="o",
                markersize=3,
                color=_COLORS[i % len(_COLORS)],
                label=_text(metric),
            )
        for required in sorted({r.required for r in mine if r.required is not None}):
            ax.axhline(
                _percent(required),
                color=_TARGET,
                linestyle="--",
                linewidth=1,
                label=f"required {_label_percent(required)}",
            )
        _style(ax, _text(severity), "compliance (%)")
        _period_axis(ax, periods)
        ax.legend(loc="best", fontsize=7, framealpha=0.8)
    fig.suptitle(f"Compliance per {report.period}", fontsize=10)
    return fig


def distribution_chart(report: SlaReport) -> Figure:
    """Business time used as a share of the goal, one histogram per severity and metric.

    From ``report.distributions`` (stopped external clocks): one bar per
    bin of 10% of the goal, the last bin ``>= 200%``; bars at or past 100%
    (the goal used up or missed) are drawn in the target colour, and the goal
    is a dashed vertical line at 100%. One row of panels per severity.

    .. versionadded:: 0.1

    Raises
    ------
    InputError
        When matplotlib is missing, or no distribution has results.
    """
    dists = [d for d in report.distributions if d.count]
    if not dists:
        raise _no_data(report, "distribution of business time used")
    severities = _ordered(d.key[0] for d in dists)
    per_row = max(sum(1 for d in dists if d.key[0] == s) for s in severities)
    fig, _, _ = _figure("distribution", len(severities) * per_row, per_row)
    for row, severity in enumerate(severities):
        for col, d in enumerate(d for d in dists if d.key[0] == severity):
            ax = fig.add_subplot(len(severities), per_row, row * per_row + col + 1)
            width = d.edges[1] - d.edges[0]
            lefts = list(d.edges)
            colors = [_TARGET if lo >= 100 else _COLORS[0] for lo in lefts]
            ax.bar(lefts, d.counts, width=width * 0.9, align="edge", color=colors)
            ax.axvline(100, color="#333333", linestyle="--", linewidth=1, label="goal (100%)")
            last = lefts[-1]
            ticks = [e for e in lefts if e % 50 == 0 and e != last]
            ax.set_xticks([*ticks, last + width / 2], [*(f"{t}%" for t in ticks), f"≥{last}%"])
            ax.set_xlim(0, last + width)
            _style(ax, _text(f"{d.key[0]} {d.key[1]} ({d.count})"), "results" if col == 0 else "")
    fig.suptitle("Business time used, as a share of the goal", fontsize=10)
    return fig


def availability_chart(report: SlaReport) -> Figure:
    """Availability inside service hours per period, one panel per service, against its target.

    From ``report.availability``: the availability in percent per period
    (periods that missed the target marked with a red cross), the target as
    a dashed line labelled ``target 99.9%``.

    .. versionadded:: 0.1

    Raises
    ------
    InputError
        When matplotlib is missing, or the report has no availability rows.
    """
    rows = list(report.availability)
    if not rows:
        raise _no_data(report, "availability")
    services = _ordered(r.service for r in rows)
    fig, nrows, ncols = _figure("availability", len(services), 2)
    for n, service in enumerate(services):
        ax = fig.add_subplot(nrows, ncols, n + 1)
        mine = [r for r in rows if r.service == service]
        periods = _ordered(r.period for r in mine)
        x_of = {p: i for i, p in enumerate(periods)}
        xs = [x_of[r.period] for r in mine]
        ys = [_percent(r.availability) for r in mine]
        ax.plot(xs, ys, marker="o", markersize=3, color=_COLORS[0], label="availability")
        missed = [(x, y) for x, y, r in zip(xs, ys, mine, strict=True) if r.met is False]
        if missed:
            ax.plot(
                [x for x, _ in missed],
                [y for _, y in missed],
                linestyle="none",
                marker="x",
                markersize=6,
                color=_TARGET,
                label="target missed",
            )
        for target in sorted({r.target for r in mine if r.target is not None}):
            ax.axhline(
                _percent(target),
                color=_TARGET,
                linestyle="--",
                linewidth=1,
                label=f"target {_label_percent(target)}",
            )
        _style(ax, _text(service), "availability (%)")
        ax.ticklabel_format(axis="y", useOffset=False)
        _period_axis(ax, periods)
        ax.legend(loc="best", fontsize=7, framealpha=0.8)
    fig.suptitle("Availability inside service hours", fontsize=10)
    return fig


def _style(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e6e6e6", linewidth=0.6)
    ax.set_axisbelow(True)


def _period_axis(ax: Axes, periods: Sequence[str]) -> None:
    step = max(1, -(-len(periods) // 6))  # at most about six labels
    ax.set_xticks(range(len(periods))[::step], periods[::step], rotation=30, ha="right", fontsize=7)
    ax.set_xlim(-0.5, len(periods) - 0.5)


def charts(report: SlaReport) -> dict[str, Figure]:
    """Every chart the report has data for: ``compliance``, ``distribution``, ``availability``.

    Charts without data are left out (never an empty figure).

    .. versionadded:: 0.1

    Raises
    ------
    InputError
        When matplotlib is missing.
    """
    _matplotlib()
    out: dict[str, Figure] = {}
    makers = (
        ("compliance", compliance_chart, any(r.compliance is not None for r in report.monthly)),
        ("distribution", distribution_chart, any(d.count for d in report.distributions)),
        ("availability", availability_chart, bool(report.availability)),
    )
    for name, make, has_data in makers:
        if has_data:
            out[name] = make(report)
    return out


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_IDS = re.compile(r'(\bid="|xlink:href="#|\bhref="#|url\(#)')


def to_svg(fig: Figure, *, id_prefix: str | None = None) -> str:
    """The figure as an ``<svg>`` element, ready to put inline in HTML.

    Deterministic: the same figure gives the same text (a fixed hash salt,
    no date, text kept as ``<text>`` rather than glyph outlines). The XML
    prolog and metadata are dropped, and every ``id`` (and reference to it)
    is prefixed with ``id_prefix`` (default: the figure's label, such as
    ``compliance``) so several charts can share one HTML page.

    .. versionadded:: 0.1

    Raises
    ------
    InputError
        When matplotlib is missing, or the figure has no axes (nothing to draw).
    """
    mpl = _matplotlib()
    if not fig.axes:
        raise InputError("fig", fig.get_label() or "figure", "has no axes: nothing to draw")
    prefix = id_prefix if id_prefix is not None else (str(fig.get_label()) or "chart")
    if not re.fullmatch(r"[A-Za-z][\w-]*", prefix):
        raise InputError("id_prefix", prefix, "must be a letter then letters, digits, _ or -")
    buf = io.StringIO()
    with _SVG_LOCK, mpl.rc_context(_SVG_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1), count=1)
    return _IDS.sub(lambda m: f"{m.group(1)}{prefix}-", text).strip() + "\n"


def write_pngs(
    report: SlaReport, directory: str | os.PathLike[str], *, dpi: int = 120
) -> list[pathlib.Path]:
    """Write every chart of :func:`charts` as ``<name>.png`` into ``directory``.

    The directory is created if needed; each file is written atomically
    (a temporary file beside it, then a rename). Returns the paths written,
    in the order of :func:`charts`.

    .. versionadded:: 0.1

    Raises
    ------
    InputError
        When matplotlib is missing.
    """
    if dpi <= 0:
        raise InputError("dpi", dpi, "must be positive")
    figures = charts(report)
    folder = pathlib.Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures.items():
        path = folder / f"{name}.png"
        with atomic_path(path) as temp:
            fig.savefig(temp, format="png", dpi=dpi, metadata={"Software": None})
        written.append(path)
    return written
