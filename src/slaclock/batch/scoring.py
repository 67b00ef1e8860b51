"""Scoring whole ticket exports: :func:`score` on a tickets table and a long events table.

The tables have the columns of :mod:`slaclock.samples` (the same vocabulary
as the scalar events):

``tickets``
    ``ticket_id`` (whole numbers, text or categorical), ``severity`` (at
    creation), ``created_at`` (an instant: the first event's), then any
    attribute columns (``tier``, ``region``, ...; a null attribute means the
    ticket does not have it).
``events``
    ``ticket_id``, ``seq`` (whole numbers ordering a ticket's events;
    same-instant events apply in ``seq`` order), ``at`` (an instant),
    ``kind`` (``status``, ``agent_reply``, ``customer_reply``, ``update``,
    ``assignment``, ``severity``, ``cancel``) and ``value`` (the status,
    ``public``/``private``, the team, the severity, the cancel reason; null or
    empty for the rest).

Instant columns are tz-aware timestamps (pandas ``datetime64[..., tz]``,
polars ``Datetime(tz)``, Arrow ``timestamp(tz)``), or naive ones with
``assume_tz=``. Rows may come in any order; a warehouse export sorted by
ticket, instant and ``seq`` skips the sort.

The answer is exactly what :func:`slaclock.evaluation.evaluate` gives ticket
by ticket: ordinary tickets are replayed by numpy over all tickets at once
(every metric, internal targets, warnings, business days), and the ticket
the vectorised replay does not cover (a severity change, a cancel or a
reopen in its history) is replayed by the scalar clock, as is every ticket
with an error (its message is the scalar path's).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from slaclock._instants import from_us, to_us
from slaclock.batch import _frames
from slaclock.batch._frames import I64, NULL, Bools
from slaclock.errors import InputError, SlaClockError, TableFormatError
from slaclock.evaluation import RESULT_FIELDS, Evaluation, Result, evaluate
from slaclock.policies import Policy, PolicyBook
from slaclock.result_files import DURATION_FIELDS, INSTANT_FIELDS, encode_earlier, encode_warnings
from slaclock.samples import (
    EVENT_KINDS,
    EVENTS_COLUMNS,
    TICKETS_COLUMNS,
    event_from_row,
    event_value,
    format_instant,
)
from slaclock.tickets import Event, Ticket

__all__ = ["ERROR_COLUMNS", "Scored", "results_frame", "score", "tables_from_tickets"]

ERROR_COLUMNS: Final = ("ticket_id", "row", "field", "value", "error", "message")
"""The columns of the errors table of :func:`score`.

``ticket_id``
    The ticket (for an event whose ticket is not in the tickets table: that id).
``row``
    The offending row, by position (0-based) in its table.
``field``
    ``<table>.<column>``: ``tickets.severity``, ``events.at``, ``events.value``...
``value``
    The offending value, as text (null when the value is missing).
``error``
    The class name of the error (``UnknownStatusError``, ``TableFormatError``...).
``message``
    What the scalar path raises for the ticket (``history[3].status: is not a
    status of the policy (known: ...) (got 'wip')``), or for a mistake of the
    table itself (a repeated ``seq``) the :class:`~slaclock.errors.TableFormatError`
    message naming the table, row and column.
"""

_ONE_US: Final = dt.timedelta(microseconds=1)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: The kinds of the result columns (see :func:`slaclock.batch._frames.build`).
_RESULT_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **dict.fromkeys(RESULT_FIELDS, "text"),
        **dict.fromkeys(INSTANT_FIELDS, "instant"),
        **dict.fromkeys(DURATION_FIELDS, "duration"),
        "ticket_id": "id",
        "cycle": "int",
        "used_share": "float",
    }
)
_ERROR_KINDS: Final = MappingProxyType(
    {
        "ticket_id": "id",
        "row": "int",
        "field": "text",
        "value": "text",
        "error": "text",
        "message": "text",
    }
)


@attrs.frozen
class Scored:
    """What :func:`score` returns: the results table, the errors table and the counts.

    Unpacks as ``results, errors = score(...)``.

    Attributes
    ----------
    results
        One row per ticket, target and cycle, with the columns of
        :data:`~slaclock.evaluation.RESULT_FIELDS` (instants in UTC,
        durations exact to the microsecond, ``earlier`` and ``warnings`` as
        the JSON text of result files), tickets in the order of the tickets
        table, each ticket's rows in the scalar order.
    errors
        One row per bad ticket (and per unknown ticket id in the events
        table), with the columns of :data:`ERROR_COLUMNS`.
    tickets, scored, failed
        Rows of the tickets table; tickets scored; tickets in the errors
        table. Always ``tickets == scored + failed``.
    orphans
        Ticket ids of the events table that the tickets table does not hold
        (each has an error row too, not counted in ``failed``).
    vectorised
        Tickets scored by the vectorised replay (the rest of ``scored`` took
        the scalar replay: see the module docs for which tickets do).
    """

    results: Any
    errors: Any
    tickets: int
    scored: int
    failed: int
    orphans: int = 0
    vectorised: int = 0

    def __iter__(self) -> Iterator[Any]:
        return iter((self.results, self.errors))

    def _repr_html_(self) -> str:
        """The counts and the first rows of both tables, for notebooks (Jupyter calls it)."""
        from slaclock._html import scored_html

        return scored_html(self)


OnError = Literal["raise", "mark"]


def score(
    tickets: Any,
    events: Any,
    policy: Policy | PolicyBook,
    *,
    now: dt.datetime,
    on_error: OnError = "raise",
    as_of: dt.datetime | None = None,
    assume_tz: Any = None,
) -> Scored:
    """Score every ticket of a tickets table and its events table at ``now``.

    Parameters
    ----------
    tickets, events
        Two frames of one library (pandas, polars or pyarrow), with the
        columns of the module docs.
    policy
        A :class:`~slaclock.policies.Policy` or a
        :class:`~slaclock.policies.PolicyBook` (a policy per ticket, by
        version and conditions).
    now
        The instant of the evaluation (an aware datetime).
    on_error
        ``"raise"`` (default): the first bad row, in table and row order,
        raises (the scalar path's error, with a note naming the table, row
        and column; or a :class:`~slaclock.errors.TableFormatError`).
        ``"mark"``: bad tickets go to the errors table and the rest are scored.
    as_of
        With a policy book: the version in effect at this instant instead of
        at each ticket's creation (what-if).
    assume_tz
        The zone of naive instant columns (a zone name or ``ZoneInfo``).

    Returns
    -------
    Scored
        ``results`` and ``errors`` frames in the input's library, and the counts.

    Examples
    --------
    >>> import pandas as pd
    >>> from slaclock.batch import score
    >>> from slaclock.policy_files import example_policy
    >>> from slaclock.samples import SAMPLE_NOW
    >>> tickets = pd.DataFrame({"ticket_id": [1], "severity": ["P3"],
    ...     "created_at": pd.to_datetime(["2026-03-02T14:00:00Z"]), "region": ["us"], "tier": ["gold"]})
    >>> events = pd.DataFrame({"ticket_id": [1, 1, 1], "seq": [1, 2, 3],
    ...     "at": pd.to_datetime(["2026-03-02T14:00Z", "2026-03-02T15:30Z", "2026-03-03T16:00Z"]),
    ...     "kind": ["status", "agent_reply", "status"], "value": ["new", "public", "solved"]})
    >>> results, errors = score(tickets, events, example_policy(), now=SAMPLE_NOW)
    >>> for r in results.itertuples():
    ...     print(r.target, r.outcome, r.used)
    P3.first_response met 0 days 01:30:00
    P3.resolution met 0 days 12:00:00

    The US desk is open 08:00-18:00 New York time: Monday 09:00-18:00 and
    Tuesday 08:00-11:00.

    >>> len(errors)
    0
    """
    if on_error not in ("raise", "mark"):
        raise InputError("on_error", on_error, "must be 'raise' or 'mark'")
    if not isinstance(policy, (Policy, PolicyBook)):
        raise InputError("policy", policy, "must be a Policy or a PolicyBook")
    now_us = to_us(now, "now")
    lib = _frames.library_of(tickets, "tickets")
    if _frames.library_of(events, "events") != lib:
        raise InputError(
            "events",
            f"<{type(events).__module__}.{type(events).__name__}>",
            f"must be a frame of the same library as tickets ({lib})",
        )
    run = _Run(lib, tickets, events, policy, now_us, as_of, assume_tz)
    run.read()
    run.check()
    run.select()
    run.replay()
    run.release()
    return run.finish(on_error)


def tables_from_tickets(
    tickets: Sequence[Ticket], *, library: str = "pandas", attributes: Sequence[str] | None = None
) -> tuple[Any, Any]:
    """The tickets and events tables of scalar tickets, as frames of ``library``.

    The inverse of what :func:`score` reads: ids as given (whole numbers or
    text), instants in UTC, one ``seq`` per event from 1, attribute columns
    (every attribute name of the tickets, sorted, by default) with null for
    a missing attribute.

    Parameters
    ----------
    tickets
        :class:`~slaclock.tickets.Ticket` objects.
    library
        ``"pandas"``, ``"polars"`` or ``"arrow"``.
    attributes
        The attribute columns, in order.
    """
    if library not in _frames.LIBRARIES:
        raise InputError("library", library, f"must be one of {', '.join(_frames.LIBRARIES)}")
    names = (
        sorted({k for t in tickets for k in t.attributes})
        if attributes is None
        else list(attributes)
    )
    tcols: dict[str, npt.NDArray[Any]] = {
        "ticket_id": np.array([t.id for t in tickets] + [None], dtype=object)[:-1],
        "severity": np.array([t.severity for t in tickets], dtype=object),
        "created_at": np.array([_us(t.created_at) for t in tickets], dtype=np.int64),
    }
    for name in names:
        tcols[name] = np.array([t.attributes.get(name) for t in tickets] + [None], dtype=object)[
            :-1
        ]
    ids, seqs, ats, kinds, values = [], [], [], [], []
    for t in tickets:
        for k, event in enumerate(t.history, 1):
            ids.append(t.id)
            seqs.append(k)
            ats.append(_us(event.at))
            kinds.append(event.kind)
            values.append(event_value(event))
    ecols: dict[str, npt.NDArray[Any]] = {
        "ticket_id": np.array([*ids, None], dtype=object)[:-1],
        "seq": np.array(seqs, dtype=np.int64),
        "at": np.array(ats, dtype=np.int64),
        "kind": np.array(kinds, dtype=object),
        "value": np.array(values, dtype=object),
    }
    tkinds = {
        "ticket_id": "id",
        "severity": "text",
        "created_at": "instant",
        **dict.fromkeys(names, "id"),
    }
    ekinds = {"ticket_id": "id", "seq": "int", "at": "instant", "kind": "text", "value": "text"}
    return _frames.build(library, tcols, tkinds), _frames.build(library, ecols, ekinds)


def _us(t: dt.datetime) -> int:
    return (t - _EPOCH) // _ONE_US


# ---- one scoring run ----------------------------------------------------------------------


class _Errors:
    """The rows of the errors table, with the exception each came from."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, Any, str, Any, SlaClockError]] = []

    def add(
        self, table: int, row: int, tid: Any, column: str, value: Any, exc: SlaClockError
    ) -> None:
        self.rows.append((table, row, tid, column, value, exc))

    def sorted(self) -> list[tuple[int, int, Any, str, Any, SlaClockError]]:
        return sorted(self.rows, key=lambda r: (r[0], r[1]))


_TABLES: Final = ("tickets", "events")


class _Run:
    """The state of one :func:`score` call: columns read, checks, replays, output."""

    def __init__(
        self,
        lib: str,
        tickets: Any,
        events: Any,
        policy: Policy | PolicyBook,
        now: int,
        as_of: dt.datetime | None,
        assume_tz: Any,
    ) -> None:
        self.lib = lib
        self.tickets_frame = tickets
        self.events_frame = events
        self.policy = policy
        self.now = now
        self.as_of = as_of
        self.assume_tz = assume_tz
        self.errors = _Errors()
        self.vectorised = 0
        # results: (ticket of each row, rank of the row within its ticket, columns)
        self.blocks: list[tuple[I64, I64, dict[str, Any]]] = []

    # ---- reading ---------------------------------------------------------------------

    def read(self) -> None:
        lib, tf, ef = self.lib, self.tickets_frame, self.events_frame
        cols = _frames.require(tf, lib, "tickets", TICKETS_COLUMNS)
        _frames.require(ef, lib, "events", EVENTS_COLUMNS)
        self.attr_names = [c for c in cols if c not in TICKETS_COLUMNS]
        self.n = _frames.length(tf)
        self.m = _frames.length(ef)
        self.ids = _frames.read_ids(_frames.column(tf, lib, "ticket_id"), lib)
        self.sev_codes, self.sev_labels = _frames.codes(_frames.column(tf, lib, "severity"), lib)
        self.created, self.created_null = _frames.instants(
            _frames.column(tf, lib, "created_at"), "tickets", "created_at", self.assume_tz
        )
        self.attr_codes = []
        self.attr_labels = []
        for name in self.attr_names:
            c, labels = _frames.codes(_frames.column(tf, lib, name), lib)
            self.attr_codes.append(c)
            self.attr_labels.append(labels)
        # events: the ticket of each row, by position in the tickets table
        eids = _frames.read_ids(_frames.column(ef, lib, "ticket_id"), lib)
        self.tpos, self.orphan_ids = _ticket_positions(self.ids, eids)
        self.seq, self.seq_null = _frames.integers(
            _frames.column(ef, lib, "seq"), lib, "events", "seq"
        )
        self.at, self.at_null = _frames.instants(
            _frames.column(ef, lib, "at"), "events", "at", self.assume_tz
        )
        kcodes, klabels = _frames.codes(_frames.column(ef, lib, "kind"), lib)
        kmap = np.array(
            [EVENT_KINDS.index(k) if k in EVENT_KINDS else -1 for k in klabels] + [-1],
            dtype=np.int8,
        )
        self.kind = kmap[kcodes]  # -1: null or unknown
        self.kind_raw = (kcodes.astype(np.int32), klabels)
        del kcodes
        vcodes, self.value_labels = _frames.codes(_frames.column(ef, lib, "value"), lib)
        self.value_codes = vcodes.astype(np.int32)
        del vcodes
        self.value_text = np.array(
            [None if v is None else str(v) for v in self.value_labels] + [None], dtype=object
        )

    # ---- checks --------------------------------------------------------------------------

    def check(self) -> None:
        """Order the events by ticket and seq; flag the tickets only the scalar replay may take.

        A flagged ticket is not necessarily bad: the scalar replay decides,
        and gives the error of a bad one.
        """
        n, m, tpos = self.n, self.m, self.tpos
        seq = (
            np.where(self.seq_null, np.iinfo(np.int64).min, self.seq)
            if self.seq_null.any()
            else self.seq
        )
        self.in_order = _is_sorted(tpos, seq)
        # the events in (ticket, seq) order: None when they already are (no copy)
        self.order: I64 | None = None if self.in_order else np.lexsort((seq, tpos))

        def ordered(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return a if self.order is None else a[self.order]

        tp = ordered(tpos)
        # events of ticket i: order[first[i]:first[i + 1]] (unknown tickets sort first, at -1)
        self.first = np.searchsorted(tp, np.arange(n + 1), side="left")
        counts = np.diff(self.first)
        bad = self.created_null | (self.sev_codes < 0) | self.ids.empty() | (counts == 0)
        self.dup_of = _duplicates(self.ids.keys(), self.ids.null)
        bad |= self.dup_of != _UNIQUE
        # rows the scalar replay must look at: values that do not fit the kind (one lookup
        # in a table of kind x value), nulls, unknown kinds, events after now
        vt = self.value_text
        nv = len(vt)
        fits = np.ones((len(EVENT_KINDS) + 1, nv), dtype=bool)
        fits[0, :] = False  # unknown or null kind
        blank = np.array([v is None or not v.strip() for v in vt], dtype=bool)
        fits[1 + _KIND["agent_reply"]] = [v in (None, "", "public", "private") for v in vt]
        for name in ("customer_reply", "update"):
            fits[1 + _KIND[name]] = blank
        for name in ("status", "severity", "assignment"):
            fits[1 + _KIND[name]] = ~blank
        vc = np.where(self.value_codes < 0, np.int32(nv - 1), self.value_codes)  # -1: null
        pair = self.kind.astype(np.int32)
        pair += 1
        pair *= nv
        pair += vc
        ev_bad = ~fits.reshape(-1)[pair]
        del pair
        del vc
        ev_bad |= self.at > self.now
        if self.seq_null.any() or self.at_null.any():
            ev_bad |= self.seq_null | self.at_null
        s_bad = ordered(ev_bad)
        at_s = ordered(self.at)
        if m > 1:
            seq_s = ordered(seq)
            same = tp[1:] == tp[:-1]
            s_bad[1:] |= same & ((at_s[1:] < at_s[:-1]) | (seq_s[1:] == seq_s[:-1]))
        hit = s_bad & (tp >= 0)
        if hit.any():
            bad[tp[hit]] = True
        has = counts > 0
        first_at = np.full(n, NULL, dtype=np.int64)
        first_at[has] = at_s[self.first[:-1][has]]
        bad |= has & (first_at != self.created)
        del self.tpos  # not needed by the replays
        self.bad = bad

    # ---- policies ----------------------------------------------------------------------------

    def select(self) -> None:
        """The policy of each ticket (-1 where the selection fails: the scalar path says why)."""
        n = self.n
        self.policies: list[Policy] = []
        self.pidx = np.full(n, -1, dtype=np.int64)
        if isinstance(self.policy, Policy):
            self.policies.append(self.policy)
            self.pidx[:] = 0
            return
        book = self.policy
        versions = sorted({p.valid_from for p in book.policies if p.valid_from is not None})
        starts = np.array([to_us(v, "valid_from") for v in versions], dtype=np.int64)
        if self.as_of is None:
            when = self.created
            vidx = np.where(self.created_null, -1, np.searchsorted(starts, when, side="right"))
        else:
            when = np.full(n, to_us(self.as_of, "as_of"), dtype=np.int64)
            vidx = np.searchsorted(starts, when, side="right")
        # only the attributes the policies' conditions name decide the choice
        named = {name for p in book.policies for name, _ in p.when.clauses}
        used = [j for j, name in enumerate(self.attr_names) if name in named]
        keys = np.stack([vidx, *(self.attr_codes[j] for j in used)], axis=1)
        if n == 0:
            return
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        group_policy = np.full(len(uniq), -1, dtype=np.int64)
        chosen: dict[int, int] = {}
        for g, key in enumerate(uniq):
            if key[0] < 0:
                continue
            rep = int(first[g])
            try:
                p = book.select_for(
                    from_us(int(when[rep])), self._attributes(rep), as_of=self.as_of
                )
            except SlaClockError:
                continue
            if id(p) not in chosen:
                chosen[id(p)] = len(self.policies)
                self.policies.append(p)
            group_policy[g] = chosen[id(p)]
        self.pidx = group_policy[inverse]

    def _attributes(self, i: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, c, labels in zip(self.attr_names, self.attr_codes, self.attr_labels, strict=True):
            code = int(c[i])
            if code >= 0:
                value = labels[code]
                if value is not None and value != "":
                    out[name] = _plain(value)
        return out

    # ---- replays -------------------------------------------------------------------------------

    def replay(self) -> None:
        slow = self.bad | (self.pidx < 0)
        fast = ~slow
        if fast.any():
            from slaclock.batch._replay import replay_fast

            taken = replay_fast(self, fast)
            self.vectorised = int(taken.sum())
            slow |= fast & ~taken
        for i in np.flatnonzero(slow).tolist():
            self._replay_one(i)

    def _replay_one(self, i: int) -> None:
        """Replay one ticket with the scalar clock; an error goes to the errors table."""
        tid = self.ids.value(i)
        err = self.errors.add
        if tid is None or (isinstance(tid, str) and not tid.strip()):
            err(0, i, tid, "ticket_id", tid, _cell(0, i, "ticket_id", tid, "is empty"))
            return
        other = int(self.dup_of[i])
        if other != _UNIQUE:
            problem = (
                f"repeats the ticket of row {other}"
                if other >= 0
                else f"is repeated at row {-other - 1}"
            )
            err(0, i, tid, "ticket_id", tid, _cell(0, i, "ticket_id", tid, problem))
            return
        sev_code = int(self.sev_codes[i])
        severity = None if sev_code < 0 else _plain(self.sev_labels[sev_code])
        if severity is None or (isinstance(severity, str) and not severity.strip()):
            err(0, i, tid, "severity", severity, _cell(0, i, "severity", severity, "is empty"))
            return
        if self.created_null[i]:
            err(0, i, tid, "created_at", None, _cell(0, i, "created_at", None, "is empty"))
            return
        lo, hi = int(self.first[i]), int(self.first[i + 1])
        rows = list(range(lo, hi)) if self.order is None else self.order[lo:hi].tolist()
        if not rows:
            problem = "has no events in the events table"
            err(0, i, tid, "ticket_id", tid, _cell(0, i, "ticket_id", tid, problem))
            return
        events: list[Event] = []
        prev = -1
        for r in rows:
            event = self._event(r, prev, tid, events)
            if event is None:
                return
            events.append(event)
            prev = r
        created = int(self.created[i])
        if int(self.at[rows[0]]) != created:
            shown = format_instant(from_us(created))
            problem = (
                f"is not the instant of the ticket's first event (events row {rows[0]}: "
                f"{format_instant(events[0].at)})"
            )
            err(0, i, tid, "created_at", shown, _cell(0, i, "created_at", shown, problem))
            return
        try:
            ticket = Ticket(tid, severity, events, attributes=self._attributes(i))
            ev = evaluate(ticket, self.policy, now=from_us(self.now), as_of=self.as_of)
        except SlaClockError as exc:
            table, row, column, value = self._locate(i, rows, exc)
            err(table, row, tid, column, value, exc)
            return
        self._add_results(i, ev.results)

    def _event(self, r: int, prev: int, tid: Any, events: list[Event]) -> Event | None:
        """The event of events row ``r``, or None after reporting why it has none."""
        err = self.errors.add
        if self.seq_null[r]:
            err(1, r, tid, "seq", None, _cell(1, r, "seq", None, "is empty"))
            return None
        seq = int(self.seq[r])
        if prev >= 0 and seq == int(self.seq[prev]):
            err(1, r, tid, "seq", seq, _cell(1, r, "seq", seq, f"repeats the seq of row {prev}"))
            return None
        if self.kind[r] < 0:
            kc = int(self.kind_raw[0][r])
            label = None if kc < 0 else self.kind_raw[1][kc]
            known = ", ".join(map(repr, EVENT_KINDS))
            problem = f"is not an event kind (known: {known})"
            err(1, r, tid, "kind", label, _cell(1, r, "kind", label, problem))
            return None
        if self.at_null[r]:
            err(1, r, tid, "at", None, _cell(1, r, "at", None, "is empty"))
            return None
        at = from_us(int(self.at[r]))
        value = self.value_text[self.value_codes[r]]
        try:
            event = event_from_row(EVENT_KINDS[self.kind[r]], at, "" if value is None else value)
        except InputError as exc:
            err(1, r, tid, "value", value, _cell(1, r, "value", value, exc.problem))
            return None
        if events and event.at < events[-1].at:
            shown = format_instant(event.at)
            problem = (
                f"is before the ticket's previous event (seq {int(self.seq[prev])}, "
                f"row {prev}, {format_instant(events[-1].at)})"
            )
            hint = "a ticket's events must be in time order by seq"
            err(1, r, tid, "at", shown, _cell(1, r, "at", shown, problem, hint))
            return None
        return event

    def _locate(self, i: int, rows: list[int], exc: SlaClockError) -> tuple[int, int, str, Any]:
        """The table, row, column and value an error of the scalar path points at."""
        field = exc.field if isinstance(exc, InputError) else ""
        value = exc.value if isinstance(exc, InputError) else None
        m = _HISTORY.match(field)
        if m is not None and int(m.group(1)) < len(rows):
            return 1, rows[int(m.group(1))], "at" if m.group(2) == "at" else "value", value
        m = _ATTRIBUTE.match(field)
        if m is not None:
            return 0, i, m.group(1), value
        if field in ("severity", "created_at"):
            return 0, i, field, value
        return 0, i, "ticket_id", self.ids.value(i)

    def _add_results(self, i: int, results: tuple[Result, ...]) -> None:
        if not results:
            return
        cols = _columns_of(results)
        k = len(results)
        self.blocks.append((np.full(k, i, dtype=np.int64), np.arange(k, dtype=np.int64), cols))

    def add_block(self, tickets: I64, rank: I64, cols: dict[str, Any]) -> None:
        """Rows of the vectorised replay: one per ticket, ``rank``-th among the ticket's rows.

        ``cols`` holds every result field but ``ticket_id``: int64
        microseconds (:data:`NULL` for null) for instants and durations,
        float64 for ``used_share``, int64 for ``cycle``,
        :class:`~slaclock.batch._frames.Text` for text.
        """
        self.blocks.append((tickets, rank, cols))

    def release(self) -> None:
        """Drop the event columns (the replays are done): the output needs the memory."""
        for name in (
            "tpos",
            "seq",
            "seq_null",
            "at",
            "at_null",
            "kind",
            "kind_raw",
            "value_codes",
            "order",
            "first",
            "bad",
            "pidx",
        ):
            self.__dict__.pop(name, None)

    # ---- output ------------------------------------------------------------------------------

    def finish(self, on_error: OnError) -> Scored:
        errors = self.errors.sorted()
        orphan_rows: list[tuple[int, int, Any, str, Any, SlaClockError]] = []
        for tid, r in self.orphan_ids:
            orphan = _cell(1, r, "ticket_id", tid, "is not a ticket of the tickets table")
            orphan_rows.append((1, r, tid, "ticket_id", tid, orphan))
        every = sorted([*errors, *orphan_rows], key=lambda e: (e[0], e[1]))
        if on_error == "raise" and every:
            table, row, _tid, column, _value, exc = every[0]
            if not isinstance(exc, TableFormatError):
                exc.add_note(f"at {_TABLES[table]} row {row}, column {column}")
            raise exc
        results = _frames.build(self.lib, self._result_columns(), _RESULT_KINDS)
        err_data = {
            "ticket_id": np.array([*(e[2] for e in every), None], dtype=object)[:-1],
            "row": np.array([e[1] for e in every], dtype=np.int64),
            "field": np.array([f"{_TABLES[e[0]]}.{e[3]}" for e in every], dtype=object),
            "value": np.array([None if e[4] is None else str(e[4]) for e in every], dtype=object),
            "error": np.array([type(e[5]).__name__ for e in every], dtype=object),
            "message": np.array([str(e[5]) for e in every], dtype=object),
        }
        err_frame = _frames.build(self.lib, err_data, _ERROR_KINDS)
        failed = len(errors)
        return Scored(
            results=results,
            errors=err_frame,
            tickets=self.n,
            scored=self.n - failed,
            failed=failed,
            orphans=len(orphan_rows),
            vectorised=self.vectorised,
        )

    def _result_columns(self) -> dict[str, Any]:
        """The blocks put together: tickets in table order, each ticket's rows by rank."""
        blocks = self.blocks
        if not blocks:
            return _empty_results()
        owners = [b[0] for b in blocks]
        counts = np.bincount(np.concatenate(owners), minlength=self.n)
        offs = np.cumsum(counts) - counts
        total = int(counts.sum())
        where = [offs[t] + rank for t, rank, _ in blocks]
        out: dict[str, Any] = {"ticket_id": self.ids.take(np.repeat(np.arange(self.n), counts))}
        for name in RESULT_FIELDS:
            if name == "ticket_id":
                continue
            parts = [b[2].pop(name) for b in blocks]  # each block's column freed once placed
            if isinstance(parts[0], _frames.Text):
                labels: dict[Any, int] = {}
                codes = np.empty(total, dtype=np.int32)
                for pos, part in zip(where, parts, strict=True):
                    lut = np.array(
                        [labels.setdefault(v, len(labels)) for v in part.labels] + [-1],
                        dtype=np.int32,
                    )
                    codes[pos] = lut[part.codes]
                out[name] = _frames.Text(codes, list(labels))
            else:
                col = np.empty(total, dtype=parts[0].dtype)
                for pos, part in zip(where, parts, strict=True):
                    col[pos] = part
                out[name] = col
            del parts
        return {name: out[name] for name in RESULT_FIELDS}


# ---- helpers -----------------------------------------------------------------------------------

_HISTORY: Final = re.compile(r"history\[(\d+)\](?:\.(\w+))?")
_ATTRIBUTE: Final = re.compile(r"attributes\[['\"](.+)['\"]\]")
_KIND: Final = MappingProxyType({k: i for i, k in enumerate(EVENT_KINDS)})
#: In ``_Run.dup_of``: the id is not repeated.
_UNIQUE: Final = np.iinfo(np.int64).min


def _cell(
    table: int, row: int, column: str, value: Any, problem: str, hint: str = ""
) -> TableFormatError:
    return TableFormatError.at(_TABLES[table], row, column, value, problem, hint)


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _us_or_null(v: dt.datetime | dt.timedelta | None) -> int:
    if v is None:
        return int(NULL)
    if isinstance(v, dt.datetime):
        return (v - _EPOCH) // _ONE_US
    return v // _ONE_US


def _is_sorted(tpos: I64, seq: I64) -> bool:
    if len(tpos) < 2:
        return True
    d = np.diff(tpos)
    if (d < 0).any():
        return False
    return not bool(((d == 0) & (seq[1:] < seq[:-1])).any())


def _duplicates(keys: I64, null: Bools) -> I64:
    """Per row: :data:`_UNIQUE`, the first row of the same id (a later row), or
    ``-(next row) - 1`` (the first row of a repeated id)."""
    n = len(keys)
    out = np.full(n, _UNIQUE, dtype=np.int64)
    if n < 2:
        return out
    order = np.argsort(keys, kind="stable")
    s = keys[order]
    eq = (s[1:] == s[:-1]) & ~null[order][1:] & ~null[order][:-1]
    if not eq.any():
        return out
    # the run of equal keys each row belongs to: its first (original) row
    starts = np.concatenate(([True], ~eq))
    run_first = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
    in_run = np.concatenate(([False], eq)) | np.concatenate((eq, [False]))
    later = in_run & ~starts
    out[order[later]] = run_first[later]
    firsts = in_run & starts
    nxt = order[np.minimum(np.flatnonzero(firsts) + 1, n - 1)]
    out[order[firsts]] = -nxt - 1
    return out


def _ticket_positions(
    tickets: _frames.Ids, events: _frames.Ids
) -> tuple[I64, list[tuple[Any, int]]]:
    """The tickets-table position of each event row (-1 for an unknown id), and the
    unknown ids with their first events row."""
    n, m = len(tickets), len(events)
    if tickets.ints is not None and events.ints is not None:
        t = tickets.ints
        if n and bool((np.diff(t) > 0).all()):
            order = None
            s = t
        else:
            order = np.argsort(t, kind="stable")
            s = t[order]
        e = events.ints
        # look up each run of equal ids once (a sorted export has one run per ticket)
        if m:
            change = np.empty(m, dtype=bool)
            change[0] = True
            np.not_equal(e[1:], e[:-1], out=change[1:])
            starts = np.flatnonzero(change)
            runs = e[starts]
        else:
            starts = runs = np.zeros(0, dtype=np.int64)
        if order is None and len(runs) == n and bool((runs == s).all()) and not events.null.any():
            pos = np.repeat(np.arange(n), np.diff(np.append(starts, m)))
        else:
            j = np.searchsorted(s, runs)
            jc = np.minimum(j, max(n - 1, 0))
            found = (j < n) & (s[jc] == runs) if n else np.zeros(len(runs), dtype=bool)
            at = jc if order is None else order[jc]
            pos = np.repeat(np.where(found, at, -1), np.diff(np.append(starts, m)))
            pos[events.null] = -1
    else:
        index: dict[Any, int] = {}
        values = [tickets.value(k) for k in range(n)] if tickets.codes is None else None
        if values is not None:
            for k, v in enumerate(values):
                index.setdefault(v, k)
        else:
            assert tickets.codes is not None and tickets.labels is not None
            first_row = np.full(len(tickets.labels) + 1, -1, dtype=np.int64)
            first_row[tickets.codes[::-1]] = np.arange(n - 1, -1, -1)
            for c, v in enumerate(tickets.labels):
                if first_row[c] >= 0:
                    index[_plain(v)] = int(first_row[c])
        if events.codes is not None:
            assert events.labels is not None
            lut = np.array([index.get(_plain(v), -1) for v in events.labels] + [-1], dtype=np.int64)
            pos = lut[events.codes]
        else:
            pos = np.fromiter((index.get(events.value(r), -1) for r in range(m)), np.int64, m)
    orphans: list[tuple[Any, int]] = []
    missing = np.flatnonzero(pos < 0)
    if len(missing):
        seen: set[Any] = set()
        for r in missing.tolist():
            v = events.value(r)
            if v not in seen:
                seen.add(v)
                orphans.append((v, r))
    return pos.astype(np.int64, copy=False), orphans


def _columns_of(results: Sequence[Result]) -> dict[str, Any]:
    """Result objects as the columns of a results frame (every field but ``ticket_id``)."""
    cols: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        if name == "ticket_id":
            continue
        kind = _RESULT_KINDS[name]
        values = [getattr(r, name) for r in results]
        if kind in ("instant", "duration"):
            cols[name] = np.array([_us_or_null(v) for v in values], dtype=np.int64)
        elif name == "earlier":
            cols[name] = _frames.Text.of([encode_earlier(v) for v in values])
        elif name == "warnings":
            cols[name] = _frames.Text.of([encode_warnings(v) for v in values])
        elif kind == "int":
            cols[name] = np.array(values, dtype=np.int64)
        elif kind == "float":
            cols[name] = np.array(values, dtype=np.float64)
        else:
            cols[name] = _frames.Text.of(values)
    return cols


def results_frame(results: Iterable[Result | Evaluation], library: str = "pandas") -> Any:
    """Results (or Evaluations) as a results frame of ``library``: the table :func:`score` returns.

    For notebooks and for the reports over tables: ``pandas``, ``polars`` or
    ``arrow``, with the columns of :data:`~slaclock.evaluation.RESULT_FIELDS`
    (instants UTC, durations exact to the microsecond, ``earlier`` and
    ``warnings`` as JSON text).

    Examples
    --------
    >>> from slaclock.batch import results_frame
    >>> results_frame([]).shape
    (0, 26)
    """
    if library not in _frames.LIBRARIES:
        raise InputError(
            "library", library, f"must be one of {', '.join(map(repr, _frames.LIBRARIES))}"
        )
    rows: list[Result] = []
    for i, item in enumerate(results):
        if isinstance(item, Evaluation):
            rows.extend(item.results)
        elif isinstance(item, Result):
            rows.append(item)
        else:
            raise InputError(f"results[{i}]", item, "must be a Result or an Evaluation")
    if not rows:
        return _frames.build(library, _empty_results(), _RESULT_KINDS)
    cols = _columns_of(rows)
    ids = [r.ticket_id for r in rows]
    out: dict[str, Any] = {"ticket_id": np.array([*ids, None], dtype=object)[:-1]}
    out.update(cols)
    return _frames.build(library, {n: out[n] for n in RESULT_FIELDS}, _RESULT_KINDS)


def _empty_results() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in RESULT_FIELDS:
        kind = _RESULT_KINDS[name]
        if kind in ("instant", "duration", "int"):
            out[name] = np.zeros(0, dtype=np.int64)
        elif kind == "float":
            out[name] = np.zeros(0, dtype=np.float64)
        elif kind == "id":
            out[name] = np.zeros(0, dtype=object)
        else:
            out[name] = _frames.Text(np.zeros(0, dtype=np.int64), [])
    return out
