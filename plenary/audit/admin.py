from django.contrib import admin

from plenary.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "event", "actor_email", "consultation", "target", "ip"]
    list_filter = ["event"]
    search_fields = ["actor_email", "target"]
    list_select_related = ["consultation"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
