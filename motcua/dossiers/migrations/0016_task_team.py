"""Task.team: the step's team kind, copied from the version's definition like its role, so that the
officers' scope (dossiers/access.py) finds a team member's dossiers by a query; filled for the tasks
already made from the definitions of their versions."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Task = apps.get_model("dossiers", "Task")
    ProcedureVersion = apps.get_model("catalog", "ProcedureVersion")
    for version in ProcedureVersion.objects.all().only("id", "definition").iterator():
        for step in (version.definition.get("workflow") or {}).get("steps", []):
            if step.get("team"):
                Task.objects.filter(dossier__procedure_version_id=version.pk, step=step["id"]).update(team=step["team"])


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0015_who_does_the_work"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="team",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
