"""The read cache's invalidation (plenary/readcache.py) for what comments keeps.

A block imposed, lifted or deleted drops the person's kept standing
(``comments.permissions.standing_of``), whoever writes it (the moderation
services, the admin).  Imported by ``CommentsConfig.ready``.
"""

from django.db.models.signals import post_delete, post_save

from comments.models import ConsultationBlock
from plenary.readcache import forget, standing_scope


def _block_changed(sender, instance, **kwargs):
    forget(standing_scope(instance.user_id))


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_block_changed, sender=ConsultationBlock, dispatch_uid="readcache")
