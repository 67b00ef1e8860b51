"""Weekly hours and spans: parsing, canonical form, errors."""

from __future__ import annotations

import pytest

from slaclock.errors import SpanError
from slaclock.hours import Span, WeeklyHours

H = 3_600_000_000


class TestSpanParsing:
    def test_reads_hours_and_minutes(self) -> None:
        assert Span.parse("09:30-17:15") == Span(9 * H + 30 * 60_000_000, 17 * H + 15 * 60_000_000)

    def test_reads_seconds_and_24_00_as_an_end(self) -> None:
        assert Span.parse("23:59:30-24:00") == Span(24 * H - 30_000_000, 24 * H)

    def test_str_round_trips(self) -> None:
        for text in ("09:00-17:00", "00:00-24:00", "08:15:30-09:00"):
            assert str(Span.parse(text)) == text

    @pytest.mark.parametrize(
        ("text", "fragment"),
        [
            ("25:00-26:00", "'25:00' is not a time of day"),
            ("09:00-09:00", "empty"),
            ("09:60-10:00", "not a time of day"),
            ("9-17", "not HH:MM"),
            ("24:00-24:00", "cannot start at 24:00"),
            ("17:00-09:00", "must end after it starts"),
            ("09:00", "'HH:MM-HH:MM'"),
        ],
    )
    def test_bad_span_text_names_field_and_value(self, text: str, fragment: str) -> None:
        with pytest.raises(SpanError) as info:
            Span.parse(text, "overrides['2024-12-24'][0]")
        message = str(info.value)
        assert fragment in message
        assert message.startswith("overrides['2024-12-24'][0]")
        assert repr(text) in message

    def test_span_must_lie_within_a_day(self) -> None:
        with pytest.raises(SpanError):
            Span(0, 24 * H + 1)


class TestWeeklyHours:
    def test_text_with_ranges_lists_and_several_spans(self) -> None:
        h = WeeklyHours.parse("Mon-Fri 09:00-12:00, 13:00-17:00; Sat,Sun 10:00-14:00")
        assert h.spans_on(0) == (Span.parse("09:00-12:00"), Span.parse("13:00-17:00"))
        assert h.spans_on(4) == h.spans_on(0)
        assert h.spans_on(5) == (Span.parse("10:00-14:00"),)
        assert h.spans_on(6) == (Span.parse("10:00-14:00"),)

    def test_overnight_span_puts_after_midnight_piece_on_next_weekday(self) -> None:
        h = WeeklyHours.parse("Sun 22:00-06:00")
        assert h.spans_on(6) == (Span.parse("22:00-24:00"),)
        assert h.spans_on(0) == (Span.parse("00:00-06:00"),)
        assert h.spans_on(1) == ()

    def test_span_ending_at_midnight_written_as_00_00(self) -> None:
        assert WeeklyHours.parse("Fri 22:00-00:00").spans_on(4) == (Span.parse("22:00-24:00"),)
        assert WeeklyHours.parse("Fri 22:00-00:00").spans_on(5) == ()

    def test_ranges_wrap_around_the_week(self) -> None:
        h = WeeklyHours.parse("Fri-Mon 09:00-10:00")
        assert [bool(h.spans_on(i)) for i in range(7)] == [
            True,
            False,
            False,
            False,
            True,
            True,
            True,
        ]

    def test_overlapping_and_touching_spans_merge(self) -> None:
        h = WeeklyHours.parse("Mon 09:00-12:00, 11:00-13:00, 13:00-14:00")
        assert h.spans_on(0) == (Span.parse("09:00-14:00"),)

    def test_mapping_form_equals_text_form(self) -> None:
        text = WeeklyHours.parse("Mon-Fri 09:00-12:00, 13:00-17:00; Sat 09:00-13:00")
        mapping = WeeklyHours.parse(
            {"mon-fri": ["09:00-12:00", "13:00-17:00"], "sat": "09:00-13:00", "sun": []}
        )
        assert text == mapping
        assert hash(text) == hash(mapping)

    def test_to_dict_round_trips(self) -> None:
        h = WeeklyHours.parse("Mon-Fri 09:00-17:00; Sun 22:00-06:00")
        assert WeeklyHours.parse(h.to_dict()) == h

    def test_closed_text_round_trips(self) -> None:
        assert WeeklyHours.parse(str(WeeklyHours.closed())) == WeeklyHours.closed()
        assert WeeklyHours.parse("") == WeeklyHours.closed()

    def test_str_groups_equal_days(self) -> None:
        assert str(WeeklyHours.parse("mon-fri 9:00-17:00")) == "Mon-Fri 09:00-17:00"
        assert str(WeeklyHours.closed()) == "closed"

    def test_full_day_names_are_accepted(self) -> None:
        assert WeeklyHours.parse("Monday 09:00-10:00") == WeeklyHours.parse("Mon 09:00-10:00")

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            ("Mon-Fry 09:00-17:00", "unknown weekday 'Fry'"),
            ("Mon 25:00-26:00", "not a time of day"),
            ("Mon 09:00-09:00", "empty"),
            ("Mon", "must be 'DAYS"),
            ({"funday": "09:00-10:00"}, "unknown weekday"),
            ({"mon": 9}, "must be span text"),
            (42, "must be hours text"),
        ],
    )
    def test_bad_hours_raise_span_error_naming_the_value(
        self, value: object, fragment: str
    ) -> None:
        with pytest.raises(SpanError) as info:
            WeeklyHours.parse(value)
        assert fragment in str(info.value)
        assert str(info.value).startswith("hours")
