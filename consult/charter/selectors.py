"""Reads of the charter: whether a participant accepted its code of conduct, or must.

Recording an acceptance is ``consult.charter.services``.
"""

from django.db.models import QuerySet

from consult import permissions
from consult.models import CharterAcceptance, Consultation


def acceptances(*, user, consultation: Consultation) -> QuerySet[CharterAcceptance]:
    """``user``'s acceptance here (at most one row); also read by
    ``comments.permissions.standing_of`` with the other rules of commenting."""
    return CharterAcceptance.objects.filter(consultation=consultation, user=user)


def charter_accepted(*, user, consultation: Consultation) -> bool:
    if not user.is_authenticated:
        return False
    return acceptances(user=user, consultation=consultation).exists()


def charter_needed(*, user, consultation: Consultation, accepted: bool | None = None) -> bool:
    """Must ``user`` accept the code of conduct before commenting here?

    ``accepted`` may be passed when the caller has read it already
    (``comments.permissions.Standing.charter_accepted``).
    """
    if not (consultation.code_of_conduct.strip() and user.is_authenticated):
        return False
    if accepted is None:
        accepted = charter_accepted(user=user, consultation=consultation)
    return not accepted and not permissions.is_staff_of(user, consultation)
