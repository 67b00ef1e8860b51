"""``batch.score`` on hand-made tables: the errors table, raising, row order, libraries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from slaclock import Calendar
from slaclock.batch import ERROR_COLUMNS, score, tables_from_tickets
from slaclock.errors import (
    FutureEventError,
    InputError,
    TableFormatError,
    UnknownSeverityError,
    UnknownStatusError,
)
from slaclock.evaluation import RESULT_FIELDS, evaluate
from slaclock.policies import BusinessTime, FractionWarning, Policy, Target
from slaclock.tickets import AgentReply, StatusChange, Ticket

pd = pytest.importorskip("pandas")

UTC = dt.UTC
CAL = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00")
H = dt.timedelta(hours=1)
POLICY = Policy(
    "support",
    ["P1", "P2"],
    {"new": "running", "open": "running", "pending": "paused", "solved": "stopped"},
    [
        Target("first_response", "P1", BusinessTime(H), CAL),
        Target(
            "resolution", "P1", BusinessTime(4 * H), CAL, warnings=[FractionWarning.parse("50%")]
        ),
        Target("first_response", "P2", BusinessTime(2 * H), CAL),
        Target("resolution", "P2", BusinessTime(8 * H), CAL),
    ],
)
T0 = dt.datetime(2026, 3, 2, 14, tzinfo=UTC)  # Monday 09:00 in New York
NOW = dt.datetime(2026, 3, 20, tzinfo=UTC)


def ticket(tid: Any, severity: str = "P1", minutes: int = 0) -> Ticket:
    t = T0 + dt.timedelta(minutes=minutes)
    return Ticket(
        tid,
        severity,
        [
            StatusChange(t, status="new"),
            AgentReply(t + 30 * dt.timedelta(minutes=1)),
            StatusChange(t + H, status="pending"),
            StatusChange(t + 20 * H, status="open"),
            StatusChange(t + 26 * H, status="solved"),
        ],
    )


TICKETS = [ticket(1), ticket(2, "P2", 90), ticket(3, "P1", 600), ticket(4, "P2", 5000)]


def frames(tickets: list[Ticket] = TICKETS) -> tuple[Any, Any]:
    return tables_from_tickets(tickets)


def expected(tickets: list[Ticket]) -> list[dict[str, Any]]:
    return [r.as_dict() for t in tickets for r in evaluate(t, POLICY, now=NOW)]


def rows(results: Any) -> list[dict[str, Any]]:
    out = []
    for rec in results.to_dict("records"):
        row = {}
        for name in RESULT_FIELDS:
            v = rec[name]
            if v is pd.NaT or (isinstance(v, float) and v != v):
                v = None
            elif isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif isinstance(v, pd.Timedelta):
                v = v.to_pytimedelta()
            row[name] = v
        out.append(row)
    return out


def plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        r = dict(r)
        r["earlier"] = "[]" if not r["earlier"] else r["earlier"]
        r["warnings"] = r["warnings"] if isinstance(r["warnings"], str) else None
        out.append(r)
    return out


def test_clean_tables_are_scored_by_the_vectorised_replay() -> None:
    tf, ef = frames()
    got = score(tf, ef, POLICY, now=NOW)
    assert (got.tickets, got.scored, got.failed, got.orphans, got.vectorised) == (4, 4, 0, 0, 4)
    assert list(got.results.columns) == list(RESULT_FIELDS)
    assert list(got.errors.columns) == list(ERROR_COLUMNS) and len(got.errors) == 0
    want = expected(TICKETS)
    have = rows(got.results)
    assert len(have) == len(want) == 8
    for h, w in zip(have, want, strict=True):
        for name in RESULT_FIELDS:
            if name in ("earlier", "warnings"):
                continue
            assert h[name] == w[name], name
    assert str(got.results["due"].dtype) == "datetime64[us, UTC]"
    assert str(got.results["used"].dtype) == "timedelta64[us]"


def test_a_warning_reached_is_json_text() -> None:
    tf, ef = frames([ticket(1)])
    res = score(tf, ef, POLICY, now=NOW).results
    # 50% of 4h = 2h on the clock: Monday 09:00-10:00 New York, then pending until
    # Tuesday 05:00 (closed until 09:00), so the second hour ends Tuesday 10:00 (15:00Z)
    assert res["warnings"].iloc[1] == '[{"label":"50%","at":"2026-03-03T15:00:00Z"}]'
    assert res["warnings"].iloc[0] == "[]"


def bad_run(tf: Any, ef: Any, **kw: Any) -> tuple[Any, Any]:
    got = score(tf, ef, POLICY, now=NOW, on_error="mark", **kw)
    assert got.tickets == got.scored + got.failed
    return got, got.errors.to_dict("records")


def test_unknown_status_names_the_events_row_and_gives_the_scalar_message() -> None:
    tf, ef = frames()
    ef.loc[7, "value"] = "wip"  # ticket 2's third event
    got, errs = bad_run(tf, ef)
    assert (got.scored, got.failed) == (3, 1)
    (e,) = errs
    bad = Ticket(
        2,
        "P2",
        [
            *TICKETS[1].history[:2],
            StatusChange(TICKETS[1].history[2].at, status="wip"),
            *TICKETS[1].history[3:],
        ],
    )
    with pytest.raises(UnknownStatusError) as scalar:
        evaluate(bad, POLICY, now=NOW)
    assert e == {
        "ticket_id": 2,
        "row": 7,
        "field": "events.value",
        "value": "wip",
        "error": "UnknownStatusError",
        "message": str(scalar.value),
    }
    assert set(got.results["ticket_id"]) == {1, 3, 4}


@pytest.mark.parametrize(
    ("column", "value", "field", "message"),
    [
        ("kind", "note", "events.kind", "events row 6, column kind: is not an event kind"),
        (
            "value",
            "maybe",
            "events.value",
            "events row 6, column value: an agent reply is 'public' or 'private'",
        ),
        ("seq", 1, "events.seq", "events row 6, column seq: repeats the seq of row 5"),
    ],
)
def test_bad_event_cells(column: str, value: Any, field: str, message: str) -> None:
    tf, ef = frames()
    ef.loc[6, column] = value  # ticket 2's agent reply
    got, errs = bad_run(tf, ef)
    (e,) = errs
    assert (e["ticket_id"], e["row"], e["field"], e["error"]) == (2, 6, field, "TableFormatError")
    assert e["message"].startswith(message)
    assert got.scored == 3


def test_events_out_of_time_order_and_created_at_mismatch() -> None:
    tf, ef = frames()
    ef.loc[2, "at"] = ef.loc[0, "at"] - pd.Timedelta(minutes=1)  # ticket 1, before its first
    tf.loc[3, "created_at"] = tf.loc[3, "created_at"] + pd.Timedelta(seconds=1)
    _, errs = bad_run(tf, ef)
    assert [(e["ticket_id"], e["field"], e["row"]) for e in errs] == [
        (4, "tickets.created_at", 3),
        (1, "events.at", 2),
    ]
    assert "is before the ticket's previous event" in errs[1]["message"]
    assert "is not the instant of the ticket's first event (events row 15" in errs[0]["message"]


def test_null_cells_are_errors_not_lost_rows() -> None:
    tf, ef = frames()
    ef.loc[11, "at"] = pd.NaT
    tf.loc[0, "severity"] = None
    got, errs = bad_run(tf, ef)
    assert [(e["ticket_id"], e["field"], e["row"], e["message"]) for e in errs] == [
        (1, "tickets.severity", 0, "tickets row 0, column severity: is empty (got None)"),
        (3, "events.at", 11, "events row 11, column at: is empty (got None)"),
    ]
    assert got.scored == 2


def test_duplicate_ids_orphans_and_tickets_without_events() -> None:
    tf, ef = frames()
    tf.loc[2, "ticket_id"] = 1  # ticket 3 now claims id 1: both rows are errors
    ef.loc[ef["ticket_id"] == 3, "ticket_id"] = 99  # its events belong to no ticket
    ef = ef[ef["ticket_id"] != 4]  # ticket 4 loses its events
    got, errs = bad_run(tf, ef)
    assert [(e["ticket_id"], e["field"], e["row"]) for e in errs] == [
        (1, "tickets.ticket_id", 0),
        (1, "tickets.ticket_id", 2),
        (4, "tickets.ticket_id", 3),
        (99, "events.ticket_id", 10),
    ]
    assert errs[0]["message"] == "tickets row 0, column ticket_id: is repeated at row 2 (got 1)"
    assert (
        errs[1]["message"] == "tickets row 2, column ticket_id: repeats the ticket of row 0 (got 1)"
    )
    assert "has no events" in errs[2]["message"]
    assert (got.tickets, got.scored, got.failed, got.orphans) == (4, 1, 3, 1)


def test_future_events_and_unknown_severity() -> None:
    tf, ef = frames()
    tf.loc[1, "severity"] = "P9"
    early = T0 + dt.timedelta(hours=2)
    got, errs = bad_run(tf, ef)
    (e,) = errs
    assert (e["ticket_id"], e["field"], e["error"]) == (
        2,
        "tickets.severity",
        "UnknownSeverityError",
    )
    got = score(tf[tf.ticket_id == 1], ef[ef.ticket_id == 1], POLICY, now=early, on_error="mark")
    (e,) = got.errors.to_dict("records")
    assert (e["field"], e["row"], e["error"]) == ("events.at", 3, "FutureEventError")
    with pytest.raises(FutureEventError) as exc:
        evaluate(TICKETS[0], POLICY, now=early)
    assert e["message"] == str(exc.value)


def test_raise_mode_raises_the_first_error_with_its_place() -> None:
    tf, ef = frames()
    ef.loc[7, "value"] = "wip"
    tf.loc[3, "severity"] = "P9"
    with pytest.raises(UnknownSeverityError) as exc:
        score(tf, ef, POLICY, now=NOW)
    assert "at tickets row 3, column severity" in exc.value.__notes__
    ef.loc[9, "kind"] = "note"
    tf.loc[3, "severity"] = "P2"
    with pytest.raises(
        TableFormatError, match=r"events row 7, column value|events row 9, column kind"
    ):
        score(tf, ef, POLICY, now=NOW)


def test_unsorted_text_ids_give_the_same_rows() -> None:
    named = [Ticket(f"T-{t.id}", t.severity, t.history) for t in TICKETS]
    tf, ef = frames(named)
    want = rows(score(tf, ef, POLICY, now=NOW).results)
    shuffled = ef.sample(frac=1.0, random_state=7).reset_index(drop=True)
    got = score(tf, shuffled, POLICY, now=NOW)
    assert rows(got.results) == want
    assert got.vectorised == 4
    cat = score(
        tf.astype({"ticket_id": "category"}),
        shuffled.astype({"ticket_id": "category", "kind": "category"}),
        POLICY,
        now=NOW,
    )
    assert rows(cat.results) == want


@pytest.mark.parametrize("library", ["polars", "arrow"])
def test_other_libraries_give_the_same_rows(library: str) -> None:
    pytest.importorskip("polars" if library == "polars" else "pyarrow")
    want = rows(score(*frames(), POLICY, now=NOW).results)
    tf, ef = tables_from_tickets(TICKETS, library=library)
    got = score(tf, ef, POLICY, now=NOW)
    assert type(got.results).__module__.split(".")[0] == (
        "polars" if library == "polars" else "pyarrow"
    )
    assert rows(got.results.to_pandas()) == want


def test_bad_arguments() -> None:
    tf, ef = frames()
    with pytest.raises(InputError, match="on_error"):
        score(tf, ef, POLICY, now=NOW, on_error="ignore")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="events: must be a pandas DataFrame, a polars"):
        score(tf, ef.to_dict(), POLICY, now=NOW)
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(InputError, match="events: must be a frame of the same library"):
        score(tf, pa.Table.from_pandas(ef), POLICY, now=NOW)
    with pytest.raises(TableFormatError, match="events header: is a missing column"):
        score(tf, ef.drop(columns=["seq"]), POLICY, now=NOW)
    with pytest.raises(InputError, match="policy"):
        score(tf, ef, "support", now=NOW)  # type: ignore[arg-type]


def test_text_columns_hold_only_the_categories_they_use() -> None:
    """A results column's categories are the values it holds, not the labels the
    replay shared between columns (no ghost categories in value_counts)."""
    pd = pytest.importorskip("pandas")
    from slaclock.batch import score, tables_from_tickets
    from slaclock.policy_files import example_policy
    from slaclock.samples import load_sample

    tickets, now = load_sample()
    tk, ev = tables_from_tickets(tickets[:200])
    results, _ = score(tk, ev, example_policy(), now=now)
    for name in ("team", "severity", "metric", "status", "outcome", "target", "policy"):
        col = results[name]
        assert isinstance(col.dtype, pd.CategoricalDtype)
        used = set(col.dropna().unique())
        assert set(col.cat.categories) == used, name
    pa = pytest.importorskip("pyarrow")
    table, _ = score(pa.Table.from_pandas(tk), pa.Table.from_pandas(ev), example_policy(), now=now)
    team = table.column("team").combine_chunks()
    assert set(team.dictionary.to_pylist()) == set(team.drop_null().to_pylist())
