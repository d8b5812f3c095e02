"""The only door for writes to the disposition ledger."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult.models import Consultation, Section
from plenary.outbox import services as outbox

from . import permissions
from .models import RATIONALE_REQUIRED, TRANSITIONS, DispositionDraft, DispositionEntry, Status
from .selectors import current_disposition


def _validate(
    *,
    comment: Comment,
    status: str,
    rationale: str,
    target_section: Section | None,
    duplicate_of: Comment | None,
) -> None:
    errors: dict[str, str] = {}
    if status not in Status.values:
        errors["status"] = _("Unknown status “%(status)s”; use one of: %(choices)s.") % {
            "status": status,
            "choices": ", ".join(Status.values),
        }
    elif status in RATIONALE_REQUIRED and not rationale.strip():
        errors["rationale"] = _(
            "A “%(status)s” decision needs a rationale the commenter can read."
        ) % {"status": Status(status).label}
    if status == Status.DUPLICATE:
        if duplicate_of is None:
            errors["duplicate_of"] = _("Say which comment this one duplicates.")
        elif duplicate_of.pk == comment.pk:
            errors["duplicate_of"] = _("A comment cannot duplicate itself.")
        elif duplicate_of.consultation_id != comment.consultation_id:
            errors["duplicate_of"] = _("The duplicated comment must be in the same consultation.")
    elif duplicate_of is not None:
        errors["duplicate_of"] = _("Only a “duplicate” decision names a duplicated comment.")
    if (
        target_section is not None
        and target_section.version.consultation_id != comment.consultation_id
    ):
        errors["target_section"] = _("The changed section must belong to this consultation.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def disposition_draft_save(
    *,
    actor,
    comment: Comment,
    status: str,
    rationale: str = "",
    target_section: Section | None = None,
    duplicate_of: Comment | None = None,
) -> DispositionDraft:
    """Save (or replace) the secretariat's unpublished decision on a comment."""
    permissions.require_can_decide(actor, comment.consultation)
    _validate(
        comment=comment,
        status=status,
        rationale=rationale,
        target_section=target_section,
        duplicate_of=duplicate_of,
    )
    draft, _created = DispositionDraft.objects.update_or_create(
        comment=comment,
        defaults={
            "status": status,
            "rationale": rationale.strip(),
            "target_section": target_section,
            "duplicate_of": duplicate_of,
            "drafted_by": actor,
        },
    )
    return draft


@transaction.atomic
def disposition_publish(*, actor, comment: Comment) -> DispositionEntry:
    """Publish the comment's draft decision as a new ledger entry and notify the commenter."""
    permissions.require_can_decide(actor, comment.consultation)
    draft = DispositionDraft.objects.select_for_update().filter(comment=comment).first()
    if draft is None:
        raise ValidationError({"status": _("There is no drafted decision to publish.")})
    current = current_disposition(comment=comment)
    current_status = current.status if current else None
    if draft.status not in TRANSITIONS[current_status]:
        raise ValidationError(
            {
                "status": _("A “%(from)s” decision cannot become “%(to)s”.")
                % {"from": current_status, "to": draft.status}
            }
        )
    if current and current.status == draft.status and current.rationale == draft.rationale:
        raise ValidationError({"status": _("This decision is already published.")})
    _validate(
        comment=comment,
        status=draft.status,
        rationale=draft.rationale,
        target_section=draft.target_section,
        duplicate_of=draft.duplicate_of,
    )
    # Serialise publications per consultation so sequences have no gaps or twins.
    Consultation.objects.select_for_update().filter(pk=comment.consultation_id).first()
    last = DispositionEntry.objects.filter(consultation_id=comment.consultation_id).aggregate(
        n=Max("sequence")
    )["n"]
    entry = DispositionEntry(
        consultation_id=comment.consultation_id,
        sequence=(last or 0) + 1,
        comment=comment,
        status=draft.status,
        rationale=draft.rationale,
        target_section=draft.target_section,
        duplicate_of=draft.duplicate_of,
        decided_by=draft.drafted_by,
        decided_at=draft.updated_at,
        published_at=timezone.now(),
    )
    entry.save()
    draft.delete()
    outbox.enqueue("feedback.tasks.notify_disposition", entry_id=entry.pk)
    return entry


@transaction.atomic
def disposition_record(
    *,
    actor,
    comment: Comment,
    status: str,
    rationale: str = "",
    publish: bool = False,
    target_section: Section | None = None,
    duplicate_of: Comment | None = None,
) -> DispositionDraft | DispositionEntry:
    """Draft a decision, and publish it at once when ``publish`` is true."""
    draft = disposition_draft_save(
        actor=actor,
        comment=comment,
        status=status,
        rationale=rationale,
        target_section=target_section,
        duplicate_of=duplicate_of,
    )
    if not publish:
        return draft
    return disposition_publish(actor=actor, comment=comment)


def disposition_notify(*, entry_id: int) -> bool:
    """Mail the commenter that a decision on their comment was published (once per entry)."""
    entry = (
        DispositionEntry.objects.select_related(
            "comment__author", "comment__consultation", "comment__section"
        )
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        return False
    comment = entry.comment
    link = settings.SITE_URL + reverse("receipt", args=[comment.receipt])
    context = {"entry": entry, "comment": comment, "link": link}
    subject = _("[%(consultation)s] A decision on your comment %(receipt)s") % {
        "consultation": comment.consultation.title[:80],
        "receipt": comment.receipt,
    }
    return outbox.send_mail_once(
        key=f"disposition-{entry.pk}",
        to=comment.author.email,
        subject=subject,
        text=render_to_string("feedback/email/disposition.txt", context),
    )
