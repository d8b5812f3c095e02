"""``{% round_questions round %}``: the round's questions and their tallies, on the
consultation page.  Four queries whatever the number of answers (see
``comments.answers.selectors.round_tallies``); none more when the round asks nothing."""

from django import template

from comments.answers import selectors as answer_selectors

register = template.Library()


@register.inclusion_tag("consult/_round_questions.html", takes_context=True)
def round_questions(context, round_):
    tallies = answer_selectors.round_tallies(round_=round_) if round_ is not None else []
    return {
        "round": round_,
        "consultation": context.get("consultation"),
        "tallies": tallies,
        "round_is_open": bool(round_ and round_.is_open()),
    }
