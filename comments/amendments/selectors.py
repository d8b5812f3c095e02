"""Reads of amendments (issue 24): a list's comments carry theirs in the same query."""

from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from comments.amendments.quote import excerpt, rendered_text
from comments.models import Amendment, AmendmentSupport, Comment


def supports_count() -> Coalesce:
    """How many participants support the outer comment's amendment (0 for none):
    a correlated subquery, so a list stays one query."""
    supports = (
        AmendmentSupport.objects.filter(amendment_id=OuterRef("pk"))
        .order_by()
        .values("amendment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(supports, output_field=IntegerField()), 0)


def with_amendment(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Each comment with its ``amendment`` (joined; None when it proposes no change)
    and ``amendment_supports``, in the list's own query."""
    return comments.select_related("amendment").annotate(amendment_supports=supports_count())


def amendment_of(comment: Comment) -> Amendment | None:
    """The comment's amendment, or None (no query when the list joined it)."""
    try:
        return comment.amendment
    except ObjectDoesNotExist:
        return None


def supports_of(comment: Comment) -> int:
    """``amendment_supports`` when the list annotated it, else one COUNT query."""
    annotated = getattr(comment, "amendment_supports", None)
    if annotated is not None:
        return annotated
    return AmendmentSupport.objects.filter(amendment_id=comment.pk).count()


@dataclass(frozen=True)
class Change:
    """What ``templates/comments/amendments/_change.html`` shows: the passage struck
    and the wording inserted, with a few words of the paragraph either side."""

    before: str
    quote: str
    replacement: str
    after: str


@lru_cache(maxsize=128)
def section_plain_text(source: str) -> str:
    """A section's plain text, kept for the few sections a page shows (rendering the
    Markdown again for each of a paragraph's amendments is the page's main cost)."""
    return rendered_text(source)


def change_of(amendment: Amendment, *, section_body: str | None = None) -> Change:
    """The display of ``amendment``; with ``section_body`` (the Markdown of its section),
    the passage as it reads there with its context, else the quote as sent."""
    if section_body:
        text = section_plain_text(section_body)
        if amendment.end <= len(text):
            before, passage, after = excerpt(text, amendment.start, amendment.end)
            return Change(before, passage, amendment.replacement, after)
    return Change("", amendment.quote, amendment.replacement, "")
