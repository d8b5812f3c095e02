from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comments.models import Comment
from consult.models import Consultation, Section
from plenary.append_only import AppendOnlyModel


class Status(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    PARTLY_ACCEPTED = "partly_accepted", _("partly accepted")
    NOT_ACCEPTED = "not_accepted", _("not accepted")
    NOTED = "noted", _("noted")
    OUT_OF_SCOPE = "out_of_scope", _("out of scope")
    DUPLICATE = "duplicate", _("duplicate")


# Statuses that need a rationale: a participant is owed a reason whenever
# their input was not simply taken up or acknowledged.
RATIONALE_REQUIRED = frozenset(
    {Status.PARTLY_ACCEPTED, Status.NOT_ACCEPTED, Status.OUT_OF_SCOPE, Status.DUPLICATE}
)

# The status lifecycle, in one place.  Key: the current published status
# (None while a comment awaits a response); value: the statuses a new ledger
# entry may record.  A published decision can be revised (a new entry that
# supersedes it, always with a reason: see feedback.ledger.services), but never
# withdrawn back to "awaiting response".  "Noted" acknowledges input without
# deciding on it, so a later decision may supersede it; once a comment has a
# decision (accepted, partly accepted, not accepted, out of scope, duplicate)
# it cannot be downgraded to a mere acknowledgement.
_DECISIONS = frozenset(Status.values) - {Status.NOTED}
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset(Status.values),
    Status.NOTED: frozenset(Status.values),
    **{status: _DECISIONS for status in _DECISIONS},
}


class DispositionEntry(AppendOnlyModel):
    """One published decision on one comment: a row of the append-only ledger.

    The current disposition of a comment is its entry with the highest
    ``sequence``.  ``sequence`` numbers a consultation's entries 1, 2, 3...
    in publication order.  Rows are never updated or deleted: this model
    refuses it, and on PostgreSQL a database trigger (migration 0003) refuses
    it too.  Each entry is hash-chained to the one before it (feedback/ledger/chain.py)
    so that ``manage.py verify_ledger`` can name any entry rewritten behind the
    application's back.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="ledger")
    sequence = models.PositiveIntegerField()
    # A decision is on a comment or on one of its points (issue 23), never both:
    # a point's entry leaves ``comment`` empty, so "a comment's decision" (its
    # latest entry by ``comment``) never picks up a point's.
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="dispositions"
    )
    point = models.ForeignKey(
        "CommentPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    rationale = models.TextField(blank=True)
    target_section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The section of a later version this input changed.",
    )
    duplicate_of = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    published_at = models.DateTimeField()
    # The appeal this entry answers, if any (the answer is itself a ledger entry).
    appeal = models.ForeignKey(
        "Appeal", null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    # The publication this entry was part of: one notification digest per batch.
    batch = models.ForeignKey(
        "PublicationBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    # The shared answer of a campaign cluster this entry was published from;
    # each member still gets its own entry.  Not part of the hashed payload:
    # the status and rationale it carries are.
    cluster_answer = models.ForeignKey(
        "ClusterAnswer", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    # The wording adopted for an amendment (issue 24): its replacement when
    # accepted, the secretariat's wording when partly accepted; blank otherwise.
    # An entry with adopted text hashes as format v2 (feedback/ledger/chain.py).
    adopted_text = models.TextField(blank=True)
    # The hash chain (feedback/ledger/chain.py): SHA-256 over the entry and the previous hash.
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["consultation", "sequence"]
        verbose_name_plural = "disposition entries"
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "sequence"], name="ledger_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(comment__isnull=False, point__isnull=True)
                | Q(comment__isnull=True, point__isnull=False),
                name="ledger_entry_comment_or_point",
            ),
        ]
        indexes = [
            models.Index(fields=["comment", "-sequence"], name="ledger_comment_latest_idx"),
            models.Index(fields=["point", "-sequence"], name="ledger_point_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.sequence} {self.receipt} {self.status}"

    @property
    def receipt(self) -> str:
        """The comment's receipt, or the point's sub-receipt (``<receipt>-<n>``)."""
        if self.point_id is not None and self.point is not None:
            return self.point.receipt
        return self.comment.receipt if self.comment is not None else ""

    @property
    def parent_comment(self) -> Comment:
        """The comment this decision answers, whole or in part."""
        if self.point is not None:
            return self.point.comment
        if self.comment is None:  # the check constraint makes this impossible
            raise ValueError("neither a comment nor a point")
        return self.comment


class DraftTally(models.Model):
    """How many drafted, unpublished decisions on comments (not on points) a
    consultation has: the desk's "drafted" figure read from one row rather than by
    joining every draft to its comment.  Kept in the writers' transaction by
    ``feedback.ledger.services`` (``disposition_draft_save`` and
    ``disposition_draft_bulk`` add the drafts they create, publication takes away
    those it removes); ``manage.py desk_counts --check/--rebuild`` covers it.  One
    row per consultation: the writers are the team, and publication already
    serialises on the consultation."""

    consultation = models.OneToOneField(
        Consultation, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "feedback_draft_tally"  # named in draft_tally_change's upsert

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.count}"


class DispositionDraft(models.Model):
    """The secretariat's working decision on a comment, not yet published.

    Mutable on purpose: it is the workbench, not the record.  Publishing it
    appends a DispositionEntry and removes the draft.
    """

    # On a comment, or on one of its points (issue 23): one of the two.
    comment = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="draft"
    )
    point = models.OneToOneField(
        "CommentPoint", null=True, blank=True, on_delete=models.CASCADE, related_name="draft"
    )
    status = models.CharField(max_length=20, choices=Status.choices)
    rationale = models.TextField(blank=True)
    target_section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appeal = models.ForeignKey(
        "Appeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The appeal this decision will answer.",
    )
    cluster_answer = models.ForeignKey(
        "ClusterAnswer", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    adopted_text = models.TextField(blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(comment__isnull=False, point__isnull=True)
                | Q(comment__isnull=True, point__isnull=False),
                name="draft_comment_or_point",
            )
        ]

    def __str__(self) -> str:
        return f"draft {self.receipt} {self.status}"

    @property
    def receipt(self) -> str:
        if self.point_id is not None and self.point is not None:
            return self.point.receipt
        return self.comment.receipt if self.comment is not None else ""

    @property
    def parent_comment(self) -> Comment:
        if self.point is not None:
            return self.point.comment
        if self.comment is None:  # the check constraint makes this impossible
            raise ValueError("neither a comment nor a point")
        return self.comment


class PointSource(models.TextChoices):
    BODY = "body", _("the comment")
    ATTACHMENT = "attachment", _("the attached paper")


class CommentPoint(models.Model):
    """A numbered passage of a long comment, answered on its own (issue 23).

    The passage is ``source_text[start:end]`` of the comment's body as it was
    when the point was made, or of an attachment's extracted text; ``quote``
    keeps those characters exactly as written, so a later edit of the comment
    (a new revision) does not change what the point covers.  The comment
    itself is never touched.  Its sub-receipt is ``<receipt>-<number>``.
    A point with a published decision is never removed (its ledger entries
    protect it); numbers are not reused while a point holds them.
    """

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="points")
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=PointSource.choices, default=PointSource.BODY)
    attachment = models.ForeignKey(
        "comments.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "number"], name="point_number_unique"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="point_not_empty"),
            models.CheckConstraint(
                condition=Q(source="body", attachment__isnull=True)
                | Q(source="attachment", attachment__isnull=False),
                name="point_source_attachment",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt

    @property
    def receipt(self) -> str:
        return f"{self.comment.receipt}-{self.number}"


class Assignment(models.Model):
    """Who on the consultation's team is to draft the decision on a comment now.

    Mutable on purpose, like the draft: one row per assigned comment, replaced on
    reassignment, removed on unassignment.  What happened, and who did it, is kept
    in :class:`AssignmentChange` (feedback/assignments/services.py writes both).
    """

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="assignment")
    # The comment's consultation, kept beside it: "my queue" and the workload read by it.
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["assignee", "consultation", "assigned_at"], name="assignment_queue_idx"
            ),
            models.Index(fields=["consultation", "assignee"], name="assignment_workload_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} -> {self.assignee_id}"


class AssignmentChange(AppendOnlyModel):
    """One change of a comment's assignee: who assigned what to whom, when.

    Append-only (a trigger on PostgreSQL, the model guard elsewhere).  ``assignee``
    is empty when the comment was unassigned; ``previous`` is whom it was taken from.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["comment", "changed_at"], name="assignment_history_idx")]

    def __str__(self) -> str:
        return f"{self.comment_id}: {self.previous_id} -> {self.assignee_id}"


class PublicationBatch(models.Model):
    """Decisions published together; each affected commenter gets one digest mail."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"batch {self.pk} of {self.consultation_id}"


class LedgerHead(AppendOnlyModel):
    """The ledger's head as a publication left it: an append-only log (issue 21).

    Each published batch appends the hash of the consultation's last entry
    after it, and how many entries the chain then had, in the transaction that
    wrote the entries.  ``manage.py verify_ledger`` checks the chain against
    the latest row, so entries removed from the end (or all of them) behind
    the application's back are named without a head noted by hand; the same
    head goes out in ledger.json and in the decision digests, copies outside
    the database.  Rows are never updated or deleted (the model refuses; on
    PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE, migration 0009).
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="ledger_heads"
    )
    # The publication that left this head; none for the heads migration 0009
    # anchored for ledgers that existed before the log.
    batch = models.OneToOneField(
        PublicationBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="head"
    )
    entry_count = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)
    anchored_at = models.DateTimeField()

    class Meta:
        ordering = ["consultation", "entry_count"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "entry_count"], name="ledger_head_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} head {self.entry_count} {self.head_hash[:12]}"


# The longest appeal reason accepted.
APPEAL_REASON_MAX_CHARS = 5000


class AppealStatus(models.TextChoices):
    OPEN = "open", _("awaiting an answer")
    OVERDUE = "overdue", _("overdue")
    ANSWERED = "answered", _("answered")


class Appeal(models.Model):
    """A commenter's request to reconsider a published decision.

    Never updated: it is answered by a new DispositionEntry whose ``appeal``
    points here, due by ``answer_due_at``.  Its state is derived, never
    stored: answered once such an entry exists, overdue when unanswered past
    ``answer_due_at``.
    """

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="appeals")
    entry = models.ForeignKey(
        DispositionEntry,
        on_delete=models.PROTECT,
        related_name="appeals",
        help_text="The decision appealed against.",
    )
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    created_at = models.DateTimeField()
    answer_due_at = models.DateTimeField()

    class Meta:
        ordering = ["answer_due_at", "pk"]

    def __str__(self) -> str:
        return f"appeal {self.pk} on {self.comment_id}"

    def status_at(self, now) -> str:
        """``AppealStatus`` at ``now``.  Uses the ``answered_at`` annotation of
        ``feedback.ledger.selectors.with_appeal_answer`` when present (no query)."""
        if hasattr(self, "answered_at"):
            answered = self.answered_at is not None
        else:
            answered = self.answers.exists()
        if answered:
            return AppealStatus.ANSWERED
        return AppealStatus.OVERDUE if now > self.answer_due_at else AppealStatus.OPEN

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return str(AppealStatus(self.status).label)


class RationaleSnippet(models.Model):
    """Reusable rationale text a consultation's secretariat picks when deciding."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="rationale_snippets"
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "title"], name="snippet_title_unique")
        ]

    def __str__(self) -> str:
        return self.title


class CampaignCluster(models.Model):
    """Exact and near-duplicate comments grouped by the clustering job.

    ``locked`` once a person has split it or answered it: a later run of the
    job leaves a locked cluster's membership alone.
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="clusters"
    )
    representative = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="+")
    size = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "-size", "pk"]

    def __str__(self) -> str:
        return f"cluster {self.pk} ({self.size})"


class CampaignMember(models.Model):
    cluster = models.ForeignKey(CampaignCluster, on_delete=models.CASCADE, related_name="members")
    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="campaign")
    # Estimated Jaccard similarity to the representative (1.0 for exact copies).
    similarity = models.FloatField(default=1.0)

    def __str__(self) -> str:
        return f"{self.comment_id} in {self.cluster_id}"


class ClusterAnswer(models.Model):
    """One answer written once for a whole cluster; each member's ledger entry links here."""

    cluster = models.ForeignKey(CampaignCluster, on_delete=models.PROTECT, related_name="answers")
    status = models.CharField(max_length=20, choices=Status.choices)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"answer to cluster {self.cluster_id}: {self.status}"


class Theme(models.Model):
    """A topic the secretariat or analysts group comments under."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "name"]
        constraints = [
            models.UniqueConstraint("consultation", Lower("name"), name="theme_name_ci_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ThemeTag(models.Model):
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="tags")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="theme_tags")
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["theme", "comment"], name="theme_tag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} in {self.theme_id}"


class ThemeSuggestion(models.Model):
    """A theme proposed by the suggestion job; applied only when a person accepts it."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting a decision")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="theme_suggestions"
    )
    label = models.CharField(max_length=120)
    terms = models.JSONField(default=list)
    comments = models.ManyToManyField(Comment, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "-created_at", "pk"]

    def __str__(self) -> str:
        return self.label


class OutcomeReport(models.Model):
    """One run of the outcome report for one state of the consultation.

    ``state_key`` fingerprints what the report shows (the ledger head and the
    comment count, see feedback.report.services); a new state means a new report.  At
    most one run per state and format is queued, running or done at a time, so
    a report requested twice at once produces one run.
    """

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="reports")
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.PDF)
    state_key = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # Pieces of the build done of the pieces it has (feedback.report.services.report_build):
    # the PDF's front matter, appendix chunks and join, the DOCX's batches of comments.
    # ``progress`` is the same as a percentage; ``parts_total`` is 0 until the build counted.
    parts_done = models.PositiveIntegerField(default=0)
    parts_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="reports/", blank=True)
    error = models.TextField(blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consultation", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "format", "state_key"],
                condition=~Q(state="failed"),
                name="report_one_live_run_per_state",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.format} {self.state}"


class EvaluationResponse(models.Model):
    """A participant's evaluation of a closed consultation's process (one per person).

    Scores are 1 (not at all) to 5 (fully); the stakeholder group is copied at
    answer time so results by group stay stable if a profile changes.
    """

    consultation = models.ForeignKey(
        "consult.Consultation", on_delete=models.CASCADE, related_name="evaluations"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        "stakeholders.StakeholderGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clarity = models.PositiveSmallIntegerField(_("the process was clear"))
    safety = models.PositiveSmallIntegerField(_("I felt safe to speak"))
    feedback = models.PositiveSmallIntegerField(_("I got feedback on my input"))
    comments = models.TextField(_("anything else"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "respondent"], name="evaluation_once"),
            models.CheckConstraint(
                condition=models.Q(clarity__gte=1, clarity__lte=5)
                & models.Q(safety__gte=1, safety__lte=5)
                & models.Q(feedback__gte=1, feedback__lte=5),
                name="evaluation_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id} evaluated {self.consultation_id}"


class CodingSample(models.Model):
    """A random sample of a consultation's comments drawn for double coding.

    ``seed`` is stored so the draw can be repeated: the comments are
    ``random.Random(seed).sample`` of the eligible comments' ids in ascending order.
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="coding_samples"
    )
    size = models.PositiveIntegerField()
    seed = models.PositiveBigIntegerField()
    comments = models.ManyToManyField(Comment, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["consultation", "-created_at"]

    def __str__(self) -> str:
        return f"sample {self.pk} of {self.consultation_id}"


class Coding(models.Model):
    """One coder's themes for every comment of a sample; ``coder`` null is the suggester's."""

    sample = models.ForeignKey(CodingSample, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sample", "coder"], name="coding_one_per_coder"),
            models.UniqueConstraint(
                fields=["sample"], condition=Q(coder__isnull=True), name="coding_one_suggested"
            ),
        ]

    def __str__(self) -> str:
        return f"coding of {self.sample_id} by {self.coder_id}"


class CodingLabel(models.Model):
    """A theme a coding gives a sampled comment (absence: no row)."""

    coding = models.ForeignKey(Coding, on_delete=models.CASCADE, related_name="labels")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coding", "comment", "theme"], name="coding_label_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} in {self.theme_id}"


class AmendmentApplication(models.Model):
    """Where an adopted amendment went (issue 24): written by composing the next
    version.  ``section`` is the section of the composed version that carries
    the adopted wording at ``start``/``end`` of its plain text."""

    amendment = models.ForeignKey(
        "comments.Amendment", on_delete=models.PROTECT, related_name="applications"
    )
    version = models.ForeignKey(
        "consult.DocumentVersion", on_delete=models.CASCADE, related_name="amendment_applications"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(DispositionEntry, on_delete=models.PROTECT, related_name="+")
    adopted_text = models.TextField(blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["amendment", "version"], name="amendment_application_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amendment_id} applied in {self.version_id}"


class LedgerEvent(AppendOnlyModel):
    """An event on the public record that is not a decision (issue 25): a
    dispute decided, a passage redacted.  Hash-chained per consultation in a
    chain of its own (``feedback.ledger.chain.event_document``, format
    ``plenary-events-v1``) so the decision queries never see it; verify_ledger
    checks both chains.  ``payload`` holds only public values (a redaction's
    original passage enters as a salted SHA-256)."""

    class Kind(models.TextChoices):
        DISPUTE = "dispute", _("authorship disputed")
        REDACTION = "redaction", _("passage redacted")
        SIGNATURES = "signatures", _("campaign copies turned into co-signatures")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="ledger_events"
    )
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="ledger_events")
    payload = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    event_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["consultation", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "sequence"], name="ledger_event_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.sequence} {self.kind}"
