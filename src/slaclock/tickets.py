"""Tickets and their histories: the events an SLA clock replays.

A :class:`Ticket` has an id, the severity it had at creation, attributes
(customer tier, channel, region, ...) and a history: events in time order,
each with an aware instant. Creation is the first event (SEMANTICS "Tickets,
targets and the SLA clock"). The event kinds are small frozen values:
:class:`StatusChange`, :class:`AgentReply`, :class:`CustomerReply`,
:class:`Update`, :class:`Assignment`, :class:`SeverityChange` and
:class:`Cancel`.

Building a ticket checks what a ticket alone can tell (aware instants, time
order, well-formed events); :meth:`Ticket.check` checks it against ``now``
and a policy's vocabulary (events after ``now``, unknown statuses and
severities).

.. versionadded:: 0.1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import attrs

from slaclock._instants import from_us, to_us
from slaclock.errors import (
    FutureEventError,
    InputError,
    UnknownSeverityError,
    UnknownStatusError,
    UnorderedHistoryError,
)

__all__ = [
    "AgentReply",
    "Assignment",
    "Cancel",
    "CustomerReply",
    "Event",
    "SeverityChange",
    "StatusChange",
    "Ticket",
    "Update",
]


def _instant(value: object, field: str) -> dt.datetime:
    """An aware instant, as a UTC datetime (SEMANTICS: instants compare in UTC)."""
    return from_us(to_us(value, field))


def _text(value: object, field: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, value, f"must be non-empty text ({what})")
    return value


def _label(what: str) -> Any:
    """An attrs validator: the field holds non-empty text."""

    def check(_: object, attribute: attrs.Attribute[str], value: object) -> None:
        _text(value, attribute.name, what)

    return check


@attrs.frozen
class Event:
    """Base of every history event: something that happened at instant ``at``.

    ``at`` must be timezone-aware; it is kept as a UTC datetime.
    """

    at: dt.datetime
    kind: ClassVar[str] = "event"

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "at", _instant(self.at, "at"))


@attrs.frozen
class StatusChange(Event):
    """The ticket moved to ``status`` (a label of the policy's status mapping)."""

    status: str = attrs.field(kw_only=True, validator=_label("a status such as 'open'"))
    kind: ClassVar[str] = "status"


@attrs.frozen
class AgentReply(Event):
    """An agent answered the customer; ``public=False`` for an internal note."""

    public: bool = attrs.field(default=True, kw_only=True)
    kind: ClassVar[str] = "agent_reply"

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if not isinstance(self.public, bool):
            raise InputError("public", self.public, "must be True or False")


@attrs.frozen
class CustomerReply(Event):
    """The customer wrote (a message on the ticket)."""

    kind: ClassVar[str] = "customer_reply"


@attrs.frozen
class Update(Event):
    """An update was posted (for periodic-update targets)."""

    kind: ClassVar[str] = "update"


@attrs.frozen
class Assignment(Event):
    """The ticket was assigned to ``team`` (a team, tier or vendor)."""

    team: str = attrs.field(kw_only=True, validator=_label("a team or tier such as 'tier1'"))
    kind: ClassVar[str] = "assignment"


@attrs.frozen
class SeverityChange(Event):
    """The ticket's severity changed to ``severity``."""

    severity: str = attrs.field(kw_only=True, validator=_label("a severity label such as 'P2'"))
    kind: ClassVar[str] = "severity"


@attrs.frozen
class Cancel(Event):
    """The ticket stopped needing service (merged, spam, withdrawn): its targets are cancelled."""

    reason: str = attrs.field(default="", kw_only=True)
    kind: ClassVar[str] = "cancel"


def _history(value: object) -> tuple[Event, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InputError("history", value, "must be a sequence of events")
    return tuple(value)


def _attributes(value: object) -> tuple[tuple[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InputError("attributes", value, "must be a mapping of name to value")
    for key in value:
        if not isinstance(key, str):
            raise InputError(f"attributes[{key!r}]", key, "attribute names must be text")
    return tuple(sorted(value.items()))


@attrs.frozen
class Ticket:
    """A ticket: id, severity at creation, ordered history, attributes.

    Parameters
    ----------
    id
        The ticket's id (text or a whole number).
    severity
        Its severity at creation (the policy's label, such as ``"P2"``).
    history
        Events in time order, creation first. Events at the same instant
        apply in the order given.
    attributes
        Facts the policy selects on (``{"tier": "gold", "region": "emea"}``).

    Raises
    ------
    NaiveDatetimeError
        For an event instant without a zone: raised when the event is built
        (field ``at``), before the ticket sees it.
    UnorderedHistoryError
        For an event earlier than the one before it.

    Examples
    --------
    >>> import datetime as dt
    >>> t0 = dt.datetime(2024, 3, 8, 15, tzinfo=dt.UTC)
    >>> ticket = Ticket("T-1", "P2", [
    ...     StatusChange(t0, status="new"),
    ...     AgentReply(t0 + dt.timedelta(minutes=20)),
    ...     StatusChange(t0 + dt.timedelta(hours=3), status="solved"),
    ... ], attributes={"tier": "gold"})
    >>> ticket.created_at
    datetime.datetime(2024, 3, 8, 15, 0, tzinfo=datetime.timezone.utc)
    >>> ticket.attributes["tier"]
    'gold'

    .. versionadded:: 0.1
    """

    id: str | int
    severity: str
    history: tuple[Event, ...] = attrs.field(converter=_history)
    _attributes: tuple[tuple[str, Any], ...] = attrs.field(
        default=None, converter=_attributes, alias="attributes"
    )

    def __attrs_post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, (str, int)) or self.id == "":
            raise InputError("id", self.id, "must be non-empty text or a whole number")
        _text(self.severity, "severity", "a severity label such as 'P2'")
        if not self.history:
            raise InputError("history", self.history, "must hold at least the creation event")
        for i, event in enumerate(self.history):
            if not isinstance(event, Event):
                raise InputError(
                    f"history[{i}]", event, "must be an event (StatusChange, AgentReply, ...)"
                )
            if i and event.at < self.history[i - 1].at:
                raise UnorderedHistoryError(
                    f"history[{i}].at",
                    event.at,
                    f"is before history[{i - 1}].at ({self.history[i - 1].at.isoformat()})",
                    "events must be in time order; same-instant events keep the order given",
                )

    @property
    def attributes(self) -> Mapping[str, Any]:
        """The ticket's attributes (read-only)."""
        return MappingProxyType(dict(self._attributes))

    @property
    def created_at(self) -> dt.datetime:
        """The instant of the first event (UTC)."""
        return self.history[0].at

    def check(
        self,
        *,
        now: dt.datetime,
        statuses: Iterable[str] | None = None,
        severities: Iterable[str] | None = None,
    ) -> None:
        """Check the ticket against ``now`` and a policy's vocabulary.

        Raises
        ------
        FutureEventError
            For an event later than ``now`` (an event at ``now`` counts).
        UnknownStatusError, UnknownSeverityError
            For a label the policy does not know; the message lists the known ones.
        """
        now_dt = _instant(now, "now")
        known_statuses = None if statuses is None else sorted(set(statuses))
        known_severities = None if severities is None else list(dict.fromkeys(severities))
        if known_severities is not None and self.severity not in known_severities:
            raise UnknownSeverityError(
                "severity",
                self.severity,
                f"is not a severity of the policy (known: {_names(known_severities)})",
            )
        for i, event in enumerate(self.history):
            if event.at > now_dt:
                raise FutureEventError(
                    f"history[{i}].at", event.at, f"is after now ({now_dt.isoformat()})"
                )
            if (
                known_statuses is not None
                and isinstance(event, StatusChange)
                and event.status not in known_statuses
            ):
                raise UnknownStatusError(
                    f"history[{i}].status",
                    event.status,
                    f"is not a status of the policy (known: {_names(known_statuses)})",
                )
            if (
                known_severities is not None
                and isinstance(event, SeverityChange)
                and event.severity not in known_severities
            ):
                raise UnknownSeverityError(
                    f"history[{i}].severity",
                    event.severity,
                    f"is not a severity of the policy (known: {_names(known_severities)})",
                )


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)
