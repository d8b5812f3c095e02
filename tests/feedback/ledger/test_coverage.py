"""Coverage (share answered, median days to answer) and the overdue reminder."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from feedback import tasks
from feedback.ledger import selectors, services
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory
from tests.test_query_counts import add_comments

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def comment_on(consultation, author, section_key, body="A comment."):
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=section_key, body=body
    )


@pytest.fixture
def four_comments(secretariat, stakeholder, other_stakeholder):
    """Four comments made at T0; A answered after 2 days, B after 4 (then revised on day 9,
    which must not count: days to answer run to the *first* published decision)."""
    with time_machine.travel(T0, tick=False):
        consultation = open_consultation(secretariat=secretariat, days=30)
        a = comment_on(consultation, stakeholder, "1-purpose-1")
        b = comment_on(consultation, other_stakeholder, "2-scope-1")
        c = comment_on(consultation, stakeholder, "1-purpose-1")
        d = comment_on(consultation, other_stakeholder, "2-scope-1")
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        services.disposition_record(actor=secretariat, comment=a, status="noted", publish=True)
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        services.disposition_record(actor=secretariat, comment=b, status="noted", publish=True)
        services.disposition_record(actor=secretariat, comment=c, status="noted")  # a draft
    with time_machine.travel(T0 + timedelta(days=9), tick=False):
        services.disposition_record(
            actor=secretariat,
            comment=b,
            status="accepted",
            rationale="On reflection.",
            publish=True,
        )
    return consultation, (a, b, c, d)


def test_coverage_share_and_median_days(four_comments):
    consultation, _comments = four_comments
    result = selectors.coverage(consultation=consultation)
    overall = result["overall"]
    assert (overall.total, overall.answered, overall.share, overall.median_days) == (
        4,
        2,
        50.0,
        3.0,
    )
    [round_1] = result["rounds"]
    assert (round_1.round_number, round_1.total, round_1.answered, round_1.median_days) == (
        1,
        4,
        2,
        3.0,
    )
    by_key = {row.section_key: row for row in result["sections"]}
    assert [row.section_key for row in result["sections"]] == ["1-purpose-1", "2-scope-1"]
    assert (by_key["1-purpose-1"].answered, by_key["1-purpose-1"].median_days) == (1, 2.0)
    assert (by_key["2-scope-1"].answered, by_key["2-scope-1"].median_days) == (1, 4.0)
    assert by_key["2-scope-1"].share == 50.0


def test_coverage_page_shows_the_numbers_in_tables(client, four_comments, secretariat):
    consultation, _comments = four_comments
    analyst = ParticipantFactory().user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=analyst, role="analyst"
    )
    url = reverse("staff_coverage", args=[consultation.slug])
    for user in (secretariat, analyst):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert '<table class="list numbers" id="coverage-rounds">' in html
        assert '<th scope="col" class="num">Median days to answer</th>' in html
        assert (
            '<td class="num">4</td><td class="num">2</td><td class="num">50%</td>'
            '<td class="num">3.0</td>'
        ) in html
        assert '<td class="num">2</td><td class="num">1</td><td class="num">50%</td>' in html
        assert '<td class="num">4.0</td>' in html and '<td class="num">2.0</td>' in html


def test_coverage_is_for_the_team_only(client, four_comments, stakeholder):
    consultation, _comments = four_comments
    client.force_login(stakeholder)
    assert client.get(reverse("staff_coverage", args=[consultation.slug])).status_code == 403


def test_coverage_queries_do_not_grow(consultation, secretariat):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            result = selectors.coverage(consultation=consultation)
        return len(ctx.captured_queries), result

    add_comments(consultation, secretariat, 10)
    small, result = count()
    assert result["overall"].answered == 2
    add_comments(consultation, secretariat, 290)
    large, result = count()
    assert result["overall"].answered == 60
    assert small == large <= 5


# --- the overdue reminder ------------------------------------------------------------


def test_overdue_reminder_goes_to_the_secretariat_once_a_day(
    settings, secretariat, stakeholder, mailoutbox
):
    settings.PLENARY_RESPONSE_TARGET_DAYS = 10
    with time_machine.travel(T0, tick=False):
        consultation = open_consultation(secretariat=secretariat, days=30)
        moderator = ParticipantFactory().user
        colleague = ParticipantFactory().user
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=moderator, role="moderator"
        )
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=colleague, role="secretariat"
        )
        waiting = [comment_on(consultation, stakeholder, "1-purpose-1") for _ in range(3)]
        services.disposition_record(
            actor=secretariat, comment=waiting[0], status="noted", publish=True
        )
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        late = comment_on(consultation, stakeholder, "2-scope-1")  # not overdue yet
    mailoutbox.clear()

    with time_machine.travel(T0 + timedelta(days=9), tick=False):
        assert services.overdue_comments_remind() == 0  # nobody waits 10 days yet
    with time_machine.travel(T0 + timedelta(days=11), tick=False):
        assert services.overdue_comments_remind() == 2
        assert services.overdue_comments_remind() == 0  # the same day: nothing twice
    assert sorted(m.to[0] for m in mailoutbox) == sorted([secretariat.email, colleague.email])
    mail = mailoutbox[0]
    assert "2 comments wait longer than 10 days" in mail.subject
    assert consultation.title in mail.subject
    triage = settings.SITE_URL + reverse("staff_triage", args=[consultation.slug])
    assert f"{triage}?status=overdue" in mail.body  # the triage filtered to them

    with time_machine.travel(T0 + timedelta(days=16), tick=False):
        assert tasks.remind_overdue_comments.apply().get() == 2  # the next day, via the task
    assert "3 comments wait" in mailoutbox[-1].subject  # `late` is now overdue too
    assert late.receipt not in mailoutbox[-1].body  # a count, not a list


def test_overdue_reminder_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["remind-overdue-comments"]
    assert entry["task"] == "feedback.tasks.remind_overdue_comments"
    assert entry["schedule"].hour == {6}
