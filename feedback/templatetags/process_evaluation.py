"""``{% evaluation_prompt consultation %}``: on the consultation page, after its last round
closed, a participant who has not evaluated the process yet is asked to (no query for
anonymous visitors)."""

from django import template

from feedback import evaluation

register = template.Library()


@register.inclusion_tag("feedback/_evaluation_prompt.html", takes_context=True)
def evaluation_prompt(context, consultation) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(
        user is not None
        and user.is_authenticated
        and evaluation.is_closed(consultation=consultation)
        and evaluation.is_participant(user, consultation)
        and not evaluation.already_answered(user=user, consultation=consultation)
    )
    return {"consultation": consultation, "show": show}
