"""GET /metrics: who may read it, and that each series counts what happened.

Mails go to a real SMTP server (tests/smtp_sink.py); the outbox gauges are
compared with direct counts; tasks run inline here (a real worker:
test_worker_metrics.py).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from plenary.observability import metrics
from plenary.outbox import services as outbox
from plenary.outbox.models import OutboxMessage
from plenary.outbox.tasks import prune
from tests.plenary.observability.scraping import TOKEN, scrape, value
from tests.smtp_sink import SmtpSink, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def metrics_on(settings):
    settings.PLENARY_METRICS_TOKEN = TOKEN


def test_metrics_are_not_found_without_a_token_configured(client, settings):
    settings.PLENARY_METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN],
    ids=["none", "wrong", "empty", "other-scheme", "no-scheme"],
)
def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_on, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"plenary_" not in response.content


def test_metrics_with_the_token_are_prometheus_text_never_cached(client, metrics_on):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-cache" in response["Cache-Control"]
    assert b"# TYPE plenary_outbox_pending gauge" in response.content


def test_requests_are_counted_by_route_pattern_not_path(client, metrics_on, consultation):
    before = scrape(client)
    client.get("/healthz")
    client.get("/healthz")
    for key in ("1-purpose-1", "1-purpose-2", "no-such-section"):
        client.get(f"/c/{consultation.slug}/s/{key}/")
    after = scrape(client)

    healthz = {"route": "/healthz", "method": "GET", "status": "2xx"}
    name = "plenary_http_requests_total"
    assert value(after, name, **healthz) - value(before, name, **healthz) == 2
    section = "/c/<slug:slug>/s/<slug:key>/"
    ok = value(after, name, route=section, method="GET", status="2xx") - value(
        before, name, route=section, method="GET", status="2xx"
    )
    missing = value(after, name, route=section, method="GET", status="4xx") - value(
        before, name, route=section, method="GET", status="4xx"
    )
    assert (ok, missing) == (2, 1)
    assert not any(consultation.slug in str(labels) for _name, labels in after)
    # Latency and database queries per request, for the same route.
    count = "plenary_http_request_duration_seconds_count"
    assert (
        value(after, count, route=section, method="GET")
        - value(before, count, route=section, method="GET")
        == 3
    )
    queries = "plenary_http_request_db_queries_sum"
    assert value(after, queries, route=section) > value(before, queries, route=section)


def test_outbox_gauges_equal_direct_counts(client, metrics_on):
    now = timezone.now()
    for minutes in (3, 7, 12):
        row = OutboxMessage.objects.create(task_name="plenary.outbox.tasks.prune")
        OutboxMessage.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=minutes))
    OutboxMessage.objects.create(task_name="x.done", published_at=now, done_at=now)
    OutboxMessage.objects.create(task_name="x.given_up", gave_up_at=now)

    samples = scrape(client)
    pending = OutboxMessage.objects.filter(published_at__isnull=True, gave_up_at__isnull=True)
    assert value(samples, "plenary_outbox_pending") == pending.count() == 3
    age = value(samples, "plenary_outbox_oldest_pending_age_seconds")
    assert 12 * 60 <= age < 12 * 60 + 30


def test_a_mail_accepted_by_smtp_is_counted_sent_and_a_refused_one_failed(
    client, metrics_on, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    with SmtpSink() as sink:
        settings.EMAIL_PORT = sink.port
        before = scrape(client)
        assert outbox.send_mail_once(key="metrics-1", to="a@example.org", subject="s", text="t")
        assert len(sink.wait_for(1, timeout=10)) == 1
        after = scrape(client)
    assert (
        value(after, "plenary_mails_total", outcome="sent")
        - value(before, "plenary_mails_total", outcome="sent")
        == 1
    )

    settings.EMAIL_PORT = free_port()  # nothing listens: the mail certainly did not leave
    with pytest.raises(OSError):
        outbox.send_mail_once(key="metrics-2", to="a@example.org", subject="s", text="t")
    failed = scrape(client)
    assert (
        value(failed, "plenary_mails_total", outcome="failed")
        - value(after, "plenary_mails_total", outcome="failed")
        == 1
    )


def test_task_runs_are_counted_by_task_and_outcome(client, metrics_on):
    task = "plenary.outbox.tasks.prune"
    before = scrape(client)
    prune.apply()
    after = scrape(client)
    name = "plenary_task_runs_total"
    assert (
        value(after, name, task=task, outcome="success")
        - value(before, name, task=task, outcome="success")
        == 1
    )
    assert value(after, name, task=task, outcome="failure") == value(
        before, name, task=task, outcome="failure"
    )


def test_report_build_durations_are_a_histogram(client, metrics_on):
    before = scrape(client)
    metrics.report_built(seconds=4.2)
    after = scrape(client)
    name = "plenary_report_build_duration_seconds"
    assert value(after, f"{name}_count") - value(before, f"{name}_count") == 1
    assert value(after, f"{name}_bucket", le="5.0") - value(before, f"{name}_bucket", le="5.0") == 1
    assert value(after, f"{name}_bucket", le="1.0") == value(before, f"{name}_bucket", le="1.0")
    assert value(after, f"{name}_sum") - value(before, f"{name}_sum") == pytest.approx(4.2)
