"""``queue_entries_of``: every position look-up's first read, planned once per database session (issue 11).

The statement that loads an application's standing entries with their queues and
settlements (``queues.selectors._Row``) cost PostgreSQL five times more in planning
(0.3-0.5 ms) than in running (0.07 ms). A PL/pgSQL function keeps its plan for the
session, and ``force_generic_plan`` keeps it from planning again for each array of
ids; unlike a ``PREPARE``, it works behind PgBouncer in transaction mode. It returns
whole rows, so the caller names the columns from the models and a column added later
needs no new function. The embedded SQLite runs the same statement directly.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION queue_entries_of(application_ids bigint[], today date)
RETURNS TABLE (entry queues_queueentry, queue queues_queue, settlement directory_settlement, expiry_due boolean)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN QUERY
    SELECT e, q, s, EXISTS (
        SELECT 1 FROM queues_queueentry due
        WHERE due.queue_id = e.queue_id AND due.left_at IS NULL AND due.benefit_until < today
    )
    FROM queues_queueentry e
    JOIN queues_queue q ON q.id = e.queue_id
    JOIN directory_settlement s ON s.id = q.settlement_id
    WHERE e.application_id = ANY (application_ids) AND e.left_at IS NULL;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS queue_entries_of(bigint[], date)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0006_queue_event"),
        ("directory", "0004_every_district_has_a_region"),
    ]

    operations = [migrations.RunPython(create, drop)]
