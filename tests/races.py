"""Run calls at the same instant, each in its own thread and its own database connection.

The concurrency tests (idempotency, two officers on one step) need real parallel transactions:
a barrier releases every thread at once, each closes its connection when done, and a call that
never returns fails the test instead of hanging it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Each call's return value, in order; the first exception a call raised is raised here."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            out[i] = calls[i]()
        except BaseException as exc:  # handed to the test's thread below
            out[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a call never finished (deadlock?)"
    for o in out:
        if isinstance(o, BaseException):
            raise o
    return out
