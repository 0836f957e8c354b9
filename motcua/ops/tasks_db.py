"""The database task backend (TASKS_BACKEND=database), its row written by an INSERT compiled once.

Every action wakes the outbox's delivery with a task row written in the action's transaction
(notifications/subscribers.py): django-tasks-db's `DBTaskResult.objects.create(...)` built and
compiled that INSERT of fourteen columns on each request. This backend writes the same row with the
same values (`_task_to_db_task` as the library's, its `pre_save` receiver included, but for
`lib.compiled.insert`), and `enqueue` builds the row's task result once (the library's built it
twice, for its signal and for its answer: the task imported by path, copied, and wrapped each time);
its signal and everything else are the library's.
"""

from __future__ import annotations

from typing import Any

from django.db import router
from django.db.models.signals import pre_save
from django_tasks_db.backend import DatabaseBackend as LibraryBackend
from django_tasks_db.compat import normalize_json, task_enqueued

from motcua.lib.compiled import insert


class DatabaseBackend(LibraryBackend):
    def _task_to_db_task(self, task, args, kwargs) -> Any:
        from django_tasks_db.models import DBTaskResult

        row = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        using = router.db_for_write(DBTaskResult)  # the database `objects.create` writes to
        # What save() sends first: the library's receiver sets a missing run_after (a row to run at once).
        pre_save.send(sender=DBTaskResult, instance=row, raw=False, using=using, update_fields=None)
        insert(row, using=using, pre_save_sent=True)
        return row

    def enqueue(self, task, args, kwargs) -> Any:
        """The library's `enqueue`: the same row, signal and answer, the answer built once and sent with the signal."""
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result
