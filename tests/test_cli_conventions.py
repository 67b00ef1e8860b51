"""What every command shares: ``--help`` with worked examples and exit codes, one-line
usage errors, the three output formats and how values are written in them."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shlex
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from slaclock import cli
from slaclock.cli import main
from slaclock.policy_files import example_policy_path

COMMANDS = {
    "demo": "slaclock demo --out r.json",
    "score": "slaclock score --tickets tickets.csv --events events.csv --policy policy.toml",
    "report": "slaclock report results.csv --policy policy.toml --format csv --table monthly",
    "what-if": "--proposed proposed.toml --now 2026-10-31T00:00:00Z",
    "check-olas": "slaclock check-olas --policy policy.toml --attribute region=uk --format json",
    "due": 'slaclock due --hours "Mon-Fri 09:00-17:00" --zone Europe/London --holidays GB-ENG',
    "calendar show": "slaclock calendar show --policy policy.toml --calendar vendor --year 2026",
}


def help_of(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main([*command.split(), "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


class TestHelp:
    @pytest.mark.parametrize("command", list(COMMANDS))
    def test_every_command_has_worked_examples_and_exit_codes(
        self, command: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = help_of(command, capsys)
        assert "examples:" in out and "exit codes:" in out
        assert COMMANDS[command] in out
        assert "  0  " in out and "  2  " in out

    @pytest.mark.parametrize("command", ["report", "what-if", "check-olas", "due", "calendar show"])
    def test_new_commands_offer_the_three_formats(
        self, command: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert "{table,csv,json}" in help_of(command, capsys)

    def test_the_top_level_help_lists_commands_and_exit_codes(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        out = help_of("", capsys)
        for command in ("demo", "score", "report", "what-if", "check-olas", "due", "calendar"):
            assert f"    {command}" in out, command
        assert "exit codes (every command):" in out
        assert "1  done, and found something" in out

    def test_main_documents_the_exit_codes(self) -> None:
        doc = main.__doc__ or ""
        assert "**0**" in doc and "**1**" in doc and "**2**" in doc


class TestUsageErrors:
    @pytest.mark.parametrize(
        ("argv", "line"),
        [
            (["frobnicate"], "slaclock: error: argument COMMAND: invalid choice: 'frobnicate'"),
            (["check-olas"], "slaclock: error: check-olas: the following arguments are required: "
                             "--policy (see 'slaclock check-olas --help')"),
            (["due", "--start", "x", "--format", "xml"], "slaclock: error: due: argument --format: "
                                                         "invalid choice: 'xml'"),
            (["calendar", "show", "--month"], "slaclock: error: calendar show: argument --month: "
                                              "expected one argument"),
        ],
    )  # fmt: skip
    def test_argparse_errors_are_one_line_and_exit_2(
        self, argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(line), err
        assert err.count("\n") == 1


class TestValues:
    @pytest.mark.parametrize(
        ("share", "text"),
        [
            (Fraction(1), "1"),
            (Fraction(0), "0"),
            (Fraction(19, 20), "0.95"),
            (Fraction(2, 3), "0.666666666667"),
            (Fraction(1, 3), "0.333333333333"),
            (Fraction(-1, 8), "-0.125"),
            (Fraction(1, 10**12), "0.000000000001"),
            (Fraction(1, 2 * 10**12), "0"),  # half to even
            (Fraction(3, 2 * 10**12), "0.000000000002"),
        ],
    )
    def test_shares_are_decimals_exact_to_12_places(self, share: Fraction, text: str) -> None:
        assert cli._decimal_text(share) == text

    def test_csv_and_json_cells(self) -> None:
        at = dt.datetime(2026, 3, 2, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
        td = dt.timedelta(hours=1, microseconds=500000)
        assert [cli._csv_cell(v) for v in (None, True, False, td, at, Decimal("600.00"), 7)] == [
            "",
            "true",
            "false",
            "3600.5",
            "2026-03-02T14:05:00Z",
            "600.00",
            "7",
        ]
        assert cli._json_value(
            {"a": td, "b": at, "c": Decimal("600.00"), "d": Decimal("0.5"), "e": Fraction(1, 4)}
        ) == {"a": 3600.5, "b": "2026-03-02T14:05:00Z", "c": 600, "d": 0.5, "e": 0.25}
        assert json.dumps(cli._json_value([Fraction(1), Fraction(0), Decimal("600.00")])) == (
            "[1, 0, 600]"
        )

    def test_people_read_durations_percents_and_local_times(self) -> None:
        assert cli._human_duration(dt.timedelta(hours=39)) == "39h00m"
        assert cli._human_duration(dt.timedelta(minutes=-135)) == "-2h15m"
        assert cli._human_duration(dt.timedelta(seconds=3630.25)) == "1h00m30.25s"
        assert cli._human(Fraction(2, 3), "UTC") == "66.66%"  # rounded down, as the HTML report
        assert cli._human(Fraction(19, 20), "UTC") == "95%"
        t = dt.datetime(2026, 1, 2, 13, 30, 0, 1, tzinfo=dt.UTC)
        assert cli._local_text(t, "America/New_York", weekday=True) == (
            "Fri 2026-01-02 08:30:00.000001 EST"
        )


class TestFormats:
    ROWS = (
        {"name": "a", "n": 1, "share": Fraction(1, 2), "when": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        {"name": "b, c", "n": 10, "share": None, "when": None},
    )  # fmt: skip

    def emit(self, fmt: str) -> str:
        out = io.StringIO()
        cli._emit(
            fmt,
            out,
            sheets=[cli.Sheet("rows", self.ROWS, title="Rows", zone="Europe/London")],
            document={"rows": self.ROWS},
            head=["Head"],
            tail=["Tail"],
        )
        return out.getvalue()

    def test_table_aligns_numbers_right(self) -> None:
        assert self.emit("table") == (
            "Head\n\nRows\n"
            "name   n  share  when\n"
            "-------------------------------------\n"
            "a      1    50%  2026-01-01 00:00 GMT\n"
            "b, c  10      -  -\n"
            "\nTail\n"
        )

    def test_csv_is_rfc_4180(self) -> None:
        assert self.emit("csv") == (
            'name,n,share,when\r\na,1,0.5,2026-01-01T00:00:00Z\r\n"b, c",10,,\r\n'
        )

    def test_json_is_one_document(self) -> None:
        assert json.loads(self.emit("json")) == {
            "rows": [
                {"name": "a", "n": 1, "share": 0.5, "when": "2026-01-01T00:00:00Z"},
                {"name": "b, c", "n": 10, "share": None, "when": None},
            ]
        }


GUIDE = Path(__file__).parent.parent / "docs" / "guides" / "command-line.md"


def guide_examples() -> list[tuple[str, str]]:
    """The guide's ``console`` blocks: a ``$ slaclock ...`` line, then its output."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.findall(r"```console\n\$ (.*?)\n(.*?)```", text, flags=re.DOTALL)
    return [(command, output) for command, output in found]


class TestTheGuide:
    def test_the_guide_has_examples_of_every_command(self) -> None:
        commands = " ".join(c for c, _ in guide_examples())
        for name in ("check-olas", "due", "calendar show"):
            assert f"slaclock {name}" in commands
        text = GUIDE.read_text(encoding="utf-8")
        for name in ("demo", "score", "report", "what-if"):
            assert f"## `slaclock {name}`" in text or f"`slaclock {name}`" in text

    @pytest.mark.parametrize(("command", "output"), guide_examples())
    def test_each_example_prints_what_the_guide_shows(
        self,
        command: str,
        output: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.chdir(tmp_path)
        shutil.copy(str(example_policy_path()), "policy.toml")
        words = shlex.split(command)
        assert words[0] == "slaclock"
        code = main(words[1:])
        captured = capsys.readouterr()
        assert captured.err == ""
        assert code in (0, 1)
        assert captured.out.replace("\r\n", "\n") == output  # CSV rows end in CRLF
