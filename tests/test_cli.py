"""The command line: ``slaclock demo``, ``slaclock score`` and exit codes."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from slaclock.cli import main
from slaclock.evaluation import RESULT_FIELDS
from slaclock.policy_files import example_policy_path


class TestCalendarsDemo:
    def test_demo_answers_across_dst_night_shift_and_holidays(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["demo", "--calendars"]) == 0
        out = capsys.readouterr().out
        # 4 business hours from Fri 15:00 EST: 2h Friday, 2h Monday after the DST change
        assert "are due Mon 2024-03-11 11:00 EDT (15:00 UTC)" in out
        # July 4th closed: Wed 12-17 and Fri 09-12
        assert ": 8h00m" in out
        # the fall-back night shift lasts 9 hours
        assert "9h00m (01:00-02:00 happens twice)" in out
        # the night desk's stretch runs past midnight to 06:00
        assert (
            "next close after Sun 2024-10-27 00:30 BST (23:30 UTC): Sun 2024-10-27 06:00 GMT" in out
        )
        assert "due Fri 2024-12-27 03:00 GMT" in out
        assert "due Fri 2024-12-27 10:00 CET (09:00 UTC)" in out

    def test_console_script_runs(self) -> None:
        out = subprocess.run(
            [sys.executable, "-m", "slaclock.cli", "demo", "--calendars"],
            check=True,
            capture_output=True,
            text=True,
        )
        assert "slaclock demo" in out.stdout

    def test_no_command_is_a_one_line_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([]) == 2
        err = capsys.readouterr().err
        assert err.startswith("slaclock: error: a command is required: demo, score")
        assert len(err.splitlines()) == 1

    def test_unknown_command_is_a_usage_error(self) -> None:
        with pytest.raises(SystemExit) as info:
            main(["frobnicate"])
        assert info.value.code == 2


class TestSampleDemo:
    def test_prints_real_compliance_and_writes_its_results(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert main(["demo"]) == 0  # the one test that scores the whole sample
        out = capsys.readouterr().out
        assert "3000 tickets" in out
        assert "measured at now = 2026-10-31 00:00Z" in out
        # one row per severity and metric, with counts and a percent met
        row = re.compile(
            r"^(P[1-4])\s+(first_response|resolution|next_reply|periodic_update)"
            r"\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d)%\s+(\d+)%",
            re.MULTILINE,
        )
        rows = row.findall(out)
        assert {r[0] for r in rows} == {"P1", "P2", "P3", "P4"}
        assert ("P1", "periodic_update") in {(r[0], r[1]) for r in rows}
        for _, _, met, breached, _, _, pct, _ in rows:
            assert int(met) > 0 and int(breached) > 0
            exact = 100 * int(met) / (int(met) + int(breached))
            assert float(pct) <= exact < float(pct) + 0.1  # rounded down to 0.1
        for team in ("tier1", "tier2", "vendor"):
            assert re.search(rf"^{team}\s+\d+\s+\d+", out, re.MULTILINE), team
        assert "At risk at now:" in out
        written = tmp_path / "slaclock-demo-results.csv"
        with written.open(newline="") as f:
            table = list(csv.reader(f))
        assert tuple(table[0]) == RESULT_FIELDS
        assert f"Wrote {len(table) - 1} result rows to slaclock-demo-results.csv" in out
        assert len({r[0] for r in table[1:]}) == 3000

    def test_help_names_the_calendar_walkthrough(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit):
            main(["demo", "--help"])
        assert "--calendars" in capsys.readouterr().out


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
NOW = "2026-03-04T00:00:00Z"


class TestScore:
    @pytest.fixture(autouse=True)
    def _tables(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        self.write(TICKETS, EVENTS)

    @staticmethod
    def write(tickets: str, events: str) -> None:
        Path("tickets.csv").write_text(tickets, encoding="utf-8")
        Path("events.csv").write_text(events, encoding="utf-8")

    @staticmethod
    def score(*extra: str, out: str = "results.csv") -> int:
        return main(
            [
                "score",
                "--tickets",
                "tickets.csv",
                "--events",
                "events.csv",
                "--policy",
                str(example_policy_path()),
                "--now",
                NOW,
                "--out",
                out,
                *extra,
            ]
        )

    def test_writes_one_row_per_ticket_target_and_cycle(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert self.score() == 0
        assert (
            "read 2 ticket rows: 2 tickets scored + 0 ticket rows not scored (errors above) = 2; 5 result rows -> results.csv"
            in capsys.readouterr().out
        )
        with open("results.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert tuple(rows[0]) == RESULT_FIELDS
        got = {(r["ticket_id"], r["target"], r["cycle"]): r for r in rows}
        assert list(got) == [
            ("A", "P3.first_response", "1"),
            ("A", "P3.resolution", "1"),
            ("A", "tier1", "1"),
            ("B", "P2.first_response", "1"),
            ("B", "P2.resolution", "1"),
        ]
        # Monday 09:00-10:00 EST on the New York desk: 1 business hour of 4
        first = got[("A", "P3.first_response", "1")]
        assert (first["policy"], first["outcome"], first["used"], first["goal"]) == (
            "Standard",
            "met",
            "3600",
            "14400",
        )
        assert first["stop"] == "2026-03-02T15:00:00Z" and first["team"] == ""
        # 3 business days from Monday 09:00: due Thursday 18:00 EST, 39 business hours
        resolution = got[("A", "P3.resolution", "1")]
        assert resolution["due"] == "2026-03-05T23:00:00Z"
        assert (resolution["goal"], resolution["used"]) == ("140400", "39600")
        tier1 = got[("A", "tier1", "1")]
        assert (tier1["metric"], tier1["team"], tier1["outcome"]) == (
            "internal",
            "tier1",
            "breached",
        )
        assert tier1["overdue_by"] == "82800"
        # Enterprise, 2026 version: first response within 30 business minutes, met at due
        b_first = got[("B", "P2.first_response", "1")]
        assert (b_first["policy"], b_first["outcome"], b_first["used"]) == (
            "Enterprise",
            "met",
            "1800",
        )
        warnings = json.loads(b_first["warnings"])
        assert {"label": "50%", "at": "2026-03-02T15:15:00Z"} in warnings
        paused = got[("B", "P2.resolution", "1")]
        assert (paused["status"], paused["outcome"], paused["due"]) == ("paused", "pending", "")
        assert paused["due_if_resumed"] == "2026-03-04T14:30:00Z"

    def test_as_of_measures_by_another_version(self) -> None:
        assert self.score("--as-of", "2025-06-01T00:00:00Z") == 0
        with open("results.csv", newline="") as f:
            rows = {(r["ticket_id"], r["target"]): r for r in csv.DictReader(f)}
        # the 2025 Enterprise policy gave P2 one business hour to first response
        assert rows[("B", "P2.first_response")]["goal"] == "3600"

    def test_json_by_suffix(self) -> None:
        assert self.score(out="results.json") == 0
        records = json.loads(Path("results.json").read_text())
        assert [tuple(r) for r in records] == [RESULT_FIELDS] * 5
        assert records[0]["used"] == 3600 and records[0]["team"] is None

    @pytest.mark.skipif(importlib.util.find_spec("pyarrow") is not None, reason="pyarrow installed")
    def test_parquet_without_pyarrow_is_a_clear_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert self.score("--format", "parquet") == 2
        assert "needs pyarrow" in capsys.readouterr().err
        assert not Path("results.csv").exists()

    def test_bad_row_stops_with_exit_2_and_one_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.write(
            TICKETS, EVENTS.replace("2026-03-02T15:30:00Z,agent", "2026-03-02T15:30:00,agent")
        )
        assert self.score() == 2
        err = capsys.readouterr().err
        assert err == (
            "slaclock: error: events.csv row 6, column at: has no UTC offset "
            "(got '2026-03-02T15:30:00'); write the instant with its offset, such as "
            "'2026-03-02T14:05:00Z' or '...-05:00'\n"
        )
        assert not Path("results.csv").exists()

    def test_keep_going_scores_the_good_tickets_and_exits_1(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.write(
            TICKETS,
            EVENTS.replace(
                "B,2,2026-03-02T15:30:00Z,agent_reply", "B,2,2026-03-02T15:30:00Z,shout"
            ),
        )
        assert self.score("--keep-going") == 1
        captured = capsys.readouterr()
        assert captured.err.startswith("slaclock: error: events.csv row 6, column kind: ")
        assert len(captured.err.splitlines()) == 1
        assert (
            "1 tickets scored + 1 ticket rows not scored (errors above) = 2; 3 result rows"
            in captured.out
        )
        with open("results.csv", newline="") as f:
            assert {r["ticket_id"] for r in csv.DictReader(f)} == {"A"}

    def test_labels_the_policy_does_not_know_name_their_row(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        self.write(TICKETS, EVENTS.replace("status,solved", "status,done"))
        assert self.score() == 2
        err = capsys.readouterr().err
        assert err.startswith(
            "slaclock: error: events.csv row 4, column value: is not a status of the policy"
        ), err
        self.write(TICKETS.replace("A,P3", "A,P7"), EVENTS)
        assert self.score("--keep-going") == 1
        err = capsys.readouterr().err
        assert err.startswith(
            "slaclock: error: tickets.csv row 1, column severity: is not a severity"
        ), err

    def test_events_after_now_name_their_row(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["score", "--tickets", "tickets.csv", "--events", "events.csv",
                     "--policy", str(example_policy_path()), "--now", "2026-03-03T00:00:00Z",
                     "--out", "r.csv"]) == 2  # fmt: skip
        assert "events.csv row 4, column at: is after now" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--now", "2026-03-04T00:00:00"], "--now: has no UTC offset"),
            (["--tickets", "missing.csv"], "missing.csv: cannot be read"),
            (["--policy", "missing.toml"], "missing.toml: cannot be read"),
        ],
    )
    def test_bad_options_and_files_exit_2(
        self, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        base = {
            "--tickets": "tickets.csv",
            "--events": "events.csv",
            "--policy": str(example_policy_path()),
            "--now": NOW,
            "--out": "r.csv",
        }
        base.update(dict(zip(args[::2], args[1::2], strict=True)))
        argv = ["score"] + [x for kv in base.items() for x in kv]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("slaclock: error: ") and message in err, err
        assert len(err.splitlines()) == 1

    def test_a_bad_policy_file_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        Path("policy.toml").write_text("name = 'x'\nseverities = \n")
        assert main(["score", "--tickets", "tickets.csv", "--events", "events.csv",
                     "--policy", "policy.toml", "--now", NOW, "--out", "r.csv"]) == 2  # fmt: skip
        assert capsys.readouterr().err.startswith("slaclock: error: policy.toml")

    def test_help_documents_formats_and_exit_codes(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit):
            main(["score", "--help"])
        out = capsys.readouterr().out
        assert "exit codes:" in out and "--keep-going" in out and "parquet" in out


def test_score_records_the_policy_file_it_used(tmp_path: Path) -> None:
    """The results of `slaclock score` carry the provenance of the policy file (issue 7)."""
    import hashlib

    from slaclock.policy_files import example_policy_path
    from slaclock.provenance import read_provenance
    from slaclock.samples import sample_files

    tickets, events = sample_files()
    policy = tmp_path / "policy.toml"
    policy.write_bytes(example_policy_path().read_bytes())
    out = tmp_path / "results.csv"
    code = main(
        ["score", "--tickets", str(tickets), "--events", str(events), "--policy", str(policy),
         "--now", "2026-10-31T00:00:00Z", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    record = read_provenance(out)
    assert record["policy"] == "Acme support"
    assert hashlib.sha256(policy.read_bytes()).hexdigest() in record.values()


@pytest.mark.parametrize("chunked", [False, True])
def test_score_reconciles_its_counts(
    tmp_path: Path, chunked: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every ticket row is scored or reported, and the summary line says so (issue 7)."""
    if chunked:
        pytest.importorskip("pyarrow")
    from slaclock.policy_files import example_policy_path
    from slaclock.samples import sample_files

    tickets_file, events_file = sample_files()
    tickets = tickets_file.read_text().splitlines()[:6]  # header + 5 tickets
    ids = {line.split(",")[0] for line in tickets[1:]}
    events = [line for line in events_file.read_text().splitlines() if line.split(",")[0] in ids]
    tickets[2] = tickets[2].replace(",P", ",", 1)  # an empty severity: one bad ticket row
    events = [
        events_file.read_text().splitlines()[0],
        *events,
        "GHOST,1,2026-01-05T10:00:00Z,status,new",
    ]
    t, e = tmp_path / "t.csv", tmp_path / "e.csv"
    t.write_text("\n".join(tickets) + "\n")
    e.write_text("\n".join(events) + "\n")
    argv = ["score", "--tickets", str(t), "--events", str(e), "--policy", str(example_policy_path()),
            "--now", "2026-10-31T00:00:00Z", "--out", str(tmp_path / "r.csv"), "--keep-going"]  # fmt: skip
    if chunked:
        argv += ["--chunk-tickets", "2"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "read 5 ticket rows: 4 tickets scored + 1 ticket rows not scored (errors above) = 5; "
        "events of 1 unknown ticket ids left out (errors above); "
    ), out
