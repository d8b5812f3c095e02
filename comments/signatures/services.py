"""Co-signatures (issue 25, part 25a): sign and withdraw, organisations' signature
links, signatories confirming by mail.

A co-signature is not a comment: no text, no code of conduct, no receipt of its
own.  Who may do what is ``comments.permissions`` (``require_can_sign``,
``require_can_withdraw_signature``, ``require_can_collect_signatures``); the
counts are ``comments.signatures.selectors``.  Only a confirmed, not withdrawn
signature counts.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comments import permissions
from comments.models import Comment, Signature, SignatureLink
from consult.translations.languages import mail_language
from plenary import ratelimit
from plenary.outbox import services as outbox
from stakeholders.models import Participant, StakeholderGroup

CONFIRMATION_TASK = "comments.tasks.send_signature_confirmation"
# A signatory confirms within this time (then the token expires and they sign again);
# a signature link lives this long unless its round closes first.
CONFIRMATION_DAYS = 7
LINK_DAYS = 30
NAME_MAX_CHARS = 200


def _token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits; 43 characters


# --- signing on one's own account -------------------------------------------------


def signature_sign(*, actor, comment: Comment) -> tuple[Signature, bool]:
    """Co-sign ``comment`` as ``actor``; ``(signature, created)``: signing again is
    harmless and answers the signature already there."""
    permissions.require_can_sign(actor, comment)
    existing = Signature.objects.filter(
        comment=comment, user=actor, withdrawn_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    participant = Participant.objects.filter(user=actor).only("group_id").first()
    try:
        with transaction.atomic():  # a double submit races to the partial unique constraint
            signature = Signature.objects.create(
                comment=comment,
                user=actor,
                group_id=participant.group_id if participant else None,
                source=Signature.Source.DIRECT,
                confirmed_at=timezone.now(),
            )
    except IntegrityError:
        return Signature.objects.get(comment=comment, user=actor, withdrawn_at__isnull=True), False
    return signature, True


def signature_withdraw(*, actor, comment: Comment) -> bool:
    """Withdraw ``actor``'s co-signature of ``comment`` (until its round closes); True
    if there was one.  The row stays, marked withdrawn: it no longer counts."""
    permissions.require_can_withdraw_signature(actor, comment)
    withdrawn = Signature.objects.filter(
        comment=comment, user=actor, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())
    return bool(withdrawn)


# --- organisations collecting signatories -----------------------------------------


@transaction.atomic
def signature_link_open(*, actor, comment: Comment) -> SignatureLink:
    """Open a signature link for a submission made on behalf of ``actor``'s verified
    organisation.  Anyone holding the link may give a name and an address; each
    confirms by mail."""
    permissions.require_can_collect_signatures(actor, comment)
    organisation = comment.on_behalf_of
    if organisation is None:  # refused above already; for the type checker
        raise PermissionDenied(_("This submission was not made on behalf of an organisation."))
    now = timezone.now()
    return SignatureLink.objects.create(
        comment=comment,
        organisation=organisation,
        opened_by=actor,
        token=_token(),
        created_at=now,
        expires_at=min(now + timedelta(days=LINK_DAYS), comment.round.closes_at),
    )


@transaction.atomic
def signature_link_close(*, actor, link: SignatureLink) -> None:
    permissions.require_can_collect_signatures(actor, link.comment)
    if link.closed_at is None:
        link.closed_at = timezone.now()
        link.save(update_fields=["closed_at"])


def link_is_open(link: SignatureLink) -> bool:
    return link.closed_at is None and link.expires_at > timezone.now()


def _clean_signatory(*, name: str, email: str, group_id) -> tuple[str, str, int | None]:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the name you sign with.")
    elif len(name) > NAME_MAX_CHARS:
        errors["name"] = _("A name can be at most %(n)d characters long.") % {"n": NAME_MAX_CHARS}
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Give an email address: the confirmation goes there.")
    if group_id not in (None, "") and not StakeholderGroup.objects.filter(pk=group_id).exists():
        errors["group"] = _("Choose a stakeholder group from the list, or none.")
    if errors:
        raise ValidationError(errors)
    return name, email, int(group_id) if group_id not in (None, "") else None


@transaction.atomic
def signature_collect(
    *,
    comment: Comment,
    name: str,
    email: str,
    group_id: int | None = None,
    actor=None,
    link: SignatureLink | None = None,
    rate_key: ratelimit.RateKey | None = None,
) -> Signature | None:
    """Record an unconfirmed signatory and mail them the confirmation link.

    Either through an open ``link`` (the public form: anyone) or by ``actor``, the
    organisation's verified staff (the API).  The answer does not tell whether
    the address had signed already (no enumeration): an address with a pending
    signature gets a fresh link, one already counted gets nothing; both return
    None.
    """
    if rate_key is not None:
        # The public form per address; the organisation's staff (the API) per account.
        ratelimit.count_attempt("signature" if link is not None else "signature_staff", rate_key)
    if link is not None:
        if not link_is_open(link) or link.comment_id != comment.pk:
            raise ValidationError({"link": _("This signature link is closed or has expired.")})
        refusal = permissions.signable_refusal(comment)
        if refusal is not None:
            raise refusal
    elif actor is not None:
        permissions.require_can_collect_signatures(actor, comment)
    else:
        raise PermissionDenied(_("Signatories are collected through a signature link."))
    name, email, group_id = _clean_signatory(name=name, email=email, group_id=group_id)
    existing = (
        Signature.objects.select_for_update()
        .filter(comment=comment, email=email, withdrawn_at__isnull=True)
        .first()
    )
    if existing is not None:
        if existing.confirmed_at is not None:
            return None
        existing.token, existing.created_at, existing.name = _token(), timezone.now(), name
        existing.group_id = group_id
        existing.save(update_fields=["token", "created_at", "name", "group"])
        outbox.enqueue(CONFIRMATION_TASK, signature_id=existing.pk, token=existing.token)
        return None
    signature = Signature.objects.create(
        comment=comment,
        name=name,
        email=email,
        group_id=group_id,
        source=Signature.Source.LINK,
        link=link,
        token=_token(),
    )
    outbox.enqueue(CONFIRMATION_TASK, signature_id=signature.pk, token=signature.token)
    return signature


def signature_confirmation_send(*, signature_id: int, token: str) -> bool:
    """Mail a signatory the link that confirms their signature; True if sent.  Keyed by
    the token, so a retry sends nothing and a fresh request sends a fresh mail."""
    signature = (
        Signature.objects.select_related("comment__consultation", "comment__on_behalf_of")
        .filter(pk=signature_id, token=token, confirmed_at__isnull=True)
        .first()
    )
    if signature is None or not signature.email:
        return False  # confirmed, withdrawn or replaced meanwhile
    comment = signature.comment
    with translation.override(mail_language(comment.language)):
        subject = _("[%(consultation)s] Confirm your signature of %(receipt)s") % {
            "consultation": comment.consultation.title[:80],
            "receipt": comment.receipt,
        }
        text = render_to_string(
            "comments/email/signature_confirm.txt",
            {
                "signature": signature,
                "comment": comment,
                "days": CONFIRMATION_DAYS,
                "link": settings.SITE_URL + reverse("signature_confirm", args=[token]),
                "receipt_link": settings.SITE_URL + reverse("receipt", args=[comment.receipt]),
            },
        )
    return outbox.send_mail_once(
        key=f"signature-confirm-{signature.pk}-{token[:16]}",
        to=signature.email,
        subject=subject,
        text=text,
    )


def signature_pending(*, token: str) -> Signature | None:
    """The unconfirmed signature a confirmation link names, while it is valid."""
    if not token:
        return None
    signature = (
        Signature.objects.select_related("comment__round", "comment__consultation")
        .filter(token=token, confirmed_at__isnull=True, withdrawn_at__isnull=True)
        .first()
    )
    if signature is None or signature.created_at + timedelta(days=CONFIRMATION_DAYS) < (
        timezone.now()
    ):
        return None
    return signature


@transaction.atomic
def signature_confirm(*, token: str) -> Signature:
    """Confirm the signature a mailed link names: it counts from now.  The token is
    single use (cleared) and expires after ``CONFIRMATION_DAYS``."""
    signature = signature_pending(token=token)
    if signature is None:
        raise ValidationError(
            {"token": _("This confirmation link is not valid: it was used or it expired.")}
        )
    refusal = permissions.signable_refusal(signature.comment)
    if refusal is not None:
        raise refusal
    locked = Signature.objects.select_for_update().get(pk=signature.pk)
    if locked.confirmed_at is not None or locked.token != token:
        raise ValidationError(
            {"token": _("This confirmation link is not valid: it was used or it expired.")}
        )
    locked.confirmed_at = timezone.now()
    locked.token = ""
    locked.save(update_fields=["confirmed_at", "token"])
    return locked


# --- campaign copies turned into co-signatures ---------------------------------------

CONVERSION_TASK = "comments.tasks.send_signature_conversion"


def signatures_from_copies(
    *, representative: Comment, copies: list[Comment]
) -> tuple[list[Signature], list[tuple[str, str]]]:
    """Turn campaign ``copies`` into co-signatures of their ``representative``: not a
    door (``feedback.clusters.services.cluster_to_signatures`` checks the rule and
    calls this in its transaction).  Each copy keeps its receipt, its text and its
    ledger entries; its author (a signed-in one) is mailed.  Returns the signatures
    made and the copies left alone with why: ``(receipt, reason)``."""
    now = timezone.now()
    already = set(
        Signature.objects.filter(
            comment=representative, user__isnull=False, withdrawn_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    converted = set(
        Signature.objects.filter(converted_from__in=copies).values_list(
            "converted_from_id", flat=True
        )
    )
    groups = dict(
        Participant.objects.filter(user__in=[c.author_id for c in copies]).values_list(
            "user_id", "group_id"
        )
    )
    made, skipped = [], []
    for copy in copies:
        if copy.pk in converted:
            skipped.append((copy.receipt, _("already a co-signature")))
        elif copy.withdrawn_at is not None or not permissions.is_public(copy):
            skipped.append((copy.receipt, _("not public: its author did not publish it")))
        elif copy.entered_by_id is None and copy.author_id == representative.author_id:
            skipped.append((copy.receipt, _("by the representative's own author")))
        elif copy.entered_by_id is None and copy.author_id in already:
            skipped.append((copy.receipt, _("its author already co-signs the representative")))
        else:
            staff_entered = copy.entered_by_id is not None  # a letter: the sender has no account
            signature = Signature.objects.create(
                comment=representative,
                user=None if staff_entered else copy.author,
                name=copy.submitter_name if staff_entered else "",
                group_id=None if staff_entered else groups.get(copy.author_id),
                source=Signature.Source.CAMPAIGN,
                converted_from=copy,
                created_at=now,
                confirmed_at=now,
            )
            if not staff_entered:
                already.add(copy.author_id)
                outbox.enqueue(CONVERSION_TASK, signature_id=signature.pk)
            made.append(signature)
    return made, skipped


def signature_conversion_notice_send(*, signature_id: int) -> bool:
    """Tell a campaign copy's author it now counts as a co-signature (and keeps its receipt)."""
    signature = (
        Signature.objects.select_related("comment__consultation", "converted_from", "user")
        .filter(pk=signature_id, converted_from__isnull=False, user__isnull=False)
        .first()
    )
    if signature is None or signature.user is None or signature.converted_from is None:
        return False  # the filter asked for both: for the type checker
    user, copy, representative = signature.user, signature.converted_from, signature.comment
    if not user.email or user.erased_at is not None:
        return False
    with translation.override(mail_language(copy.language)):
        subject = _("[%(consultation)s] Your submission %(copy)s now co-signs %(receipt)s") % {
            "consultation": representative.consultation.title[:80],
            "copy": copy.receipt,
            "receipt": representative.receipt,
        }
        text = render_to_string(
            "comments/email/signature_conversion.txt",
            {
                "copy": copy,
                "representative": representative,
                "copy_link": settings.SITE_URL + reverse("receipt", args=[copy.receipt]),
                "link": settings.SITE_URL + reverse("receipt", args=[representative.receipt]),
            },
        )
    return outbox.send_mail_once(
        key=f"signature-conversion-{signature.pk}",
        to=user.email,
        subject=subject,
        text=text,
    )


def signatures_forget(*, user, email: str) -> None:
    """Erasure (``feedback.privacy.services.account_erase``, in its transaction): the
    person's co-signatures stay and still count, anonymously (name and address
    leave; the account itself is anonymised by the caller).  Signatures collected
    under their address but never confirmed never counted: they go."""
    if email:
        Signature.objects.filter(email__iexact=email, confirmed_at__isnull=True).delete()
    mine = Q(user=user) | Q(email__iexact=email) if email else Q(user=user)
    Signature.objects.filter(mine).update(email="", name="", token="")
