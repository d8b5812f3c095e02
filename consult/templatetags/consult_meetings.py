"""``{% consultation_meetings consultation %}``: the meetings list on the consultation page."""

from django import template

from consult import permissions
from consult.meetings import selectors as meetings

register = template.Library()


@register.inclusion_tag("consult/_meetings.html", takes_context=True)
def consultation_meetings(context, consultation) -> dict:
    """The consultation's meetings (two queries: meetings, their groups)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "consultation": consultation,
        "meetings": list(meetings.meetings_of(consultation=consultation)),
        "can_run": permissions.can_run(user, consultation),
    }
