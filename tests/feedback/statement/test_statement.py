"""The public integrity statement (/c/<slug>/integrity/ and its API): each figure
equals a direct count, in a fixed number of queries, over every top-level
submission (private ones included, as numbers only); the written policies beside them."""

import pytest
from django.db import connection
from django.db.models.functions import Lower, Trim
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, Dispute, Redaction, Signature
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.consultations.policies import POLICIES
from feedback.models import CampaignCluster, CampaignMember
from feedback.redaction.services import comment_redact
from feedback.statement.selectors import integrity_statement, submissions_of
from tests.consult.factories import open_consultation

SECTION = "1-purpose-2"


def post(consultation, author, body, **kwargs) -> Comment:
    return comment_services.comment_create(
        actor=author, consultation=consultation, section_key=SECTION, body=body, **kwargs
    )


def build(consultation, secretariat, stakeholder, other_stakeholder, n: int) -> None:
    """``n`` rounds of every kind of submission the statement counts."""
    for i in range(n):
        campaign = [
            post(consultation, stakeholder, "Fund rural broadband now."),
            post(consultation, other_stakeholder, "fund rural broadband now.  "),
            post(consultation, stakeholder, f"Fund rural broadband now, please ({i})."),
        ]
        cluster = CampaignCluster.objects.create(
            consultation=consultation, representative=campaign[0], size=3
        )
        CampaignMember.objects.bulk_create(
            CampaignMember(cluster=cluster, comment=comment) for comment in campaign
        )
        private = post(consultation, stakeholder, f"Private {i}.", visibility="private")
        anonymous = post(consultation, other_stakeholder, f"Anonymous {i}.", anonymous=True)
        via_api = post(consultation, stakeholder, f"Through the API {i}.", channel="api")
        hidden = post(consultation, other_stakeholder, f"Hidden {i}.")
        Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)
        entered = post(consultation, stakeholder, f"Entered {i}.")
        Comment.objects.filter(pk=entered.pk).update(entered_by=secretariat)
        # A reply is conversation, not a submission: counted nowhere.
        post(consultation, other_stakeholder, "A reply.", parent=via_api)
        now = timezone.now()
        Signature.objects.create(comment=campaign[0], user=other_stakeholder, confirmed_at=now)
        Signature.objects.create(comment=campaign[0], email="a@example.org")  # unconfirmed
        Signature.objects.create(
            comment=via_api, user=stakeholder, confirmed_at=now, withdrawn_at=now
        )
        Dispute.objects.create(comment=private, reason="Not me.")
        Dispute.objects.create(comment=anonymous, reason="Not me.", status="confirmed")
        Dispute.objects.create(comment=anonymous, reason="Not me either.", status="upheld")
        Dispute.objects.create(comment=hidden, reason="Not me.", status="rejected")
        comment_redact(actor=secretariat, comment=via_api, reason="personal_data", passage="API")
    assert private.anonymous is False and anonymous.anonymous is True


def direct_counts(consultation) -> dict:
    submissions = Comment.objects.filter(consultation=consultation, parent__isnull=True)
    members = CampaignMember.objects.filter(cluster__consultation=consultation)
    disputes = list(Dispute.objects.filter(comment__consultation=consultation))
    return {
        "submissions": submissions.count(),
        "distinct_texts": len({c.body.strip().lower() for c in submissions}),
        "clusters": CampaignCluster.objects.filter(consultation=consultation).count(),
        "campaign_copies": sum(
            1
            for m in members.select_related("cluster")
            if m.comment_id != m.cluster.representative_id
        ),
        "co_signatories": sum(
            1
            for s in Signature.objects.filter(comment__consultation=consultation)
            if s.confirmed_at and not s.withdrawn_at
        ),
        "disputed": len({d.comment_id for d in disputes}),
        "confirmed_disputed": len(
            {d.comment_id for d in disputes if d.status in ("confirmed", "upheld")}
        ),
        "hidden": sum(1 for c in submissions if c.moderation == "hidden"),
        "entered_by_staff": sum(1 for c in submissions if c.entered_by_id),
        "received_through_api": sum(1 for c in submissions if c.channel == "api"),
        "private": sum(1 for c in submissions if c.visibility == "private"),
        "anonymous": sum(1 for c in submissions if c.anonymous and c.visibility == "public"),
        "redacted": len(
            {r.comment_id for r in Redaction.objects.filter(comment__consultation=consultation)}
        ),
    }


EXPECTED_KEYS = (
    "submissions",
    "distinct_texts",
    "clusters",
    "campaign_copies",
    "co_signatories",
    "disputed",
    "confirmed_disputed",
    "hidden",
    "entered_by_staff",
    "received_through_api",
    "private",
    "anonymous",
    "redacted",
)


@pytest.mark.parametrize("n", [1, 3])
def test_each_figure_equals_a_direct_count_in_three_queries(
    consultation, secretariat, stakeholder, other_stakeholder, n
):
    build(consultation, secretariat, stakeholder, other_stakeholder, n)
    with CaptureQueriesContext(connection) as queries:
        statement = integrity_statement(consultation=consultation)
    assert len(queries) == 3
    expected = direct_counts(consultation)
    assert {key: getattr(statement, key) for key in EXPECTED_KEYS} == expected
    # The fixture makes every figure move with n, so none is zero by accident.
    assert expected["clusters"] == n and expected["campaign_copies"] == 2 * n
    assert expected["co_signatories"] == n and expected["disputed"] == 3 * n
    assert expected["confirmed_disputed"] == n and expected["redacted"] == n
    assert expected["submissions"] == 8 * n
    # "Fund rural broadband now." in two spellings, in every round, counts once.
    assert expected["distinct_texts"] == 1 + 6 * n


def test_figures_are_kept_a_minute_and_the_report_counts_afresh(consultation, stakeholder):
    post(consultation, stakeholder, "First.")
    assert integrity_statement(consultation=consultation).submissions == 1
    post(consultation, stakeholder, "Second.")
    with CaptureQueriesContext(connection) as queries:
        cached = integrity_statement(consultation=consultation)
    assert len(queries) == 0 and cached.submissions == 1
    assert integrity_statement(consultation=consultation, fresh=True).submissions == 2


def test_distinct_texts_fold_case_and_outer_whitespace(consultation, stakeholder):
    for body in ("Same text.", "  same TEXT.", "Same text. ", "Other text."):
        post(consultation, stakeholder, body)
    statement = integrity_statement(consultation=consultation)
    assert statement.submissions == 4
    assert statement.distinct_texts == 2
    assert (
        submissions_of(consultation).annotate(t=Lower(Trim("body"))).values("t").distinct().count()
        == 2
    )


def test_other_consultations_are_not_counted(consultation, stakeholder, other_secretariat):
    post(consultation, stakeholder, "Here.")
    statement = integrity_statement(consultation=consultation)
    assert statement.submissions == 1 and statement.private == 0


def test_page_shows_the_figures_and_the_policies_to_anyone(client, consultation, stakeholder):
    post(consultation, stakeholder, "Public.")
    post(consultation, stakeholder, "Private.", visibility="private")
    page = client.get(reverse("integrity", args=[consultation.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Integrity statement" in html
    assert "Submissions received (private ones included)" in html
    assert "Private." not in html  # numbers only
    for _field, heading, default in POLICIES:
        assert str(heading) in html and str(default)[:40] in html
    detail = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert reverse("integrity", args=[consultation.slug]) in detail


def test_api_gives_the_same_figures_and_policies(consultation, stakeholder, secretariat):
    post(consultation, stakeholder, "Public.")
    post(consultation, stakeholder, "Private.", visibility="private")
    consult_services.consultation_update(
        actor=secretariat,
        consultation=consultation,
        title=consultation.title,
        summary=consultation.summary,
        goals=consultation.goals,
        ground_rules=consultation.ground_rules,
        policy_copies="We show one copy and count the rest.",
    )
    body = APIClient().get(f"/api/v1/consultations/{consultation.slug}/integrity/").json()
    statement = integrity_statement(consultation=consultation)
    assert {key: body[key] for key in EXPECTED_KEYS} == {
        key: getattr(statement, key) for key in EXPECTED_KEYS
    }
    assert body["submissions"] == 2 and body["private"] == 1
    policies = {policy["key"]: policy for policy in body["policies"]}
    assert set(policies) == {"signatures", "copies", "generated", "disputes", "redaction"}
    assert policies["copies"] == {
        "key": "copies",
        "heading": "Campaign copies",
        "text": "We show one copy and count the rest.",
        "is_default": False,
    }
    assert policies["signatures"]["is_default"] is True


def test_unpublished_consultation_statement_is_its_teams(client, secretariat):
    consultation = open_consultation(secretariat=secretariat, title="Hidden one")
    consultation.status = "draft"
    consultation.save(update_fields=["status"])
    assert client.get(reverse("integrity", args=[consultation.slug])).status_code == 403
    api = APIClient().get(f"/api/v1/consultations/{consultation.slug}/integrity/")
    assert api.status_code == 404
    client.force_login(secretariat)
    assert client.get(reverse("integrity", args=[consultation.slug])).status_code == 200
