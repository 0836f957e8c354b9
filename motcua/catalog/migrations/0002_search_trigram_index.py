"""A trigram index for catalog search on PostgreSQL.

Search is `search_text LIKE '%word%'` for every word (motcua/catalog/search.py).
Without an index that is a sequential scan of the whole catalog for every query
(twice on the portal: count and page); over 5,000 procedures it took p95 to
~30 ms on a busy 2-core machine, with the index ~14 ms (bench/catalog_search.py).
pg_trgm serves LIKE '%…%' directly. SQLite has no such index and needs none at
this size; neither does a PostgreSQL where the extension cannot be created
(search stays correct, only slower), so then the index is skipped with a warning.
"""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)
INDEX = "catalog_procedure_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            # Trusted since PostgreSQL 13: the database owner may create it.
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        log.warning("pg_trgm is not available (%s); catalog search works without its index", exc)
        return
    # fastupdate off: GIN's pending list of new entries is scanned linearly by every
    # search until a vacuum; the catalog is written rarely and read on every page.
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_procedure USING gin (search_text gin_trgm_ops)"
        " WITH (fastupdate = off)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
