"""Reports never hold a request: the build runs out of the request in every mode, and
the run's row counts its pieces (``parts_done`` of ``parts_total``) until the file is ready.

* The embedded default (tasks inline, no broker): "Prepare the report" answers with the
  run still queued, the one background thread (``plenary.outbox.background``) builds it,
  the page shows "n of N parts" meanwhile, and the file downloads after.
* A real Celery worker on the reports queue: the same run, the same counts.
* ``build_pdf`` and ``build_docx`` report their pieces from 0 to the total, never back.
"""

import sys
import threading
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from docx import Document

from comments.threads import services as comment_services
from feedback.models import OutcomeReport
from feedback.report import docx as report_docx
from feedback.report import pdf
from plenary.outbox import background
from plenary.outbox.models import OutboxMessage
from plenary.outbox.services import relay
from tests.waiting import wait_until
from tests.worker_helpers import Process, require_real_stack, stack_env

KEYS = ["1-purpose-1", "2-scope-1", "3-licensing-1"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Several chunks for a dozen comments: the pieces are worth counting.
    monkeypatch.setattr(pdf, "CHUNK_SIZE", 4)
    monkeypatch.setattr(report_docx, "PROGRESS_EVERY", 4)


@pytest.fixture
def commented(consultation, stakeholder):
    for n in range(10):
        comment_services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key=KEYS[n % 3],
            body=f"Progress comment {n}.",
        )
    return consultation


def run_of(consultation, fmt="pdf") -> OutcomeReport:
    return OutcomeReport.objects.get(consultation=consultation, format=fmt)


# --- the pieces, counted by the builders ------------------------------------------------


def test_the_pdf_counts_its_pieces_from_zero_to_the_total(commented, tmp_path):
    seen: list[tuple[int, int]] = []
    pdf.build_pdf(
        consultation=commented,
        target=tmp_path / "report.pdf",
        folder=tmp_path,
        progress=lambda done, total: seen.append((done, total)),
        chunk_size=4,
    )
    # Front matter, three chunks of at most four comments, the join (the appendix laid
    # out again, should the table of contents change length, adds its chunks).
    assert seen[0] == (0, 5)
    done = [d for d, _t in seen]
    assert done == sorted(done) and done == list(range(len(done)))
    assert seen[-1][0] == seen[-1][1] >= 5


def test_the_docx_counts_its_pieces_from_zero_to_the_total(commented, tmp_path):
    seen: list[tuple[int, int]] = []
    report_docx.build_docx(
        consultation=commented,
        target=tmp_path / "report.docx",
        progress=lambda done, total: seen.append((done, total)),
    )
    # Front matter, batches of 4, 4 and 2 comments, the save.
    assert seen == [(n, 5) for n in range(6)]
    assert Document(str(tmp_path / "report.docx")).paragraphs


def test_the_page_shows_the_pieces_of_a_run_being_built(client, secretariat, commented):
    run = OutcomeReport.objects.create(
        consultation=commented,
        state_key="x" * 64,
        state=OutcomeReport.State.RUNNING,
        parts_done=12,
        parts_total=40,
        progress=30,
    )
    client.force_login(secretariat)
    page = client.get(reverse("staff_report", args=[commented.slug])).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "12 of 40 parts" in page
    assert f'<progress id="progress-{run.pk}" max="40" value="12">' in page


def test_a_queued_run_says_it_waits_to_start(client, secretariat, commented):
    client.force_login(secretariat)
    client.post(reverse("staff_report", args=[commented.slug]), {"format": "pdf"})
    page = client.get(reverse("staff_report", args=[commented.slug])).content.decode()
    assert "waiting to start" in page and " parts" not in page


# --- the embedded default: a background thread ------------------------------------------


@pytest.fixture
def in_background(settings):
    settings.PLENARY_TASKS_INLINE = True
    settings.PLENARY_TASKS_INLINE_BACKGROUND = True
    yield
    assert background.wait_idle(timeout=120), "the background thread did not finish"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_prepare_the_report_answers_before_the_build_and_the_file_follows(
    client, secretariat, commented, in_background, fmt
):
    # Hold the one background thread, so the build certainly cannot start before we look.
    gate = threading.Event()
    background.submit(lambda: gate.wait(timeout=60))
    client.force_login(secretariat)
    response = client.post(reverse("staff_report", args=[commented.slug]), {"format": fmt})
    assert response.status_code == 302
    run = run_of(commented, fmt)
    # The request committed and answered; the build has not begun.
    assert (run.state, run.parts_done, run.parts_total) == (OutcomeReport.State.QUEUED, 0, 0)
    page = client.get(reverse("staff_report", args=[commented.slug])).content.decode()
    assert "waiting to start" in page

    seen: list[tuple[int, int]] = []

    def watch() -> bool:
        run.refresh_from_db()
        if run.parts_total and (run.parts_done, run.parts_total) not in seen:
            seen.append((run.parts_done, run.parts_total))
        return run.state in (OutcomeReport.State.DONE, OutcomeReport.State.FAILED)

    gate.set()
    wait_until(watch, timeout=120, interval=0.05, message=lambda: f"the report run {run.state}")
    assert run.state == OutcomeReport.State.DONE, run.error
    assert run.parts_done == run.parts_total == 5
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)  # never back
    assert background.wait_idle(timeout=60)  # the outbox marks its row done after the task
    assert OutboxMessage.objects.get(task_name="feedback.tasks.build_report").done_at is not None
    response = client.get(reverse("staff_report_download", args=[commented.slug, run.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF" if fmt == "pdf" else b"PK")
    page = client.get(reverse("staff_report", args=[commented.slug])).content.decode()
    assert "http-equiv" not in page and " parts" not in page


@pytest.mark.django_db(transaction=True)
def test_with_the_background_off_the_build_runs_in_the_request(client, secretariat, commented):
    """The setting's other side (PLENARY_TASKS_INLINE_BACKGROUND=false): the old behaviour."""
    client.force_login(secretariat)
    client.post(reverse("staff_report", args=[commented.slug]), {"format": "docx"})
    run = run_of(commented, "docx")
    assert run.state == OutcomeReport.State.DONE
    assert run.parts_done == run.parts_total == 5


# --- a real worker on the reports queue -------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_reports_queue_builds_it_and_counts_its_pieces(
    client, secretariat, commented, settings, tmp_path
):
    require_real_stack()
    if connection.vendor != "postgresql":
        pytest.skip("the worker reads the test database: PostgreSQL")
    settings.PLENARY_TASKS_INLINE = False
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    redis.Redis.from_url(django_settings.REDIS_URL).delete("reports")  # a stale run's messages
    env = stack_env(
        redis_url=django_settings.REDIS_URL,
        smtp_url="smtp://127.0.0.1:1",  # no mail in this test
        PLENARY_MEDIA_ROOT=str(media),
    )
    worker = Process(
        "worker-reports",
        [
            *(sys.executable, "-m", "celery", "-A", "plenary", "worker", "--pool=solo"),
            *("-Q", "reports", "--without-heartbeat", "--without-gossip", "--without-mingle"),
            *("-l", "info", "-n", f"plenary-reports-{commented.pk}@%h"),
        ],
        env,
        tmp_path,
    )
    worker.start(ready=r"\bready\.", timeout=60)
    try:
        client.force_login(secretariat)
        client.post(reverse("staff_report", args=[commented.slug]), {"format": "pdf"})
        run = run_of(commented)
        assert run.state == OutcomeReport.State.QUEUED  # nothing ran in the request
        assert relay() == 1

        def finished() -> bool:
            run.refresh_from_db()
            return run.state in (OutcomeReport.State.DONE, OutcomeReport.State.FAILED)

        wait_until(finished, timeout=180, interval=0.2, message=lambda: worker.log_tail())
        assert run.state == OutcomeReport.State.DONE, run.error
        # The worker's CHUNK_SIZE is the real one (500): the front matter, one chunk, the join.
        assert run.parts_done == run.parts_total == 3
        response = client.get(reverse("staff_report_download", args=[commented.slug, run.pk]))
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    finally:
        worker.stop()
