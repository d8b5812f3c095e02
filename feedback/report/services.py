"""The outcome report: one PDF (or DOCX) per state of a consultation's ledger.

Map (docs/ARCHITECTURE.md, "The outcome report", says why):

* ``report_request`` (the service) checks who asks, fingerprints the
  consultation (``report_state_key``), and gets or creates the one live run
  for that state and format; a new run enqueues ``feedback.tasks.build_report``.
* ``report_build`` (the task's body) renders the report and stores it through
  Django's storage API; progress is the share of comments rendered so far.
* The PDF is rendered in pieces: the front matter (cover, table of contents,
  process, participation, themes, versions) and then the appendix in chunks
  of ``CHUNK_SIZE`` comments, each its own WeasyPrint document written to a
  temporary file.  This process reads the database and renders the HTML; a
  renderer process (``feedback/report/chunk.py``, started with subprocess
  and replaced every ``PIECES_PER_PROCESS`` pieces, ``_Renderer``) lays it
  out, so memory does not grow with the comment count and the worker never
  holds WeasyPrint's.  ``_join`` reads the pieces with pypdf and writes the
  joined file object by object, one piece at a time: continuous page numbers
  (each chunk's page counter starts where the previous one ended), one
  outline rebuilt from every piece's headings, and one structure tree
  (tagged PDF, PDF/UA-1) merged from the pieces' trees.
* The table of contents needs the appendix's page numbers, which exist only
  once the appendix is rendered, and the appendix's numbers depend on the
  length of the front matter: so the front matter is rendered twice (first
  with wide placeholders to learn its length, then with the real numbers).
"""

import difflib
import gc
import hashlib
import json
import logging
import select
import shutil
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, NoReturn, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comments.attachments.selectors import public_attachments_by_receipt
from comments.models import Comment
from comments.threads.byline import row_byline
from consult import permissions as consult_permissions
from consult.models import Consultation, DocumentVersion, Round, Section
from feedback.evaluation.services import evaluation_results
from feedback.ledger import selectors
from feedback.models import DispositionEntry, EvaluationResponse, OutcomeReport, Status
from feedback.participation import selectors as balance
from feedback.report import charts as report_charts
from plenary.outbox.services import enqueue

logger = logging.getLogger(__name__)
# WeasyPrint logs every page it lays out at INFO: thousands of lines per report.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Comments per WeasyPrint document.  WeasyPrint's layout time per comment
# grows with the document's length, so chunks of a few hundred are faster
# than one long document as well as flat in memory (bench/report.py).
CHUNK_SIZE = 500
# Pieces laid out by one renderer process before it is replaced (see _Renderer).
PIECES_PER_PROCESS = 10
# Seconds the renderer may take over one piece (500 comments take a few
# seconds) before it is killed and the run fails, rather than hang the worker.
PIECE_TIMEOUT_SECONDS = 600
# Rows fetched per round trip from the server-side cursor.
FETCH_SIZE = 1000
# Countries shown by name in the participation chart; the rest are summed.
TOP_COUNTRIES = 15
# Progress (percent) reached when the front matter is done and when the appendix is.
_FRONT_DONE = 5
_APPENDIX_DONE = 95
# A queued or running report older than this is taken for abandoned (its worker died).
ABANDONED_AFTER = timedelta(hours=6)
# The page number printed in the table of contents before the real ones are known:
# as wide as any real one, so the second rendering has the same number of pages.
_PLACEHOLDER_PAGE = 99999

_CSS = Path(settings.BASE_DIR) / "static" / "css" / "report.css"


# --- who may ----------------------------------------------------------------------


def can_report(user, consultation: Consultation) -> bool:
    """The secretariat and the analysts of this consultation (not its moderators)."""
    return consult_permissions.can_run_or_analyse(user, consultation)


def require_can_report(user, consultation: Consultation) -> None:
    if not can_report(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and analysts can produce its outcome report.")
        )


# --- state, request, build ----------------------------------------------------------


def report_state_key(*, consultation: Consultation) -> str:
    """SHA-256 of (ledger head, comment count, last comment update): two queries.

    A new published decision moves the head; a new, edited, withdrawn or
    moderated comment moves the count or the last update; so does a new answer
    to the process evaluation (counted by a scalar subquery wrapped in ``Max``,
    the only way into the same aggregate).  Any of these makes a new report
    state, so a new report.
    """
    head = selectors.ledger_head(consultation=consultation)
    facts = Comment.objects.filter(consultation=consultation).aggregate(
        count=Count("pk"),
        last=Max("updated_at"),
        # The process evaluation's answers (feedback/evaluation/services.py), in the same query.
        evaluations=Max(
            Subquery(
                EvaluationResponse.objects.filter(consultation=consultation)
                .order_by()
                .values("consultation")
                .annotate(n=Count("pk"))
                .values("n")
            )
        ),
    )
    last = facts["last"].isoformat() if facts["last"] else None
    state = [head, facts["count"], last]
    if facts["evaluations"]:  # without answers the key is what it always was
        state.append(facts["evaluations"])
    document = json.dumps(state, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()


def report_request(
    *, actor, consultation: Consultation, format: str = OutcomeReport.Format.PDF
) -> tuple[OutcomeReport, bool]:
    """The live report of the consultation's current state in ``format``: (report, created).

    A live run (queued, running or done) of the same state and format is
    returned as it is: asking twice, or twice at once, makes one run (the
    database's partial unique constraint decides between simultaneous
    requests).  A failed run does not count, so asking again retries it.
    """
    require_can_report(actor, consultation)
    if format not in OutcomeReport.Format.values:
        raise ValidationError({"format": _("Choose PDF or DOCX.")})
    key = report_state_key(consultation=consultation)
    existing = _live_run(consultation=consultation, format=format, state_key=key)
    if existing is not None and _abandoned(existing):
        # Its worker died and the broker did not hand the task on: let a new run start.
        OutcomeReport.objects.filter(pk=existing.pk, state=existing.state).update(
            state=OutcomeReport.State.FAILED,
            error=_("Abandoned: no progress for %(hours)d hours.")
            % {"hours": ABANDONED_AFTER.total_seconds() // 3600},
            finished_at=timezone.now(),
        )
        existing = None
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = OutcomeReport.objects.create(
                consultation=consultation, format=format, state_key=key, requested_by=actor
            )
            enqueue("feedback.tasks.build_report", report_id=report.pk)
    except IntegrityError:
        # Another request created the same run between our look-up and our insert.
        # The run whose insert beat ours is live: found by the same look-up.
        return _live_run(consultation=consultation, format=format, state_key=key), False  # type: ignore[return-value]
    return report, True


def _abandoned(run: OutcomeReport) -> bool:
    if run.state == OutcomeReport.State.DONE:
        return False
    return timezone.now() - (run.started_at or run.created_at) > ABANDONED_AFTER


def _live_run(*, consultation: Consultation, format: str, state_key: str) -> OutcomeReport | None:
    """The queued, running or done run of this state and format, if any (at most one)."""
    return (
        OutcomeReport.objects.filter(consultation=consultation, format=format, state_key=state_key)
        .exclude(state=OutcomeReport.State.FAILED)
        .first()
    )


def report_build(*, report_id: int) -> str:
    """Render and store a queued report; return its final state.

    Idempotent: a done or failed run is left alone (a retry is a new run); a
    run left "running" by a worker that died is built again.  Any error is
    recorded on the run, for the secretariat to see, rather than raised.
    """
    claimed = OutcomeReport.objects.filter(
        pk=report_id, state__in=[OutcomeReport.State.QUEUED, OutcomeReport.State.RUNNING]
    ).update(state=OutcomeReport.State.RUNNING, started_at=timezone.now(), progress=0, error="")
    report = OutcomeReport.objects.select_related("consultation").get(pk=report_id)
    if not claimed:
        return report.state

    def progress(percent: int) -> None:
        OutcomeReport.objects.filter(pk=report_id).update(progress=min(max(percent, 0), 99))

    consultation = report.consultation
    try:
        with tempfile.TemporaryDirectory(prefix="plenary-report-") as folder:
            target = Path(folder) / f"report.{report.format}"
            if report.format == OutcomeReport.Format.DOCX:
                from feedback.report.docx import build_docx

                outcome = build_docx(consultation=consultation, target=target, progress=progress)
            else:
                outcome = build_pdf(
                    consultation=consultation, target=target, folder=Path(folder), progress=progress
                )
            name = f"{consultation.slug}-{report.state_key[:12]}.{report.format}"
            with target.open("rb") as stream:
                report.file.save(name, File(stream), save=False)
    except Exception as exc:
        logger.exception("outcome report %s failed", report_id)
        OutcomeReport.objects.filter(pk=report_id).update(
            state=OutcomeReport.State.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return OutcomeReport.State.FAILED
    OutcomeReport.objects.filter(pk=report_id).update(
        state=OutcomeReport.State.DONE,
        progress=100,
        file=report.file.name,
        comment_count=outcome.comment_count,
        page_count=outcome.page_count,
        finished_at=timezone.now(),
    )
    reports_prune(consultation=consultation, format=report.format)
    return OutcomeReport.State.DONE


def reports_prune(*, consultation: Consultation, format: str, keep: int | None = None) -> int:
    """Delete the files of all but the ``keep`` newest finished reports of one format.

    ``settings.PLENARY_REPORTS_KEPT`` by default.  The rows stay (when a report
    was made, for which state, how many comments): only their file goes, and
    the page says so.  The row is emptied before the file is deleted, so no
    page links to a file that is gone.  Returns how many files were deleted.
    """
    keep = settings.PLENARY_REPORTS_KEPT if keep is None else keep
    stale = list(
        OutcomeReport.objects.filter(
            consultation=consultation, format=format, state=OutcomeReport.State.DONE
        )
        .exclude(file="")
        .order_by("-finished_at", "-pk")
        .values_list("pk", "file")[keep:]
    )
    for pk, name in stale:
        OutcomeReport.objects.filter(pk=pk).update(file="")
        try:
            default_storage.delete(name)
        except OSError:  # already gone, or storage hiccup: the row no longer points at it
            logger.warning("could not delete old report file %s", name)
    return len(stale)


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
    every comment counted, as the secretariat's dashboard does)."""
    dimensions = balance.balance_counts(consultation=consultation, audience=balance.STAFF)

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
    a count shows no text), by name: one query (``selectors.themes_with_counts``)."""
    return [
        CountRow(theme.name, theme.comment_count)  # type: ignore[attr-defined]  # an annotation
        for theme in selectors.themes_with_counts(consultation=consultation)
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


def _only_public(expression) -> Case:
    """``expression`` for a public comment, NULL for any other: what a private,
    hidden or withdrawn comment said never leaves the database."""
    return Case(
        When(Comment.public_q(), then=expression), default=Value(None), output_field=CharField()
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
                When(Comment.public_q(), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            position=position,
        )
        .order_by("shown", "position", "created_at", "pk")
        .values(
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
            rationale=_only_public(F("current__rationale")),
            target_key=_only_public(F("current__target_section__key")),
            target_heading=_only_public(F("current__target_section__heading")),
            target_version=Case(
                When(Comment.public_q(), then=F("current__target_section__version__number")),
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
    if row["shown"]:
        row["placeholder"] = _placeholder(row)
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


# --- rendering ----------------------------------------------------------------------------


@dataclass
class Rendered:
    """A piece of the report written to ``path``, with what the join needs from it."""

    path: Path
    pages: int
    page_heights: list[float]
    # (level, label, page index in the piece, y from the top in CSS px)
    bookmarks: list[tuple[int, str, int, float]]
    anchors: dict[str, int]


class RenderError(RuntimeError):
    """The renderer process failed; the message says how (and its last words)."""


class _Renderer:
    """Lays out the report's pieces in a renderer process (``feedback/report/chunk.py``).

    The process is started with ``subprocess`` in the project's folder with
    this process's environment, and replaced after ``PIECES_PER_PROCESS``
    pieces: what WeasyPrint, fontconfig and the allocator keep from one
    document to the next goes back to the system with it, so memory does not
    grow with the number of pieces, and this process (a Celery worker) never
    loads WeasyPrint.  One piece is in flight at a time: ``submit`` returns at
    once, so the caller prepares the next piece's HTML (database rows and
    template) while the process lays out this one; ``result`` waits for it.
    Any failure of the process raises ``RenderError``.
    """

    command = [sys.executable, "-m", "feedback.report.chunk"]

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[str] | None = None
        self.errors: IO[bytes] | None = None
        self.served = 0
        self.pending: tuple[Path, Path] | None = None
        self.started = 0  # processes started so far
        self.peak_kib = 0  # the largest peak resident memory a process reported

    def submit(self, html: str, *, path: Path, title: str, first_page: int) -> None:
        if self.pending is not None:
            raise RuntimeError("one piece at a time: call result() first")
        source = path.with_suffix(".html")
        source.write_text(html, encoding="utf-8")
        job = {
            "html": str(source),
            "pdf": str(path),
            "title": title,
            "first_page": first_page,
            "css": str(_CSS),
            "base_url": str(settings.BASE_DIR),
        }
        stdin = cast(IO[str], self._process().stdin)  # opened with stdin=PIPE
        try:
            stdin.write(json.dumps(job) + "\n")
            stdin.flush()
        except OSError as exc:  # it died before reading: say why
            self._fail(f"could not send a piece ({exc})")
        self.pending = (source, path)

    def result(self) -> Rendered:
        source, path = cast(tuple[Path, Path], self.pending)  # submit() came first
        self.pending = None
        # Started by submit(), opened with stdout=PIPE.
        stdout = cast(IO[str], cast(subprocess.Popen[str], self.process).stdout)
        # One line answers one piece and nothing is read ahead, so the pipe's
        # descriptor is readable exactly when the answer (or the end) is there.
        ready, _w, _x = select.select([stdout], [], [], PIECE_TIMEOUT_SECONDS)
        if not ready:
            self._fail(f"no answer within {PIECE_TIMEOUT_SECONDS} s")
        line = stdout.readline()
        try:
            reply = json.loads(line) if line.strip() else {}
        except ValueError:
            reply = {"error": f"an unreadable answer: {line[:200]!r}"}
        if "pages" not in reply:
            self._fail(reply.get("error", "it stopped without an answer"))
        source.unlink()
        self.peak_kib = max(self.peak_kib, reply["peak_kib"])
        self.served += 1
        if self.served >= PIECES_PER_PROCESS:
            self.close()
        return Rendered(
            path=path,
            pages=reply["pages"],
            page_heights=reply["page_heights"],
            bookmarks=[tuple(bookmark) for bookmark in reply["bookmarks"]],
            anchors=reply["anchors"],
        )

    def render(self, html: str, *, path: Path, title: str, first_page: int) -> Rendered:
        self.submit(html, path=path, title=title, first_page=first_page)
        return self.result()

    def _process(self) -> subprocess.Popen[str]:
        if self.process is None:
            self.errors = tempfile.TemporaryFile(dir=self.folder)
            # No shell, a fixed command (the class's own ``command``; tests swap it):
            # the job travels over the pipe, not the arguments.
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=settings.BASE_DIR,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errors,
                text=True,
                encoding="utf-8",
            )
            self.served = 0
            self.started += 1
        return self.process

    def close(self) -> None:
        """End the process (its input ends, it exits); raise if it did not exit cleanly."""
        process, self.process = self.process, None
        if process is None:
            return
        cast(IO[str], process.stdin).close()  # the pipes: opened with PIPE
        code = process.wait()
        cast(IO[str], process.stdout).close()
        errors, self.errors = cast(IO[bytes], self.errors), None  # opened with the process
        if code:
            errors.seek(0)
            text = errors.read().decode("utf-8", "replace")
            errors.close()
            raise RenderError(_last_words(f"exit status {code}", text))
        errors.close()

    def _fail(self, reason: str) -> NoReturn:
        code = self._kill(grace=2)
        if code is not None:  # it had ended by itself (a crash, the OOM killer: -9)
            reason = f"{reason}, exit status {code}"
        errors, self.errors = cast(IO[bytes], self.errors), None  # opened with the process
        errors.seek(0)
        text = errors.read().decode("utf-8", "replace")
        errors.close()
        raise RenderError(_last_words(reason, text))

    def _kill(self, *, grace: float = 0) -> int | None:
        """Kill the process (after ``grace`` seconds); its exit status if it ended by itself."""
        # Called while the process runs.
        process, self.process = cast(subprocess.Popen[str], self.process), None
        try:
            code = process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            code = None
        process.kill()
        process.wait()
        for pipe in (cast(IO[str], process.stdin), cast(IO[str], process.stdout)):
            try:
                pipe.close()
            except OSError:  # a broken pipe to a dead process: nothing left to flush
                pass
        return code

    def __enter__(self) -> "_Renderer":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        elif self.process is not None:  # already failing: do not hide the first error
            self._kill()
            cast(IO[bytes], self.errors).close()  # opened with the process
            self.errors = None


def _last_words(reason: str, stderr: str) -> str:
    tail = stderr.strip().splitlines()[-5:]
    detail = " | ".join(tail)
    return _("The report's renderer failed: %(reason)s.") % {"reason": reason} + (
        f" {detail}" if detail else ""
    )


def _language(consultation: Consultation) -> str:
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
        "rounds": rounds,
        "first_opens": rounds[0]["round"].opens_at if rounds else None,
        "last_closes": rounds[-1]["round"].closes_at if rounds else None,
        "channels": channels,
        "statuses": statuses,
        "charts": participation(consultation=consultation),
        "themes": report_themes(consultation=consultation),
        "versions": version_changes(consultation=consultation),
        # The participants' evaluation of the process, by group (no free text: staff only).
        "evaluation": evaluation_results(consultation=consultation),
    }


def build_pdf(
    *,
    consultation: Consultation,
    target: Path,
    folder: Path,
    progress: Callable[[int], None] = lambda percent: None,
    chunk_size: int | None = None,
) -> Outcome:
    """Render the consultation's outcome report as one tagged PDF at ``target``."""
    chunk_size = chunk_size or CHUNK_SIZE
    with translation.override(_language(consultation)), _Renderer(folder) as renderer:
        title = _("Outcome report: %(title)s") % {"title": consultation.title}
        context = front_context(consultation=consultation)
        sections = selectors.ledger_sections(consultation=consultation)
        labels = {section.key: section for section in sections}
        total = context["comment_count"]
        # The appendix's groups, for the table of contents (one aggregate query).
        toc_groups = _toc_groups(consultation=consultation, sections=sections, labels=labels)
        context.update(title=title, language=_language(consultation))

        def front(numbers: dict[str, int]) -> Rendered:
            groups = [{**group, "page": numbers.get(group["anchor"])} for group in toc_groups]
            html = render_to_string("feedback/report/front.html", {**context, "toc_groups": groups})
            return renderer.render(html, path=folder / "front.pdf", title=title, first_page=1)

        placeholders = {group["anchor"]: _PLACEHOLDER_PAGE for group in toc_groups}
        first = front(placeholders)
        progress(_FRONT_DONE)

        for _attempt in range(3):
            pieces, numbers = _render_appendix(
                consultation=consultation,
                sections=sections,
                labels=labels,
                folder=folder,
                title=title,
                first_page=first.pages + 1,
                renderer=renderer,
                chunk_size=chunk_size,
                total=total,
                progress=progress,
            )
            final = front(numbers)
            if final.pages == first.pages:
                break
            first = final  # the table of contents changed length: number the appendix again
        renderer.close()  # before the join: its memory is given back first
        pages = _join([final, *pieces], target=target, title=title, language=context["language"])
        progress(_APPENDIX_DONE + 4)
    return Outcome(comment_count=total, page_count=pages, renderer_peak_kib=renderer.peak_kib)


def _toc_groups(*, consultation: Consultation, sections: list, labels: dict) -> list[dict]:
    """The appendix's groups in print order with their sizes: one aggregate query."""
    public = (
        Comment.objects.filter(Comment.public_q(), consultation=consultation)
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
    hidden = Comment.objects.filter(consultation=consultation).exclude(Comment.public_q()).count()
    if hidden:
        groups.append(
            {"anchor": "not-shown", "title": _group_title(None, 1, labels), "count": hidden}
        )
    return groups


def _render_appendix(
    *,
    consultation: Consultation,
    sections: list,
    labels: dict,
    folder: Path,
    title: str,
    first_page: int,
    renderer: _Renderer,
    chunk_size: int,
    total: int,
    progress: Callable[[int], None],
) -> tuple[list[Rendered], dict[str, int]]:
    """Render the appendix chunk by chunk, streaming rows from the database.

    Returns the pieces (on disk) and the page number where each group starts.
    A chunk's HTML is made (its rows fetched, the template rendered) while the
    renderer process lays out the chunk before it; its first page number is
    known once that one is done, and only then is it sent.
    """
    rows = with_attachments(
        appendix_rows(consultation=consultation, sections=sections).iterator(chunk_size=FETCH_SIZE),
        consultation=consultation,
    )
    pieces: list[Rendered] = []
    numbers: dict[str, int] = {}
    page = first_page
    done = 0
    # What is needed of the chunk being laid out: its groups' anchors and its size.
    in_flight: tuple[list[str], int] | None = None

    def finish(anchors: list[str], count: int) -> None:
        nonlocal page, done
        piece = renderer.result()
        for anchor in anchors:
            if anchor in piece.anchors:
                numbers[anchor] = page + piece.anchors[anchor]
        piece.anchors = {}  # the groups' first pages were all that was needed
        pieces.append(piece)
        page += piece.pages
        done += count
        progress(_FRONT_DONE + (_APPENDIX_DONE - _FRONT_DONE) * done // max(total, 1))

    for index, groups in enumerate(_chunks(appendix_groups(rows, labels=labels), chunk_size)):
        html = render_to_string(
            "feedback/report/appendix.html",
            {"title": title, "language": _language(consultation), "groups": groups},
        )
        if in_flight is not None:
            finish(*in_flight)
        renderer.submit(
            html, path=folder / f"appendix-{index:05d}.pdf", title=title, first_page=page
        )
        in_flight = (
            [group.anchor for group in groups if not group.continued],
            sum(len(group.rows) for group in groups),
        )
    if in_flight is not None:
        finish(*in_flight)
    return pieces, numbers


def _chunks(
    pairs: Iterator[tuple[AppendixGroup, dict]], size: int
) -> Iterator[list[AppendixGroup]]:
    """Lists of groups holding at most ``size`` comments in all.

    A group cut by a chunk boundary goes on in the next chunk as a copy marked
    ``continued`` (a heading without bookmark or table-of-contents entry).
    Only the current chunk's rows are ever held.
    """
    chunk: list[AppendixGroup] = []
    count = 0
    last: AppendixGroup | None = None
    for group, row in pairs:
        if count == size:
            yield chunk
            chunk, count = [], 0
        if group is not last:
            chunk.append(AppendixGroup(group.anchor, group.title, False, []))
            last = group
        elif not chunk:
            chunk.append(AppendixGroup(group.anchor, group.title, True, []))
        chunk[-1].rows.append(row)
        count += 1
    if chunk or count == 0:
        yield chunk


# --- joining the pieces -------------------------------------------------------------------


def _named_destinations(root) -> Iterator[tuple[str, object]]:
    """The (name, destination) pairs of a PDF's /Dests name tree."""
    names = root.get("/Names")
    if names is None or "/Dests" not in names.get_object():
        return
    nodes = [names.get_object()["/Dests"].get_object()]
    while nodes:
        node = nodes.pop()
        flat = node.get("/Names", [])
        for position in range(0, len(flat), 2):
            yield flat[position], flat[position + 1]
        nodes.extend(kid.get_object() for kid in node.get("/Kids", []))


class _StreamingPdf:
    """Writes a PDF object by object, so the joined file is never held in memory.

    Objects copied from a piece get new numbers as they are first referenced;
    a few object numbers are reserved up front for what only the end knows
    (catalog, page tree, structure tree root and its parent tree).  The
    offsets are 8 bytes per object in an array (a dict of Python ints took
    about 100 bytes per object: a report has tens of objects per comment),
    and the cross-reference table is written in slices.
    """

    def __init__(self, stream) -> None:
        self.stream = stream
        self.offsets = array("q", [0])  # by object number; 0 is the free-list head
        stream.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def next_id(self) -> int:
        return len(self.offsets)

    def reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def write_object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.stream.tell()
        self.stream.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def write_object_from(self, number: int, head: bytes, spool, tail: bytes) -> None:
        """An object whose middle was written to the file ``spool`` as it was learnt."""
        self.offsets[number] = self.stream.tell()
        self.stream.write(b"%d 0 obj\n" % number + head)
        spool.seek(0)
        shutil.copyfileobj(spool, self.stream)
        self.stream.write(tail + b"\nendobj\n")

    def finish(self, *, root: int, info: int) -> None:
        size = self.next_id
        xref = self.stream.tell()
        self.stream.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(1, size, 10_000):
            stop = min(start + 10_000, size)
            self.stream.write(
                b"".join(b"%010d 00000 n \n" % self.offsets[n] for n in range(start, stop))
            )
        self.stream.write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, root, info, xref)
        )


def _pdf_bytes(value) -> bytes:
    """A direct pypdf object (no references inside) serialised as PDF syntax."""
    import io as _io

    buffer = _io.BytesIO()
    value.write_to_stream(buffer)
    return buffer.getvalue()


class _PieceCopier:
    """Copies one piece's objects into a ``_StreamingPdf``, renumbering references.

    ``fixed`` maps object numbers of the piece to numbers already chosen in
    the output (its page tree, structure tree root and Document element map
    to the joined file's), so they are not copied.
    """

    def __init__(self, out: _StreamingPdf, reader, fixed: dict[int, int]) -> None:
        self.out = out
        self.reader = reader
        self.numbers: dict[int, int] = dict(fixed)
        self.pending: list = []

    def ref(self, reference) -> int:
        number = self.numbers.get(reference.idnum)
        if number is None:
            number = self.numbers[reference.idnum] = self.out.reserve()
            self.pending.append(reference)
        return number

    def serialise(self, value) -> bytes:
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

        if isinstance(value, IndirectObject):
            return b"%d 0 R" % self.ref(value)
        if isinstance(value, StreamObject):
            data = value._data  # as stored: still compressed, /Filter kept
            entries = [(key, item) for key, item in dict.items(value) if key != "/Length"]
            head = self._dictionary(entries, extra=b"/Length %d" % len(data))
            return head + b"\nstream\n" + data + b"\nendstream"
        if isinstance(value, DictionaryObject):
            return self._dictionary(list(dict.items(value)))
        if isinstance(value, ArrayObject):
            return b"[" + b" ".join(self.serialise(item) for item in list.__iter__(value)) + b"]"
        return _pdf_bytes(value)

    def _dictionary(self, entries, *, extra: bytes = b"") -> bytes:
        from pypdf.generic import NameObject

        parts = [b"<<"]
        for key, value in entries:
            parts += [_pdf_bytes(NameObject(key)), self.serialise(value)]
        parts += [extra, b">>"]
        return b" ".join(parts)

    def drain(self) -> None:
        """Write every object referenced so far, and what they reference, once each."""
        while self.pending:
            reference = self.pending.pop()
            number = self.numbers[reference.idnum]
            self.out.write_object(number, self.serialise(reference.get_object()))


def _join(pieces: list[Rendered], *, target: Path, title: str, language: str) -> int:
    """One PDF from the pieces, written object by object: memory does not grow with it.

    Each piece is a complete tagged PDF (PDF/UA-1).  Its pages, annotations
    and structure elements are copied with new object numbers straight to
    the output file; its structure elements go under one ``Document`` element
    with their parent-tree keys shifted past the previous pieces' (and the
    pages' ``StructParents`` and annotations' ``StructParent`` with them).
    What only the end knows is small and written last: the page tree (one
    reference per page), the parent tree (references per page), the named
    destinations, the outline rebuilt from the headings' bookmark levels (so
    the appendix's sections nest under "Appendix" though they come from other
    pieces), the XMP metadata of the first piece, the catalog.
    """
    from pypdf import PdfReader
    from pypdf.generic import (
        DictionaryObject,
        IndirectObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    # The parent tree (references per page, the longest of what only the end knows)
    # is written to a spool file as each piece is read, and copied at the end.
    with target.open("wb") as stream, tempfile.TemporaryFile(dir=target.parent) as nums:
        out = _StreamingPdf(stream)
        catalog_id, pages_id, tree_id, document_id = (out.reserve() for _ in range(4))
        page_ids = array("q")
        kids = array("q")
        destinations: dict[str, bytes] = {}
        outline: list[tuple[int, str, int, float, float]] = []
        metadata_id = None
        key_offset = 0
        for piece in pieces:
            reader = PdfReader(str(piece.path))
            root = cast(DictionaryObject, reader.trailer["/Root"])  # the catalog
            struct = root.get("/StructTreeRoot")
            fixed = {root.raw_get("/Pages").idnum: pages_id}
            struct_document = None
            if struct is not None:
                fixed[root.raw_get("/StructTreeRoot").idnum] = tree_id
                for kid in list.__iter__(struct["/K"]):
                    fixed[kid.idnum] = document_id
                    struct_document = kid.get_object()
            copier = _PieceCopier(out, reader, fixed)
            shift = key_offset
            first_page = len(page_ids)
            for page in reader.pages:
                # Changed in place: the reader keeps the objects it resolved, so the
                # copy below writes them as changed here.
                # A page read from a file is an indirect object, a dictionary.
                reference = cast(IndirectObject, page.indirect_reference)
                copy = cast(DictionaryObject, reference.get_object())
                if "/StructParents" in copy:
                    copy[NameObject("/StructParents")] = NumberObject(
                        int(cast(NumberObject, copy["/StructParents"])) + shift
                    )
                annotations = copy.get("/Annots")
                for annotation in annotations.get_object() if annotations is not None else []:
                    annotation = annotation.get_object()
                    if "/StructParent" in annotation:
                        annotation[NameObject("/StructParent")] = NumberObject(
                            int(annotation["/StructParent"]) + shift
                        )
                page_ids.append(copier.ref(page.indirect_reference))
            if struct is not None and struct_document is not None:  # the second implies the first
                kids.extend(copier.ref(kid) for kid in list.__iter__(struct_document.get("/K", [])))
                flat = struct["/ParentTree"].get_object().get("/Nums", [])
                highest = -1
                for position in range(0, len(flat), 2):
                    key = int(flat[position])
                    highest = max(highest, key)
                    value = list.__getitem__(flat, position + 1)
                    nums.write(b"%d %s\n" % (key + key_offset, copier.serialise(value)))
                key_offset += highest + 1
            for name, destination in _named_destinations(root):
                destinations[str(name)] = copier.serialise(destination)
            if metadata_id is None and "/Metadata" in root:
                metadata_id = copier.ref(root.raw_get("/Metadata"))
            copier.drain()
            for level, label, index, y in piece.bookmarks:
                outline.append((level, label, first_page + index, y, piece.page_heights[index]))
            # pypdf's objects point back at their reader: free each piece's cycle now,
            # or thousands of pages' worth wait for the next full collection.
            del copier, reader
            gc.collect()

        out.write_object(
            pages_id,
            b"<< /Type /Pages /Count %d /Kids [%s] >>"
            % (len(page_ids), b" ".join(b"%d 0 R" % n for n in page_ids)),
        )
        out.write_object(
            document_id,
            b"<< /Type /StructElem /S /Document /P %d 0 R /K [%s] >>"
            % (tree_id, b" ".join(b"%d 0 R" % n for n in kids)),
        )
        parent_tree_id = out.reserve()
        out.write_object_from(parent_tree_id, b"<< /Nums [\n", nums, b"] >>")
        out.write_object(
            tree_id,
            b"<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d >>"
            % (document_id, parent_tree_id, key_offset),
        )
        outlines_id = _write_outline(out, outline, page_ids) if outline else None
        info_id = out.reserve()
        out.write_object(
            info_id,
            b"<< /Title %s /Creator %s /Producer %s >>"
            % (
                _pdf_bytes(TextStringObject(title)),
                _pdf_bytes(TextStringObject("Plenary")),
                _pdf_bytes(TextStringObject("WeasyPrint, Plenary")),
            ),
        )
        names = b" ".join(
            _pdf_bytes(TextStringObject(name)) + b" " + destinations[name]
            for name in sorted(destinations)  # a name tree is sorted
        )
        catalog = [
            b"/Type /Catalog /Pages %d 0 R" % pages_id,
            b"/StructTreeRoot %d 0 R /MarkInfo << /Marked true >>" % tree_id,
            b"/Lang " + _pdf_bytes(TextStringObject(language)),
            b"/ViewerPreferences << /DisplayDocTitle true >>",
            b"/Names << /Dests << /Names [" + names + b"] >> >>",
        ]
        if metadata_id is not None:
            catalog.append(b"/Metadata %d 0 R" % metadata_id)
        if outlines_id is not None:
            catalog.append(b"/Outlines %d 0 R /PageMode /UseOutlines" % outlines_id)
        out.write_object(catalog_id, b"<< " + b" ".join(catalog) + b" >>")
        out.finish(root=catalog_id, info=info_id)
    return len(page_ids)


def _write_outline(out: _StreamingPdf, flat: list, page_ids: Sequence[int]) -> int:
    """Write the outline (bookmarks) from (level, label, page, y, page height) in order."""
    from pypdf.generic import TextStringObject

    @dataclass
    class Item:
        number: int
        label: str
        page: int
        top: float
        parent: "Item | None"
        children: list = field(default_factory=list)

    root = Item(out.reserve(), "", 0, 0, None)
    stack: list[tuple[int, Item]] = []
    for level, label, page, y, height in flat:
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else root
        # WeasyPrint measures from the top in CSS px; PDF from the bottom in points.
        item = Item(out.reserve(), label, page, (height - y) * 0.75, parent)
        parent.children.append(item)
        stack.append((level, item))

    def count(item: Item) -> int:
        return sum(1 + count(child) for child in item.children)

    def write(item: Item) -> None:
        for index, child in enumerate(item.children):
            entries = [
                b"/Title " + _pdf_bytes(TextStringObject(child.label)),
                b"/Parent %d 0 R" % item.number,
                b"/Dest [%d 0 R /XYZ 0 %.2f 0]" % (page_ids[child.page], child.top),
            ]
            if index:
                entries.append(b"/Prev %d 0 R" % item.children[index - 1].number)
            if index + 1 < len(item.children):
                entries.append(b"/Next %d 0 R" % item.children[index + 1].number)
            if child.children:
                entries.append(
                    b"/First %d 0 R /Last %d 0 R /Count %d"
                    % (child.children[0].number, child.children[-1].number, count(child))
                )
            out.write_object(child.number, b"<< " + b" ".join(entries) + b" >>")
            write(child)

    write(root)
    out.write_object(
        root.number,
        b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
        % (root.children[0].number, root.children[-1].number, count(root)),
    )
    return root.number
