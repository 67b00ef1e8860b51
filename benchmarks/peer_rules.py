"""Where the peers' rules differ from SEMANTICS.md: a table of small cases.

Run from the repository root::

    .venv/bin/python benchmarks/peer_rules.py

Each case is a calendar, a question (``elapsed`` or ``due``) and the answer
SEMANTICS.md gives, worked out by hand. Every implementation answers it in
its own terms (peers without time zones get naive New York wall times and
their answers are shown as the wall times they return). A cell that differs
from SEMANTICS is marked with ``≠``; ``n/a`` means the peer cannot express
the calendar or the question.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import workload as wl

Z = wl.ZONE
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)
TIMEOUT_S = 5


@dataclass(frozen=True)
class Cal:
    days: tuple[int, ...]
    start: time
    end: time | None  # None: 24:00
    holidays: tuple[date, ...] = ()

    @property
    def always(self) -> bool:
        return self.end is None and self.start == time(0)

    @property
    def overnight(self) -> bool:
        return self.end is not None and self.end <= self.start

    def text(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in self.days)
        end = "24:00" if self.end is None else f"{self.end:%H:%M}"
        hol = f" + holiday {', '.join(map(str, self.holidays))}" if self.holidays else ""
        return f"{days} {self.start:%H:%M}-{end}{hol}"


NINE_FIVE = Cal(WEEKDAYS, time(9), time(17))


@dataclass(frozen=True)
class Case:
    name: str
    cal: Cal
    kind: str  # "elapsed" or "due"
    a: datetime
    b: datetime | timedelta
    expected: timedelta | datetime
    why: str


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=Z, fold=fold)  # type: ignore[misc]


H = timedelta(hours=1)
CASES = [
    Case(
        "closing instant",
        NINE_FIVE,
        "due",
        ny(2024, 3, 4, 9),
        8 * H,
        ny(2024, 3, 4, 17),
        "due(Mon 09:00, 8h) is Mon 17:00, not Tue 09:00",
    ),
    Case(
        "zero target, closed",
        NINE_FIVE,
        "due",
        ny(2024, 3, 2, 12),
        timedelta(0),
        ny(2024, 3, 2, 12),
        "due(a, 0) == a, even when closed (Sat 12:00)",
    ),
    Case(
        "closed weekend",
        NINE_FIVE,
        "elapsed",
        ny(2024, 3, 8, 17),
        ny(2024, 3, 11, 9),
        timedelta(0),
        "Fri 17:00 .. Mon 09:00 over the spring-forward weekend",
    ),
    Case(
        "spring-forward weekend",
        NINE_FIVE,
        "due",
        ny(2024, 3, 8, 16),
        2 * H,
        ny(2024, 3, 11, 10),
        "Fri 16:00 EST + 2h = Mon 10:00 EDT",
    ),
    Case(
        "fall-back weekend",
        NINE_FIVE,
        "elapsed",
        ny(2024, 11, 1, 12),
        ny(2024, 11, 4, 12),
        8 * H,
        "Fri 12:00 EDT .. Mon 12:00 EST",
    ),
    Case(
        "span edge in the gap",
        Cal(EVERY_DAY, time(2, 30), time(3, 30)),
        "elapsed",
        ny(2024, 3, 10),
        ny(2024, 3, 11),
        timedelta(minutes=30),
        "daily 02:30-03:30 on 2024-03-10 is open 03:00-03:30 EDT only",
    ),
    Case(
        "span edge in the gap (due)",
        Cal(EVERY_DAY, time(2, 30), time(3, 30)),
        "due",
        ny(2024, 3, 10),
        H,
        ny(2024, 3, 11, 3),
        "30 min on 03-10 (03:00-03:30 EDT), 30 more on 03-11",
    ),
    Case(
        "span end in the gap",
        Cal(EVERY_DAY, time(1), time(2, 30)),
        "elapsed",
        ny(2024, 3, 10),
        ny(2024, 3, 11),
        H,
        "daily 01:00-02:30 on 2024-03-10 is open 01:00-02:00 EST: 60 min",
    ),
    Case(
        "repeated hour",
        Cal(EVERY_DAY, time(1, 15), time(1, 45)),
        "elapsed",
        ny(2024, 11, 3),
        ny(2024, 11, 4),
        H,
        "daily 01:15-01:45 on 2024-11-03 is open twice (EDT and EST): 60 min",
    ),
    Case(
        "repeated hour (due)",
        Cal(EVERY_DAY, time(1, 15), time(1, 45)),
        "due",
        ny(2024, 11, 3),
        H,
        ny(2024, 11, 3, 1, 45, fold=1),
        "30 min EDT + 30 min EST: due 01:45 EST (06:45 UTC)",
    ),
    Case(
        "24/7 short day",
        Cal(EVERY_DAY, time(0), None),
        "elapsed",
        ny(2024, 3, 10),
        ny(2024, 3, 11),
        23 * H,
        "business time is stopwatch time: the local day 2024-03-10 has 23h",
    ),
    Case(
        "24/7 long day",
        Cal(EVERY_DAY, time(0), None),
        "elapsed",
        ny(2024, 11, 3),
        ny(2024, 11, 4),
        25 * H,
        "the local day 2024-11-03 has 25h",
    ),
    Case(
        "24/7 due over DST",
        Cal(EVERY_DAY, time(0), None),
        "due",
        ny(2024, 3, 9, 12),
        24 * H,
        ny(2024, 3, 10, 13),
        "Sat 12:00 EST + 24h = Sun 13:00 EDT",
    ),
    Case(
        "overnight",
        Cal((6,), time(22), time(6)),
        "elapsed",
        ny(2024, 1, 14, 22),
        ny(2024, 1, 15, 6),
        8 * H,
        "Sun 22:00-06:00 counts 8h",
    ),
    Case(
        "overnight (due)",
        Cal((6,), time(22), time(6)),
        "due",
        ny(2024, 1, 14, 23),
        4 * H,
        ny(2024, 1, 15, 3),
        "Sun 23:00 + 4h = Mon 03:00",
    ),
    Case(
        "overnight, Sunday holiday",
        Cal((6,), time(22), time(6), (date(2024, 1, 14),)),
        "elapsed",
        ny(2024, 1, 14),
        ny(2024, 1, 15, 12),
        6 * H,
        "a Sunday holiday removes Sun 22-24 only; Mon 00-06 belongs to Monday",
    ),
    Case(
        "overnight, Monday holiday",
        Cal((6,), time(22), time(6), (date(2024, 1, 15),)),
        "elapsed",
        ny(2024, 1, 14),
        ny(2024, 1, 15, 12),
        2 * H,
        "a Monday holiday removes Mon 00-06",
    ),
]


# --- implementations ------------------------------------------------------------

Answer = Callable[[Case], Any]


def naive(t: datetime) -> datetime:
    return t.astimezone(Z).replace(tzinfo=None)


def slaclock_answer(case: Case) -> Any:
    import slaclock

    c = case.cal
    if c.always:
        cal = slaclock.Calendar.always_open(wl.ZONE_NAME)
    else:
        cal = slaclock.Calendar.weekly(
            wl.ZONE_NAME, c.text().split(" + ")[0], holidays=list(c.holidays)
        )
    return cal.elapsed(case.a, case.b) if case.kind == "elapsed" else cal.due(case.a, case.b)


def workclock_answer(case: Case) -> Any:
    from workclock import Holidays, Schedule, WorkDay

    c = case.cal
    rules: list[Any] = [WorkDay(c.start, c.end or time(0), days=c.days)]
    if c.holidays:
        rules.append(Holidays(c.holidays))
    s = Schedule(rules, time_zone=wl.ZONE_NAME)
    return s.between(case.a, case.b) if case.kind == "elapsed" else s.add(case.a, case.b)


def timegrid_answer(case: Case) -> Any:
    import timegrid as tg

    c = case.cal
    cal = tg.TimeGridCalendar.create()
    if c.always:
        cal.add_open_window(datetime(2000, 1, 1), datetime(2100, 1, 1))
    else:
        names = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
        for d in c.days:
            cal.add_open_rule(getattr(tg.DayOfWeek, names[d]), c.start, c.end)
        for h in c.holidays:
            cal.add_holiday(h)
    a = naive(case.a)
    if case.kind == "elapsed":
        return cal.get_working_duration(a, naive(case.b))  # type: ignore[arg-type]
    return cal.add_work_duration(a, case.b)


def businesstime_answer(case: Case) -> Any:
    from businesstime import BusinessTime

    c = case.cal
    if case.kind == "due":
        return "n/a (no add)"
    if c.always or c.overnight:
        return "n/a (no 24:00 / overnight)"
    bt = BusinessTime(
        business_hours=(c.start, c.end),
        weekends=tuple(d for d in range(7) if d not in c.days),
        holidays=list(c.holidays),
    )
    r = bt.businesstimedelta(naive(case.a), naive(case.b))  # type: ignore[arg-type]
    length = datetime.combine(date.min, c.end) - datetime.combine(date.min, c.start)  # type: ignore[arg-type]
    return r.days * length + (r - timedelta(days=r.days))


def businesstimedelta_answer(case: Case) -> Any:
    import businesstimedelta as btd
    import pytz

    c = case.cal
    if c.always:
        return "n/a (no 24:00)"
    tz = pytz.timezone(wl.ZONE_NAME)
    rules: list[Any] = [btd.WorkDayRule(c.start, c.end, list(c.days), tz=tz)]
    if c.holidays:
        rules.append(btd.HolidayRule(list(c.holidays), tz=tz))
    rule = btd.Rules(rules)
    if case.kind == "elapsed":
        return rule.difference(case.a, case.b).timedelta
    return case.a + btd.BusinessTimeDelta(rule, timedelta=case.b)


def pandas_answer(case: Case) -> Any:
    import pandas as pd

    c = case.cal
    if c.always:
        return "n/a (no 24h spans)"
    cbh = pd.offsets.CustomBusinessHour(
        start=f"{c.start:%H:%M}",
        end=f"{c.end:%H:%M}",
        weekmask=" ".join(DAY_NAMES[d] for d in c.days),
        holidays=list(c.holidays),
    )
    a = pd.Timestamp(naive(case.a))
    if case.kind == "due":
        hours, rest = divmod(case.b, H)  # type: ignore[operator]
        if rest:
            return "n/a (whole hours only)"
        return (a + cbh * hours).to_pydatetime() if hours else cbh.rollforward(a).to_pydatetime()
    # elapsed: walk the opening days pandas' offset recognises (a shift
    # belongs to the day it opens on, as in pandas)
    cbd = pd.offsets.CustomBusinessDay(weekmask=cbh.weekmask, holidays=cbh.holidays)
    b = pd.Timestamp(naive(case.b))  # type: ignore[arg-type]
    total = pd.Timedelta(0)
    day = (a - pd.Timedelta(days=1)).normalize()
    length = pd.Timedelta(
        datetime.combine(date.min, c.end) - datetime.combine(date.min, c.start)  # type: ignore[arg-type]
    ) % pd.Timedelta(days=1)
    while day < b:
        if cbd.is_on_offset(day):
            lo = max(day + pd.Timedelta(hours=c.start.hour, minutes=c.start.minute), a)
            hi = min(day + pd.Timedelta(hours=c.start.hour, minutes=c.start.minute) + length, b)
            total += max(hi - lo, pd.Timedelta(0))
        day += pd.Timedelta(days=1)
    return total.to_pytimedelta()


IMPLS: dict[str, Answer] = {
    "slaclock": slaclock_answer,
    "workclock": workclock_answer,
    "timegrid": timegrid_answer,
    "businesstime": businesstime_answer,
    "businesstimedelta": businesstimedelta_answer,
    "pandas CBH": pandas_answer,
}


def show(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return f"{value:%m-%d %H:%M} (wall)"
        local = value.astimezone(Z)
        return f"{local:%m-%d %H:%M}{local:%z}"[:-2]
    if isinstance(value, timedelta):
        hours, rest = divmod(value, H)
        return f"{hours}h{rest // timedelta(minutes=1):02d}" if rest else f"{hours}h"
    return str(value)


def agrees(value: Any, expected: Any) -> bool | None:
    if isinstance(value, str):
        return None
    if isinstance(expected, datetime) and isinstance(value, datetime):
        if value.tzinfo is None:  # a naive wall time agrees if its wall time does
            return value == naive(expected) and value.fold == expected.astimezone(Z).fold
        return value.astimezone(UTC) == expected.astimezone(UTC)
    return bool(value == expected)


class Hang(Exception):
    pass


def _hang(*_: object) -> None:
    raise Hang


def main() -> None:
    signal.signal(signal.SIGALRM, _hang)
    names = list(IMPLS)
    print("| case | question | SEMANTICS | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for case in CASES:
        cells = []
        for name in names:
            signal.alarm(TIMEOUT_S)
            try:
                value = IMPLS[name](case)
            except Hang:
                value = f"hangs (> {TIMEOUT_S} s)"
            except Exception as error:
                value = f"raises {type(error).__name__}"
            finally:
                signal.alarm(0)
            ok = agrees(value, case.expected)
            cells.append(("" if ok in (True, None) else "≠ ") + show(value))
        second = show(case.b)
        question = f"{case.kind}({show(case.a)}, {second}) on {case.cal.text()}"
        print(f"| {case.name} | {question} | {show(case.expected)} | " + " | ".join(cells) + " |")
    print()
    for case in CASES:
        print(f"- {case.name}: {case.why}")


if __name__ == "__main__":
    main()
