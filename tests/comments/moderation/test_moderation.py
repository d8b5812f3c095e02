"""Moderation: flags, the queue, hide/restore/dismiss/approve, pre-moderation, blocks, mail."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments.models import Comment, ConsultationBlock, Flag, ModerationAction
from comments.moderation import services as moderation
from comments.moderation.selectors import moderation_counts
from comments.tasks import send_moderation_notice
from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from plenary.audit.models import AuditEvent
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

TEXT = "Public bodies should sell their data to the highest bidder."


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body=TEXT
    )


def _thread(client, consultation, key="1-purpose-2") -> str:
    return client.get(reverse("section", args=[consultation.slug, key])).content.decode()


# --- flags -----------------------------------------------------------------------------


def test_participant_can_report_a_comment_through_the_page(client, comment, other_stakeholder):
    client.force_login(other_stakeholder)
    page = client.get(reverse("receipt_flag", args=[comment.receipt])).content.decode()
    assert 'name="reason"' in page and TEXT in page
    response = client.post(
        reverse("receipt_flag", args=[comment.receipt]),
        {"reason": "spam", "note": "Advertises a data broker."},
    )
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert (flag.comment, flag.flagged_by, flag.reason) == (comment, other_stakeholder, "spam")
    assert flag.note == "Advertises a data broker." and flag.resolved_at is None


def test_the_thread_offers_a_report_link_but_not_to_the_author(
    client, consultation, comment, stakeholder, other_stakeholder
):
    link = reverse("receipt_flag", args=[comment.receipt])
    client.force_login(other_stakeholder)
    assert link in _thread(client, consultation)
    client.force_login(stakeholder)
    assert link not in _thread(client, consultation)


def test_a_second_open_report_by_the_same_person_is_refused(client, comment, other_stakeholder):
    client.force_login(other_stakeholder)
    url = reverse("receipt_flag", args=[comment.receipt])
    client.post(url, {"reason": "spam"})
    response = client.post(url, {"reason": "harassment"})
    assert response.status_code == 200
    assert "You have already reported this comment" in response.content.decode()
    assert Flag.objects.count() == 1


def test_a_second_open_report_over_the_api_is_a_400(api, comment, other_stakeholder):
    api.force_authenticate(other_stakeholder)
    url = f"/api/v1/comments/{comment.receipt}/flags/"
    assert api.post(url, {"reason": "spam"}, format="json").status_code == 201
    response = api.post(url, {"reason": "spam"}, format="json")
    assert response.status_code == 400
    assert "already reported" in response.json()["comment"][0]
    assert Flag.objects.count() == 1


def test_after_a_decision_the_same_person_may_report_again(comment, other_stakeholder, moderator):
    moderation.flag_create(actor=other_stakeholder, comment=comment, reason="spam")
    moderation.comment_flags_dismiss(actor=moderator, comment=comment, reason="Not spam.")
    moderation.flag_create(actor=other_stakeholder, comment=comment, reason="off_topic")
    assert Flag.objects.filter(resolved_at__isnull=True).count() == 1


def test_author_cannot_report_their_own_comment(api, comment, stakeholder):
    api.force_authenticate(stakeholder)
    response = api.post(
        f"/api/v1/comments/{comment.receipt}/flags/", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 403
    assert "own comment" in response.json()["detail"]
    assert not Flag.objects.exists()


def test_a_report_needs_a_known_reason(api, comment, other_stakeholder):
    api.force_authenticate(other_stakeholder)
    response = api.post(
        f"/api/v1/comments/{comment.receipt}/flags/", {"reason": "boring"}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    assert not Flag.objects.exists()


def test_nobody_can_report_a_private_comment_they_cannot_read(
    api, consultation, stakeholder, other_stakeholder
):
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Our budget.",
        visibility=Comment.Visibility.PRIVATE,
    )
    api.force_authenticate(other_stakeholder)
    response = api.post(
        f"/api/v1/comments/{private.receipt}/flags/", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 403
    assert not Flag.objects.exists()


# --- the queue ---------------------------------------------------------------------------


def _flag_many(consultation, author, flaggers, n: int) -> list[Comment]:
    comments = [
        comment_services.comment_create(
            actor=author, consultation=consultation, section_key="2-scope-1", body=f"Spam {i}"
        )
        for i in range(n)
    ]
    Flag.objects.bulk_create(
        Flag(comment=c, flagged_by=flagger, reason="spam") for c in comments for flagger in flaggers
    )
    return comments


def test_queue_lists_reported_and_pending_comments_oldest_first(
    client, consultation, comment, stakeholder, other_stakeholder, moderator
):
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        moderation.flag_create(actor=other_stakeholder, comment=comment, reason="harassment")
    consult_services.consultation_update(
        actor=consultation.created_by,
        consultation=consultation,
        title=consultation.title,
        summary=consultation.summary,
        goals=consultation.goals,
        ground_rules=consultation.ground_rules,
        premoderate_first=1,
    )
    consultation.refresh_from_db()
    newcomer = ParticipantFactory(display_name="Newcomer").user
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        pending = comment_services.comment_create(
            actor=newcomer, consultation=consultation, section_key="2-scope-1", body="First post."
        )
    client.force_login(moderator)
    page = client.get(reverse("staff_moderation", args=[consultation.slug])).content.decode()
    assert page.index(comment.receipt) < page.index(pending.receipt)
    assert "harassment or abuse" in page and "1 report" in page
    assert "awaiting approval" in page and "First post." in page


def test_queue_costs_the_same_queries_for_3_and_30_reported_comments(
    client, consultation, stakeholder, other_stakeholder, moderator
):
    flaggers = [other_stakeholder, ParticipantFactory().user]
    client.force_login(moderator)
    url = reverse("staff_moderation", args=[consultation.slug])
    counts = []
    for n in (3, 22):  # 25 on a page: 3, then a full page
        _flag_many(consultation, stakeholder, flaggers, n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert response.content.decode().count('class="comment moderation-item"') == 25


def test_analyst_cannot_open_the_queue(client, consultation, secretariat):
    from consult.models import Role

    analyst = ParticipantFactory().user
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=analyst, role=Role.ANALYST
    )
    client.force_login(analyst)
    assert client.get(reverse("staff_moderation", args=[consultation.slug])).status_code == 403


# --- hide, restore, dismiss -------------------------------------------------------------


def test_hiding_needs_a_reason_and_changes_nothing_without_one(client, comment, moderator):
    client.force_login(moderator)
    response = client.post(
        reverse("staff_moderate_comment", args=[comment.receipt]), {"action": "hide", "reason": " "}
    )
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    comment.refresh_from_db()
    assert comment.moderation == "visible"
    assert (
        not ModerationAction.objects.exists()
        and not AuditEvent.objects.filter(event="moderation_action").exists()
    )


def test_hide_resolves_the_open_flags_records_the_action_and_audits(
    comment, other_stakeholder, moderator
):
    first = moderation.flag_create(actor=other_stakeholder, comment=comment, reason="spam")
    action = moderation.comment_hide(actor=moderator, comment=comment, reason="Advertising.")
    comment.refresh_from_db()
    assert (comment.moderation, comment.moderation_reason) == ("hidden", "Advertising.")
    first.refresh_from_db()
    assert first.resolved_by_action == action and first.resolved_at is not None
    assert (action.actor, action.action, action.reason) == (moderator, "hide", "Advertising.")
    event = AuditEvent.objects.get(event="moderation_action")
    assert event.actor == moderator and event.target == comment.receipt
    assert event.detail["action"] == "hide" and event.detail["flags_resolved"] == 1


def test_hidden_comment_shows_a_placeholder_with_the_reason_in_the_thread(
    client, consultation, comment, other_stakeholder, moderator
):
    reply = comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, parent=comment, body="I disagree."
    )
    moderation.comment_hide(actor=moderator, comment=comment, reason="Personal attack.")
    page = _thread(client, consultation)
    assert "Hidden by a moderator: Personal attack." in page
    assert TEXT not in page and "Wanjiru" not in page
    assert "I disagree." in page and reply.receipt in page  # the reply keeps its context
    api = client.get(f"/api/v1/comments/{comment.receipt}/").json()
    assert api["moderation"] == "hidden" and api["body"] is None


def test_hidden_comment_is_marked_in_the_ledger_and_its_exports(
    client, consultation, comment, moderator
):
    moderation.comment_hide(actor=moderator, comment=comment, reason="Personal attack.")
    page = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert comment.receipt in page and "hidden by a moderator" in page and TEXT not in page
    csv = b"".join(
        client.get(f"/api/v1/consultations/{consultation.slug}/ledger.csv").streaming_content
    )
    assert comment.receipt.encode() in csv and TEXT.encode() not in csv


def test_restore_shows_the_comment_again(client, consultation, comment, moderator):
    moderation.comment_hide(actor=moderator, comment=comment, reason="Mistake?")
    moderation.comment_restore(actor=moderator, comment=comment, reason="It was fair comment.")
    comment.refresh_from_db()
    assert (comment.moderation, comment.moderation_reason) == ("visible", "")
    assert TEXT in _thread(client, consultation)


def test_restoring_a_visible_comment_is_refused(api, comment, moderator):
    api.force_authenticate(moderator)
    response = api.post(
        f"/api/v1/comments/{comment.receipt}/moderation/",
        {"action": "restore", "reason": "Why not."},
        format="json",
    )
    assert response.status_code == 400 and "hidden" in response.json()["action"][0]
    assert not ModerationAction.objects.exists()


def test_dismiss_resolves_flags_and_keeps_the_comment(comment, other_stakeholder, moderator):
    moderation.flag_create(actor=other_stakeholder, comment=comment, reason="off_topic")
    action = moderation.comment_flags_dismiss(actor=moderator, comment=comment, reason="On topic.")
    comment.refresh_from_db()
    assert comment.moderation == "visible"
    assert Flag.objects.get().resolved_by_action == action
    with pytest.raises(Exception, match="no open reports"):
        moderation.comment_flags_dismiss(actor=moderator, comment=comment, reason="Again.")


def test_the_author_is_told_once_per_action(
    comment, moderator, stakeholder, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action = moderation.comment_hide(
            actor=moderator, comment=comment, reason="Personal attack."
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [stakeholder.email]
    assert comment.receipt in message.subject and "Personal attack." in message.body
    send_moderation_notice.apply(kwargs={"action_id": action.pk})  # a retried task
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        moderation.comment_restore(actor=moderator, comment=comment, reason="Reconsidered.")
    assert len(mail.outbox) == 2 and "Reconsidered." in mail.outbox[1].body


def test_moderation_actions_are_append_only(comment, moderator):
    action = moderation.comment_hide(actor=moderator, comment=comment, reason="Spam.")
    action.reason = "Something else"
    with pytest.raises(TypeError):
        action.save()
    with pytest.raises(TypeError):
        action.delete()
    with pytest.raises(TypeError):
        ModerationAction.objects.filter(pk=action.pk).update(reason="x")
    with pytest.raises(TypeError):
        ModerationAction.objects.filter(pk=action.pk).delete()
    assert ModerationAction.objects.get(pk=action.pk).reason == "Spam."


# --- pre-moderation -----------------------------------------------------------------------


@pytest.fixture
def premoderated(consultation):
    consultation.premoderate_first = 1
    consultation.save(update_fields=["premoderate_first"])
    return consultation


def test_first_comment_waits_for_approval_and_others_do_not_see_it(
    client,
    premoderated,
    stakeholder,
    other_stakeholder,
    moderator,
    django_capture_on_commit_callbacks,
):
    client.force_login(stakeholder)
    response = client.post(
        reverse("section", args=[premoderated.slug, "1-purpose-2"]),
        {"body": "My first comment.", "visibility": "public"},
    )
    assert response.status_code == 302
    pending = Comment.objects.get(author=stakeholder)
    assert pending.moderation == "pending"
    mine = _thread(client, premoderated)
    assert "My first comment." in mine and "awaiting moderation" in mine

    client.force_login(other_stakeholder)
    assert "My first comment." not in _thread(client, premoderated)
    listed = client.get(f"/api/v1/consultations/{premoderated.slug}/comments/").json()
    assert pending.receipt not in str(listed)
    assert client.get(f"/api/v1/comments/{pending.receipt}/").json()["body"] is None
    receipt_page = client.get(reverse("receipt", args=[pending.receipt])).content.decode()
    assert "awaits moderation" in receipt_page and "My first comment." not in receipt_page
    client.logout()
    assert "My first comment." not in _thread(client, premoderated)

    with django_capture_on_commit_callbacks(execute=True):
        moderation.comment_approve(actor=moderator, comment=pending, reason="Welcome.")
    assert "My first comment." in _thread(client, premoderated)
    assert any("approved" in m.subject for m in mail.outbox)


def test_after_enough_approvals_comments_are_shown_at_once(premoderated, stakeholder, moderator):
    first = comment_services.comment_create(
        actor=stakeholder, consultation=premoderated, section_key="1-purpose-2", body="One."
    )
    second = comment_services.comment_create(
        actor=stakeholder, consultation=premoderated, section_key="1-purpose-2", body="Two."
    )
    assert (first.moderation, second.moderation) == ("pending", "pending")
    moderation.comment_approve(actor=moderator, comment=first, reason="Fine.")
    third = comment_services.comment_create(
        actor=stakeholder, consultation=premoderated, section_key="1-purpose-2", body="Three."
    )
    assert third.moderation == "visible"


def test_moderators_are_not_pre_moderated(premoderated, moderator):
    own = comment_services.comment_create(
        actor=moderator, consultation=premoderated, section_key="1-purpose-2", body="Note."
    )
    assert own.moderation == "visible"


def test_without_pre_moderation_comment_create_asks_nothing_more(consultation, stakeholder):
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Warm-up."
    )
    with CaptureQueriesContext(connection) as queries:
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hi."
        )
    assert not [q for q in queries if "moderationaction" in q["sql"]]
    assert len([q for q in queries if "consultationblock" in q["sql"]]) == 1


def test_code_of_conduct_is_edited_by_the_secretariat_and_shown(
    client, consultation, secretariat, stakeholder
):
    ParticipantFactory(user=secretariat)
    client.force_login(secretariat)
    response = client.post(
        reverse("staff_consultation", args=[consultation.slug]),
        {
            "title": consultation.title,
            "summary": consultation.summary,
            "goals": consultation.goals,
            "ground_rules": consultation.ground_rules,
            "code_of_conduct": "No personal attacks.",
            "premoderate_first": "2",
        },
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert (consultation.code_of_conduct, consultation.premoderate_first) == (
        "No personal attacks.",
        2,
    )
    page = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert 'id="code-of-conduct"' in page and "No personal attacks." in page
    client.force_login(stakeholder)  # the comment form links to it
    assert "#code-of-conduct" in _thread(client, consultation)
    other = comment_services.comment_create(
        actor=secretariat, consultation=consultation, section_key="1-purpose-2", body="Note."
    )
    flag_page = client.get(reverse("receipt_flag", args=[other.receipt])).content.decode()
    assert "#code-of-conduct" in flag_page  # and so does the report form


# --- blocks ------------------------------------------------------------------------------------


def test_blocked_participant_is_refused_everywhere_with_the_reason(
    client,
    api,
    consultation,
    comment,
    stakeholder,
    other_stakeholder,
    moderator,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.participant_block(
            actor=moderator,
            consultation=consultation,
            user=stakeholder,
            reason="Repeated personal attacks.",
            comment=comment,
        )
    assert any("blocked" in m.subject for m in mail.outbox)
    before = Comment.objects.count(), Flag.objects.count()
    client.force_login(stakeholder)
    response = client.post(
        reverse("section", args=[consultation.slug, "1-purpose-2"]),
        {"body": "Let me in.", "visibility": "public"},
    )
    assert response.status_code == 403
    assert "Repeated personal attacks." in response.content.decode()
    api.force_authenticate(stakeholder)
    response = api.post(
        f"/api/v1/consultations/{consultation.slug}/comments/",
        {"section": "1-purpose-2", "body": "Let me in."},
        format="json",
    )
    assert response.status_code == 403
    assert "blocked" in response.json()["detail"]
    reply_to = comment_services.comment_create(
        actor=other_stakeholder, consultation=consultation, section_key="1-purpose-2", body="Hm."
    )
    response = api.post(
        f"/api/v1/comments/{reply_to.receipt}/flags/", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 403
    assert (Comment.objects.count() - 1, Flag.objects.count()) == before
    if hasattr(comment_services, "comment_edit"):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            comment_services.comment_edit(actor=stakeholder, comment=comment, body="Edited.")


def test_block_from_the_queue_list_and_unblock(
    client, consultation, comment, stakeholder, moderator
):
    client.force_login(moderator)
    response = client.post(
        reverse("staff_moderate_comment", args=[comment.receipt]),
        {
            "action": "block",
            "reason": "Spam again.",
            "next": reverse("staff_moderation", args=[consultation.slug]),
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("staff_moderation", args=[consultation.slug])
    block = ConsultationBlock.objects.get(lifted_at__isnull=True)
    assert block.user == stakeholder
    listing = client.get(reverse("staff_blocks", args=[consultation.slug])).content.decode()
    assert "Wanjiru" in listing and "Spam again." in listing
    unblock = reverse("staff_unblock", args=[consultation.slug, block.pk])
    refused = client.post(unblock, {"reason": ""})
    assert refused.status_code == 400 and "Give a reason" in refused.content.decode()
    assert client.post(unblock, {"reason": "Apologised."}).status_code == 302
    block.refresh_from_db()
    assert block.lifted_at is not None
    assert list(
        ModerationAction.objects.filter(subject=stakeholder).values_list("action", flat=True)
    ) == ["block", "unblock"]
    comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="1-purpose-2", body="Back."
    )


def test_the_team_cannot_be_blocked(api, consultation, secretariat, moderator):
    ParticipantFactory(user=secretariat)
    own = comment_services.comment_create(
        actor=secretariat, consultation=consultation, section_key="1-purpose-2", body="Note."
    )
    api.force_authenticate(moderator)
    response = api.post(
        f"/api/v1/consultations/{consultation.slug}/blocks/",
        {"comment": own.receipt, "reason": "Test."},
        format="json",
    )
    assert response.status_code == 400
    assert not ConsultationBlock.objects.exists()


def test_blocks_list_over_the_api_is_for_moderators(
    api, consultation, comment, stakeholder, moderator
):
    moderation.participant_block(
        actor=moderator, consultation=consultation, user=stakeholder, reason="Spam."
    )
    url = f"/api/v1/consultations/{consultation.slug}/blocks/"
    api.force_authenticate(stakeholder)
    assert api.get(url).status_code == 403
    api.force_authenticate(moderator)
    body = api.get(url).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["participant"], r["reason"]) for r in rows] == [("Wanjiru", "Spam.")]


def test_a_hidden_comment_is_found_from_the_queue_and_restored_through_the_page(
    client, consultation, comment, moderator
):
    moderation.comment_hide(actor=moderator, comment=comment, reason="Looked like spam.")
    client.force_login(moderator)
    queue = reverse("staff_moderation", args=[consultation.slug])
    page = client.get(queue).content.decode()
    assert "Recently hidden" in page and "Looked like spam." in page
    found = client.get(queue, {"receipt": comment.receipt.lower()})
    assert found.url == reverse("staff_moderate_comment", args=[comment.receipt])
    assert (
        "No comment of this consultation"
        in client.get(queue, {"receipt": "00000-00000"}, follow=True).content.decode()
    )
    moderate = client.get(found.url).content.decode()
    assert 'value="restore"' in moderate and 'value="hide"' not in moderate
    response = client.post(found.url, {"action": "restore", "reason": "It was not spam."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.moderation == "visible"
    history = client.get(found.url).content.decode()
    assert "Looked like spam." in history and "It was not spam." in history


# --- the counts ------------------------------------------------------------------------


def test_the_queue_counts_only_comments_with_an_open_report(
    client, consultation, stakeholder, other_stakeholder, moderator
):
    """Issue 22: "76 reported comments" with no report at all (a condition over a LEFT JOIN
    counted every comment without flags).  Compared with a direct count of open flags."""
    quiet = [
        comment_services.comment_create(
            actor=stakeholder, consultation=consultation, section_key="2-scope-1", body=f"Fine {i}"
        )
        for i in range(3)
    ]
    assert moderation_counts(consultation=consultation)["flagged"] == 0
    reported = _flag_many(consultation, stakeholder, [other_stakeholder, moderator], 2)
    dismissed = quiet[0]
    moderation.flag_create(actor=other_stakeholder, comment=dismissed, reason="spam")
    moderation.comment_flags_dismiss(actor=moderator, comment=dismissed, reason="Not spam.")
    direct = (
        Comment.objects.filter(consultation=consultation, flags__resolved_at__isnull=True)
        .filter(flags__isnull=False)
        .distinct()
        .count()
    )
    counts = moderation_counts(consultation=consultation)
    assert counts["flagged"] == direct == len(reported) == 2
    client.force_login(moderator)
    page = client.get(reverse("staff_moderation", args=[consultation.slug])).content.decode()
    assert "2 reported comments" in page
