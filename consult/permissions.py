"""Who may do what to a consultation.

Roles are django-guardian object permissions on the Consultation (see
``ROLE_PERMISSIONS``), granted and revoked only by
``consult.consultations.services.consultation_role_grant``/``_revoke``.  Every service
calls a ``require_*`` function here; views only call the helpers to decide
what to show.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from consult.models import Consultation, DocumentVersion
from stakeholders.permissions import staff_mfa_satisfied


def _has(user, codename: str, consultation: Consultation) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm(f"consult.{codename}", consultation)
        and staff_mfa_satisfied(user)
    )


def can_create_consultation(user) -> bool:
    return bool(
        user.is_authenticated
        and user.has_perm("consult.add_consultation")
        and staff_mfa_satisfied(user)
    )


def can_run(user, consultation: Consultation) -> bool:
    """Secretariat of this consultation: edit it, open rounds, decide dispositions."""
    return _has(user, "run_consultation", consultation)


def can_moderate(user, consultation: Consultation) -> bool:
    return _has(user, "moderate_consultation", consultation)


def can_analyse(user, consultation: Consultation) -> bool:
    return _has(user, "analyse_consultation", consultation)


def can_draft_assigned(user, consultation: Consultation) -> bool:
    """The drafter role: drafts decisions, but only on the comments assigned to them
    (``feedback.permissions.can_draft`` adds that half of the rule)."""
    return _has(user, "draft_consultation", consultation)


_ROLE_CODENAMES = frozenset(
    {"run_consultation", "moderate_consultation", "analyse_consultation", "draft_consultation"}
)


def _codenames(user, consultation: Consultation) -> set[str]:
    """The user's permissions on the consultation, read once (one checker: its
    user and group queries) rather than once per permission asked about."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    codenames = set(ObjectPermissionChecker(user).get_perms(consultation))
    return codenames if not codenames or staff_mfa_satisfied(user) else set()


def is_staff_of(user, consultation: Consultation) -> bool:
    """Any role on the consultation (sees private comments and the triage list)."""
    return bool(_ROLE_CODENAMES & _codenames(user, consultation))


def can_run_or_analyse(user, consultation: Consultation) -> bool:
    """The secretariat or an analyst: the people who work on the input (clusters,
    themes, the outcome report), as distinct from the moderators, who work on the
    threads."""
    return bool({"run_consultation", "analyse_consultation"} & _codenames(user, consultation))


def require_is_staff_of(user, consultation: Consultation) -> None:
    if not is_staff_of(user, consultation):
        raise PermissionDenied(_("Only this consultation's team can open this page."))


def require_can_create_consultation(user) -> None:
    if not can_create_consultation(user):
        raise PermissionDenied(_("Only convenors can create consultations."))


def require_can_run(user, consultation: Consultation) -> None:
    if not can_run(user, consultation):
        raise PermissionDenied(_("Only this consultation's secretariat can do this."))


def public_consultations_q() -> Q:
    """The consultations anyone may see (lists, sitemaps): the published ones."""
    return Q(status=Consultation.Status.PUBLISHED)


def can_view(user, consultation: Consultation, *, is_staff: bool | None = None) -> bool:
    """A published consultation is public; an unpublished one is its team's only.

    Its pages, its receipts, its versions' list and its exports all follow this.
    """
    if consultation.status == Consultation.Status.PUBLISHED:
        return True
    return is_staff_of(user, consultation) if is_staff is None else is_staff


def require_can_view(user, consultation: Consultation) -> None:
    if not can_view(user, consultation):
        raise PermissionDenied(_("This consultation is not published."))


# --- versions of the draft ------------------------------------------------------------


def versions_q(*, is_staff: bool, prefix: str = "") -> Q:
    """The versions a viewer may read: published ones; every one for the team.
    ``prefix`` reaches versions across a relation (``"version__"``)."""
    return Q() if is_staff else Q(**{f"{prefix}published_at__isnull": False})


def can_view_version(user, version: DocumentVersion, *, is_staff: bool | None = None) -> bool:
    """:func:`versions_q` for one version, in a consultation the viewer may see."""
    if is_staff is None:
        is_staff = is_staff_of(user, version.consultation)
    if not can_view(user, version.consultation, is_staff=is_staff):
        return False
    return is_staff or version.published_at is not None


def can_see_staff_pages(user) -> bool:
    """Whether the header offers "Staff": a role on some consultation, the right to
    create one, or site staff powers.  One query for a person with a role (guardian's
    user and group object permissions), three for one without (Django's global
    permissions, then cached on the user); read once per request, when the header
    is drawn (``consult.context_processors``).
    MFA is not asked here: the staff pages themselves ask for it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    has_role = get_objects_for_user(
        user,
        [f"consult.{codename}" for codename in sorted(_ROLE_CODENAMES)],
        klass=Consultation,
        any_perm=True,
        accept_global_perms=False,
    ).exists()
    return has_role or user.has_perm("consult.add_consultation")


# --- the audit log (plenary.audit's records, read on consult.audit's pages) -------


def can_read_audit_log(user) -> bool:
    """Superusers and site staff given ``audit.view_auditevent`` read the whole log."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm("audit.view_auditevent")))
        and staff_mfa_satisfied(user)
    )


def require_can_read_audit_log(user) -> None:
    if not can_read_audit_log(user):
        raise PermissionDenied(_("Only site administrators can read the audit log."))


def require_can_read_consultation_audit_log(user, consultation) -> None:
    """A consultation's secretariat reads that consultation's events."""
    if not (can_read_audit_log(user) or can_run(user, consultation)):
        raise PermissionDenied(_("Only this consultation's secretariat can read its audit log."))
