from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "consult"
    verbose_name = "Consultations"

    def ready(self):
        # The read cache's invalidation (plenary/readcache.py): consult/signals.py.
        from consult import signals

        signals.connect()
