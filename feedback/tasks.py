from plenary.outbox.tasks import retrying_task

from . import services


@retrying_task("feedback.tasks.notify_batch")
def notify_batch(batch_id: int) -> int:
    return services.batch_notify(batch_id=batch_id)


@retrying_task("feedback.tasks.remind_overdue_comments", max_retries=5)
def remind_overdue_comments() -> int:
    """Daily (beat): tell each secretariat how many comments wait past the target."""
    return services.overdue_comments_remind()


@retrying_task("feedback.tasks.notify_appeal_filed")
def notify_appeal_filed(appeal_id: int) -> int:
    return services.appeal_notify_filed(appeal_id=appeal_id)


@retrying_task("feedback.tasks.remind_appeal_deadlines", max_retries=5)
def remind_appeal_deadlines() -> int:
    """Beat: remind each secretariat of appeals due soon or overdue (once per appeal and kind)."""
    return services.appeal_reminders_send()
