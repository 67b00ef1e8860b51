"""Recurrence rules (RFC 5545, read by ``dateutil``) expanded to dates, boundedly.

Used by recurring overrides and by ICS holiday files. A rule is kept as
canonical text; its expansion is a cache: the sorted dates before a bound,
extended on demand by doubling the span from the rule's start, so the walks
from ``DTSTART`` add up to a few times the span any question needs.

A walk stops at the first occurrence past the bound. ``dateutil`` finds that
occurrence by walking candidate dates, so a rule that never fires
(``BYMONTH=2;BYMONTHDAY=30``) is walked once to year 9999 (seconds for a
daily rule); the set is then known to be complete and is never walked again.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import warnings
from bisect import bisect_left, bisect_right
from typing import Any, Final

from slaclock.errors import InputError

_LAST: Final = dt.datetime(9999, 12, 31)  # noqa: DTZ001 - rule dates are wall dates
_FIRST_SPAN: Final = dt.timedelta(days=2 * 366)


def canonical_rule(rule: object, field: str) -> str:
    """Check a rule (``dateutil`` ``rrule`` or RFC 5545 text) and return its canonical text.

    Text must carry a ``DTSTART`` (a rule without one would start "now").
    ``EXDATE``, ``RDATE`` and several ``RRULE`` lines are allowed. A single
    rule given as text or as an ``rrule`` gives the same text.
    """
    from dateutil.rrule import rrule as rrule_type
    from dateutil.rrule import rrulestr

    if isinstance(rule, rrule_type):
        return str(rule)
    if not isinstance(rule, str):
        raise InputError(field, rule, "must be a date, a dateutil rrule or RFC 5545 rule text")
    text = "\n".join(line.strip() for line in rule.strip().splitlines() if line.strip())
    if "DTSTART" not in text.upper():
        raise InputError(
            field,
            rule,
            "recurring rule needs a DTSTART",
            "e.g. 'DTSTART:20240101\\nRRULE:FREQ=MONTHLY;BYDAY=+1SA'",
        )
    try:
        # dateutil warns of rules it will refuse in later versions (COUNT with UNTIL): refuse now
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            single = rrulestr(text, ignoretz=True)
            rrulestr(text, forceset=True, ignoretz=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, DeprecationWarning) as exc:
        raise InputError(field, rule, f"is not an RFC 5545 recurrence rule ({exc})") from exc
    return str(single) if isinstance(single, rrule_type) else text


#: Parts of a rule that repeat within a day: a rule of dates needs none, and ``dateutil``
#: would walk every hour, minute or second of the years asked about.
_SUB_DAILY = re.compile(
    r"(?:^|[:;])\s*(?:FREQ\s*=\s*(?:HOURLY|MINUTELY|SECONDLY)|BY(?:HOUR|MINUTE|SECOND)\s*=)"
)


def check_dates_rule(text: str, rule: object, field: str, what: str) -> None:
    """Reject a rule of dates that repeats within a day (its expansion would take minutes or hours)."""
    for line in text.upper().splitlines():
        if line.lstrip().startswith(("RRULE", "EXRULE")) and _SUB_DAILY.search(line):
            raise InputError(
                field,
                rule,
                f"{what} names dates: its rule must repeat daily or less often",
                "use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, without BYHOUR, BYMINUTE or BYSECOND",
            )


class Expansion:
    """The dates of one rule, expanded up to a growing bound (thread-safe)."""

    def __init__(self, text: str) -> None:
        from dateutil.rrule import rrulestr

        parsed: Any = rrulestr(text, forceset=True, ignoretz=True)
        # dateutil's rruleset keeps its rules and dates in private lists (no public
        # accessors); they are read once, for the start of the walks.
        starts = [r._dtstart for r in parsed._rrule] + list(parsed._rdate)
        self._set = parsed
        self._start: dt.datetime = min(starts) if starts else _LAST
        self._bound = self._start
        self._dates: list[dt.date] = []
        self._lock = threading.Lock()

    def dates_between(self, a: dt.date, b: dt.date) -> list[dt.date]:
        """The rule's dates in ``[a, b]``."""
        need = min(_LAST, dt.datetime(b.year, b.month, b.day) + dt.timedelta(days=1))  # noqa: DTZ001
        if need > self._bound:
            self._extend(need)
        dates = self._dates
        return dates[bisect_left(dates, a) : bisect_right(dates, b)]

    def _extend(self, need: dt.datetime) -> None:
        with self._lock:
            if need <= self._bound:
                return
            grown = self._start + max(2 * (self._bound - self._start), _FIRST_SPAN)
            bound = min(_LAST, max(need, grown))
            dates: set[dt.date] = set()
            complete = True
            for occ in self._set:  # sorted; stop at the first occurrence past the bound
                if occ >= bound:
                    complete = False
                    break
                dates.add(occ.date())
            self._dates = sorted(dates)
            # A set that ran out before the bound is known to the end of time.
            self._bound = _LAST if complete else bound
