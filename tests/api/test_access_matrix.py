"""Who may read and write what through the API: an access matrix over every endpoint (IDOR).

The endpoints come from ``plenary.api_urls`` itself, not from a list here:
an endpoint without a rule in ``MATRIX`` fails ``test_every_endpoint_has_a_rule``.
Each rule gives, per (method, target object), the expected status for each of
``ACTORS``.  The objects: a published consultation, an unpublished one (its
staff only; 404 for everyone else), a public comment and a private comment by
``owner`` (the private one's text and author: owner and staff only), a
published decision on the public comment (so its author may appeal).

Every response is also searched for what its reader must not see: the private
comment's text, the unpublished consultation's title, and on ``/me/comments/``
any comment of somebody else.  A refused write (anything not 2xx) must change
nothing.
"""

import json

import pytest
from django.urls import URLPattern, URLResolver, reverse

from comments.models import (
    AmendmentSupport,
    Comment,
    CommentRevision,
    ConsultationBlock,
    Dispute,
    Flag,
    ModerationAction,
    Signature,
)
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import DocumentVersion, Role
from consult.versions import services as version_services
from feedback.assignments import services as assignment_services
from feedback.ledger import services as feedback_services
from feedback.models import (
    Appeal,
    Assignment,
    AssignmentChange,
    DispositionDraft,
    DispositionEntry,
    Status,
)
from plenary import api_urls
from stakeholders.models import ApiToken
from tests.comments.supports.factories import propose
from tests.consult.factories import DRAFT, open_consultation
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "other",
    "owner",
    "moderator",
    "drafter",
    "other_secretariat",
    "secretariat",
)
SECRET = "Confidential: our budget is 3.2 million"
HIDDEN_TITLE = "Unannounced consultation on spectrum"


def row(
    anonymous, other, owner, moderator, other_secretariat, secretariat, *, drafter=None
) -> dict[str, int]:
    """One expected status per actor.  The drafter (of the published consultation, the
    public comment assigned to them) is a participant to most endpoints: it answers as
    ``other`` unless the cell says otherwise."""
    drafter = other if drafter is None else drafter
    values = (anonymous, other, owner, moderator, drafter, other_secretariat, secretariat)
    return dict(zip(ACTORS, values, strict=True))


EVERYONE = row(200, 200, 200, 200, 200, 200)
ITS_STAFF = row(404, 404, 404, 404, 404, 200)  # the unpublished consultation: secretariat only

# endpoint name -> {(method, target): expected status per actor}
MATRIX: dict[str, dict[tuple[str, str], dict[str, int]]] = {
    # No object: exchanges one's own credentials; see test_token_needs_the_password.
    "api-token": {},
    # One's own API tokens, never their secrets; only their owner revokes one (others: 404).
    "api-tokens": {("GET", "none"): row(401, 200, 200, 200, 200, 200)},
    "api-token-detail": {("DELETE", "owner_token"): row(401, 404, 204, 404, 404, 404)},
    "api-consultations": {("GET", "none"): EVERYONE},
    "api-consultation": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    "api-sections": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    # Versions: published ones for all; the unpublished consultation's (unpublished)
    # version 1 for its staff only (tests/consult/versions/test_versions.py has the rest).
    # POST {"compose": true}: the secretariat composes the next version (issue 24); no
    # amendment is adopted here, so 400 naming ``compose``, nothing written (the rest in
    # tests/feedback/compose/test_compose.py).
    "api-versions": {
        ("GET", "published"): EVERYONE,
        ("GET", "unpublished"): ITS_STAFF,
        ("POST", "published"): row(401, 403, 403, 403, 403, 400),
        ("POST", "unpublished"): row(401, 404, 404, 404, 404, 400),
    },
    # Publishing a version: the secretariat, an unpublished one (published: 400).
    "api-version-publish": {
        ("POST", "published_version"): row(401, 403, 403, 403, 403, 400),
        ("POST", "unpublished_version"): row(401, 404, 404, 404, 404, 200),
    },
    # Deleting a version: the secretariat, an unpublished one only (published: 400, nothing
    # deleted); the rest in tests/consult/versions/test_round_trip.py.
    "api-version": {
        ("DELETE", "published_version"): row(401, 403, 403, 403, 403, 400),
        ("DELETE", "unpublished_version"): row(401, 404, 404, 404, 404, 204),
    },
    "api-version-diff": {
        ("GET", "published_diff"): EVERYONE,
        ("GET", "unpublished_diff"): ITS_STAFF,
    },
    # The current round's questions and their counts are public; answering needs an
    # account, and this round asks nothing (400 for all signed in: nothing written).
    # Who may answer, and what is written, is tested in tests/consult/questions/test_questions.py.
    "api-round-questions": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    "api-round-answers": {
        ("POST", "published"): row(401, 400, 400, 400, 400, 400),
        ("POST", "unpublished"): row(401, 404, 404, 404, 404, 400),
    },
    # Meetings are announced publicly, like the consultation they belong to.
    "api-meetings": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    "api-consultation-comments": {
        ("GET", "published"): EVERYONE,
        ("GET", "unpublished"): ITS_STAFF,
        # Anyone signed in with a complete profile may comment while a round is open.
        ("POST", "published"): row(401, 201, 201, 201, 201, 201),
        # Unpublished: hidden from all but its staff, and no round is open for them either.
        ("POST", "unpublished"): row(401, 404, 404, 404, 404, 400),
    },
    # Campaign clusters: the secretariat and analysts only (moderators neither).
    "api-clusters": {
        ("GET", "published"): row(401, 403, 403, 403, 403, 200),
        ("GET", "unpublished"): row(401, 404, 404, 404, 404, 200),
    },
    # Bursts of submissions (suspicious activity): the secretariat and analysts only.
    "api-integrity-activity": {
        ("GET", "published"): row(401, 403, 403, 403, 403, 200),
        ("GET", "unpublished"): row(401, 404, 404, 404, 404, 200),
    },
    # Themes with their counts: the secretariat and analysts only (moderators neither).
    "api-themes": {
        ("GET", "published"): row(401, 403, 403, 403, 403, 200),
        ("GET", "unpublished"): row(401, 404, 404, 404, 404, 200),
    },
    "api-ledger-csv": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    "api-ledger-json": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    # Anyone with the receipt sees the status; text and author are checked below.
    "api-comment": {
        ("GET", "public_comment"): EVERYONE,
        ("GET", "private_comment"): EVERYONE,
        # Only its author edits a comment: not even the secretariat.
        ("PATCH", "public_comment"): row(401, 403, 200, 403, 403, 403),
        ("PATCH", "private_comment"): row(401, 403, 200, 403, 403, 403),
    },
    "api-comment-withdraw": {
        ("POST", "public_comment"): row(401, 403, 200, 403, 403, 403),
        ("POST", "private_comment"): row(401, 403, 200, 403, 403, 403),
    },
    # The versions of the text: for whoever may read the text.
    "api-comment-revisions": {
        ("GET", "public_comment"): EVERYONE,
        ("GET", "private_comment"): row(403, 403, 200, 200, 403, 200, drafter=200),
    },
    # Anyone signed in who can read a comment may report it, except its author.
    "api-comment-flags": {
        ("POST", "public_comment"): row(401, 201, 403, 201, 201, 201),
        ("POST", "private_comment"): row(401, 403, 403, 201, 403, 201, drafter=201),
    },
    # Disputed authorship (issue 25): anyone signed in who can read the comment, its
    # author included (the named person: confirmed at once); one each, so all 201.
    "api-comment-disputes": {
        ("POST", "public_comment"): row(401, 201, 201, 201, 201, 201),
        ("POST", "private_comment"): row(401, 403, 201, 201, 403, 201, drafter=201),
    },
    # Co-signatures (issue 25, part 25a): the count is public where the receipt is; anyone
    # signed in may co-sign a public submission but its author (400 naming "comment");
    # a private one takes no co-signature (400); withdrawing one never made is a no-op.
    # The rules, 200 on signing again, and organisations' signatories:
    # tests/comments/signatures/.
    "api-comment-signatures": {
        ("GET", "public_comment"): EVERYONE,
        ("GET", "private_comment"): EVERYONE,
        ("POST", "public_comment"): row(401, 201, 400, 201, 201, 201, drafter=201),
        ("POST", "private_comment"): row(401, 400, 400, 400, 400, 400, drafter=400),
        ("DELETE", "public_comment"): row(401, 200, 200, 200, 200, 200),
    },
    # Moderators and the secretariat; the secretariat comes after the moderator
    # hid it, so the same "hide" is refused as already done (400).
    "api-comment-moderation": {
        ("POST", "public_comment"): row(401, 403, 403, 201, 403, 400),
        ("POST", "private_comment"): row(401, 403, 403, 201, 403, 400),
    },
    # Moderators and the secretariat; the payload names no real comment (400 for them).
    "api-consultation-blocks": {
        ("GET", "published"): row(401, 403, 403, 200, 403, 200),
        ("GET", "unpublished"): row(401, 404, 404, 404, 404, 200),
        ("POST", "published"): row(401, 403, 403, 400, 403, 400),
        ("POST", "unpublished"): row(401, 404, 404, 404, 404, 400),
    },
    # Assignments: the team lists them (a drafter their own); the secretariat assigns.
    "api-assignments": {
        ("GET", "published"): row(401, 403, 403, 200, 403, 200, drafter=200),
        ("GET", "unpublished"): row(401, 404, 404, 404, 404, 200),
        ("POST", "published"): row(401, 403, 403, 403, 403, 200),
        ("POST", "unpublished"): row(401, 404, 404, 404, 404, 400),
    },
    # A drafter drafts on the comment assigned to them but never publishes (the payload
    # publishes: 403, and the draft is not kept either).
    "api-dispositions": {
        ("POST", "public_comment"): row(401, 403, 403, 403, 403, 201),
        ("POST", "private_comment"): row(401, 403, 403, 403, 403, 201),
    },
    # A comment's points: read as the comment is (text and rationales checked below);
    # split by the secretariat and analysts (the payload names paragraph 0).
    "api-comment-points": {
        ("GET", "public_comment"): EVERYONE,
        ("GET", "private_comment"): EVERYONE,
        ("POST", "public_comment"): row(401, 403, 403, 403, 403, 201),
        ("POST", "private_comment"): row(401, 403, 403, 403, 403, 201),
    },
    "api-appeals": {
        ("POST", "public_comment"): row(401, 403, 201, 403, 403, 403),
        # Nothing decided yet: even its author has nothing to appeal.
        ("POST", "private_comment"): row(401, 403, 400, 403, 403, 403),
    },
    "api-my-comments": {("GET", "none"): row(401, 200, 200, 200, 200, 200)},
    # The registry: organisations are public; one's affiliations are one's own (the
    # payload names no organisation: 400, nothing stored; the workflow is tested in
    # tests/stakeholders/registry/test_registry.py).
    "api-organisations": {("GET", "none"): EVERYONE},
    "api-my-affiliations": {
        ("GET", "none"): row(401, 200, 200, 200, 200, 200),
        ("POST", "none"): row(401, 400, 400, 400, 400, 400),
    },
    # One's own profile; the payload names an unknown country (400, nothing stored).
    "api-my-profile": {
        ("GET", "none"): row(401, 200, 200, 200, 200, 200),
        ("PUT", "none"): row(401, 400, 400, 400, 400, 400),
    },
    # Participation balance: the public summary for whoever may see the consultation;
    # every figure (gender, private comments counted) for the secretariat and analysts.
    "api-participation": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    "api-integrity": {("GET", "published"): EVERYONE, ("GET", "unpublished"): ITS_STAFF},
    "api-participation-staff": {
        ("GET", "published"): row(401, 403, 403, 403, 403, 200),
        ("GET", "unpublished"): row(401, 404, 404, 404, 404, 200),
    },
    # Search (no ?q= here, so 400 "type a word" for whoever may see the consultation);
    # what it finds is tested in tests/comments/search/test_search.py.
    "api-consultation-search": {
        ("GET", "published"): row(400, 400, 400, 400, 400, 400),
        ("GET", "unpublished"): row(404, 404, 404, 404, 404, 400),
    },
    # A comment's files: for whoever may read its text; only its author adds
    # (the payload carries no file: 400 for the author, nothing stored).
    # Issue 24: anyone who may comment supports a proposed change once (201, then 200),
    # never their own (400) nor a comment proposing none (400); withdrawn by DELETE.
    "api-comment-supports": {
        ("POST", "public_comment"): row(401, 400, 400, 400, 400, 400),
        ("POST", "public_amendment"): row(401, 201, 400, 201, 201, 201),
        ("DELETE", "public_amendment"): row(401, 200, 400, 200, 200, 200),
    },
    # The proposed changes one may read, with their counts and decisions.
    "api-consultation-amendments": {
        ("GET", "published"): EVERYONE,
        ("GET", "unpublished"): ITS_STAFF,
    },
    "api-comment-attachments": {
        ("GET", "public_comment"): EVERYONE,
        ("GET", "private_comment"): row(403, 403, 200, 200, 403, 200, drafter=200),
        ("POST", "public_comment"): row(401, 403, 400, 403, 403, 403),
        ("POST", "private_comment"): row(401, 403, 400, 403, 403, 403),
    },
}

# Who may read the private comment's text (its author and the consultation's team,
# a drafter included: the revisions, files and flags cells say drafter=200/201).
PRIVATE_READERS = {"owner", "moderator", "drafter", "secretariat"}
# Who may see that the unpublished consultation exists.
HIDDEN_READERS = {"secretariat"}

PAYLOADS = {
    "api-version": {},
    "api-versions": {"compose": True},
    "api-version-publish": {},
    "api-consultation-comments": {"section": "1-purpose-2", "body": "A comment from the matrix."},
    "api-dispositions": {"status": "not_accepted", "rationale": "Still no.", "publish": True},
    "api-appeals": {"reason": "An appeal from the matrix."},
    "api-comment-points": {"paragraphs": [0]},
    "api-comment-flags": {"reason": "spam", "note": "From the matrix."},
    "api-comment-disputes": {"reason": "Not written by the person it names."},
    "api-comment-signatures": {},
    "api-comment-moderation": {"action": "hide", "reason": "From the matrix."},
    "api-consultation-blocks": {"comment": "ZZZZZ-ZZZZZ", "reason": "From the matrix."},
    "api-comment": {"body": "An edit from the matrix."},
    "api-comment-withdraw": {},
    "api-my-affiliations": {"organisation": 999999999},
    "api-my-profile": {"display_name": "Matrix", "group": "users", "country": "XX"},
    "api-round-answers": {"answers": {"1": 1}},
    "api-comment-attachments": {},
    "api-token-detail": {},
    "api-comment-supports": {},
    "api-assignments": {"assignee": "drafter@example.org", "section": "1-purpose-2"},
}


def _api_endpoints(patterns=None, prefix="") -> dict[str, str]:
    """Every named URL pattern of the API, as ``{name: route}``, found by walking the resolver."""
    endpoints = {}
    for pattern in api_urls.urlpatterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            endpoints |= _api_endpoints(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"API route {prefix}{pattern.pattern} has no name"
            endpoints[pattern.name] = prefix + str(pattern.pattern)
    return endpoints


ENDPOINTS = _api_endpoints()


def _counts() -> dict[str, object]:
    return {
        "comments": Comment.objects.count(),
        "decisions": DispositionEntry.objects.count(),
        "drafts": DispositionDraft.objects.count(),
        "appeals": Appeal.objects.count(),
        "flags": Flag.objects.count(),
        "disputes": Dispute.objects.count(),
        "signatures": Signature.objects.count(),
        "moderation_actions": ModerationAction.objects.count(),
        "hidden": Comment.objects.filter(moderation=Comment.Moderation.HIDDEN).count(),
        "blocks": ConsultationBlock.objects.count(),
        "assignments": sorted(Assignment.objects.values_list("comment_id", "assignee_id")),
        "assignment_changes": AssignmentChange.objects.count(),
        "revisions": CommentRevision.objects.count(),
        "withdrawn": Comment.objects.filter(withdrawn_at__isnull=False).count(),
        "versions": DocumentVersion.objects.count(),
        "supports": sorted(AmendmentSupport.objects.values_list("amendment_id", "user_id")),
    }


@pytest.fixture
def world(consultation, secretariat, stakeholder, other_stakeholder, moderator, other_secretariat):
    # Staff with complete profiles too, so that the matrix tests access, not profiles.
    ParticipantFactory(user=secretariat, display_name="Secretariat")
    ParticipantFactory(user=other_secretariat, display_name="Elsewhere")
    hidden = consult_services.consultation_create(
        actor=secretariat, title=HIDDEN_TITLE, summary="Not announced yet."
    )
    version_services.draft_import(actor=secretariat, consultation=hidden, source=DRAFT)
    public = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Say more."
    )
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="2-scope-1",
        body=SECRET,
        visibility=Comment.Visibility.PRIVATE,
    )
    comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi."
    )
    feedback_services.disposition_record(
        actor=secretariat,
        comment=public,
        status=Status.NOT_ACCEPTED,
        rationale="Out of mandate.",
        publish=True,
    )
    drafter = ParticipantFactory(display_name="Drafter", user__email="drafter@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=drafter, role=Role.DRAFTER
    )
    assignment_services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=assignment_services.Scope.of(comments=[public]),
    )
    amendment = propose(actor=stakeholder, consultation=consultation)  # issue 24
    # The other secretariat's consultation gets a comment too (see /me/comments/).
    elsewhere = open_consultation(secretariat=other_secretariat, title="Yet another")
    comment_services.comment_create(
        actor=other_stakeholder, consultation=elsewhere, section_key="1-purpose-2", body="There."
    )
    return {
        "users": {
            "anonymous": None,
            "other": other_stakeholder,
            "owner": stakeholder,
            "moderator": moderator,
            "drafter": drafter,
            "other_secretariat": other_secretariat,
            "secretariat": secretariat,
        },
        "kwargs": {
            "none": {},
            "published": {"slug": consultation.slug},
            "unpublished": {"slug": hidden.slug},
            "published_diff": {"slug": consultation.slug, "old": 1, "new": 1},
            "published_version": {"slug": consultation.slug, "number": 1},
            "unpublished_version": {"slug": hidden.slug, "number": 1},
            "unpublished_diff": {"slug": hidden.slug, "old": 1, "new": 1},
            "public_comment": {"receipt": public.receipt},
            "private_comment": {"receipt": private.receipt},
            "public_amendment": {"receipt": amendment.receipt},
            "owner_token": {"pk": ApiToken.objects.create(user=stakeholder)[0].pk},
        },
    }


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_every_endpoint_has_a_rule():
    missing, stale = set(ENDPOINTS) - set(MATRIX), set(MATRIX) - set(ENDPOINTS)
    assert not missing, f"API endpoints without a rule in MATRIX: {sorted(missing)}"
    assert not stale, f"Rules in MATRIX for no endpoint: {sorted(stale)}"


def test_every_object_endpoint_has_cells():
    for name, route in ENDPOINTS.items():
        if "<" in route:
            assert MATRIX[name], f"{name} ({route}) names an object but has no cells"


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_access_matrix(name, world, client_for):
    failures = []
    for (method, target), expected in MATRIX[name].items():
        url = reverse(name, kwargs=world["kwargs"][target])
        for actor in ACTORS:
            user = world["users"][actor]
            before = _counts()
            client = client_for(user)
            if method == "GET":
                response = client.get(url)
            else:
                send = getattr(client, method.lower())  # post, patch
                response = send(url, PAYLOADS[name], format="json")
            text = _text(response)
            cell = f"{method} {url} as {actor}"
            if response.status_code != expected[actor]:
                failures.append(
                    f"{cell}: {response.status_code}, expected {expected[actor]}: {text[:200]}"
                )
            if actor not in PRIVATE_READERS and SECRET in text:
                failures.append(f"{cell}: shows the private comment's text")
            if actor not in HIDDEN_READERS and HIDDEN_TITLE in text:
                failures.append(f"{cell}: shows the unpublished consultation")
            if method != "GET" and not 200 <= response.status_code < 300 and _counts() != before:
                failures.append(f"{cell}: refused ({response.status_code}) yet changed {_counts()}")
            if name == "api-my-comments" and response.status_code == 200:
                receipts = {c["receipt"] for c in json.loads(text)["results"]}
                own = set(Comment.objects.filter(author=user).values_list("receipt", flat=True))
                if receipts != own:
                    failures.append(f"{cell}: lists {sorted(receipts)}, owns {sorted(own)}")
    assert not failures, "\n".join(failures)


def test_private_comment_detail_shows_text_and_author_to_owner_and_staff_only(world, client_for):
    url = reverse("api-comment", kwargs=world["kwargs"]["private_comment"])
    for actor, user in world["users"].items():
        body = client_for(user).get(url).json()
        if actor in PRIVATE_READERS:
            assert body["body"] == SECRET, actor
            assert body["author"] is not None, actor
        else:
            assert body["body"] is None, actor
            assert body["author"] is None, actor


def test_token_needs_the_password(world, client_for):
    """The one endpoint without an object: another user's email alone yields no token."""
    response = client_for(None).post(
        reverse("api-token"),
        {"email": world["users"]["owner"].email, "password": "guessed"},
        format="json",
    )
    assert response.status_code == 400
    assert "token" not in response.json()
