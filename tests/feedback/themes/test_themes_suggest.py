"""Theme suggestions: the algorithm (feedback.themes.suggest), the background job, and the
person who accepts or rejects each suggestion.  Nothing is ever applied silently."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from comments.models import Comment
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.models import Theme, ThemeSuggestion, ThemeTag
from feedback.themes import services as themes
from feedback.themes.suggest import suggest_themes
from plenary.outbox.models import OutboxMessage
from tests.stakeholders.factories import ParticipantFactory

ENCRYPTION = [
    "End-to-end encryption must not be weakened by lawful access rules.",
    "Any backdoor in encryption puts every user at risk.",
    "Strong encryption protects journalists; keep encryption keys with users.",
    "The draft should protect encryption and forbid key escrow.",
    "Client-side scanning breaks end-to-end encryption.",
    "Encryption standards should be mandatory for public bodies.",
]
RETENTION = [
    "Data retention periods are too long; six months of retention is enough.",
    "Retention of metadata should be limited and data deleted after the retention period.",
    "Delete data after the retention period ends; long data retention is risky.",
    "Blanket data retention was struck down by courts.",
    "Retention schedules must be published for every dataset.",
    "Shorter data retention reduces the harm of breaches.",
]


# --- the algorithm (no database) ---------------------------------------------------------


def _groups(suggestions) -> list[set[int]]:
    return [set(s.comment_ids) for s in suggestions]


def test_encryption_and_data_retention_fall_into_separate_suggestions():
    documents = list(enumerate(ENCRYPTION + RETENTION, start=1))
    suggestions = suggest_themes(documents)
    encryption, retention = set(range(1, 7)), set(range(7, 13))
    assert sorted(_groups(suggestions), key=min) == [encryption, retention]
    labels = {frozenset(s.comment_ids): s for s in suggestions}
    assert "encryption" in labels[frozenset(encryption)].label
    assert "retention" in labels[frozenset(retention)].label
    assert "retention" not in labels[frozenset(encryption)].terms
    assert "encryption" not in labels[frozenset(retention)].terms


def test_suggestions_are_deterministic_and_ignore_input_order_for_membership():
    documents = list(enumerate(RETENTION + ENCRYPTION, start=1))
    first = suggest_themes(documents)
    assert suggest_themes(documents) == first
    shuffled = suggest_themes(list(reversed(documents)))
    assert sorted(map(sorted, _groups(shuffled))) == sorted(map(sorted, _groups(first)))


def test_too_little_text_makes_no_suggestion():
    assert suggest_themes([]) == []
    assert suggest_themes([(1, "Encryption."), (2, "Retention.")]) == []
    assert suggest_themes([(i, "the and of") for i in range(10)]) == []  # stop words only
    assert suggest_themes([(i, "") for i in range(10)]) == []


def test_three_themes_among_unrelated_noise():
    budget = [
        "The budget for open data portals is too small.",
        "Fund the open data budget properly every year.",
        "A dedicated budget line for data portals is needed.",
        "Without budget the portals will decay.",
    ]
    documents = list(enumerate(ENCRYPTION + RETENTION + budget, start=1))
    groups = _groups(suggest_themes(documents))
    for expected in (set(range(1, 7)), set(range(7, 13)), set(range(13, 17))):
        # Each theme's comments stay together and apart from the others.
        holding = [g for g in groups if g & expected]
        assert len(holding) == 1, (expected, groups)
        assert holding[0] == expected


# --- the job and the decisions ------------------------------------------------------------


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


@pytest.fixture
def comments(consultation, stakeholder, other_stakeholder):
    made = {}
    for i, body in enumerate(ENCRYPTION + RETENTION):
        author = stakeholder if i % 2 else other_stakeholder
        made[body] = comment_services.comment_create(
            actor=author, consultation=consultation, section_key="1-purpose-1", body=body
        )
    return made


@pytest.fixture
def suggest(django_capture_on_commit_callbacks):
    """Press "Suggest themes" (the job runs inline, after the commit) as ``client``'s user."""

    def press(client, consultation):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("staff_themes_suggest", args=[consultation.slug]), follow=True
            )

    return press


@pytest.fixture
def request_job(django_capture_on_commit_callbacks):
    def run(actor, consultation):
        with django_capture_on_commit_callbacks(execute=True):
            themes.theme_suggestions_request(actor=actor, consultation=consultation)

    return run


def _pending(consultation):
    return list(
        ThemeSuggestion.objects.filter(consultation=consultation, state="pending").order_by("pk")
    )


def _by_word(consultation, word):
    return next(s for s in _pending(consultation) if word in s.terms)


@pytest.mark.django_db
def test_running_the_job_suggests_but_creates_no_theme_and_no_tag(
    client, consultation, analyst, comments, suggest
):
    client.force_login(analyst)
    response = suggest(client, consultation)
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing is tagged until you accept one" in html
    assert OutboxMessage.objects.filter(
        task_name="feedback.tasks.suggest_themes", kwargs={"consultation_id": consultation.pk}
    ).exists()
    suggestions = _pending(consultation)
    assert len(suggestions) == 2
    encryption = _by_word(consultation, "encryption")
    retention = _by_word(consultation, "retention")
    assert set(encryption.comments.values_list("body", flat=True)) == set(ENCRYPTION)
    assert set(retention.comments.values_list("body", flat=True)) == set(RETENTION)
    assert Theme.objects.count() == 0
    assert ThemeTag.objects.count() == 0
    # Shown on the themes page with a way to review each.
    html = client.get(reverse("staff_themes", args=[consultation.slug])).content.decode()
    assert encryption.label in html and retention.label in html
    assert reverse("staff_theme_suggestion", args=[consultation.slug, encryption.pk]) in html


@pytest.mark.django_db
def test_rerunning_replaces_pending_suggestions_only(
    client, consultation, secretariat, analyst, comments, suggest
):
    client.force_login(analyst)
    suggest(client, consultation)
    retention = _by_word(consultation, "retention")
    themes.theme_suggestion_reject(actor=analyst, suggestion=retention)
    encryption = _by_word(consultation, "encryption")
    suggest(client, consultation)
    assert not ThemeSuggestion.objects.filter(pk=encryption.pk).exists()  # replaced
    assert ThemeSuggestion.objects.get(pk=retention.pk).state == "rejected"  # kept
    assert len(_pending(consultation)) == 2  # the rejected one's comments come back
    assert Theme.objects.count() == 0 and ThemeTag.objects.count() == 0


@pytest.mark.django_db
def test_accepting_creates_a_theme_and_tags_only_the_comments_kept_ticked(
    client, consultation, analyst, comments, suggest
):
    client.force_login(analyst)
    suggest(client, consultation)
    suggestion = _by_word(consultation, "encryption")
    url = reverse("staff_theme_suggestion", args=[consultation.slug, suggestion.pk])
    html = client.get(url).content.decode()
    suggested = list(suggestion.comments.order_by("pk"))
    for comment in suggested:  # every comment offered, ticked
        assert f'value="{comment.pk}"' in html
    assert html.count("checked") >= len(suggested)
    assert f'value="{suggestion.label}"' in html  # the label is the default name
    kept = suggested[:-1]
    response = client.post(
        url,
        {
            "decision": "accept",
            "comments": [c.pk for c in kept],
            "name": "Encryption",
            "description": "Backdoors and keys.",
        },
    )
    assert response.status_code == 302
    theme = Theme.objects.get()
    assert (theme.name, theme.description, theme.created_by) == (
        "Encryption",
        "Backdoors and keys.",
        analyst,
    )
    assert set(ThemeTag.objects.values_list("comment_id", flat=True)) == {c.pk for c in kept}
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.theme, suggestion.decided_by) == (
        "accepted",
        theme,
        analyst,
    )
    assert suggestion.decided_at is not None
    assert response.url == reverse("staff_theme", args=[consultation.slug, theme.pk])
    # The next run leaves tagged comments out: the deselected one may come back.
    suggest(client, consultation)
    offered = set(
        Comment.objects.filter(
            pk__in=ThemeSuggestion.comments.through.objects.filter(
                themesuggestion__state="pending"
            ).values("comment_id")
        ).values_list("pk", flat=True)
    )
    assert not offered & {c.pk for c in kept}


@pytest.mark.django_db
def test_accepting_can_merge_into_an_existing_theme(
    client, consultation, secretariat, comments, request_job
):
    existing = themes.theme_create(actor=secretariat, consultation=consultation, name="Privacy")
    request_job(secretariat, consultation)
    suggestion = _by_word(consultation, "retention")
    client.force_login(secretariat)
    url = reverse("staff_theme_suggestion", args=[consultation.slug, suggestion.pk])
    ids = list(suggestion.comments.values_list("pk", flat=True))
    response = client.post(url, {"decision": "accept", "comments": ids, "theme": existing.pk})
    assert response.status_code == 302
    assert Theme.objects.count() == 1
    assert set(ThemeTag.objects.filter(theme=existing).values_list("comment_id", flat=True)) == set(
        ids
    )
    suggestion.refresh_from_db()
    assert suggestion.theme == existing


@pytest.mark.django_db
def test_rejecting_tags_nothing_and_a_decided_suggestion_cannot_be_decided_again(
    client, consultation, secretariat, comments, request_job
):
    request_job(secretariat, consultation)
    suggestion = _by_word(consultation, "encryption")
    client.force_login(secretariat)
    url = reverse("staff_theme_suggestion", args=[consultation.slug, suggestion.pk])
    response = client.post(url, {"decision": "reject"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == "rejected" and suggestion.decided_by == secretariat
    assert Theme.objects.count() == 0 and ThemeTag.objects.count() == 0
    ids = list(suggestion.comments.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as raised:
        themes.theme_suggestion_accept(
            actor=secretariat, suggestion=suggestion, comments=Comment.objects.filter(pk__in=ids)
        )
    assert "already rejected" in str(raised.value)
    page = client.get(url).content.decode()
    assert "This suggestion was rejected." in page
    assert 'name="decision"' not in page
    assert Theme.objects.count() == 0 and ThemeTag.objects.count() == 0


@pytest.mark.django_db
def test_accepting_needs_a_comment_and_only_the_suggestions_own(
    client, consultation, secretariat, comments, request_job
):
    request_job(secretariat, consultation)
    encryption = _by_word(consultation, "encryption")
    retention = _by_word(consultation, "retention")
    client.force_login(secretariat)
    url = reverse("staff_theme_suggestion", args=[consultation.slug, encryption.pk])
    response = client.post(url, {"decision": "accept", "comments": []})
    assert response.status_code == 200
    assert "Keep at least one comment ticked, or reject." in response.content.decode()
    stranger = retention.comments.first()
    response = client.post(url, {"decision": "accept", "comments": [stranger.pk]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError) as raised:
        themes.theme_suggestion_accept(
            actor=secretariat, suggestion=encryption, comments=[stranger], name="Mixed"
        )
    assert "comments" in raised.value.message_dict
    # A name already taken is refused beside the name field.
    themes.theme_create(actor=secretariat, consultation=consultation, name="Taken")
    ids = list(encryption.comments.values_list("pk", flat=True))
    response = client.post(url, {"decision": "accept", "comments": ids, "name": "taken"})
    assert "already has a theme called" in response.content.decode()
    assert Theme.objects.count() == 1 and ThemeTag.objects.count() == 0
    encryption.refresh_from_db()
    assert encryption.state == "pending"


@pytest.mark.django_db
def test_moderators_cannot_request_or_decide_suggestions(
    client, consultation, secretariat, moderator, comments, suggest, request_job
):
    request_job(secretariat, consultation)
    suggestion = _pending(consultation)[0]
    client.force_login(moderator)
    before = OutboxMessage.objects.count()
    assert suggest(client, consultation).status_code == 403
    assert OutboxMessage.objects.count() == before
    url = reverse("staff_theme_suggestion", args=[consultation.slug, suggestion.pk])
    ids = list(suggestion.comments.values_list("pk", flat=True))
    assert client.post(url, {"decision": "accept", "comments": ids}).status_code == 403
    assert client.post(url, {"decision": "reject"}).status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.state == "pending"
    assert Theme.objects.count() == 0 and ThemeTag.objects.count() == 0


@pytest.mark.django_db
def test_withdrawn_and_tagged_comments_are_left_out_of_the_job(consultation, secretariat, comments):
    withdrawn = comments[ENCRYPTION[0]]
    Comment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=withdrawn.created_at)
    theme = themes.theme_create(actor=secretariat, consultation=consultation, name="Retention")
    themes.theme_tag(
        actor=secretariat, theme=theme, comments=[comments[body] for body in RETENTION]
    )
    offered = {pk for pk, _body in themes.suggestion_input(consultation=consultation)}
    assert offered == {comments[body].pk for body in ENCRYPTION[1:]}
