"""Co-signature pages: the "Co-sign" button, an organisation's signature links, the
public signatory form and its mailed confirmation, the secretariat's list.
Thin: each POST is one call to ``comments.signatures.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comments import permissions
from comments.access import comment_or_404
from comments.models import SignatureLink
from comments.signatures import selectors, services
from comments.signatures.forms import ConfirmForm, LinkForm, SignatoryForm, SignForm
from plenary import ratelimit
from plenary.forms import NOT_DONE, posted, submit


@require_POST
@login_required
def sign(request, receipt: str):
    """Co-sign a submission, or withdraw one's co-signature; back to its receipt."""
    comment = comment_or_404(receipt, request.user)
    form = SignForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: (
            services.signature_withdraw(actor=request.user, comment=comment)
            if data["action"] == SignForm.WITHDRAW
            else services.signature_sign(actor=request.user, comment=comment)
        ),
    )
    if done is NOT_DONE:
        for error in form.errors.values():
            messages.error(request, " ".join(error))
    elif form.cleaned_data["action"] == SignForm.WITHDRAW:
        messages.success(request, _("Your co-signature is withdrawn."))
    else:
        messages.success(request, _("You co-sign this submission."))
    return redirect("receipt", receipt=comment.receipt)


@login_required
def links(request, receipt: str):
    """An organisation's staff open (and close) signature links for its submission."""
    comment = comment_or_404(receipt, request.user)
    permissions.require_can_collect_signatures(request.user, comment)
    form = LinkForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: (
            services.signature_link_close(
                actor=request.user,
                link=get_object_or_404(SignatureLink, pk=data["close"], comment=comment),
            )
            if data.get("close")
            else services.signature_link_open(actor=request.user, comment=comment)
        ),
    )
    if done is not NOT_DONE:
        return redirect("signature_links", receipt=comment.receipt)
    return render(
        request,
        "comments/signatures/links.html",
        {
            "comment": comment,
            "consultation": comment.consultation,
            "form": form,
            "links": [
                (link, request.build_absolute_uri(reverse("signature_form", args=[link.token])))
                for link in selectors.open_links(comment=comment)
            ],
            "count": selectors.signature_counts(comments=[comment.pk]).get(comment.pk),
            "pending": selectors.pending_count(comment=comment),
        },
    )


@ratelimit.answers_429
def signatory(request, token: str):
    """The public page of a signature link: a name, an address, a group if one wishes."""
    link = (
        SignatureLink.objects.select_related(
            "comment__consultation", "comment__round", "organisation"
        )
        .filter(token=token)
        .first()
    )
    if link is None or not services.link_is_open(link):
        raise Http404(_("This signature link is closed or has expired."))
    comment = link.comment
    form = SignatoryForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: services.signature_collect(
            comment=comment,
            link=link,
            name=data["name"],
            email=data["email"],
            group_id=data["group"].pk if data["group"] else None,
            rate_key=ratelimit.rate_key(request),
        ),
    )
    return render(
        request,
        "comments/signatures/sign.html",
        {
            "comment": comment,
            "consultation": comment.consultation,
            "organisation": link.organisation,
            "form": form,
            "sent": done is not NOT_DONE,
            "readable": permissions.is_public(comment),
        },
    )


def confirm(request, token: str):
    """The mailed link: GET shows a button, POST confirms (single use)."""
    signature = services.signature_pending(token=token)
    form = ConfirmForm(posted(request))
    done = NOT_DONE
    if signature is not None:
        done = submit(request, form, lambda _data: services.signature_confirm(token=token))
    return render(
        request,
        "comments/signatures/confirm.html",
        {
            "signature": signature,
            "comment": signature.comment if signature else None,
            "form": form,
            "confirmed": done is not NOT_DONE,
        },
        status=200 if signature is not None or done is not NOT_DONE else 404,
    )


@login_required
def staff_list(request, receipt: str):
    """The secretariat's list of a submission's signatories: names, groups, sources."""
    comment = comment_or_404(receipt, request.user)
    permissions.require_can_list_signatories(request.user, comment)
    return render(
        request,
        "comments/signatures/staff_list.html",
        {
            "comment": comment,
            "consultation": comment.consultation,
            "signatures": selectors.signatories(comment=comment),
            "count": selectors.signature_counts(comments=[comment.pk]).get(comment.pk),
        },
    )
