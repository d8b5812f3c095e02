from celery import shared_task

from . import services


@shared_task(
    name="feedback.tasks.notify_batch",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def notify_batch(batch_id: int) -> int:
    return services.batch_notify(batch_id=batch_id)
