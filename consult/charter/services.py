"""The consultation's charter and the one-time acceptance of its code of conduct.

A participant accepts the code of conduct once per consultation, before their
first comment there (``CharterAcceptance``, unique per consultation and
person).  ``comments.threads.services.comment_create`` calls :func:`charter_require`:
with ``accept_code_of_conduct=True`` in the same request (the checkbox of the
comment form, the field of the API), the acceptance is recorded in the same
transaction as the comment, so a refused comment records no acceptance and an
accepted code never loses the comment's text.  Nothing is asked when the
consultation has no code of conduct, nor of its own team (who wrote it), nor
of comments entered by staff for people who wrote by mail or at a workshop
(``comments.offline.services``: they never pass here).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from consult import permissions
from consult.charter.selectors import charter_needed
from consult.models import CharterAcceptance, Consultation

FIELD = "accept_code_of_conduct"


@transaction.atomic
def charter_accept(*, actor, consultation: Consultation) -> CharterAcceptance:
    """Record that ``actor`` accepts the code of conduct (idempotent)."""
    if not (actor.is_authenticated and actor.is_active):
        raise PermissionDenied(_("Sign in to accept the code of conduct."))
    permissions.require_can_view(actor, consultation)
    if not consultation.code_of_conduct.strip():
        raise ValidationError({FIELD: _("This consultation has no code of conduct to accept.")})
    try:
        with transaction.atomic():
            acceptance, _created = CharterAcceptance.objects.get_or_create(
                consultation=consultation, user=actor
            )
    except IntegrityError:  # a concurrent acceptance won the race: the row exists
        acceptance = CharterAcceptance.objects.get(consultation=consultation, user=actor)
    return acceptance


def charter_require(
    *, actor, consultation: Consultation, accept: bool, accepted: bool | None = None
) -> None:
    """Refuse a first comment until the code of conduct is accepted (or accept it now).

    ``accepted``: as for :func:`charter_needed`.
    """
    if not charter_needed(user=actor, consultation=consultation, accepted=accepted):
        return
    if not accept:
        raise ValidationError(
            {
                FIELD: _(
                    "Before your first comment in this consultation, read and accept its "
                    "code of conduct."
                )
            }
        )
    charter_accept(actor=actor, consultation=consultation)
