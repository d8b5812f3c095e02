"""On PostgreSQL comment revisions and moderation actions refuse TRUNCATE too
(issue 21): their UPDATE/DELETE trigger (0004) is a row trigger, which
TRUNCATE never fires.  SQL from plenary.append_only.no_truncate_trigger.
"""

from django.db import migrations

from plenary.append_only import no_truncate_trigger


class Migration(migrations.Migration):
    dependencies = [("comments", "0007_search_index")]
    operations = [
        no_truncate_trigger(
            function="plenary_history_no_truncate",
            tables=["comments_commentrevision", "comments_moderationaction"],
            trigger="{table}_no_truncate",
        )
    ]
