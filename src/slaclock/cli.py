"""The ``slaclock`` command line.

``slaclock demo`` shows real calendars answering due and elapsed questions
across a DST change, a night shift and a holiday.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import TextIO
from zoneinfo import ZoneInfo

from slaclock import __version__
from slaclock.calendars import Calendar
from slaclock.errors import SlaClockError
from slaclock.holiday_sources import HolidaySource

__all__ = ["main"]

_DEMO_HELP = """\
examples:
  slaclock demo            print worked answers for four real calendars
"""


def _fmt(t: dt.datetime, zone: str) -> str:
    local = t.astimezone(ZoneInfo(zone))
    return f"{local:%a %Y-%m-%d %H:%M %Z} ({t.astimezone(dt.UTC):%H:%M} UTC)"


def _hours(td: dt.timedelta) -> str:
    total = int(td.total_seconds())
    h, rem = divmod(total, 3600)
    return f"{h}h{rem // 60:02d}m"


def demo(out: TextIO | None = None) -> int:
    """Print worked answers: DST change, night shift, holiday, half day, combined calendar."""
    write = (out or sys.stdout).write
    ny = ZoneInfo("America/New_York")
    lines: list[str] = []
    add = lines.append

    add("slaclock demo — exact business time over real calendars")
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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slaclock",
        description="Exact business-time and SLA clocks.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"slaclock {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "demo",
        help="show real calendars answering due and elapsed questions",
        epilog=_DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 slaclock error, 2 usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return demo()
    except SlaClockError as exc:
        print(f"slaclock: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
