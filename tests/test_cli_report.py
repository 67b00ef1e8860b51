"""``slaclock report`` and ``slaclock what-if`` on small tables scored by hand, and
``slaclock demo`` followed by the report command it prints."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from slaclock.cli import main
from slaclock.policy_files import example_policy_path

POLICY = str(example_policy_path())

# Ticket A (silver, Standard policy, New York desk 08:00-18:00): first reply after
# one business hour of four; solved Tuesday 10:00 EST, inside 3 business days;
# tier 1 held it from Monday 10:00 EST to the solve, 1h allowed: breached at
# Monday 11:00 EST (16:00 UTC). Ticket B (gold, Enterprise 2026 version: P2
# first response within 30 business minutes): answered after 30 minutes (met
# at the due), then waiting on the customer (paused, pending).
TICKETS = """\
ticket_id,severity,created_at,tier,region
A,P3,2026-03-02T14:00:00Z,silver,us
B,P2,2026-03-02T15:00:00Z,gold,us
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


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The results of the two tickets, written by ``slaclock score``."""
    monkeypatch.chdir(tmp_path)
    Path("tickets.csv").write_text(TICKETS, encoding="utf-8")
    Path("events.csv").write_text(EVENTS, encoding="utf-8")
    code = main(["score", "--tickets", "tickets.csv", "--events", "events.csv", "--policy",
                 POLICY, "--now", NOW, "--out", "results.csv"])  # fmt: skip
    assert code == 0
    return tmp_path / "results.csv"


@pytest.mark.usefixtures("results")
class TestReport:
    def test_csv_compliance_by_hand(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = run(capsys, "report", "results.csv", "--policy", POLICY, "--now", NOW,
                             "--format", "csv")  # fmt: skip
        assert (code, err) == (0, "")
        assert out.startswith(
            "severity,metric,met,breached,pending,cancelled,compliance,required,meets_required\r\n"
        )
        rows = {(r["severity"], r["metric"]): r for r in as_csv(out)}
        assert list(rows) == [
            ("P2", "first_response"),
            ("P2", "resolution"),
            ("P3", "first_response"),
            ("P3", "resolution"),
        ]
        assert rows["P2", "first_response"] == {
            "severity": "P2",
            "metric": "first_response",
            "met": "1",
            "breached": "0",
            "pending": "0",
            "cancelled": "0",
            "compliance": "1",
            "required": "0.95",
            "meets_required": "true",
        }
        # paused and pending: counted, not in the ratio
        p2 = rows["P2", "resolution"]
        assert (p2["pending"], p2["compliance"], p2["meets_required"]) == ("1", "", "")
        assert rows["P3", "resolution"]["required"] == "0.9"

    @pytest.mark.parametrize("suffix", ["json", "parquet"])
    def test_json_and_parquet_results_give_the_same_report(
        self, suffix: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        if suffix == "parquet":
            pytest.importorskip("pyarrow")
        assert main(["score", "--tickets", "tickets.csv", "--events", "events.csv", "--policy",
                     POLICY, "--now", NOW, "--out", f"results.{suffix}"]) == 0  # fmt: skip
        capsys.readouterr()
        reports = []
        for name in ("results.csv", f"results.{suffix}"):
            code, out, _ = run(capsys, "report", name, "--policy", POLICY, "--now", NOW,
                               "--format", "json")  # fmt: skip
            assert code == 0
            reports.append(json.loads(out))
        assert reports[0] == reports[1]

    def test_csv_of_another_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "report", "results.csv", "--now", NOW, "--format", "csv",
                           "--table", "breaches")  # fmt: skip
        assert code == 0
        [row] = as_csv(out)
        assert (row["ticket_id"], row["target"], row["team"], row["metric"]) == (
            "A",
            "tier1",
            "tier1",
            "internal",
        )
        assert row["breached_at"] == "2026-03-02T16:00:00Z"
        assert (row["goal"], row["overdue_by"]) == ("3600", "82800")

    def test_json_is_the_whole_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "report", "results.csv", "--policy", POLICY, "--now", NOW,
                           "--zone", "America/New_York", "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert (doc["title"], doc["policy"], doc["zone"], doc["period"]) == (
            "SLA report: Acme support",
            "Acme support",
            "America/New_York",
            "month",
        )
        assert (doc["results"], doc["tickets"], doc["breaches_total"], doc["at_risk_total"]) == (
            5,
            2,
            1,
            0,
        )
        assert doc["now"] == NOW and doc["at_risk_within"] == 14400
        # the window: March in New York, cut at now
        assert (doc["start"], doc["end"]) == ("2026-03-01T05:00:00Z", NOW)
        tables: dict[str, list[dict[str, Any]]] = doc["tables"]
        assert tables["internal"] == [
            {
                "team": "tier1",
                "met": 0,
                "breached": 1,
                "pending": 0,
                "cancelled": 0,
                "compliance": 0,
                "required": None,
                "meets_required": None,
            }
        ]
        assert [r["period"] for r in tables["monthly"]] == ["2026-03"] * 4
        assert tables["at_risk"] == []
        # the policy's services, with no outage log: fully available; the api's hours are 24/7,
        # from 1 March 00:00 EST to now (Tuesday 19:00 EST): 67 hours
        api = next(r for r in tables["availability"] if r["service"] == "api")
        assert (api["open_time"], api["downtime"], api["availability"], api["met"]) == (
            67 * 3600,
            0,
            1,
            True,
        )
        levels = {(r["name"], r["severity"]) for r in tables["service_levels"]}
        assert ("First response within 1 business hour", "P3") in levels

    def test_at_risk_within_and_period(self, capsys: pytest.CaptureFixture[str]) -> None:
        # at Monday 16:00 UTC ticket B's resolution clock (6 business hours) runs with 5h30m left
        code, out, _ = run(capsys, "report", "results.csv", "--now", NOW, "--period", "week",
                           "--at-risk-within", "0s", "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert doc["period"] == "week" and doc["at_risk_within"] == 0
        assert {r["period"] for r in doc["tables"]["monthly"]} == {"2026-W10"}

    def test_table_prints_every_section(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "report", "results.csv", "--policy", POLICY, "--now", NOW,
                           "--zone", "America/New_York")  # fmt: skip
        assert code == 0
        lines = out.splitlines()
        assert lines[0] == "SLA report: Acme support"
        assert lines[1] == (
            "5 results of 2 tickets; window 2026-03-01 00:00 EST to 2026-03-03 19:00 EST; "
            "now 2026-03-03 19:00 EST"
        )
        assert "Compliance by severity and metric (external targets)" in out
        assert (
            "P2        first_response    1         0        0          0        100%       95%  yes"
            in out
        )
        assert "At risk (running clocks, soonest due first)\n(none)" in out
        # breaches show instants in the report's zone
        assert "2026-03-02 11:00 EST" in out

    def test_availability_from_an_outage_log(self, capsys: pytest.CaptureFixture[str]) -> None:
        # the portal's hours are the New York desk's: a 30-minute outage on Monday 2 March
        # 10:00-10:30 EST counts, one on Sunday does not; March holds 22 open days of 10 hours
        Path("outages.csv").write_text(
            "service,start,end,planned\n"
            "portal,2026-03-02T15:00:00Z,2026-03-02T15:30:00Z,false\n"
            "portal,2026-03-01T15:00:00Z,2026-03-01T18:00:00Z,false\n",
            encoding="utf-8",
        )
        code, out, _ = run(capsys, "report", "results.csv", "--policy", POLICY,
                           "--outages", "outages.csv", "--zone", "America/New_York",
                           "--format", "csv", "--table", "availability")  # fmt: skip
        assert code == 0
        rows = {r["service"]: r for r in as_csv(out)}
        portal = rows["portal"]
        assert portal["period"] == "2026-03"
        # the window ends with the month (no --now): 22 weekdays x 10 hours
        assert portal["open_time"] == str(22 * 10 * 3600)
        assert portal["downtime"] == "1800"
        # 1 - 1800 / 792000 = 439/440 = 0.99772727..., 12 decimal places
        assert portal["availability"] == "0.997727272727"
        assert portal["target"] == "0.995" and portal["met"] == "true"

    def test_bad_results_row_names_file_row_and_column(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with open("results.csv", newline="") as f:
            table = list(csv.reader(f))
        table[3][table[0].index("used")] = "soon"
        with open("bad.csv", "w", newline="") as f:
            csv.writer(f).writerows(table)
        code, out, err = run(capsys, "report", "bad.csv")
        assert code == 2 and out == ""
        assert err.startswith("slaclock: error: bad.csv row 3, column used: ")
        assert err.count("\n") == 1

    def test_bad_outage_row_names_file_row_and_column(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        Path("outages.csv").write_text(
            "service,start,end,planned\n"
            "api,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,false\n"
            "api,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,maybe\n",
            encoding="utf-8",
        )
        code, _, err = run(
            capsys, "report", "results.csv", "--policy", POLICY, "--outages", "outages.csv"
        )
        assert code == 2
        assert err == (
            "slaclock: error: outages.csv row 2, column planned: must be true or false (got 'maybe')\n"
        )

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["missing.csv"], "missing.csv: cannot be read"),
            (["results.csv", "--policy", "missing.toml"], "missing.toml: cannot be read"),
            (["results.csv", "--zone", "Nowhere/City"], "--zone: is not a known IANA time zone"),
            (["results.csv", "--now", "2026-03-04"], "--now: has no UTC offset"),
            (["results.csv", "--at-risk-within", "soon"], "--at-risk-within: must be a duration"),
            (["results.csv", "--max-rows", "-1"], "--max-rows: must not be negative"),
            (["results.csv", "--outages", "missing.csv"], "missing.csv: cannot be read"),
        ],
    )
    def test_bad_input_exits_2_with_one_line(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, _, err = run(capsys, "report", *argv)
        assert code == 2
        assert err.startswith("slaclock: error: ") and message in err, err
        assert err.count("\n") == 1

    def test_an_unknown_table_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as info:
            main(["report", "results.csv", "--format", "csv", "--table", "nope"])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("slaclock: error: report: argument --table: invalid choice: 'nope'")
        assert err.count("\n") == 1

    @pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
    def test_png_writes_the_charts(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "report", "results.csv", "--policy", POLICY, "--png", "charts")
        assert code == 0
        written = sorted(Path("charts").glob("*.png"))
        assert written and all(p.read_bytes().startswith(b"\x89PNG") for p in written)
        assert f"wrote {Path('charts') / written[0].name}" in out


@pytest.mark.usefixtures("results")
class TestWhatIf:
    @staticmethod
    def reply_after_45_minutes() -> None:
        Path("events.csv").write_text(
            EVENTS.replace("B,2,2026-03-02T15:30:00Z", "B,2,2026-03-02T15:45:00Z").replace(
                "B,3,2026-03-02T15:30:00Z", "B,3,2026-03-02T15:45:00Z"
            ),
            encoding="utf-8",
        )

    def test_two_versions_of_one_book(self, capsys: pytest.CaptureFixture[str]) -> None:
        # B answered after 45 minutes: met under the 2025 version (1h), breached under 2026 (30m);
        # the compliance credit of the P2 month: below 90% pays 10% of 5000, plus 100 a breach
        self.reply_after_45_minutes()
        code, out, err = run(capsys, "what-if", "--tickets", "tickets.csv", "--events", "events.csv",
                             "--policy", POLICY, "--as-of", "2025-06-01T00:00:00Z",
                             "--proposed-as-of", "2026-06-01T00:00:00Z", "--now", NOW,
                             "--format", "csv")  # fmt: skip
        assert (code, err) == (0, "")
        rows = {(r["severity"], r["metric"]): r for r in as_csv(out)}
        first = rows["P2", "first_response"]
        assert (first["before_met"], first["before_breached"], first["before_compliance"]) == (
            "1",
            "0",
            "1",
        )
        assert (first["after_met"], first["after_breached"], first["after_compliance"]) == (
            "0",
            "1",
            "0",
        )
        assert (first["change_points"], first["met_to_breached"], first["breached_to_met"]) == (
            "-100",
            "1",
            "0",
        )
        assert (first["before_credit"], first["after_credit"], first["credit_change"]) == (
            "0.00",
            "600.00",
            "600.00",
        )
        assert rows["P3", "resolution"]["change_points"] == "0"

    def test_a_proposed_file_in_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        # the proposal gives Enterprise P2 first response 1 hour again: B's breach becomes met
        self.reply_after_45_minutes()
        text = Path(POLICY).read_text(encoding="utf-8")
        proposed = text.replace('business_time = "30m"', 'business_time = "1h"')
        assert proposed != text
        Path("proposed.toml").write_text(proposed, encoding="utf-8")
        code, out, _ = run(capsys, "what-if", "--tickets", "tickets.csv", "--events", "events.csv",
                           "--policy", POLICY, "--proposed", "proposed.toml", "--now", NOW,
                           "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert doc["proposed"] == "proposed.toml" and doc["now"] == NOW
        first = next(
            r for r in doc["rows"] if (r["severity"], r["metric"]) == ("P2", "first_response")
        )
        assert (first["before_compliance"], first["after_compliance"], first["change_points"]) == (
            0,
            1,
            100,
        )
        assert (first["breached_to_met"], first["before_credit"], first["after_credit"]) == (
            1,
            600,
            0,
        )

    def test_table(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.reply_after_45_minutes()
        code, out, _ = run(capsys, "what-if", "--tickets", "tickets.csv", "--events", "events.csv",
                           "--policy", POLICY, "--as-of", "2025-06-01T00:00:00Z",
                           "--proposed-as-of", "2026-06-01T00:00:00Z", "--now", NOW)  # fmt: skip
        assert code == 0
        assert "P2        first_response    100%     0%  -100.00 pts" in out

    def test_nothing_to_compare_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "what-if", "--tickets", "tickets.csv", "--events", "events.csv",
                           "--policy", POLICY, "--now", NOW)  # fmt: skip
        assert code == 2 and "give --proposed PATH" in err and err.count("\n") == 1

    def test_a_bad_row_stops_or_is_left_out(self, capsys: pytest.CaptureFixture[str]) -> None:
        Path("events.csv").write_text(EVENTS.replace("B,2,2026-03-02T15:30:00Z,agent_reply",
                                                     "B,2,2026-03-02T15:30:00Z,shout"))  # fmt: skip
        argv = ["what-if", "--tickets", "tickets.csv", "--events", "events.csv", "--policy", POLICY,
                "--proposed-as-of", "2025-06-01T00:00:00Z", "--now", NOW, "--format", "csv"]  # fmt: skip
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert err.startswith("slaclock: error: events.csv row 6, column kind: ")
        assert err.count("\n") == 1
        code, out, err = run(capsys, *argv, "--keep-going")
        assert code == 1
        assert err.startswith("slaclock: error: events.csv row 6, column kind: ")
        assert {r["severity"] for r in as_csv(out)} == {"P3"}

    def test_a_label_one_policy_does_not_know_names_its_row(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # "done" is no status of the policy: found when the ticket is scored, placed in the table
        Path("events.csv").write_text(EVENTS.replace("status,solved", "status,done"))
        argv = ["what-if", "--tickets", "tickets.csv", "--events", "events.csv", "--policy", POLICY,
                "--proposed-as-of", "2025-06-01T00:00:00Z", "--now", NOW, "--format", "csv"]  # fmt: skip
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert err.startswith(
            "slaclock: error: events.csv row 4, column value: is not a status of the policy"
        ), err
        assert err.count("\n") == 1
        code, out, err = run(capsys, *argv, "--keep-going")
        assert code == 1 and err.startswith("slaclock: error: events.csv row 4, column value: ")
        assert {r["severity"] for r in as_csv(out)} == {"P2"}


class TestDemoThenReport:
    def test_the_printed_command_writes_the_html_report(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert main(["demo", "--out", "demo results.csv"]) == 0
        out = capsys.readouterr().out
        command = out.rstrip().splitlines()[-1].strip()
        words = shlex.split(command)
        assert words[:3] == ["slaclock", "report", "demo results.csv"]
        assert "--outages" in words and words[words.index("--html") + 1] == "slaclock-report.html"
        assert Path(words[words.index("--policy") + 1]).name == "example_policy.toml"
        assert Path(words[words.index("--outages") + 1]).is_file()
        assert main(words[1:]) == 0
        printed = capsys.readouterr().out
        assert "wrote slaclock-report.html" in printed
        page = (tmp_path / "slaclock-report.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        for title in ("Compliance", "Service levels", "Availability", "Service credits",
                      "Error counts", "Breaches"):  # fmt: skip
            assert f">{title}" in page, title
        if importlib.util.find_spec("matplotlib") is not None:
            assert page.count("<svg") >= 3

    def test_demo_as_json_and_csv(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert main(["demo", "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert (doc["tickets"], doc["now"], doc["policy"]) == (
            3000,
            "2026-10-31T00:00:00Z",
            "Acme support",
        )
        assert doc["report_command"].startswith("slaclock report slaclock-demo-results.csv ")
        with open("slaclock-demo-results.csv", newline="") as f:
            assert sum(1 for _ in f) == doc["results"] + 1
        p1 = doc["compliance"][0]
        assert (p1["severity"], p1["required"]) == ("P1", 1)
        assert p1["compliance"] == round(p1["met"] / (p1["met"] + p1["breached"]), 12)
        assert {r["team"] for r in doc["internal"]} == {"tier1", "tier2", "vendor"}
        assert all(r["remaining"] <= 4 * 3600 for r in doc["at_risk"])
        assert main(["demo", "--format", "csv"]) == 0
        rows = as_csv(capsys.readouterr().out)
        assert [(r["severity"], r["metric"]) for r in rows] == [
            (c["severity"], c["metric"]) for c in doc["compliance"]
        ]
