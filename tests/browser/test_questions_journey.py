"""Answering a round's questions in a browser without JavaScript: every kind of field,
a refusal that keeps the written text, then the counts on the consultation page."""

import pytest

from comments.models import Comment
from consult.models import Answer
from consult.questions import services as questions
from tests.stakeholders.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_participant_answers_the_questions_without_javascript(
    live_server, new_page, consultation, secretariat, stakeholder
):
    round_ = consultation.rounds.get()
    questions.question_create(
        actor=secretariat,
        round_=round_,
        text="Should it cover municipalities?",
        kind="single",
        required=True,
        choices=["Yes", "No"],
    )
    questions.question_create(
        actor=secretariat,
        round_=round_,
        text="How clear is it?",
        kind="scale",
        scale_min_label="unclear",
        scale_max_label="very clear",
    )
    questions.question_create(
        actor=secretariat, round_=round_, text="What is missing?", kind="free_text"
    )
    base = live_server.url
    page = new_page(java_script_enabled=False)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(stakeholder.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.goto(f"{base}/c/{consultation.slug}/")
    page.get_by_role("link", name="Answer the round's 3 questions").click()
    page.get_by_label("5 (very clear)").check()
    page.get_by_label("3. What is missing?").fill("A word on fees.")
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("This question needs an answer.").is_visible()
    assert page.get_by_label("3. What is missing?").input_value() == "A word on fees."
    assert not Answer.objects.exists()

    page.get_by_label("No").check()
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("Thank you: your answers are recorded.").is_visible()
    comment = Comment.objects.get(question__isnull=False)
    assert comment.body == "A word on fees."
    page.goto(f"{base}/c/{consultation.slug}/")
    counts = page.locator("#tally-1").inner_text()
    assert "No\t1" in counts and "Yes\t0" in counts
