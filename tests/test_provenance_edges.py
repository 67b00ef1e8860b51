"""The provenance record where the installed data is unusual, and the fingerprint's edges.

tests/test_provenance.py checks the record on this machine; here the zone
data directory does not say its release (or cannot be read), the ``tzdata``
package or ``holidays`` is missing, the policy file cannot be read, and the
fingerprint meets every kind of value a policy can hold (and one it refuses).
"""

from __future__ import annotations

import datetime as dt
import decimal
import importlib.metadata
import os
import re
import sys
import zoneinfo
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from slaclock import Calendar
from slaclock.errors import InputError
from slaclock.policies import CalendarTime, Policy, Target
from slaclock.provenance import _canonical as canonical
from slaclock.provenance import policy_fingerprint, provenance


@pytest.fixture
def tzpath() -> Iterator[None]:
    """Restore zoneinfo's search path after a test changes it."""
    before = zoneinfo.TZPATH
    try:
        yield
    finally:
        zoneinfo.reset_tzpath(to=before)


def with_condition(when: dict[str, object]) -> Policy:
    return Policy(
        "p",
        ["P1"],
        {"open": "running", "solved": "stopped"},
        [Target("resolution", "P1", CalendarTime(dt.timedelta(hours=4)))],
        when=when,
    )


@pytest.mark.usefixtures("tzpath")
@pytest.mark.parametrize(
    ("zi", "release"),
    [
        (None, "unknown"),  # no tzdata.zi at all
        ("# compiled by hand\n", "unknown"),  # a first line without the release
        ("#version 2031a\n", "2031a"),
    ],
)
def test_a_zone_directory_that_does_not_say_its_release(
    tmp_path: Path, zi: str | None, release: str
) -> None:
    (tmp_path / "UTC").write_bytes(b"TZif")
    if zi is not None:
        (tmp_path / "tzdata.zi").write_text(zi)
    zoneinfo.reset_tzpath(to=[os.fspath(tmp_path)])
    record = provenance()
    assert (record["zone_data"], record["zone_data_version"]) == (os.fspath(tmp_path), release)
    assert record["tzpath"] == os.fspath(tmp_path)


@pytest.mark.usefixtures("tzpath")
def test_a_zone_directory_whose_release_file_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "UTC").write_bytes(b"TZif")
    (tmp_path / "tzdata.zi").mkdir()  # a directory: open() fails
    zoneinfo.reset_tzpath(to=[os.fspath(tmp_path)])
    assert provenance()["zone_data_version"] == "unknown"


@pytest.mark.usefixtures("tzpath")
def test_zones_from_a_missing_tzdata_package(monkeypatch: pytest.MonkeyPatch) -> None:
    zoneinfo.reset_tzpath(to=[])
    monkeypatch.setitem(sys.modules, "tzdata", None)  # import tzdata raises ImportError
    record = provenance()
    assert (record["zone_data"], record["zone_data_version"]) == ("tzdata package", "unknown")


def test_a_package_that_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = importlib.metadata.version

    def version(name: str) -> str:
        if name == "holidays":
            raise importlib.metadata.PackageNotFoundError(name)
        return installed(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    record = provenance()
    assert record["holidays"] == "not installed"
    assert record["tzdata"] == installed("tzdata")


def test_a_policy_file_that_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "policy.toml"
    with pytest.raises(InputError) as info:
        provenance(policy_file=missing)
    assert str(info.value) == (
        f"policy_file: cannot be read (No such file or directory) (got {os.fspath(missing)!r})"
    )


def test_the_canonical_form_of_each_kind_of_value() -> None:
    zones: set[str] = set()
    assert canonical(0.1, zones) == {"float": "0.1"}
    assert canonical(decimal.Decimal("2.50"), zones) == {"decimal": "2.50"}
    assert canonical(dt.date(2024, 1, 8), zones) == {"date": "2024-01-08"}
    assert canonical(dt.time(9, 30), zones) == {"time": "09:30:00"}
    wall = dt.datetime(2024, 1, 8, 9, 30)  # noqa: DTZ001 - a wall time is a value too
    assert canonical(wall, zones) == {"wall": "2024-01-08T09:30:00"}
    aware = dt.datetime(2024, 1, 8, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert canonical(aware, zones) == {"instant": "2024-01-08T08:30:00Z"}
    assert canonical(Fraction(3, 4), zones) == {"fraction": "3/4"}
    assert canonical(re.compile(r"^T-\d+$"), zones) == {"pattern": r"^T-\d+$"}
    # a set is sorted by the JSON text of its members ('"a"' before '2'): the same order
    # whatever the hash seed
    assert canonical({"b", 2, "a"}, zones) == {"set": ["a", "b", 2]}
    assert canonical(frozenset({1.5}), zones) == {"set": [{"float": "1.5"}]}
    # a mapping is its sorted [key, value] pairs
    assert canonical({"b": 1, "a": 2.5}, zones) == {"mapping": [["a", {"float": "2.5"}], ["b", 1]]}
    assert zones == set()
    canonical(Calendar.weekly("Asia/Tokyo", "Mon-Fri 09:00-17:00"), zones)
    assert zones == {"Asia/Tokyo"}


def test_conditions_on_any_value_have_a_fingerprint() -> None:
    a = with_condition({"since": dt.date(2024, 1, 1), "weight": [1.5, 2.5]})
    b = with_condition({"weight": (2.5, 1.5), "since": dt.date(2024, 1, 1)})
    assert policy_fingerprint(a) == policy_fingerprint(b)
    assert policy_fingerprint(a) != policy_fingerprint(
        with_condition({"since": dt.date(2024, 1, 2), "weight": [1.5, 2.5]})
    )


def test_a_value_without_a_canonical_form_is_refused() -> None:
    class Tier:
        def __hash__(self) -> int:
            return 1

        def __repr__(self) -> str:
            return "Tier()"

    with pytest.raises(InputError) as info:
        policy_fingerprint(with_condition({"tier": Tier()}))
    assert str(info.value) == "policy: holds a Tier, which has no canonical form (got Tier())"
