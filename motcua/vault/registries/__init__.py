"""Registry adapters (once-only): where the state already holds a citizen's data.

A registry answers `lookup(key)` with a `Record` (its attributes), None when it
holds nothing under that key, or raises `RegistryUnavailable` when it cannot be
asked now (down, slow, answering nonsense). Which adapter serves a registry code
is decided by the settings on each call:

- `REGISTRY_<CODE>_URL` set: the HTTP adapter (`http.py`), a JSON GET to `<url>/<key>`;
- otherwise, with `DEMO_REGISTRY_ENABLED`: the bundled synthetic data (`demo.py`),
  in-process, so a one-process demo server never waits on a request to itself;
- otherwise: no adapter, the field stays for the applicant to fill in.

In-process adapters are plugins: `@register("code")` on a class with the protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings

from motcua.catalog import vocab
from motcua.catalog.models import localized


@dataclass(frozen=True)
class Record:
    registry: str
    key: str
    attributes: Mapping[str, object] = field(default_factory=dict)

    def get(self, name: str) -> object | None:
        """An attribute; "a.b" reads inside a nested object."""
        value: object = self.attributes
        for part in name.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return None
            value = value[part]
        return value


class RegistryUnavailable(Exception):
    """The registry cannot be asked now; the caller tells the user and carries on without it."""

    def __init__(self, registry: str, reason: str) -> None:
        super().__init__(f"{registry}: {reason}")
        self.registry = registry
        self.reason = reason


class Registry(Protocol):
    code: str

    @property
    def label(self) -> str: ...

    def lookup(self, key: str) -> Record | None: ...


def label_of(code: str) -> str:
    """The registry's name in the user's language."""
    return localized(vocab.current().name("registries", code)) or code


_PLUGINS: dict[str, Callable[[], Registry]] = {}


def register(code: str) -> Callable[[type], type]:
    """Make an in-process adapter class the demo adapter of `code`."""

    def wrap(cls: type) -> type:
        _PLUGINS[code] = cls
        return cls

    return wrap


def get(code: str) -> Registry | None:
    """The adapter that serves `code` under the current settings, or None."""
    url = getattr(settings, "REGISTRY_URLS", {}).get(code)
    if url:
        from motcua.vault.registries.http import HttpRegistry

        return HttpRegistry(code, url, timeout=settings.REGISTRY_TIMEOUT_SECONDS)
    if getattr(settings, "DEMO_REGISTRY_ENABLED", False):
        from motcua.vault.registries import demo  # noqa: F401  (registers the demo plugins)

        factory = _PLUGINS.get(code)
        return factory() if factory is not None else None
    return None


def subject_key(code: str, user) -> str | None:
    """The key under which a person registry holds this user, or None."""
    # Registries whose records are about one person (`person: true` in the catalog) are keyed by the
    # personal ID; the others (enterprise, land) by what the dossier names (a tax code, a parcel).
    if code not in vocab.current().person_registries:
        return None
    citizen = getattr(user, "citizen", None)
    return getattr(citizen, "personal_id", None) or None
