from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plenary import site_data


class Role(models.TextChoices):
    """Per-consultation roles, held as django-guardian object permissions."""

    SECRETARIAT = "secretariat", _("secretariat")
    MODERATOR = "moderator", _("moderator")
    ANALYST = "analyst", _("analyst")
    # Drafts decisions on the comments assigned to them (feedback.permissions.can_draft);
    # only the secretariat publishes.
    DRAFTER = "drafter", _("drafter")


# Which object permissions each role carries.  The secretariat can also
# moderate and analyse; nothing else grants these permissions.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SECRETARIAT: ("run_consultation", "moderate_consultation", "analyse_consultation"),
    Role.MODERATOR: ("moderate_consultation",),
    Role.ANALYST: ("analyse_consultation",),
    Role.DRAFTER: ("draft_consultation",),
}


class Consultation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("in preparation")
        PUBLISHED = "published", _("published")

    slug = models.SlugField(_("short name in links"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    goals = models.TextField(_("goals"), blank=True)
    ground_rules = models.TextField(_("ground rules"), blank=True)
    code_of_conduct = models.TextField(_("code of conduct"), blank=True)
    decision_process = models.TextField(_("how decisions will be made"), blank=True)
    premoderate_first = models.PositiveSmallIntegerField(
        _("pre-moderate each participant's first comments"),
        default=0,
        help_text=_(
            "How many of a participant's first comments in this consultation a moderator "
            "approves before they are shown. 0 turns pre-moderation off."
        ),
    )
    # The written integrity policies (issue 25; ACUS Recommendation 2021-1), shown on
    # /c/<slug>/integrity/ and in the report; blank: the default text
    # (consult.consultations.policies).
    policy_signatures = models.TextField(_("policy on co-signatures"), blank=True)
    policy_copies = models.TextField(_("policy on campaign copies"), blank=True)
    policy_generated = models.TextField(_("policy on computer-generated comments"), blank=True)
    policy_disputes = models.TextField(_("policy on falsely attributed comments"), blank=True)
    policy_redaction = models.TextField(_("policy on consent to publish and redaction"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Set once the participants have been invited to evaluate the process
    # (after the last round closed): the invitation goes out once.
    evaluation_invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("run_consultation", "Acts as secretariat of the consultation"),
            ("moderate_consultation", "Moderates the consultation"),
            ("analyse_consultation", "Analyses the consultation's comments"),
            ("draft_consultation", "Drafts decisions on the comments assigned to them"),
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One version of the draft under consultation, split into sections."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="versions"
    )

    class Format(models.TextChoices):
        MARKDOWN = "markdown", "Markdown"
        DOCX = "docx", "DOCX"
        ODT = "odt", "ODT"

    number = models.PositiveIntegerField()
    source = models.TextField(help_text="The Markdown the version was imported from.")
    # The format of the file the secretariat uploaded (converted to ``source``).
    source_format = models.CharField(max_length=10, choices=Format.choices, default="markdown")
    changelog = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.consultation} v{self.number}"


class Section(models.Model):
    """A commentable block of a version.  ``key`` stays the same across versions."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=64)
    ordinal = models.PositiveIntegerField()
    heading = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    # The section of the previous version this one continues (same key), as
    # matched on import and corrected by the secretariat before publishing;
    # null for a new section.
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    match_score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["version", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="section_key_unique"),
            models.UniqueConstraint(fields=["version", "ordinal"], name="section_ordinal_unique"),
        ]

    def __str__(self) -> str:
        return f"§{self.ordinal} {self.key}"


class Round(models.Model):
    class Kind(models.TextChoices):
        OPEN_INPUT = "open_input", _("open input")
        DRAFT_REVIEW = "draft_review", _("draft review")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DRAFT_REVIEW)
    title = models.CharField(_("title"), max_length=200, blank=True)
    document_version = models.ForeignKey(
        DocumentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="rounds"
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    background = models.TextField(_("background paper"), blank=True)
    # Required (and shown publicly) when the window is shorter than the site's
    # minimum (settings.PLENARY_MIN_ROUND_DAYS).
    short_window_reason = models.TextField(_("why the window is shorter"), blank=True)
    # Stamped by the scheduler (consult.tasks) when it announced the opening
    # and the close, so each happens once without anyone clicking.
    opened_announced_at = models.DateTimeField(null=True, blank=True)
    closed_announced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="round_number_unique"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="round_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Round {self.number}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class Follow(models.Model):
    """A participant who follows a consultation gets its round reminders."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="follow_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.consultation_id}"


class RoundExtension(models.Model):
    """A recorded extension of a round's closing date, announced publicly."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="extensions")
    previous_closes_at = models.DateTimeField()
    new_closes_at = models.DateTimeField()
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["round", "created_at"]

    def __str__(self) -> str:
        return f"{self.round} extended to {self.new_closes_at:%Y-%m-%d}"


class CharterAcceptance(models.Model):
    """A participant accepted the consultation's code of conduct (once, before commenting)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="acceptances"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], name="charter_acceptance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.consultation_id}"


class Question(models.Model):
    """A survey question asked in a round.  Free-text answers are comments."""

    class Kind(models.TextChoices):
        FREE_TEXT = "free_text", _("free text")
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        SCALE = "scale", _("scale")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    ordinal = models.PositiveIntegerField()
    text = models.TextField(_("question"))
    help_text = models.TextField(_("explanation"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=False)
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    scale_min_label = models.CharField(max_length=60, blank=True)
    scale_max_label = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["round", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["round", "ordinal"], name="question_ordinal_unique")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class QuestionChoice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    ordinal = models.PositiveIntegerField()
    label = models.CharField(_("label"), max_length=200)
    # {"es": {"label": "Sí"}, ...}: plenary.site_data.
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["question", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["question", "ordinal"], name="choice_ordinal_unique")
        ]

    def __str__(self) -> str:
        return self.reader_label

    @property
    def reader_label(self) -> str:
        """The label in the reader's language (the original when not translated)."""
        return site_data.translated(self, "label")


class Answer(models.Model):
    """One participant's answer to a choice or scale question.

    A multiple-choice answer is one row per chosen option.  Free-text answers
    are ``comments.Comment`` rows with ``question`` set (receipt, disposition).
    """

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.ForeignKey(
        QuestionChoice, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    scale_value = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "respondent", "choice"], name="answer_choice_unique"
            ),
            models.UniqueConstraint(
                fields=["question", "respondent"],
                condition=Q(choice__isnull=True),
                name="answer_scale_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent_id} answered {self.question_id}"


class SectionTranslation(models.Model):
    """A section's text in another language (the version's original is ``Section``)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8)
    heading = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["section", "language"], name="section_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.section} [{self.language}]"


class Meeting(models.Model):
    """An online or in-person meeting of the consultation; its input becomes comments."""

    class Kind(models.TextChoices):
        ONLINE = "online", _("online")
        IN_PERSON = "in_person", _("in person")
        HYBRID = "hybrid", _("in person and online")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    place = models.CharField(_("place"), max_length=300, blank=True)
    link = models.URLField(_("link"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    groups = models.ManyToManyField(
        "stakeholders.StakeholderGroup",
        blank=True,
        related_name="+",
        verbose_name=_("stakeholder groups targeted"),
    )
    description = models.TextField(_("description"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_html = models.TextField(blank=True)
    summary_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consultation", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class OutreachInvitation(models.Model):
    """An invitation the secretariat sent to opted-in participants of under-represented groups."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="outreach"
    )
    groups = models.ManyToManyField(
        "stakeholders.StakeholderGroup", related_name="+", verbose_name=_("stakeholder groups")
    )
    subject = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    recipients = models.PositiveIntegerField(default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
