"""Threads on a section, the receipt page and "my input".  Each write is one service call."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comments import permissions
from comments.access import comment_or_404
from comments.amendments.selectors import amendment_of, section_plain_text
from comments.attachments.selectors import attachment_lists_set
from comments.models import Comment
from comments.redaction import selectors as redaction_selectors
from comments.signatures import selectors as signature_selectors
from comments.supports import selectors as supports
from comments.threads import selectors, services
from comments.threads.forms import (
    AmendmentEditForm,
    AmendmentForm,
    CommentEditForm,
    CommentForm,
    ReceiptLookupForm,
    amendment_of_form,
)
from comments.threads.receipts import RECEIPT_RE, normalise
from comments.threads.selectors import earlier_comment_counts
from consult import permissions as consult_permissions
from consult.access import consultation_for
from consult.charter import selectors as charter
from consult.consultations.selectors import consultation_with_rounds, round_current
from consult.models import Section
from consult.translations import selectors as translations
from feedback import permissions as feedback_permissions
from feedback.ledger import services as feedback_services
from feedback.ledger.forms import AppealForm
from feedback.ledger.selectors import disposition_history_with_appeals
from feedback.permissions import appeal_window_closes_at, current_disposition
from feedback.points import selectors as point_selectors
from feedback.trace import selectors as trace
from plenary import ratelimit
from plenary.forms import NOT_DONE, posted, submit
from plenary.keyset import page_from_query
from plenary.pagecache import anonymous_micro_cache
from plenary.text import render_markdown
from stakeholders.registry.selectors import organisations_for_behalf

MY_INPUT_PER_PAGE = 50


@anonymous_micro_cache  # a deadline surge of readers (plenary/pagecache.py)
@ratelimit.answers_429
def section_thread(request, slug: str, key: str):
    # With its rounds, from the read cache (plenary/readcache.py): the page and
    # its comment form ask the current round without a query.
    consultation = consultation_with_rounds(slug=slug)
    if consultation is None:
        raise Http404(_("No consultation “%(slug)s”.") % {"slug": slug})
    consult_permissions.require_can_view(request.user, consultation)
    current_round = round_current(consultation=consultation)
    round_is_open = bool(current_round and current_round.is_open())
    version_id = current_round.document_version_id if current_round else None
    # Keys are stable across versions: with no draft under review, the latest published
    # text (the team also sees unpublished ones).
    is_staff = None  # asked once, when first needed
    if version_id:
        in_version = Q(version_id=version_id)
    else:
        is_staff = consult_permissions.is_staff_of(request.user, consultation)
        in_version = consult_permissions.versions_q(is_staff=is_staff, prefix="version__")
    section = (
        Section.objects.select_related("version__consultation")
        .filter(in_version, version__consultation=consultation, key=key)
        .order_by("-version__number")
        .first()
    )
    if section is None:
        raise Http404(_("This draft has no such section."))
    organisations = list(organisations_for_behalf(user=request.user))
    charter_needed = charter.charter_needed(user=request.user, consultation=consultation)
    # Issue 24: "Propose new wording" posts the same page with a passage to replace.
    proposing = request.method == "POST" and "amendment" in request.POST
    form = CommentForm(
        None if proposing else request.POST or None,
        None if proposing else request.FILES or None,
        organisations=organisations,
        charter_needed=charter_needed,
    )
    amend_form = AmendmentForm(
        request.POST if proposing else None,
        request.FILES if proposing else None,
        organisations=organisations,
        charter_needed=charter_needed,
        auto_id="amend_%s",
    )
    # "Preview" renders the text again under the form and stores nothing.
    previewing = request.method == "POST" and "preview" in request.POST
    preview = body_preview(amend_form if proposing else form) if previewing else None

    if proposing and not previewing:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        comment = submit(
            request,
            amend_form,
            lambda data: services.comment_create(
                actor=request.user,
                consultation=consultation,
                section_key=section.key,
                channel=Comment.Channel.WEB,
                rate_key=ratelimit.rate_key(request),
                network=ratelimit.client_ip(request),
                amendment=amendment_of_form(data),
                **data,
            ),
        )
        if comment is not NOT_DONE:
            messages.success(
                request,
                _("Thank you. Your proposed wording is recorded with receipt number %(receipt)s.")
                % {"receipt": comment.receipt},
            )
            return redirect("receipt", receipt=comment.receipt)
    elif request.method == "POST" and not previewing:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        # The service counts the comment rate limit; a refusal is the form's
        # error, and a 429 (answers_429).
        comment = submit(
            request,
            form,
            lambda data: services.comment_create(
                actor=request.user,
                consultation=consultation,
                section_key=None if data["parent"] else section.key,
                channel=Comment.Channel.WEB,
                rate_key=ratelimit.rate_key(request),
                network=ratelimit.client_ip(request),
                **data,
            ),
        )
        if comment is not NOT_DONE:
            messages.success(
                request,
                _("Thank you. Your comment is recorded with receipt number %(receipt)s.")
                % {"receipt": comment.receipt},
            )
            return redirect("receipt", receipt=comment.receipt)

    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(request.user, consultation)
    page, cursor_error = page_from_query(
        request.GET,
        lambda **cursor: selectors.section_thread_page(
            section=section, viewer=request.user, is_staff=is_staff, **cursor
        ),
    )
    listed = [*page.items, *(reply for t in page.items for reply in t.reply_list)]
    attachment_lists_set(listed)
    signature_selectors.signature_counts_set(page.items)  # "1 submission, N co-signatories"
    # Issue 24: each proposed change's support button (one query), and the paragraph's
    # open proposed changes, most supported first (one query).
    supports.support_states_set(listed, viewer=request.user, is_staff=is_staff)
    proposed = supports.open_amendments(section=section, viewer=request.user, is_staff=is_staff)
    reply_to = request.POST.get("parent") if request.method == "POST" else ""
    return render(
        request,
        "comments/section_thread.html",
        {
            "consultation": consultation,
            "section": section,
            "round": current_round,
            "round_is_open": round_is_open,
            "is_staff": is_staff,
            "page": page,
            "cursor_error": cursor_error,
            "thread_count": selectors.section_thread_count(
                section=section, viewer=request.user, is_staff=is_staff
            ),
            # "N comments on the earlier text" (selectors.earlier_comment_counts): one query.
            "earlier": earlier_comment_counts(version=section.version).get(section.key),
            "form": form,
            "amend_form": amend_form,
            "proposing": proposing or "propose" in request.GET,
            # The paragraph's plain text, where static/js/amend.js lets a keyboard or
            # a touch screen select the passage (comments.amendments.quote).
            "plain_text": section_plain_text(section.body),
            "proposed": proposed,
            "reply_to": reply_to,
            "preview": preview,
            "has_profile": permissions.has_profile(request.user),
            "email_unverified": permissions.needs_email_verification(request.user),
            "organisations": organisations,
            # The section in the viewer's language when translated
            # (consult/translations/services.py).
            "draft_language": translations.attach_display(
                sections=[section],
                consultation=consultation,
                show_original="original" in request.GET,
            ),
        },
        status=400 if cursor_error else 200,
    )


def comment_thread(request, slug: str, key: str, receipt: str):
    """One thread: its top-level comment and every reply the viewer may read, paginated.

    A reply's receipt leads to its thread, at the reply.
    """
    consultation = consultation_for(request, slug)
    is_staff = consult_permissions.is_staff_of(request.user, consultation)
    root = selectors.thread_root(
        consultation=consultation, receipt=receipt, viewer=request.user, is_staff=is_staff
    )
    if root is None:
        raise Http404(_("No comment thread has this receipt number."))
    if root.receipt != receipt or root.section.key != key:
        url = reverse("thread", args=[consultation.slug, root.section.key, root.receipt])
        anchor = normalise(receipt)
        return redirect(url if anchor == root.receipt else f"{url}#c-{anchor}")
    current_round = round_current(consultation=consultation)
    page, cursor_error = page_from_query(
        request.GET,
        lambda **cursor: selectors.thread_replies_page(
            root=root, viewer=request.user, is_staff=is_staff, **cursor
        ),
    )
    attachment_lists_set([root, *page.items])
    supports.support_states_set([root, *page.items], viewer=request.user, is_staff=is_staff)
    signature_selectors.signature_counts_set([root])
    return render(
        request,
        "comments/thread.html",
        {
            "consultation": consultation,
            "section": root.section,
            "root": root,
            "is_staff": is_staff,
            "round_is_open": bool(current_round and current_round.is_open()),
            "page": page,
            "cursor_error": cursor_error,
            "has_profile": permissions.has_profile(request.user),
            "email_unverified": permissions.needs_email_verification(request.user),
        },
        status=400 if cursor_error else 200,
    )


def receipt_lookup(request):
    form = ReceiptLookupForm(request.GET or None)
    if form.is_valid():
        receipt = normalise(form.cleaned_data["receipt"])
        if RECEIPT_RE.match(receipt) and Comment.objects.filter(receipt=receipt).exists():
            return redirect("receipt", receipt=receipt)
        form.add_error("receipt", _("No comment has this receipt number. Check it and try again."))
    return render(request, "comments/receipt_lookup.html", {"form": form})


def receipt_detail(request, receipt: str, appeal_form: AppealForm | None = None):
    # A point's sub-receipt (<receipt>-<n>, feedback.points) opens its comment's page at it.
    parent, _dash, number = receipt.rpartition("-")
    if number.isdigit() and RECEIPT_RE.match(normalise(parent)):
        comment = comment_or_404(normalise(parent), request.user)
        return redirect(reverse("receipt", args=[comment.receipt]) + f"#point-{int(number)}")
    normalised = normalise(receipt)
    if normalised != receipt:
        return redirect("receipt", receipt=normalised)
    comment = comment_or_404(receipt, request.user)
    attachment_lists_set([comment])
    points = list(point_selectors.points_of(comment=comment))
    # The author and the team see the redacted passages, highlighted, and why (issue 25).
    redacted_segments = None
    if comment.redacted_body and permissions.can_see_original(request.user, comment):
        redacted_segments = redaction_selectors.body_segments(
            comment=comment, redactions=redaction_selectors.redactions_of(comment=comment)
        )
    return render(
        request,
        "comments/receipt_detail.html",
        {
            "comment": comment,
            "redacted_segments": redacted_segments,
            "can_redact": comment.visibility == Comment.Visibility.PUBLIC
            and permissions.can_redact(request.user, comment.consultation),
            "access": permissions.comment_access(request.user, comment),
            "can_dispute": permissions.can_dispute(request.user, comment),  # issue 25
            "history": disposition_history_with_appeals(comment=comment),
            "points": points,
            "points_summary": point_selectors.summarise(points),
            # Where its proposal went (issue 24: an amendment adopted, a paragraph changed).
            "destination": trace.destination(comment=comment, viewer=request.user),
            # Co-signatures (issue 25, part 25a): a public submission's count and buttons.
            "signature_panel": (
                signature_selectors.signature_panel(viewer=request.user, comment=comment)
                if comment.parent_id is None and permissions.is_public(comment)
                else None
            ),
            **_appeal_context(request, comment, appeal_form),
        },
    )


def _appeal_context(request, comment: Comment, appeal_form: AppealForm | None) -> dict:
    """The appeal form for the author within the window; the window's end for everyone."""
    current = current_disposition(comment=comment)
    closes_at = appeal_window_closes_at(entry=current) if current else None
    if appeal_form is None and feedback_permissions.can_appeal(request.user, comment):
        appeal_form = AppealForm()
    return {
        "appeal_form": appeal_form,
        "appeal_closes_at": closes_at,
        "appeal_window_open": bool(closes_at and timezone.now() <= closes_at),
    }


@login_required
def receipt_appeal(request, receipt: str):
    """POST: the author appeals the comment's current decision
    (feedback.ledger.services.appeal_file)."""
    comment = comment_or_404(receipt, request.user)
    if request.method != "POST":
        return redirect("receipt", receipt=comment.receipt)
    form = AppealForm(request.POST)
    appeal = submit(
        request,
        form,
        lambda data: feedback_services.appeal_file(
            actor=request.user, comment=comment, reason=data["reason"]
        ),
    )
    if appeal is NOT_DONE:
        return receipt_detail(request, comment.receipt, appeal_form=form)
    messages.success(
        request,
        _("Your appeal is recorded. The secretariat must answer it by %(date)s.")
        % {"date": formats.date_format(timezone.localtime(appeal.answer_due_at), "j F Y")},
    )
    return redirect("receipt", receipt=comment.receipt)


@login_required
def my_input(request):
    page = Paginator(
        selectors.comments_of_author_with_history(user=request.user), MY_INPUT_PER_PAGE
    ).get_page(request.GET.get("page"))
    # Each comment's points with their answers (feedback.points): one query for the page.
    page.object_list = list(page.object_list)
    points = point_selectors.points_by_comment(comment_ids=[c.pk for c in page.object_list])
    for comment in page.object_list:
        comment.point_list = points.get(comment.pk, [])
        comment.points_summary = point_selectors.summarise(comment.point_list)
    return render(
        request,
        "comments/my_input.html",
        {"page": page, "summary": selectors.author_summary(user=request.user)},
    )


# --- the author's changes: preview, edit, withdraw; everyone's history -------------


def body_preview(form: forms.Form) -> str | None:
    """The rendering of a form's ``body`` for a Preview button: nothing is stored.

    None when the form is invalid (its errors show instead); "" when the body
    is blank.  The same renderer as the stored comment, so what the
    participant sees is what everyone will see.
    """
    if not form.is_valid():
        return None
    body = form.cleaned_data["body"]
    return render_markdown(body) if body.strip() else ""


@login_required
@ratelimit.answers_429
def comment_edit(request, receipt: str):
    """The author edits their comment (GET: the form; POST: preview or save)."""
    comment = comment_or_404(receipt, request.user)
    permissions.require_is_author(request.user, comment)
    amendment = amendment_of(comment)
    if amendment is None:
        form = CommentEditForm(posted(request), initial={"body": comment.body})
    else:  # issue 24: an amendment's passage and wording are edited with its reason
        form = AmendmentEditForm(
            posted(request),
            initial={
                "body": comment.body,
                "amendment": amendment.quote,
                "replacement": amendment.replacement,
            },
        )
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        preview = body_preview(form)
    else:
        edited = submit(
            request,
            form,
            lambda data: services.comment_edit(
                actor=request.user,
                comment=comment,
                body=data["body"],
                rate_key=ratelimit.rate_key(request),
                amendment=None if amendment is None else amendment_of_form(data),
            ),
        )
        if edited is not NOT_DONE:
            messages.success(
                request,
                _("Your comment %(receipt)s is updated; its earlier text stays in its history.")
                % {"receipt": comment.receipt},
            )
            return redirect("receipt", receipt=comment.receipt)
    return render(
        request,
        "comments/edit.html",
        {
            "comment": comment,
            "form": form,
            "preview": preview,
            "can_change": permissions.can_change(request.user, comment),
        },
    )


@login_required
def comment_withdraw(request, receipt: str):
    """The author withdraws their comment (GET: confirm; POST: withdraw)."""
    comment = comment_or_404(receipt, request.user)
    permissions.require_is_author(request.user, comment)
    form = forms.Form(posted(request))
    withdrawn = submit(
        request,
        form,
        lambda data: services.comment_withdraw(actor=request.user, comment=comment),
    )
    if withdrawn is not NOT_DONE:
        messages.success(
            request,
            _("Your comment %(receipt)s is withdrawn. Its receipt and status stay public.")
            % {"receipt": comment.receipt},
        )
        return redirect("receipt", receipt=comment.receipt)
    return render(
        request,
        "comments/withdraw.html",
        {
            "comment": comment,
            "form": form,
            "can_change": permissions.can_change(request.user, comment),
        },
    )


def comment_history(request, receipt: str):
    """Every version of a comment's text, for whoever may read its text."""
    comment = comment_or_404(receipt, request.user)
    # A redacted comment's earlier versions hold the passage (comments.redaction).
    if not permissions.can_see_original(request.user, comment):
        raise PermissionDenied(
            _("This comment's text is shown only to its author and the secretariat.")
        )
    revisions = [
        (revision, render_markdown(revision.body))
        for revision in selectors.comment_revisions(comment=comment)
    ]
    return render(
        request,
        "comments/history.html",
        {"comment": comment, "revisions": revisions},
    )
