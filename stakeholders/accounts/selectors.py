"""Reads for the participant's own account pages and API."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from stakeholders.models import ApiToken


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """``user``'s live API tokens, newest first (expired ones are not listed: they
    no longer open anything, and are deleted when next presented)."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).filter(
        Q(expiry__isnull=True) | Q(expiry__gt=timezone.now())
    )
