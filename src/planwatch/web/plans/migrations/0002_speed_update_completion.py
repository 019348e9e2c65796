"""An index for an action's first completion: the estate report counts delivery on time."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                fields=["lineage", "status", "recorded_at"], name="update_lineage_status_idx"
            ),
        ),
    ]
