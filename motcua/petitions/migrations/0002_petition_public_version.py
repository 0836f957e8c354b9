"""The public version of a published petition (subject, body, answer), masked of personal data.

Petitions already published get the automatic proposal (redact.py) with the filer's name as recorded.
"""

from django.db import migrations, models


def mask_published(apps, schema_editor):
    from motcua.petitions.redact import mask  # pure text functions: no model of today is used

    Petition = apps.get_model("petitions", "Petition")
    for p in Petition.objects.filter(status="published").select_related("filer").iterator():
        names = {p.contact_name}
        if p.filer is not None:
            names.add(p.filer.full_name)
        names = {n for n in names if n}
        p.public_subject = mask(p.subject, names)[:200]
        p.public_body = mask(p.body, names)
        p.public_answer = mask(p.answer, names)
        p.save(update_fields=["public_subject", "public_body", "public_answer"])


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]

    operations = [
        migrations.AddField(model_name="petition", name="public_subject",
                            field=models.CharField(blank=True, max_length=200, verbose_name="tiêu đề công khai")),
        migrations.AddField(model_name="petition", name="public_body",
                            field=models.TextField(blank=True, verbose_name="nội dung công khai")),
        migrations.AddField(model_name="petition", name="public_answer",
                            field=models.TextField(blank=True, verbose_name="trả lời công khai")),
        migrations.RunPython(mask_published, migrations.RunPython.noop),
    ]
