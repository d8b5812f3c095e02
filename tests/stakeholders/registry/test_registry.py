"""The registry: verification, affiliations, merges, the badge; pages and API."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from comments.models import Comment
from comments.threads import services as comment_services
from plenary.audit.models import AuditEvent
from stakeholders.models import Affiliation, InterestTag, Organisation, StakeholderGroup, User
from stakeholders.registry import services
from tests.stakeholders.factories import OrganisationFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

SECTION = "1-purpose-2"


@pytest.fixture
def verifier(db):
    """The site's secretariat for the registry (``stakeholders.verify_organisation``)."""
    user = ParticipantFactory(display_name="Registry desk", user__email="desk@example.org").user
    user.user_permissions.add(Permission.objects.get(codename="verify_organisation"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def org(verifier):
    return services.organisation_verify(
        actor=verifier, organisation=OrganisationFactory(name="Open Data Kenya"), note="Reg. 42"
    )


def _client(client, user):
    client.force_login(user)
    return client


def _counts():
    return {
        "affiliations": Affiliation.objects.count(),
        "organisations": Organisation.objects.count(),
        "verified": Organisation.objects.filter(verified_at__isnull=False).count(),
        "merged": Organisation.objects.filter(merged_into__isnull=False).count(),
        "comments": Comment.objects.count(),
        "tags": InterestTag.objects.count(),
    }


# --- verification -------------------------------------------------------------------


def test_secretariat_can_verify_an_organisation_with_its_evidence(client, verifier):
    organisation = OrganisationFactory(name="Kenya ICT Action Network")
    url = reverse("registry_organisation", args=[organisation.pk])
    response = _client(client, verifier).post(
        url, {"form": "verify", "note": "Registered society no. 1234, checked by phone."}
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.is_verified and organisation.verified_by == verifier
    assert organisation.verification_note == "Registered society no. 1234, checked by phone."
    listing = client.get(reverse("registry_organisations"), {"q": "ict action"}).content.decode()
    assert "Kenya ICT Action Network" in listing and "verified" in listing


def test_verification_without_evidence_is_refused_and_nothing_stored(client, verifier):
    organisation = OrganisationFactory()
    response = _client(client, verifier).post(
        reverse("registry_organisation", args=[organisation.pk]), {"form": "verify", "note": "  "}
    )
    assert response.status_code == 200
    assert "Record the evidence the verification rests on." in response.content.decode()
    organisation.refresh_from_db()
    assert not organisation.is_verified


@pytest.mark.parametrize(
    "name",
    ["registry_organisations", "registry_groups", "registry_affiliations"],
)
def test_participant_cannot_open_the_registry_pages(client, stakeholder, name):
    assert _client(client, stakeholder).get(reverse(name)).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_the_registry(client):
    response = client.get(reverse("registry_organisations"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_participant_cannot_verify_through_the_service(stakeholder):
    with pytest.raises(PermissionDenied):
        services.organisation_verify(
            actor=stakeholder, organisation=OrganisationFactory(), note="x"
        )


def test_secretariat_can_add_an_organisation_and_a_duplicate_name_is_refused(client, verifier):
    group = StakeholderGroup.objects.get(slug="civil-society")
    data = {"name": "Article 19", "group": group.pk, "country": "KE", "website": ""}
    assert (
        _client(client, verifier).post(reverse("registry_organisations"), data).status_code == 302
    )
    before = _counts()
    response = client.post(reverse("registry_organisations"), {**data, "name": "ARTICLE 19 "})
    assert "is already in the registry" in response.content.decode()
    assert _counts() == before


def test_unknown_country_of_an_organisation_is_refused(client, verifier):
    group = StakeholderGroup.objects.get(slug="civil-society")
    before = _counts()
    response = _client(client, verifier).post(
        reverse("registry_organisations"),
        {"name": "Nowhere Inc", "group": group.pk, "country": "XX"},
    )
    assert response.status_code == 200 and "XX" in response.content.decode()
    assert _counts() == before


# --- affiliations ----------------------------------------------------------------


def test_participant_can_ask_for_an_affiliation_and_see_it_waiting(client, stakeholder, org):
    response = _client(client, stakeholder).post(
        reverse("my_affiliations"), {"organisation": org.pk}
    )
    assert response.status_code == 302
    (affiliation,) = Affiliation.objects.filter(participant__user=stakeholder)
    assert affiliation.status == Affiliation.Status.REQUESTED
    page = client.get(reverse("my_affiliations")).content.decode()
    assert "Open Data Kenya" in page and "waiting for the secretariat" in page


def test_second_request_for_the_same_organisation_is_refused(client, stakeholder, org):
    _client(client, stakeholder).post(reverse("my_affiliations"), {"organisation": org.pk})
    before = _counts()
    response = client.post(reverse("my_affiliations"), {"organisation": org.pk})
    assert "You already asked to be affiliated with" in response.content.decode()
    assert _counts() == before


def test_request_to_a_merged_organisation_names_the_one_it_went_into(
    client, stakeholder, verifier, org, client_for
):
    duplicate = OrganisationFactory(name="OpenData Kenya (old)")
    services.organisation_merge(actor=verifier, duplicate=duplicate, into=org)
    before = _counts()
    page = _client(client, stakeholder).post(
        reverse("my_affiliations"), {"organisation": duplicate.pk}
    )
    assert page.status_code == 200
    assert "was merged into “Open Data Kenya”" in page.content.decode()
    api = client_for(stakeholder).post(
        reverse("api-my-affiliations"), {"organisation": duplicate.pk}, format="json"
    )
    assert api.status_code == 400
    assert "was merged into “Open Data Kenya”" in api.json()["organisation"][0]
    assert _counts() == before


def test_secretariat_can_approve_an_affiliation_and_the_participant_is_mailed(
    client, stakeholder, verifier, org, django_capture_on_commit_callbacks
):
    affiliation = services.affiliation_request(
        participant=stakeholder.participant, organisation=org
    )
    mail.outbox.clear()
    prefix = f"a{affiliation.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(client, verifier).post(
            reverse("registry_affiliations"),
            {
                "affiliation": affiliation.pk,
                f"{prefix}-decision": "approve",
                f"{prefix}-reason": "",
            },
        )
    assert response.status_code == 302
    affiliation.refresh_from_db()
    assert affiliation.status == Affiliation.Status.VERIFIED
    (message,) = mail.outbox
    assert message.to == [stakeholder.email]
    assert "confirmed" in message.subject and "Open Data Kenya" in message.body
    assert "List-Unsubscribe" not in message.extra_headers  # owed, not a reminder


def test_refusal_needs_a_reason_and_the_reason_is_mailed(
    client, stakeholder, verifier, org, django_capture_on_commit_callbacks
):
    affiliation = services.affiliation_request(
        participant=stakeholder.participant, organisation=org
    )
    mail.outbox.clear()
    prefix = f"a{affiliation.pk}"
    _client(client, verifier)
    response = client.post(
        reverse("registry_affiliations"),
        {"affiliation": affiliation.pk, f"{prefix}-decision": "refuse", f"{prefix}-reason": ""},
    )
    assert "Say why the affiliation is refused." in response.content.decode()
    affiliation.refresh_from_db()
    assert affiliation.status == Affiliation.Status.REQUESTED and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("registry_affiliations"),
            {
                "affiliation": affiliation.pk,
                f"{prefix}-decision": "refuse",
                f"{prefix}-reason": "No staff page lists you.",
            },
        )
    affiliation.refresh_from_db()
    assert affiliation.status == Affiliation.Status.REFUSED
    (message,) = mail.outbox
    assert "No staff page lists you." in message.body
    page = _client(client, stakeholder).get(reverse("my_affiliations")).content.decode()
    assert "refused" in page and "No staff page lists you." in page


def test_on_behalf_of_without_a_verified_affiliation_is_refused_in_page_and_api(
    client, client_for, consultation, stakeholder, org
):
    services.affiliation_request(participant=stakeholder.participant, organisation=org)
    before = _counts()
    page = _client(client, stakeholder).post(
        reverse("section", args=[consultation.slug, SECTION]),
        {"body": "We, the organisation, object.", "visibility": "public", "on_behalf_of": org.pk},
    )
    assert page.status_code == 200
    assert "errors" in page.content.decode()
    api = client_for(stakeholder).post(
        reverse("api-consultation-comments", args=[consultation.slug]),
        {"section": SECTION, "body": "We object.", "on_behalf_of": org.pk},
        format="json",
    )
    assert api.status_code == 400 and "on_behalf_of" in api.json()
    assert _counts() == before


def test_verified_affiliation_lets_a_participant_speak_for_it_with_the_badge(
    client, consultation, stakeholder, verifier, org
):
    affiliation = services.affiliation_request(
        participant=stakeholder.participant, organisation=org
    )
    services.affiliation_decide(actor=verifier, affiliation=affiliation, approve=True)
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="Our view.",
        on_behalf_of=org,
    )
    for url in (
        reverse("section", args=[consultation.slug, SECTION]),
        reverse("receipt", args=[comment.receipt]),
        reverse("ledger", args=[consultation.slug]),
    ):
        page = client.get(url).content.decode()
        shown = '<span class="org"><bdi>Open Data Kenya</bdi></span> <span class="badge verified"'
        assert shown in page, url


def test_merge_moves_affiliations_keeps_comments_and_every_display_follows(
    client, client_for, consultation, stakeholder, other_stakeholder, verifier, org
):
    duplicate = services.organisation_verify(
        actor=verifier, organisation=OrganisationFactory(name="ODK"), note="Same people."
    )
    # One person is affiliated with both (refused on one, verified on the duplicate),
    # another with the duplicate only.
    both = services.affiliation_request(participant=stakeholder.participant, organisation=org)
    services.affiliation_decide(actor=verifier, affiliation=both, approve=False, reason="Later.")
    on_dup = services.affiliation_request(
        participant=stakeholder.participant, organisation=duplicate
    )
    services.affiliation_decide(actor=verifier, affiliation=on_dup, approve=True)
    only_dup = services.affiliation_request(
        participant=other_stakeholder.participant, organisation=duplicate
    )
    comment = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="Our view.",
        on_behalf_of=duplicate,
    )
    response = _client(client, verifier).post(
        reverse("registry_organisation", args=[duplicate.pk]), {"form": "merge", "into": org.pk}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == org and duplicate.merged_at is not None
    comment.refresh_from_db()
    assert comment.on_behalf_of_id == duplicate.pk  # history kept
    kept = {a.participant.user_id: a for a in Affiliation.objects.filter(organisation=org)}
    assert set(kept) == {stakeholder.pk, other_stakeholder.pk}
    assert kept[stakeholder.pk].status == Affiliation.Status.VERIFIED  # the stronger one
    assert kept[other_stakeholder.pk].pk == only_dup.pk
    assert not Affiliation.objects.filter(organisation=duplicate).exists()
    event = AuditEvent.objects.get(event="organisation_merged")
    assert event.actor == verifier and event.detail["into"] == org.pk
    staff_page = client.get(reverse("registry_organisation", args=[duplicate.pk])).content
    assert "Merged on" in staff_page.decode()
    thread = client.get(reverse("section", args=[consultation.slug, SECTION])).content.decode()
    assert '<span class="org"><bdi>Open Data Kenya</bdi></span>' in thread and ">ODK<" not in thread
    api = client_for(None).get(reverse("api-comment", args=[comment.receipt])).json()
    assert api["on_behalf_of"]["name"] == "Open Data Kenya"
    csv = b"".join(
        client.get(reverse("api-ledger-csv", args=[consultation.slug])).streaming_content
    )
    assert b"ODK" not in csv


@pytest.mark.parametrize("case", ["itself", "already-merged", "into-merged"])
def test_bad_merges_are_refused_and_nothing_changes(verifier, org, case):
    duplicate = OrganisationFactory(name="Duplicate")
    other = OrganisationFactory(name="Other")
    services.organisation_merge(actor=verifier, duplicate=other, into=org)
    pairs = {
        "itself": (duplicate, duplicate),
        "already-merged": (other, duplicate),
        "into-merged": (duplicate, other),
    }
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        services.organisation_merge(actor=verifier, duplicate=pairs[case][0], into=pairs[case][1])
    assert "into" in exc.value.message_dict
    assert _counts() == before


def test_participant_cannot_merge(stakeholder, org):
    with pytest.raises(PermissionDenied):
        services.organisation_merge(actor=stakeholder, duplicate=OrganisationFactory(), into=org)


# --- groups and interests ---------------------------------------------------------


def test_secretariat_can_edit_a_group_and_add_interests(client, verifier):
    group = StakeholderGroup.objects.get(slug="private-sector")
    url = reverse("registry_group", args=[group.slug])
    _client(client, verifier).post(
        url, {"form": "group", "name": "Business", "description": "Firms.", "ordinal": 2}
    )
    group.refresh_from_db()
    assert (group.name, group.description) == ("Business", "Firms.")
    client.post(url, {"form": "tag", "name": "Small business"})
    before = _counts()
    response = client.post(url, {"form": "tag", "name": "small  business"})
    assert "already has this interest" in response.content.decode()
    assert _counts() == before
    assert list(group.tags.values_list("name", flat=True)) == ["Small business"]
    assert "Small business" in client.get(reverse("registry_groups")).content.decode()


# --- API ----------------------------------------------------------------------------


def test_anyone_can_list_organisations_without_the_evidence(client_for, org, verifier):
    duplicate = OrganisationFactory(name="ODK")
    services.organisation_merge(actor=verifier, duplicate=duplicate, into=org)
    response = client_for(None).get(reverse("api-organisations"))
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert rows["Open Data Kenya"] == {
        "id": org.pk,
        "name": "Open Data Kenya",
        "group": "Civil society",
        "country": "BR",
        "verified": True,
        "merged_into": None,
    }
    assert rows["ODK"]["merged_into"] == org.pk
    assert "Reg. 42" not in response.content.decode()


def test_participant_can_ask_for_an_affiliation_through_the_api(client_for, stakeholder, org):
    api = client_for(stakeholder)
    created = api.post(reverse("api-my-affiliations"), {"organisation": org.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "requested"
    again = api.post(reverse("api-my-affiliations"), {"organisation": org.pk}, format="json")
    assert again.status_code == 400 and "already asked" in again.json()["organisation"][0]
    (row,) = api.get(reverse("api-my-affiliations")).json()["results"]
    assert row["organisation"]["name"] == "Open Data Kenya"


def test_my_affiliations_api_lists_only_my_own(client_for, stakeholder, other_stakeholder, org):
    services.affiliation_request(participant=other_stakeholder.participant, organisation=org)
    assert client_for(stakeholder).get(reverse("api-my-affiliations")).json()["results"] == []


# --- query counts ---------------------------------------------------------------


def _grow(n: int, verifier) -> None:
    for _i in range(n):
        organisation = OrganisationFactory()
        participant = ParticipantFactory()
        services.affiliation_request(participant=participant, organisation=organisation)


@pytest.mark.parametrize("name", ["registry_organisations", "registry_affiliations"])
def test_registry_lists_cost_the_same_queries_at_two_sizes(
    client, verifier, django_assert_num_queries, name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _client(client, verifier)
    _grow(2, verifier)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    _grow(12, verifier)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_my_affiliations_and_the_public_list_cost_the_same_queries_at_two_sizes(
    client, client_for, stakeholder, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(n):
        for _i in range(n):
            services.affiliation_request(
                participant=stakeholder.participant, organisation=OrganisationFactory()
            )

    _client(client, stakeholder)
    api = client_for(None)
    grow(2)
    with CaptureQueriesContext(connection) as page_small:
        assert client.get(reverse("my_affiliations")).status_code == 200
    with CaptureQueriesContext(connection) as api_small:
        assert api.get(reverse("api-organisations")).status_code == 200
    grow(12)
    with django_assert_num_queries(len(page_small.captured_queries)):
        page = client.get(reverse("my_affiliations"))
    assert page.content.decode().count("waiting for the secretariat") == 14
    with django_assert_num_queries(len(api_small.captured_queries)):
        assert len(api.get(reverse("api-organisations")).json()["results"]) == 14


def test_the_report_appendix_names_the_merged_organisation_and_says_verified(
    consultation, stakeholder, verifier, org
):
    from feedback.report import selectors as report

    duplicate = OrganisationFactory(name="ODK")
    affiliation = services.affiliation_request(
        participant=stakeholder.participant, organisation=duplicate
    )
    services.affiliation_decide(actor=verifier, affiliation=affiliation, approve=True)
    services.organisation_verify(actor=verifier, organisation=duplicate, note="Seen.")
    comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="Our view.",
        on_behalf_of=duplicate,
    )
    sections = list(consultation.versions.get().sections.order_by("ordinal"))
    (before,) = report.appendix_rows(consultation=consultation, sections=sections)
    assert (before["organisation_name"], before["organisation_verified"]) == ("ODK", "1")
    unverified = OrganisationFactory(name="Not checked")
    services.organisation_merge(actor=verifier, duplicate=duplicate, into=unverified)
    (after,) = report.appendix_rows(consultation=consultation, sections=sections)
    assert (after["organisation_name"], after["organisation_verified"]) == ("Not checked", "")
