from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from knox.models import AbstractAuthToken, AuthTokenManager

from plenary import site_data
from stakeholders.names import NameKeyField, with_name_key


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """An account.  Signs in with email; everything public comes from Participant."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    # Reminder settings (/me/reminders/); every such mail also carries a
    # one-click unsubscribe.  Receipts and decisions on one's own input are
    # owed, not reminders, and are always sent.
    mail_round_closing = models.BooleanField(
        _("remind me before a round I follow closes"), default=True
    )
    mail_reply_digest = models.BooleanField(
        _("a daily digest of replies to my comments"), default=True
    )
    mail_staff_reminders = models.BooleanField(
        _("secretariat reminders: decisions past their target, appeal deadlines"), default=True
    )
    # Opt-in, off by default: the secretariat's invitations to under-represented
    # groups (feedback.outreach.services).
    mail_outreach = models.BooleanField(
        _("invitations to consultations where my stakeholder group is under-represented"),
        default=False,
    )
    # Opt-out: the one invitation to evaluate a consultation I took part in.
    mail_evaluation = models.BooleanField(
        _("an invitation to evaluate a consultation after it closes"), default=True
    )
    # Set by the erasure service: the personal data is gone, the account
    # cannot sign in, and public comments show "withdrawn participant".
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return self.email


class StakeholderGroup(models.Model):
    """One of the multistakeholder groups (six defaults, editable per site)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    ordinal = models.PositiveSmallIntegerField(default=0)
    # {"fr": {"name": ..., "description": ...}, ...}: plenary.site_data.
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["ordinal", "name"]

    def __str__(self) -> str:
        return self.reader_name

    @property
    def reader_name(self) -> str:
        """The name in the reader's language (the original when not translated)."""
        return site_data.translated(self, "name")

    @property
    def reader_description(self) -> str:
        return site_data.translated(self, "description")


class InterestTag(models.Model):
    """An optional interest inside a stakeholder group (views differ within groups)."""

    group = models.ForeignKey(StakeholderGroup, on_delete=models.CASCADE, related_name="tags")
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["group", "name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "slug"], name="interest_tag_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # stakeholders.names.name_key(name): what a display name may not imitate.
    name_key = NameKeyField(source="name")
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+")
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_note = models.TextField(blank=True)
    # A duplicate merged into another organisation keeps its row (comments and
    # affiliations point at it, history stays readable) but is no longer offered.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="organisation_name_ci_unique")]
        permissions = [("verify_organisation", "Can verify organisations and affiliations")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        super().save(*args, update_fields=with_name_key(update_fields, "name"), **kwargs)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Participant(models.Model):
    """The public face of an account: display name or pseudonym, group, country.

    Only ``display_name``, ``group`` and ``country`` are ever shown publicly;
    ``gender`` is optional, self-described and visible to the secretariat only
    (for balance statistics).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="participant")
    display_name = models.CharField(
        _("display name or pseudonym"),
        max_length=80,
        help_text=_("Shown publicly next to your comments. A pseudonym is welcome."),
    )
    # stakeholders.names.name_key(display_name): look-alike names share it.
    name_key = NameKeyField(source="display_name")
    group = models.ForeignKey(
        StakeholderGroup,
        on_delete=models.PROTECT,
        related_name="participants",
        verbose_name=_("stakeholder group"),
    )
    country = CountryField(_("country"))
    gender = models.CharField(
        _("gender (optional, self-described)"),
        max_length=60,
        blank=True,
        help_text=_("Seen only by the secretariat, for participation balance statistics."),
    )
    age_range = models.CharField(
        _("age range (optional)"),
        max_length=8,
        blank=True,
        choices=[
            ("u18", _("under 18")),
            ("18-29", "18-29"),
            ("30-44", "30-44"),
            ("45-59", "45-59"),
            ("60+", _("60 or over")),
        ],
        help_text=_("Seen only by the secretariat, for participation balance statistics."),
    )
    interests = models.ManyToManyField(
        InterestTag, blank=True, related_name="participants", verbose_name=_("interests")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("display_name"), name="participant_display_name_ci_unique"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, update_fields=None, **kwargs):
        super().save(*args, update_fields=with_name_key(update_fields, "display_name"), **kwargs)


class Affiliation(models.Model):
    """A participant's link to an organisation; only a verified one allows "on behalf of"."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        VERIFIED = "verified", _("verified")
        REFUSED = "refused", _("refused")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="affiliations"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "organisation"], name="affiliation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} @ {self.organisation} ({self.status})"


def credentials_fingerprint(user) -> str:
    """An HMAC of the account's password hash and sign-in address, as Django
    binds a session to the password (``get_session_auth_hash``)."""
    return salted_hmac(
        "stakeholders.ApiToken.credentials", f"{user.password}\n{user.email.lower()}"
    ).hexdigest()


class ApiTokenManager(AuthTokenManager):
    def create(self, user, *args, **kwargs):
        """knox's ``create`` (returns the token and its secret), bound to ``user``'s
        current credentials."""
        kwargs.setdefault("credentials", credentials_fingerprint(user))
        return super().create(user, *args, **kwargs)


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox's model, ``KNOX_TOKEN_MODEL``).

    Only the SHA-512 ``digest`` of the secret is stored; ``token_key`` is its
    first 15 characters, knox's lookup prefix, never shown.  ``expiry`` moves
    on with use (``PLENARY_API_TOKEN_IDLE_DAYS`` after the last use), so a token
    left unused dies.  Issued and revoked only by ``stakeholders.accounts.services``.
    The integer ``id`` names a token to its owner (list, revoke) without its secret.

    ``credentials`` binds it to the password and address it was issued under:
    a change through any door (allauth, the admin, ``changepassword``) voids it
    (``holds_current_credentials``, asked by ``plenary.authentication``).
    """

    objects = ApiTokenManager()

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # What the owner may recognise it by on /me/tokens/: the client that asked for it.
    client = models.CharField(_("client"), max_length=200, blank=True)
    credentials = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"API token {self.pk} of {self.user_id}"

    def holds_current_credentials(self) -> bool:
        return constant_time_compare(self.credentials, credentials_fingerprint(self.user))
