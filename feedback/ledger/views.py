"""The public ledger and the secretariat's triage and decision pages."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comments.attachments.selectors import attachment_lists_set
from comments.signatures.selectors import signature_counts_set
from comments.threads import selectors as comment_selectors
from consult import permissions as consult_permissions
from consult.access import consultation_for, team_consultation
from consult.models import Consultation
from feedback import permissions
from feedback.assignments.forms import triage_assigning
from feedback.ledger import selectors, services
from feedback.ledger.filters import TriageFilter
from feedback.ledger.forms import BulkDecisionForm, DispositionForm, LedgerFilterForm, SnippetForm
from feedback.ledger.paging import CappedPaginator
from feedback.models import DispositionDraft, RationaleSnippet, Status
from feedback.themes import selectors as theme_selectors
from feedback.themes.forms import triage_tagging
from plenary.forms import NOT_DONE, anchored, safe_next, submit
from stakeholders.registry.selectors import stakeholder_groups

PER_PAGE = 50


def ledger(request, slug: str):
    consultation = consultation_for(request, slug)
    is_staff = consult_permissions.is_staff_of(request.user, consultation)
    sections = selectors.ledger_sections(consultation=consultation)
    groups = list(stakeholder_groups())
    counts = selectors.status_counts(consultation=consultation)
    form = LedgerFilterForm(
        request.GET or None, sections=sections, groups=groups, status_counts=counts
    )
    chosen = form.chosen() if form.is_bound else {}
    comments = selectors.ledger_filtered(
        consultation=consultation, viewer=request.user, is_staff=is_staff, **chosen
    )
    page = Paginator(comments, PER_PAGE).get_page(request.GET.get("page"))
    attachment_lists_set(page.object_list)  # one query: the files of the page's comments
    signature_counts_set(page.object_list)  # one query: "1 submission, N co-signatories"
    status_rows = [
        (value, label, counts.get(value, 0))
        for value, label in [("awaiting", _("awaiting response")), *Status.choices]
    ]
    return render(
        request,
        "feedback/ledger.html",
        {
            "consultation": consultation,
            "page": page,
            "form": form,
            "filtered": bool(chosen),
            "query": urlencode(chosen),
            "status_rows": status_rows,
            "counts": counts,
            "head": selectors.ledger_head(consultation=consultation),
            "by_section": selectors.status_counts_by_section(
                consultation=consultation, sections=sections
            ),
            "by_group": selectors.status_counts_by_group(consultation=consultation, groups=groups),
            "is_staff": is_staff,
        },
    )


@login_required
def triage(request, slug: str):
    consultation = team_consultation(request, slug)
    can_decide = permissions.can_decide(request.user, consultation)
    snippets = selectors.snippets_of(consultation=consultation)
    # Built for a POST from anyone: the services, not this view, refuse who may not decide.
    bulk = BulkDecisionForm(request.POST or None, snippets=snippets)
    done = submit(
        request,
        bulk,
        lambda data: _bulk_decide(actor=request.user, consultation=consultation, data=data),
    )
    # The forms post to this very URL: its query string is the filters and the page.
    here = request.get_full_path()
    if done is not NOT_DONE:
        messages.success(request, done)
        return redirect(_back_to(here, bulk))
    # The secretariat: "assign the selected comments" (feedback/assignments/forms.py).
    assigning, assigned = triage_assigning(request, consultation)
    if assigned is not NOT_DONE:
        messages.success(request, assigned)
        return redirect(here)
    # Secretariat and analysts: "tag / untag the selected comments" (feedback/themes/views.py).
    tagging, tagged = triage_tagging(request, consultation)
    if tagged is not NOT_DONE and tagging is not None:
        messages.success(request, tagged)
        return redirect(_back_to(here, tagging))
    filters = TriageFilter(
        request.GET,
        queryset=theme_selectors.with_themes(selectors.triage_comments(consultation=consultation))
        if tagging is not None  # the comments' themes, shown to who may manage them
        else selectors.triage_comments(consultation=consultation),
        consultation=consultation,
    )
    page_number = request.GET.get("page")
    page = CappedPaginator(filters.qs, PER_PAGE, page_number=page_number).get_page(page_number)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("show", None)
    query["status"] = filters.chosen_status
    return render(
        request,
        "feedback/triage.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "consultation": consultation,
            "page": page,
            "filters": filters,
            "status": filters.chosen_status,
            "query": query.urlencode(),
            # Where the decide and themes pages send the person back to (their ``next``).
            "here": here,
            "counts": selectors.triage_counts(consultation=consultation),
            "can_decide": can_decide,
            "tagging": tagging,
            "can_pick": can_decide or tagging is not None,
            "assigning": assigning,
            "bulk": bulk,
            "selected": set(request.POST.getlist("comments")),
            # "Publish all drafts (n)" publishes the points' drafts too: n counts them.
            "draft_count": (
                selectors.draft_count(consultation=consultation)
                + selectors.point_draft_count(consultation=consultation)
                if can_decide
                else 0
            ),
        },
    )


def _back_to(here: str, form) -> str:
    """Triage as it was (``here``), at the first comment the form acted on."""
    acted_on = form.cleaned_data.get("comments") or []
    return anchored(here, f"c-{acted_on[0].receipt}") if acted_on else here


def _bulk_decide(*, actor, consultation: Consultation, data: dict) -> str:
    """Run the bulk form's action (one service call); return the message to show."""
    action = data["action"]
    if action == BulkDecisionForm.DRAFT:
        drafts = services.disposition_draft_bulk(
            actor=actor,
            consultation=consultation,
            comments=data["comments"],
            status=data["status"],
            rationale=data["rationale"],
            snippet=data["snippet"],
            duplicate_of=data["duplicate_of"],
        )
        return ngettext(
            "%(n)d draft decision saved. It is not public yet.",
            "%(n)d draft decisions saved. They are not public yet.",
            len(drafts),
        ) % {"n": len(drafts)}
    selected = data["comments"] if action == BulkDecisionForm.PUBLISH else None
    try:
        batch = services.disposition_publish_drafts(
            actor=actor, consultation=consultation, comments=selected
        )
    except ValidationError as exc:
        # The refusal is about a draft (it names the receipt), not about this form's fields.
        raise ValidationError(exc.messages) from exc
    published = batch.entries.count()
    message = ngettext(
        "%(n)d decision published; each commenter gets one mail.",
        "%(n)d decisions published; each commenter gets one mail.",
        published,
    ) % {"n": published}
    if selected is not None and len(selected) > published:
        skipped = len(selected) - published
        message += " " + ngettext(
            "%(n)d selected comment had no draft and was left as it was.",
            "%(n)d selected comments had no draft and were left as they were.",
            skipped,
        ) % {"n": skipped}
    return message


@login_required
def decide(request, receipt: str):
    comment = comment_selectors.comment_by_receipt(receipt=receipt)
    if comment is None:
        raise Http404(_("No comment has this receipt number."))
    # The secretariat, or a drafter on a comment assigned to them (who may not publish).
    permissions.require_can_draft(request.user, comment)
    can_publish = permissions.can_decide(request.user, comment.consultation)
    draft = DispositionDraft.objects.filter(comment=comment).first()
    amendment = services.amendment_of(comment)
    initial = {}
    if draft:
        initial = {
            "status": draft.status,
            "rationale": draft.rationale,
            "duplicate_of": draft.duplicate_of.receipt if draft.duplicate_of else "",
            "target_section": draft.target_section_id,
            "adopted_text": draft.adopted_text,
        }
    # The appeal this decision answers: the one asked for, the draft's, or the open one.
    appeal = selectors.appeal_to_answer(
        comment=comment,
        appeal_id=request.GET.get("appeal") or (draft.appeal_id if draft else None),
    )
    if appeal is not None:
        initial["appeal"] = appeal.pk
    # "Use this wording": an offered decision's status and rationale fill the
    # form; nothing is written until the person saves it.
    reused = None
    if request.method == "GET" and "use" in request.GET:
        reused = selectors.consistent_answer_to_use(comment=comment, entry_id=request.GET["use"])
        if reused is None:
            messages.warning(
                request,
                _("That published decision could not be found; the form is as it was."),
            )
        else:
            initial.update(status=reused.status, rationale=reused.rationale)
    form = DispositionForm(
        request.POST or None,
        initial=initial,
        snippets=selectors.snippets_of(consultation=comment.consultation),
        target_sections=selectors.later_sections(comment=comment),
        amendment=amendment,
    )
    publish = "publish" in request.POST  # a drafter's is refused by the service (403)
    # The triage list (filters and page) this comment was opened from; kept through a
    # draft save, gone back to after publishing.
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), "")
    decision = submit(
        request,
        form,
        lambda data: services.disposition_record(
            actor=request.user, comment=comment, publish=publish, **data
        ),
    )
    if decision is not NOT_DONE:
        if publish:
            messages.success(
                request,
                _("Decision on %(receipt)s published; the commenter is notified.")
                % {"receipt": comment.receipt},
            )
            if not back and decision.appeal_id:
                return redirect("staff_appeals", slug=comment.consultation.slug)
            triage_list = back or reverse("staff_triage", args=[comment.consultation.slug])
            return redirect(anchored(triage_list, f"c-{comment.receipt}"))
        messages.success(request, _("Draft decision saved. It is not public yet."))
        here = reverse("staff_decide", args=[comment.receipt])
        return redirect(f"{here}?{urlencode({'next': back})}" if back else here)
    return render(
        request,
        "feedback/decide.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "comment": comment,
            "form": form,
            "draft": draft,
            "history": selectors.disposition_history(comment=comment),
            "amendment": amendment,
            "next_section": selectors.next_version_section(comment=comment),
            "appeal": appeal,
            "can_publish": can_publish,
            "offers": selectors.consistent_answers(comment=comment),
            "reused": reused,
            "back": back,
            "can_view_provenance": permissions.can_view_provenance(
                request.user, comment.consultation
            ),
            # require_can_decide above: the viewer is on the consultation's team.
            "thread": comment_selectors.thread_of(
                comment=comment, viewer=request.user, is_staff=True
            ),
        },
    )


@login_required
def appeals(request, slug: str):
    """The consultation's unanswered appeals, soonest due first."""
    consultation = team_consultation(request, slug)
    return render(
        request,
        "feedback/appeals.html",
        {
            "consultation": consultation,
            "appeals": selectors.appeals_open(consultation=consultation),
            "can_decide": permissions.can_decide(request.user, consultation),
            "now": timezone.now(),
        },
    )


# --- the secretariat's workbench: saved rationales and coverage ---------------------


@login_required
def snippets(request, slug: str):
    """Saved rationales: the team sees them; the secretariat adds, edits and deletes."""
    consultation = team_consultation(request, slug)
    form = SnippetForm(request.POST or None)
    created = submit(
        request,
        form,
        lambda data: services.snippet_create(actor=request.user, consultation=consultation, **data),
    )
    if created is not NOT_DONE:
        messages.success(request, _("Saved rationale “%(title)s” added.") % {"title": created})
        return redirect("staff_snippets", slug=consultation.slug)
    return render(
        request,
        "feedback/snippets.html",
        {
            "consultation": consultation,
            "snippets": selectors.snippets_of(consultation=consultation),
            "form": form,
            "can_decide": permissions.can_decide(request.user, consultation),
        },
    )


@login_required
def snippet_edit(request, slug: str, pk: int):
    consultation = team_consultation(request, slug)
    snippet = get_object_or_404(RationaleSnippet, pk=pk, consultation=consultation)
    permissions.require_can_decide(request.user, consultation)
    form = SnippetForm(request.POST or None, initial={"title": snippet.title, "text": snippet.text})
    updated = submit(
        request,
        form,
        lambda data: services.snippet_update(actor=request.user, snippet=snippet, **data),
    )
    if updated is not NOT_DONE:
        messages.success(request, _("Saved rationale “%(title)s” updated.") % {"title": updated})
        return redirect("staff_snippets", slug=consultation.slug)
    return render(
        request,
        "feedback/snippet_edit.html",
        {"consultation": consultation, "snippet": snippet, "form": form},
    )


@login_required
@require_POST
def snippet_delete(request, slug: str, pk: int):
    consultation = team_consultation(request, slug)
    snippet = get_object_or_404(RationaleSnippet, pk=pk, consultation=consultation)
    title = snippet.title
    services.snippet_delete(actor=request.user, snippet=snippet)
    messages.success(
        request,
        _("Saved rationale “%(title)s” deleted. Decisions that used it keep their text.")
        % {"title": title},
    )
    return redirect("staff_snippets", slug=consultation.slug)


@login_required
def coverage(request, slug: str):
    """Share of comments answered and median days to answer, per round and section."""
    consultation = team_consultation(request, slug)
    return render(
        request,
        "feedback/coverage.html",
        {
            "consultation": consultation,
            "coverage": selectors.coverage(consultation=consultation),
            "target_days": settings.PLENARY_RESPONSE_TARGET_DAYS,
        },
    )
