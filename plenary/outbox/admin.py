from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plenary.admin import ReadOnlyAdmin
from plenary.outbox import services
from plenary.outbox.models import MailDelivery, OutboxMessage

# A claim older than this is no longer a mail being sent but a mail in doubt:
# SMTP exchanges take seconds (EMAIL_TIMEOUT), never minutes.
MAIL_IN_DOUBT_AFTER = timedelta(minutes=5)


STATE_LABELS = {
    "pending": _("pending"),
    "published": _("published, not done"),
    "gave up": _("given up"),
    "done": _("done"),
}


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state.replace(" ", "_"), label) for state, label in STATE_LABELS.items()]

    def queryset(self, request, queryset):
        match self.value():
            case "pending":
                return queryset.filter(published_at__isnull=True, gave_up_at__isnull=True)
            case "published":
                return queryset.filter(
                    published_at__isnull=False, done_at__isnull=True, gave_up_at__isnull=True
                )
            case "gave_up":
                return queryset.filter(gave_up_at__isnull=False, done_at__isnull=True)
            case "done":
                return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only but for one action, which calls ``services.requeue``: a message's
    state is the relay's and the worker's to write, and deleting one loses its work."""

    list_display = (
        "id",
        "task_name",
        "state",
        "created_at",
        "published_at",
        "done_at",
        "deliveries",
        "attempts",
    )
    list_filter = (OutboxStateFilter, "task_name")
    actions = ["requeue"]

    @admin.display(description=_("state"))
    def state(self, message: OutboxMessage) -> str:
        return str(STATE_LABELS[message.state])

    @admin.action(description=_("Deliver again from the start (after fixing the cause)"))
    def requeue(self, request, queryset):
        count = services.requeue(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d message is pending again.", "%d messages are pending again.", count)
            % count,
            messages.SUCCESS,
        )


class MailInDoubtFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "doubt"

    def lookups(self, request, model_admin):
        return [("yes", _("in doubt (claimed, not known to be sent)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                state=MailDelivery.State.CLAIMED,
                claimed_at__lt=timezone.now() - MAIL_IN_DOUBT_AFTER,
            )
        return queryset


@admin.register(MailDelivery)
class MailDeliveryAdmin(ReadOnlyAdmin):
    """Read-only: a delivery row is the claim that keeps a mail from going twice."""

    list_display = ("key", "recipient", "subject", "state", "claimed_at", "sent_at")
    list_filter = (MailInDoubtFilter, "state")
    search_fields = ("key", "recipient", "message_id")
