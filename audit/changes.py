"""Admin writes recorded in the audit trail: which record, which fields; never the values.

Every staff admin page (``core.admin.ScopedAdmin``, and the users' page) writes
through Django's admin, which calls ``log_addition`` or ``log_change`` in the
transaction of the save; ``core.admin.AnnouncesChanges`` turns those into the
``admin_change`` signal, recorded here. The event names the model and primary key (its
target) and the changed fields by name, from Django's own change message, with
the records' descriptions dropped: a child's or a parent's name, an IIN or a
phone never reaches the trail this way (issue 6 item 7).
"""

from django.dispatch import receiver

from core.admin import admin_change

from .services import record


@receiver(admin_change, dispatch_uid="audit.admin_change")
def record_admin_change(sender, *, request, obj, message, verb, **kwargs):
    record(action=f"{obj._meta.model_name}.{verb}", target=obj, actor=request.user, details=changes(message))


def changes(message) -> dict:
    """The field names of Django's change message, and the kinds of related rows added, changed or deleted.

    ``message`` is the list ``django.contrib.admin.utils.construct_change_message``
    builds; a plain string (another caller's note) is not copied, since it may quote values.
    """
    summary = {"fields": [], "related": []}
    for entry in message if isinstance(message, list) else []:
        for kind, change in entry.items():
            if "name" in change:
                related = {kind: change["name"]}
                if change.get("fields"):
                    related["fields"] = change["fields"]
                summary["related"].append(related)
            else:
                summary["fields"].extend(change.get("fields", []))
    return summary
