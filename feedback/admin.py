from django.contrib import admin

from feedback.models import (
    Appeal,
    CommentPoint,
    DispositionDraft,
    DispositionEntry,
    EvaluationResponse,
)
from plenary.admin import ReadOnlyAdmin


@admin.register(DispositionEntry)
class DispositionEntryAdmin(ReadOnlyAdmin):
    """The ledger, read-only: it is append-only everywhere, the admin included."""

    list_display = [
        "consultation",
        "sequence",
        "comment",
        "point",
        "status",
        "decided_by",
        "published_at",
    ]
    list_filter = ["status", "consultation"]
    search_fields = ["comment__receipt", "point__comment__receipt", "rationale"]
    list_select_related = ["consultation", "comment", "point__comment", "decided_by"]


@admin.register(DispositionDraft)
class DispositionDraftAdmin(ReadOnlyAdmin):
    list_display = ["comment", "point", "status", "drafted_by", "updated_at"]
    list_select_related = ["comment", "point__comment", "drafted_by"]


@admin.register(CommentPoint)
class CommentPointAdmin(ReadOnlyAdmin):
    """A comment's points (issue 23): made and removed through feedback.points.services."""

    list_display = ["comment", "number", "source", "start", "end", "created_at"]
    search_fields = ["comment__receipt"]
    list_select_related = ["comment"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    """Appeals are filed by commenters and answered by a ledger entry, never edited here."""

    list_display = ["comment", "appellant", "created_at", "answer_due_at"]
    list_filter = ["comment__consultation"]
    search_fields = ["comment__receipt", "reason"]
    list_select_related = ["comment", "appellant"]


@admin.register(EvaluationResponse)
class EvaluationResponseAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "group", "clarity", "safety", "feedback", "created_at"]
    list_filter = ["group"]
    list_select_related = ["consultation", "group"]
