from django.contrib import admin

from comments.models import Attachment, Comment, CommentRevision
from plenary.admin import ReadOnlyAdmin


class RevisionInline(admin.TabularInline):
    model = CommentRevision
    fields = ["number", "body", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    """Read-only: files are added through the services, downloaded through /a/<id>/<name>."""

    model = Attachment
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = [
        "receipt",
        "consultation",
        "section",
        "author",
        "channel",
        "visibility",
        "moderation",
        "created_at",
    ]
    list_filter = ["channel", "visibility", "moderation", "consultation"]
    search_fields = ["receipt", "body", "author__email"]
    list_select_related = ["consultation", "section", "author"]
    inlines = [RevisionInline, AttachmentInline]
