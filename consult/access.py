"""How pages and the API reach a consultation, with the check that goes with it.

The rules are consult.permissions'; these three functions turn them into the
404 or 403 every entry point gives, so no view restates them.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from consult import permissions
from consult.consultations import selectors
from consult.models import Consultation


def consultation_for(request, slug: str) -> Consultation:
    """The consultation for a public page: 404 if unknown, refused unless the viewer may see it."""
    consultation = get_object_or_404(Consultation, slug=slug)
    permissions.require_can_view(request.user, consultation)
    return consultation


def team_consultation(request, slug: str) -> Consultation:
    """The consultation for a staff page: 404 if unknown, 403 unless the viewer has a role."""
    consultation = get_object_or_404(Consultation, slug=slug)
    if not permissions.is_staff_of(request.user, consultation):
        raise PermissionDenied(_("Only this consultation's team can open this page."))
    return consultation


def consultation_or_404(*, slug: str, user) -> Consultation:
    """The consultation if ``user`` may see it; 404 otherwise (unpublished ones stay hidden)."""
    consultation = selectors.consultation_for_viewer(slug=slug, user=user)
    if consultation is None:
        raise Http404(_("No consultation “%(slug)s”.") % {"slug": slug})
    return consultation
