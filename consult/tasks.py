"""Reminder jobs run by beat (CELERY_BEAT_SCHEDULE); the work is in ``consult.reminders``."""

from plenary.outbox.tasks import retrying_task

from . import reminders


@retrying_task("consult.tasks.remind_round_closing", max_retries=5)
def remind_round_closing() -> int:
    """Hourly: followers hear a week, then a day, before a round closes (once each)."""
    return reminders.round_closing_remind()


@retrying_task("consult.tasks.send_reply_digests", max_retries=5)
def send_reply_digests() -> int:
    """Daily: yesterday's replies to each participant's comments, one mail per person."""
    return reminders.reply_digest_send()
