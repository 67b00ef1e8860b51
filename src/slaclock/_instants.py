"""Aware datetimes <-> integer microseconds, zone lookup and zone offsets.

This is the only module that touches ``tzinfo``. Everything else works on
integers: instants are microseconds since the Unix epoch (UTC), wall times
are "local microseconds" (the same count read on the zone's wall clock).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Final

from slaclock.errors import (
    DurationError,
    InputError,
    NaiveDatetimeError,
    NonexistentTimeError,
    UnknownTimeZoneError,
)

SECOND_US: Final = 1_000_000
MINUTE_US: Final = 60 * SECOND_US
HOUR_US: Final = 60 * MINUTE_US
DAY_US: Final = 24 * HOUR_US
#: The horizon unit: one mean Gregorian year (365.2425 days).
YEAR_US: Final = 31_556_952 * SECOND_US

UTC: Final = dt.UTC
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US: Final = dt.timedelta(microseconds=1)
_SUB: Final = dt.datetime.__sub__
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_MAX_ORDINAL: Final = dt.date.max.toordinal()
#: The instants a datetime can hold, as microseconds: ``[MIN_US, MAX_US)``.
MIN_US: Final = (dt.datetime.min.replace(tzinfo=dt.UTC) - _EPOCH) // dt.timedelta(microseconds=1)
MAX_US: Final = (dt.datetime.max.replace(tzinfo=dt.UTC) - _EPOCH) // dt.timedelta(
    microseconds=1
) + 1

TzLike = str | dt.tzinfo


def zone_key(zone: object, field: str = "zone") -> str:
    """Return the IANA key of ``zone`` (a name or a ``ZoneInfo``), checking it exists."""
    if isinstance(zone, zoneinfo.ZoneInfo):
        key = zone.key
    elif isinstance(zone, str):
        key = zone
    elif zone is dt.UTC:
        key = "UTC"
    else:
        raise UnknownTimeZoneError(
            field, zone, "must be an IANA zone name or a zoneinfo.ZoneInfo", "e.g. 'Europe/Paris'"
        )
    if key == "localtime":  # the machine's zone: answers would depend on where the code runs
        raise UnknownTimeZoneError(
            field, key, "names the machine's zone, not an IANA zone", "e.g. 'Europe/Paris'"
        )
    get_zone(key, field)
    return key


def get_zone(key: str, field: str = "zone") -> zoneinfo.ZoneInfo:
    """Look up an IANA zone, raising :class:`UnknownTimeZoneError` with the name."""
    try:
        return zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        # OSError: a key that names a directory of the database ("Europe") or is too long
        raise UnknownTimeZoneError(
            field, key, "is not a known IANA time zone", "e.g. 'America/New_York' or 'UTC'"
        ) from exc


def to_us(value: object, field: str = "instant", assume_tz: TzLike | None = None) -> int:
    """Return the instant ``value`` (an aware datetime) as UTC microseconds.

    A naive datetime raises :class:`NaiveDatetimeError` unless ``assume_tz``
    names the zone to read its wall time in (with its ``fold`` as given); a
    wall time in that zone's spring-forward gap raises
    :class:`NonexistentTimeError`.
    """
    try:
        # the hot path: an aware datetime minus the epoch is exact integer arithmetic
        # (the stdlib subtraction, so subclasses such as pendulum's give a timedelta)
        return _SUB(value, _EPOCH) // _ONE_US  # type: ignore[call-overload, no-any-return]
    except TypeError:
        pass
    if not isinstance(value, dt.datetime):
        raise NaiveDatetimeError(
            field, value, "must be a timezone-aware datetime.datetime", "dates are not instants"
        )
    if assume_tz is None:
        raise NaiveDatetimeError.for_value(field, value)
    return _SUB(localize(value, assume_tz, field), _EPOCH) // _ONE_US


def localize(value: dt.datetime, assume_tz: TzLike, field: str) -> dt.datetime:
    """Attach ``assume_tz`` to the naive ``value``; refuse wall times in a DST gap."""
    tz = assume_tz if isinstance(assume_tz, dt.tzinfo) else get_zone(assume_tz, "assume_tz")
    aware = value.replace(tzinfo=tz)
    back = aware.astimezone(dt.UTC).astimezone(tz)
    if back.replace(tzinfo=None, fold=0) != value.replace(fold=0):
        raise NonexistentTimeError(
            field,
            value,
            f"wall time does not exist in {tz} (it falls in a daylight-saving gap)",
            "pass an aware datetime instead",
        )
    return aware


def from_us(us: int) -> dt.datetime:
    """Return the UTC-aware datetime of UTC microseconds ``us``."""
    return _EPOCH + _ONE_US * us


def td_to_us(value: object, field: str = "duration") -> int:
    """Return a ``timedelta`` as integer microseconds (no floats)."""
    if isinstance(value, dt.timedelta):
        return value // _ONE_US
    raise DurationError(field, value, "must be a datetime.timedelta")


def us_to_td(us: int) -> dt.timedelta:
    """Return microseconds as a ``timedelta``."""
    return _ONE_US * us


def date_to_local_us(day: dt.date) -> int:
    """Local microseconds of ``day`` at 00:00 (wall clock, no zone)."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_US


def local_us_to_date(local_us: int) -> dt.date:
    """The date a wall time in local microseconds falls on (clamped to years 1..9999)."""
    return dt.date.fromordinal(min(max(local_us // DAY_US + _EPOCH_ORDINAL, 1), _MAX_ORDINAL))


# a day inside the range: the local time of the sample must exist too (offsets up to 26 h)
_MIN_S: Final = MIN_US // SECOND_US + 86_400
_MAX_S: Final = MAX_US // SECOND_US - 86_400 - 1


_DT_MIN: Final = dt.datetime.min.replace(tzinfo=dt.UTC)


def _utc_year(t_us: int) -> int:
    return (_DT_MIN + dt.timedelta(microseconds=t_us - MIN_US)).year


def _year_start_us(year: int) -> int:
    if year > 9999:
        return MAX_US
    return MIN_US + (dt.datetime(year, 1, 1, tzinfo=dt.UTC) - _DT_MIN) // dt.timedelta(
        microseconds=1
    )


def _offset_s(tz: dt.tzinfo, second: int) -> int:
    # Offsets beyond the datetime range are read at its edge (years 1 and 9999).
    second = min(max(second, _MIN_S), _MAX_S)
    off = dt.datetime.fromtimestamp(second, tz).utcoffset()
    assert off is not None
    return off.days * 86_400 + off.seconds


class ZoneOffsets:
    """The UTC offsets of one zone as pieces of constant offset.

    ``pieces(lo, hi)`` returns ``[(start_us, end_us, offset_us), ...]``
    covering ``[lo, hi)``: on each piece, wall time = UTC + offset.

    Transitions are found by sampling the offset once a day and bisecting to
    the second where it changes (tzdata transitions fall on whole seconds).
    Two changes less than a day apart could hide each other; since 1900 the
    closest pair in tzdata is four days apart (checked by the test suite
    against every zone's transition table).
    """

    _STEP: Final = 86_400

    def __init__(self, key: str) -> None:
        self.key = key
        self.tz = get_zone(key)
        # year -> its pieces; filled on demand, each entry written once (readers need no lock)
        self._years: dict[int, list[tuple[int, int, int]]] = {}
        # local midnight (wall µs) -> its first instant: dates are asked about again and again
        self._midnights: dict[int, int] = {}

    def offset_us(self, t_us: int) -> int:
        """The UTC offset in force at instant ``t_us``."""
        return _offset_s(self.tz, t_us // SECOND_US) * SECOND_US

    def pieces(self, lo_us: int, hi_us: int) -> list[tuple[int, int, int]]:
        """Pieces of constant offset covering ``[lo_us, hi_us)``.

        Each UTC year is sampled once and kept: calendars ask again and again
        about the same few days (local dates, day starts and closes).
        """
        if lo_us < MIN_US or hi_us > MAX_US:  # past the datetime range: sample directly
            return self._sample(lo_us, hi_us)
        out: list[tuple[int, int, int]] = []
        year = _utc_year(lo_us)
        while True:
            found = self._years.get(year)
            if found is None:
                y0, y1 = _year_start_us(year), _year_start_us(year + 1)
                found = self._sample(y0, y1)
                self._years[year] = found
            for start, end, off in found:
                a, b = max(start, lo_us), min(end, hi_us)
                if a < b:
                    if out and out[-1][2] == off and out[-1][1] == a:
                        out[-1] = (out[-1][0], b, off)
                    else:
                        out.append((a, b, off))
            if found[-1][1] >= hi_us:
                return out
            year += 1

    def _sample(self, lo_us: int, hi_us: int) -> list[tuple[int, int, int]]:
        """Pieces of ``[lo_us, hi_us)``: sample daily, bisect to the second at a change."""
        tz = self.tz
        step = self._STEP
        lo_s = lo_us // SECOND_US
        hi_s = -(-hi_us // SECOND_US)
        out: list[tuple[int, int, int]] = []
        start = lo_us
        prev_s = lo_s
        prev_off = _offset_s(tz, prev_s)
        while prev_s < hi_s:
            nxt = min(prev_s + step, hi_s)
            off = _offset_s(tz, nxt)
            if off != prev_off:
                # bisect: offset(a) == prev_off, offset(b) != prev_off
                a, b = prev_s, nxt
                while b - a > 1:
                    mid = (a + b) // 2
                    if _offset_s(tz, mid) == prev_off:
                        a = mid
                    else:
                        b = mid
                t_us = b * SECOND_US
                out.append((start, t_us, prev_off * SECOND_US))
                start = t_us
                prev_s, prev_off = b, _offset_s(tz, b)
                continue
            prev_s = nxt
        out.append((start, hi_us, prev_off * SECOND_US))
        return out

    def wall_to_first_utc(self, local_us: int) -> int:
        """The earliest instant whose wall time is ``>= local_us``.

        For a wall time in a DST gap this is the transition instant.
        """
        found = self._midnights.get(local_us)
        if found is not None:
            return found
        # pieces run in order and wall = t + off on each: the first piece that
        # reaches the wall time holds the answer
        for start, end, off in self.pieces(local_us - 2 * DAY_US, local_us + 2 * DAY_US):
            cand = max(start, local_us - off)
            if cand < end:
                if local_us % DAY_US == 0:
                    self._midnights[local_us] = cand
                return cand
        raise AssertionError("offsets stay within a day, so some piece reaches the wall time")


def parse_date(value: object, field: str) -> dt.date:
    """Read a ``datetime.date`` (not a datetime) or ISO ``YYYY-MM-DD`` text."""
    if isinstance(value, dt.datetime):
        raise InputError(field, value, "must be a date, not a datetime")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(field, value, "must be a date or ISO text 'YYYY-MM-DD'")
