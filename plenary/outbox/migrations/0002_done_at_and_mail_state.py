from django.db import migrations, models


def mark_published_done(apps, schema_editor):
    # Rows published before this migration were handed to Celery under the old
    # rules; nothing says whether they ran.  Counting them done keeps the relay
    # from delivering the whole history again.
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    OutboxMessage.objects.filter(published_at__isnull=False).update(
        done_at=models.F("published_at"), deliveries=1
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="maildelivery", old_name="sent_at", new_name="claimed_at"
        ),
        migrations.AddField(
            model_name="maildelivery",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Mails claimed before this migration went out as far as anyone knows.
        migrations.AddField(
            model_name="maildelivery",
            name="state",
            field=models.CharField(
                choices=[("claimed", "claimed"), ("sent", "sent")], default="sent", max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="maildelivery",
            name="state",
            field=models.CharField(
                choices=[("claimed", "claimed"), ("sent", "sent")],
                default="claimed",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="maildelivery",
            name="message_id",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddIndex(
            model_name="maildelivery",
            index=models.Index(
                condition=models.Q(("state", "claimed")),
                fields=["claimed_at"],
                name="maildelivery_claimed_idx",
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="done_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="gave_up_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="deliveries",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(mark_published_done, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(
                condition=models.Q(
                    ("done_at__isnull", True),
                    ("gave_up_at__isnull", True),
                    ("published_at__isnull", False),
                ),
                fields=["published_at"],
                name="outbox_unfinished_idx",
            ),
        ),
    ]
