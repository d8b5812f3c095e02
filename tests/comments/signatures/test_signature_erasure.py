"""Erasure and co-signatures: an erased co-signatory's signature stays and still
counts, anonymously; the secretariat's list of signatories shows no name for it."""

import pytest
from django.urls import reverse

from comments.models import Signature
from comments.signatures import selectors, services
from feedback.privacy.selectors import personal_data_export
from feedback.privacy.services import account_erase
from tests.stakeholders.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_erased_cosignatory_still_counts_anonymously(client, secretariat, submission, signer):
    services.signature_sign(actor=signer, comment=submission)
    client.force_login(secretariat)
    listed = client.get(reverse("staff_signatures", args=[submission.receipt]))
    assert "Amara" in listed.content.decode()

    account_erase(actor=signer, password=PASSWORD)

    assert selectors.signature_count(comment=submission) == 1
    signature = Signature.objects.get()
    assert signature.user_id == signer.pk and signature.confirmed_at is not None
    assert (signature.name, signature.email) == ("", "")
    listed = client.get(reverse("staff_signatures", args=[submission.receipt]))
    text = listed.content.decode()
    assert "Amara" not in text and "amara@example.org" not in text
    assert "(erased account)" in text
    public = client.get(f"/api/v1/comments/{submission.receipt}/").json()
    assert public["signatures"] == 1


def test_erasure_forgets_signatures_collected_under_the_address(
    org_submission, signer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link = services.signature_link_open(actor=org_submission.author, comment=org_submission)
        services.signature_collect(
            comment=org_submission, link=link, name="Amara Obi", email="amara@example.org"
        )
    confirmed = Signature.objects.get()
    services.signature_confirm(token=confirmed.token)
    services.signature_collect(
        comment=org_submission, link=link, name="Amara Obi", email="AMARA@example.org"
    )  # counted already: nothing new

    account_erase(actor=signer, password=PASSWORD)

    confirmed.refresh_from_db()
    assert (confirmed.name, confirmed.email) == ("", "")
    assert selectors.signature_count(comment=org_submission) == 1


def test_secretariat_lists_signatories_the_public_sees_counts(
    client, submission, signer, secretariat, other_stakeholder
):
    services.signature_sign(actor=signer, comment=submission)
    url = reverse("staff_signatures", args=[submission.receipt])
    client.force_login(other_stakeholder)
    assert client.get(url).status_code == 403
    receipt_page = client.get(reverse("receipt", args=[submission.receipt])).content.decode()
    assert "1 submission, 1 co-signatory" in receipt_page
    assert "Amara" not in receipt_page
    client.force_login(secretariat)
    page = client.get(url).content.decode()
    assert "Amara" in page and signer.participant.group.name in page


def test_receipt_page_offers_cosigning_and_withdrawal(client, submission, signer, stakeholder):
    url = reverse("receipt", args=[submission.receipt])
    assert "Sign in to co-sign this submission" in client.get(url).content.decode()
    client.force_login(signer)
    assert "Co-sign: I support this" in client.get(url).content.decode()
    response = client.post(reverse("receipt_sign", args=[submission.receipt]), {"action": "sign"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Withdraw my co-signature" in page and "1 submission, 1 co-signatory" in page
    client.post(reverse("receipt_sign", args=[submission.receipt]), {"action": "withdraw"})
    assert selectors.signature_count(comment=submission) == 0
    # Its author is not offered the button, and is refused beside the field.
    client.force_login(stakeholder)
    assert "Co-sign: I support this" not in client.get(url).content.decode()
    refused = client.post(
        reverse("receipt_sign", args=[submission.receipt]), {"action": "sign"}, follow=True
    )
    assert "You cannot co-sign your own submission." in refused.content.decode()
    assert not Signature.objects.filter(withdrawn_at__isnull=True).exists()


def test_personal_data_export_lists_ones_cosignatures(submission, signer):
    services.signature_sign(actor=signer, comment=submission)
    (row,) = personal_data_export(signer)["signatures"]
    assert row["comment__receipt"] == submission.receipt
    assert row["source"] == Signature.Source.DIRECT
