"""The only door for writes to comments."""

from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comments import permissions
from comments.amendments import services as amendments
from comments.attachments import services as attachment_files
from comments.models import (
    Amendment,
    Comment,
    CommentRevision,
    UndecidedAuthorTally,
    UndecidedTally,
)
from comments.moderation import services as moderation
from comments.participation.services import (
    participation_comment_added,
    participation_public_changed,
)
from comments.provenance import services as provenance
from comments.threads.receipts import new_receipt, retry_on_collision
from comments.threads.selectors import (
    author_tally_key,
    tally_key,
    undecided_author_tally_counted,
    undecided_tally_counted,
)
from consult.charter import services as charter
from consult.consultations.selectors import round_current, section_in_version
from consult.models import Consultation, Question, Section
from consult.reminders import services as reminders
from consult.translations.languages import comment_language_check, mail_language
from plenary import ratelimit
from plenary.outbox import services as outbox
from plenary.pagecache import pages_changed
from plenary.text import control_character, control_character_message, render_markdown
from stakeholders.models import Organisation
from stakeholders.registry.selectors import organisations_for_behalf


def validate_body(body: str) -> None:
    limit = settings.PLENARY_COMMENT_MAX_CHARS
    if not body or not body.strip():
        raise ValidationError({"body": _("Write your comment before sending it.")})
    if len(body) > limit:
        raise ValidationError(
            {
                "body": _("A comment can be at most %(limit)d characters long; this one has %(n)d.")
                % {"limit": limit, "n": len(body)}
            }
        )
    if "\x00" in body:
        raise ValidationError(
            {"body": _("The text contains a NUL character, which cannot be stored.")}
        )
    # The pages and the API refuse these at the door (plenary/bodies.py); this
    # covers the ways in that have no door: CSV imports, commands, the demo.
    character = control_character(body)
    if character is not None:
        raise ValidationError({"body": control_character_message(character)})


@retry_on_collision  # a taken receipt: run again with a new one (comments/threads/receipts.py)
@transaction.atomic
def comment_create(
    *,
    actor,
    consultation: Consultation,
    body: str,
    section_key: str | None = None,
    parent: Comment | None = None,
    on_behalf_of: Organisation | None = None,
    visibility: str = Comment.Visibility.PUBLIC,
    anonymous: bool = False,
    channel: str = Comment.Channel.WEB,
    question: Question | None = None,
    attachments=(),
    accept_code_of_conduct: bool = False,
    language: str = "",
    rate_key: ratelimit.RateKey | None = None,
    # --- issue 24, part 24a (propose a wording) ---
    amendment: dict | None = None,
    network: str | None = None,
) -> Comment:
    """Post a comment on a section of the current draft, or a reply to ``parent``.

    ``rate_key`` (who is asking: ``plenary.ratelimit.rate_key(request)``) counts
    the attempt against the comment rate limit first, refused or not; over it,
    RateLimited and nothing is checked or written.  Every participant-facing
    entry point passes it; without it nothing is counted (the demo seeding, a
    caller that counted already: ``comments.answers.services.answers_submit``).

    ``visibility`` and ``anonymous`` are the author's consent to publish
    (``comments.threads.publication``): public with the name, public without it
    (``anonymous``), or private (the team reads it; ``anonymous`` is then moot).
    ``network``: the client address the entry point read (``plenary.ratelimit.client_ip``);
    only the keyed hash of its /24 or /64 is stored (comments/provenance/), same transaction.

    ``language`` is the language the comment is written in (blank: unknown;
    checked by ``consult.translations.languages.comment_language_check``).

    ``attachments`` (uploaded files) are checked before anything is written
    (comments/attachments/services.py): one refused file refuses the whole comment
    (ValidationError on ``attachments``) and nothing is stored.

    With ``question`` (a free-text question of the open round), the comment is
    the participant's answer to it: no section, no parent (consult/questions/services.py).

    Refuses (ValidationError naming the field, or PermissionDenied) when the
    round is closed, the body is empty or too long, the section key is
    unknown, the parent belongs to another consultation, or the actor may not
    speak for ``on_behalf_of``.  Writes the comment and its first revision.

    With ``amendment`` (``{"quote", "replacement"}``), the comment proposes new
    wording for one passage of its section and ``body`` is the reason
    (``comments.amendments.services.amendment_check``: a top-level comment on
    a section, the passage once in its plain text; else ValidationError on
    ``amendment``).
    """
    if rate_key is not None:
        # (A receipt collision runs this body again and counts twice: one in 10**9.)
        ratelimit.count_attempt("comment", rate_key)
    # The rules about the person, read in one query (comments.permissions.Standing).
    standing = permissions.require_can_comment(actor, consultation)
    round_ = round_current(consultation=consultation)
    if round_ is None or not round_.is_open():
        raise ValidationError(
            {"round": _("Comments are closed: no round of this consultation is open.")}
        )
    validate_body(body)
    language = comment_language_check(language)
    if visibility not in Comment.Visibility.values:
        raise ValidationError({"visibility": _("Choose public or private.")})

    section: Section | None = None
    if section_key:
        # A round without a draft version passes None: no section matches, the key is refused.
        section = section_in_version(version_id=round_.document_version_id, key=section_key)  # type: ignore[arg-type]
        if section is None:
            raise ValidationError(
                {"section": _("The current draft has no section “%(key)s”.") % {"key": section_key}}
            )
    if question is not None and (
        question.round_id != round_.pk
        or question.kind != Question.Kind.FREE_TEXT
        or section is not None
        or parent is not None
    ):
        raise ValidationError(
            {"question": _("This is not a free-text question of the open round.")}
        )
    root = None
    if parent is not None:
        if parent.consultation_id != consultation.pk:
            raise ValidationError(
                {"parent": _("You can only reply to a comment of this consultation.")}
            )
        if not permissions.can_see_text(actor, parent):
            raise ValidationError({"parent": _("This comment cannot be replied to.")})
        if section is not None and parent.section_id != section.pk:
            raise ValidationError(
                {"section": _("A reply belongs to the section of the comment it answers.")}
            )
        section = parent.section
        root = parent.root or parent
    if (
        on_behalf_of is not None
        and not organisations_for_behalf(user=actor).filter(pk=on_behalf_of.pk).exists()
    ):
        raise ValidationError(
            {
                "on_behalf_of": _(
                    "You can speak for an organisation only once the secretariat has "
                    "verified your affiliation with it."
                )
            }
        )

    # The code of conduct, once per consultation (consult/charter/services.py): refused
    # (field ``accept_code_of_conduct``) until accepted, or accepted right now.
    charter.charter_require(
        actor=actor,
        consultation=consultation,
        accept=accept_code_of_conduct,
        accepted=standing.charter_accepted,
    )
    checked_files = attachment_files.attachments_check(attachments)  # writes nothing
    # --- issue 24, part 24a: a proposed change, checked before anything is written ---
    checked_amendment = (
        None
        if amendment is None
        else amendments.amendment_check(
            amendment=amendment, section=section, parent=parent, question=question
        )
    )

    comment = comment_write(
        consultation=consultation,
        round_=round_,
        section=section,
        question=question,
        parent=parent,
        root=root,
        author=actor,
        on_behalf_of=on_behalf_of,
        body=body,
        visibility=visibility,
        anonymous=anonymous and visibility == Comment.Visibility.PUBLIC,
        channel=channel,
        # Pre-moderation (comments.moderation.services): PENDING until a moderator approves.
        moderation=moderation.initial_state(actor=actor, consultation=consultation),
        language=language,
        commented_before=standing.commented_before,
        amendment=checked_amendment,
    )
    attachment_files.attachments_store(actor=actor, comment=comment, checked=checked_files)
    if network is not None:
        provenance.submission_network_record(comment=comment, address=network)
    return comment


def comment_write(
    *,
    consultation: Consultation,
    round_,
    author,
    body: str,
    section: Section | None = None,
    question: Question | None = None,
    parent: Comment | None = None,
    root: Comment | None = None,
    on_behalf_of: Organisation | None = None,
    visibility: str = Comment.Visibility.PUBLIC,
    anonymous: bool = False,
    channel: str = Comment.Channel.WEB,
    moderation: str = Comment.Moderation.VISIBLE,
    offline: dict | None = None,
    language: str = "",
    commented_before: bool | None = None,
    amendment: amendments.CheckedAmendment | None = None,
) -> Comment:
    """The one place that builds a Comment, its revision 1 and its receipt mail.

    Not a door: callers (``comment_create``, ``comments.offline.services``) have
    checked permissions and validated everything, inside their transaction.
    ``offline`` (``entered_by``, ``submitter_name``, ``submitter_organisation``,
    ``received_at``, ``meeting``) marks input received outside the web and
    entered by staff: nobody is mailed a receipt (the sender has no address
    here; the secretariat sends it back) and the staff member who typed it
    does not start following the consultation.  ``commented_before``: whether
    the author had commented here before (read by the caller, or here).

    The receipt is drawn without asking whether it is free: callers are
    wrapped in ``comments.threads.receipts.retry_on_collision``.

    ``amendment`` (checked by ``amendments.amendment_check``) writes the
    comment's ``Amendment`` and records its quote and wording in revision 1.
    """
    comment = Comment.objects.create(
        receipt=new_receipt(),
        consultation=consultation,
        round=round_,
        section=section,
        question=question,
        parent=parent,
        root=root,
        author=author,
        on_behalf_of=on_behalf_of,
        body=body,
        body_html=render_markdown(body),
        # + attachments' text: comments.attachments.services.attachments_store
        search_text=amendments.searchable_body(body, amendment),
        visibility=visibility,
        anonymous=anonymous,
        channel=channel,
        moderation=moderation,
        language=language,
        **(offline or {}),
    )
    CommentRevision.objects.create(
        comment=comment,
        number=1,
        body=body,
        created_by=author,
        quote=amendment.quote if amendment else None,
        replacement=amendment.replacement if amendment else None,
    )
    if amendment is not None:
        amendments.amendment_write(comment=comment, checked=amendment)  # caches comment.amendment
        comment.amendment_supports = 0  # type: ignore[attr-defined]  # as the lists annotate it
    else:  # known absent: reading ``comment.amendment`` costs no query
        Comment._meta.get_field("amendment").set_cached_value(comment, None)
    participation_comment_added(comment=comment)
    undecided_tally_change(consultation_id=consultation.pk, comments=[comment], delta=1)
    if offline is None:
        # The first comment follows the consultation.
        reminders.follow_after_comment(comment=comment, commented_before=commented_before)
        # Same transaction: a refused or rolled-back comment never mails a receipt.
        outbox.enqueue("comments.tasks.send_receipt", comment_id=comment.pk)
    return comment


# One statement per row: insert it or add to it, so two writers never race to create
# it.  The same SQL on PostgreSQL and SQLite (3.24+).
_TALLY_UPSERT = (
    "INSERT INTO comments_undecided_tally (consultation_id, day, shard, count) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (consultation_id, day, shard) "
    "DO UPDATE SET count = comments_undecided_tally.count + excluded.count"
)
_AUTHOR_TALLY_UPSERT = (
    "INSERT INTO comments_undecided_author_tally (consultation_id, author_id, day, count) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (consultation_id, author_id, day) "
    "DO UPDATE SET count = comments_undecided_author_tally.count + excluded.count"
)


def undecided_tally_change(
    *, consultation_id: int, comments: Iterable[Comment], delta: int
) -> None:
    """Add ``delta`` to the undecided tallies of each comment: ``UndecidedTally`` for
    every comment, ``UndecidedAuthorTally`` for those their author wrote themself.

    Not a door: called inside the writer's transaction by ``comment_write`` (+1) and
    by the ledger's publication (-1 for a comment's first decision), so the tallies
    commit or roll back with the write they count.
    """
    comments = list(comments)
    steps = Counter(tally_key(comment.created_at, comment.pk) for comment in comments)
    if not steps:
        return
    by_author = Counter(
        author_tally_key(comment.created_at, comment.author_id)
        for comment in comments
        if comment.entered_by_id is None
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            _TALLY_UPSERT,
            [(consultation_id, day, shard, n * delta) for (day, shard), n in steps.items()],
        )
        if by_author:
            cursor.executemany(
                _AUTHOR_TALLY_UPSERT,
                [
                    (consultation_id, author_id, day, n * delta)
                    for (author_id, day), n in by_author.items()
                ],
            )


def undecided_tally_rebuild(*, consultation: Consultation) -> None:
    """Recount the consultation's tallies from its comments (``manage.py desk_counts
    --rebuild``), under a lock on the consultation so no publication interleaves."""
    with transaction.atomic():
        Consultation.objects.select_for_update().get(pk=consultation.pk)
        UndecidedTally.objects.filter(consultation=consultation).delete()
        UndecidedTally.objects.bulk_create(
            [
                UndecidedTally(consultation=consultation, day=day, shard=shard, count=n)
                for (day, shard), n in undecided_tally_counted(consultation=consultation).items()
            ],
            batch_size=1000,
        )
        UndecidedAuthorTally.objects.filter(consultation=consultation).delete()
        UndecidedAuthorTally.objects.bulk_create(
            [
                UndecidedAuthorTally(
                    consultation=consultation, author_id=author_id, day=day, count=n
                )
                for (author_id, day), n in undecided_author_tally_counted(
                    consultation=consultation
                ).items()
            ],
            batch_size=1000,
        )


@transaction.atomic
def comment_edit(
    *,
    actor,
    comment: Comment,
    body: str,
    rate_key: ratelimit.RateKey | None = None,
    amendment: dict | None = None,
) -> Comment:
    """The author replaces the text of their comment while its round is open.

    Every version stays: the new text becomes ``CommentRevision`` number n+1
    (1 is the original) and ``edited_at`` is set.  Refuses (ValidationError
    naming the field) a withdrawn comment (``comment``), a closed round
    (``round``), a body ``comment_create`` would refuse, and a body identical
    to the current one (``body``: an edit must change something, so the
    history holds no empty steps); anyone but the author gets PermissionDenied.
    In a pre-moderated consultation, the edit of an author whose new comments
    would still wait for approval waits again (``moderation`` back to pending).

    ``rate_key`` counts the attempt against the edit limit first
    (``PLENARY_RATE_COMMENT_EDIT_PER_ACCOUNT``), as ``comment_create`` does:
    each edit is a revision kept for ever, so an account may not make
    thousands; over it, RateLimited and nothing is written.

    An amendment's edit may also change its passage and wording (``amendment``:
    ``{"quote", "replacement"}``, checked again against its section, as
    ``comment_create`` does); each revision of an amendment records the quote
    and wording it had.  A comment that proposes no change cannot gain one
    (ValidationError on ``amendment``).
    """
    if rate_key is not None:
        ratelimit.count_attempt("comment_edit", rate_key)
    locked = permissions.locked_for_change(actor=actor, comment=comment)
    if locked.redacted_body:
        # The redactions' offsets are in this text (comments.redaction): a new text
        # would bring the passages back.
        raise ValidationError(
            {
                "body": _(
                    "The secretariat redacted a passage of this comment: it can no longer "
                    "be edited. You can withdraw it and write a new one."
                )
            }
        )
    validate_body(body)
    # --- issue 24, part 24a: an amendment's passage and wording change with its text ---
    proposed = Amendment.objects.filter(comment=locked).first()
    checked = None
    if amendment is not None:
        if proposed is None:
            raise ValidationError(
                {"amendment": _("This comment proposes no new wording: it has none to change.")}
            )
        checked = amendments.amendment_check(
            amendment=amendment,
            section=locked.section,
            parent=locked.parent,
            question=locked.question,
        )
    wording_changed = (
        checked is not None
        and proposed is not None
        and (checked.quote, checked.replacement) != (proposed.quote, proposed.replacement)
    )
    if body == locked.body and not wording_changed:
        raise ValidationError(
            {"body": _("This is the text already recorded: change it, or leave it as it is.")}
        )
    if proposed is not None and checked is not None and wording_changed:
        proposed = amendments.amendment_change(amendment=proposed, checked=checked)
    last = locked.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    CommentRevision.objects.create(
        comment=locked,
        number=last + 1,
        body=body,
        created_by=actor,
        quote=proposed.quote if proposed else None,
        replacement=proposed.replacement if proposed else None,
    )
    locked.body = body
    locked.body_html = render_markdown(body)
    locked.edited_at = timezone.now()
    locked.search_text = attachment_files.search_text_of(
        amendments.searchable_body(body, proposed),
        locked.attachments.values_list("extracted_text", flat=True),
    )
    fields = ["body", "body_html", "search_text", "edited_at", "updated_at"]
    # An author still under pre-moderation cannot use an edit to slip new text
    # past it: the edited comment waits for a moderator again.
    if (
        locked.moderation == Comment.Moderation.VISIBLE
        and moderation.initial_state(actor=actor, consultation=locked.consultation)
        == Comment.Moderation.PENDING
    ):
        was_public = permissions.is_public(locked)
        locked.moderation = Comment.Moderation.PENDING
        fields.append("moderation")
        participation_public_changed(comment=locked, was_public=was_public)
    locked.save(update_fields=fields)
    pages_changed()  # anonymous readers' stored pages (plenary/pagecache.py)
    return locked


@transaction.atomic
def comment_withdraw(*, actor, comment: Comment) -> Comment:
    """The author withdraws their comment while its round is open.

    Its text leaves the thread, the API and the ledger for everyone but its
    author and the consultation's staff (``comments.permissions.is_public`` is false once
    ``withdrawn_at`` is set); its receipt still resolves, replies keep their
    place, and the ledger lists it as withdrawn.  Nothing is deleted, and the
    ledger's hash chain does not cover comment text, so it is unaffected.
    There is no undo.
    """
    locked = permissions.locked_for_change(actor=actor, comment=comment)
    was_public = permissions.is_public(locked)
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at", "updated_at"])
    participation_public_changed(comment=locked, was_public=was_public)
    pages_changed()  # its text leaves the stored pages at once (plenary/pagecache.py)
    return locked


def comment_receipt_send(*, comment_id: int) -> bool:
    """Mail the author the receipt of their comment; True if a mail was sent.

    Idempotent: the key ``receipt-<id>`` makes a re-run (task retry, relay
    published twice) send nothing.  The mail carries what the author needs to
    follow the comment without signing in: the receipt and its /r/ link.
    """
    comment = Comment.objects.select_related(
        "consultation", "round", "section", "parent", "author"
    ).get(pk=comment_id)
    if not comment.author.email or comment.entered_by_id is not None:
        return False  # entered by staff: the author is the staff member, not the sender
    # In the language the author wrote in (their interface's, by default):
    # consult/translations/languages.py.
    with translation.override(mail_language(comment.language)):
        subject = _("[%(consultation)s] Your comment was received: %(receipt)s") % {
            "consultation": comment.consultation.title[:80],
            "receipt": comment.receipt,
        }
        text = render_to_string(
            "comments/email/receipt.txt",
            {
                "comment": comment,
                "link": settings.SITE_URL + reverse("receipt", args=[comment.receipt]),
            },
        )
    return outbox.send_mail_once(
        key=f"receipt-{comment.pk}", to=comment.author.email, subject=subject, text=text
    )
