"""``{% submission_counts consultation %}``: "N public comments", campaign copies explained.

A tag rather than a view variable so that every page showing a consultation
(its page, the ledger) can show the same line without each view computing it.
"""

from django import template

from feedback.clusters.selectors import submission_counts as count_submissions

register = template.Library()


@register.inclusion_tag("feedback/clusters_counts.html")
def submission_counts(consultation, counts=None):
    """One query: see ``feedback.clusters.selectors.submission_counts``.

    ``counts``: already computed by the view (the consultation page passes its
    cached counts, feedback.participation.selectors.page_counts), so no query here.
    """
    if counts is None:
        counts = count_submissions(consultation=consultation)
    return {"counts": counts}
