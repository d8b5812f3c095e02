"""Reads for consultations, rounds and drafts."""

import re
from typing import TYPE_CHECKING, cast

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from consult import permissions
from consult.models import Consultation, DocumentVersion, Round, Section
from plenary import readcache

if TYPE_CHECKING:
    from stakeholders.models import User


def _round_list() -> QuerySet[Round]:
    """What ``round_list`` holds wherever a consultation carries it: its rounds,
    oldest first, each with its draft (read by ``round_current``)."""
    return Round.objects.select_related("document_version").order_by("number")


def consultation_list_public() -> QuerySet[Consultation]:
    now = timezone.now()
    return (
        Consultation.objects.filter(permissions.public_consultations_q())
        .prefetch_related(Prefetch("rounds", queryset=_round_list(), to_attr="round_list"))
        .annotate(
            open_round_count=Count(
                "rounds", filter=Q(rounds__opens_at__lte=now, rounds__closes_at__gt=now)
            )
        )
        .order_by("-open_round_count", "-published_at")
    )


def round_current(*, consultation: Consultation, now=None) -> Round | None:
    """The round open now, else the most recent one that has opened.

    No query when ``consultation`` came from ``consultation_for_viewer`` or
    ``consultation_list_public``, whose prefetched ``round_list`` carries each
    round's draft.
    """
    now = now or timezone.now()
    prefetched = getattr(consultation, "round_list", None)
    if prefetched is not None:
        opened = [r for r in prefetched if r.opens_at <= now]
        return max(opened, key=lambda r: (r.opens_at, r.number), default=None)
    return (
        Round.objects.filter(consultation=consultation, opens_at__lte=now)
        .select_related("document_version")
        .order_by("-opens_at", "-number")
        .first()
    )


def round_next(*, consultation: Consultation, now=None) -> Round | None:
    """The next round that has not opened yet (the soonest), or None.  No query when
    ``consultation`` carries the prefetched ``round_list`` (``consultation_list_public``)."""
    now = now or timezone.now()
    prefetched = getattr(consultation, "round_list", None)
    if prefetched is not None:
        later = [r for r in prefetched if r.opens_at > now]
        return min(later, key=lambda r: (r.opens_at, r.number), default=None)
    return (
        Round.objects.filter(consultation=consultation, opens_at__gt=now)
        .order_by("opens_at", "number")
        .first()
    )


def version_current(*, consultation: Consultation, now=None) -> DocumentVersion | None:
    """The draft readers see: the current round's version, else the latest published one."""
    current = round_current(consultation=consultation, now=now)
    if current and current.document_version_id:
        return current.document_version
    return (
        DocumentVersion.objects.filter(
            permissions.versions_q(is_staff=False), consultation=consultation
        )
        .order_by("-number")
        .first()
    )


def version_latest(*, consultation: Consultation) -> DocumentVersion | None:
    return DocumentVersion.objects.filter(consultation=consultation).order_by("-number").first()


def sections_of(*, version: DocumentVersion) -> QuerySet[Section]:
    return Section.objects.filter(version=version).order_by("ordinal")


def consultation_scope(slug: str) -> str:
    """The read cache's scope of a consultation with its rounds and their drafts
    (bumped by ``consult.signals``' receivers on every save or delete of them)."""
    return f"consultation:{slug}"


def _with_rounds(slug: str) -> Consultation | None:
    return (
        Consultation.objects.filter(slug=slug)
        .prefetch_related(Prefetch("rounds", queryset=_round_list(), to_attr="round_list"))
        .first()
    )


def consultation_with_rounds(*, slug: str) -> Consultation | None:
    """The consultation ``slug`` with its rounds as ``round_list`` (``_round_list``,
    as ``consultation_list_public``'s prefetch gives them, so ``round_current``
    asks nothing more), whoever may see it.

    Kept in the read cache (plenary/readcache.py): every page and API call of
    a consultation starts here, and every comment POST.  Each call gets its
    own copy.
    """
    return readcache.read_through(consultation_scope(slug), lambda: _with_rounds(slug))


def consultation_for_viewer(*, slug: str, user) -> Consultation | None:
    """The consultation, if ``user`` may see it: published, or ``user`` is its staff.

    With its rounds, as ``consultation_with_rounds`` gives them.
    """
    consultation = consultation_with_rounds(slug=slug)
    if consultation is None:
        return None
    return consultation if permissions.can_view(user, consultation) else None


def section_by_key(*, consultation: Consultation, key: str) -> Section | None:
    """The section with ``key`` in the latest version of the consultation that has it."""
    return (
        Section.objects.filter(version__consultation=consultation, key=key)
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


def version_scope(version_id: int) -> str:
    """The read cache's scope of a draft's sections (bumped by ``consult.signals``'
    receivers on every save or delete of a section, and by
    ``consult.versions.services.version_match_set``, which renames keys with
    ``bulk_update()``)."""
    return f"version:{version_id}"


_KEY_SHAPE = re.compile(r"[-a-z0-9_]{1,64}")  # what slugify() gives: safe in a cache key


def section_in_version(*, version_id: int, key: str) -> Section | None:
    """The section with ``key`` in draft ``version_id`` (keys are unique in a draft).

    Kept in the read cache (plenary/readcache.py): every comment POST asks it.
    """

    def read():
        return Section.objects.filter(version_id=version_id, key=key).first()

    if not _KEY_SHAPE.fullmatch(key):
        return read()  # no section has such a key: asked, never kept
    return readcache.read_through(version_scope(version_id), read, part=key)


def secretariat_members(*, consultation: Consultation) -> "QuerySet[User]":
    """Active users holding the secretariat role (run_consultation) on the consultation."""
    # guardian types the result "Any | list[str]"; without attach_perms it is a QuerySet.
    users = cast(
        "QuerySet[User]",
        get_users_with_perms(
            consultation, only_with_perms_in=["run_consultation"], with_group_users=True
        ),
    )
    return users.filter(is_active=True).order_by("pk")


def forget_consultation(*, slug: str | None = None, consultation_id: int | None = None) -> None:
    """Drop the kept ``consultation_with_rounds`` of a consultation (by slug, or by
    id: one query) after a write to it, its rounds or its drafts.

    ``consult.signals`` calls it on every save or delete of those models; a write
    through ``QuerySet.update()`` sends no signal and calls it itself.
    """
    if slug is None and consultation_id is not None:
        slugs = Consultation.objects.filter(pk=consultation_id).values_list("slug", flat=True)
        slug = slugs.first()
    if slug is not None:
        readcache.forget(consultation_scope(slug))
