"""The seeded ticket workload every benchmark in this folder shares.

100,000 tickets on one calendar, New York Mon-Fri 09:00-17:00 with US public
holidays (observed days as the ``holidays`` package reports them). Each
ticket has:

- ``start``: an aware datetime in America/New_York, whole seconds. About 80%
  are uniform over 2024-01-01 00:00 .. 2026-01-01 00:00 New York time; about
  10% sit exactly on a 09:00 or 17:00 edge of a random date; about 10% fall
  on one of the four DST-change days of 2024-2025 (uniform over the real
  instants of that local date, so the repeated fall-back hour carries
  ``fold=1`` where it should).
- ``duration``: a business duration for ``due``, log-uniform from 1 minute to
  30 days, whole seconds; about 10% are instead a round SLA target (1, 2, 4,
  8, 16, 24 or 40 hours), so that a due landing exactly on a 17:00 close
  (SEMANTICS: the due *is* the closing instant) is exercised, as it is in real
  SLA policies.
- ``end``: ``start`` plus a wall duration (real elapsed time, what a
  stopwatch shows), drawn from the same log-uniform law, independently; this
  is the second instant for ``elapsed``. The sum is taken in UTC so ``end`` is
  always a real instant (never in a DST gap) and always ``>= start``.

The generator uses only :mod:`random` with a fixed seed, so the workload is
the same on every machine and Python version that keeps ``random.Random``'s
documented reproducibility. Ticket ``i`` does not depend on ``n``: a smaller
workload is a prefix of the full one, and a prefix is a fair sample (the
biased tickets are spread evenly).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

SEED = 20_240_310
N = 100_000
ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
HOURS = "Mon-Fri 09:00-17:00"
OPEN, CLOSE = time(9), time(17)
HOLIDAY_COUNTRY = "US"
#: Years the peers get explicit holiday lists for. Starts end in 2025 and the
#: longest duration (30 days of business time = 90 business days) ends by
#: mid-2026, so 2024-2026 covers every answer.
HOLIDAY_YEARS = range(2024, 2027)
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2025, 12, 31)
DST_DAYS = (date(2024, 3, 10), date(2024, 11, 3), date(2025, 3, 9), date(2025, 11, 2))
ROUND_TARGETS_H = (1, 2, 4, 8, 16, 24, 40)
MIN_DURATION_S = 60
MAX_DURATION_S = 30 * 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


class Ticket(NamedTuple):
    start: datetime
    end: datetime
    duration: timedelta
    kind: str  # "uniform", "edge" or "dst": how the start was drawn


def to_us(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime."""
    return (instant - EPOCH) // US


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), ZONE).astimezone(UTC)


def _log_uniform_seconds(rng: random.Random) -> int:
    low, high = math.log(MIN_DURATION_S), math.log(MAX_DURATION_S)
    return min(MAX_DURATION_S, max(MIN_DURATION_S, round(math.exp(rng.uniform(low, high)))))


def _uniform_instant(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    seconds = int((hi - lo).total_seconds())
    return (lo + timedelta(seconds=rng.randrange(seconds))).astimezone(ZONE)


def make_workload(n: int = N, seed: int = SEED) -> list[Ticket]:
    """Return the first ``n`` tickets of the seeded workload."""
    rng = random.Random(seed)
    lo = _local_midnight_utc(FIRST_DAY)
    hi = _local_midnight_utc(LAST_DAY + timedelta(days=1))
    n_days = (LAST_DAY - FIRST_DAY).days + 1
    tickets = []
    for _ in range(n):
        draw = rng.random()
        if draw < 0.10:
            day = FIRST_DAY + timedelta(days=rng.randrange(n_days))
            start = datetime.combine(day, rng.choice((OPEN, CLOSE)), ZONE)
            kind = "edge"
        elif draw < 0.20:
            day = rng.choice(DST_DAYS)
            start = _uniform_instant(
                rng, _local_midnight_utc(day), _local_midnight_utc(day + timedelta(days=1))
            )
            kind = "dst"
        else:
            start = _uniform_instant(rng, lo, hi)
            kind = "uniform"
        if rng.random() < 0.10:
            duration = timedelta(hours=rng.choice(ROUND_TARGETS_H))
        else:
            duration = timedelta(seconds=_log_uniform_seconds(rng))
        wall = timedelta(seconds=_log_uniform_seconds(rng))
        end = (start.astimezone(UTC) + wall).astimezone(ZONE)
        tickets.append(Ticket(start, end, duration, kind))
    return tickets


if __name__ == "__main__":
    from collections import Counter

    work = make_workload()
    print(len(work), Counter(t.kind for t in work))
    for t in work[:5]:
        print(t)
