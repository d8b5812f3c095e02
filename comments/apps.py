from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        # The read cache's invalidation (plenary/readcache.py): comments/signals.py.
        from comments import signals

        signals.connect()
