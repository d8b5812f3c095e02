from django.contrib import admin

from consult.models import (
    CharterAcceptance,
    Consultation,
    DocumentVersion,
    Meeting,
    Question,
    QuestionChoice,
    Round,
    RoundExtension,
    Section,
)
from plenary.admin import ReadOnlyAdmin


class RoundInline(admin.TabularInline):
    model = Round
    fields = [
        "number",
        "kind",
        "title",
        "opens_at",
        "closes_at",
        "document_version",
        "short_window_reason",
        "opened_announced_at",
        "closed_announced_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["title", "slug", "status", "published_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["title", "slug"]
    inlines = [RoundInline]


@admin.register(RoundExtension)
class RoundExtensionAdmin(ReadOnlyAdmin):
    """Extensions are made by ``consult.rounds.services.round_extend`` (the staff page), never
    here."""

    list_display = ["round", "previous_closes_at", "new_closes_at", "created_by", "created_at"]
    search_fields = ["round__consultation__title", "reason"]


@admin.register(CharterAcceptance)
class CharterAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "user", "accepted_at"]
    search_fields = ["consultation__title", "user__email"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "number", "source_format", "published_at", "created_at"]
    list_select_related = ["consultation"]


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ["key", "ordinal", "heading", "version", "match_score"]
    list_select_related = ["version__consultation"]
    search_fields = ["key", "heading", "body"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    """Read-only: meetings are announced and changed on the secretariat's pages (services)."""

    list_display = ["title", "consultation", "kind", "starts_at", "timezone", "language"]
    list_filter = ["kind"]
    list_select_related = ["consultation"]
    search_fields = ["title", "place"]


class QuestionChoiceInline(admin.TabularInline):
    model = QuestionChoice
    fields = ["ordinal", "label"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    """Read-only: questions are defined on the secretariat's page
    (consult/questions/services.py)."""

    list_display = ["text", "round", "ordinal", "kind", "required"]
    list_filter = ["kind"]
    list_select_related = ["round__consultation"]
    search_fields = ["text"]
    inlines = [QuestionChoiceInline]
