"""Themes: who defines them and tags comments (one by one and in bulk), the triage
filter, the theme and index pages with their counts, the public list and the API."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.ledger import services
from feedback.models import Theme, ThemeSuggestion, ThemeTag
from feedback.themes import selectors
from feedback.themes import services as themes
from plenary.outbox.models import OutboxMessage
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory
from tests.test_query_counts import add_comments

pytestmark = pytest.mark.django_db

SECTION_1 = "1-purpose-1"


def comment_on(consultation, author, body="A comment.", **kwargs):
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=SECTION_1, body=body, **kwargs
    )


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


@pytest.fixture
def three(consultation, stakeholder, other_stakeholder):
    return [
        comment_on(consultation, stakeholder, "Encrypt everything."),
        comment_on(consultation, stakeholder, "Keep data for less time."),
        comment_on(consultation, other_stakeholder, "Publish the budget."),
    ]


@pytest.fixture
def theme(consultation, secretariat):
    return themes.theme_create(
        actor=secretariat, consultation=consultation, name="Encryption", description="Crypto."
    )


def index_url(consultation):
    return reverse("staff_themes", args=[consultation.slug])


def theme_url(theme):
    return reverse("staff_theme", args=[theme.consultation.slug, theme.pk])


def triage_url(consultation, query=""):
    return reverse("staff_triage", args=[consultation.slug]) + query


def tagged(theme) -> set[str]:
    return set(ThemeTag.objects.filter(theme=theme).values_list("comment__receipt", flat=True))


# --- defining themes -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretariat", "analyst"])
def test_secretariat_and_analyst_create_rename_and_describe_themes(
    client, consultation, who, request
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post(
        index_url(consultation), {"name": "  Data   retention ", "description": "How long."}
    )
    assert response.status_code == 302
    created = Theme.objects.get(consultation=consultation)
    assert (created.name, created.description, created.created_by) == (
        "Data retention",
        "How long.",
        user,
    )
    response = client.post(theme_url(created), {"name": "Retention", "description": "Periods."})
    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.name, created.description) == ("Retention", "Periods.")
    html = client.get(index_url(consultation)).content.decode()
    assert "Retention" in html and "Periods." in html


def test_theme_names_are_unique_per_consultation_whatever_the_case(
    client, consultation, secretariat, theme
):
    client.force_login(secretariat)
    response = client.post(index_url(consultation), {"name": "ENCRYPTION"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "already has a theme called “ENCRYPTION”" in html
    assert re.search(r'class="field has-error"[^>]*>\s*<label for="id_name"', html)
    assert Theme.objects.filter(consultation=consultation).count() == 1
    other = themes.theme_create(actor=secretariat, consultation=consultation, name="Budget")
    with pytest.raises(ValidationError) as raised:
        themes.theme_update(actor=secretariat, theme=other, name="encryption")
    assert "name" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        themes.theme_create(actor=secretariat, consultation=consultation, name="   ")
    assert "name" in raised.value.message_dict
    # The same name is fine in another consultation.
    another = open_consultation(secretariat=secretariat, title="Another one")
    themes.theme_create(actor=secretariat, consultation=another, name="Encryption")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("stakeholder", 403),
        ("moderator", 403),
        ("other_secretariat", 403),
        ("analyst", 200),
        ("secretariat", 200),
    ],
)
def test_who_may_open_and_write_the_theme_pages(
    client, consultation, three, theme, who, status, request
):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    comment = three[0]
    pages = [
        index_url(consultation),
        theme_url(theme),
        reverse("staff_theme_delete", args=[consultation.slug, theme.pk]),
        reverse("staff_comment_themes", args=[comment.receipt]),
    ]
    for url in pages:
        assert client.get(url).status_code == status, url
    writes = [
        (index_url(consultation), {"name": "Sneaky"}),
        (theme_url(theme), {"name": "Renamed"}),
        (reverse("staff_comment_themes", args=[comment.receipt]), {"themes": [theme.pk]}),
        (
            triage_url(consultation),
            {"theme_action": "tag", "theme": theme.pk, "comments": [comment.receipt]},
        ),
        (reverse("staff_themes_suggest", args=[consultation.slug]), {}),
    ]
    if status == 200:
        return
    for url, data in writes:
        response = client.post(url, data)
        # The triage list itself is open to moderators; the tagging part is not there.
        assert response.status_code in (302, 403) or (
            who == "moderator" and url.startswith(triage_url(consultation))
        ), url
    assert list(Theme.objects.values_list("name", flat=True)) == ["Encryption"]
    assert ThemeTag.objects.count() == 0
    assert ThemeSuggestion.objects.count() == 0
    assert not OutboxMessage.objects.filter(task_name="feedback.tasks.suggest_themes").exists()


def test_services_refuse_whoever_may_not_manage_themes(
    consultation, moderator, stakeholder, other_secretariat, three, theme
):
    for user in (moderator, stakeholder, other_secretariat, None):
        with pytest.raises(PermissionDenied):
            themes.theme_create(actor=user, consultation=consultation, name="X")
        with pytest.raises(PermissionDenied):
            themes.theme_tag(actor=user, theme=theme, comments=three)
        with pytest.raises(PermissionDenied):
            themes.theme_suggestions_request(actor=user, consultation=consultation)
    assert ThemeTag.objects.count() == 0


def test_deleting_a_tagged_theme_asks_first_and_keeps_the_comments(
    client, consultation, secretariat, three, theme
):
    themes.theme_tag(actor=secretariat, theme=theme, comments=three[:2])
    client.force_login(secretariat)
    url = reverse("staff_theme_delete", args=[consultation.slug, theme.pk])
    page = client.get(url).content.decode()
    assert "2 comments carry this theme" in page
    assert '<label for="id_untag">' in page
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Confirm that they should lose it" in response.content.decode()
    assert Theme.objects.filter(pk=theme.pk).exists()
    assert ThemeTag.objects.count() == 2
    response = client.post(url, {"untag": "on"})
    assert response.status_code == 302
    assert not Theme.objects.filter(pk=theme.pk).exists()
    assert ThemeTag.objects.count() == 0
    assert Comment.objects.filter(pk__in=[c.pk for c in three]).count() == 3
    # An untagged theme goes without asking.
    empty = themes.theme_create(actor=secretariat, consultation=consultation, name="Empty")
    url = reverse("staff_theme_delete", args=[consultation.slug, empty.pk])
    assert client.post(url, {}).status_code == 302
    assert not Theme.objects.filter(pk=empty.pk).exists()


# --- tagging ---------------------------------------------------------------------------


def test_secretariat_tags_one_comment_from_its_decide_page(
    client, consultation, secretariat, three, theme
):
    budget = themes.theme_create(actor=secretariat, consultation=consultation, name="Budget")
    comment = three[0]
    client.force_login(secretariat)
    decide = reverse("staff_decide", args=[comment.receipt])
    html = client.get(decide).content.decode()
    assert f'action="{reverse("staff_comment_themes", args=[comment.receipt])}"' in html
    assert re.search(rf'<input type="checkbox" name="themes" value="{theme.pk}"[^>]*>', html)
    assert f'name="next" value="{decide}"' in html
    response = client.post(
        reverse("staff_comment_themes", args=[comment.receipt]),
        {"themes": [theme.pk, budget.pk], "next": decide},
    )
    assert response.status_code == 302 and response.url == decide
    assert set(selectors.comment_themes(comment=comment)) == {theme, budget}
    html = client.get(decide).content.decode()
    assert re.search(rf'value="{theme.pk}"[^>]*checked', html)
    # Unticking one removes just that one.
    client.post(
        reverse("staff_comment_themes", args=[comment.receipt]),
        {"themes": [budget.pk], "next": decide},
    )
    assert list(selectors.comment_themes(comment=comment)) == [budget]
    # An outside "next" is not followed.
    response = client.post(
        reverse("staff_comment_themes", args=[comment.receipt]),
        {"themes": [], "next": "https://evil.example/"},
    )
    assert response.url == reverse("staff_comment_themes", args=[comment.receipt])
    assert ThemeTag.objects.count() == 0


def test_analyst_tags_one_comment_from_its_themes_page(client, consultation, analyst, three, theme):
    comment = three[1]
    client.force_login(analyst)
    assert client.get(reverse("staff_decide", args=[comment.receipt])).status_code == 403
    html = client.get(triage_url(consultation)).content.decode()
    assert reverse("staff_comment_themes", args=[comment.receipt]) in html
    response = client.post(
        reverse("staff_comment_themes", args=[comment.receipt]), {"themes": [theme.pk]}
    )
    assert response.status_code == 302
    assert tagged(theme) == {comment.receipt}
    assert ThemeTag.objects.get().tagged_by == analyst


def test_a_theme_of_another_consultation_cannot_be_set_on_a_comment(
    client, consultation, secretariat, other_secretariat, three
):
    another = open_consultation(secretariat=secretariat, title="Second")
    foreign = themes.theme_create(actor=secretariat, consultation=another, name="Elsewhere")
    themes.theme_create(actor=secretariat, consultation=consultation, name="Here")
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_comment_themes", args=[three[0].receipt]), {"themes": [foreign.pk]}
    )
    assert response.status_code == 200  # not a choice on this comment's form
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError):
        themes.comment_themes_set(actor=secretariat, comment=three[0], themes=[foreign])
    assert ThemeTag.objects.count() == 0


@pytest.mark.parametrize("who", ["secretariat", "analyst"])
def test_bulk_tag_and_untag_from_the_triage_list(client, consultation, three, theme, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    html = client.get(triage_url(consultation)).content.decode()
    for comment in three:
        assert f'name="comments" value="{comment.receipt}"' in html
    assert '<label for="tag_theme">Theme:</label>' in html
    assert re.search(r'<button type="submit" name="theme_action" value="tag"', html)
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "every label must point at exactly one control"

    url = triage_url(consultation, "?status=all")
    picked = [three[0].receipt, three[1].receipt]
    response = client.post(url, {"theme_action": "tag", "theme": theme.pk, "comments": picked})
    # Back to the same list, at the first comment tagged (feedback/ledger/views.py).
    assert response.status_code == 302 and response.url == f"{url}#c-{picked[0]}"
    assert tagged(theme) == set(picked)
    response = client.post(
        url,
        {"theme_action": "tag", "theme": theme.pk, "comments": [*picked, three[2].receipt]},
        follow=True,
    )
    assert "1 comment tagged “Encryption”. 2 already carried it." in response.content.decode()
    assert len(tagged(theme)) == 3
    response = client.post(
        url,
        {"theme_action": "untag", "theme": theme.pk, "comments": [three[2].receipt]},
        follow=True,
    )
    assert "1 comment removed from “Encryption”." in response.content.decode()
    assert tagged(theme) == set(picked)


def test_bulk_tag_needs_a_selection_and_a_theme(client, consultation, secretariat, three, theme):
    client.force_login(secretariat)
    response = client.post(triage_url(consultation), {"theme_action": "tag", "theme": theme.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select at least one comment in the list." in html
    response = client.post(
        triage_url(consultation), {"theme_action": "tag", "comments": [three[0].receipt]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'class="field has-error"[^>]*>\s*<label for="tag_theme"', html)
    # The ticked comment stays ticked for the next try.
    assert re.search(rf'value="{three[0].receipt}" id="pick-{three[0].receipt}" checked', html)
    assert ThemeTag.objects.count() == 0


def test_bulk_tag_refuses_a_comment_of_another_consultation(
    client, consultation, secretariat, other_stakeholder, three, theme
):
    another = open_consultation(secretariat=secretariat, title="Second")
    foreign = comment_on(another, other_stakeholder, "Elsewhere.")
    client.force_login(secretariat)
    response = client.post(
        triage_url(consultation),
        {"theme_action": "tag", "theme": theme.pk, "comments": [three[0].receipt, foreign.receipt]},
    )
    assert response.status_code == 200
    assert f"Not a comment of this consultation: {foreign.receipt}." in response.content.decode()
    assert ThemeTag.objects.count() == 0  # all or nothing


def test_tagging_twice_at_once_makes_one_tag(consultation, secretariat, three, theme):
    assert themes.theme_tag(actor=secretariat, theme=theme, comments=[three[0], three[0]]) == 1
    assert themes.theme_tag(actor=secretariat, theme=theme, comments=[three[0]]) == 0
    assert ThemeTag.objects.count() == 1


def test_triage_filters_by_theme_and_by_no_theme(client, consultation, secretariat, three, theme):
    budget = themes.theme_create(actor=secretariat, consultation=consultation, name="Budget")
    themes.theme_tag(actor=secretariat, theme=theme, comments=three[:2])
    themes.theme_tag(actor=secretariat, theme=budget, comments=three[1:2])
    client.force_login(secretariat)

    def shown(query):
        html = client.get(triage_url(consultation, query)).content.decode()
        return set(re.findall(r'href="/r/([0-9A-Z-]+)/"', html))

    assert shown(f"?status=all&theme={theme.pk}") == {three[0].receipt, three[1].receipt}
    assert shown(f"?status=all&theme={budget.pk}") == {three[1].receipt}
    assert shown("?status=all&theme=none") == {three[2].receipt}
    assert shown("?status=all") == {c.receipt for c in three}
    # Each row names its themes, by name.
    html = client.get(triage_url(consultation, "?status=all")).content.decode()
    assert "<small>Themes: Budget, Encryption</small>" in html
    assert html.count("<small>Themes: ") == 2
    html = client.get(triage_url(consultation, "?theme=nonsense")).content.decode()
    assert "Select a valid choice" in html
    assert '<label for="id_theme">Theme:</label>' in html


# --- the theme page and the index -----------------------------------------------------------


def test_theme_page_lists_its_comments_with_their_current_disposition(
    client, consultation, secretariat, three, theme
):
    themes.theme_tag(actor=secretariat, theme=theme, comments=three[:2])
    services.disposition_record(
        actor=secretariat, comment=three[0], status="accepted", publish=True
    )
    client.force_login(secretariat)
    html = client.get(theme_url(theme)).content.decode()
    assert three[0].receipt in html and three[1].receipt in html
    assert three[2].receipt not in html
    assert 'class="status status-accepted"' in html
    assert 'class="status status-awaiting"' in html
    # Removing a comment from the theme from its page.
    response = client.post(theme_url(theme), {"action": "untag", "comments": [three[1].receipt]})
    assert response.status_code == 302
    assert tagged(theme) == {three[0].receipt}
    response = client.post(theme_url(theme), {"action": "untag"})
    assert "Select at least one comment in the list." in response.content.decode()
    assert tagged(theme) == {three[0].receipt}


def _tag_all(theme, comments):
    ThemeTag.objects.bulk_create(ThemeTag(theme=theme, comment=c) for c in comments)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_theme_page_and_index_cost_the_same_queries_at_two_sizes(
    client, consultation, secretariat, django_assert_num_queries
):
    theme = themes.theme_create(actor=secretariat, consultation=consultation, name="All")
    other = themes.theme_create(actor=secretariat, consultation=consultation, name="Some")
    add_comments(consultation, secretariat, 10)
    _tag_all(theme, consultation.comments.all())
    _tag_all(other, consultation.comments.all()[:3])
    client.force_login(secretariat)
    urls = [theme_url(theme), theme_url(theme) + "?page=1", index_url(consultation)]
    for url in urls:
        _queries(client, url)  # warm caches (session, content types)
    small = [_queries(client, url) for url in urls]
    add_comments(consultation, secretariat, 290)
    ThemeTag.objects.all().delete()
    _tag_all(theme, consultation.comments.all())
    _tag_all(other, consultation.comments.all()[:150])
    for extra in range(5):  # more themes on the index, too
        more = themes.theme_create(actor=secretariat, consultation=consultation, name=f"T{extra}")
        _tag_all(more, consultation.comments.all()[:20])
    assert ThemeTag.objects.filter(theme=theme).count() > 300
    for url, expected in zip(urls, small, strict=True):
        with django_assert_num_queries(expected):
            client.get(url)


def test_index_counts_comments_per_theme_public_and_per_status(
    client, consultation, secretariat, stakeholder, three, theme
):
    private = comment_on(consultation, stakeholder, "Secret crypto.", visibility="private")
    themes.theme_tag(actor=secretariat, theme=theme, comments=[*three[:2], private])
    services.disposition_record(
        actor=secretariat, comment=three[0], status="accepted", publish=True
    )
    services.disposition_record(
        actor=secretariat, comment=three[1], status="not_accepted", rationale="No.", publish=True
    )
    counts = {
        t.name: (t.comment_count, t.public_count)
        for t in selectors.themes_with_counts(consultation=consultation)
    }
    assert counts == {"Encryption": (3, 2)}
    assert selectors.theme_status_counts(consultation=consultation) == {
        theme.pk: {"accepted": 1, "not_accepted": 1, "awaiting": 1}
    }
    client.force_login(secretariat)
    html = client.get(index_url(consultation)).content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\"><a[^>]*>Encryption</a>.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(?:<a[^>]*>)?(\d+)", row)
    # all, public, awaiting, accepted, partly, not accepted, noted, out of scope, duplicate
    assert cells[:4] == ["3", "2", "1", "1"]
    assert cells[5] == "1"


def test_the_consultation_page_lists_themes_with_their_public_comment_counts(
    client, consultation, secretariat, stakeholder, three, theme
):
    hidden = themes.theme_create(actor=secretariat, consultation=consultation, name="Leaked memo")
    private = comment_on(consultation, stakeholder, "About the memo.", visibility="private")
    themes.theme_tag(actor=secretariat, theme=theme, comments=[three[0], private])
    themes.theme_tag(actor=secretariat, theme=hidden, comments=[private])
    html = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert "Themes in the comments" in html
    assert re.search(r"<strong>Encryption</strong> · 1 comment<", html)
    assert "Leaked memo" not in html  # only private comments carry it


# --- the API -------------------------------------------------------------------------------


def test_api_lists_themes_with_counts_for_secretariat_and_analysts(
    client, consultation, secretariat, analyst, moderator, three, theme
):
    themes.theme_tag(actor=secretariat, theme=theme, comments=three[:2])
    services.disposition_record(actor=secretariat, comment=three[0], status="noted", publish=True)
    url = reverse("api-themes", args=[consultation.slug])
    for user in (secretariat, analyst):
        client.force_login(user)
        body = client.get(url).json()
        assert body == [
            {
                "id": theme.pk,
                "name": "Encryption",
                "description": "Crypto.",
                "comment_count": 2,
                "public_count": 2,
                "status_counts": {
                    "awaiting": 1,
                    "accepted": 0,
                    "partly_accepted": 0,
                    "not_accepted": 0,
                    "noted": 1,
                    "out_of_scope": 0,
                    "duplicate": 0,
                },
            }
        ]
    client.force_login(moderator)
    assert client.get(url).status_code == 403


def test_triage_filtered_by_theme_costs_the_same_queries_at_two_sizes(
    client, consultation, secretariat, django_assert_num_queries
):
    theme = themes.theme_create(actor=secretariat, consultation=consultation, name="All")
    add_comments(consultation, secretariat, 10)
    _tag_all(theme, consultation.comments.all()[:6])  # both lists have rows
    client.force_login(secretariat)
    urls = [
        triage_url(consultation, f"?status=all&theme={theme.pk}"),
        triage_url(consultation, "?status=all&theme=none"),
    ]
    for url in urls:
        _queries(client, url)  # warm caches (session, content types)
    small = [_queries(client, url) for url in urls]
    add_comments(consultation, secretariat, 290)
    _tag_all(theme, consultation.comments.exclude(theme_tags__theme=theme)[:200])
    for extra in range(5):
        themes.theme_create(actor=secretariat, consultation=consultation, name=f"T{extra}")
    for url, expected in zip(urls, small, strict=True):
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200
