"""Theme blocks drawn on pages owned by other views, so those views need no change.

``{% public_themes consultation %}``: theme names and public comment counts on
the consultation page (one query).  ``{% comment_themes_form comment %}``: a
comment's theme checkboxes on the decide page, for whoever may manage themes;
it posts to ``staff_comment_themes`` and comes back to the page it was on.
"""

from django import template

from feedback import permissions
from feedback.themes import selectors
from feedback.themes.forms import CommentThemesForm

register = template.Library()


@register.inclusion_tag("feedback/themes_public.html")
def public_themes(consultation):
    return {"public_themes": list(selectors.themes_public(consultation=consultation))}


@register.inclusion_tag("feedback/themes_comment_form.html", takes_context=True)
def comment_themes_form(context, comment):
    request = context["request"]
    if not permissions.can_manage_themes(request.user, comment.consultation):
        return {"hidden": True}
    form = CommentThemesForm(
        themes=selectors.themes_of(consultation=comment.consultation),
        initial={"themes": list(selectors.comment_themes(comment=comment))},
    )
    return {
        "comment": comment,
        "form": form,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
