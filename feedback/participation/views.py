"""Participation balance pages: the staff dashboard with its outreach form, its CSV,
and the public summary.  Reads go through ``feedback.participation.selectors``; the one write
(an invitation) is ``feedback.outreach.services.outreach_send``."""

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from consult import permissions as consult_permissions
from consult.access import consultation_or_404, team_consultation
from feedback.outreach import selectors as outreach_selectors
from feedback.outreach import services as outreach
from feedback.participation import selectors as balance_selectors
from feedback.report import charts as report_charts
from plenary.forms import NOT_DONE, posted, submit
from plenary.text import spreadsheet_safe
from stakeholders.models import StakeholderGroup


# Cells a spreadsheet would run as a formula (gender is free text): prefixed with '.
class OutreachForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Invite registered participants of these groups"),
        queryset=StakeholderGroup.objects.order_by("ordinal", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the service says why an empty choice is refused
        help_text=gettext_lazy(
            "Only people who asked for such invitations get one, and they can stop them "
            "with one click."
        ),
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject"), max_length=outreach.MAX_SUBJECT, strip=False
    )
    message = forms.CharField(
        label=gettext_lazy("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=outreach.MAX_MESSAGE,
        strip=False,
        help_text=gettext_lazy("A link to the consultation is added below your message."),
    )


def _dashboard_consultation(request, slug: str):
    """The consultation, for its secretariat and analysts (moderators and others: 403)."""
    consultation = team_consultation(request, slug)
    if not consult_permissions.can_run_or_analyse(request.user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat and analysts can see this."))
    return consultation


def _charts(balance: balance_selectors.Balance) -> list[dict]:
    """Each dimension with its SVG chart (participants per value; suppressed cells left
    out of the chart, and said so in its description)."""
    charts = []
    for dimension in balance.dimensions.values():
        shown = [(cell.label, cell.participants) for cell in dimension.cells if not cell.suppressed]
        hidden = len(dimension.cells) - len(shown)
        description = _("Participants (people who commented), one bar per value.")
        if hidden:
            description += " " + _(
                "Values with fewer than %(n)d people, and one more value when a single one "
                "would otherwise be worked out from the total, are left out to protect "
                "their privacy."
            ) % {"n": balance_selectors.SMALL_CELL}
        description += " " + _("The table after the chart gives the same numbers.")
        ident = f"chart-{dimension.key}"
        charts.append(
            {
                "dimension": dimension,
                "ident": ident,
                "svg": report_charts.bar_chart_svg(
                    shown, title=str(dimension.title), ident=ident, description=description
                ),
            }
        )
    return charts


def _default_invitation(consultation, balance) -> dict:
    names = ", ".join(cell.label for cell in balance.under_represented)
    return {
        "groups": [
            group
            for group in balance.groups
            if group.slug in {cell.key for cell in balance.under_represented}
        ],
        "subject": _("Your voice is missing: %(title)s") % {"title": consultation.title[:150]},
        "message": _(
            "We are consulting on “%(title)s” and would like to hear more from %(groups)s. "
            "Your view would help the outcome reflect everyone concerned. Please read the draft "
            "and tell us what you think."
        )
        % {"title": consultation.title, "groups": names or _("your stakeholder group")},
    }


def _reachable(consultation, balance) -> list[tuple[str, int]]:
    """(group name, people an invitation would reach now), every group."""
    counts = outreach_selectors.outreach_reachable(consultation=consultation)
    return [(group.reader_name, counts.get(group.pk, 0)) for group in balance.groups]


@login_required
def staff_balance(request, slug: str):
    """The dashboard; POST sends an invitation (the secretariat only: the service checks)."""
    consultation = _dashboard_consultation(request, slug)
    can_invite = consult_permissions.can_run(request.user, consultation)
    form = None
    if can_invite:
        form = OutreachForm(posted(request), prefix="invite")
        invitation = submit(
            request,
            form,
            lambda data: outreach.outreach_send(
                actor=request.user,
                consultation=consultation,
                groups=list(data["groups"]),
                subject=data["subject"],
                message=data["message"],
            ),
        )
        if invitation is not NOT_DONE:
            messages.success(
                request,
                ngettext(
                    "The invitation is on its way to %(n)d person.",
                    "The invitation is on its way to %(n)d people.",
                    invitation.recipients,
                )
                % {"n": invitation.recipients},
            )
            return redirect("staff_balance", slug=consultation.slug)
    elif request.method == "POST":
        raise PermissionDenied(_("Only this consultation's secretariat can send invitations."))
    # Counted only for the page: a sent invitation redirects before this.
    balance = balance_selectors.participation_balance(
        consultation=consultation, audience=balance_selectors.STAFF
    )
    if form is not None and not form.is_bound:
        form.initial = _default_invitation(consultation, balance)
    return render(
        request,
        "stakeholders/balance_staff.html",
        {
            "consultation": consultation,
            "balance": balance,
            "charts": _charts(balance),
            "form": form,
            "history": outreach_selectors.outreach_history(consultation=consultation)
            if can_invite
            else [],
            "reachable": _reachable(consultation, balance) if can_invite else [],
            "per_day": outreach.MAX_PER_DAY,
            "top_n": balance_selectors.TOP_N,
            "threshold_percent": balance.threshold * 100,
        },
        status=400 if form is not None and form.errors else 200,
    )


def _csv_response(balance, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in balance_selectors.balance_csv_rows(balance):
        writer.writerow([spreadsheet_safe(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def staff_balance_csv(request, slug: str):
    """Every figure of the dashboard in one long-format CSV (a few dozen rows)."""
    consultation = _dashboard_consultation(request, slug)
    balance = balance_selectors.participation_balance(
        consultation=consultation, audience=balance_selectors.STAFF
    )
    return _csv_response(balance, f"{consultation.slug}-participation.csv")


@require_GET
def public_participation(request, slug: str):
    """Who took part, for everyone: public comments only, no gender, small cells hidden."""
    consultation = consultation_or_404(slug=slug, user=request.user)
    balance = balance_selectors.participation_balance(
        consultation=consultation, audience=balance_selectors.PUBLIC
    )
    return render(
        request,
        "stakeholders/balance_public.html",
        {
            "consultation": consultation,
            "balance": balance,
            "charts": _charts(balance),
            "small_cell": balance_selectors.SMALL_CELL,
            "top_n": balance_selectors.TOP_N,
        },
    )
