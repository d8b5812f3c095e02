"""``{% evaluation_prompt consultation timeline %}``: on the consultation page, after its
last round closed, a participant who has not evaluated the process yet is asked to (no
query for anonymous visitors).  ``timeline`` is the page's ``rounds.round_timeline``: every
round "past" is the consultation closed, without asking the database again."""

from django import template

from feedback import permissions
from feedback.evaluation import selectors as evaluation

register = template.Library()


@register.inclusion_tag("feedback/_evaluation_prompt.html", takes_context=True)
def evaluation_prompt(context, consultation, timeline=None) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)

    def closed() -> bool:
        if timeline is None:
            return permissions.is_closed(consultation=consultation)
        return bool(timeline) and all(entry.state == "past" for entry in timeline)

    show = bool(
        user is not None
        and user.is_authenticated
        and closed()
        and permissions.is_participant(user, consultation)
        and not evaluation.already_answered(user=user, consultation=consultation)
    )
    return {"consultation": consultation, "show": show}
