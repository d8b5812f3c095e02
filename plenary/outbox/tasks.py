from celery import shared_task

from . import services


@shared_task(name="plenary.outbox.tasks.relay", ignore_result=True)
def relay() -> int:
    return services.relay()
