"""The only door for writes to the disposition ledger."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment
from consult.models import Consultation, Section
from plenary.outbox import services as outbox

from . import chain, permissions, selectors
from .models import (
    RATIONALE_REQUIRED,
    TRANSITIONS,
    Appeal,
    DispositionDraft,
    DispositionEntry,
    PublicationBatch,
    Status,
)


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
    appeal: Appeal | None = None,
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
    if appeal is not None and appeal.comment_id != comment.pk:
        raise ValidationError({"appeal": _("This appeal is about another comment.")})
    draft, _created = DispositionDraft.objects.update_or_create(
        comment=comment,
        defaults={
            "status": status,
            "rationale": rationale.strip(),
            "target_section": target_section,
            "duplicate_of": duplicate_of,
            "appeal": appeal,
            "drafted_by": actor,
        },
    )
    return draft


def _check_publishable(draft: DispositionDraft, current: DispositionEntry | None) -> None:
    """The rules a draft must meet against the comment's current published decision."""
    current_status = current.status if current else None
    if draft.status not in TRANSITIONS[current_status]:
        raise ValidationError(
            {
                "status": _("A “%(from)s” decision cannot become “%(to)s”.")
                % {"from": current_status, "to": draft.status}
            }
        )
    if current is not None:
        if not draft.rationale.strip():
            raise ValidationError(
                {"rationale": _("Say why the published decision is being revised.")}
            )
        if (
            draft.appeal_id is None
            and current.status == draft.status
            and current.rationale == draft.rationale
        ):
            raise ValidationError({"status": _("This decision is already published.")})
    _validate(
        comment=draft.comment,
        status=draft.status,
        rationale=draft.rationale,
        target_section=draft.target_section,
        duplicate_of=draft.duplicate_of,
    )


@transaction.atomic
def disposition_publish_drafts(
    *, actor, consultation: Consultation, comments: Iterable[Comment] | None = None
) -> PublicationBatch:
    """Publish drafted decisions as one batch of ledger entries.

    All the consultation's drafts, or only those on ``comments``.  Either
    every draft is published or none is (a refusal names the receipt).
    Entries get consecutive sequence numbers and are hash-chained; each
    affected commenter is then sent one digest mail for the whole batch.
    """
    permissions.require_can_decide(actor, consultation)
    # Serialise publications per consultation: sequences and the chain have no forks.
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    drafts = DispositionDraft.objects.select_for_update(of=("self",)).filter(
        comment__consultation=consultation
    )
    if comments is not None:
        drafts = drafts.filter(comment__in=list(comments))
    drafts = list(
        drafts.select_related("comment", "target_section", "duplicate_of", "appeal").order_by(
            "comment__created_at", "comment_id"
        )
    )
    if not drafts:
        raise ValidationError({"status": _("There is no drafted decision to publish.")})
    current_by_comment = {
        entry.comment_id: entry
        for entry in DispositionEntry.objects.filter(
            pk__in=selectors.latest_entry_ids(comment_ids=[d.comment_id for d in drafts])
        )
    }
    for draft in drafts:
        try:
            _check_publishable(draft, current_by_comment.get(draft.comment_id))
        except ValidationError as exc:
            raise ValidationError(
                {
                    field: [f"{draft.comment.receipt}: {message}" for message in messages]
                    for field, messages in exc.message_dict.items()
                }
            ) from exc

    now = timezone.now()
    batch = PublicationBatch.objects.create(
        consultation=consultation, published_by=actor, published_at=now
    )
    last = (
        DispositionEntry.objects.filter(consultation=consultation)
        .order_by("-sequence")
        .only("sequence", "entry_hash")
        .first()
    )
    sequence = last.sequence if last else 0
    previous_hash = last.entry_hash if last else chain.GENESIS
    entries = []
    for draft in drafts:
        sequence += 1
        entry = DispositionEntry(
            consultation=consultation,
            sequence=sequence,
            comment=draft.comment,
            status=draft.status,
            rationale=draft.rationale,
            target_section=draft.target_section,
            duplicate_of=draft.duplicate_of,
            appeal=draft.appeal,
            decided_by_id=draft.drafted_by_id,
            decided_at=draft.updated_at,
            published_at=now,
            batch=batch,
            previous_hash=previous_hash,
        )
        entry.entry_hash = chain.digest(chain.document_for(entry, previous_hash=previous_hash))
        previous_hash = entry.entry_hash
        entries.append(entry)
    DispositionEntry.objects.bulk_create(entries)
    DispositionDraft.objects.filter(pk__in=[d.pk for d in drafts]).delete()
    outbox.enqueue("feedback.tasks.notify_batch", batch_id=batch.pk)
    return batch


@transaction.atomic
def disposition_publish(*, actor, comment: Comment) -> DispositionEntry:
    """Publish one comment's drafted decision (a batch of one)."""
    batch = disposition_publish_drafts(
        actor=actor, consultation=comment.consultation, comments=[comment]
    )
    return batch.entries.get()


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
    appeal: Appeal | None = None,
) -> DispositionDraft | DispositionEntry:
    """Draft a decision, and publish it at once when ``publish`` is true."""
    draft = disposition_draft_save(
        actor=actor,
        comment=comment,
        status=status,
        rationale=rationale,
        target_section=target_section,
        duplicate_of=duplicate_of,
        appeal=appeal,
    )
    if not publish:
        return draft
    return disposition_publish(actor=actor, comment=comment)


def batch_notify(*, batch_id: int) -> int:
    """Mail each commenter affected by a publication batch once; return mails sent.

    One digest per person per batch, whatever the number of their comments
    in it; the idempotency key makes a re-run send nothing twice.
    """
    entries = list(
        DispositionEntry.objects.filter(batch_id=batch_id)
        .select_related("comment__author", "consultation", "comment__section")
        .order_by("sequence")
    )
    by_author: dict[int, list[DispositionEntry]] = {}
    for entry in entries:
        by_author.setdefault(entry.comment.author_id, []).append(entry)
    sent = 0
    for author_id, own in by_author.items():
        consultation = own[0].consultation
        decisions = [
            {
                "entry": entry,
                "comment": entry.comment,
                "link": settings.SITE_URL + reverse("receipt", args=[entry.comment.receipt]),
            }
            for entry in own
        ]
        if len(own) == 1:
            subject = _("[%(consultation)s] A decision on your comment %(receipt)s") % {
                "consultation": consultation.title[:80],
                "receipt": own[0].comment.receipt,
            }
        else:
            subject = _("[%(consultation)s] Decisions on %(n)d of your comments") % {
                "consultation": consultation.title[:80],
                "n": len(own),
            }
        sent += outbox.send_mail_once(
            key=f"batch-{batch_id}-to-{author_id}",
            to=own[0].comment.author.email,
            subject=subject,
            text=render_to_string(
                "feedback/email/digest.txt",
                {"consultation": consultation, "decisions": decisions},
            ),
        )
    return sent
