"""Outreach (issue 4): the secretariat invites opted-in participants of under-represented
groups.  Mail goes over SMTP to a real server (``tests/smtp_sink.py``), so the headers
tested are those on the wire."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import OutreachInvitation, Role
from feedback.outreach import services as outreach
from plenary.outbox.models import MailDelivery, OutboxMessage
from plenary.outbox.services import relay
from stakeholders.models import User
from tests.consult.reminders.test_reminders import to, unsubscribe_link
from tests.stakeholders.factories import ParticipantFactory, group

pytestmark = pytest.mark.django_db


def member(email: str, slug: str, *, opted_in: bool = True, **fields) -> User:
    user = ParticipantFactory(
        user__email=email, display_name=email.split("@")[0].title(), group=group(slug)
    ).user
    User.objects.filter(pk=user.pk).update(mail_outreach=opted_in, **fields)
    user.refresh_from_db()
    return user


@pytest.fixture
def people(consultation):
    """Who should get an invitation to the academic community and users, and who not."""
    people = {
        "academic": member("ada@example.org", "academic-community"),
        "user": member("uma@example.org", "users"),
        "not_opted_in": member("nora@example.org", "academic-community", opted_in=False),
        "other_group": member("gina@example.org", "government"),
        "inactive": member("ivan@example.org", "users", is_active=False),
        "erased": member("erin@example.org", "users", erased_at=timezone.now()),
        "unconfirmed": member("una@example.org", "users"),
        "already_here": member("alma@example.org", "academic-community"),
    }
    EmailAddress.objects.filter(user=people["unconfirmed"]).update(verified=False)
    comment_services.comment_create(
        actor=people["already_here"],
        consultation=consultation,
        section_key="1-purpose-1",
        body="I am in already.",
    )
    return people


@pytest.fixture(autouse=True)
def _after_commit(django_capture_on_commit_callbacks):
    """The test's transaction never commits: run the outbox's on-commit tasks as a commit would."""
    global _commit
    _commit = django_capture_on_commit_callbacks


_commit = None


def invite(secretariat, consultation, slugs=("academic-community", "users"), **fields):
    with _commit(execute=True):
        return outreach.outreach_send(
            actor=secretariat,
            consultation=consultation,
            groups=[group(slug) for slug in slugs],
            subject=fields.get("subject", "Your voice is missing"),
            message=fields.get("message", "Please tell us what you think of the draft."),
        )


def test_only_opted_in_members_of_the_chosen_groups_get_it_once(
    smtp, people, consultation, secretariat
):
    invitation = invite(secretariat, consultation)
    assert invitation.recipients == 2
    mails = smtp.wait_for(2, timeout=5)
    assert to(mails) == ["ada@example.org", "uma@example.org"]
    mail = mails[0]
    assert mail.subject == "Your voice is missing"
    assert "Please tell us what you think of the draft." in mail.text
    assert f"https://plenary.example.net/c/{consultation.slug}/" in mail.text
    # Run every task again (a redelivery): the idempotency key sends nothing twice.
    OutboxMessage.objects.filter(task_name=outreach.TASK).update(published_at=None)
    OutboxMessage.objects.exclude(task_name=outreach.TASK).update(published_at=timezone.now())
    assert relay() == 2  # both tasks ran again
    assert len(smtp.messages) == 2
    assert MailDelivery.objects.filter(key__startswith=f"outreach-{invitation.pk}-").count() == 2


def test_the_unsubscribe_link_turns_outreach_off(smtp, people, consultation, secretariat):
    invite(secretariat, consultation, slugs=["academic-community"])
    (mail,) = smtp.wait_for(1, timeout=5)
    url = unsubscribe_link(mail)
    anonymous = Client()
    page = anonymous.get(urlsplit(url).path)
    assert page.status_code == 200
    people["academic"].refresh_from_db()
    assert people["academic"].mail_outreach  # a GET (a link scanner) changes nothing
    # RFC 8058 one-click: a POST without CSRF token or session.
    assert anonymous.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    people["academic"].refresh_from_db()
    assert not people["academic"].mail_outreach
    smtp.clear()
    assert invite(secretariat, consultation, slugs=["academic-community"]).recipients == 0
    assert smtp.messages == []


def test_someone_who_opts_out_before_the_mail_leaves_gets_nothing(
    smtp, people, consultation, secretariat
):
    invitation = invite(secretariat, consultation, slugs=["users"])
    smtp.wait_for(1, timeout=5)
    User.objects.filter(pk=people["user"].pk).update(mail_outreach=False)
    smtp.clear()
    assert not outreach.outreach_mail_send(invitation_id=invitation.pk, user_id=people["user"].pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slugs": []}, "groups"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"message": ""}, "message"),
        ({"message": "x" * (outreach.MAX_MESSAGE + 1)}, "message"),
    ],
)
def test_secretariat_cannot_send_a_bad_invitation(people, consultation, secretariat, fields, field):
    slugs = fields.pop("slugs", ("users",))
    with pytest.raises(ValidationError) as refused:
        invite(secretariat, consultation, slugs=slugs, **fields)
    assert field in refused.value.message_dict
    assert not OutreachInvitation.objects.exists()
    assert not OutboxMessage.objects.filter(task_name=outreach.TASK).exists()


def test_secretariat_cannot_send_more_than_three_a_day(people, consultation, secretariat):
    start = timezone.now()
    for hours in range(outreach.MAX_PER_DAY):
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            invite(secretariat, consultation, slugs=["users"])
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        with pytest.raises(ValidationError) as refused:
            invite(secretariat, consultation, slugs=["users"])
    assert "24 hours" in refused.value.messages[0]
    assert OutreachInvitation.objects.count() == outreach.MAX_PER_DAY
    # A day after the first, one more may go.
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        invite(secretariat, consultation, slugs=["users"])


def test_analyst_and_moderator_cannot_send_an_invitation(
    people, consultation, secretariat, moderator
):
    analyst = member("ana@example.org", "academic-community")
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=analyst, role=Role.ANALYST
    )
    for actor in (analyst, moderator, people["academic"]):
        with pytest.raises(PermissionDenied):
            invite(actor, consultation)
    client = Client()
    client.force_login(analyst)
    url = reverse("staff_balance", args=[consultation.slug])
    response = client.post(
        url, {"invite-groups": [group("users").pk], "invite-subject": "S", "invite-message": "M"}
    )
    assert response.status_code == 403
    assert not OutreachInvitation.objects.exists()


def test_secretariat_invites_from_the_dashboard(smtp, people, consultation, secretariat, client):
    client.force_login(secretariat)
    url = reverse("staff_balance", args=[consultation.slug])
    response = client.get(url)
    page = response.content.decode()
    # Who an invitation would reach, before sending: opted in, reachable, not yet here.
    reachable = dict(response.context["reachable"])
    assert reachable["Users"] == 1 and reachable["Academic community"] == 1
    assert reachable["Government"] == 1 and reachable["Civil society"] == 0
    # Prefilled with the under-represented groups (nobody from them commented).
    assert "Your voice is missing" in page
    refused = client.post(
        url, {"invite-subject": "Come and comment", "invite-message": "Kept text."}
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Choose at least one stakeholder group" in html
    assert "Kept text." in html and "Come and comment" in html
    with _commit(execute=True):
        sent = client.post(
            url,
            {
                "invite-groups": [group("users").pk, group("academic-community").pk],
                "invite-subject": "Come and comment",
                "invite-message": "We want to hear you.",
            },
            follow=True,
        )
    assert "The invitation is on its way to 2 people." in sent.content.decode()
    assert to(smtp.wait_for(2, timeout=5)) == ["ada@example.org", "uma@example.org"]
    assert "Come and comment" in sent.content.decode()  # listed among the invitations sent


def test_secretariat_cannot_invite_to_an_unpublished_consultation(people, secretariat):
    hidden = consult_services.consultation_create(
        actor=secretariat, title="Not yet", summary="Hidden."
    )
    with pytest.raises(ValidationError) as refused:
        invite(secretariat, hidden, slugs=["users"])
    assert "Publish the consultation" in refused.value.messages[0]
    assert not OutreachInvitation.objects.exists()
