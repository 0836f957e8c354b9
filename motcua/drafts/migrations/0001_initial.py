# The Draft model, moved from the portal app with its table (portal_draft): on a database
# where portal's 0001 created it, this only records that the drafts app owns it now.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("catalog", "0002_search_trigram_index"),
        ("portal", "0002_draft_moves_to_drafts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Draft",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("public_id", models.UUIDField(editable=False, unique=True)),
                        ("data", models.JSONField(default=dict)),
                        ("components", models.JSONField(default=list)),
                        ("unit_code", models.CharField(blank=True, default="", max_length=48)),
                        ("step", models.CharField(blank=True, default="", max_length=64)),
                        ("created_at", models.DateTimeField()),
                        ("updated_at", models.DateTimeField()),
                        ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="drafts", to=settings.AUTH_USER_MODEL)),
                        ("procedure", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="drafts", to="catalog.procedure")),
                        ("procedure_version", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="drafts", to="catalog.procedureversion")),
                    ],
                    options={
                        "db_table": "portal_draft",
                        "indexes": [models.Index(fields=["owner", "-updated_at"], name="portal_draf_owner_i_3c4697_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
