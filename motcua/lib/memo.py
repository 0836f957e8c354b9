"""A value each process keeps in memory, rebuilt when its stamp in Django's cache changes.

For what is read on every submission and action but changes a few times a year
(the working-day calendar overrides, how deadlines are compared). Keeping the
value itself in Django's cache would unpickle it on every read (LocMemCache
pickles too, and Redis adds a round trip); so only a small stamp lives there,
and the value stays in the process, built from the database again when the
stamp it was built under is gone or replaced:

- `timeout` on the stamp bounds how long any process keeps a value (None: until
  `forget`);
- `forget()` (a model signal) drops the stamp and this process's value: with a
  shared cache (CACHE_URL=redis://…) every process rebuilds, with the default
  per-process cache this one does;
- the stamp is looked at no more than every `recheck` seconds, so the hot path
  is a clock read, as fast as the module globals this replaces.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

T = TypeVar("T")
RECHECK_SECONDS = 1.0


@dataclass(frozen=True)
class _Memo(Generic[T]):
    stamp: str
    value: T
    fresh_until: float  # time.monotonic() until which the stamp is not looked at again


class StampedMemo(Generic[T]):
    def __init__(self, name: str, build: Callable[[], T], *, timeout: float | None, recheck: float = RECHECK_SECONDS) -> None:
        self.key = f"stamp:{name}"  # KEY_PREFIX (settings) adds "motcua:" in a shared cache
        self.build = build
        self.timeout = timeout
        self.recheck = recheck
        self._memo: _Memo[T] | None = None

    def get(self) -> T:
        memo = self._memo  # one read: another thread may replace it (never mutate it) meanwhile
        now = time.monotonic()
        if memo is not None and now < memo.fresh_until:
            return memo.value
        stamp = self._stamp(memo)
        if memo is not None and memo.stamp == stamp:
            memo = _Memo(stamp, memo.value, now + self.recheck)
        else:
            memo = _Memo(stamp, self.build(), now + self.recheck)
        self._memo = memo
        return memo.value

    def forget(self, **_signal_kwargs: object) -> None:
        """Rebuild at the next read, here and (with a shared cache) in every process.

        Called from post_save/post_delete, i.e. inside the transaction: another
        process rebuilding now would read the database without the change, so
        the stamp is dropped again once the change is committed.
        """
        self._memo = None
        self._drop_stamp()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(self._drop_stamp)

    def _stamp(self, memo: _Memo[T] | None) -> str:
        try:
            stamp = cache.get(self.key)
            if stamp is None:
                new = secrets.token_hex(8)
                # add, not set: of processes arriving together, the first stamp wins and all build under it.
                stamp = new if cache.add(self.key, new, self.timeout) else (cache.get(self.key) or new)
            return stamp
        except Exception:  # the cache is an optimisation: a Redis outage must not fail a submission
            log.warning("cache unavailable for %s; keeping this process's value", self.key, exc_info=True)
            return memo.stamp if memo is not None else secrets.token_hex(8)

    def _drop_stamp(self) -> None:
        try:
            cache.delete(self.key)
        except Exception:
            log.warning("cache unavailable: %s not dropped", self.key, exc_info=True)
