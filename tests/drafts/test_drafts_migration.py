"""The Draft model moved from portal to drafts without touching its table (no copy, no loss)."""

from __future__ import annotations

import importlib

from django.db import connection, migrations

from motcua.drafts.models import Draft

portal_step = importlib.import_module("motcua.portal.migrations.0002_draft_moves_to_drafts")
drafts_step = importlib.import_module("motcua.drafts.migrations.0001_initial")


def _database_work(migration) -> list:
    done = []
    for operation in migration.operations:
        assert isinstance(operation, migrations.SeparateDatabaseAndState)
        done += operation.database_operations
    return done


def test_the_model_keeps_its_table_and_index():
    assert Draft._meta.db_table == "portal_draft"
    assert [i.name for i in Draft._meta.indexes] == ["portal_draf_owner_i_3c4697_idx"]


def test_the_move_changes_only_which_app_owns_the_model():
    assert _database_work(portal_step.Migration) == [] and _database_work(drafts_step.Migration) == []
    # portal lets go of the model before drafts takes it: never two models on one table.
    assert ("portal", "0002_draft_moves_to_drafts") in drafts_step.Migration.dependencies


def test_the_table_is_there_after_migrate(db):
    assert "portal_draft" in connection.introspection.table_names()
