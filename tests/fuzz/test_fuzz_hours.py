"""Fuzzing the opening-hours parsers: ``WeeklyHours.parse`` (text and mappings), ``Span.parse``."""

from __future__ import annotations

from typing import Any

import pytest
from fuzzing import attempt, junk, line_edits, mutated, odd_text, text_edits
from hypothesis import given
from hypothesis import strategies as st

from slaclock.errors import SlaClockError, SpanError
from slaclock.hours import WEEKDAYS, Span, WeeklyHours, parse_day_spans

pytestmark = pytest.mark.fuzz

_MINUTES = 24 * 60
_DAY_NAMES = [
    [d, d.title(), full, full.upper(), d[:2].title(), f"{d.title()}."]
    for d, full in zip(
        WEEKDAYS,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def _day_spec(draw: st.DrawFn) -> tuple[str, list[int]]:
    """Weekdays as written (a day, a list, a wrapping range, Daily) and the days meant."""
    kind = draw(st.sampled_from(["one", "list", "range", "daily"]))

    def name(d: int) -> str:
        return draw(st.sampled_from(_DAY_NAMES[d]))

    if kind == "daily":
        return draw(st.sampled_from(["Daily", "daily", "Every day", "all"])), list(range(7))
    if kind == "range":
        a, b = draw(st.integers(0, 6)), draw(st.integers(0, 6))
        days = [a]
        while days[-1] != b:
            days.append((days[-1] + 1) % 7)
        return f"{name(a)}-{name(b)}", days
    days = draw(st.lists(st.integers(0, 6), min_size=1, max_size=1 if kind == "one" else 4))
    return ",".join(name(d) for d in days), days


_span_minutes = st.tuples(st.integers(0, _MINUTES - 1), st.integers(0, _MINUTES)).filter(
    lambda p: p[0] != p[1]
)


@st.composite
def hours_texts(draw: st.DrawFn) -> tuple[str, list[set[int]]]:
    """Hours text in the documented grammar, and the open minutes of each weekday it means."""
    groups = []
    open_minutes: list[set[int]] = [set() for _ in range(7)]
    for _ in range(draw(st.integers(1, 4))):
        spec, days = draw(_day_spec())
        spans = draw(st.lists(_span_minutes, min_size=1, max_size=3))
        groups.append(f"{spec} {', '.join(f'{_clock(s)}-{_clock(e)}' for s, e in spans)}")
        for d in days:
            for s, e in spans:
                if e > s:
                    open_minutes[d].update(range(s, e))
                else:  # SEMANTICS "Calendars": past midnight, the rest is the next weekday's
                    open_minutes[d].update(range(s, _MINUTES))
                    open_minutes[(d + 1) % 7].update(range(e))
    sep = draw(st.sampled_from(["; ", ";", "\n", " ;\n"]))
    return sep.join(groups), open_minutes


def _minutes_of(hours: WeeklyHours) -> list[set[int]]:
    out: list[set[int]] = []
    for spans in hours.days:
        day: set[int] = set()
        for s in spans:
            day.update(range(s.start_us // 60_000_000, s.end_us // 60_000_000))
        out.append(day)
    return out


def _check_round_trips(hours: WeeklyHours) -> None:
    assert WeeklyHours.parse(str(hours)) == hours
    assert WeeklyHours.parse(hours.to_dict()) == hours


def _parse(value: Any, field: str = "hours") -> WeeklyHours | SlaClockError:
    got = attempt(lambda: WeeklyHours.parse(value, field), field)
    if isinstance(got, WeeklyHours):
        _check_round_trips(got)
    else:
        assert isinstance(got, SpanError), repr(got)
    return got


class TestHoursText:
    @given(hours_texts())
    def test_text_in_the_grammar_opens_the_minutes_it_says(
        self, case: tuple[str, list[set[int]]]
    ) -> None:
        text, expected = case
        hours = _parse(text)
        assert isinstance(hours, WeeklyHours), hours
        assert _minutes_of(hours) == expected

    @given(hours_texts().flatmap(lambda case: line_edits(case[0])))
    def test_edited_text_parses_or_names_the_group(self, text: str) -> None:
        _parse(text)

    @given(hours_texts().flatmap(lambda case: text_edits(case[0])))
    def test_text_with_a_character_changed_parses_or_names_the_group(self, text: str) -> None:
        _parse(text)

    @given(st.one_of(odd_text, st.text(alphabet="MonTuesWdhFriSatSunDaily-:;,.0123456789 \n")))
    def test_any_text_parses_or_names_the_group(self, text: str) -> None:
        _parse(text)

    @given(junk)
    def test_any_value_parses_or_names_the_field(self, value: Any) -> None:
        _parse(value, "calendars.us.hours")


class TestHoursMappings:
    @given(hours_texts().map(lambda case: WeeklyHours.parse(case[0]).to_dict()).flatmap(mutated))
    def test_edited_mapping_parses_or_names_the_key(self, value: Any) -> None:
        _parse(value)

    @given(
        st.dictionaries(
            st.one_of(st.sampled_from([n for names in _DAY_NAMES for n in names]), odd_text),
            st.one_of(odd_text, st.lists(odd_text, max_size=3), junk),
            max_size=4,
        )
    )
    def test_any_mapping_parses_or_names_the_key(self, value: dict[Any, Any]) -> None:
        _parse(value)


class TestSpans:
    @given(
        st.one_of(
            odd_text,
            _span_minutes.map(lambda p: f"{_clock(p[0])}-{_clock(p[1])}").flatmap(text_edits),
            st.text(alphabet="0123456789:.- ", max_size=20),
        )
    )
    def test_span_text_parses_or_names_the_field(self, text: str) -> None:
        got = attempt(lambda: Span.parse(text, "overrides['2024-12-24'][0]"), "overrides")
        if isinstance(got, Span):
            assert Span.parse(str(got)) == got
            assert 0 <= got.start_us < got.end_us <= 86_400_000_000

    @given(st.one_of(junk, st.lists(odd_text, max_size=3)))
    def test_the_spans_of_a_date_parse_or_name_the_field(self, value: Any) -> None:
        got = attempt(lambda: parse_day_spans(value, "overrides"), "overrides")
        if isinstance(got, tuple):
            assert parse_day_spans([str(s) for s in got], "overrides") == got
