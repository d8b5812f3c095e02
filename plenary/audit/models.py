from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plenary.append_only import AppendOnlyModel


class Event(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Signed out")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    DISPOSITION_PUBLISHED = "disposition_published", _("Decisions published")
    EXPORT_DOWNLOADED = "export_downloaded", _("Ledger exported")
    APPEAL_FILED = "appeal_filed", _("Appeal filed")
    ORGANISATION_VERIFIED = "organisation_verified", _("Organisation verified")
    AFFILIATION_DECIDED = "affiliation_decided", _("Affiliation decided")
    # comments.moderation.services: hide, restore, dismiss, approve, block, unblock
    # (detail["action"]).
    MODERATION_ACTION = "moderation_action", _("Moderation action")
    # stakeholders.registry / feedback.privacy.services
    ORGANISATION_MERGED = "organisation_merged", _("Organisations merged")
    ACCOUNT_ERASED = "account_erased", _("Account erased")
    # consult.rounds.services / consult.consultations.services.round_open: the schedule of rounds.
    ROUND_SCHEDULED = "round_scheduled", _("Round scheduled")
    ROUND_UPDATED = "round_updated", _("Round edited")
    ROUND_EXTENDED = "round_extended", _("Round extended")
    ROUND_OPENED = "round_opened", _("Round opened")
    ROUND_CLOSED = "round_closed", _("Round closed")
    # consult: drafts and their translations
    DRAFT_IMPORTED = "draft_imported", _("Draft version imported")
    VERSION_MATCHED = "version_matched", _("Sections matched to the previous version")
    VERSION_TRANSLATED = "version_translated", _("Draft translation saved")
    VERSION_DELETED = "version_deleted", _("Unpublished draft version deleted")
    VERSION_COMPOSED = "version_composed", _("Next version composed from adopted amendments")
    VERSION_PUBLISHED = "version_published", _("Draft version published")
    # consult.meetings.services, comments.offline.services, feedback.outreach.services
    MEETING_CHANGED = "meeting_changed", _("Meeting created, changed or cancelled")
    COMMENTS_ENTERED = "comments_entered", _("Comments entered for others")
    OUTREACH_SENT = "outreach_sent", _("Outreach invitation sent")
    # plenary.audit.signals: any change to what an account may do, from the admin,
    # a page or the shell (detail: the flags before and after, or what was added/removed).
    ACCOUNT_FLAGS_CHANGED = "account_flags_changed", _("Staff, superuser or active flag changed")
    ACCOUNT_GROUPS_CHANGED = "account_groups_changed", _("Account's groups changed")
    ACCOUNT_PERMISSIONS_CHANGED = "account_permissions_changed", _("Account's permissions changed")
    GROUP_PERMISSIONS_CHANGED = "group_permissions_changed", _("Group's permissions changed")
    # stakeholders.accounts.services: API tokens (detail: token id, reason, door).
    API_TOKEN_ISSUED = "api_token_issued", _("API token issued")
    API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
    # feedback.assignments.services: comments assigned, reassigned or unassigned (detail:
    # count, scope, receipts); the history per comment is feedback.AssignmentChange.
    ASSIGNMENT_CHANGED = "assignment_changed", _("Comments assigned")
    # feedback.points.services: a comment split into points, a point removed (target: the
    # comment's receipt; detail: sub-receipts and offsets, never the quoted text).
    POINTS_SPLIT = "points_split", _("Comment split into points")
    POINT_REMOVED = "point_removed", _("Point removed from a comment")


class AuditEvent(AppendOnlyModel):
    """One security-relevant event.  Append-only: never updated or deleted."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept beside the foreign key: the log outlives an erased account, and a
    # failed sign-in has an attempted address but no user.
    actor_email = models.CharField(_("actor email"), max_length=254, blank=True)
    event = models.CharField(_("event"), max_length=32, choices=Event.choices, db_index=True)
    consultation = models.ForeignKey(
        "consult.Consultation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consultation"),
    )
    target = models.CharField(_("target"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["consultation", "-created_at"], name="audit_consultation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.event} {self.actor_email}"
