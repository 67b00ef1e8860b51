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
by ticket: ordinary tickets are replayed by numpy over all tickets at once,
and the rare ticket the vectorised replay does not cover (severity changes,
reopens, cancels, internal targets, next-reply and periodic-update cycles,
business-day goals, offset warnings) is replayed by the scalar clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt

from slaclock._instants import from_us, to_us
from slaclock.batch import _frames
from slaclock.batch._frames import NULL, Bools, I64, Objects
from slaclock.errors import InputError, SlaClockError, TableFormatError
from slaclock.evaluation import RESULT_FIELDS, Result, evaluate
from slaclock.policies import Policy, PolicyBook
from slaclock.result_files import DURATION_FIELDS, INSTANT_FIELDS, encode_earlier, encode_warnings
from slaclock.samples import (
    EVENT_KINDS,
    EVENTS_COLUMNS,
    TICKETS_COLUMNS,
    event_from_row,
    event_value,
)
from slaclock.tickets import Event, Ticket

__all__ = ["ERROR_COLUMNS", "Scored", "score", "tables_from_tickets"]

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
_RESULT_KINDS: Final[dict[str, str]] = {
    **dict.fromkeys(RESULT_FIELDS, "text"),
    **dict.fromkeys(INSTANT_FIELDS, "instant"),
    **dict.fromkeys(DURATION_FIELDS, "duration"),
    "ticket_id": "id",
    "cycle": "int",
    "used_share": "float",
}
_ERROR_KINDS: Final = {
    "ticket_id": "id",
    "row": "int",
    "field": "text",
    "value": "text",
    "error": "text",
    "message": "text",
}


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
    >>> results[["target", "outcome", "used"]].to_string(index=False)
    ' target outcome             used\\n P3.first_response     met 0 days 01:30:00\\n    P3.resolution     met 0 days 10:00:00'
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
    names = sorted({k for t in tickets for k in t.attributes}) if attributes is None else list(attributes)
    tcols: dict[str, npt.NDArray[Any]] = {
        "ticket_id": np.array([t.id for t in tickets] + [None], dtype=object)[:-1],
        "severity": np.array([t.severity for t in tickets], dtype=object),
        "created_at": np.array([_us(t.created_at) for t in tickets], dtype=np.int64),
    }
    for name in names:
        tcols[name] = np.array(
            [t.attributes.get(name) for t in tickets] + [None], dtype=object
        )[:-1]
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
    tkinds = {"ticket_id": "id", "severity": "text", "created_at": "instant", **dict.fromkeys(names, "id")}
    ekinds = {"ticket_id": "id", "seq": "int", "at": "instant", "kind": "text", "value": "text"}
    return _frames.build(library, tcols, tkinds), _frames.build(library, ecols, ekinds)


def _us(t: dt.datetime) -> int:
    return (t - _EPOCH) // _ONE_US


# ---- one scoring run ----------------------------------------------------------------------


class _Errors:
    """The rows of the errors table, with the exception each came from."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int, Any, str, Any, SlaClockError]] = []

    def add(self, table: int, row: int, tid: Any, column: str, value: Any, exc: SlaClockError) -> None:
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
        self.blocks: list[tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[Any]]]] = []

    # ---- reading ---------------------------------------------------------------------

    def read(self) -> None:
        lib, tf, ef = self.lib, self.tickets_frame, self.events_frame
        cols = _frames.require(tf, lib, "tickets", TICKETS_COLUMNS)
        _frames.require(ef, lib, "events", EVENTS_COLUMNS)
        self.attr_names = [c for c in cols if c not in TICKETS_COLUMNS]
        n = self.n = _frames.length(tf)
        m = self.m = _frames.length(ef)
        tid_col = _frames.column(tf, lib, "ticket_id")
        self.ids: Objects = _frames.objects(tid_col, lib)
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
        ecol = _frames.column(ef, lib, "ticket_id")
        self.tpos, self.orphan_ids = _ticket_positions(tid_col, ecol, lib, n, m)
        self.seq, self.seq_null = _frames.integers(_frames.column(ef, lib, "seq"), lib, "events", "seq")
        self.at, self.at_null = _frames.instants(
            _frames.column(ef, lib, "at"), "events", "at", self.assume_tz
        )
        kcodes, klabels = _frames.codes(_frames.column(ef, lib, "kind"), lib)
        kmap = np.array([EVENT_KINDS.index(k) if k in EVENT_KINDS else -1 for k in klabels] + [-1])
        self.kind = kmap[kcodes]  # -1: null or unknown
        self.kind_raw = (kcodes, klabels)
        self.value_codes, self.value_labels = _frames.codes(_frames.column(ef, lib, "value"), lib)

    # ---- checks --------------------------------------------------------------------------

    def check(self) -> None:
        """Order the events by ticket and seq; find the tickets the fast replay may not take."""
        n, tpos = self.n, self.tpos
        key_ok = tpos >= 0
        # sort events by (ticket position, seq); a warehouse export is already in order
        seq = np.where(self.seq_null, np.iinfo(np.int64).min, self.seq)
        if _is_sorted(tpos, seq):
            order = np.arange(self.m)
        else:
            order = np.lexsort((seq, tpos))
        self.order = order
        tp = tpos[order]
        self.first = np.searchsorted(tp, np.arange(n + 1), side="left")  # events of ticket i
        self.first_known = self.first  # positions into `order`
        # a ticket is "plain" when nothing is wrong with its rows (the scalar replay
        # still decides the errors it alone can see: labels, policies, future events)
        bad = np.zeros(n, dtype=bool)
        bad |= self.created_null | (self.sev_codes < 0)
        ids_null = np.array([v is None or v == "" for v in self.ids], dtype=bool) if n else bad
        bad |= ids_null
        bad |= _duplicated(self.ids)
        counts = np.diff(self.first)
        bad |= counts == 0
        ev_bad = self.seq_null | self.at_null | (self.kind < 0)
        # values that do not fit the kind (agent replies public/private, no value on
        # customer replies and updates)
        vlabels = np.array(
            [None if v is None else str(v) for v in self.value_labels] + [None], dtype=object
        )
        vtext = vlabels[self.value_codes]
        k_agent = EVENT_KINDS.index("agent_reply")
        k_cust = EVENT_KINDS.index("customer_reply")
        k_upd = EVENT_KINDS.index("update")
        k_sev = EVENT_KINDS.index("severity")
        k_status = EVENT_KINDS.index("status")
        vbad_labels = np.array(
            [v not in (None, "", "public", "private") for v in vlabels], dtype=bool
        )
        vempty_labels = np.array([v in (None, "") for v in vlabels], dtype=bool)
        vc = self.value_codes
        ev_bad |= (self.kind == k_agent) & vbad_labels[vc]
        ev_bad |= ((self.kind == k_cust) | (self.kind == k_upd)) & ~vempty_labels[vc]
        ev_bad |= (np.isin(self.kind, [k_status, k_sev, EVENT_KINDS.index("assignment")])) & (
            vempty_labels[vc]
        )
        ev_bad |= self.at > self.now
        self.vtext = vtext
        sorted_bad = ev_bad[order] & key_ok[order]
        # time order by seq, repeated seq, created_at = first event
        at_s = self.at[order]
        seq_s = seq[order]
        same = tp[1:] == tp[:-1]
        step_bad = same & ((at_s[1:] < at_s[:-1]) | (seq_s[1:] == seq_s[:-1]))
        sorted_bad[1:] |= step_bad
        tick_of = tp
        has = key_ok[order]
        bad_t = np.zeros(n + 1, dtype=bool)
        np.logical_or.at(bad_t, np.where(has & sorted_bad, tick_of, n), True)
        bad |= bad_t[:n]
        firsts = self.first[:n]
        with np.errstate(all="ignore"):
            first_at = np.where(counts > 0, at_s[np.minimum(firsts, max(self.m - 1, 0))], NULL)
        bad |= (counts > 0) & (first_at != self.created)
        self.bad = bad
        self.status_labels = vtext

    # ---- policies ----------------------------------------------------------------------------

    def select(self) -> None:
        """The policy of each ticket (None where the selection fails: the scalar path says why)."""
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
        when = self.created if self.as_of is None else np.full(n, to_us(self.as_of, "as_of"))
        vidx = np.searchsorted(starts, when, side="right")
        vidx = np.where(self.created_null & (self.as_of is None), -1, vidx)
        keys = np.stack([vidx, *self.attr_codes], axis=1) if n else np.zeros((0, 1), np.int64)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        chosen: dict[int, int] = {}
        for g, key in enumerate(uniq):
            if key[0] < 0:
                continue
            rows = np.flatnonzero(inverse.reshape(-1) == g)
            rep = int(rows[0])
            attrs_map = self._attributes(rep)
            try:
                p = book.select_for(from_us(int(when[rep])), attrs_map, as_of=self.as_of)
            except SlaClockError:
                continue
            if id(p) not in chosen:
                chosen[id(p)] = len(self.policies)
                self.policies.append(p)
            self.pidx[rows] = chosen[id(p)]

    def _attributes(self, i: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, c, labels in zip(self.attr_names, self.attr_codes, self.attr_labels, strict=True):
            code = int(c[i])
            if code >= 0:
                value = labels[code]
                if value is not None and value != "":
                    out[name] = value.item() if hasattr(value, "item") else value
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
        for i in np.flatnonzero(slow):
            self._replay_one(int(i))

    def _replay_one(self, i: int) -> None:
        """Replay one ticket with the scalar clock; an error goes to the errors table."""
        tid = self.ids[i]
        where = self._locate
        if tid is None or tid == "":
            self.errors.add(0, i, tid, "ticket_id", tid, _cell(0, i, "ticket_id", tid, "is empty"))
            return
        dup = self._dup_of(i)
        if dup is not None:
            self.errors.add(0, i, tid, "ticket_id", tid, dup)
            return
        sev_code = int(self.sev_codes[i])
        severity = None if sev_code < 0 else self.sev_labels[sev_code]
        if severity is None or (isinstance(severity, str) and not severity.strip()):
            self.errors.add(0, i, tid, "severity", severity, _cell(0, i, "severity", severity, "is empty"))
            return
        if self.created_null[i]:
            self.errors.add(0, i, tid, "created_at", None, _cell(0, i, "created_at", None, "is empty"))
            return
        rows = self.order[self.first[i] : self.first[i + 1]]
        if len(rows) == 0:
            self.errors.add(
                0, i, tid, "ticket_id", tid,
                _cell(0, i, "ticket_id", tid, "has no events in the events table"),
            )
            return
        events: list[Event] = []
        prev = -1
        for r in rows:
            r = int(r)
            if self.seq_null[r]:
                self.errors.add(1, r, tid, "seq", None, _cell(1, r, "seq", None, "is empty"))
                return
            if prev >= 0 and self.seq[r] == self.seq[prev]:
                self.errors.add(
                    1, r, tid, "seq", int(self.seq[r]),
                    _cell(1, r, "seq", int(self.seq[r]), f"repeats the seq of row {prev}"),
                )
                return
            if self.kind[r] < 0:
                kc = int(self.kind_raw[0][r])
                label = None if kc < 0 else self.kind_raw[1][kc]
                self.errors.add(
                    1, r, tid, "kind", label,
                    _cell(1, r, "kind", label,
                          f"is not an event kind (known: {', '.join(map(repr, EVENT_KINDS))})"),
                )
                return
            if self.at_null[r]:
                self.errors.add(1, r, tid, "at", None, _cell(1, r, "at", None, "is empty"))
                return
            at = from_us(int(self.at[r]))
            value = self.vtext[r]
            try:
                event = event_from_row(EVENT_KINDS[self.kind[r]], at, "" if value is None else value)
            except InputError as exc:
                self.errors.add(1, r, tid, "value", value, _cell(1, r, "value", value, exc.problem))
                return
            if events and event.at < events[-1].at:
                self.errors.add(
                    1, r, tid, "at", _text(event.at),
                    _cell(1, r, "at", _text(event.at),
                          f"is before the ticket's previous event (seq {int(self.seq[prev])}, "
                          f"row {prev}, {_text(events[-1].at)})",
                          "a ticket's events must be in time order by seq"),
                )
                return
            events.append(event)
            prev = r
        created = int(self.created[i])
        if int(self.at[int(rows[0])]) != created:
            self.errors.add(
                0, i, tid, "created_at", _text(from_us(created)),
                _cell(0, i, "created_at", _text(from_us(created)),
                      f"is not the instant of the ticket's first event (events row "
                      f"{int(rows[0])}: {_text(events[0].at)})"),
            )
            return
        try:
            ticket = Ticket(_plain(tid), severity, events, attributes=self._attributes(i))
            ev = evaluate(ticket, self.policy, now=from_us(self.now), as_of=self.as_of)
        except SlaClockError as exc:
            table, row, column, value = where(i, rows, exc)
            self.errors.add(table, row, tid, column, value, exc)
            return
        self._add_results(i, ev.results)

    def _locate(
        self, i: int, rows: npt.NDArray[np.int64], exc: SlaClockError
    ) -> tuple[int, int, str, Any]:
        """The table, row, column and value an error of the scalar path points at."""
        import re

        field = exc.field if isinstance(exc, InputError) else ""
        value = exc.value if isinstance(exc, InputError) else None
        m = re.match(r"history\[(\d+)\](?:\.(\w+))?", field)
        if m is not None and int(m.group(1)) < len(rows):
            r = int(rows[int(m.group(1))])
            return 1, r, "at" if m.group(2) == "at" else "value", value
        m = re.match(r"attributes\[['\"](.+)['\"]\]", field)
        if m is not None:
            return 0, i, m.group(1), value
        if field in ("severity", "created_at"):
            return 0, i, field, value
        return 0, i, "ticket_id", self.ids[i]

    def _dup_of(self, i: int) -> TableFormatError | None:
        if not hasattr(self, "_dups"):
            first: dict[Any, int] = {}
            self._dups: dict[int, int] = {}
            for j, v in enumerate(self.ids):
                if v in first:
                    self._dups[j] = first[v]
                    self._dups.setdefault(first[v], -j)
                else:
                    first[v] = j
        other = self._dups.get(i)
        if other is None:
            return None
        tid = self.ids[i]
        if other < 0:
            return _cell(0, i, "ticket_id", tid, f"is repeated at row {-other}")
        return _cell(0, i, "ticket_id", tid, f"repeats the ticket of row {other}")

    def _add_results(self, i: int, results: tuple[Result, ...]) -> None:
        if not results:
            return
        cols: dict[str, npt.NDArray[Any]] = {}
        for name in RESULT_FIELDS:
            kind = _RESULT_KINDS[name]
            values = [getattr(r, name) for r in results]
            if kind == "instant":
                cols[name] = np.array(
                    [NULL if v is None else (v - _EPOCH) // _ONE_US for v in values], dtype=np.int64
                )
            elif kind == "duration":
                cols[name] = np.array(
                    [NULL if v is None else v // _ONE_US for v in values], dtype=np.int64
                )
            elif name == "earlier":
                cols[name] = np.array([encode_earlier(v) for v in values], dtype=object)
            elif name == "warnings":
                cols[name] = np.array([encode_warnings(v) for v in values], dtype=object)
            elif kind == "int":
                cols[name] = np.array(values, dtype=np.int64)
            elif kind == "float":
                cols[name] = np.array(values, dtype=np.float64)
            else:
                cols[name] = np.array(values, dtype=object)
        cols["ticket_id"] = np.array([self.ids[i]] * len(results), dtype=object)
        self.blocks.append((np.full(len(results), i, dtype=np.int64), cols))

    def add_block(self, tickets: npt.NDArray[np.int64], cols: dict[str, npt.NDArray[Any]]) -> None:
        """Results of the fast replay (columns of :data:`RESULT_FIELDS`, kinds as documented)."""
        self.blocks.append((tickets, cols))

    # ---- output ------------------------------------------------------------------------------

    def finish(self, on_error: OnError) -> Scored:
        errors = self.errors.sorted()
        orphan_rows = []
        for tid, r in self.orphan_ids:
            exc = _cell(1, r, "ticket_id", tid, "is not a ticket of the tickets table")
            orphan_rows.append((1, r, tid, "ticket_id", tid, exc))
        every = sorted([*errors, *orphan_rows], key=lambda e: (e[0], e[1]))
        if on_error == "raise" and every:
            table, row, _tid, column, _value, exc = every[0]
            if not isinstance(exc, TableFormatError):
                exc.add_note(f"at {_TABLES[table]} row {row}, column {column}")
            raise exc
        if self.blocks:
            owner = np.concatenate([b[0] for b in self.blocks])
            order = np.argsort(owner, kind="stable")
            data = {}
            for name in RESULT_FIELDS:
                parts = [b[1][name] for b in self.blocks]
                col = np.concatenate(parts) if len(parts) > 1 else parts[0]
                data[name] = col if _is_identity(order) else col[order]
        else:
            data = _empty_results()
        results = _frames.build(self.lib, data, _RESULT_KINDS)
        err_data = {
            "ticket_id": np.array([e[2] for e in every], dtype=object),
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


# ---- helpers -----------------------------------------------------------------------------------


def _cell(table: int, row: int, column: str, value: Any, problem: str, hint: str = "") -> TableFormatError:
    return TableFormatError.at(_TABLES[table], row, column, value, problem, hint)


def _text(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _is_sorted(tpos: I64, seq: I64) -> bool:
    if len(tpos) < 2:
        return True
    d = np.diff(tpos)
    if (d < 0).any():
        return False
    same = d == 0
    return not bool((same & (seq[1:] < seq[:-1])).any())


def _is_identity(order: npt.NDArray[np.int64]) -> bool:
    return bool(len(order) == 0 or (order == np.arange(len(order))).all())


def _duplicated(ids: Objects) -> Bools:
    n = len(ids)
    if n == 0:
        return np.zeros(0, dtype=bool)
    seen: dict[Any, int] = {}
    out = np.zeros(n, dtype=bool)
    try:
        arr = np.asarray(ids.tolist())
        if arr.dtype.kind in "iu":
            order = np.argsort(arr, kind="stable")
            s = arr[order]
            dup = np.zeros(n, dtype=bool)
            eq = s[1:] == s[:-1]
            dup[1:] |= eq
            dup[:-1] |= eq
            out[order] = dup
            return out
    except (ValueError, TypeError):
        pass
    for j, v in enumerate(ids.tolist()):
        if v in seen:
            out[j] = True
            out[seen[v]] = True
        else:
            seen[v] = j
    return out


def _ticket_positions(
    tickets_col: Any, events_col: Any, lib: str, n: int, m: int
) -> tuple[I64, list[tuple[Any, int]]]:
    """The tickets-table position of each event row (-1 for an unknown id), and the
    unknown ids with their first events row."""
    tids = _frames.objects(tickets_col, lib)
    eids = _frames.objects(events_col, lib)
    t_arr = _as_int_ids(tids)
    e_arr = _as_int_ids(eids)
    if t_arr is not None and e_arr is not None:
        order = np.argsort(t_arr, kind="stable")
        s = t_arr[order]
        j = np.searchsorted(s, e_arr)
        jc = np.minimum(j, max(n - 1, 0))
        found = (j < n) & (s[jc] == e_arr) if n else np.zeros(m, dtype=bool)
        pos = np.where(found, order[jc] if n else 0, -1).astype(np.int64)
    else:
        index: dict[Any, int] = {}
        for k, v in enumerate(tids.tolist()):
            index.setdefault(v, k)
        pos = np.fromiter((index.get(v, -1) for v in eids.tolist()), dtype=np.int64, count=m)
    orphans: list[tuple[Any, int]] = []
    missing = np.flatnonzero(pos < 0)
    if len(missing):
        seen: set[Any] = set()
        for r in missing.tolist():
            v = eids[r]
            if v not in seen:
                seen.add(v)
                orphans.append((v, r))
    return pos, orphans


def _as_int_ids(ids: Objects) -> I64 | None:
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    first = ids[0]
    if isinstance(first, (int, np.integer)) and not isinstance(first, bool):
        try:
            arr = np.array(ids.tolist(), dtype=np.int64)
        except (TypeError, ValueError, OverflowError):
            return None
        return arr
    return None


def _empty_results() -> dict[str, npt.NDArray[Any]]:
    out: dict[str, npt.NDArray[Any]] = {}
    for name in RESULT_FIELDS:
        kind = _RESULT_KINDS[name]
        dtype: Any = {
            "instant": np.int64,
            "duration": np.int64,
            "int": np.int64,
            "float": np.float64,
        }.get(kind, object)
        out[name] = np.zeros(0, dtype=dtype)
    return out

