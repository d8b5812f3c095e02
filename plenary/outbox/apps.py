from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "plenary.outbox"
    label = "outbox"
    verbose_name = "Outbox"
