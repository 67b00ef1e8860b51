"""The downstream testing kit: ``st.from_type`` works for slaclock's types with no setup.

Nothing in this module (nor in conftest.py) calls ``st.register_type_strategy``:
the strategies come from the ``hypothesis`` entry point in slaclock's package
metadata, which hypothesis runs when it is imported. The subprocess tests show
the same in a fresh interpreter, whichever of hypothesis and slaclock is
imported first.

The properties are the ones a downstream project can rely on: every drawn
value is a valid, canonical value; a drawn calendar answers like the slow
reference on a small window; a ticket and a policy drawn separately share the
default vocabulary (statuses, severities, teams), so the ticket evaluates
under the policy, exactly as the ticket reference replays it.

These tests check the wiring, not the clock (tests/properties does that with
many more examples), so they run at most 50 examples whatever the profile.
"""

from __future__ import annotations

import importlib.metadata
import os
import pickle
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from slaclock.calendars import Calendar, CombinedCalendar, WeeklyCalendar
from slaclock.errors import NoOpenTimeError
from slaclock.evaluation import evaluate
from slaclock.policies import Policy, PolicyBook
from slaclock.testing import reference
from slaclock.testing import strategies as sst
from slaclock.testing.ticket_reference import RESULT_FIELDS, ref_evaluate
from slaclock.tickets import Cancel, Event, StatusChange, Ticket

FEW = settings(max_examples=50)
HOOK = "slaclock.testing.strategies:_hypothesis_setup_hook"


def is_utc(t: datetime) -> bool:
    return t.utcoffset() == timedelta(0)


class TestTheEntryPoint:
    def test_the_package_metadata_names_the_hook(self) -> None:
        found = [e for e in importlib.metadata.entry_points(group="hypothesis") if e.value == HOOK]
        assert found, (
            "no 'hypothesis' entry point for slaclock: reinstall the package "
            "(pip install -e . --no-deps) so that its metadata is current"
        )

    @pytest.mark.parametrize(
        "first",
        [
            "import hypothesis",
            # the strategies module is then what imports hypothesis, which loads it half-built
            "import slaclock.testing.strategies",
            "import slaclock",
        ],
    )
    def test_a_fresh_interpreter_gets_the_strategies(self, first: str) -> None:
        program = f"""
            {first}
            from hypothesis import HealthCheck, given, settings, strategies as st
            from slaclock import Calendar, Policy, Ticket

            seen = set()

            @settings(max_examples=3, database=None, suppress_health_check=list(HealthCheck))
            @given(st.from_type(Calendar), st.from_type(Policy), st.from_type(Ticket))
            def check(cal, policy, ticket):
                assert isinstance(cal, Calendar), cal
                assert isinstance(policy, Policy), policy
                assert isinstance(ticket, Ticket), ticket
                seen.add(type(cal).__name__)

            check()
            print("drew", len(seen) > 0)
            """
        out = run_python(program)
        assert out.strip() == "drew True"

    def test_hypothesis_no_plugins_turns_the_hook_off(self) -> None:
        program = """
            import sys
            import hypothesis
            print("slaclock.testing.strategies" in sys.modules)
            """
        assert run_python(program).strip() == "True"
        assert run_python(program, HYPOTHESIS_NO_PLUGINS="1").strip() == "False"


def run_python(program: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class TestCalendars:
    @FEW
    @given(st.from_type(Calendar))
    def test_a_drawn_calendar_is_a_canonical_value(self, cal: Calendar) -> None:
        assert isinstance(cal, (WeeklyCalendar, CombinedCalendar))
        back = Calendar.from_dict(cal.to_dict())
        assert back == cal and hash(back) == hash(cal)
        assert pickle.loads(pickle.dumps(cal)) == cal

    @FEW
    @given(st.from_type(WeeklyCalendar), st.from_type(CombinedCalendar))
    def test_the_concrete_calendar_types_resolve_too(
        self, weekly: WeeklyCalendar, combined: CombinedCalendar
    ) -> None:
        assert type(weekly) is WeeklyCalendar
        assert type(combined) is CombinedCalendar

    @FEW
    @given(st.from_type(Calendar), st.data())
    def test_a_drawn_calendar_answers_like_the_reference_on_a_small_window(
        self, cal: Calendar, data: st.DataObject
    ) -> None:
        # Instants of two days around a drawn date: short ranges keep the reference fast.
        # Sorted as instants: two datetimes of one ZoneInfo compare by wall time.
        drawn = [data.draw(sst.instants(cal=cal, within_days=1)) for _ in range(2)]
        a, b = sorted(drawn, key=lambda t: t.astimezone(UTC))
        assert cal.elapsed(a, b) == reference.elapsed(cal, a, b)
        d = data.draw(sst.durations(max_value=timedelta(hours=8)))
        try:
            want = reference.due(cal, a, d)
        except reference.ReferenceSearchError:
            # the reference gave up after MAX_SCAN: the fast path raises, or answers later
            try:
                got = cal.due(a, d)
            except NoOpenTimeError:
                return
            assert got - a > reference.MAX_SCAN
            return
        got = cal.due(a, d)
        assert got == want and is_utc(got)


class TestPoliciesAndTickets:
    @FEW
    @given(st.from_type(Policy))
    def test_a_drawn_policy_is_a_value_that_pickles(self, policy: Policy) -> None:
        assert policy.severities == ("P1", "P2", "P3")
        assert {name for name, _ in sst.TICKET_STATUSES} <= set(policy.statuses)
        back = pickle.loads(pickle.dumps(policy))
        assert back == policy and hash(back) == hash(policy)

    @FEW
    @given(st.from_type(Ticket))
    def test_a_drawn_ticket_has_an_ordered_utc_history(self, ticket: Ticket) -> None:
        times = [event.at for event in ticket.history]
        assert times == sorted(times)
        assert all(is_utc(t) for t in times)
        assert ticket.severity in ("P1", "P2", "P3")
        assert Ticket(ticket.id, ticket.severity, ticket.history, attributes=ticket.attributes) == (
            ticket
        )

    @FEW
    @given(st.from_type(Ticket), st.from_type(Policy))
    def test_a_ticket_and_a_policy_drawn_apart_evaluate_like_the_reference(
        self, ticket: Ticket, policy: Policy
    ) -> None:
        # Drawn independently, they share the default vocabulary of the strategies,
        # so the policy knows every status and severity of the ticket.
        now = ticket.history[-1].at
        try:
            want = ref_evaluate(ticket, policy, now=now)
        except reference.ReferenceSearchError:
            assume(False)
        got = evaluate(ticket, policy, now=now)
        assert len(got.results) == len(want)
        # the flat fields; "earlier" and "warnings" are records (tests/properties compares them)
        flat = [name for name in RESULT_FIELDS if name not in ("earlier", "warnings")]
        for result, row in zip(got.results, want, strict=True):
            assert {n: getattr(result, n) for n in flat} == {n: row[n] for n in flat}

    @FEW
    @given(st.from_type(PolicyBook), st.from_type(Ticket))
    def test_a_drawn_book_selects_one_of_its_policies(
        self, book: PolicyBook, ticket: Ticket
    ) -> None:
        assert book.select(ticket) in book.policies
        assert 1 <= len(book.versions()) <= 2


class TestEvents:
    @FEW
    @given(st.from_type(Event))
    def test_a_drawn_event_is_a_concrete_event_in_utc(self, event: Event) -> None:
        assert type(event) is not Event
        assert is_utc(event.at)

    @FEW
    @given(st.from_type(StatusChange), st.from_type(Cancel))
    def test_each_event_type_resolves_to_itself(self, change: StatusChange, cancel: Cancel) -> None:
        assert change.status in dict(sst.TICKET_STATUSES)
        assert type(cancel) is Cancel
        assert cancel.at > datetime(2000, 1, 1, tzinfo=UTC)
