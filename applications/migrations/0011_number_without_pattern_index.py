"""Drop the LIKE index PostgreSQL's backend adds beside the number's unique index.

No query matches the number by prefix: the public check, the API and the desk
look it up exactly (the unique index), the admin's search by substring (no
index serves it). Every status change writes a new version of the row into
each of the table's indexes, 25,000 at once when access opens (issue 11), so
an index nobody reads is an eighth of that work for nothing.
"""

from django.db import migrations

LIKE_INDEX = "applications_application_number_be0adb2f_like"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LIKE_INDEX}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {LIKE_INDEX} ON applications_application (number varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("applications", "0010_estimate_notices")]

    operations = [migrations.RunPython(drop, create, elidable=False)]
