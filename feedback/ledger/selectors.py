"""Reads of the ledger.  The current disposition is the latest entry, by sequence."""

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from comments import permissions as comment_permissions
from comments.disputes.selectors import disputed_flag
from comments.models import Comment, UndecidedAuthorTally, UndecidedTally
from comments.signatures import selectors as signature_selectors
from comments.threads.selectors import with_disposition
from consult.models import Consultation, Section
from feedback import permissions
from feedback.ledger import chain
from feedback.ledger.paging import CappedCount, capped_count
from feedback.models import (
    Appeal,
    CampaignMember,
    CommentPoint,
    DispositionDraft,
    DispositionEntry,
    DraftTally,
    LedgerEvent,
    LedgerHead,
    RationaleSnippet,
    Status,
    ThemeTag,
)
from feedback.themes.suggest import text_similarities


def current_comment_entry_q() -> Q:
    """On DispositionEntry: a comment's current decision (no later entry for that
    comment), as an anti-join on the index ``ledger_comment_latest_idx`` (comment, -sequence)."""
    later = DispositionEntry.objects.filter(
        comment_id=OuterRef("comment_id"), sequence__gt=OuterRef("sequence")
    )
    return ~Q(Exists(later))


def current_point_entry_q() -> Q:
    """On DispositionEntry: a point's current decision (no later entry for that point);
    true of every comment's entry, so ``current_comment_entry_q() & current_point_entry_q()``
    is "the current decision" of whichever it answers."""
    later = DispositionEntry.objects.filter(
        point_id=OuterRef("point_id"), sequence__gt=OuterRef("sequence")
    )
    return ~Q(Exists(later))


def latest_entry_ids(*, comment_ids: list[int]) -> QuerySet:
    """Ids of the current (latest) entry of each of these comments, as a subquery."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("comment")).order_by("-sequence")
    return DispositionEntry.objects.filter(
        comment_id__in=comment_ids, pk=Subquery(latest.values("pk")[:1])
    ).values("pk")


def latest_point_entry_ids(*, point_ids: list[int]) -> QuerySet:
    """Ids of the current (latest) entry of each of these points, as a subquery."""
    latest = DispositionEntry.objects.filter(point=OuterRef("point")).order_by("-sequence")
    return DispositionEntry.objects.filter(
        point_id__in=point_ids, pk=Subquery(latest.values("pk")[:1])
    ).values("pk")


def disposition_history(*, comment: Comment) -> QuerySet[DispositionEntry]:
    return (
        DispositionEntry.objects.filter(comment=comment)
        .select_related("target_section", "duplicate_of")
        .order_by("sequence")
    )


def ledger_entries(*, consultation: Consultation) -> QuerySet[DispositionEntry]:
    return (
        DispositionEntry.objects.filter(consultation=consultation)
        .select_related("comment", "point__comment", "target_section", "duplicate_of")
        .order_by("sequence")
    )


# What the hash chain covers (feedback/ledger/chain.py), plus what the export needs to
# decide whether a rationale is public; comment bodies are never loaded.
_CHAIN_FIELDS = (
    "sequence",
    "status",
    "rationale",
    "adopted_text",
    "appeal_id",
    "decided_at",
    "published_at",
    "previous_hash",
    "entry_hash",
    "consultation__slug",
    "comment__receipt",
    "comment__visibility",
    "comment__moderation",
    "comment__withdrawn_at",
    # A point's entry (issue 23): its sub-receipt, and its comment's publicity.
    "point__number",
    "point__comment__receipt",
    "point__comment__visibility",
    "point__comment__moderation",
    "point__comment__withdrawn_at",
    "target_section__key",
    "duplicate_of__receipt",
)


def ledger_chain(*, consultation: Consultation) -> QuerySet[DispositionEntry]:
    """The consultation's hash chain: every entry in sequence order, in one query.

    Stream it with ``.iterator(chunk_size=...)`` (a server-side cursor on
    PostgreSQL).  ``manage.py verify_ledger`` checks it with
    ``feedback.ledger.chain.verify``; ledger.json publishes it.
    """
    return (
        DispositionEntry.objects.filter(consultation=consultation)
        .select_related(
            "comment", "point__comment", "consultation", "target_section", "duplicate_of"
        )
        .only(*_CHAIN_FIELDS)
        .order_by("sequence")
    )


def ledger_head(*, consultation: Consultation) -> str:
    """The hash of the consultation's latest entry (``chain.GENESIS`` with none).

    Whoever notes it down can later check that a downloaded ledger.json still
    contains it: the chain up to a known head cannot be rewritten unseen.
    """
    head = (
        DispositionEntry.objects.filter(consultation=consultation)
        .order_by("-sequence")
        .values_list("entry_hash", flat=True)
        .first()
    )
    return head or chain.GENESIS


def anchored_head(*, consultation: Consultation) -> LedgerHead | None:
    """The head the consultation's latest publication anchored (None before any): one query.

    Read it before the chain: the chain read after it has at least its entries.
    """
    return LedgerHead.objects.filter(consultation=consultation).order_by("-entry_count").first()


def anchored_head_document(head: LedgerHead | None) -> dict | None:
    """The anchored head as ledger.json and the ledger page give it."""
    if head is None:
        return None
    return {
        "hash": head.head_hash,
        "entries": head.entry_count,
        "anchored_at": head.anchored_at.isoformat(),
    }


def status_counts(*, consultation: Consultation) -> dict[str, int]:
    """Comments per current status, "awaiting" (input awaiting a decision:
    ``feedback.permissions.needs_decision_q``) and "responses" (the team's own comments
    without a decision, which await nothing), plus "total".

    Counted from the ledger's side: the comments' latest entries grouped by status
    (as many rows as decisions; a point's entries are not a comment's), and the
    comments counted on their consultation's index; the undecided are the
    difference, and the awaiting among them are read off the desk's tally
    (``awaiting_figures``).  Grouping every comment by a per-row subquery took 250 ms
    at 100,000 comments (bench/triage.py).
    """
    rows = (
        DispositionEntry.objects.filter(consultation=consultation, comment__isnull=False)
        .filter(current_comment_entry_q())
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["status"]: row["n"] for row in rows}
    total = Comment.objects.filter(consultation=consultation).count()
    undecided = total - sum(counts.values())
    counts["total"] = total
    if undecided:
        counts["awaiting"] = awaiting_figures(consultations=[consultation])[
            consultation.pk
        ].awaiting
        counts["responses"] = undecided - counts["awaiting"]
    return counts


def triage_counts(*, consultation: Consultation) -> dict[str, CappedCount]:
    """Triage's headline: comments awaiting a decision (``needs_decision_q``), and all comments,
    each counted up to :data:`feedback.ledger.paging.CAP` ("more than" beyond): two
    queries whose cost does not grow with the consultation (bench/triage.py)."""
    comments = Comment.objects.filter(consultation=consultation)
    return {
        "awaiting": capped_count(comments.filter(permissions.needs_decision_q(consultation))),
        "total": capped_count(comments),
    }


@dataclass(frozen=True)
class Awaiting:
    """Input awaiting a decision (``needs_decision_q``), and how much of it is overdue
    (made before ``feedback.permissions.overdue_before``)."""

    awaiting: int = 0
    overdue: int = 0


def awaiting_figures(
    *, consultations: list[Consultation], now: datetime | None = None
) -> dict[int, Awaiting]:
    """``{consultation id: Awaiting}`` in two queries whatever the number of comments.

    The undecided comments are the tally's rows (``comments.models.UndecidedTally``:
    a few rows per day of each consultation); the team's own undecided comments are
    read off ``UndecidedAuthorTally`` for the current team members only (a few rows
    per member and day) and taken away (``needs_decision_q`` = undecided and not the
    team's).  Neither query reads a comment.
    """
    if not consultations:
        return {}
    overdue_day = permissions.overdue_before(now=now).date()
    per_day = {
        "n": Sum("count"),
        "overdue": Sum("count", filter=Q(day__lt=overdue_day)),
    }
    tally = {
        row["consultation_id"]: row
        for row in UndecidedTally.objects.filter(consultation__in=consultations)
        .values("consultation_id")
        .annotate(**per_day)
        .order_by()
    }
    team = Q(pk__in=[])
    for consultation in consultations:
        team |= Q(consultation=consultation) & permissions.team_author_q(consultation)
    responses = {
        row["consultation_id"]: row
        for row in UndecidedAuthorTally.objects.filter(team)
        .values("consultation_id")
        .annotate(**per_day)
        .order_by()
    }
    figures = {}
    for consultation in consultations:
        held: dict[str, Any] = dict(tally.get(consultation.pk) or {})
        theirs: dict[str, Any] = dict(responses.get(consultation.pk) or {})
        figures[consultation.pk] = Awaiting(
            awaiting=(held.get("n") or 0) - (theirs.get("n") or 0),
            overdue=(held.get("overdue") or 0) - (theirs.get("overdue") or 0),
        )
    return figures


# The order the decision summaries list statuses in (the ledger's order), awaiting last.
SUMMARY_ORDER = [*Status.values, "awaiting"]


def section_decisions(*, consultation: Consultation) -> dict[int, list[tuple[str, int]]]:
    """Per paragraph, how its public comments were answered: ``{section_id: [(status,
    count), ...]}`` in :data:`SUMMARY_ORDER`, ``"awaiting"`` for comments without a
    decision.  Threads are answered, not replies, so only top-level comments count.

    One query for the whole page (grouped by section and current status), whatever
    the number of paragraphs or comments; only comments anyone may read
    (comments.permissions.public_q) are counted.
    """
    rows = (
        with_disposition(
            Comment.objects.filter(
                comment_permissions.public_q(),
                consultation=consultation,
                section__isnull=False,
                parent__isnull=True,
            )
        )
        .values_list("section_id", "disposition_status")  # type: ignore[misc]
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[int, dict[str, int]] = {}
    for section_id, status, n in rows:
        by_status = found.setdefault(section_id, {})
        key = status or "awaiting"
        by_status[key] = by_status.get(key, 0) + n
    return {
        section_id: [(status, by_status[status]) for status in SUMMARY_ORDER if status in by_status]
        for section_id, by_status in found.items()
    }


def ledger_comments(*, consultation: Consultation) -> QuerySet[Comment]:
    """Every comment of the consultation with its current disposition, for the public ledger.

    The caller decides what of a non-public comment it may show (receipt and status).
    ``disposition_cluster``: the campaign cluster whose shared answer the current
    decision came from (feedback.clusters.services.cluster_answer), or None.
    """
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    return (
        with_disposition(
            Comment.objects.filter(consultation=consultation).select_related(
                "section",
                "question",
                "author__participant__group",
                "on_behalf_of__merged_into",
                "amendment",  # issue 24: shown struck and inserted
            )
        )
        .annotate(disposition_cluster=Subquery(latest.values("cluster_answer__cluster")[:1]))
        .order_by("created_at", "pk")
    )


def ledger_export_rows(*, consultation: Consultation) -> QuerySet[Comment, Mapping[str, Any]]:
    """``ledger_comments`` as plain values, for the ledger.csv and ledger.json exports.

    One query; stream it with ``.iterator(chunk_size=...)``.  Plain dicts
    rather than five model instances per comment: the export runs at the
    speed of the csv module (bench/ledger_csv.py).  Each row has the
    comment's ``receipt``, ``public``, ``withdrawn_at``, ``created_at``,
    ``section_key``, ``author_name``, ``group_name``, ``organisation_name``,
    ``disputed`` (issue 25) and its ``disposition_*``.  ``public`` is
    ``comments.permissions.public_q``: the exports show only the receipt and
    status of a row without it.

    The current entry is joined once (the entry whose id is the comment's
    latest), rather than looked up once per column as ``with_disposition``
    does: the same rows, a third of the index lookups.
    """
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    current = FilteredRelation(
        "dispositions", condition=Q(dispositions__pk=Subquery(latest.values("pk")[:1]))
    )
    return (
        Comment.objects.filter(consultation=consultation)
        .annotate(current=current)
        .order_by("created_at", "pk")
        .values(
            "receipt",
            "withdrawn_at",
            "created_at",
            # Entered by staff (comments.offline.services): the sender is shown, not the author.
            "entered_by_id",
            "channel",
            "submitter_name",
            "submitter_organisation",
            "received_at",
            # Published without the name (issue 25): the export withholds it.
            "anonymous",
            # What of the row may be shown: comments.permissions' rule, in SQL.
            public=comment_permissions.public_flag(),
            disposition_status=F("current__status"),
            disposition_rationale=F("current__rationale"),
            disposition_published_at=F("current__published_at"),
            section_key=F("section__key"),
            author_name=F("author__participant__display_name"),
            group_name=F("author__participant__group__name"),
            # A duplicate organisation shows the one it was merged into.
            organisation_name=Coalesce(
                F("on_behalf_of__merged_into__name"), F("on_behalf_of__name")
            ),
            question_ordinal=F("question__ordinal"),
            disputed=disputed_flag(),
            # Issue 24: an amendment's passage and wording (null: not an amendment).
            amendment_quote=F("amendment__quote"),
            amendment_replacement=F("amendment__replacement"),
            # Confirmed co-signatories (issue 25, part 25a), in the same query.
            signature_count=signature_selectors.counted_signatures(),
        )
    )


def point_export_rows(*, consultation: Consultation) -> QuerySet[CommentPoint, Mapping[str, Any]]:
    """Every point of the consultation (issue 23) with its current decision, as plain
    values in the order of ``ledger_export_rows`` (comment by comment, then by
    number), so an export merges the two streams in one pass.  One query; stream
    it with ``.iterator(chunk_size=...)``."""
    latest = DispositionEntry.objects.filter(point=OuterRef("pk")).order_by("-sequence")
    current = FilteredRelation(
        "entries", condition=Q(entries__pk=Subquery(latest.values("pk")[:1]))
    )
    return (
        CommentPoint.objects.filter(comment__consultation=consultation)
        .annotate(current=current)
        .order_by("comment__created_at", "comment_id", "number")
        .values(
            "number",
            comment_receipt=F("comment__receipt"),
            disposition_status=F("current__status"),
            disposition_rationale=F("current__rationale"),
            disposition_published_at=F("current__published_at"),
        )
    )


# --- appeals -------------------------------------------------------------------


def with_appeal_answer(appeals: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """Annotate ``answered_at`` and ``answer_sequence`` (the first entry answering
    each appeal, or None): the appeal's ``status`` then needs no query."""
    answer = DispositionEntry.objects.filter(appeal=OuterRef("pk")).order_by("sequence")
    return appeals.annotate(
        answered_at=Subquery(answer.values("published_at")[:1]),
        answer_sequence=Subquery(answer.values("sequence")[:1]),
    )


def appeals_of_comment(*, comment: Comment) -> QuerySet[Appeal]:
    """Every appeal on a comment, oldest first, with its answer annotated."""
    return with_appeal_answer(Appeal.objects.filter(comment=comment)).order_by("created_at", "pk")


def appeals_open(*, consultation: Consultation) -> QuerySet[Appeal]:
    """The consultation's unanswered appeals, soonest due first, with the comment,
    the decision appealed and the appellant's public profile: one query."""
    return (
        with_appeal_answer(
            Appeal.objects.filter(comment__consultation=consultation, answers__isnull=True)
        )
        .select_related("comment__section", "entry", "appellant__participant")
        .order_by("answer_due_at", "pk")
    )


def appeals_open_count(*, consultation: Consultation) -> int:
    return Appeal.objects.filter(comment__consultation=consultation, answers__isnull=True).count()


def disposition_history_with_appeals(*, comment: Comment) -> QuerySet[DispositionEntry]:
    """``disposition_history`` with, on each entry, ``appeal_list`` (the appeals
    against it) and ``appeal`` (the appeal it answers): three queries in all."""
    return (
        disposition_history(comment=comment)
        .select_related("appeal")
        .prefetch_related(
            Prefetch(
                "appeals",
                queryset=with_appeal_answer(Appeal.objects.order_by("created_at", "pk")),
                to_attr="appeal_list",
            )
        )
    )


# --- the secretariat's workbench --------------------------------------------------


def triage_comments(*, consultation: Consultation) -> QuerySet[Comment]:
    """Every comment of the consultation with its current disposition and its draft,
    for the triage list (filtered by ``feedback.ledger.filters.TriageFilter``): one query.
    A reply carries the comment it answers (``parent``, with its author), joined in
    the same query, so a page of replies costs no query per row."""
    return with_disposition(
        Comment.objects.filter(consultation=consultation).select_related(
            "author__participant__group",
            "on_behalf_of__merged_into",
            "section",
            "draft",
            "assignment__assignee",
            "parent__author__participant__group",
            "parent__on_behalf_of__merged_into",
            "parent__section",
            "amendment",  # issue 24: shown struck and inserted
        )
    ).order_by("created_at", "pk")


def draft_count(*, consultation: Consultation) -> int:
    """Drafted, unpublished decisions on the consultation's comments, read off
    ``DraftTally`` (one row, kept by the writers)."""
    return draft_counts(consultation_ids=[consultation.pk]).get(consultation.pk, 0)


def point_draft_count(*, consultation: Consultation) -> int:
    """Drafted, unpublished decisions on points (feedback/points/): counted directly,
    through the points (a few per long comment), not the comments."""
    return DispositionDraft.objects.filter(point__comment__consultation=consultation).count()


def draft_counts(*, consultation_ids: list[int]) -> dict[int, int]:
    """``{consultation id: drafts on comments}`` from ``DraftTally``: one query."""
    return dict(
        DraftTally.objects.filter(consultation_id__in=consultation_ids).values_list(
            "consultation_id", "count"
        )
    )


def draft_count_counted(*, consultation: Consultation) -> int:
    """What ``DraftTally`` should hold, counted from the drafts (checks and rebuilds)."""
    return DispositionDraft.objects.filter(comment__consultation=consultation).count()


def snippets_of(*, consultation: Consultation) -> QuerySet[RationaleSnippet]:
    return RationaleSnippet.objects.filter(consultation=consultation).order_by("title")


def _version_number_of(comment: Comment) -> int:
    """The number of the draft version the comment was made on (0 if unknown)."""
    if comment.section_id and comment.section:
        return comment.section.version.number
    if comment.round.document_version_id and comment.round.document_version:
        return comment.round.document_version.number
    return 0


def later_sections(*, comment: Comment) -> QuerySet[Section]:
    """Sections of the versions after the one the comment was made on: the candidates
    for "the section of the next version this input changed"."""
    return (
        Section.objects.filter(
            version__consultation_id=comment.consultation_id,
            version__number__gt=_version_number_of(comment),
        )
        .select_related("version")
        .order_by("version__number", "ordinal")
    )


def next_version_section(*, comment: Comment) -> Section | None:
    """The commented section as it reads in the next version that has its key, if any."""
    if not comment.section_id or comment.section is None:
        return None
    return (
        Section.objects.filter(
            version__consultation_id=comment.consultation_id,
            key=comment.section.key,
            version__number__gt=comment.section.version.number,
        )
        .select_related("version")
        .order_by("version__number")
        .first()
    )


@dataclass
class CoverageRow:
    label: str
    total: int
    answered: int
    median_days: float | None
    round_number: int | None = None
    section_key: str | None = None
    section_ordinal: int = 0

    @property
    def share(self) -> float | None:
        """Percentage answered (None with no comments)."""
        return 100 * self.answered / self.total if self.total else None


def _median(days: list[float]) -> float | None:
    return round(statistics.median(days), 1) if days else None


def coverage(*, consultation: Consultation) -> dict:
    """How far the secretariat has answered: overall, per round and per section.

    A comment is answered once a decision on it is published; days to answer
    run from the comment to its *first* published decision.  Five queries
    however many comments there are: the counts are aggregated in SQL (one
    query per grouping: round, section; the overall row is their sum), the
    medians are computed in Python from one ``values_list`` query over the
    answered comments (SQL has no portable median), and one query labels the
    sections.  Returns ``{"overall": CoverageRow, "rounds": [...], "sections": [...]}``.
    """
    comments = Comment.objects.filter(consultation=consultation)
    answered = Count("pk", filter=Q(dispositions__isnull=False), distinct=True)

    durations: dict[tuple[str, object], list[float]] = {}
    every: list[float] = []
    answer_times = (
        comments.annotate(first_answer=Min("dispositions__published_at"))
        .filter(first_answer__isnull=False)
        .values_list("round__number", "section__key", "created_at", "first_answer")
    )
    for round_number, section_key, created_at, first_answer in answer_times:
        days = (first_answer - created_at).total_seconds() / 86400
        every.append(days)
        durations.setdefault(("round", round_number), []).append(days)
        durations.setdefault(("section", section_key), []).append(days)

    round_rows = (
        comments.values("round__number", "round__title")
        .annotate(total=Count("pk", distinct=True), answered=answered)
        .order_by("round__number")
    )
    rounds = [
        CoverageRow(
            label=row["round__title"] or "",
            total=row["total"],
            answered=row["answered"],
            median_days=_median(durations.get(("round", row["round__number"]), [])),
            round_number=row["round__number"],
        )
        for row in round_rows
    ]

    section_rows = list(
        comments.values("section__key")
        .annotate(total=Count("pk", distinct=True), answered=answered)
        .order_by()
    )
    labels: dict[str, tuple[int, int, str]] = {}
    for key, version, ordinal, heading in (
        Section.objects.filter(
            version__consultation=consultation,
            key__in=[row["section__key"] for row in section_rows if row["section__key"]],
        )
        .order_by("version__number")
        .values_list("key", "version__number", "ordinal", "heading")
    ):
        labels[key] = (version, ordinal, heading)  # the latest version that has the key wins
    sections = []
    for row in section_rows:
        key = row["section__key"]
        _version, ordinal, heading = labels.get(key, (0, 0, ""))
        sections.append(
            CoverageRow(
                label=heading or key or "",
                total=row["total"],
                answered=row["answered"],
                median_days=_median(durations.get(("section", key), [])),
                section_key=key,
                section_ordinal=ordinal,
            )
        )
    # Whole-draft comments (no section) last; the rest in reading order.
    sections.sort(key=lambda r: (r.section_key is None, r.section_ordinal, r.section_key or ""))

    overall = CoverageRow(
        label="",
        total=sum(r.total for r in rounds),
        answered=sum(r.answered for r in rounds),
        median_days=_median(every),
    )
    return {"overall": overall, "rounds": rounds, "sections": sections}


# --- the public ledger page -------------------------------------------------------

# The columns of the per-status tables: "awaiting" first, then the ledger's statuses.
STATUS_COLUMNS = ("awaiting", *Status.values)


@dataclass
class LedgerSection:
    key: str
    ordinal: int
    heading: str


def ledger_sections(*, consultation: Consultation) -> list[LedgerSection]:
    """Every section key of the consultation, labelled as its latest version has it,
    in reading order: the ledger's filter choices and table rows.  One query."""
    labels: dict[str, LedgerSection] = {}
    for key, ordinal, heading in (
        Section.objects.filter(version__consultation=consultation)
        .order_by("version__number", "ordinal")
        .values_list("key", "ordinal", "heading")
    ):
        labels[key] = LedgerSection(key=key, ordinal=ordinal, heading=heading)
    return sorted(labels.values(), key=lambda section: (section.ordinal, section.key))


def ledger_filtered(
    *,
    consultation: Consultation,
    viewer,
    is_staff: bool,
    status: str = "",
    section: str = "",
    group: str = "",
) -> QuerySet[Comment]:
    """The public ledger's rows: every comment with its current disposition, filtered.

    ``status`` is a ledger status or "awaiting"; ``section`` a section key;
    ``group`` a stakeholder group slug.  Filtering by section or group would
    reveal where a private or hidden comment was made and who made it, so for
    anyone but the consultation's staff those filters keep only the comments
    the viewer may read (the count tables still count every comment).
    """
    comments = ledger_comments(consultation=consultation)
    # disposition_status: an annotation (with_disposition), which the plugin does not see
    # through ledger_comments' QuerySet[Comment].
    if status == "awaiting":
        comments = comments.filter(permissions.needs_decision_q(consultation))
    elif status:
        comments = comments.filter(disposition_status=status)  # type: ignore[misc]
    if section:
        comments = comments.filter(section__key=section)
    if group:
        comments = comments.filter(author__participant__group__slug=group)
    if (section or group) and not is_staff:
        comments = comments.filter(comment_permissions.readable_q(viewer, is_staff=False))
    return comments


@dataclass
class StatusCountRow:
    """One row of a per-status table: ``counts`` follows ``STATUS_COLUMNS``.

    ``key`` is a section key or a group slug (None: whole draft, or no profile).
    """

    key: str | None
    counts: list[int]
    label: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts)


def _status_count_rows(rows, field: str) -> dict[str | None, StatusCountRow]:
    by_key: dict[str | None, StatusCountRow] = {}
    for row in rows:
        key = row[field]
        if key not in by_key:
            by_key[key] = StatusCountRow(key=key, counts=[0] * len(STATUS_COLUMNS))
        column = STATUS_COLUMNS.index(row["disposition_status"] or "awaiting")
        by_key[key].counts[column] += row["n"]
    return by_key


def _counts_by(consultation: Consultation, field: str) -> dict[str | None, StatusCountRow]:
    """Comments per (``field``, current status): one aggregate query."""
    rows = (
        with_disposition(Comment.objects.filter(consultation=consultation))
        .values(field, "disposition_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _status_count_rows(rows, field)


def status_counts_by_section(
    *, consultation: Consultation, sections: list[LedgerSection]
) -> list[StatusCountRow]:
    """Comments per current status for each section key, in reading order, every
    section listed (zeros included); comments on the whole draft last (key None)."""
    counted = _counts_by(consultation, "section__key")
    rows = []
    for section in sections:
        row = counted.pop(section.key, StatusCountRow(section.key, [0] * len(STATUS_COLUMNS)))
        row.label = f"{section.ordinal} · {section.heading or section.key}"
        rows.append(row)
    whole_draft = counted.pop(None, None)
    # Keys no version has (None, the whole draft, was taken out above).
    for row in sorted(counted.values(), key=lambda row: row.key or ""):
        row.label = row.key or ""
        rows.append(row)
    if whole_draft is not None:
        rows.append(whole_draft)
    return rows


def status_counts_by_group(*, consultation: Consultation, groups) -> list[StatusCountRow]:
    """Comments per current status for each stakeholder group (by slug), every group
    listed (zeros included: who is missing matters); authors without a profile last."""
    counted = _counts_by(consultation, "author__participant__group__slug")
    rows = []
    for group in groups:
        row = counted.pop(group.slug, StatusCountRow(group.slug, [0] * len(STATUS_COLUMNS)))
        row.label = group.reader_name
        rows.append(row)
    for row in sorted(counted.values(), key=lambda row: (row.key is None, row.key or "")):
        row.label = row.key or ""
        rows.append(row)
    return rows


def appeal_to_answer(*, comment: Comment, appeal_id: int | str | None = None) -> Appeal | None:
    """The appeal a decision on ``comment`` would answer: ``appeal_id`` if it is one of
    the comment's unanswered appeals, else its oldest unanswered one, else None.
    (An old link to an answered appeal thus never blocks a new decision.)"""
    appeals = with_appeal_answer(Appeal.objects.filter(comment=comment, answers__isnull=True))
    if appeal_id is not None and str(appeal_id).isdigit():
        chosen = appeals.filter(pk=int(appeal_id)).first()
        if chosen is not None:
            return chosen
    return appeals.order_by("created_at", "pk").first()


# Consistent answers: how many published decisions are read and compared, how
# many are offered, and how similar a comment outside the same campaign, theme
# and section must be to be offered at all.
CONSISTENT_CANDIDATES = 200
CONSISTENT_SHOWN = 5
CONSISTENT_MIN_SIMILARITY = 0.1


class OfferReason:
    CLUSTER = 0
    THEME_OR_SECTION = 1
    TEXT = 2


@dataclass(frozen=True)
class ConsistentAnswer:
    """A published decision offered for reuse, and why it was offered."""

    entry: DispositionEntry
    reason: int  # an OfferReason
    similarity: float  # TF-IDF cosine of the two comments' texts, 0.0 to 1.0

    @property
    def reason_label(self) -> str:
        return str(
            {
                OfferReason.CLUSTER: _("same campaign"),
                OfferReason.THEME_OR_SECTION: _("same theme or section"),
            }.get(self.reason, _("similar text"))
        )


def consistent_answers(
    *,
    comment: Comment,
    candidates: int = CONSISTENT_CANDIDATES,
    shown: int = CONSISTENT_SHOWN,
) -> list[ConsistentAnswer]:
    """The closest published decisions of ``comment``'s consultation, to offer for reuse.

    Candidates are the current (latest) published entries of other comments of
    the same consultation, at most ``candidates`` of them in one query: those
    of the same campaign cluster first, then those sharing a theme tag or the
    section, then the most recently published of the rest.  They are ranked by
    that order, then by the similarity of the comments' texts (TF-IDF cosine,
    ``feedback.themes.suggest.text_similarities``); an entry from outside the
    cluster, themes and section is offered only if its comment is similar
    (``CONSISTENT_MIN_SIMILARITY``).  The same status and rationale is offered
    once (a campaign answered as one gives one offer, not five).  Drafts are
    never offered: they are not decisions yet.

    The caller has checked that the viewer may decide on ``comment``
    (``feedback.permissions.require_can_decide``): a team member may see every
    comment of the consultation, which is what the offers show.
    """
    same_cluster = Exists(
        CampaignMember.objects.filter(
            comment_id=OuterRef("comment_id"), cluster__members__comment=comment
        )
    )
    same_theme = Exists(
        ThemeTag.objects.filter(comment_id=OuterRef("comment_id"), theme__tags__comment=comment)
    )
    same_section = Q(comment__section_id=comment.section_id) if comment.section_id else Q(pk__in=[])
    rows = list(
        # Decisions on comments; a point's entry (comment empty) answers a passage only.
        DispositionEntry.objects.filter(
            consultation_id=comment.consultation_id, comment__isnull=False
        )
        .exclude(comment_id=comment.pk)
        .filter(current_comment_entry_q())
        .annotate(
            tier=Case(
                When(same_cluster, then=Value(OfferReason.CLUSTER)),
                When(same_theme | same_section, then=Value(OfferReason.THEME_OR_SECTION)),
                default=Value(OfferReason.TEXT),
            )
        )
        .select_related("comment")
        .only(
            "pk",
            "status",
            "rationale",
            "published_at",
            "sequence",
            "comment__receipt",
            "comment__body",
            "comment__withdrawn_at",
        )
        .order_by("tier", "-sequence")[:candidates]
    )
    scores = text_similarities(
        comment.body, [row.comment.body for row in rows if row.comment is not None]
    )
    ranked = sorted(
        zip(rows, scores, strict=True), key=lambda pair: (pair[0].tier, -pair[1], -pair[0].sequence)
    )
    offers: list[ConsistentAnswer] = []
    seen: set[tuple[str, str]] = set()
    for entry, score in ranked:
        if entry.tier == OfferReason.TEXT and score < CONSISTENT_MIN_SIMILARITY:
            continue
        wording = (entry.status, entry.rationale.strip())
        if wording in seen:
            continue
        seen.add(wording)
        offers.append(ConsistentAnswer(entry=entry, reason=entry.tier, similarity=score))
        if len(offers) == shown:
            break
    return offers


def consistent_answer_to_use(*, comment: Comment, entry_id: str | None) -> DispositionEntry | None:
    """The published entry whose wording the person asked to reuse (``?use=<id>``).

    Any published entry of ``comment``'s consultation; None for an id that is
    not a number or names no entry of this consultation (the caller says so and
    leaves the form as it was).
    """
    if entry_id is None or not entry_id.isdigit():
        return None
    return (
        DispositionEntry.objects.filter(consultation_id=comment.consultation_id, pk=int(entry_id))
        .only("pk", "status", "rationale", "comment__receipt")
        .select_related("comment")
        .first()
    )


def event_chain(*, consultation: Consultation):
    """A consultation's LedgerEvents in sequence order, ready for ``chain.verify_events``."""
    return (
        LedgerEvent.objects.filter(consultation=consultation)
        .select_related("comment", "consultation")
        .order_by("sequence")
    )
