"""`perform` writes the columns the action changed (and the JSON ones), not the whole row (docs/operations.md,
issue 22): the row stored must still be the dossier as the action left it, column for column, as the full-row
save wrote it. And the steps an action reads are the related manager's, each with its unit (given the
dossier's own when all the procedure's steps are there). Checked after every action of every path of a dossier's life, for a procedure whose steps stay
at the receiving unit and for one with steps at other units.
"""

from __future__ import annotations

import pytest

from motcua.dossiers.actions import context, transitions
from motcua.dossiers.models import Dossier
from tests.dossiers import lifecycle_paths
from tests.walker import DEFINITIONS, other_unit_steps

COLUMNS = [f.attname for f in Dossier._meta.concrete_fields]
INTER_AGENCY = next(n for n in lifecycle_paths.NAMES if other_unit_steps(DEFINITIONS[n]))
PROCEDURES = sorted({lifecycle_paths.NAMES[0], INTER_AGENCY})


@pytest.fixture
def rows_checked(monkeypatch):
    """After each of perform's UPDATEs: the stored row is the dossier in hand (what a full-row save leaves)."""
    written: list[list[str]] = []
    real = transitions.update

    def checked(obj, update_fields=None, using="default"):
        real(obj, update_fields, using)
        if isinstance(obj, Dossier):
            stored = Dossier.objects.filter(pk=obj.pk).values(*COLUMNS).get()
            assert stored == {c: getattr(obj, c) for c in COLUMNS}
            written.append(list(update_fields or COLUMNS))

    monkeypatch.setattr(transitions, "update", checked)

    real_tasks = context._tasks_of

    def tasks_checked(dossier):
        # The steps as the related manager reads them, each with its unit (the dossier's own, when it is there).
        tasks = real_tasks(dossier)
        expected = list(dossier.tasks.select_related("unit", "assignee").order_by("id"))
        assert sorted((t.pk, t.unit.pk, t.unit.path, t.assignee_id, t.status) for t in tasks) == [
            (t.pk, t.unit.pk, t.unit.path, t.assignee_id, t.status) for t in expected]
        assert all(t.dossier is dossier for t in tasks)
        return tasks

    monkeypatch.setattr(context, "_tasks_of", tasks_checked)
    return written


# Only the (path, procedure) pairs the path applies to: a pair that does not apply is not a case, not a skip.
CASES = [(path, name) for path in [p for p in lifecycle_paths.PATHS if p != "happy_path"] + ["happy_path"]
         for name in PROCEDURES if name in lifecycle_paths.PATHS[path][1]]


@pytest.mark.parametrize(("path", "name"), CASES)
def test_each_action_leaves_the_row_a_full_save_would(request, demo, rows_checked, path, name):
    lifecycle_paths.walk(request, path, name)
    assert rows_checked, "no action ran through perform"
    # Not the whole row: the columns an action changed, and the JSON ones.
    assert all(len(names) < len(COLUMNS) - 10 for names in rows_checked), rows_checked
