"""Rounds (issue 3): minimum window, edits, extensions, the scheduler, the timeline, time zones.

The clock is frozen with time-machine and moved across ``opens_at`` and
``closes_at``; mail is Django's test outbox (tasks run inline).
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment
from comments.threads import services as comment_services
from consult.consultations import services
from consult.models import Follow, Round, RoundExtension
from consult.rounds import selectors as round_selectors
from consult.rounds import services as rounds
from consult.versions import services as version_services
from plenary.audit.models import AuditEvent
from tests.consult.factories import DRAFT, open_consultation
from tests.stakeholders.factories import ParticipantFactory, api_token_for, convenor

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
SECTION = "1-purpose-2"

pytestmark = pytest.mark.django_db


def at(moment):
    return time_machine.travel(moment, tick=False)


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


@pytest.fixture
def secretariat(db):
    return convenor(email="secretariat@example.org")


@pytest.fixture
def scheduled(secretariat):
    """Round 1 open T0 .. T0+21d; round 2 scheduled T0+30d .. T0+60d (frozen at T0)."""
    with at(T0):
        consultation = open_consultation(secretariat=secretariat, days=21)
        version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
        services.round_open(
            actor=secretariat,
            consultation=consultation,
            opens_at=T0 + timedelta(days=30),
            closes_at=T0 + timedelta(days=60),
            title="Second reading",
            background="Read the **white paper** first.",
        )
    return consultation


def follower(consultation, email="follower@example.org"):
    user = ParticipantFactory(user__email=email, display_name=email.split("@")[0].title()).user
    Follow.objects.create(user=user, consultation=consultation)
    return user


def state(consultation):
    return (
        list(Round.objects.filter(consultation=consultation).values_list()),
        RoundExtension.objects.count(),
    )


# --- the minimum window and bad input ---------------------------------------------------


def test_secretariat_cannot_schedule_a_short_round_without_a_public_reason(scheduled, secretariat):
    before = state(scheduled)
    with at(T0), pytest.raises(ValidationError) as exc:
        services.round_open(
            actor=secretariat,
            consultation=scheduled,
            opens_at=T0 + timedelta(days=61),
            closes_at=T0 + timedelta(days=61 + 14),
        )
    assert "short_window_reason" in exc.value.message_dict
    assert "at least 21 days" in exc.value.message_dict["short_window_reason"][0]
    assert "14 days" in exc.value.message_dict["short_window_reason"][0]
    assert state(scheduled) == before


def test_the_minimum_window_is_a_setting(scheduled, secretariat, settings):
    settings.PLENARY_MIN_ROUND_DAYS = 10
    with at(T0):
        round_ = services.round_open(
            actor=secretariat,
            consultation=scheduled,
            opens_at=T0 + timedelta(days=61),
            closes_at=T0 + timedelta(days=61 + 14),
        )
    assert round_.short_window_reason == ""


def test_a_short_round_with_a_reason_is_scheduled_and_the_reason_is_public(
    client, scheduled, secretariat
):
    with at(T0):
        services.round_open(
            actor=secretariat,
            consultation=scheduled,
            opens_at=T0 + timedelta(days=61),
            closes_at=T0 + timedelta(days=61 + 10),
            short_window_reason="The minister asked for the text before the summit.",
        )
        page = client.get(reverse("consultation", args=[scheduled.slug])).content.decode()
    assert "The minister asked for the text before the summit." in page
    assert "Open for less than the usual 21 days" in page
    assert AuditEvent.objects.filter(event="round_scheduled", target="round 3").exists()


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        (40, 35, "closes_at"),  # closes before it opens
        (-30, -5, "closes_at"),  # already closed
        (50, 80, "opens_at"),  # overlaps round 2
        (10, 31, "opens_at"),  # runs into round 2
    ],
)
def test_bad_round_dates_are_refused_with_a_message_and_nothing_written(
    client, scheduled, secretariat, opens, closes, field
):
    before = state(scheduled)
    client.force_login(secretariat)
    with at(T0):
        response = client.post(
            reverse("staff_round_new", args=[scheduled.slug]),
            {
                "tz": "UTC",
                "opens_at": (T0 + timedelta(days=opens)).strftime("%Y-%m-%dT%H:%M"),
                "closes_at": (T0 + timedelta(days=closes)).strftime("%Y-%m-%dT%H:%M"),
                "title": "Typed and kept",
                "short_window_reason": "Because.",
            },
        )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Typed and kept" in response.content.decode()
    assert state(scheduled) == before


def test_a_bad_time_zone_in_the_round_form_is_refused(client, scheduled, secretariat):
    before = state(scheduled)
    client.force_login(secretariat)
    with at(T0):
        response = client.post(
            reverse("staff_round_new", args=[scheduled.slug]),
            {"tz": "Mars/Olympus_Mons", "closes_at": "2026-06-01T12:00"},
        )
    assert "tz" in response.context["form"].errors
    assert "is not a time zone we know" in response.content.decode()
    assert state(scheduled) == before


def test_round_form_dates_are_read_in_the_chosen_zone(client, scheduled, secretariat):
    client.force_login(secretariat)
    with at(T0):
        response = client.post(
            reverse("staff_round_new", args=[scheduled.slug]),
            {
                "tz": "America/Sao_Paulo",  # UTC-3
                "opens_at": "2026-05-10T09:00",
                "closes_at": "2026-06-10T18:00",
                "title": "Third",
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    third = scheduled.rounds.get(number=3)
    assert third.opens_at == datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    assert third.closes_at == datetime(2026, 6, 10, 21, 0, tzinfo=UTC)


# --- editing before it opens --------------------------------------------------------------


def test_secretariat_can_edit_a_scheduled_round_before_it_opens(client, scheduled, secretariat):
    client.force_login(secretariat)
    with at(T0):
        response = client.post(
            reverse("staff_round_edit", args=[scheduled.slug, 2]),
            {
                "tz": "UTC",
                "opens_at": "2026-04-05T09:00",
                "closes_at": "2026-05-05T09:00",
                "title": "Second reading, moved",
                "background": "New background.",
            },
        )
    assert response.status_code == 302
    second = scheduled.rounds.get(number=2)
    assert (second.title, second.opens_at) == (
        "Second reading, moved",
        datetime(2026, 4, 5, 9, 0, tzinfo=UTC),
    )
    assert AuditEvent.objects.filter(event="round_updated").count() == 1


def test_an_open_round_cannot_be_edited_only_extended(scheduled, secretariat):
    first = scheduled.rounds.get(number=1)
    before = state(scheduled)
    with at(T0 + timedelta(days=1)), pytest.raises(ValidationError) as exc:
        rounds.round_update(
            actor=secretariat,
            round_=first,
            opens_at=T0,
            closes_at=T0 + timedelta(days=10),
            short_window_reason="Shorter",
        )
    assert "Extend it instead" in exc.value.message_dict["opens_at"][0]
    assert state(scheduled) == before


def test_a_scheduled_round_cannot_be_moved_into_the_past(scheduled, secretariat):
    second = scheduled.rounds.get(number=2)
    before = state(scheduled)
    with at(T0 + timedelta(days=25)), pytest.raises(ValidationError) as exc:
        rounds.round_update(
            actor=secretariat,
            round_=second,
            opens_at=T0 + timedelta(days=22),
            closes_at=T0 + timedelta(days=60),
        )
    assert "cannot be in the past" in exc.value.message_dict["opens_at"][0]
    assert state(scheduled) == before


def test_an_edit_that_overlaps_another_round_is_refused(scheduled, secretariat):
    second = scheduled.rounds.get(number=2)
    before = state(scheduled)
    with at(T0), pytest.raises(ValidationError) as exc:
        rounds.round_update(
            actor=secretariat,
            round_=second,
            opens_at=T0 + timedelta(days=20),
            closes_at=T0 + timedelta(days=60),
        )
    assert "overlap round 1" in exc.value.message_dict["opens_at"][0]
    assert state(scheduled) == before


def test_a_stakeholder_cannot_edit_or_extend_a_round(client, scheduled):
    stakeholder = ParticipantFactory().user
    client.force_login(stakeholder)
    assert client.get(reverse("staff_round_edit", args=[scheduled.slug, 2])).status_code == 403
    assert client.get(reverse("staff_round_extend", args=[scheduled.slug, 1])).status_code == 403


# --- extensions ---------------------------------------------------------------------------


def test_secretariat_extends_an_open_round_announced_on_the_page_and_mailed(
    client, scheduled, secretariat, django_capture_on_commit_callbacks
):
    fan = follower(scheduled)
    client.force_login(secretariat)
    with at(T0 + timedelta(days=5)), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_round_extend", args=[scheduled.slug, 1]),
            {
                "tz": "UTC",
                "new_closes_at": "2026-03-27T09:00",
                "reason": "Two ministries asked for more time.",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("consultation", args=[scheduled.slug])).content.decode()
    first = scheduled.rounds.get(number=1)
    assert first.closes_at == datetime(2026, 3, 27, 9, 0, tzinfo=UTC)
    extension = first.extensions.get()
    assert extension.previous_closes_at == T0 + timedelta(days=21)
    assert (
        "Extended from 23 March 2026 09:00 UTC to 27 March 2026 09:00 UTC: "
        "Two ministries asked for more time." in page
    )
    assert AuditEvent.objects.filter(event="round_extended").count() == 1
    [sent] = [m for m in mail.outbox if fan.email in m.to]
    assert "extended" in sent.subject and "Two ministries asked for more time." in sent.body
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    ("moment", "new_close", "reason", "field", "message"),
    [
        (5, 20, "Less", "new_closes_at", "never shortened"),  # shortening
        (5, 21, "Same", "new_closes_at", "never shortened"),  # not later
        (5, 35, "Into round 2", "new_closes_at", "run into round 2"),
        (22, 28, "Reopen", "new_closes_at", "cannot be reopened"),  # closed already
        (5, 25, "  ", "reason", "shown publicly"),
    ],
)
def test_bad_extensions_are_refused_with_a_message_and_nothing_written(
    scheduled, secretariat, moment, new_close, reason, field, message
):
    fan = follower(scheduled)
    first = scheduled.rounds.get(number=1)
    before = state(scheduled)
    with at(T0 + timedelta(days=moment)), pytest.raises(ValidationError) as exc:
        rounds.round_extend(
            actor=secretariat,
            round_=first,
            new_closes_at=T0 + timedelta(days=new_close),
            reason=reason,
        )
    assert message in " ".join(exc.value.message_dict[field])
    assert state(scheduled) == before
    assert not [m for m in mail.outbox if fan.email in m.to]


# --- the scheduler and the clock ---------------------------------------------------------


def test_the_scheduler_announces_each_opening_and_close_once(
    scheduled, django_capture_on_commit_callbacks
):
    fan = follower(scheduled)
    quiet = follower(scheduled, email="quiet@example.org")
    quiet.mail_round_closing = False
    quiet.save(update_fields=["mail_round_closing"])
    with at(T0 + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert rounds.rounds_announce() == 1  # round 1 opened
        assert rounds.rounds_announce() == 0
    assert [m.subject for m in mail.outbox if fan.email in m.to] == [
        "[Open data policy] Round 1 is open for comments"
    ]
    with (
        at(T0 + timedelta(days=21, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert rounds.rounds_announce() == 1  # round 1 closed
    with (
        at(T0 + timedelta(days=30, minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert rounds.rounds_announce() == 1  # round 2 opened
        assert rounds.rounds_announce() == 0
        rounds.round_announcement_send(round_id=scheduled.rounds.get(number=2).pk, event="opened")
    subjects = [m.subject for m in mail.outbox if fan.email in m.to]
    assert subjects == [
        "[Open data policy] Round 1 is open for comments",
        "[Open data policy] Round 1 has closed",
        "[Open data policy] Round 2 is open for comments",
    ]
    assert not [m for m in mail.outbox if quiet.email in m.to]
    second = scheduled.rounds.get(number=2)
    assert second.opened_announced_at == T0 + timedelta(days=30, minutes=1)
    assert second.closed_announced_at is None
    assert AuditEvent.objects.filter(event__in=["round_opened", "round_closed"]).count() == 3


def test_a_close_found_long_after_the_fact_is_stamped_without_mail(
    scheduled, django_capture_on_commit_callbacks
):
    fan = follower(scheduled)
    with at(T0 + timedelta(days=25)), django_capture_on_commit_callbacks(execute=True):
        assert rounds.rounds_announce() == 2  # round 1: opened and closed
    first = scheduled.rounds.get(number=1)
    assert first.opened_announced_at and first.closed_announced_at
    assert not [m for m in mail.outbox if fan.email in m.to]


def test_the_beat_task_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["rounds-tick"]
    assert entry["task"] == "consult.tasks.rounds_tick"
    from consult import tasks

    assert tasks.rounds_tick.name == "consult.tasks.rounds_tick"


def test_comments_open_and_close_with_the_clock_on_pages_api_replies_and_edits(client, scheduled):
    author = ParticipantFactory(user__email="author@example.org").user
    url = reverse("consultation", args=[scheduled.slug])
    api_url = f"/api/v1/consultations/{scheduled.slug}/comments/"
    with at(T0 + timedelta(days=21) - timedelta(minutes=1)):  # the last minute
        comment = comment_services.comment_create(
            actor=author, consultation=scheduled, section_key=SECTION, body="Just in time."
        )
        assert "Open for comments" in client.get(url).content.decode()
    with at(T0 + timedelta(days=21)):  # closes_at itself: closed
        page = client.get(url).content.decode()
        assert "Comments closed on" in page
        response = api(author).post(
            api_url, {"section": SECTION, "body": "Too late."}, format="json"
        )
        assert response.status_code == 400 and "round" in response.json()
        reply = api(author).post(
            api_url, {"parent": comment.receipt, "body": "A late reply."}, format="json"
        )
        assert reply.status_code == 400 and "round" in reply.json()
        edit = api(author).patch(
            f"/api/v1/comments/{comment.receipt}/", {"body": "Edited late."}, format="json"
        )
        assert edit.status_code == 400 and "round" in edit.json()
        client.force_login(author)
        section_page = client.get(reverse("section", args=[scheduled.slug, SECTION]))
        assert "Comments are closed" in section_page.content.decode()
    assert Comment.objects.filter(consultation=scheduled).count() == 1
    assert Comment.objects.get().body == "Just in time."
    with at(T0 + timedelta(days=30)):  # round 2 opens: comments again, tied to round 2
        later = comment_services.comment_create(
            actor=author, consultation=scheduled, section_key=SECTION, body="Round two."
        )
    assert (comment.round.number, later.round.number) == (1, 2)


# --- the timeline ---------------------------------------------------------------------------


def test_timeline_shows_past_counts_the_current_countdown_and_the_next_round(
    client, django_assert_max_num_queries, scheduled, secretariat
):
    author = ParticipantFactory().user
    with at(T0 + timedelta(days=1)):
        for n in range(3):
            comment_services.comment_create(
                actor=author, consultation=scheduled, section_key=SECTION, body=f"First {n}."
            )
    with at(T0 + timedelta(days=30)):
        comment_services.comment_create(
            actor=author, consultation=scheduled, section_key=SECTION, body="Second round."
        )
    with at(T0 + timedelta(days=56, hours=19, minutes=30)):
        page = client.get(reverse("consultation", args=[scheduled.slug])).content.decode()
        charter = client.get(reverse("consultation_charter", args=[scheduled.slug]))
    assert "3 public comments" in page  # round 1, past
    assert "closes in 3 days, 4 hours" in page  # round 2, current
    assert "1 public comment so far" in page
    assert "Read the <strong>white paper</strong> first." in page
    assert "closes in 3 days, 4 hours" in charter.content.decode()


def test_countdown_wording():
    now = T0
    countdown = round_selectors.countdown
    assert countdown(until=now + timedelta(days=3, hours=4, minutes=59), now=now) == (
        "3 days, 4 hours"
    )
    assert countdown(until=now + timedelta(minutes=59), now=now) == "less than an hour"
    assert countdown(until=now + timedelta(days=1), now=now) == "1 day"


# --- the viewer's time zone -----------------------------------------------------------------


def test_dates_are_shown_in_the_zone_the_viewer_chose(client, scheduled):
    url = reverse("consultation", args=[scheduled.slug])
    with at(T0):
        assert "23 March 2026 09:00 UTC" in client.get(url).content.decode()
        response = client.post(reverse("timezone_settings"), {"tz": "Africa/Nairobi", "next": url})
        assert response.status_code == 302 and response["Location"] == url
        page = client.get(url).content.decode()
    assert "23 March 2026 12:00 EAT" in page
    assert "Times shown in Africa/Nairobi" in page


def test_an_unknown_time_zone_is_refused_and_changes_nothing(client, scheduled):
    response = client.post(reverse("timezone_settings"), {"tz": "Europe/Atlantis", "next": "/"})
    assert response.status_code == 400
    assert "is not a time zone we know" in response.content.decode()
    assert "tz" not in response.cookies
    client.cookies["tz"] = "Not/AZone"  # a forged cookie: ignored, the site's zone applies
    with at(T0):
        page = client.get(reverse("consultation", args=[scheduled.slug])).content.decode()
    assert "23 March 2026 09:00 UTC" in page


def test_the_time_zone_page_sends_nobody_to_another_site(client):
    response = client.post(
        reverse("timezone_settings"), {"tz": "Asia/Tokyo", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_secretariat_finds_edit_and_extend_on_the_staff_page(client, scheduled, secretariat):
    client.force_login(secretariat)
    with at(T0 + timedelta(days=1)):
        page = client.get(reverse("staff_consultation", args=[scheduled.slug])).content.decode()
        edit = client.get(reverse("staff_round_edit", args=[scheduled.slug, 2]))
        extend = client.get(reverse("staff_round_extend", args=[scheduled.slug, 1]))
        opened = client.get(reverse("staff_round_edit", args=[scheduled.slug, 1]))
    assert reverse("staff_round_edit", args=[scheduled.slug, 2]) in page
    assert reverse("staff_round_edit", args=[scheduled.slug, 1]) not in page  # open already
    assert reverse("staff_round_extend", args=[scheduled.slug, 1]) in page
    assert edit.status_code == extend.status_code == opened.status_code == 200
    assert "Second reading" in edit.content.decode()
    assert "This round has opened" in opened.content.decode()
    assert 'name="tz"' in extend.content.decode()
