"""Supporting a proposed change (issue 24): the only door for writes to
``comments.models.AmendmentSupport``.

A support is a count, not a contribution: it writes no comment, no revision and no
receipt, and withdrawing it deletes its row.  Supporting is open to whoever may
comment here (``comments.permissions.require_can_support``), with the code of conduct
accepted once per consultation as for a first comment, in the same action.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from comments import permissions
from comments.models import AmendmentSupport, Comment
from comments.supports.selectors import supports_count
from consult.charter import services as charter
from plenary import ratelimit
from plenary.pagecache import pages_changed


@dataclass(frozen=True)
class SupportResult:
    """What a support or its withdrawal did: ``changed`` (a row written or deleted;
    False when it was already so) and the amendment's ``count`` afterwards."""

    changed: bool
    count: int


@transaction.atomic
def amendment_support(
    *,
    actor,
    comment: Comment,
    accept_code_of_conduct: bool = False,
    rate_key: ratelimit.RateKey | None = None,
) -> SupportResult:
    """``actor`` supports the change ``comment`` proposes; supporting twice changes nothing.

    ``rate_key`` counts the attempt against the support limit first
    (``PLENARY_RATE_SUPPORT_PER_ACCOUNT``/``_PER_IP``), refused or not.  Refuses
    (PermissionDenied, or ValidationError naming the field) as
    ``comments.permissions.require_can_support`` says, then until the code of conduct
    is accepted (``accept_code_of_conduct``, accepted in the same transaction).
    """
    if rate_key is not None:
        ratelimit.count_attempt("support", rate_key)
    standing = permissions.require_can_support(actor, comment)
    charter.charter_require(
        actor=actor,
        consultation=comment.consultation,
        accept=accept_code_of_conduct,
        accepted=standing.charter_accepted,
    )
    try:
        # A savepoint: a concurrent support of the same person loses the race to the
        # unique constraint, and this transaction goes on.
        with transaction.atomic():
            _support, created = AmendmentSupport.objects.get_or_create(
                amendment_id=comment.pk, user=actor
            )
    except IntegrityError:
        created = False
    if created:
        pages_changed()  # the count on anonymous readers' stored pages (plenary/pagecache.py)
    return SupportResult(changed=created, count=supports_count(comment=comment))


@transaction.atomic
def amendment_support_withdraw(
    *, actor, comment: Comment, rate_key: ratelimit.RateKey | None = None
) -> SupportResult:
    """``actor`` withdraws their support of ``comment`` (its row is deleted); withdrawing
    a support never given changes nothing.  The same rules as supporting, but the
    code of conduct (whoever supported has accepted it)."""
    if rate_key is not None:
        ratelimit.count_attempt("support", rate_key)
    permissions.require_can_support(actor, comment)
    deleted, _by_model = AmendmentSupport.objects.filter(
        amendment_id=comment.pk, user=actor
    ).delete()
    if deleted:
        pages_changed()
    return SupportResult(changed=bool(deleted), count=supports_count(comment=comment))
