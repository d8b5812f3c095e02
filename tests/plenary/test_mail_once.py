"""``send_mail_once``: claim before sending, release only when the mail surely did not leave.

The crash case itself (a worker SIGKILLed inside ``send_mail``) is in
``tests/test_faults.py``; here are the error paths, on any database.
"""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from plenary.outbox import services as outbox
from plenary.outbox.models import MailDelivery
from tests.smtp_sink import free_port

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class PeekingBackend(EmailBackend):
    """locmem, noting the claim's state while the mail is being handed over."""

    seen: list[tuple[str, str | None]] = []

    def send_messages(self, messages):
        for message in messages:
            row = MailDelivery.objects.get(message_id=message.extra_headers["Message-ID"])
            PeekingBackend.seen.append((row.state, row.sent_at))
        return super().send_messages(messages)


def send(key: str = "k-1", **extra) -> bool:
    return outbox.send_mail_once(key=key, to="a@example.org", subject="S", text="T", **extra)


@pytest.mark.django_db
def test_headers_go_out_with_a_message_id_fixed_by_the_key(settings):
    settings.SITE_URL = "https://plenary.example.net"
    assert send(headers={"List-Unsubscribe": "<https://x.example/u/1/>"}) is True
    assert send() is False  # the key is taken
    (sent,) = mail.outbox
    assert sent.extra_headers["List-Unsubscribe"] == "<https://x.example/u/1/>"
    message_id = sent.message()["Message-ID"]
    assert message_id == outbox.message_id_for("k-1")
    assert message_id.endswith("@plenary.example.net>")
    assert outbox.message_id_for("k-1") != outbox.message_id_for("k-2")


@pytest.mark.django_db
def test_an_unreachable_smtp_server_releases_the_claim_so_a_retry_sends(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    with pytest.raises(OSError):
        send()
    assert not MailDelivery.objects.exists()
    settings.EMAIL_BACKEND = LOCMEM
    assert send() is True
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "refusal",
    [
        smtplib.SMTPDataError(554, b"rejected"),
        smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}),
    ],
)
def test_a_refusal_by_the_server_releases_the_claim(refusal):
    with (
        mock.patch(f"{LOCMEM}.send_messages", side_effect=refusal),
        pytest.raises(type(refusal)),
    ):
        send()
    assert not MailDelivery.objects.exists()  # released, not left "claimed"
    assert send() is True
    assert MailDelivery.objects.get(key="k-1").state == MailDelivery.State.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "broken", [smtplib.SMTPServerDisconnected("lost"), TimeoutError("no reply to DATA")]
)
def test_an_exchange_that_broke_off_keeps_the_claim_so_nobody_gets_it_twice(broken):
    with mock.patch(f"{LOCMEM}.send_messages", side_effect=broken), pytest.raises(type(broken)):
        send()
    claim = MailDelivery.objects.get(key="k-1")
    assert (claim.state, claim.sent_at) == (MailDelivery.State.CLAIMED, None)  # in doubt
    assert send() is False  # at most once: the retry does not send again
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_claim_is_claimed_while_sending_and_sent_once_the_server_took_it(settings):
    settings.EMAIL_BACKEND = "tests.plenary.test_mail_once.PeekingBackend"
    PeekingBackend.seen = []
    assert send(key="k-state") is True
    assert PeekingBackend.seen == [(MailDelivery.State.CLAIMED, None)]
    delivery = MailDelivery.objects.get(key="k-state")
    assert delivery.state == MailDelivery.State.SENT
    assert delivery.message_id == outbox.message_id_for("k-state")
    assert delivery.claimed_at <= delivery.sent_at
