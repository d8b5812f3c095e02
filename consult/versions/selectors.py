"""Reads for versioned drafts: the versions a viewer may see (``permissions.versions_q``)."""

from django.db.models import Count, QuerySet

from consult import permissions
from consult.models import Consultation, DocumentVersion


def versions_for_viewer(*, consultation: Consultation, is_staff: bool) -> QuerySet[DocumentVersion]:
    """Published versions (and, for the consultation's team, the unpublished ones)."""
    versions = consultation.versions.annotate(section_count=Count("sections")).order_by("number")
    return versions.filter(permissions.versions_q(is_staff=is_staff))


def version_for_viewer(
    *, consultation: Consultation, number: int, is_staff: bool
) -> DocumentVersion | None:
    versions = DocumentVersion.objects.filter(
        permissions.versions_q(is_staff=is_staff), consultation=consultation, number=number
    )
    return versions.select_related("consultation").first()
