"""The SLA report over scored exports: slaclock.sla_report.build_report at 10k to 1M tickets.

Run by hand (not a test)::

    .venv/bin/python benchmarks/bench_report.py            # 10k, 100k, 1M tickets
    .venv/bin/python benchmarks/bench_report.py --sizes 1000000 --rounds 3

For each size the synthetic export of ``synthetic.py`` (2 targets per ticket)
is scored once with ``slaclock.batch.score``; the results are written to a
Parquet file. Then, best of ``--rounds`` after one warm-up call:

``report(pandas)``
    ``build_report`` on the pandas results frame (compliance overall, per
    month and per team, percentiles, distributions, breaches, at risk).
``report(arrow)``
    the same on the Arrow table.
``file->report``
    what ``slaclock report results.parquet`` does before rendering:
    ``read_results(path, library="arrow")`` then ``build_report``.
``slaclock report``
    the whole command in-process (``slaclock.cli.main``): read the Parquet
    file, build the report, write the HTML file with its three SVG charts.
``pandas groupby``
    the peer an analyst would write: compliance per (severity, metric,
    month) with ``DataFrame.groupby`` plus ``quantile`` per (severity,
    metric): a part of the report only (no breach or at-risk lists, no
    distributions), for scale.

Ratios are against the pandas groupby baseline of the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

import synthetic


def best(fn: Callable[[], Any], rounds: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def pandas_baseline(frame: Any) -> Any:
    import pandas as pd

    ext = frame[frame["metric"] != "internal"]
    month = ext["start"].dt.tz_convert(synthetic.ZONE_NAME).dt.strftime("%Y-%m")
    decided = ext["outcome"].isin(["met", "breached"])
    g = pd.DataFrame(
        {
            "severity": ext["severity"],
            "metric": ext["metric"],
            "month": month,
            "met": ext["outcome"] == "met",
            "decided": decided,
        }
    ).groupby(["severity", "metric", "month"], observed=True)
    table = g[["met", "decided"]].sum()
    table["compliance"] = table["met"] / table["decided"]
    stopped = ext[ext["status"] == "stopped"]
    q = stopped.groupby(["severity", "metric"], observed=True)["used"].quantile([0.5, 0.9, 0.95])
    return table, q


def _quiet(fn: Callable[[list[str]], int], argv: list[str]) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        if fn(argv) != 0:
            raise RuntimeError(f"slaclock {' '.join(argv)} failed")


def _policy_file() -> str | None:
    """The synthetic policy as a policy file, for the command line (None if it cannot be written)."""
    hours = "Mon-Fri 09:00-17:00"
    lines = [
        'name = "synthetic"',
        f"severities = {list(synthetic.SEVERITIES)!r}".replace("'", '"'),
        'initial_status = "new"',
        "[statuses]",
        'new = "running"\nopen = "running"\npending = "paused"\nsolved = "stopped"\nclosed = "stopped"',
        "[calendars.ny]",
        f'zone = "{synthetic.ZONE_NAME}"\nhours = "{hours}"\nholidays = [{{ country = "US" }}]',
        "[[policies]]",
        'name = "synthetic"\ncalendar = "ny"',
    ]
    for sev in synthetic.SEVERITIES:
        for metric, table in (
            ("first_response", synthetic.FIRST_RESPONSE_H),
            ("resolution", synthetic.RESOLUTION_H),
        ):
            lines.append(f"[policies.targets.{sev}.{metric}]")
            lines.append(f'business_time = "{table[sev]}h"')
    if hours != synthetic.HOURS:
        return None
    fd, path = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    from slaclock.cli import main as cli_main

    policy = synthetic.make_policy()
    policy_file = _policy_file()
    header = (
        f"{'tickets':>9} {'rows':>9} {'what':<16} {'seconds':>8} {'rows/s':>12} {'vs pandas':>9}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        measure(n, args.rounds, policy, policy_file, cli_main)


def measure(
    n: int, rounds: int, policy: Any, policy_file: str | None, cli_main: Callable[[list[str]], int]
) -> None:
    """Score ``n`` synthetic tickets, then time each way of building their report."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from slaclock.batch import score
    from slaclock.result_files import read_results
    from slaclock.sla_report import build_report

    now = synthetic.NOW
    zone = synthetic.ZONE_NAME
    h = synthetic.generate(n)
    tickets, events = synthetic.frames(h, "pandas")
    t = time.perf_counter()
    results, _errors = score(tickets, events, policy, now=now)
    scoring = time.perf_counter() - t
    rows = len(results)
    arrow = pa.Table.from_pandas(results, preserve_index=False)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "results.parquet")
        pq.write_table(arrow, path)
        timings = {
            "pandas groupby": best(lambda: pandas_baseline(results), rounds),
            "report(pandas)": best(
                lambda: build_report(results, policy=policy, now=now, zone=zone), rounds
            ),
            "report(arrow)": best(
                lambda: build_report(arrow, policy=policy, now=now, zone=zone), rounds
            ),
            "file->report": best(
                lambda: build_report(
                    read_results(path, library="arrow"), policy=policy, now=now, zone=zone
                ),
                rounds,
            ),
        }
        if policy_file is not None:
            html = os.path.join(d, "report.html")
            argv = [
                "report",
                path,
                "--policy",
                policy_file,
                "--now",
                now.isoformat(),
                "--zone",
                zone,
                "--html",
                html,
            ]
            timings["slaclock report"] = best(lambda: _quiet(cli_main, argv), rounds)
    base = timings["pandas groupby"]
    for what, sec in timings.items():
        print(f"{n:>9} {rows:>9} {what:<16} {sec:>8.3f} {rows / sec:>12,.0f} {sec / base:>8.2f}x")
    print(f"{'':>9} {'':>9} (scoring the export took {scoring:.1f} s; not in the figures)")


if __name__ == "__main__":
    main()
