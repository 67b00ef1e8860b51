"""``score_parquet``: files scored in chunks give what ``score`` gives for the whole tables."""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from export_cases import (  # noqa: E402 - after the importorskip of pyarrow
    NOW,
    sample_tables,
    shuffled,
    with_mistakes,
    write,
)

from slaclock.batch import Scored, ScoredFiles, score, score_parquet  # noqa: E402
from slaclock.batch.files import errors_path  # noqa: E402
from slaclock.errors import InputError, TableFormatError  # noqa: E402
from slaclock.policy_files import example_policy  # noqa: E402
from slaclock.samples import load_sample, write_tables  # noqa: E402

BOOK = example_policy()


def rows(table: Any) -> list[dict[str, Any]]:
    """The rows of an Arrow table as plain values (dictionary text decoded)."""
    return list(table.to_pylist())


def error_key(e: dict[str, Any]) -> tuple[int, int]:
    return (0 if e["field"].startswith("tickets.") else 1, e["row"])


def result_key(r: dict[str, Any]) -> tuple[str, str, int]:
    return (str(r["ticket_id"]), r["target"], r["cycle"])


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """120 sample tickets with one bad row of each kind, as files sorted and shuffled."""
    folder = tmp_path_factory.mktemp("export")
    tickets, events = with_mistakes(*sample_tables(120))
    whole = score(tickets, events, BOOK, now=NOW, on_error="mark")
    shuffled_t, shuffled_e = shuffled(tickets), shuffled(events, seed=8)
    return {
        "tickets": write(tickets, folder / "tickets.parquet"),
        "events": write(events, folder / "events.parquet"),
        "shuffled_tickets": write(shuffled_t, folder / "shuffled_tickets.parquet"),
        "shuffled_events": write(shuffled_e, folder / "shuffled_events.parquet"),
        "whole": whole,
        "whole_shuffled": score(shuffled_t, shuffled_e, BOOK, now=NOW, on_error="mark"),
        "folder": folder,
    }


class TestChunksScoreAsTheWholeTables:
    @pytest.mark.parametrize("chunk", [1, 7, 37, 500])
    def test_sorted_files_give_the_same_rows_in_the_same_order(
        self, export: dict[str, Any], chunk: int
    ) -> None:
        got = score_parquet(export["tickets"], export["events"], BOOK, now=NOW, chunk_tickets=chunk)
        whole = export["whole"]
        assert isinstance(got, Scored)
        assert rows(got.results) == rows(whole.results)
        # errors name the rows of the whole files, messages included (other rows too)
        assert sorted(rows(got.errors), key=error_key) == sorted(rows(whole.errors), key=error_key)
        counts = (got.tickets, got.scored, got.failed, got.orphans, got.vectorised)
        assert counts == (
            whole.tickets,
            whole.scored,
            whole.failed,
            whole.orphans,
            whole.vectorised,
        )
        assert got.tickets == got.scored + got.failed == 121

    @pytest.mark.parametrize("chunk", [9, 40, 1000])
    def test_shuffled_files_take_the_partitions_and_give_the_same_rows(
        self, export: dict[str, Any], chunk: int, tmp_path: Path
    ) -> None:
        got = score_parquet(
            export["shuffled_tickets"],
            export["shuffled_events"],
            BOOK,
            now=NOW,
            out=tmp_path / "r.parquet",
            chunk_tickets=chunk,
        )
        whole = export["whole_shuffled"]
        assert isinstance(got, ScoredFiles)
        assert got.order == "unsorted"
        assert got.pieces == math.ceil(121 / chunk)
        results = pq.read_table(got.results)
        errors = pq.read_table(got.errors)
        assert sorted(rows(results), key=result_key) == sorted(rows(whole.results), key=result_key)
        assert sorted(rows(errors), key=error_key) == sorted(rows(whole.errors), key=error_key)
        assert (got.tickets, got.scored, got.failed, got.orphans) == (
            whole.tickets,
            whole.scored,
            whole.failed,
            whole.orphans,
        )

    def test_sorted_files_can_be_partitioned_too(self, export: dict[str, Any]) -> None:
        got = score_parquet(
            export["tickets"], export["events"], BOOK, now=NOW, chunk_tickets=30, order="unsorted"
        )
        whole = export["whole"]
        assert sorted(rows(got.results), key=result_key) == sorted(
            rows(whole.results), key=result_key
        )
        assert sorted(rows(got.errors), key=error_key) == sorted(rows(whole.errors), key=error_key)

    def test_a_directory_of_parquet_files_reads_in_name_order(self, tmp_path: Path) -> None:
        tickets, events = sample_tables(60)
        for name, table in (("tickets", tickets), ("events", events)):
            folder = tmp_path / name
            folder.mkdir()
            cut = table.num_rows // 3
            # a file of a later part sorts first by name only if the names are read badly
            write(table.slice(0, cut), folder / "part-0.parquet")
            write(table.slice(cut, cut), folder / "part-1.parquet")
            write(table.slice(2 * cut), folder / "part-2.parquet")
            (folder / "_SUCCESS").write_text("")
        got = score_parquet(
            tmp_path / "tickets", tmp_path / "events", BOOK, now=NOW, chunk_tickets=11
        )
        assert rows(got.results) == rows(score(tickets, events, BOOK, now=NOW).results)

    def test_whole_number_ids_and_dictionary_columns(self, tmp_path: Path) -> None:
        tickets, events = sample_tables(50)
        as_int = pa.array([int(v[1:]) for v in tickets.column("ticket_id").to_pylist()])
        tickets = tickets.set_column(0, "ticket_id", as_int)
        ev_int = pa.array([int(v[1:]) for v in events.column("ticket_id").to_pylist()])
        events = events.set_column(0, "ticket_id", ev_int)
        i = events.schema.get_field_index("kind")
        events = events.set_column(i, "kind", events.column("kind").dictionary_encode())
        got = score_parquet(
            write(tickets, tmp_path / "t.parquet"),
            write(events, tmp_path / "e.parquet"),
            BOOK,
            now=NOW,
            chunk_tickets=8,
        )
        assert got.results.schema.field("ticket_id").type == pa.int64()
        assert rows(got.results) == rows(score(tickets, events, BOOK, now=NOW).results)


class TestCsvInChunks:
    def test_csv_files_score_as_the_tables_read_whole(self, tmp_path: Path) -> None:
        sample, _ = load_sample()
        write_tables(sample[:80], tmp_path / "t.csv", tmp_path / "e.csv")
        got = score_parquet(tmp_path / "t.csv", tmp_path / "e.csv", BOOK, now=NOW, chunk_tickets=9)
        tickets, events = sample_tables(80)
        expected = score(tickets, events, BOOK, now=NOW)
        assert got.failed == 0 and got.scored == 80
        assert rows(got.results) == rows(expected.results)

    def test_a_cell_that_cannot_be_read_fails_its_ticket_with_the_csv_readers_words(
        self, tmp_path: Path
    ) -> None:
        sample, _ = load_sample()
        write_tables(sample[:20], tmp_path / "t.csv", tmp_path / "e.csv")
        lines = (tmp_path / "e.csv").read_text().splitlines()
        # an instant without offset in data row 6 (line 6, the header is line 0), and a seq
        # that is no number in the first row of the third ticket
        third = sorted({line.split(",")[0] for line in lines[1:]})[2]
        k = next(i for i, line in enumerate(lines) if line.startswith(f"{third},"))
        cells = lines[6].split(",")
        cells[2] = cells[2].rstrip("Z")
        lines[6] = ",".join(cells)
        cells = lines[k].split(",")
        cells[1] = "two"
        lines[k] = ",".join(cells)
        (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
        got = score_parquet(tmp_path / "t.csv", tmp_path / "e.csv", BOOK, now=NOW, chunk_tickets=4)
        errors = rows(got.errors)
        assert [(e["field"], e["row"], e["error"]) for e in errors] == [
            ("events.at", 5, "TableFormatError"),
            ("events.seq", k - 1, "TableFormatError"),
        ]
        assert errors[0]["message"] == (
            f"events row 5, column at: has no UTC offset (got {cells_at(lines[6])!r}); write the "
            "instant with its offset, such as '2026-03-02T14:05:00Z' or '...-05:00'"
        )
        assert errors[1]["message"] == (
            f"events row {k - 1}, column seq: must be a whole number (got 'two')"
        )
        assert got.failed == len({e["ticket_id"] for e in errors}) and got.scored == 20 - got.failed

    def test_raise_stops_at_a_bad_cell(self, tmp_path: Path) -> None:
        sample, _ = load_sample()
        write_tables(sample[:5], tmp_path / "t.csv", tmp_path / "e.csv")
        text = (tmp_path / "t.csv").read_text().splitlines()
        cells = text[2].split(",")
        cells[2] = "yesterday"
        text[2] = ",".join(cells)
        (tmp_path / "t.csv").write_text("\n".join(text) + "\n")
        with pytest.raises(TableFormatError, match=r"^tickets row 1, column created_at: is not an"):
            score_parquet(tmp_path / "t.csv", tmp_path / "e.csv", BOOK, now=NOW, on_error="raise")


def cells_at(line: str) -> str:
    return line.split(",")[2]


class TestFilesWritten:
    def test_results_and_errors_files_and_nothing_else(
        self, export: dict[str, Any], tmp_path: Path
    ) -> None:
        out = tmp_path / "scores" / "results.parquet"
        out.parent.mkdir()
        got = score_parquet(
            export["tickets"], export["events"], BOOK, now=NOW, out=out, chunk_tickets=25
        )
        results_file, errors_file = got
        assert (results_file, errors_file) == (
            str(out),
            str(tmp_path / "scores" / "results.errors.parquet"),
        )
        assert sorted(os.listdir(out.parent)) == ["results.errors.parquet", "results.parquet"]
        meta = pq.read_schema(out).metadata
        assert meta[b"slaclock.result_schema_version"] == b"1"
        assert rows(pq.read_table(out)) == rows(export["whole"].results)
        assert pq.read_table(errors_file).num_rows == 10
        assert got.pieces == 5 and got.order == "sorted"

    def test_an_error_leaves_no_file_behind(self, export: dict[str, Any], tmp_path: Path) -> None:
        out = tmp_path / "results.parquet"
        with pytest.raises(TableFormatError) as info:
            score_parquet(
                export["tickets"], export["events"], BOOK, now=NOW, out=out, on_error="raise",
                chunk_tickets=10,
            )  # fmt: skip
        # the first bad row of the first chunk that has one, by its row in the whole file
        assert str(info.value).startswith("events row 42, column kind: is not an event kind")
        assert os.listdir(tmp_path) == []

    def test_raise_names_the_row_of_the_whole_file_in_its_note(self, tmp_path: Path) -> None:
        tickets, events = sample_tables(30)
        values = events.column("value").to_pylist()
        rows_of_t25 = [
            i for i, v in enumerate(events.column("ticket_id").to_pylist()) if v == "T0025"
        ]
        values[rows_of_t25[0]] = "wip"
        events = events.set_column(4, "value", pa.array(values))
        with pytest.raises(InputError) as info:
            score_parquet(
                write(tickets, tmp_path / "t.parquet"), write(events, tmp_path / "e.parquet"),
                BOOK, now=NOW, on_error="raise", chunk_tickets=4,
            )  # fmt: skip
        assert info.value.__notes__ == [f"at events row {rows_of_t25[0]}, column value"]

    def test_errors_path_beside_the_results(self) -> None:
        assert errors_path("a/b.parquet") == "a/b.errors.parquet"
        assert errors_path(Path("a/b.pq")) == "a/b.errors.pq"
        assert errors_path("out") == "out.errors.parquet"


class TestArguments:
    @pytest.mark.parametrize("chunk", [0, -5, 1.5, True, "10"])
    def test_chunk_tickets_must_be_a_whole_number_of_at_least_one(
        self, export: dict[str, Any], chunk: Any
    ) -> None:
        with pytest.raises(InputError, match=r"^chunk_tickets: must be a whole number >= 1"):
            score_parquet(export["tickets"], export["events"], BOOK, now=NOW, chunk_tickets=chunk)

    def test_a_missing_file_is_named(self, export: dict[str, Any], tmp_path: Path) -> None:
        missing = tmp_path / "nope.parquet"
        with pytest.raises(InputError) as info:
            score_parquet(export["tickets"], missing, BOOK, now=NOW)
        assert (info.value.field, info.value.value) == ("events_path", str(missing))
        assert "does not exist" in str(info.value)

    def test_an_unknown_suffix_asks_for_a_format(
        self, export: dict[str, Any], tmp_path: Path
    ) -> None:
        other = tmp_path / "tickets.xlsx"
        other.write_bytes(b"PK")
        with pytest.raises(InputError, match=r"^tickets_path: is neither a Parquet nor a CSV file"):
            score_parquet(other, export["events"], BOOK, now=NOW)

    def test_a_file_that_is_not_parquet(self, export: dict[str, Any], tmp_path: Path) -> None:
        fake = tmp_path / "tickets.parquet"
        fake.write_text("ticket_id,severity\n")
        with pytest.raises(InputError, match=r"^tickets_path: cannot be read as PARQUET"):
            score_parquet(fake, export["events"], BOOK, now=NOW)

    def test_a_missing_column_is_named(self, export: dict[str, Any], tmp_path: Path) -> None:
        tickets = pq.read_table(export["tickets"]).drop_columns(["severity"])
        with pytest.raises(TableFormatError, match=r"^tickets header: is a missing column"):
            score_parquet(write(tickets, tmp_path / "t.parquet"), export["events"], BOOK, now=NOW)

    def test_ids_of_two_types(self, export: dict[str, Any], tmp_path: Path) -> None:
        events = pq.read_table(export["events"])
        events = events.set_column(0, "ticket_id", pa.array(range(events.num_rows)))
        with pytest.raises(InputError, match=r"^events_path: has ticket ids of type int64"):
            score_parquet(export["tickets"], write(events, tmp_path / "e.parquet"), BOOK, now=NOW)

    def test_sorted_is_checked_while_reading(self, export: dict[str, Any]) -> None:
        with pytest.raises(InputError, match=r"is not sorted by ticket_id: row \d+ has 'T"):
            score_parquet(
                export["shuffled_tickets"], export["events"], BOOK, now=NOW, order="sorted"
            )

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            ("order", "random", "order: must be 'auto', 'sorted' or 'unsorted'"),
            ("format", "xlsx", "format: must be 'parquet' or 'csv'"),
            ("on_error", "skip", "on_error: must be 'raise' or 'mark'"),
            ("progress", "yes", "progress: must be True, False or None"),
            ("now", dt.datetime(2026, 1, 1), "now: "),  # noqa: DTZ001 - a naive now on purpose
        ],
    )
    def test_bad_options(self, export: dict[str, Any], name: str, value: Any, message: str) -> None:
        kwargs: dict[str, Any] = {"now": NOW, name: value}
        with pytest.raises(InputError) as info:
            score_parquet(export["tickets"], export["events"], BOOK, **kwargs)
        assert str(info.value).startswith(message)


class TestProgress:
    def test_progress_true_draws_on_stderr(
        self, export: dict[str, Any], capsys: pytest.CaptureFixture[str]
    ) -> None:
        score_parquet(
            export["tickets"], export["events"], BOOK, now=NOW, progress=True, chunk_tickets=50
        )
        err = capsys.readouterr().err
        assert "121/121" in err and "tickets" in err

    def test_no_progress_off_a_terminal_by_default(
        self, export: dict[str, Any], capsys: pytest.CaptureFixture[str]
    ) -> None:
        score_parquet(export["tickets"], export["events"], BOOK, now=NOW, chunk_tickets=50)
        assert capsys.readouterr().err == ""

    def test_lines_without_tqdm(
        self,
        export: dict[str, Any],
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        import sys

        monkeypatch.setitem(sys.modules, "tqdm", None)
        score_parquet(
            export["tickets"], export["events"], BOOK, now=NOW, progress=True, chunk_tickets=50
        )
        assert capsys.readouterr().err.splitlines() == [
            "slaclock: scored 50 of 121 tickets",
            "slaclock: scored 100 of 121 tickets",
            "slaclock: scored 121 of 121 tickets",
        ]
