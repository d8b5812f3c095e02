"""The provenance panel, the suspicious-activity page and its API: what they show, who may
see them, and their query counts."""

import itertools
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, SubmissionNetwork
from comments.provenance.network import network_hash
from comments.threads import services as comment_services
from comments.threads.receipts import new_receipt
from consult.consultations import services as consult_services
from consult.models import Consultation, Role
from feedback.clusters import services as cluster_services
from feedback.models import CampaignMember
from stakeholders.models import Affiliation, Participant
from tests.stakeholders.factories import OrganisationFactory, ParticipantFactory

CAMPAIGN = (
    "We the undersigned call on the secretariat to keep the public interest exemption "
    "in article four, because without it small community broadcasters would lose the "
    "spectrum they rely on to reach rural audiences in their own languages every day."
)


@pytest.fixture(autouse=True)
def _small_bursts(settings):
    settings.PLENARY_BURST_NETWORK_SIZE = 3
    settings.PLENARY_BURST_ACCOUNTS = 3
    settings.PLENARY_BURST_ACCOUNT_MINUTES = 10
    settings.PLENARY_BURST_WINDOW_MINUTES = 10


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


_AGES = itertools.count()


def old_account():
    """An account made long ago, a month apart from every other one (no account burst)."""
    user = ParticipantFactory().user
    user.date_joined = timezone.now() - timedelta(days=700 + 30 * next(_AGES))
    user.save(update_fields=["date_joined"])
    return user


def send(consultation, author, body, *, address="203.0.113.5", **extra):
    return comment_services.comment_create(
        actor=author,
        consultation=consultation,
        body=body,
        section_key="1-purpose-1",
        network=address,
        **extra,
    )


def burst_from_one_network(consultation, n: int, *, network: str = "198.51.100") -> list[Comment]:
    """Set-up only: ``n`` comments from old accounts on one network, inserted directly."""
    round_ = consultation.rounds.get()
    made = Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            author=old_account(),
            body=f"Burst comment {i} on {network}.",
            body_html="<p>burst</p>",
        )
        for i in range(n)
    )
    SubmissionNetwork.objects.bulk_create(
        SubmissionNetwork(comment=comment, network_hash=network_hash(f"{network}.{i + 1}"))
        for i, comment in enumerate(made)
    )
    return made


def activity_url(consultation) -> str:
    return reverse("staff_integrity_activity", args=[consultation.slug])


def api_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.slug}/integrity/activity/"


def provenance_url(comment) -> str:
    return reverse("staff_provenance", args=[comment.consultation.slug, comment.receipt])


# --- the provenance panel -------------------------------------------------------------


def test_panel_shows_channel_account_age_address_organisation_network_cluster_and_bursts(
    client, consultation, secretariat, stakeholder
):
    stakeholder.date_joined = timezone.now() - timedelta(days=3, minutes=5)
    stakeholder.save(update_fields=["date_joined"])
    organisation = OrganisationFactory(name="Community Radio Network", verified_at=timezone.now())
    Affiliation.objects.create(
        participant=Participant.objects.get(user=stakeholder),
        organisation=organisation,
        status=Affiliation.Status.VERIFIED,
    )
    comment = send(consultation, stakeholder, CAMPAIGN, on_behalf_of=organisation)
    copy = send(consultation, old_account(), CAMPAIGN + " Indeed.", address="203.0.113.9")
    send(consultation, old_account(), "Unrelated thoughts.", address="203.0.113.200")
    cluster_services.clusters_rebuild(consultation_id=consultation.pk)
    member = CampaignMember.objects.get(comment=comment)

    client.force_login(secretariat)
    page = client.get(provenance_url(comment)).content.decode()

    assert "web" in page
    assert "3\xa0days" in page  # account age when sent
    assert "<bdi>Community Radio Network</bdi> (affiliation verified)" in page
    assert "recorded: 3 submissions of this consultation from this network" in page
    assert f"cluster {member.cluster_id}, 2 members" in page
    assert comment.receipt in page and copy.receipt not in page.split("Campaign cluster")[0]
    # Three from one /24 within minutes: a network burst (threshold 3 here).
    assert "network burst of 3" in page
    assert reverse("staff_decide", args=[comment.receipt]) in page


def test_panel_says_when_the_address_is_unconfirmed_the_affiliation_is_gone_and_no_network(
    client, consultation, secretariat, stakeholder
):
    organisation = OrganisationFactory(name="Lapsed Org", verified_at=timezone.now())
    affiliation = Affiliation.objects.create(
        participant=Participant.objects.get(user=stakeholder),
        organisation=organisation,
        status=Affiliation.Status.VERIFIED,
    )
    comment = send(consultation, stakeholder, "Mine.", address=None, on_behalf_of=organisation)
    affiliation.status = Affiliation.Status.REFUSED
    affiliation.save(update_fields=["status"])
    EmailAddress.objects.filter(user=stakeholder).update(verified=False)

    client.force_login(secretariat)
    page = client.get(provenance_url(comment)).content.decode()

    assert "<bdi>Lapsed Org</bdi> (affiliation not verified now)" in page
    assert "Confirmed address</dt><dd>no" in page
    assert "not recorded" in page
    assert "Bursts</dt><dd>none" in page


def test_the_decide_page_links_to_the_panel_for_the_secretariat(
    client, consultation, secretariat, stakeholder
):
    comment = send(consultation, stakeholder, "Link me.")
    client.force_login(secretariat)
    page = client.get(reverse("staff_decide", args=[comment.receipt])).content.decode()
    assert provenance_url(comment) in page


def test_a_receipt_of_another_consultation_is_not_found(
    client, consultation, other_secretariat, stakeholder
):
    comment = send(consultation, stakeholder, "Here.")
    elsewhere = Consultation.objects.exclude(pk=consultation.pk).get()
    client.force_login(other_secretariat)
    url = reverse("staff_provenance", args=[elsewhere.slug, comment.receipt])
    assert client.get(url).status_code == 404


# --- the suspicious-activity page and API ------------------------------------------------


def test_activity_lists_bursts_with_members_and_cluster_membership_and_changes_nothing(
    client, consultation, secretariat
):
    members = burst_from_one_network(consultation, 4)
    quiet = send(consultation, old_account(), "Alone.", address="192.0.2.1")
    before = list(Comment.objects.order_by("pk").values_list("pk", "moderation", "visibility"))

    client.force_login(secretariat)
    response = client.get(activity_url(consultation))
    page = response.content.decode()

    assert response.status_code == 200
    assert "1 burst found." in page
    assert "3 submissions or more from one network within 10 minutes" in page
    assert "Network burst: 4 submissions" in page
    assert "0 of 4" in page  # none clustered
    for comment in members:
        assert provenance_url(comment) in page
    assert quiet.receipt not in page
    after = list(Comment.objects.order_by("pk").values_list("pk", "moderation", "visibility"))
    assert after == before


def test_account_bursts_are_listed(client, consultation, secretariat):
    made = timezone.now() - timedelta(days=1)
    for i in range(3):
        author = ParticipantFactory().user
        author.date_joined = made + timedelta(minutes=i)
        author.save(update_fields=["date_joined"])
        send(consultation, author, f"New account {i}.", address=f"192.0.{i}.1")
    client.force_login(secretariat)
    page = client.get(activity_url(consultation)).content.decode()
    assert "Account burst: 3 submissions" in page


def test_api_lists_bursts_as_json(consultation, secretariat, client_for):
    members = burst_from_one_network(consultation, 3)
    response = client_for(secretariat).get(api_url(consultation))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (burst,) = body["results"]
    assert burst["kind"] == "network"
    assert burst["size"] == burst["members_total"] == 3
    assert burst["accounts"] == 3
    assert burst["clustered"] == 0
    assert len(burst["network"]) == 12
    assert [member["receipt"] for member in burst["members"]] == [c.receipt for c in members]
    assert all(member["cluster"] is None for member in burst["members"])


@pytest.mark.parametrize(
    ("who", "page_status", "api_status"),
    [
        ("secretariat", 200, 200),
        ("analyst", 200, 200),
        ("moderator", 403, 403),
        ("stakeholder", 403, 403),
        ("other_secretariat", 403, 403),
    ],
)
def test_only_the_secretariat_and_analysts_see_provenance(
    request, client, client_for, consultation, who, page_status, api_status
):
    user = request.getfixturevalue(who)
    comment = send(consultation, ParticipantFactory().user, "Seen by whom?")
    client.force_login(user)
    assert client.get(activity_url(consultation)).status_code == page_status
    assert client.get(provenance_url(comment)).status_code == page_status
    assert client_for(user).get(api_url(consultation)).status_code == api_status


def test_anonymous_visitors_are_sent_to_sign_in_and_refused_by_the_api(
    client, client_for, consultation
):
    assert client.get(activity_url(consultation)).status_code == 302
    assert client_for(None).get(api_url(consultation)).status_code in (401, 403)


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("bursts", [1, 6])
def test_activity_page_query_count_is_constant(
    client, consultation, secretariat, django_assert_num_queries, bursts
):
    for n in range(bursts):
        burst_from_one_network(consultation, 4, network=f"198.51.{n}")
    client.force_login(secretariat)
    url = activity_url(consultation)
    client.get(url)  # warm up sessions and permission caches
    # session, user, consultation, permission checks, the submissions and their
    # authors' sign-up times (two queries).
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert f"{bursts} burst" in page


@pytest.mark.parametrize("bursts", [1, 6])
def test_activity_api_query_count_is_constant(
    consultation, secretariat, client_for, django_assert_num_queries, bursts
):
    for n in range(bursts):
        burst_from_one_network(consultation, 4, network=f"198.51.{n}")
    api = client_for(secretariat)
    api.get(api_url(consultation))
    # token (read cache), consultation, permission checks, the submissions (two queries).
    with django_assert_num_queries(5):
        response = api.get(api_url(consultation))
    assert response.json()["count"] == bursts


@pytest.mark.parametrize("members", [3, 12])
def test_panel_query_count_is_constant(
    client, consultation, secretariat, django_assert_num_queries, members
):
    burst = burst_from_one_network(consultation, members)
    client.force_login(secretariat)
    url = provenance_url(burst[0])
    client.get(url)
    # The page's 8, the comment, its address, network, same-network count, cluster,
    # and the decide link's permission check: the members' number changes nothing.
    with django_assert_num_queries(15):
        client.get(url)
