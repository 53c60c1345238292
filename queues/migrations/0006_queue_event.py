
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('queues', '0005_queue_entry_benefit_until'),
    ]

    operations = [
        migrations.CreateModel(
            name='QueueEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('application_id', models.BigIntegerField(verbose_name='application')),
                ('cause', models.CharField(choices=[('submitted', 'Application submitted'), ('backdated_paper', 'Paper application received earlier'), ('withdrawn', 'Application withdrawn'), ('enrolled', 'Child enrolled in a kindergarten'), ('aged_out', 'Child aged out of the queue'), ('duplicate', 'Duplicate application'), ('queue_kind_dropped', 'No longer eligible for this kind of queue'), ('benefit_confirmed', 'Benefit confirmed'), ('benefit_rejected', 'Benefit rejected'), ('benefit_expired', 'Benefit expired'), ('referral_cancelled', 'Referral cancelled, back to the general list')], max_length=32, verbose_name='cause')),
                ('old_class', models.PositiveSmallIntegerField(verbose_name='class before')),
                ('new_class', models.PositiveSmallIntegerField(verbose_name='class after')),
                ('submitted_at', models.DateTimeField(verbose_name='submitted')),
                ('at', models.DateTimeField(verbose_name='at')),
                ('queue', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='queues.queue', verbose_name='queue')),
            ],
            options={
                'verbose_name': 'queue event',
                'verbose_name_plural': 'queue events',
                'indexes': [models.Index(fields=['queue', 'at'], name='queue_event_since'), models.Index(fields=['queue', '-id'], name='queue_event_latest')],
                'constraints': [models.CheckConstraint(condition=models.Q(('old_class', models.F('new_class')), _negated=True), name='queue_event_changes')],
            },
        ),
    ]
