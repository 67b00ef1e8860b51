"""Fuzzing ``Calendar.from_dict``: valid calendar dictionaries edited at random, and junk."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fuzzing import attempt, junk, mutated, odd_text
from hypothesis import given
from hypothesis import strategies as st

from slaclock import Calendar
from slaclock.errors import CalendarFormatError, InputError, SlaClockError, UnknownTimeZoneError

pytestmark = pytest.mark.fuzz

ZONES = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Pacific/Apia"]
HOURS: list[Any] = [
    "Mon-Fri 09:00-17:00",
    "Mon-Fri 08:00-12:00, 13:00-18:00; Sat 10:00-14:00",
    "Sun-Thu 22:00-06:00",
    "Daily 00:00-24:00",
    {"mon": ["09:00-17:00"], "fri": "09:00-12:00"},
]
HOLIDAYS: list[Any] = [
    {"country": "US"},
    {"country": "GB", "subdiv": "ENG"},
    {"country": "DE", "categories": ["public"], "observed": False},
    {"financial": "NYSE"},
    {"dates": ["2024-12-25", "2025-12-25"], "name": "office"},
    {"dates": {"2024-12-24": "Christmas Eve"}},
]
OVERRIDES: list[Any] = [
    {"2024-12-24": ["09:00-13:00"]},
    {"2024-12-31": [], "2025-01-02": "10:00-12:00"},
]
RECURRING: list[Any] = [
    {"rule": "DTSTART:20240101\nRRULE:FREQ=MONTHLY;BYDAY=+1SA", "hours": ["10:00-14:00"]},
    {"rule": "DTSTART:20240101\nRRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", "hours": []},
]

#: An instant to ask a calendar about, and the window of a small search.
T = dt.datetime(2024, 12, 24, 15, tzinfo=dt.UTC)


@st.composite
def weekly_dicts(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"zone": draw(st.sampled_from(ZONES))}
    if draw(st.booleans()):
        data["kind"] = "weekly"
    data["hours"] = draw(st.sampled_from(HOURS))
    if draw(st.booleans()):
        data["holidays"] = draw(st.lists(st.sampled_from(HOLIDAYS), max_size=2, unique_by=str))
    if draw(st.booleans()):
        data["overrides"] = draw(st.sampled_from(OVERRIDES))
    if draw(st.booleans()):
        data["recurring"] = draw(st.lists(st.sampled_from(RECURRING), max_size=2, unique_by=str))
    if draw(st.booleans()):
        data["horizon_years"] = draw(st.integers(1, 100))
    return data


calendar_dicts: st.SearchStrategy[dict[str, Any]] = st.one_of(
    weekly_dicts(),
    st.builds(lambda zone: {"kind": "always_open", "zone": zone}, st.sampled_from(ZONES)),
    st.builds(
        lambda op, left, right: {"kind": op, "left": left, "right": right},
        st.sampled_from(["and", "or"]),
        weekly_dicts(),
        weekly_dicts(),
    ),
)


def _read(data: Any) -> Calendar | SlaClockError:
    got = attempt(lambda: Calendar.from_dict(data, "calendars.us"), "calendars.us")
    if isinstance(got, Calendar):
        # a calendar read is a value: it writes back to a dict that reads to an equal value
        again = Calendar.from_dict(got.to_dict())
        assert again == got
        assert hash(again) == hash(got)
        assert again.to_dict() == got.to_dict()
        # and it answers (bounded: the calendar's horizon), or says why not
        attempt(lambda: got.is_open(T))
        attempt(lambda: got.next_open(T))
    return got


class TestCalendarDicts:
    @given(calendar_dicts)
    def test_valid_dicts_read_and_round_trip(self, data: dict[str, Any]) -> None:
        got = _read(data)
        assert isinstance(got, Calendar), got

    @given(calendar_dicts.flatmap(mutated))
    def test_edited_dicts_read_or_name_the_key(self, data: Any) -> None:
        _read(data)

    @given(calendar_dicts.flatmap(lambda d: mutated(d, max_edits=6)))
    def test_dicts_with_many_edits_read_or_name_the_key(self, data: Any) -> None:
        _read(data)

    @given(
        st.one_of(
            junk,
            st.dictionaries(
                st.sampled_from(
                    ["kind", "zone", "hours", "holidays", "overrides", "recurring", "horizon_years"]
                ),
                junk,
            ),
        )
    )
    def test_junk_reads_or_names_the_key(self, data: Any) -> None:
        _read(data)

    @given(
        st.fixed_dictionaries(
            {
                "zone": st.sampled_from(ZONES),
                "hours": st.just("Mon-Fri 09:00-17:00"),
                "recurring": st.lists(
                    st.fixed_dictionaries(
                        {
                            "rule": st.one_of(
                                odd_text,
                                st.builds(
                                    "DTSTART:{}\nRRULE:{}".format,
                                    st.sampled_from(["20240101", "20240101T090000", "99991231"]),
                                    st.lists(
                                        st.sampled_from(
                                            [
                                                "FREQ=DAILY",
                                                "FREQ=WEEKLY",
                                                "FREQ=MONTHLY",
                                                "FREQ=YEARLY",
                                                "FREQ=HOURLY",
                                                "FREQ=MINUTELY",
                                                "FREQ=SECONDLY",
                                                "INTERVAL=3",
                                                "COUNT=5",
                                                "UNTIL=20250101",
                                                "BYDAY=+1SA",
                                                "BYMONTH=2",
                                                "BYMONTHDAY=30",
                                                "BYHOUR=1,2,3",
                                                "BYMINUTE=5",
                                                "BYSECOND=1",
                                                "BYSETPOS=-1",
                                                "BYYEARDAY=366",
                                                "BYWEEKNO=53",
                                            ]
                                        ),
                                        min_size=1,
                                        max_size=4,
                                    ).map(";".join),
                                ),
                            ),
                            "hours": st.one_of(
                                st.sampled_from([[], ["10:00-14:00"], "closed"]), junk
                            ),
                        }
                    ),
                    max_size=2,
                ),
            }
        )
    )
    def test_recurrence_rules_read_and_answer_in_bounded_time(self, data: Any) -> None:
        _read(data)


class TestFoundByFuzzing:
    """Inputs the fuzz tests found, fixed, and kept as plain examples."""

    @pytest.mark.parametrize(
        "rule",
        [
            "DTSTART:20240101\nRRULE:FREQ=MINUTELY",
            "DTSTART:20240101\nRRULE:FREQ=SECONDLY",
            "DTSTART:20240101\nrrule:freq=hourly",
            "DTSTART:20240101\nRRULE:FREQ=DAILY;BYHOUR=0,1,2;BYMINUTE=0,30",
            "DTSTART:20240101\nRRULE:FREQ=WEEKLY\nEXRULE:FREQ=SECONDLY",
        ],
    )
    def test_a_rule_repeating_within_a_day_is_refused_not_walked(self, rule: str) -> None:
        # was: read, then the first question walked every minute (or second) of two years
        data = {"zone": "UTC", "hours": "Mon-Fri 09:00-17:00", "recurring": [{"rule": rule}]}
        with pytest.raises(InputError) as info:
            Calendar.from_dict(data)
        assert str(info.value) == (
            f"calendar.recurring[0].rule: a recurring override names dates: its rule must "
            f"repeat daily or less often (got {rule!r}); use FREQ=DAILY, WEEKLY, MONTHLY or "
            f"YEARLY, without BYHOUR, BYMINUTE or BYSECOND"
        )

    def test_a_rule_of_rdates_alone_is_a_recurring_override(self) -> None:
        # was: "calendar.overrides['DTSTART:...']: must be a date or ISO text 'YYYY-MM-DD'"
        # (a rule without an RRULE line was taken for a date)
        rule = "DTSTART:20240101\nRDATE:20240105"
        data = {"zone": "UTC", "hours": "Mon-Fri 09:00-17:00", "recurring": [{"rule": rule}]}
        cal = Calendar.from_dict(data)
        assert cal.to_dict()["recurring"] == [{"rule": rule, "hours": []}]
        assert Calendar.from_dict(cal.to_dict()) == cal
        assert not cal.is_open(dt.datetime(2024, 1, 5, 10, tzinfo=dt.UTC))  # Friday, closed
        assert cal.is_open(dt.datetime(2024, 1, 4, 10, tzinfo=dt.UTC))
        assert Calendar.weekly("UTC", "Mon-Fri 09:00-17:00", overrides={rule: []}) == cal

    @pytest.mark.parametrize("zone", ["Europe", "America", "America/Argentina", "a" * 260])
    def test_a_zone_naming_a_directory_or_too_long_is_an_unknown_zone(self, zone: str) -> None:
        # was: IsADirectoryError / OSError "File name too long" from zoneinfo
        with pytest.raises(UnknownTimeZoneError) as info:
            Calendar.from_dict({"zone": zone, "hours": "Mon-Fri 09:00-17:00"})
        assert str(info.value) == (
            f"calendar.zone: is not a known IANA time zone (got {zone!r}); "
            "e.g. 'America/New_York' or 'UTC'"
        )

    def test_keys_of_mixed_types_in_a_combined_calendar_name_the_first_unknown(self) -> None:
        # was: TypeError "'<' not supported between instances of 'str' and 'int'"
        weekly = {"zone": "UTC", "hours": "Mon-Fri 09:00-17:00"}
        data = {"kind": "and", "left": weekly, "right": weekly, 1: 2, "x": 3}
        with pytest.raises(CalendarFormatError) as info:
            Calendar.from_dict(data)
        assert str(info.value) == "calendar.1: unknown key (got 2)"

    def test_a_rule_with_count_and_until_is_refused_not_warned_about(self) -> None:
        # was: dateutil's DeprecationWarning (an error under -W error), the rule read anyway
        rule = "DTSTART:20240101\nRRULE:FREQ=DAILY;COUNT=5;UNTIL=20250101"
        data = {"zone": "UTC", "hours": "Mon-Fri 09:00-17:00", "recurring": [{"rule": rule}]}
        with pytest.raises(InputError) as info:
            Calendar.from_dict(data)
        assert str(info.value).startswith(
            "calendar.recurring[0].rule: is not an RFC 5545 recurrence rule (Using both 'count' "
            "and 'until' is inconsistent with RFC 5545"
        )
