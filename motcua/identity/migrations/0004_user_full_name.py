from django.db import migrations, models


def fill_full_name(apps, schema_editor):
    """Existing accounts: the citizen's registered name, else the name the account had.

    The demo and the e-ID login stored the family and middle names in last_name and
    the given name in first_name, so "last first" is the name as written; from now
    on full_name is set directly and first/last are not read.
    """
    User = apps.get_model("identity", "User")
    CitizenProfile = apps.get_model("identity", "CitizenProfile")
    registered = dict(CitizenProfile.objects.values_list("user_id", "full_name"))
    for user in User.objects.filter(full_name="").only("id", "first_name", "last_name").iterator():
        name = registered.get(user.id) or " ".join(p for p in (user.last_name, user.first_name) if p)
        if name:
            User.objects.filter(pk=user.pk).update(full_name=name[:255])


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0003_lead_user_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="full_name",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="họ và tên"),
        ),
        migrations.RunPython(fill_full_name, migrations.RunPython.noop),
    ]
