from django.db.models import Count, QuerySet

from stakeholders.models import Affiliation, Organisation, StakeholderGroup, User


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


def affiliations_of(*, user: User) -> QuerySet[Affiliation]:
    """My affiliations, newest first, with their organisations (one query)."""
    return (
        Affiliation.objects.filter(participant__user=user)
        .select_related("organisation__merged_into", "organisation__group")
        .order_by("-created_at", "-pk")
    )


def organisation_search(*, query: str = "") -> QuerySet[Organisation]:
    """The registry's organisations, by name, with what their list shows (one query)."""
    organisations = Organisation.objects.select_related("group", "merged_into").annotate(
        affiliation_count=Count("affiliations", distinct=True)
    )
    query = " ".join(query.split())
    if query:
        organisations = organisations.filter(name__icontains=query)
    return organisations.order_by("name", "pk")


def affiliation_queue() -> QuerySet[Affiliation]:
    """Affiliations waiting for the secretariat's decision, oldest first (one query)."""
    return (
        Affiliation.objects.filter(status=Affiliation.Status.REQUESTED)
        .select_related("participant__group", "organisation__merged_into")
        .order_by("created_at", "pk")
    )


def public_organisations() -> QuerySet[Organisation]:
    """Every organisation in the registry, for the public API (one query)."""
    return Organisation.objects.select_related("group").order_by("name", "pk")
