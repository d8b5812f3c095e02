from celery import shared_task

from . import services


def retrying_task(name: str, *, max_retries: int = 8):
    """A Celery task that retries with exponential backoff on any error.

    Safe because every Plenary task takes ids and is idempotent (mail goes
    through ``services.send_mail_once``); acks_late comes from settings.
    """
    return shared_task(
        name=name,
        ignore_result=True,
        autoretry_for=(Exception,),
        retry_backoff=True,
        max_retries=max_retries,
    )


@shared_task(name="plenary.outbox.tasks.relay", ignore_result=True)
def relay() -> int:
    return services.relay()
