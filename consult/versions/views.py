"""Pages of versioned drafts: the versions list, the diff, an earlier version's section,
the downloads; and the staff's file upload and matching corrections.  Each write is one
service call (consult.versions.drafts)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from comments.threads import selectors as comment_selectors
from consult import permissions
from consult.access import consultation_for, team_consultation
from consult.models import DocumentVersion, Section
from consult.versions import drafts, exports
from consult.versions import selectors as version_selectors
from consult.versions import services as version_services
from consult.versions.diff import diff_summary, fold_unchanged, version_diff
from consult.versions.forms import (
    DraftUploadForm,
    MatchingForm,
    VersionDeleteForm,
    VersionPickForm,
    VersionPublishForm,
)
from feedback.trace import selectors as trace
from plenary.forms import NOT_DONE, add_service_errors, submit
from plenary.keyset import page_from_query


def _version_or_404(consultation, number: int, *, is_staff: bool) -> DocumentVersion:
    version = version_selectors.version_for_viewer(
        consultation=consultation, number=number, is_staff=is_staff
    )
    if version is None:
        raise Http404(_("No such version of this draft."))
    return version


def versions(request, slug: str):
    """Every version the viewer may read, its downloads, and a form to compare two."""
    consultation = consultation_for(request, slug)
    is_staff = permissions.is_staff_of(request.user, consultation)
    version_list = list(
        version_selectors.versions_for_viewer(consultation=consultation, is_staff=is_staff)
    )
    numbers = [v.number for v in version_list]
    # "What changed" compares with the previous version this viewer may read.
    for earlier, version in zip([None, *version_list], version_list, strict=False):
        version.previous_number = earlier.number if earlier else None
    form = VersionPickForm(request.GET if "old" in request.GET else None, numbers=numbers)
    if form.is_bound and form.is_valid():
        return redirect(
            "version_diff", slug=slug, old=form.cleaned_data["old"], new=form.cleaned_data["new"]
        )
    return render(
        request,
        "consult/versions/list.html",
        {
            "consultation": consultation,
            "versions": version_list,
            "form": form,
            "is_staff": is_staff,
            "can_run": permissions.can_run(request.user, consultation),
        },
        status=400 if form.is_bound else 200,
    )


def diff(request, slug: str, old: int, new: int):
    consultation = consultation_for(request, slug)
    is_staff = permissions.is_staff_of(request.user, consultation)
    older = _version_or_404(consultation, old, is_staff=is_staff)
    newer = _version_or_404(consultation, new, is_staff=is_staff)
    rows = version_diff(old=older, new=newer)
    because = trace.diff_because(rows=rows, new=newer, viewer=request.user, is_staff=is_staff)
    for row in rows:
        row.because = because[row.key]
    # Changes only by default: runs of unchanged sections fold into a count
    # with a link to ?all=1 (no JavaScript), and are not rendered.
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "consult/versions/diff.html",
        {
            "consultation": consultation,
            "old": older,
            "new": newer,
            "rows": rows if show_all else fold_unchanged(rows),
            "show_all": show_all,
            "summary": diff_summary(rows),
        },
    )


def version_section(request, slug: str, number: int, key: str):
    """A section as it stood in a given version, with the comments made on it then."""
    consultation = consultation_for(request, slug)
    is_staff = permissions.is_staff_of(request.user, consultation)
    version = _version_or_404(consultation, number, is_staff=is_staff)
    section = get_object_or_404(
        Section.objects.select_related("version__consultation"), version=version, key=key
    )
    page, cursor_error = page_from_query(
        request.GET,
        lambda **cursor: comment_selectors.section_thread_page(
            section=section, viewer=request.user, is_staff=is_staff, **cursor
        ),
    )
    later = (
        Section.objects.filter(version__consultation=consultation, key=key)
        .filter(permissions.versions_q(is_staff=is_staff, prefix="version__"))
        .filter(version__number__gt=number)
        .select_related("version")
        .order_by("version__number")
        .last()
    )
    return render(
        request,
        "consult/versions/section.html",
        {
            "consultation": consultation,
            "version": version,
            "section": section,
            "page": page,
            "cursor_error": cursor_error,
            "later": later,
            "is_staff": is_staff,
            "round_is_open": False,
        },
        status=400 if cursor_error else 200,
    )


def download(request, slug: str, number: int, file_format: str):
    consultation = consultation_for(request, slug)
    is_staff = permissions.is_staff_of(request.user, consultation)
    version = _version_or_404(consultation, number, is_staff=is_staff)
    if file_format not in exports.BUILDERS:
        raise Http404(_("Downloads are PDF, DOCX or ODT."))
    content, content_type, name = exports.version_file(version=version, file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if version.published_at is None:
        response["Cache-Control"] = "private, no-store"
    return response


# --- staff -------------------------------------------------------------------


@login_required
def staff_draft_upload(request, slug: str):
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    form = DraftUploadForm(request.POST or None, request.FILES or None)
    version = submit(
        request,
        form,
        lambda data: version_services.draft_import_file(
            actor=request.user,
            consultation=consultation,
            name=data["file"].name,
            content=data["file"].read(drafts.DRAFT_UPLOAD_MAX_BYTES + 1),
            changelog=data["changelog"],
        ),
    )
    if version is not NOT_DONE:
        messages.success(
            request,
            _("Version %(n)d imported with %(count)d sections.")
            % {"n": version.number, "count": version.sections.count()},
        )
        if version.number > 1:
            return redirect("staff_version_matching", slug=consultation.slug, number=version.number)
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request, "consult/versions/upload.html", {"consultation": consultation, "form": form}
    )


@login_required
def staff_version_matching(request, slug: str, number: int):
    """Each section of version ``number`` beside the earlier section it continues."""
    consultation = team_consultation(request, slug)
    version = get_object_or_404(DocumentVersion, consultation=consultation, number=number)
    earlier = drafts.previous_version(version)
    if earlier is None:
        raise Http404(_("The first version has nothing to match against."))
    sections = list(version.sections.select_related("previous").order_by("ordinal"))
    previous_sections = list(earlier.sections.order_by("ordinal"))
    can_edit = version.published_at is None and permissions.can_run(request.user, consultation)
    form = MatchingForm(
        request.POST if request.method == "POST" else None,
        sections=sections,
        previous_sections=previous_sections,
    )
    if request.method == "POST":
        permissions.require_can_run(request.user, consultation)
        if form.is_valid():
            try:
                version_services.version_match_set(
                    actor=request.user, version=version, matches=form.matches()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The matching is saved."))
                return redirect(reverse("staff_version_matching", args=[consultation.slug, number]))
    rows = [(section, form[name]) for section, name in form.rows]
    return render(
        request,
        "consult/versions/matching.html",
        {
            "consultation": consultation,
            "version": version,
            "earlier": earlier,
            "rows": rows,
            "form": form,
            "can_edit": can_edit,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def staff_version_delete(request, slug: str, number: int):
    """Confirm, then delete an unpublished version (``version_services.version_delete``).

    GET asks for confirmation (no script: a form with one button); POST deletes, or
    shows why not (published, not the newest, named by a round or comments)."""
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    version = get_object_or_404(DocumentVersion, consultation=consultation, number=number)
    form = VersionDeleteForm(request.POST if request.method == "POST" else None)
    done = submit(
        request,
        form,
        lambda _data: version_services.version_delete(actor=request.user, version=version),
    )
    if done is not NOT_DONE:
        messages.success(request, _("Version %(n)d is deleted.") % {"n": number})
        return redirect("staff_consultation", slug=consultation.slug)
    return render(
        request,
        "consult/versions/delete.html",
        {"consultation": consultation, "version": version, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def staff_version_publish(request, slug: str, number: int):
    """Confirm, then publish an unpublished version (``version_services.version_publish``):
    a composed draft (issue 24) or an import, without opening a round."""
    consultation = team_consultation(request, slug)
    permissions.require_can_run(request.user, consultation)
    version = get_object_or_404(DocumentVersion, consultation=consultation, number=number)
    form = VersionPublishForm(request.POST if request.method == "POST" else None)
    done = submit(
        request,
        form,
        lambda _data: version_services.version_publish(actor=request.user, version=version),
    )
    if done is not NOT_DONE:
        messages.success(request, _("Version %(n)d is published.") % {"n": number})
        return redirect("versions", slug=consultation.slug)
    return render(
        request,
        "consult/versions/publish.html",
        {"consultation": consultation, "version": version, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
