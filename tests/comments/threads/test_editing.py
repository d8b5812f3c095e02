"""Editing, withdrawing and the history of a comment (issue 5), through pages and API.

Edits and withdrawal are the author's, while the comment's own round is open
(a frozen clock moves past ``Round.closes_at``); every version is kept as a
``CommentRevision``; a withdrawn comment leaves the thread, the API and the
ledger's text but keeps its receipt, its status and its place in the ledger,
whose hash chain does not move.
"""

import csv
import io
import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment, CommentRevision
from comments.threads import services
from consult.consultations import services as consult_services
from consult.versions import services as version_services
from feedback.ledger import services as feedback_services
from feedback.models import Status
from tests.consult.factories import DRAFT
from tests.stakeholders.factories import api_token_for

SECTION = "1-purpose-2"
FIRST = "The deadline should be **ninety** days."
SECOND = "The deadline should be **sixty** days."
THIRD = "The deadline should be *thirty* days."


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def _section_url(consultation) -> str:
    return reverse("section", args=[consultation.slug, SECTION])


@pytest.fixture
def comment(consultation, stakeholder):
    return services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body=FIRST
    )


def _after_close(consultation):
    closes_at = consultation.rounds.get().closes_at
    return time_machine.travel(closes_at + timedelta(minutes=1), tick=False)


def _state(comment) -> tuple:
    comment.refresh_from_db()
    revisions = list(comment.revisions.order_by("number").values_list("number", "body"))
    return comment.body, comment.body_html, comment.edited_at, comment.withdrawn_at, revisions


# --- editing -------------------------------------------------------------------------


def test_author_edits_through_the_page_and_every_version_is_kept(client, comment, stakeholder):
    client.force_login(stakeholder)
    url = reverse("comment_edit", args=[comment.receipt])
    form = client.get(url).content.decode()
    assert "ninety" in form and 'name="body"' in form and "Save changes" in form

    for body in (SECOND, THIRD):
        response = client.post(url, {"body": body})
        assert response.status_code == 302
        assert response["Location"] == reverse("receipt", args=[comment.receipt])

    comment.refresh_from_db()
    assert comment.body == THIRD and "<em>thirty</em>" in comment.body_html
    assert comment.edited_at is not None
    assert list(comment.revisions.order_by("number").values_list("number", "body")) == [
        (1, FIRST),
        (2, SECOND),
        (3, THIRD),
    ]
    assert set(comment.revisions.values_list("created_by", flat=True)) == {stakeholder.pk}


def test_edited_comment_says_so_and_links_its_history(client, consultation, comment, stakeholder):
    services.comment_edit(actor=stakeholder, comment=comment, body=SECOND)
    history_url = reverse("comment_history", args=[comment.receipt])

    thread = client.get(_section_url(consultation)).content.decode()
    assert "sixty" in thread and "ninety" not in thread
    assert f'href="{history_url}">edited' in thread
    receipt = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert "Edited on" in receipt and history_url in receipt

    # Public comment: anyone reads its history, the original first.
    history = client.get(history_url).content.decode()
    assert history.index("<strong>ninety</strong>") < history.index("<strong>sixty</strong>")
    assert "Original" in history and "Version 2" in history

    api = _api().get(f"/api/v1/comments/{comment.receipt}/revisions/").json()
    assert [(r["number"], r["body"]) for r in api] == [(1, FIRST), (2, SECOND)]
    assert api[1]["body_html"] == "<p>The deadline should be <strong>sixty</strong> days.</p>\n"
    detail = _api().get(f"/api/v1/comments/{comment.receipt}/").json()
    assert detail["edited_at"] is not None and detail["withdrawn_at"] is None


def test_unedited_comment_shows_no_edited_mark(client, consultation, comment):
    thread = client.get(_section_url(consultation)).content.decode()
    assert reverse("comment_history", args=[comment.receipt]) not in thread


def test_author_edits_through_the_api(comment, stakeholder):
    response = _api(stakeholder).patch(
        f"/api/v1/comments/{comment.receipt}/", {"body": SECOND}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["body"] == SECOND and response.json()["edited_at"]
    assert comment.revisions.count() == 2


@pytest.mark.parametrize(
    "body, field",
    [(FIRST, "body"), ("", "body"), ("  \n\t ", "body"), ("nul\x00byte", "body")],
    ids=["unchanged", "empty", "whitespace", "nul"],
)
def test_edit_refuses_bad_text_and_changes_nothing(client, comment, stakeholder, body, field):
    before = _state(comment)
    response = _api(stakeholder).patch(
        f"/api/v1/comments/{comment.receipt}/", {"body": body}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    client.force_login(stakeholder)
    page = client.post(reverse("comment_edit", args=[comment.receipt]), {"body": body})
    if "\x00" in body:
        # Control characters are refused at the door, naming the character
        # (plenary/bodies.py), before the form is read.
        assert page.status_code == 400 and "U+0000" in page.content.decode()
    else:
        # The message sits beside the field (Django ties it with aria-describedby).
        assert page.status_code == 200 and 'id="id_body_error"' in page.content.decode()
    assert _state(comment) == before


def test_edit_after_the_round_closes_is_refused(client, consultation, comment, stakeholder):
    before = _state(comment)
    url = reverse("comment_edit", args=[comment.receipt])
    with _after_close(consultation):
        client.force_login(stakeholder)  # a session from a month ago has expired
        response = _api(stakeholder).patch(
            f"/api/v1/comments/{comment.receipt}/", {"body": SECOND}, format="json"
        )
        assert response.status_code == 400
        assert "closed" in response.json()["round"][0]

        page = client.post(url, {"body": SECOND})
        text = page.content.decode()
        assert page.status_code == 200
        assert "it can no longer be changed" in text  # the service's message
        assert "Editing closed when this comment's round closed" in text
        assert 'name="body"' not in text  # no form to fill in vain

        # No edit or withdraw link is offered any more.
        assert url not in client.get(reverse("receipt", args=[comment.receipt])).content.decode()
        assert url not in client.get(reverse("my_input")).content.decode()
    assert _state(comment) == before


def test_edit_just_before_the_close_is_accepted(consultation, comment, stakeholder):
    closes_at = consultation.rounds.get().closes_at
    with time_machine.travel(closes_at - timedelta(seconds=1), tick=False):
        services.comment_edit(actor=stakeholder, comment=comment, body=SECOND)
    assert comment.revisions.count() == 2


def test_edit_of_a_reply_in_an_earlier_round_follows_its_own_round(
    consultation, comment, stakeholder, secretariat
):
    """The comment's own round decides, not whichever round is current."""
    with _after_close(consultation):
        version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)
        from django.utils import timezone

        consult_services.round_open(
            actor=secretariat,
            consultation=consultation,
            closes_at=timezone.now() + timedelta(days=10),
            title="Second look",
            short_window_reason="A short second look.",
        )
        response = _api(stakeholder).patch(
            f"/api/v1/comments/{comment.receipt}/", {"body": SECOND}, format="json"
        )
    assert response.status_code == 400 and "round" in response.json()


@pytest.mark.parametrize("who", ["other_stakeholder", "secretariat", "moderator"])
def test_nobody_but_the_author_edits_or_withdraws(client, request, comment, who):
    user = request.getfixturevalue(who)
    before = _state(comment)
    client.force_login(user)
    for name in ("comment_edit", "comment_withdraw"):
        url = reverse(name, args=[comment.receipt])
        assert client.get(url).status_code == 403
        assert client.post(url, {"body": SECOND}).status_code == 403
    api = _api(user)
    assert api.patch(f"/api/v1/comments/{comment.receipt}/", {"body": SECOND}).status_code == 403
    assert api.post(f"/api/v1/comments/{comment.receipt}/withdraw/").status_code == 403
    # Nor are they offered the links.
    thread = client.get(_section_url(comment.consultation)).content.decode()
    assert reverse("comment_edit", args=[comment.receipt]) not in thread
    assert _state(comment) == before


def test_anonymous_is_sent_to_sign_in_and_the_api_says_401(client, comment):
    before = _state(comment)
    for name in ("comment_edit", "comment_withdraw"):
        response = client.post(reverse(name, args=[comment.receipt]), {"body": SECOND})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _api().patch(f"/api/v1/comments/{comment.receipt}/", {"body": SECOND}).status_code == 401
    assert _api().post(f"/api/v1/comments/{comment.receipt}/withdraw/").status_code == 401
    assert _state(comment) == before


def test_unknown_receipt_is_404(client, stakeholder):
    client.force_login(stakeholder)
    for name in ("comment_edit", "comment_withdraw", "comment_history"):
        assert client.get(reverse(name, args=["00000-00000"])).status_code == 404
    api = _api(stakeholder)
    assert api.patch("/api/v1/comments/00000-00000/", {"body": SECOND}).status_code == 404
    assert api.get("/api/v1/comments/00000-00000/revisions/").status_code == 404


def test_author_is_offered_edit_and_withdraw(client, consultation, comment, stakeholder):
    client.force_login(stakeholder)
    edit, withdraw = (
        reverse(n, args=[comment.receipt]) for n in ("comment_edit", "comment_withdraw")
    )
    for url in (_section_url(consultation), reverse("receipt", args=[comment.receipt])):
        page = client.get(url).content.decode()
        assert edit in page and withdraw in page, url
    mine = client.get(reverse("my_input")).content.decode()
    assert edit in mine and withdraw in mine


# --- preview -------------------------------------------------------------------------


def test_preview_renders_the_comment_and_stores_nothing(client, consultation, stakeholder):
    client.force_login(stakeholder)
    text = "A *first* draft <script>alert(1)</script>\n\n[link](https://example.org)"
    response = client.post(
        _section_url(consultation), {"body": text, "visibility": "public", "preview": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert 'id="preview-h"' in page and "<em>first</em>" in page
    assert 'rel="nofollow ugc noopener"' in page
    assert "<script>alert(1)</script>" not in page
    # The text stays in the textarea, exactly (escaped as HTML).
    assert "A *first* draft &lt;script&gt;alert(1)&lt;/script&gt;\n\n[link]" in page


def test_preview_of_a_reply_keeps_the_parent(client, consultation, comment, other_stakeholder):
    client.force_login(other_stakeholder)
    response = client.post(
        _section_url(consultation),
        {"body": "I **agree**.", "parent": comment.receipt, "visibility": "public", "preview": "1"},
    )
    page = response.content.decode()
    assert "<strong>agree</strong>" in page and f'value="{comment.receipt}"' in page
    assert Comment.objects.count() == 1


def test_preview_on_the_edit_page_stores_nothing(client, comment, stakeholder):
    client.force_login(stakeholder)
    before = _state(comment)
    response = client.post(
        reverse("comment_edit", args=[comment.receipt]), {"body": SECOND, "preview": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<strong>sixty</strong>" in page
    assert "The deadline should be **sixty** days.</textarea>" in page
    assert _state(comment) == before


def test_preview_of_empty_text_says_so(client, consultation, stakeholder):
    client.force_login(stakeholder)
    page = client.post(
        _section_url(consultation), {"body": "  ", "visibility": "public", "preview": "1"}
    ).content.decode()
    assert "Nothing to preview yet" in page and Comment.objects.count() == 0


# --- withdrawal ------------------------------------------------------------------------


@pytest.fixture
def decided(comment, secretariat):
    feedback_services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=Status.NOTED,
        rationale="Noted: ninety days it is.",
        publish=True,
    )
    return comment


def _ledger_json(consultation) -> dict:
    response = APIClient().get(f"/api/v1/consultations/{consultation.slug}/ledger.json")
    return json.loads(b"".join(response.streaming_content))


def _ledger_csv(consultation) -> list[dict]:
    response = APIClient().get(f"/api/v1/consultations/{consultation.slug}/ledger.csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_withdrawn_comment_leaves_the_text_but_keeps_its_place(
    client, consultation, decided, stakeholder, other_stakeholder
):
    comment = decided
    reply = services.comment_create(
        actor=other_stakeholder, consultation=consultation, parent=comment, body="Too long, surely."
    )
    chain_before = _ledger_json(consultation)["entries"]

    client.force_login(stakeholder)
    url = reverse("comment_withdraw", args=[comment.receipt])
    confirm = client.get(url).content.decode()
    assert "This cannot be undone." in confirm and "Withdraw this comment" in confirm
    assert Comment.objects.get(pk=comment.pk).withdrawn_at is None  # GET only asks
    response = client.post(url)
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.withdrawn_at is not None and comment.body == FIRST  # nothing deleted
    client.logout()

    # The thread: a placeholder, the reply still there; no author, no text.
    thread = client.get(_section_url(consultation)).content.decode()
    assert "Withdrawn by its author" in thread and "ninety" not in thread
    assert "Too long, surely." in thread and comment.receipt in thread
    assert "Wanjiru" not in thread

    # The receipt still resolves and says withdrawn; status stays public.
    receipt = client.get(reverse("receipt", args=[comment.receipt]))
    assert receipt.status_code == 200
    text = receipt.content.decode()
    assert "Withdrawn by its author on" in text and "ninety" not in text
    assert "status-noted" in text

    # The API: no text, author or rationale for others.
    seen = _api(other_stakeholder).get(f"/api/v1/comments/{comment.receipt}/").json()
    assert seen["withdrawn_at"] is not None
    assert seen["body"] is None and seen["author"] is None
    assert seen["disposition"]["status"] == "noted" and seen["disposition"]["rationale"] is None
    listed = APIClient().get(f"/api/v1/consultations/{consultation.slug}/comments/").json()
    bodies = [c["body"] for c in listed["results"]]
    assert FIRST not in bodies and reply.body in bodies
    assert _api().get(f"/api/v1/comments/{comment.receipt}/revisions/").status_code == 403
    assert client.get(reverse("comment_history", args=[comment.receipt])).status_code == 403

    # The ledger page and exports: listed, marked withdrawn, no text.
    ledger = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert comment.receipt in ledger and "withdrawn by its author" in ledger
    assert "ninety" not in ledger.lower()
    rows = {row["receipt"]: row for row in _ledger_csv(consultation)}
    assert rows[comment.receipt]["withdrawn"] == "true"
    assert rows[comment.receipt]["status"] == "noted" and rows[comment.receipt]["author"] == ""
    assert rows[reply.receipt]["withdrawn"] == "false" and rows[reply.receipt]["author"]
    exported = _ledger_json(consultation)
    by_receipt = {c["receipt"]: c for c in exported["comments"]}
    assert by_receipt[comment.receipt]["withdrawn"] is True
    assert by_receipt[comment.receipt]["rationale"] is None

    # The hash chain did not move: same entries, same hashes; verify_ledger is green.
    entries_after = exported["entries"]
    assert [e["entry_hash"] for e in entries_after] == [e["entry_hash"] for e in chain_before]
    assert entries_after[0]["rationale"] is None  # the rationale may quote the text
    out = io.StringIO()
    call_command("verify_ledger", consultation.slug, stdout=out)
    assert out.getvalue().startswith("OK: 1 entries")


def test_author_and_staff_still_read_a_withdrawn_comment(
    client, consultation, comment, stakeholder, secretariat
):
    services.comment_withdraw(actor=stakeholder, comment=comment)
    for user in (stakeholder, secretariat):
        client.force_login(user)
        receipt = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
        assert "<strong>ninety</strong>" in receipt and "Withdrawn by its author on" in receipt
        history = client.get(reverse("comment_history", args=[comment.receipt]))
        assert history.status_code == 200 and "ninety" in history.content.decode()
        assert _api(user).get(f"/api/v1/comments/{comment.receipt}/").json()["body"] == FIRST
    mine = client.get(reverse("my_input"))  # the secretariat has none
    client.force_login(stakeholder)
    mine = client.get(reverse("my_input")).content.decode()
    assert "You withdrew this comment" in mine
    assert reverse("comment_edit", args=[comment.receipt]) not in mine


def test_withdrawn_comment_cannot_be_edited_withdrawn_again_or_replied_to(
    client, consultation, comment, stakeholder, other_stakeholder
):
    api = _api(stakeholder)
    assert api.post(f"/api/v1/comments/{comment.receipt}/withdraw/").status_code == 200
    before = _state(comment)
    again = api.post(f"/api/v1/comments/{comment.receipt}/withdraw/")
    assert again.status_code == 400 and "comment" in again.json()
    edit = api.patch(f"/api/v1/comments/{comment.receipt}/", {"body": SECOND}, format="json")
    assert edit.status_code == 400 and "comment" in edit.json()
    reply = _api(other_stakeholder).post(
        f"/api/v1/consultations/{consultation.slug}/comments/",
        {"parent": comment.receipt, "body": "Why?"},
        format="json",
    )
    assert reply.status_code == 400 and "parent" in reply.json()
    assert _state(comment) == before
    # The thread offers no reply box for it either.
    client.force_login(other_stakeholder)
    thread = client.get(_section_url(consultation)).content.decode()
    assert f'id="reply-{comment.receipt}"' not in thread


def test_withdrawal_after_the_round_closes_is_refused(client, consultation, comment, stakeholder):
    before = _state(comment)
    with _after_close(consultation):
        client.force_login(stakeholder)
        response = _api(stakeholder).post(f"/api/v1/comments/{comment.receipt}/withdraw/")
        assert response.status_code == 400 and "round" in response.json()
        page = client.post(reverse("comment_withdraw", args=[comment.receipt]))
        assert page.status_code == 200
        assert "it can no longer be changed" in page.content.decode()
    assert _state(comment) == before


def test_api_withdraw_answers_with_the_comment(comment, stakeholder):
    response = _api(stakeholder).post(f"/api/v1/comments/{comment.receipt}/withdraw/")
    assert response.status_code == 200
    assert response.json()["withdrawn_at"] is not None
    assert response.json()["body"] == FIRST  # its author still reads it


# --- history of private comments; query counts --------------------------------------


def test_private_comment_history_only_for_those_who_read_its_text(
    client, consultation, stakeholder, other_stakeholder, secretariat
):
    private = services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body=FIRST,
        visibility=Comment.Visibility.PRIVATE,
    )
    services.comment_edit(actor=stakeholder, comment=private, body=SECOND)
    url = reverse("comment_history", args=[private.receipt])
    api_url = f"/api/v1/comments/{private.receipt}/revisions/"
    assert client.get(url).status_code == 403
    assert _api().get(api_url).status_code == 403
    client.force_login(other_stakeholder)
    response = client.get(url)
    assert response.status_code == 403 and "ninety" not in response.content.decode()
    assert _api(other_stakeholder).get(api_url).status_code == 403
    for reader in (stakeholder, secretariat):
        client.force_login(reader)
        assert "ninety" in client.get(url).content.decode()
        assert len(_api(reader).get(api_url).json()) == 2


@pytest.mark.parametrize("edits", [1, 6])
def test_history_costs_the_same_queries_however_many_versions(
    client, comment, stakeholder, django_assert_num_queries, edits
):
    for n in range(edits):
        services.comment_edit(actor=stakeholder, comment=comment, body=f"Version {n + 2}.")
    assert CommentRevision.objects.filter(comment=comment).count() == edits + 1
    api = _api()
    # comment by receipt, then its revisions (anonymous: no token lookup).
    with django_assert_num_queries(2):
        response = api.get(f"/api/v1/comments/{comment.receipt}/revisions/")
    assert len(response.json()) == edits + 1
    with django_assert_num_queries(2):
        page = client.get(reverse("comment_history", args=[comment.receipt]))
    assert page.content.decode().count('class="comment"') == edits + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_get_consecutive_revision_numbers(consultation, stakeholder):
    """The row lock in comment_edit: without it two edits would both take number 2
    (and one would fail on the unique constraint)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body=FIRST
    )
    start, errors = threading.Barrier(4), []

    def edit(n: int) -> None:
        try:
            start.wait()
            services.comment_edit(actor=stakeholder, comment=comment, body=f"Edit {n}.")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(comment.revisions.order_by("number").values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]
    comment.refresh_from_db()
    assert comment.body == comment.revisions.get(number=5).body


def _thread_queries(client, consultation, stakeholder, n: int) -> int:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    for i in range(n):
        comment = services.comment_create(
            actor=stakeholder, consultation=consultation, section_key=SECTION, body=f"Point {i}."
        )
        if i % 2:
            services.comment_edit(actor=stakeholder, comment=comment, body=f"Point {i}, edited.")
        if i % 3 == 2:
            services.comment_withdraw(actor=stakeholder, comment=comment)
    client.force_login(stakeholder)
    # The first view reads the consultation and its rounds into the read cache
    # (plenary/readcache.py): compare warm with warm.
    client.get(_section_url(consultation))
    with CaptureQueriesContext(db) as queries:
        page = client.get(_section_url(consultation))
    assert page.status_code == 200
    html = page.content.decode()
    withdrawn = Comment.objects.filter(withdrawn_at__isnull=False).count()  # both authors'
    assert html.count(">Edit<") == n - n // 3 and html.count("Withdrawn by its author") == withdrawn
    return len(queries)


def test_the_authors_thread_costs_the_same_queries_at_two_sizes(
    client, consultation, stakeholder, other_stakeholder
):
    """Edit/withdraw links, "edited" marks and placeholders need no query per comment."""
    small = _thread_queries(client, consultation, stakeholder, 3)
    large = _thread_queries(client, consultation, other_stakeholder, 12)
    assert small == large


def test_an_edit_under_premoderation_waits_for_a_moderator_again(
    consultation, stakeholder, moderator
):
    """Approval of a first comment is not a pass for whatever it is edited into."""
    from comments.moderation import services as moderation

    Consultation = type(consultation)
    Consultation.objects.filter(pk=consultation.pk).update(premoderate_first=2)
    consultation.refresh_from_db()
    comment = services.comment_create(
        actor=stakeholder, consultation=consultation, section_key=SECTION, body=FIRST
    )
    assert comment.moderation == Comment.Moderation.PENDING
    moderation.comment_approve(actor=moderator, comment=comment, reason="Fine.")
    comment.refresh_from_db()
    assert comment.moderation == Comment.Moderation.VISIBLE

    edited = services.comment_edit(actor=stakeholder, comment=comment, body=SECOND)
    assert edited.moderation == Comment.Moderation.PENDING
    assert _api().get(f"/api/v1/comments/{comment.receipt}/").json()["body"] is None

    # Once trusted (premoderate_first approvals), edits stay visible.
    moderation.comment_approve(actor=moderator, comment=comment, reason="Still fine.")
    services.comment_edit(actor=stakeholder, comment=comment, body=THIRD)
    comment.refresh_from_db()
    assert comment.moderation == Comment.Moderation.VISIBLE
