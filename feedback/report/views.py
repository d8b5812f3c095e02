"""The outcome report's staff page and its permission-checked download.

The page shows the report runs of the consultation (state, progress, the
error of a failed run) and a form to request one; while a run is queued or
running it reloads itself with ``<meta http-equiv="refresh">`` (no script).
Files are served from storage by ``report_download`` after the same
permission check, never from a public media URL.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consult.access import consultation_for
from feedback.models import OutcomeReport
from feedback.permissions import require_can_report
from feedback.report import selectors as report_selectors
from feedback.report import services as report
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.forms import NOT_DONE, submit

# Seconds between reloads of the page while a report is being built.
REFRESH_SECONDS = 5
CONTENT_TYPES = {
    OutcomeReport.Format.PDF: "application/pdf",
    OutcomeReport.Format.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
}


class ReportRequestForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=OutcomeReport.Format.choices,
        initial=OutcomeReport.Format.PDF,
        widget=forms.RadioSelect,
    )


@login_required
def report_page(request, slug: str):
    consultation = consultation_for(request, slug, require=require_can_report)
    form = ReportRequestForm(request.POST or None)
    requested = submit(
        request,
        form,
        lambda data: report.report_request(
            actor=request.user, consultation=consultation, format=data["format"]
        ),
    )
    if requested is not NOT_DONE:
        _run, created = requested
        if created:
            messages.success(request, _("The report is being prepared."))
        else:
            messages.info(
                request,
                _("A report of this state of the consultation already exists; here it is."),
            )
        return redirect("staff_report", slug=consultation.slug)
    runs = list(report_selectors.reports_of(consultation=consultation))
    state_key = report.report_state_key(consultation=consultation)
    building = any(
        run.state in (OutcomeReport.State.QUEUED, OutcomeReport.State.RUNNING) for run in runs
    )
    return render(
        request,
        "feedback/report/staff.html",
        {
            "consultation": consultation,
            "form": form,
            "runs": runs,
            "state_key": state_key,
            "building": building,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@require_GET
@login_required
def report_download(request, slug: str, pk: int):
    consultation = consultation_for(request, slug, require=require_can_report)
    run = get_object_or_404(OutcomeReport, pk=pk, consultation=consultation)
    if run.state != OutcomeReport.State.DONE or not run.file:
        raise Http404(_("This report is not ready."))
    audit_record(
        event=Event.EXPORT_DOWNLOADED,
        actor=request.user,
        consultation=consultation,
        target=f"outcome-report.{run.format}",
        request=request,
        report=run.pk,
    )
    filename = f"{consultation.slug}-outcome-report-{run.state_key[:8]}.{run.format}"
    try:
        handle = default_storage.open(run.file.name, "rb")
    except FileNotFoundError as exc:  # e.g. media not restored with the database
        raise Http404(_("This report is not ready.")) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPES[run.format],
    )
