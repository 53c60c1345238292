"""Give every standing queue entry of a benefit class the last day that class counts (issue 15).

From confirmed documents only (RULES.md section 3), as ``services.benefit_standing_on`` reads them
today. An entry whose class no documents give any more (expired, the nightly job not yet run, or
left behind by a queue its application left) gets yesterday: the first read or the next job
reclassifies it from its documents.
"""

import datetime

from django.db import migrations
from django.utils import timezone

from applications.choices import BENEFIT_CLASS_OF_CATEGORY

GENERAL = 3


def fill_benefit_until(apps, schema_editor):
    QueueEntry = apps.get_model("queues", "QueueEntry")
    BenefitDocument = apps.get_model("applications", "BenefitDocument")
    today = timezone.localdate()
    entries = QueueEntry.objects.filter(left_at__isnull=True).exclude(benefit_class=GENERAL)
    for application_id in entries.values_list("application_id", flat=True).distinct().iterator():
        ends = {}
        for category, valid_until in BenefitDocument.objects.filter(
            application_id=application_id, verification="confirmed"
        ).values_list("category", "valid_until"):
            if valid_until is None or valid_until >= today:
                ends.setdefault(BENEFIT_CLASS_OF_CATEGORY[category], []).append(valid_until)
        for benefit_class in entries.filter(application_id=application_id).values_list(
            "benefit_class", flat=True
        ).distinct():
            class_ends = ends.get(benefit_class) if benefit_class == min(ends, default=GENERAL) else None
            if class_ends is None:
                until = today - datetime.timedelta(days=1)
            else:
                until = None if None in class_ends else max(class_ends)
            entries.filter(application_id=application_id, benefit_class=benefit_class).update(
                benefit_until=until
            )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_benefit_document_file_purged"),
        ("queues", "0005_queue_entry_benefit_until"),
    ]

    operations = [migrations.RunPython(fill_benefit_until, migrations.RunPython.noop)]
