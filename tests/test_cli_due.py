"""``slaclock due`` and ``slaclock calendar show``: answers computed by hand.

The London desk is open Mon-Fri 09:00-17:00 with the bank holidays of
England. In 2026 Good Friday is 3 April and Easter Monday 6 April; the
clocks go forward on Sunday 29 March (GMT -> BST) and back on Sunday
25 October.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from slaclock.cli import main
from slaclock.policy_files import example_policy_path

LONDON = ["--hours", "Mon-Fri 09:00-17:00", "--zone", "Europe/London"]
ENGLAND = [*LONDON, "--holidays", "GB-ENG"]
POLICY = str(example_policy_path())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


class TestDue:
    def test_across_good_friday_and_easter_monday(self, capsys: pytest.CaptureFixture[str]) -> None:
        # Thu 15:00 BST: 2h on Thursday, Fri 3 and Mon 6 April closed, 2h on Tuesday
        code, out, err = run(capsys, "due", *ENGLAND, "--start", "2026-04-02T15:00:00+01:00",
                             "--business-time", "4h", "--format", "csv")  # fmt: skip
        assert (code, err) == (0, "")
        [row] = as_csv(out)
        assert row["due"] == "2026-04-07T10:00:00Z"
        assert row["due_local"] == "2026-04-07T11:00:00+01:00"
        assert (row["start"], row["goal_kind"], row["goal"]) == (
            "2026-04-02T14:00:00Z",
            "business_time",
            "14400",
        )

    def test_without_holidays_friday_counts(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "due", *LONDON, "--start", "2026-04-02T15:00:00+01:00",
                           "--business-time", "4h", "--format", "json")  # fmt: skip
        assert code == 0
        assert json.loads(out)["due"] == "2026-04-03T10:00:00Z"  # Fri 11:00 BST

    def test_across_the_spring_forward_weekend(self, capsys: pytest.CaptureFixture[str]) -> None:
        # Fri 16:00 GMT: 1h on Friday, then Monday 09:00-10:00 BST (08:00-09:00 UTC)
        code, out, _ = run(capsys, "due", *ENGLAND, "--start", "2026-03-27T16:00:00Z",
                           "--business-time", "2h")  # fmt: skip
        assert code == 0
        assert "due       Mon 2026-03-30 10:00 BST  (2026-03-30T09:00:00Z)" in out
        assert "start     Fri 2026-03-27 16:00 GMT  (2026-03-27T16:00:00Z)" in out
        assert "goal      2h00m of business time" in out

    def test_business_days_skip_the_easter_holidays(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # from Thursday: Tue 7 April is the first business day, Wed 8 the second, closing 17:00 BST
        code, out, _ = run(capsys, "due", *ENGLAND, "--start", "2026-04-02T10:00:00+01:00",
                           "--business-days", "2", "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert (doc["due"], doc["goal_kind"], doc["goal"]) == (
            "2026-04-08T16:00:00Z",
            "business_days",
            2,
        )

    def test_calendar_time_with_a_pause(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 15 minutes of wall time, 30 of them held: due 45 minutes after the start
        code, out, _ = run(capsys, "due", "--zone", "America/New_York",
                           "--start", "2026-03-06T20:00:00Z", "--calendar-time", "15m",
                           "--pause", "2026-03-06T20:05:00Z/2026-03-06T20:35:00Z",
                           "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert (doc["due"], doc["pauses"], doc["zone"]) == (
            "2026-03-06T20:45:00Z",
            1,
            "America/New_York",
        )
        assert doc["due_local"] == "2026-03-06T15:45:00-05:00"

    def test_business_time_with_two_pauses(self, capsys: pytest.CaptureFixture[str]) -> None:
        # Mon 09:00 GMT + 4h, an hour held at 10:00 and half an hour at 13:00: due 14:30
        code, out, _ = run(capsys, "due", *LONDON, "--start", "2026-03-02T09:00:00Z",
                           "--business-time", "4h",
                           "--pause", "2026-03-02T13:00:00Z/2026-03-02T13:30:00Z",
                           "--pause", "2026-03-02T10:00:00Z/2026-03-02T11:00:00Z",
                           "--format", "csv")  # fmt: skip
        assert code == 0
        assert as_csv(out)[0]["due"] == "2026-03-02T14:30:00Z"

    def test_a_policy_calendar_across_the_us_dst_change(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # the New York desk, Mon-Fri 08:00-18:00: Fri 15:00 EST + 4h = Fri 3h + Mon 08:00-09:00 EDT
        code, out, _ = run(capsys, "due", "--policy", POLICY, "--calendar", "us",
                           "--start", "2026-03-06T20:00:00Z", "--business-time", "4h",
                           "--format", "json")  # fmt: skip
        assert code == 0
        assert json.loads(out)["due"] == "2026-03-09T13:00:00Z"
        code, out, _ = run(capsys, "due", "--policy", POLICY, "--calendar", "us",
                           "--start", "2026-03-06T20:00:00Z", "--business-days", "2",
                           "--format", "json")  # fmt: skip
        assert json.loads(out)["due"] == "2026-03-10T22:00:00Z"  # Tue 18:00 EDT

    def test_the_built_in_always_open_calendar(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "due", "--policy", POLICY, "--calendar", "24/7",
                           "--start", "2026-03-06T20:00:00Z", "--business-time", "30h",
                           "--format", "csv")  # fmt: skip
        assert code == 0
        assert as_csv(out)[0]["due"] == "2026-03-08T02:00:00Z"

    def test_left_at_now_and_not_breached(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "due", *LONDON, "--start", "2026-03-02T09:00:00Z",
                           "--business-time", "8h", "--now", "2026-03-02T12:00:00Z",
                           "--fail-if-breached", "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert (doc["due"], doc["breached"], doc["left"], doc["overdue_by"]) == (
            "2026-03-02T17:00:00Z",
            False,
            18000,
            0,
        )

    def test_fail_if_breached_exits_1(self, capsys: pytest.CaptureFixture[str]) -> None:
        # due Mon 17:00; at Tue 12:00 it is 3 business hours (Tue 09:00-12:00) overdue
        code, out, _ = run(capsys, "due", *LONDON, "--start", "2026-03-02T09:00:00Z",
                           "--business-time", "8h", "--now", "2026-03-03T12:00:00Z",
                           "--fail-if-breached")  # fmt: skip
        assert code == 1
        assert "breached  yes, overdue by 3h00m" in out
        code, out, _ = run(capsys, "due", *LONDON, "--start", "2026-03-02T09:00:00Z",
                           "--business-time", "8h", "--now", "2026-03-03T12:00:00Z")  # fmt: skip
        assert code == 0  # without --fail-if-breached a breach is reported, not an exit code

    def test_due_at_now_is_not_breached(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, _ = run(capsys, "due", *LONDON, "--start", "2026-03-02T09:00:00Z",
                         "--business-time", "8h", "--now", "2026-03-02T17:00:00Z",
                         "--fail-if-breached")  # fmt: skip
        assert code == 0

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["--business-time", "4h", "--business-days", "2"], "give exactly one goal"),
            (["--business-time", "4h", "--hours", "Mon-Fri 09:00-17:00"], "--hours needs --zone"),
            (["--business-time", "4h"], "give a calendar: --policy PATH --calendar NAME"),
            ([*LONDON, "--business-time", "4x"], "--business-time: must be a duration"),
            ([*LONDON, "--business-days", "0"], "--business-days: must be a whole number >= 1"),
            ([*LONDON, "--business-days", "two"], "--business-days: must be a whole number"),
            (["--hours", "Mon-Fry 09:00-17:00", "--zone", "UTC", "--business-time", "1h"],
             "--hours[0]: unknown weekday 'Fry'"),
            (["--hours", "Mon-Fri 09:00-17:00", "--zone", "Europe/Londn", "--business-time", "1h"],
             "--zone: is not a known IANA time zone"),
            ([*LONDON, "--holidays", "XX", "--business-time", "1h"],
             "--holidays: is not a country the holidays package knows"),
            ([*LONDON, "--override", "2026-13-01=closed", "--business-time", "1h"],
             "--override['2026-13-01']: must be a date"),
            ([*LONDON, "--override", "2026-12-24", "--business-time", "1h"],
             "--override: must be DATE=SPANS"),
            ([*LONDON, "--business-days", "1", "--pause", "2026-03-02T10:00:00Z/2026-03-02T11:00:00Z"],
             "--pause holds --business-time and --calendar-time goals only"),
            ([*LONDON, "--business-time", "1h", "--pause", "2026-03-02T10:00:00Z"],
             "--pause: must be START/END"),
            ([*LONDON, "--business-time", "1h", "--pause", "2026-03-02T11:00:00Z/2026-03-02T10:00:00Z"],
             "--pause[0].end: must not be before its start"),
            ([*LONDON, "--business-time", "1h", "--fail-if-breached"], "--fail-if-breached needs --now"),
            (["--policy", POLICY, "--business-time", "1h"], "--policy PATH and --calendar NAME go together"),
            (["--policy", POLICY, "--calendar", "eu", "--business-time", "1h"],
             "--calendar: is not a calendar of"),
            (["--policy", POLICY, "--calendar", "us", "--hours", "Mon 09:00-10:00", "--business-time", "1h"],
             "--hours goes with --hours, not with --policy"),
            (["--policy", POLICY, "--calendar", "us", "--zone", "Europe/London", "--business-time", "1h"],
             "--zone: calendar 'us' is in America/New_York"),
            (["--policy", "missing.toml", "--calendar", "us", "--business-time", "1h"],
             "missing.toml: cannot be read"),
        ],
    )  # fmt: skip
    def test_bad_options_are_one_line_and_exit_2(
        self,
        argv: list[str],
        message: str,
        capsys: pytest.CaptureFixture[str],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.chdir(tmp_path)
        code, out, err = run(capsys, "due", "--start", "2026-03-02T09:00:00Z", *argv)
        assert code == 2 and out == ""
        assert err.startswith("slaclock: error: ") and message in err, err
        assert len(err.splitlines()) == 1

    def test_a_start_without_offset_is_refused(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run(capsys, "due", *LONDON, "--start", "2026-03-02T09:00:00",
                           "--business-time", "1h")  # fmt: skip
        assert code == 2
        assert err.startswith(
            "slaclock: error: --start: has no UTC offset (got '2026-03-02T09:00:00')"
        )

    def test_a_missing_start_is_an_argparse_usage_error_on_one_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as info:
            main(["due", *LONDON, "--business-time", "1h"])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err == (
            "slaclock: error: due: the following arguments are required: --start "
            "(see 'slaclock due --help')\n"
        )


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "calendar", "show", *argv)


class TestCalendarShow:
    def test_april_in_england_as_csv(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, err = show(capsys, *ENGLAND, "--month", "2026-04", "--format", "csv")
        assert (code, err) == (0, "")
        assert out.startswith("date,weekday,open,business_time,why\r\n")
        rows = as_csv(out)
        assert len(rows) == 30
        by_date = {r["date"]: r for r in rows}
        assert by_date["2026-04-01"] == {
            "date": "2026-04-01",
            "weekday": "Wed",
            "open": "09:00-17:00",
            "business_time": "28800",
            "why": "",
        }
        assert by_date["2026-04-03"]["why"] == "holiday: Good Friday"
        assert by_date["2026-04-06"]["why"] == "holiday: Easter Monday"
        assert by_date["2026-04-03"]["open"] == "" and by_date["2026-04-03"]["business_time"] == "0"
        assert by_date["2026-04-04"]["why"] == "weekend"
        # 22 weekdays in April 2026, two of them bank holidays
        assert sum(int(r["business_time"]) for r in rows) == 20 * 8 * 3600
        assert sum(1 for r in rows if r["open"]) == 20

    def test_json_lists_holidays_overrides_and_totals(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, _ = show(capsys, *ENGLAND, "--override", "2026-04-03=10:00-12:00",
                            "--override", "2026-04-30=closed", "--month", "2026-04",
                            "--format", "json")  # fmt: skip
        assert code == 0
        doc = json.loads(out)
        assert (doc["zone"], doc["from"], doc["to"]) == (
            "Europe/London",
            "2026-04-01",
            "2026-04-30",
        )
        assert doc["holidays"] == [
            {"date": "2026-04-03", "name": "Good Friday", "open": True},
            {"date": "2026-04-06", "name": "Easter Monday", "open": False},
        ]
        assert doc["overrides"] == [
            {"date": "2026-04-03", "hours": "10:00-12:00", "recurring": False},
            {"date": "2026-04-30", "hours": "closed", "recurring": False},
        ]
        days = {d["date"]: d for d in doc["days"]}
        assert days["2026-04-03"]["why"] == "override; holiday: Good Friday"
        assert days["2026-04-03"]["business_time"] == 7200
        assert days["2026-04-30"]["why"] == "override"
        # 20 open days less Thu 30 April, plus 2 hours on Good Friday
        assert doc["open_days"] == 20
        assert doc["business_time"] == (19 * 8 + 2) * 3600
        assert doc["calendar"]["kind"] == "weekly"

    def test_a_stopwatch_on_the_days_the_clocks_change(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # 00:00-03:00 local: 2 hours when the clocks go forward at 01:00, 4 when they go back at 02:00
        code, out, _ = show(capsys, "--hours", "Daily 00:00-03:00", "--zone", "Europe/London",
                            "--year", "2026", "--format", "csv")  # fmt: skip
        assert code == 0
        rows = {r["date"]: r for r in as_csv(out)}
        assert len(rows) == 365
        assert rows["2026-03-29"]["business_time"] == "7200"
        assert rows["2026-03-29"]["why"] == "clocks go forward (23-hour day)"
        assert rows["2026-10-25"]["business_time"] == "14400"
        assert rows["2026-10-25"]["why"] == "clocks go back (25-hour day)"
        assert rows["2026-03-30"]["business_time"] == "10800"
        assert rows["2026-03-29"]["open"] == "00:00-03:00"

    def test_a_night_shift_shows_both_pieces_of_a_date(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, _ = show(capsys, "--hours", "Mon-Fri 22:00-06:00", "--zone", "UTC",
                            "--month", "2026-03")  # fmt: skip
        assert code == 0
        # Monday has its own evening; Tuesday the end of Monday's shift and its own evening
        assert "2026-03-02  Mon  22:00-24:00               2h00m" in out
        assert "2026-03-03  Tue  00:00-06:00, 22:00-24:00  8h00m" in out
        # Saturday holds the end of Friday's shift; Sunday is closed
        assert "2026-03-07  Sat  00:00-06:00               6h00m\n" in out
        assert "2026-03-08  Sun  closed                    0h00m  weekend" in out

    def test_table_of_a_policy_calendar(self, capsys: pytest.CaptureFixture[str]) -> None:
        # the vendor closes at noon on Fridays; 26 November 2026 is Thanksgiving
        code, out, _ = show(
            capsys, "--policy", POLICY, "--calendar", "vendor", "--month", "2026-11"
        )
        assert code == 0
        lines = out.splitlines()
        assert (
            lines[0].startswith("Calendar.weekly('America/Chicago'") and "November 2026" in lines[0]
        )
        assert "2026-11-06  Fri  08:00-12:00  4h00m" in out
        assert "2026-11-26  Thu  closed       0h00m  holiday: Thanksgiving" in out
        assert "Holidays:" in out and "  2026-11-26  Thanksgiving" in out
        assert "Overrides: none" in out
        # 21 weekdays less Thanksgiving and Veterans Day: 15 long days and 4 Fridays
        assert "19 open days, 151h00m open in all" in out

    def test_a_closed_weekday_is_not_a_weekend(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = show(capsys, "--hours", "Mon-Thu 09:00-17:00", "--zone", "UTC",
                            "--month", "2026-03", "--format", "json")  # fmt: skip
        assert code == 0
        days: list[dict[str, Any]] = json.loads(out)["days"]
        assert days[5]["date"] == "2026-03-06" and days[5]["why"] == "closed on Fri"

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            ([*LONDON], "give one of --month YYYY-MM or --year YYYY"),
            ([*LONDON, "--month", "2026-03", "--year", "2026"], "give one of --month"),
            ([*LONDON, "--month", "2026-13"], "--month: must be a month such as 2026-03"),
            ([*LONDON, "--year", "twenty"], "--year: must be a year such as 2026"),
            (["--month", "2026-03"], "give a calendar"),
        ],
    )
    def test_bad_options_exit_2(
        self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, _, err = show(capsys, *argv)
        assert code == 2
        assert err.startswith("slaclock: error: ") and message in err and err.count("\n") == 1

    def test_calendar_without_a_subcommand_is_a_one_line_usage_error(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["calendar"]) == 2
        err = capsys.readouterr().err
        assert err == (
            "slaclock: error: calendar: a question is required: show "
            "(see 'slaclock calendar --help')\n"
        )
