"""A task for the scale-out test: each run leaves one row, so a task run twice shows as two rows."""

from __future__ import annotations

import os

from django.db import connection
from django_tasks import task

TABLE = "scale_out_runs"


@task()
def record_run(n: int) -> int:
    with connection.cursor() as cursor:
        # RQ runs each job in a forked work horse: the parent is the worker.
        cursor.execute(f"INSERT INTO {TABLE} (n, pid) VALUES (%s, %s)", [n, os.getppid()])  # noqa: S608 - constant
    return n
