"""Internal targets under external ones: where a chain of OLAs does not fit its SLA.

A :class:`~slaclock.policies.Chain` lists internal targets (tier 1, tier 2, a
vendor) under one external target. For a start instant ``s`` the chain's
finish gives each link its full goal on its own calendar, starting when the
previous link is due (the first at ``s``); the chain is **tight** at ``s`` iff
it finishes at or before the external due from ``s`` (SEMANTICS "Internal and
external targets"). :func:`check_internal_targets` finds, exactly and not by
sampling, every start instant of a window where a chain is not tight.

How: every due is a function of its start that is, piece by piece, either a
constant (starts in a closed stretch, or within one local date for business
days) or a translation ``x + c`` (starts in an open stretch, while the due
stays in one open stretch). The pieces of each link are built from the
calendar's open intervals, the chain's finish is their composition (each
piece's image is split where the next link's function changes form), and
finish and external due are compared piece by piece on their common
refinement: const against const or shift against shift is all or nothing,
shift against const is a half-line. Everything is integer microseconds.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import attrs

from slaclock._instants import DAY_US, from_us, to_us, us_to_td
from slaclock.calendars import Calendar
from slaclock.errors import InputError, IntervalOrderError, PolicyError
from slaclock.policies import (
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    Chain,
    Goal,
    InternalTarget,
    Policy,
    Target,
)

__all__ = ["ChainCheck", "check_internal_targets"]

#: One piece of a due function on ``[lo, hi)``: ``(lo, hi, shift, value)`` means
#: ``f(x) = x + value`` if ``shift`` else ``f(x) = value``.
_Piece: TypeAlias = tuple[int, int, bool, int]
_Span: TypeAlias = tuple[int, int]


# ---- the result ---------------------------------------------------------------------------


def _percent(share: Fraction) -> str:
    pct = share * 100
    return f"{pct.numerator}%" if pct.denominator == 1 else f"{float(pct):.4g}%"


def _chain_name(chain: Chain) -> str:
    return f"{chain.severity}.{chain.metric.value}: {' -> '.join(chain.teams)}"


def _span_text(span: tuple[dt.datetime, dt.datetime]) -> str:
    return f"[{span[0].isoformat()}, {span[1].isoformat()})"


@attrs.frozen
class ChainCheck:
    """Where one chain of internal targets is not tight under its external target.

    Attributes
    ----------
    chain
        The :class:`~slaclock.policies.Chain` checked.
    external
        The external target's name (``"P2.resolution"``).
    not_tight
        The start instants where the chain is not tight, as half-open
        intervals ``(a, b)`` of UTC datetimes: sorted, disjoint, not touching.
    share_wall
        Their share of the window in wall time (exact).
    share_open
        Their share of the window in the external calendar's open time
        (exact; 0 when the window holds no open time).
    not_tight_wall, not_tight_open
        Their wall time and their open time on the external calendar.
    window
        The window ``(start, end)`` checked, in UTC.

    .. versionadded:: 0.1
    """

    chain: Chain
    external: str
    not_tight: tuple[tuple[dt.datetime, dt.datetime], ...]
    share_wall: Fraction
    share_open: Fraction
    not_tight_wall: dt.timedelta
    not_tight_open: dt.timedelta
    window: tuple[dt.datetime, dt.datetime]

    @property
    def tight(self) -> bool:
        """True if the chain is tight at every start instant of the window."""
        return not self.not_tight

    @property
    def name(self) -> str:
        """The chain as text, such as ``"P2.resolution: tier1 -> tier2"``."""
        return _chain_name(self.chain)

    def __str__(self) -> str:
        head = f"chain {self.name} over {_span_text(self.window)}: "
        if self.tight:
            return head + f"tight (finishes by the {self.external} due from every start)"
        n = len(self.not_tight)
        lines = [
            head
            + f"not tight on {n} interval{'s' if n != 1 else ''} of starts, "
            + f"{_percent(self.share_wall)} of the window in wall time, "
            + f"{_percent(self.share_open)} of its {self.external} open time"
        ]
        shown = 5
        lines += [f"  {_span_text(span)}" for span in self.not_tight[:shown]]
        if n > shown:
            lines.append(f"  ... and {n - shown} more")
        return "\n".join(lines)


# ---- due functions as pieces ----------------------------------------------------------------


def _merge_pieces(pieces: list[_Piece]) -> list[_Piece]:
    """Join neighbours with the same form and value (they describe one piece)."""
    out: list[_Piece] = []
    for p in pieces:
        if p[0] >= p[1]:
            continue
        if out and out[-1][1] == p[0] and out[-1][2] == p[2] and out[-1][3] == p[3]:
            out[-1] = (out[-1][0], p[1], p[2], p[3])
        else:
            out.append(p)
    return out


def _business_time_pieces(cal: Calendar, d: int, lo: int, hi: int) -> list[_Piece]:
    """``x -> cal.due(x, d)`` on ``[lo, hi)`` (``d > 0``).

    With open intervals ``[s_i, e_i)`` and ``cum_i`` the open time before
    interval ``i``, ``B(x)`` (open time before ``x``) is ``cum_i + x - s_i``
    inside interval ``i`` and ``cum_i`` in the gap before it; the due is
    ``G(B(x) + d)`` where ``G(v) = s_j + v - cum_j`` for ``cum_j < v <=
    cum_(j+1)`` (a due is never an opening instant, and may be a closing one).
    """
    # The due is monotone in its start: the last start bounds every due. The
    # public call also raises the calendar's own horizon error.
    top = to_us(cal.due(from_us(hi - 1), us_to_td(d)))
    intervals = cal._tl(lo, top).between(lo, top)
    starts = [s for s, _ in intervals]
    ends = [e for _, e in intervals]
    cum = [0]
    for s, e in intervals:
        cum.append(cum[-1] + e - s)
    n = len(starts)
    out: list[_Piece] = []
    x = lo
    while x < hi:
        i = bisect_right(starts, x) - 1
        if i >= 0 and x < ends[i]:  # open: a translation while the due stays in interval j
            v = cum[i] + x - starts[i] + d
            j = bisect_left(cum, v, 1) - 1
            assert j < n, "the due of a later start bounds this one"
            end = min(ends[i], hi, cum[j + 1] - d - cum[i] + starts[i] + 1)
            assert end > x
            out.append((x, end, True, d + starts[j] - cum[j] - starts[i] + cum[i]))
        else:  # closed: the due of the next opening instant
            assert i + 1 < n, "the due of a later start bounds this one"
            v = cum[i + 1] + d
            j = bisect_left(cum, v, 1) - 1
            assert j < n, "the due of a later start bounds this one"
            end = min(starts[i + 1], hi)
            out.append((x, end, False, starts[j] + v - cum[j]))
        x = end
    return _merge_pieces(out)


def _business_days_pieces(cal: Calendar, days: int, lo: int, hi: int) -> list[_Piece]:
    """``x -> cal.due_business_days(x, days)`` on ``[lo, hi)``: constant on each local date."""
    # SEMANTICS "Business days": the due depends only on the local date of the
    # start. Local dates change at local midnights and at offset changes (a
    # zone whose clock falls back over midnight repeats part of a date).
    cache: dict[dt.date, int] = {}
    out: list[_Piece] = []
    for p0, p1, off in cal._offsets.pieces(lo, hi):
        x = p0
        while x < p1:
            end = min(p1, ((x + off) // DAY_US + 1) * DAY_US - off)
            assert end > x
            day = cal._local_date(x)
            due = cache.get(day)
            if due is None:
                due = cache[day] = to_us(cal.due_business_days(from_us(x), days))
            out.append((x, end, False, due))
            x = end
    return _merge_pieces(out)


def _due_pieces(cal: Calendar, goal: Goal, lo: int, hi: int) -> list[_Piece]:
    """The due from each start in ``[lo, hi)`` (``lo < hi``) as pieces covering it."""
    if isinstance(goal, CalendarTime):
        return [(lo, hi, True, goal.duration // dt.timedelta(microseconds=1))]
    if isinstance(goal, BusinessTime):
        return _business_time_pieces(cal, goal.duration // dt.timedelta(microseconds=1), lo, hi)
    return _business_days_pieces(cal, goal.days, lo, hi)


def _image(pieces: list[_Piece]) -> _Span:
    """The smallest ``[lo, hi)`` holding every value of the pieces."""
    lo = min(p[3] if not p[2] else p[0] + p[3] for p in pieces)
    hi = max(p[3] + 1 if not p[2] else p[1] + p[3] for p in pieces)
    return lo, hi


def _compose(inner: list[_Piece], outer: list[_Piece]) -> list[_Piece]:
    """``outer(inner(x))``: each piece of ``inner`` split where its image meets ``outer``'s breaks."""
    outer_starts = [p[0] for p in outer]
    out: list[_Piece] = []
    for lo, hi, shift, c in inner:
        if not shift:
            k = bisect_right(outer_starts, c) - 1
            _, _, oshift, oc = outer[k]
            out.append((lo, hi, False, c + oc if oshift else oc))
            continue
        a, b = lo + c, hi + c
        k = bisect_right(outer_starts, a) - 1
        while a < b:
            _, ohi, oshift, oc = outer[k]
            e = min(b, ohi)
            out.append((a - c, e - c, oshift, c + oc if oshift else oc))
            a = e
            k += 1
    return _merge_pieces(out)


def _later(finish: list[_Piece], ext: list[_Piece]) -> list[_Span]:
    """The starts where ``finish > ext``, merged; both cover the same range."""
    out: list[_Span] = []

    def add(a: int, b: int) -> None:
        if a >= b:
            return
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))

    i = j = 0
    while i < len(finish) and j < len(ext):
        flo, fhi, fshift, fc = finish[i]
        elo, ehi, eshift, ec = ext[j]
        lo, hi = max(flo, elo), min(fhi, ehi)
        if fshift == eshift:  # both constants or both translations: all or nothing
            if fc > ec:
                add(lo, hi)
        elif fshift:  # x + fc > ec  <=>  x > ec - fc
            add(max(lo, ec - fc + 1), hi)
        else:  # fc > x + ec  <=>  x < fc - ec
            add(lo, min(hi, fc - ec))
        if fhi <= ehi:
            i += 1
        if ehi <= fhi:
            j += 1
    return out


# ---- the check ---------------------------------------------------------------------------


def _calendar(
    target: Target | InternalTarget, attributes: Mapping[str, Any], where: str
) -> Calendar:
    try:
        return target.calendar_for(attributes)
    except InputError as e:
        choice = target.calendar
        attribute = choice.attribute if isinstance(choice, CalendarChoice) else "?"
        hint = (
            f"{where} takes its calendar from the ticket attribute {attribute!r}: "
            f"pass attributes={{{attribute!r}: ...}} with one of its values"
        )
        raise InputError(e.field, e.value, e.problem, hint) from None


def _check_chain(
    policy: Policy, chain: Chain, a: int, b: int, attributes: Mapping[str, Any]
) -> ChainCheck:
    external = policy.target(chain.metric, chain.severity)
    if external is None:  # Policy checks this when it is built
        raise PolicyError(f"chain {_chain_name(chain)}: the policy has no such external target")
    ext_cal = _calendar(external, attributes, f"target {external.name}")
    links: list[tuple[Calendar, Goal]] = []
    for team in chain.teams:
        it = policy.internal_target(team, chain.severity)
        if it is None:  # Policy checks this when it is built
            raise PolicyError(f"chain {_chain_name(chain)}: no internal target for {team!r}")
        links.append((_calendar(it, attributes, f"internal target {it.name}"), it.goal))
    spans: list[_Span] = []
    if a < b:
        finish = [(a, b, True, 0)]  # the identity: the first link starts at s
        for cal, goal in links:
            lo, hi = _image(finish)
            finish = _compose(finish, _due_pieces(cal, goal, lo, hi))
        spans = _later(finish, _due_pieces(ext_cal, external.goal, a, b))
    wall_us = sum(e - s for s, e in spans)
    open_total = ext_cal.elapsed(from_us(a), from_us(b))
    open_td = sum(
        (ext_cal.elapsed(from_us(s), from_us(e)) for s, e in spans), start=dt.timedelta(0)
    )
    one = dt.timedelta(microseconds=1)
    return ChainCheck(
        chain=chain,
        external=external.name,
        not_tight=tuple((from_us(s), from_us(e)) for s, e in spans),
        share_wall=Fraction(wall_us, b - a) if b > a else Fraction(0),
        share_open=Fraction(open_td // one, open_total // one) if open_total else Fraction(0),
        not_tight_wall=us_to_td(wall_us),
        not_tight_open=open_td,
        window=(from_us(a), from_us(b)),
    )


def check_internal_targets(
    policy: Policy,
    start: dt.datetime,
    end: dt.datetime,
    *,
    attributes: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> list[ChainCheck]:
    """Find, for each chain of ``policy``, the start instants in ``[start, end)`` where it is not tight.

    A chain's finish from a start ``s`` gives each internal target its full
    goal on its own calendar, starting when the previous one is due (the
    first at ``s``); the chain is tight at ``s`` iff it finishes at or before
    the external target's due from ``s`` (SEMANTICS "Internal and external
    targets"). No ticket is involved, so pauses play no part. The answer is
    exact to the microsecond, not sampled.

    Parameters
    ----------
    policy
        The policy whose :attr:`~slaclock.policies.Policy.chains` are checked.
    start, end
        The window of start instants, ``[start, end)`` (aware datetimes).
    attributes
        Ticket attributes that choose calendars given by
        :class:`~slaclock.policies.CalendarChoice` (``{"region": "uk"}``).
    strict
        Raise :class:`~slaclock.errors.PolicyError` if any chain is not tight.

    Returns
    -------
    list of ChainCheck
        One per chain, in the policy's order.

    Raises
    ------
    PolicyError
        With ``strict=True``, if a chain is not tight somewhere in the window;
        the message names each such chain, its first interval and its share.
    InputError
        If a calendar is chosen by an attribute that ``attributes`` lacks
        (and there is no default); the error names the attribute.
    IntervalOrderError
        If ``end`` is before ``start``.
    NoOpenTimeError
        If a due is not reached within its calendar's horizon.

    Examples
    --------
    Tier 1 has no late shift on Fridays, so a ticket opened on a Friday
    evening waits for Monday while the customer's clock keeps running:

    >>> import datetime as dt
    >>> from slaclock import Calendar
    >>> from slaclock.policies import BusinessTime, Chain, InternalTarget, Policy, Target
    >>> support = Calendar.weekly("UTC", "Mon-Fri 08:00-22:00")
    >>> tier1 = Calendar.weekly("UTC", "Mon-Thu 08:00-22:00; Fri 08:00-18:00")
    >>> hour = dt.timedelta(hours=1)
    >>> policy = Policy(
    ...     "support",
    ...     severities=["P2"],
    ...     statuses={"open": "running", "solved": "stopped"},
    ...     targets=[Target("resolution", "P2", BusinessTime(6 * hour), support)],
    ...     internal_targets=[
    ...         InternalTarget("tier1", BusinessTime(2 * hour), tier1),
    ...         InternalTarget("tier2", BusinessTime(4 * hour), support),
    ...     ],
    ...     chains=[Chain("P2", ["tier1", "tier2"])],
    ... )
    >>> monday = dt.datetime(2024, 1, 8, tzinfo=dt.UTC)
    >>> [check] = check_internal_targets(policy, monday, monday + 7 * 24 * hour)
    >>> print(check)  # doctest: +NORMALIZE_WHITESPACE
    chain P2.resolution: tier1 -> tier2 over [2024-01-08T00:00:00+00:00, 2024-01-15T00:00:00+00:00):
    not tight on 1 interval of starts, 3.571% of the window in wall time, 8.571% of its P2.resolution open time
      [2024-01-12T16:00:00.000001+00:00, 2024-01-12T22:00:00+00:00)
    >>> check.not_tight_wall
    datetime.timedelta(seconds=21599, microseconds=999999)
    >>> check_internal_targets(policy, monday, monday + 7 * 24 * hour, strict=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    slaclock.errors.PolicyError: chain P2.resolution: tier1 -> tier2 is not tight under P2.resolution: ...
    """
    a = to_us(start, "start")
    b = to_us(end, "end")
    if b < a:
        raise IntervalOrderError("end", end, f"must not be before start ({start!r})")
    attrs_map: Mapping[str, Any] = {} if attributes is None else attributes
    checks = [_check_chain(policy, chain, a, b, attrs_map) for chain in policy.chains]
    if strict:
        loose = [c for c in checks if not c.tight]
        if loose:
            raise PolicyError(
                "; ".join(
                    f"chain {c.name} is not tight under {c.external}: "
                    f"from starts in {_span_text(c.not_tight[0])}"
                    + (
                        f" and {len(c.not_tight) - 1} more intervals"
                        if len(c.not_tight) > 1
                        else ""
                    )
                    + f", {_percent(c.share_wall)} of the window {_span_text(c.window)} "
                    + f"in wall time ({_percent(c.share_open)} of its open time)"
                    for c in loose
                )
            )
    return checks
