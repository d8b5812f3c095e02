"""Supports and the amendments list over the API: the HTTP contract, filters, visibility
and what a list costs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import AmendmentSupport, Comment
from comments.threads import services as comment_services
from comments.threads.pagination import CommentCursorPagination
from feedback.ledger import services as feedback_services
from feedback.models import Status
from tests.comments.supports.factories import propose
from tests.consult.factories import with_code_of_conduct
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def supports_url(comment) -> str:
    return reverse("api-comment-supports", kwargs={"receipt": comment.receipt})


def amendments_url(consultation, **query) -> str:
    url = reverse("api-consultation-amendments", kwargs={"slug": consultation.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def amendment(consultation, stakeholder):
    return propose(actor=stakeholder, consultation=consultation)


def test_support_answers_201_then_200_and_delete_withdraws(
    amendment, other_stakeholder, client_for
):
    client = client_for(other_stakeholder)
    first = client.post(supports_url(amendment), {}, format="json")
    assert first.status_code == 201, first.content
    assert first.json() == {"supports": 1, "supported": True}
    again = client.post(supports_url(amendment), {}, format="json")
    assert again.status_code == 200
    assert again.json() == {"supports": 1, "supported": True}
    assert AmendmentSupport.objects.count() == 1

    gone = client.delete(supports_url(amendment))
    assert gone.status_code == 200
    assert gone.json() == {"supports": 0, "supported": False}
    assert AmendmentSupport.objects.count() == 0


def test_support_of_own_amendment_is_400_naming_the_field(amendment, stakeholder, client_for):
    response = client_for(stakeholder).post(supports_url(amendment), {}, format="json")
    assert response.status_code == 400
    assert "amendment" in response.json()
    assert AmendmentSupport.objects.count() == 0


def test_support_of_a_plain_comment_is_400_naming_the_field(
    consultation, stakeholder, other_stakeholder, client_for
):
    plain = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Yes."
    )
    response = client_for(other_stakeholder).post(supports_url(plain), {}, format="json")
    assert response.status_code == 400
    assert "amendment" in response.json()


def test_visitor_must_sign_in_to_support(amendment, client_for):
    assert client_for(None).post(supports_url(amendment), {}, format="json").status_code == 401
    assert AmendmentSupport.objects.count() == 0


def test_code_of_conduct_is_asked_then_accepted_with_the_support(
    consultation, secretariat, amendment, other_stakeholder, client_for
):
    with_code_of_conduct(consultation, secretariat=secretariat)
    client = client_for(other_stakeholder)
    refused = client.post(supports_url(amendment), {}, format="json")
    assert refused.status_code == 400
    assert "accept_code_of_conduct" in refused.json()
    accepted = client.post(supports_url(amendment), {"accept_code_of_conduct": True}, format="json")
    assert accepted.status_code == 201
    assert accepted.json()["supports"] == 1


# --- the amendments list -------------------------------------------------------------------


def test_list_shows_each_amendment_with_its_count_and_status(
    consultation, secretariat, amendment, stakeholder, other_stakeholder, client_for
):
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="No change."
    )
    client_for(other_stakeholder).post(supports_url(amendment), {}, format="json")
    body = client_for(None).get(amendments_url(consultation)).json()
    assert [item["receipt"] for item in body["results"]] == [amendment.receipt]
    item = body["results"][0]
    assert item["section"] == "1-purpose-2"
    assert item["quote"] == "accountability"
    assert item["replacement"] == "public accountability"
    assert item["supports"] == 1
    assert item["status"] is None
    assert item["created_at"]

    feedback_services.disposition_record(
        actor=secretariat, comment=amendment, status=Status.NOTED, rationale="", publish=True
    )
    body = client_for(None).get(amendments_url(consultation)).json()
    assert body["results"][0]["status"] == "noted"


def test_list_filters_by_section_and_status(
    consultation, secretariat, stakeholder, other_stakeholder, client_for
):
    on_purpose = propose(actor=stakeholder, consultation=consultation)
    on_scope = propose(
        actor=other_stakeholder,
        consultation=consultation,
        section_key="2-scope-1",
        quote="regulator",
        replacement="regulatory body",
    )
    decided = propose(actor=other_stakeholder, consultation=consultation, quote="useful")
    feedback_services.disposition_record(
        actor=secretariat,
        comment=decided,
        status=Status.NOT_ACCEPTED,
        rationale="Services are not the aim.",
        publish=True,
    )
    client = client_for(None)

    def receipts(**query) -> set[str]:
        response = client.get(amendments_url(consultation, **query))
        assert response.status_code == 200, response.content
        return {item["receipt"] for item in response.json()["results"]}

    assert receipts() == {on_purpose.receipt, on_scope.receipt, decided.receipt}
    assert receipts(section="2-scope-1") == {on_scope.receipt}
    assert receipts(status="awaiting") == {on_purpose.receipt, on_scope.receipt}
    assert receipts(status="not_accepted") == {decided.receipt}
    assert receipts(status="accepted") == set()
    assert receipts(section="1-purpose-2", status="awaiting") == {on_purpose.receipt}


@pytest.mark.parametrize(
    ("query", "field"), [({"status": "maybe"}, "status"), ({"section": "no-such-key"}, "section")]
)
def test_bad_filter_is_400_naming_it(consultation, client_for, query, field):
    response = client_for(None).get(amendments_url(consultation, **query))
    assert response.status_code == 400
    assert field in response.json()


def test_list_shows_only_amendments_the_viewer_may_read(
    consultation, secretariat, stakeholder, other_stakeholder, client_for
):
    ParticipantFactory(user=secretariat, display_name="Secretariat")
    private = propose(
        actor=stakeholder, consultation=consultation, visibility=Comment.Visibility.PRIVATE
    )
    withdrawn = propose(actor=stakeholder, consultation=consultation, quote="useful")
    comment_services.comment_withdraw(actor=stakeholder, comment=withdrawn)

    def receipts(user) -> set[str]:
        body = client_for(user).get(amendments_url(consultation)).json()
        return {item["receipt"] for item in body["results"]}

    assert receipts(None) == set()
    assert receipts(other_stakeholder) == set()
    assert receipts(stakeholder) == {private.receipt, withdrawn.receipt}
    assert receipts(secretariat) == {private.receipt, withdrawn.receipt}


def test_list_pages_by_cursor(monkeypatch, consultation, stakeholder, client_for):
    monkeypatch.setattr(CommentCursorPagination, "page_size", 2)
    for _ in range(3):
        propose(actor=stakeholder, consultation=consultation)
    client = client_for(None)
    url = amendments_url(consultation)
    seen = []
    while url:
        body = client.get(url).json()
        assert "count" not in body
        assert len(body["results"]) <= 2
        seen += [item["receipt"] for item in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 3


def _grow(consultation, secretariat, until: int) -> None:
    n = Comment.objects.filter(consultation=consultation, amendment__isnull=False).count()
    while n < until:
        author = ParticipantFactory().user
        amendment = propose(
            actor=author,
            consultation=consultation,
            visibility="private" if n % 3 == 0 else "public",
        )
        AmendmentSupport.objects.create(amendment_id=amendment.pk, user=secretariat)
        if n % 2 == 0:
            feedback_services.disposition_record(
                actor=secretariat, comment=amendment, status="noted", publish=True
            )
        n += 1


@pytest.mark.parametrize("viewer", ["anonymous", "stakeholder", "secretariat"])
def test_list_costs_constant_queries(request, viewer, consultation, secretariat, client_for):
    client = client_for(None if viewer == "anonymous" else request.getfixturevalue(viewer))
    url = amendments_url(consultation)
    counts = []
    for size in (2, 8):
        _grow(consultation, secretariat, size)
        for _ in range(2):  # warm the read cache (token, consultation)
            client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        assert len(response.json()["results"]) >= (size // 3 if viewer == "anonymous" else 1)
    assert counts[0] == counts[1], counts
