"""CSV output can neutralise spreadsheet formulas (issue 7: untrusted files are data)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from slaclock.cli import main
from slaclock.policy_files import example_policy_path
from slaclock.result_files import neutralise_formula, read_results, write_results
from slaclock.samples import sample_files

EVIL = '=HYPERLINK("http://evil.example","click")'


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-0.000001", "-0.000001"),  # a number stays a number
        ("+12", "+12"),
        ("-1e3", "-1e3"),
        ("T-1", "T-1"),
        ("", ""),
        ("P1.resolution", "P1.resolution"),
    ],
)
def test_neutralise_formula(cell: str, want: str) -> None:
    assert neutralise_formula(cell) == want


def _tables(tmp_path: Path) -> tuple[Path, Path]:
    """The sample's ticket T0002 (its first response breached), under an id that is a formula."""
    tickets_file, events_file = sample_files()
    tickets = list(csv.reader(io.StringIO(tickets_file.read_text())))
    events = list(csv.reader(io.StringIO(events_file.read_text())))
    row = next(r for r in tickets if r[0] == "T0002")
    t, e = tmp_path / "tickets.csv", tmp_path / "events.csv"
    with t.open("w", newline="") as f:
        csv.writer(f).writerows([tickets[0], [EVIL, *row[1:]]])
    with e.open("w", newline="") as f:
        csv.writer(f).writerows(
            [events[0]] + [[EVIL, *r[1:]] for r in events[1:] if r[0] == "T0002"]
        )
    return t, e


def _ids(path: Path) -> set[str]:
    with path.open(newline="") as f:
        return {row["ticket_id"] for row in csv.DictReader(f)}


@pytest.mark.parametrize("chunked", [False, True])
def test_score_neutralises_formulas_only_when_asked(tmp_path: Path, chunked: bool) -> None:
    if chunked:
        pytest.importorskip("pyarrow")
    t, e = _tables(tmp_path)
    base = ["score", "--tickets", str(t), "--events", str(e), "--policy",
            str(example_policy_path()),
            "--now", "2026-10-31T00:00:00Z"]  # fmt: skip
    extra = ["--chunk-tickets", "10"] if chunked else []
    plain, safe = tmp_path / "plain.csv", tmp_path / "safe.csv"
    assert main([*base, *extra, "--out", str(plain)]) == 0
    assert main([*base, *extra, "--out", str(safe), "--neutralise-formulas"]) == 0
    assert _ids(plain) == {EVIL}  # exact by default: the file reads back as written
    assert _ids(safe) == {"'" + EVIL}
    assert {r.ticket_id for r in read_results(plain)} == {EVIL}


def test_write_results_and_report_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t, e = _tables(tmp_path)
    results = tmp_path / "results.csv"
    policy = str(example_policy_path())
    assert main(["score", "--tickets", str(t), "--events", str(e), "--policy", policy,
                 "--now", "2026-10-31T00:00:00Z", "--out", str(results)]) == 0  # fmt: skip
    capsys.readouterr()
    rows = read_results(results)
    out = tmp_path / "again.csv"
    write_results(rows, out, neutralise_formulas=True)
    assert _ids(out) == {"'" + EVIL}
    for flag, want in (([], EVIL), (["--neutralise-formulas"], "'" + EVIL)):
        code = main(["report", str(results), "--policy", policy, "--format", "csv",
                     "--table", "breaches", *flag])  # fmt: skip
        assert code == 0
        printed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert printed and {row["ticket_id"] for row in printed} == {want}
