"""What a scored output was made with: versions, zone data and the policy's fingerprint.

A result file answers "why did this ticket breach?" months later only if it
says what produced it. :func:`provenance` gathers that record as a flat
mapping of text:

``slaclock``, ``python``
    The versions of slaclock and of the Python that ran it.
``tzdata``, ``holidays``
    The installed versions of the ``tzdata`` and ``holidays`` packages
    (``"not installed"`` when missing).
``zone_data``, ``zone_data_version``, ``tzpath``
    Where :mod:`zoneinfo` actually reads the policy's zones (``"tzdata
    package"``, or the system directory, ``"/usr/share/zoneinfo"``), the IANA
    release of that data (``"2025b"``; ``"unknown"`` when the directory does
    not say), and ``zoneinfo.TZPATH`` (directories separated by
    ``os.pathsep``). ``zoneinfo`` prefers a system directory on its
    ``TZPATH`` to the ``tzdata`` package: the zone rules in force may not be
    the ``tzdata`` version installed (see the audits guide).
``result_schema_version``
    :data:`~slaclock.evaluation.RESULT_SCHEMA_VERSION`.
``policy``, ``policy_versions``, ``policy_sha256``
    With a policy: its name (a book's name), its versions (``name@valid_from``
    in UTC, ``name@always`` for a policy without one, in the book's order,
    separated by ``"; "``), and the SHA-256 of its canonical form (below).
``policy_file_sha256``
    With ``policy_file``: the SHA-256 of that file's bytes.

**The policy fingerprint** is computed from the policy's value, not from
a file: policies built in code have one, and two files that differ only in
comments, spacing or key order give the same fingerprint. The canonical form
is a JSON text (keys sorted, no spaces) of every field that takes part in
``==`` (caches excluded), calendars by their
:meth:`~slaclock.calendars.Calendar.to_dict`, instants in UTC, durations in
microseconds, fractions as ``n/d``. Equal policies have equal fingerprints;
any change of a target, calendar, holiday source or status changes it. The
form belongs to the slaclock version recorded beside it: compare fingerprints
computed by the same version. To tie a report to a file's exact bytes, pass
``policy_file`` too.

Result files carry the record (:func:`~slaclock.result_files.write_results`,
:func:`~slaclock.batch.files.score_parquet`): Parquet files in their
metadata under :data:`METADATA_KEY`, CSV and JSON files in a sidecar file
``<file>.provenance.json`` (:func:`sidecar_path`) that also holds the data
file's SHA-256, so a sidecar that does not belong to its file is noticed.
:func:`read_provenance` reads either back and checks that.

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import os
import platform
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from slaclock.errors import InputError

if TYPE_CHECKING:
    from slaclock.policies import Policy, PolicyBook

__all__ = [
    "METADATA_KEY",
    "SIDECAR_SUFFIX",
    "metadata_text",
    "policy_fingerprint",
    "provenance",
    "read_provenance",
    "sidecar_path",
    "write_sidecar",
]

METADATA_KEY: Final = "slaclock.provenance"
"""The key of the provenance record (JSON text) in a Parquet file's metadata."""

SIDECAR_SUFFIX: Final = ".provenance.json"
"""Appended to a CSV or JSON result file's name to name its provenance sidecar."""

_NOT_INSTALLED: Final = "not installed"
_TZDATA_PACKAGE: Final = "tzdata package"
_CHUNK: Final = 1 << 20


def provenance(
    policy: Policy | PolicyBook | None = None,
    *,
    policy_file: str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """The record of what produces results now: versions, zone data, the policy.

    Parameters
    ----------
    policy
        The :class:`~slaclock.policies.Policy` or
        :class:`~slaclock.policies.PolicyBook` that measures the tickets;
        None leaves out the policy's entries (the zone data is then that of
        ``UTC``).
    policy_file
        The file the policy was read from: its bytes' SHA-256 is recorded too.

    Returns
    -------
    dict of str to str
        The entries described in the module docs, keys sorted.

    Examples
    --------
    >>> from slaclock.policy_files import example_policy
    >>> from slaclock.provenance import provenance
    >>> record = provenance(example_policy())
    >>> record["policy"], record["result_schema_version"], len(record["policy_sha256"])
    ('Acme support', '1', 64)
    >>> record["policy_sha256"] == provenance(example_policy())["policy_sha256"]
    True
    """
    from slaclock.evaluation import RESULT_SCHEMA_VERSION
    from slaclock.policies import Policy, PolicyBook

    out: dict[str, str] = {
        "slaclock": _version("slaclock"),
        "python": platform.python_version(),
        "tzdata": _version("tzdata"),
        "holidays": _version("holidays"),
        "tzpath": os.pathsep.join(zoneinfo.TZPATH),
        "result_schema_version": str(RESULT_SCHEMA_VERSION),
    }
    zones: set[str] = set()
    if policy is not None:
        if not isinstance(policy, (Policy, PolicyBook)):
            raise InputError("policy", policy, "must be a Policy or a PolicyBook")
        out["policy"] = policy.name
        policies = policy.policies if isinstance(policy, PolicyBook) else (policy,)
        out["policy_versions"] = "; ".join(
            f"{p.name}@{_instant(p.valid_from) if p.valid_from else 'always'}" for p in policies
        )
        out["policy_sha256"] = _fingerprint(policy, zones)
    if policy_file is not None:
        out["policy_file_sha256"] = _file_sha256(policy_file, "policy_file")
    out["zone_data"], out["zone_data_version"] = _zone_data(sorted(zones) or ["UTC"])
    return dict(sorted(out.items()))


def policy_fingerprint(policy: Policy | PolicyBook) -> str:
    """The SHA-256 (hex) of the canonical form of a policy or policy book (see the module docs).

    >>> from slaclock.policy_files import example_policy
    >>> from slaclock.provenance import policy_fingerprint, provenance
    >>> policy_fingerprint(example_policy()) == provenance(example_policy())["policy_sha256"]
    True
    """
    return _fingerprint(policy, set())


def sidecar_path(path: str | os.PathLike[str]) -> str:
    """The provenance sidecar of a CSV or JSON result file.

    >>> from slaclock.provenance import sidecar_path
    >>> sidecar_path("scores/results.csv")
    'scores/results.csv.provenance.json'
    """
    return os.fspath(path) + SIDECAR_SUFFIX


def metadata_text(record: Mapping[str, str]) -> str:
    """The record as the JSON text stored under :data:`METADATA_KEY` (keys sorted)."""
    return json.dumps(dict(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sidecar_text(record: Mapping[str, str], data: str | os.PathLike[str], name: str) -> str:
    """The sidecar's JSON text for the finished data file ``data`` (read to hash it), which
    will be called ``name``."""
    body = {
        "file": name,
        "sha256": _file_sha256(data, "path"),
        METADATA_KEY: dict(sorted(record.items())),
    }
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_sidecar(
    record: Mapping[str, str], data: str | os.PathLike[str], target: str | os.PathLike[str]
) -> str:
    """Write the sidecar of ``target`` atomically, hashing the finished data file ``data``
    (``target`` itself, or its temporary file before the rename). Returns the sidecar's path."""
    from slaclock._files import atomic_path

    side = sidecar_path(target)
    text = sidecar_text(record, data, os.path.basename(os.fspath(target)))
    with atomic_path(side) as temp, open(temp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return side


def read_provenance(path: str | os.PathLike[str], *, check: bool = True) -> dict[str, str]:
    """The provenance record of a result file: Parquet metadata, or the CSV/JSON sidecar.

    Parameters
    ----------
    path
        The result file (not the sidecar).
    check
        For a sidecar: check that the data file's SHA-256 is the one it
        recorded (the sidecar belongs to this very file).

    Raises
    ------
    InputError
        The file has no provenance record (written by an older slaclock, or
        by another tool), or (``check``) the data file changed since.
    """
    file = os.fspath(path)
    if file.lower().endswith((".parquet", ".pq", ".parq")):
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]

        meta = pq.read_schema(file).metadata or {}
        raw = meta.get(METADATA_KEY.encode())
        if raw is None:
            raise InputError("path", file, f"has no '{METADATA_KEY}' in its Parquet metadata")
        return dict(json.loads(raw.decode("utf-8")))
    side = sidecar_path(file)
    try:
        with open(side, encoding="utf-8") as f:
            body = json.load(f)
    except FileNotFoundError:
        raise InputError(
            "path", file, f"has no provenance sidecar ({os.path.basename(side)} is missing)"
        ) from None
    if check and body.get("sha256") != _file_sha256(file, "path"):
        raise InputError(
            "path",
            file,
            f"does not match its provenance sidecar {os.path.basename(side)} "
            "(the data changed after it was written)",
        )
    return dict(body[METADATA_KEY])


# ---- the pieces ---------------------------------------------------------------------------------


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return _NOT_INSTALLED


def _zone_data(keys: Iterable[str]) -> tuple[str, str]:
    """Where zoneinfo reads each zone (its own rule: the first ``TZPATH`` directory holding
    the file, else the tzdata package) and the IANA release of that data."""
    places: dict[str, str] = {}
    for key in keys:
        for folder in zoneinfo.TZPATH:
            if os.path.isfile(os.path.join(folder, key)):
                places.setdefault(folder, _folder_release(folder))
                break
        else:
            places.setdefault(_TZDATA_PACKAGE, _package_release())
    return "; ".join(places), "; ".join(places.values())


def _folder_release(folder: str) -> str:
    # the IANA compiled data carries "# version 2025b" on the first line of tzdata.zi
    try:
        with open(os.path.join(folder, "tzdata.zi"), encoding="utf-8") as f:
            first = f.readline()
    except OSError:
        return "unknown"
    found = re.match(r"#\s*version\s+(\S+)", first)
    return found.group(1) if found else "unknown"


def _package_release() -> str:
    import importlib

    try:
        tzdata = importlib.import_module("tzdata")
    except ImportError:
        return "unknown"
    return str(getattr(tzdata, "IANA_VERSION", "unknown"))


def _file_sha256(path: str | os.PathLike[str], field: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(_CHUNK):
                digest.update(block)
    except OSError as exc:
        raise InputError(field, os.fspath(path), f"cannot be read ({exc.strerror})") from None
    return digest.hexdigest()


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def _fingerprint(policy: object, zones: set[str]) -> str:
    text = json.dumps(
        _canonical(policy, zones), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical(value: object, zones: set[str]) -> Any:
    """A JSON value for ``value`` that depends on nothing but the value (see the module docs);
    collects the zones of the calendars met on the way into ``zones``."""
    from slaclock.calendars import Calendar

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, Calendar):
        data = value.to_dict()
        _collect_zones(data, zones)
        return {"calendar": data}
    if isinstance(value, enum.Enum):
        return {"enum": f"{type(value).__name__}.{value.name}"}
    if isinstance(value, dt.datetime):
        return {"instant": _instant(value)} if value.tzinfo else {"wall": value.isoformat()}
    if isinstance(value, (dt.date, dt.time)):
        return {type(value).__name__: value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"us": value // dt.timedelta(microseconds=1)}
    if isinstance(value, Fraction):
        return {"fraction": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if attrs.has(type(value)):
        fields = {
            f.name.lstrip("_"): _canonical(getattr(value, f.name), zones)
            for f in attrs.fields(cast(Any, type(value)))
            if f.eq  # caches stay out of ==, and out of the fingerprint
        }
        return {"type": type(value).__name__, "fields": fields}
    if isinstance(value, Mapping):
        pairs = [[_canonical(k, zones), _canonical(v, zones)] for k, v in value.items()]
        return {"mapping": sorted(pairs, key=_sort_key)}
    if isinstance(value, (set, frozenset)):
        return {"set": sorted((_canonical(v, zones) for v in value), key=_sort_key)}
    if isinstance(value, (tuple, list)):
        return [_canonical(v, zones) for v in value]
    if isinstance(value, re.Pattern):
        return {"pattern": value.pattern}
    # anything else must not leak an object address into the fingerprint
    raise InputError(
        "policy", value, f"holds a {type(value).__name__}, which has no canonical form"
    )


def _collect_zones(data: object, zones: set[str]) -> None:
    if isinstance(data, dict):
        zone = data.get("zone")
        if isinstance(zone, str):
            zones.add(zone)
        for v in data.values():
            _collect_zones(v, zones)
    elif isinstance(data, list):
        for v in data:
            _collect_zones(v, zones)
