"""Trace both ways (issue 24): which inputs caused a change between two versions, and
where an input went.

A change of a section comes from (a) the amendments composed into that section of
the new version (``AmendmentApplication``, written by composing it), placed on the
change whose span overlaps the adopted wording, and (b) the comments (or points of
comments, by sub-receipt) whose current decision names that section of the new version
as ``target_section``, placed on every change of the section.  Only receipts the
viewer may see are given: those of the comments a thread would list them
(``comments.permissions.listed_q``), so a private comment's receipt stays with its
author and the team.

Offsets: an application's ``start``/``end`` are in the section's plain text, the
diff's changes are chunks of its Markdown; ``comments.amendments.quote.plain_text``
maps the one to the other (the map composing used to write the wording back).  An
empty adoption (a deletion) or a span the map cannot place falls back to the
plain-text offsets, which for a paragraph's prose differ by its few markup characters.
"""

from dataclasses import dataclass, field
from itertools import pairwise

from django.db.models import Exists, OuterRef, Q
from django.utils.safestring import SafeString

from comments import permissions as comment_permissions
from comments.amendments.quote import plain_text
from comments.models import Comment
from consult import permissions as consult_permissions
from consult.models import Consultation, DocumentVersion, Section
from consult.versions.diff import SectionDiff, render_changes, version_diff, word_changes
from feedback.ledger.selectors import current_comment_entry_q, current_point_entry_q
from feedback.models import AmendmentApplication, DispositionEntry, Status

# Unchanged text kept around an excerpt's changes, at most (characters).
EXCERPT_CONTEXT_CHARS = 80


@dataclass(frozen=True)
class Cause:
    """One input behind a change: its receipt, and for an amendment where its adopted
    wording stands in the new section (Markdown offsets)."""

    receipt: str
    status: str
    amendment: bool
    start: int = 0
    end: int = 0


@dataclass
class SectionCauses:
    amendments: list[Cause] = field(default_factory=list)
    decisions: list[Cause] = field(default_factory=list)


def _listed_comments(viewer, *, is_staff: bool):
    return Comment.objects.filter(comment_permissions.listed_q(viewer, is_staff=is_staff))


def _markdown_span(body: str, start: int, end: int, plain: dict) -> tuple[int, int]:
    """Where plain-text ``[start, end)`` of a section stands in its Markdown ``body``
    (``plain`` keeps each body's PlainText, computed once a section)."""
    if body not in plain:
        plain[body] = plain_text(body)
    span = plain[body].source_span(start, end) if start < end else None
    return span if span is not None else (start, end)


def section_causes(*, new: DocumentVersion, viewer, is_staff: bool) -> dict[str, SectionCauses]:
    """Per section key of ``new``: the inputs that changed it.  Two queries, whatever
    the number of sections, changes or inputs."""
    causes: dict[str, SectionCauses] = {}
    applications = (
        AmendmentApplication.objects.filter(
            version=new,
            amendment__comment__in=_listed_comments(viewer, is_staff=is_staff),
        )
        .select_related("section", "entry", "amendment__comment")
        .only(
            "start",
            "end",
            "adopted_text",
            "amendment__comment__receipt",
            "section__key",
            "section__body",
            "entry__status",
        )
        .order_by("start", "amendment_id")
    )
    plain: dict = {}
    for application in applications:
        start, end = _markdown_span(
            application.section.body, application.start, application.end, plain
        )
        causes.setdefault(application.section.key, SectionCauses()).amendments.append(
            Cause(
                receipt=application.amendment.comment.receipt,
                status=application.entry.status,
                amendment=True,
                start=start,
                end=end,
            )
        )
    listed = _listed_comments(viewer, is_staff=is_staff)
    decisions = (
        DispositionEntry.objects.filter(
            current_comment_entry_q(),
            current_point_entry_q(),
            Q(comment__in=listed) | Q(point__comment__in=listed),
            target_section__version=new,
        )
        .exclude(
            # An amendment composed into this version is already there, at its place.
            Exists(
                AmendmentApplication.objects.filter(
                    version=new, amendment_id=OuterRef("comment_id")
                )
            )
        )
        .values_list(
            "target_section__key",
            "comment__receipt",
            "point__comment__receipt",
            "point__number",
            "status",
        )
        .order_by("comment__receipt", "point__comment__receipt", "point__number")
    )
    for key, receipt, point_of, number, status in decisions:
        # A point's decision (issue 23) is its sub-receipt's: <receipt>-<n>.
        receipt = receipt or f"{point_of}-{number}"
        causes.setdefault(key, SectionCauses()).decisions.append(
            Cause(receipt=receipt, status=status, amendment=False)
        )
    return causes


def change_spans(changes: list[tuple[str, str | None]]) -> list[tuple[int, int] | None]:
    """For each chunk of ``word_changes``, where a change stands in the new text
    (``None`` for unchanged text)."""
    spans: list[tuple[int, int] | None] = []
    position = 0
    for text, added in changes:
        if added is None:
            spans.append(None)
            position += len(text)
        else:
            spans.append((position, position + len(added)))
            position += len(added)
    return spans


def _overlaps(span: tuple[int, int], cause: Cause) -> bool:
    start, end = span
    if start == end:  # a deletion: a point in the new text
        return cause.start <= start <= cause.end
    return start < cause.end and cause.start < end


def because_of_changes(
    changes: list[tuple[str, str | None]], causes: SectionCauses | None
) -> list[list[str]]:
    """The receipts behind each chunk of ``changes`` (empty for unchanged text).

    An amendment goes on the changes its adopted wording overlaps, or when it
    overlaps none on the nearest one; a decision naming the section goes on every
    change of it."""
    because: list[list[str]] = [[] for _chunk in changes]
    if causes is None:  # most sections: nothing to place
        return because
    spans = change_spans(changes)
    changed = [index for index, span in enumerate(spans) if span is not None]
    if not changed:
        return because
    for cause in causes.amendments:
        hits = [i for i in changed if _overlaps(spans[i], cause)]  # type: ignore[arg-type]
        if not hits:
            nearest = min(
                changed,
                key=lambda i: min(
                    abs(spans[i][0] - cause.start),  # type: ignore[index]
                    abs(spans[i][1] - cause.end),  # type: ignore[index]
                ),
            )
            hits = [nearest]
        for index in hits:
            if cause.receipt not in because[index]:
                because[index].append(cause.receipt)
    for cause in causes.decisions:
        for index in changed:
            if cause.receipt not in because[index]:
                because[index].append(cause.receipt)
    return because


def diff_because(
    *, rows: list[SectionDiff], new: DocumentVersion, viewer, is_staff: bool
) -> dict[str, list[list[str]]]:
    """Per section key, the receipts behind each chunk of its ``changes`` (aligned with
    them).  Two queries for the whole diff."""
    causes = section_causes(new=new, viewer=viewer, is_staff=is_staff)
    return {row.key: because_of_changes(row.changes, causes.get(row.key)) for row in rows}


# Where an input went ------------------------------------------------------------


@dataclass
class Destination:
    """Where a comment's proposal went: ``adopted`` (an amendment composed into the
    version) or ``changed`` (its decision names the section as changed by it)."""

    kind: str
    version: DocumentVersion
    section: Section
    excerpt: SafeString
    entry_status: str = ""

    @property
    def published(self) -> bool:
        return self.version.published_at is not None


def applied_in(
    *, comment: Comment, viewer, is_staff: bool | None = None
) -> AmendmentApplication | None:
    """The newest application of the comment's amendment in a version ``viewer`` may
    read (``consult.permissions.can_view_version``: a draft version only for the
    consultation's team).  One query; the team is asked only when the newest
    application is in a draft version and ``is_staff`` is not known."""
    applications = (
        AmendmentApplication.objects.filter(amendment_id=comment.pk)
        .select_related("version__consultation", "section__version")
        .order_by("-version__number")
    )
    for application in applications:
        if consult_permissions.can_view_version(viewer, application.version, is_staff=is_staff):
            return application
    return None


def _earlier_section(section: Section) -> Section | None:
    """The paragraph this one continues: its ``previous``, or else the same key in the
    newest earlier version."""
    if section.previous_id is not None:
        return Section.objects.filter(pk=section.previous_id).first()
    return (
        Section.objects.filter(
            version__consultation_id=section.version.consultation_id,
            version__number__lt=section.version.number,
            key=section.key,
        )
        .order_by("-version__number")
        .first()
    )


def _shortened(chunks: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Long unchanged text around the changes cut to its nearest words, with "…"."""
    out: list[tuple[str, str | None]] = []
    last = len(chunks) - 1
    for index, (text, added) in enumerate(chunks):
        if added is not None or len(text) <= 2 * EXCERPT_CONTEXT_CHARS:
            out.append((text, added))
            continue
        head = text[:EXCERPT_CONTEXT_CHARS].rsplit(" ", 1)[0]
        tail = text[-EXCERPT_CONTEXT_CHARS:].split(" ", 1)[-1]
        if index == 0:
            out.append(("… " + tail, None))
        elif index == last:
            out.append((head + " …", None))
        else:
            out.append((head + " … " + tail, None))
    return out


def paragraph_excerpt(old: Section | None, new: Section) -> SafeString:
    """The change from ``old`` to ``new`` as struck/inserted words, long unchanged
    stretches shortened (consult.versions.diff's word diff)."""
    html, _changed = render_changes(_shortened(word_changes(old.body if old else "", new.body)))
    return html


def destination(*, comment: Comment, viewer, is_staff: bool | None = None) -> Destination | None:
    """Where the comment's proposal went, as the receipt page tells it: the newest
    application of its amendment, or else the section its current decision names
    when that section changed.  Versions the viewer may not read are left out."""
    application = applied_in(comment=comment, viewer=viewer, is_staff=is_staff)
    if application is not None:
        section = application.section
        return Destination(
            kind="adopted",
            version=application.version,
            section=section,
            excerpt=paragraph_excerpt(_earlier_section(section), section),
        )
    current = (
        DispositionEntry.objects.filter(comment=comment)
        .select_related("target_section__version__consultation")
        .order_by("-sequence")
        .first()
    )
    if current is None or current.target_section is None:
        return None
    section = current.target_section
    if not consult_permissions.can_view_version(viewer, section.version, is_staff=is_staff):
        return None
    earlier = _earlier_section(section)
    if earlier is not None and earlier.body == section.body:
        return None
    return Destination(
        kind="changed",
        version=section.version,
        section=section,
        excerpt=paragraph_excerpt(earlier, section),
        entry_status=current.status,
    )


# What changed and why (the outcome report) ---------------------------------------


@dataclass
class ParagraphChange:
    """A changed paragraph of a version, its word diff and the inputs behind it."""

    row: SectionDiff
    causes: list[Cause]

    @property
    def ordinal(self) -> int:
        section = self.row.new or self.row.old
        assert section is not None  # noqa: S101 - a row has one side at least
        return section.ordinal

    @property
    def heading(self) -> str:
        section = self.row.new or self.row.old
        return section.heading if section is not None else ""

    @property
    def status_labels(self) -> list[tuple[str, str]]:
        return [(cause.receipt, str(Status(cause.status).label)) for cause in self.causes]


@dataclass
class VersionTrace:
    old: DocumentVersion
    new: DocumentVersion
    paragraphs: list[ParagraphChange]


def what_changed(*, consultation: Consultation) -> list[VersionTrace]:
    """Each published version against the one before it, paragraph by paragraph in the
    new version's order: the changed, added and removed ones with the public inputs
    that caused them (the report is published: what anyone may see; a draft version
    composed but not published stays out).  Four queries per
    version after the first (its sections, the earlier one's, the applications and
    the decisions) and one for the versions: a consultation has a handful."""
    versions = list(
        DocumentVersion.objects.filter(
            consult_permissions.versions_q(is_staff=False), consultation=consultation
        ).order_by("number")
    )
    traces = []
    for old, new in pairwise(versions):
        rows = [row for row in version_diff(old=old, new=new) if row.status != "unchanged"]
        causes = section_causes(new=new, viewer=None, is_staff=False)
        paragraphs = []
        for row in rows:
            found = causes.get(row.key)
            listed = [*found.amendments, *found.decisions] if found else []
            unique = list({cause.receipt: cause for cause in listed}.values())
            paragraphs.append(ParagraphChange(row=row, causes=unique))
        traces.append(VersionTrace(old=old, new=new, paragraphs=paragraphs))
    return traces
