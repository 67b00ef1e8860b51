"""Scalar benchmark: slaclock and its peers, one call per ticket, one process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scalar.py            # full run
    .venv/bin/python benchmarks/bench_scalar.py --quick    # smoke run, ~1 minute

Every implementation answers the same seeded workload (``workload.py``):
``elapsed(start, end)`` and ``due(start, duration)`` on New York
Mon-Fri 09:00-17:00 with US holidays. Per implementation and question it

1. converts the workload to the implementation's native inputs (untimed),
2. makes one pass calling it once per ticket, catching errors: this is the
   warm-up and gives the answers,
3. times ``repeats`` passes over the tickets that did not raise with
   ``time.perf_counter_ns`` (garbage collector off) and keeps the best; the
   passes run in rounds (every implementation once per round) so that load
   from other work on the machine hits all of them alike,
4. compares every answer with slaclock's, exactly, in integer microseconds
   (no peer here returns floats; all inputs are whole seconds).

Slow peers run on a prefix of the workload (``--n-slow``); ratios always
compare per-call times measured in the same run. It also times building a
10-year calendar plus its first 10-year query, and ``import`` cost.

The answers of slaclock are themselves checked against ``adapters.Reference``,
an independent walk over the business days written from SEMANTICS.md.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import adapters as ad
import workload as wl

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "slaclock",
    "workclock",
    "timegrid",
    "businesstime",
    "businesstimedelta",
    "pandas",
    "numpy",
    "holidays",
    "pytz",
    "tzdata",
)
IMPORTS = ("slaclock", "workclock", "timegrid", "businesstime", "businesstimedelta", "pandas")
KINDS = ("elapsed", "due")
REF_FIRST, REF_LAST = date(2024, 1, 1), date(2026, 12, 31)
TEN_YEARS = (
    datetime(2024, 1, 1, tzinfo=wl.ZONE),
    datetime(2034, 1, 1, tzinfo=wl.ZONE),
)


# --- measuring ----------------------------------------------------------------


def best_of(repeats: int, run: Callable[[], object]) -> int:
    """Best wall time of ``repeats`` runs, in ns, with the GC off."""
    best = math.inf
    for _ in range(repeats):
        enabled = gc.isenabled()
        gc.disable()
        try:
            t0 = time.perf_counter_ns()
            run()
            t1 = time.perf_counter_ns()
        finally:
            if enabled:
                gc.enable()
        best = min(best, t1 - t0)
    return int(best)


def time_calls(f: Callable[..., Any], args: Sequence[tuple[Any, ...]], repeats: int) -> float:
    """Best per-call time over ``args``, in µs."""

    def run() -> None:
        for a in args:
            f(*a)

    return best_of(repeats, run) / len(args) / 1000


@dataclass
class Measure:
    n: int = 0
    us_per_call: float | None = None
    errors: int = 0
    first_error: str = ""
    answers: list[int | None] = field(default_factory=list)  # µs, None where it raised
    timed_args: list[tuple[Any, ...]] = field(default_factory=list)  # the calls that did not


def answer_all(impl: ad.Impl, kind: str, tickets: Sequence[wl.Ticket]) -> Measure | None:
    """The warm-up pass: call once per ticket, keep the answers and errors."""
    f = getattr(impl, kind)
    if f is None:
        return None
    prepare = getattr(impl, f"prepare_{kind}")
    convert = getattr(impl, f"{kind}_us")
    out = Measure(n=len(tickets))
    for a in (prepare(t) for t in tickets):
        try:
            out.answers.append(convert(f(*a)))
            out.timed_args.append(a)
        except Exception as error:
            out.answers.append(None)
            out.errors += 1
            out.first_error = out.first_error or f"{type(error).__name__}: {error}"[:160]
    return out


# --- comparing ----------------------------------------------------------------


@dataclass
class Diff:
    wrong: int = 0
    closing: int = 0  # due: answered the next opening where the due is a closing instant
    examples: list[str] = field(default_factory=list)


def compare(
    kind: str,
    got: Sequence[int | None],
    want: Sequence[int | None],
    tickets: Sequence[wl.Ticket],
    ref: ad.Reference,
) -> Diff:
    diff = Diff()
    for t, g, w in zip(tickets, got, want, strict=False):
        if g is None or w is None or g == w:
            continue
        diff.wrong += 1
        if kind == "due" and ref.is_close(w) and g == ref.next_open_after_close(w):
            diff.closing += 1
            continue
        if len(diff.examples) < 3:
            second = t.end.isoformat() if kind == "elapsed" else str(t.duration)
            diff.examples.append(
                f"{kind}({t.start.isoformat()}, {second}): got {show(kind, g)}, "
                f"expected {show(kind, w)}"
            )
    return diff


def show(kind: str, us: int) -> str:
    if kind == "elapsed":
        return str(timedelta(microseconds=us))
    return (wl.EPOCH + timedelta(microseconds=us)).astimezone(wl.ZONE).isoformat()


# --- calendars over ten years -------------------------------------------------


def ten_year_builders() -> dict[str, Callable[[], object]]:
    """Per implementation: build NY + US holidays, then ask one 10-year
    elapsed. Peers' holiday lists are looked up inside the timed part, as
    slaclock looks up its own, for 2024-2034: one year past the query,
    because businesstimedelta raises ``TypeError`` once a walk passes the
    last listed holiday (its issues #8/#10)."""
    a, b = TEN_YEARS
    years = range(2024, 2035)

    def slaclock_run() -> object:
        import slaclock

        cal = slaclock.Calendar.weekly(wl.ZONE_NAME, wl.HOURS, holidays=ad.slaclock_holidays())
        return ad.timedelta_us(cal.elapsed(a, b))

    def peer_run(build: Callable[[list[date]], ad.Impl]) -> Callable[[], object]:
        def run() -> object:
            impl = build(ad.us_holiday_dates(years))
            assert impl.elapsed is not None
            ticket = wl.Ticket(a, b, timedelta(0), "")
            return impl.elapsed_us(impl.elapsed(*impl.prepare_elapsed(ticket)))

        return run

    return {
        "slaclock": slaclock_run,
        "workclock": peer_run(ad.build_workclock),
        "timegrid": peer_run(lambda dates: ad.build_timegrid(dates, until=datetime(2034, 1, 2))),
        "businesstime": peer_run(ad.build_businesstime),
        "businesstimedelta": peer_run(ad.build_businesstimedelta),
        "pandas CBH": peer_run(ad.build_pandas),
    }


# --- imports --------------------------------------------------------------------


def import_times(python: str, modules: Sequence[str], repeats: int = 5) -> dict[str, Any]:
    """``-X importtime`` cumulative µs of each module, and the wall time of
    ``python -c 'import m'`` against ``python -c pass``, best of ``repeats``."""

    def wall(code: str) -> float:
        best = math.inf
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            subprocess.run([python, "-c", code], check=True, capture_output=True)
            best = min(best, time.perf_counter_ns() - t0)
        return best / 1e6

    out: dict[str, Any] = {"bare_ms": wall("pass"), "modules": {}}
    for module in modules:
        cumulative = math.inf
        try:
            for _ in range(repeats):
                proc = subprocess.run(
                    [python, "-X", "importtime", "-c", f"import {module}"],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                for line in proc.stderr.splitlines():
                    match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
                    if match and match[2] == module:
                        cumulative = min(cumulative, int(match[1]))
            loaded = subprocess.run(
                [
                    python,
                    "-c",
                    f"import sys, {module}; "
                    "print(' '.join(m for m in ('numpy', 'pandas', 'holidays') "
                    "if m in sys.modules))",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
            out["modules"][module] = {
                "importtime_ms": cumulative / 1000,
                "wall_ms": wall(f"import {module}"),
                "heavy": loaded,
            }
        except subprocess.CalledProcessError as error:
            out["modules"][module] = {"error": (error.stderr or "").strip().splitlines()[-1:]}
    return out


# --- report ---------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine_info(argv: Sequence[str]) -> list[str]:
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {version(package)}")
        except Exception:
            versions.append(f"{package} (not installed)")
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"]
    return [
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- command: `{' '.join([Path(sys.executable).name, *argv])}` (cwd: repo root)",
        f"- platform: {platform.platform()}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical CPUs, load average {' '.join(load)}",
        f"- Python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"- packages: {', '.join(versions)}",
    ]


def fmt_us(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def fmt_ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def fmt_wrong(m: Measure | None, d: Diff | None) -> str:
    if m is None:
        return "n/a"
    parts = []
    if d is not None:
        parts.append(str(d.wrong))
        if d.closing:
            parts[-1] += f" ({d.closing} closing-instant)"
    else:
        parts.append("–")
    if m.errors:
        parts.append(f"{m.errors} raised")
    return ", ".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=wl.N, help="tickets for the fast implementations")
    parser.add_argument("--n-slow", type=int, default=10_000, help="tickets for slow peers")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes (best is kept)")
    parser.add_argument("--quick", action="store_true", help="--n 5000 --n-slow 500")
    parser.add_argument("--no-imports", action="store_true", help="skip the import timings")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    if args.quick:
        args.n, args.n_slow = min(args.n, 5_000), min(args.n_slow, 500)
    args.n_slow = min(args.n_slow, args.n)

    lines = ["## Machine", "", *machine_info([f"benchmarks/{Path(__file__).name}", *argv]), ""]
    print("\n".join(lines), flush=True)

    import holidays  # the calendars below look their holidays up in it

    holidays.country_holidays(wl.HOLIDAY_COUNTRY, years=2020)  # load the country module
    tickets = wl.make_workload(args.n)
    dates = ad.us_holiday_dates()
    ref = ad.Reference(dates, REF_FIRST, REF_LAST)
    ref_answers = {
        "elapsed": [ref.elapsed_us(wl.to_us(t.start), wl.to_us(t.end)) for t in tickets],
        "due": [ref.due_us(wl.to_us(t.start), ad.timedelta_us(t.duration)) for t in tickets],
    }

    builders: list[Callable[[], ad.Impl]] = [ad.build_slaclock, *ad.build_peers(dates)]
    impls: list[ad.Impl] = []
    for build in builders:
        try:
            impls.append(build())
        except Exception as error:  # slaclock not ready, a peer missing
            print(f"- skipped {getattr(build, '__name__', build)}: {type(error).__name__}: {error}")
    have_slaclock = bool(impls) and impls[0].name == "slaclock"
    baseline_name = "slaclock" if have_slaclock else "the reference (slaclock not importable)"

    results: dict[str, dict[str, Measure | None]] = {}
    for impl in impls:
        n = args.n_slow if impl.slow else args.n
        results[impl.name] = {kind: answer_all(impl, kind, tickets[:n]) for kind in KINDS}
    # Timed passes in rounds, every implementation once per round, so a burst
    # of load from other work on the machine hits all of them alike.
    for round_ in range(args.repeats):
        for impl in impls:
            for kind in KINDS:
                m = results[impl.name][kind]
                if m is None or not m.timed_args:
                    continue
                us = time_calls(getattr(impl, kind), m.timed_args, 1)
                m.us_per_call = us if m.us_per_call is None else min(m.us_per_call, us)
                print(
                    f"  round {round_ + 1}: {impl.name:18} {kind:7} n={m.n:<7} "
                    f"{fmt_us(us):>8} µs/call  errors={m.errors}",
                    file=sys.stderr,
                    flush=True,
                )

    def baseline(kind: str) -> list[int | None]:
        if have_slaclock:
            m = results["slaclock"][kind]
            assert m is not None
            return m.answers
        return list(ref_answers[kind])

    diffs: dict[str, dict[str, Diff | None]] = {}
    for impl in impls:
        diffs[impl.name] = {}
        for kind in KINDS:
            m = results[impl.name][kind]
            if m is None or (have_slaclock and impl.name == "slaclock"):
                diffs[impl.name][kind] = None
                continue
            diffs[impl.name][kind] = compare(kind, m.answers, baseline(kind), tickets, ref)

    base = results.get("slaclock", {})
    base_e = base["elapsed"].us_per_call if base.get("elapsed") else None
    base_d = base["due"].us_per_call if base.get("due") else None
    out = [
        f"## Per call: {args.n:,} tickets ({args.n_slow:,} for slow peers), best of {args.repeats}",
        "",
        f"Wrong = answers that differ from {baseline_name} by at least 1 µs, "
        "compared exactly in integer microseconds.",
        "",
        "| implementation | version | n | elapsed µs/call | × slaclock | due µs/call "
        "| × slaclock | elapsed wrong | due wrong |",
        "|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for impl in impls:
        me, md = results[impl.name]["elapsed"], results[impl.name]["due"]
        n = (me or md).n if (me or md) else 0
        out.append(
            f"| {impl.name} | {impl.version} | {n:,} "
            f"| {fmt_us(me.us_per_call if me else None)} "
            f"| {fmt_ratio(me.us_per_call if me else None, base_e)} "
            f"| {fmt_us(md.us_per_call if md else None)} "
            f"| {fmt_ratio(md.us_per_call if md else None, base_d)} "
            f"| {fmt_wrong(me, diffs[impl.name]['elapsed'])} "
            f"| {fmt_wrong(md, diffs[impl.name]['due'])} |"
        )
    out += ["", "How each is called:", ""]
    out += [f"- {impl.name}: {impl.note}" for impl in impls]
    out += ["", "Disagreements (up to 3 examples each, closing-instant ones not shown):", ""]
    for impl in impls:
        for kind in KINDS:
            d = diffs[impl.name][kind]
            m = results[impl.name][kind]
            if m is not None and m.errors:
                out.append(f"- {impl.name} {kind}: {m.errors} raised, first: `{m.first_error}`")
            if d is not None:
                out += [f"- {impl.name} {kind}: {e}" for e in d.examples]
    if have_slaclock:
        out += ["", "slaclock against the independent reference (adapters.Reference):", ""]
        for kind in KINDS:
            m = results["slaclock"][kind]
            assert m is not None
            d = compare(kind, m.answers, ref_answers[kind], tickets, ref)
            out.append(f"- {kind}: {d.wrong} of {m.n:,} differ, {m.errors} raised")
            out += [f"  - {e}" for e in d.examples]
    print("\n".join(out), flush=True)

    # -- ten-year calendars
    out = [
        "",
        "## Build a 10-year calendar, then its first query",
        "",
        "NY Mon-Fri 09:00-17:00 + US holidays (after `import holidays`; peers get the dates "
        "of 2024-2034 looked up inside the timed part, slaclock its `HolidaySource` request), "
        "then one `elapsed` over 2024-01-01..2034-01-01 New York; best of 3, fresh calendar "
        "each time.",
        "",
        "| implementation | build + first 10-year query (ms) | × slaclock | answer |",
        "|---|--:|--:|---|",
    ]
    timings: dict[str, tuple[float, str]] = {}
    for name, run in ten_year_builders().items():
        if name not in results:
            continue
        answers: list[object] = []
        try:
            ms = best_of(3, lambda run=run, answers=answers: answers.append(run())) / 1e6
            timings[name] = (ms, str(timedelta(microseconds=answers[-1])))  # type: ignore[arg-type]
        except Exception as error:
            timings[name] = (math.nan, f"{type(error).__name__}: {error}"[:80])
        print(f"  10 years: {name} {timings[name]}", file=sys.stderr, flush=True)
    base_ms = timings["slaclock"][0] if "slaclock" in timings else None
    for name, (ms, answer_text) in timings.items():
        out.append(f"| {name} | {ms:,.1f} | {fmt_ratio(ms, base_ms)} | {answer_text} |")
    print("\n".join(out), flush=True)

    if args.no_imports:
        return
    info = import_times(sys.executable, [m for m in IMPORTS if m in results or m == "pandas"])
    out = [
        "",
        "## Import cost",
        "",
        f"`python -X importtime -c 'import X'` (cumulative time of `X`) and wall time of "
        f"`python -c 'import X'`, best of 5; bare `python -c pass`: {info['bare_ms']:.1f} ms.",
        "",
        "| module | -X importtime (ms) | wall (ms) | wall − bare (ms) "
        "| numpy/pandas/holidays loaded |",
        "|---|--:|--:|--:|---|",
    ]
    for module, row in info["modules"].items():
        if "error" in row:
            out.append(f"| {module} | error: {row['error']} | | | |")
            continue
        out.append(
            f"| {module} | {row['importtime_ms']:.1f} | {row['wall_ms']:.1f} "
            f"| {row['wall_ms'] - info['bare_ms']:.1f} | {', '.join(row['heavy']) or 'none'} |"
        )
    print("\n".join(out), flush=True)


if __name__ == "__main__":
    main()
