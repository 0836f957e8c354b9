"""The applicant's name folded (no case, no diacritics) for the officers' dossier search (issue 17)."""

from django.db import migrations, models

from motcua.lib.text import fold

BATCH = 5000


def fill_search_name(apps, schema_editor):
    CitizenProfile = apps.get_model("identity", "CitizenProfile")
    batch = []
    for profile in CitizenProfile.objects.only("id", "full_name").iterator(chunk_size=BATCH):
        profile.search_name = fold(profile.full_name)[:255]
        batch.append(profile)
        if len(batch) >= BATCH:
            CitizenProfile.objects.bulk_update(batch, ["search_name"])
            batch = []
    if batch:
        CitizenProfile.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0004_user_full_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="citizenprofile",
            name="search_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=255),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="citizenprofile",
            index=models.Index(fields=["search_name"], name="citizen_search_name", opclasses=["varchar_pattern_ops"]),
        ),
    ]
