"""Lists and exports cost the same number of queries however long they grow."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.amendments.quote import plain_text
from comments.models import AmendmentSupport, Comment
from comments.threads import services as comment_services
from feedback.ledger import services as feedback_services
from tests.api.helpers import comments_url
from tests.stakeholders.factories import ParticipantFactory


def add_comments(*, consultation, secretariat, organisation, stakeholder, until: int) -> None:
    """Grow the consultation to ``until`` comments: a mix of top-level comments, replies,
    private comments, comments for an organisation, published or drafted decisions, and
    amendments (issue 24) with their supports."""
    sections = consultation.versions.get().sections.order_by("ordinal")
    keys = [section.key for section in sections]
    # A passage of each section for its amendments: its first three words occur once.
    passages = {s.key: " ".join(plain_text(s.body).text.split()[:3]) for s in sections}
    n = Comment.objects.filter(consultation=consultation).count()
    while n < until:
        author = stakeholder if n % 5 == 0 else ParticipantFactory().user
        parent = Comment.objects.filter(consultation=consultation, visibility="public").last()
        reply = bool(parent and n % 3 == 0)
        key = keys[n % len(keys)]
        comment = comment_services.comment_create(
            actor=author,
            consultation=consultation,
            section_key=None if reply else key,
            parent=parent if reply else None,
            on_behalf_of=organisation if author == stakeholder else None,
            visibility="private" if n % 7 == 0 else "public",
            body=f"Comment number {n}.",
            amendment=(
                {"quote": passages[key], "replacement": f"wording {n}"}
                if not reply and n % 4 == 1
                else None
            ),
        )
        if not reply and n % 4 == 1:
            AmendmentSupport.objects.create(amendment=comment.amendment, user=secretariat)
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
    # The first request reads the consultation and its rounds into the read
    # cache (plenary/readcache.py), the later ones do not: compare warm with warm.
    measure()
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


# A comment POST, measured once the read cache is warm (plenary/readcache.py):
# the token with the profile and group, the consultation and its rounds, the
# person's standing (confirmed address, block, code of conduct accepted,
# commented here before: comments.permissions.standing_of, kept once they
# have commented here) and the section come from the cache: they were 5
# queries, and POST_QUERIES was 10 before issue 20.  The comment and its
# revision and the outbox row (3), inside the service's transaction (a
# savepoint here: 2).  No query asks whether the receipt is free (the unique
# constraint does: comments.threads.receipts.retry_on_collision).  The answer is
# serialised from the service's own instance: no query.  Since issue 23, three
# counters move in the same transaction, one INSERT ... ON CONFLICT each: the desk's
# UndecidedTally and UndecidedAuthorTally, and the balance pages' ParticipationTally
# (so that those pages read counters, never every comment).  Since issue 25, the
# keyed hash of the client's network (comments.SubmissionNetwork), one INSERT.
POST_QUERIES = 9


def _post(client, consultation, payload: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(comments_url(consultation), payload, format="json")
    assert response.status_code == 201, response.content
    return len(ctx.captured_queries), response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "queries"),
    [
        ({}, POST_QUERIES),
        ({"visibility": "private"}, POST_QUERIES),
        # The organisation by id, and the verified affiliation.
        ({"on_behalf_of": "organisation"}, POST_QUERIES + 2),
        # Issue 24: the Amendment row (its section is the one already read).
        (
            {"amendment": {"quote": "Open data supports", "replacement": "Data supports"}},
            POST_QUERIES + 1,
        ),
    ],
    ids=["public", "private", "on behalf of", "amendment"],
)
def test_comment_post_costs_a_fixed_number_of_queries_and_answers_like_a_read(
    extra, queries, consultation, stakeholder, verified_organisation, client_for
):
    """The 201 body is the comment as GET /comments/<receipt>/ shows it to its author,
    without reading it back; the POST's query count does not grow with the consultation."""
    client = client_for(stakeholder)
    if extra.get("on_behalf_of"):
        extra = {"on_behalf_of": verified_organisation.pk}
    payload = {"body": "The fund *must* reach rural operators.", "section": "1-purpose-2", **extra}
    _first, first = _post(client, consultation, {**payload, "accept_code_of_conduct": True})
    # A token's first request learns whose it is, its second keeps it
    # (plenary.authentication.token_with_user); the standing is kept from the
    # second comment on (the first one changes it): warm both before counting.
    client.get(f"/api/v1/comments/{first['receipt']}/")
    _post(client, consultation, {**payload, "body": "Warm."})
    counts = []
    for n in range(3):
        count, created = _post(client, consultation, {**payload, "body": f"Point {n}."})
        counts.append(count)
        shown = client.get(f"/api/v1/comments/{created['receipt']}/").json()
        assert {key: shown[key] for key in created} == created
        assert created["body"] == f"Point {n}." and created["section"] == "1-purpose-2"
        assert created["author"]["display_name"] == "Wanjiru" and created["author"]["group"]
        assert created["disposition"] is None
        assert created["amendment"] == (
            {**extra["amendment"], "supports": 0} if "amendment" in extra else None
        )
    assert counts == [queries] * 3
    if extra.get("on_behalf_of"):
        assert created["on_behalf_of"]["name"] == "Open Data Kenya"
    assert Comment.objects.filter(consultation=consultation, author=stakeholder).count() == 5


@pytest.mark.django_db
def test_reply_post_answers_like_a_read(consultation, stakeholder, other_stakeholder, client_for):
    client = client_for(stakeholder)
    _n, parent = _post(
        client,
        consultation,
        {"body": "Top.", "section": "1-purpose-2", "accept_code_of_conduct": True},
    )
    other = client_for(other_stakeholder)
    _n, reply = _post(
        other,
        consultation,
        {"body": "A reply.", "parent": parent["receipt"], "accept_code_of_conduct": True},
    )
    shown = other.get(f"/api/v1/comments/{reply['receipt']}/").json()
    assert {key: shown[key] for key in reply} == reply
    assert reply["parent"] == parent["receipt"] and reply["section"] == "1-purpose-2"
