"""Campaign clusters: the job, locks, split, answering a cluster once, who may do what,
the public counts and the API."""

import random
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.threads import services as comment_services
from comments.threads.receipts import new_receipt
from consult.consultations import services as consult_services
from consult.models import Role
from feedback.clusters import selectors as cluster_selectors
from feedback.clusters import services as cluster_services
from feedback.ledger import chain, selectors
from feedback.ledger import services as feedback_services
from feedback.models import (
    CampaignCluster,
    CampaignMember,
    ClusterAnswer,
    DispositionDraft,
    DispositionEntry,
    PublicationBatch,
    Status,
)
from feedback.tasks import cluster_comments
from tests.stakeholders.factories import ParticipantFactory

CAMPAIGN = (
    "We the undersigned call on the secretariat to keep the public interest exemption "
    "in article four, because without it small community broadcasters would lose the "
    "spectrum they rely on to reach rural audiences in their own languages every day."
)
UNRELATED = "The definition of broadcaster in section two is unclear to me."


def campaign_text(n: int) -> str:
    """Campaign ``n``'s text: 40 words of its own, so that campaigns do not overlap."""
    rng = random.Random(n)
    return " ".join(
        rng.choice(("ka", "to", "ri", "sen", "mo", "la"))
        + rng.choice(("pe", "du", "vi", "an"))
        + str(rng.randrange(1000))
        for _ in range(40)
    )


@pytest.fixture(autouse=True)
def _own_fingerprints(monkeypatch):
    """Fingerprint cache keys of this test only (never flush a cache others may share)."""
    monkeypatch.setattr(
        cluster_services, "_FINGERPRINT_KEY", f"test-{uuid.uuid4().hex}-clusters-{{pk}}"
    )


@pytest.fixture
def analyst(consultation, secretariat):
    user = ParticipantFactory(display_name="Analyst", user__email="analyst@example.org").user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.ANALYST
    )
    return user


def say(consultation, body, *, parent=None, author=None):
    return comment_services.comment_create(
        actor=author or ParticipantFactory().user,
        consultation=consultation,
        section_key=None if parent else "1-purpose-1",
        parent=parent,
        body=body,
    )


def copies(consultation, n, *, suffix=""):
    return [say(consultation, f"{CAMPAIGN} {suffix}{'!' * i}") for i in range(n)]


def run_job(consultation) -> int:
    return cluster_comments.apply(kwargs={"consultation_id": consultation.pk}).get()


def members_of(cluster) -> set[int]:
    return set(CampaignMember.objects.filter(cluster=cluster).values_list("comment_id", flat=True))


# --- the job ---------------------------------------------------------------------


def test_job_groups_copies_and_replies_but_not_withdrawn_or_unrelated(consultation):
    first, second = copies(consultation, 2)
    reply = say(consultation, CAMPAIGN.upper() + " I agree with the above.", parent=first)
    withdrawn = say(consultation, CAMPAIGN)
    Comment.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    unrelated = say(consultation, UNRELATED)

    assert run_job(consultation) == 1
    [cluster] = CampaignCluster.objects.filter(consultation=consultation)
    assert members_of(cluster) == {first.pk, second.pk, reply.pk}
    assert cluster.size == 3
    assert cluster.representative_id == first.pk  # the oldest
    assert not cluster.locked
    similarity = dict(
        CampaignMember.objects.filter(cluster=cluster).values_list("comment_id", "similarity")
    )
    assert similarity[first.pk] == similarity[second.pk] == 1.0
    assert 0.4 <= similarity[reply.pk] < 1.0
    assert not CampaignMember.objects.filter(comment__in=[withdrawn, unrelated]).exists()


def test_rerun_replaces_unlocked_clusters_and_leaves_locked_ones_alone(consultation, secretariat):
    campaign = copies(consultation, 4)
    run_job(consultation)
    assert CampaignCluster.objects.filter(consultation=consultation).count() == 1
    cluster = CampaignCluster.objects.get(consultation=consultation)
    # A person says the last copy is not part of it: both clusters are locked.
    [alone] = cluster_services.cluster_split(
        actor=secretariat, cluster=cluster, comments=[campaign[-1]], singletons=True
    )
    newer = copies(consultation, 2, suffix="Second wave. ")

    run_job(consultation)
    cluster.refresh_from_db()
    assert cluster.locked and cluster.size == 3
    assert members_of(cluster) == {c.pk for c in campaign[:3]}
    assert members_of(alone) == {campaign[-1].pk}
    [found] = CampaignCluster.objects.filter(consultation=consultation, locked=False)
    # The new copies cluster together; members of locked clusters are not taken again.
    assert members_of(found) == {c.pk for c in newer}
    found_members = members_of(found)
    run_job(consultation)
    [again] = CampaignCluster.objects.filter(consultation=consultation, locked=False)
    assert again.pk != found.pk and members_of(again) == found_members


def test_recluster_button_runs_the_job_for_the_secretariat_only(
    client, consultation, secretariat, analyst, django_capture_on_commit_callbacks
):
    copies(consultation, 2)
    url = reverse("staff_clusters", args=[consultation.slug])
    client.force_login(analyst)
    assert client.post(url).status_code == 403
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert CampaignCluster.objects.filter(consultation=consultation, size=2).count() == 1


def test_beat_enqueues_only_consultations_whose_comments_changed(
    consultation, django_capture_on_commit_callbacks
):
    copies(consultation, 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert cluster_services.clusters_refresh_changed() == 1
    assert CampaignCluster.objects.filter(consultation=consultation).count() == 1
    assert cluster_services.clusters_refresh_changed() == 0
    say(consultation, UNRELATED)
    assert cluster_services.clusters_refresh_changed() == 1


# --- split -----------------------------------------------------------------------


def test_split_moves_members_into_a_new_locked_cluster(client, consultation, secretariat):
    comments = copies(consultation, 4)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    response = client.post(
        url,
        {"action": "split", "comments": [comments[0].pk, comments[1].pk], "into": "cluster"},
    )
    assert response.status_code == 302
    cluster.refresh_from_db()
    new = CampaignCluster.objects.get(split_from=cluster)
    assert cluster.locked and new.locked
    assert (cluster.size, new.size) == (2, 2)
    assert members_of(new) == {comments[0].pk, comments[1].pk}
    # The representative moved out, so the cluster got the oldest that stayed.
    assert cluster.representative_id == comments[2].pk
    assert new.representative_id == comments[0].pk


def test_split_refuses_moving_every_member_or_none(client, consultation, secretariat):
    comments = copies(consultation, 2)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    response = client.post(
        url, {"action": "split", "comments": [c.pk for c in comments], "into": "singletons"}
    )
    assert response.status_code == 200
    assert "Leave at least one member in the cluster" in response.content.decode()
    response = client.post(url, {"action": "split", "into": "singletons"})
    assert response.status_code == 200
    assert 'id="split-comments-errors"' in response.content.decode()
    cluster.refresh_from_db()
    assert not cluster.locked and cluster.size == 2
    assert CampaignCluster.objects.filter(consultation=consultation).count() == 1


def test_split_or_answer_of_a_cluster_the_job_replaced_meanwhile_is_refused(
    consultation, secretariat
):
    comments = copies(consultation, 3)
    run_job(consultation)
    stale = CampaignCluster.objects.get(consultation=consultation)
    run_job(consultation)  # replaces the unlocked cluster
    with pytest.raises(ValidationError, match="rebuilt the clusters"):
        cluster_services.cluster_split(actor=secretariat, cluster=stale, comments=comments[:1])
    with pytest.raises(ValidationError, match="rebuilt the clusters"):
        cluster_services.cluster_answer(actor=secretariat, cluster=stale, status=Status.ACCEPTED)
    assert not ClusterAnswer.objects.exists() and not DispositionEntry.objects.exists()


# --- answer once -----------------------------------------------------------------


def test_answer_once_publishes_one_entry_per_member_linked_to_the_answer(
    client, consultation, secretariat, mailoutbox, django_capture_on_commit_callbacks
):
    comments = copies(consultation, 3)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"action": "publish", "status": Status.NOT_ACCEPTED, "rationale": "Out of mandate."},
        )
    assert response.status_code == 302
    answer = ClusterAnswer.objects.get(cluster=cluster)
    entries = list(DispositionEntry.objects.filter(consultation=consultation))
    assert sorted(e.comment_id for e in entries) == sorted(c.pk for c in comments)
    assert {e.cluster_answer_id for e in entries} == {answer.pk}
    assert {(e.status, e.rationale) for e in entries} == {(Status.NOT_ACCEPTED, "Out of mandate.")}
    assert PublicationBatch.objects.filter(consultation=consultation).count() == 1
    assert len(mailoutbox) == 3  # one digest per commenter
    assert chain.verify(selectors.ledger_chain(consultation=consultation)) == []
    cluster.refresh_from_db()
    assert cluster.locked
    page = client.get(url).content.decode()
    assert "3 ledger entries" in page
    ledger = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert ledger.count(f"answered with cluster {cluster.pk}") == 3


def test_answer_once_reports_members_whose_decision_forbids_it(client, consultation, secretariat):
    comments = copies(consultation, 3)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    feedback_services.disposition_record(
        actor=secretariat, comment=comments[1], status=Status.ACCEPTED, publish=True
    )
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    response = client.post(url, {"action": "publish", "status": Status.NOTED}, follow=True)
    page = response.content.decode()
    assert f"Not recorded for {comments[1].receipt}" in page
    noted = DispositionEntry.objects.filter(status=Status.NOTED)
    assert sorted(noted.values_list("comment_id", flat=True)) == [comments[0].pk, comments[2].pk]
    assert chain.verify(selectors.ledger_chain(consultation=consultation)) == []


def test_duplicate_answer_points_at_the_representative_and_reports_it(consultation, secretariat):
    comments = copies(consultation, 3)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    result = cluster_services.cluster_answer(
        actor=secretariat,
        cluster=cluster,
        status=Status.DUPLICATE,
        rationale="Same text as the campaign's first copy.",
        publish=True,
    )
    assert [receipt for receipt, _why in result.refused] == [comments[0].receipt]
    assert set(
        DispositionEntry.objects.values_list("comment_id", "duplicate_of_id", "cluster_answer_id")
    ) == {(c.pk, comments[0].pk, result.answer.pk) for c in comments[1:]}


def test_drafted_answer_is_published_later_with_its_link(client, consultation, secretariat):
    copies(consultation, 2)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    client.post(url, {"action": "draft", "status": Status.ACCEPTED})
    answer = ClusterAnswer.objects.get(cluster=cluster)
    assert DispositionDraft.objects.filter(cluster_answer=answer).count() == 2
    assert not DispositionEntry.objects.exists()
    # The ordinary publication (the triage list's "publish all drafts").
    feedback_services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
    assert DispositionEntry.objects.filter(cluster_answer=answer).count() == 2
    assert chain.verify(selectors.ledger_chain(consultation=consultation)) == []


def test_answer_refused_for_every_member_or_without_rationale_writes_nothing(
    client, consultation, secretariat
):
    comments = copies(consultation, 2)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    response = client.post(url, {"action": "publish", "status": Status.NOT_ACCEPTED})
    assert response.status_code == 200
    assert "needs a rationale" in response.content.decode()
    for comment in comments:
        feedback_services.disposition_record(
            actor=secretariat, comment=comment, status=Status.ACCEPTED, publish=True
        )
    response = client.post(url, {"action": "publish", "status": Status.NOTED})
    assert "No member of this cluster can take this decision" in response.content.decode()
    assert not ClusterAnswer.objects.exists()
    assert DispositionEntry.objects.count() == 2
    cluster.refresh_from_db()
    assert not cluster.locked


# --- who may do what -------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "participant", "moderator", "other_secretariat"])
def test_only_secretariat_and_analysts_open_the_cluster_pages(
    client, consultation, stakeholder, moderator, other_secretariat, who
):
    copies(consultation, 2)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    user = {
        "anonymous": None,
        "participant": stakeholder,
        "moderator": moderator,
        "other_secretariat": other_secretariat,
    }[who]
    if user:
        client.force_login(user)
    for url in (
        reverse("staff_clusters", args=[consultation.slug]),
        reverse("staff_cluster", args=[consultation.slug, cluster.pk]),
    ):
        response = client.get(url)
        assert response.status_code == (302 if user is None else 403), url
        response = client.post(url, {"action": "publish", "status": Status.ACCEPTED})
        assert response.status_code == (302 if user is None else 403), url
    assert not ClusterAnswer.objects.exists()
    assert not DispositionEntry.objects.exists()


def test_analyst_sees_clusters_without_forms_and_cannot_answer_or_split(
    client, consultation, analyst
):
    comments = copies(consultation, 2)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(analyst)
    listing = client.get(reverse("staff_clusters", args=[consultation.slug]))
    assert listing.status_code == 200
    assert comments[0].receipt in listing.content.decode()
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    page = client.get(url).content.decode()
    assert "Answer this cluster once" not in page and "Recluster now" not in page
    response = client.post(url, {"action": "publish", "status": Status.ACCEPTED})
    assert response.status_code == 403
    response = client.post(
        url, {"action": "split", "comments": [comments[0].pk], "into": "singletons"}
    )
    assert response.status_code == 403
    cluster.refresh_from_db()
    assert not cluster.locked and not ClusterAnswer.objects.exists()


# --- lists cost a constant number of queries ----------------------------------------


def bulk_campaigns(consultation, clusters: int, size: int) -> None:
    """Set-up only: ``clusters`` campaigns of ``size`` copies, inserted directly."""
    author = ParticipantFactory().user
    round_ = consultation.rounds.get()
    Comment.objects.bulk_create(
        Comment(
            receipt=new_receipt(),
            consultation=consultation,
            round=round_,
            author=author,
            body=f"{campaign_text(n)} {'?' * copy}",
            body_html="<p>copy</p>",
        )
        for n in range(clusters)
        for copy in range(size)
    )


@pytest.mark.parametrize("clusters", [2, 12])
def test_cluster_list_query_count_is_constant(
    client, consultation, secretariat, django_assert_num_queries, clusters
):
    bulk_campaigns(consultation, clusters, 3)
    run_job(consultation)
    assert CampaignCluster.objects.filter(consultation=consultation).count() == clusters
    client.force_login(secretariat)
    url = reverse("staff_clusters", args=[consultation.slug])
    client.get(url)  # warm up sessions and permission caches
    # session, user, consultation, 2 + 2 permission checks (view, decide), count, page,
    # submission counts, the representatives' co-signatures (issue 25), the header's Staff link
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('href="/staff/c/') >= clusters


@pytest.mark.parametrize("size", [2, 15])
def test_cluster_page_query_count_is_constant(
    client, consultation, secretariat, django_assert_num_queries, size
):
    bulk_campaigns(consultation, 1, size)
    run_job(consultation)
    cluster = CampaignCluster.objects.get(consultation=consultation)
    client.force_login(secretariat)
    url = reverse("staff_cluster", args=[consultation.slug, cluster.pk])
    client.get(url)
    # session, user, consultation, 2 + 2 permission checks, cluster, member count and
    # page (with current statuses), saved rationales, answers, the representative's
    # co-signatures (issue 25), the header's Staff link
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.content.decode().count('name="comments"') == size


# --- public counts and the API ------------------------------------------------------


def test_public_pages_show_submissions_and_distinct_counts(
    client, consultation, django_assert_num_queries
):
    copies(consultation, 3)
    say(consultation, campaign_text(1))
    say(consultation, campaign_text(1).upper())
    say(consultation, UNRELATED)
    run_job(consultation)
    # 6 submissions; 3 + 2 copies count as 2 distinct texts, plus the unrelated one.
    with django_assert_num_queries(1):
        counts = cluster_selectors.submission_counts(consultation=consultation)
    assert (counts.submissions, counts.distinct) == (6, 3)
    # Issue 22: in plain words, and the same number as the public comments (a private
    # comment is not counted); compared with a direct count.
    comment_services.comment_create(
        actor=ParticipantFactory().user,
        consultation=consultation,
        section_key="1-purpose-1",
        body="A private thought.",
        visibility="private",
    )
    direct = Comment.objects.filter(
        consultation=consultation, visibility="public", withdrawn_at__isnull=True
    ).count()
    assert cluster_selectors.submission_counts(consultation=consultation).submissions == direct
    for url in (
        reverse("consultation", args=[consultation.slug]),
        reverse("ledger", args=[consultation.slug]),
    ):
        page = client.get(url).content.decode()
        assert f"{direct} public comments." in page, url
        assert (
            "3 of them repeat the text of a campaign; counting each campaign once, "
            "that makes 3 different comments."
        ) in page, url
        assert "submissions," not in page, url


def test_api_lists_clusters_to_the_secretariat(client, consultation, secretariat):
    comments = copies(consultation, 3)
    run_job(consultation)
    client.force_login(secretariat)
    response = client.get(f"/api/v1/consultations/{consultation.slug}/clusters/")
    assert response.status_code == 200
    [cluster] = response.json()["results"]
    assert cluster["size"] == 3
    assert cluster["representative"] == comments[0].receipt
    assert cluster["locked"] is False and cluster["answered"] is False
