"""Appeals: the commenter asks for reconsideration within a window; the secretariat must
answer (a new ledger entry referring to the appeal) before a deadline, and is reminded.

Time-dependent rules run on a frozen clock (time_machine), moved relative to the
publication of the decision appealed.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comments.threads import services as comment_services
from consult.consultations import services as consult_services
from consult.models import Role
from feedback import permissions as feedback_permissions
from feedback.ledger import selectors, services
from feedback.models import Appeal, AppealStatus, DispositionDraft, DispositionEntry, Status
from tests.stakeholders.factories import ParticipantFactory, convenor

WINDOW, ANSWER, REMIND = 14, 21, 3


@pytest.fixture(autouse=True)
def _appeal_settings(settings):
    settings.PLENARY_APPEAL_WINDOW_DAYS = WINDOW
    settings.PLENARY_APPEAL_ANSWER_DAYS = ANSWER
    settings.PLENARY_APPEAL_REMINDER_DAYS = REMIND


@pytest.fixture
def comment(consultation, stakeholder):
    return comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Name the open licence.",
    )


@pytest.fixture
def decided(secretariat, comment):
    """The published decision on the comment (the one an appeal is against)."""
    entry = services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=Status.NOT_ACCEPTED,
        rationale="Licences are set by law.",
        publish=True,
    )
    mail.outbox.clear()
    return entry


def at(moment):
    return time_machine.travel(moment, tick=False)


def after_decision(entry, **delta):
    return at(entry.published_at + timedelta(**delta))


def file(actor, comment, reason="The law allows naming a licence."):
    return services.appeal_file(actor=actor, comment=comment, reason=reason)


def answer(secretariat, comment, appeal, status=Status.PARTLY_ACCEPTED, rationale="We agree."):
    return services.disposition_record(
        actor=secretariat,
        comment=comment,
        status=status,
        rationale=rationale,
        publish=True,
        appeal=appeal,
    )


def secretariat_mails():
    return [m for m in mail.outbox if "ppeal" in m.subject]


# --- filing --------------------------------------------------------------------


def test_author_can_appeal_within_the_window(stakeholder, comment, decided):
    with after_decision(decided, days=WINDOW - 1):
        appeal = file(stakeholder, comment)
        now = timezone.now()
        assert appeal.entry == decided
        assert appeal.appellant == stakeholder
        assert appeal.created_at == now
        assert appeal.answer_due_at == now + timedelta(days=ANSWER)
        assert appeal.status == AppealStatus.OPEN
    assert feedback_permissions.appeal_open_exists(comment=comment)


def test_appeal_on_the_last_moment_of_the_window_is_accepted(stakeholder, comment, decided):
    with after_decision(decided, days=WINDOW):
        assert file(stakeholder, comment).pk


def test_appeal_after_the_window_is_refused(stakeholder, comment, decided):
    with after_decision(decided, days=WINDOW, seconds=1), pytest.raises(ValidationError) as exc:
        file(stakeholder, comment)
    assert "comment" in exc.value.message_dict
    assert "ended" in exc.value.message_dict["comment"][0]
    assert Appeal.objects.count() == 0


def test_the_window_follows_the_setting(settings, stakeholder, comment, decided):
    settings.PLENARY_APPEAL_WINDOW_DAYS = 2
    with after_decision(decided, days=3), pytest.raises(ValidationError):
        file(stakeholder, comment)


def test_comment_without_a_published_decision_cannot_be_appealed(secretariat, stakeholder, comment):
    with pytest.raises(ValidationError) as exc:
        file(stakeholder, comment)
    assert "comment" in exc.value.message_dict
    # A draft decision is not a decision either.
    services.disposition_record(actor=secretariat, comment=comment, status=Status.NOTED)
    with pytest.raises(ValidationError):
        file(stakeholder, comment)
    assert Appeal.objects.count() == 0


def test_non_author_cannot_appeal(other_stakeholder, comment, decided):
    with pytest.raises(PermissionDenied):
        file(other_stakeholder, comment)
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("reason", ["", "   \n\t "])
def test_appeal_needs_a_reason(stakeholder, comment, decided, reason):
    with pytest.raises(ValidationError) as exc:
        file(stakeholder, comment, reason=reason)
    assert list(exc.value.message_dict) == ["reason"]
    assert Appeal.objects.count() == 0


def test_overlong_reason_is_refused_and_a_reason_is_stored_as_written(
    stakeholder, comment, decided
):
    with pytest.raises(ValidationError) as exc:
        file(stakeholder, comment, reason="x" * 5001)
    assert "reason" in exc.value.message_dict
    assert file(stakeholder, comment, reason="  Keep *this*.\n").reason == "  Keep *this*.\n"


def test_second_open_appeal_is_refused(stakeholder, comment, decided):
    file(stakeholder, comment)
    with pytest.raises(ValidationError) as exc:
        file(stakeholder, comment, reason="Again.")
    assert "comment" in exc.value.message_dict
    assert Appeal.objects.count() == 1


# --- answering -----------------------------------------------------------------


# Mail is sent after commit: a transactional test.
@pytest.mark.django_db(transaction=True)
def test_answer_with_rationale_closes_the_appeal_and_reaches_the_commenter_once(
    secretariat, stakeholder, comment, decided
):
    with after_decision(decided, days=1):
        appeal = file(stakeholder, comment)
    mail.outbox.clear()
    with after_decision(decided, days=5):
        entry = answer(secretariat, comment, appeal, rationale="On reflection, in part.")
        appeal = selectors.appeals_of_comment(comment=comment).get()
        assert appeal.status == AppealStatus.ANSWERED
        assert appeal.answered_at == timezone.now()
    assert entry.appeal == appeal
    assert entry.sequence == decided.sequence + 1
    assert feedback_permissions.current_disposition(comment=comment) == entry
    assert not feedback_permissions.appeal_open_exists(comment=comment)
    assert list(selectors.appeals_open(consultation=comment.consultation)) == []
    to_commenter = [m for m in mail.outbox if m.to == [stakeholder.email]]
    assert len(to_commenter) == 1
    assert "answer to your appeal" in to_commenter[0].body
    assert "On reflection, in part." in to_commenter[0].body


def test_answer_may_keep_the_status_when_it_gives_a_reason(
    secretariat, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment)
    entry = answer(secretariat, comment, appeal, status=decided.status, rationale=decided.rationale)
    assert entry.status == decided.status
    assert entry.appeal == appeal


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.NOTED, Status.NOT_ACCEPTED])
def test_answer_without_rationale_is_refused_whatever_the_status(
    secretariat, stakeholder, comment, decided, status
):
    appeal = file(stakeholder, comment)
    with pytest.raises(ValidationError) as exc:
        answer(secretariat, comment, appeal, status=status, rationale="  ")
    assert "rationale" in exc.value.message_dict
    assert DispositionEntry.objects.filter(appeal=appeal).count() == 0
    assert DispositionDraft.objects.count() == 0
    assert feedback_permissions.appeal_open_exists(comment=comment)


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.NOTED])
def test_even_a_draft_answer_needs_a_rationale(secretariat, stakeholder, comment, decided, status):
    appeal = file(stakeholder, comment)
    with pytest.raises(ValidationError) as exc:
        services.disposition_record(
            actor=secretariat, comment=comment, status=status, rationale="", appeal=appeal
        )
    assert "appeal" in exc.value.message_dict["rationale"][0]
    assert DispositionDraft.objects.count() == 0


def test_an_appeal_is_answered_only_once(secretariat, stakeholder, comment, decided):
    appeal = file(stakeholder, comment)
    answer(secretariat, comment, appeal)
    with pytest.raises(ValidationError) as exc:
        answer(secretariat, comment, appeal, status=Status.ACCEPTED, rationale="Fully.")
    assert "appeal" in exc.value.message_dict
    assert DispositionEntry.objects.filter(appeal=appeal).count() == 1


def test_an_appeal_answers_only_its_own_comment(
    secretariat, stakeholder, consultation, comment, decided
):
    appeal = file(stakeholder, comment)
    other = comment_services.comment_create(
        actor=stakeholder, consultation=consultation, section_key="2-scope-1", body="Other."
    )
    with pytest.raises(ValidationError) as exc:
        answer(secretariat, other, appeal)
    assert "appeal" in exc.value.message_dict


def test_the_answer_can_be_appealed_again_once_the_first_appeal_is_answered(
    secretariat, stakeholder, comment, decided
):
    first = file(stakeholder, comment)
    entry = answer(secretariat, comment, first, status=Status.NOT_ACCEPTED, rationale="Still no.")
    second = file(stakeholder, comment, reason="You did not address my point.")
    assert second.entry == entry


def test_appeal_becomes_overdue_after_the_deadline(stakeholder, comment, decided):
    appeal = file(stakeholder, comment)
    with at(appeal.answer_due_at):
        assert selectors.appeals_open(consultation=comment.consultation).get().status == "open"
    with at(appeal.answer_due_at + timedelta(seconds=1)):
        assert selectors.appeals_open(consultation=comment.consultation).get().status == "overdue"
        assert Appeal.objects.get().status == AppealStatus.OVERDUE  # unannotated: same answer


def test_overdue_appeal_can_still_be_answered(secretariat, stakeholder, comment, decided):
    appeal = file(stakeholder, comment)
    with at(appeal.answer_due_at + timedelta(days=2)):
        answer(secretariat, comment, appeal)
        assert selectors.appeals_of_comment(comment=comment).get().status == "answered"


# --- notifications and reminders ----------------------------------------------


@pytest.fixture
def second_secretary(consultation, secretariat):
    user = convenor(email="second@example.org")
    consult_services.consultation_role_grant(
        actor=secretariat, consultation=consultation, user=user, role=Role.SECRETARIAT
    )
    return user


# Mail is sent after commit: a transactional test.
@pytest.mark.django_db(transaction=True)
def test_secretariat_gets_one_mail_when_an_appeal_is_filed(
    secretariat, second_secretary, moderator, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment, reason="Please look again at paragraph 2.")
    mails = secretariat_mails()
    assert sorted(m.to[0] for m in mails) == sorted([secretariat.email, second_secretary.email])
    assert comment.receipt in mails[0].subject
    assert "Please look again at paragraph 2." in mails[0].body
    assert f"?appeal={appeal.pk}" in mails[0].body
    # The task is idempotent: a re-run (a retry, a relay published twice) sends nothing.
    assert services.appeal_notify_filed(appeal_id=appeal.pk) == 0
    assert len(secretariat_mails()) == 2


def test_due_soon_reminder_is_sent_once_per_recipient(
    secretariat, second_secretary, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment)
    mail.outbox.clear()
    with at(appeal.answer_due_at - timedelta(days=REMIND, seconds=1)):
        assert services.appeal_reminders_send() == 0  # not due soon yet
    with at(appeal.answer_due_at - timedelta(days=REMIND - 1)):
        assert services.appeal_reminders_send() == 2
        assert services.appeal_reminders_send() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [secretariat.email, second_secretary.email]
    )
    assert all("is due" in m.subject and comment.receipt in m.subject for m in mail.outbox)


def test_overdue_reminder_is_sent_once_after_the_due_soon_one(
    secretariat, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment)
    mail.outbox.clear()
    with at(appeal.answer_due_at - timedelta(days=1)):
        assert services.appeal_reminders_send() == 1
    with at(appeal.answer_due_at + timedelta(hours=1)):
        assert services.appeal_reminders_send() == 1
    with at(appeal.answer_due_at + timedelta(days=4)):
        assert services.appeal_reminders_send() == 0
    assert len(mail.outbox) == 2
    assert "Overdue" not in mail.outbox[0].subject
    assert "Overdue" in mail.outbox[1].subject
    assert "is overdue" in mail.outbox[1].body


def test_answered_appeals_get_no_reminder(secretariat, stakeholder, comment, decided):
    appeal = file(stakeholder, comment)
    answer(secretariat, comment, appeal)
    mail.outbox.clear()
    for moment in (appeal.answer_due_at - timedelta(days=1), appeal.answer_due_at + timedelta(1)):
        with at(moment):
            assert services.appeal_reminders_send() == 0
    assert mail.outbox == []


def test_reminder_task_calls_the_service(stakeholder, comment, decided):
    from feedback.tasks import remind_appeal_deadlines

    appeal = file(stakeholder, comment)
    with at(appeal.answer_due_at + timedelta(hours=1)):
        assert remind_appeal_deadlines.apply().get() == 1
        assert remind_appeal_deadlines.apply().get() == 0


# --- who may do what -----------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["anonymous_user", "other_stakeholder", "moderator", "other_secretariat", "secretariat"]
)
def test_only_the_author_can_appeal(request, role, comment, decided):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        file(actor, comment)
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("role", ["stakeholder", "moderator", "other_secretariat"])
def test_only_this_consultations_secretariat_can_answer(
    request, role, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment)
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        answer(actor, comment, appeal)
    assert DispositionEntry.objects.filter(appeal=appeal).count() == 0
    assert feedback_permissions.appeal_open_exists(comment=comment)


# --- pages ---------------------------------------------------------------------


def test_author_appeals_from_the_receipt_page(client, stakeholder, comment, decided):
    page = reverse("receipt", args=[comment.receipt])
    client.force_login(stakeholder)
    assert "Appeal this decision" in client.get(page).content.decode()

    response = client.post(
        reverse("receipt_appeal", args=[comment.receipt]), {"reason": "Read it again."}
    )

    assert response.status_code == 302 and response.url == page
    appeal = Appeal.objects.get()
    html = client.get(page).content.decode()
    assert "Your appeal is recorded" in html
    assert "Read it again." in html
    assert "awaiting the secretariat" in html
    appeal_form = f'action="{reverse("receipt_appeal", args=[comment.receipt])}"'
    assert appeal_form not in html  # no second form while the appeal is open
    assert appeal.reason == "Read it again."


def test_blank_reason_shows_in_the_page_and_changes_nothing(client, stakeholder, comment, decided):
    client.force_login(stakeholder)
    response = client.post(reverse("receipt_appeal", args=[comment.receipt]), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the decision should be reconsidered." in response.content.decode()
    assert Appeal.objects.count() == 0


def test_late_appeal_is_refused_in_the_page(client, stakeholder, comment, decided):
    with after_decision(decided, days=WINDOW + 1):
        client.force_login(stakeholder)  # a session started then (sessions expire too)
        assert (
            "Appeal this decision"
            not in client.get(reverse("receipt", args=[comment.receipt])).content.decode()
        )
        response = client.post(reverse("receipt_appeal", args=[comment.receipt]), {"reason": "x"})
    assert response.status_code == 200
    assert "The time to appeal this decision ended" in response.content.decode()
    assert Appeal.objects.count() == 0


def test_others_see_no_appeal_form_and_cannot_post_one(client, other_stakeholder, comment, decided):
    page = reverse("receipt", args=[comment.receipt])
    anonymous = client.get(page).content.decode()
    assert "Sign in to appeal" in anonymous and "<textarea" not in anonymous
    client.force_login(other_stakeholder)
    assert "<textarea" not in client.get(page).content.decode()
    response = client.post(reverse("receipt_appeal", args=[comment.receipt]), {"reason": "Me."})
    assert response.status_code == 403
    assert Appeal.objects.count() == 0


def test_private_comment_hides_the_appeal_reason_from_the_public(client, consultation, stakeholder):
    private = comment_services.comment_create(
        actor=stakeholder,
        consultation=consultation,
        section_key="1-purpose-2",
        body="Private input.",
        visibility="private",
    )
    services.disposition_record(
        actor=consultation_secretariat(consultation),
        comment=private,
        status=Status.NOTED,
        publish=True,
    )
    file(stakeholder, private, reason="A private reason.")
    page = reverse("receipt", args=[private.receipt])
    assert "A private reason." not in client.get(page).content.decode()
    client.force_login(stakeholder)
    assert "A private reason." in client.get(page).content.decode()


def consultation_secretariat(consultation):
    from guardian.shortcuts import get_users_with_perms

    return get_users_with_perms(consultation, only_with_perms_in=["run_consultation"]).first()


def test_secretariat_answers_from_the_appeals_list(
    client, secretariat, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment, reason="Paragraph 2 says otherwise.")
    client.force_login(secretariat)
    staff_page = client.get(reverse("staff_consultation", args=[comment.consultation.slug]))
    assert "Appeals (1 open)" in staff_page.content.decode()
    listing = client.get(reverse("staff_appeals", args=[comment.consultation.slug]))
    decide_url = reverse("staff_decide", args=[comment.receipt]) + f"?appeal={appeal.pk}"
    assert decide_url in listing.content.decode()
    assert "overdue" not in listing.content.decode().split("<tbody>")[1]

    decide = client.get(decide_url).content.decode()
    assert "Paragraph 2 says otherwise." in decide
    assert f'name="appeal" value="{appeal.pk}"' in decide

    refused = client.post(
        decide_url, {"status": "not_accepted", "rationale": "", "appeal": appeal.pk, "publish": 1}
    )
    assert refused.status_code == 200
    assert DispositionEntry.objects.filter(appeal=appeal).count() == 0

    response = client.post(
        decide_url,
        {
            "status": "not_accepted",
            "rationale": "The law decides.",
            "appeal": appeal.pk,
            "publish": 1,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("staff_appeals", args=[comment.consultation.slug])
    assert DispositionEntry.objects.get(appeal=appeal).rationale == "The law decides."
    listing = client.get(response.url).content.decode()
    assert "No appeal waits for an answer." in listing
    receipt_page = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert "The answer to the appeal filed on" in receipt_page
    assert "answered on" in receipt_page


def test_appeals_list_marks_overdue_appeals(client, secretariat, stakeholder, comment, decided):
    appeal = file(stakeholder, comment)
    with at(appeal.answer_due_at + timedelta(hours=1)):
        client.force_login(secretariat)
        listing = client.get(reverse("staff_appeals", args=[comment.consultation.slug]))
    assert "overdue" in listing.content.decode().split("<tbody>")[1]


@pytest.mark.parametrize("role", ["stakeholder", "other_secretariat"])
def test_outsiders_cannot_open_the_appeals_list(request, client, role, consultation):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("staff_appeals", args=[consultation.slug])).status_code == 403


def test_moderator_sees_the_list_but_cannot_answer(
    client, moderator, stakeholder, comment, decided
):
    appeal = file(stakeholder, comment)
    client.force_login(moderator)
    listing = client.get(reverse("staff_appeals", args=[comment.consultation.slug]))
    assert listing.status_code == 200 and comment.receipt in listing.content.decode()
    assert "?appeal=" not in listing.content.decode()
    response = client.post(
        reverse("staff_decide", args=[comment.receipt]),
        {"status": "accepted", "rationale": "Yes.", "appeal": appeal.pk, "publish": 1},
    )
    assert response.status_code == 403
    assert DispositionEntry.objects.filter(appeal=appeal).count() == 0


def _appeals(consultation, secretariat, n):
    authors = [ParticipantFactory().user for _ in range(n)]
    comments = [
        comment_services.comment_create(
            actor=author, consultation=consultation, section_key="2-scope-1", body=f"Input {i}"
        )
        for i, author in enumerate(authors)
    ]
    for c in comments:
        services.disposition_draft_save(actor=secretariat, comment=c, status=Status.NOTED)
    services.disposition_publish_drafts(actor=secretariat, consultation=consultation)
    for author, c in zip(authors, comments, strict=True):
        file(author, c)


def test_appeals_list_costs_the_same_queries_at_two_sizes(client, secretariat, consultation):
    client.force_login(secretariat)
    url = reverse("staff_appeals", args=[consultation.slug])
    counts = []
    for n in (2, 6):
        _appeals(consultation, secretariat, n)
        client.get(url)  # warm the session and permission caches alike
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.content.decode().count("?appeal=") == len(counts) * 2 + n
        counts.append(len(queries))
    assert counts[0] == counts[1]
