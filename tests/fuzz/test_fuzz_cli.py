"""Fuzz the command line's arguments: every run ends in exit code 0, 1 or 2, never a traceback.

Random argument lists are built from each command's real options, with
values drawn from good ones (tiny tables, the example policy, instants,
durations), wrong ones (a directory, a missing file, a file that is not CSV,
junk text, instants without offsets) and junk flags. Whatever the arguments,
``slaclock.cli.main`` returns 0, 1 or 2 or exits through argparse (0 for
``--help``, 2 for a usage error); a run that exits 2 prints exactly one line
on stderr, ``slaclock: error: ...``; and nothing but ``SystemExit`` escapes.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzzing import bounded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slaclock.cli import main
from slaclock.policy_files import example_policy_path

pytestmark = pytest.mark.fuzz

TICKETS = "ticket_id,severity,created_at,tier,region\nT1,P2,2026-03-02T14:00:00Z,gold,us\n"
EVENTS = (
    "ticket_id,seq,at,kind,value\n"
    "T1,1,2026-03-02T14:00:00Z,status,new\n"
    "T1,2,2026-03-02T14:30:00Z,agent_reply,public\n"
    "T1,3,2026-03-02T16:00:00Z,status,solved\n"
)
OUTAGES = "service,start,end,planned\napi,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,false\n"
# a policy file whose strings look like code: it is data, and gets a precise error
HOSTILE_POLICY = (
    "name = \"__import__('os').system('echo owned')\"\n"
    'severities = ["!!python/object:os.system"]\n'
    '[statuses]\nopen = "${jndi:ldap://x}"\n'
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reset(tmp_path_factory.mktemp("cli-fuzz"))


def reset(d: Path) -> Path:
    """Write the input files afresh: a fuzzed --out may have pointed at one of them."""
    (d / "tickets.csv").write_text(TICKETS)
    (d / "events.csv").write_text(EVENTS)
    (d / "outages.csv").write_text(OUTAGES)
    (d / "hostile.toml").write_text(HOSTILE_POLICY)
    (d / "binary.csv").write_bytes(b"\x00\xff\xfe\x89PNG\r\n")
    (d / "empty.csv").write_text("")
    (d / "a-directory").mkdir(exist_ok=True)
    (d / "policy.toml").write_bytes(example_policy_path().read_bytes())
    (d / "out").mkdir(exist_ok=True)
    return d


INSTANTS = ["2026-03-02T14:00:00Z", "2026-10-31T00:00:00-05:00", "2026-03-02T14:00", "soon",
            "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00", "2026-02-30T00:00:00Z"]  # fmt: skip
DURATIONS = ["4h", "30m", "1h30m", "2.5h", "-1h", "0s", "forever", "1e9h", "", "90"]
JUNK = ["", "-", "--", "=", "\x00", "é", "💥", "--no-such-flag", "-x", "NaN", "1" * 400]


def values(folder: Path) -> dict[str, st.SearchStrategy[str]]:
    files = [str(folder / n) for n in ("tickets.csv", "events.csv", "outages.csv", "hostile.toml",
             "binary.csv", "empty.csv", "a-directory", "policy.toml", "missing.csv")]  # fmt: skip
    out_files = [str(folder / "out" / n) for n in ("r.csv", "r.json", "r.parquet", "r.txt")]
    text = st.sampled_from(JUNK) | st.text(max_size=12)
    return {
        "file": st.sampled_from(files) | text,
        "out": st.sampled_from([*out_files, str(folder / "a-directory")]) | text,
        "instant": st.sampled_from(INSTANTS) | text,
        "duration": st.sampled_from(DURATIONS) | text,
        "zone": st.sampled_from(["UTC", "Europe/London", "Mars/Base", "Europe", ""]) | text,
        "int": st.sampled_from(["1", "0", "-3", "10", "x", "1e3"]),
        "text": text,
    }


COMMANDS: dict[str, dict[str, str]] = {
    "score": {"--tickets": "file", "--events": "file", "--policy": "file", "--now": "instant",
              "--out": "out", "--format": "text", "--as-of": "instant", "--keep-going": "",
              "--chunk-tickets": "int", "--neutralise-formulas": ""},
    "report": {"": "file", "--policy": "file", "--outages": "file", "--zone": "zone",
               "--period": "text", "--now": "instant", "--at-risk-within": "duration",
               "--format": "text", "--table": "text", "--max-rows": "int", "--html": "out",
               "--neutralise-formulas": ""},
    "what-if": {"--tickets": "file", "--events": "file", "--policy": "file",
                "--proposed": "file", "--now": "instant", "--as-of": "instant",
                "--proposed-as-of": "instant", "--format": "text", "--keep-going": ""},
    "check-olas": {"--policy": "file", "--from": "instant", "--to": "instant",
                   "--attribute": "text", "--spans": "int", "--format": "text",
                   "--table": "text"},
    "due": {"--policy": "file", "--calendar": "text", "--hours": "text", "--zone": "zone",
            "--holidays": "text", "--start": "instant", "--business-time": "duration",
            "--business-days": "int", "--calendar-time": "duration", "--pause": "text",
            "--now": "instant", "--fail-if-breached": "", "--format": "text"},
    "calendar": {"": "text", "--policy": "file", "--calendar": "text", "--hours": "text",
                 "--zone": "zone", "--holidays": "text", "--month": "text", "--year": "int",
                 "--override": "text", "--format": "text"},
}  # fmt: skip


def valid(folder: Path) -> dict[str, list[str]]:
    """A working argument list per command (each runs and exits 0 or 1)."""
    t, e, p, o = (
        str(folder / n) for n in ("tickets.csv", "events.csv", "policy.toml", "outages.csv")
    )
    out = str(folder / "out" / "r.csv")
    now = "2026-03-03T00:00:00Z"
    return {
        "score": ["score", "--tickets", t, "--events", e, "--policy", p, "--now", now, "--out", out],
        "report": ["report", out, "--policy", p, "--outages", o, "--now", now],
        "what-if": ["what-if", "--tickets", t, "--events", e, "--policy", p, "--now", now,
                    "--as-of", "2025-06-01T00:00:00Z", "--proposed-as-of", "2026-06-01T00:00:00Z"],
        "check-olas": ["check-olas", "--policy", p, "--from", "2026-01-05", "--to", "2026-01-12"],
        "due": ["due", "--hours", "Mon-Fri 09:00-17:00", "--zone", "Europe/London",
                "--start", "2026-03-27T16:00:00Z", "--business-time", "4h"],
        "calendar": ["calendar", "show", "--policy", p, "--calendar", "uk", "--month", "2026-03"],
    }  # fmt: skip


@st.composite
def argv(draw: st.DrawFn, folder: Path) -> list[str]:
    pool = values(folder)
    if draw(st.booleans()):  # a working command with one or two of its words changed
        words = list(valid(folder)[draw(st.sampled_from(sorted(COMMANDS)))])
        for _ in range(draw(st.integers(1, 2))):
            i = draw(st.integers(1, len(words) - 1))
            kind = draw(st.sampled_from(["file", "instant", "duration", "zone", "text", "drop"]))
            if kind == "drop":
                del words[i]
                if len(words) == 1:
                    break
            else:
                words[i] = draw(pool[kind])
        return words
    command = draw(st.sampled_from([*COMMANDS, "calendar show", "nonsense"]))
    words = command.split()
    options = COMMANDS.get(words[0], {})
    for flag in draw(st.lists(st.sampled_from(sorted(options) or [""]), max_size=8)):
        kind = options.get(flag, "text")
        if flag:
            words.append(flag)
        if kind:
            words.append(draw(pool[kind]))
    if draw(st.booleans()):  # a junk word somewhere
        words.insert(draw(st.integers(0, len(words))), draw(pool["text"]))
    if draw(st.integers(0, 20)) == 0:
        words.append("--help")
    return words


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the profile's
@given(data=st.data())
def test_any_arguments_end_in_an_exit_code(folder: Path, data: st.DataObject) -> None:
    reset(folder)
    args = data.draw(argv(folder))
    out, err = io.StringIO(), io.StringIO()
    with (
        inside(folder),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        bounded(),
    ):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            code = exc.code if isinstance(exc.code, int) else 2
    assert code in (0, 1, 2), (args, code)
    if code == 2:
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("slaclock: error: "), (args, lines)


def test_the_working_commands_work(folder: Path) -> None:
    """The base of the mutations: each command runs (so mutations reach real work)."""
    reset(folder)
    for command, words in valid(folder).items():
        out, err = io.StringIO(), io.StringIO()
        with inside(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(words)
        assert code in (0, 1), (command, err.getvalue())


def test_a_hostile_policy_file_is_data(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with inside(folder):
        code = main(["check-olas", "--policy", "hostile.toml"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err.startswith("slaclock: error: hostile.toml") and "owned" not in capsys.readouterr().out
    )
