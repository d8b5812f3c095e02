"""Staff pages for input received outside the web: enter one comment, import a CSV
file (preview, then confirm), and the list of what staff entered (page and CSV).
Each write is one service call (comments/offline/services.py)."""

import csv

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.attachments.forms import AttachmentsField
from comments.offline import services as offline
from comments.offline.selectors import entered_comments
from consult import permissions as consult_permissions
from consult.access import consultation_for
from consult.models import Meeting
from plenary.forms import NOT_DONE, add_service_errors, submit
from plenary.text import spreadsheet_safe

SESSION_KEY = "plenary-import-{slug}"
ENTERED_PER_PAGE = 100


class OfflineCommentForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Received by"),
        choices=[(c.value, c.label) for c in offline.OFFLINE_CHANNELS],
    )
    meeting = forms.ModelChoiceField(
        label=gettext_lazy("Meeting (if received at one)"),
        queryset=Meeting.objects.none(),
        required=False,
    )
    received_on = forms.DateField(
        label=gettext_lazy("Date received"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,  # the service says what is missing
    )
    submitter_name = forms.CharField(label=gettext_lazy("Sent by (name)"), required=False)
    submitter_organisation = forms.CharField(
        label=gettext_lazy("Organisation (optional)"), required=False
    )
    section_key = forms.ChoiceField(label=gettext_lazy("On"), required=False)
    question_ordinal = forms.TypedChoiceField(
        label=gettext_lazy("Answer to question (optional)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    body = forms.CharField(
        label=gettext_lazy("The comment, as received"),
        widget=forms.Textarea(attrs={"rows": 10}),
        strip=False,
        required=False,
    )
    attachments = AttachmentsField(
        label=gettext_lazy("Files received with it (optional)"),
    )

    def __init__(self, *args, consultation, rules: offline.OfflineRules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(consultation=consultation)
        sections = sorted(rules.sections.values(), key=lambda s: (-s.version_id, s.ordinal))
        seen: set[str] = set()
        choices = [("", _("The whole draft"))]
        for section in sections:
            if section.key not in seen:
                seen.add(section.key)
                label = f"§{section.ordinal} {section.heading or ''} ({section.key})"
                choices.append((section.key, label))
        self.fields["section_key"].choices = choices
        ordinals = sorted({q.ordinal for q in rules.questions.values() if q.kind == "free_text"})
        self.fields["question_ordinal"].choices = [("", _("None"))] + [
            (n, _("Question %(n)d") % {"n": n}) for n in ordinals
        ]
        self.fields["body"].widget.attrs["maxlength"] = settings.PLENARY_COMMENT_MAX_CHARS


@login_required
def enter(request, slug: str):
    consultation = consultation_for(request, slug, require=consult_permissions.require_can_run)
    rules = offline.OfflineRules(consultation)
    # The meeting page links here with ?channel=meeting&meeting=<id>: start from it.
    initial = {"received_on": timezone.localdate()}
    for name in ("channel", "meeting"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = OfflineCommentForm(
        request.POST or None,
        request.FILES or None,
        consultation=consultation,
        rules=rules,
        initial=initial,
    )
    comment = submit(
        request,
        form,
        lambda data: offline.comment_enter(actor=request.user, consultation=consultation, **data),
    )
    if comment is not NOT_DONE:
        messages.success(
            request,
            _("Entered with receipt number %(receipt)s: send it back to %(name)s.")
            % {"receipt": comment.receipt, "name": comment.submitter_name},
        )
        return redirect("staff_comments_entered", slug=slug)
    return render(
        request, "comments/staff/enter.html", {"consultation": consultation, "form": form}
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (UTF-8)"), required=False)


class ImportConfirmForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


@login_required
def import_csv(request, slug: str):
    """Step 1 (``file`` posted): preview every row, write nothing, keep the file in
    the session.  Step 2 (``sha256`` posted): import the kept file, all or nothing."""
    consultation = consultation_for(request, slug, require=consult_permissions.require_can_run)
    key = SESSION_KEY.format(slug=consultation.slug)
    upload_form = ImportForm()
    confirm_form = None
    preview = None
    if request.method == "POST" and "sha256" in request.POST:
        confirm_form = ImportConfirmForm(request.POST)
        kept = request.session.get(key)
        if confirm_form.is_valid():
            try:
                written = offline.comments_import(
                    actor=request.user,
                    consultation=consultation,
                    data=(kept or "").encode("utf-8"),
                    sha256=confirm_form.cleaned_data["sha256"],
                )
            except ValidationError as exc:
                add_service_errors(confirm_form, exc)
            else:
                request.session.pop(key, None)
                messages.success(
                    request,
                    _(
                        "%(n)d comments imported. Their receipts are at the top of this list "
                        "and in its CSV, to send back to the people who wrote them."
                    )
                    % {"n": len(written)},
                )
                return redirect("staff_comments_entered", slug=slug)
    elif request.method == "POST":
        upload_form = ImportForm(request.POST, request.FILES)
        upload = request.FILES.get("file")
        if upload is None:
            upload_form.add_error("file", _("Choose a CSV file."))
        else:
            data = upload.read(offline.IMPORT_MAX_BYTES + 1)
            preview = offline.comments_import_preview(
                actor=request.user, consultation=consultation, data=data
            )
            if preview.ok:
                # Kept as text (it decoded as UTF-8): the confirmation imports this very file.
                request.session[key] = data.decode("utf-8")
                confirm_form = ImportConfirmForm(initial={"sha256": preview.sha256})
    return render(
        request,
        "comments/staff/import.html",
        {
            "consultation": consultation,
            "upload_form": upload_form,
            "confirm_form": confirm_form,
            "preview": preview,
            "columns": offline.IMPORT_COLUMNS,
            "max_rows": offline.IMPORT_MAX_ROWS,
        },
        status=400 if preview is not None and not preview.ok else 200,
    )


@login_required
def entered(request, slug: str):
    consultation = consultation_for(request, slug, require=consult_permissions.require_can_run)
    paginator = Paginator(entered_comments(consultation=consultation), ENTERED_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "comments/staff/entered.html",
        {"consultation": consultation, "comments": page.object_list, "page": page},
    )


@login_required
def entered_csv(request, slug: str):
    """The receipts of everything staff entered, for the secretariat to send back."""
    consultation = consultation_for(request, slug, require=consult_permissions.require_can_run)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{consultation.slug}-entered.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "receipt",
            "link",
            "channel",
            "received_at",
            "submitter_name",
            "submitter_organisation",
            "section_key",
            "question",
            "entered_by",
            "entered_at",
        ]
    )
    for comment in entered_comments(consultation=consultation):
        writer.writerow(
            [
                comment.receipt,
                settings.SITE_URL + reverse("receipt", args=[comment.receipt]),
                comment.channel,
                timezone.localdate(comment.received_at).isoformat() if comment.received_at else "",
                spreadsheet_safe(comment.submitter_name),
                spreadsheet_safe(comment.submitter_organisation),
                comment.section.key if comment.section else "",
                comment.question.ordinal if comment.question else "",
                comment.entered_by.email if comment.entered_by else "",
                comment.created_at.isoformat(),
            ]
        )
    return response
