"""Domain events and their subscribers: who hears of a change, and in which order.

The actions layer announces what it changed; the rooms that keep a record of it
(the audit log, the outbox, the KPI counters) subscribe from their
`AppConfig.ready()`, so the actions layer imports none of them. A subscriber is
called synchronously, in ascending `order`, inside the caller's transaction: an
exception in any of them propagates and rolls the whole change back, so a change
is never committed without its record, nor a record without its change.

An event kind is a class with a `kind` string (`DossierChanged.kind` is
"dossier.changed"); subscribe with the class or its string. Payment or petition
events are new classes here, with subscribers of their own.

A subscriber may also ask to look at the subject before it changes (`before`):
the announcer calls `look_before` first and hands every answer back in the event
(`event.before[name]`). The KPI counters use this to subtract what a dossier
contributed before an action from what it contributes after.

Pure Python: no Django models, no other motcua app (the event names its subject
by duck type).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol


class Event(Protocol):
    kind: ClassVar[str]


Kind = type | str


@dataclass(frozen=True)
class DossierChanged:
    """One change of a dossier by an action (its submission included), as written to its history.

    `dossier`: the dossier after the change (saved); `history`: its new `DossierEvent` row;
    `first`: the dossier was created by this change (nothing was recorded about it before);
    `before`: what subscribers took of the dossier before the change, by subscriber name
    (empty for a submission: there was no dossier before).
    """

    kind: ClassVar[str] = "dossier.changed"

    dossier: Any
    history: Any
    action: str
    from_status: int | None
    actor: Any
    at: datetime
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    first: bool = False
    before: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultRevoked:
    """An issued result withdrawn by its agency (results/revocation.py): no dossier status changes.

    `result`: the `Result` after the change (saved, with `revoked_at`, `revoked_by`, `revocation_reason`).
    """

    kind: ClassVar[str] = "result.revoked"

    result: Any
    actor: Any
    at: datetime
    reason: str


@dataclass(frozen=True)
class CitizenSignedIn:
    """A citizen signed in with the national e-ID (identity/views.py), their identity number read from it.

    `user`: the citizen's account (with `citizen`, its profile); `personal_id`: the number the e-ID vouched for.
    The vault hands them the documents kept for that number while they had no account (vault/store.py).
    """

    kind: ClassVar[str] = "citizen.signed_in"

    user: Any
    personal_id: str
    at: datetime


@dataclass(frozen=True)
class PetitionChanged:
    """One change of a petition (feedback, petition, complaint) by petitions/actions, as written to its history.

    `petition`: the petition after the change (saved); `history`: its new `PetitionEvent`;
    `from_status` is "" for a filing; `before`: what subscribers took of the petition before the
    change (empty for a filing). `notify`: a mail the filer should receive now ({"to", "subject",
    "body"}), composed by the actions layer in the filer's language, or None.
    """

    kind: ClassVar[str] = "petition.changed"

    petition: Any
    history: Any
    action: str
    from_status: str
    actor: Any
    at: datetime
    reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    first: bool = False
    before: Mapping[str, Any] = field(default_factory=dict)
    notify: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Subscriber:
    name: str
    order: int
    handler: Callable[[Any], None]
    before: Callable[[Any], Any] | None = None


# kind → its subscribers, kept sorted by order (subscribing is rare, announcing is every action).
_subscribers: dict[str, tuple[Subscriber, ...]] = {}


def kind_of(kind: Kind) -> str:
    return kind if isinstance(kind, str) else kind.kind  # type: ignore[attr-defined]


def subscribe(
    kind: Kind, handler: Callable[[Any], None], *, order: int, name: str, before: Callable[[Any], Any] | None = None
) -> None:
    """Call `handler(event)` for every event of `kind`; `before(subject)` before each change, if given.

    A name subscribes once: subscribing it again replaces it (`ready()` may run more than once).
    """
    key = kind_of(kind)
    others = [s for s in _subscribers.get(key, ()) if s.name != name]
    _subscribers[key] = tuple(sorted([*others, Subscriber(name, order, handler, before)], key=lambda s: s.order))


def unsubscribe(kind: Kind, name: str) -> None:
    key = kind_of(kind)
    _subscribers[key] = tuple(s for s in _subscribers.get(key, ()) if s.name != name)


def subscribers(kind: Kind) -> tuple[Subscriber, ...]:
    """The subscribers of `kind`, in the order they are called."""
    return _subscribers.get(kind_of(kind), ())


def look_before(kind: Kind, subject: Any) -> dict[str, Any]:
    """What each subscriber that asks keeps of `subject` before it changes (by subscriber name)."""
    return {s.name: s.before(subject) for s in subscribers(kind) if s.before is not None}


def announce(event: Event) -> None:
    """Call the subscribers of the event's kind, in order; the first exception stops and propagates."""
    for s in _subscribers.get(event.kind, ()):
        s.handler(event)
