from comments.moderation import services as moderation
from comments.threads import services
from plenary.outbox.tasks import retrying_task


@retrying_task("comments.tasks.send_receipt")
def send_receipt(comment_id: int) -> bool:
    return services.comment_receipt_send(comment_id=comment_id)


@retrying_task("comments.tasks.send_moderation_notice")
def send_moderation_notice(action_id: int) -> bool:
    return moderation.moderation_notice_send(action_id=action_id)
