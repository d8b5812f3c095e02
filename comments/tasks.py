from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from comments.attachments import services as attachment_files
from comments.disputes import services as disputes
from comments.moderation import services as moderation
from comments.provenance import services as provenance
from comments.signatures import services as signatures
from comments.threads import services
from plenary.outbox.tasks import MAIL_TIME_LIMITS, retrying_task


@retrying_task("comments.tasks.send_receipt", **MAIL_TIME_LIMITS)
def send_receipt(comment_id: int) -> bool:
    return services.comment_receipt_send(comment_id=comment_id)


@retrying_task("comments.tasks.send_moderation_notice", **MAIL_TIME_LIMITS)
def send_moderation_notice(action_id: int) -> bool:
    return moderation.moderation_notice_send(action_id=action_id)


@retrying_task("comments.tasks.send_dispute_link", **MAIL_TIME_LIMITS)
def send_dispute_link(dispute_id: int) -> bool:
    return disputes.dispute_link_send(dispute_id=dispute_id)


# The time check between pages stops reading at PLENARY_EXTRACT_MAX_SECONDS; the
# soft limit catches one page slower than that (recorded as failed), the hard
# limit a worker stuck in C code (killed; the next attempt records it).
EXTRACT_SOFT_LIMIT = settings.PLENARY_EXTRACT_MAX_SECONDS + 15
EXTRACT_HARD_LIMIT = EXTRACT_SOFT_LIMIT + 30


@retrying_task(
    "comments.tasks.extract_attachment_text",
    soft_time_limit=EXTRACT_SOFT_LIMIT,
    time_limit=EXTRACT_HARD_LIMIT,
)
def extract_attachment_text(attachment_id: int) -> str:
    try:
        return attachment_files.attachment_text_extract(attachment_id=attachment_id)
    except SoftTimeLimitExceeded:
        attachment_files.attachment_extraction_timed_out(attachment_id=attachment_id)
        return "failed"


@retrying_task("comments.tasks.prune_submission_networks")
def prune_submission_networks() -> int:
    """Daily (beat): network hashes past ``PLENARY_NETWORK_RETENTION_DAYS`` are deleted."""
    return provenance.submission_networks_prune()


@retrying_task("comments.tasks.send_signature_confirmation", **MAIL_TIME_LIMITS)
def send_signature_confirmation(signature_id: int, token: str) -> bool:
    return signatures.signature_confirmation_send(signature_id=signature_id, token=token)


@retrying_task("comments.tasks.send_signature_conversion", **MAIL_TIME_LIMITS)
def send_signature_conversion(signature_id: int) -> bool:
    return signatures.signature_conversion_notice_send(signature_id=signature_id)
