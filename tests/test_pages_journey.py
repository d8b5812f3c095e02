"""The journey through the server-rendered pages (Django test client, no JavaScript)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from consult.models import Consultation
from feedback.models import DispositionEntry
from stakeholders.models import Participant
from tests.stakeholders.factories import PASSWORD
from tests.stakeholders.factories import group as stakeholder_group

DRAFT = """# Community networks

## Licensing
Spectrum for community networks is licensed at nominal cost.

Licences are granted within 60 days.

## Funding
A universal service fund supports last-mile networks.
"""


@pytest.mark.django_db(transaction=True)
def test_whole_loop_through_pages(client, secretariat, other_stakeholder):
    # 1. The secretariat creates a consultation, pastes a draft and opens a round.
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_consultation_new"),
        {
            "title": "Community networks",
            "summary": "How should community networks be licensed?",
            "goals": "Hear all groups.",
            "ground_rules": "Be civil.",
        },
    )
    consultation = Consultation.objects.get(title="Community networks")
    assert response.url == reverse("staff_draft_import", args=[consultation.slug])
    response = client.post(response.url, {"source": DRAFT, "changelog": ""})
    assert response.status_code == 302
    sections = list(consultation.versions.get().sections.order_by("ordinal"))
    assert [s.key for s in sections] == ["licensing-1", "licensing-2", "funding-1"]
    closes = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("staff_round_new", args=[consultation.slug]), {"title": "", "closes_at": closes}
    )
    assert response.status_code == 302
    client.logout()

    # 2. A stakeholder signs up from the paragraph they want to comment on, confirms
    #    the address (the sign-up mail's link signs in and leads back), fills the
    #    profile, and lands back on that paragraph.
    section_url = reverse("section", args=[consultation.slug, sections[1].key])
    response = client.post(
        f"{reverse('account_signup')}?{urlencode({'next': section_url})}",
        {"email": "amina@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse(
        "account_email_verification_sent"
    )
    assert "_auth_user_id" not in client.session  # not signed in before confirming
    (confirm_url,) = re.findall(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body)
    response = client.post(confirm_url)
    assert response.status_code == 302 and response.url == section_url
    # The paragraph page asks for the profile first and links to it, keeping the way back.
    profile_url = f"{reverse('profile')}?next={section_url}"
    page = client.get(section_url).content.decode()
    assert "Complete your profile" in page
    assert f'href="{profile_url}"' in page
    group = stakeholder_group("technical-community")
    response = client.post(
        profile_url,
        {"display_name": "Amina", "group": group.pk, "country": "KE", "gender": ""},
    )
    assert response.status_code == 302 and response.url == section_url
    assert Participant.objects.get(display_name="Amina").group == group
    page = client.get(reverse("consultation", args=[consultation.slug]))
    assert b"Comment on paragraph 2" in page.content
    response = client.post(
        section_url, {"body": "60 days is too long; say 30.", "visibility": "public"}
    )
    comment = Comment.objects.get(body="60 days is too long; say 30.")
    assert response.url == reverse("receipt", args=[comment.receipt])
    receipt_page = client.get(response.url)
    assert comment.receipt.encode() in receipt_page.content
    assert b"awaiting response" in receipt_page.content.lower()
    receipt_mails = [m for m in mail.outbox if "was received" in m.subject]
    assert [m.to for m in receipt_mails] == [["amina@example.org"]]
    assert f"/r/{comment.receipt}/" in receipt_mails[0].body

    # ...and another stakeholder replies.
    client.force_login(other_stakeholder)
    client.post(section_url, {"body": "Agreed.", "parent": comment.receipt, "visibility": "public"})
    reply = Comment.objects.get(body="Agreed.")
    assert reply.parent == comment and reply.section == sections[1]

    # 3. The secretariat triages, decides and publishes; the commenter is mailed.
    client.force_login(secretariat)
    triage = client.get(reverse("staff_triage", args=[consultation.slug]))
    assert comment.receipt.encode() in triage.content
    response = client.post(
        reverse("staff_decide", args=[comment.receipt]),
        {"status": "partly_accepted", "rationale": "We will say 45 days.", "publish": "1"},
    )
    assert response.status_code == 302
    entry = DispositionEntry.objects.get(comment=comment)
    assert entry.status == "partly_accepted"
    decision_mails = [
        m for m in mail.outbox if "decision" in m.subject and comment.receipt in m.subject
    ]
    assert [m.to for m in decision_mails] == [["amina@example.org"]]
    assert reverse("receipt", args=[comment.receipt]) in decision_mails[0].body

    # 4. The commenter sees it on /me/input/; anyone sees it on /r/ and the ledger.
    client.logout()
    client.login(email="amina@example.org", password=PASSWORD)
    mine = client.get(reverse("my_input")).content.decode()
    assert comment.receipt in mine and "We will say 45 days." in mine
    client.logout()
    public = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert "partly accepted" in public and "We will say 45 days." in public
    ledger = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert comment.receipt in ledger and "We will say 45 days." in ledger
