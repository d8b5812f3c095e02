"""``GET /api/v1/comments/<receipt>/`` carries the comment's points (issue 23): the items
of ``…/points/``, read with the comment's rule, for a bounded number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import Status
from feedback.points import services
from tests.feedback.ledger.test_chain import comment_on

pytestmark = pytest.mark.django_db

LETTER = (
    "First, the licence must be named.\n\n"
    "Second, regulators should be covered.\n\n"
    "Third, publish every quarter.\n\n"
    "Fourth, translate the summary.\n\n"
    "Fifth, keep the archive."
)


def split(secretariat, comment, paragraphs):
    return services.points_split_paragraphs(
        actor=secretariat, comment=comment, selected=paragraphs, breaks=paragraphs
    )


def detail(client, comment) -> dict:
    response = client.get(f"/api/v1/comments/{comment.receipt}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_detail_lists_the_points_as_the_points_endpoint_does(
    consultation, secretariat, stakeholder, client
):
    letter = comment_on(consultation, stakeholder, LETTER)
    one, two = split(secretariat, letter, [0, 2])
    services.point_draft_save(
        actor=secretariat, point=two, status=Status.NOT_ACCEPTED, rationale="Not yearly."
    )
    services.points_publish(actor=secretariat, comment=letter)

    body = detail(client, letter)  # anonymous: the comment is public
    assert body["points"] == client.get(f"/api/v1/comments/{letter.receipt}/points/").json()
    first, second = body["points"]
    assert (first["receipt"], first["number"], first["status"]) == (one.receipt, 1, None)
    assert first["quote"] == "First, the licence must be named."
    assert (second["receipt"], second["status"], second["rationale"]) == (
        two.receipt,
        "not_accepted",
        "Not yearly.",
    )
    assert second["published_at"] is not None


def test_a_comment_without_points_has_an_empty_list(consultation, stakeholder, client):
    assert detail(client, comment_on(consultation, stakeholder, "Short."))["points"] == []


def test_a_private_comments_points_show_their_text_to_its_author_and_team_only(
    consultation, secretariat, stakeholder, other_stakeholder, client
):
    private = comment_on(consultation, stakeholder, LETTER, visibility="private")
    (point,) = split(secretariat, private, [1])
    services.point_draft_save(
        actor=secretariat, point=point, status=Status.NOT_ACCEPTED, rationale="Secret reason."
    )
    services.points_publish(actor=secretariat, comment=private)

    client.force_login(other_stakeholder)
    (seen,) = detail(client, private)["points"]
    assert (seen["receipt"], seen["status"]) == (point.receipt, "not_accepted")
    assert seen["quote"] is None and seen["rationale"] is None
    for reader in (stakeholder, secretariat):
        client.force_login(reader)
        (seen,) = detail(client, private)["points"]
        assert seen["quote"] == "Second, regulators should be covered."
        assert seen["rationale"] == "Secret reason."


def test_detail_queries_do_not_grow_with_the_points(consultation, secretariat, stakeholder, client):
    letter = comment_on(consultation, stakeholder, LETTER)
    client.force_login(stakeholder)
    counts = []
    for paragraphs in ([0], [1, 2, 3, 4]):
        made = split(secretariat, letter, paragraphs)
        for point in made:
            services.point_draft_save(actor=secretariat, point=point, status=Status.ACCEPTED)
        services.points_publish(actor=secretariat, comment=letter)
        with CaptureQueriesContext(connection) as queries:
            body = detail(client, letter)
        counts.append(len(queries.captured_queries))
        assert len(body["points"]) == letter.points.count()
    assert counts[0] == counts[1], counts


def test_the_schema_documents_the_points_of_a_comment(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    points = schema["components"]["schemas"]["CommentDetail"]["properties"]["points"]
    assert points["items"] == {"$ref": "#/components/schemas/Point"}
    assert "points" in schema["components"]["schemas"]["CommentDetail"]["required"]
