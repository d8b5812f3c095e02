"""The restore drill of docs/OPERATIONS.md ("Back up and restore"), performed for real.

Seed a consultation on S3 storage (comments with attachments, published
decisions in the ledger, a stored report), back it up as the runbook says
(``pg_dump -Fc``; the bucket copied with ``aws s3 sync``, or with boto3 doing
the same server-side copies where the AWS CLI is not installed), restore into a
fresh database (``pg_restore``) and a fresh bucket, then check the restored
copy: ``manage.py verify_ledger --all`` passes against it, every table has as
many rows as the original, and the bucket holds the same objects, byte for
byte.  The fresh database and bucket are created and dropped by the test.
Needs PostgreSQL (pg_dump, pg_restore); skipped without it, a failure under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from comments.threads import services as comment_services
from feedback.ledger import services as ledger_services
from feedback.models import DispositionEntry, OutcomeReport
from feedback.report import services as report_services
from tests.comments.attachments.test_attachments import upload
from tests.comments.files import docx_bytes, pdf_bytes
from tests.consult.factories import open_consultation
from tests.s3_server import s3_environment
from tests.stakeholders.factories import ParticipantFactory, convenor
from tests.worker_helpers import _test_database_url

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(settings.BASE_DIR)


def _require_postgresql() -> None:
    problem = None
    if connection.vendor != "postgresql":
        problem = "the restore drill needs PostgreSQL (DATABASE_URL)"
    elif not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        problem = "the restore drill needs pg_dump and pg_restore"
    if problem and os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    if problem:
        pytest.skip(problem)


def _url(database: str) -> str:
    """The test database's URL, naming ``database`` instead."""
    base = _test_database_url()
    return base.rsplit("/", 1)[0] + "/" + database


def _row_counts(url: str) -> dict[str, int]:
    """Rows in every table of the public schema."""
    with psycopg.connect(url, autocommit=True) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def _aws_cli() -> str | None:
    aws = shutil.which("aws")
    if aws is None:
        return None
    probe = subprocess.run([aws, "--version"], capture_output=True, check=False)
    return aws if probe.returncode == 0 else None


def sync_bucket(server, source: str, target: str) -> str:
    """Copy every object of ``source`` into ``target``, as the runbook's
    ``aws s3 sync s3://SOURCE s3://TARGET`` does; returns the tool used."""
    aws = _aws_cli()
    if aws is not None:
        env = {**os.environ, **s3_environment(server, source), "AWS_DEFAULT_REGION": "us-east-1"}
        subprocess.run(
            [aws, "--endpoint-url", server.endpoint, "s3", "sync", "--only-show-errors",
             f"s3://{source}", f"s3://{target}"],
            env=env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return "aws s3 sync"
    client = server.client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=source):
        for item in page.get("Contents", []):
            client.copy_object(
                Bucket=target, Key=item["Key"], CopySource={"Bucket": source, "Key": item["Key"]}
            )
    return "boto3 copy_object"


def _seed(consultation, secretariat) -> None:
    authors = [
        ParticipantFactory(display_name=f"Author {n}", user__email=f"author{n}@example.org").user
        for n in range(3)
    ]
    comments = []
    for n, author in enumerate(authors * 2):
        paper = (
            upload(f"paper-{n}.pdf", pdf_bytes(f"Paper {n}", "on licence-exempt spectrum"))
            if n % 2 == 0
            else upload(f"notes-{n}.docx", docx_bytes(f"Notes {n}", "on community networks"))
        )
        comments.append(
            comment_services.comment_create(
                actor=author,
                consultation=consultation,
                section_key="1-purpose-2",
                body=f"Comment {n} with a file.",
                attachments=[paper],
            )
        )
    decided = zip(comments[:3], ["accepted", "partly_accepted", "not_accepted"], strict=True)
    for comment, status in decided:
        ledger_services.disposition_record(
            actor=secretariat, comment=comment, status=status, rationale="Weighed.", publish=True
        )
    run, _created = report_services.report_request(actor=secretariat, consultation=consultation)
    run.refresh_from_db()
    assert run.state == OutcomeReport.State.DONE, run.error


def test_backup_restores_into_a_fresh_database_and_bucket_and_the_ledger_verifies(
    s3, tmp_path, capsys
):
    _require_postgresql()
    secretariat = convenor(email="secretariat@example.org")
    consultation = open_consultation(secretariat=secretariat)
    _seed(consultation, secretariat)
    assert DispositionEntry.objects.count() == 3
    original_objects = s3.objects()
    assert len(original_objects) == 7  # six attachments and the report
    assert s3.local_files() == []

    started = time.monotonic()
    source = _test_database_url()
    restored_name = f"plenary_restore_{uuid.uuid4().hex[:8]}"
    restored = _url(restored_name)
    restored_bucket = s3.server.new_bucket("plenary-restore")
    dump = tmp_path / "plenary.dump"
    try:
        # The backup.
        subprocess.run(
            ["pg_dump", "--format=custom", "--file", str(dump), "--dbname", source],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        # The restore: a fresh database, then the dump into it.
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{restored_name}"')
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, str(dump)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        tool = sync_bucket(s3.server, s3.name, restored_bucket)

        # The checks, against the restored copy.
        verified = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), "verify_ledger", "--all"],
            env={
                **os.environ,
                **s3_environment(s3.server, restored_bucket),
                "DATABASE_URL": restored,
                "PYTHONPATH": str(BASE_DIR),
            },
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        counts = _row_counts(restored)
        assert counts == _row_counts(source)
        assert counts["feedback_dispositionentry"] == 3
        assert counts["comments_attachment"] == 6
        assert s3.server.objects(restored_bucket) == original_objects
        seconds = time.monotonic() - started
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
        s3.server.drop_bucket(restored_bucket)
    with capsys.disabled():
        print(
            f"\nrestore drill: dump {dump.stat().st_size // 1024} KiB, "
            f"{len(counts)} tables, {len(original_objects)} objects ({tool}), {seconds:.1f} s"
        )
