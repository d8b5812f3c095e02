from plenary.outbox.tasks import retrying_task

from . import services


@retrying_task("comments.tasks.send_receipt")
def send_receipt(comment_id: int) -> bool:
    return services.comment_receipt_send(comment_id=comment_id)
