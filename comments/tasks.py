from celery import shared_task

from . import services


@shared_task(
    name="comments.tasks.send_receipt",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def send_receipt(comment_id: int) -> bool:
    return services.comment_receipt_send(comment_id=comment_id)
