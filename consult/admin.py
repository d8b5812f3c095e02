from django.contrib import admin

from stakeholders.admin import ReadOnlyAdmin

from .models import Consultation, DocumentVersion, Round, Section


class RoundInline(admin.TabularInline):
    model = Round
    fields = ["number", "kind", "title", "opens_at", "closes_at", "document_version"]
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


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "number", "published_at", "created_at"]
    list_select_related = ["consultation"]


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ["key", "ordinal", "heading", "version"]
    list_select_related = ["version__consultation"]
    search_fields = ["key", "heading", "body"]
