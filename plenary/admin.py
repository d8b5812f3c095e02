"""What the admin may change, for every app: the shared read-only and
service-backed model admins, and the third-party registrations made safe.

The admin is not a second door (docs/SECURITY.md, "The admin").  A domain
model's admin is either read-only (``ReadOnlyAdmin``) or saves through the
app's service (``ServiceAdmin``), so the service's permission check,
validation and audit run as on the staff pages.  ``tests/test_admin.py`` walks
every registered model and fails on one that is neither, unless it is in its
documented allow-list.

Third-party models registered by their apps are re-registered here read-only
(autodiscovery imports this module after theirs: ``plenary`` comes after them
in ``INSTALLED_APPS``).
"""

from collections.abc import Sequence
from typing import Any

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django_celery_beat.admin import (
    ClockedScheduleAdmin,
    CrontabScheduleAdmin,
    IntervalScheduleAdmin,
    PeriodicTaskAdmin,
    SolarScheduleAdmin,
)
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look things up; change nothing.  No add, change or delete, and no actions
    (a subclass may name actions that call a service)."""

    actions: Sequence[Any] | None = ()

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceRefused(Exception):
    """A service refused an admin save: carried out of the admin's transaction."""

    def __init__(self, refusal: ValidationError | PermissionDenied) -> None:
        super().__init__(refusal)
        self.messages = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose saves call the app's service (``save_through_service``).

    The admin's own checks run first (its form validates the fields); then the
    service checks the staff member's permission, validates, writes and
    audits.  A refusal rolls back the admin's whole transaction (its change
    log entry too) and comes back as an error message on the same form.
    Deletion is refused: no service deletes these rows.
    """

    def save_through_service(self, request, obj, form, change: bool) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change) -> None:
        try:
            self.save_through_service(request, obj, form, change)
        except (ValidationError, PermissionDenied) as refusal:
            raise ServiceRefused(refusal) from refusal

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def reregister_read_only(model, model_admin: type[admin.ModelAdmin], **options) -> None:
    """Replace an app's registration with a read-only subclass of its own admin."""
    options.setdefault("__module__", __name__)
    read_only = type(f"ReadOnly{model_admin.__name__}", (ReadOnlyAdmin, model_admin), options)
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, read_only)


# Addresses change through allauth's confirmation flow, by their owner; the admin's
# "mark verified" would confirm an address nobody proved they own.
reregister_read_only(EmailAddress, EmailAddressAdmin)
# An authenticator is added and removed by its owner, after reauthentication.  Its
# data (the TOTP secret, the recovery codes' seed) is never shown.
reregister_read_only(Authenticator, AuthenticatorAdmin, exclude=("data",))
# The schedule is code (settings.CELERY_BEAT_SCHEDULE, synced by the database
# scheduler at start); "run tasks" would run any task with any arguments, past
# the services' checks.
for model, model_admin in [
    (PeriodicTask, PeriodicTaskAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (SolarSchedule, SolarScheduleAdmin),
    (ClockedSchedule, ClockedScheduleAdmin),
]:
    reregister_read_only(model, model_admin)
