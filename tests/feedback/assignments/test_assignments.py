"""Assignments (feedback/assignments/services.py) and the drafter role
(feedback.permissions.can_draft): services, pages and the API, on the real database."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from comments.models import Comment
from comments.threads import services as comment_services
from feedback import permissions
from feedback.assignments import selectors, services
from feedback.assignments.services import Scope
from feedback.ledger import services as ledger_services
from feedback.models import (
    Assignment,
    AssignmentChange,
    CampaignCluster,
    CampaignMember,
    DispositionDraft,
    DispositionEntry,
    Status,
)
from feedback.themes import services as theme_services
from plenary.audit.models import AuditEvent, Event
from tests.consult.factories import open_consultation

pytestmark = pytest.mark.django_db


def _comments(consultation, author, n, section_key="1-purpose-2"):
    return [
        comment_services.comment_create(
            actor=author, consultation=consultation, section_key=section_key, body=f"Point {i}."
        )
        for i in range(n)
    ]


def _state():
    return (
        sorted(Assignment.objects.values_list("comment_id", "assignee_id")),
        AssignmentChange.objects.count(),
        AuditEvent.objects.filter(event=Event.ASSIGNMENT_CHANGED).count(),
    )


# --- services ------------------------------------------------------------------------


def test_secretariat_assigns_a_selection_with_history_and_one_audit_event(
    consultation, secretariat, drafter, stakeholder
):
    first, second, _third = _comments(consultation, stakeholder, 3)
    n = services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=[first, second]),
    )
    assert n == 2
    assert set(Assignment.objects.values_list("comment_id", "assignee_id")) == {
        (first.pk, drafter.pk),
        (second.pk, drafter.pk),
    }
    changes = list(AssignmentChange.objects.order_by("comment_id"))
    assert [(c.comment_id, c.assignee_id, c.previous_id, c.changed_by_id) for c in changes] == [
        (first.pk, drafter.pk, None, secretariat.pk),
        (second.pk, drafter.pk, None, secretariat.pk),
    ]
    event = AuditEvent.objects.get(event=Event.ASSIGNMENT_CHANGED)
    assert event.actor == secretariat
    assert event.consultation_id == consultation.pk
    assert event.target == drafter.email
    assert event.detail == {"action": "assign", "count": 2, "comments": 2}


def test_assign_a_whole_section(consultation, secretariat, drafter, stakeholder):
    purpose = _comments(consultation, stakeholder, 3, "1-purpose-2")
    _comments(consultation, stakeholder, 2, "2-scope-1")
    n = services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(section_key="1-purpose-2"),
    )
    assert n == 3
    assert set(Assignment.objects.values_list("comment_id", flat=True)) == {c.pk for c in purpose}
    assert AuditEvent.objects.get(event=Event.ASSIGNMENT_CHANGED).detail["section"] == (
        "1-purpose-2"
    )


def test_assign_a_theme(consultation, secretariat, drafter, stakeholder):
    comments = _comments(consultation, stakeholder, 4)
    theme = theme_services.theme_create(actor=secretariat, consultation=consultation, name="Cost")
    theme_services.theme_tag(actor=secretariat, theme=theme, comments=comments[:2])
    n = services.assignments_assign(
        actor=secretariat, consultation=consultation, assignee=drafter, scope=Scope.of(theme=theme)
    )
    assert n == 2
    assert set(Assignment.objects.values_list("comment_id", flat=True)) == {
        c.pk for c in comments[:2]
    }


def test_assign_a_campaign_cluster(consultation, secretariat, drafter, stakeholder):
    comments = _comments(consultation, stakeholder, 4)
    cluster = CampaignCluster.objects.create(
        consultation=consultation, representative=comments[0], size=3
    )
    for comment in comments[:3]:
        CampaignMember.objects.create(cluster=cluster, comment=comment)
    n = services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(cluster=cluster),
    )
    assert n == 3
    assert Assignment.objects.count() == 3


def test_reassign_and_unassign_keep_the_history(
    consultation, secretariat, drafter, analyst, stakeholder
):
    comments = _comments(consultation, stakeholder, 3)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=comments),
    )
    # Everything the drafter holds goes to the analyst.
    moved = services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=analyst,
        scope=Scope.of(held_by=drafter),
    )
    assert moved == 3
    assert set(Assignment.objects.values_list("assignee_id", flat=True)) == {analyst.pk}
    # Assigning again to the same person changes nothing and adds no history.
    again = services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=analyst,
        scope=Scope.of(comments=comments[:1]),
    )
    assert again == 0
    gone = services.assignments_unassign(
        actor=secretariat, consultation=consultation, scope=Scope.of(comments=comments[:1])
    )
    assert gone == 1
    history = [
        (c.previous_id, c.assignee_id) for c in selectors.assignment_history(comment=comments[0])
    ]
    assert history == [(None, drafter.pk), (drafter.pk, analyst.pk), (analyst.pk, None)]
    assert AuditEvent.objects.filter(event=Event.ASSIGNMENT_CHANGED).count() == 4


def test_a_non_member_cannot_be_assigned_and_nothing_changes(
    consultation, secretariat, drafter, stakeholder, other_stakeholder
):
    comments = _comments(consultation, stakeholder, 2)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=comments[:1]),
    )
    before = _state()
    with pytest.raises(ValidationError) as refused:
        services.assignments_assign(
            actor=secretariat,
            consultation=consultation,
            assignee=other_stakeholder,
            scope=Scope.of(comments=comments),
        )
    assert "role on this consultation" in refused.value.message_dict["assignee"][0]
    assert _state() == before


def test_bad_scopes_are_refused_by_field_and_change_nothing(
    consultation, secretariat, drafter, stakeholder, other_secretariat
):
    comments = _comments(consultation, stakeholder, 1)
    elsewhere = open_consultation(secretariat=other_secretariat, title="Elsewhere")
    foreign = _comments(elsewhere, stakeholder, 1)
    before = _state()
    cases = [
        (Scope.of(), "comments"),
        (Scope.of(comments=comments, section_key="1-purpose-2"), "comments"),
        (Scope.of(comments=comments + foreign), "comments"),
        (Scope.of(section_key="no-such-section-9"), "section"),
        (Scope.of(section_key="2-scope-1"), "comments"),  # a section nobody commented on
    ]
    for scope, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.assignments_assign(
                actor=secretariat, consultation=consultation, assignee=drafter, scope=scope
            )
        assert field in refused.value.message_dict, scope
    with pytest.raises(ValidationError):
        services.assignments_unassign(
            actor=secretariat, consultation=consultation, scope=Scope.of(comments=comments)
        )
    assert _state() == before


def test_only_the_secretariat_assigns(consultation, drafter, moderator, stakeholder):
    comments = _comments(consultation, stakeholder, 1)
    for actor in (drafter, moderator, stakeholder):
        with pytest.raises(PermissionDenied):
            services.assignments_assign(
                actor=actor,
                consultation=consultation,
                assignee=drafter,
                scope=Scope.of(comments=comments),
            )
    assert _state() == ([], 0, 0)


# --- the drafter role --------------------------------------------------------------


def test_drafter_drafts_only_on_comments_assigned_to_them(
    consultation, secretariat, drafter, stakeholder
):
    mine, other = _comments(consultation, stakeholder, 2)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=[mine]),
    )
    assert permissions.can_draft(drafter, mine)
    assert not permissions.can_draft(drafter, other)
    draft = ledger_services.disposition_draft_save(
        actor=drafter, comment=mine, status=Status.ACCEPTED, rationale="Yes."
    )
    assert draft.drafted_by == drafter
    with pytest.raises(PermissionDenied, match="assigned to you"):
        ledger_services.disposition_draft_save(
            actor=drafter, comment=other, status=Status.ACCEPTED, rationale="Yes."
        )
    assert not DispositionDraft.objects.filter(comment=other).exists()


def test_drafter_cannot_publish_and_nothing_is_written(
    consultation, secretariat, drafter, stakeholder
):
    (mine,) = _comments(consultation, stakeholder, 1)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=[mine]),
    )
    with pytest.raises(PermissionDenied):
        ledger_services.disposition_record(
            actor=drafter, comment=mine, status=Status.ACCEPTED, rationale="Yes.", publish=True
        )
    with pytest.raises(PermissionDenied):
        ledger_services.disposition_publish_drafts(actor=drafter, consultation=consultation)
    assert not DispositionDraft.objects.exists()
    assert not DispositionEntry.objects.exists()


def test_an_assigned_analyst_without_the_drafter_role_cannot_draft(
    consultation, secretariat, analyst, stakeholder
):
    (comment,) = _comments(consultation, stakeholder, 1)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=analyst,
        scope=Scope.of(comments=[comment]),
    )
    assert not permissions.can_draft(analyst, comment)
    with pytest.raises(PermissionDenied):
        ledger_services.disposition_draft_save(actor=analyst, comment=comment, status=Status.NOTED)


def test_drafter_pages(client, consultation, secretariat, drafter, stakeholder):
    mine, other = _comments(consultation, stakeholder, 2)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=[mine]),
    )
    client.force_login(drafter)
    queue = client.get(reverse("staff_my_queue", args=[consultation.slug]))
    assert queue.status_code == 200
    assert mine.receipt in queue.content.decode()
    assert other.receipt not in queue.content.decode()
    page = client.get(reverse("staff_decide", args=[mine.receipt]))
    assert page.status_code == 200
    assert b'name="publish"' not in page.content  # the flag: no publish button
    assert client.get(reverse("staff_decide", args=[other.receipt])).status_code == 403
    assert client.get(reverse("staff_workload", args=[consultation.slug])).status_code == 403
    assert client.get(reverse("staff_team", args=[consultation.slug])).status_code == 403
    assert client.get(reverse("staff_moderation", args=[consultation.slug])).status_code == 403
    saved = client.post(
        reverse("staff_decide", args=[mine.receipt]),
        {"status": Status.ACCEPTED, "rationale": "Agreed.", "draft": "1"},
    )
    assert saved.status_code == 302
    assert DispositionDraft.objects.get(comment=mine).drafted_by == drafter
    refused = client.post(
        reverse("staff_decide", args=[mine.receipt]),
        {"status": Status.ACCEPTED, "rationale": "Agreed twice.", "publish": "1"},
    )
    assert refused.status_code == 403
    assert not DispositionEntry.objects.exists()
    assert DispositionDraft.objects.get(comment=mine).rationale == "Agreed."
    # Triage is read-only for a drafter: no assigning form, no bulk decision.
    triage = client.get(reverse("staff_triage", args=[consultation.slug]))
    assert triage.status_code == 200
    assert b'name="assign_action"' not in triage.content
    assert b'name="action"' not in triage.content


def test_secretariat_assigns_through_triage_without_javascript(
    client, consultation, secretariat, drafter, stakeholder
):
    comments = _comments(consultation, stakeholder, 3)
    client.force_login(secretariat)
    url = reverse("staff_triage", args=[consultation.slug]) + "?status=all"
    response = client.post(
        url,
        {
            "assign_action": "assign",
            "comments": [c.receipt for c in comments[:2]],
            "assignee": drafter.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url  # the filters survive
    assert Assignment.objects.filter(assignee=drafter).count() == 2
    everything = client.post(
        url, {"assign_action": "assign_all", "section": "1-purpose-2", "assignee": drafter.pk}
    )
    assert everything.status_code == 302
    assert Assignment.objects.filter(assignee=drafter).count() == 3
    # A stranger in the select is refused beside the field; nothing changes.
    refused = client.post(
        url,
        {"assign_action": "assign", "comments": [comments[0].receipt], "assignee": stakeholder.pk},
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    workload = client.get(reverse("staff_workload", args=[consultation.slug]))
    assert workload.status_code == 200
    assert drafter.email in workload.content.decode()


def test_workload_counts(consultation, secretariat, drafter, stakeholder, settings):
    settings.PLENARY_RESPONSE_TARGET_DAYS = 0  # every undecided comment is overdue
    comments = _comments(consultation, stakeholder, 4)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=comments),
    )
    ledger_services.disposition_draft_save(
        actor=drafter, comment=comments[0], status=Status.ACCEPTED, rationale="Yes."
    )
    ledger_services.disposition_record(
        actor=secretariat, comment=comments[1], status=Status.NOTED, publish=True
    )
    (row,) = selectors.workload(consultation=consultation)
    assert (row.email, row.assigned, row.drafted, row.published, row.overdue) == (
        drafter.email,
        4,
        1,
        1,
        3,
    )


# --- "my queue": awaiting first, and its queries do not grow ---------------------------


def test_my_queue_puts_what_awaits_a_draft_first(consultation, secretariat, drafter, stakeholder):
    first, second, third = _comments(consultation, stakeholder, 3)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=[first, second, third]),
    )
    ledger_services.disposition_draft_save(
        actor=drafter, comment=first, status=Status.ACCEPTED, rationale="Yes."
    )
    ledger_services.disposition_record(
        actor=secretariat, comment=second, status=Status.NOTED, publish=True
    )
    order = list(selectors.my_queue(consultation=consultation, user=drafter))
    assert [c.pk for c in order] == [third.pk, first.pk, second.pk]


@pytest.mark.parametrize("size", [3, 30])
def test_my_queue_page_queries_do_not_grow(
    size, client, consultation, secretariat, drafter, stakeholder, django_assert_max_num_queries
):
    comments = _comments(consultation, stakeholder, size)
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=comments),
    )
    client.force_login(drafter)
    url = reverse("staff_my_queue", args=[consultation.slug])
    client.get(url)  # warm the per-process caches (site data, content types)
    # Session, user, consultation, guardian's checks of the rules (two queries each: the
    # user's and the groups' permissions), the count and the page: none per row.
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="receipt"') == size


@pytest.mark.parametrize("size", [5, 50])
def test_assigning_a_section_costs_the_same_queries(
    size, consultation, secretariat, drafter, stakeholder, django_assert_max_num_queries
):
    _comments(consultation, stakeholder, size)
    with django_assert_max_num_queries(12):
        n = services.assignments_assign(
            actor=secretariat,
            consultation=consultation,
            assignee=drafter,
            scope=Scope.of(section_key="1-purpose-2"),
        )
    assert n == size == Comment.objects.filter(assignment__assignee=drafter).count()


# --- the API ---------------------------------------------------------------------------


def test_api_assign_list_and_unassign(client_for, consultation, secretariat, drafter, stakeholder):
    comments = _comments(consultation, stakeholder, 3)
    url = reverse("api-assignments", args=[consultation.slug])
    api = client_for(secretariat)
    made = api.post(url, {"assignee": drafter.email, "section": "1-purpose-2"}, format="json")
    assert made.status_code == 200, made.content
    assert made.json() == {"changed": 3}
    listed = client_for(drafter).get(url)
    assert listed.status_code == 200
    assert {row["receipt"] for row in listed.json()["results"]} == {c.receipt for c in comments}
    refused = client_for(drafter).post(
        url, {"assignee": drafter.email, "section": "1-purpose-2"}, format="json"
    )
    assert refused.status_code == 403
    bad = api.post(url, {"assignee": stakeholder.email, "section": "1-purpose-2"}, format="json")
    assert bad.status_code == 400
    assert (
        "assignee" in bad.json()["errors"] if "errors" in bad.json() else "assignee" in bad.json()
    )
    gone = api.post(url, {"assignee": None, "comments": [comments[0].receipt]}, format="json")
    assert gone.json() == {"changed": 1}
    assert Assignment.objects.count() == 2


def test_the_history_is_append_only(consultation, secretariat, drafter, stakeholder):
    services.assignments_assign(
        actor=secretariat,
        consultation=consultation,
        assignee=drafter,
        scope=Scope.of(comments=_comments(consultation, stakeholder, 1)),
    )
    change = AssignmentChange.objects.get()
    with pytest.raises(Exception, match="append-only"):
        AssignmentChange.objects.filter(pk=change.pk).delete()
    if connection.vendor != "postgresql":
        return
    for statement in (
        "UPDATE feedback_assignmentchange SET assignee_id = NULL WHERE id = %s",
        "DELETE FROM feedback_assignmentchange WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="the assignment history is append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [change.pk])
