"""Policy files: the bundled example, the format, and errors that name their path in the file.

Expected values are written by hand from the example file and the format's
documentation, never read back from the loader.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import tomllib
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

import slaclock.policy_files as policy_files
from slaclock import AgentReply, StatusChange, Ticket
from slaclock.calendars import Calendar
from slaclock.errors import (
    InputError,
    NonexistentTimeError,
    PolicyFormatError,
    UnknownHolidaySourceError,
    UnknownTimeZoneError,
)
from slaclock.holiday_sources import HolidaySource
from slaclock.policies import (
    BeforeDueWarning,
    BusinessDays,
    BusinessTime,
    CalendarChoice,
    CalendarTime,
    Chain,
    ClockState,
    Condition,
    FractionWarning,
    Metric,
    Policy,
    PolicyBook,
    Reopen,
    Target,
    Trigger,
)
from slaclock.policy_files import (
    example_policy,
    example_policy_path,
    load_policy,
    policy_from_dict,
    policy_from_toml,
)

NY = ZoneInfo("America/New_York")
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def ticket(severity: str, created: dt.datetime, **attributes: str) -> Ticket:
    return Ticket("T-1", severity, [StatusChange(created, status="new")], attributes=attributes)


# A small valid book; the error tests append to its last table
# ([policies.targets.P2.resolution]) or replace one line.
BASE = """\
name = "Test"
zone = "America/New_York"
severities = ["P1", "P2"]

[statuses]
open = "running"
pending = "paused"
solved = "stopped"

[calendars.us]
zone = "America/New_York"
hours = "Mon-Fri 09:00-17:00"

[calendars.uk]
zone = "Europe/London"
hours = "Mon-Fri 09:00-17:00"

[[policies]]
name = "Support"
calendar = "us"

[policies.targets.P1.first_response]
calendar_time = "15m"

[policies.targets.P2.resolution]
business_time = "8h"
"""

US = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
UK = Calendar.weekly("Europe/London", "Mon-Fri 09:00-17:00")


def replaced(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def failure(text: str, source: str = "<string>") -> PolicyFormatError:
    with pytest.raises(PolicyFormatError) as info:
        policy_from_toml(text, source=source)
    return info.value


R = "<string>: policies[0].targets.P2.resolution"
"""The path of BASE's last table, with the default source."""


# ---- the bundled example ------------------------------------------------------------------


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return example_policy()


class TestExamplePolicy:
    def test_book_has_two_versions_of_two_policies(self, book: PolicyBook) -> None:
        assert book.name == "Acme support"
        assert [p.name for p in book.policies] == ["Enterprise", "Standard"] * 2
        # bare dates are 00:00 in America/New_York (EST, UTC-5)
        v1 = dt.datetime(2025, 1, 1, 5, tzinfo=dt.UTC)
        v2 = dt.datetime(2026, 1, 1, 5, tzinfo=dt.UTC)
        assert [p.valid_from for p in book.policies] == [v1, v1, v2, v2]
        assert book.versions() == (v1, v2)

    def test_vocabulary(self, book: PolicyBook) -> None:
        p = book.policies[1]
        assert p.severities == ("P1", "P2", "P3", "P4")
        assert dict(p.statuses) == {
            "new": ClockState.RUNNING,
            "open": ClockState.RUNNING,
            "pending_customer": ClockState.PAUSED,
            "on_hold": ClockState.PAUSED,
            "solved": ClockState.STOPPED,
            "closed": ClockState.STOPPED,
        }
        assert p.initial == "new"

    def test_enterprise_overrides_on_hold_and_selects_gold_and_platinum(
        self, book: PolicyBook
    ) -> None:
        enterprise, standard = book.policies[:2]
        assert enterprise.statuses["on_hold"] is ClockState.RUNNING
        assert standard.statuses["on_hold"] is ClockState.PAUSED
        assert enterprise.when == Condition({"tier": ["gold", "platinum"]})
        assert standard.when == Condition()

    def test_p1_runs_on_calendar_time(self, book: PolicyBook) -> None:
        for p in book.policies:
            fr = p.target("first_response", "P1")
            res = p.target("resolution", "P1")
            upd = p.target("periodic_update", "P1")
            assert fr is not None and res is not None and upd is not None
            assert fr.goal == CalendarTime(15 * M)
            assert res.goal == CalendarTime(4 * H)
            assert upd.goal == CalendarTime(1 * H)
            assert fr.calendar is None
            assert fr.calendar_for({"region": "uk"}) == Calendar.always_open("UTC")
            assert fr.required == res.required == upd.required == Fraction(1)
            assert fr.stop_on == (Trigger("agent_reply", "public"),)
            assert [w.label for w in fr.warnings] == ["50%", "5m before due"]
            assert res.reopen is Reopen.NEW_CYCLE
            assert fr.reopen is Reopen.CONTINUE

    def test_standard_targets(self, book: PolicyBook) -> None:
        std = book.policies[1]
        expected = {
            ("first_response", "P2"): BusinessTime(1 * H),
            ("resolution", "P2"): BusinessTime(8 * H),
            ("next_reply", "P2"): BusinessTime(4 * H),
            ("first_response", "P3"): BusinessTime(4 * H),
            ("resolution", "P3"): BusinessDays(3),
            ("next_reply", "P3"): BusinessTime(8 * H),
            ("first_response", "P4"): BusinessTime(8 * H),
            ("resolution", "P4"): BusinessDays(5),
            ("next_reply", "P4"): BusinessDays(2),
        }
        for (metric, sev), goal in expected.items():
            t = std.target(metric, sev)
            assert t is not None, (metric, sev)
            assert t.goal == goal, (metric, sev)
        assert std.target("periodic_update", "P2") is None
        assert len(std.targets) == 12
        required = {t.name: t.required for t in std.targets}
        assert required["P2.resolution"] == Fraction(95, 100)
        assert required["P3.resolution"] == Fraction(9, 10)
        assert required["P4.first_response"] == Fraction(9, 10)

    def test_enterprise_targets_are_tighter(self, book: PolicyBook) -> None:
        ent = book.policies[0]
        res2 = ent.target("resolution", "P2")
        res3 = ent.target("resolution", "P3")
        assert res2 is not None and res3 is not None
        assert res2.goal == BusinessTime(6 * H)
        assert res3.goal == BusinessDays(2)

    def test_policy_defaults_reach_every_target_without_its_own(self, book: PolicyBook) -> None:
        res = book.policies[1].target("resolution", "P2")
        assert res is not None
        assert res.warnings == (
            FractionWarning(Fraction(1, 2)),
            FractionWarning(Fraction(3, 4)),
            FractionWarning(Fraction(9, 10)),
            BeforeDueWarning(1 * H),
        )
        assert res.reopen is Reopen.CONTINUE
        assert res.start_on == res.stop_on == ()

    def test_business_targets_use_the_desk_of_the_region(self, book: PolicyBook) -> None:
        res = book.policies[1].target("resolution", "P2")
        assert res is not None
        assert isinstance(res.calendar, CalendarChoice)
        assert res.calendar.attribute == "region"
        us = res.calendar_for({"region": "us"})
        uk = res.calendar_for({"region": "uk"})
        assert (us.zone, uk.zone) == ("America/New_York", "Europe/London")
        assert res.calendar_for({}) == us  # the default
        assert res.calendar_for({"region": "apac"}) == us

    def test_calendars_have_hours_and_holidays(self, book: PolicyBook) -> None:
        res = book.policies[1].target("resolution", "P2")
        assert res is not None
        us = res.calendar_for({"region": "us"})
        uk = res.calendar_for({"region": "uk"})
        # Mon-Fri 08:00-18:00 New York; closed on Independence Day (a Friday in 2025)
        assert us.is_open(dt.datetime(2025, 7, 3, 8, tzinfo=NY))
        assert not us.is_open(dt.datetime(2025, 7, 3, 18, tzinfo=NY))
        assert not us.is_business_day(dt.date(2025, 7, 4))
        # Mon-Fri 09:00-17:30 London; closed on Easter Monday (England)
        london = ZoneInfo("Europe/London")
        assert uk.is_open(dt.datetime(2025, 4, 22, 17, 29, tzinfo=london))
        assert not uk.is_open(dt.datetime(2025, 4, 22, 17, 30, tzinfo=london))
        assert not uk.is_business_day(dt.date(2025, 4, 21))
        assert us.is_business_day(dt.date(2025, 4, 21))

    def test_internal_targets_and_chains(self, book: PolicyBook) -> None:
        std = book.policies[1]
        tier1 = std.internal_target("tier1", "P2")
        vendor2 = std.internal_target("vendor", "P2")
        vendor3 = std.internal_target("vendor", "P3")
        tier2_3 = std.internal_target("tier2", "P3")
        assert tier1 is not None and vendor2 is not None
        assert vendor3 is not None and tier2_3 is not None
        assert tier1.goal == BusinessTime(1 * H)
        assert vendor2.goal == BusinessTime(2 * H)
        assert vendor3.goal == BusinessDays(1)
        assert tier2_3.goal == BusinessDays(1)
        assert vendor2.calendar == Calendar.weekly(
            "America/Chicago",
            "Mon-Thu 08:00-17:00; Fri 08:00-12:00",
            holidays=HolidaySource.country("US"),
        )
        assert std.chains == (
            Chain("P2", ("tier1", "tier2", "vendor")),
            Chain("P3", ("tier1", "tier2", "vendor"), Metric.RESOLUTION),
        )

    def test_enterprise_p2_chain_misses_only_when_the_vendor_closes_on_friday(
        self, book: PolicyBook
    ) -> None:
        # By hand: 30m tier 1 + 2h tier 2 (New York 08-18) + 2h vendor (Chicago,
        # Fri 08-12) under 6h of P2 resolution on the US desk.
        ent = book.policies[0]
        us = {"region": "us"}

        def finish(start: dt.datetime) -> dt.datetime:
            at = start
            for team in ("tier1", "tier2", "vendor"):
                it = ent.internal_target(team, "P2")
                assert it is not None and isinstance(it.goal, BusinessTime)
                at = it.calendar_for(us).due(at, it.goal.duration)
            return at

        res = ent.target("resolution", "P2")
        assert res is not None and isinstance(res.goal, BusinessTime)
        tuesday = dt.datetime(2025, 3, 4, 10, tzinfo=NY)
        assert finish(tuesday) == dt.datetime(2025, 3, 4, 14, 30, tzinfo=NY)
        assert res.calendar_for(us).due(tuesday, res.goal.duration) == dt.datetime(
            2025, 3, 4, 16, tzinfo=NY
        )
        friday = dt.datetime(2025, 3, 7, 10, tzinfo=NY)
        # the vendor works 11:30-12:00 Chicago, then Monday 08:00-09:30 Chicago
        assert finish(friday) == dt.datetime(2025, 3, 10, 10, 30, tzinfo=NY)
        assert res.calendar_for(us).due(friday, res.goal.duration) == dt.datetime(
            2025, 3, 7, 16, tzinfo=NY
        )

    def test_gold_and_bronze_tickets_get_different_policies(self, book: PolicyBook) -> None:
        created = dt.datetime(2025, 6, 2, 10, tzinfo=NY)
        gold = book.select(ticket("P2", created, tier="gold", region="us"))
        platinum = book.select(ticket("P2", created, tier="platinum", region="uk"))
        bronze = book.select(ticket("P2", created, tier="bronze", region="us"))
        bare = book.select(ticket("P2", created))
        assert gold is platinum is book.policies[0]
        assert bronze is bare is book.policies[1]

    def test_version_in_effect_at_creation(self, book: PolicyBook) -> None:
        # 2026-01-01 00:00 New York is 05:00 UTC
        before = ticket("P2", dt.datetime(2026, 1, 1, 4, 59, 59, tzinfo=dt.UTC), tier="gold")
        at = ticket("P2", dt.datetime(2026, 1, 1, 5, tzinfo=dt.UTC), tier="gold")
        assert book.select(before) is book.policies[0]
        assert book.select(at) is book.policies[2]
        assert book.select(at, as_of=before.created_at) is book.policies[0]
        old = book.policies[0].target("first_response", "P2")
        new = book.policies[2].target("first_response", "P2")
        assert old is not None and new is not None
        assert (old.goal, new.goal) == (BusinessTime(1 * H), BusinessTime(30 * M))

    def test_second_version_changes_one_target_only(self, book: PolicyBook) -> None:
        ent25, std25, ent26, std26 = book.policies
        changed = set(ent25.targets) ^ set(ent26.targets)
        assert {t.name for t in changed} == {"P2.first_response"}
        assert attrs.evolve(ent25, valid_from=ent26.valid_from, targets=ent26.targets) == ent26
        assert attrs.evolve(std25, valid_from=std26.valid_from) == std26

    def test_path_loads_to_the_same_book(self, book: PolicyBook) -> None:
        path = example_policy_path()
        assert path.name == "example_policy.toml"
        assert load_policy(path) == book
        assert PolicyBook.load(Path(str(path))) == book
        assert PolicyBook.from_toml(path.read_text(encoding="utf-8")) == book
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert PolicyBook.from_dict(data) == book

    def test_sample_ticket_fits_the_vocabulary(self, book: PolicyBook) -> None:
        t0 = dt.datetime(2025, 6, 2, 10, tzinfo=NY)
        t = Ticket(
            "T-9",
            "P2",
            [StatusChange(t0, status="new"), AgentReply(t0 + 20 * M)],
            attributes={"tier": "silver", "region": "uk"},
        )
        book.select(t).check_ticket(t, now=t0 + H)


# ---- the format ---------------------------------------------------------------------------


class TestFormat:
    def test_base_reads_as_written(self) -> None:
        b = policy_from_toml(BASE)
        assert b == PolicyBook(
            [
                Policy(
                    "Support",
                    severities=["P1", "P2"],
                    statuses={"open": "running", "pending": "paused", "solved": "stopped"},
                    targets=[
                        Target("first_response", "P1", CalendarTime(15 * M)),
                        Target("resolution", "P2", BusinessTime(8 * H), US),
                    ],
                )
            ],
            name="Test",
            calendars={"us": US, "uk": UK},
        )

    def test_dict_with_python_values_equals_toml(self) -> None:
        text = BASE.replace('name = "Support"', 'name = "Support"\nvalid_from = 2025-01-01') + (
            'warnings = ["75%", "1h before due"]\nrequired = "90%"\n'
        )
        data = {
            "name": "Test",
            "zone": "America/New_York",
            "severities": ("P1", "P2"),
            "statuses": {"open": "running", "pending": "paused", "solved": "stopped"},
            "calendars": {
                "us": {"zone": "America/New_York", "hours": "Mon-Fri 09:00-17:00"},
                "uk": {"zone": "Europe/London", "hours": "Mon-Fri 09:00-17:00"},
            },
            "policies": (
                {
                    "name": "Support",
                    "valid_from": dt.date(2025, 1, 1),
                    "calendar": "us",
                    "targets": {
                        "P1": {"first_response": {"calendar_time": dt.timedelta(minutes=15)}},
                        "P2": {
                            "resolution": {
                                "business_time": "8h",
                                "warnings": ("75%", "1h before due"),
                                "required": 0.9,
                            }
                        },
                    },
                },
            ),
        }
        assert policy_from_dict(data) == policy_from_toml(text)
        assert policy_from_dict(data).policies[0].valid_from == dt.datetime(
            2025, 1, 1, 5, tzinfo=dt.UTC
        )

    def test_module_docstring_example_loads(self) -> None:
        doc = policy_files.__doc__
        assert doc is not None
        block = doc.split(".. code-block:: toml\n", 1)[1].split("\n**The book.**", 1)[0]
        text = "\n".join(line.removeprefix("    ") for line in block.splitlines())
        b = policy_from_toml(text)
        first, later = b.policies
        res = first.target("resolution", "P2")
        assert res is not None
        assert res.calendar == Calendar.weekly(
            "Europe/London",
            "Mon-Fri 09:00-17:30",
            holidays=HolidaySource.country("GB", subdiv="ENG"),
        )
        assert res.start_on == res.stop_on == ()  # the metric's events, shared by its targets
        assert res.reopen is Reopen.NEW_CYCLE
        assert [w.label for w in res.warnings] == ["75%"]
        assert dict(res.statuses or ()) == {"pending_customer": ClockState.RUNNING}
        p3 = first.target("resolution", "P3")
        assert p3 is not None and p3.required == Fraction(9, 10)
        assert first.when == Condition({"tier": ["gold", "platinum"], "channel": "phone"})
        later_res = later.target("resolution", "P2")
        assert later_res is not None and later_res.goal == BusinessTime(12 * H)
        assert later.internal_targets == first.internal_targets
        assert later.when == first.when

    def test_calendar_time_may_name_the_24_7_calendar(self) -> None:
        text = replaced('calendar_time = "15m"', 'calendar_time = "15m"\ncalendar = "24/7"')
        assert policy_from_toml(text) == policy_from_toml(BASE)

    def test_business_time_on_the_24_7_calendar(self) -> None:
        b = policy_from_toml(BASE + 'calendar = "24/7"\n')
        res = b.policies[0].target("resolution", "P2")
        assert res is not None and res.calendar == Calendar.always_open("UTC")

    def test_own_warnings_replace_the_defaults_and_empty_turns_them_off(self) -> None:
        text = replaced('calendar = "us"\n', 'calendar = "us"\nwarnings = ["50%"]\n')
        b = policy_from_toml(text + "warnings = []\n")
        fr = b.policies[0].target("first_response", "P1")
        res = b.policies[0].target("resolution", "P2")
        assert fr is not None and res is not None
        assert [w.label for w in fr.warnings] == ["50%"]
        assert res.warnings == ()

    def test_policy_reopen_default_and_target_override(self) -> None:
        text = replaced('calendar = "us"\n', 'calendar = "us"\nreopen = "new_cycle"\n')
        b = policy_from_toml(text + 'reopen = "continue"\n')
        fr = b.policies[0].target("first_response", "P1")
        res = b.policies[0].target("resolution", "P2")
        assert fr is not None and res is not None
        assert (fr.reopen, res.reopen) == (Reopen.NEW_CYCLE, Reopen.CONTINUE)

    def test_calendar_by_attribute_without_default(self) -> None:
        b = policy_from_toml(
            BASE + 'calendar = { attribute = "region", calendars = { us = "us", uk = "uk" } }\n'
        )
        res = b.policies[0].target("resolution", "P2")
        assert res is not None
        assert res.calendar == CalendarChoice("region", {"us": US, "uk": UK})
        assert res.calendar_for({"region": "uk"}) == UK
        with pytest.raises(InputError):
            res.calendar_for({"region": "fr"})

    def test_valid_from_forms(self) -> None:
        def valid_from(value: str) -> dt.datetime | None:
            text = replaced('name = "Support"', f'name = "Support"\nvalid_from = {value}')
            return policy_from_toml(text).policies[0].valid_from

        utc = dt.UTC
        assert valid_from("2025-07-01") == dt.datetime(2025, 7, 1, 4, tzinfo=utc)  # EDT
        assert valid_from("2025-07-01T09:30:00") == dt.datetime(2025, 7, 1, 13, 30, tzinfo=utc)
        assert valid_from("2025-07-01T09:30:00+02:00") == dt.datetime(2025, 7, 1, 7, 30, tzinfo=utc)
        assert valid_from('"2025-07-01"') == dt.datetime(2025, 7, 1, 4, tzinfo=utc)
        assert valid_from('"2025-07-01T00:00:00Z"') == dt.datetime(2025, 7, 1, tzinfo=utc)

    def test_offset_valid_from_needs_no_zone(self) -> None:
        text = replaced('zone = "America/New_York"\nsev', "sev")
        text = replaced(
            'name = "Support"', 'name = "Support"\nvalid_from = 2025-01-01T00:00:00Z', text
        )
        assert policy_from_toml(text).policies[0].valid_from == dt.datetime(
            2025, 1, 1, tzinfo=dt.UTC
        )

    def test_status_overrides_per_policy_and_target(self) -> None:
        text = replaced(
            'calendar = "us"\n', 'calendar = "us"\nstatuses = { pending = "running" }\n'
        )
        b = policy_from_toml(text + 'statuses = { pending = "paused" }\n')
        p = b.policies[0]
        res = p.target("resolution", "P2")
        assert res is not None
        assert p.statuses["pending"] is ClockState.RUNNING
        assert p.state_map(res)["pending"] is ClockState.PAUSED

    def test_internal_targets_and_chain(self) -> None:
        b = policy_from_toml(
            BASE
            + """
[[policies.internal]]
team = "tier1"
business_time = "2h"
calendar = "us"
severity = "P2"
warnings = ["90%"]
required = "80%"

[[policies.internal]]
team = "vendor"
calendar_time = "4h"

[[policies.chains]]
severity = "P2"
teams = ["tier1", "vendor"]
"""
        )
        p = b.policies[0]
        tier1 = p.internal_target("tier1", "P2")
        vendor = p.internal_target("vendor", "P1")
        assert tier1 is not None and vendor is not None
        assert tier1.goal == BusinessTime(2 * H)
        assert tier1.calendar == US
        assert [w.label for w in tier1.warnings] == ["90%"]
        assert tier1.required == Fraction(4, 5)
        assert vendor.goal == CalendarTime(4 * H)
        assert vendor.calendar is None
        assert p.internal_target("tier1", "P1") is None
        assert p.chains == (Chain("P2", ("tier1", "vendor"), Metric.RESOLUTION),)

    def test_extends_merges_targets_and_inherits_the_rest(self) -> None:
        b = policy_from_toml(
            replaced('name = "Support"', 'name = "Support"\nvalid_from = 2025-01-01')
            + """
[[policies]]
extends = "Support"
valid_from = 2026-01-01

[policies.targets.P2.resolution]
business_time = "6h"
calendar = "uk"

[policies.targets.P2.first_response]
business_time = "1h"
"""
        )
        old, new = b.policies
        assert new.name == "Support"
        assert new.target("first_response", "P1") == old.target("first_response", "P1")
        res = new.target("resolution", "P2")
        assert res == Target("resolution", "P2", BusinessTime(6 * H), UK)
        fr = new.target("first_response", "P2")
        assert fr == Target("first_response", "P2", BusinessTime(1 * H), US)  # policy default
        assert len(new.targets) == 3

    def test_extends_takes_the_closest_policy_above(self) -> None:
        text = (
            replaced('name = "Support"', 'name = "Support"\nvalid_from = 2025-01-01')
            + """
[[policies]]
extends = "Support"
valid_from = 2026-01-01
[policies.targets.P2.resolution]
business_time = "6h"

[[policies]]
extends = "Support"
valid_from = 2027-01-01
"""
        )
        b = policy_from_toml(text)
        res = b.policies[2].target("resolution", "P2")
        assert res is not None and res.goal == BusinessTime(6 * H)

    def test_policies_of_one_version_select_in_order(self) -> None:
        text = replaced(
            '[[policies]]\nname = "Support"',
            '[[policies]]\nname = "Phone"\ncalendar = "uk"\nwhen = { channel = "phone" }\n'
            '[policies.targets.P2.resolution]\nbusiness_time = "2h"\n\n'
            '[[policies]]\nname = "Support"',
        )
        b = policy_from_toml(text)
        at = dt.datetime(2025, 6, 2, 10, tzinfo=NY)
        assert b.select(ticket("P2", at, channel="phone")).name == "Phone"
        assert b.select(ticket("P2", at, channel="email")).name == "Support"


# ---- errors -------------------------------------------------------------------------------


class TestErrors:
    def test_unknown_calendar_lists_the_known_ones(self) -> None:
        err = failure(BASE + 'calendar = "emea"\n')
        assert err.field == f"{R}.calendar"
        assert err.value == "emea"
        assert str(err) == (
            f"{R}.calendar: unknown calendar (known: '24/7', 'uk', 'us') (got 'emea')"
        )

    def test_unknown_calendar_in_a_choice_and_a_policy_default(self) -> None:
        err = failure(BASE + 'calendar = { attribute = "region", calendars = { eu = "emea" } }\n')
        assert err.field == f"{R}.calendar.calendars.eu"
        assert "'emea'" in str(err) and "'24/7', 'uk', 'us'" in str(err)
        err = failure(replaced('calendar = "us"\n', 'calendar = "usa"\n'))
        assert err.field == "<string>: policies[0].calendar"
        assert err.value == "usa"

    def test_unknown_metric_lists_the_four(self) -> None:
        err = failure(replaced("[policies.targets.P2.resolution]", "[policies.targets.P2.resolve]"))
        assert err.field == "<string>: policies[0].targets.P2.resolve"
        assert err.value == "resolve"
        assert "(known: 'first_response', 'resolution', 'next_reply', 'periodic_update')" in str(
            err
        )

    def test_unknown_severity_lists_the_book_severities(self) -> None:
        err = failure(
            replaced("[policies.targets.P2.resolution]", "[policies.targets.P5.resolution]")
        )
        assert err.field == "<string>: policies[0].targets.P5"
        assert err.value == "P5"
        assert "unknown severity (known: 'P1', 'P2')" in str(err)

    def test_unknown_status_in_a_target_lists_the_known_ones(self) -> None:
        err = failure(BASE + 'statuses = { waiting = "paused" }\n')
        assert err.field == f"{R}.statuses.waiting"
        assert err.value == "waiting"
        assert "unknown status (known: 'open', 'pending', 'solved')" in str(err)

    def test_unknown_status_in_a_trigger_and_initial_status(self) -> None:
        err = failure(BASE + 'stop_on = ["status:done"]\n')
        assert err.field == f"{R}.stop_on[0]"
        assert err.value == "status:done"
        assert "(known: 'open', 'pending', 'solved')" in str(err)
        err = failure(
            replaced(
                'severities = ["P1", "P2"]', 'severities = ["P1", "P2"]\ninitial_status = "new"'
            )
        )
        assert err.field == "<string>: initial_status"
        assert "unknown status (known: 'open', 'pending', 'solved') (got 'new')" in str(err)

    def test_stopped_initial_status(self) -> None:
        err = failure(
            replaced(
                'severities = ["P1", "P2"]', 'severities = ["P1", "P2"]\ninitial_status = "solved"'
            )
        )
        assert err.field == "<string>: initial_status"
        assert "must not be a stopped status" in str(err)
        err = failure(
            replaced('calendar = "us"\n', 'calendar = "us"\nstatuses = { open = "stopped" }\n')
        )
        assert err.field == "<string>: policies[0].statuses.open"

    def test_bad_clock_state(self) -> None:
        err = failure(replaced('pending = "paused"', 'pending = "hold"'))
        assert err.field == "<string>: statuses.pending"
        assert str(err) == (
            "<string>: statuses.pending: must be one of 'running', 'paused', 'stopped' (got 'hold')"
        )

    def test_two_goal_keys(self) -> None:
        err = failure(BASE + "business_days = 1\n")
        assert err.field == f"{R}.business_days"
        assert err.value == 1
        assert "'business_time' is given too" in str(err)

    def test_no_goal_key(self) -> None:
        err = failure(replaced('business_time = "8h"\n', 'required = "90%"\n'))
        assert err.field == R
        assert "needs a goal: one of 'calendar_time', 'business_time', 'business_days'" in str(err)

    def test_bad_durations(self) -> None:
        err = failure(replaced('"8h"', '"8 hours"'))
        assert err.field == f"{R}.business_time"
        assert err.value == "8 hours"
        assert "must be a duration such as '4h'" in str(err)
        err = failure(replaced('"8h"', '"0h"'))
        assert str(err) == f"{R}.business_time: must be a positive duration (got '0h')"
        err = failure(replaced('business_time = "8h"', "business_days = 1.5"))
        assert err.field == f"{R}.business_days"
        assert err.value == 1.5

    def test_bad_share(self) -> None:
        err = failure(BASE + 'required = "120%"\n')
        assert err.field == f"{R}.required"
        assert str(err) == f"{R}.required: must be a share above 0% and at most 100% (got '120%')"

    def test_bad_warnings_name_their_index(self) -> None:
        err = failure(BASE + 'warnings = ["50%", "150%"]\n')
        assert err.field == f"{R}.warnings[1]"
        assert str(err) == f"{R}.warnings[1]: must be between 0 and 1 (exclusive) (got '150%')"
        err = failure(BASE + 'warnings = ["1x before due"]\n')
        assert err.field == f"{R}.warnings[0]"
        assert err.value == "1x before due"

    def test_bad_trigger(self) -> None:
        err = failure(BASE + 'start_on = ["created", "replied"]\n')
        assert err.field == f"{R}.start_on[1]"
        assert "is not an event kind (known: 'created', 'status'," in str(err)

    def test_unknown_key_names_it_and_suggests(self) -> None:
        err = failure(replaced("business_time", "bussiness_time"))
        assert err.field == f"{R}.bussiness_time"
        assert err.value == "8h"
        assert "unknown key (allowed: 'calendar_time', 'business_time', 'business_days'," in str(
            err
        )
        assert err.hint == "did you mean 'business_time'?"

    def test_unknown_keys_at_every_level(self) -> None:
        cases = {
            replaced('name = "Test"', 'nmae = "Test"'): "nmae",
            replaced('name = "Support"', 'name = "Support"\nwhen_ = {}'): "policies[0].when_",
            BASE
            + "\n[[policies.chains]]\nseverity = 'P2'\nteam = ['x']\n": "policies[0].chains[0].team",
            BASE + "\n[[policies.internal]]\nteam = 'x'\nbusiness_time = '1h'\ncalender = 'us'\n": (
                "policies[0].internal[0].calender"
            ),
            BASE + "calendar = { attr = 'region', calendars = { us = 'us' } }\n": (
                f"{R[len('<string>: ') :]}.calendar.attr"
            ),
        }
        for text, path in cases.items():
            err = failure(text)
            assert err.field == f"<string>: {path}"
            assert "unknown key (allowed: " in err.problem

    def test_toml_syntax_error_names_the_file_and_line(self, tmp_path: Path) -> None:
        path = tmp_path / "policy.toml"
        path.write_text(replaced('zone = "America/New_York"\nsev', "zone = America/New_York\nsev"))
        with pytest.raises(PolicyFormatError) as info:
            load_policy(path)
        err = info.value
        assert err.field == str(path)
        assert err.value == "zone = America/New_York"
        assert str(err) == (
            f"{path}: is not valid TOML: Invalid value (at line 2, column 8) "
            "(got 'zone = America/New_York')"
        )
        assert isinstance(err.__cause__, tomllib.TOMLDecodeError)

    def test_file_errors_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "acme.toml"
        path.write_text(BASE + 'calendar = "emea"\n')
        with pytest.raises(PolicyFormatError) as info:
            PolicyBook.load(path)
        assert info.value.field == f"{path}: policies[0].targets.P2.resolution.calendar"
        assert failure(BASE + "x = 1\n", source="acme.toml").field == (
            "acme.toml: policies[0].targets.P2.resolution.x"
        )

    def test_calendar_time_with_a_business_calendar(self) -> None:
        err = failure(replaced('calendar_time = "15m"', 'calendar_time = "15m"\ncalendar = "us"'))
        assert err.field == "<string>: policies[0].targets.P1.first_response.calendar"
        assert err.value == "us"
        assert "calendar_time goal runs on the built-in '24/7' calendar" in str(err)

    def test_business_goal_without_calendar(self) -> None:
        err = failure(replaced('calendar = "us"\n', ""))
        assert err.field == f"{R}.calendar"
        assert err.value is None
        assert "is required for a business_time goal" in str(err)

    def test_bad_valid_from(self) -> None:
        def bad(value: str, text: str = BASE) -> PolicyFormatError:
            return failure(
                replaced('name = "Support"', f'name = "Support"\nvalid_from = {value}', text)
            )

        err = bad('"2025-13-01"')
        assert err.field == "<string>: policies[0].valid_from"
        assert err.value == "2025-13-01"
        err = bad("12:00:00")
        assert err.field == "<string>: policies[0].valid_from"
        assert err.value == dt.time(12)
        err = bad("2025-03-09T02:30:00")  # the spring-forward gap in New York
        assert err.field == "<string>: policies[0].valid_from"
        assert "daylight-saving gap" in str(err)
        assert isinstance(err.__cause__, NonexistentTimeError)
        err = bad("2025-01-01", replaced('zone = "America/New_York"\nsev', "sev"))
        assert err.field == "<string>: policies[0].valid_from"
        assert "needs the book's zone" in str(err)

    def test_chain_naming_an_unknown_team(self) -> None:
        err = failure(
            BASE
            + """
[[policies.internal]]
team = "tier1"
business_time = "2h"
calendar = "us"

[[policies.internal]]
team = "tier2"
business_time = "2h"
calendar = "us"
severity = "P1"

[[policies.chains]]
severity = "P2"
teams = ["tier1", "tier2"]
"""
        )
        assert err.field == "<string>: policies[0].chains[0].teams[1]"
        assert err.value == "tier2"
        assert "has no internal target for P2 (known teams: 'tier1')" in str(err)

    def test_chain_naming_a_missing_target(self) -> None:
        err = failure(
            BASE
            + '\n[[policies.internal]]\nteam = "t"\ncalendar_time = "1h"\n'
            + '\n[[policies.chains]]\nseverity = "P1"\nteams = ["t"]\n'
        )
        assert err.field == "<string>: policies[0].chains[0]"
        assert err.value == "P1.resolution"
        assert "(known: 'P1.first_response', 'P2.resolution')" in str(err)
        err = failure(
            BASE + '\n[[policies.chains]]\nseverity = "P2"\nmetric = "response"\nteams = []\n'
        )
        assert err.field == "<string>: policies[0].chains[0].metric"

    def test_repeated_internal_target(self) -> None:
        one = '\n[[policies.internal]]\nteam = "t"\ncalendar_time = "1h"\n'
        err = failure(BASE + one + one)
        assert err.field == "<string>: policies[0].internal[1]"
        assert "repeats the internal target policies[0].internal[0]" in str(err)

    def test_calendar_errors_keep_their_path_and_cause(self) -> None:
        err = failure(
            replaced(
                'hours = "Mon-Fri 09:00-17:00"\n\n[calendars.uk]',
                'hours = "Mon-Fri 09:00-17:00"\nholidays = [{ country = "XX" }]\n\n[calendars.uk]',
            )
        )
        assert err.field == "<string>: calendars.us.holidays[0].country"
        assert err.value == "XX"
        assert isinstance(err.__cause__, UnknownHolidaySourceError)
        err = failure(replaced('zone = "Europe/London"', 'zone = "Europe/Londn"'))
        assert err.field == "<string>: calendars.uk.zone"
        assert isinstance(err.__cause__, UnknownTimeZoneError)

    def test_built_in_calendar_name_is_reserved(self) -> None:
        err = failure(replaced("[calendars.uk]", '[calendars."24/7"]'))
        assert err.field == '<string>: calendars."24/7"'

    def test_extends_an_unknown_policy(self) -> None:
        err = failure(BASE + '\n[[policies]]\nextends = "Suport"\nvalid_from = 2026-01-01\n')
        assert err.field == "<string>: policies[1].extends"
        assert err.value == "Suport"
        assert "names no policy above this one (known: 'Support')" in str(err)

    def test_a_policy_after_one_without_conditions_is_never_selected(self) -> None:
        err = failure(BASE + '\n[[policies]]\nname = "Gold"\nwhen = { tier = "gold" }\n')
        assert err.field == "<string>: policies[1]"
        assert err.value == "Gold"
        assert "is never selected: policies[0] ('Support') comes first" in str(err)

    def test_two_policies_with_one_name_in_one_version(self) -> None:
        text = replaced('calendar = "us"\n', 'calendar = "us"\nwhen = { tier = "gold" }\n')
        err = failure(text + '\n[[policies]]\nname = "Support"\n')
        assert err.field == "<string>: policies[1].name"

    def test_missing_required_keys(self) -> None:
        err = failure(replaced('severities = ["P1", "P2"]\n', ""))
        assert err.field == "<string>: severities"
        assert err.problem == "is required"
        err = failure(replaced('name = "Support"\n', ""))
        assert err.field == "<string>: policies[0].name"
        with pytest.raises(PolicyFormatError) as info:
            policy_from_dict(["not", "a", "table"])  # type: ignore[arg-type]
        assert info.value.field == "<dict>"

    def test_bad_condition(self) -> None:
        err = failure(replaced('name = "Support"', 'name = "Support"\nwhen = { tier = [] }'))
        assert err.field == "<string>: policies[0].when.tier"
        err = failure(replaced('name = "Support"', 'name = "Support"\nwhen = { tier = { a = 1 } }'))
        assert err.field == "<string>: policies[0].when.tier"

    def test_errors_are_input_errors_and_pickle(self) -> None:
        err = failure(BASE + 'calendar = "emea"\n')
        assert isinstance(err, InputError) and isinstance(err, ValueError)
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is PolicyFormatError
        assert str(back) == str(err)

    def test_field_format_is_source_then_path(self) -> None:
        err = failure(BASE + 'calendar = "emea"\n', source="a: b.toml")
        source, _, path = err.field.rpartition(": ")
        assert (source, path) == ("a: b.toml", "policies[0].targets.P2.resolution.calendar")
        assert re.fullmatch(r"[\w\[\].\"/-]+", path)


def test_targets_of_one_metric_with_different_events_are_named_by_their_path() -> None:
    text = """
name = "x"
severities = ["P1", "P2"]
[statuses]
open = "running"
solved = "stopped"
[calendars.us]
zone = "America/New_York"
hours = "Mon-Fri 09:00-17:00"
[[policies]]
name = "p"
calendar = "us"
[policies.targets.P1.first_response]
business_time = "1h"
stop_on = ["agent_reply:public"]
[policies.targets.P2.first_response]
business_time = "2h"
"""
    with pytest.raises(PolicyFormatError) as info:
        policy_from_toml(text, source="policy.toml")
    assert info.value.field == "policy.toml: policies[0].targets.P2.first_response"
    assert "share their start and stop events" in str(info.value)
