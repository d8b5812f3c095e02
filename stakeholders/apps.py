from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = "Stakeholders"

    def ready(self):
        # The read cache's invalidation (plenary/readcache.py): stakeholders/signals.py.
        from stakeholders import signals

        signals.connect()
