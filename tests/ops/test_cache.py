"""Django's cache: CACHES from the environment, and the per-process values stamped in it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from motcua.env import cache_settings
from motcua.lib.memo import StampedMemo


def test_caches_come_from_cache_url():
    assert cache_settings("")["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    shared = cache_settings("redis://cache.internal:6379/1?socket_timeout=2")["default"]
    assert shared["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shared["LOCATION"] == "redis://cache.internal:6379/1?socket_timeout=2" and shared["KEY_PREFIX"] == "motcua"
    with pytest.raises(ValueError, match="CACHE_URL"):
        cache_settings("memcached://127.0.0.1:11211")


class Source:
    """The database a memo reads: counts the reads."""

    def __init__(self) -> None:
        self.value, self.reads = 1, 0

    def read(self) -> int:
        self.reads += 1
        return self.value


@pytest.fixture
def source():
    cache.delete("stamp:test")
    yield Source()
    cache.delete("stamp:test")


def test_a_value_is_built_once_and_again_after_forget(source):
    memo = StampedMemo("test", source.read, timeout=None)
    assert [memo.get() for _ in range(3)] == [1, 1, 1] and source.reads == 1
    source.value = 2
    memo.forget()
    assert memo.get() == 2 and source.reads == 2


def test_processes_sharing_the_cache_rebuild_when_one_forgets(source):
    # Two memos of the same name stand for two processes sharing one cache (CACHE_URL=redis://…).
    here, there = StampedMemo("test", source.read, timeout=None, recheck=0), StampedMemo("test", source.read, timeout=None, recheck=0)
    assert here.get() == there.get() == 1 and source.reads == 2
    assert there.get() == 1 and source.reads == 2  # same stamp: kept
    source.value = 2
    here.forget()
    assert here.get() == 2 and there.get() == 2 and source.reads == 4


def test_the_stamp_is_read_at_most_every_recheck_seconds(source):
    here, there = StampedMemo("test", source.read, timeout=None), StampedMemo("test", source.read, timeout=None)
    here.get(), there.get()
    source.value = 2
    here.forget()
    assert there.get() == 1  # within its second: the cache was not asked
    there._memo = there._memo.__class__(there._memo.stamp, there._memo.value, 0.0)  # the second has passed
    assert there.get() == 2


def test_an_expired_stamp_rebuilds(source):
    memo = StampedMemo("test", source.read, timeout=60, recheck=0)
    memo.get()
    cache.delete("stamp:test")  # what the timeout does after a minute
    memo.get()
    assert source.reads == 2


def test_a_cache_outage_keeps_the_value(source, monkeypatch, caplog):
    memo = StampedMemo("test", source.read, timeout=None, recheck=0)
    memo.get()

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "add", down)
    assert memo.get() == 1 and source.reads == 1
    assert "cache unavailable" in caplog.text
    fresh = StampedMemo("test", source.read, timeout=None, recheck=0)
    assert fresh.get() == 1 and source.reads == 2  # nothing kept yet: built from the database


def test_a_calendar_day_saved_in_another_process_is_seen(db):
    """With a shared cache the other processes' calendars follow a change (here: the stamp dropped)."""
    from motcua.dossiers import deadlines
    from motcua.units.models import CalendarDay

    saturday = date(2026, 12, 12)
    assert not deadlines.calendar().is_working_day(saturday)
    # Another process saved it: this one got no signal, only the stamp is gone from the shared cache.
    CalendarDay.objects.bulk_create([CalendarDay(unit=None, day=saturday, working=True)])
    cache.delete(deadlines._calendars.key)
    deadlines._calendars._memo = deadlines._calendars._memo.__class__(
        deadlines._calendars._memo.stamp, deadlines._calendars._memo.value, 0.0
    )
    assert deadlines.calendar().is_working_day(saturday)
    deadlines.forget_calendars()
