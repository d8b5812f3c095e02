"""Log lines people can search: the access line, and tasks carrying the request id that
enqueued them (inline here; through the outbox, the relay and a real worker in
test_worker_observability.py)."""

import io
import json
import logging

import pytest
from django.urls import reverse

from plenary.observability import logs
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Every record logged while the test runs, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)


def access_lines(lines):
    return [line for line in lines if line["logger"] == "plenary.request"]


def test_a_request_logs_one_json_access_line_with_its_sane_request_id(client, json_lines):
    response = client.get("/healthz?token=secret-in-query", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"
    [line] = access_lines(json_lines())
    assert line["request_id"] == "lb-1234abcd"
    assert line["message"].startswith("GET /healthz 200 ")
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "GET",
        "/healthz",
        "/healthz",
        200,
    )
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    assert line["time"].endswith("Z") and line["time"][10] == "T"
    assert "secret-in-query" not in json.dumps(line)


@pytest.mark.parametrize(
    "sent", ["x" * 65, "short", "id with spaces", "rid\nforged line", "<script>1234</script>"]
)
def test_an_insane_request_id_is_replaced(client, json_lines, sent):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    made = response["X-Request-ID"]
    assert made != sent and len(made) == 32
    assert access_lines(json_lines())[0]["request_id"] == made


def test_secret_url_parameters_stay_out_of_the_access_line(client, json_lines):
    client.get("/unsubscribe/Zqsecret-unsubscribe-token/")
    [line] = access_lines(json_lines())
    assert "Zqsecret" not in json.dumps(line)
    assert line["path"] == "/unsubscribe/<token>/"


def test_an_inline_task_logs_the_request_id_that_enqueued_it(
    client, consultation, json_lines, django_capture_on_commit_callbacks
):
    user = ParticipantFactory().user
    client.force_login(user)
    section = consultation.versions.get().sections.order_by("ordinal")[1]
    url = reverse("section", args=[consultation.slug, section.key])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"body": "A point on licences.", "visibility": "public"})
    assert response.status_code == 302
    request_id = response["X-Request-ID"]

    lines = json_lines()
    [access] = access_lines(lines)
    assert (access["request_id"], access["user_id"], access["method"]) == (
        request_id,
        user.pk,
        "POST",
    )
    [task] = [line for line in lines if line["logger"] == "plenary.task"]
    assert task["task_name"] == "comments.tasks.send_receipt"
    assert task["request_id"] == request_id
    assert task["state"] == "SUCCESS"
    assert task["task_id"]


def test_the_text_format_has_time_level_logger_and_request_id():
    record = logging.LogRecord("plenary.request", logging.INFO, __file__, 1, "GET / 200", (), None)
    record.request_id = "abcd1234"
    line = logs.TextFormatter().format(record)
    time, level, logger, rest = line.split(" ", 3)
    assert time.endswith("Z") and level == "INFO" and logger == "plenary.request"
    assert rest == "rid=abcd1234 GET / 200"
