"""An organisation collects signatories through a signature link: the public form,
the confirmation mail over real SMTP (tests/smtp_sink.py), the confirmation page.
Only confirmed signatures count; tokens are single use and expire."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from comments.models import Signature, SignatureLink
from comments.signatures import selectors, services
from tests.stakeholders.factories import group

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/sign/confirm/[\w-]+/")


@pytest.fixture(autouse=True)
def _after_commit(django_capture_on_commit_callbacks):
    """Run the outbox's on-commit tasks (the mails) as a commit would."""
    global _commit
    _commit = django_capture_on_commit_callbacks


_commit = None


def open_link(client, stakeholder, comment) -> str:
    """The organisation's staff open a link on the page; the public URL it shows."""
    client.force_login(stakeholder)
    page = client.post(reverse("signature_links", args=[comment.receipt]))
    assert page.status_code == 302
    link = SignatureLink.objects.get(comment=comment)
    shown = client.get(reverse("signature_links", args=[comment.receipt])).content.decode()
    assert link.token in shown
    client.logout()
    return reverse("signature_form", args=[link.token])


def sign(client, address: str, email: str, name: str = "Joy Atieno", **extra):
    with _commit(execute=True):
        return client.post(address, {"name": name, "email": email, **extra})


def counted(comment) -> int:
    return selectors.signature_count(comment=comment)


def test_signatory_counts_once_confirmed_by_mail(client, smtp, stakeholder, org_submission):
    address = open_link(client, stakeholder, org_submission)
    form = client.get(address)
    assert form.status_code == 200
    assert "Open Data Kenya" in form.content.decode()
    response = sign(client, address, "joy@example.org", group=group("academic-community").pk)
    assert response.status_code == 200
    assert "We have sent you a mail" in response.content.decode()
    assert counted(org_submission) == 0  # not before the confirmation

    [mail] = smtp.wait_for(1, timeout=10)
    assert mail.rcpt_tos == ("joy@example.org",)
    assert org_submission.receipt in mail.subject
    confirm = LINK.search(mail.text).group(0)
    path = confirm.split("plenary.example.net", 1)[1]

    page = client.get(path)  # a GET (a mail scanner's) confirms nothing
    assert page.status_code == 200
    assert counted(org_submission) == 0
    assert client.post(path).status_code == 200
    assert counted(org_submission) == 1
    counts = selectors.signature_counts(comments=[org_submission.pk])[org_submission.pk]
    assert counts.by_group == [(group("academic-community").name, 1)]

    # Single use: the same link confirms nothing more.
    again = client.post(path)
    assert again.status_code == 404
    assert counted(org_submission) == 1


def test_confirmation_link_expires(client, smtp, stakeholder, org_submission):
    address = open_link(client, stakeholder, org_submission)
    sign(client, address, "late@example.org")
    [mail] = smtp.wait_for(1, timeout=10)
    path = LINK.search(mail.text).group(0).split("plenary.example.net", 1)[1]
    later = timezone.now() + timedelta(days=services.CONFIRMATION_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    assert counted(org_submission) == 0
    assert Signature.objects.get().confirmed_at is None


def test_the_same_address_signs_once(client, smtp, stakeholder, org_submission):
    address = open_link(client, stakeholder, org_submission)
    sign(client, address, "joy@example.org")
    sign(client, address, "JOY@example.org")  # a fresh link for the pending one
    assert Signature.objects.count() == 1
    first, second = smtp.wait_for(2, timeout=10)
    old = LINK.search(first.text).group(0).split("plenary.example.net", 1)[1]
    new = LINK.search(second.text).group(0).split("plenary.example.net", 1)[1]
    assert old != new
    assert client.post(old).status_code == 404  # replaced
    assert client.post(new).status_code == 200
    sign(client, address, "joy@example.org")  # counted already: nothing sent, nothing added
    assert len(smtp.messages) == 2
    assert Signature.objects.count() == 1
    assert counted(org_submission) == 1


def test_a_closed_or_expired_link_takes_no_signatory(client, stakeholder, org_submission):
    address = open_link(client, stakeholder, org_submission)
    link = SignatureLink.objects.get()
    with time_machine.travel(link.expires_at + timedelta(minutes=1), tick=False):
        assert client.get(address).status_code == 404
        assert sign(client, address, "joy@example.org").status_code == 404
    client.force_login(stakeholder)
    client.post(reverse("signature_links", args=[org_submission.receipt]), {"close": link.pk})
    client.logout()
    assert client.get(address).status_code == 404
    assert not Signature.objects.exists()


def test_a_filled_honeypot_stores_nothing(client, smtp, stakeholder, org_submission):
    address = open_link(client, stakeholder, org_submission)
    response = sign(client, address, "bot@example.org", website="http://spam.example")
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Signature.objects.exists()
    assert smtp.messages == []


def test_the_public_form_is_rate_limited(client, settings, stakeholder, org_submission):
    settings.PLENARY_RATE_SIGNATURE_PER_IP = "2/h"
    address = open_link(client, stakeholder, org_submission)
    assert sign(client, address, "one@example.org").status_code == 200
    assert sign(client, address, "two@example.org").status_code == 200
    refused = sign(client, address, "three@example.org")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert sorted(Signature.objects.values_list("email", flat=True)) == [
        "one@example.org",
        "two@example.org",
    ]


def test_bad_input_shows_beside_the_field(client, stakeholder, org_submission):
    address = open_link(client, stakeholder, org_submission)
    response = sign(client, address, "not-an-address", name="")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "email"}
    assert not Signature.objects.exists()


def test_only_the_organisations_staff_open_links(client, signer, secretariat, org_submission):
    for user in (signer, secretariat):
        client.force_login(user)
        assert (
            client.get(reverse("signature_links", args=[org_submission.receipt])).status_code == 403
        )
        assert (
            client.post(reverse("signature_links", args=[org_submission.receipt])).status_code
            == 403
        )
    assert not SignatureLink.objects.exists()


def test_tokens_are_unguessable(client, stakeholder, org_submission):
    open_link(client, stakeholder, org_submission)
    assert len(SignatureLink.objects.get().token) >= 43  # 256 bits from secrets
    assert client.get(reverse("signature_form", args=["x" * 43])).status_code == 404
