"""The officers' search by procedure and status (issue 17, dossiers/search.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("dossiers", "0009_h17b_code_prefix_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dossier",
            index=models.Index(fields=["procedure", "status", "-submitted_at"], name="dossier_procedure_status"),
        ),
    ]
