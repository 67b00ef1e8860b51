"""Fuzzing the file readers: outage logs (``read_outages``) and results files (``read_results``).

Seeds: the first rows of the bundled outage log, and the results of a few
sample tickets written as CSV and JSON by ``write_results``; each edited by
cell, line, character, JSON value or spliced bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from typing import Any

import pytest
from fuzzing import attempt, cell_edits, csv_text, line_edits, mutated, odd_text, temp_file
from hypothesis import given
from hypothesis import strategies as st

from slaclock.availability import OUTAGE_COLUMNS, Outage, read_outages
from slaclock.errors import SlaClockError, TableFormatError
from slaclock.evaluation import Result, evaluate
from slaclock.policy_files import example_policy
from slaclock.result_files import read_results, result_row, write_results
from slaclock.samples import SAMPLE_NOW, format_instant, load_sample

pytestmark = pytest.mark.fuzz

# ---- outage logs ----------------------------------------------------------------------------


def _outages_seed() -> str:
    from importlib import resources

    text = (resources.files("slaclock") / "data" / "sample_outages.csv").read_text("utf-8")
    return "\n".join(text.splitlines()[:7]) + "\n"


OUTAGES_CSV = _outages_seed()


def _outages_csv(outages: list[Outage]) -> str:
    rows: list[list[Any]] = [list(OUTAGE_COLUMNS)]
    for o in outages:
        rows.append(
            [o.service, format_instant(o.start), format_instant(o.end), str(o.planned).lower()]
        )
    return csv_text(rows)


def _read_outages(content: str | bytes) -> list[Outage] | SlaClockError:
    with temp_file(content, ".csv") as path:
        got = attempt(lambda: read_outages(path), path)
    if isinstance(got, SlaClockError):
        assert isinstance(got, TableFormatError), repr(got)
        return got
    # what was read writes back to a log that reads to the same outages
    with temp_file(_outages_csv(got), ".csv") as path:
        assert read_outages(path) == got
    return got


class TestOutageLogs:
    def test_the_seed_reads(self) -> None:
        got = _read_outages(OUTAGES_CSV)
        assert isinstance(got, list) and len(got) == 6

    @given(
        st.one_of(
            cell_edits(OUTAGES_CSV),
            line_edits(OUTAGES_CSV),
            st.binary(max_size=20).map(
                lambda b: OUTAGES_CSV.encode()[:60] + b + OUTAGES_CSV.encode()[60:]
            ),
        )
    )
    def test_edited_log_reads_or_names_file_row_and_column(self, content: str | bytes) -> None:
        _read_outages(content)

    @given(
        st.one_of(odd_text, st.text(alphabet="service,start,end,planned\n\"'TZ:0129-", max_size=80))
    )
    def test_any_text_reads_or_names_the_file(self, content: str) -> None:
        _read_outages(content)


# ---- results files --------------------------------------------------------------------------


def _results_seed() -> list[Result]:
    tickets, _ = load_sample()
    book = example_policy()
    return [r for t in tickets[:4] for r in evaluate(t, book, now=SAMPLE_NOW).results]


RESULTS = _results_seed()


def _written(fmt: str) -> str:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"results.{fmt}")
        write_results(RESULTS, path)
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()


RESULTS_CSV = _written("csv")
RESULTS_JSON = _written("json")
RECORDS = json.loads(RESULTS_JSON)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([10**30, -(10**30), 2**63, 86_400 * 10**9]),
        st.floats(),
        odd_text,
        st.dates().map(dt.date.isoformat),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)
    ),
    max_leaves=5,
)


def _rows(results: list[Result]) -> list[dict[str, str]]:
    return [result_row(r) for r in results]


def _read_results(content: str | bytes, suffix: str) -> list[Result] | SlaClockError:
    with temp_file(content, suffix) as path:
        got: list[Result] | SlaClockError = attempt(
            lambda: read_results(path), os.path.basename(path)
        )
    if isinstance(got, SlaClockError):
        assert isinstance(got, TableFormatError), repr(got)
        return got
    assert all(isinstance(r, Result) for r in got)
    # what was read writes back to a file that reads to the same results
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"again{suffix}")
        write_results(got, path)
        assert _rows(read_results(path)) == _rows(got)
    return got


class TestResultsFiles:
    @pytest.mark.parametrize(
        ("content", "suffix"), [(RESULTS_CSV, ".csv"), (RESULTS_JSON, ".json")]
    )
    def test_the_seeds_read(self, content: str, suffix: str) -> None:
        got = _read_results(content, suffix)
        assert isinstance(got, list) and _rows(got) == _rows(RESULTS)

    @given(
        st.one_of(
            cell_edits(RESULTS_CSV),
            line_edits(RESULTS_CSV),
            st.binary(max_size=20).map(
                lambda b: RESULTS_CSV.encode()[:300] + b + RESULTS_CSV.encode()[300:]
            ),
        )
    )
    def test_edited_csv_reads_or_names_file_row_and_column(self, content: str | bytes) -> None:
        _read_results(content, ".csv")

    @given(mutated(RECORDS, values=json_values))
    def test_edited_json_values_read_or_name_file_row_and_column(self, records: Any) -> None:
        _read_results(json.dumps(records), ".json")

    @given(
        st.one_of(
            line_edits(RESULTS_JSON),
            st.binary(max_size=20).map(
                lambda b: RESULTS_JSON.encode()[:300] + b + RESULTS_JSON.encode()[300:]
            ),
            odd_text,
        )
    )
    def test_edited_json_text_reads_or_names_the_file(self, content: str | bytes) -> None:
        _read_results(content, ".json")


class TestFoundByFuzzing:
    """Inputs the fuzz tests found, fixed, and kept as plain examples."""

    def test_an_outage_log_that_is_not_utf8_is_named(self) -> None:
        # was: UnicodeDecodeError from the CSV reader
        raw = OUTAGES_CSV.encode()[:60] + b"\x80" + OUTAGES_CSV.encode()[60:]
        with temp_file(raw, ".csv") as path, pytest.raises(TableFormatError) as info:
            read_outages(path)
        assert str(info.value) == f"{path}: is not UTF-8 text (invalid start byte) (got '')"

    def test_an_outage_log_with_a_cell_past_the_csv_field_limit_is_named(self) -> None:
        # was: _csv.Error "field larger than field limit (131072)"
        text = OUTAGES_CSV + 'api,"' + "x" * 200_000 + '",2025-11-01T08:00:00Z,false\n'
        with temp_file(text, ".csv") as path, pytest.raises(TableFormatError) as info:
            read_outages(path)
        assert str(info.value) == (
            f"{path} line 8: is not valid CSV (field larger than field limit (131072)) (got '')"
        )

    @pytest.mark.parametrize(
        ("column", "value", "problem"),
        [
            ("goal", 10**30, "is longer than a duration holds (999999999 days)"),
            (
                "start",
                "0001-01-01T00:00:00+01:00",
                "is outside the instants a datetime holds (years 1 to 9999 in UTC)",
            ),
            (
                "warnings",
                [{"label": "50%", "at": "9999-12-31T23:00:00-05:00"}],
                "holds an instant outside what a datetime holds (years 1 to 9999 in UTC)",
            ),
            ("earlier", "[" * 100_000 + "]" * 100_000, "is JSON nested too deep"),
        ],
    )
    def test_a_results_cell_past_what_python_holds_is_named(
        self, column: str, value: Any, problem: str
    ) -> None:
        # was: OverflowError ("Python int too large to convert to C int", "date value out of
        # range") and RecursionError, raw
        records = [dict(RECORDS[0], **{column: value})]
        with (
            temp_file(json.dumps(records), ".json") as path,
            pytest.raises(TableFormatError) as info,
        ):
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value).startswith(f"{name} row 1, column {column}: {problem} (got ")

    @pytest.mark.parametrize("suffix", [".csv", ".json"])
    def test_a_results_file_that_is_not_utf8_is_named(self, suffix: str) -> None:
        # was: UnicodeDecodeError
        text = RESULTS_CSV if suffix == ".csv" else RESULTS_JSON
        raw = text.encode()[:300] + b"\x80" + text.encode()[300:]
        with temp_file(raw, suffix) as path, pytest.raises(TableFormatError) as info:
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value) == f"{name}: is not UTF-8 text (invalid start byte) (got None)"

    def test_a_results_json_file_nested_too_deep_is_named(self) -> None:
        # was: RecursionError from the JSON parser
        with (
            temp_file("[" * 100_000 + "]" * 100_000, ".json") as path,
            pytest.raises(TableFormatError) as info,
        ):
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value) == f"{name}: is not JSON (nested too deep) (got None)"

    def test_a_results_json_file_with_an_integer_of_5000_digits_is_named(self) -> None:
        # was: ValueError "Exceeds the limit (4300 digits) for integer string conversion"
        with temp_file("9" * 5000, ".json") as path, pytest.raises(TableFormatError) as info:
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value).startswith(
            f"{name}: is not JSON (Exceeds the limit (4300 digits) for integer string conversion"
        )

    def test_a_results_csv_cell_past_the_field_limit_is_named(self) -> None:
        # was: _csv.Error "field larger than field limit (131072)"
        lines = RESULTS_CSV.count("\n")
        text = RESULTS_CSV + '"' + "x" * 200_000 + '"\n'
        with temp_file(text, ".csv") as path, pytest.raises(TableFormatError) as info:
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value) == (
            f"{name} line {lines + 1}: is not valid CSV (field larger than field limit "
            "(131072)) (got None)"
        )

    def test_an_entry_of_earlier_without_a_key_names_the_key(self) -> None:
        # was: "row 1, column earlier: 'due'" (the KeyError's text alone)
        records = [dict(RECORDS[0], earlier=[{"severity": "P2"}])]
        with (
            temp_file(json.dumps(records), ".json") as path,
            pytest.raises(TableFormatError) as info,
        ):
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value) == (
            f"{name} row 1, column earlier: has an entry without the key 'due' "
            "(got [{'severity': 'P2'}])"
        )

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("ticket_id", "\ud800"),
            ("warnings", [{"label": "\udfff", "at": "2026-03-02T14:00:00Z"}]),
        ],
    )
    def test_a_lone_surrogate_in_a_json_results_file_is_named(
        self, column: str, value: Any
    ) -> None:
        # was: read, then write_results failed with UnicodeEncodeError on the same results
        records = [dict(RECORDS[0], **{column: value})]
        with (
            temp_file(json.dumps(records), ".json") as path,
            pytest.raises(TableFormatError) as info,
        ):
            read_results(path)
        name = os.path.basename(path)
        assert str(info.value).startswith(
            f"{name} row 1, column {column}: 'utf-8' codec can't encode character"
        )
