from django.contrib import admin

from .models import MailDelivery, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "task_name", "created_at", "published_at", "attempts")
    list_filter = ("task_name",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]


@admin.register(MailDelivery)
class MailDeliveryAdmin(admin.ModelAdmin):
    list_display = ("key", "recipient", "subject", "sent_at")
    search_fields = ("key", "recipient")
    readonly_fields = ("key", "recipient", "subject", "sent_at")
