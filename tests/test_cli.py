"""The command line: ``slaclock demo`` and exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from slaclock.cli import main


class TestDemo:
    def test_demo_answers_across_dst_night_shift_and_holidays(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["demo"]) == 0
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
            [sys.executable, "-m", "slaclock.cli", "demo"],
            check=True,
            capture_output=True,
            text=True,
        )
        assert "slaclock demo" in out.stdout

    def test_no_command_prints_help_and_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main([]) == 2
        assert "demo" in capsys.readouterr().out

    def test_unknown_command_is_a_usage_error(self) -> None:
        with pytest.raises(SystemExit) as info:
            main(["frobnicate"])
        assert info.value.code == 2
