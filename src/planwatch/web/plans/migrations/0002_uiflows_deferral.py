"""A progress update's reason for deferring, in a field of its own."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="progressupdate",
            name="deferral_reason",
            field=models.TextField(blank=True, null=True, verbose_name="reason for deferring"),
        ),
    ]
