"""An index on the dossiers' end, for the scheduler's incremental build (insights/sqlbuild.py, `recent`).

Each round traces the dossiers finished since the latest month traced: without this index that is
a scan of every dossier (≈ 25 s at 5 million); with it, a range of the last weeks. Partial (only
the ended dossiers), created here rather than in the dossiers' model: the insights room is its only reader.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [("insights", "0005_risk_scope"), ("dossiers", "0015_who_does_the_work")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS insights_dossier_finished ON dossiers_dossier (finished_at) "
            "WHERE finished_at IS NOT NULL",
            "DROP INDEX IF EXISTS insights_dossier_finished",
        ),
    ]
