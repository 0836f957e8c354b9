"""Procedure.programmes_key: the national programmes (Project 06) of the current version, for the
`programme` filter of the catalogue; filled from the current definitions already stored."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Procedure = apps.get_model("catalog", "Procedure")
    for procedure in Procedure.objects.exclude(current=None).select_related("current"):
        programmes = procedure.current.definition.get("programmes") or []
        if programmes:
            procedure.programmes_key = "," + ",".join(programmes) + ","
            procedure.save(update_fields=["programmes_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_catalog_version'),
    ]

    operations = [
        migrations.AddField(
            model_name='procedure',
            name='programmes_key',
            field=models.CharField(blank=True, db_index=True, default='', max_length=255),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
