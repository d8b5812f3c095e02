from django.contrib import admin

from stakeholders.admin import ReadOnlyAdmin

from .models import DispositionDraft, DispositionEntry


@admin.register(DispositionEntry)
class DispositionEntryAdmin(ReadOnlyAdmin):
    """The ledger, read-only: it is append-only everywhere, the admin included."""

    list_display = ["consultation", "sequence", "comment", "status", "decided_by", "published_at"]
    list_filter = ["status", "consultation"]
    search_fields = ["comment__receipt", "rationale"]
    list_select_related = ["consultation", "comment", "decided_by"]


@admin.register(DispositionDraft)
class DispositionDraftAdmin(ReadOnlyAdmin):
    list_display = ["comment", "status", "drafted_by", "updated_at"]
    list_select_related = ["comment", "drafted_by"]
