"""Report kernels over a :class:`~slaclock.batch._result_table.ResultTable`.

The same definitions as the pure-Python functions of :mod:`slaclock.reports`
(which are the reference they are tested against), computed with numpy group
counts: one group code per row, ``np.bincount`` per outcome, one lexsort for
the percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from slaclock.batch._frames import I64, NULL
from slaclock.batch._result_table import (
    BREACHED,
    CANCELLED,
    MET,
    STOPPED,
    ResultTable,
)

Bools = npt.NDArray[np.bool_]


def period_codes(start: I64, zone: str, period: str) -> tuple[I64, list[str]]:
    """Per row, the code of the local period holding ``start``, and the period labels."""
    from slaclock.availability import _period_starts

    if len(start) == 0:
        return np.zeros(0, dtype=np.int64), []
    lo = int(start.min())
    hi = int(start.max()) + 1
    bounds = _period_starts(lo, hi, zone, period)
    labels = [b[0] for b in bounds]
    starts = np.array([b[1] for b in bounds], dtype=np.int64)
    idx = np.searchsorted(starts, start, side="right") - 1
    return idx.astype(np.int64), labels


def groups(
    table: ResultTable, keys: Sequence[str], zone: str, period: str | None
) -> tuple[I64, list[tuple[Any, ...]]]:
    """One group code per row (0..k-1, in report order) and the k group keys."""
    n = len(table)
    parts: list[tuple[I64, list[Any]]] = []
    for key in keys:
        if key == "period":
            assert period is not None
            c, labels = period_codes(table.us["start"], zone, period)
            parts.append((c, list(labels)))
        else:
            t = table.text[key]
            parts.append((np.asarray(t.codes, dtype=np.int64), list(t.labels)))
    code = np.zeros(n, dtype=np.int64)
    for c, labels in parts:
        code = code * (len(labels) + 1) + (c + 1)  # null codes (-1) become 0
    uniq, inverse = np.unique(code, return_inverse=True)
    found: list[tuple[Any, ...]] = []
    for u in uniq.tolist():
        vals = []
        for _c, labels in reversed(parts):
            u, r = divmod(u, len(labels) + 1)
            vals.append(None if r == 0 else labels[r - 1])
        found.append(tuple(reversed(vals)))
    order = sorted(range(len(found)), key=lambda i: tuple((v is None, str(v)) for v in found[i]))
    rank = np.empty(len(found), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(found), dtype=np.int64)
    return rank[inverse.reshape(-1)], [found[i] for i in order]


def compliance_counts(table: ResultTable, g: I64, k: int) -> npt.NDArray[np.int64]:
    """Per group: met, breached, pending, cancelled (the scalar rules)."""
    met = table.outcome == MET
    breached = table.outcome == BREACHED
    cancelled = ~met & ~breached & (table.status == CANCELLED)
    pending = ~met & ~breached & ~cancelled
    out = np.zeros((k, 4), dtype=np.int64)
    for j, mask in enumerate((met, breached, pending, cancelled)):
        out[:, j] = np.bincount(g[mask], minlength=k)
    return out


def required_of(
    table: ResultTable, g: I64, k: int, shares: dict[tuple[str, str], Fraction]
) -> list[Fraction | None]:
    """Per group, the one required share all its results share (else None)."""
    pol, tgt = table.text["policy"], table.text["target"]
    pair = np.asarray(pol.codes, np.int64) * (len(tgt.labels) + 1) + np.asarray(tgt.codes, np.int64)
    both = np.unique(g * (int(pair.max(initial=0)) + 1) + pair)
    width = int(pair.max(initial=0)) + 1
    seen: list[set[Fraction | None]] = [set() for _ in range(k)]
    for v in both.tolist():
        gi, p = divmod(v, width)
        pi, ti = divmod(p, len(tgt.labels) + 1)
        seen[gi].add(shares.get((pol.labels[pi], tgt.labels[ti])))
    return [next(iter(s)) if len(s) == 1 else None for s in seen]


def nearest_ranks(
    table: ResultTable, g: I64, k: int, qs: Sequence[Fraction], field: str = "used"
) -> tuple[list[int], list[list[int]]]:
    """Per group: its count, and the nearest-rank values (µs) at each ``q``."""
    values = table.us[field]
    order = np.lexsort((values, g))
    gs, vs = g[order], values[order]
    counts = np.bincount(gs, minlength=k)
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out: list[list[int]] = []
    for gi in range(k):
        n = int(counts[gi])
        row = []
        for q in qs:
            rank = max(1, math.ceil(q * n / 100))
            row.append(int(vs[int(offsets[gi]) + rank - 1]))
        out.append(row)
    return counts.tolist(), out


def within_counts(
    table: ResultTable, g: I64, k: int, limit: int, measure: str
) -> npt.NDArray[np.int64]:
    """Per group: within, decided, undecided ("X% within Y", the scalar rules)."""
    value = table.us["used" if measure == "business" else "elapsed"]
    stopped = table.status == STOPPED
    cancelled = table.status == CANCELLED
    decided = stopped | cancelled | (value > limit)
    within = decided & (value <= limit)
    out = np.zeros((k, 3), dtype=np.int64)
    out[:, 0] = np.bincount(g[within], minlength=k)
    out[:, 1] = np.bincount(g[decided], minlength=k)
    out[:, 2] = np.bincount(g[~decided], minlength=k)
    return out


def keep_for_service_level(table: ResultTable) -> Bools:
    """Rows that count in "X% within Y": cancelled results only when breached."""
    out: Bools = (table.status != CANCELLED) | (table.outcome == BREACHED)
    return out


def not_null(values: I64) -> Bools:
    """Where an int64 µs column holds a value."""
    out: Bools = values != NULL
    return out
