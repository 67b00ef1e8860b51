"""Golden cases for the scalar clock, written by hand from SEMANTICS.md.

Every expected value in ``tests/cases/*.toml`` was derived by reasoning from
the contract (and cross-checked with plain ``zoneinfo`` arithmetic), never by
running slaclock. This module only loads the files and replays each case
through the public API, one pytest parameter per case id.

Case file format (TOML, one file per theme)::

    [calendars.office]                 # named calendars, shared by the cases of a file
    zone = "Europe/Paris"
    hours = "Mon-Fri 09:00-17:00"      # text, or a table {"mon": ["09:00-12:00"], ...}
    holidays = ["2024-12-25"]          # optional, ISO dates
    overrides = { "2024-12-24" = ["09:00-12:00"] }   # optional; [] closes the date
    # or: always_open = true (zone only); optional horizon_years = 50

    [[case]]
    id = "unique-kebab-id"
    description = "what is checked, citing the SEMANTICS rule"
    calendar = "office"                # a name above, or an inline table
    operation = "due"                  # a Calendar method name
    expected = "2024-06-10T15:00:00.000000+00:00"   # or: error = "DurationError"
    max_seconds = 10                   # optional: the error must be raised fast
    [case.args]
    start = "2024-06-10T09:00:00+02:00"
    duration = "PT8H"                  # ISO 8601 (days are 24 h) or int microseconds

Argument names follow the API: ``start``, ``end``, ``t``, ``duration``,
``pauses`` (list of ``[p0, p1]``), ``n``, ``day`` (ISO date), ``a``, ``b``,
plus ``assume_tz`` and ``fold`` (applied to every naive instant argument).
Instants are ISO 8601 strings with offsets; one without an offset is a naive
datetime (used by the error cases). Expected instants are UTC, and the test
also checks that returned instants are UTC-aware.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import slaclock
from slaclock import errors

CASES_DIR = Path(__file__).parent / "cases"

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+)(?:\.(?P<fraction>\d{1,6}))?S)?)?$"
)

_CASE_KEYS = frozenset(
    {"id", "description", "calendar", "operation", "args", "expected", "error", "max_seconds"}
)
_CALENDAR_KEYS = frozenset(
    {"zone", "hours", "holidays", "overrides", "always_open", "horizon_years"}
)
_ARG_KEYS = frozenset(
    {"start", "end", "t", "duration", "pauses", "n", "day", "a", "b", "assume_tz", "fold"}
)
_INSTANT_OPERATIONS = frozenset({"due", "subtract", "next_open", "next_close", "due_business_days"})
_OPERATIONS = _INSTANT_OPERATIONS | {
    "elapsed",
    "is_open",
    "open_intervals",
    "business_days_between",
    "is_business_day",
}


@dataclass(frozen=True)
class GoldenCase:
    """One hand-written case, as read from a TOML file."""

    id: str
    source: str
    description: str
    calendar: Mapping[str, Any]
    operation: str
    args: Mapping[str, Any]
    expected: Any
    error: str | None
    max_seconds: float | None


def parse_duration(value: object) -> timedelta:
    """Read an ISO 8601 duration (``PT8H``, ``-PT1H``, ``PT0.000002S``) or int microseconds.

    Days are exact 24-hour days: a duration of business time has no calendar.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(microseconds=value)
    if not isinstance(value, str):
        raise TypeError(f"duration must be an ISO 8601 string or int microseconds (got {value!r})")
    match = _DURATION.match(value)
    if match is None or value in {"P", "-P"} or value.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration (got {value!r})")
    parts = match.groupdict()
    fraction = (parts["fraction"] or "").ljust(6, "0")
    total = timedelta(
        days=int(parts["days"] or 0),
        hours=int(parts["hours"] or 0),
        minutes=int(parts["minutes"] or 0),
        seconds=int(parts["seconds"] or 0),
        microseconds=int(fraction or 0),
    )
    return -total if parts["sign"] else total


def parse_instant(value: object, fold: int = 0) -> datetime:
    """Read an ISO 8601 instant; without an offset it stays naive (with ``fold``)."""
    if not isinstance(value, str):
        raise TypeError(f"instant must be an ISO 8601 string (got {value!r})")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(fold=fold)
    return parsed


def _load_file(path: Path) -> list[GoldenCase]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    named: Mapping[str, Mapping[str, Any]] = data.get("calendars", {})
    cases: list[GoldenCase] = []
    for raw in data.get("case", []):
        unknown = set(raw) - _CASE_KEYS
        if unknown:
            raise ValueError(
                f"{path.name}: case {raw.get('id')!r} has unknown keys {sorted(unknown)}"
            )
        calendar = raw["calendar"]
        if isinstance(calendar, str):
            calendar = named[calendar]
        cases.append(
            GoldenCase(
                id=raw["id"],
                source=path.name,
                description=raw["description"],
                calendar=calendar,
                operation=raw["operation"],
                args=raw.get("args", {}),
                expected=raw.get("expected"),
                error=raw.get("error"),
                max_seconds=raw.get("max_seconds"),
            )
        )
    return cases


def load_cases() -> list[GoldenCase]:
    """Every case of every ``tests/cases/*.toml`` file, in file order."""
    cases: list[GoldenCase] = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        cases.extend(_load_file(path))
    return cases


CASES = load_cases()


def build_calendar(spec: Mapping[str, Any]) -> slaclock.Calendar:
    """Build a calendar through the public constructors from a case's definition."""
    zone: str = spec["zone"]
    horizon: int = spec.get("horizon_years", 50)
    if spec.get("always_open", False):
        return slaclock.Calendar.always_open(zone, horizon_years=horizon)
    holidays = [date.fromisoformat(day) for day in spec.get("holidays", [])]
    overrides = {
        date.fromisoformat(day): list(spans) for day, spans in spec.get("overrides", {}).items()
    }
    return slaclock.Calendar.weekly(
        zone,
        spec["hours"],
        holidays=holidays,
        overrides=overrides or None,
        horizon_years=horizon,
    )


def run_operation(calendar: slaclock.Calendar, operation: str, args: Mapping[str, Any]) -> object:
    """Call ``calendar.<operation>`` with the case's arguments decoded."""
    fold: int = args.get("fold", 0)

    def instant(name: str) -> datetime:
        return parse_instant(args[name], fold)

    tz: dict[str, Any] = {}
    if "assume_tz" in args:
        tz["assume_tz"] = args["assume_tz"]
    pauses = [
        (parse_instant(p0, fold), parse_instant(p1, fold)) for p0, p1 in args.get("pauses", [])
    ]
    calls: dict[str, Callable[[], object]] = {
        "elapsed": lambda: calendar.elapsed(instant("start"), instant("end"), pauses=pauses, **tz),
        "due": lambda: calendar.due(
            instant("start"), parse_duration(args["duration"]), pauses=pauses, **tz
        ),
        "subtract": lambda: calendar.subtract(
            instant("end"), parse_duration(args["duration"]), **tz
        ),
        "is_open": lambda: calendar.is_open(instant("t"), **tz),
        "next_open": lambda: calendar.next_open(instant("t"), **tz),
        "next_close": lambda: calendar.next_close(instant("t"), **tz),
        "open_intervals": lambda: calendar.open_intervals(instant("start"), instant("end"), **tz),
        "due_business_days": lambda: calendar.due_business_days(instant("start"), args["n"], **tz),
        "business_days_between": lambda: calendar.business_days_between(
            instant("a"), instant("b"), **tz
        ),
        "is_business_day": lambda: calendar.is_business_day(date.fromisoformat(args["day"])),
    }
    return calls[operation]()


def build_and_run(case: GoldenCase) -> object:
    """Build the case's calendar and run its operation (either may raise)."""
    return run_operation(build_calendar(case.calendar), case.operation, case.args)


def assert_utc(value: object, what: str) -> datetime:
    """SEMANTICS "Instants and durations": instants returned are UTC-aware datetimes."""
    assert isinstance(value, datetime), f"{what}: expected a datetime, got {value!r}"
    assert value.utcoffset() == timedelta(0), f"{what}: not UTC-aware: {value!r}"
    return value


def check_result(case: GoldenCase, result: object) -> None:
    """Compare a result with the case's expected value, by the operation's result type."""
    expected = case.expected
    if case.operation in _INSTANT_OPERATIONS:
        got = assert_utc(result, case.id)
        want = parse_instant(expected)
        assert got == want, f"{case.id}: got {got.isoformat()}, want {want.isoformat()}"
    elif case.operation == "elapsed":
        want_duration = parse_duration(expected)
        assert result == want_duration, f"{case.id}: got {result!r}, want {want_duration!r}"
    elif case.operation == "open_intervals":
        assert isinstance(result, list), f"{case.id}: expected a list, got {result!r}"
        got_pairs = [
            (assert_utc(s, case.id).isoformat(), assert_utc(e, case.id).isoformat())
            for s, e in result
        ]
        want_pairs = [
            (parse_instant(s).isoformat(), parse_instant(e).isoformat()) for s, e in expected
        ]
        assert got_pairs == want_pairs
    elif case.operation in {"is_open", "is_business_day"}:
        assert result is expected, f"{case.id}: got {result!r}, want {expected!r}"
    else:  # business_days_between
        assert type(result) is int, f"{case.id}: expected an int, got {result!r}"
        assert result == expected, f"{case.id}: got {result!r}, want {expected!r}"


class TestCaseFiles:
    """The case files themselves are well formed (no slaclock needed)."""

    def test_there_are_enough_cases(self) -> None:
        assert len(CASES) >= 60

    def test_ids_are_unique(self) -> None:
        ids = [case.id for case in CASES]
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_case_is_well_formed(self, case: GoldenCase) -> None:
        assert case.description.strip()
        assert case.operation in _OPERATIONS
        assert (case.expected is None) != (case.error is None), "exactly one of expected/error"
        assert set(case.calendar) <= _CALENDAR_KEYS
        assert set(case.args) <= _ARG_KEYS
        if case.error is not None:
            assert isinstance(getattr(errors, case.error, None), type), case.error


class TestGoldenCases:
    """Each hand-written case, replayed through the public API."""

    @pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
    def test_case_matches_the_contract(self, case: GoldenCase) -> None:
        if case.error is None:
            check_result(case, build_and_run(case))
            return
        error_class: type[BaseException] = getattr(errors, case.error)
        began = time.perf_counter()
        with pytest.raises(error_class):
            build_and_run(case)
        if case.max_seconds is not None:
            # SEMANTICS "Calendars": beyond the horizon the error is "raised fast, never a hang".
            assert time.perf_counter() - began <= case.max_seconds
