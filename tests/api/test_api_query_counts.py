"""Lists and exports cost the same number of queries however long they grow."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import services as comment_services
from comments.models import Comment
from feedback import services as feedback_services
from tests.api.helpers import comments_url
from tests.stakeholders.factories import ParticipantFactory


def add_comments(*, consultation, secretariat, organisation, stakeholder, until: int) -> None:
    """Grow the consultation to ``until`` comments: a mix of top-level comments, replies,
    private comments, comments for an organisation, and published or drafted decisions."""
    keys = list(
        consultation.versions.get().sections.order_by("ordinal").values_list("key", flat=True)
    )
    n = Comment.objects.filter(consultation=consultation).count()
    while n < until:
        author = stakeholder if n % 5 == 0 else ParticipantFactory().user
        parent = Comment.objects.filter(consultation=consultation, visibility="public").last()
        comment = comment_services.comment_create(
            actor=author,
            consultation=consultation,
            section_key=None if (parent and n % 3 == 0) else keys[n % len(keys)],
            parent=parent if n % 3 == 0 else None,
            on_behalf_of=organisation if author == stakeholder else None,
            visibility="private" if n % 7 == 0 else "public",
            body=f"Comment number {n}.",
        )
        if n % 2 == 0:
            feedback_services.disposition_record(
                actor=secretariat, comment=comment, status="noted", publish=n % 4 == 0
            )
        n += 1


def _queries(client, url: str, *, streaming: bool = False) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, response
        body = json.loads(b"".join(response.streaming_content)) if streaming else response.json()
    return len(ctx.captured_queries), body


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "stakeholder", "secretariat"])
def test_comment_list_and_ledger_cost_constant_queries(
    request, viewer, consultation, secretariat, stakeholder, verified_organisation, client_for
):
    client = client_for(None if viewer == "anonymous" else request.getfixturevalue(viewer))
    grow = dict(
        consultation=consultation,
        secretariat=secretariat,
        organisation=verified_organisation,
        stakeholder=stakeholder,
    )
    urls = {
        "comments": (comments_url(consultation), False),
        "comments on a section": (
            comments_url(consultation) + "?section=1-purpose-2&round=1",
            False,
        ),
        "ledger.json": (f"/api/v1/consultations/{consultation.slug}/ledger.json", True),
        "ledger.csv": (f"/api/v1/consultations/{consultation.slug}/ledger.csv", None),
        "sections": (f"/api/v1/consultations/{consultation.slug}/sections/", False),
        "my comments": ("/api/v1/me/comments/", False),
    }
    if viewer == "anonymous":
        del urls["my comments"]

    def measure() -> dict[str, int]:
        counts = {}
        for name, (url, streaming) in urls.items():
            if streaming is None:  # CSV: consume the stream inside the capture
                with CaptureQueriesContext(connection) as ctx:
                    b"".join(client.get(url).streaming_content)
                counts[name] = len(ctx.captured_queries)
            else:
                counts[name], _body = _queries(client, url, streaming=streaming)
        return counts

    add_comments(until=10, **grow)
    small = measure()
    _n, ledger = _queries(client, urls["ledger.json"][0], streaming=True)
    assert len(ledger["comments"]) == 10
    assert len(ledger["entries"]) == 3  # comments 0, 4 and 8 have a published decision

    add_comments(until=60, **grow)
    large = measure()
    _n, ledger = _queries(client, urls["ledger.json"][0], streaming=True)
    assert len(ledger["comments"]) == 60
    assert len(ledger["entries"]) == 15
    _n, page = _queries(client, urls["comments"][0])
    # Cursor pagination (no count): a full first page and a link to the next.
    assert len(page["results"]) == 50 and page["next"]

    assert small == large
