"""Moderation: flags, the moderation queue, hide/restore/dismiss/approve, pre-moderation, blocks.

A big app splits its services by topic: this module is the only door for
moderation writes (its reads are ``comments.moderation.selectors``), beside
``comments/threads/services.py`` for writing comments.  Every service follows the
house shape: permission check → validation → write → audit → enqueue.

The rules, in one place:

* **Flag** (``flag_create``): any signed-in participant with a profile who
  may read the comment's text, except its author (an author who regrets a
  comment edits or withdraws it; a self-report would only add noise to the
  queue), and except a blocked participant.  One open flag per person and
  comment.  A hidden or withdrawn comment cannot be flagged.
* **Moderate** (``comment_moderate`` and its four names): holders of
  ``moderate_consultation`` (moderators and the secretariat).  Every action
  needs a reason, follows ``TRANSITIONS``, writes one append-only
  ``ModerationAction``, resolves the comment's open flags with it, writes an
  audit event and mails the author (``moderation_notice_send``, keyed per
  action).
* **Pre-moderation** (``initial_state``): with ``premoderate_first = N``, a
  participant's comments are created ``PENDING`` until a moderator has
  approved N of them in that consultation.  Counting approvals, not earlier
  comments, means a spammer cannot post N throw-away comments and then write
  freely.  The consultation's moderators are never held.
* **Block** (``participant_block``/``_unblock``): a blocked participant may
  not comment, reply, edit or flag in that consultation
  (``comments.permissions.require_can_comment`` calls ``require_not_blocked``, which
  lives there with the other rules of taking part).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comments import permissions
from comments.models import Comment, ConsultationBlock, Flag, ModerationAction
from comments.participation.services import participation_public_changed
from comments.permissions import (
    can_moderate,
    require_can_moderate,
    require_not_blocked,
)
from consult import permissions as consult_permissions
from consult.models import Consultation
from plenary import readcache
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.outbox import services as outbox
from plenary.pagecache import pages_changed

REASON_MAX_CHARS = 2000
NOTE_MAX_CHARS = 2000

Action = ModerationAction.Action
Moderation = Comment.Moderation

# action -> the moderation states it may start from, and the state it leaves.
# None as the target: the comment's state does not change (dismissing flags).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    Action.HIDE: (frozenset({Moderation.VISIBLE, Moderation.PENDING}), Moderation.HIDDEN),
    Action.RESTORE: (frozenset({Moderation.HIDDEN}), Moderation.VISIBLE),
    Action.APPROVE: (frozenset({Moderation.PENDING}), Moderation.VISIBLE),
    Action.DISMISS: (frozenset(Moderation.values), None),
}
COMMENT_ACTIONS = tuple(TRANSITIONS)
BLOCK_ACTIONS = (Action.BLOCK, Action.UNBLOCK)


# --- pre-moderation --------------------------------------------------------------


def initial_state(*, actor, consultation: Consultation) -> str:
    """The moderation state of a comment ``actor`` is about to post (for comment_create).

    No query unless the consultation pre-moderates; then one for the
    approvals and the moderator check.
    """
    limit = consultation.premoderate_first
    if not limit:
        return Moderation.VISIBLE
    approved = ModerationAction.objects.filter(
        consultation=consultation, action=Action.APPROVE, comment__author=actor
    ).count()
    if approved >= limit or can_moderate(actor, consultation):
        return Moderation.VISIBLE
    return Moderation.PENDING


# --- flags -----------------------------------------------------------------------


def _reason(value: str, *, field: str = "reason") -> str:
    reason = (value or "").strip()
    if not reason:
        raise ValidationError({field: _("Give a reason: the author and the record need one.")})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {field: _("A reason can be at most %(n)d characters long.") % {"n": REASON_MAX_CHARS}}
        )
    if "\x00" in reason:
        raise ValidationError({field: _("The text contains a NUL character.")})
    return reason


@transaction.atomic
def flag_create(*, actor, comment: Comment, reason: str, note: str = "") -> Flag:
    """Report ``comment`` to the moderators; one open flag per person and comment."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in to report a comment."))
    if not permissions.has_profile(actor):
        raise PermissionDenied(_("Complete your profile (display name, group, country) first."))
    if not permissions.can_view_receipt(actor, comment) or not permissions.can_see_text(
        actor, comment
    ):
        raise PermissionDenied(_("You cannot report a comment you cannot read."))
    if comment.author_id == actor.pk:
        raise PermissionDenied(
            _("You cannot report your own comment. You can edit or withdraw it instead.")
        )
    require_not_blocked(actor, comment.consultation)
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    note = note or ""
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError(
            {"note": _("Details can be at most %(n)d characters long.") % {"n": NOTE_MAX_CHARS}}
        )
    if "\x00" in note:
        raise ValidationError({"note": _("The text contains a NUL character.")})
    if comment.moderation == Moderation.HIDDEN:
        raise ValidationError({"comment": _("A moderator has already hidden this comment.")})
    if comment.withdrawn_at is not None:
        raise ValidationError({"comment": _("Its author has withdrawn this comment.")})
    already = _("You have already reported this comment. A moderator will look at it.")
    if Flag.objects.filter(comment=comment, flagged_by=actor, resolved_at__isnull=True).exists():
        raise ValidationError({"comment": already})
    try:
        with transaction.atomic():  # a double submit races to the partial unique constraint
            return Flag.objects.create(
                comment=comment, flagged_by=actor, reason=reason, note=note.strip()
            )
    except IntegrityError:
        raise ValidationError({"comment": already}) from None


# --- actions on a comment ----------------------------------------------------------


@transaction.atomic
def comment_moderate(*, actor, comment: Comment, action: str, reason: str) -> ModerationAction:
    """Hide, restore, approve a comment or dismiss its flags, with a reason.

    One ``ModerationAction`` (append-only), the comment's open flags resolved
    by it, ``Comment.moderation``/``moderation_reason`` updated, one audit
    event, and a mail to the author after commit.
    """
    require_can_moderate(actor, comment.consultation)
    if action not in TRANSITIONS:
        raise ValidationError({"action": _("Choose hide, restore, dismiss or approve.")})
    reason = _reason(reason)
    # Lock the row: two moderators acting at once take turns, the second sees the first's state.
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    sources, target = TRANSITIONS[action]
    if locked.moderation not in sources:
        raise ValidationError({"action": _refusal(action)})
    open_flags = Flag.objects.filter(comment=locked, resolved_at__isnull=True)
    if action == Action.DISMISS and not open_flags.exists():
        raise ValidationError({"action": _("This comment has no open reports to dismiss.")})
    now = timezone.now()
    record = ModerationAction.objects.create(
        consultation_id=locked.consultation_id,
        action=action,
        comment=locked,
        reason=reason,
        actor=actor,
        created_at=now,
    )
    resolved = open_flags.update(resolved_at=now, resolved_by_action=record)
    if target is not None:
        was_public = permissions.is_public(locked)
        locked.moderation = target
        locked.moderation_reason = reason if target == Moderation.HIDDEN else ""
        locked.save(update_fields=["moderation", "moderation_reason", "updated_at"])
        participation_public_changed(comment=locked, was_public=was_public)
        comment.moderation, comment.moderation_reason = locked.moderation, locked.moderation_reason
        pages_changed()  # anonymous readers' stored pages (plenary/pagecache.py)
    audit_record(
        event=Event.MODERATION_ACTION,
        actor=actor,
        consultation=locked.consultation_id,
        target=locked.receipt,
        action=action,
        reason=reason,
        flags_resolved=resolved,
    )
    outbox.enqueue("comments.tasks.send_moderation_notice", action_id=record.pk)
    return record


def _refusal(action: str) -> str:
    if action == Action.HIDE:
        return _("This comment is already hidden.")
    if action == Action.RESTORE:
        return _("Only a hidden comment can be restored.")
    return _("Only a comment awaiting moderation can be approved.")


def comment_hide(*, actor, comment: Comment, reason: str) -> ModerationAction:
    """Hide the comment; ``reason`` is public (the thread shows it in a placeholder)."""
    return comment_moderate(actor=actor, comment=comment, action=Action.HIDE, reason=reason)


def comment_restore(*, actor, comment: Comment, reason: str) -> ModerationAction:
    return comment_moderate(actor=actor, comment=comment, action=Action.RESTORE, reason=reason)


def comment_approve(*, actor, comment: Comment, reason: str) -> ModerationAction:
    return comment_moderate(actor=actor, comment=comment, action=Action.APPROVE, reason=reason)


def comment_flags_dismiss(*, actor, comment: Comment, reason: str) -> ModerationAction:
    return comment_moderate(actor=actor, comment=comment, action=Action.DISMISS, reason=reason)


# --- blocks ----------------------------------------------------------------------


@transaction.atomic
def participant_block(
    *, actor, consultation: Consultation, user, reason: str, comment: Comment | None = None
) -> ModerationAction:
    """Bar ``user`` from commenting, replying, editing and flagging in ``consultation``.

    ``comment``, when given, is the comment that led to the block (kept on
    the action for the record).  The consultation's team cannot be blocked.
    """
    require_can_moderate(actor, consultation)
    reason = _reason(reason)
    if comment is not None and comment.consultation_id != consultation.pk:
        raise ValidationError({"comment": _("This comment belongs to another consultation.")})
    if user.pk == actor.pk or consult_permissions.is_staff_of(user, consultation):
        raise ValidationError(
            {"user": _("A member of this consultation's team cannot be blocked.")}
        )
    if ConsultationBlock.objects.filter(
        consultation=consultation, user=user, lifted_at__isnull=True
    ).exists():
        raise ValidationError({"user": _("This participant is already blocked here.")})
    now = timezone.now()
    try:
        with transaction.atomic():
            ConsultationBlock.objects.create(
                consultation=consultation,
                user=user,
                reason=reason,
                blocked_by=actor,
                created_at=now,
            )
    except IntegrityError:
        raise ValidationError({"user": _("This participant is already blocked here.")}) from None
    return _record_block_action(
        actor=actor,
        consultation=consultation,
        user=user,
        action=Action.BLOCK,
        reason=reason,
        comment=comment,
        now=now,
    )


@transaction.atomic
def participant_unblock(
    *, actor, consultation: Consultation, block: ConsultationBlock, reason: str
) -> ModerationAction:
    require_can_moderate(actor, consultation)
    reason = _reason(reason)
    now = timezone.now()
    lifted = ConsultationBlock.objects.filter(
        pk=block.pk, consultation=consultation, lifted_at__isnull=True
    ).update(lifted_at=now)
    if not lifted:
        raise ValidationError({"block": _("This participant is not blocked any more.")})
    # update() sends no post_save: the kept standing (plenary/readcache.py) is dropped here.
    readcache.forget(readcache.standing_scope(block.user_id))
    return _record_block_action(
        actor=actor,
        consultation=consultation,
        user=block.user,
        action=Action.UNBLOCK,
        reason=reason,
        comment=None,
        now=now,
    )


def _record_block_action(
    *, actor, consultation, user, action, reason, comment, now
) -> ModerationAction:
    record = ModerationAction.objects.create(
        consultation=consultation,
        action=action,
        comment=comment,
        subject=user,
        reason=reason,
        actor=actor,
        created_at=now,
    )
    audit_record(
        event=Event.MODERATION_ACTION,
        actor=actor,
        consultation=consultation,
        target=user.email,
        action=action,
        reason=reason,
    )
    outbox.enqueue("comments.tasks.send_moderation_notice", action_id=record.pk)
    return record


# --- mail ------------------------------------------------------------------------


def moderation_notice_send(*, action_id: int) -> bool:
    """Tell the author (or the blocked participant) what a moderator did and why.

    Idempotent: keyed ``moderation-<action id>``, so a retried task sends nothing twice.
    """
    record = ModerationAction.objects.select_related(
        "consultation", "comment__author", "subject"
    ).get(pk=action_id)
    person = record.subject if record.action in BLOCK_ACTIONS else None
    if person is None and record.comment is not None:
        person = record.comment.author
    if person is None or not person.email:
        return False
    subjects: dict[str, str] = {
        Action.HIDE: _("[%(c)s] A moderator hid your comment %(r)s"),
        Action.RESTORE: _("[%(c)s] Your comment %(r)s is shown again"),
        Action.DISMISS: _("[%(c)s] Reports about your comment %(r)s were dismissed"),
        Action.APPROVE: _("[%(c)s] Your comment %(r)s was approved and is now shown"),
        Action.BLOCK: _("[%(c)s] You have been blocked from this consultation"),
        Action.UNBLOCK: _("[%(c)s] You can take part in this consultation again"),
    }
    receipt = record.comment.receipt if record.comment else ""
    subject = subjects[record.action] % {"c": record.consultation.title[:80], "r": receipt}
    link = settings.SITE_URL + (
        reverse("receipt", args=[receipt])
        if receipt
        else reverse("consultation", args=[record.consultation.slug])
    )
    return outbox.send_mail_once(
        key=f"moderation-{record.pk}",
        to=person.email,
        subject=subject,
        text=render_to_string(
            f"comments/email/moderation_{record.action}.txt",
            {
                "action": record,
                "consultation": record.consultation,
                "comment": record.comment,
                "link": link,
                "code_of_conduct": settings.SITE_URL
                + reverse("consultation", args=[record.consultation.slug])
                + "#code-of-conduct",
            },
        ),
    )
