"""The outcome report: one PDF (or DOCX) per state of a consultation's ledger.

Map (docs/QUALITY.md, design notes, "The outcome report", says why):

* ``report_request`` (the service) checks who asks, fingerprints the
  consultation (``report_state_key``), and gets or creates the one live run
  for that state and format; a new run enqueues ``feedback.tasks.build_report``.
* ``report_build`` (the task's body) renders the report (``feedback/report/pdf.py``
  or ``feedback/report/docx.py``, both printing what ``feedback/report/selectors.py``
  reads) and stores it through Django's storage API; progress is counted in
  pieces (``parts_done`` of ``parts_total``: the PDF's chunks, the DOCX's batches),
  saved on the run as each is done, for the page to show.
"""

import hashlib
import json
import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult.models import Consultation
from feedback.ledger import selectors
from feedback.models import EvaluationResponse, OutcomeReport
from feedback.permissions import require_can_report
from feedback.report import docx, pdf
from plenary.observability import metrics
from plenary.outbox.services import enqueue

logger = logging.getLogger(__name__)

# A queued or running report older than this is taken for abandoned (its worker died).
ABANDONED_AFTER = timedelta(hours=6)
# What report_build returns for a run an erasure deleted (not a state a row can have).
REMOVED = "removed"


# --- state, request, build ----------------------------------------------------------


def report_state_key(*, consultation: Consultation) -> str:
    """SHA-256 of (ledger head, comment count, last comment update): two queries.

    A new published decision moves the head; a new, edited, withdrawn or
    moderated comment moves the count or the last update; so does a new answer
    to the process evaluation (counted by a scalar subquery wrapped in ``Max``,
    the only way into the same aggregate), and the erasure of an author
    (``account_erase`` leaves the comments as they were but the byline
    changes: the latest ``erased_at`` among the authors is in the state, so a
    report asked for after an erasure is a new one, without the name).  Any of
    these makes a new report state, so a new report.
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
        erased=Max("author__erased_at"),
    )
    last = facts["last"].isoformat() if facts["last"] else None
    state = [head, facts["count"], last]
    if facts["evaluations"]:  # without answers the key is what it always was
        state.append(facts["evaluations"])
    if facts["erased"]:  # likewise without an erased author
        state.append({"erased": facts["erased"].isoformat()})
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
    ).update(
        state=OutcomeReport.State.RUNNING,
        started_at=timezone.now(),
        progress=0,
        parts_done=0,
        parts_total=0,
        error="",
    )
    report = OutcomeReport.objects.select_related("consultation").filter(pk=report_id).first()
    if report is None:
        return REMOVED  # an erasure deleted the run (reports_forget_author)
    if not claimed:
        return report.state

    def progress(done: int, total: int) -> None:
        # One UPDATE per piece (a piece is hundreds of comments): the page reads it.
        # The percentage stays below 100 until the file is stored.
        OutcomeReport.objects.filter(pk=report_id).update(
            parts_done=done, parts_total=total, progress=min(100 * done // max(total, 1), 99)
        )

    started = time.perf_counter()

    consultation = report.consultation
    try:
        with tempfile.TemporaryDirectory(prefix="plenary-report-") as folder:
            target = Path(folder) / f"report.{report.format}"
            if report.format == OutcomeReport.Format.DOCX:
                outcome = docx.build_docx(
                    consultation=consultation, target=target, progress=progress
                )
            else:
                outcome = pdf.build_pdf(
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
    finished = OutcomeReport.objects.filter(pk=report_id).update(
        state=OutcomeReport.State.DONE,
        progress=100,
        file=report.file.name,
        comment_count=outcome.comment_count,
        page_count=outcome.page_count,
        finished_at=timezone.now(),
    )
    if not finished:
        # An erasure deleted the run while it was built: the file may name the person.
        if report.file.name:
            default_storage.delete(report.file.name)
        return REMOVED
    metrics.report_built(seconds=time.perf_counter() - started)
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


def reports_forget_author(*, user) -> int:
    """Delete every stored outcome report that may name ``user``; return how many.

    Called by ``account_erase`` in its transaction (issue 21, finding 8): the
    appendix prints public comments' bylines, so every report of a
    consultation ``user`` commented on goes, the row and (once the erasure
    commits) the file, whether done, queued or running (a run being built
    finds its row gone and deletes what it wrote: ``report_build``).  The next
    request is a new state (``report_state_key`` counts the erasure), built
    without the name.
    """
    runs = list(
        OutcomeReport.objects.filter(
            consultation__in=Comment.objects.filter(author=user).values("consultation")
        ).values_list("pk", "file")
    )
    if not runs:
        return 0
    OutcomeReport.objects.filter(pk__in=[pk for pk, _file in runs]).delete()
    files = [name for _pk, name in runs if name]

    def delete_files() -> None:
        for name in files:
            try:
                default_storage.delete(name)
            except OSError:  # the row is gone already: no page links to the file
                logger.warning("could not delete the report file %s after an erasure", name)

    transaction.on_commit(delete_files)
    return len(runs)
