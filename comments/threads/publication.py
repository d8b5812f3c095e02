"""Consent to publish (issue 25): at submission a participant chooses to publish
with their name, without their name, or not to publish.

One choice, stored as two columns the rules already read: ``visibility``
(PRIVATE: the team reads it, the ledger shows its receipt and status) and
``anonymous`` (the byline withholds the name: ``comments.permissions.can_see_author``).
The page form and the API take ``publication``; the API's older ``visibility``
keeps working alone (public: named, private: private).  Given both, they must
agree, or the answer names ``publication``: ``publication`` is the one to use.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.models import Comment


class Publication(models.TextChoices):
    NAMED = "named", gettext_lazy("Publish with my name")
    ANONYMOUS = "anonymous", gettext_lazy("Publish without my name")
    PRIVATE = (
        "private",
        gettext_lazy(
            "Do not publish: only the consultation's team reads it (the public ledger shows its "
            "receipt and status)"
        ),
    )


def publication_of(comment: Comment) -> str:
    """The choice a comment was published with."""
    if comment.visibility == Comment.Visibility.PRIVATE:
        return Publication.PRIVATE
    return Publication.ANONYMOUS if comment.anonymous else Publication.NAMED


def publication_resolve(*, publication: str | None, visibility: str | None) -> tuple[str, bool]:
    """``(visibility, anonymous)`` for what was sent; neither: published with the name.

    Refuses (ValidationError on ``publication``) an unknown choice, and a
    ``visibility`` that contradicts ``publication``.
    """
    if publication is None:
        return (visibility or Comment.Visibility.PUBLIC), False
    if publication not in Publication.values:
        raise ValidationError(
            {"publication": _("Choose named, anonymous or private.")}, code="invalid_choice"
        )
    wanted = (
        Comment.Visibility.PRIVATE
        if publication == Publication.PRIVATE
        else Comment.Visibility.PUBLIC
    )
    if visibility and visibility != wanted:
        raise ValidationError(
            {
                "publication": _(
                    "“%(publication)s” contradicts the visibility “%(visibility)s”: send "
                    "publication alone."
                )
                % {"publication": publication, "visibility": visibility}
            },
            code="conflict",
        )
    return wanted, publication == Publication.ANONYMOUS
