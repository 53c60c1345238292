import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Apart from 0003, whose updates leave PostgreSQL's deferred checks pending for an ALTER TABLE."""

    dependencies = [
        ('directory', '0003_region_of_each_district'),
    ]

    operations = [
        migrations.AlterField(
            model_name='district',
            name='region',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='districts', to='directory.region', verbose_name='region'),
        ),
    ]
