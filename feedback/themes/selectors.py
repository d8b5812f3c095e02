"""Reads of a consultation's themes and theme suggestions (written by
``feedback/themes/services.py``)."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Lower

from comments import permissions as comment_permissions
from comments.models import Comment
from comments.threads.selectors import with_disposition
from consult.models import Consultation
from feedback.models import DispositionEntry, Theme, ThemeSuggestion, ThemeTag


def themes_with_counts(*, consultation: Consultation) -> QuerySet[Theme]:
    """The consultation's themes, by name, with their counts: one query.

    Each Theme carries ``comment_count`` (every comment tagged with it,
    private, hidden and withdrawn ones included: for the team and the
    outcome report) and ``public_count`` (only those anyone may read:
    public, visible, not withdrawn).  A comment may carry several themes and
    then counts in each.
    """
    return (
        Theme.objects.filter(consultation=consultation)
        .annotate(
            comment_count=Count("tags"),
            public_count=Count("tags", filter=comment_permissions.public_q("tags__comment__")),
        )
        .order_by(Lower("name"), "pk")
    )


def themes_of(*, consultation: Consultation) -> QuerySet[Theme]:
    """The consultation's themes by name (for choices)."""
    return Theme.objects.filter(consultation=consultation).order_by(Lower("name"), "pk")


def themes_public(*, consultation: Consultation) -> QuerySet[Theme]:
    """Themes with at least one public comment (a theme only private comments carry
    could tell what they are about), with ``public_count``."""
    # public_count: an annotation of themes_with_counts, unseen through its QuerySet[Theme].
    return themes_with_counts(consultation=consultation).filter(public_count__gt=0)  # type: ignore[misc]


def theme_status_counts(*, consultation: Consultation) -> dict[int, dict[str, int]]:
    """``{theme id: {status or "awaiting": comments}}`` by current disposition, one query."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("comment")).order_by("-sequence")
    rows = (
        ThemeTag.objects.filter(theme__consultation=consultation)
        .annotate(status=Subquery(latest.values("status")[:1]))
        .values("theme_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["theme_id"], {})[row["status"] or "awaiting"] = row["n"]
    return counts


def theme_comments(*, theme: Theme) -> QuerySet[Comment]:
    """A theme's comments, oldest first, with their current disposition and draft: one query."""
    return with_disposition(
        Comment.objects.filter(theme_tags__theme=theme).select_related(
            "author__participant__group", "on_behalf_of__merged_into", "section", "draft"
        )
    ).order_by("created_at", "pk")


def with_themes(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Prefetch each comment's tags with their theme, by name, as ``themes_tagged``
    (one more query per page, whatever its length)."""
    tags = ThemeTag.objects.select_related("theme").order_by(Lower("theme__name"), "theme_id")
    return comments.prefetch_related(Prefetch("theme_tags", queryset=tags, to_attr="themes_tagged"))


def comment_themes(*, comment: Comment) -> QuerySet[Theme]:
    return Theme.objects.filter(tags__comment=comment).order_by(Lower("name"), "pk")


def theme_suggestions_pending(*, consultation: Consultation) -> QuerySet[ThemeSuggestion]:
    """Suggestions waiting for a person, largest first, their comments prefetched (2 queries)."""
    comments = Comment.objects.select_related(
        "author__participant__group", "on_behalf_of__merged_into"
    )
    return (
        ThemeSuggestion.objects.filter(
            consultation=consultation, state=ThemeSuggestion.State.PENDING
        )
        .annotate(size=Count("comments"))
        .prefetch_related(Prefetch("comments", queryset=comments.order_by("created_at", "pk")))
        .order_by("-size", "pk")
    )


def theme_suggestions_decided(
    *, consultation: Consultation, limit: int = 20
) -> QuerySet[ThemeSuggestion]:
    """The latest accepted or rejected suggestions, newest decision first."""
    return (
        ThemeSuggestion.objects.filter(consultation=consultation)
        .exclude(state=ThemeSuggestion.State.PENDING)
        .select_related("theme", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )
