"""Admin views of the registry.  Writes that carry rules go through services, so the
domain models are read-only here; stakeholder groups are plain reference data."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from stakeholders.models import (
    Affiliation,
    InterestTag,
    Organisation,
    Participant,
    StakeholderGroup,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined", "last_login", "erased_at"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    readonly_fields = ["erased_at"]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ordinal"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "country", "verified_at", "merged_into"]
    list_filter = ["group", "verified_at"]
    search_fields = ["name"]
    list_select_related = ["group", "merged_into"]


@admin.register(InterestTag)
class InterestTagAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "slug"]
    list_filter = ["group"]
    list_select_related = ["group"]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "group", "country", "created_at"]
    list_filter = ["group"]
    search_fields = ["display_name", "user__email"]
    list_select_related = ["group"]


@admin.register(Affiliation)
class AffiliationAdmin(ReadOnlyAdmin):
    list_display = ["participant", "organisation", "status", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["participant", "organisation"]
