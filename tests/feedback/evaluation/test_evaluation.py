"""The process evaluation (issue 10): the invitation goes out once after the last round
closes, to participants only, honouring the opt-out; the answer once; the results by
stakeholder group at a constant number of queries; the summary in the outcome report.

Mails go over SMTP to ``tests/smtp_sink.py``; the clock is frozen with time-machine.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from comments.models import Comment
from comments.threads import services as comment_services
from consult.models import Answer, Consultation, Question
from feedback.evaluation import selectors as evaluation_selectors
from feedback.evaluation import services as evaluation
from feedback.models import EvaluationResponse
from feedback.report import pdf
from feedback.report import services as report
from feedback.tasks import invite_evaluations
from plenary.outbox.models import MailDelivery
from stakeholders.models import User
from tests.consult.factories import open_consultation
from tests.stakeholders.factories import ParticipantFactory, convenor, group

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN = T0 + timedelta(days=10)
AFTER = T0 + timedelta(days=31)  # the round (30 days) has closed


def at(moment):
    return time_machine.travel(moment, tick=False)


def person(email: str, group_slug: str = "civil-society") -> User:
    return ParticipantFactory(
        user__email=email, display_name=email.split("@")[0].title(), group=group(group_slug)
    ).user


def say(user, consultation, body="A comment.") -> Comment:
    return comment_services.comment_create(
        actor=user, consultation=consultation, section_key="2-scope-1", body=body
    )


@pytest.fixture
def people(db):
    """A consultation whose one round ran T0 .. T0+30 days, and who did what in it."""
    with at(T0):
        secretariat = convenor(email="secretariat@example.org")
        consultation = open_consultation(secretariat=secretariat, days=30)
        amara = person("amara@example.org")  # commented: invited
        dana = person("dana@example.org", "government")  # answered a question: invited
        bruno = person("bruno@example.org")  # commented, opted out
        chen = person("chen@example.org")  # commented, address no longer confirmed
        erin = person("erin@example.org")  # commented, then erased her account
        gina = person("gina@example.org")  # her letter was entered by staff: not "her" comment
        frank = person("frank@example.org")  # never took part
        for user in (amara, bruno, chen, erin, gina):
            say(user, consultation, f"From {user.email}.")
        Comment.objects.filter(author=gina).update(
            entered_by=secretariat, channel=Comment.Channel.LETTER
        )
        question = Question.objects.create(
            round=consultation.rounds.get(),
            ordinal=1,
            text="How useful is the register?",
            kind=Question.Kind.SCALE,
        )
        Answer.objects.create(question=question, respondent=dana, scale_value=4)
        User.objects.filter(pk=bruno.pk).update(mail_evaluation=False)
        EmailAddress.objects.filter(user=chen).update(verified=False)
        User.objects.filter(pk=erin.pk).update(erased_at=T0, is_active=False)
    return {
        "consultation": consultation,
        "secretariat": secretariat,
        "amara": amara,
        "dana": dana,
        "bruno": bruno,
        "chen": chen,
        "erin": erin,
        "gina": gina,
        "frank": frank,
    }


def run_invitations(capture) -> None:
    with capture(execute=True):
        invite_evaluations.apply(throw=True)


def recipients(mails) -> list[str]:
    return sorted(address for mail in mails for address in mail.rcpt_tos)


# --- the invitation ---------------------------------------------------------------------


def test_invitation_goes_out_once_to_participants_after_the_last_round_closes(
    people, smtp, django_capture_on_commit_callbacks
):
    consultation = people["consultation"]
    with at(OPEN):
        run_invitations(django_capture_on_commit_callbacks)
    assert smtp.messages == []
    consultation.refresh_from_db()
    assert consultation.evaluation_invited_at is None  # still open: nothing happened

    with at(AFTER):
        run_invitations(django_capture_on_commit_callbacks)
        mails = smtp.wait_for(2, 5)
        consultation.refresh_from_db()
        assert consultation.evaluation_invited_at == AFTER
        # Again, an hour later, and once more: nobody gets a second mail.
        run_invitations(django_capture_on_commit_callbacks)
    with at(AFTER + timedelta(hours=1)):
        run_invitations(django_capture_on_commit_callbacks)
    assert recipients(smtp.messages) == ["amara@example.org", "dana@example.org"]
    mail = next(m for m in mails if m.rcpt_tos == ("amara@example.org",))
    assert consultation.title in mail.subject
    assert f"https://plenary.example.net/c/{consultation.slug}/evaluation/" in mail.text
    assert sorted(
        MailDelivery.objects.filter(key__startswith="evaluation-invite:").values_list(
            "key", flat=True
        )
    ) == sorted(
        evaluation.invite_key(consultation_id=consultation.pk, user_id=people[name].pk)
        for name in ("amara", "dana")
    )


def test_a_message_relayed_twice_still_sends_one_mail(
    people, smtp, django_capture_on_commit_callbacks
):
    consultation, amara = people["consultation"], people["amara"]
    with at(AFTER):
        run_invitations(django_capture_on_commit_callbacks)
        smtp.wait_for(2, 5)
        again = evaluation.evaluation_invite_send(consultation_id=consultation.pk, user_id=amara.pk)
    assert again is False
    assert len(smtp.messages) == 2


def test_a_new_round_keeps_the_invitation_waiting(people, smtp, django_capture_on_commit_callbacks):
    from consult.consultations import services as consult_services

    consultation = people["consultation"]
    with at(AFTER - timedelta(hours=2)):
        consult_services.round_open(
            actor=people["secretariat"],
            consultation=consultation,
            opens_at=AFTER + timedelta(days=2),
            closes_at=AFTER + timedelta(days=40),
            title="Second round",
        )
    with at(AFTER):
        run_invitations(django_capture_on_commit_callbacks)
    assert smtp.messages == []
    consultation.refresh_from_db()
    assert consultation.evaluation_invited_at is None


def test_participant_who_opted_out_on_the_settings_page_is_not_invited(
    client, people, smtp, django_capture_on_commit_callbacks
):
    amara = people["amara"]
    client.force_login(amara)
    page = client.get(reverse("reminder_settings")).content.decode()
    assert 'name="mail_evaluation"' in page and "checked" in page
    client.post(
        reverse("reminder_settings"),
        {"mail_round_closing": "on", "mail_reply_digest": "on"},  # evaluation unticked
    )
    amara.refresh_from_db()
    assert amara.mail_evaluation is False
    assert amara.mail_round_closing is True
    with at(AFTER):
        run_invitations(django_capture_on_commit_callbacks)
    assert recipients(smtp.wait_for(1, 5)) == ["dana@example.org"]


def test_unsubscribe_link_in_the_invitation_turns_the_evaluation_mail_off(
    client, people, smtp, django_capture_on_commit_callbacks
):
    with at(AFTER):
        run_invitations(django_capture_on_commit_callbacks)
    mail = next(m for m in smtp.wait_for(2, 5) if m.rcpt_tos == ("amara@example.org",))
    header = str(mail.message["List-Unsubscribe"]).strip()
    found = re.fullmatch(r"<(https://[^>]+)>", header)
    assert found, header
    assert str(mail.message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    url = found.group(1)
    assert url in mail.text
    path = urlsplit(url).path
    assert client.get(path).status_code == 200  # a confirmation, no change
    people["amara"].refresh_from_db()
    assert people["amara"].mail_evaluation is True
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    people["amara"].refresh_from_db()
    assert people["amara"].mail_evaluation is False


# --- the answer -------------------------------------------------------------------------


def answer(client, consultation, **overrides):
    data = {"clarity": "4", "safety": "5", "feedback": "2", "comments": "More time, please."}
    data.update(overrides)
    return client.post(reverse("evaluation", args=[consultation.slug]), data)


def test_participant_can_evaluate_once(client, people):
    consultation, amara = people["consultation"], people["amara"]
    client.force_login(amara)
    with at(AFTER):
        form = client.get(reverse("evaluation", args=[consultation.slug])).content.decode()
        assert "<fieldset" in form and "<legend>" in form
        assert form.count('type="radio"') == 15
        response = answer(client, consultation)
        assert response.status_code == 302
        again = answer(client, consultation, clarity="1", comments="Changed my mind.")
        page = client.get(reverse("evaluation", args=[consultation.slug])).content.decode()
    assert again.status_code == 400
    assert "You already answered" in again.content.decode()
    assert "You already answered" in page
    (row,) = EvaluationResponse.objects.all()
    assert (row.clarity, row.safety, row.feedback) == (4, 5, 2)
    assert row.comments == "More time, please."
    assert row.group == group("civil-society")
    with at(AFTER), pytest.raises(ValidationError):
        evaluation.evaluation_submit(
            actor=amara, consultation=consultation, clarity=1, safety=1, feedback=1
        )
    assert EvaluationResponse.objects.count() == 1


def test_participant_cannot_evaluate_before_the_last_round_closes(client, people):
    consultation = people["consultation"]
    client.force_login(people["amara"])
    with at(OPEN):
        page = client.get(reverse("evaluation", args=[consultation.slug]))
        response = answer(client, consultation)
        with pytest.raises(ValidationError):
            evaluation.evaluation_submit(
                actor=people["amara"], consultation=consultation, clarity=3, safety=3, feedback=3
            )
    assert "opens when the consultation" in page.content.decode()
    assert response.status_code == 400
    assert not EvaluationResponse.objects.exists()


def test_only_participants_of_the_consultation_can_evaluate(client, people):
    consultation = people["consultation"]
    with at(AFTER):
        other = open_consultation(secretariat=people["secretariat"], title="Another one")
        outsider = person("outsider@example.org")
        for user in (people["frank"], people["gina"], people["secretariat"]):
            client.force_login(user)
            assert client.get(reverse("evaluation", args=[consultation.slug])).status_code == 403
            assert answer(client, consultation).status_code == 403
        client.force_login(people["amara"])  # took part here, not in the other one
        assert client.get(reverse("evaluation", args=[other.slug])).status_code == 403
        with pytest.raises(PermissionDenied):
            evaluation.evaluation_submit(
                actor=outsider, consultation=consultation, clarity=3, safety=3, feedback=3
            )
        client.logout()
        response = client.get(reverse("evaluation", args=[consultation.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not EvaluationResponse.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"clarity": "0"}, "clarity"),
        ({"safety": "6"}, "safety"),
        ({"feedback": ""}, "feedback"),
        ({"comments": "x" * (evaluation.COMMENTS_MAX + 1)}, "comments"),
    ],
)
def test_a_bad_answer_is_refused_beside_its_field_and_the_text_kept(
    client, people, overrides, field
):
    consultation = people["consultation"]
    client.force_login(people["amara"])
    with at(AFTER):
        response = answer(client, consultation, **overrides)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    if field != "comments":
        assert "More time, please." in response.content.decode()
    assert not EvaluationResponse.objects.exists()


def test_service_refuses_scores_out_of_range(people):
    with at(AFTER), pytest.raises(ValidationError) as refused:
        evaluation.evaluation_submit(
            actor=people["amara"],
            consultation=people["consultation"],
            clarity=7,
            safety="x",
            feedback=3,
        )
    assert set(refused.value.message_dict) == {"clarity", "safety"}


# --- the results ------------------------------------------------------------------------


def responses(consultation: Consultation, count: int) -> None:
    """``count`` answers spread over three groups (one answer without a group)."""
    slugs = ["civil-society", "government", "private-sector"]
    for n in range(count):
        user = ParticipantFactory(user__email=f"r{n}@example.org").user
        EvaluationResponse.objects.create(
            consultation=consultation,
            respondent=user,
            group=None if n == 0 else group(slugs[n % 3]),
            clarity=1 + n % 5,
            safety=5,
            feedback=2,
            comments=f"Free text {n}" if n % 2 else "",
        )


def test_results_by_group_for_the_secretariat(client, people, django_capture_on_commit_callbacks):
    consultation = people["consultation"]
    with at(AFTER):
        run_invitations(django_capture_on_commit_callbacks)
        client.force_login(people["amara"])
        answer(client, consultation, clarity="4", safety="4", feedback="4")
        client.force_login(people["dana"])
        answer(client, consultation, clarity="2", safety="5", feedback="1", comments="")
    results = evaluation_selectors.evaluation_results(consultation=consultation, free_text=True)
    assert (results.invited, results.responses, results.rate) == (2, 2, 100.0)
    by_label = {g.label: g for g in results.groups}
    assert by_label[group("civil-society").name].means == {
        "clarity": 4.0,
        "safety": 4.0,
        "feedback": 4.0,
    }
    assert by_label[group("government").name].count == 1
    assert results.overall == {"clarity": 3.0, "safety": 4.5, "feedback": 2.5}
    assert results.distribution["clarity"] == [0, 1, 0, 1, 0]
    assert [r.comments for r in results.free_text] == ["More time, please."]

    client.force_login(people["secretariat"])
    page = client.get(reverse("staff_evaluation", args=[consultation.slug])).content.decode()
    assert "More time, please." in page
    assert "response rate 100" in page
    assert group("government").name in page


def test_stakeholder_and_moderator_cannot_see_the_results(client, people):
    consultation = people["consultation"]
    responses(consultation, 2)
    for user in (people["amara"], people["frank"]):
        client.force_login(user)
        response = client.get(reverse("staff_evaluation", args=[consultation.slug]))
        assert response.status_code == 403
        assert b"Free text" not in response.content


@pytest.mark.parametrize("count", [3, 30])
def test_results_queries_do_not_grow_with_answers(client, people, count, django_assert_num_queries):
    consultation = people["consultation"]
    responses(consultation, count)
    # by group, the distribution, the invitations, the free text
    with django_assert_num_queries(4):
        results = evaluation_selectors.evaluation_results(consultation=consultation, free_text=True)
        assert results.responses == count
        assert len(results.free_text) == count // 2
        assert all(r.group is None or r.group.name for r in results.free_text)
    client.force_login(people["secretariat"])
    url = reverse("staff_evaluation", args=[consultation.slug])
    client.get(url)
    with django_assert_num_queries(QUERIES_RESULTS_PAGE):
        response = client.get(url)
    assert response.content.decode().count("Free text") == count // 2


# session, user, the consultation, four permission reads (guardian: the team page, then the
# results check), the four result queries, the header's Staff link (issue 22)
QUERIES_RESULTS_PAGE = 12


# --- the outcome report -----------------------------------------------------------------


def test_outcome_report_summarises_the_evaluation_by_group(people, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    consultation = people["consultation"]
    responses(consultation, 6)
    target = tmp_path / "report.pdf"
    pdf.build_pdf(consultation=consultation, target=target, folder=tmp_path)
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(target.read_bytes())).pages
    )
    flat = " ".join(text.split())
    assert "Evaluation of the process" in flat
    assert "6 answers from 0 invited" in flat
    assert group("government").name in flat
    assert "No stakeholder group" in flat
    # Free text is for the secretariat only: never printed.
    assert "Free text" not in flat


def test_outcome_report_docx_has_the_evaluation(people, tmp_path):
    from docx import Document

    from feedback.report import docx as report_docx

    consultation = people["consultation"]
    responses(consultation, 4)
    target = tmp_path / "report.docx"
    report_docx.build_docx(
        consultation=consultation, target=target, progress=lambda done, total: None
    )
    text = "\n".join(p.text for p in Document(str(target)).paragraphs)
    assert "Evaluation of the process" in text
    assert "4 answers from 0 invited." in text
    assert "Free text" not in text


def test_consultation_page_asks_participants_to_evaluate_until_they_did(client, people):
    consultation = people["consultation"]
    page = reverse("consultation", args=[consultation.slug])
    link = reverse("evaluation", args=[consultation.slug])
    client.force_login(people["amara"])
    with at(OPEN):
        assert link not in client.get(page).content.decode()  # still open
    with at(AFTER):
        assert link in client.get(page).content.decode()
        answer(client, consultation)
        assert link not in client.get(page).content.decode()  # answered
        client.force_login(people["frank"])  # never took part
        assert link not in client.get(page).content.decode()
        client.logout()
        assert link not in client.get(page).content.decode()


def test_a_new_evaluation_answer_makes_a_new_report_state(people):
    consultation = people["consultation"]
    before = report.report_state_key(consultation=consultation)
    assert report.report_state_key(consultation=consultation) == before
    responses(consultation, 1)
    after = report.report_state_key(consultation=consultation)
    EvaluationResponse.objects.create(
        consultation=consultation,
        respondent=people["amara"],
        group=group("civil-society"),
        clarity=3,
        safety=3,
        feedback=3,
    )
    assert len({before, after, report.report_state_key(consultation=consultation)}) == 3
