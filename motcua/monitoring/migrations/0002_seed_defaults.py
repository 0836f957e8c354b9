"""The spec's defaults (KPI-766.md) as editable rows: points, thresholds, zero-denominator rules, targets."""

from django.db import migrations

INDICATORS = [
    # code, max points, threshold, when the denominator is 0
    ("PUBLISH_ON_TIME", 6, 1.0, "null"),
    ("PUBLIC_UPDATE_ON_TIME", 4, 1.0, "null"),
    ("PUBLIC_CONTENT_FULL", 2, 1.0, "null"),
    ("DOSSIER_SYNC", 6, 1.0, "null"),
    ("PROGRESS_ON_TIME", 20, 1.0, "null"),
    ("ONLINE_PROCEDURES", 2, 0.8, "null"),
    ("ONLINE_SERVICES_USED", 4, 1.0, "null"),
    ("ONLINE_DOSSIERS", 6, 0.5, "null"),
    ("PAYMENT_DOSSIERS", 6, 1.0, "zero"),
    ("PAYMENT_PROCEDURES", 2, 0.8, "zero"),
    ("PAYMENT_FEE_DATA", 2, 0.8, "zero"),
    ("PETITION_PROCESSING_ON_TIME", 6, 1.0, "full"),
    ("PETITION_HANDLING_SATISFACTION", 6, 1.0, "full"),
    ("DOSSIER_RECEIVING_SATISFACTION", 6, 0.9, "zero"),
    ("ORIGINAL_RESULT_AVAILABLE", 6, 1.0, "null"),
    ("SO_HOA_GIAY_TO_GIAI_QUYET", 4, 1.0, "null"),
    ("REUSED_DIGITIZED_DATA", 2, 0.8, "null"),
    ("SYNCED_WITH_DVCQG_PERSONAL_STORAGE", 4, 1.0, "null"),
    ("ELECTRONIC_CERTIFIED_COPY", 2, 1.0, "full"),
    ("CITIZEN_DATA_CONNECTED_DOSSIER", 2, 1.0, "null"),
    ("CITIZEN_DATA_CONNECTED_FORMALITY", 2, 1.0, "null"),
]
TARGETS = [("ministry", 2024, 70.0), ("ministry", 2025, 85.0), ("locality", 2024, 30.0), ("locality", 2025, 70.0)]


def seed(apps, schema_editor):
    IndicatorSetting = apps.get_model("monitoring", "IndicatorSetting")
    Target = apps.get_model("monitoring", "Target")
    for code, points, threshold, no_data in INDICATORS:
        IndicatorSetting.objects.get_or_create(
            code=code, defaults={"max_points": points, "threshold": threshold, "when_no_data": no_data}
        )
    for unit_class, year, rate in TARGETS:
        Target.objects.get_or_create(unit_class=unit_class, year=year, defaults={"rate": rate})


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
