"""Where holidays come from: :class:`HolidaySource`.

A source is a frozen *request*: to the ``holidays`` package (a country with
its subdivision, categories and observed days, or a financial market), or a
fixed set of dates (given directly or read from an ICS file). Years are
looked up lazily, so a calendar works for any year. The ``holidays`` package
is imported only when a source of that kind is built.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import warnings
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal

import attrs

from slaclock._instants import parse_date
from slaclock._recurrence import Expansion, canonical_rule, check_dates_rule
from slaclock.errors import HolidayDataWarning, InputError, UnknownHolidaySourceError

__all__ = ["HolidaySource"]

Kind = Literal["country", "financial", "dates"]


def _sorted_tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """Categories, sorted; the package's default ("public" alone) is stored as ()."""
    if values is None:
        return ()
    out = (values,) if isinstance(values, str) else tuple(sorted(set(values)))
    return () if out == ("public",) else out


@attrs.frozen(repr=False)
class HolidaySource:
    """A frozen request for holiday dates.

    Build it with :meth:`country`, :meth:`financial`, :meth:`dates`,
    :meth:`ics` or :meth:`from_holidays`. Equal requests are equal values.

    Examples
    --------
    >>> import datetime as dt
    >>> src = HolidaySource.dates([dt.date(2024, 12, 25)], name="office")
    >>> src.contains(dt.date(2024, 12, 25))
    True
    >>> src
    HolidaySource.dates(['2024-12-25'], name='office')

    .. versionadded:: 0.1
    """

    kind: Kind
    code: str = ""
    subdiv: str | None = None
    categories: tuple[str, ...] = ()
    observed: bool = True
    entries: tuple[tuple[dt.date, str], ...] = ()
    rules: tuple[tuple[str, str, int], ...] = ()
    name: str = ""

    # ---- constructors -------------------------------------------------------------

    @classmethod
    def country(
        cls,
        code: str,
        *,
        subdiv: str | None = None,
        categories: Iterable[str] | str | None = None,
        observed: bool = True,
    ) -> HolidaySource:
        """Public holidays of a country (ISO 3166 code) from the ``holidays`` package.

        Raises
        ------
        UnknownHolidaySourceError
            If the package knows no such country, subdivision or category.
        """
        _check_request("country", code, subdiv, categories, observed)
        return cls("country", code, subdiv, _sorted_tuple(categories), observed)._check()

    @classmethod
    def financial(
        cls,
        market: str,
        *,
        categories: Iterable[str] | str | None = None,
        observed: bool = True,
    ) -> HolidaySource:
        """Closing days of a financial market (``"NYSE"``, ``"XLON"``, ...) from ``holidays``."""
        _check_request("financial", market, None, categories, observed)
        return cls("financial", market, None, _sorted_tuple(categories), observed)._check()

    @classmethod
    def dates(
        cls, dates: Iterable[dt.date | str] | dict[dt.date, str], *, name: str = ""
    ) -> HolidaySource:
        """A fixed set of dates (``datetime.date`` or ISO text); a mapping gives names too."""
        if isinstance(dates, dict):
            items = [
                (parse_date(d, f"holidays[{i}]"), str(n)) for i, (d, n) in enumerate(dates.items())
            ]
        else:
            items = [(parse_date(d, f"holidays[{i}]"), "holiday") for i, d in enumerate(dates)]
        merged: dict[dt.date, str] = {}
        for d, n in items:
            merged.setdefault(d, n)
        return cls("dates", entries=tuple(sorted(merged.items())), name=name)

    @classmethod
    def ics(cls, path: str | os.PathLike[str]) -> HolidaySource:
        """All-day events of an iCalendar (``.ics``) file, read with ``icalendar``.

        Multi-day events cover each of their dates; ``RRULE`` recurrences (with
        their ``EXDATE`` and ``RDATE``) are expanded lazily with ``dateutil``.
        Timed events are skipped with a
        :class:`~slaclock.errors.HolidayDataWarning`: a meeting is not a closed
        day. The file is read once, here.
        """
        import icalendar

        field = f"holidays.ics({os.fspath(path)!r})"
        try:
            with open(path, "rb") as fh:
                cal = icalendar.Calendar.from_ical(fh.read())
        except OSError as exc:
            raise UnknownHolidaySourceError(
                field, os.fspath(path), f"cannot be read ({exc.strerror})"
            ) from exc
        except ValueError as exc:
            raise UnknownHolidaySourceError(
                field, os.fspath(path), f"is not iCalendar data ({exc})"
            ) from exc
        entries: dict[dt.date, str] = {}
        rules: list[tuple[str, str, int]] = []
        timed = 0
        for i, ev in enumerate(cal.walk("VEVENT")):
            name = str(ev.get("SUMMARY", "holiday"))
            start_prop = ev.get("DTSTART")
            if start_prop is None:
                raise UnknownHolidaySourceError(
                    f"{field}.events[{i}]", name, "event has no DTSTART"
                )
            if isinstance(start_prop.dt, dt.datetime):
                timed += 1  # a meeting, not a closed day: holidays are all-day events
                continue
            start = _as_date(start_prop.dt)
            end_prop = ev.get("DTEND")
            if end_prop is not None:
                days = max(1, (_as_date(end_prop.dt) - start).days)
            elif ev.get("DURATION") is not None:
                days = max(1, ev.get("DURATION").dt.days)
            else:
                days = 1
            rrule = ev.get("RRULE")
            if rrule is not None:
                lines = [f"DTSTART:{start:%Y%m%d}", f"RRULE:{rrule.to_ical().decode()}"]
                for key in ("EXDATE", "RDATE"):
                    values = ev.get(key)
                    for v in values if isinstance(values, list) else [values] if values else []:
                        lines.append(f"{key}:{v.to_ical().decode()}")
                try:
                    text = canonical_rule("\n".join(lines), f"{field}.events[{i}]")
                    check_dates_rule(text, name, f"{field}.events[{i}]", "a holiday event")
                except InputError as exc:
                    raise UnknownHolidaySourceError(
                        exc.field, exc.value, exc.problem, exc.hint
                    ) from exc
                rules.append((text, name, days))
            else:
                for k in range(days):
                    entries.setdefault(start + dt.timedelta(days=k), name)
        if timed:
            warnings.warn(
                HolidayDataWarning(
                    f"{field}: {timed} timed event(s) skipped; only all-day events are holidays"
                ),
                stacklevel=2,
            )
        return cls(
            "dates",
            entries=tuple(sorted(entries.items())),
            rules=tuple(rules),
            name=os.fspath(path),
        )

    @classmethod
    def from_holidays(cls, obj: Any) -> HolidaySource:
        """Read a ``holidays`` object as the request it stands for.

        It is never iterated (it is empty until looked up): its country or
        market, subdivision, categories and ``observed`` flag are taken.
        """
        market = getattr(obj, "market", None)
        country = getattr(obj, "country", None)
        cats = getattr(obj, "categories", None)
        observed = bool(getattr(obj, "observed", True))
        if market:
            return cls.financial(market, categories=cats, observed=observed)
        if country:
            return cls.country(
                country, subdiv=getattr(obj, "subdiv", None), categories=cats, observed=observed
            )
        raise UnknownHolidaySourceError(
            "holidays", obj, "is not a country or market holidays object"
        )

    @classmethod
    def coerce(cls, value: object, field: str = "holidays") -> tuple[HolidaySource, ...]:
        """Read what ``Calendar.weekly(holidays=...)`` accepts into a tuple of sources.

        One source, a ``holidays`` object, an iterable of sources, or an
        iterable of dates (which becomes one ``dates`` source).
        """
        if value is None:
            return ()
        if isinstance(value, HolidaySource):
            return (value,)
        if _is_holidays_object(value):
            return (cls.from_holidays(value),)
        if isinstance(value, (str, bytes, dt.date)) or not isinstance(value, Iterable):
            raise InputError(
                field,
                value,
                "must be a HolidaySource, a holidays object, or an iterable of them or of dates",
            )
        items = list(value)
        sources: list[HolidaySource] = []
        loose: list[dt.date | str] = []
        for i, item in enumerate(items):
            if isinstance(item, HolidaySource):
                sources.append(item)
            elif _is_holidays_object(item):
                sources.append(cls.from_holidays(item))
            elif isinstance(item, (dt.date, str)):
                loose.append(parse_date(item, f"{field}[{i}]"))
            else:
                raise InputError(
                    f"{field}[{i}]", item, "must be a HolidaySource, a holidays object or a date"
                )
        if loose:
            sources.append(cls.dates(loose))
        return tuple(sources)

    # ---- lookups ------------------------------------------------------------------

    def names_in_year(self, year: int) -> Mapping[dt.date, str]:
        """Holidays of ``year`` with their names (cached per year on this value, read-only)."""
        cache = self._year_cache
        hit = cache.get(year)
        if hit is None:
            hit = MappingProxyType(self._compute_year(year))
            cache[year] = hit  # a dict store is atomic; two threads compute the same value
        return hit

    def contains(self, day: dt.date) -> bool:
        """True if ``day`` is a holiday of this source."""
        return day in self.names_in_year(day.year)

    @functools.cached_property
    def _year_cache(self) -> dict[int, MappingProxyType[dt.date, str]]:
        return {}

    @functools.cached_property
    def _expansions(self) -> list[Expansion]:
        return [Expansion(text) for text, _, _ in self.rules]

    def _compute_year(self, year: int) -> dict[dt.date, str]:
        if self.kind == "dates":
            out = {d: n for d, n in self.entries if d.year == year}
            for (_, name, days), expansion in zip(self.rules, self._expansions, strict=True):
                lo = (
                    dt.date(year, 1, 1) - dt.timedelta(days=days - 1)
                    if year > 1
                    else dt.date(1, 1, 1)
                )
                for occ in expansion.dates_between(lo, dt.date(year, 12, 31)):
                    for k in range(days):
                        d = occ + dt.timedelta(days=k)
                        if d.year == year:
                            out.setdefault(d, name)
            return out
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            found = {d: str(n) for d, n in self._holidays_object(year).items()}
        for w in caught:  # e.g. "available only from 2001 to 2035": the year is partial
            warnings.warn(HolidayDataWarning(f"{self!r}, year {year}: {w.message}"), stacklevel=4)
        return found

    def _holidays_object(self, years: int | list[int]) -> Any:
        import holidays

        kwargs: dict[str, Any] = {"years": years, "observed": self.observed}
        if self.categories:
            kwargs["categories"] = self.categories
        if self.kind == "country":
            return holidays.country_holidays(self.code, subdiv=self.subdiv, **kwargs)
        return holidays.financial_holidays(self.code, **kwargs)

    def _check(self) -> HolidaySource:
        """Ask the package about this request; return it with the package's own code.

        The code is canonical: ``financial("NYSE")`` and ``financial("XNYS")``
        are one market, so one value.
        """
        what = "country" if self.kind == "country" else "market"
        try:
            obj = self._holidays_object([])
        except NotImplementedError as exc:
            value: object = self.code
            problem = f"is not a {what} the holidays package knows ({exc})"
            field = f"holidays.{self.kind}"
            if self.subdiv is not None and "subdivision" in str(exc):
                field, value, problem = (
                    "holidays.subdiv",
                    self.subdiv,
                    f"is not a subdivision of {self.code}",
                )
            raise UnknownHolidaySourceError(field, value, problem) from exc
        except (ValueError, TypeError) as exc:
            raise UnknownHolidaySourceError(
                "holidays.categories",
                self.categories,
                f"is not accepted by the holidays package ({exc})",
            ) from exc
        code = getattr(obj, "market" if self.kind == "financial" else "country", None)
        return attrs.evolve(self, code=code) if isinstance(code, str) and code else self

    # ---- serialisation ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able mapping that :meth:`from_dict` reads back to an equal source."""
        if self.kind == "dates":
            d: dict[str, Any] = {"dates": {k.isoformat(): n for k, n in self.entries}}
            if self.rules:
                d["rules"] = [{"rule": r, "name": n, "days": k} for r, n, k in self.rules]
            if self.name:
                d["name"] = self.name
            return d
        d = {self.kind: self.code}
        if self.subdiv is not None:
            d["subdiv"] = self.subdiv
        if self.categories:
            d["categories"] = list(self.categories)
        if not self.observed:
            d["observed"] = False
        return d

    @classmethod
    def from_dict(cls, data: object, field: str = "holidays") -> HolidaySource:
        """Read the mapping written by :meth:`to_dict`."""
        if not isinstance(data, dict):
            raise InputError(field, data, "must be a mapping such as {'country': 'US'}")
        known = {
            "country",
            "financial",
            "subdiv",
            "categories",
            "observed",
            "dates",
            "rules",
            "name",
        }
        for key in data:
            if key not in known:
                raise InputError(
                    f"{field}.{key}",
                    data[key],
                    f"is not a holiday source key (known: {sorted(known)})",
                )
        try:
            if "country" in data or "financial" in data:
                kind = "country" if "country" in data else "financial"
                extra: dict[str, Any] = {"subdiv": data.get("subdiv")} if kind == "country" else {}
                return getattr(cls, kind)(  # type: ignore[no-any-return]
                    data[kind],
                    categories=data.get("categories"),
                    observed=data.get("observed", True),
                    **extra,
                )
            if "dates" in data:
                dates = data["dates"]
                if not isinstance(dates, (list, dict)):
                    raise InputError(
                        "holidays.dates",
                        dates,
                        "must be a list of dates or a mapping of date to name",
                    )
                src = cls.dates(dates, name=str(data.get("name", "")))
                rules = data.get("rules", [])
                if not isinstance(rules, list):
                    raise InputError("holidays.rules", rules, "must be a list")
                parsed = tuple(_read_rule(r, f"holidays.rules[{i}]") for i, r in enumerate(rules))
                return attrs.evolve(src, rules=parsed) if parsed else src
        except InputError as exc:
            # errors of the constructors name "holidays...": put them under this path
            path = field + exc.field.removeprefix("holidays")
            raise type(exc)(path, exc.value, exc.problem, exc.hint) from exc
        raise InputError(field, data, "needs one of 'country', 'financial' or 'dates'")

    def __repr__(self) -> str:
        if self.kind == "dates":
            shown = [d.isoformat() for d, _ in self.entries[:5]]
            more = ", ..." if len(self.entries) > 5 else ""
            extra = f", name={self.name!r}" if self.name else ""
            rules = f", rules={len(self.rules)}" if self.rules else ""
            return f"HolidaySource.dates({shown!r}{more}{extra}{rules})".replace(
                "'], ...", "', ...]"
            )
        args = [repr(self.code)]
        if self.subdiv is not None:
            args.append(f"subdiv={self.subdiv!r}")
        if self.categories:
            args.append(f"categories={list(self.categories)!r}")
        if not self.observed:
            args.append("observed=False")
        return f"HolidaySource.{self.kind}({', '.join(args)})"


def _check_request(
    kind: str, code: object, subdiv: object, categories: object, observed: object
) -> None:
    """Type checks before the holidays package sees the request."""
    if not isinstance(code, str) or not code:
        raise UnknownHolidaySourceError(
            f"holidays.{kind}", code, "must be a code such as 'US' or 'NYSE'"
        )
    if subdiv is not None and not isinstance(subdiv, str):
        raise UnknownHolidaySourceError(
            "holidays.subdiv", subdiv, "must be a subdivision code such as 'CA'"
        )
    bad_categories = categories is not None and not isinstance(categories, str)
    if bad_categories and (
        not isinstance(categories, Iterable) or not all(isinstance(c, str) for c in categories)
    ):
        raise UnknownHolidaySourceError(
            "holidays.categories", categories, "must be a category name or a list of them"
        )
    if not isinstance(observed, bool):
        raise InputError("holidays.observed", observed, "must be true or false")


def _read_rule(value: object, field: str) -> tuple[str, str, int]:
    """One entry of a dates source's ``rules``: ``{'rule': ..., 'name': ..., 'days': ...}``."""
    if not isinstance(value, dict) or not isinstance(value.get("rule"), str):
        raise InputError(
            field, value, "must be {'rule': 'DTSTART:...\\nRRULE:...', 'name': ..., 'days': 1}"
        )
    days = value.get("days", 1)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InputError(f"{field}.days", days, "must be a whole number of days >= 1")
    text = canonical_rule(value["rule"], f"{field}.rule")
    check_dates_rule(text, value["rule"], f"{field}.rule", "a holiday rule")
    return text, str(value.get("name", "holiday")), days


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise InputError("holidays.ics", value, "DTSTART/DTEND must be a date or a datetime")


def _is_holidays_object(value: object) -> bool:
    mod = type(value).__module__
    return mod.startswith("holidays.") and isinstance(value, dict)
