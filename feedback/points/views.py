"""The team's page for answering a long comment point by point (issue 23)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comments.attachments.selectors import attachment_lists_set
from comments.models import Attachment, Comment
from comments.threads import selectors as comment_selectors
from feedback import permissions
from feedback.models import CommentPoint
from feedback.points import passages, selectors, services
from feedback.points.forms import PointDecisionForm, PointNumberForm, SplitForm
from plenary.forms import NOT_DONE, submit


def _comment(request, receipt: str) -> Comment:
    comment = comment_selectors.comment_by_receipt(receipt=receipt)
    if comment is None:
        raise Http404(_("No comment has this receipt number."))
    permissions.require_can_split_points(request.user, comment.consultation)
    return comment


def _source(request, comment: Comment) -> Attachment | None:
    """The text being split: the body, or an attachment's (``?source=<pk>``)."""
    chosen = request.POST.get("source") or request.GET.get("source") or ""
    if not chosen.isdigit():
        return None
    attachment = Attachment.objects.filter(comment=comment, pk=int(chosen)).first()
    if attachment is None:
        raise Http404(_("This comment has no such file."))
    return attachment


def _page(request, comment: Comment, *, split_form=None, decision=None, status=200):
    attachment = _source(request, comment)
    text = attachment.extracted_text if attachment else comment.body
    paragraphs = [text[start:end] for start, end in passages.paragraph_spans(text)]
    points = list(selectors.points_with_drafts(comment=comment))
    can_decide = permissions.can_decide(request.user, comment.consultation)
    rows = []
    for point in points:
        form = None
        if can_decide:
            if decision is not None and decision[0] == point.number:
                form = decision[1]
            else:
                draft = getattr(point, "draft", None)
                form = PointDecisionForm(
                    initial={
                        "status": draft.status if draft else None,
                        "rationale": draft.rationale if draft else "",
                    },
                    prefix=f"p{point.number}",
                )
        rows.append({"point": point, "form": form})
    attachment_lists_set([comment])
    return render(
        request,
        "feedback/points.html",
        {
            "comment": comment,
            "attachment": attachment,
            "source_text": text,
            "segments": passages.source_segments(text),
            "split_form": split_form or SplitForm(paragraphs=paragraphs),
            "rows": rows,
            "summary": selectors.summarise(points),
            "can_decide": can_decide,
            "drafts": sum(1 for point in points if getattr(point, "draft", None)),
            "readable_files": [a for a in comment.attachment_list if a.extracted_text.strip()],
        },
        status=status,
    )


def _back(comment: Comment, attachment: Attachment | None):
    response = redirect("staff_points", receipt=comment.receipt)
    if attachment is not None:
        response["Location"] += f"?source={attachment.pk}"
    return response


@login_required
def points(request, receipt: str):
    """GET: the comment, its points and their decisions; POST: split it further."""
    comment = _comment(request, receipt)
    if request.method != "POST":
        return _page(request, comment)
    attachment = _source(request, comment)
    text = attachment.extracted_text if attachment else comment.body
    form = SplitForm(
        request.POST,
        paragraphs=[text[start:end] for start, end in passages.paragraph_spans(text)],
    )

    def split(data):
        if data.get("start") is not None and data.get("end") is not None:
            return services.points_split(
                actor=request.user,
                comment=comment,
                spans=[(data["start"], data["end"])],
                attachment=attachment,
            )
        return services.points_split_paragraphs(
            actor=request.user,
            comment=comment,
            selected=[int(i) for i in data["paragraphs"]],
            breaks=[int(i) for i in data["breaks"]],
            attachment=attachment,
        )

    made = submit(request, form, split)
    if made is NOT_DONE:
        return _page(request, comment, split_form=form, status=400)
    messages.success(
        request,
        ngettext("%(n)d point added.", "%(n)d points added.", len(made)) % {"n": len(made)},
    )
    return _back(comment, attachment)


def _point(comment: Comment, number) -> CommentPoint:
    point = (
        CommentPoint.objects.filter(comment=comment, number=int(number)).first()
        if str(number).isdigit()
        else None
    )
    if point is None:
        raise Http404(_("This comment has no such point."))
    return point


@login_required
@require_POST
def point_decide(request, receipt: str):
    """Save a point's draft decision, or save and publish it."""
    comment = _comment(request, receipt)
    point = _point(comment, request.POST.get("point", ""))
    form = PointDecisionForm(request.POST, prefix=f"p{point.number}")
    publish = "publish" in request.POST

    def decide(data):
        draft = services.point_draft_save(
            actor=request.user, point=point, status=data["status"], rationale=data["rationale"]
        )
        if publish:
            return services.point_publish(actor=request.user, point=point)
        return draft

    done = submit(request, form, decide)
    if done is NOT_DONE:
        return _page(request, comment, decision=(point.number, form), status=400)
    if publish:
        messages.success(
            request, _("The point's decision is published; the commenter is notified.")
        )
    else:
        messages.success(request, _("Draft decision saved. It is not public yet."))
    return redirect("staff_points", receipt=comment.receipt)


@login_required
@require_POST
def points_publish(request, receipt: str):
    """Publish every drafted decision on the comment's points, as one batch."""
    comment = _comment(request, receipt)
    form = PointNumberForm({"number": 0})  # nothing to fill in: a place for the refusal
    batch = submit(
        request, form, lambda _data: services.points_publish(actor=request.user, comment=comment)
    )
    if batch is NOT_DONE:
        for error in form.non_field_errors() or form.errors.get("status", []):
            messages.error(request, error)
        return redirect("staff_points", receipt=comment.receipt)
    count = batch.entries.count()
    messages.success(
        request,
        ngettext(
            "%(n)d decision published; the commenter is notified.",
            "%(n)d decisions published; the commenter is notified.",
            count,
        )
        % {"n": count},
    )
    return redirect("staff_points", receipt=comment.receipt)


@login_required
@require_POST
def point_remove(request, receipt: str):
    comment = _comment(request, receipt)
    point = _point(comment, request.POST.get("point", ""))
    form = PointNumberForm({"number": point.number})
    done = submit(
        request, form, lambda _data: services.point_remove(actor=request.user, point=point)
    )
    if done is NOT_DONE:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Point removed."))
    return redirect("staff_points", receipt=comment.receipt)
