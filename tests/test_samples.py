"""Sample tickets: the generator, the tickets and events tables, the committed sample."""

from __future__ import annotations

import collections
import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from slaclock import (
    AgentReply,
    Assignment,
    Cancel,
    CustomerReply,
    SeverityChange,
    StatusChange,
    Ticket,
    Update,
    evaluate,
)
from slaclock.errors import InputError, TableFormatError, UnknownStatusError
from slaclock.policies import PolicyBook
from slaclock.policy_files import example_policy
from slaclock.samples import (
    EVENT_KINDS,
    SAMPLE_ATTRIBUTES,
    SAMPLE_END,
    SAMPLE_NOW,
    SAMPLE_SEED,
    SAMPLE_START,
    SAMPLE_TICKETS,
    format_instant,
    generate_sample,
    load_sample,
    parse_instant,
    read_tables,
    sample_files,
    scan_tables,
    write_tables,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York (EST)


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return example_policy()


@pytest.fixture(scope="module")
def committed() -> list[Ticket]:
    tickets, now = load_sample()
    assert now == SAMPLE_NOW
    return tickets


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are written in a temporary current directory: messages name them as given."""
    monkeypatch.chdir(tmp_path)


def _write(folder: Path, tickets: str, events: str) -> tuple[Path, Path]:
    del folder  # written in the current directory (a temporary one)
    t, e = Path("tickets.csv"), Path("events.csv")
    t.write_text(tickets, encoding="utf-8")
    e.write_text(events, encoding="utf-8")
    return t, e


TICKETS = """\
ticket_id,severity,created_at,tier,region
A,P3,2026-03-02T14:00:00Z,silver,us
B,P2,2026-03-02T15:00:00Z,gold,uk
"""
EVENTS = """\
ticket_id,seq,at,kind,value
A,1,2026-03-02T14:00:00Z,status,new
A,2,2026-03-02T15:00:00Z,agent_reply,public
B,1,2026-03-02T15:00:00Z,status,new
B,2,2026-03-02T15:30:00Z,agent_reply,public
"""


class TestGenerator:
    def test_the_same_seed_writes_byte_identical_tables(
        self, book: PolicyBook, tmp_path: Path
    ) -> None:
        files = []
        for run in ("a", "b"):
            tickets, now = generate_sample(book, tickets=80, seed=7)
            paths = (tmp_path / f"t{run}.csv", tmp_path / f"e{run}.csv")
            write_tables(tickets, *paths, attributes=SAMPLE_ATTRIBUTES)
            files.append(tuple(p.read_bytes() for p in paths))
            assert now == SAMPLE_END
        assert files[0] == files[1]

    def test_another_seed_gives_other_tickets(self, book: PolicyBook) -> None:
        a, _ = generate_sample(book, tickets=20, seed=1)
        b, _ = generate_sample(book, tickets=20, seed=2)
        assert a != b

    def test_tickets_are_in_creation_order_inside_the_period_and_evaluate(
        self, book: PolicyBook
    ) -> None:
        start = dt.datetime(2026, 3, 1, tzinfo=UTC)
        end = dt.datetime(2026, 4, 1, tzinfo=UTC)
        tickets, now = generate_sample(book, tickets=150, start=start, end=end, seed=3)
        assert [t.id for t in tickets] == [f"T{i:04d}" for i in range(1, 151)]
        created = [t.created_at for t in tickets]
        assert created == sorted(created)
        assert start <= created[0] and created[-1] < end
        for ticket in tickets:
            assert ticket.history[-1].at <= now
            evaluate(ticket, book, now=now)  # valid histories: no error

    def test_rejects_bad_arguments(self, book: PolicyBook) -> None:
        with pytest.raises(InputError, match="tickets"):
            generate_sample(book, tickets=0)
        with pytest.raises(InputError, match="end"):
            generate_sample(book, start=SAMPLE_END, end=SAMPLE_START)


class TestCommittedSample:
    def test_loads_with_the_expected_tickets(self, committed: list[Ticket]) -> None:
        assert len(committed) == SAMPLE_TICKETS
        assert committed[0].id == "T0001" and committed[-1].id == f"T{SAMPLE_TICKETS:04d}"
        assert committed[0].created_at >= SAMPLE_START
        assert committed[-1].created_at < SAMPLE_END
        assert set(committed[0].attributes) == set(SAMPLE_ATTRIBUTES)

    def test_files_stay_small(self) -> None:
        size = sum(len(f.read_bytes()) for f in sample_files())
        assert size < 2_200_000

    def test_has_every_event_kind_and_a_realistic_mix(self, committed: list[Ticket]) -> None:
        kinds = collections.Counter(e.kind for t in committed for e in t.history)
        assert set(kinds) == set(EVENT_KINDS)
        severities = collections.Counter(t.severity for t in committed)
        assert severities["P1"] < 0.05 * len(committed)  # few P1
        assert severities["P1"] < severities["P2"] < severities["P4"] < severities["P3"]
        regions = collections.Counter(t.attributes["region"] for t in committed)
        assert set(regions) == {"us", "uk"}
        statuses = collections.Counter(
            e.status for t in committed for e in t.history if isinstance(e, StatusChange)
        )
        assert {"new", "open", "pending_customer", "on_hold", "solved", "closed"} <= set(statuses)
        teams = {e.team for t in committed for e in t.history if isinstance(e, Assignment)}
        assert teams == {"tier1", "tier2", "vendor"}
        reopened = sum(
            any(
                isinstance(a, StatusChange)
                and a.status == "solved"
                and isinstance(b, CustomerReply)
                for a, b in zip(t.history, t.history[1:], strict=False)
            )
            for t in committed
        )
        assert reopened > 0.03 * len(committed)
        changes = [e for t in committed for e in t.history if isinstance(e, SeverityChange)]
        assert changes

    def test_arrivals_follow_business_hours_and_cover_dst_and_holidays(
        self, committed: list[Ticket]
    ) -> None:
        created = [t.created_at for t in committed]
        weekend = sum(c.weekday() >= 5 for c in created)
        assert weekend < 0.12 * len(created)  # 2/7 of the days, far fewer tickets

        def around(day: dt.date) -> int:
            return sum(abs((c.date() - day).days) <= 3 for c in created)

        # the weeks of the US and UK DST changes and of Christmas have tickets
        for day in (
            dt.date(2025, 11, 2),
            dt.date(2026, 3, 8),
            dt.date(2026, 3, 29),
            dt.date(2026, 10, 25),
        ):
            assert around(day) > 10, day
        christmas = sum(c.date() == dt.date(2025, 12, 25) for c in created)
        average = len(created) / 365
        assert christmas < average / 2

    def test_some_tickets_are_still_open_at_now(self, committed: list[Ticket]) -> None:
        def done(t: Ticket) -> bool:
            last = t.history[-1]
            return isinstance(last, Cancel) or (
                isinstance(last, StatusChange) and last.status == "closed"
            )

        assert 0 < sum(not done(t) for t in committed) < 0.1 * len(committed)

    def test_a_realistic_share_of_targets_is_breached(
        self, committed: list[Ticket], book: PolicyBook
    ) -> None:
        met: collections.Counter[str] = collections.Counter()
        breached: collections.Counter[str] = collections.Counter()
        for ticket in committed[::3]:  # a third keeps the test quick
            for r in evaluate(ticket, book, now=SAMPLE_NOW):
                key = r.metric if r.metric == "internal" else r.target
                if r.met:
                    met[key] += 1
                elif r.breached:
                    breached[key] += 1
        for key in met:
            if met[key] + breached[key] >= 100:  # enough results to judge
                share = breached[key] / (met[key] + breached[key])
                assert 0.01 < share < 0.25, (key, share)

    @pytest.mark.slow
    def test_the_committed_files_are_what_the_script_writes(
        self, book: PolicyBook, tmp_path: Path
    ) -> None:
        tickets, _ = generate_sample(book, seed=SAMPLE_SEED)
        paths = (tmp_path / "t.csv", tmp_path / "e.csv")
        write_tables(tickets, *paths, attributes=SAMPLE_ATTRIBUTES)
        committed = tuple(f.read_bytes() for f in sample_files())
        assert tuple(p.read_bytes() for p in paths) == committed, (
            "regenerate with: python scripts/make_sample.py"
        )


class TestInstants:
    def test_format_is_utc_with_z_and_microseconds_only_when_needed(self) -> None:
        paris = dt.timezone(dt.timedelta(hours=1))
        assert format_instant(dt.datetime(2026, 3, 2, 15, tzinfo=paris)) == "2026-03-02T14:00:00Z"
        assert (
            format_instant(dt.datetime(2026, 3, 2, 14, 0, 0, 5, tzinfo=UTC))
            == "2026-03-02T14:00:00.000005Z"
        )

    @pytest.mark.parametrize(
        "text",
        ["2026-03-02T14:00:00Z", "2026-03-02T14:00:00+00:00", "2026-03-02T09:00:00-05:00"],
    )
    def test_parse_takes_any_offset(self, text: str) -> None:
        assert parse_instant(text) == T0

    def test_parse_refuses_naive_and_garbage(self) -> None:
        with pytest.raises(InputError, match="has no UTC offset"):
            parse_instant("2026-03-02T14:00:00")
        with pytest.raises(InputError, match="is not an ISO 8601 instant"):
            parse_instant("yesterday")


class TestRoundTrip:
    def test_generated_tickets_read_back_equal(self, book: PolicyBook, tmp_path: Path) -> None:
        tickets, _ = generate_sample(book, tickets=120, seed=11)
        paths = (tmp_path / "t.csv", tmp_path / "e.csv")
        write_tables(tickets, *paths, attributes=SAMPLE_ATTRIBUTES)
        assert read_tables(*paths) == tickets

    def test_every_event_kind_and_awkward_values_read_back_equal(self, tmp_path: Path) -> None:
        at = [T0 + dt.timedelta(minutes=i, microseconds=7 * i) for i in range(10)]
        full = Ticket(
            "T-1",
            "P3",
            [
                StatusChange(at[0], status="new"),
                Assignment(at[0], team="tier1"),
                AgentReply(at[1], public=False),
                AgentReply(at[2]),
                CustomerReply(at[3]),
                Update(at[4]),
                SeverityChange(at[5], severity="P2"),
                StatusChange(at[5], status="solved"),
                StatusChange(at[5], status="open"),  # same instant: seq keeps the order
                Cancel(at[6], reason='merged into "T-2", see notes'),
            ],
            attributes={"region": "uk", "tier": "gold"},
        )
        bare = Ticket("T-2", "P4", [StatusChange(at[7], status="new")])
        paths = (tmp_path / "t.csv", tmp_path / "e.csv")
        write_tables([full, bare], *paths)
        assert paths[0].read_text().splitlines()[0] == "ticket_id,severity,created_at,region,tier"
        assert read_tables(*paths) == [full, bare]

    def test_rows_may_come_in_any_order_and_offsets_may_vary(self, tmp_path: Path) -> None:
        events = """\
ticket_id,seq,at,kind,value
B,2,2026-03-02T15:30:00Z,agent_reply,
A,2,2026-03-02T10:00:00-05:00,agent_reply,public
B,1,2026-03-02T15:00:00+00:00,status,new
A,1,2026-03-02T14:00:00Z,status,new
"""
        tickets = read_tables(*_write(tmp_path, TICKETS, events))
        assert [t.id for t in tickets] == ["A", "B"]
        assert tickets[0].history[1] == AgentReply(T0 + dt.timedelta(hours=1))

    def test_an_attribute_not_in_the_columns_is_refused(self, tmp_path: Path) -> None:
        ticket = Ticket("T", "P3", [StatusChange(T0, status="new")], attributes={"x": "1"})
        with pytest.raises(InputError, match="not one of the attribute columns"):
            write_tables([ticket], tmp_path / "t.csv", tmp_path / "e.csv", attributes=["tier"])


class TestReadErrors:
    """Every mistake names the file, the data row (1-based) and the column."""

    def _error(self, tmp_path: Path, tickets: str, events: str) -> TableFormatError:
        with pytest.raises(TableFormatError) as info:
            read_tables(*_write(tmp_path, tickets, events))
        return info.value

    def test_bad_instant(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("2026-03-02T15:30:00Z", "soon"))
        assert str(err).startswith("events.csv row 4, column at: is not an ISO 8601 instant"), str(
            err
        )
        assert (err.row, err.column) == (4, "at")
        assert err.file == "events.csv"

    def test_naive_instant(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("15:00:00Z,agent", "15:00:00,agent"))
        assert "events.csv row 2, column at: has no UTC offset (got '2026-03-02T15:00:00')" in str(
            err
        )

    def test_naive_created_at(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS.replace("14:00:00Z,silver", "14:00:00,silver"), EVENTS)
        assert "tickets.csv row 1, column created_at: has no UTC offset" in str(err)

    def test_unknown_kind(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("agent_reply,public\nB", "note,x\nB"))
        assert "events.csv row 2, column kind: is not an event kind (known: 'status'" in str(err)

    def test_bad_value_for_the_kind(self, tmp_path: Path) -> None:
        err = self._error(
            tmp_path, TICKETS, EVENTS.replace("agent_reply,public\nB", "agent_reply,loud\nB")
        )
        assert "events.csv row 2, column value: an agent reply is 'public' or 'private'" in str(err)
        err = self._error(tmp_path, TICKETS, EVENTS.replace("status,new\nA", "status,\nA"))
        assert "events.csv row 1, column value: must be non-empty text" in str(err)

    def test_missing_column(self, tmp_path: Path) -> None:
        events = EVENTS.replace("ticket_id,seq,at,kind,value", "ticket_id,seq,when,kind,value")
        err = self._error(tmp_path, TICKETS, events)
        assert str(err).startswith(
            "events.csv header: is a missing column (columns: ticket_id, seq, when, kind, value)"
        ), str(err)
        err = self._error(tmp_path, TICKETS.replace("severity,", "sev,", 1), EVENTS)
        assert "tickets.csv header: is a missing column" in str(err) and "'severity'" in str(err)

    def test_extra_events_column(self, tmp_path: Path) -> None:
        events = EVENTS.replace("kind,value\n", "kind,value,note\n").replace("\n", ",x\n")
        events = events.replace("value,note,x", "value,note")
        err = self._error(tmp_path, TICKETS, events)
        assert "events.csv header: is not a column of this table" in str(err)

    def test_events_for_an_unknown_ticket(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS + "Z,1,2026-03-02T15:00:00Z,status,new\n")
        assert str(err).startswith("events.csv row 5, column ticket_id: is not a ticket of "), str(
            err
        )
        assert "tickets.csv (got 'Z')" in str(err)

    def test_unordered_events(self, tmp_path: Path) -> None:
        events = EVENTS.replace("A,2,2026-03-02T15:00:00Z", "A,2,2026-03-02T13:00:00Z")
        err = self._error(tmp_path, TICKETS, events)
        assert str(err).startswith(
            "events.csv row 2, column at: is before the ticket's previous event "
            "(seq 1, row 1, 2026-03-02T14:00:00Z)"
        ), str(err)

    def test_repeated_seq(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("A,2,", "A,1,"))
        assert "events.csv row 2, column seq: repeats the seq of row 1" in str(err)

    def test_seq_not_a_number(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("A,2,", "A,two,"))
        assert "events.csv row 2, column seq: must be a whole number" in str(err)

    def test_created_at_is_the_first_event(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS.replace("T14:00:00Z", "T13:00:00Z"), EVENTS)
        assert str(err).startswith(
            "tickets.csv row 1, column created_at: is not the instant of the ticket's first event"
        ), str(err)

    def test_ticket_without_events(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS + "C,P4,2026-03-02T16:00:00Z,bronze,us\n", EVENTS)
        assert "tickets.csv row 3, column ticket_id: has no events in " in str(err)

    def test_repeated_ticket(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS + "A,P4,2026-03-02T16:00:00Z,bronze,us\n", EVENTS)
        assert "tickets.csv row 3, column ticket_id: repeats the ticket of row 1" in str(err)

    def test_row_with_the_wrong_number_of_cells(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("status,new\nA", "status,new,extra\nA"))
        assert "events.csv row 1: has 6 cells, the header 5" in str(err)

    def test_empty_file_and_missing_file(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, "")
        assert "events.csv header: the file is empty" in str(err)
        with pytest.raises(TableFormatError, match="cannot be read"):
            read_tables(tmp_path / "nope.csv", tmp_path / "events.csv")

    def test_first_error_in_file_and_row_order(self, tmp_path: Path) -> None:
        events = EVENTS.replace("B,2,2026-03-02T15:30:00Z", "B,2,later").replace(
            "A,2,2026-03-02T15:00:00Z,agent_reply", "A,2,2026-03-02T15:00:00Z,shout"
        )
        err = self._error(tmp_path, TICKETS, events)
        assert str(err).startswith("events.csv row 2, column kind")

    def test_the_error_pickles_with_its_parts(self, tmp_path: Path) -> None:
        err = self._error(tmp_path, TICKETS, EVENTS.replace("2026-03-02T15:30:00Z", "soon"))
        back = pickle.loads(pickle.dumps(err))
        assert str(back) == str(err)
        assert (back.file, back.row, back.column) == (err.file, err.row, err.column)


class TestScan:
    def test_keeps_good_tickets_and_one_error_per_bad_ticket(self, tmp_path: Path) -> None:
        events = EVENTS.replace("A,2,2026-03-02T15:00:00Z", "A,2,garbage")
        events = events.replace("A,1,2026-03-02T14:00:00Z", "A,1,garbage")
        events += "Z,1,2026-03-02T15:00:00Z,status,new\nZ,2,2026-03-02T15:00:00Z,status,open\n"
        read = scan_tables(*_write(tmp_path, TICKETS, events))
        assert [t.id for t in read.tickets] == ["B"]
        assert [(e.row, e.column) for e in read.errors] == [(1, "at"), (5, "ticket_id")]

    def test_locates_evaluation_errors_in_the_tables(self, tmp_path: Path) -> None:
        events = EVENTS.replace(
            "B,2,2026-03-02T15:30:00Z,agent_reply,public", "B,2,2026-03-02T15:30:00Z,status,waiting"
        )
        read = scan_tables(*_write(tmp_path, TICKETS, events))
        ticket = read.tickets[1]
        with pytest.raises(UnknownStatusError) as info:
            evaluate(ticket, example_policy(), now=T0 + dt.timedelta(days=1))
        located = read.locate(ticket.id, info.value)
        assert str(located).startswith(
            "events.csv row 4, column value: is not a status of the policy"
        ), str(located)
        located = read.locate("A", InputError("severity", "P9", "is not a severity"))
        assert str(located) == "tickets.csv row 1, column severity: is not a severity (got 'P9')"
        located = read.locate("A", InputError("attributes['region']", "mars", "has no calendar"))
        assert str(located).startswith("tickets.csv row 1, column region: has no calendar")


def test_reading_and_writing_tables_loads_no_numpy_or_pandas() -> None:
    code = (
        "import sys\n"
        "from slaclock.samples import load_sample\n"
        "from slaclock.result_files import write_results\n"
        "load_sample()\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'pandas', 'pyarrow', 'polars'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == ""
