"""Procedure.implementers_key and hand_over_key: who receives and decides a procedure (its `receivers`, else
its levels with its agency) and which lower levels' desks may take it in, for the catalogue listed by unit;
filled from the current definitions already stored (the same rule as catalog.models.implementers_key)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    Procedure = apps.get_model("catalog", "Procedure")
    for procedure in Procedure.objects.exclude(current=None).select_related("current"):
        d = procedure.current.definition
        pairs = [(r["level"], r.get("agency", "")) for r in d.get("receivers") or []] or [
            (level, d.get("agency", "")) for level in d.get("levels", [])]
        procedure.implementers_key = "," + ",".join(dict.fromkeys(f"{level}/{agency}" for level, agency in pairs)) + ","
        levels = (d.get("hand_over") or {}).get("levels") or []
        procedure.hand_over_key = ("," + ",".join(levels) + ",") if levels else ""
        procedure.save(update_fields=["implementers_key", "hand_over_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0005_procedure_programmes_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="procedure",
            name="implementers_key",
            field=models.CharField(blank=True, db_index=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="procedure",
            name="hand_over_key",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
