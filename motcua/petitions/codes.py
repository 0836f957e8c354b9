"""Petition codes: PAKN-{yyMMdd}-{4-digit daily sequence} (one sequence for the whole installation)."""

from __future__ import annotations

from datetime import date

from django.db import connection

from motcua.petitions.models import PetitionSequence


def next_code(day: date) -> str:
    # One upsert (INSERT … ON CONFLICT … RETURNING) on SQLite and PostgreSQL alike: no two filings
    # read the same number, as the dossiers' codes (dossiers/codes.py).
    table = PetitionSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        sequence = int(cursor.fetchone()[0])
    return f"PAKN-{day:%y%m%d}-{sequence:04d}"
