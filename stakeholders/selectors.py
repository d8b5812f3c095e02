from django.db.models import QuerySet

from .models import Affiliation, Organisation, StakeholderGroup, User


def organisations_for_behalf(*, user: User) -> QuerySet[Organisation]:
    """Organisations this user may speak for: verified ones with a verified affiliation."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        verified_at__isnull=False,
        affiliations__participant__user=user,
        affiliations__status=Affiliation.Status.VERIFIED,
    ).distinct()


def stakeholder_groups() -> QuerySet[StakeholderGroup]:
    """The stakeholder groups in their display order."""
    return StakeholderGroup.objects.order_by("ordinal", "name")
