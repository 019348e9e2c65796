"""Full-text indexes for search: a GIN index on each searched text on PostgreSQL, FTS5
tables kept by triggers on SQLite (planwatch.web.plans.search)."""

from django.db import migrations


def create_indexes(apps, schema_editor):
    from planwatch.web.plans.search import index_sql

    for statement in index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def drop_indexes(apps, schema_editor):
    from planwatch.web.plans.search import drop_index_sql

    for statement in drop_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
