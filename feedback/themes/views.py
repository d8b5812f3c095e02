"""Theme pages: the index (counts, suggestions), a theme's comments, a comment's
themes, and the triage list's tagging form.

Thin: each POST is one call into feedback/themes/services.py through ``plenary.forms.submit``;
reads come from feedback/themes/selectors.py.  Only the secretariat and analysts see
these pages (``permissions.can_manage_themes``); the services check again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comments.threads import selectors as comment_selectors
from consult.access import consultation_for
from feedback import permissions
from feedback.agreement import selectors as agreement_selectors
from feedback.models import Status, Theme, ThemeSuggestion
from feedback.themes import selectors
from feedback.themes import services as themes
from feedback.themes.forms import (
    CommentThemesForm,
    SuggestionDecisionForm,
    ThemeDeleteForm,
    ThemeForm,
    UntagForm,
)
from plenary.forms import NOT_DONE, anchored, posted, safe_next, submit

PER_PAGE = 50


def status_columns() -> list[tuple[str, str]]:
    return [("awaiting", _("awaiting response")), *Status.choices]


@login_required
def themes_index(request, slug: str):
    """Every theme with its counts (all, public, per current status), the form to add
    one, and the pending suggestions."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    can_manage = permissions.can_manage_themes(request.user, consultation)
    form = ThemeForm(posted(request))
    created = submit(
        request,
        form,
        lambda data: themes.theme_create(actor=request.user, consultation=consultation, **data),
    )
    if created is not NOT_DONE:
        messages.success(request, _("Theme “%(name)s” added.") % {"name": created.name})
        return redirect("staff_themes", slug=consultation.slug)
    columns = status_columns()
    by_status = selectors.theme_status_counts(consultation=consultation)
    rows = [
        (theme, [by_status.get(theme.pk, {}).get(value, 0) for value, _label in columns])
        for theme in selectors.themes_with_counts(consultation=consultation)
    ]
    return render(
        request,
        "feedback/themes.html",
        {
            "consultation": consultation,
            "rows": rows,
            "columns": columns,
            "form": form,
            "can_manage": can_manage,
            "suggestions": selectors.theme_suggestions_pending(consultation=consultation),
            "decided": selectors.theme_suggestions_decided(consultation=consultation),
            "agreement": agreement_selectors.latest_agreement(consultation=consultation),
        },
    )


@login_required
def theme_detail(request, slug: str, pk: int):
    """A theme's comments with their current dispositions (paginated); renaming, and
    removing selected comments from it."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    theme = get_object_or_404(Theme, pk=pk, consultation=consultation)
    can_manage = permissions.can_manage_themes(request.user, consultation)
    untagging = request.POST.get("action") == "untag"
    form = ThemeForm(
        None if untagging else posted(request),
        initial={"name": theme.name, "description": theme.description},
    )
    untag = UntagForm(request.POST if untagging else None)
    updated = submit(
        request,
        form,
        lambda data: themes.theme_update(actor=request.user, theme=theme, **data),
    )
    if updated is not NOT_DONE:
        messages.success(request, _("Theme “%(name)s” saved.") % {"name": updated.name})
        return redirect("staff_theme", slug=consultation.slug, pk=theme.pk)
    removed = submit(
        request,
        untag,
        lambda data: themes.theme_untag(actor=request.user, theme=theme, **data),
    )
    if removed is not NOT_DONE:
        messages.success(
            request,
            ngettext(
                "%(n)d comment removed from this theme.",
                "%(n)d comments removed from this theme.",
                removed,
            )
            % {"n": removed},
        )
        return redirect(request.get_full_path())
    page = Paginator(selectors.theme_comments(theme=theme), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "feedback/themes_detail.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "consultation": consultation,
            "theme": theme,
            "page": page,
            "form": form,
            "untag": untag,
            "can_manage": can_manage,
            "can_decide": permissions.can_decide(request.user, consultation),
            "selected": set(request.POST.getlist("comments")),
        },
    )


@login_required
def theme_delete(request, slug: str, pk: int):
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    theme = get_object_or_404(Theme, pk=pk, consultation=consultation)
    permissions.require_can_manage_themes(request.user, consultation)
    form = ThemeDeleteForm(posted(request))
    name = theme.name
    untagged = submit(
        request,
        form,
        lambda data: themes.theme_delete(actor=request.user, theme=theme, **data),
    )
    if untagged is not NOT_DONE:
        messages.success(
            request,
            ngettext(
                "Theme “%(name)s” deleted; %(n)d comment lost it.",
                "Theme “%(name)s” deleted; %(n)d comments lost it.",
                untagged,
            )
            % {"name": name, "n": untagged},
        )
        return redirect("staff_themes", slug=consultation.slug)
    return render(
        request,
        "feedback/themes_delete.html",
        {
            "consultation": consultation,
            "theme": theme,
            "form": form,
            "tagged": theme.tags.count(),
        },
    )


@login_required
@require_POST
def themes_suggest(request, slug: str):
    """Queue the suggestion job; its results appear on the index as pending suggestions."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    themes.theme_suggestions_request(actor=request.user, consultation=consultation)
    messages.success(
        request,
        _(
            "Theme suggestions are being computed from the comments no theme covers yet. "
            "They appear on this page when ready; nothing is tagged until you accept one."
        ),
    )
    return redirect("staff_themes", slug=consultation.slug)


@login_required
def suggestion_review(request, slug: str, pk: int):
    """Review one suggestion: keep or untick its comments, name it or merge it into an
    existing theme, and accept; or reject it."""
    consultation = consultation_for(request, slug, require=permissions.require_can_view_themes)
    suggestion = get_object_or_404(ThemeSuggestion, pk=pk, consultation=consultation)
    can_manage = permissions.can_manage_themes(request.user, consultation)
    suggested = suggestion.comments.select_related(
        "author__participant__group", "on_behalf_of__merged_into"
    ).order_by("created_at", "pk")
    form = SuggestionDecisionForm(
        posted(request),
        comments=suggested,
        themes=selectors.themes_of(consultation=consultation),
        initial={"comments": list(suggested), "name": suggestion.label},
    )

    def decide(data):
        if data["decision"] == SuggestionDecisionForm.REJECT:
            return themes.theme_suggestion_reject(actor=request.user, suggestion=suggestion)
        return themes.theme_suggestion_accept(
            actor=request.user,
            suggestion=suggestion,
            comments=data["comments"],
            theme=data.get("theme"),
            name=data["name"],
            description=data["description"],
        )

    decided = submit(request, form, decide)
    if isinstance(decided, Theme):
        messages.success(
            request,
            _("Suggestion accepted: its comments are tagged “%(name)s”.") % {"name": decided.name},
        )
        return redirect("staff_theme", slug=consultation.slug, pk=decided.pk)
    if decided is not NOT_DONE:
        messages.success(request, _("Suggestion rejected. Nothing was tagged."))
        return redirect("staff_themes", slug=consultation.slug)
    return render(
        request,
        "feedback/themes_suggestion.html",
        {
            "consultation": consultation,
            "suggestion": suggestion,
            "form": form,
            "can_manage": can_manage and suggestion.state == ThemeSuggestion.State.PENDING,
            "suggested": suggested,
        },
    )


@login_required
def comment_themes(request, receipt: str):
    """One comment's themes as checkboxes (also drawn on the decide page, which posts
    here with ``next``)."""
    comment = comment_selectors.comment_by_receipt(receipt=receipt)
    if comment is None:
        raise Http404(_("No comment has this receipt number."))
    consultation = comment.consultation
    permissions.require_can_manage_themes(request.user, consultation)
    form = CommentThemesForm(
        posted(request),
        themes=selectors.themes_of(consultation=consultation),
        initial={"themes": list(selectors.comment_themes(comment=comment))},
    )
    done = submit(
        request,
        form,
        lambda data: themes.comment_themes_set(
            actor=request.user, comment=comment, themes=data["themes"]
        ),
    )
    if done is not NOT_DONE:
        messages.success(request, _("Themes of %(receipt)s saved.") % {"receipt": comment.receipt})
        here = reverse("staff_comment_themes", args=[comment.receipt])
        return redirect(safe_next(request, request.POST.get("next"), here))
    # Opened from triage: the form carries triage's filters and page back there.
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), "")
    return render(
        request,
        "feedback/themes_comment.html",
        {
            # A team page: bylines name authors who withheld their name, without
            # asking per comment (comments.permissions.can_see_author).
            "is_staff": True,
            "comment": comment,
            "consultation": consultation,
            "form": form,
            "next": anchored(back, f"c-{comment.receipt}") if back else "",
        },
    )
