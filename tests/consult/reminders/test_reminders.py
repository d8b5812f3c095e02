"""Reminders (issue 7): follows, round-closing reminders, the reply digest, staff reminders
and the one-click unsubscribe.

Mails go to a real SMTP server (``tests/smtp_sink.py``) through Django's SMTP
backend, so the headers tested are the headers on the wire.  The clock is
frozen with time-machine.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from comments.permissions import public_q
from comments.threads import services as comment_services
from consult.models import Consultation, Follow
from consult.reminders import selectors as reminder_selectors
from consult.reminders import services as reminders
from feedback.ledger import services as feedback_services
from plenary.outbox.models import MailDelivery
from stakeholders.accounts import unsubscribe
from stakeholders.models import User
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory, convenor

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


def person(email: str, **fields) -> User:
    user = ParticipantFactory(user__email=email, display_name=email.split("@")[0].title()).user
    if fields:
        User.objects.filter(pk=user.pk).update(**fields)
        user.refresh_from_db()
    return user


def to(mails) -> list[str]:
    return sorted(address for m in mails for address in m.rcpt_tos)


def unsubscribe_link(mail) -> str:
    """The List-Unsubscribe URL, parsed as RFC 2369 says: one <URL> in angle brackets."""
    header = mail.message["List-Unsubscribe"]
    assert header is not None, "no List-Unsubscribe header"
    found = re.fullmatch(r"<(https://[^>]+)>", str(header).strip())
    assert found, header
    assert str(mail.message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    url = found.group(1)
    assert url in mail.text, "the same link must be in the body"
    return url


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def closing_round(db):
    """A consultation whose round opened at T0 and closes at T0 + 10 days."""
    with at(T0):
        secretariat = convenor(email="secretariat@example.org")
        consultation = open_consultation(secretariat=secretariat, days=10)
    return consultation


# --- follows -------------------------------------------------------------------


@pytest.mark.django_db
def test_participant_can_follow_and_unfollow_with_the_button(client, closing_round):
    user = person("amara@example.org")
    client.force_login(user)
    page = reverse("consultation", args=[closing_round.slug])
    html = client.get(page).content.decode()
    assert "Follow this consultation" in html
    assert reverse("consultation_follow", args=[closing_round.slug]) in html

    response = client.post(
        reverse("consultation_follow", args=[closing_round.slug]), {"following": "1"}
    )
    assert response.status_code == 302 and response["Location"] == page
    assert Follow.objects.filter(user=user, consultation=closing_round).count() == 1
    html = client.get(page).content.decode()
    assert "You follow this consultation" in html and "Unfollow" in html

    client.post(reverse("consultation_follow", args=[closing_round.slug]), {"following": "1"})
    assert Follow.objects.filter(user=user).count() == 1  # idempotent

    client.post(reverse("consultation_follow", args=[closing_round.slug]), {})
    assert not Follow.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_anonymous_cannot_follow_and_nobody_follows_an_unpublished_consultation(
    client, closing_round
):
    url = reverse("consultation_follow", args=[closing_round.slug])
    response = client.post(url, {"following": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(url).status_code in {302, 405}

    Consultation.objects.filter(pk=closing_round.pk).update(status=Consultation.Status.DRAFT)
    client.force_login(person("amara@example.org"))
    assert client.post(url, {"following": "1"}).status_code == 403
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_the_first_comment_follows_the_consultation_and_an_unfollow_sticks(closing_round):
    user = person("amara@example.org")
    with at(T0 + timedelta(hours=1)):
        comment_services.comment_create(actor=user, consultation=closing_round, body="First.")
        assert reminder_selectors.is_following(user=user, consultation=closing_round)
        reminders.follow_set(user=user, consultation=closing_round, following=False)
        comment_services.comment_create(actor=user, consultation=closing_round, body="Second.")
    assert not reminder_selectors.is_following(user=user, consultation=closing_round)


# --- round closing --------------------------------------------------------------


@pytest.mark.django_db
def test_round_closing_reminders_go_once_each_to_followers_who_want_them(smtp, closing_round):
    follower = person("follower@example.org")
    commenter = person("commenter@example.org")
    opted_out = person("quiet@example.org", mail_round_closing=False)
    person("bystander@example.org")  # does not follow: never mailed
    with at(T0 + timedelta(hours=1)):
        reminders.follow_set(user=follower, consultation=closing_round, following=True)
        reminders.follow_set(user=opted_out, consultation=closing_round, following=True)
        comment_services.comment_create(actor=commenter, consultation=closing_round, body="Hi.")
    smtp.clear()  # the receipt

    with at(T0 + timedelta(days=2)):  # 8 days left: too early
        assert reminders.round_closing_remind() == 0
    with at(T0 + timedelta(days=3, hours=1)):  # 6 days 23 hours left
        assert reminders.round_closing_remind() == 2
        assert reminders.round_closing_remind() == 0  # the next hourly run
    week = smtp.wait_for(2, 5)
    assert to(week) == ["commenter@example.org", "follower@example.org"]
    assert all("closes in a week" in m.subject for m in week)
    assert all(closing_round.title in m.text for m in week)
    assert all("https://plenary.example.net/c/" in m.text for m in week)

    with at(T0 + timedelta(days=6)):
        assert reminders.round_closing_remind() == 0
    with at(T0 + timedelta(days=9, hours=2)):  # 22 hours left
        assert reminders.round_closing_remind() == 2
        assert reminders.round_closing_remind() == 0
    with at(T0 + timedelta(days=10, hours=1)):  # closed
        assert reminders.round_closing_remind() == 0
    mails = smtp.wait_for(4, 5)
    assert len(mails) == 4
    last_day = mails[2:]
    assert to(last_day) == ["commenter@example.org", "follower@example.org"]
    assert all("Last day to comment" in m.subject for m in last_day)
    for mail in mails:
        assert urlsplit(unsubscribe_link(mail)).path.startswith("/unsubscribe/")
    # Every mail carries the Message-ID of its key, and no key was used twice.
    assert len({m.message["Message-ID"] for m in mails}) == 4
    assert MailDelivery.objects.filter(key__startswith="round-closing-").count() == 4


@pytest.mark.django_db
def test_a_round_found_inside_its_last_day_gets_only_the_last_day_reminder(smtp, closing_round):
    follower = person("follower@example.org")
    reminders.follow_set(user=follower, consultation=closing_round, following=True)
    with at(T0 + timedelta(days=9, hours=12)):  # the beat was down all week
        assert reminders.round_closing_remind() == 1
    (mail,) = smtp.wait_for(1, 5)
    assert "Last day" in mail.subject


# --- unsubscribe ------------------------------------------------------------------


@pytest.mark.django_db
def test_one_click_post_unsubscribes_from_that_kind_only_without_csrf_or_sign_in(
    smtp, closing_round
):
    follower = person("follower@example.org")
    reminders.follow_set(user=follower, consultation=closing_round, following=True)
    with at(T0 + timedelta(days=9, hours=12)):
        reminders.round_closing_remind()
    url = unsubscribe_link(smtp.wait_for(1, 5)[0])
    path = urlsplit(url).path
    browser = Client(enforce_csrf_checks=True)  # RFC 8058: no cookie, no CSRF token

    page = browser.get(path)  # a link scanner's GET changes nothing
    assert page.status_code == 200
    assert b'method="post"' in page.content and b"Unsubscribe</button>" in page.content
    follower.refresh_from_db()
    assert follower.mail_round_closing is True

    response = browser.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    follower.refresh_from_db()
    assert follower.mail_round_closing is False
    assert follower.mail_reply_digest is True and follower.mail_staff_reminders is True
    assert browser.post(path).status_code == 200  # again: still off, no error

    with at(T0 + timedelta(days=9, hours=13)):
        MailDelivery.objects.all().delete()  # even a fresh key: the opt-out decides
        assert reminders.round_closing_remind() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["flip", "kind", "garbage"])
def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing(client, tamper):
    user = person("amara@example.org")
    token = unsubscribe.token_for(user=user, kind=unsubscribe.Kind.REPLY_DIGEST)
    if tamper == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif tamper == "kind":  # the signature of one kind does not open another
        token = token.replace("reply_digest", "round_closing")
    else:
        token = "nonsense"
    response = client.post(reverse("unsubscribe", args=[token]))
    assert response.status_code == 400
    assert b"not valid" in response.content
    user.refresh_from_db()
    assert user.mail_reply_digest and user.mail_round_closing and user.mail_staff_reminders


# --- the reminder settings page ------------------------------------------------------


@pytest.mark.django_db
def test_reminder_settings_page_saves_the_switches_and_lists_follows(client, closing_round):
    user = person("amara@example.org")
    reminders.follow_set(user=user, consultation=closing_round, following=True)
    url = reverse("reminder_settings")
    assert client.get(url).status_code == 302  # sign-in needed
    client.force_login(user)
    assert reverse("reminder_settings").encode() in client.get(reverse("profile")).content
    html = client.get(url).content.decode()
    for field in ("mail_round_closing", "mail_reply_digest", "mail_staff_reminders"):
        assert re.search(rf'<label for="id_{field}"', html), field
        assert re.search(rf'name="{field}"[^>]*checked', html), field
    assert closing_round.title in html

    response = client.post(url, {"mail_reply_digest": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.mail_round_closing, user.mail_reply_digest, user.mail_staff_reminders) == (
        False,
        True,
        False,
    )

    response = client.post(reverse("consultation_follow", args=[closing_round.slug]), {"next": url})
    assert response["Location"] == url
    assert not Follow.objects.filter(user=user).exists()
    html = client.get(url).content.decode()
    assert "You no longer follow" in html  # the message after the redirect
    assert "None yet." in html and f'href="/c/{closing_round.slug}/"' not in html


# --- the reply digest -------------------------------------------------------------


@pytest.mark.django_db
def test_reply_digest_lists_yesterdays_replies_from_others_once_a_day(smtp, closing_round):
    author = person("author@example.org")
    replier = person("replier@example.org")
    quiet = person("quiet@example.org", mail_reply_digest=False)
    day = T0 + timedelta(days=1)  # Tuesday
    with at(day):
        mine = comment_services.comment_create(
            actor=author, consultation=closing_round, body="Name the licence."
        )
        theirs = comment_services.comment_create(
            actor=quiet, consultation=closing_round, body="I prefer quiet."
        )
    with at(day + timedelta(hours=2)):
        first = comment_services.comment_create(
            actor=replier, consultation=closing_round, parent=mine, body="CC-BY, surely."
        )
        comment_services.comment_create(  # own reply: not news to the author
            actor=author, consultation=closing_round, parent=mine, body="Thanks."
        )
        comment_services.comment_create(  # private: the author may not read it
            actor=replier,
            consultation=closing_round,
            parent=mine,
            body="Secret.",
            visibility="private",
        )
        comment_services.comment_create(  # to someone who turned the digest off
            actor=replier, consultation=closing_round, parent=theirs, body="Noted."
        )
    with at(day + timedelta(hours=8)):
        second = comment_services.comment_create(
            actor=replier, consultation=closing_round, parent=mine, body="Or CC0."
        )
    smtp.clear()

    with at(day + timedelta(hours=3)):  # the same day: yesterday had no replies
        assert reminders.reply_digest_send(public=public_q()) == 0
    with at(T0 + timedelta(days=2, hours=-2)):  # Wednesday 07:00
        assert reminders.reply_digest_send(public=public_q()) == 1
        assert reminders.reply_digest_send(public=public_q()) == 0  # a retry or a second beat
    with at(T0 + timedelta(days=3, hours=-2)):  # Thursday: nothing new
        assert reminders.reply_digest_send(public=public_q()) == 0
    (mail,) = smtp.wait_for(1, 5)
    assert mail.rcpt_tos == ("author@example.org",)
    assert "2" in mail.subject and "3 March 2026" in mail.subject
    assert "CC-BY, surely." in mail.text and "Or CC0." in mail.text
    assert mail.text.index("CC-BY") < mail.text.index("CC0")
    assert "Secret." not in mail.text and "Thanks." not in mail.text and "Noted." not in mail.text
    assert f"/r/{first.receipt}/" in mail.text and f"/r/{second.receipt}/" in mail.text
    assert "Replier" in mail.text  # who replied: their public display name
    url = unsubscribe_link(mail)
    assert Client().post(urlsplit(url).path).status_code == 200
    author.refresh_from_db()
    assert author.mail_reply_digest is False and author.mail_round_closing is True


# --- staff reminders ----------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_reminder_honours_the_staff_switch_and_carries_the_unsubscribe(
    smtp, closing_round, settings
):
    settings.PLENARY_RESPONSE_TARGET_DAYS = 3
    secretariat = User.objects.get(email="secretariat@example.org")
    with at(T0 + timedelta(hours=1)):
        comment_services.comment_create(
            actor=person("amara@example.org"), consultation=closing_round, body="Hello."
        )
    smtp.clear()
    with at(T0 + timedelta(days=5)):
        assert feedback_services.overdue_comments_remind() == 1
    (mail,) = smtp.wait_for(1, 5)
    assert mail.rcpt_tos == ("secretariat@example.org",)
    url = unsubscribe_link(mail)
    assert "secretariat reminders" in mail.text
    Client().post(urlsplit(url).path, "List-Unsubscribe=One-Click", content_type="text/plain")
    secretariat.refresh_from_db()
    assert secretariat.mail_staff_reminders is False
    with at(T0 + timedelta(days=6)):  # a new day, a new key: still nothing
        assert feedback_services.overdue_comments_remind() == 0


@pytest.mark.django_db
def test_appeal_reminders_skip_secretariat_members_who_opted_out(
    smtp, closing_round, settings, django_capture_on_commit_callbacks
):
    secretariat = User.objects.get(email="secretariat@example.org")
    User.objects.filter(pk=secretariat.pk).update(mail_staff_reminders=False)
    author = person("amara@example.org")
    with at(T0 + timedelta(hours=1)):
        comment = comment_services.comment_create(
            actor=author, consultation=closing_round, body="Hello."
        )
        feedback_services.disposition_record(
            actor=secretariat,
            comment=comment,
            status="not_accepted",
            rationale="Out of scope.",
            publish=True,
        )
        with django_capture_on_commit_callbacks(execute=True):  # the mail tasks, inline
            feedback_services.appeal_file(actor=author, comment=comment, reason="It is in scope.")
    filed = [m for m in smtp.wait_for(1, 5) if "Appeal on" in m.subject]
    assert len(filed) == 1  # owed, not a reminder: it still comes, without an unsubscribe
    assert filed[0].message["List-Unsubscribe"] is None
    smtp.clear()
    with at(T0 + timedelta(days=settings.PLENARY_APPEAL_ANSWER_DAYS + 2)):
        assert feedback_services.appeal_reminders_send() == 0
    assert smtp.messages == []


def test_every_beat_entry_names_a_registered_task(settings):
    from plenary.outbox.services import _task

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert _task(entry["task"]).name == entry["task"], name
    assert {"remind-round-closing", "send-reply-digests"} <= set(settings.CELERY_BEAT_SCHEDULE)


@pytest.mark.django_db
def test_the_beat_tasks_run_the_reminder_jobs(smtp, closing_round):
    from consult import tasks

    follower = person("follower@example.org")
    reminders.follow_set(user=follower, consultation=closing_round, following=True)
    with at(T0 + timedelta(days=9, hours=12)):
        assert tasks.remind_round_closing.apply().get() == 1
        assert tasks.send_reply_digests.apply().get() == 0
    assert len(smtp.wait_for(1, 5)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("followers", [2, 6])
def test_a_rerun_of_the_closing_job_costs_the_same_queries_however_many_follow(
    smtp, closing_round, followers, django_assert_num_queries
):
    for i in range(followers):
        reminders.follow_set(
            user=person(f"f{i}@example.org"), consultation=closing_round, following=True
        )
    with at(T0 + timedelta(days=9, hours=12)):
        assert reminders.round_closing_remind() == followers
        with django_assert_num_queries(3):  # rounds, follows with users, keys already used
            assert reminders.round_closing_remind() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("consultations", [1, 4])
def test_the_reminder_page_costs_the_same_queries_however_many_follows(
    client, consultations, django_assert_num_queries
):
    user = person("amara@example.org")
    secretariat = convenor(email="secretariat@example.org")
    for i in range(consultations):
        reminders.follow_set(
            user=user,
            consultation=open_consultation(secretariat=secretariat, title=f"Consultation {i}"),
            following=True,
        )
    client.force_login(user)
    # session, user, follows with their consultations; the header's Staff link (issue 22):
    # guardian's object permissions, then the user's and groups' global permissions
    with django_assert_num_queries(6):
        html = client.get(reverse("reminder_settings")).content.decode()
    assert html.count("Unfollow") == consultations
