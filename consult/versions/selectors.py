"""Reads for versioned drafts: which versions a viewer may see, earlier comments per key."""

from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet

from comments.models import Comment
from consult.models import Consultation, DocumentVersion, Section


def versions_for_viewer(*, consultation: Consultation, is_staff: bool) -> QuerySet[DocumentVersion]:
    """Published versions (and, for the consultation's team, the unpublished ones)."""
    versions = consultation.versions.annotate(section_count=Count("sections")).order_by("number")
    return versions if is_staff else versions.filter(published_at__isnull=False)


def version_for_viewer(
    *, consultation: Consultation, number: int, is_staff: bool
) -> DocumentVersion | None:
    versions = DocumentVersion.objects.filter(consultation=consultation, number=number)
    if not is_staff:
        versions = versions.filter(published_at__isnull=False)
    return versions.select_related("consultation").first()


@dataclass(frozen=True)
class EarlierComments:
    """Public comments made on a section's key in earlier versions."""

    count: int
    # The latest earlier version that has some: where the link goes.
    version_number: int


def earlier_comment_counts(*, version: DocumentVersion) -> dict[str, EarlierComments]:
    """``{section key: EarlierComments}`` for the sections of ``version`` whose text was
    commented on in an earlier version (same key: keys are stable).  One query,
    however many sections the version has; none for a first version."""
    if version.number <= 1:
        return {}
    rows = (
        Comment.objects.filter(
            Comment.public_q(),
            section__version__consultation_id=version.consultation_id,
            section__version__number__lt=version.number,
            section__key__in=Section.objects.filter(version=version).values("key"),
        )
        .values("section__key")
        .annotate(n=Count("pk"), latest=Max("section__version__number"))
        .order_by()
    )
    return {row["section__key"]: EarlierComments(row["n"], row["latest"]) for row in rows}
