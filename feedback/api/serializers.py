from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from comments.api.fields import ReceiptField
from consult.models import Consultation
from consult.selectors import section_by_key
from feedback.models import DispositionEntry, Status


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


class DispositionSerializer(serializers.Serializer):
    """A published decision: a ledger entry, or the ``disposition_*`` annotations of a comment."""

    sequence = serializers.IntegerField(
        allow_null=True, help_text=_("Position in the consultation's ledger.")
    )
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField()
    rationale = serializers.CharField()
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
        """The current disposition from ``feedback.selectors.with_disposition_detail``."""
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
