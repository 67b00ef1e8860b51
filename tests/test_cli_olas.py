"""``slaclock check-olas``: chains of internal targets checked over each version's window.

The example policy's comments give the answers by hand. Enterprise P2 (30m
tier 1 + 2h tier 2 on the New York desk, 08:00-18:00, then 2h of the vendor,
who closes at noon Chicago time on Fridays, under 6 business hours): not tight
for starts on a Friday after 08:30 and before 15:00 New York time (after
08:30 the vendor's two hours do not fit before 13:00 New York time; from 15:00
the customer's due moves to Monday 11:00, when the vendor is done too).
Standard P2 (1h + 3h + 2h under 8h): not tight after 17:00 on Thursday and
before 13:00 on Friday. The P3 chains are tight at every start.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from slaclock.cli import main
from slaclock.policy_files import example_policy_path

POLICY = str(example_policy_path())
NY = ZoneInfo("America/New_York")
US = "\u00b5s"

TIGHT = """\
name = "Tight"
severities = ["P2"]
[statuses]
open = "running"
solved = "stopped"
[calendars.desk]
zone = "Europe/London"
hours = "Mon-Fri 09:00-17:00"
[[policies]]
name = "Only"
[policies.targets.P2.resolution]
business_time = "8h"
calendar = "desk"
[[policies.internal]]
team = "tier1"
business_time = "1h"
calendar = "desk"
[[policies.chains]]
severity = "P2"
teams = ["tier1"]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check-olas", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(NY)


class TestTheExamplePolicy:
    def test_every_version_is_checked_and_loose_chains_exit_1(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, err = run(capsys, "--policy", POLICY, "--format", "csv")
        assert (code, err) == (1, "")
        rows = list(csv.DictReader(io.StringIO(out, newline="")))
        got = [(r["policy"], r["valid_from"], r["severity"], r["tight"]) for r in rows]
        assert got == [
            ("Enterprise", "2025-01-01T05:00:00Z", "P2", "false"),
            ("Enterprise", "2025-01-01T05:00:00Z", "P3", "true"),
            ("Standard", "2025-01-01T05:00:00Z", "P2", "false"),
            ("Standard", "2025-01-01T05:00:00Z", "P3", "true"),
            ("Enterprise", "2026-01-01T05:00:00Z", "P2", "false"),
            ("Enterprise", "2026-01-01T05:00:00Z", "P3", "true"),
            ("Standard", "2026-01-01T05:00:00Z", "P2", "false"),
            ("Standard", "2026-01-01T05:00:00Z", "P3", "true"),
        ]
        # version 1 is checked until version 2 starts, version 2 for a year
        assert {(r["window_start"], r["window_end"]) for r in rows[:4]} == {
            ("2025-01-01T05:00:00Z", "2026-01-01T05:00:00Z")
        }
        assert {(r["window_start"], r["window_end"]) for r in rows[4:]} == {
            ("2026-01-01T05:00:00Z", "2027-01-01T05:00:00Z")
        }
        first = rows[0]
        assert first["chain"] == "P2.resolution: tier1 -> tier2 -> vendor"
        assert (first["first_start"], first["first_end"]) == (
            "2025-01-03T13:30:00.000001Z",  # after Fri 08:30 EST
            "2025-01-03T20:00:00Z",  # Fri 15:00 EST
        )
        assert rows[2]["first_start"] == "2025-01-02T22:00:00.000001Z"  # after Thu 17:00 EST
        assert rows[2]["first_end"] == "2025-01-03T18:00:00Z"  # Fri 13:00 EST
        assert rows[1]["intervals"] == "0" and rows[1]["first_start"] == ""

    def test_the_loose_starts_are_friday_mornings(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--policy", POLICY, "--format", "json")
        assert code == 1
        doc = json.loads(out)
        assert doc["tight"] is False
        enterprise = doc["chains"][0]
        spans = [(local(a), local(b)) for a, b in enterprise["not_tight"]]
        assert len(spans) == enterprise["intervals"] > 40
        assert all(a.weekday() == 4 for a, _ in spans)
        usual = [
            (a, b)
            for a, b in spans
            if (a.time(), b.time()) == (dt.time(8, 30, 0, 1), dt.time(15, 0))
        ]
        # only weeks with a holiday differ (such as the Friday after Thanksgiving)
        assert len(usual) >= len(spans) - 5
        assert enterprise["zone"] == "America/New_York"

    def test_a_window_of_one_week_by_hand(self, capsys: pytest.CaptureFixture[str]) -> None:
        # bare dates are 00:00 in the policy file's zone, America/New_York
        code, out, _ = run(capsys, "--policy", POLICY, "--from", "2026-01-05", "--to", "2026-01-12",
                           "--format", "json")  # fmt: skip
        assert code == 1
        chains: list[dict[str, Any]] = json.loads(out)["chains"]
        assert {(c["window_start"], c["window_end"]) for c in chains} == {
            ("2026-01-05T05:00:00Z", "2026-01-12T05:00:00Z")
        }
        enterprise = chains[4]
        assert (enterprise["policy"], enterprise["valid_from"]) == (
            "Enterprise",
            "2026-01-01T05:00:00Z",
        )
        assert enterprise["not_tight"] == [["2026-01-09T13:30:00.000001Z", "2026-01-09T20:00:00Z"]]
        # 6.5 hours less a microsecond of the week's 168 hours of wall time
        width = Fraction(6 * 3600 + 1800) - Fraction(1, 10**6)
        assert enterprise["not_tight_wall"] == pytest.approx(float(width))
        assert enterprise["share_wall"] == float(round(width / (168 * 3600), 12))

    def test_csv_spans_lists_every_interval(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "--policy", POLICY, "--from", "2026-01-05T00:00:00-05:00",
                           "--to", "2026-01-19T00:00:00-05:00", "--format", "csv",
                           "--table", "spans")  # fmt: skip
        assert code == 1
        rows = list(csv.DictReader(io.StringIO(out, newline="")))
        enterprise = [(r["start"], r["end"]) for r in rows if r["policy"] == "Enterprise"
                      and r["valid_from"] == "2026-01-01T05:00:00Z"]  # fmt: skip
        assert enterprise == [
            ("2026-01-09T13:30:00.000001Z", "2026-01-09T20:00:00Z"),
            ("2026-01-16T13:30:00.000001Z", "2026-01-16T20:00:00Z"),
        ]
        assert list(rows[0]) == ["policy", "valid_from", "chain", "start", "end"]

    def test_table_names_the_first_loose_starts_in_local_time(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, _ = run(capsys, "--policy", POLICY, "--spans", "2")
        assert code == 1
        assert (
            "Enterprise  2025-01-01 00:00 EST  P2.resolution: tier1 -> tier2 -> vendor  no" in out
        )
        assert (
            "  (Fri 2025-01-03 08:30:00.000001 EST, Fri 2025-01-03 15:00 EST)\n"
            "  (Fri 2025-01-10 08:30:00.000001 EST, Fri 2025-01-10 15:00 EST)\n"
            "  ... and 49 more\n"
        ) in out
        assert out.rstrip().endswith("4 of 8 chains not tight")

    def test_attributes_choose_the_external_calendar(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, _ = run(capsys, "--policy", POLICY, "--attribute", "region=uk",
                           "--format", "json")  # fmt: skip
        assert code == 1
        doc = json.loads(out)
        assert doc["attributes"] == {"region": "uk"}
        assert {c["zone"] for c in doc["chains"]} == {"Europe/London"}


class TestTightAndErrors:
    def test_a_tight_book_exits_0(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "tight.toml"
        path.write_text(TIGHT, encoding="utf-8")
        # no valid_from: the window must be given; a bare date is 00:00 UTC (no zone in the file)
        code, out, err = run(capsys, "--policy", str(path))
        assert code == 2 and "give the window with --from" in err
        code, out, err = run(
            capsys, "--policy", str(path), "--from", "2026-01-01", "--format", "csv"
        )
        assert (code, err) == (0, "")
        [row] = list(csv.DictReader(io.StringIO(out, newline="")))
        assert (row["tight"], row["intervals"], row["share_wall"]) == ("true", "0", "0")
        assert (row["window_start"], row["window_end"]) == (
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        )
        code, out, _ = run(
            capsys, "--policy", str(path), "--from", "2026-01-01", "--zone", "Asia/Tokyo"
        )
        assert code == 0 and out.rstrip().endswith("all 1 chains tight")

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--attribute", "region"], "--attribute: must be NAME=VALUE"),
            (["--from", "2026-02-30"], "--from: is not an ISO 8601 instant"),
            (["--to", "2026-01-01"], "--to needs --from"),
            (["--from", "2026-01-02", "--to", "2026-01-01"], "end: must not be before start"),
            (["--zone", "Mars/Base"], "--zone: is not a known IANA time zone"),
            (["--spans", "-1"], "--spans: must not be negative"),
        ],
    )
    def test_bad_options_exit_2_with_one_line(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, err = run(capsys, "--policy", POLICY, *argv)
        assert code == 2 and out == ""
        assert err.startswith("slaclock: error: ") and message in err, err
        assert err.count("\n") == 1

    def test_a_bad_policy_file_names_the_file_and_field(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "bad.toml"
        path.write_text(TIGHT.replace('teams = ["tier1"]', 'teams = ["tier9"]'), encoding="utf-8")
        code, _, err = run(capsys, "--policy", str(path), "--from", "2026-01-01")
        assert code == 2
        assert err.startswith(f"slaclock: error: {path}: policies[0].chains[0]"), err
        assert err.count("\n") == 1

    def test_progress_bar_on_request(self, capsys: pytest.CaptureFixture[str]) -> None:
        pytest.importorskip("tqdm")
        code, _, err = run(capsys, "--policy", POLICY, "--progress", "--format", "csv")
        assert code == 1 and "checking" in err
        code, _, err = run(capsys, "--policy", POLICY, "--format", "csv")
        assert err == ""  # not a terminal: no bar
