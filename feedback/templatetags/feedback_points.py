"""A list's points summaries ("5 points: 2 accepted, 3 awaiting"), for the pages
that show a comment's decision: triage and the public ledger (issue 23)."""

from django import template

from feedback.points.selectors import point_summaries

register = template.Library()


@register.simple_tag
def points_summaries_set(comments) -> str:
    """Set ``points_summary`` (None without points) on each comment: one query."""
    comments = list(comments)
    found = point_summaries(comment_ids=[comment.pk for comment in comments])
    for comment in comments:
        comment.points_summary = found.get(comment.pk)
    return ""
