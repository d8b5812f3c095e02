"""The secretariat's desk (feedback/desk/) and the one rule for what awaits a decision
(feedback.permissions.needs_decision_q): the team's own replies are responses."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment, UndecidedAuthorTally, UndecidedTally
from comments.moderation import services as moderation_services
from comments.offline import services as offline_services
from comments.threads import services as comment_services
from comments.threads.selectors import undecided_tally_counted, undecided_tally_held
from consult.consultations import services as consult_services
from feedback.desk.selectors import desk, desks
from feedback.ledger import selectors as ledger_selectors
from feedback.ledger import services as ledger_services
from feedback.models import DispositionDraft, DraftTally
from feedback.permissions import needs_decision_q, overdue_before
from feedback.report.selectors import front_context
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory
from tests.test_query_counts import add_comments

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SECTION = "1-purpose-1"


def comment_on(consultation, author, **kwargs):
    kwargs.setdefault("section_key", SECTION)
    return comment_services.comment_create(
        actor=author, consultation=consultation, body="A comment.", **kwargs
    )


def receipts_in(html: str) -> set[str]:
    return set(re.findall(r'href="/r/([0-9A-Z-]+)/"', html))


@pytest.fixture
def thread(secretariat, stakeholder, other_stakeholder, settings):
    """A participant's comment answered by the secretariat and a moderator; another
    participant's reply; a letter the secretariat typed in: made 12 days before T0+12."""
    settings.PLENARY_RESPONSE_TARGET_DAYS = 10
    with time_machine.travel(T0, tick=False):
        consultation = open_consultation(secretariat=secretariat, days=30)
        moderator, colleague = ParticipantFactory().user, ParticipantFactory().user
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=moderator, role="moderator"
        )
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=colleague, role="secretariat"
        )
        question = comment_on(consultation, stakeholder)
        made = {
            "question": question,
            "secretariat_reply": comment_on(consultation, colleague, parent=question),
            "moderator_reply": comment_on(consultation, moderator, parent=question),
            "participant_reply": comment_on(consultation, other_stakeholder, parent=question),
            "letter": offline_services.comment_enter(
                actor=secretariat,
                consultation=consultation,
                channel="letter",
                received_on=date(2025, 3, 3),
                submitter_name="A. Sender",
                body="By post.",
            ),
        }
    return consultation, moderator, made


INPUT = ("question", "participant_reply", "letter")


def test_team_replies_are_not_awaiting_anywhere_and_participants_are(
    client, secretariat, thread, mailoutbox
):
    consultation, _moderator, made = thread
    expected = {made[name].receipt for name in INPUT}
    with time_machine.travel(T0 + timedelta(days=12), tick=False):
        # Triage's filter and its count.
        client.force_login(secretariat)
        url = reverse("staff_triage", args=[consultation.slug])
        page = client.get(url + "?status=awaiting").content.decode()
        assert receipts_in(page) == expected
        assert receipts_in(client.get(url + "?status=overdue").content.decode()) == expected
        counts = ledger_selectors.status_counts(consultation=consultation)
        assert (counts["awaiting"], counts["responses"], counts["total"]) == (3, 2, 5)
        # The desk, the public ledger's filter, the report's counts.
        figures = desk(consultation=consultation)
        assert (figures.awaiting.awaiting, figures.awaiting.overdue) == (3, 3)
        public = ledger_selectors.ledger_filtered(
            consultation=consultation, viewer=secretariat, is_staff=True, status="awaiting"
        )
        assert {c.receipt for c in public} == expected
        statuses = {
            row.label: row.count for row in front_context(consultation=consultation)["statuses"]
        }
        assert statuses["awaiting response"] == 3
        # The daily reminder counts the same three.
        assert ledger_services.overdue_comments_remind() == 2  # two secretariat members
        assert "3 comments wait longer than 10 days" in mailoutbox[-1].subject


def test_a_role_granted_later_makes_past_replies_responses(secretariat, other_stakeholder, thread):
    consultation, _moderator, _made = thread
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=other_stakeholder, role="analyst"
    )
    assert desk(consultation=consultation).awaiting.awaiting == 2  # the question, the letter
    consult_services.consultation_role_revoke(
        actor=secretariat, consultation=consultation, user=other_stakeholder, role="analyst"
    )
    assert desk(consultation=consultation).awaiting.awaiting == 3


def test_overdue_counts_whole_days_past_the_target(secretariat, thread):
    consultation, _moderator, _made = thread
    # Made on 3 March; the target is 10 days: overdue from 14 March 00:00 UTC.
    at_13th = datetime(2025, 3, 13, 23, 59, tzinfo=UTC)
    assert desk(consultation=consultation, now=at_13th).awaiting.overdue == 0
    assert desk(consultation=consultation, now=at_13th + timedelta(minutes=1)).awaiting.overdue == 3


def test_the_desk_follows_drafts_publications_appeals_and_flags(
    secretariat, stakeholder, other_stakeholder, thread
):
    consultation, _moderator, made = thread
    ledger_services.disposition_record(
        actor=secretariat, comment=made["question"], status="accepted", publish=True
    )
    ledger_services.disposition_record(actor=secretariat, comment=made["letter"], status="noted")
    # A second decision on the same comment does not count it off twice.
    ledger_services.disposition_record(
        actor=secretariat,
        comment=made["question"],
        status="not_accepted",
        rationale="No.",
        publish=True,
    )
    ledger_services.appeal_file(actor=stakeholder, comment=made["question"], reason="Please.")
    moderation_services.flag_create(
        actor=stakeholder, comment=made["participant_reply"], reason="spam"
    )
    figures = desk(consultation=consultation)
    assert figures.awaiting.awaiting == 2  # the participant's reply, the drafted letter
    assert (figures.drafted, figures.appeals_open, figures.moderation) == (1, 1, 1)
    assert figures.report is None
    # The tally agrees with a direct count.
    assert undecided_tally_held(consultation=consultation) == undecided_tally_counted(
        consultation=consultation
    )
    call_command("desk_counts", "--check")


def test_desk_counts_check_names_a_wrong_tally_and_rebuild_mends_it(thread):
    consultation, _moderator, _made = thread
    UndecidedTally.objects.filter(consultation=consultation).update(count=0)
    with pytest.raises(CommandError, match=consultation.slug):
        call_command("desk_counts", "--check")
    call_command("desk_counts", "--rebuild", consultation.slug)
    call_command("desk_counts", "--check")
    assert desk(consultation=consultation).awaiting.awaiting == 3


def test_a_rolled_back_comment_leaves_the_tally_alone(consultation, stakeholder):
    with pytest.raises(Exception):  # noqa: B017 (any refusal)
        comment_on(consultation, stakeholder, section_key="no-such-section")
    assert not UndecidedTally.objects.filter(consultation=consultation, count__gt=0).exists()
    comment_on(consultation, stakeholder)
    assert sum(undecided_tally_held(consultation=consultation).values()) == 1


# --- the pages ------------------------------------------------------------------------


def test_desk_page_links_each_figure_to_its_list(client, secretariat, thread):
    consultation, _moderator, _made = thread
    client.force_login(secretariat)
    page = client.get(reverse("staff_desk", args=[consultation.slug])).content.decode()
    triage = reverse("staff_triage", args=[consultation.slug])
    assert f'href="{triage}?status=awaiting">3</a>' in page
    assert f'href="{triage}?status=drafted">0</a>' in page
    home = client.get(reverse("staff_home")).content.decode()
    assert f'href="{triage}?status=awaiting">3 awaiting a decision</a>' in home


def test_participant_and_other_secretariat_cannot_open_the_desk(
    client, consultation, stakeholder, other_secretariat, moderator
):
    url = reverse("staff_desk", args=[consultation.slug])
    for user, status in ((stakeholder, 403), (other_secretariat, 403), (moderator, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status


@pytest.mark.parametrize("name", ["staff_desk", "staff_home"])
def test_desk_queries_do_not_grow_with_comments(client, secretariat, name):
    consultation = open_consultation(secretariat=secretariat)
    other = open_consultation(secretariat=secretariat, title="A second one")
    client.force_login(secretariat)
    url = reverse(name, args=[consultation.slug]) if name == "staff_desk" else reverse(name)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add_comments(consultation, secretariat, 5)
    small = queries()
    add_comments(consultation, secretariat, 60)
    add_comments(other, secretariat, 30)
    assert queries() == small
    assert (
        desks(consultations=[consultation, other])[1].awaiting.awaiting
        == Comment.objects.filter(consultation=other, dispositions__isnull=True).count()
    )


def test_points_awaiting_a_decision_are_a_figure_and_a_triage_filter(
    client, secretariat, consultation, stakeholder
):
    """A comment split into points waits on the desk until every point is decided."""
    from feedback.points import services as point_services

    letter = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="First point.\n\nSecond point.",
    )
    other = comment_on(consultation, stakeholder)
    first, second = point_services.points_split_paragraphs(
        actor=secretariat, comment=letter, selected=[0, 1], breaks=[1]
    )
    triage = reverse("staff_triage", args=[consultation.slug])
    client.force_login(secretariat)

    def listed() -> set[str]:
        return receipts_in(client.get(f"{triage}?status=points").content.decode())

    assert desk(consultation=consultation).points_pending == 1
    assert letter.receipt in listed() and other.receipt not in listed()
    page = client.get(reverse("staff_desk", args=[consultation.slug])).content.decode()
    assert f'href="{triage}?status=points">1</a>' in page

    point_services.point_draft_save(actor=secretariat, point=first, status="accepted")
    point_services.point_publish(actor=secretariat, point=first)
    assert desk(consultation=consultation).points_pending == 1  # the second still waits
    point_services.point_draft_save(
        actor=secretariat, point=second, status="noted", rationale="Noted for the next round."
    )
    point_services.point_publish(actor=secretariat, point=second)
    assert desk(consultation=consultation).points_pending == 0
    assert letter.receipt not in listed()


# --- the counters stay equal to the direct counts (issue 23: the desk stays flat) -------


def counted_directly(consultation) -> tuple[int, int, int]:
    """(awaiting, overdue, drafted) counted from the comments and drafts themselves."""
    awaiting = Comment.objects.filter(needs_decision_q(consultation), consultation=consultation)
    overdue = awaiting.filter(created_at__lt=overdue_before())
    drafted = DispositionDraft.objects.filter(comment__consultation=consultation).count()
    return awaiting.count(), overdue.count(), drafted


def from_counters(consultation) -> tuple[int, int, int]:
    figures = desk(consultation=consultation)
    return figures.awaiting.awaiting, figures.awaiting.overdue, figures.drafted


def test_counters_equal_direct_counts_through_writes_roles_drafts_and_publications(
    secretariat, stakeholder, other_stakeholder, thread
):
    consultation, moderator, made = thread
    with time_machine.travel(T0 + timedelta(days=12), tick=False):

        def agree(expected: tuple[int, int, int]) -> None:
            assert from_counters(consultation) == counted_directly(consultation) == expected
            call_command("desk_counts", "--check")

        agree((3, 3, 0))
        # New input, and a team member's new reply.
        late = comment_on(consultation, other_stakeholder)
        comment_on(consultation, moderator, parent=late)
        agree((4, 3, 0))
        # A role granted and revoked: no counter moves, the figures do.
        consult_services.consultation_role_grant(
            actor=secretariat, consultation=consultation, user=other_stakeholder, role="analyst"
        )
        agree((2, 2, 0))  # the participant's reply and their new comment are responses
        consult_services.consultation_role_revoke(
            actor=secretariat, consultation=consultation, user=moderator, role="moderator"
        )
        agree((4, 3, 0))  # the moderator's two replies are input again
        consult_services.consultation_role_revoke(
            actor=secretariat, consultation=consultation, user=other_stakeholder, role="analyst"
        )
        agree((6, 4, 0))
        # Drafts: saved, saved again, in bulk, then published.
        ledger_services.disposition_draft_save(
            actor=secretariat, comment=made["question"], status="noted"
        )
        ledger_services.disposition_draft_save(
            actor=secretariat, comment=made["question"], status="accepted"
        )
        agree((6, 4, 1))
        ledger_services.disposition_draft_bulk(
            actor=secretariat,
            consultation=consultation,
            comments=[made["question"], made["letter"], made["moderator_reply"]],
            status="noted",
        )
        agree((6, 4, 3))
        ledger_services.disposition_publish_drafts(
            actor=secretariat, consultation=consultation, comments=[made["letter"]]
        )
        agree((5, 3, 2))
        ledger_services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
        agree((3, 1, 0))  # the moderator's reply, decided, is off both counters
        # A second decision on a decided comment moves nothing.
        ledger_services.disposition_record(
            actor=secretariat,
            comment=made["question"],
            status="accepted",
            rationale="Revised.",
            publish=True,
        )
        agree((3, 1, 0))


def test_desk_counts_check_names_drifted_team_and_draft_counters_and_rebuild_mends_them(
    secretariat, thread
):
    consultation, moderator, made = thread
    ledger_services.disposition_draft_save(
        actor=secretariat, comment=made["question"], status="noted"
    )
    expected = from_counters(consultation)
    for drift in (
        lambda: UndecidedAuthorTally.objects.filter(
            consultation=consultation, author=moderator
        ).update(count=0),
        lambda: DraftTally.objects.filter(consultation=consultation).update(count=7),
    ):
        drift()
        assert from_counters(consultation) != expected
        with pytest.raises(CommandError, match=consultation.slug):
            call_command("desk_counts", "--check")
        call_command("desk_counts", "--rebuild", consultation.slug)
        call_command("desk_counts", "--check")
        assert from_counters(consultation) == expected == counted_directly(consultation)


def test_a_rolled_back_draft_leaves_the_draft_counter_alone(secretariat, thread):
    consultation, _moderator, made = thread
    with pytest.raises(Exception):  # noqa: B017 (any refusal)
        ledger_services.disposition_draft_save(
            actor=secretariat, comment=made["question"], status="no-such-status"
        )
    assert desk(consultation=consultation).drafted == 0
    assert not DraftTally.objects.filter(consultation=consultation, count__gt=0).exists()


def test_publish_all_counts_the_points_drafts_it_publishes(
    client, secretariat, consultation, stakeholder
):
    """Triage's "Publish all drafts (n)" publishes drafts on points too: n counts them."""
    from feedback.points import services as point_services

    letter = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key=SECTION,
        body="First point.\n\nSecond point.",
    )
    first, second = point_services.points_split_paragraphs(
        actor=secretariat, comment=letter, selected=[0, 1], breaks=[1]
    )
    point_services.point_draft_save(actor=secretariat, point=first, status="accepted")
    point_services.point_draft_save(actor=secretariat, point=second, status="accepted")
    ledger_services.disposition_draft_save(
        actor=secretariat, comment=comment_on(consultation, stakeholder), status="accepted"
    )
    client.force_login(secretariat)
    page = client.get(reverse("staff_triage", args=[consultation.slug])).content.decode()
    assert "Publish all drafts (3)" in page
    client.post(reverse("staff_triage", args=[consultation.slug]), {"action": "publish_all"})
    page = client.get(reverse("staff_triage", args=[consultation.slug])).content.decode()
    assert "Publish all drafts" not in page
