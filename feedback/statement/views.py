"""The public integrity statement page (/c/<slug>/integrity/)."""

from django.shortcuts import render

from consult.access import consultation_for
from feedback.statement.selectors import integrity_statement


def integrity(request, slug: str):
    """For whoever may see the consultation (consult.permissions.can_view)."""
    consultation = consultation_for(request, slug)
    return render(
        request,
        "feedback/statement/integrity.html",
        {"consultation": consultation, "statement": integrity_statement(consultation=consultation)},
    )
