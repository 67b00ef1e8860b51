"""The ``slaclock`` command line.

``slaclock demo`` scores the bundled sample (a year of tickets) with the
example policy: compliance by severity and metric, the tickets at risk at the
sample's ``now``, and a results file. ``slaclock demo --calendars`` shows real
calendars answering due and elapsed questions across a DST change, a night
shift and a holiday. ``slaclock score`` scores your own tickets and events
tables with a policy file; ``slaclock report`` turns a results file into the
SLA report (tables, an HTML page, charts); ``slaclock what-if`` compares two
policies on the same tickets; ``slaclock check-olas`` finds where chains of
internal targets do not fit their external target; ``slaclock due`` and
``slaclock calendar show`` answer questions of one calendar.

Conventions shared by the commands (``docs/guides/command-line.md``):
``--format table|csv|json`` for what is printed, ``--help`` with worked
examples, one-line errors on stderr naming the file, row and column, a
progress bar on stderr for long work (with tqdm, on a terminal, or with
``--progress``), and exit codes scripts can use (see :func:`main`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar
from zoneinfo import ZoneInfo

from slaclock import __version__
from slaclock.calendars import Calendar
from slaclock.errors import InputError, SlaClockError
from slaclock.holiday_sources import HolidaySource

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from slaclock.evaluation import Result
    from slaclock.internal_targets import ChainCheck
    from slaclock.policies import Policy, PolicyBook
    from slaclock.reports import ComplianceRow
    from slaclock.sla_report import SlaReport

T = TypeVar("T")

__all__ = ["main"]

DEMO_RESULTS = "slaclock-demo-results.csv"
"""The results file ``slaclock demo`` writes by default (in the current directory)."""

AT_RISK_WITHIN = dt.timedelta(hours=4)
"""A running clock with at most this much business time left is at risk (``slaclock demo``)."""

_DEMO_HELP = """\
examples:
  slaclock demo                  score the bundled sample, print compliance and tickets at risk
  slaclock demo --out r.json     the same, writing the results as JSON
  slaclock demo --calendars      worked answers for four real calendars
  slaclock demo --format json    compliance, at risk and the report command as JSON

The sample (about 3000 tickets, 2025-11-01 to 2026-10-31) is measured at its
end, 2026-10-31T00:00:00Z, with the example policy (slaclock/data/example_policy.toml).
The demo ends with the `slaclock report` command that turns its results file,
the example policy and the sample outage log into the HTML report.

exit codes:
  0  done
  2  the results file cannot be written (one line on stderr)
"""

_SCORE_HELP = """\
tables (CSV, UTF-8, with a header row; or Parquet files, or directories of them):
  tickets: ticket_id, severity, created_at, then one column per ticket attribute
           (tier, region, ...; an empty cell means the ticket has no such attribute)
  events:  ticket_id, seq, at, kind, value; kind is status, agent_reply, customer_reply,
           update, assignment, severity or cancel; value is the status, public|private,
           the team, the severity or the cancel reason (empty for customer replies and
           updates); seq orders a ticket's events, same-instant events apply in seq order
  instants are ISO 8601 with a UTC offset: 2026-03-02T14:05:00Z or 2026-03-02T09:05:00-05:00
  (in Parquet: timestamp columns with a time zone)

large tables: Parquet input (.parquet, .pq, or a directory of Parquet files), compressed
  CSV (.csv.gz) or --chunk-tickets N is scored in chunks of N tickets (default 100000)
  with bounded memory, a progress bar on stderr (with tqdm, on a terminal) and the same
  results; it needs pyarrow. Tables sorted by ticket_id are read in one pass each, others
  are first partitioned by ticket id into temporary files. Plain CSV files without
  --chunk-tickets are read whole by the CSV reader (no pyarrow needed).

results: one row per ticket, target and cycle; the columns are the Result fields
  (schema version 1): instants ISO 8601 UTC with Z, durations exact decimal seconds
  (28800, 1.5), earlier and warnings compact JSON lists, missing values empty.
  JSON: an array of objects. Parquet (needs pyarrow): timestamp[us, UTC] and
  duration[us] columns.

exit codes:
  0  every ticket scored, results written
  1  --keep-going: some tickets could not be scored (reported on stderr, one line
     each); the others were scored and written
  2  stopped: a usage error, a file or policy that cannot be read, or a bad ticket
     without --keep-going (one line on stderr naming file, row and column); nothing
     is written

examples:
  slaclock score --tickets tickets.csv --events events.csv --policy policy.toml \\
      --now 2026-10-31T00:00:00Z --out results.csv
  slaclock score --tickets tickets.parquet --events events.parquet --policy policy.toml \\
      --now 2026-10-31T00:00:00Z --out results.parquet --chunk-tickets 200000
"""


def _fmt(t: dt.datetime, zone: str) -> str:
    local = t.astimezone(ZoneInfo(zone))
    return f"{local:%a %Y-%m-%d %H:%M %Z} ({t.astimezone(dt.UTC):%H:%M} UTC)"


def _hours(td: dt.timedelta) -> str:
    total = int(td.total_seconds())
    h, rem = divmod(total, 3600)
    return f"{h}h{rem // 60:02d}m"


def calendars_demo(out: TextIO | None = None) -> int:
    """Print worked answers: DST change, night shift, holiday, half day, combined calendar."""
    write = (out or sys.stdout).write
    ny = ZoneInfo("America/New_York")
    lines: list[str] = []
    add = lines.append

    add("slaclock demo --calendars — exact business time over real calendars")
    add("")
    us = Calendar.weekly(
        "America/New_York", "Mon-Fri 09:00-17:00", holidays=HolidaySource.country("US")
    )
    add(f"1. {us!r}")
    start = dt.datetime(2024, 3, 8, 15, 0, tzinfo=ny)
    due = us.due(start, dt.timedelta(hours=4))
    add(f"   4 business hours from {_fmt(start, us.zone)}")
    add(f"   are due {_fmt(due, us.zone)}  (the clocks sprang forward on Sunday)")
    a, b = dt.datetime(2024, 7, 3, 12, 0, tzinfo=ny), dt.datetime(2024, 7, 5, 12, 0, tzinfo=ny)
    add(f"   elapsed {_fmt(a, us.zone)} -> {_fmt(b, us.zone)}: {_hours(us.elapsed(a, b))}")
    add("   (July 4th is a holiday: only Wed 12:00-17:00 and Fri 09:00-12:00 count)")
    add("")

    night = Calendar.weekly(
        "Europe/London", "Daily 22:00-06:00", holidays=HolidaySource.country("GB", subdiv="ENG")
    )
    ldn = ZoneInfo("Europe/London")
    add(f"2. {night!r}  (a night desk)")
    a, b = dt.datetime(2024, 10, 26, 22, tzinfo=ldn), dt.datetime(2024, 10, 27, 6, tzinfo=ldn)
    add(
        f"   the Saturday night shift when the clocks fall back, {_fmt(a, night.zone)} -> "
        f"{_fmt(b, night.zone)}: {_hours(night.elapsed(a, b))} (01:00-02:00 happens twice)"
    )
    t = dt.datetime(2024, 10, 27, 0, 30, tzinfo=ldn)
    add(f"   next close after {_fmt(t, night.zone)}: {_fmt(night.next_close(t), night.zone)}")
    s = dt.datetime(2024, 12, 23, 23, 0, tzinfo=ldn)
    add(
        f"   12 hours from {_fmt(s, night.zone)}: due "
        f"{_fmt(night.due(s, dt.timedelta(hours=12)), night.zone)}"
    )
    add("   (Christmas and Boxing Day are closed, after-midnight pieces included;")
    add("    the Christmas Eve shift 22:00-24:00 belongs to the 24th and counts)")
    add("")

    half = Calendar.weekly(
        "Europe/Berlin",
        "Mon-Fri 08:00-12:00, 13:00-17:00",
        holidays=HolidaySource.country("DE", subdiv="BE"),
        overrides={dt.date(2024, 12, 24): "09:00-12:00", dt.date(2024, 12, 31): "09:00-12:00"},
    )
    ber = ZoneInfo("Europe/Berlin")
    add(f"3. {half!r}")
    s = dt.datetime(2024, 12, 23, 16, 0, tzinfo=ber)
    add(
        f"   6 business hours from {_fmt(s, half.zone)}: due "
        f"{_fmt(half.due(s, dt.timedelta(hours=6)), half.zone)}  (half day on the 24th, holidays 25-26)"
    )
    s = dt.datetime(2024, 12, 20, 10, 0, tzinfo=ber)
    add(
        f"   3 business days from {_fmt(s, half.zone)}: due "
        f"{_fmt(half.due_business_days(s, 3), half.zone)}"
    )
    add("")

    follow = Calendar.weekly("America/New_York", "Mon-Fri 09:00-17:00") | Calendar.weekly(
        "Asia/Kolkata", "Mon-Fri 09:00-17:00"
    )
    add(f"4. follow-the-sun: {follow!r}")
    s = dt.datetime(2024, 11, 1, 16, 0, tzinfo=ny)
    add(
        f"   10 business hours from {_fmt(s, 'America/New_York')}: due "
        f"{_fmt(follow.due(s, dt.timedelta(hours=10)), 'America/New_York')}"
    )
    add(
        "   open intervals Mon 2024-11-04 (NY): "
        + ", ".join(
            f"{x.astimezone(ny):%H:%M}-{y.astimezone(ny):%H:%M}"
            for x, y in follow.open_intervals(
                dt.datetime(2024, 11, 4, tzinfo=ny), dt.datetime(2024, 11, 5, tzinfo=ny)
            )
        )
    )
    add("")
    add("All answers are exact to the microsecond; instants are returned in UTC.")
    write("\n".join(lines) + "\n")
    return 0


# ---- slaclock demo ------------------------------------------------------------------------


def _duration(td: dt.timedelta) -> str:
    """A short duration: ``2h05m``, ``45m``, ``3d4h``."""
    minutes = int(td.total_seconds() // 60)
    d, rem = divmod(minutes, 24 * 60)
    h, m = divmod(rem, 60)
    if d:
        return f"{d}d{h}h"
    return f"{h}h{m:02d}m" if h else f"{m}m"


def _utc(t: dt.datetime | None) -> str:
    return "-" if t is None else f"{t.astimezone(dt.UTC):%Y-%m-%d %H:%M}Z"


def _share(value: Fraction | None, *, trim: bool = True) -> str:
    """A share in percent to 0.1, rounded down (never shown as reaching a requirement it misses)."""
    if value is None:
        return "-"
    from slaclock.report_html import share_text

    text = share_text(value, 1)
    return text.replace(".0%", "%") if trim else text


def _compliance_table(rows: Sequence[ComplianceRow], names: Sequence[str]) -> list[str]:
    head = (
        " ".join(f"{n:<16}" for n in names)
        + f"{'met':>7}{'breached':>10}{'pending':>9}{'cancelled':>11}"
        + f"{'% met':>9}{'required':>10}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        verdict = {True: "  ok", False: "  BELOW", None: ""}[row.meets_required]
        pct = _share(row.compliance, trim=False)
        lines.append(
            " ".join(f"{k!s:<16}" for k in row.key)
            + f"{row.met:>7}{row.breached:>10}{row.pending:>9}{row.cancelled:>11}"
            + f"{pct:>9}{_share(row.required):>10}{verdict}"
        )
    return lines


def _at_risk(results: Sequence[Result], within: dt.timedelta) -> list[Result]:
    """Running clocks not breached yet with at most ``within`` business time left, soonest due first."""
    risky = [
        r
        for r in results
        if r.status == "running" and r.outcome == "pending" and r.remaining <= within
    ]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(risky, key=lambda r: (r.due or far, str(r.ticket_id), r.target))


def demo(
    out: TextIO | None = None,
    *,
    results_path: str = DEMO_RESULTS,
    policy: PolicyBook | None = None,
    progress: bool | None = None,
    format: str = "table",
    neutralise_formulas: bool = False,
) -> int:
    """Score the bundled sample and print compliance, the tickets at risk, and the results file.

    Parameters
    ----------
    out
        Where to print (standard output by default).
    results_path
        The results file to write (CSV, or JSON / Parquet by its suffix).
    policy
        The policy book (default: the example policy the sample was made for).
    progress
        A progress bar on stderr while scoring (default: with tqdm, on a terminal).
    format
        ``"table"`` (the text for people), ``"csv"`` (the compliance table) or
        ``"json"`` (compliance, internal targets, the tickets at risk, the
        results file and the report command in one document).
    """
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import example_policy
    from slaclock.reports import compliance
    from slaclock.result_files import write_results
    from slaclock.samples import SAMPLE_NOW, load_sample, sample_files
    from slaclock.sla_report import compliance_records

    write = (out or sys.stdout).write
    began = time.perf_counter()
    book = policy if policy is not None else example_policy()
    tickets, now = load_sample()
    results: list[Result] = []
    for ticket in _progress(tickets, total=len(tickets), desc="scoring", enabled=progress):
        results.extend(evaluate(ticket, book, now=now).results)
    scored = time.perf_counter() - began
    external = [r for r in results if r.metric != "internal"]
    internal = [r for r in results if r.metric == "internal"]
    first = min(t.created_at for t in tickets)
    last = max(t.created_at for t in tickets)

    lines: list[str] = []
    add = lines.append
    add("slaclock demo — SLA compliance of the bundled sample")
    add("")
    add(
        f"{len(tickets)} tickets created {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
        f"policy book {book.name!r}, measured at now = {_utc(SAMPLE_NOW)}"
    )
    add(f"{len(results)} results (ticket x target x cycle), read and scored in {scored:.1f} s")
    add("")
    add("Compliance by severity and metric: % met = met / (met + breached);")
    add("pending and cancelled clocks are counted, never in the ratio.")
    add("")
    lines.extend(
        _compliance_table(
            compliance(external, by=("severity", "metric"), policy=book), ("severity", "metric")
        )
    )
    add("")
    add("Internal targets (OLAs): the time each team held a ticket")
    add("")
    lines.extend(_compliance_table(compliance(internal, by=("team",), policy=book), ("team",)))
    add("")
    risky = _at_risk(external, AT_RISK_WITHIN)
    breached_open = sum(1 for r in external if r.status == "running" and r.breached)
    add(
        f"At risk at now: {len(risky)} running clocks with at most "
        f"{_duration(AT_RISK_WITHIN)} of business time left"
        + (" (the 15 due soonest)" if len(risky) > 15 else "")
    )
    add("")
    head = (
        f"{'ticket':<8}{'target':<20}{'used':>8}{'remaining':>11}   {'due':<19}{'next event':<19}"
    )
    add(head)
    add("-" * len(head))
    for r in risky[:15]:
        add(
            f"{r.ticket_id!s:<8}{r.target:<20}{_duration(r.used):>8}"
            f"{_duration(r.remaining):>11}   {_utc(r.due):<19}{_utc(r.next_event_at):<19}"
        )
    add("")
    add(f"Already breached and still running at now: {breached_open} clocks")
    add("")
    rows = write_results(results, results_path, policy=book)
    tickets_file, events_file = sample_files()
    add(f"Wrote {rows} result rows to {results_path} (one per ticket, target and cycle).")
    add("Score your own tables:")
    add(f"  slaclock score --tickets {tickets_file} \\")
    add(f"      --events {events_file} \\")
    add("      --policy policy.toml --now 2026-10-31T00:00:00Z --out results.csv")
    add("Worked calendar answers (DST, night shift, holidays): slaclock demo --calendars")
    add("")
    add("The SLA report of these results (compliance, service levels, availability, credits,")
    add("charts) as one HTML file:")
    add("  " + demo_report_command(results_path))
    if format == "table":
        write("\n".join(line.rstrip() for line in lines) + "\n")
        return 0
    external_rows = compliance_records(
        compliance(external, by=("severity", "metric"), policy=book), ("severity", "metric")
    )
    document = {
        "tickets": len(tickets),
        "results": len(results),
        "now": SAMPLE_NOW,
        "policy": book.name,
        "compliance": external_rows,
        "internal": compliance_records(compliance(internal, by=("team",), policy=book), ("team",)),
        "at_risk_within": AT_RISK_WITHIN,
        "at_risk": [
            {
                "ticket_id": r.ticket_id,
                "target": r.target,
                "used": r.used,
                "remaining": r.remaining,
                "due": r.due,
                "next_event_at": r.next_event_at,
            }
            for r in risky
        ],
        "results_file": results_path,
        "report_command": demo_report_command(results_path),
    }
    _emit(
        format,
        out or sys.stdout,
        sheets=[Sheet("compliance", external_rows)],
        document=document,
        neutralise=neutralise_formulas,
    )
    return 0


DEMO_REPORT = "slaclock-report.html"
"""The HTML file of the ``slaclock report`` command that ``slaclock demo`` prints."""


def sample_outages_path() -> Traversable:
    """The bundled sample outage log, ``slaclock/data/sample_outages.csv`` (a package resource).

    .. versionadded:: 0.1
    """
    from importlib import resources

    return resources.files("slaclock") / "data" / "sample_outages.csv"


def demo_report_command(results_path: str, html: str = DEMO_REPORT) -> str:
    """The ``slaclock report`` command, as shell text, that ``slaclock demo`` ends with.

    It reads the demo's results file with the example policy (required shares
    and agreements) and the sample outage log, at the sample's ``now``, in the
    example policy's zone, and writes the HTML report.

    .. versionadded:: 0.1
    """
    from slaclock.policy_files import example_policy_path
    from slaclock.samples import SAMPLE_NOW, format_instant

    words = [
        "slaclock",
        "report",
        results_path,
        "--policy",
        str(example_policy_path()),
        "--outages",
        str(sample_outages_path()),
        "--now",
        format_instant(SAMPLE_NOW),
        "--zone",
        "America/New_York",
        "--html",
        html,
    ]
    return " ".join(shlex.quote(w) for w in words)


# ---- slaclock score -----------------------------------------------------------------------


def score(args: argparse.Namespace) -> int:
    """Run ``slaclock score``: read the tables and the policy, evaluate, write the results.

    Returns the exit code (see ``slaclock score --help``).
    """
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import load_policy
    from slaclock.provenance import provenance
    from slaclock.result_files import FORMATS, write_results
    from slaclock.samples import parse_instant, scan_tables

    fmt = args.format
    if fmt is None:
        suffix = str(args.out).rsplit(".", 1)[-1].lower() if "." in str(args.out) else ""
        fmt = suffix if suffix in FORMATS else "csv"
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        _error("--format parquet needs pyarrow, which is not installed (pip install pyarrow)")
        return 2
    if args.chunk_tickets is not None and args.chunk_tickets < 1:
        _error(f"--chunk-tickets: must be a whole number >= 1 (got {args.chunk_tickets})")
        return 2
    try:
        now = parse_instant(args.now, "--now")
        as_of = None if args.as_of is None else parse_instant(args.as_of, "--as-of")
        book = load_policy(args.policy)
        if _streams(args):
            return _score_chunks(args, fmt, book, now, as_of)
        read = scan_tables(args.tickets, args.events)
    except OSError as exc:
        _error(f"{exc.filename}: cannot be read ({exc.strerror})")
        return 2
    except SlaClockError as exc:
        _error(exc)
        return 2
    bad = list(read.errors)
    if bad and not args.keep_going:
        _error(bad[0])
        return 2
    results: list[Result] = []
    scored = 0
    for ticket in read.tickets:
        try:
            evaluation = evaluate(ticket, book, now=now, as_of=as_of)
        except SlaClockError as exc:
            located = read.locate(ticket.id, exc)
            if not args.keep_going:
                _error(located)
                return 2
            bad.append(located)
            continue
        results.extend(evaluation.results)
        scored += 1
    for err in bad:
        _error(err)
    try:
        rows = write_results(
            results,
            args.out,
            format=fmt,
            provenance=provenance(book, policy_file=args.policy),
            neutralise_formulas=args.neutralise_formulas,
        )
    except OSError as exc:
        _error(f"{args.out}: cannot be written ({exc.strerror})")
        return 2
    print(
        _reconciled(read.ticket_rows, scored, read.ticket_rows - scored, read.orphans)
        + f"; {rows} result rows -> {args.out}"
    )
    return 1 if bad else 0


def _reconciled(ticket_rows: int, scored: int, failed: int, orphans: int) -> str:
    """The counts of a scoring run, reconciled: every ticket row is scored or reported."""
    assert scored + failed == ticket_rows, (scored, failed, ticket_rows)  # nothing lost
    text = (
        f"read {ticket_rows} ticket rows: "
        f"{scored} tickets scored + {failed} ticket rows not scored (errors above) "
        f"= {ticket_rows}"
    )
    if orphans:
        text += f"; events of {orphans} unknown ticket ids left out (errors above)"
    return text


def _streams(args: argparse.Namespace) -> bool:
    """Whether ``slaclock score`` reads in chunks: anything but two plain CSV files, or
    ``--chunk-tickets``. Plain CSV keeps the CSV reader of :mod:`slaclock.samples`
    (whole tables in memory, no pyarrow needed, its messages)."""
    if args.chunk_tickets is not None:
        return True
    return not all(str(p).lower().endswith(".csv") for p in (args.tickets, args.events))


def _score_chunks(
    args: argparse.Namespace,
    fmt: str,
    book: PolicyBook,
    now: dt.datetime,
    as_of: dt.datetime | None,
) -> int:
    """``slaclock score`` in chunks (:mod:`slaclock.batch.files`): the same results, exit codes
    and messages (file, 1-based data row, column) as the CSV reader."""
    if importlib.util.find_spec("pyarrow") is None:
        _error(
            "Parquet input and --chunk-tickets need pyarrow, which is not installed "
            "(pip install pyarrow)"
        )
        return 2
    from slaclock.batch._outputs import open_sink
    from slaclock.batch._pieces import Labels
    from slaclock.batch.files import Run, Sink
    from slaclock.provenance import provenance

    labels = Labels(tickets=str(args.tickets), events=str(args.events), base=1)
    try:
        run = Run.build(
            args.tickets,
            args.events,
            book,
            now=now,
            chunk_tickets=args.chunk_tickets or 100_000,
            on_error="mark",
            progress=args.progress,
            as_of=as_of,
            assume_tz=None,
            order="auto",
            format=None,
            tmpdir=None,
            labels=labels,
            fields=("--tickets", "--events"),
        )
    except SlaClockError as exc:
        _error(exc)
        return 2
    bad = 0

    class Stop(Exception):
        pass

    class Report(Sink):
        """Prints each piece's errors (or stops at the first), passes results on."""

        def __init__(self, inner: Sink) -> None:
            self.inner = inner

        def add(self, results: object, errors: object) -> None:
            nonlocal bad
            lines = _error_lines(errors, labels)
            if lines and not args.keep_going:
                _error(lines[0])
                raise Stop
            for line in lines:
                _error(line)
            bad += len(lines)
            self.inner.add(results, errors)

    try:
        record = provenance(book, policy_file=args.policy)
        with open_sink(
            str(args.out),
            fmt,
            run.id_type,
            provenance=record,
            neutralise_formulas=args.neutralise_formulas,
        ) as sink:
            run.run(Report(sink))
    except Stop:
        return 2
    except OSError as exc:
        _error(f"{exc.filename or args.out}: cannot be written ({exc.strerror})")
        return 2
    except SlaClockError as exc:
        _error(exc)
        return 2
    t = run.totals
    print(
        _reconciled(t.tickets, t.scored, t.failed, t.orphans)
        + f"; {t.results} result rows -> {args.out}"
    )
    return 1 if bad else 0


def _error_lines(errors: Any, labels: Any) -> list[str]:
    """The errors of a piece as the CSV reader words them, in table and row order:
    ``events.parquet row 6, column kind: is not an event kind ...``."""
    import re

    from slaclock import errors as error_classes

    if errors.num_rows == 0:
        return []
    cols = errors.to_pydict()
    found = []
    for tid, row, field, error, message in zip(
        cols["ticket_id"], cols["row"], cols["field"], cols["error"], cols["message"], strict=True
    ):
        table = str(field).partition(".")[0]
        name = labels.name(table)
        kind = getattr(error_classes, str(error), None)
        if error == "TableFormatError":
            line = message
        elif isinstance(kind, type) and issubclass(kind, error_classes.InputError):
            # as TableRead.locate places an error of evaluation in the tables
            where, _, rest = str(message).partition(": ")
            m = re.match(r"history\[(\d+)\](?:\.(\w+))?", where)
            if m is not None:
                col: str | None = "at" if m.group(2) == "at" else "value"
            else:
                a = re.match(r"attributes\[['\"](.+)['\"]\]", where)
                col = a.group(1) if a else (where if where in ("severity", "created_at") else None)
            if col is not None:
                line = f"{name} row {row}, column {col}: {rest}"
            else:
                line = f"{name} row {row}: {message}"
        else:
            line = f"{name} row {row}: {message} (got {tid!r})"
        found.append(((0 if table == "tickets" else 1, int(row)), line))
    return [line for _, line in sorted(found, key=lambda f: f[0])]


# ---- conventions shared by the commands ---------------------------------------------------

OUTPUT_FORMATS = ("table", "csv", "json")
"""What ``--format`` prints: aligned text, RFC 4180 CSV with a header, or one JSON document."""

_ONE_US = dt.timedelta(microseconds=1)
_DECIMAL_PLACES = 12  # a share that does not end in 12 decimal places is rounded there


class _UsageError(Exception):
    """A command line that cannot be run as given (exit code 2, one line on stderr)."""


def _progress(
    items: Iterable[T], *, total: int | None, desc: str, enabled: bool | None
) -> Iterable[T]:
    """``items``, with a tqdm progress bar on stderr when wanted and possible.

    ``enabled`` None: only when stderr is a terminal. Without tqdm there is no
    bar (it is the optional ``progress`` extra).
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show or importlib.util.find_spec("tqdm") is None:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, file=sys.stderr, leave=False)  # type: ignore[no-any-return]


def _decimal_text(q: Fraction) -> str:
    """A share as decimal text: exact when it ends within 12 places, else rounded there."""
    scale = 10**_DECIMAL_PLACES
    n = round(q * scale)  # Fraction rounds half to even
    sign = "-" if n < 0 else ""
    whole, frac = divmod(abs(n), scale)
    text = f"{sign}{whole}.{frac:0{_DECIMAL_PLACES}d}".rstrip("0")
    return text.rstrip(".")


def _seconds(td: dt.timedelta) -> int | float:
    us = td // _ONE_US
    return us // 1_000_000 if us % 1_000_000 == 0 else us / 1_000_000


def _instant_text(t: dt.datetime) -> str:
    from slaclock.samples import format_instant

    return format_instant(t)


def _csv_cell(value: object) -> str:
    """A value as CSV text: exact seconds, UTC instants with Z, decimal shares, empty for None."""
    from slaclock.result_files import format_seconds

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return _decimal_text(value)
    if isinstance(value, dt.timedelta):
        return format_seconds(value)
    if isinstance(value, dt.datetime):
        return _instant_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return " ".join(_csv_cell(v) for v in value)
    return str(value)


def _json_value(value: object) -> Any:
    """A value for JSON: seconds and shares as numbers, instants as UTC text with Z."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Fraction):
        text = _decimal_text(value)
        return float(text) if "." in text else int(text)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return _seconds(value)
    if isinstance(value, dt.datetime):
        return _instant_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, float):
        return value
    return str(value)


def _human_duration(td: dt.timedelta) -> str:
    """``39h00m``, ``0h30m``, ``1h00m30s``, ``-2h15m``: hours and minutes, seconds when there are."""
    us = td // _ONE_US
    sign = "-" if us < 0 else ""
    s, frac = divmod(abs(us), 1_000_000)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    text = f"{sign}{h}h{m:02d}m"
    if sec or frac:
        text += f"{sec:02d}" + (f".{frac:06d}".rstrip("0") if frac else "") + "s"
    return text


def _local_text(t: dt.datetime, zone: str, *, weekday: bool = False) -> str:
    """An instant as local wall time with the zone's abbreviation, exact (seconds and
    microseconds only when not zero): ``Fri 2026-01-02 08:30:00.000001 EST``."""
    local = t.astimezone(ZoneInfo(zone))
    text = f"{local:%Y-%m-%d %H:%M}"
    if local.second or local.microsecond:
        text += f":{local:%S}" + (f".{local:%f}".rstrip("0") if local.microsecond else "")
    text += f" {local:%Z}"
    return f"{local:%a} {text}" if weekday else text


def _percent_text(q: Fraction) -> str:
    """A share in percent: exact when whole, else rounded down to 2 decimals (as the HTML report)."""
    from slaclock.report_html import share_text

    pct = q * 100
    return f"{pct.numerator}%" if pct.denominator == 1 else share_text(q, 2)


def _human(value: object, zone: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction):
        return _percent_text(value)
    if isinstance(value, dt.timedelta):
        return _human_duration(value)
    if isinstance(value, dt.datetime):
        return _local_text(value, zone)
    if isinstance(value, (tuple, list)):
        return " ".join(_human(v, zone) for v in value)
    return str(value)


class Sheet:
    """One table of a command's output: its rows as plain values, printed in any format.

    ``columns`` orders the CSV and table columns (default: the first row's
    keys); ``text_columns`` picks fewer for the aligned text of wide tables.
    Instants in the aligned text are local times in ``zone``.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        title: str = "",
        columns: Sequence[str] | None = None,
        text_columns: Sequence[str] | None = None,
        zone: str = "UTC",
    ) -> None:
        self.name = name
        self.rows = list(rows)
        self.title = title
        self.columns = list(columns) if columns is not None else list(self.rows[0] if rows else [])
        self.text_columns = list(text_columns) if text_columns is not None else self.columns
        self.zone = zone

    def text(self) -> list[str]:
        """The rows as aligned text (numbers right-aligned), or ``(none)``."""
        if not self.rows:
            return ["(none)"]
        cols = self.text_columns
        cells = [[_human(row.get(c), self.zone) for c in cols] for row in self.rows]
        numeric = [
            all(
                (
                    isinstance(row.get(c), (int, float, Fraction, Decimal, dt.timedelta))
                    and not isinstance(row.get(c), bool)
                )
                or row.get(c) is None
                for row in self.rows
            )
            for c in cols
        ]
        widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]

        def line(values: Sequence[str]) -> str:
            return "  ".join(
                v.rjust(w) if num else v.ljust(w)
                for v, w, num in zip(values, widths, numeric, strict=True)
            ).rstrip()

        return [line(cols), "-" * (sum(widths) + 2 * (len(widths) - 1)), *(line(r) for r in cells)]

    def write_csv(self, out: TextIO, *, neutralise: bool = False) -> None:
        """RFC 4180: a header row, then one row per record (CRLF line ends); ``neutralise``
        prefixes cells a spreadsheet would run as formulas with ``'``."""
        from slaclock.result_files import neutralise_formula

        writer = csv.writer(out, lineterminator="\r\n")
        if self.columns:
            writer.writerow(self.columns)
        for row in self.rows:
            cells = [_csv_cell(row.get(c)) for c in self.columns]
            writer.writerow([neutralise_formula(c) for c in cells] if neutralise else cells)


def _emit(
    fmt: str,
    out: TextIO,
    *,
    sheets: Sequence[Sheet],
    document: Mapping[str, Any],
    csv_sheet: str | None = None,
    head: Sequence[str] = (),
    tail: Sequence[str] = (),
    text_sheets: Sequence[Sheet] | None = None,
    neutralise: bool = False,
) -> None:
    """Print a command's output: ``table`` (``head``, each of ``text_sheets`` (default
    ``sheets``) with its title, ``tail``), ``csv`` (the sheet named ``csv_sheet``, default
    the first) or ``json`` (``document``)."""
    if fmt == "json":
        out.write(json.dumps(_json_value(document), indent=2, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        name = csv_sheet or sheets[0].name
        next(s for s in sheets if s.name == name).write_csv(out, neutralise=neutralise)
        return
    lines = list(head)
    for sheet in sheets if text_sheets is None else text_sheets:
        if lines:
            lines.append("")
        if sheet.title:
            lines.append(sheet.title)
        lines.extend(sheet.text())
    if tail:
        lines.append("")
        lines.extend(tail)
    out.write("\n".join(line.rstrip() for line in lines) + "\n")


def _when(text: str, field: str, zone: str) -> dt.datetime:
    """An instant from ISO text with an offset, or a date (``2026-01-01``: 00:00 in ``zone``)."""
    from slaclock._instants import localize
    from slaclock.samples import parse_instant

    stripped = text.strip()
    if len(stripped) == 10:
        try:
            day = dt.date.fromisoformat(stripped)
        except ValueError:
            pass
        else:
            return localize(dt.datetime.combine(day, dt.time()), zone, field).astimezone(dt.UTC)
    return parse_instant(text, field)


def _duration_option(text: str, field: str) -> dt.timedelta:
    from slaclock.policies import parse_duration

    return parse_duration(text, field)


def _add_format(p: argparse.ArgumentParser, *, tables: Sequence[str] = ()) -> None:
    p.add_argument(
        "--format",
        choices=OUTPUT_FORMATS,
        default="table",
        help="what to print: aligned text (default), CSV with a header, or one JSON document",
    )
    if tables:
        p.add_argument(
            "--table",
            choices=tables,
            default=tables[0],
            help=f"the table --format csv prints (default: {tables[0]})",
        )
    _add_neutralise(p)


def _add_neutralise(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--neutralise-formulas",
        action="store_true",
        help="CSV for spreadsheets: prefix cells that would run as formulas (=, +, -, @) with '",
    )


def _add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr (default: with tqdm, on a terminal)",
    )


# ---- slaclock check-olas ------------------------------------------------------------------

_CHECK_OLAS_HELP = """\
what it checks: a chain lists internal targets (tier 1, tier 2, a vendor) under an
  external target. From a start instant s each link gets its full goal on its own
  calendar, starting when the previous link is due; the chain is tight at s if it
  finishes by the external due from s. Every policy of the book (every version) is
  checked, exactly (not by sampling), over a window of start instants.

window: --from and --to (an ISO instant with offset, or a date: 00:00 in --zone,
  default the policy file's zone); --to defaults to one year after --from. Without
  --from each version is checked over the time it is in effect: from its valid_from
  to the next version's, the latest version for one year (a version without
  valid_from: the year before the first dated version).

output: one row per policy and chain: tight or not, how many intervals of starts are
  not tight, their share of the window (wall time, and open time of the external
  calendar) and the first ones (--spans N of them in the table; all in JSON; one row
  per interval with --format csv --table spans). Instants in the table are local
  times of the external target's calendar; CSV and JSON give UTC with Z.

exit codes:
  0  every chain is tight over its window
  1  some chain is not tight somewhere (listed)
  2  usage error, or a policy file that cannot be read (one line on stderr)

examples:
  slaclock check-olas --policy policy.toml
  slaclock check-olas --policy policy.toml --from 2026-01-01 --to 2026-04-01
  slaclock check-olas --policy policy.toml --attribute region=uk --format json
  slaclock check-olas --policy policy.toml --format csv --table spans > loose.csv
"""


def _file_zone(path: str) -> str | None:
    """The top-level ``zone`` of a policy file (bare dates are read there), if any."""
    import tomllib

    try:
        with open(path, "rb") as f:
            zone = tomllib.load(f).get("zone")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return zone if isinstance(zone, str) else None


def _add_year(t: dt.datetime, zone: str, years: int = 1) -> dt.datetime:
    """The same local wall time ``years`` later (28 February for 29 February)."""
    from slaclock._instants import localize

    local = t.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    year = local.year + years
    if local.month == 2 and local.day == 29:
        later = local.replace(year=year, day=28)
    else:
        later = local.replace(year=year)
    try:
        return localize(later, zone, "window").astimezone(dt.UTC)
    except SlaClockError:  # the wall time falls in a gap that year: an hour on
        return localize(later + dt.timedelta(hours=1), zone, "window").astimezone(dt.UTC)


def ola_windows(
    book: PolicyBook, zone: str, start: dt.datetime | None, end: dt.datetime | None
) -> list[tuple[Policy, dt.datetime, dt.datetime]]:
    """The window of start instants ``slaclock check-olas`` checks each policy over.

    With ``start`` (and ``end``, default a year later in ``zone``) every policy
    is checked over ``[start, end)``. Without, each version over the time it
    is in effect: ``[valid_from, next version's valid_from)``, the latest for
    one year, a version without ``valid_from`` for the year before the first
    dated version.

    .. versionadded:: 0.1
    """
    if start is not None:
        stop = end if end is not None else _add_year(start, zone)
        return [(p, start, stop) for p in book.policies]
    if end is not None:
        raise _UsageError("--to needs --from")
    dated = sorted({p.valid_from for p in book.policies if p.valid_from is not None})
    if not dated:
        raise _UsageError(
            "the policies have no valid_from: give the window with --from DATE [--to DATE]"
        )
    out = []
    for p in book.policies:
        if p.valid_from is None:
            a, b = _add_year(dated[0], zone, -1), dated[0]
        else:
            a = p.valid_from
            later = [v for v in dated if v > a]
            b = later[0] if later else _add_year(a, zone)
        out.append((p, a, b))
    return out


def _attributes(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise _UsageError(f"--attribute: must be NAME=VALUE, such as region=uk (got {pair!r})")
        out[key.strip()] = value.strip()
    return out


def _chain_row(policy: Policy, check: ChainCheck, zone: str) -> dict[str, Any]:
    first = check.not_tight[0] if check.not_tight else (None, None)
    return {
        "policy": policy.name,
        "valid_from": policy.valid_from,
        "chain": check.name,
        "severity": check.chain.severity,
        "metric": check.chain.metric.value,
        "teams": " -> ".join(check.chain.teams),
        "external": check.external,
        "window_start": check.window[0],
        "window_end": check.window[1],
        "tight": check.tight,
        "intervals": len(check.not_tight),
        "share_wall": check.share_wall,
        "share_open": check.share_open,
        "not_tight_wall": check.not_tight_wall,
        "not_tight_open": check.not_tight_open,
        "first_start": first[0],
        "first_end": first[1],
        "zone": zone,
    }


def check_olas(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``slaclock check-olas``; returns the exit code (see its ``--help``).

    .. versionadded:: 0.1
    """
    from slaclock._instants import zone_key
    from slaclock.internal_targets import check_internal_targets
    from slaclock.policies import CalendarTime
    from slaclock.policy_files import load_policy

    if args.spans < 0:
        raise _UsageError(f"--spans: must not be negative (got {args.spans})")
    book = load_policy(args.policy)
    zone = zone_key(args.zone or _file_zone(str(args.policy)) or "UTC", "--zone")
    start = None if args.start is None else _when(args.start, "--from", zone)
    end = None if args.end is None else _when(args.end, "--to", zone)
    attributes = _attributes(args.attribute)
    windows = ola_windows(book, zone, start, end)
    rows: list[dict[str, Any]] = []
    spans: list[dict[str, Any]] = []
    found: list[tuple[Policy, ChainCheck, str]] = []
    for policy, a, b in _progress(
        windows, total=len(windows), desc="checking", enabled=args.progress
    ):
        for check in check_internal_targets(policy, a, b, attributes=attributes):
            external = policy.target(check.chain.metric, check.chain.severity)
            assert external is not None  # check_internal_targets found it
            local = (
                zone
                if isinstance(external.goal, CalendarTime)
                else external.calendar_for(attributes).zone
            )
            rows.append(_chain_row(policy, check, local))
            found.append((policy, check, local))
            spans.extend(
                {
                    "policy": policy.name,
                    "valid_from": policy.valid_from,
                    "chain": check.name,
                    "start": s,
                    "end": e,
                }
                for s, e in check.not_tight
            )
    loose = [(p, c, z) for p, c, z in found if not c.tight]
    text_rows = [
        {
            "policy": r["policy"],
            "version": "-" if r["valid_from"] is None else _local_text(r["valid_from"], zone),
            "chain": r["chain"],
            "tight": r["tight"],
            "intervals": r["intervals"],
            "wall": r["share_wall"],
            "open": r["share_open"],
        }
        for r in rows
    ]
    tail: list[str] = []
    for policy, check, local in loose:
        version = (
            "" if policy.valid_from is None else f" (from {_local_text(policy.valid_from, zone)})"
        )
        tail.append(f"{policy.name}{version}, {check.name}: not tight for starts in")
        for s, e in check.not_tight[: args.spans]:
            tail.append(
                f"  ({_local_text(s, local, weekday=True)}, {_local_text(e, local, weekday=True)})"
            )
        if len(check.not_tight) > args.spans:
            tail.append(f"  ... and {len(check.not_tight) - args.spans} more")
    tail.append(
        f"{len(loose)} of {len(found)} chains not tight"
        if loose
        else f"all {len(found)} chains tight"
    )
    document = {
        "policy": str(args.policy),
        "attributes": attributes,
        "tight": not loose,
        "chains": [
            {**row, "not_tight": [[s, e] for s, e in check.not_tight]}
            for row, (_, check, _) in zip(rows, found, strict=True)
        ],
    }
    head = [
        f"Chains of internal targets in {args.policy}"
        + (f" for {', '.join(f'{k}={v}' for k, v in attributes.items())}" if attributes else ""),
        "(wall, open: the share of the window's starts, in wall time and in the external",
        " target's open time, where the chain is not tight)",
    ]
    _emit(
        args.format,
        out,
        neutralise=args.neutralise_formulas,
        sheets=[
            Sheet("chains", rows),
            Sheet("spans", spans, columns=("policy", "valid_from", "chain", "start", "end")),
        ],
        text_sheets=[Sheet("chains", text_rows, zone=zone)],
        document=document,
        csv_sheet=args.table,
        head=head,
        tail=tail,
    )
    return 1 if loose else 0


# ---- a calendar from the command line: --policy/--calendar or --hours/--zone ------------

_CALENDAR_OPTIONS = """\
calendar: either a named calendar of a policy file, --policy PATH --calendar NAME
  ("24/7" is the built-in always-open one), or one given here: --hours "Mon-Fri
  09:00-17:00" --zone Europe/London, with --holidays COUNTRY[-SUBDIV] (GB-ENG, US,
  DE-BE; repeat for more) and --override DATE=SPANS (2026-12-24=09:00-12:00, or
  2026-12-28=closed; repeat for more).
"""


def _add_calendar_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("calendar")
    g.add_argument("--policy", metavar="PATH", help="a policy file whose named calendar to use")
    g.add_argument("--calendar", metavar="NAME", help="the calendar's name in the policy file")
    g.add_argument(
        "--hours",
        metavar="TEXT",
        help='weekly hours, such as "Mon-Fri 09:00-17:00; Sat 10:00-14:00"',
    )
    g.add_argument("--zone", metavar="ZONE", help="the IANA zone of --hours (Europe/London)")
    g.add_argument(
        "--holidays",
        action="append",
        default=[],
        metavar="CODE",
        help="public holidays of a country, COUNTRY or COUNTRY-SUBDIV (GB-ENG); repeatable",
    )
    g.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="DATE=SPANS",
        help="special hours on a date (2026-12-24=09:00-12:00, or =closed); repeatable",
    )


def _holiday_source(code: str) -> HolidaySource:
    country, _, subdiv = code.strip().partition("-")
    try:
        return HolidaySource.country(country.upper(), subdiv=subdiv.upper() or None)
    except InputError as exc:
        raise InputError("--holidays", code, exc.problem, exc.hint) from None


def _overrides(items: Sequence[str]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for item in items:
        day, eq, spans = item.partition("=")
        if not eq:
            raise _UsageError(
                f"--override: must be DATE=SPANS, such as 2026-12-24=09:00-12:00 (got {item!r})"
            )
        text = spans.strip()
        out[day.strip()] = (
            [] if text.lower() in ("", "closed") else [s.strip() for s in text.split(",")]
        )
    return out


def calendar_from_args(args: argparse.Namespace, *, hours_needed: bool = True) -> Calendar:
    """The calendar the options name: ``--policy``/``--calendar``, or ``--hours``/``--zone``
    (with ``--holidays`` and ``--override``). Without hours and with ``hours_needed`` False,
    ``--zone`` alone gives an always-open calendar in that zone.

    .. versionadded:: 0.1
    """
    from slaclock._instants import zone_key
    from slaclock.hours import WeeklyHours

    if args.policy is not None or args.calendar is not None:
        if args.policy is None or args.calendar is None:
            raise _UsageError("--policy PATH and --calendar NAME go together")
        given = [o for o, v in (("--hours", args.hours), ("--holidays", args.holidays),
                                ("--override", args.override)) if v]  # fmt: skip
        if given:
            raise _UsageError(f"{given[0]} goes with --hours, not with --policy/--calendar")
        from slaclock.policy_files import ALWAYS_OPEN_NAME, load_policy

        book = load_policy(args.policy)
        if args.calendar == ALWAYS_OPEN_NAME:
            return Calendar.always_open(zone_key(args.zone or "UTC", "--zone"))
        calendars = book.calendars
        if args.calendar not in calendars:
            known = ", ".join([*calendars, ALWAYS_OPEN_NAME])
            raise InputError(
                "--calendar", args.calendar, f"is not a calendar of {args.policy} (it has: {known})"
            )
        cal = calendars[args.calendar]
        if args.zone is not None and zone_key(args.zone, "--zone") != cal.zone:
            raise _UsageError(
                f"--zone: calendar {args.calendar!r} is in {cal.zone}, not {args.zone} "
                "(leave --zone out)"
            )
        return cal
    if args.hours is None:
        if not hours_needed and args.zone is not None:
            if args.holidays or args.override:
                raise _UsageError("--holidays and --override need --hours")
            return Calendar.always_open(zone_key(args.zone, "--zone"))
        raise _UsageError(
            'give a calendar: --policy PATH --calendar NAME, or --hours "Mon-Fri 09:00-17:00" '
            "--zone Area/City"
        )
    if args.zone is None:
        raise _UsageError(
            "--hours needs --zone (the IANA zone of the hours, such as Europe/London)"
        )
    zone = zone_key(args.zone, "--zone")
    hours = WeeklyHours.parse(args.hours, "--hours")
    holidays = [_holiday_source(code) for code in args.holidays]
    try:
        return Calendar.weekly(zone, hours, holidays=holidays, overrides=_overrides(args.override))
    except InputError as exc:
        field = exc.field.replace("overrides", "--override", 1)
        raise InputError(field, exc.value, exc.problem, exc.hint) from None


def _calendar_text(cal: Calendar) -> str:
    return repr(cal)


# ---- slaclock due --------------------------------------------------------------------------

_DUE_HELP = (
    """\
goal: exactly one of --business-time DURATION (4h, 30m, 1h30m: open time of the
  calendar), --business-days N (the close of the N-th open local date after the
  start's) or --calendar-time DURATION (wall time; the calendar gives the zone shown).
  --pause START/END (repeatable) holds a business-time or calendar-time clock.

"""
    + _CALENDAR_OPTIONS
    + """
instants are ISO 8601 with a UTC offset: 2026-03-27T16:00:00Z, 2026-03-27T16:00:00+00:00.
With --now the answer says how much of the goal is left at that instant, or by how
much it is overdue (business time, or wall time for --calendar-time).

exit codes:
  0  the due was found (and, with --fail-if-breached, it has not passed at --now)
  1  --fail-if-breached: the due is before --now
  2  usage error or bad input (one line on stderr)

examples:
  slaclock due --hours "Mon-Fri 09:00-17:00" --zone Europe/London --holidays GB-ENG \\
      --start 2026-04-02T15:00:00+01:00 --business-time 4h
  slaclock due --policy policy.toml --calendar us --start 2026-03-06T20:00:00Z --business-days 2
  slaclock due --zone America/New_York --start 2026-03-06T20:00:00Z --calendar-time 15m \\
      --pause 2026-03-06T20:05:00Z/2026-03-06T20:35:00Z
  slaclock due --policy policy.toml --calendar uk --start 2026-03-02T09:00:00Z \\
      --business-time 8h --now 2026-03-03T12:00:00Z --fail-if-breached --format json
"""
)


def _pauses(items: Sequence[str]) -> list[tuple[dt.datetime, dt.datetime]]:
    from slaclock.samples import parse_instant

    out = []
    for i, item in enumerate(items):
        a, slash, b = item.partition("/")
        if not slash:
            raise _UsageError(
                f"--pause: must be START/END, such as "
                f"2026-03-02T10:00:00Z/2026-03-02T11:00:00Z (got {item!r})"
            )
        out.append((parse_instant(a, f"--pause[{i}] start"), parse_instant(b, f"--pause[{i}] end")))
    return out


def due_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``slaclock due``; returns the exit code (see its ``--help``).

    .. versionadded:: 0.1
    """
    from slaclock.samples import parse_instant

    goals = [
        (k, v)
        for k, v in (
            ("business_time", args.business_time),
            ("business_days", args.business_days),
            ("calendar_time", args.calendar_time),
        )
        if v is not None
    ]
    if len(goals) != 1:
        raise _UsageError(
            "give exactly one goal: --business-time DURATION, --business-days N or "
            "--calendar-time DURATION"
        )
    if args.fail_if_breached and args.now is None:
        raise _UsageError("--fail-if-breached needs --now")
    kind, raw = goals[0]
    cal = calendar_from_args(args, hours_needed=kind != "calendar_time")
    start = parse_instant(args.start, "--start")
    now = None if args.now is None else parse_instant(args.now, "--now")
    pauses = _pauses(args.pause)
    measure: Calendar = cal
    goal: object
    if kind == "business_days":
        if pauses:
            raise _UsageError("--pause holds --business-time and --calendar-time goals only")
        try:
            days = int(raw)
        except ValueError:
            raise InputError("--business-days", raw, "must be a whole number >= 1") from None
        if days < 1:
            raise InputError("--business-days", raw, "must be a whole number >= 1")
        due = cal.due_business_days(start, days)
        goal = days
        goal_text = f"{days} business day{'s' if days != 1 else ''}"
    else:
        duration = _duration_option(raw, "--" + kind.replace("_", "-"))
        if kind == "calendar_time":
            measure = Calendar.always_open(cal.zone)
        try:
            due = measure.due(start, duration, pauses=pauses)
        except InputError as exc:
            raise InputError(exc.field.replace("pauses", "--pause", 1), exc.value, exc.problem,
                             exc.hint) from None  # fmt: skip
        goal = duration
        goal_text = (
            f"{_human_duration(duration)} of "
            f"{'business' if kind == 'business_time' else 'wall'} time"
        )
    zone = cal.zone
    record: dict[str, Any] = {
        "start": start,
        "goal_kind": kind,
        "goal": goal,
        "due": due,
        "zone": zone,
        "due_local": due.astimezone(ZoneInfo(zone)).isoformat(),
        "pauses": len(pauses),
    }
    breached = False
    if now is not None:
        breached = now > due
        left = dt.timedelta(0) if breached else measure.elapsed(now, due, pauses=pauses)
        overdue = measure.elapsed(due, now, pauses=pauses) if breached else dt.timedelta(0)
        record.update(now=now, breached=breached, left=left, overdue_by=overdue)
    lines = [
        f"calendar  {_calendar_text(cal)}",
        f"start     {_local_text(start, zone, weekday=True)}  ({_instant_text(start)})",
        f"goal      {goal_text}"
        + (f", {len(pauses)} pause{'s' * (len(pauses) != 1)}" if pauses else ""),
        f"due       {_local_text(due, zone, weekday=True)}  ({_instant_text(due)})",
    ]
    if now is not None:
        lines.append(f"now       {_local_text(now, zone, weekday=True)}  ({_instant_text(now)})")
        lines.append(
            f"breached  yes, overdue by {_human_duration(record['overdue_by'])}"
            if breached
            else f"breached  no, {_human_duration(record['left'])} left"
        )
    sheet = Sheet("due", [record])
    _emit(
        args.format,
        out,
        sheets=[sheet],
        document=record,
        head=lines,
        text_sheets=[],
        neutralise=args.neutralise_formulas,
    )
    return 1 if args.fail_if_breached and breached else 0


# ---- slaclock calendar show ----------------------------------------------------------------

_CALENDAR_SHOW_HELP = (
    """\
what it shows: for each local date of the month or year, the open spans in local
  time, the open (business) time that date, and why it differs from the weekly
  hours: an override, a holiday (its name), a weekend; then the holidays and the
  overrides of the period. On the days the clocks change the open time is what a
  stopwatch shows (a span over the lost hour is an hour shorter).

"""
    + _CALENDAR_OPTIONS
    + """
--format csv prints one row per date; json gives the dates, holidays, overrides and
totals in one document (open time in seconds).

exit codes:
  0  shown
  2  usage error or bad input (one line on stderr)

examples:
  slaclock calendar show --hours "Mon-Fri 09:00-17:00" --zone Europe/London \\
      --holidays GB-ENG --month 2026-04
  slaclock calendar show --policy policy.toml --calendar vendor --year 2026 --format csv
  slaclock calendar show --hours "Mon-Fri 09:00-17:00" --zone Europe/Berlin \\
      --holidays DE-BE --override 2026-12-24=09:00-12:00 --month 2026-12 --format json
"""
)

_DAY_US = 86_400_000_000
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _period_dates(month: str | None, year: str | None) -> tuple[dt.date, dt.date, str]:
    if (month is None) == (year is None):
        raise _UsageError("give one of --month YYYY-MM or --year YYYY")
    if month is not None:
        try:
            first = dt.date.fromisoformat(month.strip() + "-01")
        except ValueError:
            raise InputError("--month", month, "must be a month such as 2026-03") from None
        nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1), f"{first:%B %Y}"
    assert year is not None
    if not (year.strip().isdigit() and 1 <= int(year) <= 9998):
        raise InputError("--year", year, "must be a year such as 2026")
    y = int(year)
    return dt.date(y, 1, 1), dt.date(y, 12, 31), str(y)


def _clock(t: dt.datetime, day: dt.date, zone: ZoneInfo) -> str:
    local = t.astimezone(zone)
    if local.date() > day:
        return "24:00"
    text = f"{local:%H:%M}"
    if local.second or local.microsecond:
        text += f":{local:%S}"
    return text


def calendar_days(cal: Calendar, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """One record per local date of ``[first, last]``: its open spans, open time and why.

    ``open`` lists the open stretches within the date in local wall time
    (``24:00`` for the next midnight); ``hours`` is their elapsed time; ``why``
    names the override, holiday or weekend that shaped the date (empty for
    the weekly hours).

    Examples
    --------
    >>> import datetime as dt
    >>> cal = Calendar.weekly("Europe/London", "Mon-Fri 22:00-06:00")
    >>> for day in calendar_days(cal, dt.date(2026, 3, 27), dt.date(2026, 3, 29)):
    ...     print(day["date"], day["open"] or "closed", day["business_time"], day["why"] or "-")
    2026-03-27 00:00-06:00, 22:00-24:00 8:00:00 -
    2026-03-28 00:00-06:00 6:00:00 -
    2026-03-29 closed 0:00:00 weekend; clocks go forward (23-hour day)

    Friday night's shift runs past midnight into Saturday's date.

    .. versionadded:: 0.1
    """
    from slaclock.calendars import WeeklyCalendar

    tz = ZoneInfo(cal.zone)
    holidays = dict(cal.holidays_between(first, last))
    dated: dict[dt.date, Any] = {}
    recurring: set[dt.date] = set()
    weekly = cal if isinstance(cal, WeeklyCalendar) else None
    if isinstance(cal, WeeklyCalendar):
        dated = dict(cal.overrides)
        for rec in cal.recurring:
            recurring.update(rec.dates_between(first, last))
    out = []
    day = first
    while day <= last:
        a, b = cal._day_bounds(day)
        from slaclock._instants import from_us

        stretches = cal.open_intervals(from_us(a), from_us(b))
        spans = [f"{_clock(s, day, tz)}-{_clock(e, day, tz)}" for s, e in stretches]
        business = sum((e - s for s, e in stretches), start=dt.timedelta(0))
        why = ""
        if day in dated or day in recurring:
            why = "override" if day in dated else "override (recurring)"
            if day in holidays:
                why += f"; holiday: {holidays[day]}"
        elif day in holidays:
            why = f"holiday: {holidays[day]}"
        elif weekly is not None and not weekly.hours.spans_on(day.weekday()):
            why = "weekend" if day.weekday() >= 5 else f"closed on {_WEEKDAYS[day.weekday()]}"
        length = b - a
        if length != _DAY_US:  # SEMANTICS: a stopwatch's hours, so say why they differ
            change = "forward" if length < _DAY_US else "back"
            hours = f"{length / 3_600_000_000:g}"
            why = "; ".join(w for w in (why, f"clocks go {change} ({hours}-hour day)") if w)
        out.append(
            {
                "date": day,
                "weekday": _WEEKDAYS[day.weekday()],
                "open": ", ".join(spans),
                "business_time": business,
                "why": why,
            }
        )
        day += dt.timedelta(days=1)
    return out


def calendar_show(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``slaclock calendar show``; returns the exit code (see its ``--help``).

    .. versionadded:: 0.1
    """
    from slaclock.calendars import WeeklyCalendar

    first, last, label = _period_dates(args.month, args.year)
    cal = calendar_from_args(args)
    days = calendar_days(cal, first, last)
    holidays = [
        {"date": d, "name": name, "open": bool(next(r for r in days if r["date"] == d)["open"])}
        for d, name in cal.holidays_between(first, last)
    ]
    overrides = [
        {
            "date": r["date"],
            "hours": r["open"] or "closed",
            "recurring": r["why"].startswith("override ("),
        }
        for r in days
        if r["why"].startswith("override")
    ]
    open_days = sum(1 for r in days if r["open"])
    total = sum((r["business_time"] for r in days), start=dt.timedelta(0))
    document = {
        "calendar": cal.to_dict() if isinstance(cal, WeeklyCalendar) else {"zone": cal.zone},
        "description": _calendar_text(cal),
        "zone": cal.zone,
        "from": first,
        "to": last,
        "open_days": open_days,
        "business_time": total,
        "days": days,
        "holidays": holidays,
        "overrides": overrides,
    }
    head = [f"{_calendar_text(cal)}: {label}"]
    tail = [f"{open_days} open days, {_human_duration(total)} open in all"]
    tail.append("")
    tail.append("Holidays:" + ("" if holidays else " none"))
    for h in holidays:
        tail.append(f"  {h['date']}  {h['name']}" + ("  (open: an override)" if h["open"] else ""))
    tail.append("")
    tail.append("Overrides:" + ("" if overrides else " none"))
    for o in overrides:
        tail.append(f"  {o['date']}  {o['hours']}" + ("  (recurring)" if o["recurring"] else ""))
    text_days = [
        {
            "date": r["date"],
            "day": r["weekday"],
            "open": r["open"] or "closed",
            "hours": r["business_time"],
            "why": r["why"],
        }
        for r in days
    ]
    _emit(
        args.format,
        out,
        neutralise=args.neutralise_formulas,
        text_sheets=[Sheet("days", text_days)],
        sheets=[
            Sheet(
                "days",
                days,
                columns=("date", "weekday", "open", "business_time", "why"),
                zone=cal.zone,
            )
        ],
        document=document,
        head=head,
        tail=tail,
    )
    return 0


# ---- slaclock report -----------------------------------------------------------------------

REPORT_TABLES = (
    "compliance",
    "monthly",
    "internal",
    "service_levels",
    "percentiles",
    "distributions",
    "breaches",
    "at_risk",
    "availability",
    "availability_credits",
    "compliance_credits",
    "error_counts",
)
"""The tables of ``slaclock report`` (:meth:`SlaReport.tables <slaclock.sla_report.SlaReport.tables>`),
in the order printed; ``--format csv --table NAME`` prints one."""

_REPORT_TITLES = MappingProxyType(
    {
        "compliance": "Compliance by severity and metric (external targets)",
        "monthly": "Compliance per period",
        "internal": "Internal targets (OLAs) by team",
        "service_levels": 'Service levels ("X% within Y")',
        "percentiles": "Business time used (stopped clocks, nearest-rank percentiles)",
        "distributions": "Business time used as % of the goal (stopped clocks)",
        "breaches": "Breaches (latest deadline missed first)",
        "at_risk": "At risk (running clocks, soonest due first)",
        "availability": "Availability inside service hours",
        "availability_credits": "Service credits: availability",
        "compliance_credits": "Service credits: compliance",
        "error_counts": "Error counts",
    }
)

# the aligned text leaves out columns that make wide tables unreadable (CSV and JSON keep all)
_REPORT_TEXT_COLUMNS = MappingProxyType({
    "breaches": ("ticket_id", "target", "team", "cycle", "status", "due", "breached_at", "overdue_by"),
    "at_risk": ("ticket_id", "target", "team", "cycle", "due", "used", "remaining", "next_event_at"),
    "availability": ("service", "period", "open_time", "downtime", "maintenance", "outages",
                     "availability", "target", "left", "met"),
    "monthly": ("severity", "metric", "period", "met", "breached", "pending", "compliance",
                "required", "meets_required"),
})  # fmt: skip

_REPORT_HELP = """\
input: a results file written by `slaclock score` or `slaclock demo` (CSV, JSON or
  Parquet, by its suffix). --policy gives the required shares and the agreement
  terms (service levels, services, credits, error counts); --outages an outage log
  (CSV: service, start, end, planned) for availability.

output: the report's tables (compliance, per period, internal targets, service
  levels, percentiles, the spread of used/goal, breaches, at risk, availability,
  credits, error counts). --format table prints them all as text; csv prints the one
  named by --table; json prints the whole report as one document (shares as
  decimals between 0 and 1, durations in seconds, instants in UTC with Z).
  --html writes one self-contained HTML page (tables and SVG charts); --png writes
  the charts as PNG files into a directory (both charts need matplotlib, the `plot`
  extra).

exit codes:
  0  the report was printed (and written)
  2  usage error, or a file that cannot be read or written (one line on stderr
     naming the file, row and column)

examples:
  slaclock report results.csv --policy policy.toml --now 2026-10-31T00:00:00Z
  slaclock report results.parquet --policy policy.toml --outages outages.csv \\
      --zone America/New_York --now 2026-10-31T00:00:00Z --html report.html --png charts/
  slaclock report results.csv --policy policy.toml --format csv --table monthly > monthly.csv
  slaclock report results.csv --at-risk-within 2h --format json > report.json
"""


def _read_results(path: str) -> Any:
    """The results file as an Arrow table (fast, with pyarrow) or a list of Results."""
    from slaclock.result_files import read_results

    library = "arrow" if importlib.util.find_spec("pyarrow") is not None else "results"
    return read_results(path, library=library)


def report_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``slaclock report``; returns the exit code (see its ``--help``).

    .. versionadded:: 0.1
    """
    from slaclock._instants import zone_key
    from slaclock.samples import parse_instant
    from slaclock.sla_report import build_report

    zone = zone_key(args.zone, "--zone") if args.zone is not None else None
    now = None if args.now is None else parse_instant(args.now, "--now")
    within = _duration_option(args.at_risk_within, "--at-risk-within")
    if args.max_rows < 0:
        raise _UsageError(f"--max-rows: must not be negative (got {args.max_rows})")
    book = None
    if args.policy is not None:
        from slaclock.policy_files import load_policy

        book = load_policy(args.policy)
    outages = None
    if args.outages is not None:
        from slaclock.availability import read_outages

        outages = read_outages(args.outages)
    results = _read_results(args.results)
    report = build_report(
        results,
        policy=book,
        outages=outages,
        now=now,
        zone=zone,
        period=args.period,
        at_risk_within=within,
        max_rows=args.max_rows,
        title=args.title,
    )
    written: list[str] = []
    if args.html is not None:
        from slaclock.report_html import write_html

        try:
            written.append(str(write_html(report, args.html)))
        except OSError as exc:
            raise _UsageError(f"{args.html}: cannot be written ({exc.strerror})") from None
    if args.png is not None:
        from slaclock.charts import write_pngs

        try:
            written.extend(str(p) for p in write_pngs(report, args.png))
        except OSError as exc:
            raise _UsageError(
                f"{exc.filename or args.png}: cannot be written ({exc.strerror})"
            ) from None
    _print_report(
        report, args.format, args.table, out, written, neutralise=args.neutralise_formulas
    )
    return 0


def _print_report(
    report: SlaReport,
    fmt: str,
    table: str,
    out: TextIO,
    written: Sequence[str],
    *,
    neutralise: bool = False,
) -> None:
    tables = report.tables()
    meta = {
        "title": report.title,
        "policy": report.policy,
        "zone": report.zone,
        "period": report.period,
        "now": report.now,
        "start": report.start,
        "end": report.end,
        "results": report.results,
        "tickets": report.tickets,
        "breaches_total": report.breaches_total,
        "at_risk_total": report.at_risk_total,
        "at_risk_within": report.at_risk_within,
    }
    sheets = [
        Sheet(
            name,
            tables.get(name, []),
            title=_REPORT_TITLES[name],
            text_columns=_REPORT_TEXT_COLUMNS.get(name),
            zone=report.zone,
        )
        for name in REPORT_TABLES
        if fmt != "table" or name in tables or name in ("compliance", "breaches", "at_risk")
    ]
    window = (
        "no results"
        if report.start is None or report.end is None
        else f"{_local_text(report.start, report.zone)} to {_local_text(report.end, report.zone)}"
    )
    head = [
        report.title,
        f"{report.results} results of {report.tickets} tickets; window {window}"
        + ("" if report.now is None else f"; now {_local_text(report.now, report.zone)}"),
        f"breaches: {report.breaches_total}; at risk (at most "
        f"{_human_duration(report.at_risk_within)} left): {report.at_risk_total}"
        + ("" if report.now is not None else " (no --now: at risk as of the results file)"),
    ]
    tail = [f"wrote {path}" for path in written]
    if report.breaches_total > len(report.breaches) or report.at_risk_total > len(report.at_risk):
        tail.insert(0, "(breaches and at-risk lists show the first --max-rows rows)")
    _emit(
        fmt,
        out,
        neutralise=neutralise,
        sheets=sheets,
        document={**meta, "tables": {name: tables.get(name, []) for name in REPORT_TABLES}},
        csv_sheet=table,
        head=head,
        tail=tail,
    )


# ---- slaclock what-if ----------------------------------------------------------------------

_WHAT_IF_HELP = """\
what it compares: the same tickets scored at --now under the current policy book and
  a proposed one (--proposed), or under two versions of one book (--as-of for the
  current side, --proposed-as-of for the proposed side: the version in effect at that
  instant measures every ticket; without --as-of each ticket's own version). One row
  per severity and metric (and period, with --period): compliance before and after,
  the change in percentage points, results that flip between met and breached, and
  the compliance credits under each side's agreement terms.

tables: as for `slaclock score` (CSV with a header, or Parquet with pyarrow); a bad
  row stops with its file, row and column (--keep-going: skipped and reported,
  exit 1).

exit codes:
  0  compared
  1  --keep-going: some tickets could not be read and were left out (one line each)
  2  usage error or bad input (one line on stderr naming file, row and column)

examples:
  slaclock what-if --tickets tickets.csv --events events.csv --policy policy.toml \\
      --proposed proposed.toml --now 2026-10-31T00:00:00Z
  slaclock what-if --tickets tickets.csv --events events.csv --policy policy.toml \\
      --as-of 2025-06-01T00:00:00Z --proposed-as-of 2026-06-01T00:00:00Z \\
      --now 2026-10-31T00:00:00Z --format csv
"""


def _what_if_tickets(args: argparse.Namespace) -> tuple[Any, list[str], Any]:
    """The tickets to compare, the lines of the bad rows left out (--keep-going), and the
    tables read (to place a ticket's scoring error in them; None for Parquet)."""
    from slaclock.samples import scan_tables

    parquet = [str(p).lower().endswith((".parquet", ".pq")) for p in (args.tickets, args.events)]
    if all(parquet):
        if importlib.util.find_spec("pyarrow") is None:
            raise _UsageError(
                "Parquet input needs pyarrow, which is not installed (pip install pyarrow)"
            )
        import pyarrow.parquet as pq

        return (pq.read_table(args.tickets), pq.read_table(args.events)), [], None
    if any(parquet):
        raise _UsageError("--tickets and --events must both be CSV or both Parquet")
    read = scan_tables(args.tickets, args.events)
    bad = [str(e) for e in read.errors]
    if bad and not args.keep_going:
        raise _UsageError(bad[0])
    return list(read.tickets), bad, read


def _unscorable(
    tickets: Sequence[Any],
    read: Any,
    sides: Sequence[tuple[PolicyBook, dt.datetime | None]],
    now: dt.datetime,
) -> list[tuple[Any, str]]:
    """The tickets one side cannot score, each with its error placed in the tables
    (``events.csv row 4, column value: ...``). Run only after a comparison failed."""
    from slaclock.evaluation import evaluate

    found = []
    for ticket in tickets:
        for book, as_of in sides:
            try:
                evaluate(ticket, book, now=now, as_of=as_of)
            except SlaClockError as exc:
                found.append((ticket.id, str(read.locate(ticket.id, exc))))
                break
    return found


def what_if_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``slaclock what-if``; returns the exit code (see its ``--help``).

    .. versionadded:: 0.1
    """
    from slaclock._instants import zone_key
    from slaclock.policy_files import load_policy
    from slaclock.samples import parse_instant
    from slaclock.what_if import what_if

    now = parse_instant(args.now, "--now")
    as_of = None if args.as_of is None else parse_instant(args.as_of, "--as-of")
    proposed_as_of = (
        None
        if args.proposed_as_of is None
        else parse_instant(args.proposed_as_of, "--proposed-as-of")
    )
    if args.proposed is None and proposed_as_of is None:
        raise _UsageError(
            "give --proposed PATH (another policy file) or --proposed-as-of INSTANT "
            "(another version of --policy)"
        )
    zone = zone_key(args.zone, "--zone")
    current = load_policy(args.policy)
    proposed = None if args.proposed is None else load_policy(args.proposed)
    tickets, bad, read = _what_if_tickets(args)

    def compare(items: Any) -> list[Any]:
        return what_if(
            items,
            current,
            proposed,
            now=now,
            current_as_of=as_of,
            proposed_as_of=proposed_as_of,
            zone=zone,
            period=args.period,
        )

    try:
        rows = compare(tickets)
    except SlaClockError:
        if read is None:
            raise
        sides = [(current, as_of), (current if proposed is None else proposed, proposed_as_of)]
        located = _unscorable(tickets, read, sides, now)
        if not located:
            raise
        if not args.keep_going:
            raise _UsageError(located[0][1]) from None
        dropped = {ticket_id for ticket_id, _ in located}
        bad.extend(line for _, line in located)
        rows = compare([t for t in tickets if t.id not in dropped])
    for line in bad:
        _error(line)
    names = ("severity", "metric", "period") if args.period else ("severity", "metric")
    records = []
    for r in rows:
        b, a = r.before, r.after
        records.append(
            {
                **dict(zip(names, r.key, strict=True)),
                "before_met": None if b is None else b.met,
                "before_breached": None if b is None else b.breached,
                "before_compliance": None if b is None else b.compliance,
                "after_met": None if a is None else a.met,
                "after_breached": None if a is None else a.breached,
                "after_compliance": None if a is None else a.compliance,
                "required": a.required if a is not None else None if b is None else b.required,
                "change_points": r.points,
                "met_to_breached": r.met_to_breached,
                "breached_to_met": r.breached_to_met,
                "before_credit": r.before_credit,
                "after_credit": r.after_credit,
                "credit_change": r.credit_change,
            }
        )
    text_rows = [
        {
            **{n: rec[n] for n in names},
            "before": rec["before_compliance"],
            "after": rec["after_compliance"],
            "change": "-"
            if rec["change_points"] is None
            else f"{float(rec['change_points']):+.2f} pts",
            "met->breached": rec["met_to_breached"],
            "breached->met": rec["breached_to_met"],
            "credit before": rec["before_credit"],
            "credit after": rec["after_credit"],
        }
        for rec in records
    ]
    current_label = str(args.policy) + ("" if as_of is None else f" as of {_instant_text(as_of)}")
    proposed_label = str(args.proposed or args.policy) + (
        "" if proposed_as_of is None else f" as of {_instant_text(proposed_as_of)}"
    )
    head = [
        "What if: compliance under the current and the proposed policy",
        f"current:  {current_label}",
        f"proposed: {proposed_label}",
        f"measured at now = {_instant_text(now)}",
    ]
    _emit(
        args.format,
        out,
        neutralise=args.neutralise_formulas,
        sheets=[Sheet("what_if", text_rows if args.format == "table" else records, zone=zone)],
        document={
            "current": str(args.policy),
            "current_as_of": as_of,
            "proposed": str(args.proposed or args.policy),
            "proposed_as_of": proposed_as_of,
            "now": now,
            "rows": records,
        },
        head=head,
    )
    return 1 if bad else 0


# ---- the parser ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors: ``slaclock: error: due: ... (see 'slaclock due --help')``."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("slaclock").strip()
        where = f"{command}: " if command else ""
        text = f"{where}{message} (see '{self.prog} --help')".translate(_CONTROL)
        self.exit(2, f"slaclock: error: {text}\n")


def _sub(
    sub: Any, name: str, *, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return p


_MAIN_HELP = """\
exit codes (every command):
  0  done; nothing to report
  1  done, and found something: a chain that is not tight (check-olas), tickets
     left out with --keep-going (score, what-if), a passed due with
     --fail-if-breached (due)
  2  usage error or bad input: one line on stderr, naming the file, row and
     column where it knows them

examples:
  slaclock demo                          score the bundled sample, print the report command
  slaclock COMMAND --help                options and worked examples of a command
"""


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="slaclock",
        description="Exact business-time and SLA clocks.",
        epilog=_MAIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"slaclock {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    d = _sub(
        sub,
        "demo",
        help="score the bundled sample: compliance, tickets at risk, a results file",
        description="Score the bundled sample of tickets with the example policy.",
        epilog=_DEMO_HELP,
    )
    d.add_argument(
        "--out",
        default=DEMO_RESULTS,
        metavar="PATH",
        help=f"the results file (default: {DEMO_RESULTS}; .json or .parquet by suffix)",
    )
    d.add_argument(
        "--calendars",
        action="store_true",
        help="show worked answers of real calendars instead (DST, night shift, holidays)",
    )
    _add_progress(d)
    _add_format(d)
    s = _sub(
        sub,
        "score",
        help="score tickets and events tables with a policy file",
        description="Evaluate every ticket of a tickets table and an events table with a "
        "policy file, at an explicit --now, and write one row per ticket, target and cycle.",
        epilog=_SCORE_HELP,
    )
    s.add_argument(
        "--tickets", required=True, metavar="PATH", help="the tickets table (CSV or Parquet)"
    )
    s.add_argument(
        "--events", required=True, metavar="PATH", help="the events table (CSV or Parquet)"
    )
    s.add_argument("--policy", required=True, metavar="PATH", help="the policy file (TOML)")
    s.add_argument(
        "--now",
        required=True,
        metavar="INSTANT",
        help="the instant to measure at, ISO 8601 with offset (2026-10-31T00:00:00Z)",
    )
    s.add_argument("--out", required=True, metavar="PATH", help="the results file to write")
    _add_neutralise(s)
    s.add_argument(
        "--format",
        choices=("csv", "json", "parquet"),
        help="the results file's format (default: from the --out suffix, else csv); "
        "score prints one summary line",
    )
    s.add_argument(
        "--as-of",
        metavar="INSTANT",
        help="measure every ticket by the policy version in effect at this instant (what-if)",
    )
    s.add_argument(
        "--keep-going",
        action="store_true",
        help="report bad tickets (one line each), score the others, exit 1",
    )
    s.add_argument(
        "--chunk-tickets",
        type=int,
        metavar="N",
        help="score in chunks of N tickets with bounded memory (needs pyarrow; the default "
        "for Parquet input, with N = 100000)",
    )
    s.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr when scoring in chunks (default: with tqdm, on a terminal)",
    )

    r = _sub(
        sub,
        "report",
        help="the SLA report of a results file: tables, an HTML page, charts",
        description="Build the SLA report of a results file (from `slaclock score` or "
        "`slaclock demo`) and print its tables; write it as HTML or its charts as PNG.",
        epilog=_REPORT_HELP,
    )
    r.add_argument("results", metavar="RESULTS", help="the results file (CSV, JSON or Parquet)")
    r.add_argument("--policy", metavar="PATH", help="the policy file the results were scored with")
    r.add_argument("--outages", metavar="PATH", help="an outage log (CSV) for availability")
    r.add_argument(
        "--zone",
        metavar="ZONE",
        help="the IANA zone whose periods bucket the results (default UTC)",
    )
    r.add_argument(
        "--period",
        choices=("day", "week", "month", "quarter", "year"),
        default="month",
        help="the period of the per-period tables (default month)",
    )
    r.add_argument("--now", metavar="INSTANT", help="the measuring instant (the window ends there)")
    r.add_argument(
        "--at-risk-within",
        default="4h",
        metavar="DURATION",
        help="a running clock with at most this much business time left is at risk (default 4h)",
    )
    r.add_argument("--title", help="the report's title (default: SLA report and the policy's name)")
    r.add_argument(
        "--max-rows",
        type=int,
        default=100,
        metavar="N",
        help="the most breaches and at-risk rows listed (default 100; totals count all)",
    )
    r.add_argument("--html", metavar="PATH", help="write the report as one HTML file")
    r.add_argument("--png", metavar="DIR", help="write the charts as PNG files into DIR")
    _add_format(r, tables=REPORT_TABLES)

    w = _sub(
        sub,
        "what-if",
        help="compliance and credits of the same tickets under two policies",
        description="Score the same tickets under the current and a proposed policy (or two "
        "versions of one policy file) and compare compliance and credits.",
        epilog=_WHAT_IF_HELP,
    )
    w.add_argument("--tickets", required=True, metavar="PATH", help="the tickets table")
    w.add_argument("--events", required=True, metavar="PATH", help="the events table")
    w.add_argument("--policy", required=True, metavar="PATH", help="the current policy file")
    w.add_argument("--proposed", metavar="PATH", help="the proposed policy file")
    w.add_argument("--as-of", metavar="INSTANT", help="the current side's version: in effect then")
    w.add_argument(
        "--proposed-as-of", metavar="INSTANT", help="the proposed side's version: in effect then"
    )
    w.add_argument("--now", required=True, metavar="INSTANT", help="the instant both are scored at")
    w.add_argument(
        "--zone", default="UTC", metavar="ZONE", help="the zone of --period (default UTC)"
    )
    w.add_argument(
        "--period",
        choices=("day", "week", "month", "quarter", "year"),
        help="rows per severity, metric and period of the clock's start",
    )
    w.add_argument(
        "--keep-going", action="store_true", help="leave bad tickets out (reported), exit 1"
    )
    _add_format(w)

    c = _sub(
        sub,
        "check-olas",
        help="find where chains of internal targets do not fit their external target",
        description="Check every chain of internal targets (OLAs) of every policy of a "
        "policy file: the start instants where the chain cannot finish by the external due.",
        epilog=_CHECK_OLAS_HELP,
    )
    c.add_argument("--policy", required=True, metavar="PATH", help="the policy file (TOML)")
    c.add_argument(
        "--from", dest="start", metavar="WHEN", help="the window's start (date or instant)"
    )
    c.add_argument("--to", dest="end", metavar="WHEN", help="the window's end (default: a year on)")
    c.add_argument(
        "--zone", metavar="ZONE", help="the zone of bare dates (default: the policy file's zone)"
    )
    c.add_argument(
        "--attribute",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a ticket attribute that chooses calendars (region=uk); repeatable",
    )
    c.add_argument(
        "--spans",
        type=int,
        default=3,
        metavar="N",
        help="intervals listed per loose chain in the table (default 3)",
    )
    _add_format(c, tables=("chains", "spans"))
    _add_progress(c)

    u = _sub(
        sub,
        "due",
        help="when a goal of business time, business days or wall time falls due",
        description="The instant a goal falls due from a start instant on a calendar, in "
        "the calendar's zone and in UTC.",
        epilog=_DUE_HELP,
    )
    u.add_argument("--start", required=True, metavar="INSTANT", help="when the clock starts")
    u.add_argument("--business-time", metavar="DURATION", help="open time of the calendar (4h)")
    u.add_argument("--business-days", metavar="N", help="business days (the close of the N-th)")
    u.add_argument("--calendar-time", metavar="DURATION", help="wall time (15m)")
    u.add_argument(
        "--pause",
        action="append",
        default=[],
        metavar="START/END",
        help="time the clock is held (not with --business-days); repeatable",
    )
    u.add_argument(
        "--now", metavar="INSTANT", help="also say what is left, or overdue, at this instant"
    )
    u.add_argument(
        "--fail-if-breached",
        action="store_true",
        help="exit 1 if the due is before --now",
    )
    _add_calendar_options(u)
    _add_format(u)

    cal = _sub(
        sub,
        "calendar",
        help="questions of one calendar (calendar show)",
        description="Questions of one calendar.",
        epilog='examples:\n  slaclock calendar show --hours "Mon-Fri 09:00-17:00" '
        "--zone Europe/London --holidays GB-ENG --month 2026-04\n",
    )
    cal.set_defaults(calendar_help=cal.print_help)
    cal_sub = cal.add_subparsers(
        dest="calendar_command", metavar="SUBCOMMAND", parser_class=_Parser
    )
    show = _sub(
        cal_sub,
        "show",
        help="open hours per day of a month or year, with holidays and overrides",
        description="A calendar's open hours for each date of a month or year, with the "
        "holidays and overrides that shape them.",
        epilog=_CALENDAR_SHOW_HELP,
    )
    show.add_argument("--month", metavar="YYYY-MM", help="the month to show (2026-03)")
    show.add_argument("--year", metavar="YYYY", help="the year to show (2026)")
    _add_calendar_options(show)
    _add_format(show)
    return p


# C0 and C1 controls and the Unicode line and paragraph separators: anything a reader might
# take for a line break
_CONTROL = MappingProxyType(
    {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
    | {0x2028: "\\u2028", 0x2029: "\\u2029", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
)


def _error(message: object) -> None:
    """One line on stderr: control characters of the message (from file names, cells or
    arguments) are escaped, so an error is always exactly one line."""
    text = str(message).translate(_CONTROL)
    print(f"slaclock: error: {text}", file=sys.stderr)


_COMMANDS = ("demo", "score", "report", "what-if", "check-olas", "due", "calendar")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Every command uses the same exit codes, for scripts:

    - **0**: done, and nothing to report.
    - **1**: the command worked and found something: a chain of internal
      targets that is not tight (``check-olas``), tickets left out with
      ``--keep-going`` (``score``, ``what-if``), a due already passed at
      ``--now`` with ``--fail-if-breached`` (``due``).
    - **2**: a usage error or bad input (an option, a file that cannot be
      read or written, a bad row): one line on stderr, ``slaclock: error:
      events.csv row 6, column at: ...``, naming the file, row and column
      where it knows them.

    .. versionchanged:: 0.1
       ``report``, ``what-if``, ``check-olas``, ``due`` and ``calendar show``;
       ``demo`` exits 2 (not 1) when its results file cannot be written.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    for name, value in sorted(vars(args).items()):
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and "\x00" in text:  # no file name or value holds one
                _error(f"--{name.replace('_', '-')}: must not contain a NUL byte (got {text!r})")
                return 2
    if args.command is None:
        _error("a command is required: " + ", ".join(_COMMANDS) + " (see 'slaclock --help')")
        return 2
    if args.command == "score":
        return score(args)
    out = sys.stdout
    commands = {
        "report": report_command,
        "what-if": what_if_command,
        "check-olas": check_olas,
        "due": due_command,
    }
    try:
        if args.command == "demo":
            if args.calendars:
                return calendars_demo()
            return demo(
                results_path=args.out,
                progress=args.progress,
                format=args.format,
                neutralise_formulas=args.neutralise_formulas,
            )
        if args.command == "calendar":
            if args.calendar_command is None:
                _error("calendar: a question is required: show (see 'slaclock calendar --help')")
                return 2
            return calendar_show(args, out)
        return commands[args.command](args, out)
    except _UsageError as exc:
        _error(exc)
        return 2
    except SlaClockError as exc:
        _error(exc)
        return 2
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        _error(f"{exc.filename}: cannot be read ({exc.strerror})" if exc.filename else str(exc))
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
