import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.models import Consultation, Meeting, Question, Round, Section
from plenary.append_only import AppendOnlyModel
from stakeholders.models import Organisation


class Comment(models.Model):
    """One contribution: on a section (or the whole draft), or a reply in a thread.

    ``body`` is exactly what the participant wrote; ``body_html`` is its
    sanitised rendering.  A comment is never deleted; its disposition lives in
    the append-only ledger (``feedback.DispositionEntry``).
    """

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private (secretariat only)")

    class Moderation(models.TextChoices):
        VISIBLE = "visible", _("visible")
        HIDDEN = "hidden", _("hidden by a moderator")
        # Pre-moderation (Consultation.premoderate_first): shown to its author
        # and the moderators only, until a moderator approves or hides it.
        PENDING = "pending", _("awaiting moderation")

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")
        EMAIL = "email", _("email")
        LETTER = "letter", _("letter")
        WORKSHOP = "workshop", _("workshop")
        MEETING = "meeting", _("meeting")
        IMPORT = "import", _("import")

    receipt = models.CharField(max_length=11, unique=True, editable=False)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="comments"
    )
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="comments")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    # A free-text answer to a round's question is a comment with ``question`` set.
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The top-level comment of the thread (null for a top-level comment), so a
    # whole thread is fetched with one query however deep the replies go.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="thread"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    on_behalf_of = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField()
    body_html = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    moderation = models.CharField(
        max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE
    )
    # The public reason a moderator gave for hiding it; the thread shows it in
    # the placeholder.  The history of actions is in ModerationAction.
    moderation_reason = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    # Input received outside the web (email, letter, workshop, meeting, CSV
    # import) and entered by staff (``entered_by``) for a named person or
    # organisation: who sent it, and when it was received.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitter_name = models.CharField(_("name of the sender"), max_length=200, blank=True)
    submitter_organisation = models.CharField(
        _("organisation of the sender"), max_length=200, blank=True
    )
    received_at = models.DateTimeField(_("received on"), null=True, blank=True)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    # The language the comment is written in (a code from settings.LANGUAGES or
    # another BCP 47 tag); blank when unknown.
    language = models.CharField(_("language"), max_length=8, blank=True)
    # What full-text search reads: the body plus the text extracted from the
    # attachments, kept by the services.  PostgreSQL indexes it with a GIN
    # index on to_tsvector(<config of language>, search_text) (migration 0010;
    # comments/search/selectors.py).
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set by comment_edit (the text is in CommentRevision) and comment_withdraw.
    edited_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Consent to publish (issue 25): ``publication`` on the API is "named" (public,
    # anonymous False), "anonymous" (public, the byline withholds the name) or
    # "private" (visibility PRIVATE: the team reads it; the ledger shows its receipt).
    anonymous = models.BooleanField(default=False)
    # The body as the public reads it once the secretariat redacted a passage
    # (issue 25: Redaction); blank when nothing was redacted.  ``body`` stays as sent.
    redacted_body = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["section", "created_at"], name="comment_section_time_idx"),
            models.Index(fields=["consultation", "created_at"], name="comment_consult_time_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_time_idx"),
            # A thread's replies in order: the reply previews and the thread page's
            # keyset read a page's worth of rows (bench/thread.py).
            models.Index(fields=["root", "created_at", "id"], name="comment_thread_time_idx"),
            # The desk counts the comments held for pre-moderation (feedback/desk/): few,
            # so a partial index reads only them.
            models.Index(
                fields=["consultation"],
                condition=Q(moderation="pending"),
                name="comment_premoderation_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt


class CommentRevision(AppendOnlyModel):
    """Append-only history of a comment's text; revision 1 is the original.

    Never updated or deleted: the model refuses it, and on PostgreSQL a
    trigger does too (migration 0004).
    """

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    # An amendment's passage and proposed wording at this revision (issue 24);
    # null on the revisions of a comment that proposes no change.
    quote = models.TextField(null=True, blank=True)
    replacement = models.TextField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} r{self.number}"


class Flag(models.Model):
    """A signed-in participant's report that a comment breaks the code of conduct.

    Open until a moderator acts on the comment (hide, restore or dismiss);
    the action that resolved it is kept in ``resolved_by_action``.
    """

    class Reason(models.TextChoices):
        HARASSMENT = "harassment", _("harassment or abuse")
        SPAM = "spam", _("spam or advertising")
        OFF_TOPIC = "off_topic", _("off topic")
        IMPERSONATION = "impersonation", _("impersonation")
        PERSONAL_DATA = "personal_data", _("someone's personal data")
        OTHER = "other", _("other")

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="flags")
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_action = models.ForeignKey(
        "ModerationAction", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "flagged_by"],
                condition=Q(resolved_at__isnull=True),
                name="flag_open_unique",
            )
        ]
        indexes = [
            models.Index(fields=["resolved_at", "created_at"], name="flag_queue_idx"),
            # Open flags by comment: the desk's count of the moderation queue (feedback/desk/).
            models.Index(
                fields=["comment"], condition=Q(resolved_at__isnull=True), name="flag_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comment_id} flagged {self.reason}"


class ModerationAction(AppendOnlyModel):
    """One moderation decision, who took it, when and why: never updated or deleted."""

    class Action(models.TextChoices):
        HIDE = "hide", _("hidden")
        RESTORE = "restore", _("restored")
        DISMISS = "dismiss", _("flags dismissed")
        APPROVE = "approve", _("approved after pre-moderation")
        BLOCK = "block", _("participant blocked")
        UNBLOCK = "unblock", _("participant unblocked")

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    # The comment acted on (hide, restore, dismiss, approve) ...
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="moderation_actions"
    )
    # ... or the participant (block, unblock).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.comment_id or self.subject_id}"


class ConsultationBlock(models.Model):
    """A participant barred from commenting in one consultation (until lifted)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"],
                condition=Q(lifted_at__isnull=True),
                name="block_active_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} blocked in {self.consultation_id}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Files are stored under an unguessable name; the original name is kept in the row."""
    return f"attachments/{instance.comment.consultation_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file (position paper, case study, image) carried by a comment.

    The type is checked from the content on upload; ``extracted_text`` is what
    search and duplicate detection read, filled by a background task within
    page, time and size bounds (comments/attachments/extract.py), which
    records how it went in ``extraction``.  Served only through a view that
    applies the comment's visibility, as a download.
    """

    class Extraction(models.TextChoices):
        PENDING = "pending", _("text not read yet")
        DONE = "done", _("text read")
        TRUNCATED = "truncated", _("text read in part")
        FAILED = "failed", _("text could not be read")
        NONE = "none", _("no text to read")

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    extracted_text = models.TextField(blank=True)
    extraction = models.CharField(
        max_length=10, choices=Extraction.choices, default=Extraction.PENDING
    )
    # Which bound cut the text short (comments.attachments.extract: pages, seconds, chars).
    extraction_stopped = models.CharField(max_length=10, blank=True)
    # Pages (PDF) or paragraphs (DOCX, ODT) read.
    extracted_units = models.PositiveIntegerField(null=True, blank=True)
    extraction_error = models.CharField(max_length=300, blank=True)
    # Runs of the task that started; one that never finished was killed (hard time limit).
    extraction_attempts = models.PositiveSmallIntegerField(default=0)
    extracted_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "pk"]

    def __str__(self) -> str:
        return self.original_name


class UndecidedTally(models.Model):
    """How many of a consultation's comments made on ``day`` (UTC) have no published
    decision yet: a counter the writers keep, so the secretariat's desk reads a few
    rows per day of the consultation instead of counting every comment.

    Kept in the writers' transaction by ``comments.threads.services.undecided_tally_change``
    (``comment_write`` adds one; the first published decision on a comment takes one
    away).  ``shard`` (the comment's id modulo ``SHARDS``) spreads the day's row over a
    few, so that concurrent comments do not queue on one row lock.  Every comment
    counts here, the team's replies included: the desk subtracts those
    (``feedback.permissions.needs_decision_q``), since who is on the team changes
    without any comment being written.  ``manage.py desk_counts --check/--rebuild``
    compares the tally with a direct count and rebuilds it.
    """

    SHARDS = 4

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "comments_undecided_tally"  # named in undecided_tally_change's upsert
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "day", "shard"], name="undecided_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.day} {self.shard}: {self.count}"


class UndecidedAuthorTally(models.Model):
    """How many of a consultation's comments made on ``day`` (UTC) by ``author``
    themself (not typed in for a sender: ``entered_by`` empty) have no published
    decision yet.  The desk subtracts the rows of whoever holds a role now from
    ``UndecidedTally`` to get what awaits a decision (``feedback.permissions.
    needs_decision_q``: the team's own comments are responses).

    Why per author and not a "team" column: who is on the team changes with
    ``consultation_role_grant/_revoke`` and group membership, without any comment being
    written, and ``consult`` sits below ``comments`` (it may not call back here).  Kept
    per author, the counter never has to move when a role does: the desk reads the
    rows of the current team only, through the unique index (consultation, author,
    day), so the read is bounded by team size times days, whatever the number of comments.
    Kept in the same transaction as ``UndecidedTally``, by the same writer
    (``comments.threads.services.undecided_tally_change``); ``manage.py desk_counts
    --check/--rebuild`` covers it.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "comments_undecided_author_tally"  # named in undecided_tally_change's upsert
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "author", "day"], name="undecided_author_tally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.author_id} {self.day}: {self.count}"


class ParticipationTally(models.Model):
    """How many comments one person made in one consultation, per (round, section,
    channel): a counter the writers keep, so that the participation figures (the
    balance dashboard, the public summary, its CSV and the page's counts) read a row
    per person and place instead of counting every comment.

    ``comments`` counts every comment (the staff figures), ``public`` those anyone may
    read (``comments.permissions.public_q``).  The person is ``author``, or for input
    entered by staff (``offline``) the named sender (``sender``: the submitter's name,
    blanks and case ignored).  Group, region, country and gender are read from the
    person's profile when the figures are read, since a profile changes without any
    comment being written.  Kept in the writers' transaction by
    ``comments.participation.services`` (``comment_write`` adds a comment; withdrawal,
    moderation, an edit sent back to pre-moderation and erasure move ``public``);
    ``manage.py participation_counts --check/--rebuild`` compares and recounts.
    """

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="+")
    # The comment's Section id, 0 for none: a column that is never NULL, so that the
    # writers' upsert finds the row by its unique key on every database.
    section = models.PositiveBigIntegerField(default=0)
    channel = models.CharField(max_length=20)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offline = models.BooleanField(default=False)
    sender = models.TextField(blank=True, default="")
    comments = models.IntegerField(default=0)
    public = models.IntegerField(default=0)

    class Meta:
        db_table = "comments_participation_tally"  # named in the writers' upsert
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "consultation",
                    "round",
                    "section",
                    "channel",
                    "author",
                    "offline",
                    "sender",
                ],
                name="participation_tally_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.author_id}: {self.comments} ({self.public} public)"


class Amendment(models.Model):
    """A comment that proposes new wording for one passage of its section (issue 24).

    The comment's ``body`` is the reason; ``quote`` is the passage as the
    participant gave it and ``replacement`` the wording they propose.
    ``start``/``end`` are the passage's offsets in the plain text of the
    section (``comments.amendments.quote``: Markdown stripped, whitespace
    folded), where it occurs exactly once.  Kept as sent, like the body; an
    edit before the round closes changes them and adds a CommentRevision.
    """

    comment = models.OneToOneField(
        Comment, primary_key=True, on_delete=models.PROTECT, related_name="amendment"
    )
    quote = models.TextField()
    replacement = models.TextField(blank=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"amendment {self.comment_id}"


class AmendmentSupport(models.Model):
    """A participant's support of an amendment: once each, withdrawn by deleting
    the row (a support is a count, not a record owed to anyone)."""

    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["amendment", "user"], name="amendment_support_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.amendment_id}"


class Signature(models.Model):
    """A co-signature of a submission (issue 25): "I support this and add my name".

    A signed-in participant with a confirmed address signs directly
    (``confirmed_at`` set at once); a signatory collected through an
    organisation's signature link confirms by email first (``token``).  Only
    confirmed, not withdrawn signatures count.  An erased signatory's row stays
    (``user`` kept, the account anonymised): it still counts, anonymously.
    ``converted_from`` is a campaign copy the secretariat turned into this
    co-signature of its cluster's representative (the copy keeps its receipt).
    """

    class Source(models.TextChoices):
        DIRECT = "direct", _("signed on the page or the API")
        LINK = "link", _("collected through a signature link")
        CAMPAIGN = "campaign", _("a campaign copy turned into a co-signature")

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    group = models.ForeignKey(
        "stakeholders.StakeholderGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DIRECT)
    converted_from = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The organisation's signature link it came through (source=link; part 25a).
    link = models.ForeignKey(
        "comments.SignatureLink",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signatures",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user"],
                condition=Q(user__isnull=False, withdrawn_at__isnull=True),
                name="signature_user_unique",
            ),
            # One signature per address and submission through links (part 25a).
            models.UniqueConstraint(
                fields=["comment", "email"],
                condition=Q(withdrawn_at__isnull=True) & ~Q(email=""),
                name="signature_email_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["comment"],
                condition=Q(confirmed_at__isnull=False, withdrawn_at__isnull=True),
                name="signature_counted_idx",
            )
        ]

    def __str__(self) -> str:
        return f"signature of {self.comment_id}"


class SignatureLink(models.Model):
    """A signature link an organisation's verified staff opened for a submission made
    on its behalf (issue 25, part 25a): ``/sign/<token>/`` collects names and
    addresses, each confirmed by mail before it counts.  ``token`` (from
    ``secrets``) is the link's whole secret: the organisation publishes the link,
    so it is kept to be shown again; ``closed_at`` ends it early, ``expires_at``
    in any case."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="signature_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"signature link of {self.comment_id}"


class Dispute(models.Model):
    """Someone says a submission was made in their name or their organisation's
    (issue 25).  The named person confirms (signed in, or by a mailed link);
    the secretariat decides.  A decided dispute is a LedgerEvent."""

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = (
            "awaiting_confirmation",
            _("awaiting the named person's confirmation"),
        )
        CONFIRMED = "confirmed", _("the named person says they did not submit it")
        REJECTED = "rejected", _("rejected by the secretariat")
        UPHELD = "upheld", _("upheld by the secretariat")

    class ConfirmedBy(models.TextChoices):
        AUTHOR = "author", _("the named person, signed in")
        ORGANISATION = "organisation", _("the organisation's verified staff")
        LINK = "link", _("the named person, by the mailed link")

    class ClosedBy(models.TextChoices):
        NAMED_PERSON = "named_person", _("the named person says they submitted it")
        SECRETARIAT = "secretariat", _("the secretariat")

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="disputes")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.AWAITING_CONFIRMATION
    )
    token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    # Part 25b (comments.disputes).  How a confirmed dispute was confirmed, and
    # who closed it; the mailed link (``token``) works once, until it expires.
    confirmed_by = models.CharField(max_length=16, choices=ConfirmedBy.choices, blank=True)
    closed_by = models.CharField(max_length=16, choices=ClosedBy.choices, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    link_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One open dispute per comment and filer (comments.disputes.services).
            models.UniqueConstraint(
                fields=["comment", "reported_by"],
                condition=Q(status__in=["awaiting_confirmation", "confirmed"]),
                name="dispute_open_per_filer",
            )
        ]

    def __str__(self) -> str:
        return f"dispute of {self.comment_id}: {self.status}"


class Redaction(models.Model):
    """A passage of a published comment the secretariat redacted (issue 25):
    personal data, defamation.  ``Comment.body`` stays as sent; the public
    renderings (``Comment.redacted_body``, ``body_html``, ``search_text``) show
    ``[redacted: <reason>]`` in its place (``comments.redaction``).  ``start``
    and ``end`` are offsets in ``body``; ``salt`` is secret (never exported) and
    ``passage_sha256`` = SHA-256(salt + passage), the value the ledger's event
    chain commits to (``LedgerEvent(kind=redaction)``): whoever holds the salt
    and the passage can prove what was redacted, nobody else can recover it.
    Never changed or deleted: there is no undo."""

    class Reason(models.TextChoices):
        PERSONAL_DATA = "personal_data", _("personal data")
        DEFAMATION = "defamation", _("defamation")
        OTHER = "other", _("other")

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="redactions")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    salt = models.CharField(max_length=64, editable=False)
    passage_sha256 = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "start"]

    def __str__(self) -> str:
        return f"redaction of {self.comment_id} [{self.start}:{self.end}]"


class SubmissionNetwork(models.Model):
    """The network a web or API submission came from, as a keyed hash (issue 25, provenance).

    Only ``network_hash`` is stored: HMAC-SHA256 of the /24 (IPv4) or /64 (IPv6)
    network under ``PLENARY_NETWORK_HASH_KEY`` (comments/provenance/network.py), never
    the address.  Kept ``PLENARY_NETWORK_RETENTION_DAYS`` days, then deleted by
    ``submission_networks_prune`` (beat, daily).  Read by the secretariat's burst
    detection (feedback/provenance/).
    """

    comment = models.OneToOneField(
        Comment, primary_key=True, on_delete=models.CASCADE, related_name="network"
    )
    network_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"network of {self.comment_id}"
