"""Full-text search: fill ``search_text`` for existing comments, and on
PostgreSQL index it with GIN over to_tsvector('simple', ...).

'simple' (no stemming, no stop words) because comments come in many
languages; the query side (comments.search.selectors) uses the same configuration so
the index is used.  SQLite has no such index: search there is a plain match.
"""

from django.db import migrations
from django.db.models import F

INDEX = "comment_search_idx"


def forwards(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    Comment.objects.filter(search_text="").update(search_text=F("body"))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON comments_comment "
            "USING GIN (to_tsvector('simple'::regconfig, search_text))"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("comments", "0006_channels_attachments_search")]

    operations = [migrations.RunPython(forwards, backwards)]
