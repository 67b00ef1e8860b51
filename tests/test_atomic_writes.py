"""Output files are written atomically: never half a file, no temporary left behind."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import attrs
import pytest

from slaclock import AgentReply, Calendar, StatusChange, Ticket, evaluate
from slaclock._files import atomic_path
from slaclock.evaluation import Result
from slaclock.policies import BusinessTime, Policy, Target
from slaclock.provenance import read_provenance
from slaclock.result_files import read_results, write_results


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def interrupted() -> None:
        with atomic_path(target) as temp:
            Path(temp).write_text("half of a new fi")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted()
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_a_complete_write_replaces_the_file_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    mode = target.stat().st_mode
    with atomic_path(target) as temp:
        Path(temp).write_text("new\n")
    assert target.read_text() == "new\n"
    assert os.listdir(tmp_path) == ["out.csv"]
    assert target.stat().st_mode == mode


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_write_results_is_atomic(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"results.{suffix}"
    write_results([], target)
    assert read_results(target) == []

    good = _result()
    bad = attrs.evolve(good, start="not an instant")  # type: ignore[arg-type] # fails when written
    with pytest.raises(AttributeError):
        write_results([good, good, bad], target)
    assert read_results(target) == []
    # the data and its provenance sidecar (slaclock.provenance), which still matches the data
    assert sorted(os.listdir(tmp_path)) == [target.name, f"{target.name}.provenance.json"]
    read_provenance(target)


def _result() -> Result:
    cal = Calendar.weekly("UTC", "Mon-Fri 09:00-17:00")
    policy = Policy(
        "support",
        ["P2"],
        {"open": "running", "solved": "stopped"},
        [Target("first_response", "P2", BusinessTime(dt.timedelta(hours=1)), cal)],
    )
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    ticket = Ticket(
        "T1", "P2", [StatusChange(t0, status="open"), AgentReply(t0 + dt.timedelta(minutes=5))]
    )
    return evaluate(ticket, policy, now=t0 + dt.timedelta(hours=2)).results[0]
