"""Reproducible audits (issue 7): what a result file records, and scoring twice gives the same bytes."""

from __future__ import annotations

import concurrent.futures
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slaclock.errors import InputError
from slaclock.evaluation import RESULT_SCHEMA_VERSION, Evaluation, evaluate
from slaclock.policies import PolicyBook
from slaclock.policy_files import example_policy, example_policy_path
from slaclock.provenance import (
    METADATA_KEY,
    policy_fingerprint,
    provenance,
    read_provenance,
    sidecar_path,
)
from slaclock.result_files import write_results
from slaclock.samples import load_sample

N_TICKETS = 120


@pytest.fixture(scope="module")
def scored() -> tuple[list[Evaluation], PolicyBook]:
    tickets, now = load_sample()
    book = example_policy()
    return [evaluate(t, book, now=now) for t in tickets[:N_TICKETS]], book


@pytest.fixture
def tzpath() -> Iterator[None]:
    """Restore zoneinfo's search path after a test changes it."""
    before = zoneinfo.TZPATH
    try:
        yield
    finally:
        zoneinfo.reset_tzpath(to=before)


class TestRecord:
    def test_versions_come_from_the_installed_packages(self) -> None:
        record = provenance()
        assert record["slaclock"] == importlib.metadata.version("slaclock")
        assert record["tzdata"] == importlib.metadata.version("tzdata")
        assert record["holidays"] == importlib.metadata.version("holidays")
        assert record["result_schema_version"] == str(RESULT_SCHEMA_VERSION)
        assert record["tzpath"] == os.pathsep.join(zoneinfo.TZPATH)
        assert list(record) == sorted(record)
        assert all(isinstance(v, str) for v in record.values())
        assert "policy" not in record

    def test_the_policy_entries(self) -> None:
        book = example_policy()
        record = provenance(book)
        assert record["policy"] == "Acme support"
        assert record["policy_versions"] == (
            "Enterprise@2025-01-01T05:00:00Z; Standard@2025-01-01T05:00:00Z; "
            "Enterprise@2026-01-01T05:00:00Z; Standard@2026-01-01T05:00:00Z"
        )
        assert record["policy_sha256"] == policy_fingerprint(book)
        one = provenance(book.policies[0])
        assert one["policy"] == "Enterprise"
        assert one["policy_sha256"] != record["policy_sha256"]

    def test_the_policy_file_bytes(self) -> None:
        path = Path(str(example_policy_path()))
        record = provenance(example_policy(), policy_file=path)
        assert record["policy_file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    def test_not_a_policy(self) -> None:
        with pytest.raises(InputError, match="policy: must be a Policy or a PolicyBook"):
            provenance("support")  # type: ignore[arg-type]

    @pytest.mark.usefixtures("tzpath")
    def test_zones_from_the_tzdata_package(self) -> None:
        tzdata = pytest.importorskip("tzdata")
        zoneinfo.reset_tzpath(to=[])
        record = provenance(example_policy())
        assert (record["zone_data"], record["zone_data_version"]) == (
            "tzdata package",
            tzdata.IANA_VERSION,
        )
        assert record["tzpath"] == ""

    @pytest.mark.usefixtures("tzpath")
    def test_zones_from_a_system_directory(self, tmp_path: Path) -> None:
        (tmp_path / "UTC").write_bytes(b"TZif")
        (tmp_path / "tzdata.zi").write_text("# version 2099z\n# more\n")
        zoneinfo.reset_tzpath(to=[os.fspath(tmp_path)])
        record = provenance()
        assert (record["zone_data"], record["zone_data_version"]) == (os.fspath(tmp_path), "2099z")
        # a zone the directory does not hold comes from the package
        record = provenance(example_policy())
        assert set(record["zone_data"].split("; ")) == {os.fspath(tmp_path), "tzdata package"}


TOML = """
name = "desk"
statuses = { open = "running", solved = "stopped" }
severities = ["P1"]

[calendars.office]
zone = "Europe/Paris"
hours = "Mon-Fri 09:00-17:00"

[[policies]]
name = "standard"

[policies.targets.P1]
first_response = { business_time = "4h", calendar = "office" }
"""


class TestFingerprint:
    def test_equal_books_have_equal_fingerprints(self) -> None:
        assert policy_fingerprint(example_policy()) == policy_fingerprint(example_policy())

    def test_layout_and_comments_do_not_count(self) -> None:
        a = PolicyBook.from_toml(TOML)
        b = PolicyBook.from_toml("# the desk\n" + TOML.replace(" = ", "   =   ") + "\n\n")
        assert policy_fingerprint(a) == policy_fingerprint(b)

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ('business_time = "4h"', 'business_time = "5h"'),
            ("09:00-17:00", "09:00-17:30"),
            ("Europe/Paris", "Europe/Berlin"),
            ('solved = "stopped"', 'solved = "paused"'),
            ('name = "standard"', 'name = "gold"'),
        ],
    )
    def test_any_change_of_the_terms_counts(self, old: str, new: str) -> None:
        assert old in TOML
        a = PolicyBook.from_toml(TOML)
        b = PolicyBook.from_toml(TOML.replace(old, new))
        assert policy_fingerprint(a) != policy_fingerprint(b)

    def test_the_same_in_another_process(self) -> None:
        # no object address, hash seed or dict order leaks into the canonical form
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            theirs = pool.submit(policy_fingerprint, example_policy()).result()
        assert theirs == policy_fingerprint(example_policy())


def _read(path: str | os.PathLike[str]) -> bytes:
    return Path(path).read_bytes()


class TestResultFiles:
    @pytest.mark.parametrize("suffix", ["csv", "json"])
    def test_text_files_get_a_sidecar(
        self, tmp_path: Path, suffix: str, scored: tuple[list[Evaluation], PolicyBook]
    ) -> None:
        evaluations, book = scored
        target = tmp_path / f"results.{suffix}"
        write_results(evaluations, target, policy=book)
        side = json.loads(Path(sidecar_path(target)).read_text())
        assert side["file"] == target.name
        assert side["sha256"] == hashlib.sha256(_read(target)).hexdigest()
        assert side[METADATA_KEY] == provenance(book)
        assert read_provenance(target) == provenance(book)

    def test_a_changed_data_file_no_longer_matches_its_sidecar(
        self, tmp_path: Path, scored: tuple[list[Evaluation], PolicyBook]
    ) -> None:
        evaluations, book = scored
        target = tmp_path / "results.csv"
        write_results(evaluations, target, policy=book)
        with target.open("a") as f:
            f.write("\n")
        with pytest.raises(InputError, match="does not match its provenance sidecar"):
            read_provenance(target)
        assert read_provenance(target, check=False) == provenance(book)

    def test_without_a_record_an_old_sidecar_is_removed(self, tmp_path: Path) -> None:
        target = tmp_path / "results.json"
        write_results([], target)
        assert os.path.exists(sidecar_path(target))
        write_results([], target, provenance=False)
        assert not os.path.exists(sidecar_path(target))
        with pytest.raises(InputError, match="has no provenance sidecar"):
            read_provenance(target)

    def test_parquet_keeps_it_in_the_metadata(
        self, tmp_path: Path, scored: tuple[list[Evaluation], PolicyBook]
    ) -> None:
        pq = pytest.importorskip("pyarrow.parquet")
        evaluations, book = scored
        target = tmp_path / "results.parquet"
        write_results(evaluations, target, policy=book)
        assert not os.path.exists(sidecar_path(target))
        meta = pq.read_schema(target).metadata
        assert json.loads(meta[METADATA_KEY.encode()]) == provenance(book)
        assert meta[b"slaclock.result_schema_version"] == b"1"
        assert read_provenance(target) == provenance(book)
        write_results(evaluations, target, provenance=False)
        with pytest.raises(InputError, match=r"has no 'slaclock\.provenance'"):
            read_provenance(target)

    def test_a_given_record_is_written_as_is(self, tmp_path: Path) -> None:
        record = {"slaclock": "1.2.3", "ticket_export": "2026-Q3"}
        target = tmp_path / "results.csv"
        write_results([], target, provenance=record)
        assert read_provenance(target) == record
        with pytest.raises(InputError, match="provenance: must be True, False or a mapping"):
            write_results([], target, provenance="yes")  # type: ignore[arg-type]


class TestSameBytesTwice:
    @pytest.mark.parametrize("suffix", ["csv", "json", "parquet"])
    def test_write_results(
        self, tmp_path: Path, suffix: str, scored: tuple[list[Evaluation], PolicyBook]
    ) -> None:
        if suffix == "parquet":
            pytest.importorskip("pyarrow")
        evaluations, book = scored
        tickets, now = load_sample()
        again = [evaluate(t, example_policy(), now=now) for t in tickets[:N_TICKETS]]
        paths = []
        for run, evs in (("a", evaluations), ("b", again)):
            (tmp_path / run).mkdir()
            paths.append(tmp_path / run / f"results.{suffix}")
            write_results(evs, paths[-1], policy=book if run == "a" else example_policy())
        assert _read(paths[0]) == _read(paths[1])
        if suffix != "parquet":
            assert _read(sidecar_path(paths[0])) == _read(sidecar_path(paths[1]))

    def test_score_parquet(self, tmp_path: Path) -> None:
        pq = pytest.importorskip("pyarrow.parquet")
        from slaclock.batch import score_parquet, tables_from_tickets

        tickets, now = load_sample()
        tickets_table, events_table = tables_from_tickets(tickets[:N_TICKETS], library="arrow")
        pq.write_table(tickets_table, tmp_path / "tickets.parquet")
        pq.write_table(events_table, tmp_path / "events.parquet")
        outs = []
        for run in ("a", "b"):
            outs.append(
                score_parquet(
                    tmp_path / "tickets.parquet",
                    tmp_path / "events.parquet",
                    example_policy(),
                    now=now,
                    out=tmp_path / f"{run}.parquet",
                    chunk_tickets=50,
                )
            )
        assert _read(outs[0].results) == _read(outs[1].results)
        assert _read(outs[0].errors) == _read(outs[1].errors)
        record = provenance(example_policy())
        assert read_provenance(outs[0].results) == record
        assert read_provenance(outs[0].errors) == record

    @pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
    def test_chunked_sinks_write_what_write_results_writes(
        self, tmp_path: Path, fmt: str, scored: tuple[list[Evaluation], PolicyBook]
    ) -> None:
        pytest.importorskip("pyarrow")
        from slaclock.batch import results_frame
        from slaclock.batch._outputs import open_sink
        from slaclock.batch._pieces import arrow_schema, to_schema

        evaluations, book = scored
        table: Any = results_frame(evaluations, "arrow")
        whole = tmp_path / f"whole.{fmt}"
        write_results(evaluations, whole, policy=book)
        chunked = tmp_path / "chunked" / f"whole.{fmt}"
        chunked.parent.mkdir()
        id_type = table.schema.field("ticket_id").type
        errors = arrow_schema("errors", id_type).empty_table()
        with open_sink(os.fspath(chunked), fmt, id_type, policy=book) as sink:
            for start in range(0, table.num_rows, 100):
                piece = to_schema(table.slice(start, 100), arrow_schema("results", id_type))
                sink.add(piece, errors)
        assert read_provenance(chunked) == read_provenance(whole) == provenance(book)
        if fmt != "parquet":  # Parquet row groups follow the pieces; the rows are the same
            assert _read(chunked) == _read(whole)
            assert _read(sidecar_path(chunked)) == _read(sidecar_path(whole))
