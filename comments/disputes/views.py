"""Disputed authorship pages: "This was not me" on a receipt, and the page the link
mailed to the named person opens.  Each write is one call into
``feedback.disputes.services``, which runs ``comments.disputes.services`` and
records the event on the public record."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comments import permissions
from comments.access import comment_or_404
from comments.disputes import selectors
from comments.disputes.forms import DisputeAnswerForm, DisputeForm
from comments.models import Dispute
from feedback.disputes import services as disputes
from plenary import ratelimit
from plenary.forms import NOT_DONE, submit


@login_required
@ratelimit.answers_429
def dispute(request, receipt: str):
    """GET: the form; POST: ``dispute_report`` (confirmed at once for the named person
    and the organisation's verified staff, otherwise awaiting the named person)."""
    comment = comment_or_404(receipt, request.user)
    permissions.require_can_dispute(request.user, comment)
    form = DisputeForm(request.POST or None)
    filed = submit(
        request,
        form,
        lambda data: disputes.dispute_report(
            actor=request.user,
            comment=comment,
            reason=data["reason"],
            rate_key=ratelimit.rate_key(request),
        ),
    )
    if filed is not NOT_DONE:
        if filed.status == Dispute.Status.CONFIRMED:
            text = _(
                "Recorded: comment %(r)s now shows that the named person says they did not "
                "submit it. The secretariat will decide."
            )
        else:
            text = _(
                "Recorded. We have asked the person named on comment %(r)s to confirm; the "
                "secretariat will decide."
            )
        messages.success(request, text % {"r": comment.receipt})
        return redirect("receipt", receipt=comment.receipt)
    return render(
        request,
        "comments/disputes/dispute.html",
        {
            "comment": comment,
            "consultation": comment.consultation,
            "form": form,
            "confirms_at_once": permissions.confirms_at_once(request.user, comment),
        },
    )


def dispute_answer(request, token: str):
    """The page the mailed link opens (no sign-in: the link is the proof of the
    address on record).  Two buttons, each a POST; a used, expired or unknown link
    answers 400 with what to do."""
    found = selectors.dispute_by_token(token=token)
    refusal = (
        _("This link is not valid. Check that it is complete.")
        if found is None
        else permissions.dispute_link_refusal(found)
    )
    form = DisputeAnswerForm(request.POST or None)
    answered = NOT_DONE
    if not refusal:
        answered = submit(
            request,
            form,
            lambda data: disputes.dispute_answer(token=token, answer=data["answer"]),
        )
    context = {"dispute": found, "comment": found.comment if found else None, "form": form}
    if answered is not NOT_DONE:
        return render(request, "comments/disputes/answered.html", context | {"dispute": answered})
    if refusal:
        return render(
            request, "comments/disputes/answer.html", context | {"refusal": refusal}, status=400
        )
    return render(request, "comments/disputes/answer.html", context)
