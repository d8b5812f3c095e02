"""The secretariat's desk: one consultation's work waiting, each figure a link to it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from comments import permissions as comment_permissions
from consult.access import team_consultation
from feedback import permissions
from feedback.desk import selectors


@login_required
def desk(request, slug: str):
    consultation = team_consultation(request, slug)
    user = request.user
    return render(
        request,
        "feedback/desk/desk.html",
        {
            "consultation": consultation,
            "desk": selectors.desk(consultation=consultation),
            # Figures link only to the lists the viewer may open.
            "can_moderate": comment_permissions.can_moderate(user, consultation),
            "can_view_clusters": permissions.can_view_clusters(user, consultation),
            "can_report": permissions.can_report(user, consultation),
            "target_days": settings.PLENARY_RESPONSE_TARGET_DAYS,
        },
    )
