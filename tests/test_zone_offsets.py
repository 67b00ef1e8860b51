"""Zone offsets: the sampled transitions are the zone's real ones."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from zoneinfo import _zoneinfo  # type: ignore[attr-defined]  # pure Python: exposes its transition table

import pytest

from slaclock._instants import SECOND_US, ZoneOffsets

HARD = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "America/Santiago",
    "Asia/Tehran",
    "Africa/Casablanca",
]
Y1900 = int(dt.datetime(1900, 1, 1, tzinfo=dt.UTC).timestamp())


def _offset(tz: dt.tzinfo, second: int) -> int:
    off = dt.datetime.fromtimestamp(second, tz).utcoffset()
    assert off is not None
    return int(off.total_seconds())


def test_no_zone_changes_offset_twice_within_the_sampling_step() -> None:
    # ZoneOffsets samples every _STEP seconds: two changes closer than that
    # could hide each other. Check every zone's explicit table since 1900.
    step = ZoneOffsets._STEP
    for key in sorted(zoneinfo.available_timezones()):
        z = _zoneinfo.ZoneInfo.no_cache(key)
        changes = [t for t in z._trans_utc if t >= Y1900 and _offset(z, t - 1) != _offset(z, t)]
        for a, b in itertools.pairwise(changes):
            assert b - a > step, (key, dt.datetime.fromtimestamp(a, dt.UTC), b - a)


@pytest.mark.parametrize("key", HARD)
def test_pieces_match_an_hourly_scan(key: str) -> None:
    z = zoneinfo.ZoneInfo(key)
    lo = int(dt.datetime(2005, 1, 1, tzinfo=dt.UTC).timestamp())
    hi = int(dt.datetime(2016, 1, 1, tzinfo=dt.UTC).timestamp())
    pieces = ZoneOffsets(key).pieces(lo * SECOND_US, hi * SECOND_US)
    # contiguous, covering, each with the offset the zone has inside it
    assert pieces[0][0] == lo * SECOND_US
    assert pieces[-1][1] == hi * SECOND_US
    for (_s0, e0, _), (s1, _, _) in itertools.pairwise(pieces):
        assert e0 == s1
    for s, e, off in pieces:
        for t in range(s // SECOND_US, e // SECOND_US, 3600):
            assert _offset(z, t) * SECOND_US == off, (key, t)
        assert _offset(z, e // SECOND_US - 1) * SECOND_US == off
    # every boundary is a real change, found to the second
    for (_, e, off), (_, _, off2) in itertools.pairwise(pieces):
        assert off != off2
        assert _offset(z, e // SECOND_US - 1) * SECOND_US == off
        assert _offset(z, e // SECOND_US) * SECOND_US == off2
