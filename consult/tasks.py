"""Reminder jobs run by beat (CELERY_BEAT_SCHEDULE); the work is in
``consult.reminders.services``."""

from comments import permissions as comment_permissions
from consult.reminders import services as reminders
from consult.rounds import services as rounds
from feedback.outreach.services import outreach_mail_send
from plenary.outbox.tasks import MAIL_TIME_LIMITS, retrying_task


@retrying_task("consult.tasks.remind_round_closing", max_retries=5)
def remind_round_closing() -> int:
    """Hourly: followers hear a week, then a day, before a round closes (once each)."""
    return reminders.round_closing_remind()


@retrying_task("consult.tasks.send_reply_digests", max_retries=5)
def send_reply_digests() -> int:
    """Daily: yesterday's replies to each participant's comments, one mail per person."""
    return reminders.reply_digest_send(public=comment_permissions.public_q())


@retrying_task("consult.tasks.send_outreach_invitation", **MAIL_TIME_LIMITS)
def send_outreach_invitation(invitation_id: int, user_id: int) -> bool:
    """One outreach invitation to one person (feedback.outreach.services), once."""
    return outreach_mail_send(invitation_id=invitation_id, user_id=user_id)


@retrying_task("consult.tasks.rounds_tick", max_retries=5)
def rounds_tick() -> int:
    """Every minute: announce rounds that opened or closed, once each (consult.rounds.services)."""
    return rounds.rounds_announce()


@retrying_task("consult.tasks.announce_round", max_retries=5)
def announce_round(round_id: int, event: str) -> int:
    """Mail followers that a round opened or closed (outbox, one key per person)."""
    return rounds.round_announcement_send(round_id=round_id, event=event)


@retrying_task("consult.tasks.announce_round_extension", max_retries=5)
def announce_round_extension(extension_id: int) -> int:
    """Mail followers that a round was extended, with its reason (once each)."""
    return rounds.round_extension_send(extension_id=extension_id)
