"""Policy files: a :class:`~slaclock.policies.PolicyBook` from TOML or a dictionary.

A policy file holds a book of policies: the severities and statuses they
share, named calendars, and one or more policies, each with its targets,
internal targets (OLAs) and chains. :func:`load_policy` reads a file,
:func:`policy_from_toml` TOML text and :func:`policy_from_dict` the same
structure as Python values (for example from JSON). :func:`example_policy`
loads the bundled example that the demo and the documentation use.

.. rubric:: The format

.. code-block:: toml

    name = "Acme support"                  # optional: the book's name
    zone = "America/New_York"              # zone of bare dates and local times (valid_from)
    severities = ["P1", "P2", "P3", "P4"]  # required, most severe first
    initial_status = "new"                 # optional (default: the first status below)

    [statuses]                             # required: status -> running | paused | stopped
    new = "running"
    open = "running"
    pending_customer = "paused"
    on_hold = "paused"
    solved = "stopped"
    closed = "stopped"

    [calendars.us]                         # named calendars, in Calendar.from_dict form
    zone = "America/New_York"
    hours = "Mon-Fri 08:00-18:00"
    holidays = [{ country = "US" }]

    [calendars.uk]
    zone = "Europe/London"
    hours = "Mon-Fri 09:00-17:30"
    holidays = [{ country = "GB", subdiv = "ENG" }]

    [[policies]]                           # one or more policies
    name = "Enterprise"
    valid_from = 2025-01-01                # optional: 00:00 on that date in `zone`
    when = { tier = ["gold", "platinum"], channel = "phone" }
    calendar = { attribute = "region", calendars = { us = "us", uk = "uk" }, default = "us" }
    warnings = ["50%", "75%", "90%", "1h before due"]
    reopen = "continue"
    statuses = { on_hold = "running" }

    [policies.targets.P1.first_response]   # targets.<severity>.<metric>
    calendar_time = "15m"
    required = "100%"

    [policies.targets.P2.resolution]
    business_time = "16h"
    calendar = "uk"
    statuses = { pending_customer = "running" }
    warnings = ["75%"]
    reopen = "new_cycle"
    required = "95%"

    [policies.targets.P3.resolution]
    business_days = 3
    required = 0.9

    [[policies.internal]]                  # internal targets (OLAs)
    team = "tier1"
    severity = "P2"                        # optional: default every severity
    business_time = "2h"
    calendar = "us"

    [[policies.internal]]
    team = "tier2"
    business_time = "4h"
    calendar = "us"

    [[policies.chains]]                    # internal targets under an external one
    severity = "P2"
    metric = "resolution"                  # optional, default "resolution"
    teams = ["tier1", "tier2"]

    [[policies]]                           # a later version of the policy above
    extends = "Enterprise"
    valid_from = 2026-01-01
    [policies.targets.P2.resolution]
    business_time = "12h"
    calendar = "uk"

    [services.api]                         # agreement terms: a service and its hours
    calendar = "24/7"                      # a calendar name, or "24/7"
    target = "99.9%"                       # optional: the availability target
    min_outage = "1m"                      # optional: shorter outages are not counted
    credits = "availability"               # optional: a schedule under [credits]
    fee = 10000                            # the fee per period (required with credits)

    [credits.availability]                 # a credit schedule
    tiers = { "99.9%" = "10%", "99%" = "25%" }
    per_breach = 50                        # optional: an amount per breached result
    cap = "30%"                            # optional: the most, as a share of the fee

    [[compliance_credits]]                 # credits on monthly compliance rows
    schedule = "availability"
    fee = 5000
    severities = ["P1", "P2"]              # optional: default every severity
    metrics = ["resolution"]               # optional: default every metric

    [[error_counts]]                       # at most N errors of a kind per period
    name = "P1 resolution breaches"
    count = "breaches"                     # or "outages"
    at_most = 2
    period = "month"                       # optional (default "month")
    severities = ["P1"]                    # breaches: optional severities, metrics, targets
    metrics = ["resolution"]

    [[error_counts]]
    name = "api outages"
    count = "outages"
    at_most = 3
    services = ["api"]                     # outages: optional services, min_outage
    min_outage = "1m"

    [[service_levels]]                     # "X% within Y"
    name = "Answered within 20 seconds"
    within = "20s"
    share = "80%"                          # optional: the share required
    measure = "calendar"                   # optional: "business" (default) or "calendar"
    metric = "first_response"              # optional: default every metric
    severities = ["P1", "P2"]              # optional: default every severity

**The book.** ``severities`` (most severe first) and ``statuses`` (each
``"running"``, ``"paused"`` or ``"stopped"``, in order) are shared by every
policy; ``initial_status`` is the status of a ticket whose first event is
not a status change (default: the first status listed). ``zone`` is needed
only to read ``valid_from`` values without an offset.

**Calendars.** Each table under ``calendars`` is read by
:meth:`Calendar.from_dict <slaclock.calendars.Calendar.from_dict>` (``zone``,
``hours``, ``holidays``, ``overrides``, ``recurring``, ``kind``,
``horizon_years``). The name ``"24/7"`` is built in: always open
(``Calendar.always_open("UTC")``) and reserved.

**Policies.** ``name`` is required (policies of different versions may share
it). ``valid_from`` makes the policy part of a version: a TOML offset
date-time is that instant; a local date means 00:00 on that date in the
book's ``zone`` and a local date-time that wall time there (SEMANTICS: "a
bare date means 00:00 in the policy's zone"; a repeated wall time is its
first occurrence, one in a daylight-saving gap is an error); ISO text is
read the same way. Policies with the same ``valid_from`` form a version; a ticket is
measured by the version in effect at its creation, and within it by the
first policy whose ``when`` matches (see
:class:`~slaclock.policies.PolicyBook`). ``when`` maps ticket attributes to
a value or a list of values (equality and membership; omitted: every
ticket). A policy without conditions followed by another one in the same
version, or two policies of one name in one version, are errors.

``calendar``, ``warnings`` and ``reopen`` on a policy are the defaults of its
``targets`` (not of internal targets); a target's own value replaces them
(``warnings = []`` turns the defaults off). ``statuses`` on a policy
overrides the clock state of some of the book's statuses for that policy.

``extends = "<name>"`` starts from the closest policy above with that name:
every key not given is inherited; ``targets`` are merged per severity and
metric, a target given replacing the inherited one whole; ``internal`` and
``chains``, when given, replace the inherited lists.

**Targets** live at ``targets.<severity>.<metric>``; the metrics are
``first_response``, ``resolution``, ``next_reply`` and
``periodic_update``. Each target has exactly one goal:

- ``calendar_time = "4h"``: wall time on the built-in 24/7 calendar (a
  ``calendar`` other than ``"24/7"`` is an error);
- ``business_time = "8h"``: open time of the target's calendar;
- ``business_days = 3``: closes of open local dates of its calendar.

Durations are text such as ``"15m"``, ``"4h"``, ``"1h30m"``
(``slaclock.policies.parse_duration``; a :class:`datetime.timedelta`
in a dictionary). ``calendar`` is a calendar name or
``{attribute, calendars, default}``: the calendar is chosen by a ticket
attribute (``calendars`` maps attribute values to calendar names;
``default`` is optional). ``statuses`` overrides statuses for this target.
``start_on`` and ``stop_on`` list events in place of the metric's defaults
(``"created"``, ``"status:open"``, ``"agent_reply"``,
``"agent_reply:public"``, ``"customer_reply"``, ``"update"``,
``"assignment:tier2"``, ``"reopen"``); the targets of one metric share
them across severities. ``warnings`` are fractions
(``"75%"``, ``"0.9"``) or offsets (``"1h before due"``). ``reopen`` is
``"continue"`` or ``"new_cycle"``. ``required`` is the share of tickets that
must meet the target (``"95%"`` or ``0.95``).

**Internal targets** (``[[policies.internal]]``) have a ``team``, an
optional ``severity``, one goal, a ``calendar`` (required unless the goal is
calendar time), and optional ``statuses``, ``warnings`` and ``required``.
**Chains** (``[[policies.chains]]``) name an external target by
``severity`` and ``metric`` (default ``"resolution"``) and the ``teams``
whose internal targets line up under it, in order.

**Agreements** (:class:`~slaclock.agreements.Agreements`, read into
:attr:`PolicyBook.agreements <slaclock.policies.PolicyBook.agreements>`) are
the terms reports read besides targets; they belong to the book, not to a
policy version. ``[services.<name>]`` names a service of the outage log: its
``calendar`` (required: the service hours availability is counted in), an
availability ``target``, a ``min_outage`` duration, a credit schedule
(``credits``) and the ``fee`` per period its credits are a share of.
``[credits.<name>]`` is a credit schedule
(:class:`~slaclock.credits.CreditSchedule`): ``tiers`` (required) maps
thresholds to credits, both shares; ``per_breach`` is an amount per breached
result, ``cap`` a share of the fee. Amounts are integers, decimal numbers or
decimal text (``"1200.50"``). ``[[compliance_credits]]`` applies a schedule
(``schedule`` and ``fee`` required) to the compliance rows of some
``severities`` and ``metrics``. ``[[error_counts]]`` are targets of "at most
N errors per period": ``name``, ``count`` (``"breaches"`` or ``"outages"``)
and ``at_most`` are required, ``period`` is ``"day"``, ``"week"``,
``"month"`` (default), ``"quarter"`` or ``"year"``; breaches are filtered by
``severities``, ``metrics`` (``"internal"`` for internal targets) and
``targets`` (names such as ``"P1.resolution"`` or a team), outages by
``services`` (names under ``[services]``) and ``min_outage``.
``[[service_levels]]`` are "X% within Y" goals: ``name`` and ``within`` (a
positive duration) are required; ``share``, ``measure`` (``"business"``,
the default, or ``"calendar"``), ``metric`` and ``severities`` are optional.
Severities and metrics must be the book's; names of services, schedules,
error counts and service levels are unique. A list of names may be given as
one text (``severities = "P1"``). The named calendars of the file are kept
in :attr:`PolicyBook.calendars <slaclock.policies.PolicyBook.calendars>`.

.. rubric:: Errors

Every mistake raises :class:`~slaclock.errors.PolicyFormatError` (an
:class:`~slaclock.errors.InputError`, so a :class:`ValueError`) whose
``field`` is ``"<source>: <path>"``: the file name (or ``"<string>"``,
``"<dict>"``), then the path of the bad entry in the file, as in
``policy.toml: policies[0].targets.P2.resolution.calendar`` (a key that is
not a bare TOML key is quoted: ``calendars."24/7"``). Unknown keys are
errors that list the allowed ones, so a typo such as ``bussiness_time`` is never ignored. An error raised
by a value type (an :class:`~slaclock.errors.UnknownStatusError`, a bad
holiday request, ...) is re-raised as a ``PolicyFormatError`` under the
entry's path, chained (``__cause__``) to the original. A TOML syntax error
names the source and keeps the parser's line and column.

Examples
--------
>>> book = policy_from_toml('''
... severities = ["P1", "P2"]
... statuses = { open = "running", pending = "paused", solved = "stopped" }
... [calendars.office]
... zone = "Europe/Paris"
... hours = "Mon-Fri 09:00-17:00"
... [[policies]]
... name = "Support"
... [policies.targets.P2.resolution]
... business_time = "8h"
... calendar = "office"
... ''')
>>> book.policies[0].target("resolution", "P2").goal
BusinessTime(duration=datetime.timedelta(seconds=28800))

.. versionadded:: 0.1
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from slaclock._instants import localize, zone_key
from slaclock.agreements import (
    COUNT_KINDS,
    PERIODS,
    Agreements,
    ComplianceCreditTerms,
    ErrorCountTarget,
    ServiceLevelGoal,
    ServiceTerms,
)
from slaclock.calendars import Calendar
from slaclock.credits import CreditSchedule
from slaclock.credits import _amount as _parse_amount
from slaclock.errors import InputError, NonexistentTimeError, PolicyFormatError
from slaclock.policies import (
    BusinessDays,
    BusinessTime,
    CalendarChoice,
    CalendarLike,
    CalendarTime,
    Chain,
    ClockState,
    Condition,
    Goal,
    InternalTarget,
    Metric,
    Policy,
    PolicyBook,
    Reopen,
    Target,
    Trigger,
    WarningRule,
    parse_duration,
    parse_share,
    parse_warning,
)

__all__ = [
    "example_policy",
    "example_policy_path",
    "load_policy",
    "policy_from_dict",
    "policy_from_toml",
]

ALWAYS_OPEN_NAME = "24/7"
"""The built-in calendar name: always open (``Calendar.always_open("UTC")``)."""

_BOOK_KEYS = (
    "name",
    "zone",
    "severities",
    "initial_status",
    "statuses",
    "calendars",
    "policies",
    "services",
    "credits",
    "compliance_credits",
    "error_counts",
    "service_levels",
)
_SERVICE_KEYS = ("calendar", "target", "min_outage", "credits", "fee")
_CREDIT_KEYS = ("tiers", "per_breach", "cap")
_COMPLIANCE_CREDIT_KEYS = ("schedule", "fee", "severities", "metrics")
_ERROR_COUNT_KEYS = (
    "name",
    "count",
    "at_most",
    "period",
    "severities",
    "metrics",
    "targets",
    "services",
    "min_outage",
)
_SERVICE_LEVEL_KEYS = ("name", "within", "share", "measure", "metric", "severities")
_POLICY_KEYS = (
    "name",
    "extends",
    "valid_from",
    "when",
    "calendar",
    "warnings",
    "reopen",
    "statuses",
    "targets",
    "internal",
    "chains",
)
_GOAL_KEYS = ("calendar_time", "business_time", "business_days")
_TARGET_KEYS = (
    *_GOAL_KEYS,
    "calendar",
    "statuses",
    "start_on",
    "stop_on",
    "warnings",
    "reopen",
    "required",
)
_INTERNAL_KEYS = (
    "team",
    "severity",
    *_GOAL_KEYS,
    "calendar",
    "statuses",
    "warnings",
    "required",
)
_CHAIN_KEYS = ("severity", "metric", "teams")
_CHOICE_KEYS = ("attribute", "calendars", "default")
_STATES = tuple(s.value for s in ClockState)
_METRICS = tuple(m.value for m in Metric)
_REOPENS = tuple(r.value for r in Reopen)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# ---- public API -------------------------------------------------------------------------


def load_policy(path: str | os.PathLike[str] | Traversable) -> PolicyBook:
    """Read a policy book from a TOML file.

    Parameters
    ----------
    path
        The file (a path, or a :class:`~importlib.resources.abc.Traversable`
        such as :func:`example_policy_path`).

    Returns
    -------
    PolicyBook
        The policies of the file, in the order written.

    Raises
    ------
    PolicyFormatError
        For any mistake in the file; ``field`` starts with the file name as
        given (``"policy.toml: policies[0].name"``).
    OSError
        If the file cannot be read.

    Examples
    --------
    >>> book = load_policy(example_policy_path())
    >>> book.name
    'Acme support'
    """
    if isinstance(path, (str, os.PathLike)):
        source = os.fspath(path)
        with open(source, "rb") as f:
            raw = f.read()
    else:
        source = path.name
        raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyFormatError(
            source, raw[max(0, exc.start - 20) : exc.end + 20], f"is not UTF-8 text ({exc.reason})"
        ) from exc
    return policy_from_toml(text, source=source)


def policy_from_toml(text: str, *, source: str = "<string>") -> PolicyBook:
    """Read a policy book from TOML text (the format of this module's docstring).

    Parameters
    ----------
    text
        The TOML document.
    source
        A name for the text in error messages (a file name).

    Raises
    ------
    PolicyFormatError
        For a TOML syntax error (``field`` is ``source``, the problem keeps
        the parser's line and column) or any mistake in the policy.

    Examples
    --------
    >>> policy_from_toml('zone = America/New_York', source="policy.toml")
    Traceback (most recent call last):
    ...
    slaclock.errors.PolicyFormatError: policy.toml: is not valid TOML: Invalid value (at line 1, column 8) (got 'zone = America/New_York')
    """
    if not isinstance(text, str):
        raise PolicyFormatError(source, text, "must be TOML text (str)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        # the value shown is the line the parser names (3.11 has no lineno attribute)
        lines = text.splitlines()
        m = re.search(r"at line (\d+)", message)
        if m and int(m.group(1)) <= len(lines):
            line: str | None = lines[int(m.group(1)) - 1].strip()
        else:  # "at end of document": the last line written
            line = next((t.strip() for t in reversed(lines) if t.strip()), None)
        raise PolicyFormatError(source, line, f"is not valid TOML: {message}") from exc
    return policy_from_dict(data, source=source)


def policy_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> PolicyBook:
    """Read a policy book from a mapping with the structure of a policy file.

    Tables are mappings, arrays are lists (or tuples); durations and shares
    may be given as text as in a file, and dates as :class:`datetime.date`,
    :class:`datetime.datetime` or ISO text. A dictionary equal to what
    ``tomllib`` reads from a file gives an equal book.

    Parameters
    ----------
    data
        The book.
    source
        A name for the data in error messages.

    Raises
    ------
    PolicyFormatError
        For any mistake; ``field`` is ``"<source>: <path>"``.

    Examples
    --------
    >>> book = policy_from_dict({
    ...     "severities": ["P1"],
    ...     "statuses": {"open": "running", "solved": "stopped"},
    ...     "policies": [{"name": "Support",
    ...                   "targets": {"P1": {"resolution": {"calendar_time": "4h"}}}}],
    ... })
    >>> str(book.policies[0].target("resolution", "P1").goal)
    '4h calendar time'
    >>> policy_from_dict({
    ...     "severities": ["P1"],
    ...     "statuses": {"open": "running", "solved": "stopped"},
    ...     "policies": [{"name": "Support",
    ...                   "targets": {"P1": {"resolution": {"calendar_tme": "4h"}}}}],
    ... })
    Traceback (most recent call last):
    ...
    slaclock.errors.PolicyFormatError: <dict>: policies[0].targets.P1.resolution.calendar_tme: unknown key (allowed: 'calendar_time', 'business_time', 'business_days', 'calendar', 'statuses', 'start_on', 'stop_on', 'warnings', 'reopen', 'required') (got '4h'); did you mean 'calendar_time'?
    """
    try:
        return _Reader().book(data)
    except _Bad as bad:
        field = f"{source}: {bad.path}" if bad.path else source
        raise PolicyFormatError(field, bad.value, bad.problem, bad.hint) from bad.__cause__


def example_policy_path() -> Traversable:
    """The bundled example policy file, ``slaclock/data/example_policy.toml``.

    A :class:`~importlib.resources.abc.Traversable` (a :class:`pathlib.Path`
    when the package is installed as files): read it with ``read_text()``
    or pass it to :func:`load_policy`.

    >>> example_policy_path().name
    'example_policy.toml'
    """
    return files("slaclock").joinpath("data", "example_policy.toml")


def example_policy() -> PolicyBook:
    """The bundled example policy book ("Acme support"), used by the demo and the docs.

    Severities P1-P4; statuses ``new``, ``open``, ``pending_customer``
    (paused), ``on_hold``, ``solved`` and ``closed``; calendars ``us``,
    ``uk`` and ``vendor``; two versions (from 2025-01-01 and 2026-01-01,
    New York time), each with an "Enterprise" policy for gold and platinum
    tiers and a "Standard" fallback; P1 on the 24/7 calendar (15 minutes to
    first response, 4 hours to resolution, an update every hour); P2-P4 on
    the desk of the ticket's ``region``; internal targets for ``tier1``,
    ``tier2`` and ``vendor`` chained under P2 and P3 resolution; agreement
    terms: services ``api`` (24/7, 99.9%) and ``portal`` (the US desk's
    hours, 99.5%), credit schedules, compliance credits for P1 and P2, two
    error-count targets and two service levels.

    Examples
    --------
    >>> book = example_policy()
    >>> [(p.name, p.valid_from.date().isoformat()) for p in book.policies]
    [('Enterprise', '2025-01-01'), ('Standard', '2025-01-01'), ('Enterprise', '2026-01-01'), ('Standard', '2026-01-01')]
    >>> str(book.policies[1].target("resolution", "P3").goal)
    '3 business days'
    """
    path = example_policy_path()
    return policy_from_toml(path.read_text(encoding="utf-8"), source=path.name)


# ---- errors and paths -------------------------------------------------------------------


class _Bad(Exception):
    """A mistake at ``path`` in the input; becomes a PolicyFormatError at the boundary."""

    def __init__(self, path: str, value: object, problem: str, hint: str = "") -> None:
        super().__init__(path, value, problem, hint)
        self.path = path
        self.value = value
        self.problem = problem
        self.hint = hint


def _key(path: str, key: str) -> str:
    """``path.key``, quoting a key that is not a bare TOML key (``calendars."24/7"``)."""
    shown = key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{shown}" if path else shown


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)


_UNSET: Any = object()


@contextmanager
def _at(path: str, *, exact: bool = False, raw: Any = _UNSET) -> Iterator[None]:
    """Re-raise an InputError of a value type under ``path``.

    ``exact``: the error is about the value at ``path`` itself (its own field
    name, such as ``"duration"``, is dropped) and shows ``raw``, the value as
    written, when given. Otherwise the error's field is appended to ``path``,
    unless it already starts with it.
    """
    try:
        yield
    except _Bad:
        raise
    except InputError as exc:
        value = exc.value
        if exact or not exc.field:
            field = path
            if raw is not _UNSET:
                value = raw
        elif exc.field == path or exc.field.startswith((path + ".", path + "[")):
            field = exc.field
        else:
            field = f"{path}.{exc.field}" if path else exc.field
        raise _Bad(field, value, exc.problem, exc.hint) from exc


@contextmanager
def _target_paths(tpaths: list[str]) -> Iterator[None]:
    """Name a target in a Policy's error by its path in the file, not its index."""
    try:
        yield
    except _Bad:
        raise
    except InputError as exc:
        m = re.match(r"targets\[(\d+)\]", exc.field)
        if m is None or int(m.group(1)) >= len(tpaths):
            raise
        raise _Bad(
            tpaths[int(m.group(1))] + exc.field[m.end() :], exc.value, exc.problem, exc.hint
        ) from exc


def _table(value: object, path: str, what: str = "a table") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Bad(path, value, f"must be {what}")
    for k in value:
        if not isinstance(k, str):
            raise _Bad(path, k, "keys must be text")
    return value


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    for k, v in table.items():
        if k not in allowed:
            close = difflib.get_close_matches(k, allowed, n=1)
            raise _Bad(
                _key(path, k),
                v,
                f"unknown key (allowed: {_names(allowed)})",
                f"did you mean {close[0]!r}?" if close else "",
            )


def _list(value: object, path: str, what: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise _Bad(path, value, f"must be a list of {what}")


def _text(value: object, path: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(path, value, f"must be {what}")
    return value


def _plain(value: object) -> object:
    """Mappings as dicts and tuples as lists, as ``Calendar.from_dict`` expects."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ---- reading ----------------------------------------------------------------------------

_Located = tuple[Any, str]
"""A raw value and the path where it is written."""


@dataclasses.dataclass
class _Entry:
    """One ``[[policies]]`` table after ``extends``: each key with the path it was written at."""

    keys: dict[str, _Located]
    targets: dict[str, dict[str, _Located]]


@dataclasses.dataclass
class _Defaults:
    """A policy's defaults for its targets, and its statuses."""

    statuses: dict[str, ClockState]
    calendar: CalendarLike | None = None
    warnings: tuple[WarningRule, ...] = ()
    reopen: Reopen = Reopen.CONTINUE


class _Reader:
    """Reads one book; holds what later parts refer to (zone, severities, statuses, calendars)."""

    def __init__(self) -> None:
        self.zone: str | None = None
        self.severities: tuple[str, ...] = ()
        self.statuses: dict[str, ClockState] = {}
        self.calendars: dict[str, Calendar] = {}

    # -- the book ---------------------------------------------------------------------

    def book(self, data: object) -> PolicyBook:
        root = _table(data, "", "a table of policy book keys")
        _check_keys(root, _BOOK_KEYS, "")
        for required in ("severities", "statuses", "policies"):
            if required not in root:
                raise _Bad(required, None, "is required")
        name = root.get("name", "")
        if not isinstance(name, str):
            raise _Bad("name", name, "must be text")
        if "zone" in root:
            with _at("zone", exact=True):
                self.zone = zone_key(root["zone"])
        self.severities = self._severities(root["severities"])
        self.statuses = self._statuses(root["statuses"], "statuses", known=None)
        if not self.statuses:
            raise _Bad("statuses", {}, "must map at least one status")
        initial = root.get("initial_status")
        if initial is not None:
            self._status_name(initial, "initial_status", self.statuses)
            if self.statuses[initial] is ClockState.STOPPED:
                raise _Bad("initial_status", initial, "must not be a stopped status")
        self.calendars = self._calendars(root.get("calendars", {}))
        raw_policies = _list(root["policies"], "policies", "policy tables ([[policies]])")
        if not raw_policies:
            raise _Bad("policies", raw_policies, "must hold at least one policy")
        entries: list[_Entry] = []
        policies: list[Policy] = []
        for i, raw in enumerate(raw_policies):
            path = f"policies[{i}]"
            entry = self._entry(raw, path, entries)
            entries.append(entry)
            policies.append(self._policy(entry, path, initial))
        self._check_versions(policies)
        agreements = self._agreements(root, policies)
        with _at(""):
            return PolicyBook(policies, name=name, calendars=self.calendars, agreements=agreements)

    def _severities(self, value: object) -> tuple[str, ...]:
        items = _list(value, "severities", "severity labels")
        if not items:
            raise _Bad("severities", value, "must list at least one severity")
        seen: list[str] = []
        for i, sev in enumerate(items):
            _text(sev, f"severities[{i}]", "a severity label such as 'P2'")
            if sev in seen:
                raise _Bad(f"severities[{i}]", sev, "repeats a severity already listed")
            seen.append(sev)
        return tuple(seen)

    def _statuses(
        self, value: object, path: str, known: Mapping[str, ClockState] | None
    ) -> dict[str, ClockState]:
        """Status -> state; with ``known``, only statuses already known (an override)."""
        table = _table(value, path, "a table of status = 'running' | 'paused' | 'stopped'")
        out: dict[str, ClockState] = {}
        for name, state in table.items():
            where = _key(path, name)
            if known is not None and name not in known:
                raise _Bad(where, name, f"unknown status (known: {_names(list(known))})")
            if not name.strip():
                raise _Bad(where, name, "status names must be non-empty text")
            if state not in _STATES:
                raise _Bad(where, state, f"must be one of {_names(_STATES)}")
            out[name] = ClockState(state)
        return out

    def _status_name(self, value: object, path: str, known: Mapping[str, ClockState]) -> str:
        if not isinstance(value, str) or value not in known:
            raise _Bad(path, value, f"unknown status (known: {_names(list(known))})")
        return value

    def _calendars(self, value: object) -> dict[str, Calendar]:
        table = _table(value, "calendars", "a table of named calendars")
        out: dict[str, Calendar] = {}
        for name, spec in table.items():
            path = _key("calendars", name)
            if name == ALWAYS_OPEN_NAME:
                raise _Bad(path, spec, f"{ALWAYS_OPEN_NAME!r} is built in (always open, UTC)")
            if not name.strip():
                raise _Bad(path, name, "calendar names must be non-empty text")
            _table(spec, path, "a calendar table (zone, hours, holidays, ...)")
            with _at(path):
                out[name] = Calendar.from_dict(_plain(spec), path)
        return out

    # -- policies ---------------------------------------------------------------------

    def _entry(self, raw: object, path: str, earlier: list[_Entry]) -> _Entry:
        table = _table(raw, path, "a policy table")
        _check_keys(table, _POLICY_KEYS, path)
        if "extends" in table:
            base_name = table["extends"]
            names = [e.keys["name"][0] for e in earlier if "name" in e.keys]
            matches = [e for e in earlier if e.keys.get("name", (None,))[0] == base_name]
            if not matches:
                known = f"known: {_names(list(dict.fromkeys(names)))}" if names else "none yet"
                raise _Bad(
                    _key(path, "extends"),
                    base_name,
                    f"names no policy above this one ({known})",
                )
            base = matches[-1]
            keys = dict(base.keys)
            targets = {sev: dict(by_metric) for sev, by_metric in base.targets.items()}
        else:
            keys, targets = {}, {}
        for k, v in table.items():
            if k == "targets":
                for sev, by_metric in self._raw_targets(v, _key(path, k)).items():
                    targets.setdefault(sev, {}).update(by_metric)
            elif k != "extends":
                keys[k] = (v, _key(path, k))
        return _Entry(keys, targets)

    def _raw_targets(self, value: object, path: str) -> dict[str, dict[str, _Located]]:
        table = _table(value, path, "a table of targets.<severity>.<metric>")
        out: dict[str, dict[str, _Located]] = {}
        for sev, by_metric in table.items():
            spath = _key(path, sev)
            if sev not in self.severities:
                raise _Bad(spath, sev, f"unknown severity (known: {_names(self.severities)})")
            metrics = _table(by_metric, spath, "a table of metric = target table")
            for m in metrics:
                if m not in _METRICS:
                    raise _Bad(_key(spath, m), m, f"unknown metric (known: {_names(_METRICS)})")
            out[sev] = {m: (t, _key(spath, m)) for m, t in metrics.items()}
        return out

    def _policy(self, entry: _Entry, path: str, initial: str | None) -> Policy:
        keys = entry.keys
        if "name" not in keys:
            raise _Bad(_key(path, "name"), None, "is required")
        name = _text(*keys["name"], "the policy's name (non-empty text)")
        statuses = dict(self.statuses)
        if "statuses" in keys:
            statuses.update(self._statuses(*keys["statuses"], known=self.statuses))
        defaults = _Defaults(statuses)
        if "calendar" in keys:
            defaults.calendar = self._calendar_ref(*keys["calendar"])
        if "warnings" in keys:
            defaults.warnings = self._warnings(*keys["warnings"])
        if "reopen" in keys:
            defaults.reopen = self._reopen(*keys["reopen"])
        valid_from = self._valid_from(*keys["valid_from"]) if "valid_from" in keys else None
        when = self._when(*keys["when"]) if "when" in keys else Condition()
        first = initial if initial is not None else next(iter(statuses))
        if statuses[first] is ClockState.STOPPED:
            # only an override can do this: the book's own statuses were checked
            raise _Bad(
                _key(keys["statuses"][1], first),
                statuses[first].value,
                "makes the initial status a stopped status",
                "a ticket must start running or paused",
            )
        targets: list[Target] = []
        tpaths: list[str] = []
        for sev, by_metric in entry.targets.items():
            for metric, (raw, tpath) in by_metric.items():
                targets.append(self._target(sev, metric, raw, tpath, defaults))
                tpaths.append(tpath)
        internal = self._internal_targets(keys.get("internal"), statuses)
        chains = self._chains(keys.get("chains"), targets, internal)
        with _at(path), _target_paths(tpaths):
            return Policy(
                name,
                severities=self.severities,
                statuses=statuses,
                targets=targets,
                internal_targets=internal,
                chains=chains,
                when=when,
                initial_status=initial,
                valid_from=valid_from,
            )

    def _check_versions(self, policies: list[Policy]) -> None:
        seen: dict[dt.datetime | None, list[int]] = {}
        for j, p in enumerate(policies):
            earlier = seen.setdefault(p.valid_from, [])
            for i in earlier:
                q = policies[i]
                if q.name == p.name:
                    raise _Bad(
                        f"policies[{j}].name",
                        p.name,
                        f"repeats the name of policies[{i}] in the same version",
                        "give it another valid_from or another name",
                    )
                if not q.when.clauses:
                    raise _Bad(
                        f"policies[{j}]",
                        p.name,
                        f"is never selected: policies[{i}] ({q.name!r}) comes first in the "
                        "same version and has no conditions",
                        "put the policy without conditions last",
                    )
            earlier.append(j)

    def _valid_from(self, value: object, path: str) -> dt.datetime:
        if isinstance(value, str):
            text = value.strip()
            try:
                value = (
                    dt.date.fromisoformat(text)
                    if len(text) == 10
                    else dt.datetime.fromisoformat(text)
                )
            except ValueError:
                raise _Bad(
                    path, value, "must be a date (2025-01-01) or a date and time in ISO form"
                ) from None
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None and value.utcoffset() is not None:
                return value
            naive = value
        elif isinstance(value, dt.date):
            naive = dt.datetime.combine(value, dt.time())
        else:
            raise _Bad(
                path,
                value,
                "must be a date (2025-01-01) or a date and time (2025-01-01T09:00:00-05:00)",
            )
        if self.zone is None:
            raise _Bad(
                path,
                value,
                "a date or a local date and time needs the book's zone",
                "add zone = 'Area/City' at the top, or give an offset (2025-01-01T00:00:00-05:00)",
            )
        try:
            return localize(naive, self.zone, path)
        except NonexistentTimeError as exc:
            raise _Bad(
                path,
                value,
                f"is not a wall time in {self.zone} (it falls in a daylight-saving gap)",
                "give an offset, such as 2025-03-09T03:00:00-04:00",
            ) from exc

    def _when(self, value: object, path: str) -> Condition:
        table = _table(value, path, "a table of attribute = value or [values]")
        clauses: dict[str, Any] = {}
        for attr, allowed in table.items():
            where = _key(path, attr)
            values = list(allowed) if isinstance(allowed, (list, tuple)) else [allowed]
            if not values:
                raise _Bad(where, allowed, "must list at least one value")
            for v in values:
                if not isinstance(v, (str, int, float, bool, dt.date)):
                    raise _Bad(where, allowed, "must be a value or a list of values")
            clauses[attr] = values
        with _at(path):
            return Condition(clauses)

    # -- calendars, warnings, goals ---------------------------------------------------

    def _named_calendar(self, value: object, path: str) -> Calendar:
        if value == ALWAYS_OPEN_NAME:
            return Calendar.always_open("UTC")
        if isinstance(value, str) and value in self.calendars:
            return self.calendars[value]
        known = [ALWAYS_OPEN_NAME, *sorted(self.calendars)]
        raise _Bad(path, value, f"unknown calendar (known: {_names(known)})")

    def _calendar_ref(self, value: object, path: str) -> CalendarLike:
        if isinstance(value, str):
            return self._named_calendar(value, path)
        if not isinstance(value, Mapping):
            raise _Bad(
                path,
                value,
                "must be a calendar name or {attribute = ..., calendars = {...}, default = ...}",
            )
        table = _table(value, path)
        _check_keys(table, _CHOICE_KEYS, path)
        for required in ("attribute", "calendars"):
            if required not in table:
                raise _Bad(_key(path, required), None, "is required to choose a calendar")
        attribute = _text(table["attribute"], _key(path, "attribute"), "a ticket attribute name")
        cpath = _key(path, "calendars")
        choices = _table(table["calendars"], cpath, "a table of attribute value = calendar name")
        if not choices:
            raise _Bad(cpath, choices, "must map at least one attribute value")
        by_value = {k: self._named_calendar(v, _key(cpath, k)) for k, v in choices.items()}
        default = None
        if "default" in table:
            default = self._named_calendar(table["default"], _key(path, "default"))
        with _at(path):
            return CalendarChoice(attribute, by_value, default)

    def _warnings(self, value: object, path: str) -> tuple[WarningRule, ...]:
        items = [value] if isinstance(value, str) else _list(value, path, "warnings")
        out = []
        for j, w in enumerate(items):
            where = path if isinstance(value, str) else f"{path}[{j}]"
            with _at(where, exact=True, raw=w):
                out.append(parse_warning(w, where))
        return tuple(out)

    def _reopen(self, value: object, path: str) -> Reopen:
        if value not in _REOPENS:
            raise _Bad(path, value, f"must be one of {_names(_REOPENS)}")
        return Reopen(value)

    def _goal(self, table: Mapping[str, Any], path: str) -> tuple[str, Goal]:
        given = [k for k in _GOAL_KEYS if k in table]
        if not given:
            raise _Bad(
                path,
                dict(table),
                f"needs a goal: one of {_names(_GOAL_KEYS)}",
                "for example business_time = '8h'",
            )
        if len(given) > 1:
            raise _Bad(
                _key(path, given[1]),
                table[given[1]],
                f"a target has one goal, and {given[0]!r} is given too",
                f"keep one of {_names(given)}",
            )
        kind = given[0]
        value = table[kind]
        where = _key(path, kind)
        with _at(where, exact=True, raw=value):
            if kind == "business_days":
                return kind, BusinessDays(value)
            duration = parse_duration(value, where)
            return kind, (
                CalendarTime(duration) if kind == "calendar_time" else BusinessTime(duration)
            )

    def _goal_calendar(
        self,
        table: Mapping[str, Any],
        path: str,
        kind: str,
        default: CalendarLike | None,
    ) -> CalendarLike | None:
        """The calendar of a target with a goal of ``kind`` (None for calendar time)."""
        cpath = _key(path, "calendar")
        if kind == "calendar_time":
            if "calendar" in table and table["calendar"] != ALWAYS_OPEN_NAME:
                raise _Bad(
                    cpath,
                    table["calendar"],
                    f"a calendar_time goal runs on the built-in {ALWAYS_OPEN_NAME!r} calendar",
                    "remove calendar, or use business_time to measure on this calendar",
                )
            return None
        if "calendar" in table:
            return self._calendar_ref(table["calendar"], cpath)
        if default is None:
            raise _Bad(
                cpath,
                None,
                f"is required for a {kind} goal (no calendar here or on the policy)",
                f"name one of {_names([ALWAYS_OPEN_NAME, *sorted(self.calendars)])}",
            )
        return default

    def _triggers(
        self, value: object, path: str, statuses: Mapping[str, ClockState]
    ) -> tuple[Trigger, ...]:
        items = [value] if isinstance(value, str) else _list(value, path, "event kinds")
        out = []
        for j, t in enumerate(items):
            where = path if isinstance(value, str) else f"{path}[{j}]"
            with _at(where, exact=True, raw=t):
                trigger = Trigger.parse(t, where)
            if trigger.kind == "status" and trigger.value not in (None, *statuses):
                raise _Bad(where, t, f"unknown status (known: {_names(list(statuses))})")
            out.append(trigger)
        return tuple(out)

    def _share(self, value: object, path: str) -> Fraction:
        with _at(path, exact=True, raw=value):
            return parse_share(value, path)

    def _target(
        self, severity: str, metric: str, raw: object, path: str, defaults: _Defaults
    ) -> Target:
        table = _table(raw, path, "a target table")
        _check_keys(table, _TARGET_KEYS, path)
        kind, goal = self._goal(table, path)
        calendar = self._goal_calendar(table, path, kind, defaults.calendar)
        own_statuses = None
        if "statuses" in table:
            own_statuses = self._statuses(
                table["statuses"], _key(path, "statuses"), known=defaults.statuses
            )
        start_on: tuple[Trigger, ...] = ()
        stop_on: tuple[Trigger, ...] = ()
        if "start_on" in table:
            start_on = self._triggers(table["start_on"], _key(path, "start_on"), defaults.statuses)
        if "stop_on" in table:
            stop_on = self._triggers(table["stop_on"], _key(path, "stop_on"), defaults.statuses)
        warnings = defaults.warnings
        if "warnings" in table:
            warnings = self._warnings(table["warnings"], _key(path, "warnings"))
        reopen = defaults.reopen
        if "reopen" in table:
            reopen = self._reopen(table["reopen"], _key(path, "reopen"))
        required = None
        if "required" in table:
            required = self._share(table["required"], _key(path, "required"))
        with _at(path):
            return Target(
                Metric(metric),
                severity,
                goal,
                calendar,
                statuses=own_statuses,
                start_on=start_on,
                stop_on=stop_on,
                warnings=warnings,
                reopen=reopen,
                required=required,
            )

    def _internal_targets(
        self, located: _Located | None, statuses: Mapping[str, ClockState]
    ) -> list[InternalTarget]:
        if located is None:
            return []
        value, path = located
        out: list[InternalTarget] = []
        seen: dict[tuple[str, str | None], int] = {}
        for j, raw in enumerate(_list(value, path, "internal target tables")):
            where = f"{path}[{j}]"
            table = _table(raw, where, "an internal target table")
            _check_keys(table, _INTERNAL_KEYS, where)
            if "team" not in table:
                raise _Bad(_key(where, "team"), None, "is required")
            team = _text(table["team"], _key(where, "team"), "a team or tier name such as 'tier1'")
            severity = table.get("severity")
            if severity is not None and severity not in self.severities:
                raise _Bad(
                    _key(where, "severity"),
                    severity,
                    f"unknown severity (known: {_names(self.severities)})",
                )
            key = (team, severity)
            if key in seen:
                raise _Bad(
                    where,
                    team if severity is None else f"{team}.{severity}",
                    f"repeats the internal target {path}[{seen[key]}] (same team and severity)",
                )
            seen[key] = j
            kind, goal = self._goal(table, where)
            calendar = self._goal_calendar(table, where, kind, None)
            own_statuses = None
            if "statuses" in table:
                own_statuses = self._statuses(
                    table["statuses"], _key(where, "statuses"), known=statuses
                )
            warnings: tuple[WarningRule, ...] = ()
            if "warnings" in table:
                warnings = self._warnings(table["warnings"], _key(where, "warnings"))
            required = None
            if "required" in table:
                required = self._share(table["required"], _key(where, "required"))
            with _at(where):
                out.append(
                    InternalTarget(
                        team,
                        goal,
                        calendar,
                        severity=severity,
                        statuses=own_statuses,
                        warnings=warnings,
                        required=required,
                    )
                )
        return out

    def _chains(
        self,
        located: _Located | None,
        targets: list[Target],
        internal: list[InternalTarget],
    ) -> list[Chain]:
        if located is None:
            return []
        value, path = located
        out: list[Chain] = []
        for j, raw in enumerate(_list(value, path, "chain tables")):
            where = f"{path}[{j}]"
            table = _table(raw, where, "a chain table")
            _check_keys(table, _CHAIN_KEYS, where)
            for required in ("severity", "teams"):
                if required not in table:
                    raise _Bad(_key(where, required), None, "is required")
            severity = table["severity"]
            if severity not in self.severities:
                raise _Bad(
                    _key(where, "severity"),
                    severity,
                    f"unknown severity (known: {_names(self.severities)})",
                )
            metric = table.get("metric", Metric.RESOLUTION.value)
            if metric not in _METRICS:
                raise _Bad(
                    _key(where, "metric"), metric, f"unknown metric (known: {_names(_METRICS)})"
                )
            if not any(t.severity == severity and t.metric.value == metric for t in targets):
                raise _Bad(
                    where,
                    f"{severity}.{metric}",
                    "names no target of the policy "
                    f"(known: {_names([t.name for t in targets]) or 'none'})",
                )
            tpath = _key(where, "teams")
            teams = _list(table["teams"], tpath, "team names")
            if not teams:
                raise _Bad(tpath, teams, "a chain needs at least one team")
            for k, team in enumerate(teams):
                if not any(it.team == team and it.severity in (None, severity) for it in internal):
                    known = sorted({it.team for it in internal if it.severity in (None, severity)})
                    raise _Bad(
                        f"{tpath}[{k}]",
                        team,
                        f"has no internal target for {severity} (known teams: "
                        f"{_names(known) or 'none'})",
                    )
            with _at(where):
                out.append(Chain(severity, teams, Metric(metric)))
        return out

    # -- agreements ---------------------------------------------------------------------

    def _agreements(self, root: Mapping[str, Any], policies: list[Policy]) -> Agreements:
        schedules = self._credit_schedules(root.get("credits", {}))
        services = self._services(root.get("services", {}), schedules)
        compliance = [
            self._compliance_credit(raw, f"compliance_credits[{j}]", schedules)
            for j, raw in enumerate(
                _list(
                    root.get("compliance_credits", []),
                    "compliance_credits",
                    "compliance credit tables ([[compliance_credits]])",
                )
            )
        ]
        targets = sorted(
            {t.name for p in policies for t in p.targets}
            | {it.name for p in policies for it in p.internal_targets}
        )
        errors = self._named_list(
            root.get("error_counts", []),
            "error_counts",
            "error-count tables ([[error_counts]])",
            lambda raw, path: self._error_count(raw, path, targets, services),
        )
        levels = self._named_list(
            root.get("service_levels", []),
            "service_levels",
            "service level tables ([[service_levels]])",
            self._service_level,
        )
        with _at(""):
            return Agreements(
                services=list(services.values()),
                credit_schedules=schedules,
                compliance_credits=compliance,
                error_targets=errors,
                service_levels=levels,
            )

    def _named_list(self, value: object, path: str, what: str, read: Any) -> list[Any]:
        """Read ``[[path]]`` tables with ``read``; two with one ``name`` are an error."""
        out: list[Any] = []
        seen: dict[str, int] = {}
        for j, raw in enumerate(_list(value, path, what)):
            where = f"{path}[{j}]"
            item = read(raw, where)
            if item.name in seen:
                raise _Bad(
                    _key(where, "name"), item.name, f"repeats the name of {path}[{seen[item.name]}]"
                )
            seen[item.name] = j
            out.append(item)
        return out

    def _amount(self, value: object, path: str) -> Decimal:
        """An amount: an integer, a decimal number (as written) or decimal text."""
        if isinstance(value, float):
            value = repr(value)  # the shortest text that reads back as the float written
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            raise _Bad(path, value, "must be an amount such as 1200 or '1200.50'")
        with _at(path, exact=True, raw=value):
            return _parse_amount(value, path)

    def _duration_at(self, value: object, path: str) -> dt.timedelta:
        with _at(path, exact=True, raw=value):
            return parse_duration(value, path)

    def _labels(self, value: object, path: str, known: Sequence[str], what: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else _list(value, path, f"{what} names")
        if not items:
            raise _Bad(path, value, f"must list at least one {what} (or be left out)")
        out: list[str] = []
        for j, item in enumerate(items):
            where = path if isinstance(value, str) else f"{path}[{j}]"
            if item not in known:
                raise _Bad(where, item, f"unknown {what} (known: {_names(known) or 'none'})")
            if item in out:
                raise _Bad(where, item, f"names the {what} {item!r} twice")
            out.append(item)
        return tuple(out)

    def _schedule_ref(self, value: object, path: str, schedules: Mapping[str, Any]) -> str:
        if not isinstance(value, str) or value not in schedules:
            raise _Bad(
                path,
                value,
                f"unknown credit schedule (known: {_names(list(schedules)) or 'none'})",
                "define it under [credits.<name>]",
            )
        return value

    def _credit_schedules(self, value: object) -> dict[str, CreditSchedule]:
        table = _table(value, "credits", "a table of named credit schedules")
        out: dict[str, CreditSchedule] = {}
        for name, raw in table.items():
            path = _key("credits", name)
            if not name.strip():
                raise _Bad(path, name, "schedule names must be non-empty text")
            spec = _table(raw, path, "a credit schedule table (tiers, per_breach, cap)")
            _check_keys(spec, _CREDIT_KEYS, path)
            if "tiers" not in spec:
                raise _Bad(
                    _key(path, "tiers"),
                    None,
                    "is required",
                    "for example tiers = { '99.9%' = '10%', '99%' = '25%' }",
                )
            tpath = _key(path, "tiers")
            tiers = _table(spec["tiers"], tpath, "a table of threshold = credit ('99.9%' = '10%')")
            pairs = []
            for below, credit in tiers.items():
                where = _key(tpath, below)
                pairs.append((self._share(below, where), self._share(credit, where)))
            per_breach = Decimal(0)
            if "per_breach" in spec:
                per_breach = self._amount(spec["per_breach"], _key(path, "per_breach"))
            cap = None
            if "cap" in spec:
                cap = self._share(spec["cap"], _key(path, "cap"))
            with _at(path):
                out[name] = CreditSchedule(pairs, per_breach=per_breach, cap=cap)
        return out

    def _services(
        self, value: object, schedules: Mapping[str, CreditSchedule]
    ) -> dict[str, ServiceTerms]:
        table = _table(value, "services", "a table of services ([services.<name>])")
        out: dict[str, ServiceTerms] = {}
        for name, raw in table.items():
            path = _key("services", name)
            if not name.strip():
                raise _Bad(path, name, "service names must be non-empty text")
            spec = _table(raw, path, "a service table (calendar, target, min_outage, ...)")
            _check_keys(spec, _SERVICE_KEYS, path)
            if "calendar" not in spec:
                raise _Bad(
                    _key(path, "calendar"),
                    None,
                    "is required: the service hours availability is measured in",
                    f"name one of {_names([ALWAYS_OPEN_NAME, *sorted(self.calendars)])}",
                )
            calendar = self._named_calendar(spec["calendar"], _key(path, "calendar"))
            target = None
            if "target" in spec:
                target = self._share(spec["target"], _key(path, "target"))
            min_outage = dt.timedelta(0)
            if "min_outage" in spec:
                min_outage = self._duration_at(spec["min_outage"], _key(path, "min_outage"))
            credits = None
            if "credits" in spec:
                credits = self._schedule_ref(spec["credits"], _key(path, "credits"), schedules)
            fee = None
            if "fee" in spec:
                fee = self._amount(spec["fee"], _key(path, "fee"))
            if credits is not None and fee is None:
                raise _Bad(
                    _key(path, "fee"),
                    None,
                    f"is required with credits = {credits!r}",
                    "give the service's fee per period, such as fee = 10000",
                )
            with _at(path):
                out[name] = ServiceTerms(name, calendar, target, min_outage, credits, fee)
        return out

    def _compliance_credit(
        self, raw: object, path: str, schedules: Mapping[str, CreditSchedule]
    ) -> ComplianceCreditTerms:
        table = _table(raw, path, "a compliance credit table")
        _check_keys(table, _COMPLIANCE_CREDIT_KEYS, path)
        for required in ("schedule", "fee"):
            if required not in table:
                raise _Bad(_key(path, required), None, "is required")
        schedule = self._schedule_ref(table["schedule"], _key(path, "schedule"), schedules)
        fee = self._amount(table["fee"], _key(path, "fee"))
        severities = metrics = None
        if "severities" in table:
            severities = self._labels(
                table["severities"], _key(path, "severities"), self.severities, "severity"
            )
        if "metrics" in table:
            metrics = self._labels(table["metrics"], _key(path, "metrics"), _METRICS, "metric")
        with _at(path):
            return ComplianceCreditTerms(schedule, fee, severities, metrics)

    def _error_count(
        self,
        raw: object,
        path: str,
        targets: Sequence[str],
        services: Mapping[str, ServiceTerms],
    ) -> ErrorCountTarget:
        table = _table(raw, path, "an error-count table")
        _check_keys(table, _ERROR_COUNT_KEYS, path)
        for required in ("name", "count", "at_most"):
            if required not in table:
                raise _Bad(_key(path, required), None, "is required")
        name = _text(table["name"], _key(path, "name"), "a name (non-empty text)")
        count = table["count"]
        if count not in COUNT_KINDS:
            raise _Bad(_key(path, "count"), count, f"must be one of {_names(COUNT_KINDS)}")
        at_most = table["at_most"]
        if isinstance(at_most, bool) or not isinstance(at_most, int) or at_most < 0:
            raise _Bad(_key(path, "at_most"), at_most, "must be a whole number, 0 or more")
        period = table.get("period", "month")
        if period not in PERIODS:
            raise _Bad(_key(path, "period"), period, f"must be one of {_names(PERIODS)}")
        only = (
            ("services", "min_outage")
            if count == "breaches"
            else ("severities", "metrics", "targets")
        )
        for key in only:
            if key in table:
                raise _Bad(
                    _key(path, key),
                    table[key],
                    f"does not apply to count = {count!r}",
                    "severities, metrics and targets filter breaches; services and "
                    "min_outage, outages",
                )
        filters: dict[str, Any] = {}
        if "severities" in table:
            filters["severities"] = self._labels(
                table["severities"], _key(path, "severities"), self.severities, "severity"
            )
        if "metrics" in table:
            filters["metrics"] = self._labels(
                table["metrics"], _key(path, "metrics"), (*_METRICS, "internal"), "metric"
            )
        if "targets" in table:
            filters["targets"] = self._labels(
                table["targets"], _key(path, "targets"), targets, "target"
            )
        if "services" in table:
            filters["services"] = self._labels(
                table["services"], _key(path, "services"), list(services), "service"
            )
        if "min_outage" in table:
            filters["min_outage"] = self._duration_at(table["min_outage"], _key(path, "min_outage"))
        with _at(path):
            return ErrorCountTarget(name, count, at_most, period, **filters)

    def _service_level(self, raw: object, path: str) -> ServiceLevelGoal:
        table = _table(raw, path, "a service level table")
        _check_keys(table, _SERVICE_LEVEL_KEYS, path)
        for required in ("name", "within"):
            if required not in table:
                raise _Bad(_key(path, required), None, "is required")
        name = _text(table["name"], _key(path, "name"), "a name (non-empty text)")
        within = self._duration_at(table["within"], _key(path, "within"))
        if within <= dt.timedelta(0):
            raise _Bad(_key(path, "within"), table["within"], "must be a positive duration")
        share = None
        if "share" in table:
            share = self._share(table["share"], _key(path, "share"))
        measure = table.get("measure", "business")
        if measure not in ("business", "calendar"):
            raise _Bad(_key(path, "measure"), measure, "must be one of 'business', 'calendar'")
        metric = table.get("metric")
        if metric is not None and metric not in _METRICS:
            raise _Bad(_key(path, "metric"), metric, f"unknown metric (known: {_names(_METRICS)})")
        severities = None
        if "severities" in table:
            severities = self._labels(
                table["severities"], _key(path, "severities"), self.severities, "severity"
            )
        with _at(path):
            return ServiceLevelGoal(name, within, share, measure, metric, severities)
