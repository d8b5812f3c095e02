"""Questions (a survey) in a round: the secretariat defines them, participants answer,
everyone reads the counts (issue 3, "Questions in a round")."""

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from comments.answers import selectors as answer_selectors
from comments.answers import services as answering
from comments.models import Comment
from consult.models import Answer, Question, QuestionChoice
from consult.questions import selectors as question_selectors
from consult.questions import services as questions
from plenary.outbox.models import OutboxMessage
from tests.stakeholders.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def _round(consultation):
    return consultation.rounds.get()


@pytest.fixture
def survey(consultation, secretariat):
    """Four questions, one of each kind, on the open round."""
    round_ = _round(consultation)
    make = questions.question_create
    return {
        "single": make(
            actor=secretariat,
            round_=round_,
            text="Should the policy cover municipalities?",
            kind=Question.Kind.SINGLE,
            required=True,
            choices=["Yes", "No", "Not sure"],
        ),
        "multiple": make(
            actor=secretariat,
            round_=round_,
            text="Which licences do you use?",
            kind=Question.Kind.MULTIPLE,
            choices=["CC BY", "CC0", "ODbL"],
        ),
        "scale": make(
            actor=secretariat,
            round_=round_,
            text="How clear is the draft?",
            kind=Question.Kind.SCALE,
            scale_min=1,
            scale_max=5,
            scale_min_label="unclear",
            scale_max_label="very clear",
        ),
        "free": make(
            actor=secretariat,
            round_=round_,
            text="What is missing?",
            kind=Question.Kind.FREE_TEXT,
        ),
    }


# --- the secretariat defines them -------------------------------------------------


def test_secretariat_can_add_a_question_of_each_kind_through_the_page(
    client, consultation, secretariat
):
    client.force_login(secretariat)
    url = reverse("staff_questions", args=[consultation.slug, 1])
    posted = [
        {"text": "Free?", "kind": "free_text", "scale_min": 1, "scale_max": 5},
        {"text": "One?", "kind": "single", "choices": "A\nB", "scale_min": 1, "scale_max": 5},
        {"text": "Many?", "kind": "multiple", "choices": "A\nB\nC", "scale_min": 1, "scale_max": 5},
        {"text": "How much?", "kind": "scale", "scale_min": 0, "scale_max": 10, "required": "on"},
    ]
    for data in posted:
        assert client.post(url, data).status_code == 302
    made = list(_round(consultation).questions.order_by("ordinal"))
    assert [(q.ordinal, q.kind) for q in made] == [
        (1, "free_text"),
        (2, "single"),
        (3, "multiple"),
        (4, "scale"),
    ]
    assert [c.label for c in made[2].choices.all()] == ["A", "B", "C"]
    assert made[3].required and (made[3].scale_min, made[3].scale_max) == (0, 10)
    page = client.get(url).content.decode()
    assert "How much?" in page and "Move up" in page


def test_a_choice_question_without_two_choices_is_refused_beside_the_field(
    client, consultation, secretariat
):
    client.force_login(secretariat)
    url = reverse("staff_questions", args=[consultation.slug, 1])
    response = client.post(url, {"text": "One?", "kind": "single", "choices": "Only one"})
    assert response.status_code == 200
    assert "Give at least two choices" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("who", ["stakeholder", "moderator"])
def test_participant_and_moderator_cannot_define_questions(client, consultation, who, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    url = reverse("staff_questions", args=[consultation.slug, 1])
    assert client.post(url, {"text": "Mine?", "kind": "free_text"}).status_code == 403
    with pytest.raises(PermissionDenied):
        questions.question_create(
            actor=user, round_=_round(consultation), text="Mine?", kind="free_text"
        )
    assert not Question.objects.exists()


def test_secretariat_can_reorder_edit_and_delete_until_someone_answers(
    client, consultation, secretariat, survey, stakeholder
):
    client.force_login(secretariat)
    change = reverse("staff_question_change", args=[consultation.slug, 1, 4])
    assert client.post(change, {"action": "up"}).status_code == 302
    order = list(_round(consultation).questions.order_by("ordinal").values_list("text", flat=True))
    assert order[2:] == ["What is missing?", "How clear is the draft?"]
    edit = reverse("staff_question_edit", args=[consultation.slug, 1, 2])
    data = {"text": "Which licences?", "kind": "multiple", "choices": "CC BY\nCC0"}
    assert client.post(edit, {**data, "scale_min": 1, "scale_max": 5}).status_code == 302
    assert [c.label for c in survey["multiple"].choices.all()] == ["CC BY", "CC0"]
    delete = reverse("staff_question_change", args=[consultation.slug, 1, 3])
    assert client.post(delete, {"action": "delete"}).status_code == 302
    assert list(_round(consultation).questions.values_list("ordinal", flat=True)) == [1, 2, 3]

    answering.answers_submit(actor=stakeholder, round_=_round(consultation), answers={"q1": "1"})
    before = list(Question.objects.values_list("pk", "ordinal", "text"))
    response = client.post(delete, {"action": "delete"}, follow=True)
    assert "Participants have answered these questions already" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        questions.question_create(
            actor=secretariat, round_=_round(consultation), text="Late?", kind="free_text"
        )
    assert "round" in refused.value.message_dict
    assert list(Question.objects.values_list("pk", "ordinal", "text")) == before


def test_questions_cannot_change_once_the_round_closed(consultation, secretariat, survey):
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        with pytest.raises(ValidationError) as refused:
            questions.question_delete(actor=secretariat, question=survey["free"])
    assert "closed" in refused.value.message_dict["round"][0]
    assert Question.objects.count() == 4


# --- participants answer ------------------------------------------------------------


def test_participant_answers_every_kind_in_one_form(client, consultation, stakeholder, survey):
    client.force_login(stakeholder)
    url = reverse("round_questions", args=[consultation.slug, 1])
    page = client.get(url).content.decode()
    assert 'type="radio"' in page and 'type="checkbox"' in page and "<textarea" in page
    assert "1 (unclear)" in page and "5 (very clear)" in page
    response = client.post(
        url, {"q1": "2", "q2": ["1", "3"], "q3": "4", "q4": "Nothing on fees.\n\n*Really*."}
    )
    assert response.status_code == 302
    answers = Answer.objects.filter(respondent=stakeholder)
    assert sorted(
        (a.question.ordinal, a.choice_id and a.choice.label, a.scale_value) for a in answers
    ) == [
        (1, "No", None),
        (2, "CC BY", None),
        (2, "ODbL", None),
        (3, None, 4),
    ]
    comment = Comment.objects.get(question=survey["free"])
    assert comment.author == stakeholder and comment.section is None
    assert comment.body == "Nothing on fees.\n\n*Really*."
    assert comment.revisions.count() == 1
    assert OutboxMessage.objects.filter(
        task_name="comments.tasks.send_receipt", kwargs={"comment_id": comment.pk}
    ).exists()
    follow = client.get(url).content.decode()
    assert comment.receipt in follow  # the message names the receipt
    receipt = client.get(reverse("receipt", args=[comment.receipt])).content.decode()
    assert "4. What is missing?" in receipt


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"q2": ["1"]}, "q1", "This question needs an answer."),
        ({"q1": "9"}, "q1", "Choose among the options given."),
        ({"q1": ["1", "2"]}, "q1", "Choose one option only."),
        ({"q1": "1", "q2": ["1", "7"]}, "q2", "Choose among the options given."),
        ({"q1": "1", "q3": "6"}, "q3", "Choose a value from 1 to 5."),
        ({"q1": "1", "q3": "high"}, "q3", "Choose a value from 1 to 5."),
        ({"q1": "1", "q4": "x" * 20001}, "q4", "at most"),
        ({"q1": "1", "q9": "?"}, "answers", "no question q9"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    consultation, stakeholder, survey, answers, field, message
):
    # A valid free-text answer alongside: refused with the rest, not half-written.
    answers = {"q4": "A text that must not be stored.", **answers}
    with pytest.raises(ValidationError) as refused:
        answering.answers_submit(actor=stakeholder, round_=_round(consultation), answers=answers)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Answer.objects.exists()
    assert not Comment.objects.filter(question__isnull=False).exists()


def test_a_refused_page_keeps_the_written_answer(client, consultation, stakeholder, survey):
    client.force_login(stakeholder)
    url = reverse("round_questions", args=[consultation.slug, 1])
    response = client.post(url, {"q4": "Keep me, please."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This question needs an answer." in page and "Keep me, please." in page
    assert not Comment.objects.filter(question__isnull=False).exists()


def test_answers_are_refused_once_the_round_closed(client, consultation, stakeholder, survey):
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        with pytest.raises(ValidationError) as refused:
            answering.answers_submit(
                actor=stakeholder, round_=_round(consultation), answers={"q1": "1"}
            )
        client.force_login(stakeholder)
        page = client.get(reverse("round_questions", args=[consultation.slug, 1]))
        assert "answers are closed" in page.content.decode()
    assert "round" in refused.value.message_dict
    assert not Answer.objects.exists()


def test_anonymous_cannot_answer(client, consultation, survey):
    url = reverse("round_questions", args=[consultation.slug, 1])
    response = client.post(url, {"q1": "1"})
    assert response.status_code == 302 and "login" in response.url
    assert not Answer.objects.exists()


def test_answering_again_replaces_choices_but_keeps_every_written_answer(
    consultation, stakeholder, survey
):
    round_ = _round(consultation)
    answering.answers_submit(
        actor=stakeholder, round_=round_, answers={"q1": "1", "q2": ["1", "2"], "q4": "First."}
    )
    # The same text again is not stored twice; a new text is a new comment.
    answering.answers_submit(actor=stakeholder, round_=round_, answers={"q1": "3", "q4": "First."})
    answering.answers_submit(actor=stakeholder, round_=round_, answers={"q1": "3", "q4": "Second."})
    assert list(
        Answer.objects.filter(respondent=stakeholder).values_list("choice__label", flat=True)
    ) == ["Not sure"]
    assert list(
        Comment.objects.filter(question=survey["free"])
        .order_by("pk")
        .values_list("body", flat=True)
    ) == ["First.", "Second."]


def test_the_code_of_conduct_comes_before_the_first_answer(
    consultation, secretariat, stakeholder, survey
):
    consultation.code_of_conduct = "Be kind."
    consultation.save(update_fields=["code_of_conduct"])
    round_ = _round(consultation)
    with pytest.raises(ValidationError) as refused:
        answering.answers_submit(actor=stakeholder, round_=round_, answers={"q1": "1"})
    assert "accept_code_of_conduct" in refused.value.message_dict
    assert not Answer.objects.exists()
    answering.answers_submit(
        actor=stakeholder, round_=round_, answers={"q1": "1"}, accept_code_of_conduct=True
    )
    assert Answer.objects.count() == 1


# --- tallies --------------------------------------------------------------------------


def _answer_many(consultation, n: int, start: int = 0):
    round_ = _round(consultation)
    for k in range(start, start + n):
        user = ParticipantFactory().user
        answering.answers_submit(
            actor=user,
            round_=round_,
            answers={"q1": str(k % 3 + 1), "q2": ["1", "2"], "q3": str(k % 5 + 1)},
        )


def test_tallies_count_each_option_on_the_consultation_page_and_in_the_csv(
    client, consultation, survey, stakeholder
):
    _answer_many(consultation, 6)
    answering.answers_submit(
        actor=stakeholder, round_=_round(consultation), answers={"q1": "1", "q4": "Fees."}
    )
    tallies = answer_selectors.round_tallies(round_=_round(consultation))
    assert tallies[0].options == [("Yes", 3), ("No", 2), ("Not sure", 2)]
    assert tallies[1].options == [("CC BY", 6), ("CC0", 6), ("ODbL", 0)]
    assert [n for _label, n in tallies[2].options] == [2, 1, 1, 1, 1]
    assert tallies[3].free_text_answers == 1

    page = client.get(reverse("consultation", args=[consultation.slug])).content.decode()
    assert "Should the policy cover municipalities?" in page
    # A bar with the count and the share as text (2 of 7 answers), not colour alone.
    assert '<th scope="row">Not sure</th><td class="num">2</td>' in page
    assert '<meter min="0" max="7" value="2" aria-hidden="true"></meter>' in page
    assert '<span class="share">29&nbsp;%</span>' in page
    assert reverse("round_questions", args=[consultation.slug, 1]) in page

    response = client.get(reverse("round_answers_csv", args=[consultation.slug, 1]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["question", "question_text", "kind", "option", "count"]
    assert ["1", "Should the policy cover municipalities?", "single", "Yes", "3"] in rows
    assert ["3", "How clear is the draft?", "scale", "5", "1"] in rows
    assert ["4", "What is missing?", "free_text", "", "1"] in rows


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["consultation", "round_questions", "round_answers_csv"])
def test_tally_queries_do_not_grow_with_answers(client, consultation, survey, url_name):
    args = [consultation.slug] if url_name == "consultation" else [consultation.slug, 1]
    url = reverse(url_name, args=args)
    _answer_many(consultation, 3)
    _queries(client, url)  # warm caches
    small = _queries(client, url)
    _answer_many(consultation, 40, start=3)
    assert Answer.objects.count() == 43 * 4
    assert _queries(client, url) == small


def test_round_tallies_is_four_queries(consultation, survey, django_assert_num_queries):
    _answer_many(consultation, 5)
    round_ = _round(consultation)
    with django_assert_num_queries(4):
        tallies = answer_selectors.round_tallies(round_=round_)
    asked = list(question_selectors.questions_of(round_=round_))
    with django_assert_num_queries(2):  # the page has read the questions for its form
        assert answer_selectors.round_tallies(round_=round_, asked=asked) == tallies


# --- API ------------------------------------------------------------------------------


def test_api_lists_questions_with_counts_and_takes_answers(consultation, stakeholder, survey):
    api = APIClient()
    api.force_authenticate(stakeholder)
    url = reverse("api-round-answers", args=[consultation.slug])
    bad = api.post(url, {"answers": {"1": 7, "3": 9}}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"q1", "q3"}
    assert not Answer.objects.exists()
    response = api.post(
        url, {"answers": {"1": 2, "2": [1, 3], "3": 5, "4": "By the API."}}, format="json"
    )
    assert response.status_code == 201, response.content
    (receipt,) = response.json()["receipts"]
    assert Comment.objects.get(receipt=receipt).question == survey["free"]
    listing = APIClient().get(reverse("api-round-questions", args=[consultation.slug]))
    body = listing.json()
    assert body["round"] == 1 and body["open"] is True
    first = body["questions"][0]
    assert first["kind"] == "single" and first["choices"] == ["Yes", "No", "Not sure"]
    assert first["tally"] == [
        {"option": "Yes", "count": 0},
        {"option": "No", "count": 1},
        {"option": "Not sure", "count": 0},
    ]
    assert body["questions"][3]["free_text_answers"] == 1


def test_free_text_answers_show_their_question_in_the_ledger_csv(
    client, consultation, stakeholder, survey
):
    answering.answers_submit(
        actor=stakeholder, round_=_round(consultation), answers={"q1": "1", "q4": "Ledger me."}
    )
    comment = Comment.objects.get(question=survey["free"])
    response = client.get(reverse("api-ledger-csv", args=[consultation.slug]))
    rows = {
        r["receipt"]: r
        for r in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    }
    assert rows[comment.receipt]["question"] == "4"
    page = client.get(reverse("ledger", args=[consultation.slug])).content.decode()
    assert re.search(r"<td[^>]*>question 4</td>", page)
    assert rows[comment.receipt]["channel"] == "web"
    assert QuestionChoice.objects.count() == 6


def test_written_answers_count_against_the_comment_rate_limit(
    consultation, stakeholder, survey, settings
):
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = "2/m"
    api = APIClient()
    api.force_authenticate(stakeholder)
    url = reverse("api-round-answers", args=[consultation.slug])
    # Choices only write no comment: not counted.
    for _k in range(3):
        assert api.post(url, {"answers": {"1": 1}}, format="json").status_code == 201
    for k in range(2):
        sent = api.post(url, {"answers": {"1": 1, "4": f"Text {k}"}}, format="json")
        assert sent.status_code == 201
    refused = api.post(url, {"answers": {"1": 2, "4": "Text 3"}}, format="json")
    assert refused.status_code == 429 and "Retry-After" in refused
    assert Comment.objects.filter(question=survey["free"]).count() == 2
    assert Answer.objects.get(respondent=stakeholder).choice.label == "Yes"


def test_the_questions_page_answers_429_over_the_limit_and_keeps_the_text(
    client, consultation, stakeholder, survey, settings
):
    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = "2/m"
    client.force_login(stakeholder)
    url = reverse("round_questions", args=[consultation.slug, 1])
    # 10 s into a minute (the round opened before): the window has 50 s left.
    at = (timezone.now() + timedelta(minutes=1)).replace(second=10, microsecond=0)
    with time_machine.travel(at, tick=False):
        for k in range(2):
            assert client.post(url, {"q1": "1", "q4": f"Text {k}"}).status_code == 302
        refused = client.post(url, {"q1": "2", "q4": "Kept though refused."})
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    page = refused.content.decode()
    assert "You are posting faster than Plenary allows: try again in 50 seconds." in page
    assert "Kept though refused." in page
    assert Comment.objects.filter(question=survey["free"]).count() == 2
    assert Answer.objects.get(respondent=stakeholder).choice.label == "Yes"


def test_the_answering_service_counts_written_answers_once_per_submission(
    consultation, stakeholder, survey, settings
):
    """Called directly, with who is asking: limited as through the page or the API,
    one count for a submission however many texts it writes, none for choices."""
    from plenary.ratelimit import RateKey, RateLimited

    settings.PLENARY_RATE_COMMENT_PER_ACCOUNT = "2/m"
    key = RateKey(user_id=stakeholder.pk, ip="192.0.2.8")
    round_ = _round(consultation)
    with time_machine.travel(timezone.now(), tick=False):
        for _k in range(3):
            answering.answers_submit(
                actor=stakeholder, round_=round_, answers={"q1": 1}, rate_key=key
            )
        for k in range(2):
            answering.answers_submit(
                actor=stakeholder, round_=round_, answers={"q1": 1, "q4": f"T{k}"}, rate_key=key
            )
        with pytest.raises(RateLimited):
            answering.answers_submit(
                actor=stakeholder, round_=round_, answers={"q1": 2, "q4": "T3"}, rate_key=key
            )
    assert Comment.objects.filter(question=survey["free"]).count() == 2
    assert Answer.objects.get(respondent=stakeholder).choice.label == "Yes"


def test_the_receipt_mail_of_a_written_answer_names_its_question(
    consultation, stakeholder, survey, mailoutbox
):
    from comments.threads.services import comment_receipt_send

    (comment,) = answering.answers_submit(
        actor=stakeholder, round_=_round(consultation), answers={"q1": "1", "q4": "Mail me."}
    )
    assert comment_receipt_send(comment_id=comment.pk) is True
    body = mailoutbox[-1].body
    assert "Question: 4 · What is missing?" in body and "Paragraph" not in body


# --- a position paper with a written answer ----------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _paper(name="paper.pdf", content=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.comments.files import pdf_bytes

    return SimpleUploadedFile(
        name, content or pdf_bytes("Community networks need spectrum"), "application/pdf"
    )


def test_stakeholder_can_send_a_position_paper_with_a_written_answer(
    client, consultation, stakeholder, survey, media_root, django_capture_on_commit_callbacks
):
    client.force_login(stakeholder)
    url = reverse("round_questions", args=[consultation.slug, 1])
    assert 'name="q4_files"' in client.get(url).content.decode()

    # The paper's text is read by a task once the answer commits (issue 21).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"q1": "1", "q4": "See our paper.", "q4_files": [_paper()]})

    assert response.status_code == 302
    answer = Comment.objects.get(question=survey["free"])
    assert answer.attachments.get().original_name == "paper.pdf"
    assert "Community networks need spectrum" in answer.search_text


def test_files_without_a_written_answer_are_refused_not_dropped(
    client, consultation, stakeholder, survey, media_root
):
    client.force_login(stakeholder)
    url = reverse("round_questions", args=[consultation.slug, 1])

    response = client.post(url, {"q1": "1", "q4_files": [_paper()]})

    assert response.status_code == 200
    assert "Files go with a written answer" in response.content.decode()
    assert not Answer.objects.exists() and not Comment.objects.exists()


def test_a_written_answer_with_a_lying_file_is_refused_whole(
    client, consultation, stakeholder, survey, media_root
):
    client.force_login(stakeholder)
    url = reverse("round_questions", args=[consultation.slug, 1])
    fake = _paper(content=b"<html><body>not a pdf</body></html>")

    response = client.post(url, {"q1": "1", "q4": "See our paper.", "q4_files": [fake]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "paper.pdf" in page and "See our paper." in page  # the text is kept
    assert not Answer.objects.exists() and not Comment.objects.exists()
