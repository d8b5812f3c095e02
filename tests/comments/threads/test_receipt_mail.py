"""A receipt by email when a comment is submitted (issue 6, the participant's side)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from comments.threads import services
from plenary.outbox.models import MailDelivery, OutboxMessage

TASK = "comments.tasks.send_receipt"


def _sections(consultation):
    return list(consultation.versions.get().sections.order_by("ordinal"))


@pytest.mark.django_db(transaction=True)
def test_each_comment_mails_its_author_one_receipt_with_the_link(
    consultation, stakeholder, other_stakeholder, settings
):
    settings.SITE_URL = "https://plenary.example.net"
    section = _sections(consultation)[1]
    comment = services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=section.key,
        body="Please name the **licence**.\nAnd the <date>.",
    )
    reply = services.comment_create(
        actor=other_stakeholder, consultation=consultation, parent=comment, body="Agreed."
    )

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            ["wanjiru@example.org"],
            f"[Open data policy] Your comment was received: {comment.receipt}",
        ),
        (["rafael@example.org"], f"[Open data policy] Your comment was received: {reply.receipt}"),
    ]
    first, second = (m.body for m in mail.outbox)
    link = "https://plenary.example.net" + reverse("receipt", args=[comment.receipt])
    assert f"{link}\n" in first
    assert "Open data policy" in first
    assert f"Receipt number: {comment.receipt}" in first
    assert f"Paragraph: {section.ordinal} · {section.heading}" in first
    # Their text as they wrote it: plain text mail, nothing escaped.
    assert "Please name the **licence**.\nAnd the <date>." in first
    assert "&lt;" not in first
    assert f"In reply to: {comment.receipt}" in second
    assert "https://plenary.example.net" + reverse("receipt", args=[reply.receipt]) in second
    assert set(MailDelivery.objects.values_list("key", flat=True)) == {
        f"receipt-{comment.pk}",
        f"receipt-{reply.pk}",
    }
    assert OutboxMessage.objects.filter(task_name=TASK, published_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_sending_the_receipt_again_sends_nothing(consultation, stakeholder):
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, body="On the whole draft."
    )
    assert len(mail.outbox) == 1
    assert "Paragraph: the whole draft" in mail.outbox[0].body

    assert services.comment_receipt_send(comment_id=comment.pk) is False
    assert services.comment_receipt_send(comment_id=comment.pk) is False
    assert len(mail.outbox) == 1
    assert MailDelivery.objects.filter(key=f"receipt-{comment.pk}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_service_sends_once_when_run_twice(consultation, stakeholder, settings):
    # With a broker configured, comment_create only records the outbox row.
    settings.PLENARY_TASKS_INLINE = False
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, body="Recorded, not yet mailed."
    )
    message = OutboxMessage.objects.get(task_name=TASK)
    assert message.kwargs == {"comment_id": comment.pk} and message.published_at is None
    assert mail.outbox == []

    assert services.comment_receipt_send(comment_id=comment.pk) is True
    assert services.comment_receipt_send(comment_id=comment.pk) is False
    assert [m.to for m in mail.outbox] == [["wanjiru@example.org"]]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "bad", [{"body": "   "}, {"body": "Hello", "section_key": "no-such-paragraph"}]
)
def test_a_refused_comment_mails_nothing(consultation, stakeholder, bad):
    with pytest.raises(ValidationError):
        services.comment_create(actor=stakeholder, consultation=consultation, **bad)
    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(task_name=TASK).exists()
    assert not MailDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_submitting_in_the_page_mails_the_receipt(client, consultation, stakeholder):
    section = _sections(consultation)[0]
    client.force_login(stakeholder)
    response = client.post(
        reverse("section", args=[consultation.slug, section.key]),
        {"body": "From the page.", "visibility": "public"},
    )
    assert response.status_code == 302
    receipt = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert [(m.to, m.subject.endswith(receipt)) for m in mail.outbox] == [
        (["wanjiru@example.org"], True)
    ]
