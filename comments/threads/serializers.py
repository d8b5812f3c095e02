from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comments import permissions
from comments.amendments.selectors import amendment_of, supports_of
from comments.models import Comment
from comments.redaction.selectors import public_body
from comments.threads.byline import NAME_WITHHELD, comment_byline
from comments.threads.fields import ReceiptField
from comments.threads.publication import Publication, publication_of, publication_resolve
from feedback.ledger.serializers import AppealSerializer, DispositionSerializer
from feedback.points.serializers import PointSerializer
from plenary.text import render_markdown
from stakeholders.models import Organisation


class AuthorSerializer(serializers.Serializer):
    display_name = serializers.CharField(help_text=_("Display name or pseudonym."))
    group = serializers.CharField(help_text=_("Stakeholder group."))


class OrganisationSerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "verified"]


# --- issue 24, part 24a: the amendment a comment carries ---------------------------


class AmendmentSerializer(serializers.Serializer):
    """A proposed change: the passage and the wording proposed for it."""

    quote = serializers.CharField(help_text=_("The passage to replace, as the author quoted it."))
    replacement = serializers.CharField(
        allow_blank=True, help_text=_("The wording proposed for it (empty: delete the passage).")
    )
    supports = serializers.IntegerField(
        read_only=True, help_text=_("How many participants support this amendment.")
    )


class AmendmentInputSerializer(serializers.Serializer):
    """Input: the passage (it must occur exactly once in the section's current text)
    and the proposed wording.  The rules are the service's."""

    # Kept as sent: no trimming here; the service checks them.
    quote = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=_(
            "The passage to replace, as it reads in the paragraph (Markdown stripped; "
            "whitespace is folded). It must occur exactly once in the paragraph."
        ),
    )
    replacement = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        default="",
        help_text=_("The wording you propose instead (empty: delete the passage)."),
    )


class CommentSerializer(serializers.ModelSerializer):
    """A comment as a reader sees it.

    Expects the selectors' annotations (``disposition_*``).  The text, author
    and organisation of a comment the viewer may not read are null: its
    status is public, its text is not.  The view passes ``is_staff`` (whether
    the viewer is staff of the consultation) in the context.
    """

    url = serializers.SerializerMethodField(help_text=_("The comment's public status page."))
    consultation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    round = serializers.SlugRelatedField(slug_field="number", read_only=True)
    section = serializers.SerializerMethodField(
        help_text=_("Key of the section commented on (null for the whole draft, or when hidden).")
    )
    parent = serializers.SerializerMethodField(
        help_text=_("Receipt of the comment replied to (null when hidden).")
    )
    body = serializers.SerializerMethodField(
        help_text=_(
            "Exactly what the author wrote; a passage the secretariat redacted shows as "
            "[redacted: <reason>] to everyone but the author and the consultation's team."
        )
    )
    body_html = serializers.SerializerMethodField(help_text=_("Sanitised HTML rendering."))
    author = serializers.SerializerMethodField()
    on_behalf_of = serializers.SerializerMethodField()
    disposition = serializers.SerializerMethodField(
        help_text=_("The current published decision; null while awaiting a response.")
    )
    publication = serializers.SerializerMethodField(
        help_text=_("The author's consent to publish: named, anonymous or private.")
    )
    amendment = serializers.SerializerMethodField(
        help_text=_(
            "The new wording the comment proposes for a passage of its section (its body "
            "is the reason); null for a comment that proposes none, or when hidden."
        )
    )

    class Meta:
        model = Comment
        fields = [
            "receipt",
            "url",
            "consultation",
            "round",
            "section",
            "parent",
            "body",
            "body_html",
            "author",
            "on_behalf_of",
            "visibility",
            "publication",
            "moderation",
            "moderation_reason",
            "language",
            "channel",
            "created_at",
            "edited_at",
            "withdrawn_at",
            "disposition",
            "amendment",
        ]

    def _readable(self, comment: Comment) -> bool:
        request = self.context["request"]
        return permissions.can_see_text(
            request.user, comment, is_staff=self.context.get("is_staff", False)
        )

    def get_url(self, comment: Comment) -> str:
        return settings.SITE_URL + reverse("receipt", args=[comment.receipt])

    # Where a private or hidden comment was made is not shown either (as in the ledger).
    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_section(self, comment: Comment) -> str | None:
        return comment.section.key if comment.section and self._readable(comment) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, comment: Comment) -> str | None:
        return comment.parent.receipt if comment.parent and self._readable(comment) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, comment: Comment) -> str | None:
        if not self._readable(comment):
            return None
        # A redacted passage (comments.redaction) shows as "[redacted: <reason>]" to all
        # but the author and the consultation's team, who read the text as sent.
        if self.context.get("is_staff", False) or permissions.is_author(
            self.context["request"].user, comment
        ):
            return comment.body
        return public_body(comment)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body_html(self, comment: Comment) -> str | None:
        return comment.body_html if self._readable(comment) else None

    @extend_schema_field(serializers.ChoiceField(choices=Publication.choices))
    def get_publication(self, comment: Comment) -> str:
        return publication_of(comment)

    def _author_shown(self, comment: Comment) -> bool:
        return permissions.can_see_author(
            self.context["request"].user, comment, is_staff=self.context.get("is_staff", False)
        )

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, comment: Comment) -> dict | None:
        if not self._readable(comment):
            return None
        if not self._author_shown(comment):  # published without the name
            return {"display_name": str(NAME_WITHHELD), "group": ""}
        if (
            comment.entered_by_id is not None
        ):  # entered by staff: the sender (comments.threads.byline)
            return {"display_name": comment_byline(comment), "group": ""}
        participant = getattr(comment.author, "participant", None)
        if participant is None:
            return None
        return {"display_name": participant.display_name, "group": participant.group.name}

    @extend_schema_field(OrganisationSerializer(allow_null=True))
    def get_on_behalf_of(self, comment: Comment) -> dict | None:
        if (
            comment.on_behalf_of is None
            or not self._readable(comment)
            or not self._author_shown(comment)
        ):
            return None
        organisation = comment.on_behalf_of
        # A duplicate merged into another shows the one it was merged into.
        return OrganisationSerializer(organisation.merged_into or organisation).data

    @extend_schema_field(DispositionSerializer(allow_null=True))
    def get_disposition(self, comment: Comment) -> dict | None:
        disposition = DispositionSerializer.from_annotations(comment)
        if disposition is not None and not self._readable(comment):
            disposition["rationale"] = None  # it may quote the text (as in the ledger exports)
        return disposition

    @extend_schema_field(AmendmentSerializer(allow_null=True))
    def get_amendment(self, comment: Comment) -> dict | None:
        amendment = amendment_of(comment)
        if amendment is None or not self._readable(comment):
            return None
        return {
            "quote": amendment.quote,
            "replacement": amendment.replacement,
            "supports": supports_of(comment),
        }


class CommentCreateSerializer(serializers.Serializer):
    """Input for a new comment.  The rules (open round, length, affiliation) are the service's."""

    section = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=64,
        help_text=_("Key of a section of the current draft; omit for the whole draft or a reply."),
    )
    # Stored exactly as sent: no trimming here; the service checks it.
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)
    parent = ReceiptField(
        required=False, allow_null=True, help_text=_("Receipt of the comment to reply to.")
    )
    on_behalf_of = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Id of an organisation you have a verified affiliation with."),
    )
    publication = serializers.ChoiceField(
        choices=Publication.choices,
        required=False,
        help_text=_(
            "named (public, with your name: the default), anonymous (public, the name "
            "withheld from everyone but you and the consultation's team) or private (only "
            "the team reads it; the ledger shows its receipt and status). Takes precedence "
            "over visibility; sending both, they must agree (400 naming publication)."
        ),
    )
    visibility = serializers.ChoiceField(
        choices=Comment.Visibility.choices,
        required=False,
        help_text=_("Older than publication: public is named, private is private."),
    )
    accept_code_of_conduct = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "true to accept the consultation's code of conduct (its charter page) with this "
            "comment. Needed once per consultation, before your first comment, when the "
            "consultation has one; otherwise the answer is 400 naming this field."
        ),
    )
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=8,
        help_text=_("The language the comment is written in (en, fr, pt-BR...); blank if unknown."),
    )
    amendment = AmendmentInputSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Propose new wording for a passage of the section: the body is then the reason. "
            "Only on a section, not in a reply."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        """``publication`` and ``visibility`` as the service's ``visibility`` and ``anonymous``
        (comments.threads.publication)."""
        try:
            attrs["visibility"], attrs["anonymous"] = publication_resolve(
                publication=attrs.pop("publication", None), visibility=attrs.get("visibility")
            )
        except DjangoValidationError as refusal:
            raise serializers.ValidationError(refusal.message_dict) from refusal
        return attrs


class AppliedInSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=_("The version's number."))
    section = serializers.CharField(help_text=_("The key of its section carrying the wording."))


class CommentDetailSerializer(CommentSerializer):
    history = serializers.SerializerMethodField(
        help_text=_("Every published decision on this comment, oldest first.")
    )
    appeals = serializers.SerializerMethodField(
        help_text=_("The author's appeals against its decisions, oldest first, with their state.")
    )

    points = serializers.SerializerMethodField(
        help_text=_(
            "The comment's points when it is answered point by point (empty otherwise), "
            "as GET …/points/ gives them."
        )
    )

    applied_in = serializers.SerializerMethodField(
        help_text=_(
            "Where the amendment's wording was adopted: the version and the key of its "
            "section (the newest the viewer may read); null until applied."
        )
    )
    signatures = serializers.SerializerMethodField(
        help_text=_("Confirmed co-signatories of this submission (issue 25).")
    )

    class Meta(CommentSerializer.Meta):
        fields = [
            *CommentSerializer.Meta.fields,
            "history",
            "appeals",
            "points",
            "applied_in",
            "signatures",
        ]

    def get_signatures(self, comment: Comment) -> int:
        return self.context.get("signatures", 0)

    @extend_schema_field(DispositionSerializer(many=True))
    def get_history(self, comment: Comment) -> list:
        history = DispositionSerializer(self.context["history"], many=True).data
        if not self._readable(comment):
            for entry in history:
                entry["rationale"] = None  # it may quote the text (as in the ledger exports)
        return history

    @extend_schema_field(AppealSerializer(many=True))
    def get_appeals(self, comment: Comment) -> list:
        # An appeal's reason is the author's text: shown where the comment's text is.
        context = {"can_see_text": self._readable(comment)}
        return AppealSerializer(self.context["appeals"], many=True, context=context).data

    @extend_schema_field(AppliedInSerializer(allow_null=True))
    def get_applied_in(self, comment: Comment) -> dict | None:
        application = self.context.get("applied_in")
        if application is None:
            return None
        return {"version": application.version.number, "section": application.section.key}

    @extend_schema_field(PointSerializer(many=True))
    def get_points(self, comment: Comment) -> list:
        # A point's passage and rationale are the comment's text: the comment's rule.
        context = {"can_read": self._readable(comment)}
        return PointSerializer(self.context["points"], many=True, context=context).data


class CommentEditSerializer(serializers.Serializer):
    """Input for an edit by the author.  The rules (open round, length) are the service's."""

    # Stored exactly as sent: no trimming here; the service checks it.
    body = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("The new text; the earlier ones stay in the comment's revisions."),
    )
    amendment = AmendmentInputSerializer(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("An amendment's new passage and wording (omit to keep them)."),
    )


class CommentRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text=_("1 is the original text, then 2, 3..."))
    body = serializers.CharField(help_text=_("The text of this version, exactly as written."))
    quote = serializers.CharField(
        allow_null=True, help_text=_("An amendment's passage at this version (null otherwise).")
    )
    replacement = serializers.CharField(
        allow_null=True,
        help_text=_("An amendment's proposed wording at this version (null otherwise)."),
    )
    body_html = serializers.SerializerMethodField(help_text=_("Sanitised HTML rendering."))
    created_at = serializers.DateTimeField()

    def get_body_html(self, revision) -> str:
        return render_markdown(revision.body)
