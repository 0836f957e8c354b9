"""The officers' search by dossier code from its start (issue 17, dossiers/search.py).

PostgreSQL uses a b-tree for LIKE 'prefix%' only with the pattern operator class (unless the
database's collation is "C"): this index serves `code LIKE '000.00.17.H56-2203%'`. SQLite
needs none: the search there compares a range of codes, which the unique index on `code` serves.
"""

from django.db import migrations

CREATE = 'CREATE INDEX IF NOT EXISTS "dossier_code_prefix" ON "dossiers_dossier" ("code" varchar_pattern_ops)'
DROP = 'DROP INDEX IF EXISTS "dossier_code_prefix"'


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0008_kpi_legal_due_date"),
    ]

    operations = [migrations.RunPython(create, drop)]
