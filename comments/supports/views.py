"""The support button's page.  The button (templates/comments/supports/_button.html) posts
here from the thread and the paragraph page and comes back to ``#c-<receipt>``; a GET,
or a refusal, shows the change with its button and what to do (for instance accept
the code of conduct, in the same action)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from comments import permissions
from comments.access import comment_or_404
from comments.supports import selectors, services
from comments.supports.forms import SupportForm
from consult import permissions as consult_permissions
from consult.charter import selectors as charter
from plenary import ratelimit
from plenary.forms import NOT_DONE, anchored, posted, safe_next, submit


@login_required
@ratelimit.answers_429
def support(request, receipt: str):
    comment = comment_or_404(receipt, request.user)
    if not permissions.is_amendment(comment) or not permissions.can_see_text(request.user, comment):
        raise Http404(_("No proposed change has this receipt number."))
    form = SupportForm(
        posted(request),
        charter_needed=charter.charter_needed(user=request.user, consultation=comment.consultation),
    )
    result = submit(
        request,
        form,
        lambda data: (
            services.amendment_support_withdraw(
                actor=request.user, comment=comment, rate_key=ratelimit.rate_key(request)
            )
            if data["withdraw"]
            else services.amendment_support(
                actor=request.user,
                comment=comment,
                accept_code_of_conduct=data["accept_code_of_conduct"],
                rate_key=ratelimit.rate_key(request),
            )
        ),
    )
    section_url = reverse("section", args=[comment.consultation.slug, comment.section.key])
    if result is not NOT_DONE:
        if form.cleaned_data["withdraw"]:
            messages.success(
                request, _("Your support of %(r)s is withdrawn.") % {"r": comment.receipt}
            )
        else:
            messages.success(request, _("You support the change %(r)s.") % {"r": comment.receipt})
        back = safe_next(request, form.cleaned_data["next"], section_url)
        return redirect(anchored(back, f"c-{comment.receipt}"))
    is_staff = consult_permissions.is_staff_of(request.user, comment.consultation)
    selectors.support_states_set([comment], viewer=request.user, is_staff=is_staff)
    if not form.is_bound:
        form.initial = {
            "next": request.GET.get("next", ""),
            "withdraw": bool(comment.support and comment.support.supported),  # type: ignore[attr-defined]
        }
    return render(
        request,
        "comments/supports/support.html",
        {
            "comment": comment,
            "consultation": comment.consultation,
            "section": comment.section,
            "form": form,
            "section_url": section_url,
        },
        status=400 if form.errors else 200,
    )
