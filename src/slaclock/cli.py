"""The ``slaclock`` command line.

``slaclock demo`` scores the bundled sample (a year of tickets) with the
example policy: compliance by severity and metric, the tickets at risk at the
sample's ``now``, and a results file. ``slaclock demo --calendars`` shows real
calendars answering due and elapsed questions across a DST change, a night
shift and a holiday. ``slaclock score`` scores your own tickets and events
tables with a policy file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from slaclock import __version__
from slaclock.calendars import Calendar
from slaclock.errors import SlaClockError
from slaclock.holiday_sources import HolidaySource

if TYPE_CHECKING:
    from slaclock.evaluation import Result
    from slaclock.policies import PolicyBook
    from slaclock.reports import ComplianceRow

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

The sample (about 3000 tickets, 2025-11-01 to 2026-10-31) is measured at its
end, 2026-10-31T00:00:00Z, with the example policy (slaclock/data/example_policy.toml).
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


def _share(value: object) -> str:
    if value is None:
        return "-"
    return f"{float(value) * 100:.1f}%".replace(".0%", "%")  # type: ignore[arg-type]


def _compliance_table(rows: Sequence[ComplianceRow], names: Sequence[str]) -> list[str]:
    head = (
        " ".join(f"{n:<16}" for n in names)
        + f"{'met':>7}{'breached':>10}{'pending':>9}{'cancelled':>11}"
        + f"{'% met':>9}{'required':>10}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        verdict = {True: "  ok", False: "  BELOW", None: ""}[row.meets_required]
        pct = "-" if row.percent is None else f"{row.percent:.1f}%"
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
    """
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import example_policy
    from slaclock.reports import compliance
    from slaclock.result_files import write_results
    from slaclock.samples import SAMPLE_NOW, load_sample, sample_files

    write = (out or sys.stdout).write
    began = time.perf_counter()
    book = policy if policy is not None else example_policy()
    tickets, now = load_sample()
    results: list[Result] = []
    for ticket in tickets:
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
    rows = write_results(results, results_path)
    tickets_file, events_file = sample_files()
    add(f"Wrote {rows} result rows to {results_path} (one per ticket, target and cycle).")
    add("Score your own tables:")
    add(f"  slaclock score --tickets {tickets_file} \\")
    add(f"      --events {events_file} \\")
    add("      --policy policy.toml --now 2026-10-31T00:00:00Z --out results.csv")
    add("Worked calendar answers (DST, night shift, holidays): slaclock demo --calendars")
    write("\n".join(line.rstrip() for line in lines) + "\n")
    return 0


# ---- slaclock score -----------------------------------------------------------------------


def _error(message: object) -> None:
    print(f"slaclock: error: {message}", file=sys.stderr)


def score(args: argparse.Namespace) -> int:
    """Run ``slaclock score``: read the tables and the policy, evaluate, write the results.

    Returns the exit code (see ``slaclock score --help``).
    """
    from slaclock.evaluation import evaluate
    from slaclock.policy_files import load_policy
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
        rows = write_results(results, args.out, format=fmt)
    except OSError as exc:
        _error(f"{args.out}: cannot be written ({exc.strerror})")
        return 2
    print(
        f"scored {scored} tickets: {rows} results -> {args.out}"
        + (f"; {len(bad)} bad tickets skipped (see above)" if bad else "")
    )
    return 1 if bad else 0


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
        with open_sink(str(args.out), fmt, run.id_type) as sink:
            run.run(Report(sink))
    except Stop:
        return 2
    except OSError as exc:
        _error(f"{exc.filename or args.out}: cannot be written ({exc.strerror})")
        return 2
    except SlaClockError as exc:
        _error(exc)
        return 2
    print(
        f"scored {run.totals.scored} tickets: {run.totals.results} results -> {args.out}"
        + (f"; {bad} bad tickets skipped (see above)" if bad else "")
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


# ---- the parser ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slaclock",
        description="Exact business-time and SLA clocks.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"slaclock {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser(
        "demo",
        help="score the bundled sample: compliance, tickets at risk, a results file",
        description="Score the bundled sample of tickets with the example policy.",
        epilog=_DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    s = sub.add_parser(
        "score",
        help="score tickets and events tables with a policy file",
        description="Evaluate every ticket of a tickets table and an events table with a "
        "policy file, at an explicit --now, and write one row per ticket, target and cycle.",
        epilog=_SCORE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    s.add_argument(
        "--format",
        choices=("csv", "json", "parquet"),
        help="the results format (default: from the --out suffix, else csv)",
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 ok; 1 a slaclock error (``demo``), or some tickets not scored
    (``score --keep-going``); 2 a usage error or bad input (``score``).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "score":
        return score(args)
    try:
        if args.calendars:
            return calendars_demo()
        return demo(results_path=args.out)
    except SlaClockError as exc:
        _error(exc)
        return 1
    except OSError as exc:
        _error(f"{exc.filename}: {exc.strerror}")
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
