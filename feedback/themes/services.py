"""Themes: the team's grouping of comments by topic, and the suggestions that help.

Services (the only door for writes), each ``permission → validate → write →
enqueue``.  Who: the secretariat and analysts
(``feedback.permissions.require_can_manage_themes``).  A theme belongs to one
consultation and its name is unique there whatever the case.  Tags are
idempotent (tagging twice is a no-op) and cost one INSERT per batch.

Suggestions come from ``feedback.themes.suggest`` through the background job
``feedback.tasks.suggest_themes``; the job only ever writes pending
``ThemeSuggestion`` rows.  A person accepts one (a new theme, or merged into
an existing one, with the comments they keep selected) or rejects it: no
Theme or ThemeTag is ever written without that decision.
"""

from collections.abc import Iterable
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comments.models import Comment
from consult.models import Consultation
from feedback.models import Theme, ThemeSuggestion, ThemeTag
from feedback.permissions import require_can_manage_themes
from plenary.outbox.services import enqueue

NAME_MAX = cast(int, Theme._meta.get_field("name").max_length)  # a CharField's: set


def _clean_name(*, consultation: Consultation, name: str, exclude: Theme | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the theme a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the name under %(n)d characters.") % {"n": NAME_MAX + 1}}
        )
    clash = Theme.objects.filter(consultation=consultation, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("This consultation already has a theme called “%(name)s”.") % {"name": name}}
        )
    return name


@transaction.atomic
def theme_create(*, actor, consultation: Consultation, name: str, description: str = "") -> Theme:
    require_can_manage_themes(actor, consultation)
    theme = Theme(
        consultation=consultation,
        name=_clean_name(consultation=consultation, name=name),
        description=(description or "").strip(),
        created_by=actor,
    )
    theme.save()
    return theme


@transaction.atomic
def theme_update(*, actor, theme: Theme, name: str, description: str = "") -> Theme:
    """Rename or describe a theme; its tags stay."""
    require_can_manage_themes(actor, theme.consultation)
    theme.name = _clean_name(consultation=theme.consultation, name=name, exclude=theme)
    theme.description = (description or "").strip()
    theme.save(update_fields=["name", "description"])
    return theme


@transaction.atomic
def theme_delete(*, actor, theme: Theme, untag: bool = False) -> int:
    """Delete a theme; return how many comments lost it.

    A theme that tags comments is deleted only with ``untag=True`` (the page
    asks first and says how many): the tags go with it; the comments, their
    decisions and the ledger are untouched.  Suggestions accepted into it
    keep their record, without the link.
    """
    require_can_manage_themes(actor, theme.consultation)
    tagged = ThemeTag.objects.filter(theme=theme).count()
    if tagged and not untag:
        raise ValidationError(
            {
                "untag": ngettext(
                    "%(n)d comment carries this theme. Confirm that it should lose it.",
                    "%(n)d comments carry this theme. Confirm that they should lose it.",
                    tagged,
                )
                % {"n": tagged}
            }
        )
    theme.delete()
    return tagged


def _check_comments(consultation: Consultation, comments: Iterable[Comment]) -> list[Comment]:
    comments = list(dict.fromkeys(comments))
    if not comments:
        raise ValidationError({"comments": _("Select at least one comment.")})
    foreign = [c.receipt for c in comments if c.consultation_id != consultation.pk]
    if foreign:
        raise ValidationError(
            {
                "comments": _("Not a comment of this consultation: %(receipts)s.")
                % {"receipts": ", ".join(foreign)}
            }
        )
    return comments


def _tag(*, actor, theme: Theme, comments: list[Comment]) -> int:
    already = set(
        ThemeTag.objects.filter(theme=theme, comment__in=comments).values_list(
            "comment_id", flat=True
        )
    )
    ThemeTag.objects.bulk_create(
        [ThemeTag(theme=theme, comment=c, tagged_by=actor) for c in comments],
        ignore_conflicts=True,  # a tag added meanwhile by someone else is the same tag
    )
    return len({c.pk for c in comments} - already)


@transaction.atomic
def theme_tag(*, actor, theme: Theme, comments: Iterable[Comment]) -> int:
    """Tag the comments with the theme; return how many were not tagged with it before."""
    require_can_manage_themes(actor, theme.consultation)
    return _tag(actor=actor, theme=theme, comments=_check_comments(theme.consultation, comments))


@transaction.atomic
def theme_untag(*, actor, theme: Theme, comments: Iterable[Comment]) -> int:
    """Remove the theme from the comments; return how many carried it."""
    require_can_manage_themes(actor, theme.consultation)
    comments = _check_comments(theme.consultation, comments)
    deleted, _counts = ThemeTag.objects.filter(theme=theme, comment__in=comments).delete()
    return deleted


@transaction.atomic
def comment_themes_set(*, actor, comment: Comment, themes: Iterable[Theme]) -> tuple[int, int]:
    """Make ``themes`` exactly the comment's themes; return (added, removed)."""
    require_can_manage_themes(actor, comment.consultation)
    themes = list(dict.fromkeys(themes))
    foreign = [t.name for t in themes if t.consultation_id != comment.consultation_id]
    if foreign:
        raise ValidationError(
            {
                "themes": _("Not a theme of this consultation: %(names)s.")
                % {"names": ", ".join(foreign)}
            }
        )
    current = set(ThemeTag.objects.filter(comment=comment).values_list("theme_id", flat=True))
    wanted = {t.pk for t in themes}
    removed, _counts = (
        ThemeTag.objects.filter(comment=comment, theme_id__in=current - wanted).delete()
        if current - wanted
        else (0, {})
    )
    ThemeTag.objects.bulk_create(
        [
            ThemeTag(theme=t, comment=comment, tagged_by=actor)
            for t in themes
            if t.pk not in current
        ],
        ignore_conflicts=True,
    )
    return len(wanted - current), removed


# --- suggestions ----------------------------------------------------------------------


@transaction.atomic
def theme_suggestions_request(*, actor, consultation: Consultation) -> None:
    """Queue the suggestion job (feedback.tasks.suggest_themes) for after this commit."""
    require_can_manage_themes(actor, consultation)
    enqueue("feedback.tasks.suggest_themes", consultation_id=consultation.pk)


def suggestion_input(*, consultation: Consultation) -> list[tuple[int, str]]:
    """What the job reads: comments not withdrawn and carrying no theme yet, oldest first.

    Tagged comments are left out so that a new run suggests what the themes
    do not cover yet.
    """
    return list(
        Comment.objects.filter(consultation=consultation, withdrawn_at__isnull=True)
        .exclude(theme_tags__isnull=False)
        .order_by("created_at", "pk")
        .values_list("pk", "body")
    )


def theme_suggestions_compute(*, consultation_id: int) -> int:
    """The job: replace the consultation's pending suggestions; return how many were made.

    Computes outside any transaction (it may take seconds), then writes in one
    transaction under a lock on the consultation, so two runs do not
    interleave.  Accepted and rejected suggestions stay as they were; no theme
    or tag is written.
    """
    # Loaded on demand: scikit-learn takes about a second to load; only the worker
    # running the job pays for it.
    from feedback.themes import suggest

    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        return 0
    found = suggest.suggest_themes(suggestion_input(consultation=consultation))
    with transaction.atomic():
        Consultation.objects.select_for_update().filter(pk=consultation_id).first()
        ThemeSuggestion.objects.filter(
            consultation_id=consultation_id, state=ThemeSuggestion.State.PENDING
        ).delete()
        # Comments withdrawn or deleted while the job computed are left out.
        still_there = set(
            Comment.objects.filter(
                pk__in=[i for s in found for i in s.comment_ids], withdrawn_at__isnull=True
            ).values_list("pk", flat=True)
        )
        now = timezone.now()
        rows = ThemeSuggestion.objects.bulk_create(
            [
                ThemeSuggestion(
                    consultation_id=consultation_id, label=s.label, terms=s.terms, created_at=now
                )
                for s in found
            ]
        )
        Through = ThemeSuggestion.comments.through
        Through.objects.bulk_create(
            [
                Through(themesuggestion_id=row.pk, comment_id=comment_id)
                for row, s in zip(rows, found, strict=True)
                for comment_id in s.comment_ids
                if comment_id in still_there
            ]
        )
    return len(rows)


def _pending(suggestion: ThemeSuggestion) -> ThemeSuggestion:
    """The suggestion, locked, if still pending (two people may decide it at once)."""
    locked = ThemeSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.state != ThemeSuggestion.State.PENDING:
        raise ValidationError(
            {
                "suggestion": _("This suggestion was already %(state)s.")
                % {"state": locked.get_state_display()}
            }
        )
    return locked


@transaction.atomic
def theme_suggestion_accept(
    *,
    actor,
    suggestion: ThemeSuggestion,
    comments: Iterable[Comment],
    name: str = "",
    description: str = "",
    theme: Theme | None = None,
) -> Theme:
    """Accept a suggestion: tag the chosen comments with a new theme, or with ``theme``.

    ``comments`` must be among the suggestion's (a person may deselect some);
    with no ``theme``, a theme called ``name`` (the suggestion's label when
    blank) is created.
    """
    require_can_manage_themes(actor, suggestion.consultation)
    suggestion = _pending(suggestion)
    consultation = suggestion.consultation
    comments = list(dict.fromkeys(comments))
    offered = set(suggestion.comments.values_list("pk", flat=True))
    outside = [c.receipt for c in comments if c.pk not in offered]
    if outside:
        raise ValidationError(
            {
                "comments": _("Not part of this suggestion: %(receipts)s.")
                % {"receipts": ", ".join(outside)}
            }
        )
    comments = _check_comments(consultation, comments)
    if theme is not None:
        if theme.consultation_id != consultation.pk:
            raise ValidationError({"theme": _("Choose a theme of this consultation.")})
    else:
        theme = Theme(
            consultation=consultation,
            name=_clean_name(consultation=consultation, name=name or suggestion.label),
            description=(description or "").strip(),
            created_by=actor,
        )
        theme.save()
    _tag(actor=actor, theme=theme, comments=comments)
    suggestion.state = ThemeSuggestion.State.ACCEPTED
    suggestion.theme = theme
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["state", "theme", "decided_by", "decided_at"])
    return theme


@transaction.atomic
def theme_suggestion_reject(*, actor, suggestion: ThemeSuggestion) -> ThemeSuggestion:
    require_can_manage_themes(actor, suggestion.consultation)
    suggestion = _pending(suggestion)
    suggestion.state = ThemeSuggestion.State.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])
    return suggestion
