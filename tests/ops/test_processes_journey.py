"""The journey on separate processes (issue 26): two web processes and a worker that
share no disk, only PostgreSQL, Redis and an S3-compatible bucket.

A participant signs in on web 1 and uploads a paper (a real PDF with known
text); the worker reads its text from the bucket; the secretariat asks for the
outcome report on web 1; the worker builds it into the bucket; web 2 serves the
file's bytes, the text where the receipt page shows it, and the report PDF.
Each process has its own empty working directory and its own empty
``PLENARY_MEDIA_ROOT``, both still empty at the end.

The processes are started with ``journey_commands()``: the commands of
docker-compose.yml's web, worker and relay services (kept in one function so
that it can later read them from the compose file).  moto_server stands in for
the S3 service and a private redis-server for Redis (no other test's queue).
Needs PostgreSQL; skipped without it, a failure under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from comments.models import Attachment
from feedback.models import OutcomeReport
from tests.comments.files import pdf_bytes
from tests.consult.factories import open_consultation
from tests.ops.compose import native_argv, service_command
from tests.s3_server import s3_environment
from tests.smtp_sink import free_port
from tests.stakeholders.factories import PASSWORD, ParticipantFactory, convenor
from tests.waiting import wait_until
from tests.worker_helpers import Process, RedisServer, _test_database_url, require_real_stack

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
SECTION = "1-purpose-2"
PHRASE = "spectrum for community networks in rural districts"


def journey_commands(*, web_ports: tuple[int, int]) -> dict[str, list[str]]:
    """The processes of a deployment, with docker-compose.yml's own commands
    (tests/ops/compose.py): web twice, worker, worker-reports and relay.

    Two changes only, as an operator scaling out would make them: each web
    process runs one gunicorn worker with four threads, so that the two are two
    machines, each on a port of its own; and ``manage.py`` is named by its path,
    since each process's working directory is an empty one of its own.
    """

    def here(argv: list[str]) -> list[str]:
        return [str(BASE_DIR / "manage.py") if arg == "manage.py" else arg for arg in argv]

    def scaled_down(argv: list[str]) -> list[str]:
        out = list(argv)
        for option, value in (("--workers", "1"), ("--threads", "4")):
            out[out.index(option) + 1] = value
        return out

    webs = {
        f"web{n}": native_argv(scaled_down(service_command("web")), port=port)
        for n, port in enumerate(web_ports, start=1)
    }
    return {
        **webs,
        **{
            name: native_argv(here(service_command(name)))
            for name in ("worker", "worker-reports", "relay")
        },
    }


READY = {
    "web1": r"Booting worker",
    "web2": r"Booting worker",
    "worker": r"ready\.",
    "worker-reports": r"ready\.",
    "relay": None,
}


@pytest.fixture
def stack(moto_server, tmp_path):
    require_real_stack()
    redis = RedisServer().start()
    bucket = moto_server.new_bucket("plenary-journey")
    ports = (free_port(), free_port())
    processes: dict[str, Process] = {}
    places: dict[str, dict[str, Path]] = {}
    try:
        for name, command in journey_commands(web_ports=ports).items():
            cwd = Path(tempfile.mkdtemp(prefix=f"plenary-{name}-cwd-"))
            media = Path(tempfile.mkdtemp(prefix=f"plenary-{name}-media-"))
            places[name] = {"cwd": cwd, "media": media}
            env = {
                **os.environ,
                **s3_environment(moto_server, bucket),
                "PYTHONPATH": str(BASE_DIR),  # the code, not its files: cwd is empty
                "DJANGO_SETTINGS_MODULE": "plenary.settings",
                "DATABASE_URL": _test_database_url(),
                "REDIS_URL": redis.url,
                "PLENARY_TASKS_INLINE": "false",
                "PLENARY_MEDIA_ROOT": str(media),
                # No collectstatic run here: static files from the source tree.
                "PLENARY_STATICFILES_STORAGE": (
                    "django.contrib.staticfiles.storage.StaticFilesStorage"
                ),
                "EMAIL_URL": "consolemail://",
                "PYTHONUNBUFFERED": "1",
            }
            processes[name] = Process(name, command, env, tmp_path, cwd=cwd).start(
                ready=READY[name], timeout=60
            )
        yield {
            "web1": f"http://127.0.0.1:{ports[0]}",
            "web2": f"http://127.0.0.1:{ports[1]}",
            "bucket": bucket,
            "processes": processes,
            "places": places,
        }
    finally:
        for process in processes.values():
            process.stop()
        redis.close()
        moto_server.drop_bucket(bucket)
        for place in places.values():
            for path in place.values():
                shutil.rmtree(path, ignore_errors=True)


def signed_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    login = f"{base}{reverse('account_login')}"
    page = session.get(login, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        login,
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": login},
        timeout=30,
    )
    assert answer.ok and "sessionid" in session.cookies, answer.text[:2000]
    return session


def csrf_of(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:2000]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_paper_uploaded_on_one_web_process_is_read_reported_and_served_by_another(
    stack, settings, moto_server
):
    started = time.monotonic()
    # Passwords as the web processes check them (the suite's MD5 is not in their list).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    secretariat = convenor(email="secretariat@example.org")
    consultation = open_consultation(secretariat=secretariat)
    ParticipantFactory(display_name="Wanjiru", user__email="wanjiru@example.org")
    web1, web2 = stack["web1"], stack["web2"]

    # On web 1: the participant posts a comment with a paper.
    participant = signed_in(web1, "wanjiru@example.org")
    section = f"{web1}{reverse('section', args=[consultation.slug, SECTION])}"
    paper = pdf_bytes("Position paper", PHRASE)
    posted = participant.post(
        section,
        data={
            "body": "Our paper is attached.",
            "visibility": "public",
            "csrfmiddlewaretoken": csrf_of(participant, section),
        },
        files={"attachments": ("Position paper.pdf", paper, "application/pdf")},
        headers={"Referer": section},
        allow_redirects=False,
        timeout=60,
    )
    assert posted.status_code == 302, posted.text[:3000]
    attachment = Attachment.objects.get()
    assert moto_server.objects(stack["bucket"]) == {attachment.file.name: paper}

    # The worker reads the text from the bucket; web 2 shows it on the receipt page.
    receipt = f"{web2}{reverse('receipt', args=[attachment.comment.receipt])}"
    wait_until(
        lambda: PHRASE in participant.get(receipt, timeout=30).text,
        timeout=90,
        interval=0.5,
        message=lambda: (
            "the extracted text on web 2's receipt page; worker log:\n"
            + stack["processes"]["worker"].log_tail()
        ),
    )
    attachment.refresh_from_db()
    assert attachment.extraction == Attachment.Extraction.DONE

    # Web 2 serves the file's bytes.
    url = reverse("attachment", args=[attachment.pk, attachment.original_name])
    served = participant.get(f"{web2}{url}", timeout=30)
    assert served.status_code == 200
    assert served.content == paper
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert requests.get(f"{web2}{url}", timeout=30).status_code == 200  # public comment

    # The secretariat asks for the report on web 1; the worker builds it into the bucket.
    staff = signed_in(web1, "secretariat@example.org")
    report_page = f"{web1}{reverse('staff_report', args=[consultation.slug])}"
    asked = staff.post(
        report_page,
        data={"format": "pdf", "csrfmiddlewaretoken": csrf_of(staff, report_page)},
        headers={"Referer": report_page},
        allow_redirects=False,
        timeout=30,
    )
    assert asked.status_code == 302, asked.text[:2000]

    def built() -> OutcomeReport | None:
        run = OutcomeReport.objects.filter(consultation=consultation).first()
        if run is not None and run.state == OutcomeReport.State.FAILED:
            pytest.fail(f"the report failed: {run.error}")
        return run if run is not None and run.state == OutcomeReport.State.DONE else None

    run = wait_until(
        built,
        timeout=180,
        interval=1,
        message=lambda: "the report built; worker log:\n" + stack["processes"]["worker"].log_tail(),
    )
    stored = moto_server.objects(stack["bucket"])
    assert set(stored) == {attachment.file.name, run.file.name}

    # Web 2 serves the report, after the same check as ever.
    download = f"{web2}{reverse('staff_report_download', args=[consultation.slug, run.pk])}"
    report = staff.get(download, timeout=60)
    assert report.status_code == 200
    assert report.content == stored[run.file.name]
    assert report.content.startswith(b"%PDF-")
    assert participant.get(download, timeout=30).status_code == 403

    # Nothing was written on any process's disk.
    for name, place in stack["places"].items():
        for what, path in place.items():
            assert [p for p in path.rglob("*") if p.is_file()] == [], (name, what)
    print(f"\njourney on separate processes: {time.monotonic() - started:.1f} s")
