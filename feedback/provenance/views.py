"""The secretariat's provenance pages: one submission's provenance panel, and the
suspicious-activity view (bursts with their members).  Read-only: nothing is hidden
or changed here; a person decides through moderation and decisions."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from comments.threads import selectors as comment_selectors
from consult.access import consultation_for
from feedback import permissions
from feedback.provenance import selectors
from feedback.provenance.bursts import Thresholds

BURSTS_PER_PAGE = 20
# Members listed per burst on the page; the API lists more (feedback/provenance/api.py).
MEMBERS_SHOWN = 50


def rules_shown(thresholds: Thresholds) -> dict[str, int]:
    """The thresholds as the page states them (whole minutes)."""
    return {
        "size": thresholds.network_size,
        "accounts": thresholds.accounts,
        "gap": int(thresholds.account_gap.total_seconds() // 60),
        "window": int(thresholds.window.total_seconds() // 60),
    }


@login_required
def activity(request, slug: str):
    """Bursts of submissions, largest first, each with its members (capped)."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_provenance)
    bursts = selectors.bursts_of(consultation=consultation)
    page = Paginator(bursts, BURSTS_PER_PAGE).get_page(request.GET.get("page"))
    shown = [
        {
            **selectors.burst_label(burst),
            "members": burst.members[:MEMBERS_SHOWN],
            "more": max(burst.size - MEMBERS_SHOWN, 0),
        }
        for burst in page.object_list
    ]
    return render(
        request,
        "feedback/provenance_activity.html",
        {
            "consultation": consultation,
            "page": page,
            "bursts": shown,
            "total": len(bursts),
            "rules": rules_shown(Thresholds.from_settings()),
        },
    )


@login_required
def provenance(request, slug: str, receipt: str):
    """Where one submission came from: channel, account, address, organisation, cluster, bursts."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_provenance)
    comment = comment_selectors.comment_by_receipt(receipt=receipt)
    if comment is None or comment.consultation_id != consultation.pk:
        raise Http404(_("No comment of this consultation has this receipt number."))
    comment.consultation = consultation
    return render(
        request,
        "feedback/provenance.html",
        {
            "consultation": consultation,
            "comment": comment,
            "provenance": selectors.provenance_of(comment=comment),
            "can_decide": permissions.can_decide(request.user, consultation),
        },
    )
