"""Reads of follows: who follows what, and who takes round mails.

The follows and reminder mails themselves are ``consult.reminders.services``.
"""

from django.db.models import QuerySet

from comments.models import Comment
from consult.models import Consultation, Follow


def comments_by(*, author_id: int, consultation_id: int) -> QuerySet[Comment]:
    """Everything ``author_id`` wrote in the consultation; whether it is empty
    before a comment is written is also read by ``comments.permissions.standing_of``."""
    return Comment.objects.filter(consultation_id=consultation_id, author_id=author_id)


def is_following(*, user, consultation: Consultation) -> bool:
    if not user.is_authenticated:
        return False
    return Follow.objects.filter(user=user, consultation=consultation).exists()


def follows_of(*, user) -> QuerySet[Follow]:
    return Follow.objects.filter(user=user).select_related("consultation").order_by("-created_at")


def round_mail_followers(consultation_ids) -> dict[int, list]:
    """The followers who take round mails (``mail_round_closing``, active, with an
    address), by consultation id, in user order: one query."""
    follows = (
        Follow.objects.filter(
            consultation_id__in=consultation_ids,
            user__mail_round_closing=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    followers: dict[int, list] = {}
    for follow in follows:
        followers.setdefault(follow.consultation_id, []).append(follow.user)
    return followers
