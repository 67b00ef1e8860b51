"""``slaclock score`` in chunks: Parquet input, and CSV with ``--chunk-tickets``.

The chunked path must write the very files the CSV reader's path writes, and
word its errors the same way (file, 1-based data row, column), with the same
exit codes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from slaclock.batch import tables_from_tickets  # noqa: E402
from slaclock.cli import main  # noqa: E402
from slaclock.policy_files import example_policy_path  # noqa: E402
from slaclock.samples import SAMPLE_NOW, load_sample, write_tables  # noqa: E402

POLICY = str(example_policy_path())
NOW = "2026-10-31T00:00:00Z"

TICKETS = """\
ticket_id,severity,created_at,tier,region
A,P3,2026-03-02T14:00:00Z,silver,us
B,P2,2026-03-02T15:00:00Z,gold,uk
"""
EVENTS = """\
ticket_id,seq,at,kind,value
A,1,2026-03-02T14:00:00Z,status,new
A,2,2026-03-02T15:00:00Z,assignment,tier1
A,3,2026-03-02T15:00:00Z,agent_reply,public
A,4,2026-03-03T15:00:00Z,status,solved
B,1,2026-03-02T15:00:00Z,status,new
B,2,2026-03-02T15:30:00Z,agent_reply,public
B,3,2026-03-02T15:30:00Z,status,pending_customer
"""


def run(
    capsys: pytest.CaptureFixture[str],
    tickets: str,
    events: str,
    out: str,
    *extra: str,
    now: str = NOW,
) -> tuple[int, str, str]:
    code = main(
        ["score", "--tickets", tickets, "--events", events, "--policy", POLICY, "--now", now,
         "--out", out, *extra]
    )  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def sample_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The first 150 sample tickets as CSV (``t.csv``, ``e.csv``) and Parquet files."""
    monkeypatch.chdir(tmp_path)
    sample, _ = load_sample()
    write_tables(sample[:150], "t.csv", "e.csv")
    tickets, events = tables_from_tickets(sample[:150], library="arrow")
    pq.write_table(tickets, "t.parquet", row_group_size=40)
    pq.write_table(events, "e.parquet", row_group_size=300)
    return tmp_path


@pytest.mark.usefixtures("sample_files")
class TestTheSameFiles:
    @pytest.mark.parametrize("fmt", ["csv", "json"])
    def test_parquet_input_writes_the_bytes_of_the_csv_path(
        self, capsys: pytest.CaptureFixture[str], fmt: str
    ) -> None:
        code, out, err = run(capsys, "t.csv", "e.csv", f"text.{fmt}")
        assert (code, err) == (0, "")
        assert out.startswith("read 150 ticket rows: 150 tickets scored + 0 ticket rows not scored")
        code, out2, err = run(
            capsys, "t.parquet", "e.parquet", f"chunks.{fmt}", "--chunk-tickets", "13"
        )
        assert (code, err) == (0, "")
        assert out2 == out.replace(f"text.{fmt}", f"chunks.{fmt}")
        assert Path(f"chunks.{fmt}").read_bytes() == Path(f"text.{fmt}").read_bytes()

    def test_parquet_results_file_as_write_results_writes_it(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert run(capsys, "t.csv", "e.csv", "text.parquet")[0] == 0
        assert run(capsys, "t.parquet", "e.parquet", "chunks.parquet")[0] == 0
        text, chunks = pq.read_table("text.parquet"), pq.read_table("chunks.parquet")
        assert chunks.schema.equals(text.schema, check_metadata=True)
        assert chunks.equals(text)

    def test_csv_in_chunks_writes_the_same_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(capsys, "t.csv", "e.csv", "whole.csv")[0] == 0
        assert run(capsys, "t.csv", "e.csv", "chunks.csv", "--chunk-tickets", "7")[0] == 0
        assert Path("chunks.csv").read_bytes() == Path("whole.csv").read_bytes()

    def test_unsorted_parquet_is_partitioned_and_gives_the_same_rows(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        events = pq.read_table("e.parquet")
        pq.write_table(events.take(pa.array(list(range(events.num_rows))[::-1])), "rev.parquet")
        assert run(capsys, "t.csv", "e.csv", "text.csv")[0] == 0
        assert (
            run(capsys, "t.parquet", "rev.parquet", "chunks.csv", "--chunk-tickets", "20")[0] == 0
        )
        text = Path("text.csv").read_text().splitlines()
        chunks = Path("chunks.csv").read_text().splitlines()
        assert chunks[0] == text[0] and sorted(chunks[1:]) == sorted(text[1:])


CASES = {
    "an instant without offset": (TICKETS, EVENTS.replace("15:30:00Z,agent", "15:30:00,agent")),
    "an unknown kind": (TICKETS, EVENTS.replace("B,2,2026-03-02T15:30:00Z,agent_reply", "B,2,2026-03-02T15:30:00Z,shout")),
    "an unknown status": (TICKETS, EVENTS.replace("status,solved", "status,done")),
    "an unknown severity": (TICKETS.replace("A,P3", "A,P7"), EVENTS),
    "a seq that is no number": (TICKETS, EVENTS.replace("A,3,", "A,three,")),
    "a repeated seq": (TICKETS, EVENTS.replace("A,3,", "A,2,")),
    "events out of time order": (TICKETS, EVENTS.replace("A,4,2026-03-03", "A,4,2026-03-01")),
    "created_at not the first event's": (TICKETS.replace("A,P3,2026-03-02T14", "A,P3,2026-03-02T13"), EVENTS),
    "an empty severity": (TICKETS.replace("B,P2,", "B,,"), EVENTS),
    "an event after now": (TICKETS, EVENTS.replace("A,4,2026-03-03", "A,4,2026-12-03")),
}  # fmt: skip


class TestTheSameMessages:
    @pytest.mark.parametrize("case", list(CASES))
    @pytest.mark.parametrize("keep_going", [False, True])
    def test_errors_exit_codes_and_output_as_the_csv_reader(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        case: str,
        keep_going: bool,
    ) -> None:
        monkeypatch.chdir(tmp_path)
        tickets, events = CASES[case]
        Path("tickets.csv").write_text(tickets)
        Path("events.csv").write_text(events)
        extra = ["--keep-going"] if keep_going else []
        whole = run(capsys, "tickets.csv", "events.csv", "whole.csv", *extra)
        whole_written = Path("whole.csv").read_bytes() if Path("whole.csv").exists() else None
        chunks = run(
            capsys, "tickets.csv", "events.csv", "chunks.csv", "--chunk-tickets", "1", *extra
        )
        chunks_written = Path("chunks.csv").read_bytes() if Path("chunks.csv").exists() else None
        assert whole[0] in (1, 2) and whole[2].startswith("slaclock: error: ")
        assert chunks[0] == whole[0]
        if case == "a repeated seq":
            # the one difference: score shows the seq as the number it read, the CSV reader
            # as the text of the cell
            assert chunks[2] == whole[2].replace("(got '2')", "(got 2)")
        else:
            assert chunks[2] == whole[2]
        assert chunks[1] == whole[1].replace("whole.csv", "chunks.csv")
        assert chunks_written == whole_written
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    def test_parquet_rows_are_named_by_file_and_data_row(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.chdir(tmp_path)
        sample, _ = load_sample()
        tickets, events = tables_from_tickets(sample[:30], library="arrow")
        kinds = events.column("kind").to_pylist()
        kinds[40] = "shout"
        events = events.set_column(3, "kind", pa.array(kinds))
        pq.write_table(tickets, "t.parquet")
        pq.write_table(events, "e.parquet")
        code, out, err = run(capsys, "t.parquet", "e.parquet", "r.csv", "--chunk-tickets", "4")
        assert code == 2 and out == ""
        assert err.startswith(
            "slaclock: error: e.parquet row 41, column kind: is not an event kind"
        )
        assert not Path("r.csv").exists()
        code, out, err = run(capsys, "t.parquet", "e.parquet", "r.csv", "--keep-going")
        assert code == 1 and len(err.splitlines()) == 1
        assert out.startswith("read 30 ticket rows: 29 tickets scored + 1 ticket rows not scored")
        assert out.endswith(" result rows -> r.csv\n")


@pytest.mark.usefixtures("sample_files")
class TestOptions:
    def test_chunk_tickets_must_be_at_least_one(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "t.csv", "e.csv", "r.csv", "--chunk-tickets", "0")
        assert code == 2
        assert err == "slaclock: error: --chunk-tickets: must be a whole number >= 1 (got 0)\n"

    def test_a_missing_parquet_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "t.parquet", "nope.parquet", "r.csv")
        assert code == 2
        assert err == "slaclock: error: --events: does not exist (got 'nope.parquet')\n"

    def test_a_file_of_another_format(self, capsys: pytest.CaptureFixture[str]) -> None:
        Path("t.xlsx").write_bytes(b"PK")
        code, _, err = run(capsys, "t.xlsx", "e.parquet", "r.csv")
        assert code == 2
        assert err.startswith("slaclock: error: --tickets: is neither a Parquet nor a CSV file")

    def test_progress_on_request(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(
            capsys, "t.parquet", "e.parquet", "r.csv", "--progress", "--chunk-tickets", "50"
        )
        assert code == 0 and "150/150" in err
        code, _, err = run(capsys, "t.parquet", "e.parquet", "r.csv", "--no-progress")
        assert code == 0 and err == ""

    def test_help_names_parquet_and_chunks(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            main(["score", "--help"])
        out = capsys.readouterr().out
        assert "--chunk-tickets" in out and "Parquet" in out and "bounded memory" in out


def test_sample_now_is_the_cli_now() -> None:
    assert SAMPLE_NOW.isoformat().replace("+00:00", "Z") == NOW
