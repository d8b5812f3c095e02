"""``{% consultation_meetings consultation %}``: the meetings list on the consultation page."""

from django import template

from consult import permissions
from consult.meetings import selectors as meetings
from consult.translations.languages import language_name as name_of_language

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """A language code ("en") as its name in the reader's language ("English", "anglais"),
    from Django's own language data (``get_language_info``); an unknown code as given."""
    return name_of_language(code or "")


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
