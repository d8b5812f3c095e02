"""Full-text search in the comment's language: on PostgreSQL, the GIN index is rebuilt
over ``to_tsvector(<config of the comment's language>, search_text)``.

The configuration is a CASE on ``language`` (english, french, spanish, portuguese,
``simple`` otherwise), written exactly as comments.search.selectors.config_sql
writes it, so the planner matches the expression.  The CASE is kept literal here:
a migration does not follow later edits of the code.

Safe on a live table: the new index is built CONCURRENTLY (no write lock; hence
a non-atomic migration), the old one dropped CONCURRENTLY, then the new one takes
the old name (a brief catalogue lock).  A concurrent build that failed leaves an
invalid index: it is dropped first, so the migration can be run again.  ANALYZE
gives the planner the new expression's statistics (the search reads them).
SQLite has no such index: nothing to do there.
"""

from django.db import migrations

INDEX = "comment_search_idx"
NEW = "comment_search_lang_idx"
CONFIG = (
    "CASE lower(split_part(language, '-', 1)) "
    "WHEN 'en' THEN 'english'::regconfig WHEN 'fr' THEN 'french'::regconfig "
    "WHEN 'es' THEN 'spanish'::regconfig WHEN 'pt' THEN 'portuguese'::regconfig "
    "ELSE 'simple'::regconfig END"
)


def rebuild(schema_editor, expression: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NEW}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {NEW} ON comments_comment "
        f"USING GIN (to_tsvector({expression}, search_text))"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(f"ALTER INDEX {NEW} RENAME TO {INDEX}")
    schema_editor.execute("ANALYZE comments_comment")


def forwards(apps, schema_editor):
    rebuild(schema_editor, CONFIG)


def backwards(apps, schema_editor):
    rebuild(schema_editor, "'simple'::regconfig")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("comments", "0009_attachment_extraction")]

    operations = [migrations.RunPython(forwards, backwards)]
