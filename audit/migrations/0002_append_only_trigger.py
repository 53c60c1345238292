"""A database trigger refusing UPDATE and DELETE on the audit trail (RULES.md section 5).

The model already refuses both; the trigger makes the database itself refuse
them, so bulk queries and raw SQL through the application's connection cannot
rewrite history either. TRUNCATE, a table owner's statement that test
isolation relies on, is kept from the application by database privileges
(docs/security.md), not by this trigger.
"""

from django.db import migrations

POSTGRESQL_FORWARD = """
CREATE FUNCTION audit_trail_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_trail_is_append_only();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION audit_trail_is_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER audit_auditevent_no_update",
    "DROP TRIGGER audit_auditevent_no_delete",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
