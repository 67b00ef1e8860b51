"""check_internal_targets: chains of internal targets against their external target.

Expected intervals and shares are worked out by hand from SEMANTICS
"Internal and external targets" (the derivation sits next to each case); the
property test compares every answer with a brute-force oracle that asks
``Calendar.due`` directly at many start instants.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaclock.calendars import Calendar
from slaclock.errors import InputError, IntervalOrderError, NaiveDatetimeError, PolicyError
from slaclock.internal_targets import ChainCheck, check_internal_targets
from slaclock.policies import (
    BusinessDays,
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    Chain,
    Goal,
    InternalTarget,
    Policy,
    Target,
)
from slaclock.testing import strategies as sst

US = timedelta(microseconds=1)
H = timedelta(hours=1)
DAY = timedelta(days=1)
NY = "America/New_York"
OFFICE_NY = Calendar.weekly(NY, "Mon-Fri 09:00-17:00")
Span = tuple[datetime, datetime]


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def policy_for(
    external: Goal,
    external_calendar: Calendar | CalendarChoice | None,
    links: Sequence[tuple[Goal, Calendar | CalendarChoice | None]],
) -> Policy:
    """A one-chain policy: P2 resolution over links ``t0``, ``t1``, ... in order."""
    internal = [InternalTarget(f"t{i}", goal, cal) for i, (goal, cal) in enumerate(links)]
    return Policy(
        "p",
        severities=["P2"],
        statuses={"open": "running", "solved": "stopped"},
        targets=[Target("resolution", "P2", external, external_calendar)],
        internal_targets=internal,
        chains=[Chain("P2", [it.team for it in internal])],
    )


def check_one(
    policy: Policy,
    start: datetime,
    end: datetime,
    *,
    attributes: dict[str, str] | None = None,
) -> ChainCheck:
    [check] = check_internal_targets(policy, start, end, attributes=attributes)
    return check


# A week of New York starts in January (EST, UTC-5): Mon 2024-01-08 00:00 to Mon 2024-01-15.
WEEK = (utc(2024, 1, 8, 5), utc(2024, 1, 15, 5))


class TestSameCalendar:
    """Business time on one calendar adds up: due(due(s, 2h), 4h) == due(s, 6h)."""

    links = ((BusinessTime(2 * H), OFFICE_NY), (BusinessTime(4 * H), OFFICE_NY))

    def test_two_tiers_fit_under_eight_business_hours(self) -> None:
        check = check_one(policy_for(BusinessTime(8 * H), OFFICE_NY, self.links), *WEEK)
        assert check.tight
        assert check.not_tight == ()
        assert check.share_wall == 0
        assert check.share_open == 0
        assert check.not_tight_wall == timedelta(0)

    def test_finishing_exactly_at_the_external_due_is_tight(self) -> None:
        check = check_one(policy_for(BusinessTime(6 * H), OFFICE_NY, self.links), *WEEK)
        assert check.tight

    def test_one_hour_short_is_not_tight_anywhere(self) -> None:
        # due(s, 6h) > due(s, 5h) for every s: the whole window.
        check = check_one(policy_for(BusinessTime(5 * H), OFFICE_NY, self.links), *WEEK)
        assert check.not_tight == (WEEK,)
        assert check.share_wall == 1
        assert check.share_open == 1
        assert check.not_tight_wall == 7 * DAY
        assert check.not_tight_open == 40 * H


# Support answers Mon-Fri 08:00-22:00; tier 1 has no late shift on Fridays.
SUPPORT = Calendar.weekly(NY, "Mon-Fri 08:00-22:00")
TIER1 = Calendar.weekly(NY, "Mon-Thu 08:00-22:00; Fri 08:00-18:00")
FRIDAY_POLICY = policy_for(
    BusinessTime(6 * H),
    SUPPORT,
    [(BusinessTime(2 * H), TIER1), (BusinessTime(4 * H), SUPPORT)],
)


class TestFridayEvening:
    """Not tight only for tickets opened on Friday evenings.

    Tier 2 and the external target share the support calendar, so with x the
    tier-1 due and B the support clock, the chain is tight iff B(x) <= B(s) + 2h.
    Tier 1 and support agree except on Fridays 18:00-22:00. For a Friday start
    s in (16:00, 18:00), tier 1 finishes on Monday and B(x) - B(s) =
    (22:00 - s) + (s - 16:00) = 6h; for s in [18:00, 22:00), x = Mon 10:00 and
    B(x) - B(s) = (22:00 - s) + 2h. Both exceed 2h; s = 16:00 exactly and
    every other start give B(x) = B(s) + 2h. Not tight: (Fri 16:00, Fri 22:00).
    """

    def test_not_tight_only_for_friday_evening_starts(self) -> None:
        check = check_one(FRIDAY_POLICY, utc(2024, 1, 8, 5), utc(2024, 1, 22, 5))
        assert check.not_tight == (
            (utc(2024, 1, 12, 21) + US, utc(2024, 1, 13, 3)),
            (utc(2024, 1, 19, 21) + US, utc(2024, 1, 20, 3)),
        )

    def test_shares_by_hand(self) -> None:
        check = check_one(FRIDAY_POLICY, utc(2024, 1, 8, 5), utc(2024, 1, 22, 5))
        six_hours_us = 6 * 3_600_000_000
        bad_us = 2 * (six_hours_us - 1)
        assert check.not_tight_wall == 2 * (6 * H - US)
        # 14 days of wall time; 10 weekdays of 14 support hours
        assert check.share_wall == Fraction(bad_us, 14 * 86_400_000_000)
        assert check.share_open == Fraction(bad_us, 10 * 14 * 3_600_000_000)
        assert check.not_tight_open == 2 * (6 * H - US)  # all inside support hours

    def test_window_edges_clip_the_intervals(self) -> None:
        check = check_one(FRIDAY_POLICY, utc(2024, 1, 12, 23), utc(2024, 1, 13, 1))
        assert check.not_tight == ((utc(2024, 1, 12, 23), utc(2024, 1, 13, 1)),)
        assert check.share_wall == 1
        check = check_one(FRIDAY_POLICY, utc(2024, 1, 12, 21), utc(2024, 1, 12, 21) + US)
        assert check.tight  # s = Fri 16:00 EST exactly finishes on time

    def test_str_names_chain_external_and_first_interval(self) -> None:
        check = check_one(FRIDAY_POLICY, *WEEK)
        text = str(check)
        assert "P2.resolution: t0 -> t1" in text
        assert "not tight on 1 interval" in text
        assert "[2024-01-12T21:00:00.000001+00:00, 2024-01-13T03:00:00+00:00)" in text
        assert "3.571%" in text  # (6h - 1us) / 168h
        assert "8.571%" in text  # (6h - 1us) / 70h

    def test_check_is_a_frozen_value(self) -> None:
        check = check_one(FRIDAY_POLICY, *WEEK)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            check.share_wall = Fraction(0)  # type: ignore[misc]
        assert check == check_one(FRIDAY_POLICY, *WEEK)
        assert check.chain == FRIDAY_POLICY.chains[0]
        assert check.external == "P2.resolution"
        assert check.window == WEEK


class TestDst:
    """America/New_York springs forward on Sunday 2024-03-10."""

    window = (utc(2024, 3, 4, 5), utc(2024, 3, 18, 4))  # Mon 00:00 EST to Mon 00:00 EDT

    def test_friday_evening_moves_an_hour_in_utc(self) -> None:
        check = check_one(FRIDAY_POLICY, *self.window)
        assert check.not_tight == (
            (utc(2024, 3, 8, 21) + US, utc(2024, 3, 9, 3)),  # EST
            (utc(2024, 3, 15, 20) + US, utc(2024, 3, 16, 2)),  # EDT
        )
        bad_us = 2 * (6 * 3_600_000_000 - 1)
        # the window holds 14 days less the lost hour
        assert check.share_wall == Fraction(bad_us, 14 * 86_400_000_000 - 3_600_000_000)
        assert check.share_open == Fraction(bad_us, 10 * 14 * 3_600_000_000)

    def test_utc_and_new_york_office_hours_drift_apart(self) -> None:
        """A link on UTC 14:00-22:00 under New York 09:00-17:00, 8h each.

        In EST the calendars coincide: tight. In EDT New York opens at 13:00Z,
        one hour before the link's calendar. With D a weekday: s in (D 13:00Z,
        D 14:00Z) is due next day at s from New York but 22:00Z today from
        the link: tight; s in [14:00Z, 21:00Z] is due next day at s from both:
        tight; s in (21:00Z, next 13:00Z] finishes at the link's next
        22:00Z (or next s) after the external next 21:00Z: not tight, and
        s = 13:00Z exactly is due at the closing instant 21:00Z from New York.
        Friday 03-08 (EST) starts after 14:00Z land on EDT Monday: not tight.
        """
        utc_office = Calendar.weekly("UTC", "Mon-Fri 14:00-22:00")
        policy = policy_for(BusinessTime(8 * H), OFFICE_NY, [(BusinessTime(8 * H), utc_office)])
        check = check_one(policy, *self.window)
        assert check.not_tight == (
            (utc(2024, 3, 8, 14) + US, utc(2024, 3, 11, 13) + US),
            (utc(2024, 3, 11, 21) + US, utc(2024, 3, 12, 13) + US),
            (utc(2024, 3, 12, 21) + US, utc(2024, 3, 13, 13) + US),
            (utc(2024, 3, 13, 21) + US, utc(2024, 3, 14, 13) + US),
            (utc(2024, 3, 14, 21) + US, utc(2024, 3, 15, 13) + US),
            (utc(2024, 3, 15, 21) + US, utc(2024, 3, 18, 4)),
        )


class TestBusinessDays:
    """New York Mon-Fri 09:00-17:00; one business day from date D is due at D+1 17:00."""

    def test_one_business_day_under_eight_business_hours(self) -> None:
        # From s on weekday D: ext = D 17:00 (before 09:00), the next day at s's
        # time (open), D+1 17:00 (after 17:00); finish = D+1 17:00. Equal from
        # D 17:00 on; weekends: both Monday 17:00. Not tight: [D 00:00, D 17:00).
        policy = policy_for(BusinessTime(8 * H), OFFICE_NY, [(BusinessDays(1), OFFICE_NY)])
        check = check_one(policy, *WEEK)
        assert check.not_tight == tuple(
            (utc(2024, 1, day, 5), utc(2024, 1, day, 22)) for day in range(8, 13)
        )
        assert check.share_wall == Fraction(5 * 17, 7 * 24)
        assert check.share_open == 1  # every open instant of the week is a bad start

    def test_one_business_day_under_two_is_tight(self) -> None:
        policy = policy_for(BusinessDays(2), OFFICE_NY, [(BusinessDays(1), OFFICE_NY)])
        assert check_one(policy, *WEEK).tight

    def test_an_hour_then_a_business_day_under_one_business_day(self) -> None:
        # Tier 1 (1h) is due on D itself for s <= D 16:00 (at 17:00, the closing
        # instant, for s = 16:00), so the vendor's day ends D+1 17:00 = ext.
        # After 16:00 tier 1 is due on the next business day: one day late.
        # Not tight: (D 16:00, D+1 00:00) Mon-Thu and (Fri 16:00, Mon 00:00).
        policy = policy_for(
            BusinessDays(1),
            OFFICE_NY,
            [(BusinessTime(H), OFFICE_NY), (BusinessDays(1), OFFICE_NY)],
        )
        check = check_one(policy, *WEEK)
        assert check.not_tight == (
            (utc(2024, 1, 8, 21) + US, utc(2024, 1, 9, 5)),
            (utc(2024, 1, 9, 21) + US, utc(2024, 1, 10, 5)),
            (utc(2024, 1, 10, 21) + US, utc(2024, 1, 11, 5)),
            (utc(2024, 1, 11, 21) + US, utc(2024, 1, 12, 5)),
            (utc(2024, 1, 12, 21) + US, utc(2024, 1, 15, 5)),
        )


class TestCalendarTime:
    def test_calendar_time_links_under_calendar_time(self) -> None:
        links = [(CalendarTime(30 * timedelta(minutes=1)), None), (CalendarTime(2 * H), None)]
        assert check_one(
            policy_for(CalendarTime(150 * timedelta(minutes=1)), None, links), *WEEK
        ).tight
        check = check_one(policy_for(CalendarTime(2 * H), None, links), *WEEK)
        assert check.not_tight == (WEEK,)
        assert check.share_open == 1  # the external calendar is 24/7

    def test_three_wall_hours_under_two_business_hours(self) -> None:
        # finish = s + 3h. ext = s + 2h for s in [09:00, 15:00] (15:00 gives the
        # closing instant 17:00): not tight. s in (15:00, 17:00): ext is the
        # next morning: tight. Closed s: ext = next open day 11:00 < s + 3h
        # iff s > 08:00. Not tight: (D 08:00, D 15:00] on weekdays.
        links = [(CalendarTime(H), None), (CalendarTime(2 * H), None)]
        check = check_one(policy_for(BusinessTime(2 * H), OFFICE_NY, links), *WEEK)
        assert check.not_tight == tuple(
            (utc(2024, 1, day, 13) + US, utc(2024, 1, day, 20) + US) for day in range(8, 13)
        )
        assert check.not_tight_wall == 5 * 7 * H
        assert check.share_wall == Fraction(5 * 7, 7 * 24)
        # open part of each interval: [09:00, 15:00:00.000001)
        assert check.not_tight_open == 5 * (6 * H + US)
        assert check.share_open == Fraction(5 * (6 * 3_600_000_000 + 1), 40 * 3_600_000_000)


class TestCalendarChoice:
    choice = CalendarChoice(
        "region",
        {"us": OFFICE_NY, "uk": Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")},
    )
    links = ((CalendarTime(H), None), (CalendarTime(2 * H), None))

    def test_the_attribute_chooses_the_external_calendar(self) -> None:
        policy = policy_for(BusinessTime(2 * H), self.choice, self.links)
        us = check_one(policy, *WEEK, attributes={"region": "us"})
        uk = check_one(policy, *WEEK, attributes={"region": "uk"})
        assert us.not_tight[0] == (utc(2024, 1, 8, 13) + US, utc(2024, 1, 8, 20) + US)
        assert uk.not_tight[0] == (utc(2024, 1, 8, 8) + US, utc(2024, 1, 8, 15) + US)

    def test_the_attribute_chooses_a_link_calendar(self) -> None:
        policy = policy_for(BusinessTime(8 * H), OFFICE_NY, [(BusinessTime(8 * H), self.choice)])
        assert check_one(policy, *WEEK, attributes={"region": "us"}).tight
        assert not check_one(policy, *WEEK, attributes={"region": "uk"}).tight

    def test_a_missing_attribute_is_named(self) -> None:
        policy = policy_for(BusinessTime(2 * H), self.choice, self.links)
        with pytest.raises(InputError, match=r"attributes\['region'\]") as info:
            check_internal_targets(policy, *WEEK)
        assert "P2.resolution" in str(info.value)
        with pytest.raises(InputError, match="region"):
            check_internal_targets(policy, *WEEK, attributes={"region": "fr"})


class TestStrict:
    def test_strict_raises_naming_the_chain_interval_and_share(self) -> None:
        with pytest.raises(PolicyError) as info:
            check_internal_targets(FRIDAY_POLICY, *WEEK, strict=True)
        text = str(info.value)
        assert "chain P2.resolution: t0 -> t1" in text
        assert "not tight under P2.resolution" in text
        assert "[2024-01-12T21:00:00.000001+00:00, 2024-01-13T03:00:00+00:00)" in text
        assert "3.571%" in text

    def test_strict_names_only_the_chains_that_are_not_tight(self) -> None:
        policy = Policy(
            "p",
            severities=["P2"],
            statuses={"open": "running", "solved": "stopped"},
            targets=[Target("resolution", "P2", BusinessTime(6 * H), SUPPORT)],
            internal_targets=[
                InternalTarget("tier1", BusinessTime(2 * H), TIER1),
                InternalTarget("tier2", BusinessTime(4 * H), SUPPORT),
                InternalTarget("desk", BusinessTime(2 * H), SUPPORT),
            ],
            chains=[Chain("P2", ["desk", "tier2"]), Chain("P2", ["tier1", "tier2"])],
        )
        checks = check_internal_targets(policy, *WEEK)
        assert [c.chain.teams for c in checks] == [("desk", "tier2"), ("tier1", "tier2")]
        assert [c.tight for c in checks] == [True, False]
        with pytest.raises(PolicyError) as info:
            check_internal_targets(policy, *WEEK, strict=True)
        assert "tier1 -> tier2" in str(info.value)
        assert "desk" not in str(info.value)

    def test_strict_returns_the_checks_when_every_chain_is_tight(self) -> None:
        links = [(BusinessTime(2 * H), OFFICE_NY), (BusinessTime(4 * H), OFFICE_NY)]
        checks = check_internal_targets(
            policy_for(BusinessTime(8 * H), OFFICE_NY, links), *WEEK, strict=True
        )
        assert [c.tight for c in checks] == [True]


class TestInputs:
    def test_an_empty_window_has_nothing_to_report(self) -> None:
        check = check_one(FRIDAY_POLICY, WEEK[0], WEEK[0])
        assert check.tight
        assert check.share_wall == 0
        assert check.share_open == 0

    def test_end_before_start_is_an_error(self) -> None:
        with pytest.raises(IntervalOrderError):
            check_internal_targets(FRIDAY_POLICY, WEEK[1], WEEK[0])

    def test_naive_instants_are_an_error(self) -> None:
        with pytest.raises(NaiveDatetimeError):
            check_internal_targets(FRIDAY_POLICY, datetime(2024, 1, 8), WEEK[1])  # noqa: DTZ001

    def test_instants_come_back_in_utc(self) -> None:
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(NY)
        check = check_one(FRIDAY_POLICY, WEEK[0].astimezone(tz), WEEK[1].astimezone(tz))
        assert check.window == WEEK
        assert all(a.tzinfo is UTC and b.tzinfo is UTC for a, b in check.not_tight)


# ---- the brute-force oracle ----------------------------------------------------------------


def due_of(cal: Calendar, goal: Goal, x: datetime) -> datetime:
    if isinstance(goal, CalendarTime):
        return x + goal.duration
    if isinstance(goal, BusinessTime):
        return cal.due(x, goal.duration)
    return cal.due_business_days(x, goal.days)


def tight_at(
    links: Sequence[tuple[Calendar, Goal]], external: tuple[Calendar, Goal], s: datetime
) -> bool:
    """SEMANTICS, directly: each link's full goal from the previous link's due."""
    finish = s
    for cal, goal in links:
        finish = due_of(cal, goal, finish)
    return finish <= due_of(external[0], external[1], s)


def inside(spans: Sequence[Span], t: datetime) -> bool:
    i = bisect_right([a for a, _ in spans], t) - 1
    return i >= 0 and t < spans[i][1]


_ALWAYS = Calendar.always_open("UTC")
goals = st.one_of(
    sst.durations(min_value=US, max_value=timedelta(hours=30)).map(BusinessTime),
    sst.durations(min_value=US, max_value=timedelta(hours=30)).map(CalendarTime),
    st.integers(1, 2).map(BusinessDays),
)


@st.composite
def chains(
    draw: st.DrawFn,
) -> tuple[list[tuple[Calendar, Goal]], tuple[Calendar, Goal], datetime, datetime]:
    zone = draw(sst.zones())
    anchor: date = draw(sst.anchor_dates(zone=zone, transition_share=60))
    cals = sst.calendars(
        zone=st.one_of(st.just(zone), sst.zones()), around=anchor, within_days=3, always_open=True
    )

    # links often share calendars, as tiers of one company do
    pool = [draw(cals), draw(cals)]

    def pair() -> tuple[Calendar, Goal]:
        goal = draw(goals)
        if isinstance(goal, CalendarTime):
            return _ALWAYS, goal
        return draw(st.one_of(st.sampled_from(pool), cals)), goal

    links = [pair() for _ in range(draw(st.integers(1, 3)))]
    external = pair()
    start = draw(sst.instants(cal=external[0], around=anchor, within_days=2)).astimezone(UTC)
    if draw(st.integers(0, 3)):
        # An external goal that the chain just meets (or just misses) from the window's
        # start, so that tightness is likely to change within the window.
        finish = start
        for cal, goal in links:
            finish = due_of(cal, goal, finish)
        delta = draw(st.sampled_from([0 * US, US, -US, H, -H, 15 * timedelta(minutes=1)]))
        if draw(st.booleans()):
            external = (_ALWAYS, CalendarTime(max(finish - start + delta, US)))
        else:
            used = external[0].elapsed(start, finish)
            external = (external[0], BusinessTime(max(used + delta, US)))
    length = draw(
        st.one_of(
            st.integers(1, 4 * 96).map(lambda k: k * timedelta(minutes=15)),
            st.integers(1, 4).map(lambda k: k * DAY),
            st.integers(0, 4 * 86_400_000_000).map(lambda us: us * US),
        )
    )
    return links, external, start, start + length


def oracle_points(
    start: datetime, end: datetime, spans: Sequence[Span], cals: Sequence[Calendar]
) -> set[datetime]:
    """Window edges, reported edges, calendar edges and a 15-minute grid, each +-1us."""
    edges = {start, end}
    for a, b in spans:
        edges |= {a, b}
    for cal in cals:
        for a, b in cal.open_intervals(start, end):
            edges |= {a, b}
    grid = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    while grid < end:
        edges.add(grid)
        grid += timedelta(minutes=15)
    return {t + k * US for t in edges for k in (-1, 0, 1) if start <= t + k * US < end}


class TestAgainstOracle:
    @given(chains(), st.lists(st.integers(0, 10**15), max_size=20))
    def test_membership_matches_a_direct_evaluation(
        self,
        scenario: tuple[list[tuple[Calendar, Goal]], tuple[Calendar, Goal], datetime, datetime],
        randoms: list[int],
    ) -> None:
        links, external, start, end = scenario
        policy = policy_for(external[1], external[0], [(g, c) for c, g in links])
        check = check_one(policy, start, end)
        spans = check.not_tight
        # canonical: inside the window, non-empty, sorted, neither touching nor overlapping
        for a, b in spans:
            assert start <= a < b <= end
        for (_, b), (a2, _) in itertools.pairwise(spans):
            assert b < a2
        total_us = (end - start) // US
        points = oracle_points(start, end, spans, [c for c, _ in [*links, external]])
        if total_us:
            points |= {start + (r % total_us) * US for r in randoms}
        for t in sorted(points):
            assert inside(spans, t) == (not tight_at(links, external, t)), t
        bad = sum((b - a for a, b in spans), timedelta(0))
        assert check.not_tight_wall == bad
        assert check.share_wall == (Fraction(bad // US, total_us) if total_us else 0)
        open_bad = sum((external[0].elapsed(a, b) for a, b in spans), timedelta(0))
        assert check.not_tight_open == open_bad
        open_total = external[0].elapsed(start, end)
        assert check.share_open == (Fraction(open_bad // US, open_total // US) if open_total else 0)
