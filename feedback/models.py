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
    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="dispositions")
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
    # The hash chain (feedback/ledger/chain.py): SHA-256 over the entry and the previous hash.
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["consultation", "sequence"]
        verbose_name_plural = "disposition entries"
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "sequence"], name="ledger_sequence_unique"
            )
        ]
        indexes = [models.Index(fields=["comment", "-sequence"], name="ledger_comment_latest_idx")]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.sequence} {self.comment_id} {self.status}"


class DispositionDraft(models.Model):
    """The secretariat's working decision on a comment, not yet published.

    Mutable on purpose: it is the workbench, not the record.  Publishing it
    appends a DispositionEntry and removes the draft.
    """

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="draft")
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
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"draft {self.comment_id} {self.status}"


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
