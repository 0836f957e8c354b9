"""Mark the steps at another unit than their dossier's (Task.elsewhere), for the officers' filtered search.

The existing steps are marked by one UPDATE before the partial index is built (at ten million dossiers,
~50 million steps: run it in a maintenance window, as dossiers.0007).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0017_dossier_finished_index'),
        ('units', '0006_who_does_the_work'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='task',
            name='elsewhere',
            field=models.BooleanField(default=False),
        ),
        migrations.RunSQL(
            # Only the rows to mark are written (a few: most steps are at their dossier's unit).
            "UPDATE dossiers_task SET elsewhere = true WHERE EXISTS (SELECT 1 FROM dossiers_dossier d "
            "WHERE d.id = dossiers_task.dossier_id AND d.unit_id <> dossiers_task.unit_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('elsewhere', True)), fields=['unit', 'dossier'], name='task_elsewhere'),
        ),
        # The planner's figures for the new column at once (else it expects many marked steps until the
        # autovacuum's next analyze, and probes the steps of every matching dossier as before).
        migrations.RunSQL("ANALYZE dossiers_task", migrations.RunSQL.noop),
    ]
