import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """DossierTrace.late_unit without an index: no query filters the traces by it; a unit that did steps cannot be
    deleted (its tasks protect it), so the SET NULL cascade finds nothing. One index less in a rebuild."""

    dependencies = [
        ('insights', '0006_steptime_unit_no_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='dossiertrace',
            name='late_unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='units.unit'),
        ),
    ]
