"""The whole loop through services alone: the foundation every entry point uses."""

import pytest
from django.core import mail

from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from feedback.models import DispositionEntry
from feedback.permissions import current_disposition


@pytest.mark.django_db(transaction=True)
def test_loop_through_services(consultation, stakeholder, other_stakeholder, secretariat):
    sections = list(consultation.versions.get().sections.order_by("ordinal"))
    assert [s.key for s in sections] == ["1-purpose-1", "1-purpose-2", "2-scope-1", "3-licensing-1"]
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=sections[1].key,
        body="Please name the **licence**.",
    )
    reply = comment_services.comment_create(
        actor=other_stakeholder,
        consultation=consultation,
        parent=comment,
        body="Agreed.",
    )
    assert reply.section == comment.section and reply.root == comment
    entry = feedback_services.disposition_record(
        actor=secretariat,
        comment=comment,
        status="partly_accepted",
        rationale="We will name a licence family.",
        publish=True,
    )
    assert isinstance(entry, DispositionEntry) and entry.sequence == 1
    assert current_disposition(comment=comment) == entry
    receipts = [m for m in mail.outbox if "was received" in m.subject]
    assert [m.to for m in receipts] == [["wanjiru@example.org"], ["rafael@example.org"]]
    decision_mails = [m for m in mail.outbox if "decision" in m.subject]
    assert len(decision_mails) == 1 and len(mail.outbox) == 3
    assert comment.receipt in decision_mails[0].body
    assert decision_mails[0].to == ["wanjiru@example.org"]
