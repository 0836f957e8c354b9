"""Dossier codes: {unit e-ID code}-{yyMMdd}-{4-digit daily sequence}."""

from __future__ import annotations

from datetime import date

from django.db import connection

from motcua.dossiers.models import DailySequence


def next_sequence(unit_id: int, day: date) -> int:
    """Atomically take the next number of the unit's day.

    One upsert statement (INSERT … ON CONFLICT … RETURNING) on both SQLite and
    PostgreSQL: concurrent submissions serialize on the row, never read the same
    value, and no first-of-the-day race exists.
    """
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (unit_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (unit_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [unit_id, day],
        )
        return int(cursor.fetchone()[0])


def format_code(unit_code: str, day: date, sequence: int) -> str:
    return f"{unit_code}-{day:%y%m%d}-{sequence:04d}"
