"""Moderation pages: report a comment, the moderation queue, one comment's actions, blocks.

Each write is one call into ``comments.moderation.services``; the forms here check
shape only.  Staff pages use the shared guard ``consult.consultations.views.team_consultation``
(404 unknown, 403 without a role) and then require ``moderate_consultation``
(an analyst is on the team but does not moderate).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comments import permissions
from comments.access import comment_or_404
from comments.models import Comment, ConsultationBlock, Flag
from comments.moderation import services as moderation
from comments.moderation.selectors import (
    actions_of_comment,
    blocks_active,
    comments_hidden,
    moderation_counts,
    moderation_queue,
)
from comments.threads import selectors
from consult.access import consultation_for
from plenary.forms import NOT_DONE, safe_next, submit

QUEUE_PER_PAGE = 25
BLOCK = "block"  # not a ModerationAction on the comment: it blocks its author


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why are you reporting this comment?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Details (optional)"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": moderation.NOTE_MAX_CHARS}),
        required=False,
        strip=False,
        help_text=gettext_lazy("Only the moderators read this."),
    )


class ModerationForm(forms.Form):
    """One moderation decision on one comment; the choices follow the comment's state."""

    action = forms.ChoiceField(label=gettext_lazy("Action"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": moderation.REASON_MAX_CHARS}),
        required=False,  # the service says "give a reason" beside the field
        help_text=gettext_lazy(
            "Required. The author is told; when hiding, everyone sees it in place of the text."
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, comment: Comment, has_open_flags: bool, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        labels = {
            moderation.Action.APPROVE: _("Approve (show it)"),
            moderation.Action.HIDE: _("Hide"),
            moderation.Action.RESTORE: _("Restore (show it again)"),
            moderation.Action.DISMISS: _("Dismiss the reports"),
        }
        choices = [
            (action, labels[action])
            for action, (sources, _target) in moderation.TRANSITIONS.items()
            if comment.moderation in sources
            and (action != moderation.Action.DISMISS or has_open_flags)
        ]
        choices.append((BLOCK, _("Block its author from this consultation")))
        self.fields["action"].choices = choices
        # Ids unique per comment when several forms share the queue page.
        self.auto_id = f"m-{comment.receipt}-%s"


class UnblockForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for lifting the block"),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": moderation.REASON_MAX_CHARS}),
        required=False,
    )


@login_required
def flag(request, receipt: str):
    """Report a comment to the moderators (GET: the form; POST: ``flag_create``)."""
    comment = comment_or_404(receipt, request.user)
    if not permissions.can_see_text(request.user, comment):
        raise Http404(_("No comment has this receipt number."))
    form = FlagForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: moderation.flag_create(
            actor=request.user, comment=comment, reason=data["reason"], note=data["note"]
        ),
    )
    if done is not NOT_DONE:
        messages.success(
            request, _("Thank you. The moderators will look at the comment %(r)s.") % {"r": receipt}
        )
        return redirect("receipt", receipt=comment.receipt)
    return render(
        request,
        "comments/moderation/flag.html",
        {"comment": comment, "form": form, "consultation": comment.consultation},
    )


def _act(*, actor, comment: Comment, data: dict):
    if data["action"] == BLOCK:
        return moderation.participant_block(
            actor=actor,
            consultation=comment.consultation,
            user=comment.author,
            reason=data["reason"],
            comment=comment,
        )
    return moderation.comment_moderate(
        actor=actor, comment=comment, action=data["action"], reason=data["reason"]
    )


_DONE = {
    moderation.Action.HIDE: gettext_lazy("Comment %(r)s hidden; its author is told."),
    moderation.Action.RESTORE: gettext_lazy("Comment %(r)s restored; its author is told."),
    moderation.Action.DISMISS: gettext_lazy("Reports on %(r)s dismissed; its author is told."),
    moderation.Action.APPROVE: gettext_lazy("Comment %(r)s approved; its author is told."),
    moderation.Action.BLOCK: gettext_lazy("The author of %(r)s is blocked; they are told."),
}


@login_required
def moderate_comment(request, receipt: str):
    """One comment for a moderator: its text, open reports, history, and the action form."""
    comment = selectors.comment_by_receipt(receipt=receipt)
    if comment is None:
        raise Http404(_("No comment has this receipt number."))
    permissions.require_can_moderate(request.user, comment.consultation)
    open_flags = list(
        Flag.objects.filter(comment=comment, resolved_at__isnull=True).select_related(
            "flagged_by__participant"
        )
    )
    form = ModerationForm(request.POST or None, comment=comment, has_open_flags=bool(open_flags))
    record = submit(
        request, form, lambda data: _act(actor=request.user, comment=comment, data=data)
    )
    if record is not NOT_DONE:
        messages.success(request, _DONE[record.action] % {"r": comment.receipt})
        here = reverse("staff_moderate_comment", args=[comment.receipt])
        return redirect(safe_next(request, form.cleaned_data.get("next"), here))
    return render(
        request,
        "comments/moderation/comment.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "consultation": comment.consultation,
            "comment": comment,
            "open_flags": open_flags,
            "history": actions_of_comment(comment=comment),
            "block": permissions.active_block(
                user=comment.author, consultation=comment.consultation
            ),
            "form": form,
        },
    )


@login_required
def queue(request, slug: str):
    """Reported and pre-moderated comments, oldest waiting first, each with its action form."""
    consultation = consultation_for(request, slug, require=permissions.require_can_moderate)
    lookup = request.GET.get("receipt", "").strip()
    if lookup:
        found = selectors.comment_by_receipt(receipt=lookup)
        if found is not None and found.consultation_id == consultation.pk:
            return redirect("staff_moderate_comment", receipt=found.receipt)
        messages.error(request, _("No comment of this consultation has this receipt number."))
    page = Paginator(moderation_queue(consultation=consultation), QUEUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    next_url = request.get_full_path()
    rows = [
        (
            comment,
            ModerationForm(
                initial={"next": next_url},
                comment=comment,
                has_open_flags=bool(comment.open_flags),
            ),
        )
        for comment in page
    ]
    return render(
        request,
        "comments/moderation/queue.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "consultation": consultation,
            "page": page,
            "rows": rows,
            "counts": moderation_counts(consultation=consultation),
            "hidden": comments_hidden(consultation=consultation),
            "lookup": lookup,
        },
    )


@login_required
def blocks(request, slug: str):
    """Participants blocked from the consultation, each with a form to lift the block."""
    consultation = consultation_for(request, slug, require=permissions.require_can_moderate)
    return render(
        request,
        "comments/moderation/blocks.html",
        {
            "consultation": consultation,
            "blocks": blocks_active(consultation=consultation),
            "form": UnblockForm(),
        },
    )


@login_required
@require_POST
def unblock(request, slug: str, pk: int):
    consultation = consultation_for(request, slug, require=permissions.require_can_moderate)
    block = get_object_or_404(
        ConsultationBlock.objects.select_related("user__participant"),
        pk=pk,
        consultation=consultation,
    )
    form = UnblockForm(request.POST)
    record = submit(
        request,
        form,
        lambda data: moderation.participant_unblock(
            actor=request.user, consultation=consultation, block=block, reason=data["reason"]
        ),
    )
    if record is NOT_DONE:
        return render(
            request,
            "comments/moderation/blocks.html",
            {
                "consultation": consultation,
                "blocks": blocks_active(consultation=consultation),
                "form": UnblockForm(),
                "failed": block.pk,
                "failed_form": form,
            },
            status=400,
        )
    messages.success(request, _("Block lifted; the participant is told."))
    return redirect("staff_blocks", slug=consultation.slug)
