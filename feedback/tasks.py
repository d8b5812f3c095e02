from celery import shared_task

from . import services


@shared_task(
    name="feedback.tasks.notify_disposition",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def notify_disposition(entry_id: int) -> bool:
    return services.disposition_notify(entry_id=entry_id)
