"""Pages for a round's questions: the secretariat defines them, participants answer,
anyone reads the tallies (page and CSV).  Each write is one service call."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comments import permissions as comment_permissions
from comments.answers import selectors as answer_selectors
from comments.answers import services as answering
from consult import permissions
from consult.access import consultation_for, team_consultation
from consult.charter import selectors as charter
from consult.models import Question, Round
from consult.questions import selectors as question_selectors
from consult.questions import services as questions
from consult.questions.forms import AnswersForm, QuestionForm
from plenary import ratelimit
from plenary.forms import NOT_DONE, submit
from plenary.text import spreadsheet_safe


def _staff_round(request, slug: str, number: int) -> Round:
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    return get_object_or_404(
        Round.objects.select_related("consultation"), consultation=consultation, number=number
    )


@login_required
def staff_questions(request, slug: str, number: int):
    """The round's questions, and a form to add one."""
    round_ = _staff_round(request, slug, number)
    form = QuestionForm(request.POST or None)
    question = submit(
        request,
        form,
        lambda data: questions.question_create(actor=request.user, round_=round_, **data),
    )
    if question is not NOT_DONE:
        messages.success(request, _("Question %(n)d added.") % {"n": question.ordinal})
        return redirect("staff_questions", slug=slug, number=number)
    return render(
        request,
        "consult/staff/questions.html",
        {
            "consultation": round_.consultation,
            "round": round_,
            "questions": question_selectors.questions_of(round_=round_),
            "form": form,
        },
    )


def _staff_question(request, slug: str, number: int, ordinal: int) -> Question:
    round_ = _staff_round(request, slug, number)
    return get_object_or_404(
        Question.objects.select_related("round__consultation"), round=round_, ordinal=ordinal
    )


@login_required
def staff_question_edit(request, slug: str, number: int, ordinal: int):
    question = _staff_question(request, slug, number, ordinal)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    done = submit(
        request,
        form,
        lambda data: questions.question_update(actor=request.user, question=question, **data),
    )
    if done is not NOT_DONE:
        messages.success(request, _("Question %(n)d saved.") % {"n": question.ordinal})
        return redirect("staff_questions", slug=slug, number=number)
    return render(
        request,
        "consult/staff/question_edit.html",
        {
            "consultation": question.round.consultation,
            "round": question.round,
            "question": question,
            "form": form,
        },
    )


@login_required
@require_POST
def staff_question_change(request, slug: str, number: int, ordinal: int):
    """Move a question up or down, or delete it (``action`` = up, down, delete)."""
    question = _staff_question(request, slug, number, ordinal)
    action = request.POST.get("action")
    try:
        if action == "delete":
            questions.question_delete(actor=request.user, question=question)
            messages.success(request, _("Question deleted."))
        elif action in ("up", "down"):
            questions.question_move(actor=request.user, question=question, up=action == "up")
            messages.success(request, _("Order saved."))
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("staff_questions", slug=slug, number=number)


# --- participants ------------------------------------------------------------------


def _public_round(request, slug: str, number: int) -> Round:
    consultation = consultation_for(request, slug)
    return get_object_or_404(
        Round.objects.select_related("consultation"), consultation=consultation, number=number
    )


@ratelimit.answers_429
def round_questions(request, slug: str, number: int):
    """The round's questions as one form (while it is open), with the tallies so far."""
    round_ = _public_round(request, slug, number)
    round_list = list(question_selectors.questions_of(round_=round_))
    if not round_list:
        raise Http404
    initial = answer_selectors.answers_of(actor=request.user, round_=round_)
    form = AnswersForm(
        request.POST or None,
        request.FILES or None,
        questions=round_list,
        initial=initial,
        needs_charter=charter.charter_needed(user=request.user, consultation=round_.consultation),
    )
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")

    # Written answers are comments: the service counts them against the comment
    # rate limit; a refusal is the form's error, and a 429 (answers_429).
    written = submit(
        request,
        form,
        lambda data: answering.answers_submit(
            actor=request.user,
            round_=round_,
            answers=form.answers(),
            accept_code_of_conduct=data.get("accept_code_of_conduct", False),
            files=form.uploaded(),
            rate_key=ratelimit.rate_key(request),
        ),
    )
    if written is not NOT_DONE:
        message = _("Thank you: your answers are recorded.")
        if written:
            message += " " + _("Your written answers are comments with receipts: %(r)s.") % {
                "r": ", ".join(comment.receipt for comment in written)
            }
        messages.success(request, message)
        return redirect("round_questions", slug=slug, number=number)
    return render(
        request,
        "consult/questions.html",
        {
            "consultation": round_.consultation,
            "round": round_,
            "round_is_open": round_.is_open(),
            "form": form,
            "tallies": answer_selectors.round_tallies(round_=round_, asked=round_list),
            "can_answer": request.user.is_authenticated
            and comment_permissions.has_profile(request.user),
            "answered": bool(initial),
        },
    )


def round_answers_csv(request, slug: str, number: int):
    """The tallies as CSV: one row per option of every choice and scale question."""
    round_ = _public_round(request, slug, number)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{round_.consultation.slug}-round-{round_.number}-answers.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["question", "question_text", "kind", "option", "count"])
    for tally in answer_selectors.round_tallies(round_=round_):
        question = tally.question
        if question.kind == Question.Kind.FREE_TEXT:
            # The text is in the ledger exports, as comments; here only how many.
            writer.writerow(
                [
                    question.ordinal,
                    spreadsheet_safe(question.text),
                    question.kind,
                    "",
                    tally.free_text_answers,
                ]
            )
            continue
        for label, count in tally.options:
            option = label if question.kind == Question.Kind.SCALE else spreadsheet_safe(label)
            writer.writerow(
                [question.ordinal, spreadsheet_safe(question.text), question.kind, option, count]
            )
    return response
