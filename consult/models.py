from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Per-consultation roles, held as django-guardian object permissions."""

    SECRETARIAT = "secretariat", _("secretariat")
    MODERATOR = "moderator", _("moderator")
    ANALYST = "analyst", _("analyst")


# Which object permissions each role carries.  The secretariat can also
# moderate and analyse; nothing else grants these permissions.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SECRETARIAT: ("run_consultation", "moderate_consultation", "analyse_consultation"),
    Role.MODERATOR: ("moderate_consultation",),
    Role.ANALYST: ("analyse_consultation",),
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
    premoderate_first = models.PositiveSmallIntegerField(
        _("pre-moderate each participant's first comments"),
        default=0,
        help_text=_(
            "How many of a participant's first comments in this consultation a moderator "
            "approves before they are shown. 0 turns pre-moderation off."
        ),
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("run_consultation", "Acts as secretariat of the consultation"),
            ("moderate_consultation", "Moderates the consultation"),
            ("analyse_consultation", "Analyses the consultation's comments"),
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One version of the draft under consultation, split into sections."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    source = models.TextField(help_text="The Markdown the version was imported from.")
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
