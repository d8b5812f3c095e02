"""Who a comment is from, when staff entered it for somebody else.

One wording for every place that names a comment's author: the thread, the
receipt page, the ledger (page, CSV, JSON) and the outcome report.  A comment
entered by staff (``Comment.entered_by`` set: email, letter, workshop,
meeting, CSV import) is "submitted by <name> (<organisation>), received
<date> by <channel>, entered by the secretariat", never the staff member's
own display name.
"""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comments.models import Comment

# Where a name is withheld at the author's request (Comment.anonymous; the rule:
# comments.permissions.can_see_author).
NAME_WITHHELD = gettext_lazy("Name withheld at the participant's request")


def offline_byline(
    *, name: str, organisation: str, received_at: datetime | None, channel: str
) -> str:
    who = f"{name} ({organisation})" if organisation else name
    when = formats.date_format(timezone.localtime(received_at), "j F Y") if received_at else "?"
    return _(
        "submitted by %(who)s, received %(date)s by %(channel)s, entered by the secretariat"
    ) % {"who": who, "date": when, "channel": Comment.Channel(channel).label}


def comment_byline(comment: Comment) -> str:
    """The byline of a comment entered by staff ('' for one written on the web)."""
    if comment.entered_by_id is None:
        return ""
    return offline_byline(
        name=comment.submitter_name,
        organisation=comment.submitter_organisation,
        received_at=comment.received_at,
        channel=comment.channel,
    )


def row_byline(row) -> str:
    """:func:`comment_byline` for a ``values()`` row of a comment (ledger exports, report)."""
    if row["entered_by_id"] is None:
        return ""
    return offline_byline(
        name=row["submitter_name"],
        organisation=row["submitter_organisation"],
        received_at=row["received_at"],
        channel=row["channel"],
    )
