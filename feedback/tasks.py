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


@shared_task(
    name="feedback.tasks.remind_overdue_comments",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def remind_overdue_comments() -> int:
    """Daily (beat): tell each secretariat how many comments wait past the target."""
    return services.overdue_comments_remind()


@shared_task(
    name="feedback.tasks.notify_appeal_filed",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=8,
)
def notify_appeal_filed(appeal_id: int) -> int:
    return services.appeal_notify_filed(appeal_id=appeal_id)


@shared_task(
    name="feedback.tasks.remind_appeal_deadlines",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def remind_appeal_deadlines() -> int:
    """Beat: remind each secretariat of appeals due soon or overdue (once per appeal and kind)."""
    return services.appeal_reminders_send()
