"""The append-only triggers' SQL, written by plenary.append_only, is the SQL the
migrations wrote by hand before (issue 20): same function and trigger names,
messages, ERRCODE and exceptions.  Deployed databases ran the old text, fresh
ones run the helper's; they must agree, so the old text is kept here, verbatim,
as the reference.  Nothing here needs a database."""

import importlib
import re

import pytest

from plenary.append_only import (
    PostgreSQLOnly,
    append_only_function,
    append_only_sql,
    append_only_trigger,
    no_truncate_sql,
)

# --- the old migrations' SQL, copied verbatim -----------------------------------

LEDGER_UP = """
CREATE OR REPLACE FUNCTION plenary_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the disposition ledger is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON feedback_dispositionentry
    FOR EACH ROW EXECUTE FUNCTION plenary_ledger_append_only();
"""
LEDGER_DOWN = """
DROP TRIGGER IF EXISTS ledger_append_only ON feedback_dispositionentry;
DROP FUNCTION IF EXISTS plenary_ledger_append_only();
"""

# comments/migrations/0004 executed the function, then one statement per table.
HISTORY_TABLES = ("comments_commentrevision", "comments_moderationaction")
HISTORY_FUNCTION = """
CREATE OR REPLACE FUNCTION plenary_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
HISTORY_UP = HISTORY_FUNCTION + "".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION plenary_history_append_only();"
    for table in HISTORY_TABLES
)
HISTORY_DOWN = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in HISTORY_TABLES)
    + "DROP FUNCTION IF EXISTS plenary_history_append_only();"
)

AUDIT_FUNCTION_0002 = """
CREATE OR REPLACE FUNCTION plenary_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (to_jsonb(NEW) - 'actor_id' - 'consultation_id')
           = (to_jsonb(OLD) - 'actor_id' - 'consultation_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'the audit log is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""
AUDIT_UP_0002 = (
    AUDIT_FUNCTION_0002
    + """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION plenary_audit_append_only();
"""
)
AUDIT_DOWN_0002 = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS plenary_audit_append_only();
"""
_REDACTABLE = "- 'actor_id' - 'consultation_id' - 'actor_email' - 'target' - 'ip' - 'detail'"
AUDIT_FUNCTION_0004 = f"""
CREATE OR REPLACE FUNCTION plenary_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.consultation_id IS NULL OR NEW.consultation_id = OLD.consultation_id)
       AND (NEW.actor_email = OLD.actor_email OR NEW.actor_email = '[erased]')
       AND (NEW.target = OLD.target OR NEW.target = '[erased]')
       AND (NEW.ip IS NOT DISTINCT FROM OLD.ip OR NEW.ip IS NULL)
       AND (NEW.detail = OLD.detail OR NEW.detail = '{{"erased": true}}'::jsonb)
       AND (to_jsonb(NEW) {_REDACTABLE}) = (to_jsonb(OLD) {_REDACTABLE}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'the audit log is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

# (migration module, old forwards SQL, old backwards SQL)
MIGRATIONS = [
    ("feedback.migrations.0003_append_only_trigger", LEDGER_UP, LEDGER_DOWN),
    ("comments.migrations.0004_append_only_triggers", HISTORY_UP, HISTORY_DOWN),
    ("plenary.audit.migrations.0002_append_only_trigger", AUDIT_UP_0002, AUDIT_DOWN_0002),
    ("plenary.audit.migrations.0004_erasure_redaction", AUDIT_FUNCTION_0004, AUDIT_FUNCTION_0002),
]


def statements(sql: str) -> list[str]:
    """The statements, whitespace collapsed (PostgreSQL keeps none of it but the
    function body's, which ``bodies`` compares exactly)."""
    return " ".join(sql.split()).replace("; ", ";").rstrip(";").split(";")


def bodies(sql: str) -> list[str]:
    """Function bodies between ``$$``, exactly: PostgreSQL stores them as
    ``pg_proc.prosrc``."""
    return re.findall(r"\$\$(.*?)\$\$", sql, flags=re.DOTALL)


def same_sql(new: str, old: str) -> None:
    assert statements(new) == statements(old)
    assert bodies(new) == bodies(old)


@pytest.mark.parametrize(("module", "old_up", "old_down"), MIGRATIONS)
def test_each_migration_runs_the_sql_it_wrote_by_hand_before(module, old_up, old_down):
    (operation,) = importlib.import_module(module).Migration.operations
    assert isinstance(operation, PostgreSQLOnly)
    # One string per execute, as schema_editor.execute ran the old text.
    (up,) = operation.sql
    (down,) = operation.reverse_sql
    same_sql(up, old_up)
    same_sql(down, old_down)


def test_the_helper_writes_each_old_trigger():
    same_sql(
        "".join(
            append_only_sql(
                function="plenary_ledger_append_only",
                tables=["feedback_dispositionentry"],
                trigger="ledger_append_only",
                subject="the disposition ledger",
            )
        ),
        LEDGER_UP + LEDGER_DOWN,
    )
    same_sql(
        "".join(
            append_only_sql(
                function="plenary_history_append_only",
                tables=list(HISTORY_TABLES),
                trigger="{table}_append_only",
            )
        ),
        HISTORY_UP + HISTORY_DOWN,
    )
    same_sql(
        append_only_function(
            function="plenary_audit_append_only",
            subject="the audit log",
            # The exception, as the old body wrote it between IF and THEN.
            allow=re.search(r"IF (.*) THEN", AUDIT_FUNCTION_0002, flags=re.DOTALL).group(1),
        ),
        AUDIT_FUNCTION_0002,
    )


def test_the_subject_is_a_quoted_literal_and_names_are_plain_identifiers():
    sql = append_only_function(function="f", subject="the people's log")
    assert "MESSAGE = 'the people''s log is append-only (' || TG_OP" in sql
    for bad in ("Ledger", "ledger; DROP TABLE x", "a-b", ""):
        with pytest.raises(ValueError, match="identifier"):
            append_only_sql(function="f", tables=["t"], trigger=bad)
        with pytest.raises(ValueError, match="identifier"):
            append_only_sql(function=bad or "-", tables=["t"], trigger="t_append_only")


class _Connection:
    def __init__(self, vendor):
        self.vendor = vendor
        self.alias = "default"


class _SchemaEditor:
    def __init__(self, vendor):
        self.connection = _Connection(vendor)
        self.executed = []

    def execute(self, sql, params=None):
        self.executed.append(sql)


@pytest.mark.parametrize(("vendor", "runs"), [("postgresql", True), ("sqlite", False)])
def test_the_operation_runs_on_postgresql_only(vendor, runs):
    operation = append_only_trigger(
        function="plenary_ledger_append_only",
        tables=["feedback_dispositionentry"],
        trigger="ledger_append_only",
        subject="the disposition ledger",
    )
    editor = _SchemaEditor(vendor)
    operation.database_forwards("feedback", editor, None, None)
    operation.database_backwards("feedback", editor, None, None)
    assert editor.executed == (operation.sql + operation.reverse_sql if runs else [])


def test_the_truncate_trigger_is_a_statement_trigger_with_its_own_function():
    up, down = no_truncate_sql(
        function="plenary_ledger_no_truncate",
        tables=["feedback_dispositionentry", "feedback_ledgerhead"],
        trigger="{table}_no_truncate",
        subject="the disposition ledger",
    )
    assert statements(up)[-2:] == [
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION plenary_ledger_no_truncate()"
        for table in ("feedback_dispositionentry", "feedback_ledgerhead")
    ]
    assert bodies(up) == bodies(
        append_only_function(
            function="plenary_ledger_no_truncate", subject="the disposition ledger"
        )
    )
    assert statements(down) == [
        "DROP TRIGGER IF EXISTS feedback_dispositionentry_no_truncate ON feedback_dispositionentry",
        "DROP TRIGGER IF EXISTS feedback_ledgerhead_no_truncate ON feedback_ledgerhead",
        "DROP FUNCTION IF EXISTS plenary_ledger_no_truncate()",
    ]
    with pytest.raises(ValueError, match="identifier"):
        no_truncate_sql(function="f", tables=["t; DROP TABLE x"], trigger="t_no_truncate")
