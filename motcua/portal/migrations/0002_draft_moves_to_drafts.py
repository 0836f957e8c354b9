# The Draft model moved to the drafts app. Its table (portal_draft) stays where it is:
# only Django's idea of which app owns it changes, so no row is copied or lost.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0001_h2_draft"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Draft")],
            database_operations=[],
        ),
    ]
