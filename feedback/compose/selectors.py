"""Reads for composing the next version (issue 24): the version composed from, and the
amendments whose current published decision adopts wording."""

from dataclasses import dataclass

from comments.models import Amendment
from consult.models import Consultation, DocumentVersion
from feedback.ledger.selectors import current_comment_entry_q
from feedback.models import AmendmentApplication, DispositionEntry, Status

ADOPTING = (Status.ACCEPTED, Status.PARTLY_ACCEPTED)


@dataclass(frozen=True)
class Adopted:
    """An amendment and the current published decision that adopts its wording."""

    amendment: Amendment
    entry: DispositionEntry

    @property
    def receipt(self) -> str:
        return self.amendment.comment.receipt


def current_version(*, consultation: Consultation) -> DocumentVersion | None:
    """The version participants read now: the latest published one."""
    return consultation.versions.filter(published_at__isnull=False).order_by("-number").first()


def unpublished_after(*, consultation: Consultation, number: int) -> DocumentVersion | None:
    """The first unpublished version after ``number`` (an import or a composition not
    yet published), or None."""
    return (
        consultation.versions.filter(number__gt=number, published_at__isnull=True)
        .order_by("number")
        .first()
    )


def adopted_amendments(*, consultation: Consultation) -> list[Adopted]:
    """Every amendment of the consultation whose current published decision is
    accepted or partly accepted, oldest comment first (one query: the current
    decision is the anti-join ``current_comment_entry_q``)."""
    entries = (
        DispositionEntry.objects.filter(
            current_comment_entry_q(),
            consultation=consultation,
            comment__amendment__isnull=False,
            status__in=ADOPTING,
        )
        .select_related("comment__amendment", "comment__section__version")
        .order_by("comment__created_at", "comment_id")
    )
    return [
        Adopted(amendment=entry.comment.amendment, entry=entry)
        for entry in entries
        if entry.comment is not None  # always: a comment's entry, not a point's
    ]


def applied_amendment_ids(*, amendment_ids: list[int]) -> set[int]:
    """Those of these amendments already applied in a composed version."""
    return set(
        AmendmentApplication.objects.filter(amendment_id__in=amendment_ids).values_list(
            "amendment_id", flat=True
        )
    )
