"""The ticket clock on the bundled sample: ``evaluate`` per ticket, the incremental form, a floor.

Run from the repository root::

    .venv/bin/python benchmarks/bench_evaluate.py            # ~30 s
    .venv/bin/python benchmarks/bench_evaluate.py --repeats 5

The workload is the committed sample (``slaclock.samples.load_sample``: 3000
tickets over a year, 34k events, the example policy book: four severities,
first response / resolution / next reply / periodic update targets, business
time, calendar time and business days, US and UK calendars with holidays,
internal targets), measured at ``SAMPLE_NOW``. Each figure is the best of
``--repeats`` passes; calendars are compiled by a warm-up pass first (a
long-running service keeps them).

Figures:

- ``evaluate``: ``evaluate(ticket, book, now=...)`` for every ticket.
- ``feed`` / ``results``: the two halves, through ``TicketClock``.
- ``incremental``: a helpdesk storing one ``TicketClock`` per ticket feeds the
  last event and asks for the results (the per-event cost of a live system).
- ``floor``: for every result ``evaluate`` produced, one ``Calendar.elapsed``
  and one ``Calendar.due`` call on its calendar with its pauses: the calendar
  work any correct SLA engine must do, without the replay and the result rows.

No peer has an SLA engine (statuses, pauses, cycles, severity changes,
warnings), so the peers appear in ``bench_scalar.py`` only.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable

from slaclock._instants import from_us
from slaclock.evaluation import Result, TicketClock, evaluate
from slaclock.policy_files import example_policy
from slaclock.samples import load_sample


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    book = example_policy()
    tickets, now = load_sample()
    n = len(tickets)
    evaluations = [evaluate(t, book, now=now) for t in tickets]  # warm-up: compile calendars
    results: list[Result] = [r for ev in evaluations for r in ev.results]
    m = len(results)

    def run_evaluate() -> None:
        for t in tickets:
            evaluate(t, book, now=now)

    clocks: list[TicketClock] = []

    def run_feed() -> None:
        clocks.clear()
        for t in tickets:
            clock = TicketClock(book, t.id, t.severity, t.attributes)
            for e in t.history:
                clock.feed(e)
            clocks.append(clock)

    def run_results() -> None:
        for clock in clocks:
            clock.evaluate(now=now)

    # incremental: every ticket's state holds all but its last event
    prefixes = []
    for t in tickets:
        clock = TicketClock(book, t.id, t.severity, t.attributes)
        for e in t.history[:-1]:
            clock.feed(e)
        prefixes.append((clock, t.history[-1]))

    stored = [(clock.dumps(), last) for clock, last in prefixes]

    def run_incremental() -> None:
        for data, last in stored:
            c = TicketClock.loads(data, book)  # the stored state, as a service keeps it
            c.feed(last)
            c.evaluate(now=now)
            c.dumps()

    # the floor: the calendar calls behind every result
    floor_calls = []
    for ev in evaluations:
        for r, tr in zip(ev.results, ev._traces, strict=True):
            cal = tr.calendar
            states = tr.cycle.states
            pauses = []
            end = tr.end
            for i, (t0, state) in enumerate(states):
                t1 = min(states[i + 1][0] if i + 1 < len(states) else end, end)
                if t1 > t0 and state.value != "running":
                    pauses.append((from_us(t0), from_us(t1)))
            floor_calls.append((cal, r.start, r.stop or now, r.goal, pauses))

    def run_floor() -> None:
        for cal, a, b, goal, pauses in floor_calls:
            cal.elapsed(a, b, pauses=pauses)
            cal.due(a, goal, pauses=pauses)

    t_eval = best(run_evaluate, args.repeats)
    t_feed = best(run_feed, args.repeats)
    t_results = best(run_results, args.repeats)
    t_inc = best(run_incremental, args.repeats)
    t_floor = best(run_floor, args.repeats)

    print(f"# bench_evaluate — {platform.processor() or platform.machine()}, Python {sys.version.split()[0]}")
    print()
    print(f"{n} tickets, {sum(len(t.history) for t in tickets)} events, {m} results "
          f"({m / n:.1f} per ticket), best of {args.repeats}")
    print()
    print("| what | total | per ticket | tickets/s | results/s |")
    print("|---|---|---|---|---|")
    for name, secs in (
        ("evaluate (full replay)", t_eval),
        ("feed (TicketClock, all events)", t_feed),
        ("results at now (TicketClock.evaluate)", t_results),
        ("incremental: loads, feed 1 event, results, dumps", t_inc),
        ("floor: 1 elapsed + 1 due per result", t_floor),
    ):
        print(f"| {name} | {secs * 1e3:.0f} ms | {secs / n * 1e6:.0f} µs | {n / secs:,.0f} | {m / secs:,.0f} |")
    print()
    print(f"evaluate / floor = {t_eval / t_floor:.2f}x; stored state "
          f"{sum(len(d) for d, _ in stored) / n:.0f} bytes per ticket on average")


if __name__ == "__main__":
    main()
