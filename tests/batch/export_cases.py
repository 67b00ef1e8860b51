"""Ticket exports for the tests of the files, Dask and Spark paths (not a test module).

:func:`sample_tables` takes the first tickets of the bundled sample (the
example policy's tickets: most take the scalar replay), and
:func:`with_mistakes` plants one of each kind of bad row in them, so that
the errors table has rows that name other rows (repeated ids, repeated
``seq``, a ``created_at`` that is not the first event's). :func:`write_simple`
writes a large export of plain tickets (three events each, the vectorised
replay) chunk by chunk, for the memory test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from slaclock import Calendar
from slaclock.batch import tables_from_tickets
from slaclock.policies import BusinessTime, Policy, Target
from slaclock.samples import SAMPLE_NOW, load_sample

NOW = SAMPLE_NOW


def sample_tables(n: int) -> tuple[Any, Any]:
    """The first ``n`` sample tickets as Arrow tables (text ids ``T0001``..., sorted)."""
    tickets, _ = load_sample()
    return tables_from_tickets(tickets[:n], library="arrow")


def _cell(table: Any, column: str, row: int, value: Any) -> Any:
    values = table.column(column).to_pylist()
    values[row] = value
    i = table.schema.get_field_index(column)
    return table.set_column(i, column, pa.array(values, type=table.schema.field(column).type))


def _rows_of(events: Any, tid: str) -> list[int]:
    ids = events.column("ticket_id").to_pylist()
    return [i for i, v in enumerate(ids) if v == tid]


def with_mistakes(tickets: Any, events: Any) -> tuple[Any, Any]:
    """One bad row of each kind, the tables sorted by ticket id again (nulls last)."""
    ids = tickets.column("ticket_id").to_pylist()
    t = {k: ids[k] for k in (3, 11, 17, 29, 41, 52, 66, 80)}
    # an unknown kind, an unknown status (the scalar path's error), a repeated seq
    events = _cell(events, "kind", _rows_of(events, t[3])[1], "shout")
    events = _cell(events, "value", _rows_of(events, t[11])[0], "wip")
    rows = _rows_of(events, t[17])
    events = _cell(events, "seq", rows[2], events.column("seq")[rows[1]].as_py())
    # created_at not the first event's; an event after now; an empty severity
    tickets = _cell(
        tickets, "created_at", 29, tickets.column("created_at")[29].as_py() + dt.timedelta(hours=1)
    )
    events = _cell(events, "at", _rows_of(events, t[41])[-1], NOW + dt.timedelta(hours=1))
    tickets = _cell(tickets, "severity", 52, "")
    # a ticket twice in the tickets table
    tickets = pa.concat_tables([tickets, tickets.slice(66, 1)])
    # events of ids the tickets table does not have: one sorts among the others, one is null
    orphan = events.slice(0, 2)
    orphan = _cell(_cell(orphan, "ticket_id", 0, f"{t[80]}x"), "ticket_id", 1, None)
    events = pa.concat_tables([events, orphan])
    return _sorted(tickets), _sorted(events)


def _sorted(table: Any) -> Any:
    # a stable sort, nulls at the end: a ticket's events keep their order
    return table.sort_by([("ticket_id", "ascending")])


def shuffled(table: Any, seed: int = 7) -> Any:
    """The rows in a random order."""
    rng = np.random.default_rng(seed)
    return table.take(pa.array(rng.permutation(table.num_rows)))


def write(table: Any, path: Path, row_group_size: int = 50) -> Path:
    """A Parquet file of small row groups (so that reading takes many batches)."""
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


# ---- a large plain export ----------------------------------------------------------------------

SIMPLE_NOW = dt.datetime(2028, 6, 1, tzinfo=dt.UTC)
_HOUR = dt.timedelta(hours=1)


def simple_policy() -> Policy:
    """First response and resolution for P1 and P2, New York business hours."""
    cal = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
    return Policy(
        "plain",
        ["P1", "P2"],
        {"new": "running", "open": "running", "solved": "stopped"},
        [
            Target("first_response", "P1", BusinessTime(_HOUR), cal),
            Target("resolution", "P1", BusinessTime(8 * _HOUR), cal),
            Target("first_response", "P2", BusinessTime(4 * _HOUR), cal),
            Target("resolution", "P2", BusinessTime(24 * _HOUR), cal),
        ],
    )


def write_simple(n: int, folder: Path, *, group: int = 20_000, seed: int = 1) -> tuple[Path, Path]:
    """``n`` tickets (ids 1..n, a minute apart from 2025-01-01) with three events each
    (new, a public reply, solved), written ``group`` tickets per row group."""
    rng = np.random.default_rng(seed)
    base = 1_735_689_600_000_000  # 2025-01-01T00:00Z in microseconds
    ts = pa.timestamp("us", tz="UTC")
    tpath, epath = folder / "tickets.parquet", folder / "events.parquet"
    tw = ew = None
    try:
        for start in range(0, n, group):
            k = min(group, n - start)
            ids = np.arange(start + 1, start + k + 1, dtype=np.int64)
            created = base + ids * 60_000_000
            reply = created + rng.integers(60, 20_000, k) * 1_000_000
            solved = reply + rng.integers(600, 400_000, k) * 1_000_000
            tickets = pa.table(
                {
                    "ticket_id": ids,
                    "severity": np.where(rng.random(k) < 0.3, "P1", "P2"),
                    "created_at": pa.array(created, ts),
                }
            )
            events = pa.table(
                {
                    "ticket_id": np.repeat(ids, 3),
                    "seq": np.tile(np.array([1, 2, 3], dtype=np.int64), k),
                    "at": pa.array(np.stack([created, reply, solved], axis=1).reshape(-1), ts),
                    "kind": np.tile(np.array(["status", "agent_reply", "status"], dtype=object), k),
                    "value": np.tile(np.array(["new", "public", "solved"], dtype=object), k),
                }
            )
            if tw is None or ew is None:
                tw = pq.ParquetWriter(tpath, tickets.schema)
                ew = pq.ParquetWriter(epath, events.schema)
            tw.write_table(tickets)
            ew.write_table(events)
    finally:
        if tw is not None:
            tw.close()
        if ew is not None:
            ew.close()
    return tpath, epath
