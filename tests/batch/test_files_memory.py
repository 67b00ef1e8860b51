"""``score_parquet`` keeps its peak memory to the chunk size, whatever the input size.

Each measurement runs in a fresh process (so that one run's peak is not
another's): ``tracemalloc`` gives the peak of Python and numpy allocations
(exact and repeatable, unlike the resident size), Arrow's memory pool its own
peak, and ``getrusage`` the peak resident size (everything, with some
allocator noise, so it gets a looser bound). The
input is a generated export of plain tickets, 10 and 50 times a chunk of
10,000 tickets (written in row groups of a chunk); the whole-table ``score`` on the larger one shows what the
chunks save (and that the measurement sees a difference when there is one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")

from export_cases import write_simple

CHUNK = 10_000

CHILD = """
import json, resource, sys, tracemalloc
sys.path.insert(0, {here!r})
import pyarrow as pa
import pyarrow.parquet as pq
from export_cases import SIMPLE_NOW, simple_policy
from slaclock.batch import score, score_parquet

folder, mode = {folder!r}, {mode!r}
policy = simple_policy()
tracemalloc.start()
if mode == "whole":
    got = score(pq.read_table(folder + "/tickets.parquet"), pq.read_table(folder + "/events.parquet"),
                policy, now=SIMPLE_NOW, on_error="mark")
    counts = (got.tickets, got.scored, got.vectorised)
    del got
else:
    got = score_parquet(folder + "/tickets.parquet", folder + "/events.parquet", policy,
                        now=SIMPLE_NOW, out=folder + "/results-" + mode + ".parquet",
                        chunk_tickets={chunk}, order=mode, progress=False)
    counts = (got.tickets, got.scored, got.vectorised)
print(json.dumps({{
    "counts": counts,
    "traced": tracemalloc.get_traced_memory()[1],
    "arrow": pa.default_memory_pool().max_memory(),
    "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}}))
"""

MB = 2**20


def measure(folder: Path, mode: str) -> dict[str, Any]:
    code = CHILD.format(here=str(Path(__file__).parent), folder=str(folder), mode=mode, chunk=CHUNK)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=600
    )
    got: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return got


@pytest.mark.slow
def test_peak_memory_stays_at_the_chunk_size(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    large.mkdir()
    write_simple(10 * CHUNK, small, group=CHUNK)
    write_simple(50 * CHUNK, large, group=CHUNK)  # 500,000 tickets, 1.5 million events
    runs = {
        "small sorted": measure(small, "sorted"),
        "large sorted": measure(large, "sorted"),
        "large unsorted": measure(large, "unsorted"),
        "large whole": measure(large, "whole"),
    }
    report = {
        k: {m: round(v[m] / MB, 1) for m in ("traced", "arrow", "rss")} for k, v in runs.items()
    }
    print(json.dumps(report, indent=1))  # the figures, with pytest -s
    assert runs["small sorted"]["counts"] == [10 * CHUNK] * 3
    for name in ("large sorted", "large unsorted", "large whole"):
        assert runs[name]["counts"] == [50 * CHUNK] * 3, name
    base = runs["small sorted"]
    for name in ("large sorted", "large unsorted"):
        run = runs[name]
        # five times the input, the same peak (a few MB of slack: the partitions' files,
        # and Arrow's read-ahead of a row group)
        assert run["traced"] < 1.1 * base["traced"] + 4 * MB, (name, report)
        assert run["arrow"] < 1.25 * base["arrow"] + 8 * MB, (name, report)
        # and the resident size (interpreter and libraries included, allocator noise too)
        assert run["rss"] < 1.3 * base["rss"], (name, report)
    # the whole tables at once take several times more: the measurement can tell
    assert runs["large whole"]["traced"] > 4 * runs["large sorted"]["traced"], report
