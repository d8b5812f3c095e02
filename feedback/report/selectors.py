"""What the outcome report shows, read from the database (the PDF, ``feedback/report/pdf.py``,
and the DOCX, ``feedback/report/docx.py``, both print it).

The front matter's figures (``front_context``: process, participation, themes,
versions, evaluation) and the appendix (``appendix_rows``: every comment and
its answer in print order, streamed from one query; ``appendix_groups``: the
groups they print under).  What a private, hidden or withdrawn comment said
never leaves the database (``_only_public``).
"""

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from comments import permissions as comment_permissions
from comments.attachments.selectors import public_attachments_by_receipt
from comments.models import Comment
from comments.signatures import selectors as signature_selectors
from comments.threads.byline import NAME_WITHHELD, row_byline
from consult.models import Consultation, DocumentVersion, Round, Section
from feedback.agreement.selectors import latest_agreement
from feedback.evaluation.selectors import evaluation_results
from feedback.ledger import selectors
from feedback.models import CommentPoint, DispositionEntry, OutcomeReport, Status
from feedback.participation import selectors as balance
from feedback.points.selectors import with_point_decision
from feedback.report import charts as report_charts
from feedback.statement.selectors import integrity_statement
from feedback.themes import selectors as theme_selectors
from feedback.trace import selectors as trace

# Rows fetched per round trip from the server-side cursor.
FETCH_SIZE = 1000
# Characters of a point's passage quoted in the report (the rest is "…").
POINT_QUOTE_CHARS = 200
# Countries shown by name in the participation chart; the rest are summed.
TOP_COUNTRIES = 15


def reports_of(*, consultation: Consultation, limit: int = 20) -> QuerySet[OutcomeReport]:
    """The consultation's latest report runs, newest first."""
    return OutcomeReport.objects.filter(consultation=consultation).order_by("-created_at", "-pk")[
        :limit
    ]


# --- what the report shows ------------------------------------------------------------


@dataclass
class Outcome:
    comment_count: int
    page_count: int | None
    # The largest peak resident memory of the PDF's renderer processes (KiB), for
    # bench/report.py: this process's ``RUSAGE_CHILDREN`` overstates it (see report_chunk).
    renderer_peak_kib: int = 0


@dataclass
class Parts:
    """The pieces of one build, counted as they are done: ``report(done, total)`` after each.

    The PDF's pieces are its front matter, appendix chunks and join; the DOCX's
    its front matter, batches of comments and save.  ``grow`` adds pieces found
    on the way (the PDF's appendix laid out again), so ``done`` never goes back.
    """

    total: int
    report: Callable[[int, int], None]
    done: int = 0

    def __post_init__(self) -> None:
        self.report(self.done, self.total)

    def advance(self) -> None:
        self.done = min(self.done + 1, self.total)
        self.report(self.done, self.total)

    def grow(self, more: int) -> None:
        self.total += more
        self.report(self.done, self.total)


@dataclass
class CountRow:
    label: str
    count: int


@dataclass
class Chart:
    """A chart and its table: the same numbers twice."""

    id: str
    title: str
    rows: list[CountRow]
    image: str = ""

    def __post_init__(self) -> None:
        self.image = report_charts.data_uri(
            report_charts.bar_chart_svg([(r.label, r.count) for r in self.rows], title=self.title)
        )


@dataclass
class VersionChange:
    number: int
    created_at: object
    published_at: object
    changelog: str
    section_count: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0
    compared_with: int | None = None


@dataclass
class AppendixGroup:
    """Comments of one section key (or the whole draft, or those not shown in full)."""

    anchor: str
    title: str
    continued: bool
    rows: list[dict]


def _rounds(consultation: Consultation) -> list[dict]:
    return [
        {
            "round": round_,
            "days": round((round_.closes_at - round_.opens_at).total_seconds() / 86400, 1),
            "version": round_.document_version.number if round_.document_version else None,
        }
        for round_ in Round.objects.filter(consultation=consultation).select_related(
            "document_version"
        )
    ]


def participation(*, consultation: Consultation) -> list[Chart]:
    """Comments by stakeholder group, by country and by channel: the figures of
    ``feedback.participation.selectors`` (one selector for the report and the dashboard;
    every comment counted, as the secretariat's dashboard does), with the small-cell
    rule of the public page (``published_counts``): the report is published."""
    dimensions = balance.published_counts(consultation=consultation)

    def rows(key: str) -> list[CountRow]:
        # Cells with comments only (None, a suppressed count, is left out too).
        cells = [cell for cell in dimensions[key].cells if cell.comments]
        cells.sort(key=lambda cell: -(cell.comments or 0))  # stable: ties keep the selector's order
        return [CountRow(cell.label, cell.comments or 0) for cell in cells]

    by_country = rows("country")
    shown = by_country[:TOP_COUNTRIES]
    rest = sum(row.count for row in by_country[TOP_COUNTRIES:])
    if rest:
        shown.append(CountRow(_("other countries"), rest))
    return [
        Chart("by-group", _("Comments by stakeholder group"), rows("group")),
        Chart("by-country", _("Comments by country"), shown),
        Chart("by-channel", _("Comments by channel"), rows("channel")),
    ]


def report_themes(*, consultation: Consultation) -> list[CountRow]:
    """Every theme with the number of comments tagged with it (private ones counted too:
    a count shows no text), by name: one query
    (``feedback.themes.selectors.themes_with_counts``)."""
    return [
        CountRow(theme.name, theme.comment_count)  # type: ignore[attr-defined]  # an annotation
        for theme in theme_selectors.themes_with_counts(consultation=consultation)
    ]


def _words(text: str) -> list[str]:
    return text.split()


def version_changes(*, consultation: Consultation) -> list[VersionChange]:
    """Each version, and what changed from the one before it, by section key.

    One query for the versions and one per version for its sections (a
    consultation has a handful of versions).  A section is "changed" when its
    key is in both versions with different text; words added and removed are
    counted with difflib over whitespace-separated words.
    """
    versions = list(
        DocumentVersion.objects.filter(consultation=consultation)
        .annotate(section_count=Count("sections"))
        .order_by("number")
    )
    changes, previous = [], None
    for version in versions:
        sections = dict(
            Section.objects.filter(version=version).order_by("ordinal").values_list("key", "body")
        )
        change = VersionChange(
            number=version.number,
            created_at=version.created_at,
            published_at=version.published_at,
            changelog=version.changelog,
            section_count=version.section_count,
        )
        if previous is not None:
            change.compared_with = previous[0]
            before = previous[1]
            change.added = [key for key in sections if key not in before]
            change.removed = [key for key in before if key not in sections]
            for key, body in sections.items():
                if key in before and before[key] != body:
                    change.changed.append(key)
                    matcher = difflib.SequenceMatcher(
                        None, _words(before[key]), _words(body), autojunk=False
                    )
                    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                        if tag in ("replace", "delete"):
                            change.words_removed += i2 - i1
                        if tag in ("replace", "insert"):
                            change.words_added += j2 - j1
        changes.append(change)
        previous = (version.number, sections)
    return changes


def _only_public(expression, prefix: str = "") -> Case:
    """``expression`` for a public comment, NULL for any other: what a private,
    hidden or withdrawn comment said never leaves the database.  ``prefix``
    reaches the comment across a relation (a point's ``"comment__"``)."""
    return Case(
        When(comment_permissions.public_q(prefix), then=expression),
        default=Value(None),
        output_field=CharField(),
    )


def appendix_rows(
    *, consultation: Consultation, sections: list
) -> QuerySet[Comment, dict[str, Any]]:
    """Every comment of the appendix, as plain dicts, in the order it is printed: one query.

    Public comments first, grouped by section key in reading order (comments
    on the whole draft after the sections), then those not shown in full
    (private, hidden, withdrawn or awaiting moderation) in one group, since
    their section is not public either.  Stream it with ``.iterator()``.
    """
    latest = DispositionEntry.objects.filter(comment=OuterRef("pk")).order_by("-sequence")
    current = FilteredRelation(
        "dispositions", condition=Q(dispositions__pk=Subquery(latest.values("pk")[:1]))
    )
    position = Case(
        *[When(section__key=s.key, then=Value(n)) for n, s in enumerate(sections)],
        default=Value(len(sections)),
        output_field=IntegerField(),
    )
    # Rows are dicts, which with_attachments and _decorate add to; the plugin types
    # values() rows as a TypedDict, which mypy does not take for a dict[str, Any].
    return (
        Comment.objects.filter(consultation=consultation)  # type: ignore[return-value]
        .annotate(
            current=current,
            shown=Case(
                When(comment_permissions.public_q(), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            position=position,
        )
        .order_by("shown", "position", "created_at", "pk")
        .values(
            "pk",
            "receipt",
            "shown",
            "visibility",
            "moderation",
            "withdrawn_at",
            "created_at",
            "channel",
            # Entered by staff (comments.offline.services): _decorate names the sender, public
            # rows only.
            "entered_by_id",
            "submitter_name",
            "submitter_organisation",
            "received_at",
            "anonymous",  # published without the name: _decorate withholds it
            status=F("current__status"),
            section_key=_only_public(F("section__key")),
            author_name=_only_public(F("author__participant__display_name")),
            group_name=_only_public(F("author__participant__group__name")),
            # A duplicate organisation shows the one it was merged into.
            organisation_name=_only_public(
                Coalesce(F("on_behalf_of__merged_into__name"), F("on_behalf_of__name"))
            ),
            # "1" when the organisation shown is verified (the appendix says so in words).
            organisation_verified=_only_public(
                Case(
                    When(
                        on_behalf_of__merged_into__isnull=True,
                        on_behalf_of__verified_at__isnull=False,
                        then=Value("1"),
                    ),
                    When(on_behalf_of__merged_into__verified_at__isnull=False, then=Value("1")),
                    default=Value(""),
                    output_field=CharField(),
                )
            ),
            parent_receipt=_only_public(F("parent__receipt")),
            text_html=_only_public(F("body_html")),
            # Issue 24: an amendment's passage and proposed wording (null otherwise).
            amendment_quote=_only_public(F("amendment__quote")),
            amendment_replacement=_only_public(F("amendment__replacement")),
            rationale=_only_public(F("current__rationale")),
            target_key=_only_public(F("current__target_section__key")),
            target_heading=_only_public(F("current__target_section__heading")),
            target_version=Case(
                When(
                    comment_permissions.public_q(),
                    then=F("current__target_section__version__number"),
                ),
                default=Value(None),
                output_field=IntegerField(),
            ),
            # Confirmed co-signatories (issue 25, part 25a): "1 submission, N co-signatories".
            signature_count=Case(
                When(comment_permissions.public_q(), then=signature_selectors.counted_signatures()),
                default=Value(None),
                output_field=IntegerField(),
            ),
        )
    )


def with_attachments(rows: Iterator[dict], *, consultation: Consultation) -> Iterator[dict]:
    """``appendix_rows`` with ``attachments`` on each public comment: name, size, link
    (comments.attachments.services.public_attachments_by_receipt, one query for the whole
    report)."""
    files = public_attachments_by_receipt(consultation=consultation)
    for row in rows:
        row["attachments"] = None if row["shown"] else files.get(row["receipt"])
        yield row


def report_points(*, comment_ids: list[int]) -> dict[int, list[dict]]:
    """The points of these comments (issue 23) as the report prints them, in number
    order: ``{comment_id: [{receipt, status_label, quote, rationale}]}``, one query.

    A point shows what its comment shows: the passage (shortened to
    ``POINT_QUOTE_CHARS``) and the rationale of a public comment's point only,
    NULL in the database for any other (``_only_public``); its sub-receipt and
    published status always, as the comment's receipt and status.
    """
    found: dict[int, list[dict]] = {}
    if not comment_ids:
        return found
    points = (
        with_point_decision(CommentPoint.objects.filter(comment_id__in=comment_ids))
        .order_by("comment_id", "number")
        .values(
            "comment_id",
            "number",
            status=F("decision_status"),
            receipt=F("comment__receipt"),
            # One character more than is shown, so the shortening knows to add "…".
            passage=_only_public(Left("quote", POINT_QUOTE_CHARS + 1), "comment__"),
            rationale=_only_public(F("decision_rationale"), "comment__"),
        )
    )
    for point in points:
        quote = point["passage"]
        found.setdefault(point["comment_id"], []).append(
            {
                "receipt": f"{point['receipt']}-{point['number']}",
                "status_label": _status_label(point["status"]),
                "quote": Truncator(quote).chars(POINT_QUOTE_CHARS) if quote else None,
                "rationale": point["rationale"],
            }
        )
    return found


def with_points(rows: Iterator[dict], *, batch: int = FETCH_SIZE) -> Iterator[dict]:
    """``appendix_rows`` with ``points`` on each row (a list, empty for most): rows are
    read ``batch`` at a time and each batch's points in one query (``report_points``)."""
    while chunk := list(islice(rows, batch)):
        points = report_points(comment_ids=[row["pk"] for row in chunk])
        for row in chunk:
            row["points"] = points.get(row["pk"], [])
        yield from chunk


def _placeholder(row: dict) -> str:
    if row["withdrawn_at"] is not None:
        return _("Withdrawn by its author.")
    if row["moderation"] == Comment.Moderation.HIDDEN:
        return _("Hidden by a moderator.")
    if row["moderation"] == Comment.Moderation.PENDING:
        return _("Awaiting moderation.")
    return _("Private: sent to the secretariat only.")


def _status_label(status: str | None) -> str:
    if status is None:
        return _("awaiting response")
    return str(Status(status).label)


def _decorate(row: dict) -> dict:
    row["status_label"] = _status_label(row["status"])
    row["signature_line"] = (
        signature_selectors.signature_line(
            signature_selectors.SignatureCount(total=row["signature_count"])
        )
        if row.get("signature_count")
        else ""
    )
    if row["shown"]:
        row["placeholder"] = _placeholder(row)
    elif row["anonymous"]:  # comments.permissions.can_see_author: not in a public report
        row["author_name"] = str(NAME_WITHHELD)
        row["group_name"] = row["organisation_name"] = None
    elif row["entered_by_id"] is not None:  # the sender, not the staff member who typed it
        row["author_name"] = row_byline(row)
        row["group_name"] = row["organisation_name"] = None
    return row


def _group_title(key: str | None, shown: int, labels: dict) -> str:
    if shown:
        return _("Comments not shown in full")
    if key is None:
        return _("The whole draft")
    section = labels.get(key)
    if section is None:
        return key
    return f"§{section.ordinal} {section.heading or section.key}"


def appendix_groups(rows: Iterator[dict], *, labels: dict) -> Iterator[tuple[AppendixGroup, dict]]:
    """Pair each streamed row with the group it belongs to (a new group object per group)."""
    group, current = None, object()
    for row in rows:
        ident = ("hidden",) if row["shown"] else ("section", row["section_key"])
        if ident != current:
            current = ident
            anchor = "not-shown" if row["shown"] else f"section-{row['section_key'] or 'draft'}"
            group = AppendixGroup(
                anchor=anchor,
                title=_group_title(row["section_key"], row["shown"], labels),
                continued=False,
                rows=[],
            )
        yield cast(AppendixGroup, group), _decorate(row)  # set on the first row


def report_language(consultation: Consultation) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return consultation.language if consultation.language in known else settings.LANGUAGE_CODE


def front_context(*, consultation: Consultation) -> dict:
    comments = Comment.objects.filter(consultation=consultation).order_by()
    count = comments.count()
    rounds = _rounds(consultation)
    channel_labels = dict(Comment.Channel.choices)
    channels = [
        CountRow(str(channel_labels.get(channel, channel)), n)
        for channel, n in comments.values_list("channel").annotate(n=Count("pk")).order_by("-n")
    ]
    counts = selectors.status_counts(consultation=consultation)
    statuses = [
        CountRow(_status_label(None if value == "awaiting" else value), counts.get(value, 0))
        for value in ("awaiting", *Status.values)
    ]
    return {
        "consultation": consultation,
        "head": selectors.ledger_head(consultation=consultation),
        "generated_at": timezone.now(),
        "comment_count": count,
        # "N co-signatories of K submissions" (issue 25, part 25a): one query.
        "signatures": signature_selectors.consultation_signature_totals(consultation=consultation),
        "rounds": rounds,
        "first_opens": rounds[0]["round"].opens_at if rounds else None,
        "last_closes": rounds[-1]["round"].closes_at if rounds else None,
        "channels": channels,
        "statuses": statuses,
        "charts": participation(consultation=consultation),
        "themes": report_themes(consultation=consultation),
        # How far two coders and the suggestions agreed on a double-coded sample.
        "agreement": latest_agreement(consultation=consultation),
        "versions": version_changes(consultation=consultation),
        # Paragraph by paragraph, each change and the public inputs behind it (issue 24).
        "what_changed": trace.what_changed(consultation=consultation),
        # The participants' evaluation of the process, by group (no free text: staff only).
        "evaluation": evaluation_results(consultation=consultation),
        # The public integrity statement (feedback.statement): figures and written policies.
        "integrity": integrity_statement(consultation=consultation, fresh=True),
    }


def toc_groups(*, consultation: Consultation, sections: list, labels: dict) -> list[dict]:
    """The appendix's groups in print order with their sizes: one aggregate query."""
    public = (
        Comment.objects.filter(comment_permissions.public_q(), consultation=consultation)
        .values_list("section__key")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sizes = dict(public)
    keys = [section.key for section in sections if section.key in sizes]
    keys += sorted(key for key in sizes if key is not None and key not in labels)
    if None in sizes:
        keys.append(None)
    groups = [
        {
            "anchor": f"section-{key or 'draft'}",
            "title": _group_title(key, 0, labels),
            "count": sizes[key],
        }
        for key in keys
    ]
    hidden = (
        Comment.objects.filter(consultation=consultation)
        .exclude(comment_permissions.public_q())
        .count()
    )
    if hidden:
        groups.append(
            {"anchor": "not-shown", "title": _group_title(None, 1, labels), "count": hidden}
        )
    return groups
