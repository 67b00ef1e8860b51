"""Shared pieces of the parser fuzz tests: junk values, a mutation engine, the error check.

The property every fuzz test states: a parser either returns a value, or
raises a slaclock error (a :class:`~slaclock.errors.SlaClockError`) whose
message names the field, and the value where there is one. Any other
exception (``KeyError``, ``TypeError``, a ``ValueError`` that is not ours...)
propagates out of :func:`attempt` and fails the test, and so does a call that
runs past :data:`LIMIT_S` (a hang).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import os
import pickle
import signal
import string
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from hypothesis import strategies as st

from slaclock.errors import InputError, SlaClockError, SlaClockWarning

T = TypeVar("T")

#: Seconds one parse may take before the test calls it a hang. Parses take
#: milliseconds; the limit leaves room for a loaded machine.
LIMIT_S = 20.0


class Hang(AssertionError):
    """A call ran past :data:`LIMIT_S`."""


@contextlib.contextmanager
def bounded(seconds: float = LIMIT_S) -> Iterator[None]:
    """Fail with :class:`Hang` when the block runs longer than ``seconds`` (POSIX main thread)."""
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def alarm(*_: object) -> None:
        raise Hang(f"the call ran longer than {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_error(exc: BaseException, field_prefix: str = "") -> None:
    """Assert ``exc`` is a slaclock error that names its field (and value), and pickles."""
    if not isinstance(exc, SlaClockError):
        raise AssertionError(f"not a slaclock error: {type(exc).__name__}: {exc}") from exc
    message = str(exc)
    assert message.strip(), f"{type(exc).__name__} with an empty message"
    if isinstance(exc, InputError):
        assert isinstance(exc.field, str), f"field is not text: {exc.field!r}"
        assert exc.field.strip(), f"no field named: {message}"
        assert message.startswith(f"{exc.field}: "), (
            f"the message does not lead with the field: {message}"
        )
        assert " (got " in message, f"the message does not show the value: {message}"
        assert exc.field.startswith(field_prefix), (
            f"field {exc.field!r} is not under {field_prefix!r}: {message}"
        )
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert str(back) == message


def attempt(call: Callable[[], T], field_prefix: str = "") -> T | SlaClockError:
    """``call()``'s value, or the slaclock error it raised (checked by :func:`check_error`).

    Any other exception propagates; so does :class:`Hang`. slaclock's own
    warnings (holiday data missing for a year) are allowed; any other warning
    is an error, as in the rest of the suite.
    """
    with bounded(), warnings.catch_warnings():
        warnings.simplefilter("ignore", SlaClockWarning)
        try:
            return call()
        except SlaClockError as exc:
            check_error(exc, field_prefix)
            return exc


# ---- junk values --------------------------------------------------------------------------

#: Text that has tripped parsers elsewhere: blanks, controls, look-alike digits and
#: dashes, a lone surrogate, numbers past every limit, markup.
ODD_TEXTS = (
    "",
    " ",
    "\t\n",
    "\x00",
    "\u200b",
    "\ufeff",
    "é",
    "İ",
    "ß",
    "\ud800",
    "٠٩:٠٠-١٧:٠٠",
    "𝟘𝟡:𝟘𝟘-𝟙𝟟:𝟘𝟘",
    "09:00–17:00",
    "Mon–Fri 09:00-17:00",
    "09:00\u202f-\u202f17:00",
    "²",
    "-1",
    "0",
    "1e309",
    "NaN",
    "inf",
    "-0",
    "9" * 30,
    "9" * 5000,
    "24:00",
    "99:99",
    "23:59:59.9999999",
    "0000-00-00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31",
    "2024-02-30",
    "2026-03-08T02:30:00",
    "Europe/Nowhere",
    "../../etc/passwd",
    "localtime",
    "UTC",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    '"',
    "'",
    "\\",
    "[",
    "{",
    "%",
    "100%",
    "101%",
    "-5%",
    "1h",
    "-1h",
    "0h",
    "999999999999h",
    "1h before due",
    "DTSTART:20240101\nRRULE:FREQ=DAILY",
    "DTSTART:20240101\nRDATE:20240105",
    "RRULE:FREQ=DAILY",
)

odd_text: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(ODD_TEXTS),
    st.text(max_size=30),
    st.text(alphabet=string.printable, max_size=30),
)

_scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63), 10**30, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.times(),
    st.timedeltas(),
    st.binary(max_size=8),
)

#: Values of every shape a JSON, TOML or Python caller can pass.
junk: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(odd_text, inner, max_size=3),
    ),
    max_leaves=6,
)

#: Values a TOML document can hold (for dictionaries read from TOML).
toml_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(),
        odd_text,
        st.dates(),
        st.datetimes(),
        st.datetimes(timezones=st.just(dt.UTC)),
        st.times(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)
    ),
    max_leaves=6,
)


# ---- mutations of nested data ----------------------------------------------------------

Path = tuple[Any, ...]


def paths(data: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path into nested dicts and lists (the root is ``()``)."""
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from paths(v, (*prefix, i))


def _get(data: Any, path: Path) -> Any:
    for k in path:
        data = data[k]
    return data


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> str:
    """``text`` with a character inserted, deleted or replaced, or digits blown up."""
    op = draw(st.sampled_from(["insert", "delete", "replace", "digits", "sign", "case", "odd"]))
    i = draw(st.integers(0, len(text)))
    if op == "insert":
        return text[:i] + draw(st.characters()) + text[i:]
    if op == "delete" and text:
        i = min(i, len(text) - 1)
        return text[:i] + text[i + 1 :]
    if op == "replace" and text:
        i = min(i, len(text) - 1)
        pool = st.sampled_from(":-;,. 0123456789%hmdsz/") | st.characters()
        return text[:i] + draw(pool) + text[i + 1 :]
    if op == "digits":
        return "".join(c if not c.isdigit() else draw(st.sampled_from("09")) * 3 for c in text)
    if op == "sign":
        return "-" + text
    if op == "case":
        return text.swapcase()
    return draw(odd_text)


@st.composite
def mutated(
    draw: st.DrawFn, base: Any, *, values: st.SearchStrategy[Any] = junk, max_edits: int = 3
) -> Any:
    """``base`` (nested dicts and lists) after 1 to ``max_edits`` edits at random places.

    Edits: delete an entry, replace a value with a value of another type,
    rename a key (a typo or junk), add an unknown key, wrap a value in a list,
    take the first item of a container, edit a text character by character,
    blow up or negate a number, repeat a list item.
    """
    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_edits))):
        where = draw(st.sampled_from(list(paths(data))))
        if not where:
            if draw(st.integers(0, 9)) == 0:
                data = draw(values)
            continue
        parent = _get(data, where[:-1])
        key = where[-1]
        value = parent[key]
        ops = ["delete", "replace", "wrap", "repeat"]
        if isinstance(parent, dict):
            ops += ["rename", "add"]
        if isinstance(value, str):
            ops += ["text", "text", "text"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ops += ["number", "number"]
        if isinstance(value, (dict, list)) and value:
            ops += ["first"]
        op = draw(st.sampled_from(ops))
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "wrap":
            parent[key] = [value]
        elif op == "repeat" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        elif op == "repeat":
            parent[key] = [value, copy.deepcopy(value)]
        elif op == "rename":
            new = draw(st.one_of(text_edits(str(key)), odd_text, st.just(str(key).upper())))
            parent[new] = parent.pop(key)
        elif op == "add":
            parent[draw(odd_text)] = draw(values)
        elif op == "text":
            parent[key] = draw(text_edits(value))
        elif op == "number":
            parent[key] = draw(
                st.sampled_from([0, -1, -value, value * 10**12, 2**63, 1.5, float("nan")])
            )
        elif op == "first":
            parent[key] = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return data


@st.composite
def line_edits(draw: st.DrawFn, text: str, max_edits: int = 3) -> str:
    """``text`` after whole-line and character edits: TOML and CSV documents gone wrong."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, max_edits))):
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        op = draw(st.sampled_from(["delete", "repeat", "swap", "edit", "edit", "edit", "insert"]))
        if not lines:
            lines = [draw(odd_text)]
        elif op == "delete":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "edit":
            lines[i] = draw(text_edits(lines[i]))
        else:
            lines.insert(i, draw(odd_text))
    return "\n".join(lines)


# ---- tables ---------------------------------------------------------------------------


def cells(text: str) -> list[list[str]]:
    """The rows of CSV text."""
    return list(csv.reader(io.StringIO(text)))


def csv_text(rows: list[list[Any]]) -> str:
    """Rows as CSV text (``\\n`` line ends)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def cell_edits(draw: st.DrawFn, text: str) -> str:
    """A CSV table with cells replaced, rows deleted or repeated, cells added or dropped."""
    rows = cells(text)
    for _ in range(draw(st.integers(1, 4))):
        r = draw(st.integers(0, len(rows) - 1))
        row = rows[r]
        op = draw(st.sampled_from(["cell", "cell", "cell", "delete", "repeat", "add", "drop"]))
        if op == "cell" and row:
            c = draw(st.integers(0, len(row) - 1))
            others = [x[c] for x in rows if len(x) > c]
            row[c] = draw(st.one_of(odd_text, st.sampled_from(others)))
        elif op == "delete":
            del rows[r]
        elif op == "repeat":
            rows.insert(r, list(row))
        elif op == "add":
            row.append(draw(odd_text))
        elif op == "drop" and row:
            row.pop()
        if not rows:
            break
    return csv_text(rows)


@contextlib.contextmanager
def temp_file(content: str | bytes, suffix: str) -> Iterator[str]:
    """A temporary file holding ``content`` (text written as UTF-8)."""
    # a lone surrogate becomes bytes that are not UTF-8: the readers must say so
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    fd, path = tempfile.mkstemp(suffix=suffix, prefix="fuzz-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        yield path
    finally:
        os.unlink(path)
