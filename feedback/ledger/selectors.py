"""Reads of the ledger.  The current disposition is the latest entry, by sequence."""

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
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
)
from django.db.models.functions import Coalesce

from comments import permissions as comment_permissions
from comments.models import Comment
from comments.threads.selectors import with_disposition
from consult.models import Consultation, Section
from feedback.ledger import chain
from feedback.ledger.paging import CappedCount, capped_count
from feedback.models import (
    Appeal,
    DispositionDraft,
    DispositionEntry,
    LedgerHead,
    RationaleSnippet,
    Status,
)


def latest_entry_ids(*, comment_ids: list[int]) -> QuerySet:
    """Ids of the current (latest) entry of each of these comments, as a subquery."""
    latest = DispositionEntry.objects.filter(comment=OuterRef("comment")).order_by("-sequence")
    return DispositionEntry.objects.filter(
        comment_id__in=comment_ids, pk=Subquery(latest.values("pk")[:1])
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
        .select_related("comment", "target_section", "duplicate_of")
        .order_by("sequence")
    )


# What the hash chain covers (feedback/ledger/chain.py), plus what the export needs to
# decide whether a rationale is public; comment bodies are never loaded.
_CHAIN_FIELDS = (
    "sequence",
    "status",
    "rationale",
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
        .select_related("comment", "consultation", "target_section", "duplicate_of")
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
    """Comments per current status (plus "awaiting" and "total"), in two queries.

    Counted from the ledger's side: the comments' latest entries grouped by status
    (as many rows as decisions), and the comments counted on their consultation's
    index; "awaiting" is the difference.  Grouping every comment by a per-row
    subquery took 250 ms at 100,000 comments (bench/triage.py).
    """
    later = DispositionEntry.objects.filter(
        comment_id=OuterRef("comment_id"), sequence__gt=OuterRef("sequence")
    )
    rows = (
        DispositionEntry.objects.filter(consultation=consultation)
        .filter(~Exists(later))
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {row["status"]: row["n"] for row in rows}
    total = Comment.objects.filter(consultation=consultation).count()
    counts["awaiting"] = total - sum(counts.values())
    if not counts["awaiting"]:
        del counts["awaiting"]  # as before: a status nobody is in is absent
    counts["total"] = total
    return counts


def triage_counts(*, consultation: Consultation) -> dict[str, CappedCount]:
    """Triage's headline: comments awaiting a published decision, and all comments,
    each counted up to :data:`feedback.ledger.paging.CAP` ("more than" beyond): two
    queries whose cost does not grow with the consultation (bench/triage.py)."""
    comments = Comment.objects.filter(consultation=consultation)
    decided = DispositionEntry.objects.filter(comment=OuterRef("pk"))
    return {
        "awaiting": capped_count(comments.filter(~Exists(decided))),
        "total": capped_count(comments),
    }


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
                "section", "question", "author__participant__group", "on_behalf_of__merged_into"
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
    ``section_key``, ``author_name``, ``group_name``, ``organisation_name``
    and its ``disposition_*``.  ``public`` is ``comments.permissions.public_q``: the
    exports show only the receipt and status of a row without it.

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
            "parent__author__participant__group",
            "parent__on_behalf_of__merged_into",
            "parent__section",
        )
    ).order_by("created_at", "pk")


def draft_count(*, consultation: Consultation) -> int:
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
        comments = comments.filter(disposition_status__isnull=True)  # type: ignore[misc]
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
