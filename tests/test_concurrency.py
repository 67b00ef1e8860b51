"""Sharing calendars, policies and their caches between threads and processes (issue 7).

Calendars and policies are immutable values; what they compute lazily
(compiled timelines, zone offsets, holiday years, replay plans) is a cache
outside the value, filled in place. These tests start from a fresh policy
book whose caches are empty, so the threads race to fill them, and check
that every answer equals a single-threaded run. The processes get the book
pickled (the caches stay out of pickles).

The last test walks every slaclock module for module-level mutable
containers: there is none but the ones listed, with the reason.
"""

from __future__ import annotations

import array
import collections
import concurrent.futures
import functools
import importlib
import multiprocessing
import pkgutil
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from itertools import repeat
from typing import Any, TypeVar

import pytest

import slaclock
from slaclock.evaluation import Evaluation, evaluate
from slaclock.policies import PolicyBook
from slaclock.policy_files import example_policy
from slaclock.samples import load_sample
from slaclock.tickets import Ticket

T = TypeVar("T")

N_TICKETS = 300
N_THREADS = 8


@pytest.fixture(scope="module")
def sample() -> tuple[list[Ticket], Any]:
    tickets, now = load_sample()
    return tickets[:N_TICKETS], now


def _outcome(ticket: Ticket, book: PolicyBook, now: Any) -> Evaluation | tuple[str, str]:
    """The evaluation, or the error as (class, message): errors must agree as well."""
    try:
        return evaluate(ticket, book, now=now)
    except slaclock.SlaClockError as exc:
        return type(exc).__name__, str(exc)


def _fresh_book() -> PolicyBook:
    """A new book: its calendars and policies are new values with empty caches."""
    return example_policy()  # read from the bundled file each time, never cached


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads far more often than the default 5 ms, so the races happen."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _race(n: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` in ``n`` threads that start together; re-raise the first failure."""
    barrier = threading.Barrier(n)

    def start(i: int) -> T:
        barrier.wait(timeout=60)
        return work(i)

    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(start, range(n)))


def _rotated(items: Sequence[T], k: int) -> list[tuple[int, T]]:
    """``items`` with their positions, starting at a different place for each thread, so
    the threads ask for different years and calendars at the same moment."""
    start = (k * len(items)) // N_THREADS
    order = list(range(start, len(items))) + list(range(start))
    return [(i, items[i]) for i in order]


class TestThreads:
    @pytest.mark.usefixtures("fast_switching")
    def test_eight_threads_evaluate_as_one(self, sample: tuple[list[Ticket], Any]) -> None:
        tickets, now = sample
        expected = [_outcome(t, _fresh_book(), now) for t in tickets]
        book = _fresh_book()

        def work(k: int) -> list[Evaluation | tuple[str, str]]:
            got: dict[int, Evaluation | tuple[str, str]] = {}
            for i, ticket in _rotated(tickets, k):
                got[i] = _outcome(ticket, book, now)
            return [got[i] for i in range(len(tickets))]

        runs = _race(N_THREADS, work)
        assert len(runs) == N_THREADS
        for run in runs:
            assert run == expected

    @pytest.mark.usefixtures("fast_switching")
    def test_four_threads_score_as_one(self, sample: tuple[list[Ticket], Any]) -> None:
        pd = pytest.importorskip("pandas")
        from slaclock.batch import score, tables_from_tickets

        tickets, now = sample
        tickets_table, events_table = tables_from_tickets(tickets)
        want = score(tickets_table, events_table, _fresh_book(), now=now, on_error="mark")
        book = _fresh_book()
        runs = _race(
            4, lambda _: score(tickets_table, events_table, book, now=now, on_error="mark")
        )
        for got in runs:
            pd.testing.assert_frame_equal(got.results, want.results)
            pd.testing.assert_frame_equal(got.errors, want.errors)
            assert (got.tickets, got.scored, got.failed) == (want.tickets, want.scored, want.failed)

    @pytest.mark.usefixtures("fast_switching")
    def test_threads_share_one_calendar_clock(self) -> None:
        import datetime as dt

        cal = slaclock.Calendar.weekly(
            "Europe/Paris",
            "Mon-Fri 09:00-12:00, 13:00-17:00",
            holidays=slaclock.HolidaySource.country("FR"),
        )
        fresh = slaclock.Calendar.from_dict(cal.to_dict())
        starts = [
            dt.datetime(1990 + (7 * i) % 60, 1 + i % 12, 1 + i % 28, i % 24, tzinfo=dt.UTC)
            for i in range(400)
        ]
        d = dt.timedelta(hours=30)

        def answers(c: slaclock.Calendar, order: list[int]) -> list[tuple[Any, ...]]:
            got = {i: (c.due(starts[i], d), c.elapsed(starts[i], starts[i] + 9 * d)) for i in order}
            return [got[i] for i in range(len(starts))]

        expected = answers(fresh, list(range(len(starts))))
        runs = _race(
            N_THREADS, lambda k: answers(cal, [i for i, _ in _rotated(range(len(starts)), k)])
        )
        for run in runs:
            assert run == expected


class TestProcesses:
    def test_two_spawned_processes_evaluate_as_one(self, sample: tuple[list[Ticket], Any]) -> None:
        tickets, now = sample
        book = _fresh_book()
        expected = [evaluate(t, book, now=now) for t in tickets]
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            # the book (and its calendars) is pickled with every chunk of tickets
            got = list(
                pool.map(
                    functools.partial(evaluate, now=now),
                    tickets,
                    repeat(_fresh_book()),
                    chunksize=N_TICKETS // 4,
                )
            )
        assert got == expected


# ---- no module-level mutable state ----------------------------------------------------------

#: Mutable container types: a module-level one is shared by every thread and could be
#: changed by mistake. (Subclasses count: defaultdict, OrderedDict, Counter.)
MUTABLE = (dict, list, set, bytearray, array.array, collections.deque)

#: Module-level mutable containers allowed, with the reason; each entry is (module, name).
#: The rule: a table at module level is a tuple, a frozenset or a MappingProxyType.
#: Dunder names (``__all__``, ``__path__``, ``__annotations__``) are Python's, not ours.
#: ``functools.lru_cache`` functions are allowed: a thread-safe memo of a pure function.
ALLOWED: frozenset[tuple[str, str]] = frozenset()

#: Offenders in modules that other people are editing at the moment: to be made immutable
#: there (then remove the entry). Listed so the rule holds for every other module.
PENDING: frozenset[tuple[str, str]] = frozenset()


def _modules() -> Iterator[Any]:
    yield slaclock
    for info in pkgutil.walk_packages(slaclock.__path__, "slaclock."):
        try:
            yield importlib.import_module(info.name)
        except ImportError as exc:  # an optional library is missing: nothing to check there
            if exc.name is None or exc.name.split(".")[0] == "slaclock":
                raise


def _offenders() -> set[tuple[str, str]]:
    found = set()
    for module in _modules():
        for name, value in vars(module).items():
            if name.startswith("__") and name.endswith("__"):
                continue
            if isinstance(value, MUTABLE):
                found.add((module.__name__, name))
    return found


class TestModuleState:
    def test_no_module_level_mutable_containers(self) -> None:
        offenders = _offenders() - ALLOWED - PENDING
        assert not offenders, (
            "module-level mutable containers (make them a tuple, a frozenset or a "
            f"types.MappingProxyType): {sorted(offenders)}"
        )

    def test_every_module_is_walked(self) -> None:
        names = {m.__name__ for m in _modules()}
        assert {"slaclock", "slaclock.calendars", "slaclock.batch.scoring"} <= names
        assert "slaclock.testing.strategies" in names
