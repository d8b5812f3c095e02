from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _block_changed(sender, instance, **kwargs):
    from plenary.readcache import forget, standing_scope

    forget(standing_scope(instance.user_id))


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        # The read cache (plenary/readcache.py): a block imposed, lifted or
        # deleted drops the person's kept standing (comments.permissions).
        from .models import ConsultationBlock

        for signal in (post_save, post_delete):
            signal.connect(_block_changed, sender=ConsultationBlock, dispatch_uid="readcache")
