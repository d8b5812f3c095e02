"""Who may open which page: an access matrix over every HTML route.

The routes come from the URL resolver (``plenary.urls``), not from a list here;
the API has its own matrix (tests/api/test_access_matrix.py) and allauth's
pages and the admin theirs.  Each route is opened by nine actors (anonymous, a
participant, the author of the comments, another consultation's secretariat,
this consultation's analyst, moderator, drafter (the public comment is assigned
to them) and secretariat, a superuser) on each
object it can name: a published and an unpublished consultation; a public,
private, hidden, withdrawn and pending comment; a published and an unpublished
version.

The expected answer is not typed here: it is asked of the rules themselves
(``consult.permissions``, ``comments.permissions``, ``stakeholders.permissions``)
for the object the URL names, by the kind of page its path says it is (a public
page of a consultation, a team page, a receipt, one's own pages...).  And every
page, whatever its status, is searched for what its reader may not see: the
text of each comment ``comments.permissions.can_see_text`` keeps from them, and
the unpublished consultation's title.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from comments import permissions as comment_permissions
from comments.models import Attachment, Comment
from comments.moderation import services as moderation
from comments.threads import services as comment_services
from consult import permissions as consult_permissions
from consult.consultations import services as consult_services
from consult.meetings import services as meeting_services
from consult.models import Consultation, DocumentVersion, Question, Role
from consult.versions import services as version_services
from feedback import permissions as feedback_permissions
from feedback.agreement import services as agreement_services
from feedback.assignments import services as assignment_services
from feedback.disputes import services as dispute_services
from feedback.ledger import services as ledger_services
from feedback.themes import services as theme_services
from stakeholders import permissions as stakeholder_permissions
from stakeholders.models import User
from tests.comments.files import pdf_bytes
from tests.comments.supports.factories import propose
from tests.consult.factories import DRAFT
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "participant",
    "author",
    "other_staff",
    "analyst",
    "moderator",
    "drafter",
    "secretariat",
    "superuser",
)
HIDDEN_TITLE = "Unannounced consultation on spectrum"
SECRETS = {
    "public": "Public point about open licences",
    "private": "Private point: our budget is 3.2 million",
    "hidden": "Hidden point that a moderator removed",
    "withdrawn": "Withdrawn point its author took back",
    "pending": "Pending point awaiting a moderator",
    "amendment": "Amendment: say whose accountability",  # issue 24
}
# Outside this matrix: the API's own, allauth's pages, the admin, static files,
# the probes (which answer the same to everyone and name nothing), and /metrics
# (a bearer token, tests/plenary/test_metrics.py).
OUTSIDE = ("api/", "admin/", "accounts/", "static/", "healthz", "readyz", "metrics", "i18n/")
MISSING = 999_999  # a number no object has: a 404 for everyone who may look


def _routes(patterns=None, prefix="") -> dict[str, str]:
    """Every named HTML route, ``{name: route}``, found by walking the resolver."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(OUTSIDE):
            continue
        if isinstance(pattern, URLResolver):
            found |= _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"route {route} has no name"
            found[pattern.name] = route
    return found


ROUTES = _routes()


@dataclass
class World:
    users: dict
    published: Consultation
    unpublished: Consultation
    comments: dict[str, Comment]
    v1: DocumentVersion
    v2: DocumentVersion
    objects: dict[str, int]


@pytest.fixture
def world(secretariat, stakeholder, other_stakeholder, other_secretariat, moderator, consultation):
    analyst = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=analyst, role=Role.ANALYST
    )
    drafter = ParticipantFactory(display_name="Drafter", user__email="drafter@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=drafter, role=Role.DRAFTER
    )
    superuser = User.objects.create_superuser(email="root@example.org", password="x-long-pass-1")
    ParticipantFactory(user=secretariat, display_name="Secretariat")
    hidden = consult_services.consultation_create(
        actor=secretariat, title=HIDDEN_TITLE, summary="Not announced yet."
    )
    version_services.draft_import(actor=secretariat, consultation=hidden, source=DRAFT)
    v1 = consultation.versions.get(number=1)
    v2 = version_services.draft_import(actor=secretariat, consultation=consultation, source=DRAFT)

    def post(text: str, **kwargs) -> Comment:
        return comment_services.comment_create(
            actor=stakeholder,
            consultation=consultation,
            section_key="1-purpose-2",
            body=text,
            **kwargs,
        )

    upload = SimpleUploadedFile("paper.pdf", pdf_bytes("A paper."), "application/pdf")
    comments = {
        "public": post(SECRETS["public"]),
        "private": post(
            SECRETS["private"], visibility=Comment.Visibility.PRIVATE, attachments=[upload]
        ),
        "hidden": post(SECRETS["hidden"]),
        "withdrawn": post(SECRETS["withdrawn"]),
    }
    comments["amendment"] = propose(
        actor=stakeholder, consultation=consultation, body=SECRETS["amendment"]
    )
    moderation.comment_hide(actor=moderator, comment=comments["hidden"], reason="Off topic.")
    comment_services.comment_withdraw(actor=stakeholder, comment=comments["withdrawn"])
    Consultation.objects.filter(pk=consultation.pk).update(premoderate_first=1)
    consultation.refresh_from_db()
    comments["pending"] = post(SECRETS["pending"])
    assert comments["pending"].moderation == Comment.Moderation.PENDING
    for comment in comments.values():
        comment.refresh_from_db()
    assignment_services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=assignment_services.Scope.of(comments=[comments["public"]]),
    )
    meeting = meeting_services.meeting_create(
        actor=secretariat,
        consultation=consultation,
        title="Town hall",
        kind="online",
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, hours=2),
        link="https://meet.example.org/town-hall",
    )
    # The round is open, so the services no longer add questions: one is written as the
    # round had it before it opened.
    Question.objects.create(
        round=consultation.rounds.get(number=1), ordinal=1, text="Is it clear?", kind="text"
    )
    theme = theme_services.theme_create(actor=secretariat, consultation=consultation, name="Cost")
    sample = agreement_services.coding_sample_draw(
        actor=secretariat, consultation=consultation, size=2, coders=[secretariat, analyst], seed=1
    )
    snippet = ledger_services.snippet_create(
        actor=secretariat, consultation=consultation, title="Thanks", text="Thank you."
    )
    # Issue 25: a dispute of the public comment, for the secretariat's dispute page.
    dispute = dispute_services.dispute_report(
        actor=other_stakeholder, comment=comments["public"], reason="Not written by them."
    )
    return World(
        users={
            "anonymous": AnonymousUser(),
            "participant": other_stakeholder,
            "author": stakeholder,
            "other_staff": other_secretariat,
            "analyst": analyst,
            "moderator": moderator,
            "drafter": drafter,
            "secretariat": secretariat,
            "superuser": superuser,
        },
        published=consultation,
        unpublished=hidden,
        comments=comments,
        v1=v1,
        v2=v2,
        objects={
            "meeting": meeting.pk,
            "theme": theme.pk,
            "coding": sample.pk,
            "snippet": snippet.pk,
            "dispute": dispute.pk,
            "attachment": Attachment.objects.get(comment=comments["private"]).pk,
        },
    )


# --- what the rules expect --------------------------------------------------------------

ALLOW, REFUSE, TEAM = "allow", "refuse", "team"

# Pages whose rule is narrower (or wider) than the place their path gives them, by
# the rule function they follow.  Not expected answers: the rules are asked.
NARROWER = {
    # The process evaluation asks those who took part (its form says when it opens).
    "evaluation": lambda user, consultation: feedback_permissions.is_participant(
        user, consultation
    ),
    # Following is for people signed in (a POST; GET shows nothing).
    "consultation_follow": lambda user, consultation: user.is_authenticated,
    # Any visitor may set the time zone dates are shown in (kept in the session).
    "timezone_settings": lambda user, _nothing: True,
    # A signature link's page and a signatory's confirmation open only with a real token
    # (tests/comments/signatures/test_signature_links.py); the matrix's made-up one, nobody.
    "signature_form": lambda user, _nothing: False,
    "signature_confirm": lambda user, _nothing: False,
}


# Team pages whose own rule is asked for every member, by the rule function they follow:
# a drafter decides (drafts) only on the comments assigned to them; "my queue" is any
# member's; the workload is the secretariat's.
TEAM_RULES = {
    "staff_decide": lambda user, consultation, comment: feedback_permissions.can_draft(
        user, comment
    ),
    "staff_my_queue": lambda user, consultation, comment: feedback_permissions.can_see_queue(
        user, consultation
    ),
    "staff_workload": lambda user, consultation, comment: feedback_permissions.can_assign(
        user, consultation
    ),
    # Redaction (issue 25): the secretariat and the moderators.
    "staff_comment_redact": lambda user, consultation, comment: comment_permissions.can_redact(
        user, consultation
    ),
    # Provenance and bursts: the secretariat and analysts (feedback/provenance/).
    "staff_integrity_activity": lambda user, consultation, comment: (
        feedback_permissions.can_view_provenance(user, consultation)
    ),
    "staff_provenance": lambda user, consultation, comment: (
        feedback_permissions.can_view_provenance(user, consultation)
    ),
}


def _site_rule(route: str):
    """The site-wide pages under /staff/ that name no consultation, by the rule they follow."""
    if route.startswith("staff/audit/"):
        return consult_permissions.can_read_audit_log
    if route.startswith("staff/registry/"):
        return stakeholder_permissions.can_verify
    if route.startswith("staff/consultations/new/"):
        return consult_permissions.can_create_consultation
    return lambda user: user.is_authenticated  # staff/: "your consultations" (maybe none)


def expected(name: str, route: str, user, consultation, comment, version) -> str:
    """What the one rule says ``user`` gets on ``route`` naming these objects:
    ALLOW, REFUSE, or TEAM (a team page: its secretariat gets in; another role
    gets in or is refused by the page's own role rule; nobody else gets in)."""
    if route.startswith("staff/"):
        if consultation is None:
            return ALLOW if _site_rule(route)(user) else REFUSE
        if not consult_permissions.is_staff_of(user, consultation):
            return REFUSE
        if name in TEAM_RULES:
            return ALLOW if TEAM_RULES[name](user, consultation, comment) else REFUSE
        return ALLOW if consult_permissions.can_run(user, consultation) else TEAM
    if name in NARROWER:
        if consultation is not None and not consult_permissions.can_view(user, consultation):
            return REFUSE
        return ALLOW if NARROWER[name](user, consultation) else REFUSE
    if route.startswith("me/"):
        return ALLOW if user.is_authenticated else REFUSE
    if comment is not None:
        if not comment_permissions.can_view_receipt(user, comment):
            return REFUSE
        if route.endswith(("edit/", "withdraw/", "attachments/")):
            # Its author (the page says when the comment can no longer change).
            return ALLOW if comment_permissions.is_author(user, comment) else REFUSE
        if route.endswith("history/") or route.startswith("a/"):
            return ALLOW if comment_permissions.can_see_text(user, comment) else REFUSE
        if route.endswith("dispute/"):  # signed in, who may read it or speaks for its organisation
            disputes = user.is_authenticated and comment_permissions.can_dispute(user, comment)
            return ALLOW if disputes else REFUSE
        if route.endswith("support/"):  # a proposed change, for whoever signed in reads it
            readable = (
                user.is_authenticated
                and comment_permissions.is_amendment(comment)
                and comment_permissions.can_see_text(user, comment)
            )
            return ALLOW if readable else REFUSE
        if route.endswith("flag/"):  # one reports what one can read
            readable = user.is_authenticated and comment_permissions.can_see_text(user, comment)
            return ALLOW if readable else REFUSE
        if route.endswith("signature-links/"):  # the organisation's verified staff
            collect = comment_permissions.can_collect_signatures(user, comment)
            return ALLOW if collect else REFUSE
        if route.endswith("appeal/"):  # signed in; the page says who may appeal
            return ALLOW if user.is_authenticated else REFUSE
        if (
            "/t/" in route
        ):  # a thread is listed where the comment is (comments.permissions.listed_q)
            listed = Comment.objects.filter(
                comment_permissions.listed_q(
                    user, is_staff=consult_permissions.is_staff_of(user, comment.consultation)
                ),
                pk=comment.pk,
            ).exists()
            return ALLOW if listed else REFUSE
        return ALLOW
    if consultation is not None:
        if not consult_permissions.can_view(user, consultation):
            return REFUSE
        if version is not None and not consult_permissions.can_view_version(user, version):
            return REFUSE
        return ALLOW
    return ALLOW


# --- the URLs each route is opened at -------------------------------------------------


def targets(name: str, route: str, world: World):
    """``(label, kwargs, consultation, comment, version)`` for each object ``route`` can name."""
    params = {part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]}
    consultations = [("published", world.published), ("unpublished", world.unpublished)]
    if "receipt" in params:
        for state, comment in world.comments.items():
            kwargs = {"receipt": comment.receipt}
            if "slug" in params:
                kwargs |= {"slug": comment.consultation.slug}
            if "key" in params:
                kwargs |= {"key": comment.section.key}
            yield state, kwargs, comment.consultation, comment, None
        return
    if name == "attachment":
        attachment = Attachment.objects.get(pk=world.objects["attachment"])
        comment = attachment.comment
        kwargs = {"pk": attachment.pk, "name": attachment.original_name}
        yield "private file", kwargs, comment.consultation, comment, None
        return
    if "slug" not in params or route.startswith("staff/registry/"):
        yield "site", _fill(params, name, world, None), None, None, None
        return
    for label, consultation in consultations:
        kwargs = {"slug": consultation.slug} | _fill(params - {"slug"}, name, world, consultation)
        if "number" in params and route.startswith("c/") and "versions/" in route:
            for version in (world.v1, world.v2) if consultation == world.published else ():
                yield (
                    f"{label} v{version.number}",
                    kwargs | {"number": version.number},
                    consultation,
                    None,
                    version,
                )
            continue
        version = world.v1 if "old" in params and consultation == world.published else None
        yield label, kwargs, consultation, None, version


def _fill(params: set[str], name: str, world: World, consultation) -> dict:
    """Values for the other parts of a route: real objects of the published
    consultation where the page is about one, MISSING elsewhere."""
    values: dict = {}
    here = consultation == world.published
    for param in params:
        if consultation is not None and not here:
            # The unpublished consultation has a draft, no round, meeting or theme.
            values[param] = "1-purpose-2" if param == "key" else MISSING
        elif param == "key":
            values[param] = "1-purpose-2"
        elif param == "number":  # a round, or (on staff pages) the unpublished version 2
            values[param] = 2 if "versions/" in name or "version" in name else 1
        elif param in ("old", "new"):
            values[param] = 1
        elif param == "ordinal":
            values[param] = 1
        elif param == "language":
            values[param] = "fr"
        elif param == "file_format":
            values[param] = "pdf"
        elif param == "token":
            values[param] = "not-a-token"
        elif param == "slug":  # a registry group
            values[param] = "civil-society"
        elif param == "pk":
            kinds = ("meeting", "theme", "snippet", "coding", "dispute")
            kind = next((k for k in kinds if k in name), None)
            kind = None if "suggestion" in name else kind
            values[param] = world.objects[kind] if kind and here else MISSING
        else:
            raise AssertionError(f"route {name}: no value for <{param}>")
    return values


def _allowed(response) -> bool | None:
    """True: the page was served (200); False: refused (403, 404, or sent to sign in);
    None: no page either way (an action's 405, a redirect elsewhere, a 400 for a bad
    token), which shows nothing and so passes whatever the rule says."""
    status = response.status_code
    if status == 200:
        return True
    if status in (403, 404) or (
        status in (301, 302) and "/accounts/login/" in response["Location"]
    ):
        return False
    return None


def test_every_html_route_is_in_the_matrix():
    """The walk finds the pages (a sanity check that the resolver walk works)."""
    assert {"consultation", "section", "receipt", "ledger", "staff_triage", "my_input"} <= set(
        ROUTES
    )
    assert len(ROUTES) > 80


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_page_access_matrix(name, world, client):
    route = ROUTES[name]
    failures = []
    for label, kwargs, consultation, comment, version in targets(name, route, world):
        url = reverse(name, kwargs=kwargs)
        for actor in ACTORS:
            user = world.users[actor]
            client.logout()
            if user.is_authenticated:
                client.force_login(user)
            response = client.get(url)
            cell = f"GET {url} ({label}) as {actor}"
            rule = expected(name, route, user, consultation, comment, version)
            served = _allowed(response)
            missing = MISSING in kwargs.values()
            if rule == REFUSE and served:
                failures.append(f"{cell}: served ({response.status_code}), the rule refuses")
            elif (
                rule == ALLOW and served is False and not (missing and response.status_code == 404)
            ):
                failures.append(f"{cell}: refused ({response.status_code}), the rule allows")
            elif rule == TEAM and response.status_code == 404 and not missing:
                failures.append(f"{cell}: 404 for a member of the team")
            text = b"" if getattr(response, "streaming", False) else response.content
            page = text.decode(errors="replace")
            for state, other in world.comments.items():
                if SECRETS[state] in page and not comment_permissions.can_see_text(user, other):
                    failures.append(f"{cell}: shows the {state} comment's text")
            if HIDDEN_TITLE in page and not consult_permissions.can_view(user, world.unpublished):
                failures.append(f"{cell}: shows the unpublished consultation")
    assert not failures, "\n".join(failures)
