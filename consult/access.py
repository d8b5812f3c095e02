"""How pages and the API reach a consultation, with the check that goes with it.

The rules are consult.permissions' (and feedback.permissions' for its pages); these
functions turn them into the 404 or 403 every entry point gives, so no view restates them.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from consult import permissions
from consult.consultations import selectors
from consult.models import Consultation

Requirement = Callable[[Any, Consultation], None]


def consultation_for(
    request, slug: str, *, require: Requirement = permissions.require_can_view
) -> Consultation:
    """The consultation a page names: 404 if unknown, 403 unless ``require`` (one of the
    ``require_*`` rules of consult.permissions or feedback.permissions) lets the viewer in.

    Every page that names a consultation comes through here, with the rule its page
    follows: no view fetches a consultation and checks a role by itself.
    """
    consultation = get_object_or_404(Consultation, slug=slug)
    require(request.user, consultation)
    return consultation


def team_consultation(request, slug: str) -> Consultation:
    """The consultation for a staff page: 404 if unknown, 403 unless the viewer has a role."""
    return consultation_for(request, slug, require=permissions.require_is_staff_of)


def consultation_or_404(*, slug: str, user) -> Consultation:
    """The consultation if ``user`` may see it; 404 otherwise (unpublished ones stay hidden)."""
    consultation = selectors.consultation_for_viewer(slug=slug, user=user)
    if consultation is None:
        raise Http404(_("No consultation “%(slug)s”.") % {"slug": slug})
    return consultation
