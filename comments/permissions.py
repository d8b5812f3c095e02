"""Who may comment and who may see what: the one rule for a comment's text, author,
files and history (``public_q``, ``readable_q``, ``listed_q``, ``can_see_text``,
``comment_access``) and the rules of commenting and moderating.  Services call
``require_*``."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Exists, Q, QuerySet, Subquery, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comments.models import Attachment, Comment, ConsultationBlock, Dispute
from consult import permissions as consult_permissions
from consult.charter import selectors as charter
from consult.models import Consultation
from consult.reminders.selectors import comments_by
from plenary import readcache
from stakeholders.registry.selectors import organisations_for_behalf


def has_profile(user) -> bool:
    return bool(user.is_authenticated and hasattr(user, "participant"))


def verified_addresses(user) -> QuerySet[EmailAddress]:
    """The confirmed record of the address ``user`` signs in with (allauth's
    EmailAddress); none for an account without an address."""
    if not user.email:
        return EmailAddress.objects.none()
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True)


def has_verified_email(user) -> bool:
    """Whether the address the account signs in with (and gets receipts at) is
    confirmed (allauth's EmailAddress.verified).  One query, none without an address."""
    if not user.is_authenticated:
        return False
    return verified_addresses(user).exists()


def needs_email_verification(user) -> bool:
    """Signed in, but the address is not confirmed yet: pages say so instead of a form."""
    return bool(user.is_authenticated and not has_verified_email(user))


@dataclass(frozen=True)
class Standing:
    """What the rules of commenting ask about a signed-in person in one consultation.

    Each field is the answer of the module that owns the rule, read together:
    ``verified_email`` (:func:`has_verified_email`), ``block_reason``
    (:func:`active_block`; None when not blocked),
    ``charter_accepted`` (``consult.charter.selectors.charter_accepted``) and
    ``commented_before`` (``consult.reminders.services.follow_after_comment``: the first
    comment makes its author follow the consultation).
    """

    verified_email: bool
    block_reason: str | None
    charter_accepted: bool
    commented_before: bool


def _standing_query(user_id: int, email: str, consultation_id: int) -> QuerySet:
    """The :class:`Standing` of user ``user_id`` (signing in with ``email``) in
    consultation ``consultation_id``, as one ``values()`` row.

    Every part is the owning module's own queryset, so a rule changes in one place.
    """
    user = get_user_model()(pk=user_id, email=email)
    consultation = Consultation(pk=consultation_id)
    return (
        get_user_model()
        .objects.filter(pk=user_id)
        .values(
            verified_email=Exists(verified_addresses(user)),
            block_reason=Subquery(
                active_blocks(user=user, consultation=consultation).values("reason")[:1]
            ),
            charter_accepted=Exists(charter.acceptances(user=user, consultation=consultation)),
            commented_before=Exists(
                comments_by(author_id=user_id, consultation_id=consultation_id)
            ),
        )
    )


def _read_standing(user, consultation: Consultation) -> dict:
    (row,) = _standing_query(user.pk, user.email, consultation.pk)
    return row


def standing_of(user, consultation: Consultation) -> Standing:
    """Read the :class:`Standing` of a signed-in ``user`` in one query, not four.

    Kept in the read cache (plenary/readcache.py) under the person's
    ``standing`` generation once they have commented here (``commented_before``
    never turns false again; before that the first comment must see it
    change).  Bumped by every save or delete of the account, its addresses,
    its blocks and its code-of-conduct acceptances (``comments.signals``,
    ``stakeholders.signals``), and by ``moderation.participant_unblock``, which
    writes with ``update()``.
    """
    row = readcache.read_through(
        readcache.standing_scope(user.pk),
        lambda: _read_standing(user, consultation),
        part=str(consultation.pk),
        keep=lambda row: row["commented_before"],
    )
    return Standing(**row)


def require_can_comment(user, consultation: Consultation) -> Standing:
    """Refuse (PermissionDenied, with what to do) anyone who may not comment here.

    Returns the :class:`Standing` it read, so ``comment_create`` asks nothing twice.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to comment."))
    if not has_profile(user):
        raise PermissionDenied(_("Complete your profile (display name, group, country) first."))
    standing = standing_of(user, consultation)
    if not standing.verified_email:
        raise PermissionDenied(
            _(
                "Confirm your email address before commenting: follow the link in the mail "
                "we sent you, or ask for a new one on your account's email page."
            )
        )
    consult_permissions.require_can_view(user, consultation)
    require_not_blocked(user, consultation, reason=standing.block_reason)
    return standing


# --- who may read a comment: the one rule -------------------------------------------
#
# A comment's text, its author, its files and its history are read by the same people:
# everyone while it is public (public visibility, visible, not withdrawn); otherwise its
# author and the consultation's team (any role: consult.permissions.is_staff_of).  A
# thread also lists, in their places, the public comments a moderator hid or their
# author withdrew, as placeholders without text or author, so replies keep their
# context.  Its receipt and status are public once the consultation is.  Pages, the
# API, search, exports, the report and templates (through ``comment_access``, a
# template tag) all ask the functions below; nothing else restates them.


def public_q(prefix: str = "") -> Q:
    """The comments anyone may read, as a filter; ``prefix`` reaches comments across a
    relation (``"tags__comment__"``)."""
    return Q(
        **{
            f"{prefix}visibility": Comment.Visibility.PUBLIC,
            f"{prefix}moderation": Comment.Moderation.VISIBLE,
            f"{prefix}withdrawn_at__isnull": True,
        }
    )


def public_flag(prefix: str = "") -> Case:
    """:func:`public_q` as a boolean column, for exports that read ``values()`` rows."""
    return Case(When(public_q(prefix), then=Value(True)), default=Value(False))


def is_public(comment: Comment) -> bool:
    """:func:`public_q` for one comment in memory."""
    return (
        comment.visibility == Comment.Visibility.PUBLIC
        and comment.moderation == Comment.Moderation.VISIBLE
        and comment.withdrawn_at is None
    )


def readable_q(viewer, *, is_staff: bool, prefix: str = "") -> Q:
    """The comments whose text and author ``viewer`` may read (``is_staff``: any role on
    the comments' consultation, which the caller knows)."""
    if is_staff:
        return Q()
    readable = public_q(prefix)
    if viewer is not None and viewer.is_authenticated:
        readable |= Q(**{f"{prefix}author": viewer})
    return readable


def listed_q(viewer, *, is_staff: bool) -> Q:
    """The comments a thread or list shows ``viewer``: those it may read, and the
    public ones hidden or withdrawn since, which show as placeholders (pending ones
    stay out: nobody but their author and the team has seen them)."""
    if is_staff:
        return Q()
    return readable_q(viewer, is_staff=False) | Q(
        visibility=Comment.Visibility.PUBLIC,
        moderation__in=(Comment.Moderation.VISIBLE, Comment.Moderation.HIDDEN),
    )


def can_see_text(user, comment: Comment, *, is_staff: bool | None = None) -> bool:
    """Whether ``user`` may read the comment's text, author, files and history.

    ``is_staff`` may be passed when the caller already knows it for the
    comment's consultation, to avoid a permission query per comment.
    """
    if is_public(comment):
        return True
    if user is not None and user.is_authenticated and comment.author_id == user.pk:
        return True
    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(user, comment.consultation)
    return is_staff


def can_see_original(user, comment: Comment, *, is_staff: bool | None = None) -> bool:
    """Whether ``user`` may read the text as sent, where the secretariat redacted a
    passage (``Comment.redacted_body``, issue 25): its author and the consultation's
    team; the others read the redacted text, and not the comment's history."""
    if not can_see_text(user, comment, is_staff=is_staff):
        return False
    if not comment.redacted_body or is_author(user, comment):
        return True
    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(user, comment.consultation)
    return is_staff


def can_see_author(user, comment: Comment, *, is_staff: bool | None = None) -> bool:
    """Whether ``user`` may see who wrote a comment whose text it may read: everyone,
    unless the author chose to publish without their name (``Comment.anonymous``,
    issue 25); then its author and the consultation's team only.  Bylines, the API,
    the ledger's exports and the report withhold the name by this rule."""
    if not comment.anonymous or is_author(user, comment):
        return True
    if is_staff is None:
        is_staff = consult_permissions.is_staff_of(user, comment.consultation)
    return is_staff


def can_view_receipt(user, comment: Comment) -> bool:
    """A receipt resolves only in a published consultation, except for its staff."""
    return consult_permissions.can_view(user, comment.consultation)


@dataclass(frozen=True)
class CommentAccess:
    """What a page may show ``viewer`` of one comment: the flags templates read.

    ``read``: its text, author, files and history (:func:`can_see_text`);
    ``placeholder``: "withdrawn" or "hidden" when a thread shows the comment as a
    placeholder (its author and the team still read the text beneath a hidden one);
    ``own``: the viewer wrote it; ``change``: the edit and withdraw links
    (:func:`can_change`); ``flag``: the "Report" link (:func:`can_flag`);
    ``reply``: the comment takes replies (not withdrawn or hidden).
    """

    read: bool
    placeholder: str
    own: bool
    change: bool
    flag: bool
    reply: bool


def comment_access(viewer, comment: Comment, *, is_staff: bool | None = None) -> CommentAccess:
    """The :class:`CommentAccess` of ``viewer`` on ``comment`` (no query when ``is_staff``
    is given or the comment is public)."""
    placeholder = ""
    if comment.withdrawn_at is not None:
        placeholder = "withdrawn"
    elif comment.moderation == Comment.Moderation.HIDDEN:
        placeholder = "hidden"
    return CommentAccess(
        read=can_see_text(viewer, comment, is_staff=is_staff),
        placeholder=placeholder,
        own=is_author(viewer, comment),
        change=can_change(viewer, comment),
        flag=can_flag(viewer, comment),
        reply=not placeholder,
    )


def is_author(user, comment: Comment) -> bool:
    return bool(user is not None and user.is_authenticated and comment.author_id == user.pk)


def can_change(user, comment: Comment) -> bool:
    """Whether to offer ``user`` the edit and withdraw links: the author, while the
    comment's round is open and the comment is not withdrawn.  The services decide."""
    return is_author(user, comment) and comment.withdrawn_at is None and comment.round.is_open()


def require_is_author(user, comment: Comment) -> None:
    """Only a comment's author edits or withdraws it (not even the secretariat)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to change your comment."))
    if comment.author_id != user.pk:
        raise PermissionDenied(_("Only its author can change or withdraw a comment."))
    require_can_comment(user, comment.consultation)


# --- moderation: who moderates, who is blocked -----------------------------------


def can_moderate(user, consultation: Consultation) -> bool:
    return consult_permissions.can_moderate(user, consultation)


def require_can_moderate(user, consultation: Consultation) -> None:
    if not can_moderate(user, consultation):
        raise PermissionDenied(_("Only this consultation's moderators can do this."))


def can_redact(user, consultation: Consultation) -> bool:
    """The secretariat and the moderators redact a passage of a published comment
    (personal data, defamation: issue 25)."""
    return consult_permissions.can_run(user, consultation) or can_moderate(user, consultation)


def require_can_redact(user, consultation: Consultation) -> None:
    if not can_redact(user, consultation):
        raise PermissionDenied(
            _("Only this consultation's secretariat and moderators can redact a comment.")
        )


def active_blocks(*, user, consultation: Consultation) -> QuerySet[ConsultationBlock]:
    """The block in force on ``user`` here (at most one: a partial unique constraint).

    Also read by :func:`standing_of`, with the other rules of commenting, in one query.
    """
    return ConsultationBlock.objects.filter(
        consultation=consultation, user=user, lifted_at__isnull=True
    ).order_by("pk")


def active_block(*, user, consultation: Consultation) -> ConsultationBlock | None:
    if not user.is_authenticated:
        return None
    return active_blocks(user=user, consultation=consultation).first()


_UNREAD = object()


def require_not_blocked(user, consultation: Consultation, *, reason=_UNREAD) -> None:
    """Refuse a blocked participant (one query); the message gives the moderator's reason.

    ``reason`` may be passed when the caller has read the block already
    (``comments.permissions.Standing.block_reason``: None for no block).
    """
    if reason is _UNREAD:
        block = active_block(user=user, consultation=consultation)
        reason = None if block is None else block.reason
    if reason is not None:
        raise PermissionDenied(
            _("A moderator has blocked you from taking part in this consultation: %(reason)s")
            % {"reason": reason}
        )


def can_flag(user, comment: Comment) -> bool:
    """Whether to offer the "Report" link: on anyone else's comment that is neither
    hidden nor withdrawn (a visitor is asked to sign in first; the service checks
    again, and blocks)."""
    return bool(
        not is_author(user, comment)
        and comment.moderation != Comment.Moderation.HIDDEN
        and comment.withdrawn_at is None
    )


def locked_for_change(*, actor, comment: Comment) -> Comment:
    """The comment's row, locked, once its author may still change it.

    Edits and withdrawal share the rules: the author only, not withdrawn,
    while the comment's own round is open (``Round.closes_at``; a frozen clock
    in the tests).  The lock serialises concurrent edits, so revision numbers
    are consecutive.
    """
    require_is_author(actor, comment)
    rows = Comment.objects.select_for_update(of=("self",)).select_related("round", "consultation")
    locked = rows.get(pk=comment.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError({"comment": _("This comment was withdrawn: it cannot be changed.")})
    if not locked.round.is_open():
        raise ValidationError(
            {
                "round": _(
                    "The round this comment belongs to closed on %(date)s: "
                    "it can no longer be changed."
                )
                % {"date": formats.date_format(timezone.localtime(locked.round.closes_at), "j F Y")}
            }
        )
    return locked


def can_download(user, attachment: Attachment) -> bool:
    """Who may fetch a file: whoever may read its comment's text (and find its receipt)."""
    comment = attachment.comment
    return can_view_receipt(user, comment) and can_see_text(user, comment)


# --- disputed authorship (issue 25, part 25b) ---------------------------------------
#
# Anyone signed in who can read a comment may report that it was made in their
# name or their organisation's.  "The named person" is the comment's author
# account; input entered by staff (``entered_by``: a letter, an email, a meeting)
# names a sender who has no account, so nobody confirms it and the dispute awaits
# the secretariat alone.  The named person confirms by filing while signed in;
# the organisation's verified staff confirm for input sent on its behalf.

#: The statuses under which a comment shows "Disputed: the named person says they did
#: not submit it" (comments.disputes.selectors.disputed_flag reads them).
DISPUTED_STATUSES = (Dispute.Status.CONFIRMED, Dispute.Status.UPHELD)


def named_person(comment: Comment):
    """The account a submission names as its author, or None for input entered by
    staff (its sender has no account)."""
    return None if comment.entered_by_id is not None else comment.author


def is_named_person(user, comment: Comment) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and comment.entered_by_id is None
        and comment.author_id == user.pk
    )


def speaks_for_organisation(user, comment: Comment) -> bool:
    """Verified staff (a verified affiliation) of the verified organisation the
    comment was sent on behalf of.  One query, none without an organisation."""
    if comment.on_behalf_of_id is None or not user.is_authenticated:
        return False
    return organisations_for_behalf(user=user).filter(pk=comment.on_behalf_of_id).exists()


def confirms_at_once(user, comment: Comment) -> str:
    """How a dispute ``user`` files on ``comment`` is confirmed as it is filed: the
    named person themself (``author``), the organisation (``organisation``), or
    not at all (blank: the named person is asked by mail)."""
    if is_named_person(user, comment):
        return Dispute.ConfirmedBy.AUTHOR
    if speaks_for_organisation(user, comment):
        return Dispute.ConfirmedBy.ORGANISATION
    return ""


def can_dispute(user, comment: Comment) -> bool:
    """Whether to offer "This was not me" on a comment: to whoever may read it (a
    visitor is asked to sign in first), and to the organisation it names."""
    if not can_view_receipt(user, comment):
        return False
    return can_see_text(user, comment) or speaks_for_organisation(user, comment)


def require_can_dispute(user, comment: Comment) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to report a submission made in your name."))
    if not can_dispute(user, comment):
        raise PermissionDenied(_("You cannot dispute a comment you cannot read."))


def dispute_link_refusal(dispute: Dispute, *, now=None) -> str:
    """Why the link mailed to the named person no longer works (blank: it works).
    It works once, while the dispute awaits them, until ``link_expires_at``."""
    now = now or timezone.now()
    if dispute.link_used_at is not None or dispute.status != Dispute.Status.AWAITING_CONFIRMATION:
        return _("This link has been used already: it works once.")
    if dispute.link_expires_at is None or dispute.link_expires_at <= now:
        date = formats.date_format(timezone.localtime(dispute.link_expires_at or now), "j F Y")
        return _(
            "This link expired on %(date)s. The secretariat will still look at the report; "
            "you can also dispute the comment yourself once signed in."
        ) % {"date": date}
    return ""


# --- supporting a proposed change (issue 24) -------------------------------------------


def is_amendment(comment: Comment) -> bool:
    """Whether the comment proposes new wording (has an ``Amendment``); reads the
    one-to-one row (a query unless ``select_related("amendment")`` loaded it)."""
    return hasattr(comment, "amendment")


def can_support(user, comment: Comment, *, is_staff: bool | None = None) -> bool:
    """Whether to offer ``user`` the "Support this change" / "Withdraw my support"
    button on the amendment ``comment``: signed in, not its author, the amendment
    readable by them and not withdrawn, its round open.  No query when ``is_staff`` is
    given or the comment is public and its round loaded; the service decides
    (:func:`require_can_support`: the person's standing and the code of conduct)."""
    return bool(
        user is not None
        and user.is_authenticated
        and not is_author(user, comment)
        and comment.withdrawn_at is None
        and comment.round.is_open()
        and can_see_text(user, comment, is_staff=is_staff)
    )


def require_can_support(user, comment: Comment) -> Standing:
    """Refuse anyone who may not support (or withdraw their support of) ``comment``.

    The person: the standing of commenting here (:func:`require_can_comment`:
    PermissionDenied).  The object (ValidationError naming the field): an amendment
    (``amendment``) the person can read, not withdrawn, not their own; its round
    still open (``round``).  Returns the :class:`Standing` read, for the code of
    conduct (``consult.charter.services.charter_require``).
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to support a proposed change."))
    standing = require_can_comment(user, comment.consultation)
    if not is_amendment(comment):
        raise ValidationError({"amendment": _("This comment proposes no change to the text.")})
    if comment.withdrawn_at is not None or not can_see_text(user, comment):
        raise ValidationError({"amendment": _("This proposed change cannot be supported.")})
    if is_author(user, comment):
        raise ValidationError(
            {"amendment": _("You proposed this change: you cannot support it yourself.")}
        )
    if not comment.round.is_open():
        closes_at = comment.round.closes_at
        raise ValidationError(
            {
                "round": _(
                    "The round this change was proposed in closed on %(date)s: "
                    "support can no longer be given or withdrawn."
                )
                % {"date": formats.date_format(timezone.localtime(closes_at), "j F Y")}
            }
        )
    return standing


# --- co-signatures (issue 25, part 25a) --------------------------------------------
#
# A co-signature is not a comment: it adds no text, so no code of conduct is asked
# beyond what reading the submission needs.  One rule for signing, one for
# withdrawing, one for collecting signatories through an organisation's link.


def signable_refusal(comment: Comment) -> ValidationError | None:
    """Why ``comment`` cannot take co-signatures at all, whoever asks (None: it can):
    a top-level submission, public and visible, not withdrawn, its round open."""
    if comment.parent_id is not None:
        return ValidationError({"comment": _("Only a submission can be co-signed, not a reply.")})
    if not is_public(comment):
        return ValidationError(
            {"comment": _("Only a public, visible submission can be co-signed.")}
        )
    if not comment.round.is_open():
        return ValidationError(
            {"round": _("The round this submission belongs to is closed: it takes no signatures.")}
        )
    return None


def _sign_refusal(user, comment: Comment) -> Exception | None:
    if not user.is_authenticated or not user.is_active:
        return PermissionDenied(_("Sign in to co-sign a submission."))
    if not has_profile(user):
        return PermissionDenied(_("Complete your profile (display name, group, country) first."))
    if not can_view_receipt(user, comment):
        return PermissionDenied(_("You cannot co-sign a submission you cannot read."))
    if not has_verified_email(user):
        return PermissionDenied(
            _("Confirm your email address before co-signing: follow the link in the mail we sent.")
        )
    if comment.author_id == user.pk:
        return ValidationError({"comment": _("You cannot co-sign your own submission.")})
    refusal = signable_refusal(comment)
    if refusal is not None:
        return refusal
    block = active_block(user=user, consultation=comment.consultation)
    if block is not None:
        return PermissionDenied(
            _("A moderator has blocked you from taking part in this consultation: %(reason)s")
            % {"reason": block.reason}
        )
    return None


def can_sign(user, comment: Comment) -> bool:
    """Whether to offer ``user`` the "Co-sign" button on ``comment`` (the same rule the
    service enforces with :func:`require_can_sign`)."""
    return _sign_refusal(user, comment) is None


def require_can_sign(user, comment: Comment) -> None:
    """Refuse a co-signature: PermissionDenied (who), or a ValidationError naming the
    field (one's own submission, a reply, a closed round)."""
    refusal = _sign_refusal(user, comment)
    if refusal is not None:
        raise refusal


def require_can_withdraw_signature(user, comment: Comment) -> None:
    """A signatory withdraws their own co-signature until the submission's round closes."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to withdraw your co-signature."))
    if not comment.round.is_open():
        raise ValidationError(
            {"round": _("The round is closed: co-signatures can no longer be withdrawn.")}
        )


def can_collect_signatures(user, comment: Comment) -> bool:
    """Whether ``user`` may collect signatories for ``comment`` (a signature link, or
    names and addresses through the API): verified staff of the verified organisation
    the submission was made on behalf of, while it can take signatures."""
    if not user.is_authenticated or not user.is_active or comment.on_behalf_of_id is None:
        return False
    if signable_refusal(comment) is not None:
        return False
    return organisations_for_behalf(user=user).filter(pk=comment.on_behalf_of_id).exists()


def require_can_collect_signatures(user, comment: Comment) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to collect signatures."))
    if comment.on_behalf_of_id is None or not (
        organisations_for_behalf(user=user).filter(pk=comment.on_behalf_of_id).exists()
    ):
        raise PermissionDenied(
            _(
                "Only verified staff of the verified organisation this submission was made "
                "on behalf of can collect signatures for it."
            )
        )
    refusal = signable_refusal(comment)
    if refusal is not None:
        raise refusal


def can_list_signatories(user, comment: Comment) -> bool:
    """Names, addresses and groups of signatories: the consultation's team only
    (the public sees counts)."""
    return consult_permissions.is_staff_of(user, comment.consultation)


def require_can_list_signatories(user, comment: Comment) -> None:
    if not can_list_signatories(user, comment):
        raise PermissionDenied(_("Only this consultation's team can see who signed."))
