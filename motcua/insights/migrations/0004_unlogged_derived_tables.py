"""The step-time tables and their rollups are derived data: UNLOGGED on PostgreSQL (no write-ahead log).

A bulk build of millions of rows writes them once instead of twice (table and WAL) and triggers
no checkpoints. After a crash PostgreSQL empties an unlogged table: every finished dossier is then
without a trace again, and the next build (`refresh_insights`, `motcua insights build`) writes them
back from the dossiers — nothing is lost that the dossiers do not hold. They are not replicated to
standbys either (a standby's insight page would be empty: the pages are read from the primary).
"""

from django.db import migrations

TABLES = ("insights_steptime", "insights_dossiertrace", "insights_rollup")


def unlogged(apps, schema_editor, logged: bool = False) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'ALTER TABLE "{table}" SET {"LOGGED" if logged else "UNLOGGED"}')


def logged(apps, schema_editor) -> None:
    unlogged(apps, schema_editor, logged=True)


class Migration(migrations.Migration):

    dependencies = [("insights", "0003_monthly_rollups")]

    operations = [migrations.RunPython(unlogged, logged)]
