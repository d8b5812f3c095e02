"""``{% org_name organisation %}``: an organisation's name as every page shows it.

One place decides how an organisation is named: the name, then the word
"verified" (text, not colour alone) when the secretariat verified it.  A
duplicate merged into another is shown as the organisation it was merged
into, so comments made on a duplicate's behalf follow the merge.  Load
``merged_into`` with the organisation (``select_related("on_behalf_of__merged_into")``)
to keep lists at one query.
"""

from django import template

register = template.Library()


@register.inclusion_tag("includes/org_name.html")
def org_name(organisation):
    if organisation is None:
        return {"organisation": None}
    shown = organisation.merged_into if organisation.merged_into_id else organisation
    return {"organisation": shown}
