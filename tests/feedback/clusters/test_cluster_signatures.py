"""The secretariat turns a campaign cluster's copies into co-signatures of its
representative (issue 25, part 25a): each copy keeps its receipt, its author is
told, one event on the consultation's event chain names the copies."""

import re
import uuid

import pytest
from django.urls import reverse

from comments.models import Comment, Signature
from comments.signatures import selectors as signature_selectors
from comments.signatures import services as signature_services
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.clusters import services as cluster_services
from feedback.ledger import chain
from feedback.ledger.selectors import event_chain
from feedback.models import CampaignCluster, LedgerEvent
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

CAMPAIGN = (
    "Community radio stations must keep their licences under the new framework because "
    "they serve listeners that commercial broadcasters ignore, and the regulator should "
    "protect the spectrum they rely on to reach rural audiences in their own languages."
)


@pytest.fixture(autouse=True)
def _own_fingerprints(monkeypatch):
    monkeypatch.setattr(
        cluster_services, "_FINGERPRINT_KEY", f"test-{uuid.uuid4().hex}-clusters-{{pk}}"
    )


@pytest.fixture
def campaign(consultation):
    """A representative and three copies by four people; the job clusters them."""
    made = [
        comment_services.comment_create(
            actor=ParticipantFactory(user__email=f"campaigner{i}@example.org").user,
            consultation=consultation,
            section_key="1-purpose-1",
            body=CAMPAIGN + "!" * i,
        )
        for i in range(4)
    ]
    cluster_services.clusters_rebuild(consultation_id=consultation.pk)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    assert cluster.representative_id == made[0].pk and cluster.size == 4
    return cluster, made


def convert(client, user, cluster, django_capture_on_commit_callbacks):
    client.force_login(user)
    url = reverse("staff_cluster", args=[cluster.consultation.slug, cluster.pk])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, {"action": "signatures"})


def test_secretariat_turns_copies_into_cosignatures(
    client, smtp, secretariat, campaign, django_capture_on_commit_callbacks
):
    cluster, (representative, *copies) = campaign
    # One copy's author co-signs the representative already: not counted twice.
    signature_services.signature_sign(actor=copies[0].author, comment=representative)
    before = {c.pk: (c.receipt, c.body) for c in Comment.objects.all()}

    response = convert(client, secretariat, cluster, django_capture_on_commit_callbacks)
    assert response.status_code == 302

    made = Signature.objects.filter(source=Signature.Source.CAMPAIGN)
    assert {s.converted_from_id for s in made} == {copies[1].pk, copies[2].pk}
    assert all(s.comment_id == representative.pk and s.confirmed_at for s in made)
    assert {s.user_id for s in made} == {copies[1].author_id, copies[2].author_id}
    assert signature_selectors.signature_count(comment=representative) == 3
    # The copies keep their receipts and text, and are not withdrawn.
    assert {c.pk: (c.receipt, c.body) for c in Comment.objects.all()} == before
    assert not Comment.objects.filter(withdrawn_at__isnull=False).exists()
    # One event on the chain, naming the copies turned; the chain verifies.
    (event,) = LedgerEvent.objects.all()
    assert event.kind == LedgerEvent.Kind.SIGNATURES
    assert event.comment_id == representative.pk
    assert sorted(event.payload["copies"]) == sorted([copies[1].receipt, copies[2].receipt])
    assert chain.verify_events(event_chain(consultation=cluster.consultation)) == []
    cluster.refresh_from_db()
    assert cluster.locked
    # Each converted author is told, with both receipts.
    mails = smtp.wait_for(2, timeout=10)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(
        [copies[1].author.email, copies[2].author.email]
    )
    for mail in mails:
        (copy,) = [c for c in copies if c.author.email == mail.rcpt_tos[0]]
        assert copy.receipt in mail.subject and representative.receipt in mail.subject
        assert re.search(rf"keeps its receipt {copy.receipt}", mail.text)


def test_turning_twice_writes_nothing_more(
    client, secretariat, campaign, django_capture_on_commit_callbacks
):
    cluster, _comments = campaign
    convert(client, secretariat, cluster, django_capture_on_commit_callbacks)
    again = convert(client, secretariat, cluster, django_capture_on_commit_callbacks)
    assert again.status_code == 200
    assert "can be turned into a co-signature" in again.content.decode()
    assert Signature.objects.count() == 3
    assert LedgerEvent.objects.count() == 1


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR])
def test_only_the_secretariat_turns_copies(
    client, consultation, secretariat, campaign, role, django_capture_on_commit_callbacks
):
    cluster, _comments = campaign
    user = ParticipantFactory(user__email="team@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=role
    )
    response = convert(client, user, cluster, django_capture_on_commit_callbacks)
    assert response.status_code in (403, 404)
    assert not Signature.objects.exists()
    assert not LedgerEvent.objects.exists()


def test_private_copies_are_not_turned(
    client, consultation, secretariat, campaign, django_capture_on_commit_callbacks
):
    cluster, (_representative, *copies) = campaign
    Comment.objects.filter(pk=copies[0].pk).update(visibility=Comment.Visibility.PRIVATE)
    convert(client, secretariat, cluster, django_capture_on_commit_callbacks)
    assert set(Signature.objects.values_list("converted_from_id", flat=True)) == {
        copies[1].pk,
        copies[2].pk,
    }
