"""Admin views of the registry.  Writes that carry rules go through services
(``plenary.admin``): the domain models are read-only here, stakeholder groups
and interest tags save through the registry's services, and changes to an
account's flags, groups and permissions are audited (``plenary.audit.signals``)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from plenary.admin import ReadOnlyAdmin, ServiceAdmin
from stakeholders.models import (
    Affiliation,
    InterestTag,
    Organisation,
    Participant,
    StakeholderGroup,
    User,
)
from stakeholders.registry import services as registry_services


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts: flags, groups and permissions are site configuration, edited here
    and audited wherever they change.  An address changes through its owner's
    confirmation (allauth), and an account is erased, never deleted
    (``feedback.privacy``)."""

    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined", "last_login", "erased_at"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def get_readonly_fields(self, request, obj=None):
        return ["erased_at"] if obj is None else ["email", "last_login", "date_joined", "erased_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(ServiceAdmin):
    """Renamed, described and reordered through ``stakeholder_group_update``; the
    six groups are made by migrations, and participants hold on to them."""

    list_display = ["name", "slug", "ordinal"]
    fields = ["slug", "name", "description", "ordinal"]
    readonly_fields = ["slug"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def save_through_service(self, request, obj, form, change):
        registry_services.stakeholder_group_update(
            actor=request.user,
            group=obj,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            ordinal=form.cleaned_data["ordinal"],
        )


class InterestTagForm(forms.ModelForm):
    class Meta:
        model = InterestTag
        fields = ["group", "name"]


@admin.register(InterestTag)
class InterestTagAdmin(ServiceAdmin):
    """Added through ``interest_tag_create`` (which makes the slug and refuses a
    duplicate); a tag participants chose is not renamed or deleted under them."""

    form = InterestTagForm
    list_display = ["name", "group", "slug"]
    list_filter = ["group"]
    list_select_related = ["group"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_through_service(self, request, obj, form, change):
        tag = registry_services.interest_tag_create(
            actor=request.user, group=form.cleaned_data["group"], name=form.cleaned_data["name"]
        )
        # The admin goes on with its own instance (change log, redirect): make it the row.
        obj.pk, obj.slug = tag.pk, tag.slug


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "country", "verified_at", "merged_into"]
    list_filter = ["group", "verified_at"]
    search_fields = ["name"]
    list_select_related = ["group", "merged_into"]


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
