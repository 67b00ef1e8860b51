"""The what-if report: the same tickets under two policies, against counts worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from slaclock import StatusChange, Ticket
from slaclock.agreements import Agreements, ComplianceCreditTerms
from slaclock.credits import CreditSchedule
from slaclock.errors import InputError
from slaclock.policies import CalendarTime, InternalTarget, Policy, PolicyBook, Target
from slaclock.reports import ComplianceRow
from slaclock.what_if import WhatIfRow, what_if

UTC = dt.UTC
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
NOW = dt.datetime(2026, 6, 1, tzinfo=UTC)
STATUSES = {"open": "running", "solved": "stopped"}


def policy(
    resolution: dt.timedelta,
    *,
    first_response: dt.timedelta | None = None,
    valid_from: dt.datetime | None = None,
    internal: bool = False,
) -> Policy:
    targets = [Target("resolution", "P2", CalendarTime(resolution), required="90%")]
    if first_response is not None:
        targets.append(Target("first_response", "P2", CalendarTime(first_response)))
    return Policy(
        "support",
        ["P2"],
        STATUSES,
        targets,
        internal_targets=[InternalTarget("tier1", CalendarTime(H))] if internal else [],
        valid_from=valid_from,
    )


def ticket(n: int, opened: dt.datetime, solved_after: dt.timedelta) -> Ticket:
    return Ticket(
        f"T{n}",
        "P2",
        [StatusChange(opened, status="open"), StatusChange(opened + solved_after, status="solved")],
    )


MARCH_2 = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
APRIL_6 = dt.datetime(2026, 4, 6, 9, tzinfo=UTC)
# solved after 1h, 3h and 5h: a 4h target meets two, a 2h target one
TICKETS = [ticket(1, MARCH_2, 1 * H), ticket(2, MARCH_2, 3 * H), ticket(3, MARCH_2, 5 * H)]


class TestTwoPolicies:
    def test_a_tighter_target_turns_a_met_ticket_into_a_breach(self) -> None:
        [row] = what_if(TICKETS, policy(4 * H), policy(2 * H), now=NOW)
        assert row == WhatIfRow(
            key=("P2", "resolution"),
            before=ComplianceRow(("P2", "resolution"), 2, 1, 0, 0, Fraction(2, 3), Fraction(9, 10)),
            after=ComplianceRow(("P2", "resolution"), 1, 2, 0, 0, Fraction(1, 3), Fraction(9, 10)),
            change=Fraction(-1, 3),
            met_to_breached=1,
            breached_to_met=0,
            before_credit=None,
            after_credit=None,
        )
        assert row.points == Fraction(-100, 3)
        assert row.credit_change is None

    def test_a_looser_target_turns_breaches_into_met(self) -> None:
        [row] = what_if(TICKETS, policy(2 * H), policy(6 * H), now=NOW)
        assert (row.met_to_breached, row.breached_to_met) == (0, 2)
        assert row.change == Fraction(2, 3)
        assert row.points == Fraction(200, 3)

    def test_the_same_policy_changes_nothing(self) -> None:
        [row] = what_if(TICKETS, policy(4 * H), policy(4 * H), now=NOW)
        assert row.before == row.after
        assert (row.change, row.met_to_breached, row.breached_to_met) == (Fraction(0), 0, 0)

    def test_a_target_only_the_proposal_has(self) -> None:
        # first responses: nothing replies, so the solve stops the clock (after 1h, 3h, 5h)
        rows = what_if(TICKETS, policy(4 * H), policy(4 * H, first_response=2 * H), now=NOW)
        first, resolution = rows
        assert first.key == ("P2", "first_response")
        assert first.before is None
        assert first.after == ComplianceRow(
            ("P2", "first_response"), 1, 2, 0, 0, Fraction(1, 3), None
        )
        assert (first.change, first.met_to_breached, first.breached_to_met) == (None, 0, 0)
        assert resolution.change == 0

    def test_internal_targets_are_left_out(self) -> None:
        rows = what_if(TICKETS, policy(4 * H, internal=True), policy(2 * H, internal=True), now=NOW)
        assert [r.key for r in rows] == [("P2", "resolution")]

    def test_per_period_rows_bucket_by_the_clock_start(self) -> None:
        tickets = [*TICKETS, ticket(4, APRIL_6, 3 * H), ticket(5, APRIL_6, 30 * M)]
        rows = what_if(tickets, policy(4 * H), policy(2 * H), now=NOW, period="month")
        got = [
            (
                r.key,
                r.before and r.before.compliance,
                r.after and r.after.compliance,
                r.met_to_breached,
            )
            for r in rows
        ]
        assert got == [
            (("P2", "resolution", "2026-03"), Fraction(2, 3), Fraction(1, 3), 1),
            (("P2", "resolution", "2026-04"), Fraction(1), Fraction(1, 2), 1),
        ]


class TestVersionsOfOneBook:
    BOOK = PolicyBook(
        [
            policy(4 * H, valid_from=dt.datetime(2025, 1, 1, tzinfo=UTC)),
            policy(2 * H, valid_from=dt.datetime(2026, 5, 1, tzinfo=UTC)),
        ]
    )

    def test_two_as_of_instants_select_two_versions(self) -> None:
        rows = what_if(
            TICKETS,
            self.BOOK,
            now=NOW,
            current_as_of=dt.datetime(2026, 3, 1, tzinfo=UTC),
            proposed_as_of=dt.datetime(2026, 5, 1, tzinfo=UTC),
        )
        assert rows == what_if(TICKETS, policy(4 * H), policy(2 * H), now=NOW)

    def test_without_current_as_of_each_ticket_uses_the_version_at_its_creation(self) -> None:
        # the tickets were created in March: the first version measures them
        [row] = what_if(
            TICKETS, self.BOOK, now=NOW, proposed_as_of=dt.datetime(2026, 5, 1, tzinfo=UTC)
        )
        assert (row.before and row.before.met, row.after and row.after.met) == (2, 1)

    def test_nothing_to_compare(self) -> None:
        with pytest.raises(InputError) as info:
            what_if(TICKETS, self.BOOK, now=NOW)
        assert str(info.value) == (
            "proposed: is needed to compare (or proposed_as_of, to compare two versions of "
            "one book) (got None)"
        )

    def test_as_of_needs_a_book(self) -> None:
        with pytest.raises(InputError) as info:
            what_if(TICKETS, policy(4 * H), policy(2 * H), now=NOW, proposed_as_of=NOW)
        assert str(info.value) == (
            "proposed_as_of: selects a version of a PolicyBook (got "
            "datetime.datetime(2026, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)); pass a book"
        )


class TestCredits:
    @staticmethod
    def book(resolution: dt.timedelta) -> PolicyBook:
        return PolicyBook(
            [policy(resolution)],
            agreements=Agreements(
                credit_schedules={"s": CreditSchedule({"90%": "10%"}, per_breach=10)},
                compliance_credits=[ComplianceCreditTerms("s", 1000, severities="P2")],
            ),
        )

    def test_credits_before_and_after(self) -> None:
        [row] = what_if(TICKETS, self.book(4 * H), self.book(2 * H), now=NOW)
        # before: 2/3 is below 90%: 10% of 1000 plus 10 for the one breach
        # after: 1/3, the same tier, plus 10 for each of two breaches
        assert (row.before_credit, row.after_credit) == (Decimal("110.00"), Decimal("120.00"))
        assert row.credit_change == Decimal("10.00")

    def test_credits_are_per_month_and_summed_without_a_period(self) -> None:
        tickets = [*TICKETS, ticket(4, APRIL_6, 1 * H)]
        [row] = what_if(tickets, self.book(4 * H), self.book(2 * H), now=NOW)
        # April: one met ticket, 100%: no credit on either side; March as above
        assert (row.before_credit, row.after_credit) == (Decimal("110.00"), Decimal("120.00"))
        rows = what_if(tickets, self.book(4 * H), self.book(2 * H), now=NOW, period="month")
        assert [(r.key[2], r.before_credit, r.after_credit) for r in rows] == [
            ("2026-03", Decimal("110.00"), Decimal("120.00")),
            ("2026-04", Decimal("0.00"), Decimal("0.00")),
        ]

    def test_only_the_side_with_terms_has_credits(self) -> None:
        [row] = what_if(TICKETS, policy(4 * H), self.book(2 * H), now=NOW)
        assert (row.before_credit, row.after_credit) == (None, Decimal("120.00"))
        assert row.credit_change == Decimal("120.00")


class TestInputs:
    def test_tickets_may_be_any_iterable(self) -> None:
        rows = what_if(iter(TICKETS), policy(4 * H), policy(2 * H), now=NOW)
        assert rows == what_if(TICKETS, policy(4 * H), policy(2 * H), now=NOW)

    def test_bad_inputs_name_the_field(self) -> None:
        with pytest.raises(InputError, match=r"^tickets\[1\]: must be a Ticket"):
            what_if([TICKETS[0], "T2"], policy(4 * H), policy(2 * H), now=NOW)  # type: ignore[list-item]
        with pytest.raises(InputError, match=r"^proposed: must be a Policy or a PolicyBook"):
            what_if(TICKETS, policy(4 * H), "v2", now=NOW)  # type: ignore[arg-type]
        with pytest.raises(InputError, match=r"^zone: "):
            what_if(TICKETS, policy(4 * H), policy(2 * H), now=NOW, zone="Mars/Olympus")

    def test_frames_give_the_scalar_answer(self) -> None:
        pd = pytest.importorskip("pandas")
        from slaclock.policy_files import example_policy
        from slaclock.samples import load_sample, sample_files

        book = example_policy()
        tickets, now = load_sample()
        tickets_file, events_file = sample_files()
        with tickets_file.open() as t, events_file.open() as e:
            frames = (pd.read_csv(t), pd.read_csv(e))
        frames[0]["created_at"] = pd.to_datetime(frames[0]["created_at"], utc=True)
        frames[1]["at"] = pd.to_datetime(frames[1]["at"], utc=True)
        v1, v2 = dt.datetime(2025, 6, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC)
        scalar = what_if(
            tickets, book, now=now, period="quarter", current_as_of=v1, proposed_as_of=v2
        )
        batch = what_if(
            frames, book, now=now, period="quarter", current_as_of=v1, proposed_as_of=v2
        )
        assert batch == scalar
        # version 2 tightens Enterprise P2 first response from 1h to 30m, and only that
        changed = {r.key[:2] for r in scalar if r.before != r.after}
        assert changed == {("P2", "first_response")}
        assert all(r.breached_to_met == 0 for r in scalar)
        assert sum(r.met_to_breached for r in scalar) > 0
        # P1 and P2 carry the example's compliance credits, P3 and P4 none
        assert {r.key[0] for r in scalar if r.before_credit is not None} == {"P1", "P2"}


def test_a_credit_change_of_nothing_keeps_its_cents() -> None:
    from slaclock.what_if import WhatIfRow

    def row(before: Decimal | None, after: Decimal | None) -> WhatIfRow:
        return WhatIfRow(("P1", "resolution"), None, None, None, 0, 0, before, after)

    assert str(row(Decimal("0.00"), Decimal("0.00")).credit_change) == "0.00"
    assert str(row(None, Decimal("12.50")).credit_change) == "12.50"
    assert row(None, None).credit_change is None
