"""The only door for writes to the disposition ledger."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comments.models import Amendment, Comment
from comments.threads.services import undecided_tally_change
from consult.consultations.selectors import secretariat_members
from consult.models import Consultation, Section
from consult.translations.languages import mail_language
from feedback import permissions
from feedback.ledger import chain, selectors
from feedback.models import (
    APPEAL_REASON_MAX_CHARS,
    RATIONALE_REQUIRED,
    TRANSITIONS,
    Appeal,
    CommentPoint,
    DispositionDraft,
    DispositionEntry,
    DraftTally,
    LedgerEvent,
    LedgerHead,
    PublicationBatch,
    RationaleSnippet,
    Status,
)
from plenary.audit.models import Event
from plenary.audit.services import audit_record
from plenary.outbox import services as outbox
from stakeholders.accounts.unsubscribe import Kind, send_reminder


def disposition_validate(
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


ADOPTING = frozenset({Status.ACCEPTED, Status.PARTLY_ACCEPTED})


def amendment_of(comment: Comment) -> Amendment | None:
    """The amendment a comment proposes (issue 24), or None for an ordinary comment."""
    if comment.pk is None:
        return None
    return Amendment.objects.filter(comment_id=comment.pk).first()


def adopted_text_for(*, amendment: Amendment | None, status: str, adopted_text: str) -> str:
    """The wording a decision adopts, or a ValidationError on ``adopted_text``.

    Only a decision that accepts an amendment adopts wording: "accepted" adopts the
    proposed replacement (a different wording given is refused: that is "partly
    accepted"), "partly accepted" the wording given, which it requires.  Any other
    decision, and a decision on a comment that is not an amendment (``amendment``
    None), adopts none and refuses one given."""
    if amendment is None or status not in ADOPTING:
        if adopted_text.strip():
            raise ValidationError(
                {
                    "adopted_text": _(
                        "Only a decision accepting or partly accepting an amendment adopts wording."
                    )
                    if amendment is not None
                    else _("This comment proposes no amendment: there is no wording to adopt.")
                }
            )
        return ""
    if status == Status.ACCEPTED:
        if adopted_text.strip() and adopted_text.strip() != amendment.replacement.strip():
            raise ValidationError(
                {
                    "adopted_text": _(
                        "“Accepted” adopts the proposed wording as it is; to adopt other "
                        "wording, choose “partly accepted”."
                    )
                }
            )
        return amendment.replacement
    if not adopted_text.strip():
        raise ValidationError(
            {"adopted_text": _("A “partly accepted” amendment needs the wording actually adopted.")}
        )
    return adopted_text.strip()


def rationale_or_snippet(
    *, rationale: str, snippet: RationaleSnippet | None, consultation: Consultation
) -> str:
    """The rationale to record: what was typed, else the chosen snippet's text.

    A typed rationale always wins, so a snippet can be picked as a starting
    point without silently replacing what the secretariat wrote.
    """
    if snippet is None:
        return rationale
    if snippet.consultation_id != consultation.pk:
        raise ValidationError(
            {"snippet": _("This saved rationale belongs to another consultation.")}
        )
    return rationale if rationale.strip() else snippet.text


def _check_appeal_answer(*, appeal: Appeal, comment: Comment, rationale: str) -> None:
    """An appeal is answered once, on its own comment, and always with a reason."""
    if appeal.comment_id != comment.pk:
        raise ValidationError({"appeal": _("This appeal is about another comment.")})
    if DispositionEntry.objects.filter(appeal=appeal).exists():
        raise ValidationError({"appeal": _("This appeal has already been answered.")})
    if not rationale.strip():
        raise ValidationError(
            {"rationale": _("An answer to an appeal needs a rationale the commenter can read.")}
        )


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
    snippet: RationaleSnippet | None = None,
    adopted_text: str = "",
) -> DispositionDraft:
    """Save (or replace) the unpublished decision on a comment: the secretariat's, or a
    drafter's on a comment assigned to them (``permissions.require_can_draft``).

    ``snippet``: a saved rationale, used only when ``rationale`` is empty.
    ``adopted_text``: on an amendment, the wording adopted (``adopted_text_for``).
    """
    permissions.require_can_draft(actor, comment)
    rationale = rationale_or_snippet(
        rationale=rationale, snippet=snippet, consultation=comment.consultation
    )
    disposition_validate(
        comment=comment,
        status=status,
        rationale=rationale,
        target_section=target_section,
        duplicate_of=duplicate_of,
    )
    adopted_text = adopted_text_for(
        amendment=amendment_of(comment), status=status, adopted_text=adopted_text
    )
    if appeal is not None:
        _check_appeal_answer(appeal=appeal, comment=comment, rationale=rationale)
    draft, created = DispositionDraft.objects.update_or_create(
        comment=comment,
        defaults={
            "status": status,
            "rationale": rationale.strip(),
            "adopted_text": adopted_text,
            "target_section": target_section,
            "duplicate_of": duplicate_of,
            "appeal": appeal,
            "drafted_by": actor,
        },
    )
    if created:
        draft_tally_change(consultation_id=comment.consultation_id, delta=1)
    return draft


def draft_check_publishable(
    draft: DispositionDraft,
    current: DispositionEntry | None,
    *,
    amendments: dict[int, Amendment] | None = None,
) -> None:
    """The rules a draft must meet against the current published decision of its
    comment (or of its point: the same statuses, transitions and rationale rules).

    ``amendments``: the amendments of the drafts' comments by comment id, when the
    caller read them at once (a publication); otherwise read here."""
    if draft.appeal is not None:
        _check_appeal_answer(
            appeal=draft.appeal, comment=draft.parent_comment, rationale=draft.rationale
        )
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
            and current.adopted_text == draft.adopted_text
        ):
            raise ValidationError({"status": _("This decision is already published.")})
    disposition_validate(
        comment=draft.parent_comment,
        status=draft.status,
        rationale=draft.rationale,
        target_section=draft.target_section,
        duplicate_of=draft.duplicate_of,
    )
    if draft.comment is not None:  # a point's decision adopts no wording
        amendment = (
            amendments.get(draft.comment.pk)
            if amendments is not None
            else amendment_of(draft.comment)
        )
        adopted = adopted_text_for(
            amendment=amendment, status=draft.status, adopted_text=draft.adopted_text
        )
        if adopted != draft.adopted_text:  # the amendment changed since the draft was saved
            raise ValidationError(
                {"adopted_text": _("The adopted wording no longer matches this decision.")}
            )


# Insert the consultation's row or add to it, in one statement (PostgreSQL and SQLite).
_DRAFT_TALLY_UPSERT = (
    "INSERT INTO feedback_draft_tally (consultation_id, count) VALUES (%s, %s) "
    "ON CONFLICT (consultation_id) "
    "DO UPDATE SET count = feedback_draft_tally.count + excluded.count"
)


def draft_tally_change(*, consultation_id: int, delta: int) -> None:
    """Add ``delta`` to the consultation's count of drafts on comments (``DraftTally``).

    Not a door: called inside the transaction of the service that creates or removes
    drafts on comments, so the count commits or rolls back with them."""
    if delta:
        with connection.cursor() as cursor:
            cursor.execute(_DRAFT_TALLY_UPSERT, [consultation_id, delta])


def draft_tally_rebuild(*, consultation: Consultation) -> None:
    """Recount the consultation's drafts on comments (``manage.py desk_counts --rebuild``),
    under the lock publication takes, so no publication interleaves."""
    with transaction.atomic():
        Consultation.objects.select_for_update().get(pk=consultation.pk)
        DraftTally.objects.update_or_create(
            consultation=consultation,
            defaults={"count": selectors.draft_count_counted(consultation=consultation)},
        )


@transaction.atomic
def disposition_publish_drafts(
    *,
    actor,
    consultation: Consultation,
    comments: Iterable[Comment] | None = None,
    points: Iterable[CommentPoint] | None = None,
) -> PublicationBatch:
    """Publish drafted decisions as one batch of ledger entries.

    All the consultation's drafts (on comments and on their points), or only
    those on ``comments`` and on ``points`` (a comment named does not bring
    its points' drafts along).  A point's decision is an entry of the same
    chain, under the point's sub-receipt (feedback/ledger/chain.py).  Either
    every draft is published or none is (a refusal names the receipt).
    Entries get consecutive sequence numbers and are hash-chained; each
    affected commenter is then sent one digest mail for the whole batch.
    """
    permissions.require_can_decide(actor, consultation)
    # Serialise publications per consultation: sequences and the chain have no forks.
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    locked = DispositionDraft.objects.select_for_update(of=("self",)).filter(
        Q(comment__consultation=consultation) | Q(point__comment__consultation=consultation)
    )
    if comments is not None or points is not None:
        wanted = Q(pk__in=[])
        if comments is not None:
            wanted |= Q(comment__in=list(comments))
        if points is not None:
            wanted |= Q(point__in=list(points))
        locked = locked.filter(wanted)
    drafts = list(
        locked.select_related(
            "comment", "point__comment", "target_section", "duplicate_of", "appeal"
        ).order_by(
            Coalesce("comment__created_at", "point__comment__created_at"),
            Coalesce("comment_id", "point__comment_id"),
            F("point__number").asc(nulls_first=True),
        )
    )
    if not drafts:
        raise ValidationError({"status": _("There is no drafted decision to publish.")})
    current = {
        ("comment", entry.comment_id): entry
        for entry in DispositionEntry.objects.filter(
            pk__in=selectors.latest_entry_ids(
                comment_ids=[d.comment_id for d in drafts if d.comment_id]
            )
        )
    }
    point_ids = [d.point_id for d in drafts if d.point_id]
    if point_ids:
        current.update(
            (("point", entry.point_id), entry)
            for entry in DispositionEntry.objects.filter(
                pk__in=selectors.latest_point_entry_ids(point_ids=point_ids)
            )
        )
    amendments = {
        amendment.comment_id: amendment
        for amendment in Amendment.objects.filter(
            comment_id__in=[d.comment_id for d in drafts if d.comment_id]
        )
    }
    for draft in drafts:
        key = ("point", draft.point_id) if draft.point_id else ("comment", draft.comment_id)
        try:
            draft_check_publishable(draft, current.get(key), amendments=amendments)
        except ValidationError as exc:
            raise ValidationError(
                {
                    field: [f"{draft.receipt}: {message}" for message in messages]
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
            point=draft.point,
            status=draft.status,
            rationale=draft.rationale,
            target_section=draft.target_section,
            duplicate_of=draft.duplicate_of,
            appeal=draft.appeal,
            cluster_answer_id=draft.cluster_answer_id,  # not hashed: see the model
            adopted_text=draft.adopted_text,
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
    # A comment's first decision takes it off the undecided tally (the desk's counts).
    undecided_tally_change(
        consultation_id=consultation.pk,
        comments=[
            draft.comment
            for draft in drafts
            if draft.comment is not None and ("comment", draft.comment_id) not in current
        ],
        delta=-1,
    )
    # The head this batch leaves, anchored in the same transaction (issue 21):
    # verify_ledger checks the chain still reaches it.
    LedgerHead.objects.create(
        consultation=consultation,
        batch=batch,
        entry_count=sequence,
        head_hash=previous_hash,
        anchored_at=now,
    )
    DispositionDraft.objects.filter(pk__in=[d.pk for d in drafts]).delete()
    draft_tally_change(
        consultation_id=consultation.pk, delta=-sum(1 for d in drafts if d.comment_id)
    )
    audit_record(
        event=Event.DISPOSITION_PUBLISHED,
        actor=actor,
        consultation=consultation,
        target=f"batch {batch.pk}",
        count=len(entries),
        receipts=[draft.receipt for draft in drafts],
    )
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
    snippet: RationaleSnippet | None = None,
    adopted_text: str = "",
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
        snippet=snippet,
        adopted_text=adopted_text,
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
        .select_related(
            "comment__author", "point__comment__author", "consultation", "comment__section"
        )
        .order_by("sequence")
    )
    # The head the batch anchored goes out in every digest: a copy of it outside
    # the database (None for a batch published before the head log).
    head = LedgerHead.objects.filter(batch_id=batch_id).first()
    by_author: dict[int, list[DispositionEntry]] = {}
    for entry in entries:
        comment = entry.parent_comment  # a point's decision goes to its comment's author
        if comment.entered_by_id is not None:
            continue  # entered by staff (comments.offline.services): the author is not the sender
        by_author.setdefault(comment.author_id, []).append(entry)
    sent = 0
    for author_id, own in by_author.items():
        consultation = own[0].consultation
        decisions = [
            {
                "entry": entry,
                "comment": entry.parent_comment,
                "receipt": entry.receipt,
                "link": settings.SITE_URL + reverse("receipt", args=[entry.parent_comment.receipt]),
            }
            for entry in own
        ]
        # In the language of the commenter's latest comment here
        # (consult/translations/languages.py).
        with translation.override(mail_language(own[-1].parent_comment.language)):
            if len(own) == 1:
                subject = _("[%(consultation)s] A decision on your comment %(receipt)s") % {
                    "consultation": consultation.title[:80],
                    "receipt": own[0].receipt,
                }
            else:
                subject = _("[%(consultation)s] Decisions on %(n)d of your comments") % {
                    "consultation": consultation.title[:80],
                    "n": len(own),
                }
            text = render_to_string(
                "feedback/email/digest.txt",
                {"consultation": consultation, "decisions": decisions, "head": head},
            )
        sent += outbox.send_mail_once(
            key=f"batch-{batch_id}-to-{author_id}",
            to=own[0].parent_comment.author.email,
            subject=subject,
            text=text,
        )
    return sent


# --- the secretariat's workbench: bulk drafts, saved rationales, reminders ---------


def _naming(exc: ValidationError, receipt: str) -> ValidationError:
    """The same refusal, each message prefixed with the receipt it is about."""
    return ValidationError(
        {
            field: [f"{receipt}: {message}" for message in messages]
            for field, messages in exc.message_dict.items()
        }
    )


@transaction.atomic
def disposition_draft_bulk(
    *,
    actor,
    consultation: Consultation,
    comments: Iterable[Comment],
    status: str,
    rationale: str = "",
    snippet: RationaleSnippet | None = None,
    duplicate_of: Comment | None = None,
) -> list[DispositionDraft]:
    """Draft the same decision on several comments of one consultation: all or none.

    Each comment is checked as ``disposition_draft_save`` checks one, and a
    refusal names the receipt.  A comment's existing draft is replaced
    (status, rationale, duplicate-of, drafted-by); its target section and
    the appeal it answers are kept, since they are specific to that comment.
    An amendment accepted in bulk adopts its own proposed wording; "partly
    accepted" is refused on amendments here (each needs its own adopted wording:
    the decide page).
    """
    permissions.require_can_decide(actor, consultation)
    by_pk = {comment.pk: comment for comment in comments}
    chosen = list(by_pk.values())
    if not chosen:
        raise ValidationError({"comments": _("Select at least one comment.")})
    foreign = [comment.receipt for comment in chosen if comment.consultation_id != consultation.pk]
    if foreign:
        raise ValidationError(
            {
                "comments": _("Not comments of this consultation: %(receipts)s.")
                % {"receipts": ", ".join(foreign)}
            }
        )
    rationale = rationale_or_snippet(
        rationale=rationale, snippet=snippet, consultation=consultation
    )
    amendments = {
        amendment.comment_id: amendment
        for amendment in Amendment.objects.filter(comment__in=chosen)
    }
    if status == Status.PARTLY_ACCEPTED and amendments:
        receipts = ", ".join(c.receipt for c in chosen if c.pk in amendments)
        raise ValidationError(
            {
                "status": _(
                    "“Partly accepted” needs the wording adopted for each amendment: decide "
                    "%(receipts)s one by one."
                )
                % {"receipts": receipts}
            }
        )
    adopted: dict[int, str] = {}
    for comment in chosen:
        try:
            disposition_validate(
                comment=comment,
                status=status,
                rationale=rationale,
                target_section=None,
                duplicate_of=duplicate_of,
            )
            adopted[comment.pk] = adopted_text_for(
                amendment=amendments.get(comment.pk), status=status, adopted_text=""
            )
        except ValidationError as exc:
            raise _naming(exc, comment.receipt) from exc

    now = timezone.now()
    existing = {
        draft.comment_id: draft
        for draft in DispositionDraft.objects.select_for_update().filter(comment__in=chosen)
    }
    created, updated = [], []
    for comment in chosen:
        draft = existing.get(comment.pk)
        if draft is None:
            draft = DispositionDraft(comment=comment)
            created.append(draft)
        else:
            updated.append(draft)
        draft.status = status
        draft.rationale = rationale.strip()
        draft.duplicate_of = duplicate_of
        draft.adopted_text = adopted[comment.pk]
        draft.drafted_by = actor
        draft.updated_at = now  # bulk_update does not touch auto_now fields
    DispositionDraft.objects.bulk_create(created)
    draft_tally_change(consultation_id=consultation.pk, delta=len(created))
    DispositionDraft.objects.bulk_update(
        updated,
        ["status", "rationale", "duplicate_of", "adopted_text", "drafted_by", "updated_at"],
    )
    return created + updated


def _snippet_save(snippet: RationaleSnippet) -> RationaleSnippet:
    snippet.title = snippet.title.strip()
    errors: dict[str, str] = {}
    if not snippet.title:
        errors["title"] = _("Give the saved rationale a title.")
    if not snippet.text.strip():
        errors["text"] = _("Write the text of the saved rationale.")
    if errors:
        raise ValidationError(errors)
    taken = (
        RationaleSnippet.objects.filter(
            consultation_id=snippet.consultation_id, title__iexact=snippet.title
        )
        .exclude(pk=snippet.pk)
        .exists()
    )
    title_taken = ValidationError(
        {
            "title": _("This consultation already has a saved rationale called “%(title)s”.")
            % {"title": snippet.title}
        }
    )
    if taken:
        raise title_taken
    snippet.full_clean(exclude=["created_by"], validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not break the caller
            snippet.save()
    except IntegrityError as exc:
        raise title_taken from exc
    return snippet


@transaction.atomic
def snippet_create(*, actor, consultation: Consultation, title: str, text: str) -> RationaleSnippet:
    """Save a rationale the secretariat can reuse on this consultation's decisions."""
    permissions.require_can_decide(actor, consultation)
    return _snippet_save(
        RationaleSnippet(consultation=consultation, title=title, text=text, created_by=actor)
    )


@transaction.atomic
def snippet_update(*, actor, snippet: RationaleSnippet, title: str, text: str) -> RationaleSnippet:
    """Change a saved rationale.  Decisions already drafted or published keep their own copy."""
    permissions.require_can_decide(actor, snippet.consultation)
    snippet.title = title
    snippet.text = text
    return _snippet_save(snippet)


@transaction.atomic
def snippet_delete(*, actor, snippet: RationaleSnippet) -> None:
    """Delete a saved rationale.  Decisions that used it keep their text."""
    permissions.require_can_decide(actor, snippet.consultation)
    snippet.delete()


def overdue_comments_remind(*, now=None) -> int:
    """Mail each consultation's secretariat how many comments wait past the response target.

    "Waiting" is ``feedback.permissions.needs_decision_q`` (no published decision, and
    not the team's own reply); overdue, made before ``overdue_before`` (whole UTC days,
    ``PLENARY_RESPONSE_TARGET_DAYS``).  Run daily
    by ``feedback.tasks.remind_overdue_comments``.  One mail per secretariat
    member per consultation per (local) day: the idempotency key holds the
    date, so a re-run or a retry on the same day sends nothing twice.
    Returns the number of mails sent.
    """
    now = now or timezone.now()
    target_days = settings.PLENARY_RESPONSE_TARGET_DAYS
    waiting = dict(
        Comment.objects.filter(
            permissions.needs_decision_q(), created_at__lt=permissions.overdue_before(now=now)
        )
        .values_list("consultation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not waiting:
        return 0
    day = timezone.localdate(now).isoformat()
    sent = 0
    for consultation in Consultation.objects.filter(pk__in=waiting).order_by("pk"):
        link = settings.SITE_URL + reverse("staff_triage", args=[consultation.slug])
        count = waiting[consultation.pk]
        for user in secretariat_members(consultation=consultation):
            sent += send_reminder(  # skipped for those who turned staff reminders off
                key=f"overdue-{consultation.pk}-{day}-to-{user.pk}",
                user=user,
                kind=Kind.STAFF_REMINDERS,
                subject=ngettext(
                    "[%(consultation)s] %(n)d comment waits longer than %(days)d days for a "
                    "decision",
                    "[%(consultation)s] %(n)d comments wait longer than %(days)d days for a "
                    "decision",
                    count,
                )
                % {"consultation": consultation.title[:80], "n": count, "days": target_days},
                text=render_to_string(
                    "feedback/email/overdue.txt",
                    {
                        "consultation": consultation,
                        "count": count,
                        "days": target_days,
                        "link": f"{link}?status=overdue",
                    },
                ),
            )
    return sent


# --- appeals -------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, actor, comment: Comment, reason: str) -> Appeal:
    """The commenter asks the secretariat to reconsider the comment's current decision.

    Only the author, within ``PLENARY_APPEAL_WINDOW_DAYS`` of that decision's
    publication, with a reason, and while no earlier appeal waits for its
    answer.  The secretariat is mailed and must answer (a new ledger entry
    with ``appeal=`` this appeal) within ``PLENARY_APPEAL_ANSWER_DAYS``.
    """
    # Two appeals sent at once must not both pass the "one open appeal" rule.
    Comment.objects.select_for_update().filter(pk=comment.pk).first()
    now = timezone.now()
    entry = permissions.require_can_appeal(actor, comment, now=now)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the decision should be reconsidered.")})
    if len(reason) > APPEAL_REASON_MAX_CHARS:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(max)d characters (it has %(n)d).")
                % {"max": APPEAL_REASON_MAX_CHARS, "n": len(reason)}
            }
        )
    appeal = Appeal(
        comment=comment,
        entry=entry,
        appellant=actor,
        reason=reason,  # stored as written
        created_at=now,
        answer_due_at=now + timedelta(days=settings.PLENARY_APPEAL_ANSWER_DAYS),
    )
    appeal.full_clean()
    appeal.save()
    audit_record(
        event=Event.APPEAL_FILED,
        actor=actor,
        consultation=comment.consultation_id,
        target=comment.receipt,
        appeal=appeal.pk,
    )
    outbox.enqueue("feedback.tasks.notify_appeal_filed", appeal_id=appeal.pk)
    return appeal


def _appeal_links(appeal: Appeal) -> tuple[str, str]:
    decide = reverse("staff_decide", args=[appeal.comment.receipt])
    appeals = reverse("staff_appeals", args=[appeal.comment.consultation.slug])
    return (
        f"{settings.SITE_URL}{decide}?appeal={appeal.pk}",
        f"{settings.SITE_URL}{appeals}",
    )


def appeal_notify_filed(*, appeal_id: int) -> int:
    """Mail the secretariat that an appeal was filed; return mails sent (idempotent)."""
    appeal = (
        Appeal.objects.select_related("comment__consultation", "entry").filter(pk=appeal_id).first()
    )
    if appeal is None:
        return 0
    consultation = appeal.comment.consultation
    link, _list_link = _appeal_links(appeal)
    subject = _("[%(consultation)s] Appeal on comment %(receipt)s") % {
        "consultation": consultation.title[:80],
        "receipt": appeal.comment.receipt,
    }
    text = render_to_string(
        "feedback/email/appeal_filed.txt",
        {"consultation": consultation, "appeal": appeal, "link": link},
    )
    sent = 0
    for user in secretariat_members(consultation=consultation):
        sent += outbox.send_mail_once(
            key=f"appeal-{appeal.pk}-filed-to-{user.pk}", to=user.email, subject=subject, text=text
        )
    return sent


def appeal_reminders_send(*, now=None) -> int:
    """Remind each secretariat of unanswered appeals due soon or overdue; return mails sent.

    "Due soon" is within ``PLENARY_APPEAL_REMINDER_DAYS`` of the deadline.
    At most one mail per appeal, kind (due soon, overdue) and recipient, so
    the beat task may run as often as it likes.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.PLENARY_APPEAL_REMINDER_DAYS)
    appeals = (
        Appeal.objects.filter(answers__isnull=True, answer_due_at__lte=horizon)
        .select_related("comment__consultation")
        .order_by("comment__consultation_id", "answer_due_at", "pk")
    )
    recipients: dict[int, list] = {}
    sent = 0
    for appeal in appeals:
        consultation = appeal.comment.consultation
        if consultation.pk not in recipients:
            recipients[consultation.pk] = list(secretariat_members(consultation=consultation))
        overdue = now > appeal.answer_due_at
        kind = "overdue" if overdue else "due-soon"
        link, list_link = _appeal_links(appeal)
        values = {
            "consultation": consultation.title[:80],
            "receipt": appeal.comment.receipt,
            "date": formats.date_format(timezone.localtime(appeal.answer_due_at), "j F Y"),
        }
        if overdue:
            subject = _("[%(consultation)s] Overdue: the appeal on %(receipt)s was due %(date)s")
        else:
            subject = _("[%(consultation)s] The appeal on %(receipt)s is due %(date)s")
        text = render_to_string(
            "feedback/email/appeal_reminder.txt",
            {
                "consultation": consultation,
                "appeal": appeal,
                "overdue": overdue,
                "link": link,
                "list_link": list_link,
            },
        )
        for user in recipients[consultation.pk]:
            sent += send_reminder(  # skipped for those who turned staff reminders off
                key=f"appeal-{appeal.pk}-{kind}-to-{user.pk}",
                user=user,
                kind=Kind.STAFF_REMINDERS,
                subject=subject % values,
                text=text,
            )
    return sent


def ledger_event_record(
    *, consultation: Consultation, kind: str, comment: Comment, payload: dict, actor=None
) -> LedgerEvent:
    """Append an event (a dispute decided, a redaction: issue 25) to the
    consultation's event chain.  Not a door: the caller checked the rule, and
    calls this inside its transaction.  ``payload`` must hold only public,
    JSON-plain values: it is hashed and exported as it is.  Serialised by the
    consultation's row lock, like a publication."""
    Consultation.objects.select_for_update().filter(pk=consultation.pk).first()
    last = (
        LedgerEvent.objects.filter(consultation=consultation)
        .order_by("-sequence")
        .only("sequence", "event_hash")
        .first()
    )
    event = LedgerEvent(
        consultation=consultation,
        sequence=(last.sequence if last else 0) + 1,
        kind=kind,
        comment=comment,
        payload=payload,
        recorded_by=actor,
        recorded_at=timezone.now(),
        previous_hash=last.event_hash if last else chain.GENESIS,
    )
    event.event_hash = chain.digest(
        chain.event_document_for(event, previous_hash=event.previous_hash)
    )
    event.save()
    return event
