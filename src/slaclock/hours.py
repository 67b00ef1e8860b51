"""Opening hours: :class:`Span` (one wall-clock span of a day) and :class:`WeeklyHours`.

Hours are read from text (``"Mon-Fri 09:00-17:00; Sat 09:00-13:00; Sun 22:00-06:00"``)
or from a mapping (``{"mon": ["09:00-12:00", "13:00-17:00"]}``). A span whose end
is not after its start runs past midnight and is split: its after-midnight
piece belongs to the next weekday (SEMANTICS "Calendars").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Final

import attrs

from slaclock.errors import SpanError

__all__ = ["WEEKDAYS", "Span", "WeeklyHours"]

_SECOND_US: Final = 1_000_000
_DAY_US: Final = 86_400 * _SECOND_US

#: Weekday keys, Monday first (``date.weekday()`` order).
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES: Final = MappingProxyType(
    {
        **{d: i for i, d in enumerate(WEEKDAYS)},
        **{
            n: i
            for i, n in enumerate(
                ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            )
        },
        **{n: i for i, n in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"))},
        "tues": 1,
        "wednes": 2,
        "thur": 3,
        "thurs": 3,
    }
)
_TIME_RE: Final = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")


def _parse_time(text: str, field: str, whole: str) -> int:
    m = _TIME_RE.match(text.strip())
    if not m:
        raise SpanError(
            field, whole, f"time {text.strip()!r} is not HH:MM, HH:MM:SS or HH:MM:SS.ffffff"
        )
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    frac = int((m.group(4) or "").ljust(6, "0"))
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s or frac)):
        raise SpanError(
            field, whole, f"time {text.strip()!r} is not a time of day (00:00 to 24:00)"
        )
    return ((h * 60 + mi) * 60 + s) * _SECOND_US + frac


def _format_time(us: int) -> str:
    s, rem = divmod(us, _SECOND_US)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    text = f"{h:02d}:{m:02d}"
    if s or rem:
        text += f":{s:02d}"
    if rem:
        text += f".{rem:06d}"
    return text


@attrs.frozen(order=True)
class Span:
    """One wall-clock span ``[start, end)`` of a day, in microseconds since local midnight.

    ``0 <= start_us < end_us <= 86_400_000_000`` (``24:00`` as an end).

    Examples
    --------
    >>> Span.parse("09:00-17:00")
    Span('09:00-17:00')
    >>> Span.parse("09:00-17:00").duration_us // 3_600_000_000
    8

    .. versionadded:: 0.1
    """

    start_us: int
    end_us: int

    def __attrs_post_init__(self) -> None:
        for name in ("start_us", "end_us"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpanError(
                    f"span.{name}", value, "must be whole microseconds since midnight (int)"
                )
        if not (0 <= self.start_us < self.end_us <= _DAY_US):
            raise SpanError(
                "span",
                (self.start_us, self.end_us),
                "must satisfy 0 <= start < end <= 24:00 (microseconds of the day)",
            )

    @classmethod
    def parse(cls, text: str, field: str = "span") -> Span:
        """Read ``"HH:MM-HH:MM"`` (seconds allowed; ``24:00`` as an end).

        The span must not run past midnight: use :meth:`WeeklyHours.parse` for that.
        """
        start, end = _parse_pair(text, field)
        if end <= start:
            raise SpanError(
                field,
                text,
                "span must end after it starts (a span past midnight is only allowed in weekly "
                "hours; write two spans)",
            )
        return cls(start, end)

    @property
    def duration_us(self) -> int:
        """Length of the span in microseconds (wall-clock)."""
        return self.end_us - self.start_us

    def __str__(self) -> str:
        return f"{_format_time(self.start_us)}-{_format_time(self.end_us)}"

    def __repr__(self) -> str:
        return f"Span({str(self)!r})"


def _parse_pair(text: object, field: str) -> tuple[int, int]:
    if not isinstance(text, str):
        raise SpanError(field, text, "must be span text 'HH:MM-HH:MM'")
    parts = text.strip().split("-")
    if len(parts) != 2:
        raise SpanError(field, text, "must be span text 'HH:MM-HH:MM'")
    start = _parse_time(parts[0], field, text)
    end = _parse_time(parts[1], field, text)
    if start == _DAY_US:
        raise SpanError(field, text, "a span cannot start at 24:00")
    if start == end:
        raise SpanError(field, text, "span is empty (start equals end)")
    return start, end


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sort spans and merge those that overlap or touch."""
    out: list[Span] = []
    for s in sorted(spans):
        if out and s.start_us <= out[-1].end_us:
            if s.end_us > out[-1].end_us:
                out[-1] = Span(out[-1].start_us, s.end_us)
        else:
            out.append(s)
    return tuple(out)


def parse_day_spans(value: object, field: str) -> tuple[Span, ...]:
    """Read the spans of one date: span text, a list of span texts, or ``[]`` (closed).

    Spans of one date do not run past midnight.
    """
    if isinstance(value, Span):
        return (value,)
    if isinstance(value, str):
        texts: Sequence[object] = (
            [t for t in value.split(",") if t.strip()] if value.strip() else []
        )
    elif isinstance(value, (list, tuple)):
        texts = value
    else:
        raise SpanError(field, value, "must be span text, a list of span texts, or [] (closed)")
    spans = []
    for i, t in enumerate(texts):
        spans.append(t if isinstance(t, Span) else Span.parse(t, f"{field}[{i}]"))  # type: ignore[arg-type]
    return merge_spans(spans)


def _parse_days(text: str, field: str, whole: object) -> list[int]:
    days: list[int] = []
    spec = text.strip()
    if spec.lower() in ("daily", "everyday", "every day", "all", "*"):
        return list(range(7))
    for part in spec.split(","):
        part = part.strip()
        if not part:
            raise SpanError(field, whole, "empty weekday in day list")
        if "-" in part:
            a, _, b = part.partition("-")
            ia, ib = _day_index(a, field, whole), _day_index(b, field, whole)
            i = ia
            days.append(i)
            while i != ib:  # ranges may wrap: "Fri-Mon"
                i = (i + 1) % 7
                days.append(i)
        else:
            days.append(_day_index(part, field, whole))
    return days


def _day_index(name: str, field: str, whole: object) -> int:
    key = name.strip().lower().rstrip(".")
    if key not in _DAY_NAMES:
        raise SpanError(
            field,
            whole,
            f"unknown weekday {name.strip()!r}",
            "use Mon, Tue, Wed, Thu, Fri, Sat, Sun",
        )
    return _DAY_NAMES[key]


@attrs.frozen
class WeeklyHours:
    """Wall-clock opening spans for each weekday, Monday first.

    Canonical: the spans of a day are sorted and merged, and spans that ran
    past midnight are already split, their after-midnight piece sitting on the
    next weekday. Two values are equal iff they open at the same wall times.

    Examples
    --------
    >>> h = WeeklyHours.parse("Mon-Fri 09:00-17:00; Sun 22:00-06:00")
    >>> str(h)
    'Mon 00:00-06:00, 09:00-17:00; Tue-Fri 09:00-17:00; Sun 22:00-24:00'
    >>> h.spans_on(0)
    (Span('00:00-06:00'), Span('09:00-17:00'))

    .. versionadded:: 0.1
    """

    days: tuple[tuple[Span, ...], ...]

    def __attrs_post_init__(self) -> None:
        if len(self.days) != 7:
            raise SpanError("hours", self.days, "must have spans for exactly 7 weekdays")

    @classmethod
    def always(cls) -> WeeklyHours:
        """Open all day, every day (``00:00-24:00``)."""
        return cls(tuple((Span(0, _DAY_US),) for _ in range(7)))

    @classmethod
    def closed(cls) -> WeeklyHours:
        """Never open (useful with overrides only)."""
        return cls(tuple(() for _ in range(7)))

    @classmethod
    def parse(cls, value: object, field: str = "hours") -> WeeklyHours:
        """Read hours from text, a mapping, or a :class:`WeeklyHours`.

        Text: groups separated by ``;`` or new lines, each ``DAYS SPAN[, SPAN...]``;
        ``DAYS`` is a weekday, a list (``Mon,Wed``), a range (``Mon-Fri``, may wrap)
        or ``Daily``. A mapping takes the same ``DAYS`` as keys and span text or a
        list of span texts as values (``[]`` or ``"closed"`` for a closed day).
        """
        if isinstance(value, WeeklyHours):
            return value
        per_day: list[list[Span]] = [[] for _ in range(7)]
        if isinstance(value, str) and value.strip().lower() == "closed":
            return cls.closed()  # what str() writes for a calendar with no hours
        if isinstance(value, str):
            groups = [g for g in re.split(r"[;\n]", value) if g.strip()]
            for gi, group in enumerate(groups):
                gfield = f"{field}[{gi}]"
                m = re.match(r"^\s*([A-Za-z][A-Za-z.,\s-]*?)\s+(\d.*|closed)\s*$", group)
                if not m:
                    raise SpanError(
                        gfield, group.strip(), "must be 'DAYS HH:MM-HH:MM[, HH:MM-HH:MM]'"
                    )
                _add_group(per_day, m.group(1), m.group(2), gfield, group.strip())
        elif isinstance(value, Mapping):
            for key, spans in value.items():
                kfield = f"{field}.{key}"
                if not isinstance(key, str):
                    raise SpanError(
                        kfield, key, "weekday key must be text such as 'mon' or 'mon-fri'"
                    )
                if isinstance(spans, str):
                    spans_text = spans
                elif isinstance(spans, (list, tuple)):
                    for i, s in enumerate(spans):
                        if not isinstance(s, str):
                            raise SpanError(f"{kfield}[{i}]", s, "must be span text 'HH:MM-HH:MM'")
                    spans_text = ",".join(spans) if spans else "closed"
                else:
                    raise SpanError(kfield, spans, "must be span text or a list of span texts")
                _add_group(per_day, key, spans_text, kfield, spans)
        else:
            raise SpanError(field, value, "must be hours text or a mapping of weekday to spans")
        return cls(tuple(merge_spans(d) for d in per_day))

    def spans_on(self, weekday: int) -> tuple[Span, ...]:
        """Spans of weekday ``weekday`` (0 = Monday)."""
        return self.days[weekday]

    @property
    def is_closed(self) -> bool:
        """True when no weekday has any span."""
        return not any(self.days)

    def to_dict(self) -> dict[str, list[str]]:
        """Mapping of weekday key to span texts, open days only (round-trips through ``parse``)."""
        return {WEEKDAYS[i]: [str(s) for s in d] for i, d in enumerate(self.days) if d}

    def __str__(self) -> str:
        if self.is_closed:
            return "closed"
        groups: list[tuple[int, int, tuple[Span, ...]]] = []
        for i, d in enumerate(self.days):
            if groups and groups[-1][2] == d and groups[-1][1] == i - 1:
                groups[-1] = (groups[-1][0], i, d)
            else:
                groups.append((i, i, d))
        parts = []
        for a, b, d in groups:
            if not d:
                continue
            names = (
                WEEKDAYS[a].title() if a == b else f"{WEEKDAYS[a].title()}-{WEEKDAYS[b].title()}"
            )
            parts.append(f"{names} {', '.join(str(s) for s in d)}")
        return "; ".join(parts)


def _add_group(
    per_day: list[list[Span]], days_text: str, spans_text: str, field: str, whole: object
) -> None:
    days = _parse_days(days_text, field, whole)
    if spans_text.strip().lower() == "closed":
        return
    for si, piece in enumerate(p for p in spans_text.split(",")):
        if not piece.strip():
            raise SpanError(field, whole, "empty span in list")
        start, end = _parse_pair(piece, f"{field}.spans[{si}]")
        for d in days:
            if end > start:
                per_day[d].append(Span(start, end))
            else:
                # SEMANTICS "Calendars": an overnight span is two spans, the
                # after-midnight piece on the next weekday's date.
                per_day[d].append(Span(start, _DAY_US))
                if end > 0:
                    per_day[(d + 1) % 7].append(Span(0, end))
