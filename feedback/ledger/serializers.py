from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comments.threads.fields import ReceiptField
from consult.consultations.selectors import section_by_key
from consult.models import Consultation
from feedback.models import APPEAL_REASON_MAX_CHARS, Appeal, AppealStatus, DispositionEntry, Status


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


class DispositionSerializer(serializers.Serializer):
    """A published decision: a ledger entry, or the ``disposition_*`` annotations of a comment."""

    sequence = serializers.IntegerField(
        allow_null=True, help_text=_("Position in the consultation's ledger.")
    )
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField()
    rationale = serializers.CharField(
        allow_null=True,
        help_text=_("Why; null on a private or hidden comment to anyone who cannot read it."),
    )
    published_at = serializers.DateTimeField()
    target_section = serializers.CharField(
        source="target_section.key",
        allow_null=True,
        help_text=_("Key of the section of a later draft this input changed."),
    )
    duplicate_of = serializers.CharField(
        source="duplicate_of.receipt",
        allow_null=True,
        help_text=_("Receipt of the comment this one duplicates."),
    )

    def get_status_label(self, disposition) -> str:
        status = disposition["status"] if isinstance(disposition, dict) else disposition.status
        return _status_label(status)

    @classmethod
    def from_annotations(cls, comment) -> dict | None:
        """The current disposition from ``feedback.ledger.selectors.with_disposition_detail``."""
        if getattr(comment, "disposition_status", None) is None:
            return None
        target = comment.disposition_target_section
        duplicate = comment.disposition_duplicate_of
        return cls(
            {
                "sequence": None,
                "status": comment.disposition_status,
                "rationale": comment.disposition_rationale,
                "published_at": comment.disposition_published_at,
                "target_section": {"key": target} if target else None,
                "duplicate_of": {"receipt": duplicate} if duplicate else None,
            }
        ).data


class DispositionRecordSerializer(serializers.Serializer):
    """Input for a decision.  Which statuses need what is the service's rule, not this one's.

    Needs ``consultation`` in the context to find ``target_section`` by key.
    """

    status = serializers.CharField(
        max_length=20, help_text=_("One of: %(choices)s.") % {"choices": ", ".join(Status.values)}
    )
    rationale = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    publish = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Publish now (notifies the commenter); otherwise save a draft decision."),
    )
    target_section = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        max_length=64,
        help_text=_("Key of the section (of any draft of the consultation) this input changed."),
    )
    duplicate_of = ReceiptField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Receipt of the comment this one duplicates."),
    )
    appeal = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Id of the commenter's appeal this decision answers (a rationale is then due)."
        ),
    )
    adopted_text = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=_(
            "On an amendment: the wording adopted. Required with partly_accepted; with "
            "accepted the proposed wording is adopted (a different one is refused); refused "
            "on any other decision or comment."
        ),
    )

    def validate_appeal(self, appeal_id):
        if appeal_id is None:
            return None
        appeal = Appeal.objects.filter(pk=appeal_id).first()
        if appeal is None:
            raise serializers.ValidationError(_("No appeal has the id %(id)d.") % {"id": appeal_id})
        return appeal

    def validate_target_section(self, key):
        if not key:
            return None
        consultation: Consultation = self.context["consultation"]
        section = section_by_key(consultation=consultation, key=key)
        if section is None:
            raise serializers.ValidationError(
                _("No draft of this consultation has a section “%(key)s”.") % {"key": key}
            )
        return section


class RecordedDispositionSerializer(serializers.Serializer):
    """What ``disposition_record`` returned: a published ledger entry or a saved draft."""

    comment = serializers.CharField(source="comment.receipt")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField()
    rationale = serializers.CharField()
    published = serializers.SerializerMethodField()
    sequence = serializers.SerializerMethodField()
    published_at = serializers.SerializerMethodField()
    target_section = serializers.CharField(source="target_section.key", allow_null=True)
    duplicate_of = serializers.CharField(source="duplicate_of.receipt", allow_null=True)
    appeal = serializers.IntegerField(
        source="appeal_id", allow_null=True, help_text=_("Id of the appeal this decision answers.")
    )
    adopted_text = serializers.CharField(
        help_text=_("The wording adopted for an amendment; empty for any other decision.")
    )

    def get_status_label(self, decision) -> str:
        return _status_label(decision.status)

    def get_published(self, decision) -> bool:
        return isinstance(decision, DispositionEntry)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_sequence(self, decision) -> int | None:
        return decision.sequence if isinstance(decision, DispositionEntry) else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_published_at(self, decision):
        if not isinstance(decision, DispositionEntry):
            return None
        return serializers.DateTimeField().to_representation(decision.published_at)


class AppealSerializer(serializers.Serializer):
    """An appeal against a published decision, with its state.

    ``reason`` is null where the viewer may not read the comment's text
    (``can_see_text`` in the context, default true).  Expects the
    ``answered_at`` annotation of ``feedback.ledger.selectors.with_appeal_answer``.
    """

    id = serializers.IntegerField()
    receipt = serializers.CharField(source="comment.receipt")
    reason = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    answer_due_at = serializers.DateTimeField(
        help_text=_("The secretariat must answer (publish a new decision) by then.")
    )
    status = serializers.ChoiceField(
        choices=AppealStatus.choices,
        help_text=_("open: awaiting an answer; overdue: unanswered past the due date; answered."),
    )
    answered_at = serializers.DateTimeField(allow_null=True, required=False, default=None)
    answer_sequence = serializers.IntegerField(
        allow_null=True,
        required=False,
        default=None,
        help_text=_("Ledger sequence of the decision that answered it."),
    )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reason(self, appeal) -> str | None:
        return appeal.reason if self.context.get("can_see_text", True) else None


class AppealCreateSerializer(serializers.Serializer):
    # Stored exactly as sent: no trimming here; the service checks it is not blank.
    reason = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=APPEAL_REASON_MAX_CHARS,
        help_text=_("Why the decision should be reconsidered."),
    )
