"""Batch-path benchmark: columns of instants and whole ticket exports, 10k to 1M rows.

Run from the repository root (a full run takes ~15-25 minutes)::

    .venv/bin/python benchmarks/bench_batch.py
    .venv/bin/python benchmarks/bench_batch.py --sizes 10000 100000 --repeat 3
    .venv/bin/python benchmarks/bench_batch.py --only kernel batch workclock
    .venv/bin/python benchmarks/bench_batch.py --rounds 2   # fast cases twice, interleaved

Every measurement runs in a fresh subprocess (``--child``), which

1. builds its inputs (``synthetic.pairs`` or ``synthetic.generate`` +
   ``synthetic.frames``, seeded) and the calendar or policy, then runs the
   operation once on a 1,000-row input of the same kind (the warm-up:
   compiles the calendar window, fills caches, imports what is imported
   lazily);
2. reads its resident set size (``VmRSS``), the *input RSS*, and resets the
   peak (``echo 5 > /proc/self/clear_refs``, which resets both ``VmHWM`` and
   ``getrusage(RUSAGE_SELF).ru_maxrss``);
3. times ``--repeat`` calls on the full input with ``time.perf_counter``
   (GC on, as a user runs it; the previous answer is dropped before each
   call) and keeps the best;
4. reads ``ru_maxrss``: *peak beyond inputs* = peak - input RSS, which
   counts everything the calls allocate (numpy, Arrow and polars buffers,
   Python objects) but not the input frames;
5. checks the answers (untimed): the kernel against ``Calendar.elapsed`` /
   ``Calendar.due`` on 2,000 rows, every other elapsed/due against the
   kernel on all rows, ``score`` against ``evaluate`` on 300 tickets.

Cases (``--only`` takes prefixes of these names):

- ``kernel.elapsed`` / ``kernel.due``: ``np.searchsorted`` prefix sums over
  the compiled timeline (``cal._cache.covering(lo, hi)``, viewed with
  ``np.frombuffer``) on int64 µs: the lower bound of any batch answer.
- ``batch.elapsed`` / ``batch.due``: ``slaclock.batch.elapsed(cal, starts,
  ends)`` / ``due(cal, starts, durations)`` from tz-aware pandas Series
  (``datetime64[ns, UTC]``, durations ``timedelta64[ns]``); ``[numpy]``,
  ``[polars]``, ``[arrow]`` variants take those libraries' columns (µs).
- ``workclock.between_many`` / ``workclock.add_many``: numpy
  ``datetime64[us]`` in and out (the Rust core's batch calls).
- ``loop.*``: one library call per row in a Python loop (slaclock's scalar
  ``Calendar.elapsed``/``due``, businesstime, pandas ``CustomBusinessHour``,
  businesstimedelta), through ``adapters.py`` exactly as ``bench_scalar.py``
  calls them; skipped at a size whose predicted time exceeds ``--budget``.
- ``score.*``: ``slaclock.batch.score(tickets, events, policy, now=...)`` on
  the synthetic export (2 targets per ticket): pandas with int64 ids sorted
  (the main figure), pandas with text ids and both tables shuffled
  (``unsorted-str``), pandas with categorical ids, polars, arrow.

It prints markdown (machine, tables, the issue's targets) on stdout, progress
on stderr, and writes every figure to ``benchmarks/results/batch-<UTC
date-time>.json``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

import synthetic as syn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = (10_000, 100_000, 1_000_000)
WARMUP_N = 1_000
ROUND_LIMIT_S = 20.0
CHECK_KERNEL_N = 2_000
CHECK_SCORE_N = 300
PACKAGES = (
    "slaclock",
    "numpy",
    "pandas",
    "polars",
    "pyarrow",
    "workclock",
    "businesstime",
    "businesstimedelta",
    "holidays",
)
I64 = npt.NDArray[np.int64]
# the targets (issue 5, "Benchmarks")
TARGET_KERNEL_SHARE = 0.5  # batch elapsed/due throughput >= half the bare kernel's
TARGET_VS_WORKCLOCK = 5.0  # ... and >= 5x workclock between_many / add_many
TARGET_SCORE_RATE = 500_000  # tickets/s at 1M
TARGET_SCORE_PEAK_MIB = 1.5 * 1024  # peak memory beyond inputs at 1M
TARGET_SCALING = 1.5  # per-ticket cost at 1M / at 10k


# ---- memory ------------------------------------------------------------------------------


def rss_kib() -> int:
    """The current resident set size (``VmRSS``), KiB."""
    try:
        text = Path("/proc/self/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", text)
        if match:
            return int(match[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def reset_peak() -> bool:
    """Reset the peak RSS (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def release_free_memory() -> None:
    """Hand freed heap memory back to the system, so the RSS counts live data only.

    Without this, memory freed while the inputs were built stays resident
    (glibc keeps it in its heap, Arrow in its pool) and the measured call
    reuses it without growing the RSS: its peak would be undercounted.
    """
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    if "pyarrow" in sys.modules:
        pool = sys.modules["pyarrow"].default_memory_pool()
        release = getattr(pool, "release_unused", None)
        if release is not None:
            release()


def peak_kib() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# ---- answers as int64 microseconds -------------------------------------------------------


def as_us(values: Any) -> I64:
    """Instants (UTC epoch) or durations of any column type as int64 µs (nulls -> int64 min)."""
    module = type(values).__module__.split(".")[0]
    if module == "polars":
        values = values.to_arrow()
        module = "pyarrow"
    if module == "pyarrow":
        import pyarrow as pa

        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        unit = getattr(values.type, "unit", "us")
        raw = values.cast(pa.int64()).to_numpy(zero_copy_only=False)
        return _scale(np.array(raw, dtype=np.int64), unit)  # a writable copy
    if module == "pandas":
        values = values.array if hasattr(values, "array") else values
        values = np.asarray(getattr(values, "_ndarray", values))
        if values.dtype == object:  # tz-aware DatetimeArray -> datetime64 of its unit
            import pandas as pd

            values = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None).to_numpy()
    array = np.asarray(values)
    if array.dtype.kind in "mM":
        unit = np.datetime_data(array.dtype)[0]
        return _scale(array.view(np.int64).copy(), unit)
    return array.astype(np.int64)


def _scale(raw: I64, unit: str) -> I64:
    null = raw == np.iinfo(np.int64).min
    if unit == "ns":
        raw = raw // 1000
    elif unit == "ms":
        raw = raw * 1000
    elif unit == "s":
        raw = raw * 1_000_000
    raw[null] = np.iinfo(np.int64).min
    return raw


# ---- inputs --------------------------------------------------------------------------------


def columns(p: syn.Pairs, lib: str) -> tuple[Any, Any, Any]:
    """(starts, ends, durations) as ``lib``'s columns."""
    starts = p.start.astype("datetime64[us]")
    ends = p.end.astype("datetime64[us]")
    durations = p.duration.astype("timedelta64[us]")
    if lib == "numpy":
        return starts, ends, durations
    if lib == "pandas":
        import pandas as pd

        def instants(a: Any) -> Any:
            return pd.Series(a.astype("datetime64[ns]")).dt.tz_localize("UTC")

        return instants(starts), instants(ends), pd.Series(durations.astype("timedelta64[ns]"))
    if lib == "polars":
        import polars as pl

        def pl_instants(a: Any) -> Any:
            return pl.Series(a).dt.replace_time_zone("UTC")

        return pl_instants(starts), pl_instants(ends), pl.Series(durations)
    if lib == "arrow":
        import pyarrow as pa

        ts = pa.timestamp("us", tz="UTC")
        return (
            pa.array(p.start).cast(ts),
            pa.array(p.end).cast(ts),
            pa.array(p.duration).cast(pa.duration("us")),
        )
    raise ValueError(lib)


class Kernel:
    """``elapsed``/``due`` by ``np.searchsorted`` over a compiled timeline (int64 µs)."""

    def __init__(self, cal: Any, lo: int, hi: int) -> None:
        tl = cal._cache.covering(lo, hi)
        self.starts = np.frombuffer(tl.starts, dtype=np.int64)
        self.ends = np.frombuffer(tl.ends, dtype=np.int64)
        self.cum = np.frombuffer(tl.cum, dtype=np.int64)
        if not (self.starts[0] <= lo):
            raise ValueError("the compiled window does not start before the inputs")

    def busy_before(self, t: I64) -> I64:
        i = np.searchsorted(self.starts, t, side="right") - 1
        return self.cum[i] + np.minimum(t, self.ends[i]) - self.starts[i]

    def elapsed(self, a: I64, b: I64) -> I64:
        return self.busy_before(b) - self.busy_before(a)

    def due(self, a: I64, d: I64) -> I64:
        target = self.busy_before(a) + d
        j = np.searchsorted(self.cum, target, side="left") - 1
        j = np.maximum(j, 0)
        t = self.starts[j] + (target - self.cum[j])
        if int(target.max()) > int(self.cum[-1]):
            raise ValueError("a due lies past the compiled window")
        return np.where(d == 0, a, t)


def kernel_for(cal: Any, p: syn.Pairs) -> Kernel:
    lo = int(p.start.min()) - 30 * 86_400 * syn.SECOND_US
    hi = int(max(p.end.max(), p.start.max())) + 2 * 366 * 86_400 * syn.SECOND_US
    return Kernel(cal, lo, hi)


# ---- the cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    group: str  # "elapsed", "due" or "score"
    what: str
    per_call: bool = False  # one Python call per row: warm-up and budget apply per row


def _cases() -> dict[str, Case]:
    out: list[Case] = []
    for op, peer in (("elapsed", "between_many"), ("due", "add_many")):
        out += [
            Case(f"kernel.{op}", op, "np.searchsorted prefix sums, int64 µs (lower bound)"),
            Case(f"batch.{op}", op, f"slaclock.batch.{op}, tz-aware pandas Series (ns)"),
            Case(f"batch.{op}[numpy]", op, f"slaclock.batch.{op}, numpy datetime64[us]"),
            Case(f"batch.{op}[polars]", op, f"slaclock.batch.{op}, polars Datetime(us, UTC)"),
            Case(f"batch.{op}[arrow]", op, f"slaclock.batch.{op}, arrow timestamp(us, UTC)"),
            Case(f"workclock.{peer}", op, f"workclock Schedule.{peer}, numpy datetime64[us]"),
            Case(f"loop.slaclock.{op}", op, f"slaclock Calendar.{op} per row", per_call=True),
        ]
        if op == "elapsed":
            out.append(Case("loop.businesstime.elapsed", op, "businesstime per row", True))
        out += [
            Case(f"loop.pandas_cbh.{op}", op, "pandas CustomBusinessHour per row", True),
            Case(f"loop.businesstimedelta.{op}", op, "businesstimedelta per row", True),
        ]
    out += [
        Case("score.pandas", "score", "pandas, int64 ids, sorted"),
        Case("score.pandas.unsorted-str", "score", "pandas, text ids, both tables shuffled"),
        Case("score.pandas.category", "score", "pandas, categorical text ids, sorted"),
        Case("score.polars", "score", "polars, int64 ids, sorted"),
        Case("score.arrow", "score", "arrow, int64 ids, sorted"),
    ]
    return {c.name: c for c in out}


CASES = _cases()

Setup = Callable[[int], tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]]
"""``setup(n)`` -> (the timed call, a check of its answer)."""


def setup_case(case: Case, impl_module: str) -> Setup:
    """The setup of one case: builds inputs for ``n`` rows, returns (call, check)."""
    name = case.name
    op = case.group

    if name.startswith("score."):
        return _score_setup(name, impl_module)

    def setup(n: int) -> tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]:
        p = syn.pairs(n)
        cal = syn.make_calendar()
        kernel = kernel_for(cal, p)
        want: Callable[[], I64] = (
            (lambda: kernel.elapsed(p.start, p.end))
            if op == "elapsed"
            else (lambda: kernel.due(p.start, p.duration))
        )

        def against_kernel(out: Any) -> dict[str, Any]:
            got = as_us(out)
            expected = want()
            wrong = int(np.count_nonzero(got != expected))
            return {"checked": n, "wrong": wrong, "against": "kernel"}

        if name.startswith("kernel."):
            if op == "elapsed":
                a, b = p.start, p.end
                call: Callable[[], Any] = lambda: kernel.elapsed(a, b)  # noqa: E731
            else:
                a, d = p.start, p.duration
                call = lambda: kernel.due(a, d)  # noqa: E731

            def against_scalar(out: Any) -> dict[str, Any]:
                from slaclock._instants import from_us, to_us

                m = min(n, CHECK_KERNEL_N)
                wrong = 0
                for i in range(m):
                    s = from_us(int(p.start[i]))
                    if op == "elapsed":
                        got = cal.elapsed(s, from_us(int(p.end[i]))) // timedelta(microseconds=1)
                    else:
                        got = to_us(cal.due(s, timedelta(microseconds=int(p.duration[i]))))
                    wrong += int(got != int(out[i]))
                return {"checked": m, "wrong": wrong, "against": "Calendar scalar"}

            return call, against_scalar

        if name.startswith("batch."):
            lib = name.partition("[")[2].rstrip("]") or "pandas"
            batch = importlib.import_module(impl_module)
            starts, ends, durations = columns(p, lib)
            f = batch.elapsed if op == "elapsed" else batch.due
            second = ends if op == "elapsed" else durations
            return (lambda: f(cal, starts, second)), against_kernel

        if name.startswith("workclock."):
            from workclock import Holidays, Schedule, WorkDay

            import adapters as ad
            import workload as wl

            schedule = Schedule(
                [
                    WorkDay(wl.OPEN, wl.CLOSE, days=range(5)),
                    Holidays(ad.us_holiday_dates(range(2023, 2029))),
                ],
                time_zone=syn.ZONE_NAME,
            )
            starts, ends, durations = columns(p, "numpy")
            if op == "elapsed":
                return (lambda: schedule.between_many(starts, ends)), against_kernel
            return (lambda: schedule.add_many(starts, durations)), against_kernel

        if name.startswith("loop."):
            return _loop_setup(name, op, p, against_kernel)
        raise ValueError(f"unknown case {name}")

    return setup


def _loop_setup(
    name: str, op: str, p: syn.Pairs, check: Callable[[Any], dict[str, Any]]
) -> tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]:
    import adapters as ad
    import workload as wl

    peer = name.split(".")[1]
    dates = ad.us_holiday_dates(range(2023, 2029))
    builders: dict[str, Callable[[], ad.Impl]] = {
        "slaclock": lambda: _slaclock_impl(syn.make_calendar()),
        "businesstime": lambda: ad.build_businesstime(dates),
        "pandas_cbh": lambda: ad.build_pandas(dates),
        "businesstimedelta": lambda: ad.build_businesstimedelta(dates),
    }
    impl = builders[peer]()
    f = getattr(impl, op)
    prepare = getattr(impl, f"prepare_{op}")
    convert = getattr(impl, f"{op}_us")
    epoch = wl.EPOCH
    one = timedelta(microseconds=1)
    args = [
        prepare(
            wl.Ticket(
                (epoch + one * int(s)).astimezone(wl.ZONE),
                (epoch + one * int(e)).astimezone(wl.ZONE),
                one * int(d),
                "",
            )
        )
        for s, e, d in zip(p.start, p.end, p.duration, strict=True)
    ]

    def call() -> list[Any]:
        return [f(*a) for a in args]

    def checked(out: list[Any]) -> dict[str, Any]:
        return check(np.array([convert(x) for x in out], dtype=np.int64))

    return call, checked


def _slaclock_impl(cal: Any) -> Any:
    import adapters as ad

    return ad.Impl("slaclock", "slaclock", elapsed=cal.elapsed, due=cal.due)


def _score_setup(name: str, impl_module: str) -> Setup:
    parts = name.split(".")
    lib = parts[1]
    variant = parts[2] if len(parts) > 2 else ""
    ids = "str" if variant == "unsorted-str" else "category" if variant == "category" else "int"
    shuffle = variant == "unsorted-str"

    def setup(n: int) -> tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]:
        batch = importlib.import_module(impl_module)
        h = syn.generate(n)
        tickets, events = syn.frames(h, lib, ids=ids, shuffle=shuffle)  # type: ignore[arg-type]
        policy = syn.make_policy()
        now = h.now
        del h  # the numpy arrays are not part of "the input frames"

        def call() -> Any:
            return batch.score(tickets, events, policy, now=now)

        def check(out: Any) -> dict[str, Any]:
            return _check_score(out, n, ids, policy)

        return call, check

    return setup


def _to_pandas(table: Any) -> Any:
    module = type(table).__module__.split(".")[0]
    if module in ("polars", "pyarrow"):
        return table.to_pandas()
    return table


def _head_rows(table: Any, ids: list[Any]) -> Any:
    """The rows of a results table whose ``ticket_id`` is in ``ids``."""
    module = type(table).__module__.split(".")[0]
    if module == "polars":
        import polars as pl

        return table.filter(pl.col("ticket_id").cast(pl.Utf8).is_in([str(i) for i in ids]))
    if module == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        column = pc.cast(table["ticket_id"], pa.string())
        return table.filter(pc.is_in(column, value_set=pa.array([str(i) for i in ids])))
    return table[table["ticket_id"].isin(ids)]


def _check_score(out: Any, n: int, ids: str, policy: Any) -> dict[str, Any]:
    """Rows and errors; a few tickets' due/used/outcome against ``evaluate``."""
    from slaclock.evaluation import evaluate

    # a named pair: .results / .errors, or (results, errors)
    results = out.results if hasattr(out, "results") else out[0]
    errors = out.errors if hasattr(out, "errors") else out[1]
    info: dict[str, Any] = {
        "result_rows": _rows(results),
        "error_rows": _rows(errors),
    }
    try:
        h = syn.generate(n)
        rows = range(0, h.n, max(1, h.n // CHECK_SCORE_N))[:CHECK_SCORE_N]
        wanted: list[Any] = [r + 1 if ids == "int" else f"T{r + 1:07d}" for r in rows]
        # only the checked tickets' rows (grouping a million tickets would cost more
        # time and memory than scoring them)
        frame = _to_pandas(_head_rows(results, wanted))
        wrong = checked = 0
        key = frame["ticket_id"].astype(str)
        by_id = dict(list(frame.groupby(key, sort=False, observed=True)))
        for row in rows:
            ticket = syn.to_tickets(h, range(row, row + 1))[0]
            want = evaluate(ticket, policy, now=h.now).results
            tid = str(row + 1) if ids == "int" else f"T{row + 1:07d}"
            got = by_id.get(tid)
            checked += 1
            if got is None or len(got) != len(want):
                wrong += 1
                continue
            got = got.set_index("target")
            for r in want:
                g = got.loc[r.target]
                if str(g["outcome"]) != r.outcome or as_us_one(g["due"]) != as_us_one(r.due):
                    wrong += 1
                    break
                if as_us_one(g["used"]) != as_us_one(r.used):
                    wrong += 1
                    break
        info.update({"checked": checked, "wrong": wrong, "against": "evaluate"})
    except Exception as error:  # the results' columns are not what this check expects
        info["check_error"] = f"{type(error).__name__}: {error}"[:200]
    return info


def as_us_one(value: Any) -> int | None:
    """One instant or duration (datetime, Timestamp, timedelta, numpy scalar, None) as µs."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
        if isinstance(value, (pd.Timestamp, datetime)):
            return int(pd.Timestamp(value).as_unit("us").value)
        if isinstance(value, (pd.Timedelta, timedelta, np.timedelta64)):
            return int(pd.Timedelta(value).as_unit("us").value)
    except ImportError:
        pass
    if isinstance(value, (int, np.integer)):
        return int(value)
    raise TypeError(f"not an instant or duration: {value!r}")


def _rows(table: Any) -> int:
    return int(table.num_rows) if hasattr(table, "num_rows") else len(table)


# ---- the child: one measurement --------------------------------------------------------------


def run_child(case_name: str, n: int, repeat: int, impl_module: str) -> dict[str, Any]:
    case = CASES[case_name]
    setup = setup_case(case, impl_module)
    # warm-up on a small input of the same kind
    warm_call, _ = setup(min(n, WARMUP_N))
    warm_call()
    del warm_call
    t0 = time.perf_counter()
    call, check = setup(n)
    build_s = time.perf_counter() - t0
    release_free_memory()
    base = rss_kib()
    resettable = reset_peak()
    times: list[float] = []
    out: Any = None
    for _ in range(repeat):
        out = None
        t0 = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - t0)
    peak = peak_kib()
    result: dict[str, Any] = {
        "case": case_name,
        "n": n,
        "load": load_average(),
        "times_s": times,
        "best_s": min(times),
        "input_rss_mib": base / 1024,
        "peak_rss_mib": peak / 1024,
        # the reset sets the peak to the RSS of that moment, which can be a page or two
        # below `base`: a tiny negative difference is noise, reported as 0
        "peak_beyond_inputs_mib": max(0, peak - base) / 1024 if resettable else None,
        "peak_reset": resettable,
        "build_s": build_s,
    }
    t0 = time.perf_counter()
    try:
        result["check"] = check(out)
    except Exception as error:
        result["check"] = {"check_error": f"{type(error).__name__}: {error}"[:200]}
    result["check_s"] = time.perf_counter() - t0
    return result


# ---- the parent: all measurements, the report ----------------------------------------------


def load_average() -> list[str]:
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return ["?"]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine_info(argv: Sequence[str]) -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except Exception:
            versions[package] = None
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = ["?"]
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except Exception:
        commit = "?"
    spec = importlib.util.find_spec("slaclock")
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "benchmarks/bench_batch.py", *argv]),
        "commit": commit,
        # the measured code (PYTHONPATH may point at a snapshot of another commit's src/)
        "slaclock_from": str(Path(spec.origin).parent) if spec and spec.origin else None,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "load_start": load,
        "python": sys.version.split()[0],
        "packages": versions,
    }


def spawn(case: str, n: int, repeat: int, impl_module: str, timeout: float) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        case,
        "--size",
        str(n),
        "--repeat",
        str(repeat),
        "--impl-module",
        impl_module,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"case": case, "n": n, "skipped": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"case": case, "n": n, "skipped": f"failed: {last[:200]}"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def available(case: Case, impl_module: str) -> str | None:
    """Why a case cannot run here (a module missing), or None."""
    needs: list[str] = []
    if case.name.startswith(("batch.", "score.")):
        try:
            batch = importlib.import_module(impl_module)
            getattr(batch, "score" if case.group == "score" else case.group)
        except Exception as error:
            return f"`{impl_module}` has no `{case.group}` yet ({type(error).__name__})"
    if "polars" in case.name:
        needs.append("polars")
    if "arrow" in case.name:
        needs.append("pyarrow")
    peer = case.name.split(".")[1] if case.name.startswith("loop.") else ""
    if case.name.startswith("workclock."):
        needs.append("workclock")
    if peer in ("businesstime", "businesstimedelta"):
        needs.append(peer)
    for module in needs:
        try:
            importlib.import_module(module)
        except ImportError:
            return f"{module} is not installed"
    return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=5, help="timed calls (best kept)")
    parser.add_argument(
        "--only", nargs="+", default=None, help="case name prefixes (kernel, batch.due, score...)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=90.0,
        help="seconds: skip a case at a size its last size predicts to take longer",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help=f"measure every case taking under {ROUND_LIMIT_S:.0f} s this many times, "
        "interleaved (best time and highest peak kept): load from other work then "
        "hits all cases alike",
    )
    parser.add_argument("--impl-module", default="slaclock.batch", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help="where to write the figures")
    parser.add_argument(
        "--render", type=Path, default=None, help="print the report of a saved JSON run, no runs"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))

    if args.child:
        print(json.dumps(run_child(args.child, args.size, args.repeat, args.impl_module)))
        return
    if args.render:
        print(render(json.loads(args.render.read_text())))
        return

    argv = sys.argv[1:] if argv is None else list(argv)
    machine = machine_info(argv)
    cases = [
        c
        for c in CASES.values()
        if args.only is None or any(c.name.startswith(p) for p in args.only)
    ]
    sizes = sorted(args.sizes)
    runs: list[dict[str, Any]] = []
    notes: dict[str, str] = {}
    per_row: dict[str, float] = {}  # the last measured seconds per row, for the budget
    for round_ in range(1, args.rounds + 1):
        for n in sizes:
            for case in cases:
                if round_ > 1:
                    # later rounds: only what ran in round 1 and takes under ROUND_LIMIT_S
                    first = [r for r in runs if r["case"] == case.name and r["n"] == n]
                    if not first or "best_s" not in first[0] or first[0]["best_s"] > ROUND_LIMIT_S:
                        continue
                r = measure(case, n, args, notes, per_row)
                if r is None:
                    continue
                r["round"] = round_
                runs.append(r)
    machine["load_end"] = load_average()
    report = {"machine": machine, "sizes": sizes, "runs": runs, "notes": notes}
    path = args.json or HERE / "results" / (
        "batch-" + datetime.now(UTC).strftime("%Y%m%dT%H%MZ") + ".json"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(render(report))
    print(f"\n(figures written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")


def measure(
    case: Case,
    n: int,
    args: argparse.Namespace,
    notes: dict[str, str],
    per_row: dict[str, float],
) -> dict[str, Any] | None:
    """One case at one size, in a child process (None: cannot run here)."""
    why = available(case, args.impl_module)
    if why:
        notes[case.name] = why
        return None
    repeat = args.repeat
    if case.name in per_row:
        predicted = per_row[case.name] * n
        if predicted > args.budget:
            print(f"  {case.name:34} n={n:>9,}  skipped", file=sys.stderr, flush=True)
            return {
                "case": case.name,
                "n": n,
                "skipped": f"predicted {predicted:,.0f} s per call > --budget {args.budget:.0f} s",
            }
        repeat = max(1, min(args.repeat, int(args.budget / max(predicted, 1e-9))))
    timeout = max(600.0, 4 * args.budget * (repeat + 1))
    r = spawn(case.name, n, repeat, args.impl_module, timeout)
    if "best_s" in r:
        per_row[case.name] = r["best_s"] / n
        check = r.get("check", {})
        print(
            f"  {case.name:34} n={n:>9,}  best {r['best_s'] * 1e3:10.1f} ms "
            f"({n / r['best_s']:>12,.0f}/s, x{repeat})  "
            f"peak+{r['peak_beyond_inputs_mib'] or 0:7.1f} MiB  "
            f"wrong={check.get('wrong', '?')}  load {' '.join(r.get('load', []))}",
            file=sys.stderr,
            flush=True,
        )
    else:
        print(f"  {case.name:34} n={n:>9,}  {r['skipped']}", file=sys.stderr, flush=True)
    return r


# ---- markdown ---------------------------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:,.2f}" if ms < 10 else f"{ms:,.1f}" if ms < 1000 else f"{ms:,.0f}"


def fmt_rate(rate: float) -> str:
    if rate >= 1e6:
        return f"{rate / 1e6:,.2f} M"
    if rate >= 1e3:
        return f"{rate / 1e3:,.1f} k"
    return f"{rate:,.0f}"


def fmt_x(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if value < 0.1:
        return f"{value:.2g}×"
    return f"{value:,.2f}×" if value < 100 else f"{value:,.0f}×"


def fmt_mib(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:,.1f}"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for r in report["runs"]:  # over rounds: the best time, the highest peak
        if "best_s" not in r:
            continue
        key = (r["case"], r["n"])
        if key not in best:
            best[key] = dict(r)
            continue
        kept = best[key]
        peaks = [
            p
            for p in (kept["peak_beyond_inputs_mib"], r["peak_beyond_inputs_mib"])
            if p is not None
        ]
        if r["best_s"] < kept["best_s"]:
            kept.update(r)
        kept["peak_beyond_inputs_mib"] = max(peaks) if peaks else None
    sizes: list[int] = report["sizes"]
    big, small = max(sizes), min(sizes)

    def get(case: str, n: int) -> dict[str, Any] | None:
        return best.get((case, n))

    out = [
        "### Machine",
        "",
        f"- date: {m['date']}, commit {m['commit']}; slaclock imported from "
        f"`{m.get('slaclock_from')}`",
        f"- command: `{m['command']}` (cwd: repo root)",
        f"- CPU: {m['cpu']}, {m['cpus']} logical CPUs (shared); load average "
        f"{' '.join(m['load_start'])} at the start, {' '.join(m.get('load_end', ['?']))} at the end",
        f"- {m['platform']}, Python {m['python']}",
        "- packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v is not None),
        "",
    ]

    out += summary(get, sizes)

    # elapsed / due
    for op, peer in (("elapsed", "workclock.between_many"), ("due", "workclock.add_many")):
        names = [c.name for c in CASES.values() if c.group == op]
        rows = [name for name in names if any(get(name, n) for n in sizes)]
        if not rows:
            continue
        out += [
            f"### `{op}`: rows per second, best of the repeats (and rounds)",
            "",
            "× kernel = this row's throughput / the bare kernel's (same size, same run); "
            f"× workclock = this row's throughput / workclock `{peer.split('.')[1]}`'s. "
            "Peak = peak RSS beyond the inputs (MiB). Wrong = answers that differ from "
            "the kernel (the kernel: from `Calendar` on 2,000 rows).",
            "",
            "| implementation | n | best (ms) | rows/s | × kernel | × workclock | peak MiB | wrong |",
            "|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for name in rows:
            for n in sizes:
                r = get(name, n)
                if r is None:
                    continue
                k, w = get(f"kernel.{op}", n), get(peer, n)
                check = r.get("check", {})
                wrong = check.get("wrong")
                wrong_text = (
                    f"{wrong:,} / {check['checked']:,}"
                    if wrong is not None
                    else check.get("check_error", "?")[:40]
                )
                out.append(
                    f"| {name} | {n:,} | {fmt_time(r['best_s'])} | {fmt_rate(n / r['best_s'])} "
                    f"| {fmt_x(k['best_s'] / r['best_s'] if k else None)} "
                    f"| {fmt_x(w['best_s'] / r['best_s'] if w else None)} "
                    f"| {fmt_mib(r['peak_beyond_inputs_mib'])} | {wrong_text} |"
                )
        out.append("")

    # score
    score_rows = [c.name for c in CASES.values() if c.group == "score"]
    if any(get(name, n) for name in score_rows for n in sizes):
        out += [
            "### `score`: tickets per second (2 targets per ticket)",
            "",
            "Peak = peak RSS beyond the input frames; inputs = RSS with the input frames "
            "built (the interpreter and imports included). Wrong = of 300 tickets spread "
            "over the export, those whose outcome, due or used differ from `evaluate`.",
            "",
            "| input | n tickets | best (s) | tickets/s | results/s | × pandas sorted "
            "| peak MiB | inputs MiB | results | errors | wrong |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for name in score_rows:
            for n in sizes:
                r = get(name, n)
                if r is None:
                    continue
                base = get("score.pandas", n)
                check = r.get("check", {})
                results = check.get("result_rows")
                wrong = check.get("wrong")
                wrong_text = (
                    f"{wrong} / {check['checked']}"
                    if wrong is not None
                    else str(check.get("check_error", "?"))[:40]
                )
                out.append(
                    f"| {CASES[name].what} | {n:,} | {r['best_s']:,.3f} "
                    f"| {fmt_rate(n / r['best_s'])} "
                    f"| {fmt_rate(results / r['best_s']) if results else '?'} "
                    f"| {fmt_x(base['best_s'] / r['best_s'] if base else None)} "
                    f"| {fmt_mib(r['peak_beyond_inputs_mib'])} | {fmt_mib(r['input_rss_mib'])} "
                    f"| {results if results is not None else '?':,} "
                    f"| {check.get('error_rows', '?'):,} "
                    f"| {wrong_text} |"
                )
        out.append("")

    # scaling
    if big != small:
        out += [
            f"### Linear scaling: cost per row at {big:,} / at {small:,}",
            "",
            "| case | µs/row at " + f"{small:,} | µs/row at {big:,} | ratio |",
            "|---|--:|--:|--:|",
        ]
        for case in CASES:
            a, b = get(case, small), get(case, big)
            if a and b:
                pa_, pb = a["best_s"] / small * 1e6, b["best_s"] / big * 1e6
                out.append(f"| {case} | {pa_:.3f} | {pb:.3f} | {pb / pa_:.2f} |")
        out.append("")

    # skipped
    skipped = [r for r in report["runs"] if "skipped" in r and (r["case"], r["n"]) not in best]
    if skipped or report["notes"]:
        out += ["### Not measured", ""]
        out += [f"- {name}: {why}" for name, why in report["notes"].items()]
        out += [f"- {r['case']} at {r['n']:,}: {r['skipped']}" for r in skipped]
        out.append("")

    out += targets(get, big, small)
    return "\n".join(out)


def summary(get: Callable[[str, int], dict[str, Any] | None], sizes: list[int]) -> list[str]:
    """One row per implementation of elapsed/due, at the largest size it was measured at."""
    pairs = [
        ("kernel.elapsed", "kernel.due", "bare kernel (numpy `searchsorted`, int64 µs)"),
        ("batch.elapsed", "batch.due", "`slaclock.batch`, tz-aware pandas Series"),
        ("batch.elapsed[numpy]", "batch.due[numpy]", "`slaclock.batch`, numpy datetime64"),
        ("batch.elapsed[polars]", "batch.due[polars]", "`slaclock.batch`, polars Series"),
        ("batch.elapsed[arrow]", "batch.due[arrow]", "`slaclock.batch`, Arrow arrays"),
        ("workclock.between_many", "workclock.add_many", "workclock `between_many`/`add_many`"),
        ("loop.slaclock.elapsed", "loop.slaclock.due", "slaclock `Calendar` per row"),
        ("loop.businesstime.elapsed", "", "businesstime per row"),
        ("loop.pandas_cbh.elapsed", "loop.pandas_cbh.due", "pandas `CustomBusinessHour` per row"),
        (
            "loop.businesstimedelta.elapsed",
            "loop.businesstimedelta.due",
            "businesstimedelta per row",
        ),
    ]
    out = [
        "### Summary: `elapsed` and `due`, rows per second",
        "",
        "At the largest size each was measured at (n); × kernel and × workclock compare "
        "throughputs at that same n, in this run.",
        "",
        "| implementation | n | elapsed rows/s | × kernel | × workclock "
        "| due rows/s | × kernel | × workclock |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    rows = 0
    for e_name, d_name, label in pairs:
        measured = [n for n in sizes if get(e_name, n) or get(d_name, n)]
        if not measured:
            continue
        rows += 1
        n = max(measured)
        cells = []
        for name, op, peer in (
            (e_name, "elapsed", "workclock.between_many"),
            (d_name, "due", "workclock.add_many"),
        ):
            r, k, w = get(name, n), get(f"kernel.{op}", n), get(peer, n)
            if r is None:
                cells += ["–", "–", "–"]
                continue
            cells += [
                fmt_rate(n / r["best_s"]),
                fmt_x(k["best_s"] / r["best_s"] if k else None),
                fmt_x(w["best_s"] / r["best_s"] if w else None),
            ]
        out.append(f"| {label} | {n:,} | " + " | ".join(cells) + " |")
    out.append("")
    return out if rows else []


def targets(get: Callable[[str, int], dict[str, Any] | None], big: int, small: int) -> list[str]:
    out = [
        f"### The issue's targets (at {big:,})",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]

    def row(target: str, measured: str, ok: bool | None) -> None:
        out.append(f"| {target} | {measured} | {'yes' if ok else 'no' if ok is False else '–'} |")

    for op, peer in (("elapsed", "workclock.between_many"), ("due", "workclock.add_many")):
        b, k, w = get(f"batch.{op}", big), get(f"kernel.{op}", big), get(peer, big)
        if b and k:
            share = k["best_s"] / b["best_s"]
            row(
                f"`batch.{op}` (tz-aware pandas) >= {TARGET_KERNEL_SHARE:.0%} of the bare "
                "kernel's throughput",
                f"{fmt_rate(big / b['best_s'])}/s vs {fmt_rate(big / k['best_s'])}/s = {share:.0%}",
                share >= TARGET_KERNEL_SHARE,
            )
        else:
            row(f"`batch.{op}` >= {TARGET_KERNEL_SHARE:.0%} of the kernel", "not measured", None)
        if b and w:
            x = w["best_s"] / b["best_s"]
            row(
                f"`batch.{op}` >= {TARGET_VS_WORKCLOCK:.0f}x workclock `{peer.split('.')[1]}`",
                f"{fmt_rate(big / b['best_s'])}/s vs {fmt_rate(big / w['best_s'])}/s = {x:.2f}x",
                x >= TARGET_VS_WORKCLOCK,
            )
        else:
            row(f"`batch.{op}` >= 5x workclock", "not measured", None)
    s = get("score.pandas", big)
    if s:
        rate = big / s["best_s"]
        row(
            f"`score` (pandas, sorted int ids) >= {TARGET_SCORE_RATE:,} tickets/s",
            f"{rate:,.0f} tickets/s",
            rate >= TARGET_SCORE_RATE,
        )
        peak = s["peak_beyond_inputs_mib"]
        row(
            "`score` peak memory beyond the inputs < 1.5 GiB",
            f"{fmt_mib(peak)} MiB",
            None if peak is None else peak < TARGET_SCORE_PEAK_MIB,
        )
    else:
        row("`score` >= 500k tickets/s, peak < 1.5 GiB", "not measured", None)
    for case in ("score.pandas", "batch.elapsed", "batch.due"):
        a, b = get(case, small), get(case, big)
        if a and b:
            ratio = (b["best_s"] / big) / (a["best_s"] / small)
            row(
                f"`{case}` cost per ticket at {big:,} within {TARGET_SCALING}x of {small:,}",
                f"{ratio:.2f}x",
                ratio <= TARGET_SCALING,
            )
    u, s = get("score.pandas.unsorted-str", big), get("score.pandas", big)
    if u and s:
        out.append("")
        out.append(
            f"Unsorted, string-keyed input costs {u['best_s'] / s['best_s']:.2f}x the sorted "
            f"int-keyed one at {big:,} ({fmt_rate(big / u['best_s'])} tickets/s)."
        )
    out.append("")
    return out


if __name__ == "__main__":
    main()
