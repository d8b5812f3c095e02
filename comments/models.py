from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consult.models import Consultation, Round, Section
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

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")
        EMAIL = "email", _("email")
        LETTER = "letter", _("letter")
        WORKSHOP = "workshop", _("workshop")
        IMPORT = "import", _("import")

    receipt = models.CharField(max_length=11, unique=True, editable=False)
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="comments"
    )
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="comments")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
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
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["section", "created_at"], name="comment_section_time_idx"),
            models.Index(fields=["consultation", "created_at"], name="comment_consult_time_idx"),
            models.Index(fields=["author", "created_at"], name="comment_author_time_idx"),
        ]

    def __str__(self) -> str:
        return self.receipt

    @property
    def is_public(self) -> bool:
        return (
            self.visibility == self.Visibility.PUBLIC and self.moderation == self.Moderation.VISIBLE
        )


class CommentRevision(models.Model):
    """Append-only history of a comment's text; revision 1 is the original."""

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
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
