"""A comment's points over the API (issue 23)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from comments import permissions as comment_permissions
from comments.access import comment_or_404
from comments.models import Attachment
from feedback.points import selectors, services
from feedback.points.serializers import PointSerializer, PointSplitSerializer


def points_data(request, comment) -> list:
    """The comment's points as its reader may see them (the comment's rule)."""
    can_read = comment_permissions.can_see_text(request.user, comment)
    points = selectors.points_of(comment=comment)
    return PointSerializer(points, many=True, context={"can_read": can_read}).data


class CommentPointsView(APIView):
    """GET: the comment's points and their published decisions, for whoever may open the
    comment (its text and rationales as the comment's); POST: the team splits it."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses={200: PointSerializer(many=True)})
    def get(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        return Response(points_data(request, comment))

    @extend_schema(request=PointSplitSerializer, responses={201: PointSerializer(many=True)})
    def post(self, request: Request, receipt: str) -> Response:
        comment = comment_or_404(receipt, request.user)
        data = PointSplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = data.validated_data
        attachment = None
        if chosen.get("attachment") is not None:
            attachment = Attachment.objects.filter(comment=comment, pk=chosen["attachment"]).first()
            if attachment is None:
                raise ValidationError({"attachment": _("This comment has no such file.")})
        if chosen.get("passages"):
            services.points_split(
                actor=request.user,
                comment=comment,
                spans=[(p["start"], p["end"]) for p in chosen["passages"]],
                attachment=attachment,
            )
        else:
            services.points_split_paragraphs(
                actor=request.user,
                comment=comment,
                selected=chosen["paragraphs"],
                breaks=chosen.get("breaks", []),
                attachment=attachment,
            )
        return Response(points_data(request, comment), status=status.HTTP_201_CREATED)
