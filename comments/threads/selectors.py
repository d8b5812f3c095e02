"""Reads of comments.  Lists carry their current disposition and cost one query."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from comments import permissions
from comments.amendments.selectors import with_amendment
from comments.disputes.selectors import disputed_flag
from comments.models import Comment, CommentRevision, UndecidedAuthorTally, UndecidedTally
from comments.threads.receipts import normalise
from consult.models import Consultation, DocumentVersion, Meeting, Section
from feedback.models import DispositionEntry
from plenary.keyset import KeysetPage, keyset_page

# A comment's current decision is read wherever the comment is: every list
# carries it.  The ledger (feedback) writes DispositionEntry rows; these two
# read its latest one, so comment reads need no feedback module but its model.


def with_disposition(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Annotate each comment with its current published disposition (or None).

    Adds ``disposition_status``, ``disposition_rationale`` and
    ``disposition_published_at``, and ``disputed``
    (``comments.disputes.selectors.disputed_flag``): correlated subqueries in
    the same SQL statement, so a list costs one query however long it is.
    """
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    return comments.annotate(
        disposition_status=Subquery(latest.values("status")[:1]),
        disposition_rationale=Subquery(latest.values("rationale")[:1]),
        disposition_published_at=Subquery(latest.values("published_at")[:1]),
        # Issue 25 (part 25b): "Disputed: the named person says they did not submit it".
        disputed=disputed_flag(),
    )


def with_disposition_detail(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """``with_disposition`` plus ``disposition_target_section`` (a section key) and
    ``disposition_duplicate_of`` (a receipt), still one query for the whole list."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    return with_disposition(comments).annotate(
        disposition_target_section=Subquery(latest.values("target_section__key")[:1]),
        disposition_duplicate_of=Subquery(latest.values("duplicate_of__receipt")[:1]),
    )


_RELATED = (
    "consultation",
    "round",
    "section",
    "parent",
    "author__participant__group",
    "on_behalf_of__merged_into",
)


def _with_related(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    # Each with its amendment and support count (issue 24): still one query.
    return with_amendment(with_disposition_detail(comments.select_related(*_RELATED)))


def comment_list_for_viewer(
    *, consultation: Consultation, viewer, is_staff: bool
) -> QuerySet[Comment]:
    """The consultation's comments listed for ``viewer`` (``comments.permissions.listed_q``),
    oldest first; the caller shows text only where ``can_see_text`` allows."""
    comments = Comment.objects.filter(
        permissions.listed_q(viewer, is_staff=is_staff), consultation=consultation
    )
    return _with_related(comments).order_by("created_at", "pk")


def comment_by_receipt(*, receipt: str) -> Comment | None:
    """A comment by its receipt, as people type it (case, spaces, O/0 and I/1 forgiven)."""
    return _with_related(Comment.objects.filter(receipt=normalise(receipt))).first()


def comments_of_author(*, user) -> QuerySet[Comment]:
    """Everything ``user`` wrote, in every consultation, newest first."""
    if not user.is_authenticated:
        return Comment.objects.none()
    # Comments staff entered for somebody else (comments.offline.services) are not "mine".
    mine = Comment.objects.filter(author=user, entered_by__isnull=True)
    return _with_related(mine).order_by("-created_at", "-pk")


def comments_of_author_with_history(*, user) -> QuerySet[Comment]:
    """Everything ``user`` wrote, grouped by consultation and round, with every decision.

    The consultation the user wrote in most recently comes first; inside it the
    latest round, then the newest comment.  ``published_history`` lists the
    comment's ledger entries oldest first (the ledger holds published decisions
    only: the secretariat's drafts are a separate table and never shown here).
    Two queries per page, plus the paginator's count.
    """
    if not user.is_authenticated:
        return Comment.objects.none()
    latest_here = (
        Comment.objects.filter(
            author=user, entered_by__isnull=True, consultation=OuterRef("consultation")
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    history = DispositionEntry.objects.select_related("target_section", "duplicate_of").order_by(
        "sequence"
    )
    return (
        _with_related(Comment.objects.filter(author=user, entered_by__isnull=True))
        .annotate(last_in_consultation=Subquery(latest_here))
        .prefetch_related(Prefetch("dispositions", queryset=history, to_attr="published_history"))
        .order_by(
            "-last_in_consultation", "consultation_id", "-round__number", "-created_at", "-pk"
        )
    )


def author_summary(*, user) -> dict[str, int]:
    """How many comments ``user`` wrote and how many still await a response, in one query."""
    if not user.is_authenticated:
        return {"total": 0, "awaiting": 0}
    mine = Comment.objects.filter(author=user, entered_by__isnull=True)
    return with_disposition(mine).aggregate(
        total=Count("pk"), awaiting=Count("pk", filter=Q(disposition_status__isnull=True))
    )


# Threads on a section page: a page of top-level comments, each with its number of
# replies and the first few of them; the thread page (/c/<slug>/s/<key>/t/<receipt>/)
# lists every reply.  Both are keyset-paginated (plenary.keyset), so the page after
# 20,000 comments costs what the first one does.  Sizes: settings.PLENARY_THREADS_PER_PAGE,
# PLENARY_REPLIES_SHOWN and PLENARY_REPLIES_PER_PAGE.


def _reply_count(readable: Q) -> Coalesce:
    """How many replies in the thread (of the outer top-level comment) pass ``readable``."""
    replies = (
        Comment.objects.filter(readable, root=OuterRef("pk"))
        .order_by()
        .values("root")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(replies), 0)


def _in_thread(comments: QuerySet[Comment], *, replies: bool) -> QuerySet[Comment]:
    """What templates/comments/_comment.html reads of a comment in a thread, and no more.

    Each join and correlated subquery costs PostgreSQL planning time on every
    page (the plan of the full ``_with_related`` took 15-28 ms, its execution
    under 1 ms: bench/thread.py), so a thread leaves out the consultation and
    section (the page has them) and the decision's rationale and targets.
    """
    related = ("round", "author__participant__group", "on_behalf_of__merged_into", "amendment")
    return with_disposition(
        comments.select_related(*related, *(("parent",) if replies else ()))
    ).order_by("created_at", "pk")


def _replies_of(readable: Q) -> QuerySet[Comment]:
    return _in_thread(Comment.objects.filter(readable), replies=True)


def section_threads(
    *, section: Section, viewer, is_staff: bool, replies_shown: int | None = None
) -> QuerySet[Comment]:
    """Top-level comments on a section that ``viewer`` may read, oldest first.

    Each carries ``reply_count`` (the replies the viewer may read) and
    ``preview_0`` ... ``preview_<n-1>``, the ids of its first ``replies_shown``
    readable replies: correlated subqueries, evaluated only for the rows of
    the page.  ``section_thread_page`` paginates it and loads those replies
    into ``reply_list``.

    Why not a sliced ``Prefetch``: Django slices it with ``ROW_NUMBER()`` over
    every reply of the page's threads, joins included, so one thread of 20,000
    replies made the paragraph's page take 1.4 s on PostgreSQL (bench/thread.py).
    A "first n replies of this thread" subquery reads n rows from an index on
    ``(root, created_at)``, and at worst scans one thread's replies without joins.
    """
    readable = permissions.listed_q(viewer, is_staff=is_staff)
    if replies_shown is None:
        replies_shown = settings.PLENARY_REPLIES_SHOWN
    first_replies = (
        Comment.objects.filter(readable, root=OuterRef("pk"))
        .order_by("created_at", "pk")
        .values("pk")
    )
    previews = {f"preview_{n}": Subquery(first_replies[n : n + 1]) for n in range(replies_shown)}
    return (
        # Through the section's manager, so each comment's .section is ``section`` unjoined.
        _in_thread(section.comments.filter(readable, root__isnull=True), replies=False)
        .annotate(reply_count=_reply_count(readable), **previews)
        .order_by("created_at", "pk")
    )


def _attach_previews(threads: list[Comment]) -> None:
    """Set ``reply_list`` on each of ``threads`` from its ``preview_*`` ids: one query."""
    ids = [
        value
        for thread in threads
        for name, value in vars(thread).items()
        if name.startswith("preview_") and value is not None
    ]
    by_root: dict[int, list[Comment]] = {thread.pk: [] for thread in threads}
    if threads:
        replies = Comment.objects.filter(root_id__in=list(by_root))
        # One query whenever the page has threads, with replies or without, so that
        # what a page costs does not depend on what it holds (tests pin the count).
        replies = replies.filter(pk__in=ids) if ids else replies.filter(pk__isnull=True)
        for reply in _in_thread(replies, replies=True):
            by_root[reply.root_id].append(reply)  # type: ignore[index]  # a reply has a root
    for thread in threads:
        thread.reply_list = by_root[thread.pk]  # type: ignore[attr-defined]  # for the template


def section_thread_page(
    *,
    section: Section,
    viewer,
    is_staff: bool,
    after: str | None = None,
    before: str | None = None,
    size: int | None = None,
) -> KeysetPage:
    """One page of ``section_threads``, each with ``reply_list``: two queries, however
    many comments the section or any thread has.

    Raises ``plenary.keyset.InvalidCursor`` for a cursor it did not make.
    """
    threads = section_threads(section=section, viewer=viewer, is_staff=is_staff)
    size = size or settings.PLENARY_THREADS_PER_PAGE
    page = keyset_page(threads, size=size, after=after, before=before)
    _attach_previews(page.items)
    return page


def section_thread_count(*, section: Section, viewer, is_staff: bool) -> int:
    """How many threads on the section ``viewer`` may read (one COUNT query)."""
    readable = permissions.listed_q(viewer, is_staff=is_staff)
    return Comment.objects.filter(readable, section=section, root__isnull=True).count()


def thread_root(
    *, consultation: Consultation, receipt: str, viewer, is_staff: bool
) -> Comment | None:
    """The top-level comment of the thread that the comment ``receipt`` belongs to.

    None when no comment of ``consultation`` has this receipt, when ``viewer``
    may not read it or its thread's top-level comment, or when the thread is
    on no section.  Carries ``reply_count`` as in ``section_threads``.  One query.
    """
    readable = permissions.listed_q(viewer, is_staff=is_staff)
    root_id = Comment.objects.filter(
        readable, consultation=consultation, receipt=normalise(receipt)
    ).values_list(Coalesce("root_id", "pk"))[:1]
    return (
        _with_related(Comment.objects.filter(readable, pk=Subquery(root_id), section__isnull=False))
        .annotate(reply_count=_reply_count(readable))
        .first()
    )


def thread_replies_page(
    *,
    root: Comment,
    viewer,
    is_staff: bool,
    after: str | None = None,
    before: str | None = None,
    size: int | None = None,
) -> KeysetPage:
    """One page of the replies in ``root``'s thread that ``viewer`` may read, oldest first."""
    readable = permissions.listed_q(viewer, is_staff=is_staff)
    replies = _replies_of(readable).filter(root=root)
    size = size or settings.PLENARY_REPLIES_PER_PAGE
    return keyset_page(replies, size=size, after=after, before=before)


def thread_of(*, comment: Comment, viewer, is_staff: bool, limit: int = 200) -> list[Comment]:
    """The whole thread ``comment`` is in (its top-level comment, then every reply),
    oldest first, as ``viewer`` may list it: one query, at most ``limit`` comments."""
    root_id = comment.root_id or comment.pk
    return list(
        Comment.objects.filter(permissions.listed_q(viewer, is_staff=is_staff))
        .filter(Q(pk=root_id) | Q(root_id=root_id))
        .select_related("author__participant__group", "on_behalf_of__merged_into")
        .order_by("created_at", "pk")[:limit]
    )


def comment_revisions(*, comment: Comment) -> QuerySet[CommentRevision]:
    """Every version of the comment's text, the original (number 1) first: one query.

    The caller checks that the viewer may read the text
    (``comments.permissions.can_see_text``).
    """
    return CommentRevision.objects.filter(comment=comment).order_by("number")


# --- public comment counts for consult's pages (the rule is comments.permissions') ----


def sections_with_comment_counts(*, version: DocumentVersion) -> QuerySet[Section]:
    """Sections of ``version`` with ``comment_count``: their public comments (one query)."""
    return (
        Section.objects.filter(version=version)
        .order_by("ordinal")
        .annotate(comment_count=Count("comments", filter=permissions.public_q("comments__")))
    )


def meeting_comments(*, meeting: Meeting) -> QuerySet[Comment]:
    """The public comments entered from ``meeting`` (one query)."""
    return (
        Comment.objects.filter(permissions.public_q(), meeting=meeting)
        .select_related("author__participant", "section", "on_behalf_of")
        .order_by("created_at", "pk")
    )


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
            permissions.public_q(),
            section__version__consultation_id=version.consultation_id,
            section__version__number__lt=version.number,
            section__key__in=Section.objects.filter(version=version).values("key"),
        )
        .values("section__key")
        .annotate(n=Count("pk"), latest=Max("section__version__number"))
        .order_by()
    )
    return {row["section__key"]: EarlierComments(row["n"], row["latest"]) for row in rows}


# --- the undecided tally (comments.models.UndecidedTally) ----------------------------------


def tally_key(created_at: datetime, comment_id: int) -> tuple[date, int]:
    """The (UTC day, shard) of a comment in ``UndecidedTally``."""
    return created_at.astimezone(UTC).date(), comment_id % UndecidedTally.SHARDS


def undecided_tally_counted(*, consultation: Consultation) -> dict[tuple[date, int], int]:
    """What the consultation's tally should hold, counted from the comments themselves:
    ``{(UTC day, shard): comments without a published decision}``, zeros left out.
    One pass over the consultation's comments: for checks and rebuilds, not pages."""
    counts: Counter[tuple[date, int]] = Counter()
    for created_at, pk in (
        Comment.objects.filter(consultation=consultation, dispositions__isnull=True)
        .values_list("created_at", "pk")
        .iterator(chunk_size=5000)
    ):
        counts[tally_key(created_at, pk)] += 1
    return dict(counts)


def undecided_tally_held(*, consultation: Consultation) -> dict[tuple[date, int], int]:
    """What the tally holds now, zeros left out."""
    return {
        (day, shard): n
        for day, shard, n in UndecidedTally.objects.filter(consultation=consultation)
        .exclude(count=0)
        .values_list("day", "shard", "count")
    }


def author_tally_key(created_at: datetime, author_id: int) -> tuple[int, date]:
    """The (author, UTC day) of a comment in ``UndecidedAuthorTally``."""
    return author_id, created_at.astimezone(UTC).date()


def undecided_author_tally_counted(*, consultation: Consultation) -> dict[tuple[int, date], int]:
    """What the consultation's per-author tally should hold, counted from the comments:
    ``{(author id, UTC day): comments they wrote themself without a published
    decision}``, zeros left out.  For checks and rebuilds, not pages."""
    counts: Counter[tuple[int, date]] = Counter()
    for created_at, author_id in (
        Comment.objects.filter(
            consultation=consultation, dispositions__isnull=True, entered_by__isnull=True
        )
        .values_list("created_at", "author_id")
        .iterator(chunk_size=5000)
    ):
        counts[author_tally_key(created_at, author_id)] += 1
    return dict(counts)


def undecided_author_tally_held(*, consultation: Consultation) -> dict[tuple[int, date], int]:
    """What the per-author tally holds now, zeros left out."""
    return {
        (author_id, day): n
        for author_id, day, n in UndecidedAuthorTally.objects.filter(consultation=consultation)
        .exclude(count=0)
        .values_list("author_id", "day", "count")
    }
