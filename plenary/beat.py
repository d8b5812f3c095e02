"""Celery beat's scheduler: django-celery-beat's, beating on each tick.

``CELERY_BEAT_SCHEDULER`` names it.  Beat ticks at least every few seconds
(django-celery-beat's ``max_interval``, 5 s), so a beat that stops ticking (hung,
or its database gone) stops beating too: ``manage.py healthcheck beat``.
"""

import time

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

from plenary.heartbeat import heartbeat_record


class BeatScheduler(DatabaseScheduler):
    last_beat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self.last_beat >= settings.PLENARY_HEARTBEAT_SECONDS:
            heartbeat_record("beat")
            self.last_beat = now
        return super().tick(*args, **kwargs)
