"""Agreement terms: the values, error counts worked out by hand, and their policy-file sections.

Expected counts and messages are written by hand from the inputs and the
documented format, never read back from the code under test.
"""

from __future__ import annotations

import datetime as dt
import pickle
import tomllib
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import attrs
import pytest

from slaclock import Calendar, StatusChange, Ticket, evaluate
from slaclock.agreements import (
    Agreements,
    ComplianceCreditTerms,
    ErrorCountRow,
    ErrorCountTarget,
    ServiceLevelGoal,
    ServiceTerms,
    error_counts,
)
from slaclock.availability import Outage
from slaclock.credits import CreditSchedule, CreditTier
from slaclock.errors import InputError, PolicyFormatError
from slaclock.evaluation import Evaluation
from slaclock.policies import CalendarTime, Policy, PolicyBook, Target
from slaclock.policy_files import example_policy, policy_from_dict, policy_from_toml

UTC = dt.UTC
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
ALWAYS = Calendar.always_open("UTC")
US = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


MARCH, APRIL, MAY = at(3, 1), at(4, 1), at(5, 1)


# ---- the values ---------------------------------------------------------------------------


class TestValues:
    def test_service_terms_convert_their_fields(self) -> None:
        s = ServiceTerms("api", ALWAYS, "99.9%", 5 * M, "gold", "1200.50")
        assert s.target == Fraction(999, 1000)
        assert s.min_outage == 5 * M
        assert s.fee == Decimal("1200.50")

    def test_service_credits_need_a_fee(self) -> None:
        with pytest.raises(InputError) as info:
            ServiceTerms("api", ALWAYS, credits="gold")
        assert str(info.value) == (
            "fee: is required with credits ('gold') (got None); give the fee per period"
        )

    def test_service_terms_errors_name_field_and_value(self) -> None:
        with pytest.raises(InputError, match=r"^calendar: must be a Calendar \(got 'us'\)$"):
            ServiceTerms("api", "us")  # type: ignore[arg-type]
        with pytest.raises(InputError, match=r"^min_outage: must not be negative"):
            ServiceTerms("api", ALWAYS, min_outage=-M)
        with pytest.raises(InputError, match=r"^target: must be a share"):
            ServiceTerms("api", ALWAYS, target="150%")
        with pytest.raises(InputError, match=r"^name: must be non-empty text \(got ''\)$"):
            ServiceTerms("", ALWAYS)

    def test_error_count_target_checks(self) -> None:
        with pytest.raises(InputError) as info:
            ErrorCountTarget("x", "breaches", -1)
        assert str(info.value) == "at_most: must not be negative (got -1)"
        with pytest.raises(InputError, match=r"^at_most: must be a whole number \(got True\)$"):
            ErrorCountTarget("x", "breaches", True)
        with pytest.raises(InputError) as info:
            ErrorCountTarget("x", "errors", 1)
        assert str(info.value) == "count: must be one of 'breaches', 'outages' (got 'errors')"
        with pytest.raises(InputError, match=r"^period: is not a period"):
            ErrorCountTarget("x", "breaches", 1, period="fortnight")
        with pytest.raises(InputError) as info:
            ErrorCountTarget("x", "breaches", 1, services=["api"])
        assert str(info.value) == (
            "services: filters outages, and this target counts breaches (got ('api',))"
        )
        with pytest.raises(InputError) as info:
            ErrorCountTarget("x", "outages", 1, severities="P1")
        assert str(info.value) == (
            "severities: filters breaches, and this target counts outages (got ('P1',))"
        )
        with pytest.raises(InputError) as info:
            ErrorCountTarget("x", "breaches", 1, metrics=["resolution", "speed"])
        assert str(info.value).startswith("metrics[1]: is not one of 'first_response'")
        with pytest.raises(InputError, match=r"^severities\[1\]: is listed twice"):
            ErrorCountTarget("x", "breaches", 1, severities=["P1", "P1"])

    def test_service_level_goal_checks(self) -> None:
        g = ServiceLevelGoal("fast", 20 * dt.timedelta(seconds=1), 0.8, "calendar", severities="P1")
        assert (g.share, g.severities) == (Fraction(4, 5), ("P1",))
        with pytest.raises(InputError, match=r"^within: must be positive"):
            ServiceLevelGoal("fast", dt.timedelta(0))
        with pytest.raises(InputError, match=r"^measure: must be 'business' or 'calendar'"):
            ServiceLevelGoal("fast", H, measure="wall")
        with pytest.raises(InputError, match=r"^metric: is not a metric"):
            ServiceLevelGoal("fast", H, metric="answer")

    def test_compliance_credit_terms_apply_to_their_rows(self) -> None:
        terms = ComplianceCreditTerms("s", 100, severities=["P1"], metrics="resolution")
        assert terms.applies_to("P1", "resolution")
        assert not terms.applies_to("P2", "resolution")
        assert not terms.applies_to("P1", "first_response")
        assert ComplianceCreditTerms("s", 100).applies_to("P4", "next_reply")


class TestAgreements:
    SCHEDULE = CreditSchedule({"99%": "10%"})

    def test_empty_by_default_and_false(self) -> None:
        a = Agreements()
        assert not a
        assert dict(a.credit_schedules) == {}
        assert Agreements(service_levels=[ServiceLevelGoal("x", H)])

    def test_schedules_are_a_read_only_mapping_and_the_value_hashes(self) -> None:
        a = Agreements(credit_schedules={"s": self.SCHEDULE})
        assert a.credit_schedules["s"] == self.SCHEDULE
        with pytest.raises(TypeError):
            a.credit_schedules["t"] = self.SCHEDULE  # type: ignore[index]
        assert a == Agreements(credit_schedules=[("s", self.SCHEDULE)])
        assert hash(a) == hash(Agreements(credit_schedules=[("s", self.SCHEDULE)]))
        assert pickle.loads(pickle.dumps(a)) == a

    def test_unknown_schedule_names(self) -> None:
        with pytest.raises(InputError) as info:
            Agreements(compliance_credits=[ComplianceCreditTerms("gold", 1)])
        assert str(info.value) == (
            "compliance_credits[0].schedule: names no credit schedule (known: none) (got 'gold')"
        )
        with pytest.raises(InputError) as info:
            Agreements(
                services=[ServiceTerms("api", ALWAYS, credits="gold", fee=1)],
                credit_schedules={"s": self.SCHEDULE},
            )
        assert str(info.value) == (
            "services[0].credits: names no credit schedule (known: 's') (got 'gold')"
        )

    def test_names_are_unique(self) -> None:
        with pytest.raises(InputError) as info:
            Agreements(services=[ServiceTerms("api", ALWAYS), ServiceTerms("api", US)])
        assert str(info.value) == "services[1].name: repeats the name of services[0] (got 'api')"
        one = ErrorCountTarget("x", "breaches", 1)
        with pytest.raises(InputError, match=r"^error_targets\[1\]\.name: repeats"):
            Agreements(error_targets=[one, one])
        with pytest.raises(InputError, match=r"^service_levels\[1\]\.name: repeats"):
            Agreements(service_levels=[ServiceLevelGoal("x", H), ServiceLevelGoal("x", M)])

    def test_items_must_be_of_their_type(self) -> None:
        with pytest.raises(InputError) as info:
            Agreements(services=["api"])
        assert str(info.value) == "services[0]: must be a ServiceTerms (got 'api')"
        with pytest.raises(InputError, match=r"^credit_schedules\['s'\]: must be a CreditSchedule"):
            Agreements(credit_schedules={"s": {"99%": "10%"}})


# ---- error counts -------------------------------------------------------------------------


def p1_policy() -> Policy:
    return Policy(
        "support",
        ["P1", "P2"],
        {"open": "running", "solved": "stopped"},
        [
            Target("first_response", "P1", CalendarTime(15 * M)),
            Target("resolution", "P1", CalendarTime(4 * H)),
            Target("resolution", "P2", CalendarTime(8 * H)),
        ],
    )


def evaluation(
    ticket_id: str, severity: str, opened: dt.datetime, solved: dt.timedelta
) -> Evaluation:
    history = [StatusChange(opened, status="open"), StatusChange(opened + solved, status="solved")]
    return evaluate(Ticket(ticket_id, severity, history), p1_policy(), now=at(6, 1))


class TestBreachCounts:
    # T1: P1 opened 03-31 22:00 UTC, solved 5h later: resolution breached at 04-01 02:00 UTC,
    #     first response (15m, stopped by the solve too) breached at 03-31 22:15.
    # T2: P1 opened 03-10 10:00, solved in 1h: first response breached at 10:15, resolution met.
    # T3: P2 opened 03-12 10:00, solved in 9h: resolution breached at 18:00.
    # T4: P1 opened 03-20 10:00, solved in 10m: nothing breached.
    @pytest.fixture
    def evaluations(self) -> list[Evaluation]:
        return [
            evaluation("T1", "P1", at(3, 31, 22), 5 * H),
            evaluation("T2", "P1", at(3, 10, 10), 1 * H),
            evaluation("T3", "P2", at(3, 12, 10), 9 * H),
            evaluation("T4", "P1", at(3, 20, 10), 10 * M),
        ]

    def test_the_inputs_are_what_the_comments_say(self, evaluations: list[Evaluation]) -> None:
        breached = sorted(
            (r.ticket_id, r.target, r.breached_at)
            for e in evaluations
            for r in e
            if r.outcome == "breached"
        )
        assert breached == [
            ("T1", "P1.first_response", at(3, 31, 22, 15)),
            ("T1", "P1.resolution", at(4, 1, 2)),
            ("T2", "P1.first_response", at(3, 10, 10, 15)),
            ("T3", "P2.resolution", at(3, 12, 18)),
        ]

    def test_breaches_count_in_the_month_of_their_deadline(
        self, evaluations: list[Evaluation]
    ) -> None:
        target = ErrorCountTarget(
            "P1 resolution", "breaches", 0, metrics="resolution", severities="P1"
        )
        rows = error_counts([target], results=evaluations, zone="UTC", start=MARCH, end=MAY)
        # T1's resolution clock started in March, but it was breached in April
        assert rows == [
            ErrorCountRow("P1 resolution", "2026-03", 0, 0, True),
            ErrorCountRow("P1 resolution", "2026-04", 1, 0, False),
        ]

    def test_the_zone_cuts_the_months(self, evaluations: list[Evaluation]) -> None:
        target = ErrorCountTarget(
            "P1 resolution", "breaches", 0, metrics="resolution", severities="P1"
        )
        rows = error_counts(
            [target], results=evaluations, zone="America/New_York", start=MARCH, end=MAY
        )
        # 04-01 02:00 UTC is 03-31 22:00 in New York; the window's ends cut the first and
        # last periods (March starts at 05:00 UTC there, so 03-01 00:00 UTC is February)
        assert [(r.period, r.count) for r in rows] == [
            ("2026-02", 0),
            ("2026-03", 1),
            ("2026-04", 0),
        ]

    def test_filters_and_a_quiet_month(self, evaluations: list[Evaluation]) -> None:
        targets = [
            ErrorCountTarget("all", "breaches", 2),
            ErrorCountTarget("P1", "breaches", 2, severities="P1"),
            ErrorCountTarget("first responses", "breaches", 1, targets="P1.first_response"),
        ]
        rows = error_counts(targets, results=evaluations, zone="UTC", start=MARCH, end=at(6, 1))
        got = [(r.name, r.period, r.count, r.met) for r in rows]
        assert got == [
            ("all", "2026-03", 3, False),
            ("all", "2026-04", 1, True),
            ("all", "2026-05", 0, True),
            ("P1", "2026-03", 2, True),
            ("P1", "2026-04", 1, True),
            ("P1", "2026-05", 0, True),
            ("first responses", "2026-03", 2, False),
            ("first responses", "2026-04", 0, True),
            ("first responses", "2026-05", 0, True),
        ]

    def test_results_and_breach_rows_count_like_evaluations(
        self, evaluations: list[Evaluation]
    ) -> None:
        target = ErrorCountTarget("all", "breaches", 2)
        flat = [r for e in evaluations for r in e]
        rows = [
            SimpleNamespace(
                severity=r.severity,
                metric=r.metric,
                target=r.target,
                team=r.team,
                breached_at=r.breached_at,
            )
            for r in flat
            if r.outcome == "breached"
        ]
        by_evaluations = error_counts(
            [target], results=evaluations, zone="UTC", start=MARCH, end=MAY
        )
        assert (
            error_counts([target], results=flat, zone="UTC", start=MARCH, end=MAY) == by_evaluations
        )
        assert (
            error_counts([target], results=rows, zone="UTC", start=MARCH, end=MAY) == by_evaluations
        )

    def test_internal_targets_count_only_when_asked(self) -> None:
        base = SimpleNamespace(severity="P2", target="P2.resolution", team=None)
        ola = SimpleNamespace(
            severity="P2", metric="internal", target="tier1", team="tier1", breached_at=at(3, 2)
        )
        sla = SimpleNamespace(**vars(base), metric="resolution", breached_at=at(3, 3))
        targets = [
            ErrorCountTarget("external", "breaches", 5),
            ErrorCountTarget("OLA", "breaches", 5, metrics="internal"),
        ]
        rows = error_counts(targets, results=[ola, sla], zone="UTC", start=MARCH, end=APRIL)
        assert [(r.name, r.count) for r in rows] == [("external", 1), ("OLA", 1)]

    def test_breaches_outside_the_window_are_not_counted(
        self, evaluations: list[Evaluation]
    ) -> None:
        target = ErrorCountTarget("all", "breaches", 9)
        rows = error_counts([target], results=evaluations, zone="UTC", start=at(3, 11), end=APRIL)
        # the window cuts March at 03-11: T2's breach (03-10) is outside it
        assert [(r.period, r.count) for r in rows] == [("2026-03", 2)]

    def test_without_a_window_it_spans_the_errors(self, evaluations: list[Evaluation]) -> None:
        target = ErrorCountTarget("P2", "breaches", 0, severities="P2")
        rows = error_counts([target], results=evaluations, zone="UTC")
        # every breach of the input (not only P2's) spans the window: March and April
        assert [(r.period, r.count, r.met) for r in rows] == [
            ("2026-03", 1, False),
            ("2026-04", 0, True),
        ]
        assert error_counts([target], zone="UTC") == []

    def test_the_period_argument_replaces_the_targets_own(
        self, evaluations: list[Evaluation]
    ) -> None:
        target = ErrorCountTarget("all", "breaches", 1, period="month")
        rows = error_counts(
            [target], results=evaluations, zone="UTC", period="quarter", start=MARCH, end=MAY
        )
        assert [(r.period, r.count, r.met) for r in rows] == [
            ("2026-Q1", 3, False),
            ("2026-Q2", 1, True),
        ]

    def test_bad_arguments(self) -> None:
        with pytest.raises(InputError, match=r"^targets\[0\]: must be an ErrorCountTarget"):
            error_counts(["x"], zone="UTC")  # type: ignore[list-item]
        with pytest.raises(InputError, match=r"^results\[0\]: must be a Result"):
            error_counts([], results=[1], zone="UTC")
        with pytest.raises(InputError, match=r"^end: must not be before start"):
            error_counts([], zone="UTC", start=APRIL, end=MARCH)
        with pytest.raises(InputError, match=r"^period: is not a period"):
            error_counts([], zone="UTC", period="hour")


class TestOutageCounts:
    def test_merged_unplanned_outages_count_once_in_the_month_they_start(self) -> None:
        outages = [
            Outage(at(3, 2, 10), at(3, 2, 11), "api"),
            Outage(at(3, 2, 10, 30), at(3, 2, 12), "api"),  # overlaps: the same outage
            Outage(at(3, 2, 12), at(3, 2, 13), "api"),  # touches: the same outage
            Outage(at(3, 31, 23), at(4, 1, 1), "api"),  # over the month end: March
            Outage(at(3, 5, 10), at(3, 5, 10, 0) + 30 * dt.timedelta(seconds=1), "api"),  # blip
            Outage(at(3, 9, 1), at(3, 9, 2), "api"),  # inside maintenance: not an error
            Outage(at(3, 9, 1), at(3, 9, 3), "api", planned=True),
            Outage(at(3, 16, 2), at(3, 16, 4), "api"),  # partly outside maintenance: an error
            Outage(at(3, 16, 1), at(3, 16, 3), "api", planned=True),
            Outage(at(3, 3, 10), at(3, 3, 11), "portal"),
        ]
        targets = [
            ErrorCountTarget("api", "outages", 2, services="api", min_outage=M),
            ErrorCountTarget("any", "outages", 4),
        ]
        rows = error_counts(targets, outages=outages, zone="UTC", start=MARCH, end=MAY)
        assert [(r.name, r.period, r.count, r.met) for r in rows] == [
            ("api", "2026-03", 3, False),
            ("api", "2026-04", 0, True),
            # without min_outage the 30-second blip counts; portal's outage too
            ("any", "2026-03", 5, False),
            ("any", "2026-04", 0, True),
        ]

    def test_a_planned_window_of_another_service_does_not_cover(self) -> None:
        outages = [
            Outage(at(3, 9, 1), at(3, 9, 2), "api"),
            Outage(at(3, 9, 0), at(3, 9, 3), "portal", planned=True),
        ]
        target = ErrorCountTarget("api", "outages", 0, services="api")
        rows = error_counts([target], outages=outages, zone="UTC", start=MARCH, end=APRIL)
        assert rows == [ErrorCountRow("api", "2026-03", 1, 0, False)]

    def test_outages_must_be_outages(self) -> None:
        with pytest.raises(InputError, match=r"^outages\[0\]: must be an Outage"):
            error_counts([], outages=["api down"], zone="UTC")  # type: ignore[list-item]


# ---- policy files -------------------------------------------------------------------------

HEAD = """\
name = "Test"
severities = ["P1", "P2"]

[statuses]
open = "running"
solved = "stopped"

[calendars.us]
zone = "America/New_York"
hours = "Mon-Fri 09:00-17:00"

[[policies]]
name = "Support"
calendar = "us"

[policies.targets.P1.resolution]
calendar_time = "4h"

[policies.targets.P2.resolution]
business_time = "8h"

[[policies.internal]]
team = "tier1"
business_time = "1h"
calendar = "us"
"""

TERMS = """
[services.api]
calendar = "24/7"
target = "99.9%"
min_outage = "1m"
credits = "standard"
fee = 10000

[services.portal]
calendar = "us"
target = 0.995

[credits.standard]
tiers = { "99.9%" = "10%", "99%" = "25%" }
per_breach = 50
cap = "30%"

[[compliance_credits]]
schedule = "standard"
fee = 5000.50
severities = ["P1"]
metrics = "resolution"

[[error_counts]]
name = "P1 breaches"
count = "breaches"
at_most = 2
severities = ["P1"]
targets = ["P1.resolution", "tier1"]

[[error_counts]]
name = "api outages"
count = "outages"
at_most = 3
period = "quarter"
services = "api"
min_outage = "1m"

[[service_levels]]
name = "fast"
within = "20s"
share = "80%"
measure = "calendar"
metric = "resolution"
severities = ["P1", "P2"]
"""


def book_of(terms: str = TERMS) -> PolicyBook:
    return policy_from_toml(HEAD + terms, source="p.toml")


def failure(terms: str) -> PolicyFormatError:
    with pytest.raises(PolicyFormatError) as info:
        book_of(terms)
    return info.value


def changed(old: str, new: str) -> str:
    assert TERMS.count(old) == 1, old
    return TERMS.replace(old, new)


class TestPolicyFile:
    def test_every_section_reads_as_written(self) -> None:
        book = book_of()
        schedule = CreditSchedule({"99.9%": "10%", "99%": "25%"}, per_breach=50, cap="30%")
        assert book.agreements == Agreements(
            services=[
                ServiceTerms("api", ALWAYS, Fraction(999, 1000), M, "standard", Decimal(10000)),
                ServiceTerms("portal", US, Fraction(995, 1000)),
            ],
            credit_schedules={"standard": schedule},
            compliance_credits=[
                ComplianceCreditTerms("standard", Decimal("5000.50"), ("P1",), ("resolution",))
            ],
            error_targets=[
                ErrorCountTarget(
                    "P1 breaches",
                    "breaches",
                    2,
                    severities="P1",
                    targets=["P1.resolution", "tier1"],
                ),
                ErrorCountTarget(
                    "api outages", "outages", 3, period="quarter", services="api", min_outage=M
                ),
            ],
            service_levels=[
                ServiceLevelGoal(
                    "fast", dt.timedelta(seconds=20), "80%", "calendar", "resolution", ["P1", "P2"]
                )
            ],
        )
        assert book.agreements.credit_schedules["standard"].tiers == (
            CreditTier("99.9%", "10%"),
            CreditTier("99%", "25%"),
        )

    def test_the_named_calendars_are_kept_read_only(self) -> None:
        book = book_of()
        assert dict(book.calendars) == {"us": US}
        with pytest.raises(TypeError):
            book.calendars["uk"] = US  # type: ignore[index]

    def test_a_book_without_terms_has_empty_agreements(self) -> None:
        book = policy_from_toml(HEAD)
        assert book.agreements == Agreements()
        assert not book.agreements

    def test_the_book_stays_a_hashable_value(self) -> None:
        assert hash(book_of()) == hash(book_of())
        assert book_of() != policy_from_toml(HEAD)
        assert pickle.loads(pickle.dumps(book_of())) == book_of()

    def test_toml_and_a_dict_of_python_values_round_trip_to_one_book(self) -> None:
        data = tomllib.loads(HEAD + TERMS)
        assert policy_from_dict(data) == book_of()
        data["services"]["api"].update(min_outage=M, fee=Decimal(10000), target=Fraction(999, 1000))
        data["compliance_credits"][0]["fee"] = "5000.50"
        data["service_levels"][0]["within"] = dt.timedelta(seconds=20)
        data["error_counts"][0]["severities"] = ("P1",)
        assert policy_from_dict(data) == book_of()

    def test_old_constructor_calls_still_work(self) -> None:
        policy = p1_policy()
        book = PolicyBook([policy], name="x")
        assert book.agreements == Agreements()
        assert dict(book.calendars) == {}
        assert attrs.evolve(book, calendars={"us": US}).calendars["us"] == US
        with pytest.raises(InputError) as info:
            PolicyBook([policy], agreements="none")  # type: ignore[arg-type]
        assert str(info.value) == "agreements: must be an Agreements value (got 'none')"
        with pytest.raises(InputError, match=r"^calendars\['us'\]: must be a Calendar"):
            PolicyBook([policy], calendars={"us": "us"})


ERRORS = [
    # (what to change in TERMS, expected message)
    (
        ('calendar = "24/7"', 'calendar = "emea"'),
        "p.toml: services.api.calendar: unknown calendar (known: '24/7', 'us') (got 'emea')",
    ),
    (
        ('calendar = "24/7"\n', ""),
        "p.toml: services.api.calendar: is required: the service hours availability is "
        "measured in (got None); name one of '24/7', 'us'",
    ),
    (
        ('target = "99.9%"', 'target = "120%"'),
        "p.toml: services.api.target: must be a share above 0% and at most 100% (got '120%')",
    ),
    (
        ('min_outage = "1m"\ncredits', 'min_outage = "a minute"\ncredits'),
        "p.toml: services.api.min_outage: must be a duration such as '4h', '15m' or '1h30m' "
        "(got 'a minute')",
    ),
    (
        ('credits = "standard"', 'credits = "gold"'),
        "p.toml: services.api.credits: unknown credit schedule (known: 'standard') (got 'gold'); "
        "define it under [credits.<name>]",
    ),
    (
        ("fee = 10000\n", ""),
        "p.toml: services.api.fee: is required with credits = 'standard' (got None); "
        "give the service's fee per period, such as fee = 10000",
    ),
    (
        ("fee = 10000\n", "fee = -5\n"),
        "p.toml: services.api.fee: must be a finite amount, not negative (got -5)",
    ),
    (
        ("fee = 10000\n", 'fee = "ten"\n'),
        "p.toml: services.api.fee: must be an amount such as '1200.00' (got 'ten')",
    ),
    (
        ("fee = 10000\n", "fee = true\n"),
        "p.toml: services.api.fee: must be an amount such as 1200 or '1200.50' (got True)",
    ),
    (
        ("target = 0.995", "target = 0.995\nfees = 1"),
        "p.toml: services.portal.fees: unknown key (allowed: 'calendar', 'target', 'min_outage', "
        "'credits', 'fee') (got 1); did you mean 'fee'?",
    ),
    (
        ("[services.portal]\ncalendar", '[services.""]\ncalendar'),
        "p.toml: services.\"\": service names must be non-empty text (got '')",
    ),
    (
        ('tiers = { "99.9%" = "10%", "99%" = "25%" }', 'tiers = { "99.9" = "10%" }'),
        'p.toml: credits.standard.tiers."99.9": must be a share above 0% and at most 100% '
        "(got '99.9')",
    ),
    (
        ('tiers = { "99.9%" = "10%", "99%" = "25%" }', 'tiers = { "99.9%" = "lots" }'),
        "p.toml: credits.standard.tiers.\"99.9%\": must be a share such as '90%' or 0.9 "
        "(got 'lots')",
    ),
    (
        ('tiers = { "99.9%" = "10%", "99%" = "25%" }\n', ""),
        "p.toml: credits.standard.tiers: is required (got None); "
        "for example tiers = { '99.9%' = '10%', '99%' = '25%' }",
    ),
    (
        ('tiers = { "99.9%" = "10%", "99%" = "25%" }', 'tiers = ["99.9%", "10%"]'),
        "p.toml: credits.standard.tiers: must be a table of threshold = credit ('99.9%' = '10%') "
        "(got ['99.9%', '10%'])",
    ),
    (
        ('cap = "30%"', 'cap = "0%"'),
        "p.toml: credits.standard.cap: must be a share above 0% and at most 100% (got '0%')",
    ),
    (
        ("per_breach = 50", "per_breach = -50"),
        "p.toml: credits.standard.per_breach: must be a finite amount, not negative (got -50)",
    ),
    (
        ('schedule = "standard"\n', ""),
        "p.toml: compliance_credits[0].schedule: is required (got None)",
    ),
    (
        ('schedule = "standard"', 'schedule = "gold"'),
        "p.toml: compliance_credits[0].schedule: unknown credit schedule (known: 'standard') "
        "(got 'gold'); define it under [credits.<name>]",
    ),
    (
        ('severities = ["P1"]\nmetrics', 'severities = ["P1", "P9"]\nmetrics'),
        "p.toml: compliance_credits[0].severities[1]: unknown severity (known: 'P1', 'P2') "
        "(got 'P9')",
    ),
    (
        ('metrics = "resolution"', 'metrics = "resolve"'),
        "p.toml: compliance_credits[0].metrics: unknown metric (known: 'first_response', "
        "'resolution', 'next_reply', 'periodic_update') (got 'resolve')",
    ),
    (
        ('severities = ["P1"]\nmetrics', "severities = []\nmetrics"),
        "p.toml: compliance_credits[0].severities: must list at least one severity "
        "(or be left out) (got [])",
    ),
    (
        ('count = "breaches"', 'count = "errors"'),
        "p.toml: error_counts[0].count: must be one of 'breaches', 'outages' (got 'errors')",
    ),
    (
        ("at_most = 2", "at_most = -1"),
        "p.toml: error_counts[0].at_most: must be a whole number, 0 or more (got -1)",
    ),
    (
        ("at_most = 2", "at_most = 2.5"),
        "p.toml: error_counts[0].at_most: must be a whole number, 0 or more (got 2.5)",
    ),
    (
        ('name = "P1 breaches"\n', ""),
        "p.toml: error_counts[0].name: is required (got None)",
    ),
    (
        ('period = "quarter"', 'period = "fortnight"'),
        "p.toml: error_counts[1].period: must be one of 'day', 'week', 'month', 'quarter', "
        "'year' (got 'fortnight')",
    ),
    (
        ('targets = ["P1.resolution", "tier1"]', 'targets = ["P1.first_response"]'),
        "p.toml: error_counts[0].targets[0]: unknown target (known: 'P1.resolution', "
        "'P2.resolution', 'tier1') (got 'P1.first_response')",
    ),
    (
        ('services = "api"', 'services = "web"'),
        "p.toml: error_counts[1].services: unknown service (known: 'api', 'portal') (got 'web')",
    ),
    (
        ('targets = ["P1.resolution", "tier1"]', 'services = ["api"]'),
        "p.toml: error_counts[0].services: does not apply to count = 'breaches' (got ['api']); "
        "severities, metrics and targets filter breaches; services and min_outage, outages",
    ),
    (
        ('services = "api"', 'severities = ["P1"]'),
        "p.toml: error_counts[1].severities: does not apply to count = 'outages' (got ['P1']); "
        "severities, metrics and targets filter breaches; services and min_outage, outages",
    ),
    (
        ('name = "api outages"', 'name = "P1 breaches"'),
        "p.toml: error_counts[1].name: repeats the name of error_counts[0] (got 'P1 breaches')",
    ),
    (
        ('within = "20s"', 'within = "0s"'),
        "p.toml: service_levels[0].within: must be a positive duration (got '0s')",
    ),
    (
        ('within = "20s"', 'within = "soon"'),
        "p.toml: service_levels[0].within: must be a duration such as '4h', '15m' or '1h30m' "
        "(got 'soon')",
    ),
    (
        ('share = "80%"', 'share = "eighty"'),
        "p.toml: service_levels[0].share: must be a share such as '90%' or 0.9 (got 'eighty')",
    ),
    (
        ('measure = "calendar"', 'measure = "wall"'),
        "p.toml: service_levels[0].measure: must be one of 'business', 'calendar' (got 'wall')",
    ),
    (
        ('metric = "resolution"\nseverities', 'metric = "reply"\nseverities'),
        "p.toml: service_levels[0].metric: unknown metric (known: 'first_response', "
        "'resolution', 'next_reply', 'periodic_update') (got 'reply')",
    ),
    (
        ('severities = ["P1", "P2"]', 'severities = ["P1", "P1"]'),
        "p.toml: service_levels[0].severities[1]: names the severity 'P1' twice (got 'P1')",
    ),
    (
        ('name = "fast"\n', ""),
        "p.toml: service_levels[0].name: is required (got None)",
    ),
]


@pytest.mark.parametrize(("change", "message"), ERRORS, ids=[m.split(":")[1] for _, m in ERRORS])
def test_every_mistake_names_the_file_and_the_path(change: tuple[str, str], message: str) -> None:
    err = failure(changed(*change))
    assert str(err) == message


class TestPolicyFileShapes:
    def test_sections_of_the_wrong_shape(self) -> None:
        err = failure('[[services]]\ncalendar = "us"\n')
        assert str(err) == (
            "p.toml: services: must be a table of services ([services.<name>]) "
            "(got [{'calendar': 'us'}])"
        )
        err = failure('[compliance_credits]\nschedule = "s"\n')
        assert str(err) == (
            "p.toml: compliance_credits: must be a list of compliance credit tables "
            "([[compliance_credits]]) (got {'schedule': 's'})"
        )
        data = tomllib.loads(HEAD)
        data["error_counts"] = ["x"]
        with pytest.raises(PolicyFormatError) as info:
            policy_from_dict(data)
        assert str(info.value) == "<dict>: error_counts[0]: must be an error-count table (got 'x')"
        err = failure('[services]\napi = "24/7"\n')
        assert str(err) == (
            "p.toml: services.api: must be a service table (calendar, target, min_outage, ...) "
            "(got '24/7')"
        )

    def test_unknown_top_level_key_suggests_the_section(self) -> None:
        err = failure('[[service_level]]\nname = "x"\nwithin = "1h"\n')
        assert err.field == "p.toml: service_level"
        assert err.hint == "did you mean 'service_levels'?"

    def test_errors_are_policy_format_errors_that_pickle(self) -> None:
        err = failure(changed('credits = "standard"', 'credits = "gold"'))
        assert isinstance(err, InputError)
        assert str(pickle.loads(pickle.dumps(err))) == str(err)


# ---- the example policy --------------------------------------------------------------------


def test_the_example_policy_carries_agreement_terms() -> None:
    book = example_policy()
    a = book.agreements
    api, portal = a.services
    assert (api.name, api.calendar, api.target, api.min_outage) == (
        "api",
        ALWAYS,
        Fraction(999, 1000),
        M,
    )
    assert (api.credits, api.fee) == ("availability", Decimal(10000))
    assert (portal.name, portal.calendar, portal.target, portal.credits) == (
        "portal",
        book.calendars["us"],
        Fraction(995, 1000),
        None,
    )
    assert list(a.credit_schedules) == ["availability", "compliance"]
    assert a.credit_schedules["compliance"] == CreditSchedule(
        {"95%": "5%", "90%": "10%"}, per_breach=100, cap="25%"
    )
    assert a.compliance_credits == (ComplianceCreditTerms("compliance", 5000, ("P1", "P2")),)
    assert a.error_targets == (
        ErrorCountTarget(
            "P1 resolution breaches", "breaches", 2, severities="P1", metrics="resolution"
        ),
        ErrorCountTarget("Unplanned api outages", "outages", 3, services="api", min_outage=M),
    )
    assert a.service_levels == (
        ServiceLevelGoal(
            "First response within 1 business hour", H, "80%", metric="first_response"
        ),
        ServiceLevelGoal(
            "P1 first response within 10 minutes",
            10 * M,
            "90%",
            "calendar",
            "first_response",
            "P1",
        ),
    )
    assert list(book.calendars) == ["us", "uk", "vendor"]


def test_the_example_services_match_the_sample_outage_log() -> None:
    from slaclock.availability import sample_outages

    services = {o.service for o in sample_outages()}
    assert {s.name for s in example_policy().agreements.services} == services
