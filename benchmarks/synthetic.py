"""A seeded, vectorised warehouse-style ticket export for the batch benchmarks.

:func:`generate` draws ``n`` tickets with numpy (one ``default_rng(seed)``,
no Python loop per ticket or event), so 1,000,000 tickets and their ~6.5
million events take a few seconds. The tables use slaclock's column names
and vocabulary (``slaclock.samples``):

``tickets``
    ``ticket_id, severity, created_at, tier, region``: ``ticket_id`` int64
    1..n (or text ``T0000001`` / categorical, see :func:`frames`), severity
    ``P1``..``P4`` (5/15/40/40 %), ``created_at`` UTC, uniform over 2025
    (whole seconds; ids increase with ``created_at``), ``tier`` in
    bronze/silver/gold/platinum and ``region`` in us/emea/apac.
``events``
    ``ticket_id, seq, at, kind, value``, one row per event, ``seq`` 1-based
    within a ticket, sorted by ticket, instant and ``seq``. A ticket's history
    is::

        status new          at created_at
        agent_reply public  first reply (log-normal, median 2 h wall time)
        k times:
          status pending    waiting on the customer (half of the time at the
                            instant of the agent reply before it)
          status open       the customer answered (median 20 h later)
        status solved       (median 6 h after the last open)

    with ``k`` pauses per ticket drawn from 0..4 (mean 1.9). About 3% of
    tickets are never solved, and every event after :data:`NOW` is dropped,
    so some tickets are still open, pending or unanswered at ``now``. The
    mean is about 6.6 events per ticket (:func:`describe` prints the actual
    figures).

:func:`make_policy` builds the matching :class:`slaclock.policies.Policy`:
first response and resolution for P1..P4 in business time on one calendar
(America/New_York Mon-Fri 09:00-17:00 with US holidays), statuses new/open
running, pending paused, solved/closed stopped: 2 targets per ticket.

:func:`frames` turns the drawn arrays into pandas, polars or arrow tables,
sorted with int64 ids, or the "unsorted, string-keyed" variant (text ids,
both tables' rows shuffled). :func:`pairs` draws the flat inputs of the
``elapsed``/``due`` kernels (the distributions of ``workload.py``, vectorised).

Run ``python benchmarks/synthetic.py 1000000`` to time the generator.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

SEED = 20_251_123
ZONE_NAME = "America/New_York"
HOURS = "Mon-Fri 09:00-17:00"
HOLIDAY_COUNTRY = "US"

SECOND_US = 1_000_000
HOUR_US = 3600 * SECOND_US
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def us(instant: dt.datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (instant - _EPOCH) // dt.timedelta(microseconds=1)


#: Tickets are created uniformly in [START, END); the export is read at NOW.
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOW = END

SEVERITIES = ("P1", "P2", "P3", "P4")
SEVERITY_WEIGHTS = (0.05, 0.15, 0.40, 0.40)
TIERS = ("bronze", "silver", "gold", "platinum")
TIER_WEIGHTS = (0.4, 0.3, 0.2, 0.1)
REGIONS = ("us", "emea", "apac")
REGION_WEIGHTS = (0.5, 0.3, 0.2)
PAUSES = (0, 1, 2, 3, 4)
PAUSE_WEIGHTS = (0.15, 0.20, 0.35, 0.20, 0.10)
NEVER_SOLVED = 0.03
SAME_INSTANT_PENDING = 0.5

#: (kind, value) of each event code.
VOCABULARY = (
    ("status", "new"),
    ("agent_reply", "public"),
    ("status", "pending"),
    ("status", "open"),
    ("status", "solved"),
)
NEW, REPLY, PENDING, OPEN, SOLVED = range(len(VOCABULARY))
KINDS = ("status", "agent_reply")
KIND_OF = np.array([KINDS.index(k) for k, _ in VOCABULARY], dtype=np.int8)
VALUES = ("new", "public", "pending", "open", "solved")
VALUE_OF = np.array([VALUES.index(v) for _, v in VOCABULARY], dtype=np.int8)

# log-normal wall-time gaps: (median seconds, sigma)
FIRST_REPLY = (2 * 3600, 1.2)
CUSTOMER_WAIT = (20 * 3600, 1.0)
WORK = (6 * 3600, 1.2)

Library = Literal["pandas", "polars", "arrow"]
IdKind = Literal["int", "str", "category"]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Histories:
    """The drawn export as numpy arrays (instants in UTC microseconds).

    Event arrays are sorted by ticket, instant and ``seq``;
    ``event_ticket`` holds the ticket's row (0..n-1), ``ticket_id = row + 1``.
    """

    n: int
    severity: npt.NDArray[np.int8]
    created_at: I64
    tier: npt.NDArray[np.int8]
    region: npt.NDArray[np.int8]
    event_ticket: I64
    seq: I64
    at: I64
    code: npt.NDArray[np.int8]
    now: dt.datetime = NOW

    @property
    def ticket_id(self) -> I64:
        return np.arange(1, self.n + 1, dtype=np.int64)

    @property
    def n_events(self) -> int:
        return len(self.at)


def _lognormal_s(rng: np.random.Generator, size: int, median_sigma: tuple[int, float]) -> I64:
    median, sigma = median_sigma
    seconds = np.rint(median * np.exp(sigma * rng.standard_normal(size)))
    out: I64 = np.maximum(seconds, 1).astype(np.int64) * SECOND_US
    return out


def generate(n: int, seed: int = SEED) -> Histories:
    """Draw ``n`` tickets and their events (see the module docstring)."""
    rng = np.random.default_rng(seed)
    lo, hi = us(START) // SECOND_US, us(END) // SECOND_US
    created = np.sort(rng.integers(lo, hi, size=n, dtype=np.int64)) * SECOND_US
    severity = rng.choice(len(SEVERITIES), size=n, p=SEVERITY_WEIGHTS).astype(np.int8)
    tier = rng.choice(len(TIERS), size=n, p=TIER_WEIGHTS).astype(np.int8)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS).astype(np.int8)
    pauses = rng.choice(PAUSES, size=n, p=PAUSE_WEIGHTS).astype(np.int64)
    solved = rng.random(n) >= NEVER_SOLVED

    # events per ticket: new, reply, (pending, open) * k, [solved]
    count = 2 + 2 * pauses + solved
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count, out=first[1:])
    m = int(first[-1])
    ticket = np.repeat(np.arange(n, dtype=np.int64), count)
    pos = np.arange(m, dtype=np.int64) - first[ticket]  # 0-based position in the ticket

    code = np.full(m, OPEN, dtype=np.int8)
    code[pos == 0] = NEW
    code[pos == 1] = REPLY
    code[(pos >= 2) & (pos % 2 == 0)] = PENDING
    last = first[1:] - 1
    code[last[solved]] = SOLVED

    # the wall-time gap before each event
    gap = np.zeros(m, dtype=np.int64)
    is_reply = code == REPLY
    gap[is_reply] = _lognormal_s(rng, int(is_reply.sum()), FIRST_REPLY)
    is_open = code == OPEN
    gap[is_open] = _lognormal_s(rng, int(is_open.sum()), CUSTOMER_WAIT)
    working = (code == PENDING) | (code == SOLVED)
    gap[working] = _lognormal_s(rng, int(working.sum()), WORK)
    # an agent often replies and sets "pending" in one go: same instant, seq orders them
    same = (code == PENDING) & (pos == 2) & (rng.random(m) < SAME_INSTANT_PENDING)
    gap[same] = 0

    at = np.cumsum(gap)
    at -= np.repeat(at[first[:-1]], count)  # the cumulative gap within the ticket
    at += np.repeat(created, count)
    keep = at <= us(NOW)  # an export holds nothing after `now`
    return Histories(
        n=n,
        severity=severity,
        created_at=created,
        tier=tier,
        region=region,
        event_ticket=ticket[keep],
        seq=pos[keep] + 1,
        at=at[keep],
        code=code[keep],
    )


# ---- tables ----------------------------------------------------------------------------


def _text(codes: npt.NDArray[np.int8], labels: tuple[str, ...]) -> Any:
    """An arrow string array from codes, through a dictionary (no Python strings per row)."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(labels)).cast(pa.string())


def _string_ids(ids: I64) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(ids).cast(pa.string()), width=7, padding="0")
    return pc.binary_join_element_wise("T", digits, "")


def arrow_tables(
    h: Histories,
    *,
    ids: IdKind = "int",
    shuffle: bool = False,
    unit: str = "us",
    seed: int = SEED,
) -> tuple[Any, Any]:
    """The (tickets, events) pyarrow tables.

    ``ids``: int64 ids, text ids (``T0000001``), or dictionary-encoded text.
    ``shuffle``: both tables' rows in a random order (``seq`` still orders a
    ticket's events). ``unit``: the timestamp unit (``"us"`` or ``"ns"``).
    """
    import pyarrow as pa

    ts = pa.timestamp(unit, tz="UTC")
    scale = 1000 if unit == "ns" else 1
    ticket_ids: Any = pa.array(h.ticket_id)
    event_ids: Any = pa.array(h.event_ticket + 1)
    if ids != "int":
        ticket_ids = _string_ids(h.ticket_id)
        event_ids = ticket_ids.take(pa.array(h.event_ticket))
        if ids == "category":
            ticket_ids = ticket_ids.dictionary_encode()
            event_ids = event_ids.dictionary_encode()
    tickets = pa.table(
        {
            "ticket_id": ticket_ids,
            "severity": _text(h.severity, SEVERITIES),
            "created_at": pa.array(h.created_at * scale, type=pa.int64()).cast(ts),
            "tier": _text(h.tier, TIERS),
            "region": _text(h.region, REGIONS),
        }
    )
    events = pa.table(
        {
            "ticket_id": event_ids,
            "seq": pa.array(h.seq),
            "at": pa.array(h.at * scale, type=pa.int64()).cast(ts),
            "kind": _text(KIND_OF[h.code], KINDS),
            "value": _text(VALUE_OF[h.code], VALUES),
        }
    )
    if shuffle:
        rng = np.random.default_rng(seed + 1)
        tickets = tickets.take(pa.array(rng.permutation(tickets.num_rows)))
        events = events.take(pa.array(rng.permutation(events.num_rows)))
    return tickets, events


def frames(
    h: Histories,
    library: Library = "pandas",
    *,
    ids: IdKind = "int",
    shuffle: bool = False,
    unit: str | None = None,
) -> tuple[Any, Any]:
    """The (tickets, events) tables in ``library``'s own frame type.

    pandas gets ``datetime64[ns, UTC]`` instants by default and the default
    string dtype for text (``ids="category"``: a ``category`` column);
    polars and arrow get microsecond timestamps by default (their usual
    unit), ``Utf8`` / ``string`` text and ``Categorical`` / dictionary ids.
    """
    if unit is None:
        unit = "ns" if library == "pandas" else "us"
    tickets, events = arrow_tables(h, ids=ids, shuffle=shuffle, unit=unit)
    if library == "arrow":
        return tickets, events
    if library == "polars":
        import polars as pl

        return pl.from_arrow(tickets), pl.from_arrow(events)
    if library == "pandas":
        t, e = tickets.to_pandas(), events.to_pandas()
        if ids == "category":  # arrow dictionaries come back as category already
            t["ticket_id"] = t["ticket_id"].astype("category")
            e["ticket_id"] = e["ticket_id"].astype("category")
        return t, e
    raise ValueError(f"library must be pandas, polars or arrow (got {library!r})")


# ---- the policy ---------------------------------------------------------------------------


def make_calendar() -> Any:
    """New York Mon-Fri 09:00-17:00 with US holidays (slaclock's own holiday lookup)."""
    import slaclock

    return slaclock.Calendar.weekly(
        ZONE_NAME, HOURS, holidays=slaclock.HolidaySource.country(HOLIDAY_COUNTRY)
    )


FIRST_RESPONSE_H = {"P1": 1, "P2": 2, "P3": 4, "P4": 8}
RESOLUTION_H = {"P1": 8, "P2": 16, "P3": 40, "P4": 80}


def make_policy(calendar: Any = None) -> Any:
    """The policy of the synthetic export: 2 business-time targets per severity."""
    from slaclock.policies import BusinessTime, Policy, Target

    cal = make_calendar() if calendar is None else calendar
    targets = []
    for sev in SEVERITIES:
        targets.append(
            Target(
                "first_response", sev, BusinessTime(dt.timedelta(hours=FIRST_RESPONSE_H[sev])), cal
            )
        )
        targets.append(
            Target("resolution", sev, BusinessTime(dt.timedelta(hours=RESOLUTION_H[sev])), cal)
        )
    return Policy(
        "synthetic",
        severities=SEVERITIES,
        statuses={
            "new": "running",
            "open": "running",
            "pending": "paused",
            "solved": "stopped",
            "closed": "stopped",
        },
        targets=targets,
    )


def to_tickets(h: Histories, rows: range | None = None) -> list[Any]:
    """Some tickets as :class:`slaclock.Ticket` values (for checks against ``evaluate``)."""
    from slaclock import AgentReply, StatusChange

    rows = range(h.n) if rows is None else rows
    starts = np.searchsorted(h.event_ticket, [rows.start, rows.stop])
    out: list[Any] = []
    events: list[Any] = []
    current = rows.start
    for i in range(int(starts[0]), int(starts[1])):
        t = int(h.event_ticket[i])
        if t != current:
            out.append(_ticket(h, current, events))
            current, events = t, []
        at = _EPOCH + dt.timedelta(microseconds=int(h.at[i]))
        code = int(h.code[i])
        kind, value = VOCABULARY[code]
        events.append(AgentReply(at) if kind == "agent_reply" else StatusChange(at, status=value))
    if events:
        out.append(_ticket(h, current, events))
    return out


def _ticket(h: Histories, row: int, events: list[Any]) -> Any:
    from slaclock import Ticket

    return Ticket(
        row + 1,
        SEVERITIES[h.severity[row]],
        events,
        attributes={"tier": TIERS[h.tier[row]], "region": REGIONS[h.region[row]]},
    )


# ---- flat kernel inputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pairs:
    """Flat inputs for ``elapsed(start, end)`` and ``due(start, duration)``, in µs."""

    start: I64
    end: I64
    duration: I64


def pairs(n: int, seed: int = SEED) -> Pairs:
    """``n`` (start, end, duration) triples, the laws of ``workload.py`` vectorised.

    start: 80% uniform over 2024-2025 New York, 10% on a 09:00 or 17:00 New
    York edge, 10% on the four DST-change days; whole seconds. duration:
    log-uniform 1 minute .. 30 days (10% round SLA targets of 1-40 h). end:
    start + an independent log-uniform wall duration.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)
    lo = us(dt.datetime(2024, 1, 1, 5, tzinfo=dt.UTC)) // SECOND_US
    hi = us(dt.datetime(2026, 1, 1, 5, tzinfo=dt.UTC)) // SECOND_US
    start = rng.integers(lo, hi, size=n, dtype=np.int64) * SECOND_US
    draw = rng.random(n)
    edge = draw < 0.10
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 731, size=n), unit="D")
    wall = days + pd.to_timedelta(np.where(rng.random(n) < 0.5, 9, 17), unit="h")
    edges = pd.DatetimeIndex(wall).tz_localize(ZONE_NAME).as_unit("us").asi8
    start[edge] = edges[edge]
    dst = (draw >= 0.10) & (draw < 0.20)
    dst_days = pd.DatetimeIndex(["2024-03-10", "2024-11-03", "2025-03-09", "2025-11-02"])
    day0 = dst_days.tz_localize(ZONE_NAME).as_unit("us").asi8
    day1 = (dst_days + pd.Timedelta(days=1)).tz_localize(ZONE_NAME).as_unit("us").asi8
    pick = rng.integers(0, 4, size=n)
    within = (rng.random(n) * (day1 - day0)[pick] // SECOND_US).astype(np.int64) * SECOND_US
    start[dst] = (day0[pick] + within)[dst]

    def log_uniform() -> I64:
        seconds = np.exp(rng.uniform(np.log(60), np.log(30 * 86_400), size=n))
        return np.clip(np.rint(seconds), 60, 30 * 86_400).astype(np.int64) * SECOND_US

    duration = log_uniform()
    rounds = rng.random(n) < 0.10
    duration[rounds] = rng.choice([1, 2, 4, 8, 16, 24, 40], size=int(rounds.sum())) * HOUR_US
    end = start + log_uniform()
    return Pairs(start, end, duration)


# ---- a look at it -----------------------------------------------------------------------------


def describe(h: Histories) -> str:
    """Counts that say what was drawn."""
    per = np.bincount(h.event_ticket, minlength=h.n)
    pauses = np.bincount(h.event_ticket[h.code == PENDING], minlength=h.n)
    last = np.zeros(h.n, dtype=np.int8)
    ends = np.cumsum(per) - 1
    has = per > 0
    last[has] = h.code[ends[has]]
    return (
        f"{h.n:,} tickets, {h.n_events:,} events ({h.n_events / h.n:.2f} per ticket), "
        f"{pauses.mean():.2f} pauses per ticket, {(last == SOLVED).mean():.1%} solved at now, "
        f"{(last == PENDING).mean():.1%} pending, {(last != SOLVED).mean():.1%} not solved"
    )


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    hist = generate(size)
    t1 = time.perf_counter()
    print(f"generate: {t1 - t0:.2f} s; {describe(hist)}")
    libs: tuple[Library, ...] = ("pandas", "polars", "arrow")
    for lib in libs:
        t0 = time.perf_counter()
        frames(hist, lib)
        t1 = time.perf_counter()
        frames(hist, lib, ids="str", shuffle=True)
        t2 = time.perf_counter()
        print(f"{lib}: sorted int ids {t1 - t0:.2f} s, shuffled text ids {t2 - t1:.2f} s")
    t0 = time.perf_counter()
    pairs(size)
    print(f"pairs: {time.perf_counter() - t0:.2f} s")
