"""Full-text search (issue 10): who finds what, snippets, the page, the API, the plan.

Runs on SQLite (containment of every term) and PostgreSQL (tsvector + GIN);
``test_postgres_search_uses_the_gin_index`` runs on PostgreSQL only.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from comments.models import Comment
from comments.moderation import services as moderation
from comments.search.selectors import comment_search, matching
from comments.threads import services
from tests.comments.attachments.test_attachments import SECTION, comment_with_paper, upload
from tests.comments.files import pdf_bytes
from tests.stakeholders.factories import api_token_for

pytestmark = pytest.mark.django_db

WORD = "zanzibarite"  # a word no other text of the tests contains


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def say(user, consultation, body, **kwargs) -> Comment:
    return services.comment_create(
        actor=user, consultation=consultation, section_key=SECTION, body=body, **kwargs
    )


@pytest.fixture
def world(consultation, stakeholder, other_stakeholder, moderator):
    """One comment mentioning WORD in each state a reader may or may not see."""
    public = say(stakeholder, consultation, f"Public remark on {WORD} licensing.")
    reply = say(other_stakeholder, consultation, f"A reply: {WORD} again.", parent=public)
    private = say(stakeholder, consultation, f"Private {WORD} note.", visibility="private")
    hidden = say(other_stakeholder, consultation, f"Hidden {WORD} rant.")
    moderation.comment_hide(actor=moderator, comment=hidden, reason="Abusive.")
    withdrawn = say(other_stakeholder, consultation, f"Withdrawn {WORD} idea.")
    services.comment_withdraw(actor=other_stakeholder, comment=withdrawn)
    pending = say(other_stakeholder, consultation, f"Pending {WORD} thought.")
    Comment.objects.filter(pk=pending.pk).update(moderation=Comment.Moderation.PENDING)
    say(other_stakeholder, consultation, "Nothing to find here.")
    return {
        "public": public,
        "reply": reply,
        "private": private,
        "hidden": hidden,
        "withdrawn": withdrawn,
        "pending": pending,
    }


def found(consultation, viewer, query=WORD) -> set[str]:
    results = comment_search(consultation=consultation, query=query, viewer=viewer, limit=50)
    return {hit.comment.receipt for hit in results.hits}


def receipts(world, *names) -> set[str]:
    return {world[name].receipt for name in names}


def test_anonymous_finds_only_public_visible_comments_and_replies(
    world, consultation, anonymous_user
):
    assert found(consultation, anonymous_user) == receipts(world, "public", "reply")


def test_author_also_finds_their_own_private_comment(world, consultation, stakeholder):
    assert found(consultation, stakeholder) == receipts(world, "public", "reply", "private")


def test_other_participant_finds_their_own_hidden_withdrawn_and_pending_comments_only(
    world, consultation, other_stakeholder
):
    assert found(consultation, other_stakeholder) == receipts(
        world, "public", "reply", "hidden", "withdrawn", "pending"
    )


def test_staff_find_every_comment(world, consultation, secretariat, moderator):
    everything = set(receipts(world, *world))
    assert found(consultation, secretariat) == everything
    assert found(consultation, moderator) == everything


def test_search_finds_text_inside_an_attached_pdf(consultation, stakeholder, anonymous_user):
    comment = comment_with_paper(
        stakeholder, consultation, data=pdf_bytes("Annex", "Spectrum for rural broadband")
    )
    assert found(consultation, anonymous_user, "rural broadband") == {comment.receipt}
    assert found(consultation, anonymous_user, '"rural broadband"') == {comment.receipt}
    assert found(consultation, anonymous_user, "rural -broadband") == set()
    other = say(stakeholder, consultation, "Broadband rural: the words, not the phrase.")
    assert found(consultation, anonymous_user, '"rural broadband"') == {comment.receipt}
    assert found(consultation, anonymous_user, "rural broadband") == {
        comment.receipt,
        other.receipt,
    }
    assert found(consultation, anonymous_user, 'broadband -"rural broadband"') == {other.receipt}


def test_private_attachment_text_is_not_found_by_others(
    consultation, stakeholder, other_stakeholder, secretariat
):
    comment = comment_with_paper(
        stakeholder, consultation, visibility="private", data=pdf_bytes("Secret annex quasar")
    )
    assert found(consultation, other_stakeholder, "quasar") == set()
    assert found(consultation, secretariat, "quasar") == {comment.receipt}


def test_every_word_must_match_and_case_does_not_matter(world, consultation, anonymous_user):
    assert found(consultation, anonymous_user, f"{WORD.upper()} LICENSING") == receipts(
        world, "public"
    )
    assert found(consultation, anonymous_user, f"{WORD} nonexistentword") == set()


def test_an_edit_is_searchable_and_the_old_text_no_longer_is(consultation, stakeholder):
    comment = say(stakeholder, consultation, "Before: obsidian.")
    services.comment_edit(actor=stakeholder, comment=comment, body="After: basalt.")
    assert found(consultation, stakeholder, "basalt") == {comment.receipt}
    assert found(consultation, stakeholder, "obsidian") == set()


def test_other_consultations_are_not_searched(
    consultation, other_secretariat, stakeholder, anonymous_user
):
    from consult.models import Consultation

    elsewhere = Consultation.objects.exclude(pk=consultation.pk).get()
    say(stakeholder, elsewhere, f"Elsewhere {WORD}.")
    assert found(consultation, anonymous_user) == set()


def test_snippet_marks_the_match_and_escapes_the_text(consultation, stakeholder, anonymous_user):
    say(stakeholder, consultation, f"<script>alert(1)</script> & {WORD} <b>bold</b>")
    [hit] = comment_search(consultation=consultation, query=WORD, viewer=anonymous_user).hits
    assert f"<mark>{WORD}</mark>" in hit.snippet
    # The only tags are our marks (PostgreSQL's headline drops tags; SQLite's escapes them).
    assert "<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert hit.rank > 0


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_an_empty_or_too_long_query_is_refused(consultation, anonymous_user, query):
    with pytest.raises(ValidationError) as refused:
        comment_search(consultation=consultation, query=query, viewer=anonymous_user)
    assert "q" in refused.value.message_dict


def test_results_are_paginated_without_repeats(consultation, stakeholder, anonymous_user):
    made = {say(stakeholder, consultation, f"{WORD} number {n}").receipt for n in range(5)}
    seen, page = [], 1
    while True:
        results = comment_search(
            consultation=consultation, query=WORD, viewer=anonymous_user, limit=2, page=page
        )
        seen += [hit.comment.receipt for hit in results.hits]
        if not results.has_next:
            break
        page += 1
    assert page == 3
    assert sorted(seen) == sorted(made)


# -- the page and the API ------------------------------------------------------------------


def test_anonymous_can_search_on_the_consultation_page(client, world, consultation):
    page = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert reverse("consultation_search", args=[consultation.slug]) in page
    response = client.get(reverse("consultation_search", args=[consultation.slug]), {"q": WORD})
    assert response.status_code == 200
    html = response.content.decode()
    assert world["public"].receipt in html
    assert world["reply"].receipt in html
    for name in ("private", "hidden", "withdrawn", "pending"):
        assert world[name].receipt not in html, name
    assert f"<mark>{WORD}</mark>" in html


def test_an_empty_search_on_the_page_says_what_to_do(client, consultation):
    url = reverse("consultation_search", args=[consultation.slug])
    assert client.get(url).status_code == 200  # no search yet: just the form
    response = client.get(url, {"q": " "})
    assert response.status_code == 400
    assert "Type a word or a phrase" in response.content.decode()


def test_api_search_respects_visibility(world, consultation, stakeholder, secretariat):
    url = reverse("api-consultation-search", args=[consultation.slug])
    anonymous = APIClient().get(url, {"q": WORD})
    assert anonymous.status_code == 200
    assert {r["receipt"] for r in anonymous.json()["results"]} == receipts(world, "public", "reply")
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(secretariat)}")
    body = staff.get(url, {"q": WORD}).json()
    assert {r["receipt"] for r in body["results"]} == set(receipts(world, *world))
    assert APIClient().get(url, {"q": ""}).status_code == 400
    assert "q" in APIClient().get(url, {"q": "y" * 300}).json()


def test_staff_search_in_the_triage_workbench_combines_with_its_filters(
    client, world, consultation, secretariat
):
    client.force_login(secretariat)
    url = reverse("staff_triage", args=[consultation.slug])
    html = client.get(url, {"q": WORD, "status": "all"}).content.decode()
    for name in world:
        assert world[name].receipt in html, name
    assert "Nothing to find here." not in html
    # Combined with the section filter: WORD on another section finds nothing.
    html = client.get(url, {"q": WORD, "status": "all", "section": "2-scope-1"}).content.decode()
    assert world["public"].receipt not in html


# -- queries -----------------------------------------------------------------------------------


def test_search_page_costs_the_same_queries_with_3_or_30_hits(
    client, consultation, stakeholder, django_assert_num_queries
):
    url = reverse("consultation_search", args=[consultation.slug])

    def grow(until: int) -> None:
        for n in range(Comment.objects.count(), until):
            files = [upload(f"{n}.txt", b"notes")]
            say(stakeholder, consultation, f"{WORD} {n}", attachments=files)

    grow(3)
    client.get(url, {"q": WORD})  # warm the caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, {"q": WORD}).status_code == 200
    grow(30)
    with django_assert_num_queries(len(small)):
        html = client.get(url, {"q": WORD}).content.decode()
    assert html.count('class="comment search-hit"') == 20
    assert html.count('class="attachment"') == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgres_search_uses_the_gin_index(consultation, stakeholder):
    comments = matching(Comment.objects.order_by(), WORD)
    sql, params = comments.query.sql_with_params()
    assert "to_tsvector('french'::regconfig" in sql
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    for config in ("english", "french", "spanish", "portuguese", "simple"):
        assert f"comment_search_idx_{config}" in plan, plan
    assert "Filter:" not in plan, plan  # no row is parsed again


# --- in the comment's language (issue 22) ---------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming is PostgreSQL's text search"
)


@postgres_only
@pytest.mark.parametrize(
    ("language", "body", "query"),
    [
        ("fr", "Le réseau national doit rester ouvert.", "réseaux"),
        ("es", "Las bibliotecas públicas abren los domingos.", "biblioteca"),
        ("pt-BR", "As bibliotecas públicas abrem aos domingos.", "biblioteca"),
        ("en", "Ministries publishing their datasets every month.", "published dataset"),
    ],
)
def test_search_stems_in_the_comment_language(
    consultation, stakeholder, anonymous_user, language, body, query
):
    comment = say(stakeholder, consultation, body, language=language)
    hits = comment_search(consultation=consultation, query=query, viewer=anonymous_user).hits
    assert [hit.comment.pk for hit in hits] == [comment.pk]
    assert "<mark>" in hits[0].snippet and hits[0].rank > 0


@postgres_only
def test_a_comment_without_a_language_is_searched_with_simple(
    consultation, stakeholder, anonymous_user
):
    comment = say(stakeholder, consultation, "Le réseau national et les réseaux locaux.")
    assert comment.language == ""

    def hit(query: str) -> list[int]:
        found = comment_search(consultation=consultation, query=query, viewer=anonymous_user)
        return [h.comment.pk for h in found.hits]

    assert hit("réseaux") == [comment.pk]  # the word itself
    assert hit("le") == [comment.pk]  # 'simple' keeps what french drops as a stop word
    assert hit("réseaus") == []  # and does not stem


@postgres_only
def test_a_stop_word_of_the_comment_language_does_not_match_it(
    consultation, stakeholder, anonymous_user
):
    say(stakeholder, consultation, "Le réseau national.", language="fr")
    found = comment_search(consultation=consultation, query="le", viewer=anonymous_user)
    assert found.hits == []
